package wire

import "time"

// Heartbeat is the body of the answer to POST /controller/v1/heartbeat.
type Heartbeat struct {
	ServerTime          time.Time `json:"server_time"` // to detect a drifting controller clock
	Seq                 int64     `json:"seq"`         // the account's sequence now
	Channels            []int64   `json:"channels"`    // the doors the controller covers
	OfflineAfterSeconds int       `json:"offline_after_seconds"`
}

// HeartbeatRequest is the optional body of POST /controller/v1/heartbeat:
// what the controller knows about its doors' hardware.
type HeartbeatRequest struct {
	Doors []DoorState `json:"doors,omitempty"`
}

// DoorState is one door's hardware as the controller last read it. A
// field left out (null) is unknown, such as whether a door without a
// contact is open.
type DoorState struct {
	ChannelID int64 `json:"channel_id"`
	Open      *bool `json:"open"`   // the door contact reads open
	Locked    *bool `json:"locked"` // the lock is locked (its relay is not released)
}
