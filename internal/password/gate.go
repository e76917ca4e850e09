package password

import (
	"context"
	"errors"
	"time"
)

// ErrBusy is returned by Gate.Verify when the gate is full or the wait
// for a slot ran out. The caller should answer 503 with Retry-After.
var ErrBusy = errors.New("password: too many password checks at once; try again shortly")

// Default gate sizes (see NewGate).
const (
	DefaultSlots   = 2
	DefaultQueue   = 32
	DefaultMaxWait = 3 * time.Second
)

// Gate bounds the memory and CPU that password checks may use at once.
// An argon2id check with Default parameters allocates 19 MiB, so without
// a bound a flood of sign-in attempts grows the heap by 19 MiB per
// request in flight. A Gate runs at most slots checks at a time, lets at
// most queue more wait for a slot (each for at most maxWait), and refuses
// the rest at once with ErrBusy.
type Gate struct {
	slots   chan struct{} // one token per running check
	admit   chan struct{} // one token per running or waiting check
	maxWait time.Duration
}

// NewGate returns a gate with the given number of slots, waiting places
// and longest wait. Zero or negative values take the defaults.
func NewGate(slots, queue int, maxWait time.Duration) *Gate {
	if slots <= 0 {
		slots = DefaultSlots
	}
	if queue <= 0 {
		queue = DefaultQueue
	}
	if maxWait <= 0 {
		maxWait = DefaultMaxWait
	}
	return &Gate{slots: make(chan struct{}, slots), admit: make(chan struct{}, slots+queue), maxWait: maxWait}
}

// Slots returns how many checks may run at once.
func (g *Gate) Slots() int { return cap(g.slots) }

// Acquire waits for a slot and returns the function that frees it. It
// returns ErrBusy at once when the gate is full, and when no slot frees
// up within the longest wait or ctx ends first.
func (g *Gate) Acquire(ctx context.Context) (release func(), err error) {
	select {
	case g.admit <- struct{}{}:
	default:
		return nil, ErrBusy
	}
	t := time.NewTimer(g.maxWait)
	defer t.Stop()
	select {
	case g.slots <- struct{}{}:
	case <-t.C:
		<-g.admit
		return nil, ErrBusy
	case <-ctx.Done():
		<-g.admit
		return nil, ErrBusy
	}
	return func() {
		<-g.slots
		<-g.admit
	}, nil
}

// Verify is Verify run through the gate (see Acquire).
func (g *Gate) Verify(ctx context.Context, encoded, pw string) (bool, error) {
	release, err := g.Acquire(ctx)
	if err != nil {
		return false, err
	}
	defer release()
	return Verify(encoded, pw)
}
