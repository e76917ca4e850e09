package sim

import (
	"context"
	"fmt"
	"time"

	"github.com/lintel-dev/lintel/internal/store"
)

// receipts reads the events of the account stored after the event
// afterID and matches them with the events the controllers wrote to their
// outboxes: it fills in the report the events sent, stored and lost, the
// upload lag, and the storage rate between loadStart and loadEnd. Errors:
// the store's.
func (s *run) receipts(ctx context.Context, st *store.Store, accountID, afterID int64, loadStart, loadEnd time.Time, r *Report) error {
	sent := make(map[string]bool, len(s.sentAt))
	var lags []time.Duration
	window := loadEnd.Sub(loadStart)
	perSecond := make([]int, int(window/time.Second))
	during := 0
	err := st.EachEventReceipt(ctx, accountID, afterID, func(e store.EventReceipt) error {
		r.EventsStored++
		at, ok := s.sentAt[e.ClientID]
		if !ok || sent[e.ClientID] {
			return nil
		}
		sent[e.ClientID] = true
		lags = append(lags, max(0, e.StoredAt.Sub(s.epoch.Add(at))))
		if off := e.StoredAt.Sub(loadStart); off >= 0 && off <= window {
			during++
			if i := int(off / time.Second); i < len(perSecond) {
				perSecond[i]++
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("read the events stored: %w", err)
	}
	r.EventsSent = len(s.sentAt)
	r.EventsLost = len(s.sentAt) - len(sent)
	r.LagP50ms, r.LagP99ms, r.LagMaxms = spread(lags)
	if window > 0 {
		r.StoredRate = float64(during) / window.Seconds()
	}
	r.StoredSlowest = during
	for _, n := range perSecond {
		r.StoredSlowest = min(r.StoredSlowest, n)
	}
	return nil
}
