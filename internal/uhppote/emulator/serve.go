package emulator

import (
	"net"
	"net/netip"
	"time"

	codec "github.com/uhppoted/uhppote-core/encoding/UTO311-L0x"
	"github.com/uhppoted/uhppote-core/messages"
	"github.com/uhppoted/uhppote-core/types"
)

// magicWord guards the board's destructive requests.
const magicWord = 0x55aaaa55

// serve answers requests until conn is closed.
func (b *Board) serve(conn *net.UDPConn, done chan struct{}) {
	defer close(done)
	buf := make([]byte, 2048)
	for {
		n, from, err := conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				continue
			}
			return
		}
		b.requests.Add(1)
		req, err := messages.UnmarshalRequest(append([]byte(nil), buf[:n]...))
		if err != nil {
			continue // a real board ignores what it cannot read
		}
		b.mu.Lock()
		if b.lose() {
			b.mu.Unlock()
			continue
		}
		reply := b.handle(req)
		lost := reply != nil && b.lose()
		b.mu.Unlock()
		if reply == nil || lost {
			continue
		}
		out, err := codec.Marshal(reply)
		if err != nil {
			continue
		}
		_, _ = conn.WriteToUDPAddrPort(out, from)
	}
}

// mine reports whether a request names this board (0 is every board, for
// discovery).
func (b *Board) mine(sn types.SerialNumber, broadcast bool) bool {
	return uint32(sn) == b.cfg.Serial || (broadcast && sn == 0)
}

// handle answers one decoded request, or returns nil for none. Callers
// hold mu.
func (b *Board) handle(req messages.Request) any {
	sn := types.SerialNumber(b.cfg.Serial)
	switch r := req.(type) {
	case *messages.GetDeviceRequest:
		if !b.mine(r.SerialNumber, true) {
			return nil
		}
		ip := b.addr.IP.To4()
		return &messages.GetDeviceResponse{SerialNumber: sn, IpAddress: ip, SubnetMask: net.IPv4(255, 255, 255, 0).To4(),
			Gateway: net.IPv4(0, 0, 0, 0).To4(), MacAddress: types.MacAddress(b.cfg.MAC), Version: 0x0892,
			Date: types.Date(time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC))}
	case *messages.GetStatusRequest:
		if !b.mine(r.SerialNumber, false) {
			return nil
		}
		return b.status()
	case *messages.GetTimeRequest:
		if !b.mine(r.SerialNumber, false) {
			return nil
		}
		return &messages.GetTimeResponse{SerialNumber: sn, DateTime: types.DateTime(b.wall())}
	case *messages.SetTimeRequest:
		if !b.mine(r.SerialNumber, false) {
			return nil
		}
		b.st.offset = civil(time.Time(r.DateTime)).Sub(b.cfg.Now().UTC().Truncate(time.Second))
		return &messages.SetTimeResponse{SerialNumber: sn, DateTime: types.DateTime(b.wall())}
	case *messages.OpenDoorRequest:
		if !b.mine(r.SerialNumber, false) {
			return nil
		}
		ok := int(r.Door) >= 1 && int(r.Door) <= b.cfg.Doors
		if ok {
			now := b.wall()
			b.doors[r.Door-1].unlockedUntil = now.Add(time.Duration(b.st.delay[r.Door-1]) * time.Second)
			b.record(Event{Type: TypeDoor, Granted: true, Door: r.Door, Reason: ReasonRemoteOpen, At: now})
		}
		return &messages.OpenDoorResponse{SerialNumber: sn, Succeeded: ok}
	case *messages.PutCardRequest:
		if !b.mine(r.SerialNumber, false) {
			return nil
		}
		return &messages.PutCardResponse{SerialNumber: sn, Succeeded: b.putCard(r)}
	case *messages.DeleteCardRequest:
		if !b.mine(r.SerialNumber, false) {
			return nil
		}
		return &messages.DeleteCardResponse{SerialNumber: sn, Succeeded: b.deleteCard(r.CardNumber)}
	case *messages.DeleteCardsRequest:
		if !b.mine(r.SerialNumber, false) {
			return nil
		}
		ok := r.MagicWord == magicWord
		if ok {
			b.st.cards, b.st.byNumber, b.st.live = nil, map[uint32]int{}, 0
		}
		return &messages.DeleteCardsResponse{SerialNumber: sn, Succeeded: ok}
	case *messages.GetCardsRequest:
		if !b.mine(r.SerialNumber, false) {
			return nil
		}
		return &messages.GetCardsResponse{SerialNumber: sn, Records: uint32(b.st.live)}
	case *messages.GetCardByIDRequest:
		if !b.mine(r.SerialNumber, false) {
			return nil
		}
		out := &messages.GetCardByIDResponse{SerialNumber: sn}
		if i, ok := b.st.byNumber[r.CardNumber]; ok {
			c := b.st.cards[i]
			out.CardNumber, out.From, out.To, out.PIN = c.Number, types.Date(c.From), types.Date(c.To), types.PIN(c.PIN)
			out.Door1, out.Door2, out.Door3, out.Door4 = c.Doors[0], c.Doors[1], c.Doors[2], c.Doors[3]
		}
		return out
	case *messages.GetCardByIndexRequest:
		if !b.mine(r.SerialNumber, false) {
			return nil
		}
		out := &messages.GetCardByIndexResponse{SerialNumber: sn}
		if r.Index >= 1 && int(r.Index) <= len(b.st.cards) {
			if c := b.st.cards[r.Index-1]; c == nil {
				out.CardNumber = 0xffffffff // a deleted row, as real boards report it
			} else {
				out.CardNumber, out.From, out.To, out.PIN = c.Number, types.Date(c.From), types.Date(c.To), types.PIN(c.PIN)
				out.Door1, out.Door2, out.Door3, out.Door4 = c.Doors[0], c.Doors[1], c.Doors[2], c.Doors[3]
			}
		}
		return out
	case *messages.SetDoorControlStateRequest:
		if !b.mine(r.SerialNumber, false) {
			return nil
		}
		if int(r.Door) < 1 || int(r.Door) > b.cfg.Doors || r.ControlState < NormallyOpen || r.ControlState > Controlled {
			return &messages.SetDoorControlStateResponse{SerialNumber: sn, Door: r.Door}
		}
		b.st.control[r.Door-1], b.st.delay[r.Door-1] = r.ControlState, r.Delay
		return &messages.SetDoorControlStateResponse{SerialNumber: sn, Door: r.Door, ControlState: r.ControlState, Delay: r.Delay}
	case *messages.GetDoorControlStateRequest:
		if !b.mine(r.SerialNumber, false) {
			return nil
		}
		out := &messages.GetDoorControlStateResponse{SerialNumber: sn, Door: r.Door}
		if int(r.Door) >= 1 && int(r.Door) <= b.cfg.Doors {
			out.ControlState, out.Delay = b.st.control[r.Door-1], b.st.delay[r.Door-1]
		}
		return out
	case *messages.SetTimeProfileRequest:
		if !b.mine(r.SerialNumber, false) {
			return nil
		}
		return &messages.SetTimeProfileResponse{SerialNumber: sn, Succeeded: b.setProfile(r)}
	case *messages.GetTimeProfileRequest:
		if !b.mine(r.SerialNumber, false) {
			return nil
		}
		return b.getProfile(r.ProfileID)
	case *messages.ClearTimeProfilesRequest:
		if !b.mine(r.SerialNumber, false) {
			return nil
		}
		ok := r.MagicWord == magicWord
		if ok {
			b.st.profiles = map[uint8]Profile{}
		}
		return &messages.ClearTimeProfilesResponse{SerialNumber: sn, Succeeded: ok}
	case *messages.SetListenerRequest:
		if !b.mine(r.SerialNumber, false) {
			return nil
		}
		b.st.listener = r.AddrPort
		return &messages.SetListenerResponse{SerialNumber: sn, Succeeded: true}
	case *messages.GetListenerRequest:
		if !b.mine(r.SerialNumber, false) {
			return nil
		}
		return &messages.GetListenerResponse{SerialNumber: sn, AddrPort: b.st.listener}
	case *messages.GetEventRequest:
		if !b.mine(r.SerialNumber, false) {
			return nil
		}
		return b.getEvent(r.Index)
	case *messages.GetEventIndexRequest:
		if !b.mine(r.SerialNumber, false) {
			return nil
		}
		return &messages.GetEventIndexResponse{SerialNumber: sn, Index: b.st.eventIdx}
	case *messages.SetEventIndexRequest:
		if !b.mine(r.SerialNumber, false) {
			return nil
		}
		changed := r.MagicWord == magicWord && r.Index != b.st.eventIdx
		if r.MagicWord == magicWord {
			b.st.eventIdx = r.Index
		}
		return &messages.SetEventIndexResponse{SerialNumber: sn, Changed: changed}
	case *messages.RecordSpecialEventsRequest:
		if !b.mine(r.SerialNumber, false) {
			return nil
		}
		b.st.special = r.Enable
		return &messages.RecordSpecialEventsResponse{SerialNumber: sn, Succeeded: true}
	}
	return nil // requests the emulator does not implement go unanswered
}

// putCard stores a card, replacing the row with its number. Callers hold
// mu.
func (b *Board) putCard(r *messages.PutCardRequest) bool {
	if r.CardNumber == 0 || r.CardNumber == 0xffffffff || r.CardNumber == 0x00ffffff {
		return false
	}
	from, to := civil(time.Time(r.From)), civil(time.Time(r.To))
	if r.From.IsZero() || r.To.IsZero() || to.Before(from) {
		return false
	}
	c := &Card{Number: r.CardNumber, From: from, To: to, Doors: [4]uint8{r.Door1, r.Door2, r.Door3, r.Door4}, PIN: uint32(r.PIN)}
	if i, ok := b.st.byNumber[r.CardNumber]; ok {
		b.st.cards[i] = c
		return true
	}
	b.st.byNumber[r.CardNumber] = len(b.st.cards)
	b.st.cards = append(b.st.cards, c)
	b.st.live++
	return true
}

// deleteCard removes a card, leaving a hole at its index. Callers hold mu.
func (b *Board) deleteCard(number uint32) bool {
	i, ok := b.st.byNumber[number]
	if !ok {
		return false
	}
	b.st.cards[i] = nil
	delete(b.st.byNumber, number)
	b.st.live--
	return true
}

// setProfile stores a time profile 2-254. Callers hold mu.
func (b *Board) setProfile(r *messages.SetTimeProfileRequest) bool {
	if r.ProfileID < 2 || r.ProfileID > 254 {
		return false
	}
	p := Profile{ID: r.ProfileID, Linked: r.LinkedProfileID, From: civil(time.Time(r.From)), To: civil(time.Time(r.To)),
		Weekdays: [7]bool{r.Sunday, r.Monday, r.Tuesday, r.Wednesday, r.Thursday, r.Friday, r.Saturday}}
	if r.From.IsZero() {
		p.From = time.Time{}
	}
	if r.To.IsZero() {
		p.To = time.Time{}
	}
	for i, s := range [3][2]types.HHmm{{r.Segment1Start, r.Segment1End}, {r.Segment2Start, r.Segment2End}, {r.Segment3Start, r.Segment3End}} {
		p.Segments[i] = [2]int{minutes(s[0]), minutes(s[1])}
	}
	b.st.profiles[p.ID] = p
	return true
}

// getProfile answers GetTimeProfile; a profile the board does not have
// comes back with id 0. Callers hold mu.
func (b *Board) getProfile(id uint8) *messages.GetTimeProfileResponse {
	out := &messages.GetTimeProfileResponse{SerialNumber: types.SerialNumber(b.cfg.Serial)}
	p, ok := b.st.profiles[id]
	if !ok {
		return out
	}
	hhmm := func(m int) *types.HHmm { v := types.NewHHmm(m/60, m%60); return &v }
	out.ProfileID, out.LinkedProfileID = p.ID, p.Linked
	out.From, out.To = types.Date(p.From), types.Date(p.To)
	out.Sunday, out.Monday, out.Tuesday, out.Wednesday = p.Weekdays[0], p.Weekdays[1], p.Weekdays[2], p.Weekdays[3]
	out.Thursday, out.Friday, out.Saturday = p.Weekdays[4], p.Weekdays[5], p.Weekdays[6]
	out.Segment1Start, out.Segment1End = hhmm(p.Segments[0][0]), hhmm(p.Segments[0][1])
	out.Segment2Start, out.Segment2End = hhmm(p.Segments[1][0]), hhmm(p.Segments[1][1])
	out.Segment3Start, out.Segment3End = hhmm(p.Segments[2][0]), hhmm(p.Segments[2][1])
	return out
}

// getEvent answers GetEvent: an index the store does not hold comes back
// as an empty record (index 0). Callers hold mu.
func (b *Board) getEvent(index uint32) *messages.GetEventResponse {
	out := &messages.GetEventResponse{SerialNumber: types.SerialNumber(b.cfg.Serial)}
	if index == 0 || int(index) > len(b.st.events) {
		return out
	}
	e := b.st.events[index-1]
	out.Index = index
	out.Type, out.Granted, out.Door, out.Direction = e.Type, e.Granted, e.Door, e.Direction
	out.CardNumber, out.Timestamp, out.Reason = e.Card, types.DateTime(e.At), e.Reason
	return out
}

// status answers GetStatus: the newest event and the doors now. Callers
// hold mu.
func (b *Board) status() *messages.GetStatusResponse {
	now := b.wall()
	out := &messages.GetStatusResponse{SerialNumber: types.SerialNumber(b.cfg.Serial),
		SystemDate: types.SystemDate(now), SystemTime: types.SystemTime(now)}
	if n := len(b.st.events); n > 0 {
		e := b.st.events[n-1]
		out.EventIndex, out.EventType, out.Granted, out.Door, out.Direction = e.Index, e.Type, e.Granted, e.Door, e.Direction
		out.CardNumber, out.Timestamp, out.Reason = e.Card, types.DateTime(e.At), e.Reason
	}
	b.doorBits(now, &out.Door1State, &out.Door2State, &out.Door3State, &out.Door4State, &out.RelayState)
	return out
}

// doorBits fills the door contacts and the relay bitmap. Callers hold mu.
func (b *Board) doorBits(now time.Time, d1, d2, d3, d4 *bool, relays *uint8) {
	for i, p := range []*bool{d1, d2, d3, d4} {
		*p = b.doors[i].open
		if i < b.cfg.Doors && b.unlocked(uint8(i+1), now) {
			*relays |= 1 << i
		}
	}
}

// push sends an event to the listener, unless the board is off the
// network or the packet is lost. Callers hold mu.
func (b *Board) push(e Event) {
	if !b.st.listener.IsValid() || b.st.listener.Port() == 0 || b.conn == nil || b.lose() {
		return
	}
	now := b.wall()
	m := messages.Event{SerialNumber: types.SerialNumber(b.cfg.Serial), EventIndex: e.Index, EventType: e.Type,
		Granted: e.Granted, Door: e.Door, Direction: e.Direction, CardNumber: e.Card, Timestamp: types.DateTime(e.At),
		Reason: e.Reason, SystemDate: types.SystemDate(now), SystemTime: types.SystemTime(now)}
	b.doorBits(now, &m.Door1State, &m.Door2State, &m.Door3State, &m.Door4State, &m.RelayState)
	out, err := codec.Marshal(m)
	if err != nil {
		return
	}
	_, _ = b.conn.WriteToUDPAddrPort(out, netip.AddrPortFrom(b.st.listener.Addr().Unmap(), b.st.listener.Port()))
}

// civil reads the wall-clock fields of t (as the codec decoded them, in
// the host's zone) as a time in the UTC location.
func civil(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, t.Hour(), t.Minute(), t.Second(), 0, time.UTC)
}

// minutes reads an HH:mm as minutes since midnight.
func minutes(h types.HHmm) int {
	t, err := time.Parse("15:04", h.String())
	if err != nil {
		return 0
	}
	return t.Hour()*60 + t.Minute()
}
