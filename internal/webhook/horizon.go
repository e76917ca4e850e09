package webhook

import (
	"context"
	"sync"
	"time"

	"github.com/lintel-dev/lintel/internal/store"
)

// gapWait is how long a missing id holds a horizon back. On PostgreSQL ids
// are assigned before commit, so a lower id can become visible after a
// higher one; waiting briefly at a gap keeps such a row from being skipped. Ids lost to rolled-back inserts cost one wait.
const gapWait = 2 * time.Second

// horizon is the highest id of an append-only table (events, or resource
// changes) below which every row is visible: the point up to which cursors
// may advance.
type horizon struct {
	max  func(context.Context) (int64, error)               // the newest id
	scan func(context.Context, int64, int) ([]int64, error) // ids above one, in order

	mu       sync.Mutex
	id       int64
	ready    bool
	gapAt    int64
	gapSince time.Time
	stalled  bool      // the last advance stopped at a gap
	reused   bool      // the last advance answered the previous one's horizon
	at       time.Time // when it was last advanced
}

// horizonFresh is how long an advanced horizon is reused, so many event
// streams polling at once share one query.
const horizonFresh = 10 * time.Millisecond

// advance moves the events horizon over newly visible events and returns
// it. The first call starts it at the newest event.
func (s *Service) advance(ctx context.Context) (int64, error) { return s.horizon.advance(ctx) }

// advance moves the horizon over newly visible rows and returns it. The
// first call starts it at the newest row.
func (h *horizon) advance(ctx context.Context) (int64, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.ready {
		max, err := h.max(ctx)
		if err != nil {
			return 0, err
		}
		h.id, h.ready = max, true
		return h.id, nil
	}
	if time.Since(h.at) < horizonFresh {
		h.reused = true
		return h.id, nil
	}
	h.reused = false
	h.at = time.Now()
	h.stalled = false
	const batch = 2000
	for {
		ids, err := h.scan(ctx, h.id, batch)
		if err != nil {
			return h.id, err
		}
		for _, id := range ids {
			if id != h.id+1 {
				if h.gapAt != h.id+1 {
					h.gapAt, h.gapSince = h.id+1, time.Now()
				}
				if time.Since(h.gapSince) < gapWait {
					h.stalled = true
					return h.id, nil
				}
			}
			h.id = id
		}
		if len(ids) < batch {
			return h.id, nil
		}
	}
}

// waiting reports whether the last advance may have left visible rows
// beyond the horizon that no announcement will signal again: it stopped at
// a gap in the ids (a row below may still appear, or never: a transaction
// rolled back), or it answered a horizon less than horizonFresh old (rows
// announced since were not looked for). Look again soon then.
func (h *horizon) waiting() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.stalled || h.reused
}

// eventHorizon is the horizon over the events table.
func eventHorizon(st *store.Store) *horizon {
	return &horizon{
		max: func(ctx context.Context) (int64, error) { return st.MaxEventID(ctx, 0) },
		scan: func(ctx context.Context, after int64, limit int) ([]int64, error) {
			refs, err := st.ScanWebhookEvents(ctx, after, limit)
			ids := make([]int64, len(refs))
			for i, r := range refs {
				ids[i] = r.ID
			}
			return ids, err
		},
	}
}

// changeHorizon is the horizon over the resource_changes table.
func changeHorizon(st *store.Store) *horizon {
	return &horizon{
		max: st.MaxResourceChangeID,
		scan: func(ctx context.Context, after int64, limit int) ([]int64, error) {
			cs, err := st.ListResourceChangesAfter(ctx, after, limit)
			ids := make([]int64, len(cs))
			for i, c := range cs {
				ids[i] = c.ID
			}
			return ids, err
		},
	}
}
