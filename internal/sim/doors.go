package sim

import (
	"fmt"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/lintel-dev/lintel/internal/controller/agent"
)

// ctrl is one simulated controller: its agent, state directory, network
// link, and the queue of presentations at its reader. A real reader hands
// over one card at a time, so one goroutine (door) presents them all in
// order.
type ctrl struct {
	ag     *agent.Agent
	state  *agent.State
	tr     *http.Transport // its connections, under link
	link   *link
	epoch  time.Time
	opened atomic.Int64 // when the relay last released the door, in ns since epoch
	jobs   chan swipe
	server int // the index of the server it talks to (0: where revocations are made)
}

// Open is the controller's relay: it notes when the agent released the
// door.
func (c *ctrl) Open(int64, time.Duration) error {
	c.opened.Store(int64(time.Since(c.epoch)))
	return nil
}

// door presents the controller's jobs in order until its queue closes.
func (s *run) door(c *ctrl) {
	for j := range c.jobs {
		cut := c.link.isDown()
		c.opened.Store(0)
		start := time.Now()
		o, err := c.ag.Present(agent.Presentation{Kind: "card", Value: j.value})
		took := time.Since(start)
		open := time.Duration(-1)
		if at := c.opened.Load(); at != 0 {
			open = time.Duration(at) - start.Sub(c.epoch)
		}
		s.record(j, o, err, took, open, cut, start)
		s.swept.Done()
	}
}

// record counts one swipe: its latency, outcome and event, and whether it
// was made while the link was cut or decided offline.
func (s *run) record(j swipe, o agent.Outcome, err error, took, open time.Duration, cut bool, at time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err == nil {
		s.sentAt[o.EventID] = at.Add(took).Sub(s.epoch)
		if !o.Online {
			s.offline++
		}
	}
	s.swipes++
	if cut {
		s.whileCut++
	}
	s.kinds[j.kind]++
	if err != nil {
		s.decisions["error"]++
		return
	}
	s.latencies = append(s.latencies, took)
	if open >= 0 {
		s.opens = append(s.opens, open)
	}
	verdict := "deny"
	if o.Decision.Admit {
		verdict = "admit"
	}
	outcome := fmt.Sprintf("%s %d", verdict, o.Decision.Code)
	s.decisions[outcome]++
	if s.byKind[j.kind] == nil {
		s.byKind[j.kind] = map[string]int{}
	}
	s.byKind[j.kind][outcome]++
}
