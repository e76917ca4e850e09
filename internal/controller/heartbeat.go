package controller

import (
	"net/http"
	"time"

	"github.com/lintel-dev/lintel/internal/controller/wire"
	"github.com/lintel-dev/lintel/internal/httpx"
)

// postHeartbeat serves POST /controller/v1/heartbeat (200 Heartbeat): every
// door of the controller is online until it has been silent for the
// offline window. The request body is ignored.
func (h *Hub) postHeartbeat(w http.ResponseWriter, r *http.Request, d *device) error {
	now := h.now()
	if _, err := h.st.RecordHeartbeat(r.Context(), d.c.ID, d.channels, now); err != nil {
		return err
	}
	h.touch(d.channels)
	httpx.WriteJSON(w, http.StatusOK, wire.Heartbeat{ServerTime: now.UTC(), Seq: h.Seq(d.c.AccountID), Channels: d.channels,
		OfflineAfterSeconds: int(h.offlineAfter / time.Second)})
	return nil
}
