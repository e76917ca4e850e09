// Package clocktest is the settable clock of Lintel's tests: the code
// under test takes its Now, and the test sets or moves it while the
// code's own goroutines (a hub's catch-up, a webhook worker) read it.
package clocktest

import (
	"sync"
	"time"
)

// Clock is a clock that stands still until the test moves it. Its
// methods are safe for concurrent use.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// New returns a clock showing t.
func New(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Set puts the clock at t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// Add moves the clock by d.
func (c *Clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}
