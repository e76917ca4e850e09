package uhppote

import (
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/uhppoted/uhppote-core/types"
	core "github.com/uhppoted/uhppote-core/uhppote"
)

// client sends requests to one board through the vendor library, trying
// each again when the answer is lost (UDP drops packets; every request
// the driver sends is safe to repeat).
type client struct {
	u       core.IUHPPOTE
	serial  uint32
	retries int
}

// newClient returns a client for board serial at addr. timeout bounds the
// wait for each answer; retries is how many times a request is sent again.
func newClient(serial uint32, addr netip.AddrPort, bind netip.Addr, timeout time.Duration, retries int) *client {
	dev := core.Device{DeviceID: serial, Address: types.ControllerAddrFrom(addr.Addr(), addr.Port()), Protocol: "udp"}
	u := core.NewUHPPOTE(types.BindAddrFrom(bind, 0), types.BroadcastAddrFrom(addr.Addr(), addr.Port()), types.ListenAddr{},
		timeout, []core.Device{dev}, false)
	return &client{u: u, serial: serial, retries: retries}
}

// errRefused is a request the board answered but did not carry out.
var errRefused = errors.New("the board refused the request")

// do runs f until it succeeds or the tries run out. Errors: the last
// one, wrapped with what was asked.
func (c *client) do(what string, f func() error) error {
	var err error
	for i := 0; i <= c.retries; i++ {
		if err = f(); err == nil {
			return nil
		}
		if errors.Is(err, errRefused) {
			break
		}
	}
	return fmt.Errorf("board %d: %s: %w", c.serial, what, err)
}

func ok(done bool, err error) error {
	if err != nil {
		return err
	}
	if !done {
		return errRefused
	}
	return nil
}

func (c *client) putCard(n uint32, bc boardCard) error {
	from, err1 := time.Parse(time.DateOnly, bc.From)
	to, err2 := time.Parse(time.DateOnly, bc.To)
	if err := errors.Join(err1, err2); err != nil {
		return err
	}
	card := types.Card{CardNumber: n, From: types.Date(from), To: types.Date(to),
		Doors: map[uint8]uint8{1: bc.Doors[0], 2: bc.Doors[1], 3: bc.Doors[2], 4: bc.Doors[3]}}
	return c.do(fmt.Sprintf("put card %d", n), func() error { return ok(c.u.PutCard(c.serial, card)) })
}

// deleteCard removes a card; a card the board does not have counts as
// removed.
func (c *client) deleteCard(n uint32) error {
	return c.do(fmt.Sprintf("delete card %d", n), func() error { _, err := c.u.DeleteCard(c.serial, n); return err })
}

func (c *client) setProfile(id uint8, bp boardProfile) error {
	p := types.TimeProfile{ID: id, LinkedProfileID: bp.Linked, Weekdays: types.Weekdays{}, Segments: types.Segments{}}
	from, to := firstDate, lastDate
	if bp.Closed {
		to = firstDate
	}
	f, _ := time.Parse(time.DateOnly, from)
	t, _ := time.Parse(time.DateOnly, to)
	p.From, p.To = types.Date(f), types.Date(t)
	for d, on := range bp.Weekdays {
		p.Weekdays[time.Weekday(d)] = on && !bp.Closed
	}
	for i, s := range bp.Segments {
		p.Segments[uint8(i+1)] = types.Segment{Start: types.NewHHmm(s[0]/60, s[0]%60), End: types.NewHHmm(s[1]/60, s[1]%60)}
	}
	return c.do(fmt.Sprintf("set time profile %d", id), func() error { return ok(c.u.SetTimeProfile(c.serial, p)) })
}

func (c *client) setMode(door, mode, delay uint8) error {
	return c.do(fmt.Sprintf("set door %d mode %d", door, mode), func() error {
		st, err := c.u.SetDoorControlState(c.serial, door, types.ControlState(mode), delay)
		if err != nil {
			return err
		}
		return ok(st != nil && uint8(st.ControlState) == mode, nil)
	})
}

func (c *client) cardCount() (uint32, error) {
	var n uint32
	err := c.do("count cards", func() (err error) { n, err = c.u.GetCards(c.serial); return err })
	return n, err
}

func (c *client) cardAt(index uint32) (uint32, error) {
	var n uint32
	err := c.do(fmt.Sprintf("read card %d", index), func() error {
		card, err := c.u.GetCardByIndex(c.serial, index)
		if err != nil {
			return err
		}
		if card != nil {
			n = card.CardNumber
		}
		return nil
	})
	return n, err
}

func (c *client) status() (*types.Status, error) {
	var st *types.Status
	err := c.do("status", func() (err error) { st, err = c.u.GetStatus(c.serial); return err })
	return st, err
}

func (c *client) event(index uint32) (*types.Event, error) {
	var e *types.Event
	err := c.do(fmt.Sprintf("event %d", index), func() (err error) { e, err = c.u.GetEvent(c.serial, index); return err })
	return e, err
}

func (c *client) setTime(t time.Time) error {
	return c.do("set time", func() error { _, err := c.u.SetTime(c.serial, t); return err })
}

func (c *client) setListener(addr netip.AddrPort) error {
	return c.do("set listener", func() error { return ok(c.u.SetListener(c.serial, addr, 0)) })
}

func (c *client) recordSpecialEvents() error {
	return c.do("record special events", func() error { return ok(c.u.RecordSpecialEvents(c.serial, true)) })
}

func (c *client) openDoor(door uint8) error {
	return c.do(fmt.Sprintf("open door %d", door), func() error {
		r, err := c.u.OpenDoor(c.serial, door)
		if err != nil {
			return err
		}
		return ok(r != nil && r.Succeeded, nil)
	})
}
