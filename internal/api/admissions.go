package api

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/httpx"
	"github.com/lintel-dev/lintel/internal/store"
)

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func ptrTime(t time.Time) *time.Time { return &t }

type admitJSON struct {
	AdmissionRequestID int64  `json:"admission_request_id"`
	Status             string `json:"status"`
}

type namedJSON struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

type admissionRequestJSON struct {
	ID             int64      `json:"id"`
	Status         string     `json:"status"`
	ChannelID      int64      `json:"channel_id"`
	PersonID       *int64     `json:"person_id"`
	RequestedAt    string     `json:"requested_at"`
	CompletedAt    *string    `json:"completed_at"`
	DoorController namedJSON  `json:"door_controller"`
	Person         *namedJSON `json:"person"`
}

// admit records a remote admission request at the door (for p, or anyone
// when p is nil) and offers it to the door's controller. The request's id
// is the id of the event that recorded it. When no controller takes it the
// request is offline at once (and an offline event is recorded); otherwise
// it is pending until the controller answers or two minutes pass.
func (a *API) admit(ctx context.Context, ch *domain.Channel, p *domain.Person) (*domain.AdmissionRequest, error) {
	now := a.nowMS()
	ev := channelEvent(ch, domain.EventRemoteAdmitRequested, "Remote admission requested", now)
	req := &domain.AdmissionRequest{AccountID: ch.AccountID, ChannelID: ch.ID, ChannelName: ch.Name, Status: domain.AdmissionPending, RequestedAt: now}
	kind, payload := domain.CommandAdmit, map[string]any{}
	if p != nil {
		name := p.FirstName + " " + p.LastName
		ev.PersonID, ev.PersonName, ev.PersonFirstName, ev.PersonLastName = &p.ID, &name, &p.FirstName, &p.LastName
		ev.EventLabel = "Remote admission requested for " + name
		req.PersonID, req.PersonName = &p.ID, &name
		kind, payload["person_id"] = domain.CommandAdmitPerson, p.ID
	}
	qc := &domain.ChannelCommand{AccountID: ch.AccountID, ChannelID: ch.ID, Kind: kind, CreatedAt: now}
	err := a.st.InTx(ctx, func(tx *store.Store) error {
		if err := tx.CreateEvent(ctx, ev); err != nil {
			return err
		}
		req.ID = ev.ID
		if err := tx.CreateAdmissionRequest(ctx, req); err != nil {
			return err
		}
		payload["admission_request_id"] = req.ID
		qc.AdmissionRequestID, qc.Payload = &req.ID, payloadJSON(payload)
		return tx.CreateChannelCommand(ctx, qc)
	})
	if err != nil {
		return nil, err
	}
	if a.dispatch(ctx, qc) {
		return req, nil
	}
	// Nobody took it: opening the door later than asked would be wrong,
	// so the command expires and the request is answered offline.
	// A controller's poll may have claimed the command between the dispatch
	// and now: then the request stays as the controller leaves it.
	done := a.nowMS()
	off := *ev
	off.ID, off.EventCode, off.EventLabel, off.CreatedAt, off.UpdatedAt = 0, domain.EventRemoteOffline, "Remote admission failed: the door controller is offline", done, done
	expired := false
	err = a.st.InTx(ctx, func(tx *store.Store) error {
		var err error
		if expired, err = tx.ExpireQueuedChannelCommand(ctx, qc.ID); err != nil || !expired {
			return err
		}
		if err := tx.CompleteAdmissionRequest(ctx, req.ID, domain.AdmissionOffline, done); err != nil {
			return err
		}
		return tx.CreateEvent(ctx, &off)
	})
	if err != nil {
		return nil, err
	}
	if !expired {
		return a.st.GetAdmissionRequest(ctx, req.AccountID, req.ID)
	}
	req.Status, req.CompletedAt = domain.AdmissionOffline, &done
	return req, nil
}

// admitChannel serves POST /api/3/channels/{id}/admit (202): the door opens
// once for whoever is there. A door in unlock mode answers 400 with the
// door, as DoorFlow does. Errors: 404.
func (a *API) admitChannel(w http.ResponseWriter, r *http.Request, c *call) error {
	ch, err := a.loadChannel(r, c)
	if err != nil {
		return err
	}
	if ch.Mode != domain.ModeNormal {
		return a.writeChannel(r.Context(), w, ch, http.StatusBadRequest)
	}
	req, err := a.admit(r.Context(), ch, nil)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusAccepted, admitJSON{AdmissionRequestID: req.ID, Status: req.Status})
	return nil
}

// admitPerson serves POST /api/3/channels/{id}/admit_person (202): the door
// opens once for person_id, if that person may pass it now, as the door
// itself would decide (the Decider: access.EvaluatePerson on the snapshot
// the doors receive). A person who
// may not gets DoorFlow's 403 {"error": "Access denied", "reason": ...}
// and a denied event. Errors: 404 for the door or the person; 422 when
// person_id is missing or not an integer.
func (a *API) admitPerson(w http.ResponseWriter, r *http.Request, c *call) error {
	ch, err := a.loadChannel(r, c)
	if err != nil {
		return err
	}
	obj, err := readObject(r)
	if err != nil {
		return err
	}
	v := &domain.Validation{}
	id, _ := fields{obj: obj, v: v}.int("person_id")
	if id == nil && !v.Has("person_id") {
		v.Add("person_id", "can't be blank")
	}
	if err := v.Err(); err != nil {
		return err
	}
	p, err := a.st.GetPerson(r.Context(), c.p.AccountID, *id)
	if err != nil {
		return err
	}
	now := a.nowMS()
	d, err := a.decide.DecidePerson(r.Context(), c.p.AccountID, ch.ID, p.ID, now)
	if err != nil {
		return err
	}
	reason := denialOf(d)
	if reason == "" && ch.Mode != domain.ModeNormal {
		reason = "The channel is in unlock mode"
	}
	if reason != "" {
		name := p.FirstName + " " + p.LastName
		ev := channelEvent(ch, domain.EventRemoteDenied, "Remote admission refused for "+name+": "+string(reason), now)
		ev.PersonID, ev.PersonName, ev.PersonFirstName, ev.PersonLastName = &p.ID, &name, &p.FirstName, &p.LastName
		if err := a.st.CreateEvent(r.Context(), ev); err != nil {
			return err
		}
		httpx.WriteJSON(w, http.StatusForbidden, map[string]string{"error": "Access denied", "reason": string(reason)})
		return nil
	}
	req, err := a.admit(r.Context(), ch, p)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusAccepted, admitJSON{AdmissionRequestID: req.ID, Status: req.Status})
	return nil
}

// getAdmissionRequest serves GET /api/3/admission_requests/{id}: either
// admit scope is enough. A pending request older than two minutes reads as
// timeout, completed two minutes after it was made. Errors: 404.
func (a *API) getAdmissionRequest(w http.ResponseWriter, r *http.Request, c *call) error {
	if !c.p.Scopes.HasAny(scopeChannelAdmit, scopeChannelAdmitPerson) {
		return domain.InsufficientScope(scopeChannelAdmit, scopeChannelAdmitPerson)
	}
	id, err := pathID(r, "id", "admission request")
	if err != nil {
		return err
	}
	req, err := a.st.GetAdmissionRequest(r.Context(), c.p.AccountID, id)
	if err != nil {
		return err
	}
	out := admissionRequestJSON{ID: req.ID, Status: req.StatusAt(a.now()), ChannelID: req.ChannelID, PersonID: req.PersonID,
		RequestedAt: formatTime(req.RequestedAt), CompletedAt: formatTimePtr(req.CompletedAt),
		DoorController: namedJSON{ID: req.ChannelID, Name: req.ChannelName}}
	if out.Status == domain.AdmissionTimeout && out.CompletedAt == nil {
		out.CompletedAt = formatTimePtr(ptrTime(req.RequestedAt.Add(domain.AdmissionTimeoutAfter)))
	}
	if req.PersonID != nil && req.PersonName != nil {
		out.Person = &namedJSON{ID: *req.PersonID, Name: *req.PersonName}
	}
	httpx.WriteJSON(w, http.StatusOK, out)
	return nil
}
