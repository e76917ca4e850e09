package agent

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/lintel-dev/lintel/internal/controller/wire"
	"github.com/lintel-dev/lintel/internal/domain"
)

// sleep waits d or until ctx ends; it reports whether ctx is still live.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// backoff doubles a pause up to max.
func backoff(d, max time.Duration) time.Duration {
	if d *= 2; d > max {
		return max
	}
	return d
}

// syncLoop keeps the snapshot current: download it when missing or
// behind, then long-poll changes; collect commands when told to and after
// every (re)connection. Failures pause with exponential backoff.
func (a *Agent) syncLoop(ctx context.Context) {
	const first = 500 * time.Millisecond
	pause := first
	needSnap := a.snap.Load() == nil
	needCmds := true
	fail := func(err error) bool {
		a.linkDown(err)
		needCmds = true
		ok := sleep(ctx, pause)
		pause = backoff(pause, a.cfg.RetryMax)
		return ok
	}
	for ctx.Err() == nil {
		if needSnap {
			if err := a.fetchSnapshot(ctx); err != nil {
				if ctx.Err() != nil || !fail(err) {
					return
				}
				continue
			}
			needSnap, needCmds = false, true
		}
		if needCmds {
			if err := a.runCommands(ctx); err != nil {
				if ctx.Err() != nil || !fail(err) {
					return
				}
				continue
			}
			needCmds = false
		}
		var ch wire.Changes
		path := fmt.Sprintf("/controller/v1/changes?after=%d&wait=%g", a.Seq(), a.cfg.PollWait.Seconds())
		if err := a.c.do(ctx, http.MethodGet, path, nil, &ch); err != nil {
			if ctx.Err() != nil || !fail(err) {
				return
			}
			continue
		}
		a.linkUp()
		pause = first
		if ch.Resync {
			needSnap = true
		} else if ch.Seq != a.Seq() {
			a.applyChanges(&ch)
			a.printf("sync: access list %d: %d people changed, %d removed, %d doors changed\n",
				ch.Seq, len(ch.People), len(ch.RemovedPeople), len(ch.Channels))
		}
		needCmds = needCmds || ch.Commands
	}
}

// fetchSnapshot downloads the snapshot, saves it, then uses it.
func (a *Agent) fetchSnapshot(ctx context.Context) error {
	var snap wire.Snapshot
	if err := a.c.do(ctx, http.MethodGet, "/controller/v1/snapshot", nil, &snap); err != nil {
		return err
	}
	a.linkUp()
	a.saveMu.Lock() // after a fold in progress, and before any that starts later
	if err := a.cfg.State.SaveSnapshot(&snap); err != nil {
		a.printf("error: %v (the new access list is used but not saved)\n", err)
	}
	a.install(&snap, true)
	a.saveMu.Unlock()
	a.printf("sync: access list %d with %d people, %d credentials, %d doors\n", snap.Seq, len(snap.People), len(snap.Credentials), len(snap.Channels))
	return nil
}

// heartbeatLoop sends a heartbeat now and every HeartbeatEvery; each one
// that succeeds also starts an upload of buffered events.
func (a *Agent) heartbeatLoop(ctx context.Context) {
	t := time.NewTicker(a.cfg.HeartbeatEvery)
	defer t.Stop()
	for {
		// A board that does not answer has doors nobody controls: without
		// heartbeats the server marks them offline.
		if a.cfg.Board == nil || a.cfg.Board.Online() {
			var body any
			if a.cfg.Board != nil {
				body = wire.HeartbeatRequest{Doors: a.cfg.Board.DoorStates()}
			}
			if err := a.c.do(ctx, http.MethodPost, "/controller/v1/heartbeat", body, nil); err != nil {
				if ctx.Err() != nil {
					return
				}
				a.linkDown(err)
			} else {
				a.linkUp()
				select {
				case a.flush <- struct{}{}:
				default:
				}
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// uploadLoop uploads buffered events when told to (a new event, a
// heartbeat that got through) and every HeartbeatEvery. It waits
// UploadDelay after being told, so that events decided meanwhile travel in
// the same batch.
func (a *Agent) uploadLoop(ctx context.Context) {
	t := time.NewTicker(a.cfg.HeartbeatEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-a.flush:
			if !sleep(ctx, a.cfg.UploadDelay) {
				return
			}
			select { // a signal sent while waiting is for this same upload
			case <-a.flush:
			default:
			}
		case <-t.C:
		}
		if _, err := a.Flush(ctx); err != nil && ctx.Err() == nil {
			a.linkDown(err)
		}
	}
}

// Flush uploads every buffered event, in batches of at most 500, and
// removes from the outbox every event the server answered for: stored,
// duplicate, or refused (an event the server can never store; it is
// reported and dropped, so it cannot hold up the events behind it). A
// batch answered 400, 413 or 422 as a whole (an older server, or a batch
// too large) is split in halves and sent again; a single event answered so
// is dropped and reported. It returns how many events it removed. Errors:
// the first failed upload otherwise (the events stay buffered).
func (a *Agent) Flush(ctx context.Context) (int, error) {
	a.upMu.Lock()
	defer a.upMu.Unlock()
	pending, err := a.cfg.State.Pending()
	if err != nil {
		return 0, err
	}
	done := 0
	size := wire.MaxEventsPerBatch
	for len(pending) > 0 {
		n := min(len(pending), size)
		var res wire.EventResults
		err := a.c.do(ctx, http.MethodPost, "/controller/v1/events", wire.EventBatch{Events: pending[:n]}, &res)
		var se *statusError
		if errors.As(err, &se) && (se.status == http.StatusBadRequest || se.status == http.StatusRequestEntityTooLarge ||
			se.status == http.StatusUnprocessableEntity) {
			a.linkUp()
			if n > 1 {
				size = n / 2
				continue
			}
			res = wire.EventResults{Events: []wire.EventResult{{ID: pending[0].ID, Status: wire.EventRefused, Reason: se.Error()}}}
		} else if err != nil {
			return done, err
		} else {
			size = min(2*size, wire.MaxEventsPerBatch) // past the bad event: grow back
		}
		a.linkUp()
		ids := make([]string, 0, len(res.Events))
		for _, r := range res.Events {
			if r.Status == wire.EventRefused {
				a.printf("event %s refused by the server and dropped: %s\n", printableID(r.ID), r.Reason)
			}
			ids = append(ids, r.ID)
		}
		if err := a.cfg.State.Acknowledge(ids); err != nil {
			return done, err
		}
		done += len(ids)
		pending = pending[n:]
	}
	return done, nil
}

// printableID quotes an event id for a log line (it may hold anything).
func printableID(id string) string {
	if len(id) > 100 {
		id = id[:100] + "..."
	}
	return strconv.Quote(id)
}

// runCommands collects the doors' commands, carries them out and reports
// each outcome. Remote admissions release the door; every other command
// changes state the snapshot already carries, so it is acknowledged.
func (a *Agent) runCommands(ctx context.Context) error {
	var list wire.Commands
	if err := a.c.do(ctx, http.MethodGet, "/controller/v1/commands", nil, &list); err != nil {
		return err
	}
	for _, cmd := range list.Commands {
		res := wire.CommandResult{Outcome: wire.OutcomeDone}
		switch {
		case a.cfg.Board != nil:
			res = a.cfg.Board.Command(ctx, cmd)
		case cmd.Kind == domain.CommandAdmit || cmd.Kind == domain.CommandAdmitPerson:
			res.Outcome = wire.OutcomeAdmitted
			if a.cfg.Relay != nil {
				if err := a.cfg.Relay.Open(cmd.ChannelID, a.cfg.OpenFor); err != nil {
					res = wire.CommandResult{Outcome: wire.OutcomeDenied, Detail: err.Error()}
				}
			}
		}
		path := fmt.Sprintf("/controller/v1/commands/%d/result", cmd.ID)
		err := a.c.do(ctx, http.MethodPost, path, res, nil)
		var se *statusError
		if errors.As(err, &se) && se.status == http.StatusConflict {
			err = nil // reported before
		}
		if err != nil {
			return err
		}
		a.printf("command %d %s at door %d: %s\n", cmd.ID, cmd.Kind, cmd.ChannelID, res.Outcome)
	}
	return nil
}
