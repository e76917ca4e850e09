package console

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/httpx"
)

// maxImportRows bounds one CSV import.
const maxImportRows = 50000

// importColumns are the columns a people CSV may have; email is required
// and matches rows to people already there, so a second import of the
// same file updates them instead of adding them again.
var importColumns = []string{"first_name", "last_name", "email", "job_title", "department", "telephone", "enabled", "valid_from", "valid_to", "groups"}

// importRow is one parsed row of an import.
type importRow struct {
	Line   int
	Form   personForm
	Action string // "add", "update", "unchanged" or "" (error)
	Errors []string
	person *domain.Person
}

// importPlan is a parsed, checked import.
type importPlan struct {
	Rows                             []*importRow
	Add, Update, Unchanged, Rejected int
}

// importPage is GET /people/import.
func (c *Console) importPage(w http.ResponseWriter, r *http.Request, q *req) error {
	c.render(w, http.StatusOK, q, "import", "", map[string]any{"Title": "Import people", "Columns": importColumns})
	return nil
}

// importPost is POST /people/import: with a file (field file) or pasted
// text (field csv) and step=preview it shows what would change, row by
// row with each row's errors; with step=run it plans the file again and
// starts an import job that applies the rows without errors in the
// background (import_jobs.go), and answers 303 to the job's page. While
// another import of the account runs it answers 409 with the preview and
// a link to the running one.
func (c *Console) importPost(w http.ResponseWriter, r *http.Request, q *req) error {
	text := r.PostFormValue("csv")
	if f, _, err := r.FormFile("file"); err == nil {
		b, err := io.ReadAll(io.LimitReader(f, maxForm))
		f.Close()
		if err != nil {
			return &pageErr{http.StatusBadRequest, "The file could not be read."}
		}
		text = string(b)
	}
	data := map[string]any{"Title": "Import people", "Columns": importColumns, "CSV": text}
	if p := httpx.TextProblem(text); p != "" {
		// PostgreSQL stores neither; say so rather than fail on the first row.
		data["CSV"] = ""
		data["Error"] = "The CSV " + p + ": save it as UTF-8 text and try again."
		c.render(w, http.StatusBadRequest, q, "import", "", data)
		return nil
	}
	plan, err := c.planImport(r, q, text)
	var pe *pageErr
	if errors.As(err, &pe) {
		data["Error"] = pe.msg
		c.render(w, http.StatusUnprocessableEntity, q, "import", "", data)
		return nil
	}
	if err != nil {
		return err
	}
	data["Plan"] = plan
	shown := plan.Rows
	if len(shown) > 200 {
		shown = shown[:200]
	}
	data["Shown"] = shown
	var rejected []*importRow
	for _, row := range plan.Rows {
		if len(row.Errors) > 0 {
			rejected = append(rejected, row)
		}
	}
	data["Rejected"] = rejected
	if r.PostFormValue("step") != "run" {
		c.render(w, http.StatusOK, q, "import", "", data)
		return nil
	}
	job, running, err := c.startImport(r, q, plan)
	if err != nil {
		return err
	}
	if running != nil {
		data["Running"] = running.ID
		c.render(w, http.StatusConflict, q, "import", "", data)
		return nil
	}
	return seeOther(w, r, "/people/import/jobs/"+job.ID)
}

// importAnalyzeRows is how many people an import adds before the planner's
// statistics are refreshed after it.
const importAnalyzeRows = 1000

// planImport parses the CSV and decides each row's fate. A file that is
// not CSV, lacks an email column, has unknown columns or too many rows is
// a *pageErr.
func (c *Console) planImport(r *http.Request, q *req, text string) (*importPlan, error) {
	ctx := r.Context()
	text = strings.TrimPrefix(text, "\ufeff")
	if strings.TrimSpace(text) == "" {
		return nil, &pageErr{http.StatusUnprocessableEntity, "Choose a CSV file to import."}
	}
	cr := csv.NewReader(bytes.NewReader([]byte(text)))
	cr.FieldsPerRecord = -1
	head, err := cr.Read()
	if err != nil {
		return nil, &pageErr{http.StatusUnprocessableEntity, "The file is not CSV: " + err.Error()}
	}
	col := map[string]int{}
	for i, h := range head {
		h = strings.ToLower(strings.TrimSpace(h))
		known := false
		for _, k := range importColumns {
			known = known || k == h
		}
		if !known {
			return nil, &pageErr{http.StatusUnprocessableEntity, fmt.Sprintf("Unknown column %q: use %s.", h, strings.Join(importColumns, ", "))}
		}
		col[h] = i
	}
	if _, ok := col["email"]; !ok {
		return nil, &pageErr{http.StatusUnprocessableEntity, "The file needs an email column: rows are matched to people by email."}
	}
	groups, err := c.st.ListGroups(ctx, q.acct.ID)
	if err != nil {
		return nil, err
	}
	groupIDs := map[string]int64{}
	for _, g := range groups {
		groupIDs[strings.ToLower(g.Name)] = g.ID
	}
	plan := &importPlan{}
	seen := map[string]int{}
	var emails []string
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			return nil, &pageErr{http.StatusUnprocessableEntity, fmt.Sprintf("Line %d is not valid CSV: %v", line, err)}
		}
		if len(plan.Rows) >= maxImportRows {
			return nil, &pageErr{http.StatusUnprocessableEntity, fmt.Sprintf("At most %d rows can be imported at once.", maxImportRows)}
		}
		get := func(k string) string {
			if i, ok := col[k]; ok && i < len(rec) {
				v := strings.TrimSpace(rec[i])
				if len(v) > 1 && v[0] == '\'' && strings.ContainsRune("=+-@", rune(v[1])) {
					v = v[1:] // written by csvSafe on export
				}
				return v
			}
			return ""
		}
		row := &importRow{Line: line}
		row.Form = personForm{FirstName: get("first_name"), LastName: get("last_name"), Email: strings.ToLower(get("email")),
			JobTitle: get("job_title"), Department: get("department"), Telephone: get("telephone"),
			ValidFrom: get("valid_from"), ValidTo: get("valid_to"), Enabled: true}
		switch strings.ToLower(get("enabled")) {
		case "", "true", "yes", "1":
		case "false", "no", "0":
			row.Form.Enabled = false
		default:
			row.Errors = append(row.Errors, "enabled: use true or false")
		}
		if gs := get("groups"); gs != "" {
			for _, name := range strings.Split(gs, ";") {
				name = strings.TrimSpace(name)
				if name == "" {
					continue
				}
				if id, ok := groupIDs[strings.ToLower(name)]; ok {
					row.Form.GroupIDs = append(row.Form.GroupIDs, id)
				} else {
					row.Errors = append(row.Errors, "groups: no group is called "+strconv.Quote(name))
				}
			}
		}
		if row.Form.Email == "" {
			row.Errors = append(row.Errors, "email: can't be blank (rows are matched by email)")
		} else if prev, dup := seen[row.Form.Email]; dup {
			row.Errors = append(row.Errors, fmt.Sprintf("email: also on line %d", prev))
		} else {
			seen[row.Form.Email] = line
			emails = append(emails, row.Form.Email)
		}
		plan.Rows = append(plan.Rows, row)
	}
	existing, err := c.st.PeopleByEmail(ctx, q.acct.ID, emails)
	if err != nil {
		return nil, err
	}
	for _, row := range plan.Rows {
		p := &domain.Person{AccountID: q.acct.ID}
		old := existing[row.Form.Email]
		if old != nil {
			cp := *old
			p = &cp
		}
		if err := row.Form.apply(p, q.loc); err != nil {
			row.Errors = append(row.Errors, describe(err))
		}
		if len(row.Errors) > 0 {
			plan.Rejected++
			continue
		}
		row.person = p
		switch {
		case old == nil:
			row.Action = "add"
			plan.Add++
		case samePerson(old, p):
			row.Action = "unchanged"
			plan.Unchanged++
		default:
			row.Action = "update"
			plan.Update++
		}
	}
	return plan, nil
}

// samePerson reports whether an import row changes nothing the import sets.
func samePerson(a, b *domain.Person) bool {
	eq := func(x, y *string) bool { return (x == nil && y == nil) || (x != nil && y != nil && *x == *y) }
	teq := func(x, y *time.Time) bool { return (x == nil && y == nil) || (x != nil && y != nil && x.Equal(*y)) }
	if a.FirstName != b.FirstName || a.LastName != b.LastName || a.Enabled != b.Enabled ||
		!eq(a.JobTitle, b.JobTitle) || !eq(a.Department, b.Department) || !eq(a.Telephone, b.Telephone) ||
		!teq(a.ValidFrom, b.ValidFrom) || !teq(a.ValidTo, b.ValidTo) || len(a.GroupIDs) != len(b.GroupIDs) {
		return false
	}
	in := map[int64]bool{}
	for _, id := range a.GroupIDs {
		in[id] = true
	}
	for _, id := range b.GroupIDs {
		if !in[id] {
			return false
		}
	}
	return true
}

// peopleExport is GET /people/export.csv: every person in the import's
// columns, so an edited export can be imported back.
func (c *Console) peopleExport(w http.ResponseWriter, r *http.Request, q *req) error {
	ctx := r.Context()
	groups, err := c.groupNames(ctx, q.acct.ID)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="people.csv"`)
	cw := csv.NewWriter(w)
	_ = cw.Write(importColumns)
	var after int64
	for {
		page, err := c.st.SearchPeople(ctx, q.acct.ID, "", after, 1000)
		if err != nil {
			if after == 0 {
				return err
			}
			c.log.ErrorContext(ctx, "console: people export", "err", err)
			break
		}
		for _, p := range page {
			f := formOf(p, q.loc)
			var gs []string
			for _, id := range p.GroupIDs {
				gs = append(gs, groups[id])
			}
			_ = cw.Write([]string{csvSafe(f.FirstName), csvSafe(f.LastName), csvSafe(f.Email), csvSafe(f.JobTitle), csvSafe(f.Department),
				csvSafe(f.Telephone), strconv.FormatBool(f.Enabled), f.ValidFrom, f.ValidTo, csvSafe(strings.Join(gs, ";"))})
		}
		if len(page) < 1000 {
			break
		}
		after = page[len(page)-1].ID
	}
	cw.Flush()
	return nil
}
