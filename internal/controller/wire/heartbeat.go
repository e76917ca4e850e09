package wire

import "time"

// Heartbeat is the body of the answer to POST /controller/v1/heartbeat.
type Heartbeat struct {
	ServerTime          time.Time `json:"server_time"` // to detect a drifting controller clock
	Seq                 int64     `json:"seq"`         // the account's sequence now
	Channels            []int64   `json:"channels"`    // the doors the controller covers
	OfflineAfterSeconds int       `json:"offline_after_seconds"`
}
