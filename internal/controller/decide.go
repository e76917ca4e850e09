package controller

import (
	"context"
	"time"

	"github.com/lintel-dev/lintel/internal/access"
)

// Access returns the access engine's snapshot of the whole account, as of
// every write committed before the call: the hub first reads the journal
// up to its newest row, then brings its compiled snapshot there by
// applying the changes it holds as deltas, or by compiling the controller
// snapshot again after an account-wide change. It is the snapshot the
// server decides with, built from the same reading of the database the
// account's controllers receive. Errors: ENOTFOUND for an unknown account;
// otherwise the store's.
func (h *Hub) Access(ctx context.Context, accountID int64) (*access.Snapshot, error) {
	newest, err := h.st.AccessSeq(ctx, accountID)
	if err != nil {
		return nil, err
	}
	h.mu.Lock()
	a := h.account(accountID)
	behind := !a.loaded || a.seq < newest
	h.mu.Unlock()
	if behind {
		if err := h.catchUp(ctx, accountID); err != nil {
			return nil, err
		}
	}

	a.compileMu.Lock()
	defer a.compileMu.Unlock()
	h.mu.Lock()
	cur, at, target := a.compiled, a.compiledSeq, a.seq
	if cur != nil && at == target {
		h.mu.Unlock()
		return cur, nil
	}
	var delta *access.Delta
	if cur != nil && at < target {
		if c := a.changesAfter(at, nil); !c.Resync {
			d := c.Delta(accountID, h.now())
			delta = &d
		}
	}
	h.mu.Unlock()

	if delta != nil {
		cur, at = cur.Apply(*delta), target
	} else {
		snap, err := h.snapshotFor(ctx, accountID)
		if err != nil {
			return nil, err
		}
		cur, at = access.Build(snap.Source(), h.now()), snap.Seq
	}
	a.compiled, a.compiledSeq = cur, at
	return cur, nil
}

// DecidePerson answers "may person personID pass door channelID at
// instant at" with access.EvaluatePerson on Access's snapshot: the rules,
// data and time zones the door itself uses. Errors as for Access.
func (h *Hub) DecidePerson(ctx context.Context, accountID, channelID, personID int64, at time.Time) (access.Decision, error) {
	snap, err := h.Access(ctx, accountID)
	if err != nil {
		return access.Decision{}, err
	}
	return access.EvaluatePerson(snap, channelID, personID, at), nil
}
