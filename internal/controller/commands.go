package controller

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/lintel-dev/lintel/internal/controller/wire"
	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/httpx"
	"github.com/lintel-dev/lintel/internal/store"
)

// getCommands serves GET /controller/v1/commands (200 Commands): the
// commands of the controller's doors it has not reported on, oldest
// first. A command stays in the list until its result is posted, so a
// controller that crashed gets it again; admissions older than the
// admission timeout are left out.
func (h *Hub) getCommands(w http.ResponseWriter, r *http.Request, d *device) error {
	// Commands queued from here on are announced to the controller's next
	// GET changes; those queued before are in this answer.
	h.mu.Lock()
	h.told[d.c.ID] = h.account(d.c.AccountID).commands
	h.mu.Unlock()
	now := h.now()
	list, err := h.st.PendingControllerCommands(r.Context(), d.channels, now.Add(-domain.AdmissionTimeoutAfter), now)
	if err != nil {
		return err
	}
	out := wire.Commands{Commands: make([]wire.Command, 0, len(list))}
	for _, c := range list {
		payload := json.RawMessage(c.Payload)
		if !json.Valid(payload) {
			payload = json.RawMessage("{}")
		}
		out.Commands = append(out.Commands, wire.Command{ID: c.ID, ChannelID: c.ChannelID, Kind: c.Kind, Payload: payload,
			AdmissionRequestID: c.AdmissionRequestID, CreatedAt: c.CreatedAt})
	}
	h.touch(d.channels)
	httpx.WriteJSON(w, http.StatusOK, out)
	return nil
}

// postCommandResult serves POST /controller/v1/commands/{id}/result (200
// CommandResultAnswer). An admission takes admitted or denied: a pending
// request is completed with that status and an event (50 or 51) is
// recorded; a request that already timed out stays timed out. Other
// commands take done or failed. Errors: 400 for a malformed body; 404 for
// a command of another door; 409 when the command already has a result;
// 422 for an outcome that does not fit the command.
func (h *Hub) postCommandResult(w http.ResponseWriter, r *http.Request, d *device) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return domain.NotFound("command")
	}
	var body wire.CommandResult
	if err := httpx.Decode(r, httpx.MaxBodyBytes, &body); err != nil {
		return err
	}
	ctx := r.Context()
	cmd, err := h.st.GetChannelCommand(ctx, id, d.channels)
	if err != nil {
		return err
	}
	admission := cmd.AdmissionRequestID != nil
	valid := map[string]bool{wire.OutcomeDone: !admission, wire.OutcomeFailed: !admission, wire.OutcomeAdmitted: admission, wire.OutcomeDenied: admission}
	if !valid[body.Outcome] {
		v := &domain.Validation{}
		if admission {
			v.Add("outcome", "must be admitted or denied for an admission")
		} else {
			v.Add("outcome", "must be done or failed")
		}
		return v.Err()
	}
	now := h.now().UTC()
	out := wire.CommandResultAnswer{ID: cmd.ID, Outcome: body.Outcome}
	err = h.st.InTx(ctx, func(tx *store.Store) error {
		if err := tx.RecordCommandResult(ctx, d.c.ID, cmd.ID, body.Outcome, truncate(body.Detail, 500), now); err != nil {
			return err
		}
		if !admission {
			return nil
		}
		status, err := completeAdmission(r, tx, cmd, body.Outcome, now)
		out.AdmissionStatus = status
		return err
	})
	if err != nil {
		return err
	}
	h.touch(d.channels)
	httpx.WriteJSON(w, http.StatusOK, out)
	return nil
}

// completeAdmission records the outcome of an admission's command: a
// request still pending and not yet expired becomes admitted or denied,
// with an event. It returns the request's status afterwards.
func completeAdmission(r *http.Request, tx *store.Store, cmd *domain.ChannelCommand, outcome string, now time.Time) (string, error) {
	ctx := r.Context()
	req, err := tx.GetAdmissionRequest(ctx, cmd.AccountID, *cmd.AdmissionRequestID)
	if err != nil {
		return "", err
	}
	if st := req.StatusAt(now); st != domain.AdmissionPending {
		return st, nil
	}
	status, code, label := domain.AdmissionAdmitted, domain.EventRemoteAdmitted, "Remote admission: door opened"
	if outcome == wire.OutcomeDenied {
		status, code, label = domain.AdmissionDenied, domain.EventRemoteDenied, "Remote admission refused by the door controller"
	}
	if err := tx.CompleteAdmissionRequest(ctx, req.ID, status, now); err != nil {
		return "", err
	}
	chID, chName := req.ChannelID, req.ChannelName
	ev := &domain.Event{AccountID: cmd.AccountID, EventCode: code, EventLabel: label, ChannelID: &chID, ChannelName: &chName,
		PersonID: req.PersonID, PersonName: req.PersonName, CreatedAt: now}
	if req.PersonName != nil {
		ev.EventLabel += " for " + *req.PersonName
	}
	if err := tx.CreateEvent(ctx, ev); err != nil {
		return "", err
	}
	return status, nil
}
