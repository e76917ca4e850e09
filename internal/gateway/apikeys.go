package gateway

import (
	"context"
	"encoding/base64"
	"net/http"
	"strings"

	"github.com/lintel-dev/lintel/internal/authz"
	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/store"
)

// NewAPIKey is what CreateAPIKey needs.
type NewAPIKey struct {
	AccountID int64
	UserID    int64
	Name      string
	Scopes    domain.ScopeSet
}

// CreateAPIKey mints a personal API key for an operator and stores its
// digest. The key itself is returned once and cannot be read back.
// Errors: EINVALID for an empty name, no scopes or unknown scopes;
// ENOTFOUND when the user does not exist on the account.
func CreateAPIKey(ctx context.Context, st *store.Store, in NewAPIKey, now domain.Clock) (*store.APIKey, string, error) {
	var v domain.Validation
	name := strings.TrimSpace(in.Name)
	if name == "" {
		v.Add("name", "is required")
	} else if len(name) > 100 {
		v.Add("name", "must be at most 100 characters")
	}
	if len(in.Scopes) == 0 {
		v.Add("scopes", "name at least one scope")
	} else if unknown := in.Scopes.Unknown(); len(unknown) > 0 {
		v.Add("scopes", "unknown scope(s) "+strings.Join(unknown, ", "))
	}
	if err := v.Err(); err != nil {
		return nil, "", err
	}
	if now == nil {
		now = timeNow
	}
	key := newAPIKey()
	k := &store.APIKey{AccountID: in.AccountID, UserID: in.UserID, Name: name, Prefix: key[:len(APIKeyPrefix)+displayLen],
		Digest: Digest(key), Scopes: in.Scopes, CreatedAt: now().UTC()}
	if err := st.CreateAPIKey(ctx, k); err != nil {
		return nil, "", err
	}
	return k, key, nil
}

// basicUser returns the user name of an "Authorization: Basic" header
// (standard or URL-safe base64, padded or not) and whether the header
// used the Basic scheme at all. The password is ignored: API keys are
// sent as "<key>:x".
func basicUser(r *http.Request) (user string, isBasic bool) {
	h := r.Header.Get("Authorization")
	scheme, cred, _ := strings.Cut(h, " ")
	if !strings.EqualFold(scheme, "Basic") {
		return "", false
	}
	cred = strings.TrimSpace(cred)
	var raw []byte
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(cred); err == nil {
			raw = b
			break
		}
	}
	if raw == nil {
		return "", true
	}
	user, _, _ = strings.Cut(string(raw), ":")
	return user, true
}

// authenticateAPIKey resolves a personal API key to a principal with the
// key's scopes, bounded by its operator's role now (authz.Limit), the
// account's list versions read with the key, and ViaAPIKey set. Unknown, malformed and revoked keys, and keys of a
// disabled operator, give
// a 401 *domain.Error; database failures a plain error.
func (g *Gateway) authenticateAPIKey(ctx context.Context, key string) (*domain.Principal, *store.APIKey, error) {
	if !plausibleAPIKey(key) {
		return nil, nil, errAPIKeyInvalid()
	}
	k, err := g.store.GetAPIKeyByDigest(ctx, Digest(key))
	if domain.ErrorCode(err) == domain.ENOTFOUND {
		return nil, nil, errAPIKeyInvalid()
	}
	if err != nil {
		return nil, nil, err
	}
	if k.RevokedAt != nil || k.UserDisabled {
		return nil, nil, errAPIKeyInvalid()
	}
	return &domain.Principal{
		AccountID: k.AccountID,
		UserID:    k.UserID,
		Scopes:    authz.Limit(k.UserRole, k.Scopes),
		Role:      k.UserRole,
		CreatedAt: k.CreatedAt,
		ViaAPIKey: true,
		APIKeyID:  k.ID,
		Display:   k.Name + " (" + k.UserEmail + ")",
		Versions:  &k.Versions,
	}, k, nil
}
