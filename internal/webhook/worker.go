package webhook

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/store"
)

// eventScope is the scope an application needs to be notified of events.
const eventScope = "account.event.access.readonly"

// defaultIdlePoll is IdlePoll's default.
var defaultIdlePoll = 5 * time.Second

// Run is the delivery worker: it queues deliveries for new events and
// resource changes, and sends due deliveries with at most Concurrency in
// flight. It runs a cycle when the store announces events, credential
// changes or rule changes (or Notify is called), when a retry comes due,
// every PollInterval while an id gap holds the horizon back, and otherwise
// every IdlePoll: the fallback for writes no announcement reached (another
// process on SQLite) and for leases of other servers running out. Idle, it
// costs one cycle every IdlePoll. It returns nil when ctx is cancelled,
// after in-flight attempts have ended. Call it once per Service; several
// Services, in one process or several, may run on the same database.
func (s *Service) Run(ctx context.Context) error {
	timer := time.NewTimer(s.cfg.PollInterval)
	defer timer.Stop()
	w := &runState{
		slots:   make(chan struct{}, s.cfg.Concurrency),
		freed:   make(chan struct{}, 1),
		results: make(chan *store.WebhookCompletion, s.cfg.Concurrency),
	}
	recorded := make(chan struct{})
	go s.recorder(ctx, w, recorded)
	defer func() {
		w.inflight.Wait()
		close(w.results)
		<-recorded
	}()
	for {
		if ctx.Err() != nil {
			return nil
		}
		s.cycle(ctx, w)
		timer.Reset(s.nextPoll(ctx))
		select {
		case <-ctx.Done():
			return nil
		case <-s.wake:
		case <-timer.C:
		case <-w.freed:
		}
		if !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
	}
}

// nextPoll returns how long the worker may wait for an announcement before
// it looks again by itself: PollInterval while a horizon waits at a gap in
// the ids, until the next pending delivery is due (at least PollInterval),
// and at most IdlePoll.
func (s *Service) nextPoll(ctx context.Context) time.Duration {
	if s.horizon.waiting() || s.changes.waiting() {
		return s.cfg.PollInterval
	}
	wait := s.cfg.IdlePoll
	due, ok, err := s.st.NextWebhookDeliveryDue(ctx)
	if err != nil {
		if ctx.Err() == nil {
			s.log.Error("webhook: next delivery due", "err", err)
		}
		return s.cfg.PollInterval
	}
	if ok {
		wait = min(wait, max(due.Sub(s.now()), s.cfg.PollInterval))
	}
	return wait
}

// runState is what one Run shares with its delivery goroutines.
type runState struct {
	slots    chan struct{} // one token per delivery in flight, until recorded
	freed    chan struct{} // signalled when slots free up
	results  chan *store.WebhookCompletion
	inflight sync.WaitGroup
}

// recorder writes finished attempts in batches (one transaction for all
// that are waiting) and frees their slots. It ends when results is closed.
func (s *Service) recorder(ctx context.Context, w *runState, done chan<- struct{}) {
	defer close(done)
	batch := make([]*store.WebhookCompletion, 0, cap(w.slots))
	for c := range w.results {
		batch = append(batch[:0], c)
	drain:
		for len(batch) < cap(batch) {
			select {
			case c, ok := <-w.results:
				if !ok {
					break drain
				}
				batch = append(batch, c)
			default:
				break drain
			}
		}
		s.record(ctx, batch)
		for range batch {
			<-w.slots
		}
		signal(w.freed)
	}
}

// cycle does one round of rule sync, queueing and dispatch. Errors are
// logged; the next round tries again.
func (s *Service) cycle(ctx context.Context, w *runState) {
	s.cycles.Add(1)
	if err := s.syncRules(ctx); err != nil && ctx.Err() == nil {
		s.log.Error("webhook: load notification rules", "err", err)
	}
	if err := s.enqueue(ctx); err != nil && ctx.Err() == nil {
		s.log.Error("webhook: queue deliveries", "err", err)
	}
	if err := s.purge(ctx); err != nil && ctx.Err() == nil {
		s.log.Error("webhook: purge delivery log", "err", err)
	}
	free := cap(w.slots) - len(w.slots)
	if free == 0 {
		return
	}
	claimed, err := s.st.ClaimWebhookDeliveries(ctx, s.now(), s.cfg.Lease, free)
	if err != nil {
		if ctx.Err() == nil {
			s.log.Error("webhook: claim deliveries", "err", err)
		}
		return
	}
	for _, d := range claimed {
		w.slots <- struct{}{}
		w.inflight.Add(1)
		go func() {
			defer w.inflight.Done()
			w.results <- s.deliver(ctx, d)
		}()
	}
}

// enqueue turns events past each enabled endpoint's cursor (up to the
// horizon) into deliveries, then resource changes past each application
// endpoint's change cursor (see enqueueChanges).
func (s *Service) enqueue(ctx context.Context) error {
	top, err := s.advance(ctx)
	if err != nil {
		return err
	}
	eps, err := s.st.ListWebhookEndpoints(ctx)
	if err != nil {
		return err
	}
	for _, ep := range eps {
		if ep.DisabledAt != nil || ep.EventCursor >= top {
			continue
		}
		if err := s.enqueueEndpoint(ctx, ep, top); err != nil {
			return err
		}
	}
	return s.enqueueChanges(ctx, eps)
}

// enqueueEndpoint queues one endpoint's deliveries up to top, in batches.
func (s *Service) enqueueEndpoint(ctx context.Context, ep *store.WebhookEndpoint, top int64) error {
	const batch = 1000
	match, ok, err := s.matcher(ctx, ep)
	if err != nil || !ok {
		return err
	}
	cursor := ep.EventCursor
	for cursor < top {
		refs, err := s.st.ScanWebhookEvents(ctx, cursor, batch)
		if err != nil {
			return err
		}
		if i := slices.IndexFunc(refs, func(r store.WebhookEventRef) bool { return r.ID > top }); i >= 0 {
			refs = refs[:i]
		}
		if len(refs) == 0 {
			return nil
		}
		var out []store.WebhookEventRef
		for _, r := range refs {
			if match(r) {
				out = append(out, r)
			}
		}
		next := refs[len(refs)-1].ID
		moved, err := s.st.EnqueueWebhookDeliveries(ctx, ep.ID, cursor, next, out, s.now())
		if err != nil || !moved {
			return err
		}
		cursor = next
	}
	return nil
}

// matcher returns which events an endpoint receives. ok is false when the
// endpoint cannot be routed yet (a rule not loaded).
func (s *Service) matcher(ctx context.Context, ep *store.WebhookEndpoint) (func(store.WebhookEventRef) bool, bool, error) {
	switch ep.Kind {
	case store.WebhookApp:
		accts, err := s.st.AppWebhookAccounts(ctx, ep.AppID)
		if err != nil {
			return nil, false, err
		}
		allowed := map[int64]bool{}
		for id, scopes := range accts {
			allowed[id] = scopes.Has(eventScope)
		}
		return func(r store.WebhookEventRef) bool { return allowed[r.AccountID] }, true, nil
	case store.WebhookRule:
		s.mu.Lock()
		rule, ok := s.rules[ep.RuleID]
		s.mu.Unlock()
		if !ok {
			return nil, false, nil
		}
		return func(r store.WebhookEventRef) bool { return ruleMatches(rule, r) }, true, nil
	}
	return nil, false, nil
}

// ruleMatches reports whether an event falls under a notification rule.
func ruleMatches(rule Rule, r store.WebhookEventRef) bool {
	if r.AccountID != rule.AccountID || !slices.Contains(rule.Codes, r.Code) {
		return false
	}
	if len(rule.ChannelIDs) == 0 {
		return true
	}
	return r.ChannelID != nil && slices.Contains(rule.ChannelIDs, *r.ChannelID)
}

// syncRules loads the notification rules (at most every RuleSync) and
// keeps one endpoint per active rule; endpoints of removed or inactive
// rules are disabled.
func (s *Service) syncRules(ctx context.Context) error {
	if s.cfg.Rules == nil || (!s.rulesStale.Swap(false) && time.Since(s.rulesRead) < s.cfg.RuleSync) {
		return nil
	}
	s.rulesRead = time.Now()
	rules, err := s.cfg.Rules(ctx)
	if err != nil {
		return err
	}
	active := map[int64]Rule{}
	for _, r := range rules {
		if r.Active && r.ID > 0 && r.URL != "" {
			active[r.ID] = r
		}
	}
	for id, r := range active {
		secret := ""
		if r.AppID != 0 {
			if secret, err = s.st.AppWebhookSecret(ctx, r.AppID); err != nil && domain.ErrorCode(err) != domain.ENOTFOUND {
				return err
			}
		}
		key := r.URL + "\x00" + secret
		if s.ruleSeen[id] == key {
			continue
		}
		if _, err := s.st.SaveRuleEndpoint(ctx, store.RuleEndpoint{RuleID: id, AccountID: r.AccountID, URL: r.URL, Secret: secret, Since: r.Since},
			NewSecret(), s.now()); err != nil {
			return err
		}
		s.ruleSeen[id] = key
	}
	eps, err := s.st.ListWebhookEndpoints(ctx)
	if err != nil {
		return err
	}
	for _, ep := range eps {
		if ep.Kind != store.WebhookRule || ep.DisabledAt != nil {
			continue
		}
		if _, ok := active[ep.RuleID]; !ok {
			if err := s.st.DisableWebhookEndpoint(ctx, ep.ID, store.RuleInactiveReason, s.now()); err != nil {
				return err
			}
			delete(s.ruleSeen, ep.RuleID)
		}
	}
	s.mu.Lock()
	s.rules = active
	s.mu.Unlock()
	return nil
}

// purge deletes delivered and failed deliveries older than Retention, a
// bounded batch per round so it never holds the database for long.
func (s *Service) purge(ctx context.Context) error {
	if !s.purgedAt.IsZero() && time.Since(s.purgedAt) < s.purgeEvery {
		return nil
	}
	n, err := s.st.PurgeWebhookDeliveries(ctx, s.now().Add(-s.cfg.Retention), 5000)
	if err != nil {
		return err
	}
	if n < 5000 {
		s.purgedAt = time.Now() // done for now; otherwise continue next round
	}
	return nil
}
