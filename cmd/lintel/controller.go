package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/lintel-dev/lintel/internal/controller/agent"
	"github.com/lintel-dev/lintel/internal/uhppote"
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
buffered there and uploaded when the link works. It exits at the end of input.

With --driver uhppote it drives a UHPPOTE UT0311-L0x board instead (--board, --board-door):
the board holds the access list and decides by itself; the controller keeps it
current, sets its door modes and clock, and uploads its events. It runs until
interrupted. docs/hardware.md describes the setup.`, out)
	server := fs.String("server", "", "Lintel server `URL`, e.g. http://127.0.0.1:8080 (required)")
	secretFile := fs.String("secret-file", "", "`file` holding the device secret from 'lintel controllers enroll' (required)")
	stateDir := fs.String("state-dir", "", "`directory` for the access list and unsent events (required; one per controller)")
	door := fs.Int64("door", 0, "door `id` for presentations that name none (default: the first door of the controller)")
	heartbeat := fs.Duration("heartbeat", 15*time.Second, "heartbeat `interval`")
	driver := fs.String("driver", "lines", "`hardware`: lines (presentations on standard input) or uhppote (a UHPPOTE board)")
	board := fs.String("board", "", "with --driver uhppote: the board's `SERIAL@ADDRESS[:PORT]` (see 'lintel controllers discover')")
	var doors doorMap
	fs.Var(&doors, "board-door", "with --driver uhppote: `N=ID`, board door N (1-4) is Lintel door ID (repeat or comma-separate)")
	listen := fs.String("listen", "0.0.0.0:60001", "with --driver uhppote: local UDP `address` for the board's events")
	advertise := fs.String("advertise", "", "with --driver uhppote: `address:port` the board sends events to (default: the local address that reaches the board, with --listen's port)")
	inFlight := fs.Int("board-inflight", 1, "with --driver uhppote: `requests` kept in flight while loading the board")
	boardTimeout := fs.Duration("board-timeout", time.Second, "with --driver uhppote: how long to wait for each answer of the board")
	if err := fs.parse(args); err != nil {
		return err
	}
	if u, err := url.Parse(*server); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return usageError{"--server must be an http(s) URL such as http://127.0.0.1:8080"}
	}
	if *secretFile == "" || *stateDir == "" {
		return usageError{"--secret-file and --state-dir are required"}
	}
	var bcfg *uhppote.Config
	switch *driver {
	case "lines":
		if *board != "" || len(doors.channels()) > 0 {
			return usageError{"--board and --board-door need --driver uhppote"}
		}
	case "uhppote":
		serial, addr, err := parseBoard(*board)
		if err != nil {
			return usageError{err.Error()}
		}
		if len(doors.channels()) == 0 {
			return usageError{"--driver uhppote needs --board-door N=ID for at least one board door"}
		}
		if *inFlight < 1 || *inFlight > 64 {
			return usageError{"--board-inflight must be between 1 and 64"}
		}
		if *boardTimeout < 50*time.Millisecond || *boardTimeout > time.Minute {
			return usageError{"--board-timeout must be between 50ms and 1m"}
		}
		bcfg = &uhppote.Config{Serial: serial, Addr: addr, Doors: uhppote.Doors(doors), StateDir: *stateDir, Listen: *listen,
			InFlight: *inFlight, Timeout: *boardTimeout}
		if *advertise != "" {
			if bcfg.Advertise, err = netip.ParseAddrPort(*advertise); err != nil {
				return usageError{"--advertise must be an address:port"}
			}
		}
	default:
		return usageError{"--driver must be lines or uhppote"}
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
	cfg := agent.Config{Server: *server, Secret: secret, State: st, Out: out, Channel: *door, HeartbeatEvery: *heartbeat}
	if bcfg != nil {
		bcfg.Out = out
		if cfg.Board, err = uhppote.New(*bcfg); err != nil {
			return err
		}
	} else {
		lines := agent.NewLineReader(controllerInput)
		lines.Bad = func(line string, err error) { fmt.Fprintf(out, "ignored %q: %v\n", line, err) }
		cfg.Reader, cfg.Relay = lines, &agent.LogRelay{Out: out}
	}
	a, err := agent.New(cfg)
	if err != nil {
		return err
	}
	err = a.Run(ctx)
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}
