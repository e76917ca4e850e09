package uhppote

import (
	"context"
	"maps"
	"slices"
	"sync"
	"time"
)

// write brings the board to t, in an order that never opens more than the
// old or the new access list would: door modes first (a lockdown must not
// wait for a load), then time profiles (cards may name them only once
// they exist: a board allows a card whose profile is missing), then cards
// removed, then cards added or changed, then profiles no schedule uses
// any more are closed. A full
// load writes every card and profile, removes every card of the board
// that is not in t, and closes every other profile. The image follows
// each write that succeeds and is saved at the end.
func (d *Driver) write(ctx context.Context, t *target, full bool) (err error) {
	im := d.im
	start := time.Now()
	if full {
		// Until it completes, a restarted driver must load the board
		// whole again: part of it may be old, part new.
		im.Loaded = false
		if err := im.save(d.cfg.StateDir); err != nil {
			return err
		}
	}
	save := full || t.modes != im.Modes // whether the whole image is saved at the end
	if err := d.writeModes(t.modes, full); err != nil {
		return d.fail(err)
	}
	for _, id := range slices.Sorted(maps.Keys(t.profiles)) {
		bp := t.profiles[id]
		if cur, ok := im.Profiles[id]; ok && cur == bp && !full {
			continue
		}
		if err := d.c.setProfile(id, bp); err != nil {
			return d.fail(err)
		}
		im.Profiles[id], save = bp, true
	}
	if !maps.EqualFunc(im.Schedules, t.schedules, slices.Equal) {
		im.Schedules, save = t.schedules, true
	}

	var dels, puts []uint32
	pending := map[uint32]bool{}
	for _, n := range im.Pending {
		pending[n] = true
	}
	for n := range im.Cards {
		if _, ok := t.cards[n]; !ok {
			dels = append(dels, n)
		}
	}
	for n := range pending {
		if _, ok := t.cards[n]; !ok && !slices.Contains(dels, n) {
			dels = append(dels, n)
		}
	}
	for n, c := range t.cards {
		if cur, ok := im.Cards[n]; full || !ok || cur != c || pending[n] {
			puts = append(puts, n)
		}
	}
	slices.Sort(dels)
	slices.Sort(puts)
	if !full && len(dels)+len(puts) > 0 {
		e := journalEntry{Dels: dels, Puts: make(map[uint32]boardCard, len(puts))}
		for _, n := range puts {
			e.Puts[n] = t.cards[n]
		}
		if err := im.record(d.cfg.StateDir, e); err != nil {
			return err
		}
		// Should a write fail, its answer may have been lost after the
		// board took it: the next round sends all of these again.
		defer func() {
			if err != nil {
				im.Pending = append(append(im.Pending, dels...), puts...)
			}
		}()
	}
	var mu sync.Mutex
	if err := d.parallel(ctx, dels, func(n uint32) error {
		if err := d.c.deleteCard(n); err != nil {
			return err
		}
		mu.Lock()
		delete(im.Cards, n)
		mu.Unlock()
		return nil
	}); err != nil {
		return d.fail(err)
	}
	if err := d.parallel(ctx, puts, func(n uint32) error {
		c := t.cards[n]
		if err := d.c.putCard(n, c); err != nil {
			return err
		}
		mu.Lock()
		im.Cards[n] = c
		mu.Unlock()
		return nil
	}); err != nil {
		return d.fail(err)
	}
	d.statsMu.Lock()
	d.stats.CardWrites += int64(len(puts) + len(dels))
	d.statsMu.Unlock()
	if full {
		if err := d.removeStrays(ctx, t); err != nil {
			return d.fail(err)
		}
	}

	retire := t.retire
	if full {
		retire = nil
		for id := firstProfile; id <= lastProfile; id++ {
			if _, ok := t.profiles[uint8(id)]; !ok {
				retire = append(retire, uint8(id))
			}
		}
	}
	for _, id := range retire {
		closed := boardProfile{Closed: true}
		if err := d.c.setProfile(id, closed); err != nil {
			return d.fail(err)
		}
		im.Profiles[id], save = closed, true
	}
	im.Loaded, im.Pending = true, nil
	if save || im.journal >= maxJournal {
		if err := im.save(d.cfg.StateDir); err != nil {
			return err
		}
	}
	d.online.Store(true)
	if full {
		d.statsMu.Lock()
		d.stats.FullLoads++
		d.stats.LastLoad = time.Since(start)
		d.statsMu.Unlock()
		d.printf("loaded %d cards, %d time profiles in %s", len(t.cards), len(t.profiles), time.Since(start).Round(time.Millisecond))
	}
	return nil
}

// maxJournal is how many rounds of card writes are journaled before the
// whole image is saved again.
const maxJournal = 256

// writeModes sets the door control modes that differ from the image (all
// of them with force). It may run during a round (from a command), so it
// has a lock of its own.
func (d *Driver) writeModes(modes [4]uint8, force bool) error {
	d.modeMu.Lock()
	defer d.modeMu.Unlock()
	delay := uint8(min(max(d.cfg.OpenFor/time.Second, 1), 255))
	for i, mode := range modes {
		if mode == 0 || (!force && d.im.Modes[i] == mode) {
			continue
		}
		if err := d.c.setMode(uint8(i+1), mode, delay); err != nil {
			return err
		}
		d.im.Modes[i] = mode
		d.statusMu.Lock()
		d.doors[i].Mode = mode
		d.statusMu.Unlock()
	}
	return nil
}

// fail marks the board offline and returns err. What was written so far
// is in the image in memory; the journal keeps the round for a restart.
func (d *Driver) fail(err error) error {
	d.online.Store(false)
	return err
}

// removeStrays deletes the cards the board holds that t does not: it
// reads the table by index until it has seen as many cards as the board
// counts, or the table ends.
func (d *Driver) removeStrays(ctx context.Context, t *target) error {
	count, err := d.c.cardCount()
	if err != nil {
		return err
	}
	if int(count) == len(t.cards) {
		return nil
	}
	seen := uint32(0)
	for i := uint32(1); seen < count && ctx.Err() == nil; i++ {
		n, err := d.c.cardAt(i)
		if err != nil {
			return err
		}
		if n == 0 {
			break // past the end of the table
		}
		if n == 0xffffffff {
			continue // a deleted row
		}
		seen++
		if _, ok := t.cards[n]; !ok {
			if err := d.c.deleteCard(n); err != nil {
				return err
			}
		}
	}
	return ctx.Err()
}

// parallel runs f for each item, InFlight at a time, and returns the
// first error (items not started yet are then skipped).
func (d *Driver) parallel(ctx context.Context, items []uint32, f func(uint32) error) error {
	if len(items) == 0 {
		return nil
	}
	work := make(chan uint32)
	var wg sync.WaitGroup
	var once sync.Once
	var first error
	stop := make(chan struct{})
	for range min(d.cfg.InFlight, len(items)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := range work {
				if err := f(n); err != nil {
					once.Do(func() { first = err; close(stop) })
					return
				}
			}
		}()
	}
feed:
	for _, n := range items {
		select {
		case work <- n:
		case <-stop:
			break feed
		case <-ctx.Done():
			break feed
		}
	}
	close(work)
	wg.Wait()
	if first != nil {
		return first
	}
	return ctx.Err()
}
