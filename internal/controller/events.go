package controller

import (
	"net/http"
	"time"

	"github.com/lintel-dev/lintel/internal/controller/wire"
	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/httpx"
	"github.com/lintel-dev/lintel/internal/store"
)

const maxClockSkew = 5 * time.Minute

// postEvents serves POST /controller/v1/events (200 EventResults): the
// batch is stored in one transaction and answered per event. An event
// whose id the account already has is not stored again and answers
// "duplicate" with the first one's event_id, so a retried batch never
// duplicates. An event the server can never store answers "refused" with
// the reason, and the rest of the batch is stored: an id that is empty or
// over 100 characters, a door the controller does not serve, a code
// outside 1-99, or text (id, label, credential) holding a NUL character.
// A controller drops refused events, so one bad event cannot hold up the
// ones behind it. A time more than five minutes ahead of the server is
// recorded as the time of upload; no time at all means now. A credential
// value sent with a PIN type is dropped. Bytes that are not UTF-8 become
// U+FFFD, as JSON decoding does. Errors: 400 for a malformed body; 413 for
// more than 500 events.
func (h *Hub) postEvents(w http.ResponseWriter, r *http.Request, d *device) error {
	var batch wire.EventBatch
	if err := httpx.DecodeUnchecked(r, 4*httpx.MaxBodyBytes, &batch); err != nil {
		return err
	}
	if len(batch.Events) > wire.MaxEventsPerBatch {
		return domain.Errorf(domain.ETOOLARGE, "send at most %d events per batch", wire.MaxEventsPerBatch)
	}
	ctx := r.Context()
	now := h.now().UTC()
	out := wire.EventResults{Events: make([]wire.EventResult, len(batch.Events))}
	var good []wire.Event
	var goodAt []int // index in the batch of each good event
	for i, e := range batch.Events {
		out.Events[i].ID = e.ID
		if reason := refusal(d, e); reason != "" {
			out.Events[i].Status, out.Events[i].Reason = wire.EventRefused, reason
			h.log.WarnContext(ctx, "controller event refused", "controller_id", d.c.ID, "index", i, "reason", reason)
			continue
		}
		good = append(good, e)
		goodAt = append(goodAt, i)
	}
	if len(good) == 0 {
		httpx.WriteJSON(w, http.StatusOK, out)
		return nil
	}
	batch.Events = good
	people, err := h.eventPeople(r, d, batch.Events)
	if err != nil {
		return err
	}
	pins, err := h.pinTypes(r, d, batch.Events)
	if err != nil {
		return err
	}
	doors := map[int64]*domain.Channel{}
	rows := make([]*domain.Event, len(batch.Events))
	for i, e := range batch.Events {
		ch := doors[e.ChannelID]
		if ch == nil {
			if ch, err = h.st.GetChannel(ctx, d.c.AccountID, e.ChannelID); err != nil {
				return err
			}
			doors[e.ChannelID] = ch
		}
		at := now
		if e.OccurredAt != nil && !e.OccurredAt.After(now.Add(maxClockSkew)) {
			at = e.OccurredAt.UTC()
		}
		id, chID, chName := e.ID, ch.ID, ch.Name
		ev := &domain.Event{AccountID: d.c.AccountID, EventCode: e.EventCode, EventLabel: truncate(e.Label, 255),
			ChannelID: &chID, ChannelName: &chName, ClientEventID: &id, CreatedAt: at, UpdatedAt: now}
		if e.PersonID != nil {
			if p := people[*e.PersonID]; p != nil {
				name := p.FirstName + " " + p.LastName
				ev.PersonID, ev.PersonName, ev.PersonFirstName, ev.PersonLastName = &p.ID, &name, &p.FirstName, &p.LastName
			}
		}
		if e.Credential != nil && (e.CredentialTypeID == nil || !pins[*e.CredentialTypeID]) {
			c := truncate(*e.Credential, 100)
			ev.CredentialsNumber = &c
		}
		rows[i] = ev
	}
	res, err := h.st.StoreControllerEvents(ctx, rows)
	if err != nil {
		return err
	}
	for i, x := range res {
		st := wire.EventStored
		if x.Duplicate {
			st = wire.EventDuplicate
		}
		out.Events[goodAt[i]] = wire.EventResult{ID: batch.Events[i].ID, EventID: x.EventID, Status: st}
	}
	h.touch(d.channels)
	httpx.WriteJSON(w, http.StatusOK, out)
	return nil
}

// refusal says why an event can never be stored, or "" when it can.
func refusal(d *device, e wire.Event) string {
	switch {
	case e.ID == "" || len(e.ID) > 100:
		return "id must be 1 to 100 characters"
	case !d.covers(e.ChannelID):
		return "channel_id is not a door of this controller"
	case e.EventCode < 1 || e.EventCode > 99:
		return "event_code must be between 1 and 99"
	}
	if err := httpx.CheckStrings("", e); err != nil {
		return domain.ErrorMessage(err)
	}
	return ""
}

// eventPeople loads the people the events name; people who no longer
// exist are left out (their events keep only the label).
func (h *Hub) eventPeople(r *http.Request, d *device, events []wire.Event) (map[int64]*domain.Person, error) {
	var ids []int64
	for _, e := range events {
		if e.PersonID != nil {
			ids = append(ids, *e.PersonID)
		}
	}
	out := map[int64]*domain.Person{}
	if len(ids) == 0 {
		return out, nil
	}
	err := h.st.EachAccessPerson(r.Context(), d.c.AccountID, uniqueSorted(ids), func(p *domain.Person) error {
		q := *p
		out[p.ID] = &q
		return nil
	})
	return out, err
}

// pinTypes returns the account's PIN credential types when an event names
// a credential type.
func (h *Hub) pinTypes(r *http.Request, d *device, events []wire.Event) (map[int64]bool, error) {
	out := map[int64]bool{}
	for _, e := range events {
		if e.CredentialTypeID == nil {
			continue
		}
		types, _, err := h.st.ListCredentialTypes(r.Context(), d.c.AccountID, store.Page{})
		if err != nil {
			return nil, err
		}
		for _, t := range types {
			out[t.ID] = t.Kind == domain.KindPIN
		}
		break
	}
	return out, nil
}

// truncate cuts s to at most n bytes, on a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}
