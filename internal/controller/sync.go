package controller

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/lintel-dev/lintel/internal/controller/wire"
	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/httpx"
	"github.com/lintel-dev/lintel/internal/store"
)

// getSnapshot serves GET /controller/v1/snapshot (200 Snapshot) with the
// controller's doors only.
func (h *Hub) getSnapshot(w http.ResponseWriter, r *http.Request, d *device) error {
	snap, err := h.snapshotFor(r.Context(), d.c.AccountID)
	if err != nil {
		return err
	}
	h.touch(d.channels)
	key := fmt.Sprint(d.channels)
	h.mu.Lock()
	a := h.account(d.c.AccountID)
	body := a.bodies[key]
	if a.bodiesOf != snap {
		body = nil
	}
	h.mu.Unlock()
	if body == nil {
		// Encoding a large account is the expensive part of a snapshot:
		// do it once per snapshot and set of doors.
		if body, err = json.Marshal(snap.ForChannels(d.channels)); err != nil {
			return err
		}
		h.mu.Lock()
		if a.bodiesOf != snap || len(a.bodies) >= maxBodies {
			a.bodies, a.bodiesOf = map[string][]byte{}, snap
		}
		a.bodies[key] = body
		h.mu.Unlock()
	}
	h.stats.snapshots.Add(1)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_, _ = w.Write(body)
	return nil
}

// getChanges serves GET /controller/v1/changes?after=SEQ[&wait=SECONDS]
// (200 Changes). When the account has moved past after it answers at once,
// with the people and doors that changed since (or resync when that cannot
// be told as a delta); otherwise it waits until a change or a command for
// the account, until wait seconds (at most the poll timeout, which is also
// the default) pass, or until the hub drains for a shutdown. Errors: 400 for an after or wait that is not a
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
	acct := d.c.AccountID
	h.mu.Lock()
	a := h.account(acct)
	behind := !a.loaded || a.stale || after > a.seq
	h.mu.Unlock()
	if behind {
		// A first request for the account, changes made while no
		// controller waited here (see kick), or a controller whose
		// snapshot is newer than what the hub has read: catch up before
		// answering.
		if err := h.catchUp(r.Context(), acct); err != nil {
			return err
		}
	}
	if err := h.noteSynced(r, d, after); err != nil {
		return err
	}
	h.mu.Lock()
	// A controller collects its commands when it (re)connects (GET
	// commands records the count then), so one not seen yet has none due.
	told, known := h.told[d.c.ID]
	if pending := known && told != a.commands; a.seq != after || pending {
		// Behind, or commands were queued since this controller last
		// collected or was told (perhaps between polls): answer at once.
		out := a.changesAfter(after, d.channels)
		out.Commands = pending
		h.told[d.c.ID] = a.commands
		h.mu.Unlock()
		h.count(out)
		httpx.WriteJSON(w, http.StatusOK, out)
		return nil
	}
	cmds, wake := a.commands, a.wake
	for _, id := range d.channels {
		h.polling[id]++
	}
	a.waiting++
	// A change since the catch-up above only marked the account stale:
	// now that this controller counts as waiting, a catch-up wakes it.
	stale := a.stale
	h.mu.Unlock()
	if stale {
		h.kick(acct)
	}
	h.touch(d.channels)

	timer := time.NewTimer(wait)
	select {
	case <-wake:
	case <-timer.C:
	case <-r.Context().Done():
	case <-h.draining:
	}
	timer.Stop()

	h.mu.Lock()
	for _, id := range d.channels {
		if h.polling[id]--; h.polling[id] <= 0 {
			delete(h.polling, id)
		}
	}
	a.waiting--
	out := a.changesAfter(after, d.channels)
	out.Commands = a.commands != cmds
	h.told[d.c.ID] = a.commands
	h.mu.Unlock()
	h.touch(d.channels)
	h.count(out)
	httpx.WriteJSON(w, http.StatusOK, out)
	return nil
}

// count adds a GET changes answer to the stats.
func (h *Hub) count(c wire.Changes) {
	if c.Resync {
		h.stats.resyncs.Add(1)
	} else if len(c.People)+len(c.RemovedPeople)+len(c.Channels) > 0 {
		h.stats.deltas.Add(1)
	}
}

// noteSynced records that the controller has applied the journal up to
// after (bounded by what the hub has read), once per new position, which
// finishes the mobile credential revocations every live controller of the
// account has now heard of (store.NoteControllerSynced).
func (h *Hub) noteSynced(r *http.Request, d *device, after int64) error {
	h.mu.Lock()
	a := h.account(d.c.AccountID)
	at := min(after, a.seq)
	known, seen := h.synced[d.c.ID]
	h.mu.Unlock()
	if at <= 0 || (seen && at <= known) {
		return nil
	}
	ctx := store.WithActor(r.Context(), store.Actor{AccountID: d.c.AccountID, Kind: store.ActorController, ID: d.c.ID, Display: d.c.Name})
	done, err := h.st.NoteControllerSynced(ctx, d.c.AccountID, d.c.ID, at, h.now().UTC())
	if err != nil {
		return err
	}
	for _, c := range done {
		h.log.Info("mobile credential revoked: every controller has synced", "credential", c.UID, "controller", d.c.ID)
	}
	h.mu.Lock()
	if h.synced[d.c.ID] < at {
		h.synced[d.c.ID] = at
	}
	h.mu.Unlock()
	return nil
}
