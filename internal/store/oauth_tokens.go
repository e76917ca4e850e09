package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
)

// Token kinds.
const (
	TokenAccess  = "access"
	TokenRefresh = "refresh"
)

// OAuthFamily is every access and refresh token descended from one
// authorization (one code exchange or one password grant). Scopes is the
// ceiling the user approved; revoking the family kills all its tokens.
type OAuthFamily struct {
	ID           int64
	AppID        int64
	AccountID    int64
	UserID       int64
	Scopes       domain.ScopeSet
	RevokedAt    *time.Time
	RevokeReason string
	CreatedAt    time.Time
	LastUsedAt   time.Time
}

// OAuthToken is an access or refresh token. Only the digest is kept.
type OAuthToken struct {
	ID       int64
	FamilyID int64
	Kind     string // TokenAccess or TokenRefresh
	// Digest is what the token is found by: its SHA-256 digest, after
	// the time it was minted for the tokens that begin with it (see the
	// oauth package's tokenKey), so that new tokens sort last.
	Digest    string
	Scopes    domain.ScopeSet
	CreatedAt time.Time
	ExpiresAt *time.Time // nil: no absolute expiry (refresh tokens)
	UsedAt    *time.Time // refresh tokens: when rotated
	RevokedAt *time.Time
}

// OAuthTokenRecord is a token with what it takes to decide whether it is
// still good: its family, its application's client_id and state, and when
// the user last changed their password.
type OAuthTokenRecord struct {
	Token             OAuthToken
	Family            OAuthFamily
	AppUID            string
	AppState          string
	AppScopes         domain.ScopeSet // what the app may hold now
	AppAdmitApproved  bool            // whether the restricted admit scope is approved now
	AppName           string
	PasswordChangedAt time.Time
	UserEmail         string
	UserRole          domain.OperatorRole // the operator's role now
	UserDisabled      bool                // the operator is disabled
	// Versions are the family's account's list versions, read in the
	// same query by GetOAuthAccessRecord (see ListVersion).
	Versions domain.ListVersions
	// App is the family's application, whole, read in the same query by
	// GetOAuthRefreshRecord: the client of a refresh is authenticated
	// against it without reading it again.
	App *domain.OAuthApp
}

// CreateOAuthFamily inserts a token family and assigns its ID.
func (s *Store) CreateOAuthFamily(ctx context.Context, f *OAuthFamily) error {
	if f.LastUsedAt.IsZero() {
		f.LastUsedAt = f.CreatedAt
	}
	var id int64
	err := s.pqueryRow(ctx, `INSERT INTO oauth_families (app_id, account_id, user_id, scopes, created_at, last_used_at)
		VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
		f.AppID, f.AccountID, f.UserID, f.Scopes.String(), ms(f.CreatedAt), ms(f.LastUsedAt)).Scan(&id)
	if isForeignKeyViolation(err) {
		return domain.NotFound("application or user")
	}
	if err != nil {
		return fmt.Errorf("create oauth family: %w", err)
	}
	f.ID = id
	return nil
}

// TouchOAuthFamily records that the family's refresh token was used at the
// given time (the idle expiry counts from there).
func (s *Store) TouchOAuthFamily(ctx context.Context, id int64, at time.Time) error {
	if _, err := s.exec(ctx, `UPDATE oauth_families SET last_used_at = ? WHERE id = ?`, ms(at), id); err != nil {
		return fmt.Errorf("touch oauth family: %w", err)
	}
	return nil
}

// RevokeOAuthFamily revokes a family and every token in it, in one
// transaction. Revoking an already revoked or missing family is not an
// error.
func (s *Store) RevokeOAuthFamily(ctx context.Context, id int64, reason string, at time.Time) error {
	return s.InTx(ctx, func(tx *Store) error {
		if _, err := tx.exec(ctx, `UPDATE oauth_families SET revoked_at = ?, revoke_reason = ? WHERE id = ? AND revoked_at IS NULL`, ms(at), reason, id); err != nil {
			return fmt.Errorf("revoke oauth family %d: %w", id, err)
		}
		if _, err := tx.exec(ctx, `UPDATE oauth_tokens SET revoked_at = ? WHERE family_id = ? AND revoked_at IS NULL`, ms(at), id); err != nil {
			return fmt.Errorf("revoke oauth family %d tokens: %w", id, err)
		}
		return nil
	})
}

// FamilyFilter selects token families to revoke. Zero fields match
// anything, but at least one field must be set.
type FamilyFilter struct {
	AppID     int64
	UserID    int64
	AccountID int64
}

// RevokeOAuthFamilies revokes every live family matching the filter (for
// example all of an app's families when it is suspended or loses an
// approval, all of a user's when their password changes, or one app for
// one user when the user disconnects it) and returns how many it revoked.
// An empty filter gives EBADREQUEST.
func (s *Store) RevokeOAuthFamilies(ctx context.Context, f FamilyFilter, reason string, at time.Time) (int64, error) {
	var (
		conds []string
		args  []any
	)
	if f.AppID != 0 {
		conds, args = append(conds, "app_id = ?"), append(args, f.AppID)
	}
	if f.UserID != 0 {
		conds, args = append(conds, "user_id = ?"), append(args, f.UserID)
	}
	if f.AccountID != 0 {
		conds, args = append(conds, "account_id = ?"), append(args, f.AccountID)
	}
	if len(conds) == 0 {
		return 0, domain.Errorf(domain.EBADREQUEST, "refusing to revoke every token family")
	}
	where := strings.Join(conds, " AND ") + " AND revoked_at IS NULL"
	var n int64
	err := s.InTx(ctx, func(tx *Store) error {
		if _, err := tx.exec(ctx, `UPDATE oauth_tokens SET revoked_at = ? WHERE revoked_at IS NULL AND family_id IN (SELECT id FROM oauth_families WHERE `+where+`)`,
			append([]any{ms(at)}, args...)...); err != nil {
			return err
		}
		res, err := tx.exec(ctx, `UPDATE oauth_families SET revoked_at = ?, revoke_reason = ? WHERE `+where, append([]any{ms(at), reason}, args...)...)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("revoke oauth families: %w", err)
	}
	return n, nil
}

// CreateOAuthToken inserts a token and assigns its ID.
func (s *Store) CreateOAuthToken(ctx context.Context, t *OAuthToken) error {
	return s.CreateOAuthTokens(ctx, t)
}

// CreateOAuthTokens inserts tokens in one statement (an access and a
// refresh token are always minted together) and assigns their IDs.
func (s *Store) CreateOAuthTokens(ctx context.Context, toks ...*OAuthToken) error {
	if len(toks) == 0 {
		return nil
	}
	var b strings.Builder
	b.WriteString(`INSERT INTO oauth_tokens (family_id, kind, digest, scopes, created_at, expires_at) VALUES `)
	args := tokenValues(&b, nil, toks, "")
	b.WriteString(" RETURNING id, digest")
	n, err := s.insertTokens(ctx, b.String(), args, toks)
	if err == nil && n != len(toks) {
		err = fmt.Errorf("create oauth tokens: %d of %d ids returned", n, len(toks))
	}
	return err
}

// tokenValues writes toks as the rows of a VALUES list to b, each column
// but the text ones cast to bigint (cast is "::bigint" where PostgreSQL
// cannot tell a parameter's type from its place), and returns args with
// their values appended.
func tokenValues(b *strings.Builder, args []any, toks []*OAuthToken, cast string) []any {
	for i, t := range toks {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(?" + cast + ", ?, ?, ?, ?" + cast + ", ?" + cast + ")")
		args = append(args, t.FamilyID, t.Kind, t.Digest, t.Scopes.String(), ms(t.CreatedAt), msPtr(t.ExpiresAt))
	}
	return args
}

// insertTokens runs an insert of toks that returns each new row's id and
// digest, assigns the ids, and returns how many rows it inserted.
func (s *Store) insertTokens(ctx context.Context, query string, args []any, toks []*OAuthToken) (int, error) {
	rows, done, err := s.pquery(ctx, query, args...)
	if isUniqueViolation(err) {
		return 0, domain.Errorf(domain.ECONFLICT, "token collision")
	}
	if err != nil {
		return 0, fmt.Errorf("create oauth tokens: %w", err)
	}
	defer done()
	n := 0
	for rows.Next() {
		var (
			id int64
			d  string
		)
		if err := rows.Scan(&id, &d); err != nil {
			return 0, fmt.Errorf("create oauth tokens: %w", err)
		}
		for _, t := range toks {
			if t.Digest == d {
				t.ID = id
			}
		}
		n++
	}
	if err := rows.Err(); err != nil {
		if isUniqueViolation(err) {
			return 0, domain.Errorf(domain.ECONFLICT, "token collision")
		}
		return 0, fmt.Errorf("create oauth tokens: %w", err)
	}
	return n, nil
}

// GetOAuthTokenRecord finds a token by digest with its family, app and
// user state in one indexed query. A missing token gives ENOTFOUND; the
// caller decides whether the token is still good.
func (s *Store) GetOAuthTokenRecord(ctx context.Context, digest string) (*OAuthTokenRecord, error) {
	return s.getOAuthTokenRecord(ctx, digest, recordPlain)
}

// GetOAuthAccessRecord is GetOAuthTokenRecord that also reads the
// account's list versions (Versions) in the same query, for
// authenticating an API request.
func (s *Store) GetOAuthAccessRecord(ctx context.Context, digest string) (*OAuthTokenRecord, error) {
	return s.getOAuthTokenRecord(ctx, digest, recordVersions)
}

// GetOAuthRefreshRecord is GetOAuthTokenRecord that also reads the whole
// application (App) in the same query, for a refresh grant: the client
// is authenticated against it, so a refresh reads the database once
// before it writes.
func (s *Store) GetOAuthRefreshRecord(ctx context.Context, digest string) (*OAuthTokenRecord, error) {
	return s.getOAuthTokenRecord(ctx, digest, recordApp)
}

// What a token record is read with, beyond the token, family, app state
// and user: nothing, the account's list versions, or the whole app.
const (
	recordPlain = iota
	recordVersions
	recordApp
)

const oauthTokenRecordCols = `t.id, t.family_id, t.kind, t.digest, t.scopes, t.created_at, t.expires_at, t.used_at, t.revoked_at,
	f.app_id, f.account_id, f.user_id, f.scopes, f.revoked_at, f.revoke_reason, f.created_at, f.last_used_at,
	a.uid, a.state, a.scopes, a.admit_approved, a.name, u.password_changed_at, u.email, u.role, u.disabled_at`

const oauthTokenRecordJoins = ` FROM oauth_tokens t
	JOIN oauth_families f ON f.id = t.family_id
	JOIN oauth_apps a ON a.id = f.app_id
	JOIN users u ON u.id = f.user_id`

const oauthTokenRecordWhere = ` WHERE t.digest = ?`

var (
	oauthTokenRecordQuery   = `SELECT ` + oauthTokenRecordCols + oauthTokenRecordJoins + oauthTokenRecordWhere
	oauthAccessRecordQuery  = map[Dialect]string{SQLite: oauthAccessRecord(SQLite), Postgres: oauthAccessRecord(Postgres)}
	oauthRefreshRecordQuery = `SELECT ` + oauthTokenRecordCols + `,
		a.account_id, a.secret_digest, a.redirect_uris, a.password_grant, a.require_pkce, a.require_state, a.created_at, a.updated_at` +
		oauthTokenRecordJoins + oauthTokenRecordWhere
)

// oauthAccessRecord is the token record's query with the account's list
// versions.
func oauthAccessRecord(d Dialect) string {
	cols, join := versionRead(d, "f.account_id")
	return `SELECT ` + oauthTokenRecordCols + `, ` + cols + oauthTokenRecordJoins + join + oauthTokenRecordWhere
}

func (s *Store) getOAuthTokenRecord(ctx context.Context, digest string, with int) (*OAuthTokenRecord, error) {
	var (
		r                                     OAuthTokenRecord
		tScopes, fScopes, aScopes             string
		tCreated, fCreated, fUsed, pwdChanged int64
		tExpires, tUsed, tRevoked, fRevoked   sql.NullInt64
		reason                                sql.NullString
		disabled                              sql.NullInt64
		app                                   domain.OAuthApp
		redirects                             string
		aCreated, aUpdated                    int64
	)
	q := oauthTokenRecordQuery
	dest := []any{&r.Token.ID, &r.Token.FamilyID, &r.Token.Kind, &r.Token.Digest, &tScopes, &tCreated, &tExpires, &tUsed, &tRevoked,
		&r.Family.AppID, &r.Family.AccountID, &r.Family.UserID, &fScopes, &fRevoked, &reason, &fCreated, &fUsed,
		&r.AppUID, &r.AppState, &aScopes, &r.AppAdmitApproved, &r.AppName, &pwdChanged, &r.UserEmail, &r.UserRole, &disabled}
	switch with {
	case recordVersions:
		q = oauthAccessRecordQuery[s.dialect]
		dest = append(dest, &r.Versions.People, &r.Versions.Events, &r.Versions.Settings)
	case recordApp:
		q = oauthRefreshRecordQuery
		dest = append(dest, &app.AccountID, &app.SecretDigest, &redirects, &app.PasswordGrant, &app.RequirePKCE, &app.RequireState, &aCreated, &aUpdated)
	}
	err := s.pqueryRow(ctx, q, digest).Scan(dest...)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, domain.NotFound("token")
	}
	if err != nil {
		return nil, fmt.Errorf("get oauth token: %w", err)
	}
	r.Family.ID = r.Token.FamilyID
	r.Token.Scopes, r.Family.Scopes = domain.ParseScopes(tScopes), domain.ParseScopes(fScopes)
	r.AppScopes = domain.ParseScopes(aScopes)
	r.Token.CreatedAt, r.Token.ExpiresAt = fromMS(tCreated), timePtr(tExpires)
	r.Token.UsedAt, r.Token.RevokedAt = timePtr(tUsed), timePtr(tRevoked)
	r.Family.RevokedAt, r.Family.RevokeReason = timePtr(fRevoked), reason.String
	r.Family.CreatedAt, r.Family.LastUsedAt = fromMS(fCreated), fromMS(fUsed)
	r.PasswordChangedAt = fromMS(pwdChanged)
	r.UserDisabled = disabled.Valid
	if with == recordApp {
		if err := json.Unmarshal([]byte(redirects), &app.RedirectURIs); err != nil {
			return nil, fmt.Errorf("oauth app %d: redirect_uris: %w", r.Family.AppID, err)
		}
		app.ID, app.UID, app.Name, app.State = r.Family.AppID, r.AppUID, r.AppName, r.AppState
		app.Scopes, app.AdmitApproved = r.AppScopes, r.AppAdmitApproved
		app.CreatedAt, app.UpdatedAt = fromMS(aCreated), fromMS(aUpdated)
		r.App = &app
	}
	return &r, nil
}

// SpendOAuthRefreshToken marks a refresh token as rotated and keeps with
// it the sealed pair it was rotated into (successor; "" keeps none; see
// oauth's refresh grace window), on the condition that nothing a rotation
// is decided on has changed: the token is unused and not revoked, its
// family is not revoked, and its user is enabled, still has the role
// given and has not changed their password since the family began. It
// reports false otherwise (a concurrent rotation spent the token, or the
// family or the user changed): the caller reads the token again and
// decides afresh. So a rotation may be decided from a read made before
// its transaction.
func (s *Store) SpendOAuthRefreshToken(ctx context.Context, id int64, role domain.OperatorRole, successor string, at time.Time) (bool, error) {
	res, err := s.pexec(ctx, spendRefresh, spendArgs(id, role, successor, at)...)
	if err != nil {
		return false, fmt.Errorf("spend refresh token: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// spendRefresh is SpendOAuthRefreshToken's statement; spendArgs are its
// arguments.
const spendRefresh = `UPDATE oauth_tokens SET used_at = ?, successor = ?
	WHERE id = ? AND kind = 'refresh' AND used_at IS NULL AND revoked_at IS NULL
	AND EXISTS (SELECT 1 FROM oauth_families f JOIN users u ON u.id = f.user_id
		WHERE f.id = oauth_tokens.family_id AND f.revoked_at IS NULL
		AND u.disabled_at IS NULL AND u.role = ? AND u.password_changed_at <= f.created_at)`

func spendArgs(id int64, role domain.OperatorRole, successor string, at time.Time) []any {
	return []any{ms(at), sql.NullString{String: successor, Valid: successor != ""}, id, string(role)}
}

// RotateOAuthRefreshToken spends a refresh token on the conditions of
// SpendOAuthRefreshToken and, if it was spent, inserts the pair it is
// rotated into (assigning their IDs): both or neither. On PostgreSQL
// that is one statement, which outside a transaction commits on its own,
// so a rotation costs one round trip; on SQLite one write transaction.
// It reports false, having inserted nothing, when the token could not be
// spent.
func (s *Store) RotateOAuthRefreshToken(ctx context.Context, id int64, role domain.OperatorRole, successor string, at time.Time, access, refresh *OAuthToken) (bool, error) {
	toks := []*OAuthToken{access, refresh}
	if s.dialect != Postgres {
		spent := false
		err := s.InTx(ctx, func(tx *Store) error {
			var err error
			if spent, err = tx.SpendOAuthRefreshToken(ctx, id, role, successor, at); err != nil || !spent {
				return err
			}
			return tx.CreateOAuthTokens(ctx, toks...)
		})
		return spent && err == nil, err
	}
	var b strings.Builder
	b.WriteString("WITH spent AS (" + spendRefresh + ` RETURNING 1)
	INSERT INTO oauth_tokens (family_id, kind, digest, scopes, created_at, expires_at)
	SELECT * FROM (VALUES `)
	args := tokenValues(&b, spendArgs(id, role, successor, at), toks, "::bigint")
	b.WriteString(") AS v WHERE EXISTS (SELECT 1 FROM spent) RETURNING id, digest")
	n, err := s.insertTokens(ctx, b.String(), args, toks)
	switch {
	case err != nil:
		return false, fmt.Errorf("rotate refresh token: %w", err)
	case n == 0:
		return false, nil
	case n != len(toks):
		return false, fmt.Errorf("rotate refresh token: %d of %d ids returned", n, len(toks))
	}
	return true, nil
}

// RevokeOAuthToken revokes one token. Revoking an already revoked or
// missing token is not an error.
func (s *Store) RevokeOAuthToken(ctx context.Context, id int64, at time.Time) error {
	if _, err := s.exec(ctx, `UPDATE oauth_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`, ms(at), id); err != nil {
		return fmt.Errorf("revoke oauth token %d: %w", id, err)
	}
	return nil
}

// DeleteExpiredOAuthAccessTokens removes access tokens that expired before
// the given time and returns how many it removed. Refresh tokens are kept
// while their family lives: a replayed old one must still be recognised.
func (s *Store) DeleteExpiredOAuthAccessTokens(ctx context.Context, before time.Time) (int64, error) {
	res, err := s.exec(ctx, `DELETE FROM oauth_tokens WHERE kind = 'access' AND expires_at < ?`, ms(before))
	if err != nil {
		return 0, fmt.Errorf("delete expired access tokens: %w", err)
	}
	return res.RowsAffected()
}

// GetOAuthRefreshSuccessor returns the sealed successor of a refresh token
// ("" when it has none).
func (s *Store) GetOAuthRefreshSuccessor(ctx context.Context, id int64) (string, error) {
	var sealed sql.NullString
	err := s.pqueryRow(ctx, `SELECT successor FROM oauth_tokens WHERE id = ?`, id).Scan(&sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return "", domain.NotFound("token")
	}
	if err != nil {
		return "", fmt.Errorf("get refresh successor: %w", err)
	}
	return sealed.String, nil
}

// ClearOAuthRefreshSuccessors forgets the successors of refresh tokens
// rotated before the given time (their grace window has passed) and
// returns how many it cleared.
func (s *Store) ClearOAuthRefreshSuccessors(ctx context.Context, usedBefore time.Time) (int64, error) {
	res, err := s.exec(ctx, `UPDATE oauth_tokens SET successor = NULL WHERE successor IS NOT NULL AND used_at < ?`, ms(usedBefore))
	if err != nil {
		return 0, fmt.Errorf("clear refresh successors: %w", err)
	}
	return res.RowsAffected()
}
