package lintel

import (
	"context"
	"iter"
	"net/url"
	"time"
)

// Event is one entry of the access log. DoorFlow names doors both
// "channel" and "door_controller"; both sets of fields are filled.
type Event struct {
	ID                 int64     `json:"id"`
	EventID            *int64    `json:"event_id"`
	EventCode          int       `json:"event_code"`
	EventLabel         string    `json:"event_label"`
	DoorControllerID   *int64    `json:"door_controller_id"`
	DoorControllerName *string   `json:"door_controller_name"`
	ChannelID          *int64    `json:"channel_id"`
	ChannelName        *string   `json:"channel_name"`
	PersonID           *int64    `json:"person_id"`
	PersonName         *string   `json:"person_name"`
	CredentialsNumber  *string   `json:"credentials_number"`
	CreatedAt          time.Time `json:"created_at"`
	UpdatedAt          time.Time `json:"updated_at"`
}

// Admitted reports whether the event is an admission (codes 10-18, 50
// and 70).
func (e *Event) Admitted() bool {
	c := e.EventCode
	return c >= 10 && c <= 18 || c == 50 || c == 70
}

// Rejected reports whether the event is a refusal (codes 20-29, 51 and
// 71-73).
func (e *Event) Rejected() bool {
	c := e.EventCode
	return c >= 20 && c <= 29 || c == 51 || c >= 71 && c <= 73
}

// EventListOptions filter and page the access log. Without EventCodes the
// server returns the admits and rejects of the last 90 days.
type EventListOptions struct {
	Page       int // counting from 1
	PerPage    int // sent as n: 50 by default, at most 1000
	EventCodes []int
	FirstName  string
	LastName   string
	ChannelIDs []int64
	Since      time.Time
	Level      string // "debug" adds door status events
	Ascending  bool   // oldest first; newest first otherwise
}

// EventsService reads the access log (scope account.event.access.readonly).
type EventsService struct{ c *Client }

// List returns one page of events (listEvents).
func (s *EventsService) List(ctx context.Context, opt *EventListOptions) ([]*Event, PageInfo, error) {
	o := deref(opt)
	q := url.Values{}
	if len(o.EventCodes) > 0 {
		q.Set("event_codes", joinIDs(o.EventCodes))
	}
	if o.FirstName != "" {
		q.Set("first_name", o.FirstName)
	}
	if o.LastName != "" {
		q.Set("last_name", o.LastName)
	}
	if len(o.ChannelIDs) > 0 {
		q.Set("channels", joinIDs(o.ChannelIDs))
	}
	if !o.Since.IsZero() {
		q.Set("since", formatTime(o.Since))
	}
	if o.Level != "" {
		q.Set("level", o.Level)
	}
	if o.Ascending {
		q.Set("sort", "ASC")
	}
	return listPage[Event](ctx, s.c, "/api/3/events", q, ListOptions{Page: o.Page, PerPage: o.PerPage}, "n")
}

// All iterates over every event matching opt, page by page.
func (s *EventsService) All(ctx context.Context, opt *EventListOptions) iter.Seq2[*Event, error] {
	o := deref(opt)
	return all(ctx, ListOptions{Page: o.Page, PerPage: o.PerPage}, func(ctx context.Context, lo ListOptions) ([]*Event, PageInfo, error) {
		o.Page, o.PerPage = lo.Page, lo.PerPage
		return s.List(ctx, &o)
	})
}

// Get returns one event (getEvent).
func (s *EventsService) Get(ctx context.Context, id int64) (*Event, error) {
	return s.get(ctx, id, nil)
}

func (s *EventsService) get(ctx context.Context, id int64, q url.Values) (*Event, error) {
	var out Event
	_, err := s.c.call(ctx, &request{method: "GET", path: idPath("events", id), query: q}, &out)
	return ptrOrNil(&out, err)
}
