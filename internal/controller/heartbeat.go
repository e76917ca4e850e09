package controller

import (
	"net/http"
	"time"

	"github.com/lintel-dev/lintel/internal/httpx"
)

// Heartbeat is the body of the answer to POST /controller/v1/heartbeat.
type Heartbeat struct {
	ServerTime          time.Time `json:"server_time"` // to detect a drifting controller clock
	Seq                 int64     `json:"seq"`         // the account's sequence now
	Channels            []int64   `json:"channels"`    // the doors the controller covers
	OfflineAfterSeconds int       `json:"offline_after_seconds"`
}

// postHeartbeat serves POST /controller/v1/heartbeat (200 Heartbeat): every
// door of the controller is online until it has been silent for the
// offline window. The request body is ignored.
func (h *Hub) postHeartbeat(w http.ResponseWriter, r *http.Request, d *device) error {
	now := h.now()
	if _, err := h.st.RecordHeartbeat(r.Context(), d.c.ID, d.channels, now); err != nil {
		return err
	}
	h.touch(d.channels)
	httpx.WriteJSON(w, http.StatusOK, Heartbeat{ServerTime: now.UTC(), Seq: h.Seq(d.c.AccountID), Channels: d.channels,
		OfflineAfterSeconds: int(h.offlineAfter / time.Second)})
	return nil
}
