package controller

import (
	"context"
	"maps"
	"slices"
	"time"

	"github.com/lintel-dev/lintel/internal/controller/wire"
	"github.com/lintel-dev/lintel/internal/store"
)

// Limits of the change log each account keeps in memory. A controller
// further behind than the log reaches downloads the snapshot again, and so
// does one whose delta would name more people than maxDeltaPeople (the
// snapshot is then the cheaper answer).
const (
	maxJournalRead = 2000 // journal rows read per catch-up; more means "resync"
	maxLogEntries  = 1024
	maxLogPeople   = 20000 // person states kept over all entries
	maxDeltaPeople = 5000
)

// change is what one catch-up read from the journal: the state, at `to`,
// of every person and door journaled in (from, to]. A nil person is one
// that was deleted.
type change struct {
	from, to int64
	people   map[int64]*wire.PersonState
	channels map[int64]*wire.Channel
}

// Notify tells the hub that something the account's doors decide with may
// have changed. The hub reads the journal in the background and answers
// waiting controllers with the changes. The store's announcements call it
// (see changed); tests and tools may call it too.
func (h *Hub) Notify(accountID int64) { h.kick(accountID) }

// changed is the hub's subscription to the store's announcements, from
// this process or, through PostgreSQL NOTIFY, from others: access changes
// kick the account (see kick), queued commands wake the account's waiting
// controllers so they collect them, and "anything may have changed" (a
// notification connection made or made again) polls the journal of every
// account at once and has every waiting controller
// collect its commands: a command queued while the connection was down
// was announced to nobody here. It never blocks.
func (h *Hub) changed(c store.Change) {
	if c.AccountID == 0 {
		select {
		case h.pollNow <- struct{}{}:
		default:
		}
		h.mu.Lock()
		for _, a := range h.accounts {
			a.commands++
			close(a.wake)
			a.wake = make(chan struct{})
		}
		h.mu.Unlock()
		return
	}
	if c.Has(store.ChangeCommands) {
		h.mu.Lock()
		a := h.account(c.AccountID)
		a.commands++
		close(a.wake)
		a.wake = make(chan struct{})
		h.mu.Unlock()
	}
	if c.Has(store.ChangeAccess) {
		h.kick(c.AccountID)
	}
}

// kick starts a catch-up of the account unless one is running, in which
// case that one goes round again when it ends: bursts of writes coalesce.
// While none of the account's controllers waits in GET changes here, there
// is nobody to tell: kick only marks the account stale, and the next GET
// changes (or Access, which compares with the journal itself) catches up
// before it answers. A controller registers as waiting in the same
// critical section in which it finds the account not stale, so no change
// falls between the two.
func (h *Hub) kick(accountID int64) {
	h.mu.Lock()
	a := h.account(accountID)
	if a.loaded && a.waiting == 0 {
		a.stale = true
		h.mu.Unlock()
		return
	}
	if a.catching {
		a.again = true
		h.mu.Unlock()
		return
	}
	a.catching = true
	h.mu.Unlock()
	go func() {
		for {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			if err := h.catchUp(ctx, accountID); err != nil {
				h.log.Warn("reading the access journal failed; controllers catch up at the next change or poll",
					"account_id", accountID, "err", err)
			}
			cancel()
			h.mu.Lock()
			if !a.again {
				a.catching = false
				h.mu.Unlock()
				return
			}
			a.again = false
			h.mu.Unlock()
		}
	}()
}

// currentSeq returns the account's journal position, catching up first
// when the hub has not read it yet or changes were made since (see kick).
func (h *Hub) currentSeq(ctx context.Context, accountID int64) (int64, error) {
	h.mu.Lock()
	a := h.account(accountID)
	behind := !a.loaded || a.stale
	h.mu.Unlock()
	if behind {
		if err := h.catchUp(ctx, accountID); err != nil {
			return 0, err
		}
	}
	return h.Seq(accountID), nil
}

// catchUp reads the account's journal after the hub's sequence, in one
// consistent read with the state of what it names, and adds that to the
// change log; an account-wide change (or too many rows) empties the log
// instead, so controllers behind it resync. The first catch-up of an
// account only learns its sequence. Waiting controllers are woken when the
// sequence moves.
func (h *Hub) catchUp(ctx context.Context, accountID int64) error {
	h.mu.Lock()
	a := h.account(accountID)
	h.mu.Unlock()
	a.catchMu.Lock()
	defer a.catchMu.Unlock()
	h.mu.Lock()
	from, loaded := a.seq, a.loaded
	a.stale = false // a change from now on is after this read, or marks it again
	h.mu.Unlock()
	h.stats.catchUps.Add(1)

	var (
		to         = from
		everything = !loaded
		ch         *change
	)
	err := h.st.ReadConsistent(ctx, accountID, func(tx *store.Store) error {
		if everything {
			var err error
			to, err = tx.AccessSeq(ctx, accountID)
			return err
		}
		rows, err := tx.AccessChangesAfter(ctx, accountID, from, maxJournalRead+1)
		if err != nil || len(rows) == 0 {
			return err
		}
		var people, chans []int64
		for _, r := range rows {
			switch {
			case r.Everything():
				everything = true
			case r.PersonID != 0:
				people = append(people, r.PersonID)
			default:
				chans = append(chans, r.ChannelID)
			}
		}
		people, chans = uniqueSorted(people), uniqueSorted(chans)
		if everything || len(rows) > maxJournalRead || len(people) > maxDeltaPeople {
			everything = true
			to, err = tx.AccessSeq(ctx, accountID)
			return err
		}
		to = rows[len(rows)-1].ID
		ch, err = loadChange(ctx, tx, accountID, people, chans, h.now())
		return err
	})
	if err != nil {
		return err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	switch {
	case everything:
		a.log, a.logFrom, a.logPeople = nil, to, 0
	case ch != nil:
		ch.from, ch.to = from, to
		a.log = append(a.log, ch)
		a.logPeople += len(ch.people)
		for len(a.log) > maxLogEntries || a.logPeople > maxLogPeople {
			a.logPeople -= len(a.log[0].people)
			a.logFrom = a.log[0].to
			a.log = slices.Delete(a.log, 0, 1)
		}
	}
	a.loaded = true
	if to != a.seq {
		a.seq = to
		close(a.wake)
		a.wake = make(chan struct{})
	}
	return nil
}

// pollJournal notices journal rows written by other processes (the CLI,
// another server) and kicks the accounts it serves (see kick). cursor is the
// highest journal id seen so far; it returns the new one.
func (h *Hub) pollJournal(ctx context.Context, cursor int64) int64 {
	seqs, err := h.st.AccessSeqsAfter(ctx, cursor)
	if err != nil {
		if ctx.Err() == nil {
			h.log.Warn("polling the access journal failed", "err", err)
		}
		return cursor
	}
	for acct, seq := range seqs {
		cursor = max(cursor, seq)
		h.mu.Lock()
		a, ok := h.accounts[acct]
		behind := ok && a.loaded && a.seq < seq
		h.mu.Unlock()
		if behind {
			h.kick(acct)
		}
	}
	return cursor
}

// changesAfter answers a controller of the given doors (ascending) at
// sequence after; nil doors means every door of the account (the server's
// own compiled snapshot). h.mu must be held.
func (a *accountState) changesAfter(after int64, doors []int64) wire.Changes {
	out := wire.Changes{Seq: a.seq}
	if after == a.seq {
		return out
	}
	if after < a.logFrom || after > a.seq {
		out.Resync = true
		return out
	}
	people := map[int64]*wire.PersonState{}
	chans := map[int64]*wire.Channel{}
	for _, c := range a.log {
		if c.to <= after {
			continue
		}
		for id, p := range c.people {
			people[id] = p
		}
		for id, ch := range c.channels {
			chans[id] = ch
		}
	}
	if len(people) > maxDeltaPeople {
		out.Resync = true
		return out
	}
	for _, id := range slices.Sorted(maps.Keys(people)) {
		p := people[id]
		if p == nil {
			out.RemovedPeople = append(out.RemovedPeople, id)
			continue
		}
		if doors == nil {
			out.People = append(out.People, *p)
		} else {
			out.People = append(out.People, p.ForChannels(doors))
		}
	}
	if doors == nil {
		doors = slices.Sorted(maps.Keys(chans))
	}
	for _, id := range doors {
		if ch := chans[id]; ch != nil {
			out.Channels = append(out.Channels, *ch)
		}
	}
	return out
}
