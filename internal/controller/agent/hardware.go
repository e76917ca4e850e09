package agent

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/lintel-dev/lintel/internal/controller/wire"
)

// Presentation is one thing that happened at a reader: a credential shown
// (Kind is a credential type's kind or slug, such as "card", "fob", "pin"
// or "mobile", and Value its number) or a button pressed (Kind "rex" or
// "aux", no Value). ChannelID 0 means the agent's default door.
type Presentation struct {
	Kind      string
	Value     string
	ChannelID int64
}

// Reader yields presentations. Read blocks until one arrives, ctx ends, or
// the reader is exhausted (io.EOF).
type Reader interface {
	Read(ctx context.Context) (Presentation, error)
}

// Relay drives door strikes.
type Relay interface {
	// Open releases the door for the given time.
	Open(channelID int64, for_ time.Duration) error
}

// LineReader reads presentations as text lines: "KIND [VALUE] [DOOR]",
// for example "card 1234567890", "pin 1234 7" or "rex 7". Blank lines and
// lines starting with # are skipped. A line it cannot read is reported
// through Bad and skipped.
type LineReader struct {
	sc    *bufio.Scanner
	lines chan lineResult
	once  sync.Once
	Bad   func(line string, err error)
}

type lineResult struct {
	p   Presentation
	err error
}

// NewLineReader reads lines from r.
func NewLineReader(r io.Reader) *LineReader {
	return &LineReader{sc: bufio.NewScanner(r), lines: make(chan lineResult)}
}

// Read implements Reader. The underlying reader is read on a goroutine so
// that ctx can interrupt a blocked read.
func (l *LineReader) Read(ctx context.Context) (Presentation, error) {
	l.once.Do(func() { go l.pump() })
	select {
	case <-ctx.Done():
		return Presentation{}, ctx.Err()
	case r, ok := <-l.lines:
		if !ok {
			return Presentation{}, io.EOF
		}
		return r.p, r.err
	}
}

func (l *LineReader) pump() {
	for l.sc.Scan() {
		line := strings.TrimSpace(l.sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		p, err := ParsePresentation(line)
		if err != nil {
			if l.Bad != nil {
				l.Bad(line, err)
			}
			continue
		}
		l.lines <- lineResult{p: p}
	}
	err := l.sc.Err()
	if err == nil {
		err = io.EOF
	}
	l.lines <- lineResult{err: err}
	close(l.lines)
}

// ParsePresentation reads "KIND [VALUE] [DOOR]". Credentials need a value;
// rex and aux take none. Errors: a message naming what is wrong.
func ParsePresentation(line string) (Presentation, error) {
	f := strings.Fields(line)
	if len(f) == 0 {
		return Presentation{}, fmt.Errorf("empty line")
	}
	p := Presentation{Kind: strings.ToLower(f[0])}
	rest := f[1:]
	if p.Kind != "rex" && p.Kind != "aux" {
		if len(rest) == 0 {
			return Presentation{}, fmt.Errorf("%s needs a value, as in %q", p.Kind, p.Kind+" 1234")
		}
		p.Value, rest = rest[0], rest[1:]
	}
	if len(rest) > 1 {
		return Presentation{}, fmt.Errorf("too many words; write KIND [VALUE] [DOOR]")
	}
	if len(rest) == 1 {
		id, err := strconv.ParseInt(rest[0], 10, 64)
		if err != nil || id <= 0 {
			return Presentation{}, fmt.Errorf("door %q is not a door id", rest[0])
		}
		p.ChannelID = id
	}
	return p, nil
}

// LogRelay reports door openings instead of driving hardware.
type LogRelay struct {
	mu  sync.Mutex
	Out io.Writer
}

// Open implements Relay by writing a line.
func (r *LogRelay) Open(channelID int64, d time.Duration) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, err := fmt.Fprintf(r.Out, "relay: door %d released for %s\n", channelID, d)
	return err
}

// LockedWriter serialises writes to W, so that the agent and a LogRelay
// can share one output.
type LockedWriter struct {
	mu sync.Mutex
	W  io.Writer
}

// Write implements io.Writer.
func (l *LockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.W.Write(p)
}

// Board is door hardware that keeps its own copy of the access list and
// decides by itself, such as a UHPPOTE controller board. The agent stays
// the protocol client: it hands the board every access list it installs
// and every change it applies, passes it the doors' commands, records the
// events the board reports in its outbox, and heartbeats only while the
// board answers, so the server sees the doors go offline with the board;
// each heartbeat carries the doors' contacts and locks.
type Board interface {
	// Load makes snap the board's access list. fresh is true for a
	// snapshot just downloaded (enrolment, resync): the board is loaded
	// whole; false for one read from disk at start, when only what
	// differs from the board needs sending. Load must not block on the
	// hardware: the board catches up in Run.
	Load(snap *wire.Snapshot, fresh bool)
	// Apply adds changes received after the access list in use. Like
	// Load, it must not block on the hardware.
	Apply(c *wire.Changes)
	// Command carries out a door command and returns the outcome to
	// report.
	Command(ctx context.Context, cmd wire.Command) wire.CommandResult
	// Run talks to the board until ctx ends, reporting its events through
	// rec. It returns ctx.Err() or an error that stops the board for good.
	Run(ctx context.Context, rec Recorder) error
	// Online reports whether the board answered its last request.
	Online() bool
	// DoorStates returns what the board last said about its doors'
	// contacts and locks, sent with each heartbeat.
	DoorStates() []wire.DoorState
}

// Recorder keeps events in the agent's outbox (synced to disk) for upload.
type Recorder interface {
	Record(events ...wire.Event) error
}
