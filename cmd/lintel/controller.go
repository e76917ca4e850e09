package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/lintel-dev/lintel/internal/controller/agent"
)

// controllerInput is where `lintel controller` reads presentations; tests
// replace it.
var controllerInput io.Reader = os.Stdin

func runController(ctx context.Context, args []string, out io.Writer) error {
	fs := newFlags("controller", "--server URL --secret-file FILE --state-dir DIR [flags]",
		`Runs the reference door controller. It reads presentations from standard input, one
per line: "card 1234567890", "fob 99", "pin 1234", "mobile TOKEN", "rex" or "aux",
optionally followed by a door id. Each is decided locally from the access list kept
in the state directory, whether or not the server answers, and printed; events are
buffered there and uploaded when the link works. It exits at the end of input.`, out)
	server := fs.String("server", "", "Lintel server `URL`, e.g. http://127.0.0.1:8080 (required)")
	secretFile := fs.String("secret-file", "", "`file` holding the device secret from 'lintel controllers enroll' (required)")
	stateDir := fs.String("state-dir", "", "`directory` for the access list and unsent events (required; one per controller)")
	door := fs.Int64("door", 0, "door `id` for presentations that name none (default: the first door of the controller)")
	heartbeat := fs.Duration("heartbeat", 15*time.Second, "heartbeat `interval`")
	if err := fs.parse(args); err != nil {
		return err
	}
	if u, err := url.Parse(*server); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return usageError{"--server must be an http(s) URL such as http://127.0.0.1:8080"}
	}
	if *secretFile == "" || *stateDir == "" {
		return usageError{"--secret-file and --state-dir are required"}
	}
	b, err := os.ReadFile(*secretFile)
	if err != nil {
		return fmt.Errorf("read the device secret: %w", err)
	}
	secret := strings.TrimSpace(string(b))
	if secret == "" {
		return usageError{"the secret file is empty"}
	}
	out = &agent.LockedWriter{W: out}
	st, err := agent.OpenState(*stateDir)
	if err != nil {
		return err
	}
	lines := agent.NewLineReader(controllerInput)
	lines.Bad = func(line string, err error) { fmt.Fprintf(out, "ignored %q: %v\n", line, err) }
	a, err := agent.New(agent.Config{Server: *server, Secret: secret, State: st, Reader: lines,
		Relay: &agent.LogRelay{Out: out}, Out: out, Channel: *door, HeartbeatEvery: *heartbeat})
	if err != nil {
		return err
	}
	err = a.Run(ctx)
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}
