package console

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/lintel-dev/lintel/internal/authz"
	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/oauth"
	"github.com/lintel-dev/lintel/internal/store"
)

// registerSettings adds the Settings pages: the account's name and time
// zone, the operators and the audit log.
func (c *Console) registerSettings(mux *http.ServeMux) {
	mux.Handle("GET /settings", c.handle(domain.PermRead, c.accountPage))
	mux.Handle("POST /settings", c.handle(domain.PermAccount, c.accountUpdate))
	mux.Handle("GET /settings/operators", c.handle(domain.PermRead, c.operatorsPage))
	mux.Handle("POST /settings/operators", c.handle(domain.PermOperators, c.operatorInvite))
	mux.Handle("POST /settings/operators/{id}/{action}", c.handle(domain.PermOperators, c.operatorAction))
	mux.Handle("GET /settings/audit", c.handle(domain.PermAudit, c.auditPage))
	mux.Handle("GET /settings/audit.csv", c.handle(domain.PermAudit, c.auditExport))
}

// principal is the operator as the lifecycle functions of the OAuth
// server see them: a console session with the role the console read.
func (q *req) principal() *domain.Principal {
	p := authz.Session(q.user)
	p.Role = q.role
	return p
}

// settingsNav is what the Settings pages' own navigation may show.
func settingsNav(q *req, current string) map[string]any {
	return map[string]any{"Current": current, "Audit": q.can(domain.PermAudit)}
}

// asPageErr turns a refusal of the lifecycle functions (EFORBIDDEN) into
// a 403 page with its message; other errors pass.
func asPageErr(err error) error {
	if domain.ErrorCode(err) == domain.EFORBIDDEN {
		return &pageErr{http.StatusForbidden, domain.ErrorMessage(err)}
	}
	return err
}

// formProblem reports whether err is one the form shows beside itself
// (invalid input or a conflict) rather than as an error page.
func formProblem(err error) bool {
	code := domain.ErrorCode(err)
	return code == domain.EINVALID || code == domain.ECONFLICT
}

// accountForm is the account settings form as posted.
type accountForm struct{ Name, TimeZone string }

// accountPage is GET /settings: the account's name and time zone (the
// form only for owners).
func (c *Console) accountPage(w http.ResponseWriter, r *http.Request, q *req) error {
	c.renderAccount(w, q, http.StatusOK, accountForm{Name: q.acct.Name, TimeZone: q.acct.TimeZone}, "", r.URL.Query().Get("saved") == "1")
	return nil
}

func (c *Console) renderAccount(w http.ResponseWriter, q *req, status int, f accountForm, problem string, saved bool) {
	c.render(w, status, q, "settings", "", map[string]any{"Title": "Settings", "Nav": settingsNav(q, "account"), "Form": f,
		"Problem": problem, "Saved": saved, "MayEdit": q.can(domain.PermAccount), "Now": c.now()})
}

// validZone reports whether name is an IANA time zone name ("Local",
// which means the server's own zone, is not).
func validZone(name string) bool {
	if name == "" || name == "Local" || len(name) > 64 {
		return false
	}
	_, ok := domain.LoadLocation(name)
	return ok
}

// accountUpdate is POST /settings (name, time_zone). The account's time
// zone is the one its schedules, "today" and dates without an offset are
// read in; changing it is announced to the controllers like any change.
func (c *Console) accountUpdate(w http.ResponseWriter, r *http.Request, q *req) error {
	f := accountForm{Name: strings.TrimSpace(r.PostFormValue("name")), TimeZone: strings.TrimSpace(r.PostFormValue("time_zone"))}
	var problems []string
	if f.Name == "" || len(f.Name) > 200 {
		problems = append(problems, "The name must be 1 to 200 characters.")
	}
	if !validZone(f.TimeZone) {
		problems = append(problems, "The time zone must be an IANA time zone name such as Europe/London or America/New_York.")
	}
	if len(problems) > 0 {
		c.renderAccount(w, q, http.StatusUnprocessableEntity, f, strings.Join(problems, " "), false)
		return nil
	}
	acct := *q.acct
	changes := map[string]any{}
	if f.Name != acct.Name {
		changes["name"] = f.Name
	}
	if f.TimeZone != acct.TimeZone {
		changes["time_zone"] = f.TimeZone
	}
	if len(changes) == 0 {
		return seeOther(w, r, "/settings?saved=1")
	}
	acct.Name, acct.TimeZone = f.Name, f.TimeZone
	ctx := store.WithOperation(r.Context(), store.Operation{Resource: "accounts", ResourceID: strconv.FormatInt(acct.ID, 10),
		Action: "update", Changes: changes})
	if err := c.st.UpdateAccount(ctx, &acct); err != nil {
		return err
	}
	return seeOther(w, r, "/settings?saved=1")
}

// operatorView is one operator on the Operators page.
type operatorView struct {
	*domain.User
	Invited     bool      // the invitation is not accepted yet
	Locked      bool      // sign-in throttling refuses their email
	LockedUntil time.Time // when the throttle's window ends
	Self        bool      // the operator looking at the page
	Manage      bool      // the viewer may change this operator
}

// inviteForm is the invitation form as posted.
type inviteForm struct {
	Email, FirstName, LastName string
	Role                       domain.OperatorRole
}

// operatorsPage is GET /settings/operators: every operator of the account
// with role, status and last sign-in; controls for those the viewer may
// manage.
func (c *Console) operatorsPage(w http.ResponseWriter, r *http.Request, q *req) error {
	return c.renderOperators(w, r, q, http.StatusOK, map[string]any{"Invite": inviteForm{Role: domain.RoleOperator}})
}

func (c *Console) renderOperators(w http.ResponseWriter, r *http.Request, q *req, status int, extra map[string]any) error {
	ctx := r.Context()
	users, err := c.st.ListUsers(ctx, q.acct.ID)
	if err != nil {
		return err
	}
	views := make([]operatorView, 0, len(users))
	mayManage := q.can(domain.PermOperators)
	for _, u := range users {
		v := operatorView{User: u, Invited: u.PasswordHash == "" && !u.Disabled, Self: u.ID == q.user.ID}
		if v.Locked, v.LockedUntil, err = c.sessions.SignInLocked(ctx, u); err != nil {
			return err
		}
		v.Manage = mayManage && !v.Self && q.role.MayManage(u.Role)
		views = append(views, v)
	}
	var roles []domain.OperatorRole // the roles the viewer may give
	for _, role := range domain.OperatorRoles {
		if mayManage && q.role.MayManage(role) {
			roles = append(roles, role)
		}
	}
	data := map[string]any{"Title": "Operators", "Nav": settingsNav(q, "operators"), "Operators": views, "Roles": roles,
		"MayManage": mayManage, "Mail": c.sessions.MailEnabled()}
	for k, v := range extra {
		data[k] = v
	}
	c.render(w, status, q, "operators", "", data)
	return nil
}

// operatorInvite is POST /settings/operators (email, first_name,
// last_name, role): the invitation link is emailed when mail is set up,
// and otherwise shown on the answer, once, to copy.
func (c *Console) operatorInvite(w http.ResponseWriter, r *http.Request, q *req) error {
	f := inviteForm{Email: strings.TrimSpace(r.PostFormValue("email")), FirstName: strings.TrimSpace(r.PostFormValue("first_name")),
		LastName: strings.TrimSpace(r.PostFormValue("last_name")), Role: domain.OperatorRole(r.PostFormValue("role"))}
	if len(f.FirstName) > 100 || len(f.LastName) > 100 {
		return c.renderOperators(w, r, q, http.StatusUnprocessableEntity, map[string]any{"Invite": f, "Problem": "Names must be at most 100 characters."})
	}
	u, link, err := c.sessions.Invite(r.Context(), q.principal(), oauth.Invitation{AccountID: q.acct.ID, Email: f.Email,
		FirstName: f.FirstName, LastName: f.LastName, Role: f.Role})
	if formProblem(err) {
		return c.renderOperators(w, r, q, http.StatusUnprocessableEntity, map[string]any{"Invite": f, "Problem": describe(err)})
	}
	if err != nil && u == nil {
		return asPageErr(err)
	}
	out := map[string]any{"Invite": inviteForm{Role: domain.RoleOperator}, "Link": link, "LinkFor": u, "LinkKind": "invitation"}
	if err != nil { // created, but the email could not be sent: show the link instead
		c.log.WarnContext(r.Context(), "console: invitation email", "err", err)
		link.Emailed = false
		out["MailFailed"] = true
	}
	return c.renderOperators(w, r, q, http.StatusOK, out)
}

// operatorAction is POST /settings/operators/{id}/{action}: role (with
// role), disable, enable, reset (a password reset link), unlock (after
// sign-in throttling) and totp (remove the second factor).
func (c *Console) operatorAction(w http.ResponseWriter, r *http.Request, q *req) error {
	id, err := pathID(r, "operator")
	if err != nil {
		return err
	}
	if id == q.user.ID {
		return &pageErr{http.StatusConflict, "You cannot change your own role or access here: ask another administrator."}
	}
	ctx, by := r.Context(), q.principal()
	switch r.PathValue("action") {
	case "role":
		role, perr := domain.ParseOperatorRole(r.PostFormValue("role"))
		if perr != nil {
			return &pageErr{http.StatusUnprocessableEntity, "Choose a role: owner, admin, operator or viewer."}
		}
		_, err = c.sessions.UpdateOperator(ctx, by, q.acct.ID, id, store.UserUpdate{Role: &role})
	case "disable":
		err = c.sessions.DisableOperator(ctx, by, q.acct.ID, id)
	case "enable":
		err = c.sessions.EnableOperator(ctx, by, q.acct.ID, id)
	case "unlock":
		err = c.sessions.UnlockOperator(ctx, by, q.acct.ID, id)
	case "totp":
		err = c.sessions.ResetSecondFactor(ctx, by, q.acct.ID, id)
	case "reset":
		link, err := c.sessions.ResetPassword(ctx, by, q.acct.ID, id)
		if link == nil {
			return asPageErr(err)
		}
		u, gerr := c.st.GetAccountUser(ctx, q.acct.ID, id)
		if gerr != nil {
			return gerr
		}
		out := map[string]any{"Invite": inviteForm{Role: domain.RoleOperator}, "Link": link, "LinkFor": u, "LinkKind": "password reset"}
		if err != nil {
			c.log.WarnContext(ctx, "console: reset email", "err", err)
			link.Emailed = false
			out["MailFailed"] = true
		}
		return c.renderOperators(w, r, q, http.StatusOK, out)
	default:
		return &pageErr{http.StatusNotFound, "There is no such page."}
	}
	if err != nil {
		return asPageErr(err)
	}
	return seeOther(w, r, "/settings/operators")
}

// auditPageSize is how many rows one page of the audit log shows.
const auditPageSize = 50

// auditQuery is the audit log's filter as given in the URL.
type auditQuery struct {
	Actor      string // "kind:id", e.g. "app:3"; "cli:0"
	Operator   int64  // writes by this operator, directly or through an app or key
	Resource   string
	ResourceID string
	Action     string
	From, To   string // YYYY-MM-DD, account time zone, inclusive
	Before     int64  // keyset cursor: rows with a smaller id
	filter     store.AuditFilter
	problem    string
}

// readAuditQuery parses the filter; a malformed value is reported on the
// page and left out of the filter.
func readAuditQuery(v url.Values, loc *time.Location) auditQuery {
	clipped := func(name string) string {
		s := strings.TrimSpace(v.Get(name))
		if len(s) > 100 {
			s = s[:100]
		}
		return s
	}
	q := auditQuery{Actor: clipped("actor"), Resource: clipped("resource"), ResourceID: clipped("resource_id"), Action: clipped("action"),
		From: v.Get("from"), To: v.Get("to")}
	f := store.AuditFilter{Resource: q.Resource, ResourceID: q.ResourceID, Action: q.Action}
	if q.Resource == "" {
		f.ResourceID = ""
	}
	var problems []string
	if q.Actor != "" {
		kind, id, _ := strings.Cut(q.Actor, ":")
		n, err := strconv.ParseInt(id, 10, 64)
		switch kind {
		case store.ActorOperator, store.ActorApp, store.ActorAPIKey, store.ActorController, store.ActorCLI:
		default:
			err = errors.New("kind")
		}
		if err != nil || n < 0 {
			problems, q.Actor = append(problems, "Choose an actor from the list."), ""
		} else {
			f.ActorKind, f.ActorID = kind, n
		}
	}
	if s := v.Get("operator"); s != "" {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil && n > 0 {
			q.Operator, f.UserID = n, n
		} else {
			problems = append(problems, "Choose an operator from the list.")
		}
	}
	if q.From != "" {
		if t, err := time.ParseInLocation("2006-01-02", q.From, loc); err == nil {
			f.Since = t
		} else {
			problems, q.From = append(problems, "From must be a date (YYYY-MM-DD)."), ""
		}
	}
	if q.To != "" {
		if t, err := time.ParseInLocation("2006-01-02", q.To, loc); err == nil {
			f.Until = t.AddDate(0, 0, 1)
		} else {
			problems, q.To = append(problems, "To must be a date (YYYY-MM-DD)."), ""
		}
	}
	if n, err := strconv.ParseInt(v.Get("before"), 10, 64); err == nil && n > 0 {
		q.Before, f.BeforeID = n, n
	}
	q.filter, q.problem = f, strings.Join(problems, " ")
	return q
}

// Query renders the filter (without the cursor) as a query string.
func (q auditQuery) Query() string {
	v := url.Values{}
	for k, s := range map[string]string{"actor": q.Actor, "resource": q.Resource, "resource_id": q.ResourceID, "action": q.Action,
		"from": q.From, "to": q.To} {
		if s != "" {
			v.Set(k, s)
		}
	}
	if q.Operator > 0 {
		v.Set("operator", strconv.FormatInt(q.Operator, 10))
	}
	return v.Encode()
}

// actorOption is one choice of the audit page's actor filter.
type actorOption struct {
	Value, Label string
}

var actorKindLabel = map[string]string{store.ActorOperator: "Operator", store.ActorApp: "App", store.ActorAPIKey: "API key",
	store.ActorController: "Controller", store.ActorCLI: "Command line"}

// auditResources and auditActions are offered as suggestions in the
// filter (any value may be typed).
var (
	auditResources = []string{"accounts", "operators", "people", "credentials", "channels", "sites", "groups", "roles", "shifts",
		"reservations", "group_reservations", "controllers", "oauth_apps", "api_keys", "webhooks"}
	auditActions = []string{"create", "update", "delete", "invite", "disable", "enable", "reset_password", "reset_totp", "unlock",
		"lockdown", "unlockdown", "normal", "admit", "import"}
)

// auditPage is GET /settings/audit: the audit log, newest first, filtered
// and paged by keyset (?before=id).
func (c *Console) auditPage(w http.ResponseWriter, r *http.Request, q *req) error {
	ctx := r.Context()
	aq := readAuditQuery(r.URL.Query(), q.loc)
	rows, err := c.st.AuditPage(ctx, q.acct.ID, aq.filter, auditPageSize+1)
	if err != nil {
		return err
	}
	var next int64
	if len(rows) > auditPageSize {
		rows = rows[:auditPageSize]
		next = rows[len(rows)-1].ID
	}
	actors, err := c.st.AuditActors(ctx, q.acct.ID)
	if err != nil {
		return err
	}
	options := make([]actorOption, 0, len(actors))
	for _, a := range actors {
		label := actorKindLabel[a.Kind] + ": " + a.Display
		if a.Display == "" {
			label = actorKindLabel[a.Kind] + " " + strconv.FormatInt(a.ID, 10)
		}
		options = append(options, actorOption{Value: a.Kind + ":" + strconv.FormatInt(a.ID, 10), Label: label})
	}
	operators, err := c.st.ListUsers(ctx, q.acct.ID)
	if err != nil {
		return err
	}
	views := make([]auditRow, len(rows))
	for i, e := range rows {
		views[i] = auditRow{AuditEvent: e, ChangesText: changesText(e)}
	}
	c.render(w, http.StatusOK, q, "audit", "", map[string]any{"Title": "Audit log", "Nav": settingsNav(q, "audit"), "Rows": views,
		"Filter": aq, "Next": next, "Actors": options, "Operators": operators, "Resources": auditResources, "Actions": auditActions,
		"Problem": aq.problem, "KindLabel": actorKindLabel})
	return nil
}

// auditRow is one row of the audit page.
type auditRow struct {
	*store.AuditEvent
	ChangesText string
}

// changesText renders an audit row's changed fields as compact JSON.
func changesText(e *store.AuditEvent) string {
	if len(e.Changes) == 0 {
		return ""
	}
	b, err := json.Marshal(e.Changes)
	if err != nil {
		return strings.Join(e.ChangedFields(), ", ")
	}
	return string(b)
}

// auditExport is GET /settings/audit.csv: every row matching the filter
// (the cursor aside), oldest first, streamed as it is read so an export of
// any size runs in constant memory; times in the account's time zone.
func (c *Console) auditExport(w http.ResponseWriter, r *http.Request, q *req) error {
	aq := readAuditQuery(r.URL.Query(), q.loc)
	f := aq.filter
	f.BeforeID = 0
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="audit.csv"`)
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"id", "time", "actor_type", "actor_id", "user_id", "actor", "resource", "resource_id", "action", "changes", "ip", "user_agent"})
	flusher, _ := w.(http.Flusher)
	n := 0
	for e, err := range c.st.AuditEvents(r.Context(), q.acct.ID, f) {
		if err != nil {
			if errors.Is(err, context.Canceled) {
				return nil
			}
			if n == 0 {
				w.Header().Del("Content-Disposition")
				return err
			}
			c.log.ErrorContext(r.Context(), "console: audit export", "err", err)
			break
		}
		_ = cw.Write([]string{strconv.FormatInt(e.ID, 10), e.CreatedAt.In(q.loc).Format(time.RFC3339), e.ActorKind,
			strconv.FormatInt(e.ActorID, 10), strconv.FormatInt(e.ActorUserID, 10), csvSafe(e.ActorDisplay), csvSafe(e.Resource),
			csvSafe(e.ResourceID), csvSafe(e.Action), csvSafe(changesText(e)), csvSafe(e.IP), csvSafe(e.UserAgent)})
		if n++; n%500 == 0 {
			cw.Flush()
			if flusher != nil {
				flusher.Flush()
			}
		}
	}
	cw.Flush()
	return nil
}
