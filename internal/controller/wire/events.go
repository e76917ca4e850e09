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

// EventResult says what became of one uploaded event.
type EventResult struct {
	ID      string `json:"id"`       // the controller's id
	EventID int64  `json:"event_id"` // the server's event id
	Status  string `json:"status"`   // stored | duplicate
}

// EventResults is the answer to POST /controller/v1/events.
type EventResults struct {
	Events []EventResult `json:"events"`
}
