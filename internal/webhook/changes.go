package webhook

import (
	"context"
	"slices"

	"github.com/lintel-dev/lintel/internal/store"
)

// personScope is the scope an application needs to be told about
// PersonCredential changes (account.person implies it).
const personScope = "account.person.readonly"

// enqueueChanges turns resource changes past each application endpoint's
// change cursor (up to the changes horizon) into deliveries. An endpoint
// without a cursor starts at the horizon, so history is not sent; a
// disabled endpoint loses its cursor, so it starts afresh when enabled
// again (as its event cursor does). Rule endpoints get no changes.
func (s *Service) enqueueChanges(ctx context.Context, eps []*store.WebhookEndpoint) error {
	top, err := s.changes.advance(ctx)
	if err != nil {
		return err
	}
	cursors, err := s.st.ChangeCursors(ctx)
	if err != nil {
		return err
	}
	for _, ep := range eps {
		if ep.Kind != store.WebhookApp {
			continue
		}
		cur, started := cursors[ep.ID]
		switch {
		case ep.DisabledAt != nil:
			if started {
				if err := s.st.StopChangeCursor(ctx, ep.ID); err != nil {
					return err
				}
			}
		case !started:
			if _, err := s.st.StartChangeCursor(ctx, ep.ID, top); err != nil {
				return err
			}
		case cur < top:
			if err := s.enqueueEndpointChanges(ctx, ep, cur, top); err != nil {
				return err
			}
		}
	}
	return nil
}

// enqueueEndpointChanges queues an application endpoint's change
// deliveries from cursor up to top, in batches: changes of accounts that
// granted the application personScope.
func (s *Service) enqueueEndpointChanges(ctx context.Context, ep *store.WebhookEndpoint, cursor, top int64) error {
	const batch = 1000
	accts, err := s.st.AppWebhookAccounts(ctx, ep.AppID)
	if err != nil {
		return err
	}
	for cursor < top {
		cs, err := s.st.ListResourceChangesAfter(ctx, cursor, batch)
		if err != nil {
			return err
		}
		if i := slices.IndexFunc(cs, func(c *store.ResourceChange) bool { return c.ID > top }); i >= 0 {
			cs = cs[:i]
		}
		if len(cs) == 0 {
			return nil
		}
		var out []*store.ResourceChange
		for _, c := range cs {
			if c.ResourceType == store.ResourcePersonCredential && accts[c.AccountID].Has(personScope) {
				out = append(out, c)
			}
		}
		next := cs[len(cs)-1].ID
		moved, err := s.st.EnqueueChangeDeliveries(ctx, ep.ID, cursor, next, out, s.now())
		if err != nil || !moved {
			return err
		}
		cursor = next
	}
	return nil
}
