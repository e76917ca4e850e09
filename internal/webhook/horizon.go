package webhook

import (
	"context"
	"sync"
	"time"
)

// gapWait is how long a missing event id holds the horizon back. On
// PostgreSQL ids are assigned before commit, so a lower id can become
// visible after a higher one; waiting briefly at a gap keeps such an event
// from being skipped. Ids lost to rolled-back inserts cost one wait.
const gapWait = 2 * time.Second

// horizon is the highest event id below which every event is visible: the
// point up to which cursors may advance.
type horizon struct {
	mu       sync.Mutex
	id       int64
	ready    bool
	gapAt    int64
	gapSince time.Time
	at       time.Time // when it was last advanced
}

// horizonFresh is how long an advanced horizon is reused, so many event
// streams polling at once share one query.
const horizonFresh = 10 * time.Millisecond

// advance moves the horizon over newly visible events and returns it. The
// first call starts it at the newest event.
func (s *Service) advance(ctx context.Context) (int64, error) {
	h := &s.horizon
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.ready {
		max, err := s.st.MaxEventID(ctx, 0)
		if err != nil {
			return 0, err
		}
		h.id, h.ready = max, true
		return h.id, nil
	}
	if time.Since(h.at) < horizonFresh {
		return h.id, nil
	}
	h.at = time.Now()
	const batch = 2000
	for {
		refs, err := s.st.ScanWebhookEvents(ctx, h.id, batch)
		if err != nil {
			return h.id, err
		}
		for _, r := range refs {
			if r.ID != h.id+1 {
				if h.gapAt != h.id+1 {
					h.gapAt, h.gapSince = h.id+1, time.Now()
				}
				if time.Since(h.gapSince) < gapWait {
					return h.id, nil
				}
			}
			h.id = r.ID
		}
		if len(refs) < batch {
			return h.id, nil
		}
	}
}
