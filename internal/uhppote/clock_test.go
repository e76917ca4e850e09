package uhppote_test

import (
	"context"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/lintel-dev/lintel/internal/controller/wire"
	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/uhppote"
	"github.com/lintel-dev/lintel/internal/uhppote/emulator"
)

// outbox is a Recorder that keeps events in memory.
type outbox struct {
	mu     sync.Mutex
	events []wire.Event
}

func (o *outbox) Record(events ...wire.Event) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.events = append(o.events, events...)
	return nil
}

// TestClockFollowsDST runs the driver against a board without a server
// and moves the clock across both of London's daylight-saving changes:
// the board's clock shows London's wall time on each side.
func TestClockFollowsDST(t *testing.T) {
	c := newClock(time.Date(2026, 3, 29, 0, 59, 30, 0, time.UTC)) // 00:59:30 GMT; at 01:00 UTC London goes to BST
	board, err := emulator.Start(emulator.Config{Serial: 201020304, Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer board.Close()
	london := "Europe/London"
	site := int64(1)
	snap := &wire.Snapshot{AccountID: 1, Seq: 1, TimeZone: london, Sites: []wire.Site{{ID: 1, TimeZone: &london}},
		Channels:        []wire.Channel{{ID: 3, Name: "Door", SiteID: &site, Mode: "normal"}},
		CredentialTypes: []wire.CredentialType{{ID: 1, Slug: "card", Kind: domain.KindCard}}}
	out := &syncBuffer{}
	d, err := uhppote.New(uhppote.Config{Serial: board.Serial(), Addr: board.Addr(), Doors: uhppote.Doors{3}, StateDir: t.TempDir(),
		Listen: "127.0.0.1:0", Bind: netip.MustParseAddr("127.0.0.1"), Now: c.Now, Timeout: 100 * time.Millisecond,
		PollEvery: 20 * time.Millisecond, Out: out})
	if err != nil {
		t.Fatal(err)
	}
	d.Load(snap, true)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx, &outbox{}) }()
	defer func() { cancel(); <-done }()

	wall := func(want string) {
		t.Helper()
		waitFor(t, 10*time.Second, "the board's clock to read "+want, func() bool {
			return board.Clock().Format("2006-01-02 15:04") == want
		})
	}
	wall("2026-03-29 00:59")
	c.Set(time.Date(2026, 3, 29, 1, 0, 30, 0, time.UTC))
	wall("2026-03-29 02:00") // the hour from 01:00 to 02:00 never comes
	c.Set(time.Date(2026, 10, 25, 0, 59, 30, 0, time.UTC))
	wall("2026-10-25 01:59")
	c.Set(time.Date(2026, 10, 25, 1, 0, 30, 0, time.UTC))
	wall("2026-10-25 01:00") // the hour from 01:00 to 02:00 comes twice
	if board.Mode(1) != emulator.Controlled {
		t.Errorf("door 1 mode %d, want controlled", board.Mode(1))
	}
}
