package api

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/httpx"
	"github.com/lintel-dev/lintel/internal/store"
)

// loadChannel returns the door named by the path's id, as it stands now.
// Errors: 404 unless it is the caller's.
func (a *API) loadChannel(r *http.Request, c *call) (*domain.Channel, error) {
	id, err := pathID(r, "id", "channel")
	if err != nil {
		return nil, err
	}
	ch, err := a.st.GetChannel(r.Context(), c.p.AccountID, id)
	if err != nil {
		return nil, err
	}
	return ch.Effective(a.now()), nil
}

// writeChannel writes one door with the given status.
func (a *API) writeChannel(ctx context.Context, w http.ResponseWriter, ch *domain.Channel, status int) error {
	names, err := a.shiftNames(ctx, ch.AccountID, ch)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, status, newChannelJSON(ch, names))
	return nil
}

// command is one state-changing instruction for a door: what to store on
// the channel, what to queue for its controller, and the event recording it.
type command struct {
	kind    string
	payload any
	code    int
	label   string
}

// apply stores the door's new state, queues the command and records the
// event in one transaction, then offers the command to the door's
// controller. A command nobody takes stays queued for the controller to
// collect when it connects; the stored state is already the door's.
func (a *API) apply(ctx context.Context, ch *domain.Channel, cmd command) error {
	now := a.nowMS()
	ch.UpdatedAt = now
	qc := &domain.ChannelCommand{AccountID: ch.AccountID, ChannelID: ch.ID, Kind: cmd.kind, Payload: payloadJSON(cmd.payload), CreatedAt: now}
	err := a.st.InTx(ctx, func(tx *store.Store) error {
		if err := tx.SaveChannelState(ctx, ch); err != nil {
			return err
		}
		if err := tx.CreateChannelCommand(ctx, qc); err != nil {
			return err
		}
		return tx.CreateEvent(ctx, channelEvent(ch, cmd.code, cmd.label, now))
	})
	if err != nil {
		return err
	}
	a.dispatch(ctx, qc)
	return nil
}

// dispatch offers a queued command to the controller and records delivery.
// It reports whether a controller took it; failures are logged, since the
// command stays queued either way.
func (a *API) dispatch(ctx context.Context, qc *domain.ChannelCommand) bool {
	delivered, err := a.disp.Dispatch(ctx, qc)
	if err != nil {
		a.log.WarnContext(ctx, "dispatch channel command", "command_id", qc.ID, "kind", qc.Kind, "err", err)
		return false
	}
	if !delivered {
		return false
	}
	if err := a.st.SetChannelCommandStatus(ctx, qc.ID, domain.CommandDelivered, a.nowMS()); err != nil {
		a.log.WarnContext(ctx, "mark channel command delivered", "command_id", qc.ID, "err", err)
	}
	return true
}

// channelEvent is an event at a door with no person.
func channelEvent(ch *domain.Channel, code int, label string, at time.Time) *domain.Event {
	name := ch.Name
	id := ch.ID
	return &domain.Event{AccountID: ch.AccountID, EventCode: code, EventLabel: label, ChannelID: &id, ChannelName: &name, CreatedAt: at}
}

// payloadJSON renders a command's arguments; nil is {}.
func payloadJSON(v any) string {
	if v == nil {
		return "{}"
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "{}"
	}
	return string(b)
}
