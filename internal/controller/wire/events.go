package wire

import "time"

// Event is one door event a controller uploads.
type Event struct {
	ID               string     `json:"id"` // the controller's idempotency key, unique per account
	ChannelID        int64      `json:"channel_id"`
	EventCode        int        `json:"event_code"`
	Label            string     `json:"label"`
	PersonID         *int64     `json:"person_id,omitempty"`
	CredentialTypeID *int64     `json:"credential_type_id,omitempty"`
	Credential       *string    `json:"credential,omitempty"` // the presented card or fob number; never a PIN
	OccurredAt       *time.Time `json:"occurred_at,omitempty"`
}

// MaxEventsPerBatch is the most events one POST /controller/v1/events may carry.
const MaxEventsPerBatch = 500

// EventBatch is the body of POST /controller/v1/events.
type EventBatch struct {
	Events []Event `json:"events"`
}

// EventResult says what became of one uploaded event. A controller removes
// every event it gets a result for from its buffer: stored and duplicate
// ones are kept by the server, refused ones never will be.
type EventResult struct {
	ID      string `json:"id"`                 // the controller's id
	EventID int64  `json:"event_id,omitempty"` // the server's event id (stored, duplicate)
	Status  string `json:"status"`             // EventStored, EventDuplicate or EventRefused
	Reason  string `json:"reason,omitempty"`   // why it was refused
}

// The statuses of an uploaded event.
const (
	EventStored    = "stored"    // stored now
	EventDuplicate = "duplicate" // stored before, under EventID
	EventRefused   = "refused"   // cannot be stored (Reason says why); drop it
)

// EventResults is the answer to POST /controller/v1/events.
type EventResults struct {
	Events []EventResult `json:"events"`
}
