package emulator_test

import (
	"net"
	"net/netip"
	"testing"
	"time"

	codec "github.com/uhppoted/uhppote-core/encoding/UTO311-L0x"
	"github.com/uhppoted/uhppote-core/messages"
	"github.com/uhppoted/uhppote-core/types"
	core "github.com/uhppoted/uhppote-core/uhppote"

	"github.com/lintel-dev/lintel/internal/uhppote/emulator"
)

// client returns the vendor library's client for board b.
func client(t *testing.T, b *emulator.Board) core.IUHPPOTE {
	t.Helper()
	dev := core.Device{DeviceID: b.Serial(), Address: types.ControllerAddrFrom(b.Addr().Addr(), b.Addr().Port()), Protocol: "udp"}
	bind := types.BindAddrFrom(netip.MustParseAddr("127.0.0.1"), 0)
	bcast := types.BroadcastAddrFrom(b.Addr().Addr(), b.Addr().Port())
	return core.NewUHPPOTE(bind, bcast, types.ListenAddr{}, 500*time.Millisecond, []core.Device{dev}, false)
}

func start(t *testing.T, cfg emulator.Config) *emulator.Board {
	t.Helper()
	b, err := emulator.Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })
	return b
}

// TestCardsProfilesAndSwipes loads a card and a profile through the
// vendor library and checks the board's own decisions.
func TestCardsProfilesAndSwipes(t *testing.T) {
	now := time.Date(2025, 6, 10, 9, 30, 0, 0, time.UTC) // a Tuesday
	b := start(t, emulator.Config{Serial: 405419896, Now: func() time.Time { return now }})
	u := client(t, b)
	if _, err := u.SetTime(b.Serial(), now); err != nil {
		t.Fatal(err)
	}
	date := func(s string) types.Date {
		d, _ := time.ParseInLocation("2006-01-02", s, time.Local)
		return types.Date(d)
	}
	hhmm := func(h, m int) types.HHmm { return types.NewHHmm(h, m) }
	profile := types.TimeProfile{ID: 2, From: date("2025-01-01"), To: date("2025-12-31"),
		Weekdays: types.Weekdays{time.Tuesday: true},
		Segments: types.Segments{1: {Start: hhmm(8, 0), End: hhmm(9, 29)}, 2: {Start: hhmm(8, 0), End: hhmm(9, 29)}, 3: {Start: hhmm(8, 0), End: hhmm(9, 29)}}}
	if ok, err := u.SetTimeProfile(b.Serial(), profile); err != nil || !ok {
		t.Fatalf("set profile: %v %v", ok, err)
	}
	card := types.Card{CardNumber: 10058400, From: date("2025-01-01"), To: date("2025-12-31"), Doors: map[uint8]uint8{1: 1, 2: 2}}
	if ok, err := u.PutCard(b.Serial(), card); err != nil || !ok {
		t.Fatalf("put card: %v %v", ok, err)
	}
	got, err := u.GetCardByID(b.Serial(), 10058400)
	if err != nil || got == nil || got.CardNumber != 10058400 || got.Doors[2] != 2 {
		t.Fatalf("get card: %+v %v", got, err)
	}
	for _, c := range []struct {
		door    uint8
		card    uint32
		granted bool
		reason  uint8
	}{
		{1, 10058400, true, emulator.ReasonSwipePass},
		{2, 10058400, false, emulator.ReasonInvalidTimezone}, // 09:30 is past the segment's 09:29
		{3, 10058400, false, emulator.ReasonNoPrivilege},
		{1, 12345, false, emulator.ReasonNoPass},
	} {
		r, err := b.Swipe(c.card, c.door)
		if err != nil || r.Granted != c.granted || r.Reason != c.reason {
			t.Errorf("swipe %d at %d: %+v %v, want granted %v reason %#x", c.card, c.door, r, err, c.granted, c.reason)
		}
	}
	now = now.Add(-time.Minute) // 09:29: inside the segment
	if r, _ := b.Swipe(10058400, 2); !r.Granted {
		t.Errorf("09:29 on profile 08:00-09:29: %+v", r)
	}
	if _, err := u.SetDoorControlState(b.Serial(), 1, types.NormallyClosed, 5); err != nil {
		t.Fatal(err)
	}
	if r, _ := b.Swipe(10058400, 1); r.Granted || r.Reason != emulator.ReasonNormallyClosed {
		t.Errorf("normally closed door: %+v", r)
	}
	if ok, err := u.DeleteCard(b.Serial(), 10058400); err != nil || !ok {
		t.Fatalf("delete: %v %v", ok, err)
	}
	if n, err := u.GetCards(b.Serial()); err != nil || n != 0 {
		t.Fatalf("cards after delete: %d %v", n, err)
	}
}

// TestEventsListenerAndReboot checks that events are pushed to the
// listener with the library's codec, read back by index, and kept over a
// reboot.
func TestEventsListenerAndReboot(t *testing.T) {
	b := start(t, emulator.Config{Serial: 201020304})
	u := client(t, b)
	ln, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if ok, err := u.SetListener(b.Serial(), ln.LocalAddr().(*net.UDPAddr).AddrPort(), 0); err != nil || !ok {
		t.Fatalf("set listener: %v %v", ok, err)
	}
	r, _ := b.Swipe(99, 1)
	buf := make([]byte, 1024)
	_ = ln.SetReadDeadline(time.Now().Add(2 * time.Second))
	n, _, err := ln.ReadFromUDP(buf)
	if err != nil {
		t.Fatal(err)
	}
	var e messages.Event
	if err := codec.Unmarshal(buf[:n], &e); err != nil {
		t.Fatal(err)
	}
	if e.EventIndex != r.Index || e.CardNumber != 99 || e.Granted || e.Reason != emulator.ReasonNoPass {
		t.Fatalf("pushed event %+v, want index %d", e, r.Index)
	}
	if err := b.Reboot(); err != nil {
		t.Fatal(err)
	}
	got, err := u.GetEvent(b.Serial(), r.Index)
	if err != nil || got.CardNumber != 99 || got.Index != r.Index {
		t.Fatalf("event %d after reboot: %+v %v", r.Index, got, err)
	}
	st, err := u.GetStatus(b.Serial())
	if err != nil || st.Event.Index != r.Index+1 || st.Event.Reason != emulator.ReasonPowerOn {
		t.Fatalf("status after reboot: %+v %v", st, err)
	}
	b.SetOnline(false)
	if _, err := u.GetStatus(b.Serial()); err == nil {
		t.Fatal("a board off the network answered")
	}
}
