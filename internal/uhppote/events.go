package uhppote

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	codec "github.com/uhppoted/uhppote-core/encoding/UTO311-L0x"
	"github.com/uhppoted/uhppote-core/messages"
	"github.com/uhppoted/uhppote-core/types"

	"github.com/lintel-dev/lintel/internal/controller/agent"
	"github.com/lintel-dev/lintel/internal/controller/wire"
)

// boardEvent is one record of the board's event store. At holds the
// board's wall clock as fields in the UTC location.
type boardEvent struct {
	Index   uint32
	Type    uint8
	Granted bool
	Door    uint8
	Card    uint32
	At      time.Time
	Reason  uint8
}

// cursor is where the driver is in the board's event store, saved beside
// the image: Last is the newest index handed to the outbox.
type cursor struct {
	Last    uint32 `json:"last"`
	Started bool   `json:"started"` // false until the board was first asked
}

// events receives the board's events and hands each to the outbox once,
// in index order: pushed events are used as they come; a push that skips
// indices, a poll that finds the board ahead, or a first contact after a
// gap reads the missing ones from the board's store.
type events struct {
	d       *Driver
	rec     agent.Recorder
	conn    *net.UDPConn
	pushed  chan boardEvent
	cur     cursor
	pending map[string]bool // outbox ids at start: not recorded twice after a crash
	clockAt time.Time       // when the board's clock was last set
	clockIn *time.Location  // the zone it was set in
}

func newEvents(d *Driver, rec agent.Recorder) (*events, error) {
	addr, err := net.ResolveUDPAddr("udp4", d.cfg.Listen)
	if err != nil {
		return nil, fmt.Errorf("event listener address: %w", err)
	}
	conn, err := net.ListenUDP("udp4", addr)
	if err != nil {
		return nil, fmt.Errorf("listen for board events: %w", err)
	}
	e := &events{d: d, rec: rec, conn: conn, pushed: make(chan boardEvent, 256), pending: map[string]bool{}}
	if err := e.loadCursor(); err != nil {
		conn.Close()
		return nil, err
	}
	if p, ok := rec.(interface {
		Pending() ([]wire.Event, error)
	}); ok {
		list, err := p.Pending()
		if err != nil {
			conn.Close()
			return nil, err
		}
		for _, ev := range list {
			e.pending[ev.ID] = true
		}
	}
	return e, nil
}

func (e *events) close() { e.conn.Close() }

func (e *events) cursorPath() string {
	return filepath.Join(e.d.cfg.StateDir, fmt.Sprintf("uhppote-%d-events.json", e.d.cfg.Serial))
}

func (e *events) loadCursor() error {
	b, err := os.ReadFile(e.cursorPath())
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read event cursor: %w", err)
	}
	return json.Unmarshal(b, &e.cur)
}

func (e *events) saveCursor() error {
	b, _ := json.Marshal(e.cur)
	tmp := e.cursorPath() + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return fmt.Errorf("save event cursor: %w", err)
	}
	return os.Rename(tmp, e.cursorPath())
}

// listenAddr is what the board is told to send events to.
func (e *events) listenAddr() (netip.AddrPort, error) {
	if e.d.cfg.Advertise.IsValid() {
		return e.d.cfg.Advertise, nil
	}
	port := e.conn.LocalAddr().(*net.UDPAddr).AddrPort().Port()
	local := e.conn.LocalAddr().(*net.UDPAddr).AddrPort().Addr().Unmap()
	if local.IsUnspecified() {
		var err error
		if local, err = localAddr(e.d.cfg.Addr); err != nil {
			return netip.AddrPort{}, err
		}
	}
	return netip.AddrPortFrom(local, port), nil
}

// receive decodes pushed events with the vendor codec until the socket
// closes.
func (e *events) receive() {
	buf := make([]byte, 2048)
	for {
		n, _, err := e.conn.ReadFromUDP(buf)
		if err != nil {
			close(e.pushed)
			return
		}
		var m messages.Event
		if codec.Unmarshal(buf[:n], &m) != nil || uint32(m.SerialNumber) != e.d.cfg.Serial || m.EventIndex == 0 {
			continue
		}
		be := boardEvent{Index: m.EventIndex, Type: m.EventType, Granted: m.Granted, Door: m.Door, Card: m.CardNumber,
			At: wall(time.Time(m.Timestamp)), Reason: m.Reason}
		e.d.noteDoors(m.RelayState, [4]bool{m.Door1State, m.Door2State, m.Door3State, m.Door4State})
		select {
		case e.pushed <- be:
		default: // the poll will read it from the board
		}
	}
}

// run handles pushed events and polls the board until ctx ends.
func (e *events) run(ctx context.Context) {
	go e.receive()
	go func() { <-ctx.Done(); e.conn.Close() }()
	poll := time.NewTicker(e.d.cfg.PollEvery)
	defer poll.Stop()
	wasOnline := false
	for {
		online := e.check(ctx, wasOnline)
		wasOnline = online
		select {
		case <-ctx.Done():
			return
		case be, ok := <-e.pushed:
			if !ok {
				return
			}
			if err := e.onPush(be); err != nil {
				e.d.printf("%v", err)
			}
		case <-poll.C:
		}
	}
}

// check asks the board for its status: on coming online it points the
// board's listener at the driver and sets its clock; it sets the clock
// when it is due; and it reads any events missed. It reports whether the
// board answered.
func (e *events) check(ctx context.Context, wasOnline bool) bool {
	st, err := e.d.c.status()
	if err != nil {
		if wasOnline {
			e.d.printf("not answering: %v", err)
		}
		e.d.online.Store(false)
		return false
	}
	e.d.online.Store(true)
	e.d.noteStatus(st)
	if !wasOnline {
		e.d.printf("online")
		addr, err := e.listenAddr()
		if err == nil {
			err = e.d.c.setListener(addr)
		}
		if err == nil {
			err = e.d.c.recordSpecialEvents()
		}
		if err != nil {
			e.d.printf("set event listener: %v", err)
		}
		e.clockAt = time.Time{}
		e.d.kick() // writes that failed while it was away
	}
	e.keepClock()
	latest := st.Event.Index
	if !e.cur.Started {
		// Events before the board became this controller's are not
		// Lintel's.
		e.cur = cursor{Last: latest, Started: true}
		if err := e.saveCursor(); err != nil {
			e.d.printf("%v", err)
		}
		return true
	}
	if latest < e.cur.Last {
		e.d.printf("event store restarted at %d (was at %d): reading it from the start", latest, e.cur.Last)
		e.cur.Last = 0
	}
	if latest > e.cur.Last {
		if err := e.catchUp(latest); err != nil && ctx.Err() == nil {
			e.d.printf("%v", err)
		}
	}
	return true
}

// catchUp reads events Last+1 to upto from the board's store and takes
// them in order, a hundred at a time.
func (e *events) catchUp(upto uint32) error {
	var run []boardEvent
	for i := e.cur.Last + 1; i <= upto; i++ {
		ev, err := e.d.c.event(i)
		if err != nil && strings.Contains(err.Error(), "overwritten") {
			e.d.printf("event %d was overwritten on the board before it could be read", i)
			if err := e.take(run); err != nil {
				return err
			}
			run = nil
			e.cur.Last = i
			continue
		}
		if err != nil || ev == nil { // nil: not stored yet
			return errors.Join(err, e.take(run))
		}
		e.d.statsMu.Lock()
		e.d.stats.Gaps++
		e.d.statsMu.Unlock()
		run = append(run, boardEvent{Index: ev.Index, Type: ev.Type, Granted: ev.Granted, Door: ev.Door, Card: ev.CardNumber,
			At: wall(time.Time(ev.Timestamp)), Reason: ev.Reason})
		if len(run) == 100 {
			if err := e.take(run); err != nil {
				return err
			}
			run = nil
		}
	}
	return e.take(run)
}

// onPush takes a pushed event and those queued behind it: the ones that
// follow on from the cursor as they are, the ones missing in between
// from the board's store.
func (e *events) onPush(first boardEvent) error {
	batch := []boardEvent{first}
	for len(batch) < 500 {
		select {
		case be, ok := <-e.pushed:
			if !ok {
				return e.takePushed(batch)
			}
			batch = append(batch, be)
			continue
		default:
		}
		break
	}
	return e.takePushed(batch)
}

// takePushed takes pushed events in index order, reading any missing
// ones from the board; those already taken are skipped.
func (e *events) takePushed(batch []boardEvent) error {
	if !e.cur.Started {
		return nil // the first status check places the cursor
	}
	slices.SortFunc(batch, func(a, b boardEvent) int { return cmp.Compare(a.Index, b.Index) })
	var run []boardEvent
	for _, be := range batch {
		next := e.cur.Last + 1 + uint32(len(run))
		switch {
		case be.Index < next:
			continue // seen
		case be.Index > next:
			if err := e.take(run); err != nil {
				return err
			}
			run = nil
			if err := e.catchUp(be.Index - 1); err != nil {
				return err
			}
			if be.Index != e.cur.Last+1 {
				continue // the store is behind its own push; the poll reads it
			}
		}
		run = append(run, be)
	}
	return e.take(run)
}

// take hands events (consecutive, after the cursor) to the outbox, once
// each and with one sync, and moves the cursor past them.
func (e *events) take(list []boardEvent) error {
	if len(list) == 0 {
		return nil
	}
	var out []wire.Event
	for _, be := range list {
		if be.Reason == reasonPowerOn || be.Reason == reasonReset {
			e.clockAt = time.Time{} // a restarted board may have lost its time
		}
		for _, ev := range e.d.convert(be) {
			if !e.pending[ev.ID] {
				out = append(out, ev)
			}
		}
	}
	if err := e.rec.Record(out...); err != nil {
		return err
	}
	e.d.statsMu.Lock()
	e.d.stats.Events += int64(len(out))
	e.d.statsMu.Unlock()
	e.cur.Last = list[len(list)-1].Index
	return e.saveCursor()
}

// keepClock sets the board's clock to the site's wall time when it was
// never set in this run, after ClockEvery, when the board's zone changed,
// and at each change of the zone's offset (daylight saving). It waits for
// the first access list, which names the zone.
func (e *events) keepClock() {
	if e.d.plan.Load() == nil {
		return
	}
	now := e.d.cfg.Now()
	loc := e.d.zone()
	due := e.clockAt.IsZero() || now.Sub(e.clockAt) >= e.d.cfg.ClockEvery || e.clockIn == nil || e.clockIn.String() != loc.String()
	if !due {
		_, before := e.clockAt.In(loc).Zone()
		_, after := now.In(loc).Zone()
		due = before != after
	}
	if !due {
		return
	}
	_, before := e.clockAt.In(loc).Zone()
	if err := e.d.c.setTime(now.In(loc)); err != nil {
		e.d.printf("set clock: %v", err)
		return
	}
	if _, after := now.In(loc).Zone(); e.clockAt.IsZero() || before != after {
		e.d.printf("clock set to %s (%s)", now.In(loc).Format("2006-01-02 15:04:05 MST"), loc)
	}
	e.clockAt, e.clockIn = now, loc
}

// wall reads the fields of a time the codec decoded (in the host's zone)
// as a wall clock in the UTC location.
func wall(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, t.Hour(), t.Minute(), t.Second(), 0, time.UTC)
}

// zone is the board's time zone (UTC until an access list arrived).
func (d *Driver) zone() *time.Location {
	if p := d.plan.Load(); p != nil && p.zone != nil {
		return p.zone
	}
	return time.UTC
}

// noteStatus records door contacts and relays from a status answer.
func (d *Driver) noteStatus(st *types.Status) {
	d.noteDoors(st.RelayState, [4]bool{st.DoorState[1], st.DoorState[2], st.DoorState[3], st.DoorState[4]})
}

func (d *Driver) noteDoors(relays uint8, open [4]bool) {
	d.statusMu.Lock()
	defer d.statusMu.Unlock()
	d.statusSeen = true
	for i := range d.doors {
		was := d.doors[i].Open
		d.doors[i].Open, d.doors[i].Unlocked = open[i], relays&(1<<i) != 0
		if was != open[i] && d.doors[i].ChannelID != 0 {
			state := "closed"
			if open[i] {
				state = "open"
			}
			d.printf("door %d (Lintel door %d) is %s", i+1, d.doors[i].ChannelID, state)
		}
	}
}
