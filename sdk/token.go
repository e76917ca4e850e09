package lintel

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"
)

// Token is an OAuth grant as the SDK stores it: the access token, the
// refresh token that replaces it, and when the access token expires.
type Token struct {
	AccessToken  string    `json:"access_token"`
	RefreshToken string    `json:"refresh_token,omitempty"`
	TokenType    string    `json:"token_type,omitempty"`
	Expiry       time.Time `json:"expiry,omitzero"` // zero: never expires
	Scope        string    `json:"scope,omitempty"` // space-separated
}

// Scopes returns the granted scopes.
func (t *Token) Scopes() []string { return strings.Fields(t.Scope) }

// expiresWithin reports whether the access token expires within d of now
// (or has no access token at all).
func (t *Token) expiresWithin(now time.Time, d time.Duration) bool {
	if t.AccessToken == "" {
		return true
	}
	return !t.Expiry.IsZero() && !now.Add(d).Before(t.Expiry)
}

// TokenStorage keeps one grant where every process that shares it can
// read it. Refresh tokens are single-use: when one process refreshes, the
// others must see the new pair instead of refreshing again (which the
// server treats as theft and answers by revoking the grant). Update is how
// a storage makes that safe.
//
// FileStorage and MemoryStorage are provided; docs/sdk.md shows one on a
// SQL database.
type TokenStorage interface {
	// Load returns the stored token, or nil and no error when none is
	// stored.
	Load(ctx context.Context) (*Token, error)
	// Update calls fn with the stored token (nil when none) while holding
	// a lock that excludes every other Update of the same storage, in
	// this process and in any other, and then stores what fn returned:
	// a token to keep, or nil to delete the stored one. When fn returns
	// the token it was given, nothing needs writing. When fn fails,
	// nothing changes and its error is returned. Update returns what is
	// stored afterwards.
	Update(ctx context.Context, fn func(current *Token) (*Token, error)) (*Token, error)
}

// ErrNotConnected is returned when the storage holds no token: nobody has
// connected yet, or the connection was ended.
var ErrNotConnected = errors.New("lintel: not connected (no token stored)")

// MemoryStorage keeps a token in memory, for one process. The zero value
// is ready to use.
type MemoryStorage struct {
	mu  sync.Mutex
	tok *Token
}

// Load returns a copy of the stored token.
func (m *MemoryStorage) Load(context.Context) (*Token, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return cloneToken(m.tok), nil
}

// Update runs fn under the storage's mutex.
func (m *MemoryStorage) Update(_ context.Context, fn func(*Token) (*Token, error)) (*Token, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	cur := cloneToken(m.tok)
	next, err := fn(cur)
	if err != nil {
		return nil, err
	}
	m.tok = cloneToken(next)
	return cloneToken(next), nil
}

func cloneToken(t *Token) *Token {
	if t == nil {
		return nil
	}
	c := *t
	return &c
}
