package console

import (
	"encoding/csv"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/store"
)

// eventsPageSize is how many events one page of the log shows.
const eventsPageSize = 50

// maxExportRows bounds one CSV export of the event log.
const maxExportRows = 100000

// eventQuery is the event log's filter as given in the URL.
type eventQuery struct {
	Door, Person  int64
	Outcome       string
	From, To      string // YYYY-MM-DD, account time zone, inclusive
	Before        string // cursor: "<unix ms>-<id>"
	filter        store.LogFilter
	problem       string
	hasConstraint bool
}

// readEventQuery parses the filter; a malformed value is reported, not fatal.
func readEventQuery(v url.Values, loc *time.Location) eventQuery {
	q := eventQuery{Outcome: v.Get("outcome"), From: v.Get("from"), To: v.Get("to"), Before: v.Get("before")}
	q.Door, _ = strconv.ParseInt(v.Get("door"), 10, 64)
	q.Person, _ = strconv.ParseInt(v.Get("person"), 10, 64)
	f := store.LogFilter{ChannelID: max(q.Door, 0), PersonID: max(q.Person, 0), Limit: eventsPageSize + 1}
	switch q.Outcome {
	case "admit", "deny", "alarm":
		f.Codes = outcomeCodes(q.Outcome)
	default:
		q.Outcome = ""
	}
	if q.From != "" {
		if t, err := time.ParseInLocation("2006-01-02", q.From, loc); err == nil {
			f.From = t
		} else {
			q.problem, q.From = "From must be a date (YYYY-MM-DD).", ""
		}
	}
	if q.To != "" {
		if t, err := time.ParseInLocation("2006-01-02", q.To, loc); err == nil {
			f.To = t.AddDate(0, 0, 1)
		} else {
			q.problem, q.To = "To must be a date (YYYY-MM-DD).", ""
		}
	}
	if ms, id, ok := strings.Cut(q.Before, "-"); ok {
		m, err1 := strconv.ParseInt(ms, 10, 64)
		i, err2 := strconv.ParseInt(id, 10, 64)
		if err1 == nil && err2 == nil {
			f.Before = &store.EventCursor{CreatedAt: time.UnixMilli(m), ID: i}
		}
	}
	q.filter = f
	q.hasConstraint = f.ChannelID != 0 || f.PersonID != 0 || len(f.Codes) > 0 || !f.From.IsZero() || !f.To.IsZero()
	return q
}

// Query renders the filter (without the cursor) as a query string.
func (q eventQuery) Query() string {
	v := url.Values{}
	if q.Door > 0 {
		v.Set("door", strconv.FormatInt(q.Door, 10))
	}
	if q.Person > 0 {
		v.Set("person", strconv.FormatInt(q.Person, 10))
	}
	for k, s := range map[string]string{"outcome": q.Outcome, "from": q.From, "to": q.To} {
		if s != "" {
			v.Set(k, s)
		}
	}
	return v.Encode()
}

// eventsPage is GET /events: the filterable log, newest first, paged by
// cursor. The first page follows new events live (the live tail).
func (c *Console) eventsPage(w http.ResponseWriter, r *http.Request, q *req) error {
	ctx := r.Context()
	eq := readEventQuery(r.URL.Query(), q.loc)
	events, err := c.st.EventLog(ctx, q.acct.ID, eq.filter)
	if err != nil {
		return err
	}
	next := ""
	if len(events) > eventsPageSize {
		events = events[:eventsPageSize]
		last := events[len(events)-1]
		next = strconv.FormatInt(last.CreatedAt.UnixMilli(), 10) + "-" + strconv.FormatInt(last.ID, 10)
	}
	doors, _, err := c.st.ListChannels(ctx, q.acct.ID, nil, store.Page{})
	if err != nil {
		return err
	}
	var person *domain.Person
	if eq.Person > 0 {
		if person, err = c.st.GetPerson(ctx, q.acct.ID, eq.Person); err != nil && domain.ErrorCode(err) != domain.ENOTFOUND {
			return err
		}
	}
	c.render(w, http.StatusOK, q, "events", fragment(r), map[string]any{"Title": "Events", "Events": events, "Filter": eq,
		"Next": next, "Live": eq.Before == "", "Doors": doors, "Person": person, "Problem": eq.problem})
	return nil
}

// eventsExport is GET /events.csv: the filtered log as CSV, newest first,
// up to 100,000 rows, times in the account's time zone.
func (c *Console) eventsExport(w http.ResponseWriter, r *http.Request, q *req) error {
	eq := readEventQuery(r.URL.Query(), q.loc)
	f := eq.filter
	f.Limit = 1000
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="events.csv"`)
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"id", "time", "code", "label", "outcome", "door_id", "door", "person_id", "person", "credential"})
	rows := 0
	for rows < maxExportRows {
		page, err := c.st.EventLog(r.Context(), q.acct.ID, f)
		if err != nil {
			if rows == 0 {
				return err
			}
			c.log.ErrorContext(r.Context(), "console: event export", "err", err)
			break
		}
		for _, e := range page {
			_ = cw.Write([]string{strconv.FormatInt(e.ID, 10), e.CreatedAt.In(q.loc).Format(time.RFC3339), strconv.Itoa(e.EventCode),
				e.EventLabel, outcomeOf(e.EventCode), idString(e.ChannelID), csvSafe(deref(e.ChannelName)),
				idString(e.PersonID), csvSafe(deref(e.PersonName)), csvSafe(deref(e.CredentialsNumber))})
		}
		rows += len(page)
		if len(page) < f.Limit {
			break
		}
		last := page[len(page)-1]
		f.Before = &store.EventCursor{CreatedAt: last.CreatedAt, ID: last.ID}
	}
	cw.Flush()
	return nil
}

func idString(p *int64) string {
	if p == nil {
		return ""
	}
	return strconv.FormatInt(*p, 10)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// csvSafe keeps a spreadsheet from reading a cell as a formula.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
