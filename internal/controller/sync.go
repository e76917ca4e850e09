package controller

import (
	"net/http"
	"strconv"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/httpx"
)

// Changes is the body of GET /controller/v1/changes.
type Changes struct {
	Seq int64 `json:"seq"` // the account's sequence now
	// Resync is true when the controller is behind (or its sequence comes
	// from another server run): it must download the snapshot again.
	Resync bool `json:"resync"`
	// Commands is true when a command may be waiting: call GET commands.
	Commands bool `json:"commands"`
}

// getSnapshot serves GET /controller/v1/snapshot (200 Snapshot) with the
// controller's doors only.
func (h *Hub) getSnapshot(w http.ResponseWriter, r *http.Request, d *device) error {
	snap, err := h.snapshotFor(r.Context(), d.c.AccountID)
	if err != nil {
		return err
	}
	h.touch(d.channels)
	httpx.WriteJSON(w, http.StatusOK, snap.forChannels(d.channels))
	return nil
}

// getChanges serves GET /controller/v1/changes?after=SEQ[&wait=SECONDS]
// (200 Changes). When after is not the current sequence it answers at
// once with resync; otherwise it waits until a change or a command for the
// account, or until wait seconds (at most the poll timeout, which is also
// the default) pass. Errors: 400 for an after or wait that is not a
// number.
func (h *Hub) getChanges(w http.ResponseWriter, r *http.Request, d *device) error {
	after, err := strconv.ParseInt(r.URL.Query().Get("after"), 10, 64)
	if err != nil {
		return domain.Errorf(domain.EBADREQUEST, "after must be the seq of the controller's snapshot")
	}
	wait := h.pollTimeout
	if s := r.URL.Query().Get("wait"); s != "" {
		n, err := strconv.ParseFloat(s, 64)
		if err != nil || n < 0 {
			return domain.Errorf(domain.EBADREQUEST, "wait must be a number of seconds")
		}
		if dur := time.Duration(n * float64(time.Second)); dur < wait {
			wait = dur
		}
	}
	h.mu.Lock()
	a := h.account(d.c.AccountID)
	seq, cmds, wake := a.seq, a.commands, a.wake
	if seq != after {
		h.mu.Unlock()
		httpx.WriteJSON(w, http.StatusOK, Changes{Seq: seq, Resync: true})
		return nil
	}
	for _, id := range d.channels {
		h.polling[id]++
	}
	h.mu.Unlock()
	h.touch(d.channels)

	timer := time.NewTimer(wait)
	select {
	case <-wake:
	case <-timer.C:
	case <-r.Context().Done():
	}
	timer.Stop()

	h.mu.Lock()
	for _, id := range d.channels {
		if h.polling[id]--; h.polling[id] <= 0 {
			delete(h.polling, id)
		}
	}
	out := Changes{Seq: a.seq, Resync: a.seq != after, Commands: a.commands != cmds}
	h.mu.Unlock()
	h.touch(d.channels)
	httpx.WriteJSON(w, http.StatusOK, out)
	return nil
}
