package wire

import (
	"encoding/json"
	"time"
)

// Command is one instruction for a door, as GET commands hands it out.
type Command struct {
	ID                 int64           `json:"id"`
	ChannelID          int64           `json:"channel_id"`
	Kind               string          `json:"kind"`    // admit, admit_person, lockdown, unlockdown, unlock, normal, auto_unlock, ...
	Payload            json.RawMessage `json:"payload"` // the command's arguments, a JSON object
	AdmissionRequestID *int64          `json:"admission_request_id"`
	CreatedAt          time.Time       `json:"created_at"`
}

// Commands is the body of GET /controller/v1/commands.
type Commands struct {
	Commands []Command `json:"commands"`
}

// Command outcomes a controller reports.
const (
	OutcomeAdmitted = "admitted" // an admission opened the door
	OutcomeDenied   = "denied"   // an admission was refused at the door
	OutcomeDone     = "done"     // any other command was carried out
	OutcomeFailed   = "failed"   // any other command could not be carried out
)

// CommandResult is the body of POST /controller/v1/commands/{id}/result.
type CommandResult struct {
	Outcome string `json:"outcome"`
	Detail  string `json:"detail,omitempty"`
}

// CommandResultAnswer is the answer to a reported result.
type CommandResultAnswer struct {
	ID      int64  `json:"id"`
	Outcome string `json:"outcome"`
	// AdmissionStatus is the admission request's status after the report,
	// for admissions: admitted, denied, or timeout when the report came
	// after the request had expired (the door should not have opened).
	AdmissionStatus string `json:"admission_status,omitempty"`
}
