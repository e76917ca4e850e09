package controller

import (
	"fmt"
	"net/http"
	"time"

	"github.com/lintel-dev/lintel/internal/controller/wire"
	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/httpx"
	"github.com/lintel-dev/lintel/internal/store"
)

const maxClockSkew = 5 * time.Minute

// postEvents serves POST /controller/v1/events (200 EventResults): the
// batch is stored in one transaction; an event whose id the account
// already has is not stored again and answers "duplicate" with the first
// one's event_id, so a retried batch never duplicates. A time more than
// five minutes ahead of the server is recorded as the time of upload; no
// time at all means now. A credential value sent with a PIN type is
// dropped. Errors: 400 for a malformed body; 413 for more than 500 events;
// 422 (nothing stored) for an event without an id, with an id over 100
// characters, for a door the controller does not serve, or a code outside
// 1-99.
func (h *Hub) postEvents(w http.ResponseWriter, r *http.Request, d *device) error {
	var batch wire.EventBatch
	if err := httpx.Decode(r, 4*httpx.MaxBodyBytes, &batch); err != nil {
		return err
	}
	if len(batch.Events) > wire.MaxEventsPerBatch {
		return domain.Errorf(domain.ETOOLARGE, "send at most %d events per batch", wire.MaxEventsPerBatch)
	}
	ctx := r.Context()
	now := h.now().UTC()
	v := &domain.Validation{}
	for i, e := range batch.Events {
		f := fmt.Sprintf("events[%d]", i)
		switch {
		case e.ID == "" || len(e.ID) > 100:
			v.Add(f+".id", "must be 1 to 100 characters")
		case !d.covers(e.ChannelID):
			v.Add(f+".channel_id", "is not a door of this controller")
		case e.EventCode < 1 || e.EventCode > 99:
			v.Add(f+".event_code", "must be between 1 and 99")
		}
	}
	if err := v.Err(); err != nil {
		return err
	}
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
	out := wire.EventResults{Events: make([]wire.EventResult, len(res))}
	for i, x := range res {
		st := "stored"
		if x.Duplicate {
			st = "duplicate"
		}
		out.Events[i] = wire.EventResult{ID: batch.Events[i].ID, EventID: x.EventID, Status: st}
	}
	h.touch(d.channels)
	httpx.WriteJSON(w, http.StatusOK, out)
	return nil
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
