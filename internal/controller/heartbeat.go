package controller

import (
	"fmt"
	"net/http"
	"time"

	"github.com/lintel-dev/lintel/internal/controller/wire"
	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/httpx"
)

// postHeartbeat serves POST /controller/v1/heartbeat (200 Heartbeat): every
// door of the controller is online until it has been silent for the
// offline window. An optional body (wire.HeartbeatRequest) reports the
// doors' hardware (door contact, lock), kept per door. Errors: 400 for a
// malformed body; 422 for a door that is not the controller's.
func (h *Hub) postHeartbeat(w http.ResponseWriter, r *http.Request, d *device) error {
	now := h.now()
	var body wire.HeartbeatRequest
	if err := httpx.Decode(r, httpx.MaxBodyBytes, &body); err != nil {
		return err
	}
	states := make([]domain.DoorState, 0, len(body.Doors))
	v := &domain.Validation{}
	for i, s := range body.Doors {
		if !d.covers(s.ChannelID) {
			v.Add(fmt.Sprintf("doors[%d].channel_id", i), "is not a door of this controller")
		}
		states = append(states, domain.DoorState{ChannelID: s.ChannelID, Open: s.Open, Locked: s.Locked})
	}
	if err := v.Err(); err != nil {
		return err
	}
	if _, err := h.st.RecordHeartbeat(r.Context(), d.c.ID, d.channels, now); err != nil {
		return err
	}
	if err := h.st.RecordDoorStates(r.Context(), states, now); err != nil {
		return err
	}
	h.touch(d.channels)
	seq, err := h.currentSeq(r.Context(), d.c.AccountID)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, wire.Heartbeat{ServerTime: now.UTC(), Seq: seq, Channels: d.channels,
		OfflineAfterSeconds: int(h.offlineAfter / time.Second)})
	return nil
}
