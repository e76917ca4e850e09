package console

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/store"
)

// importBatch is how many rows of an import one transaction applies: a
// batch that fails rolls back alone, and the job's progress moves after
// each one.
const importBatch = 500

// importJobTTL is how long a finished import job's result is kept.
const importJobTTL = time.Hour

// Import job states, as the status answer names them.
const (
	jobRunning = "running"
	jobDone    = "done"
	jobFailed  = "failed"
)

// importStatus is what GET /people/import/jobs/{id}/status answers.
// Done and Total count the rows without errors, the ones the job goes
// through; Rejected counts the rows with errors, skipped.
type importStatus struct {
	State     string `json:"state"`
	Done      int    `json:"done"`
	Total     int    `json:"total"`
	Added     int    `json:"added"`
	Updated   int    `json:"updated"`
	Unchanged int    `json:"unchanged"`
	Rejected  int    `json:"rejected"`
	Error     string `json:"error"`
}

// importJob is one import running, or run, in the background. It lives
// in the memory of the console that started it, keyed by a random id,
// and belongs to the account whose operator started it.
type importJob struct {
	ID       string
	account  int64
	Rejected []*importRow // the rows with errors, for the result

	mu       sync.Mutex
	status   importStatus
	finished time.Time
}

// Status returns a copy of the job's counters.
func (j *importJob) Status() importStatus {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.status
}

// importJobs are a console's import jobs: at most one running per
// account, finished ones forgotten an hour after they end (lazily, when
// jobs are started or looked up).
type importJobs struct {
	mu      sync.Mutex
	byID    map[string]*importJob
	running map[int64]*importJob // by account
	wg      sync.WaitGroup
	// ctx ends the running jobs when the console drains (server shutdown).
	ctx  context.Context
	stop context.CancelFunc
}

func newImportJobs() *importJobs {
	ctx, stop := context.WithCancel(context.Background())
	return &importJobs{byID: map[string]*importJob{}, running: map[int64]*importJob{}, ctx: ctx, stop: stop}
}

// sweep forgets the jobs that finished more than importJobTTL ago.
// Callers hold mu.
func (js *importJobs) sweep(now time.Time) {
	for id, j := range js.byID {
		j.mu.Lock()
		old := !j.finished.IsZero() && now.Sub(j.finished) > importJobTTL
		j.mu.Unlock()
		if old {
			delete(js.byID, id)
		}
	}
}

// get returns the account's job with the id, or nil.
func (js *importJobs) get(id string, account int64, now time.Time) *importJob {
	js.mu.Lock()
	defer js.mu.Unlock()
	js.sweep(now)
	j := js.byID[id]
	if j == nil || j.account != account {
		return nil
	}
	return j
}

// add registers a new running job for the account, or returns the job
// already running there (and registers nothing). It refuses (false) once
// the console drains.
func (js *importJobs) add(j *importJob, now time.Time) (running *importJob, ok bool) {
	js.mu.Lock()
	defer js.mu.Unlock()
	if js.ctx.Err() != nil {
		return nil, false
	}
	js.sweep(now)
	if r := js.running[j.account]; r != nil {
		return r, true
	}
	js.byID[j.ID] = j
	js.running[j.account] = j
	js.wg.Add(1)
	return nil, true
}

// finish marks a job ended: the account may start another.
func (js *importJobs) finish(j *importJob, now time.Time) {
	j.mu.Lock()
	j.finished = now
	j.mu.Unlock()
	js.mu.Lock()
	if js.running[j.account] == j {
		delete(js.running, j.account)
	}
	js.mu.Unlock()
}

// drain ends the running jobs (each stops at its current batch, which
// rolls back) and waits for them, at most the time given.
func (js *importJobs) drain(wait time.Duration) {
	js.mu.Lock()
	js.stop()
	js.mu.Unlock()
	done := make(chan struct{})
	go func() { js.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(wait):
	}
}

// startImport starts a job that applies the plan's rows without errors,
// importBatch rows to a transaction. The job's context is the request's
// without its cancellation, so the writes are audited as the operator's
// (store.WithActor, set by handle) after the response is sent; it ends
// when the console drains. It returns the job already running in the
// account instead, and starts nothing, when there is one.
func (c *Console) startImport(r *http.Request, q *req, plan *importPlan) (job, running *importJob, err error) {
	j := &importJob{ID: rand.Text(), account: q.acct.ID}
	var rows []*importRow
	for _, row := range plan.Rows {
		if len(row.Errors) > 0 {
			j.Rejected = append(j.Rejected, row)
		} else {
			rows = append(rows, row)
		}
	}
	j.status = importStatus{State: jobRunning, Total: len(rows), Rejected: len(j.Rejected)}
	running, ok := c.imports.add(j, c.now())
	if !ok {
		return nil, nil, &pageErr{http.StatusServiceUnavailable, "The server is shutting down: import the file again in a moment."}
	}
	if running != nil {
		return nil, running, nil
	}
	ctx, cancel := context.WithCancel(context.WithoutCancel(r.Context()))
	stop := context.AfterFunc(c.imports.ctx, cancel)
	go func() {
		defer c.imports.wg.Done()
		defer cancel()
		defer stop()
		c.runImport(ctx, j, rows)
	}()
	return j, nil, nil
}

// runImport applies the rows, importBatch at a time, each batch in one
// transaction: adds through the bulk path, updates one by one. A batch
// that fails stops the job; what the batches before it applied stays, and
// importing the same file again applies the rest (rows match by email).
func (c *Console) runImport(ctx context.Context, j *importJob, rows []*importRow) {
	defer func() { c.imports.finish(j, c.now()) }()
	defer func() {
		if v := recover(); v != nil {
			c.log.Error("console import: panic", "job", j.ID, "panic", v)
			j.fail("The import stopped on an unexpected error.")
		}
	}()
	added := 0
	for start := 0; start < len(rows); start += importBatch {
		batch := rows[start:min(start+importBatch, len(rows))]
		if c.beforeBatch != nil {
			c.beforeBatch(j.account, start/importBatch)
		}
		var add, upd, same int
		for _, row := range batch {
			switch row.Action {
			case "add":
				add++
			case "update":
				upd++
			default:
				same++
			}
		}
		if add+upd > 0 {
			err := c.applyBatch(ctx, j, batch, add, upd)
			if err != nil {
				j.fail(c.batchError(ctx, j, batch, err))
				return
			}
		}
		added += add
		j.mu.Lock()
		j.status.Done += len(batch)
		j.status.Added += add
		j.status.Updated += upd
		j.status.Unchanged += same
		j.mu.Unlock()
	}
	if added >= importAnalyzeRows {
		// The planner learns the new size of the people tables (PostgreSQL).
		if err := c.st.AfterBulkLoad(ctx, store.PeopleTables...); err != nil {
			c.log.Warn("console import: refresh planner statistics", "err", err)
		}
	}
	j.mu.Lock()
	j.status.State = jobDone
	j.mu.Unlock()
}

// applyBatch writes one batch in one transaction, recorded in the audit
// log as one "import" of people with its lines and counts.
func (c *Console) applyBatch(ctx context.Context, j *importJob, batch []*importRow, add, upd int) error {
	ctx = store.WithOperation(ctx, store.Operation{Resource: "people", Action: "import", Changes: map[string]any{
		"job": j.ID, "lines": fmt.Sprintf("%d-%d", batch[0].Line, batch[len(batch)-1].Line), "added": add, "updated": upd}})
	now := c.now().UTC().Truncate(time.Millisecond)
	return c.st.InTx(ctx, func(tx *store.Store) error {
		var adds []store.BulkPerson
		for _, row := range batch {
			switch row.Action {
			case "add":
				row.person.CreatedAt, row.person.UpdatedAt = now, now
				adds = append(adds, store.BulkPerson{Person: row.person})
			case "update":
				row.person.UpdatedAt = now
				if err := tx.UpdatePerson(ctx, row.person, true, false); err != nil {
					return fmt.Errorf("line %d: %w", row.Line, err)
				}
			}
		}
		return tx.BulkCreatePeople(ctx, j.account, adds)
	})
}

// batchError is the message of a job stopped by a failed batch: what went
// wrong, how far the import got, and that importing the file again
// completes it.
func (c *Console) batchError(ctx context.Context, j *importJob, batch []*importRow, err error) string {
	var why string
	switch code := domain.ErrorCode(err); {
	case ctx.Err() != nil:
		why = "the server stopped"
	case code == domain.EINVALID || code == domain.ECONFLICT || code == domain.ENOTFOUND:
		why = describe(err)
	default:
		c.log.Error("console import: batch", "job", j.ID, "err", err)
		why = "an unexpected error occurred"
	}
	s := j.Status()
	return fmt.Sprintf("The import stopped at lines %d to %d (%s). %d of the %d rows without errors were applied before that "+
		"(%d added, %d updated, %d unchanged); import the same file again to apply the rest: rows match people by email, so no one is added twice.",
		batch[0].Line, batch[len(batch)-1].Line, why, s.Done, s.Total, s.Added, s.Updated, s.Unchanged)
}

// fail ends the job with a message.
func (j *importJob) fail(msg string) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.status.State, j.status.Error = jobFailed, msg
}

// jobOf returns the job named in the path if it is the operator's
// account's; anything else is 404, another account's job included.
func (c *Console) jobOf(r *http.Request, q *req) (*importJob, error) {
	j := c.imports.get(r.PathValue("id"), q.acct.ID, c.now())
	if j == nil {
		return nil, &pageErr{http.StatusNotFound, "There is no such import. The result of an import is kept for an hour, " +
			"by the server that ran it; import the same file again to see where it stands (rows match by email)."}
	}
	return j, nil
}

// importJobPage is GET /people/import/jobs/{id}: the job's progress
// while it runs (the script polls its status; without a script the page
// refreshes itself), then its result.
func (c *Console) importJobPage(w http.ResponseWriter, r *http.Request, q *req) error {
	j, err := c.jobOf(r, q)
	if err != nil {
		return err
	}
	s := j.Status()
	// A progress bar's max must be positive: a file whose every row has
	// an error is a full bar at once.
	data := map[string]any{"Title": "Import people", "Job": j, "S": s, "Max": max(s.Total, 1), "Value": s.Done}
	if s.Total == 0 && s.State != jobRunning {
		data["Value"] = 1
	}
	if s.State == jobRunning {
		data["Refresh"] = true
	} else {
		data["Rejected"] = j.Rejected
	}
	c.render(w, http.StatusOK, q, "import_job", "", data)
	return nil
}

// importJobStatus is GET /people/import/jobs/{id}/status: the job's
// counters as JSON.
func (c *Console) importJobStatus(w http.ResponseWriter, r *http.Request, q *req) error {
	securityHeaders(w)
	w.Header().Set("Content-Type", "application/json")
	j, err := c.jobOf(r, q)
	if err != nil {
		w.WriteHeader(http.StatusNotFound)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": err.Error()})
		return nil
	}
	_ = json.NewEncoder(w).Encode(j.Status())
	return nil
}
