package api

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/httpx"
	"github.com/lintel-dev/lintel/internal/store"
)

type eventJSON struct {
	ID                 int64   `json:"id"`
	EventID            int64   `json:"event_id"`
	EventCode          int     `json:"event_code"`
	EventLabel         string  `json:"event_label"`
	DoorControllerID   *int64  `json:"door_controller_id"`
	DoorControllerName *string `json:"door_controller_name"`
	ChannelID          *int64  `json:"channel_id"`
	ChannelName        *string `json:"channel_name"`
	PersonID           *int64  `json:"person_id"`
	PersonName         *string `json:"person_name"`
	CredentialsNumber  *string `json:"credentials_number"`
	CreatedAt          string  `json:"created_at"`
	UpdatedAt          string  `json:"updated_at"`
}

func newEventJSON(e *domain.Event) eventJSON {
	return eventJSON{ID: e.ID, EventID: e.ID, EventCode: e.EventCode, EventLabel: e.EventLabel,
		DoorControllerID: e.ChannelID, DoorControllerName: e.ChannelName, ChannelID: e.ChannelID, ChannelName: e.ChannelName,
		PersonID: e.PersonID, PersonName: e.PersonName, CredentialsNumber: e.CredentialsNumber,
		CreatedAt: formatTime(e.CreatedAt), UpdatedAt: formatTime(e.UpdatedAt)}
}

// codeRange lists the codes from lo to hi inclusive.
func codeRange(lo, hi int) []int {
	out := make([]int, 0, hi-lo+1)
	for c := lo; c <= hi; c++ {
		out = append(out, c)
	}
	return out
}

func concat(lists ...[]int) []int {
	var out []int
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

var (
	// accessCodes are the person admits and rejects listed by default.
	accessCodes = concat(codeRange(10, 18), []int{70}, codeRange(20, 29), codeRange(71, 73))
	// statusCodes are the channel status events level=debug adds.
	statusCodes = codeRange(1, 3)
	// filterableCodes may be asked for in event_codes.
	filterableCodes = func() map[int]bool {
		m := map[int]bool{}
		for _, c := range concat(codeRange(1, 3), codeRange(10, 18), codeRange(20, 29), []int{30}, codeRange(31, 37),
			codeRange(40, 42), codeRange(70, 73), codeRange(90, 91), codeRange(100, 107), []int{220}, codeRange(223, 225)) {
			m[c] = true
		}
		return m
	}()
)

// eventWindow is how far back events are listed when no since is given.
const eventWindow = 90 * 24 * time.Hour

// eventFilter parses the listEvents query. Unknown event codes are a 400
// naming them; so is a malformed channel list, date or sort. window is
// true when no since was given: the filter starts eventWindow before now.
func (a *API) eventFilter(r *http.Request, c *call) (f store.EventFilter, pg pager, window bool, err error) {
	q := r.URL.Query()
	pg = parsePager(r, "n", 50, 1000)
	if q.Get("n") == "" && q.Get("per_page") != "" {
		pg = parsePager(r, "per_page", 50, 1000)
	}
	pg.all = false // events are always paginated
	f = store.EventFilter{FirstName: strings.TrimSpace(q.Get("first_name")), LastName: strings.TrimSpace(q.Get("last_name")), Page: pg.storePage()}
	if codes := csvValues(r, "event_codes"); len(codes) > 0 {
		var bad []string
		for _, s := range codes {
			n, err := strconv.Atoi(s)
			if err != nil || !filterableCodes[n] {
				bad = append(bad, s)
				continue
			}
			f.Codes = append(f.Codes, n)
		}
		if len(bad) > 0 {
			if len(bad) > 20 {
				bad = append(bad[:20], "...")
			}
			return f, pg, false, domain.Errorf(domain.EBADREQUEST, "The following event codes are not valid for this method: %s", strings.Join(bad, ", "))
		}
	} else {
		f.Codes = accessCodes
		if strings.EqualFold(q.Get("level"), "debug") {
			f.Codes = concat(accessCodes, statusCodes)
		}
	}
	for _, s := range csvValues(r, "channels", "door_controllers", "channel_id", "channel_ids", "door_controller_id", "door_controller_ids") {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return f, pg, false, domain.Errorf(domain.EBADREQUEST, "channels must be a comma-separated list of channel ids")
		}
		f.ChannelIDs = append(f.ChannelIDs, id)
	}
	since, err := c.sinceParam(r)
	if err != nil {
		return f, pg, false, err
	}
	if since != nil {
		f.Since = *since
	} else {
		f.Since = a.now().Add(-eventWindow)
	}
	switch strings.ToUpper(strings.TrimSpace(q.Get("sort"))) {
	case "", "DESC":
	case "ASC":
		f.Ascending = true
	default:
		return f, pg, false, domain.Errorf(domain.EBADREQUEST, "sort must be ASC or DESC")
	}
	return f, pg, since == nil, nil
}

// listEvents serves GET /api/3/events: by default the person admits and
// rejects of the last 90 days, newest first, 50 a page ("n", at most 1000).
func (a *API) listEvents(w http.ResponseWriter, r *http.Request, c *call) error {
	f, pg, window, err := a.eventFilter(r, c)
	if err != nil {
		return err
	}
	key := pageKey{account: c.p.AccountID, list: store.ListEvents, query: eventsQueryKey(f, window)}
	return a.cachedList(w, r, c, key, pg, func() (int, []byte, time.Time, error) {
		events, total, err := a.st.ListEvents(r.Context(), c.p.AccountID, f)
		if err != nil {
			return 0, nil, time.Time{}, err
		}
		out := make([]eventJSON, 0, len(events))
		for _, e := range events {
			out = append(out, newEventJSON(e))
		}
		body, err := json.Marshal(out)
		if err != nil {
			return 0, nil, time.Time{}, err
		}
		var until time.Time
		if window {
			// The window's start moves with the clock: the page holds
			// until its oldest event leaves it.
			oldest, ok, err := a.st.OldestEventSince(r.Context(), c.p.AccountID, f.Since)
			if err != nil {
				return 0, nil, time.Time{}, err
			}
			if ok {
				until = oldest.Add(eventWindow)
			}
		}
		return total, body, until, nil
	})
}

// eventsQueryKey is what an events page depends on besides the account's
// events: the parsed filter and page. A page of the moving 90-day window
// is keyed as such, not by the instant its window started.
func eventsQueryKey(f store.EventFilter, window bool) string {
	b := make([]byte, 0, 96)
	b = append(b, "events|"...)
	if window {
		b = append(b, 'w')
	} else {
		b = strconv.AppendInt(b, f.Since.UnixMilli(), 10)
	}
	b = append(b, '|')
	for _, c := range f.Codes {
		b = strconv.AppendInt(b, int64(c), 10)
		b = append(b, ',')
	}
	b = append(b, '|')
	for _, id := range f.ChannelIDs {
		b = strconv.AppendInt(b, id, 10)
		b = append(b, ',')
	}
	b = append(b, '|')
	b = strconv.AppendQuote(b, f.FirstName)
	b = strconv.AppendQuote(b, f.LastName)
	b = strconv.AppendBool(b, f.Ascending)
	b = append(b, '|')
	b = strconv.AppendInt(b, int64(f.Page.Limit), 10)
	b = append(b, '|')
	b = strconv.AppendInt(b, int64(f.Page.Offset), 10)
	return string(b)
}

// getEvent serves GET /api/3/events/{id}. Errors: 404.
func (a *API) getEvent(w http.ResponseWriter, r *http.Request, c *call) error {
	id, err := pathID(r, "id", "event")
	if err != nil {
		return err
	}
	e, err := a.st.GetEvent(r.Context(), c.p.AccountID, id)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, newEventJSON(e))
	return nil
}
