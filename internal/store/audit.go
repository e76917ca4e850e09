package store

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/lintel-dev/lintel/internal/domain"
)

// Actor kinds: who made a write.
const (
	ActorOperator   = "operator"   // an operator signed in to the console
	ActorApp        = "app"        // an OAuth application, acting for an operator
	ActorAPIKey     = "api_key"    // an operator's personal API key
	ActorController = "controller" // a door controller
	ActorCLI        = "cli"        // the lintel command line, run with database access
	ActorHolder     = "holder"     // a credential holder, through a one-time mobile invitation link
)

// Actor is who makes the writes of a context (see WithActor).
type Actor struct {
	AccountID int64  // the account the writes are recorded under (required)
	Kind      string // ActorOperator, ActorApp, ActorAPIKey, ActorController, ActorCLI or ActorHolder
	ID        int64  // the user, application, key or controller id (0 for the CLI)
	UserID    int64  // the operator an application or key acts for (the user for ActorOperator)
	Display   string // how the actor is shown: an email, "App name for email", a key's name...
	IP        string // the client address, when the write came over HTTP
	UserAgent string
}

// Operation describes a write for the audit log: the resource, its id, the
// action and the fields it set. Values of fields whose names suggest a
// secret (password, secret, token, key, pin, value, ...) are replaced by
// "[redacted]" before they are stored.
type Operation struct {
	Resource   string // e.g. "people", "channels", "operators"
	ResourceID string // "" for a create: the id of the first row the write inserts
	Action     string // create, update, delete, or a verb such as unlock, disable
	Changes    map[string]any
}

// auditState is what a context carries: the actor and, once described,
// the operation.
type auditState struct {
	actor    Actor
	op       *Operation
	recorded atomic.Bool // an explicit operation is recorded once
}

type auditKey struct{}

// WithActor returns a context whose writes are recorded in the audit log
// as made by a: every transaction that writes through the store with this
// context appends one audit row in the same transaction, so the write and
// its record commit or roll back together. Without an Operation (see
// WithOperation) the row names the table and action of the transaction's
// first write and the id of the first row it inserted.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, auditKey{}, &auditState{actor: a})
}

// WithOperation describes the next write made with ctx (which must carry
// an actor; otherwise nothing is recorded): it is recorded once, by the
// first transaction that writes with the returned context, however many
// transactions follow.
func WithOperation(ctx context.Context, op Operation) context.Context {
	prev, _ := ctx.Value(auditKey{}).(*auditState)
	if prev == nil {
		return ctx
	}
	return context.WithValue(ctx, auditKey{}, &auditState{actor: prev.actor, op: &op})
}

// WithoutActor returns ctx without its actor: writes made with it are not
// audited (for housekeeping a request does on the side, such as creating
// a server key on first use).
func WithoutActor(ctx context.Context) context.Context {
	return context.WithValue(ctx, auditKey{}, (*auditState)(nil))
}

// ActorFrom returns the actor ctx carries.
func ActorFrom(ctx context.Context) (Actor, bool) {
	st, _ := ctx.Value(auditKey{}).(*auditState)
	if st == nil {
		return Actor{}, false
	}
	return st.actor, true
}

func auditOf(ctx context.Context) *auditState {
	st, _ := ctx.Value(auditKey{}).(*auditState)
	if st == nil || st.actor.AccountID == 0 || st.actor.Kind == "" {
		return nil
	}
	return st
}

// txWrite is the first write a transaction made for one audit state.
type txWrite struct {
	state *auditState
	table string
	verb  string
	id    int64
}

var writeStmt = regexp.MustCompile(`(?is)^\s*(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+([a-z_]+)`)

// writeTable returns the verb and table of a write statement, or false for
// anything else.
func writeTable(query string) (verb, table string, ok bool) {
	m := writeStmt.FindStringSubmatch(query)
	if m == nil {
		return "", "", false
	}
	return strings.ToUpper(strings.Fields(m[1])[0]), strings.ToLower(m[2]), true
}

// auditWrite reports whether query, run with ctx, must be audited: ctx
// carries an actor and query writes a table other than the audit log.
func auditWrite(ctx context.Context, query string) (*auditState, string, string, bool) {
	st := auditOf(ctx)
	if st == nil {
		return nil, "", "", false
	}
	verb, table, ok := writeTable(query)
	if !ok || table == "audit_events" {
		return nil, "", "", false
	}
	return st, verb, table, true
}

// noteWrite remembers, in a transaction, the first write made for st.
// id is the row it inserted (0 if unknown).
func (s *Store) noteWrite(st *auditState, verb, table string, id int64) {
	if s.writes == nil {
		return
	}
	for _, w := range *s.writes {
		if w.state == st {
			if w.id == 0 && id != 0 && w.table == table {
				w.id = id
			}
			return
		}
	}
	*s.writes = append(*s.writes, &txWrite{state: st, verb: verb, table: table, id: id})
}

// recordAudit appends the audit rows of a transaction about to commit.
func (s *Store) recordAudit(ctx context.Context) error {
	if s.writes == nil {
		return nil
	}
	now := time.Now().UTC()
	for _, w := range *s.writes {
		st := w.state
		if st.op != nil && st.recorded.Load() {
			continue
		}
		e := AuditEvent{AccountID: st.actor.AccountID, ActorKind: st.actor.Kind, ActorID: st.actor.ID, ActorUserID: st.actor.UserID,
			ActorDisplay: st.actor.Display, IP: st.actor.IP, UserAgent: st.actor.UserAgent, CreatedAt: now}
		e.Resource, e.Action = w.table, verbAction(w.verb)
		if w.id != 0 {
			e.ResourceID = strconv.FormatInt(w.id, 10)
		}
		if op := st.op; op != nil {
			if op.Resource != "" {
				e.Resource = op.Resource
			}
			if op.Action != "" {
				e.Action = op.Action
			}
			if op.ResourceID != "" {
				e.ResourceID = op.ResourceID
			}
			e.Changes = redact(op.Changes)
		}
		changes, err := json.Marshal(nonNil(e.Changes))
		if err != nil {
			return fmt.Errorf("audit: encode changes: %w", err)
		}
		if err := s.execAtCommit(ctx, `INSERT INTO audit_events (account_id, actor_kind, actor_id, actor_user_id, actor_display,
			resource, resource_id, action, changes, ip, user_agent, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			e.AccountID, e.ActorKind, e.ActorID, e.ActorUserID, clip(e.ActorDisplay, 300), clip(e.Resource, 100), clip(e.ResourceID, 100),
			clip(e.Action, 100), string(changes), clip(e.IP, 100), clip(e.UserAgent, 300), ms(e.CreatedAt)); err != nil {
			return fmt.Errorf("record audit event: %w", err)
		}
	}
	return nil
}

// auditCommitted marks the explicit operations of a committed transaction
// as recorded.
func (s *Store) auditCommitted() {
	if s.writes == nil {
		return
	}
	for _, w := range *s.writes {
		if w.state.op != nil {
			w.state.recorded.Store(true)
		}
	}
}

func verbAction(verb string) string {
	switch verb {
	case "INSERT":
		return "create"
	case "DELETE":
		return "delete"
	}
	return "update"
}

func nonNil(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// Redacted replaces the value of a secret field in the audit log.
const Redacted = "[redacted]"

// secretWords are in the names of fields whose values never reach the
// audit log, in any case.
var secretWords = []string{"password", "secret", "token", "key", "pin", "totp", "digest", "hash", "value"}

// blobWords are in the names of fields that carry file contents (a
// person's photo as base64): the log keeps their length, not the bytes.
var blobWords = []string{"image", "photo", "base64"}

var (
	secretField = fieldMatcher(secretWords)
	blobField   = fieldMatcher(blobWords)
)

// fieldMatcher returns a test of whether a field name holds one of words,
// ignoring case as Unicode folds it. Names in ASCII, nearly all, are
// lower-cased and searched without the regular expression.
func fieldMatcher(words []string) func(string) bool {
	re := regexp.MustCompile(`(?i)` + strings.Join(words, "|"))
	bs := make([][]byte, len(words))
	for i, w := range words {
		bs[i] = []byte(w)
	}
	return func(name string) bool {
		var buf [64]byte
		if len(name) > len(buf) {
			return re.MatchString(name)
		}
		lower := buf[:len(name)]
		for i := 0; i < len(name); i++ {
			c := name[i]
			switch {
			case c >= utf8.RuneSelf:
				return re.MatchString(name)
			case 'A' <= c && c <= 'Z':
				c += 'a' - 'A'
			}
			lower[i] = c
		}
		for _, w := range bs {
			if bytes.Contains(lower, w) {
				return true
			}
		}
		return false
	}
}

// maxAuditText is the longest text value kept whole in the audit log;
// longer ones keep their start and their length.
const maxAuditText = 1000

// redact copies changes with secret values replaced and nested objects
// and lists reduced to their field names or lengths.
func redact(changes map[string]any) map[string]any {
	if changes == nil {
		return nil
	}
	out := make(map[string]any, len(changes))
	for k, v := range changes {
		if secretField(k) {
			out[k] = Redacted
			continue
		}
		if x, ok := v.(string); ok && blobField(k) && len(x) > 0 {
			out[k] = fmt.Sprintf("[%d characters]", len(x))
			continue
		}
		switch x := v.(type) {
		case string:
			out[k] = clipText(x)
		case nil, bool, float64, int, int64, json.Number:
			out[k] = x
		case map[string]any:
			out[k] = redact(x)
		case []any:
			if len(x) <= 50 {
				out[k] = redactList(x)
			} else {
				out[k] = fmt.Sprintf("[%d items]", len(x))
			}
		default:
			out[k] = fmt.Sprint(x)
		}
	}
	return out
}

// clipText keeps at most maxAuditText bytes of s (never cutting a
// character) and says how long it was.
func clipText(s string) string {
	if len(s) <= maxAuditText {
		return s
	}
	cut := maxAuditText
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%s… [%d characters]", s[:cut], utf8.RuneCountInString(s))
}

func redactList(xs []any) []any {
	out := make([]any, len(xs))
	for i, v := range xs {
		switch x := v.(type) {
		case map[string]any:
			out[i] = redact(x)
		case []any:
			out[i] = fmt.Sprintf("[%d items]", len(x))
		default:
			out[i] = x
		}
	}
	return out
}

// AuditEvent is one row of the audit log.
type AuditEvent struct {
	ID           int64
	AccountID    int64
	ActorKind    string
	ActorID      int64
	ActorUserID  int64
	ActorDisplay string
	Resource     string
	ResourceID   string
	Action       string
	Changes      map[string]any // the fields the write set; secrets are Redacted
	IP           string
	UserAgent    string
	CreatedAt    time.Time
}

// ChangedFields returns the names of the changed fields, sorted.
func (e *AuditEvent) ChangedFields() []string {
	out := make([]string, 0, len(e.Changes))
	for k := range e.Changes {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// AuditFilter narrows ListAuditEvents and AuditEvents. Zero fields match
// everything.
type AuditFilter struct {
	ActorKind  string    // operator, app, api_key, controller, cli
	ActorID    int64     // with ActorKind: that user, app, key or controller
	UserID     int64     // writes by this operator, directly or through an app or key
	Resource   string    // e.g. "people"
	ResourceID string    // with Resource: one resource
	Action     string    // e.g. "create", "disable"
	Since      time.Time // at or after
	Until      time.Time // before
	BeforeID   int64     // keyset: rows with a smaller id only (AuditPage)
	Page       Page      // ListAuditEvents only
}

const auditCols = `id, account_id, actor_kind, actor_id, actor_user_id, actor_display, resource, resource_id, action, changes, ip, user_agent, created_at`

func scanAuditEvent(sc scanner) (*AuditEvent, error) {
	var (
		e       AuditEvent
		changes string
		created int64
	)
	if err := sc.Scan(&e.ID, &e.AccountID, &e.ActorKind, &e.ActorID, &e.ActorUserID, &e.ActorDisplay, &e.Resource, &e.ResourceID,
		&e.Action, &changes, &e.IP, &e.UserAgent, &created); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(changes), &e.Changes); err != nil {
		return nil, fmt.Errorf("audit event %d: changes: %w", e.ID, err)
	}
	e.CreatedAt = fromMS(created)
	return &e, nil
}

func (f AuditFilter) where(accountID int64) (string, []any) {
	var b strings.Builder
	b.WriteString(` WHERE account_id = ?`)
	args := []any{accountID}
	add := func(cond string, v any) {
		b.WriteString(` AND ` + cond)
		args = append(args, v)
	}
	if f.ActorKind != "" {
		add(`actor_kind = ?`, f.ActorKind)
		if f.ActorID != 0 {
			add(`actor_id = ?`, f.ActorID)
		}
	}
	if f.UserID != 0 {
		add(`actor_user_id = ?`, f.UserID)
	}
	if f.Resource != "" {
		add(`resource = ?`, f.Resource)
		if f.ResourceID != "" {
			add(`resource_id = ?`, f.ResourceID)
		}
	}
	if f.Action != "" {
		add(`action = ?`, f.Action)
	}
	if !f.Since.IsZero() {
		add(`created_at >= ?`, ms(f.Since))
	}
	if !f.Until.IsZero() {
		add(`created_at < ?`, ms(f.Until))
	}
	return b.String(), args
}

// ListAuditEvents returns a page of the account's audit log, newest first,
// and how many rows match the filter.
func (s *Store) ListAuditEvents(ctx context.Context, accountID int64, f AuditFilter) ([]*AuditEvent, int, error) {
	where, args := f.where(accountID)
	var total int
	if err := s.queryRow(ctx, `SELECT COUNT(*) FROM audit_events`+where, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count audit events: %w", err)
	}
	rows, err := s.query(ctx, `SELECT `+auditCols+` FROM audit_events`+where+` ORDER BY id DESC`+f.Page.sql(), f.Page.bind(args...)...)
	if err != nil {
		return nil, 0, fmt.Errorf("list audit events: %w", err)
	}
	defer rows.Close()
	out := []*AuditEvent{}
	for rows.Next() {
		e, err := scanAuditEvent(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, e)
	}
	return out, total, rows.Err()
}

// AuditPage returns up to limit rows of the account's audit log matching
// f, newest first, starting below f.BeforeID when it is set (keyset paging:
// pass the last row's id to read the next page). It does not count the
// matching rows, so a page costs the same however long the log is. With a
// time range the rows are read along the time index, newest first (by
// created_at, then id), so that a narrow range deep in a long log is not
// found by walking every newer row.
func (s *Store) AuditPage(ctx context.Context, accountID int64, f AuditFilter, limit int) ([]*AuditEvent, error) {
	where, args := f.where(accountID)
	order := ` ORDER BY id DESC`
	timed := !f.Since.IsZero() || !f.Until.IsZero()
	if timed {
		order = ` ORDER BY created_at DESC, id DESC`
	}
	if f.BeforeID > 0 {
		if timed {
			var at int64
			err := s.queryRow(ctx, `SELECT created_at FROM audit_events WHERE account_id = ? AND id = ?`, accountID, f.BeforeID).Scan(&at)
			if errors.Is(err, sql.ErrNoRows) {
				return []*AuditEvent{}, nil
			}
			if err != nil {
				return nil, fmt.Errorf("list audit events: %w", err)
			}
			where += ` AND (created_at < ? OR (created_at = ? AND id < ?))`
			args = append(args, at, at, f.BeforeID)
		} else {
			where += ` AND id < ?`
			args = append(args, f.BeforeID)
		}
	}
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	rows, err := s.query(ctx, `SELECT `+auditCols+` FROM audit_events`+where+order+` LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("list audit events: %w", err)
	}
	defer rows.Close()
	out := []*AuditEvent{}
	for rows.Next() {
		e, err := scanAuditEvent(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// AuditActor is one actor who appears in an account's audit log, with the
// name its latest row shows.
type AuditActor struct {
	Kind    string
	ID      int64
	Display string
}

// maxAuditActors bounds the list AuditActors returns.
const maxAuditActors = 500

// AuditActors returns the actors of the account's audit log (kind and
// id, at most 500), each with the display name of its latest row, by kind
// and id. Each actor costs two index lookups (a skip scan over the actor
// index), so the list is cheap however long the log is.
func (s *Store) AuditActors(ctx context.Context, accountID int64) ([]AuditActor, error) {
	var out []AuditActor
	kind, id := "", int64(-1)
	for len(out) < maxAuditActors {
		// The next id of the same kind, else the first of the next kind:
		// each an equality and one range on the index, so a seek.
		var a AuditActor
		err := s.queryRow(ctx, `SELECT actor_kind, actor_id FROM audit_events WHERE account_id = ? AND actor_kind = ? AND actor_id > ?
			ORDER BY actor_id LIMIT 1`, accountID, kind, id).Scan(&a.Kind, &a.ID)
		if errors.Is(err, sql.ErrNoRows) {
			err = s.queryRow(ctx, `SELECT actor_kind, actor_id FROM audit_events WHERE account_id = ? AND actor_kind > ?
				ORDER BY actor_kind, actor_id LIMIT 1`, accountID, kind).Scan(&a.Kind, &a.ID)
		}
		if errors.Is(err, sql.ErrNoRows) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("list audit actors: %w", err)
		}
		if err := s.queryRow(ctx, `SELECT actor_display FROM audit_events WHERE account_id = ? AND actor_kind = ? AND actor_id = ? ORDER BY id DESC LIMIT 1`,
			accountID, a.Kind, a.ID).Scan(&a.Display); err != nil {
			return nil, fmt.Errorf("list audit actors: %w", err)
		}
		out = append(out, a)
		kind, id = a.Kind, a.ID
	}
	return out, nil
}

// auditBatch is how many rows AuditEvents reads per query.
const auditBatch = 500

// AuditEvents yields every audit row matching f (its Page is ignored),
// oldest first, reading the log in batches so an export of any size runs in
// constant memory. Stop early by breaking out of the loop; an error ends
// the sequence with (nil, err).
func (s *Store) AuditEvents(ctx context.Context, accountID int64, f AuditFilter) iter.Seq2[*AuditEvent, error] {
	return func(yield func(*AuditEvent, error) bool) {
		where, args := f.where(accountID)
		var after int64
		for {
			rows, err := s.query(ctx, `SELECT `+auditCols+` FROM audit_events`+where+` AND id > ? ORDER BY id LIMIT ?`,
				append(append([]any{}, args...), after, auditBatch)...)
			if err != nil {
				yield(nil, fmt.Errorf("export audit events: %w", err))
				return
			}
			var batch []*AuditEvent
			for rows.Next() {
				e, err := scanAuditEvent(rows)
				if err != nil {
					rows.Close()
					yield(nil, err)
					return
				}
				batch = append(batch, e)
			}
			err = rows.Err()
			rows.Close()
			if err != nil {
				yield(nil, fmt.Errorf("export audit events: %w", err))
				return
			}
			for _, e := range batch {
				if !yield(e, nil) {
					return
				}
			}
			if len(batch) < auditBatch {
				return
			}
			after = batch[len(batch)-1].ID
		}
	}
}

// GetAuditEvent returns one row of the account's audit log, or ENOTFOUND.
func (s *Store) GetAuditEvent(ctx context.Context, accountID, id int64) (*AuditEvent, error) {
	e, err := scanAuditEvent(s.queryRow(ctx, `SELECT `+auditCols+` FROM audit_events WHERE account_id = ? AND id = ?`, accountID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, domain.NotFound("audit event")
	}
	if err != nil {
		return nil, fmt.Errorf("get audit event %d: %w", id, err)
	}
	return e, nil
}

// PrincipalActor returns the actor of an authenticated principal: an
// application (acting for its operator) for an OAuth token, the key for a
// personal API key, the operator for a console session. ip and userAgent
// say where the request came from.
func PrincipalActor(p *domain.Principal, ip, userAgent string) Actor {
	a := Actor{AccountID: p.AccountID, Kind: ActorOperator, ID: p.UserID, UserID: p.UserID, Display: p.Display, IP: ip, UserAgent: userAgent}
	switch {
	case p.ViaAPIKey:
		a.Kind, a.ID = ActorAPIKey, p.APIKeyID
	case p.AppID != 0:
		a.Kind, a.ID = ActorApp, p.AppID
	}
	return a
}
