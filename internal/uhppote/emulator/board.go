package emulator

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"
)

// Door control modes, as the board's protocol numbers them.
const (
	NormallyOpen   uint8 = 1
	NormallyClosed uint8 = 2
	Controlled     uint8 = 3
)

// Event types and reasons the emulator records (the board's own numbers).
const (
	TypeSwipe uint8 = 0x01
	TypeDoor  uint8 = 0x02
	TypeAlarm uint8 = 0x03

	ReasonSwipePass       uint8 = 0x01
	ReasonNoPrivilege     uint8 = 0x06
	ReasonNormallyClosed  uint8 = 0x0b
	ReasonInvalidTimezone uint8 = 0x0f
	ReasonNoPass          uint8 = 0x12
	ReasonPushButton      uint8 = 0x14
	ReasonDoorOpen        uint8 = 0x17
	ReasonDoorClosed      uint8 = 0x18
	ReasonPowerOn         uint8 = 0x1c
	ReasonButtonLocked    uint8 = 0x1f
	ReasonOpenTooLong     uint8 = 0x25
	ReasonForcedOpen      uint8 = 0x26
	ReasonRemoteOpen      uint8 = 0x2c
)

// Config describes a board. Serial is required.
type Config struct {
	Serial uint32
	// Addr is the UDP address to answer on; "" is 127.0.0.1:0 (a free
	// port). The address stays the same across Reboot.
	Addr  string
	Doors int              // 1, 2 or 4 [4]
	Now   func() time.Time // the host clock the board's own clock runs from [time.Now]
	MAC   net.HardwareAddr // [00:12:23:34:45:56 with the serial's low bytes]
	Seed  uint64           // seeds the packet-loss draws [random]
}

// Card is one row of the board's card table. Doors holds each door's
// permission: 0 none, 1 at any time, 2-254 a time profile.
type Card struct {
	Number   uint32
	From, To time.Time // dates on the board's clock (midnight, UTC location)
	Doors    [4]uint8
	PIN      uint32
}

// Profile is a time profile: between From and To (dates, inclusive), on
// the weekdays set, inside one of the segments (minutes since midnight,
// both ends inclusive to the minute). Linked names another profile that
// is checked too.
type Profile struct {
	ID       uint8
	Linked   uint8
	From, To time.Time
	Weekdays [7]bool // by time.Weekday, 0 = Sunday
	Segments [3][2]int
}

// Event is one record of the board's event store. At is on the board's
// clock (its wall time, in the UTC location).
type Event struct {
	Index     uint32
	Type      uint8
	Granted   bool
	Door      uint8
	Direction uint8
	Card      uint32
	At        time.Time
	Reason    uint8
}

// stored is what survives a reboot.
type stored struct {
	cards    []*Card // insertion order; nil where a card was deleted
	byNumber map[uint32]int
	live     int
	profiles map[uint8]Profile
	control  [4]uint8
	delay    [4]uint8
	listener netip.AddrPort
	events   []Event
	eventIdx uint32        // the index SetEventIndex keeps for hosts
	offset   time.Duration // board wall clock minus UTC
	special  bool          // record door and button events
}

// door is what a door's hardware is doing now (lost on reboot).
type door struct {
	open          bool      // the door contact reads open
	unlockedUntil time.Time // the relay is energised until then
}

// Board is a running emulated controller. Its methods are safe for
// concurrent use.
type Board struct {
	cfg  Config
	addr *net.UDPAddr

	mu    sync.Mutex
	conn  *net.UDPConn
	st    stored
	doors [4]door
	rnd   *rand.Rand
	drop  float64
	off   bool
	done  chan struct{}

	requests atomic.Int64
	dropped  atomic.Int64
}

// ErrClosed is returned by actions on a board that was closed.
var ErrClosed = errors.New("emulator: board closed")

// Start starts a board answering on cfg.Addr. Errors: a missing serial
// number, a bad door count, or the address cannot be bound.
func Start(cfg Config) (*Board, error) {
	if cfg.Serial == 0 {
		return nil, errors.New("emulator: a serial number is required")
	}
	switch cfg.Doors {
	case 0:
		cfg.Doors = 4
	case 1, 2, 4:
	default:
		return nil, fmt.Errorf("emulator: a board has 1, 2 or 4 doors, not %d", cfg.Doors)
	}
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.MAC == nil {
		cfg.MAC = net.HardwareAddr{0x00, 0x12, 0x23, byte(cfg.Serial >> 16), byte(cfg.Serial >> 8), byte(cfg.Serial)}
	}
	seed := cfg.Seed
	if seed == 0 {
		seed = rand.Uint64()
	}
	b := &Board{cfg: cfg, rnd: rand.New(rand.NewPCG(seed, uint64(cfg.Serial))),
		st: stored{byNumber: map[uint32]int{}, profiles: map[uint8]Profile{}, special: true}}
	for i := range b.st.control {
		b.st.control[i], b.st.delay[i] = Controlled, 3
	}
	addr, err := net.ResolveUDPAddr("udp4", cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("emulator: %w", err)
	}
	b.addr = addr
	if err := b.listen(); err != nil {
		return nil, err
	}
	b.mu.Lock()
	b.record(Event{Type: TypeAlarm, Reason: ReasonPowerOn})
	b.mu.Unlock()
	return b, nil
}

// listen binds the board's address and serves it until the socket closes.
func (b *Board) listen() error {
	conn, err := net.ListenUDP("udp4", b.addr)
	for i := 0; err != nil && b.addr.Port != 0 && i < 100; i++ { // the old socket may linger briefly
		time.Sleep(10 * time.Millisecond)
		conn, err = net.ListenUDP("udp4", b.addr)
	}
	if err != nil {
		return fmt.Errorf("emulator: listen on %v: %w", b.addr, err)
	}
	b.addr = conn.LocalAddr().(*net.UDPAddr)
	done := make(chan struct{})
	b.mu.Lock()
	b.conn, b.done = conn, done
	b.mu.Unlock()
	go b.serve(conn, done)
	return nil
}

// Addr returns the address the board answers on.
func (b *Board) Addr() netip.AddrPort { return b.addr.AddrPort() }

// Serial returns the board's serial number.
func (b *Board) Serial() uint32 { return b.cfg.Serial }

// Doors returns how many doors the board has.
func (b *Board) Doors() int { return b.cfg.Doors }

// Close stops the board.
func (b *Board) Close() error {
	b.mu.Lock()
	conn, done := b.conn, b.done
	b.conn = nil
	b.mu.Unlock()
	if conn == nil {
		return nil
	}
	err := conn.Close()
	<-done
	return err
}

// Reboot restarts the board on the same address: the card table, time
// profiles, door modes, listener and event store are kept (they are in
// flash on a real board); relays and door contacts start released and
// closed, and a power-on event is stored. Errors: the address cannot be
// bound again.
func (b *Board) Reboot() error {
	if err := b.Close(); err != nil {
		return err
	}
	b.mu.Lock()
	b.doors = [4]door{}
	b.mu.Unlock()
	if err := b.listen(); err != nil {
		return err
	}
	b.mu.Lock()
	b.record(Event{Type: TypeAlarm, Reason: ReasonPowerOn})
	b.mu.Unlock()
	return nil
}

// SetDropRate makes the board lose each request, and each reply or event
// it sends, with probability p (0 to 1).
func (b *Board) SetDropRate(p float64) {
	b.mu.Lock()
	b.drop = min(max(p, 0), 1)
	b.mu.Unlock()
}

// SetOnline takes the board off the network (false) or back (true). Off
// the network it answers nothing and pushes no events, but keeps deciding
// at its doors and storing events, as a board whose cable was pulled.
func (b *Board) SetOnline(on bool) {
	b.mu.Lock()
	b.off = !on
	b.mu.Unlock()
}

// Stats returns how many requests the board received and how many
// packets it lost on purpose.
func (b *Board) Stats() (requests, dropped int64) {
	return b.requests.Load(), b.dropped.Load()
}

// lose reports whether to lose a packet now. Callers hold mu.
func (b *Board) lose() bool {
	if b.off {
		return true
	}
	if b.drop > 0 && b.rnd.Float64() < b.drop {
		b.dropped.Add(1)
		return true
	}
	return false
}

// wall returns the board's clock now: its wall time as fields of a time
// in the UTC location. Callers hold mu.
func (b *Board) wall() time.Time {
	return b.cfg.Now().UTC().Add(b.st.offset).Truncate(time.Second)
}

// Clock returns the board's clock now, as wall-clock fields in the UTC
// location.
func (b *Board) Clock() time.Time {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.wall()
}

// record stores an event with the next index and pushes it to the
// listener. Callers hold mu.
func (b *Board) record(e Event) Event {
	e.Index = uint32(len(b.st.events)) + 1
	if e.At.IsZero() {
		e.At = b.wall()
	}
	if e.Direction == 0 {
		e.Direction = 1
	}
	b.st.events = append(b.st.events, e)
	b.push(e)
	return e
}
