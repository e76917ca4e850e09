package console_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lintel-dev/lintel/internal/console"
	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/password"
	"github.com/lintel-dev/lintel/internal/store"
)

// importCSV is n people imported<i>@example.com with a job title, and
// then the rows with errors given.
func importCSV(n int, title string, bad ...string) string {
	var b strings.Builder
	b.WriteString("first_name,last_name,email,job_title,enabled\n")
	for i := range n {
		fmt.Fprintf(&b, "Imported,Person %04d,imported%04d@example.com,%s,true\n", i, i, title)
	}
	for _, row := range bad {
		b.WriteString(row + "\n")
	}
	return b.String()
}

// jobStatus is the JSON of GET /people/import/jobs/{id}/status.
type jobStatus struct {
	State                                            string
	Done, Total, Added, Updated, Unchanged, Rejected int
	Error                                            string
}

// startImport posts step=run and returns the status and where it points.
func startImport(t *testing.T, c *client, csv string) (int, string, string) {
	t.Helper()
	res, err := c.http.PostForm(c.base+"/people/import", url.Values{"csrf_token": {c.csrf}, "step": {"run"}, "csv": {csv}})
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	return res.StatusCode, res.Header.Get("Location"), readAll(res)
}

func statusOf(t *testing.T, c *client, job string) jobStatus {
	t.Helper()
	st, body := c.get(job + "/status")
	var s jobStatus
	if st != http.StatusOK {
		t.Fatalf("GET %s/status: %d\n%s", job, st, body)
	}
	if err := json.Unmarshal([]byte(body), &s); err != nil {
		t.Fatalf("status %q: %v", body, err)
	}
	return s
}

// waitJob polls the job's status until it is no longer running.
func waitJob(t *testing.T, c *client, job string) jobStatus {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		s := statusOf(t, c, job)
		if s.State != "running" {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("the import still runs: %+v", s)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

var jobPath = regexp.MustCompile(`^/people/import/jobs/[A-Za-z0-9]{20,}$`)

// TestImportJob: an import runs as a job in batches of 500 whose
// progress the status shows, held at each batch here; while it runs a
// second import of the account is refused with a link to it, and another
// account's operator cannot see it. Its writes are audited as the
// operator's, one row a batch; importing the same file again changes
// nothing.
func TestImportJob(t *testing.T) {
	tb := startTestbed(t, 0)
	ctx := context.Background()
	at := make(chan int)
	release := make(chan struct{})
	var held atomic.Bool
	held.Store(true)
	console.SetBeforeBatch(tb.roleConsole, func(account int64, batch int) {
		if held.Load() && account == tb.acct.ID {
			at <- batch
			<-release
		}
	})
	email, pw := tb.operator(t, "importer", domain.RoleOperator)
	c := signIn(t, tb.roleURL, email, pw)
	user, err := tb.app.Store.GetUserByEmail(ctx, tb.acct.ID, email)
	if err != nil {
		t.Fatal(err)
	}
	before, err := tb.app.Store.CountPeople(ctx, tb.acct.ID, store.PersonFilter{})
	if err != nil {
		t.Fatal(err)
	}
	csv := importCSV(1200, "Member", "Bad,Row,bad1@example.com,x,maybe", "No,Email,,x,true")

	st, job, body := startImport(t, c, csv)
	if st != http.StatusSeeOther || !jobPath.MatchString(job) {
		t.Fatalf("run: %d to %q\n%s", st, job, body)
	}
	// Batch 0 is held: nothing is done yet, and the page shows a bar.
	if b := <-at; b != 0 {
		t.Fatalf("first batch: %d", b)
	}
	if s := statusOf(t, c, job); s != (jobStatus{State: "running", Total: 1200, Rejected: 2}) {
		t.Fatalf("status before the first batch: %+v", s)
	}
	st, page := c.get(job)
	if st != http.StatusOK || !strings.Contains(page, `<label for="import-progress">`) || !strings.Contains(page, `<progress id="import-progress" max="1200" value="0">`) ||
		!strings.Contains(page, `aria-live="polite"`) || !strings.Contains(page, `http-equiv="refresh"`) || regexp.MustCompile(`<script>|<script [^s]`).MatchString(page) {
		t.Fatalf("job page while running: %d\n%s", st, page)
	}

	// A second import of the account waits for this one.
	st, _, body = startImport(t, c, importCSV(3, "Other"))
	if st != http.StatusConflict || !strings.Contains(body, `href="`+job+`"`) {
		t.Fatalf("second run while one runs: %d\n%s", st, body)
	}
	// Another account's operator finds no such job; a viewer may not look.
	other := &domain.Account{Name: "Elsewhere", TimeZone: "UTC"}
	if err := tb.app.Store.CreateAccount(ctx, other); err != nil {
		t.Fatal(err)
	}
	hash, err := password.Hash("pw-stranger-0123456789")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	if err := tb.app.Store.CreateUser(ctx, &domain.User{AccountID: other.ID, Email: "stranger@elsewhere.example", FirstName: "S", LastName: "T",
		PasswordHash: hash, Role: domain.RoleOwner, PasswordChangedAt: now.Add(-time.Minute), CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	tb.roles["stranger@elsewhere.example"] = domain.RoleOwner
	stranger := signIn(t, tb.roleURL, "stranger@elsewhere.example", "pw-stranger-0123456789")
	for _, p := range []string{job, job + "/status"} {
		if st, body := stranger.get(p); st != http.StatusNotFound || strings.Contains(body, "1200") {
			t.Fatalf("another account's operator: GET %s: %d\n%s", p, st, body)
		}
	}
	// The stranger's own import is not held up by this account's.
	if st, loc, body := startImport(t, stranger, importCSV(0, "", "Solo,One,solo@elsewhere.example,,true")); st != http.StatusSeeOther {
		t.Fatalf("another account's import: %d %q\n%s", st, loc, body)
	} else if s := waitJob(t, stranger, loc); s.State != "done" || s.Added != 1 {
		t.Fatalf("another account's import: %+v", s)
	}
	vEmail, vPw := tb.operator(t, "viewer", domain.RoleViewer)
	viewer := signIn(t, tb.roleURL, vEmail, vPw)
	for _, p := range []string{job, job + "/status"} {
		if st, _ := viewer.get(p); st != http.StatusForbidden {
			t.Fatalf("viewer: GET %s: %d", p, st)
		}
	}
	if st, _ := c.get("/people/import/jobs/nope/status"); st != http.StatusNotFound {
		t.Fatalf("unknown job: %d", st)
	}

	// Batch by batch.
	release <- struct{}{}
	for b := 1; b <= 2; b++ {
		if got := <-at; got != b {
			t.Fatalf("batch %d, want %d", got, b)
		}
		if s := statusOf(t, c, job); s.State != "running" || s.Done != 500*b || s.Added != 500*b || s.Total != 1200 {
			t.Fatalf("status before batch %d: %+v", b, s)
		}
		release <- struct{}{}
	}
	held.Store(false)
	s := waitJob(t, c, job)
	if s != (jobStatus{State: "done", Done: 1200, Total: 1200, Added: 1200, Rejected: 2}) {
		t.Fatalf("status when done: %+v", s)
	}
	st, page = c.get(job)
	if st != http.StatusOK || !strings.Contains(page, "Import finished: 1200 added, 0 updated, 0 unchanged, 2 rejected.") ||
		!strings.Contains(page, "<td>1202</td><td>bad1@example.com</td><td>enabled: use true or false") ||
		!strings.Contains(page, "<td>1203</td><td></td><td>email: can&#39;t be blank") || strings.Contains(page, `http-equiv="refresh"`) {
		t.Fatalf("job page when done: %d\n%s", st, page)
	}
	if after, err := tb.app.Store.CountPeople(ctx, tb.acct.ID, store.PersonFilter{}); err != nil || after != before+1200 {
		t.Fatalf("people: %d before, %d after (%v)", before, after, err)
	}

	// One audit row a batch, each the operator's.
	evs, _, err := tb.app.Store.ListAuditEvents(ctx, tb.acct.ID, store.AuditFilter{Resource: "people", Action: "import"})
	if err != nil || len(evs) != 3 {
		t.Fatalf("import audit rows: %d %v", len(evs), err)
	}
	for i, e := range evs {
		lines := []string{"1002-1201", "502-1001", "2-501"}[i]
		if e.ActorKind != store.ActorOperator || e.ActorUserID != user.ID || e.ActorDisplay != email || e.Changes["lines"] != lines {
			t.Fatalf("audit row %d: %+v", i, e)
		}
	}
	if evs, _, _ := tb.app.Store.ListAuditEvents(ctx, other.ID, store.AuditFilter{Action: "import"}); len(evs) != 1 || evs[0].ActorDisplay != "stranger@elsewhere.example" {
		t.Fatalf("the other account's import audit: %+v", evs)
	}

	// The same file again: everyone is unchanged, nothing is written.
	st, again, body := startImport(t, c, csv)
	if st != http.StatusSeeOther || again == job {
		t.Fatalf("re-run: %d %q\n%s", st, again, body)
	}
	if s := waitJob(t, c, again); s != (jobStatus{State: "done", Done: 1200, Total: 1200, Unchanged: 1200, Rejected: 2}) {
		t.Fatalf("re-import: %+v", s)
	}
	if evs, _, _ := tb.app.Store.ListAuditEvents(ctx, tb.acct.ID, store.AuditFilter{Resource: "people", Action: "import"}); len(evs) != 3 {
		t.Fatalf("a re-import that changes nothing wrote %d audit rows", len(evs)-3)
	}
	if after, err := tb.app.Store.CountPeople(ctx, tb.acct.ID, store.PersonFilter{}); err != nil || after != before+1200 {
		t.Fatalf("people after the re-import: %d (%v), want %d", after, err, before+1200)
	}
}

// TestImportJobStops: a batch that fails (someone took one of its emails
// after the preview) stops the job and keeps the batches before it; the
// message says so and that importing the file again completes it, which
// it does.
func TestImportJobStops(t *testing.T) {
	tb := startTestbed(t, 0)
	ctx := context.Background()
	var once atomic.Bool
	console.SetBeforeBatch(tb.roleConsole, func(_ int64, batch int) {
		if batch == 1 && once.CompareAndSwap(false, true) {
			taken := "imported0600@example.com"
			p := &domain.Person{AccountID: tb.acct.ID, FirstName: "Quick", LastName: "Hands", Email: &taken, Enabled: true}
			if err := tb.app.Store.CreatePerson(ctx, p); err != nil {
				panic(err)
			}
		}
	})
	email, pw := tb.operator(t, "importer", domain.RoleOperator)
	c := signIn(t, tb.roleURL, email, pw)
	csv := importCSV(1200, "Member")
	st, job, body := startImport(t, c, csv)
	if st != http.StatusSeeOther {
		t.Fatalf("run: %d\n%s", st, body)
	}
	s := waitJob(t, c, job)
	if s.State != "failed" || s.Done != 500 || s.Added != 500 || !strings.Contains(s.Error, "lines 502 to 1001") ||
		!strings.Contains(s.Error, "email") || !strings.Contains(s.Error, "500 of the 1200 rows") || !strings.Contains(s.Error, "import the same file again") {
		t.Fatalf("status after the failed batch: %+v", s)
	}
	if st, page := c.get(job); st != http.StatusOK || !strings.Contains(page, `id="import-failed"`) || !strings.Contains(page, "import the same file again") {
		t.Fatalf("job page after the failed batch: %d\n%s", st, page)
	}
	st, again, body := startImport(t, c, csv)
	if st != http.StatusSeeOther {
		t.Fatalf("re-run: %d\n%s", st, body)
	}
	if s := waitJob(t, c, again); s != (jobStatus{State: "done", Done: 1200, Total: 1200, Added: 699, Updated: 1, Unchanged: 500}) {
		t.Fatalf("re-import: %+v", s)
	}
	found, err := tb.app.Store.PeopleByEmail(ctx, tb.acct.ID, []string{"imported0600@example.com", "imported1199@example.com"})
	if err != nil || len(found) != 2 || found["imported0600@example.com"].FirstName != "Imported" {
		t.Fatalf("after the re-import: %+v %v", found, err)
	}
}
