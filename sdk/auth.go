package lintel

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/sync/singleflight"
)

// AuthConfig describes an OAuth client of a Lintel (or DoorFlow) server.
type AuthConfig struct {
	// BaseURL is the server, as given to NewClient.
	BaseURL string
	// ClientID and ClientSecret identify the application. A public client
	// (registered with --public) has no secret and must use PKCE, which
	// AuthCodeURL always does.
	ClientID     string
	ClientSecret string
	// RedirectURL is the registered callback, matched exactly.
	RedirectURL string
	// Scopes are asked for when AuthCodeURL is given none.
	Scopes []string
	// Storage keeps the grant; a MemoryStorage when nil. Share a
	// FileStorage (or a database storage) between processes that use the
	// same grant.
	Storage TokenStorage
	// RefreshAhead is how long before expiry a token is refreshed
	// (default 5 minutes, as DoorFlow's SDKs do). Negative means only
	// when it has expired.
	RefreshAhead time.Duration
	// AuthorizeURL overrides where the browser is sent. The default is
	// BaseURL + "/oauth/authorize" (for DoorFlow, admin.doorflow.com).
	AuthorizeURL string
	// HTTPClient makes the token and revocation requests; a client with a
	// 30-second timeout when nil.
	HTTPClient *http.Client
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Rand is the source of state and PKCE verifiers; crypto/rand when nil.
	Rand io.Reader
}

// Auth holds one OAuth grant: it builds the authorization URL, exchanges
// the callback's code, keeps the tokens in a TokenStorage, refreshes them
// ahead of expiry and revokes them on Disconnect. It is safe for
// concurrent use; pass it to NewClient with WithAuth.
//
// Refresh tokens are single-use, so refreshes are collapsed: goroutines of
// one Auth that need a new token at the same time share one refresh
// (single-flight), and processes sharing a storage take turns through its
// Update lock, each reading the token the previous one stored before
// deciding to refresh. A refresh, once sent, is not cancelled by the
// caller's context (its answer is the only copy of the new refresh token).
type Auth struct {
	cfg          AuthConfig
	oauth        oauth2.Config
	revokeURL    string
	storage      TokenStorage
	refreshAhead time.Duration
	http         *http.Client
	now          func() time.Time
	rand         io.Reader
	flight       singleflight.Group

	mu  sync.Mutex
	cur *Token // the last token read or stored
}

// AuthRequest is a started authorization: send the user's browser to URL,
// and keep State and CodeVerifier (in the user's session, never in the
// page) until the callback.
type AuthRequest struct {
	URL          string
	State        string
	CodeVerifier string
}

// ErrStateMismatch means the callback's state is not the one the
// authorization was started with: the request did not come from this
// user's authorization (a CSRF attempt, or a stale tab).
var ErrStateMismatch = errors.New("lintel: the callback's state does not match the authorization request")

// NewAuth checks cfg and returns an Auth.
func NewAuth(cfg AuthConfig) (*Auth, error) {
	base, err := parseBaseURL(cfg.BaseURL)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(cfg.ClientID) == "" {
		return nil, errors.New("lintel: AuthConfig.ClientID is required")
	}
	a := &Auth{cfg: cfg, storage: cfg.Storage, refreshAhead: cfg.RefreshAhead, http: cfg.HTTPClient, now: cfg.Now, rand: cfg.Rand}
	if a.storage == nil {
		a.storage = &MemoryStorage{}
	}
	if a.refreshAhead == 0 {
		a.refreshAhead = 5 * time.Minute
	}
	if a.refreshAhead < 0 {
		a.refreshAhead = 0
	}
	if a.http == nil {
		a.http = &http.Client{Timeout: 30 * time.Second}
	}
	if a.now == nil {
		a.now = time.Now
	}
	if a.rand == nil {
		a.rand = rand.Reader
	}
	root := base.String()
	authURL := cfg.AuthorizeURL
	if authURL == "" {
		authURL = strings.Replace(root, "://api.doorflow.com", "://admin.doorflow.com", 1) + "/oauth/authorize"
	}
	a.oauth = oauth2.Config{ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, RedirectURL: cfg.RedirectURL,
		Scopes: cfg.Scopes, Endpoint: oauth2.Endpoint{AuthURL: authURL, TokenURL: root + "/oauth/token",
			AuthStyle: oauth2.AuthStyleInParams}}
	a.revokeURL = root + "/oauth/revoke"
	return a, nil
}

// Storage returns the storage the grant is kept in.
func (a *Auth) Storage() TokenStorage { return a.storage }

// AuthCodeURL starts an authorization: a URL with a fresh random state
// and a PKCE (S256) challenge, asking for scopes (or AuthConfig.Scopes).
func (a *Auth) AuthCodeURL(scopes ...string) (*AuthRequest, error) {
	state, err := a.random(16)
	if err != nil {
		return nil, err
	}
	vb := make([]byte, 32)
	if _, err := io.ReadFull(a.rand, vb); err != nil {
		return nil, fmt.Errorf("lintel: PKCE verifier: %w", err)
	}
	verifier := base64URL(vb)
	cfg := a.oauth
	if len(scopes) > 0 {
		cfg.Scopes = scopes
	}
	u := cfg.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier))
	return &AuthRequest{URL: u, State: state, CodeVerifier: verifier}, nil
}

// HandleCallback finishes an authorization with the callback's query: it
// checks that its state equals expectedState (ErrStateMismatch
// otherwise), turns an error the server redirected with into an *Error
// (StatusCode 0, Code such as "access_denied"), exchanges the code with
// the PKCE verifier and stores the tokens.
func (a *Auth) HandleCallback(ctx context.Context, query url.Values, expectedState, codeVerifier string) (*Token, error) {
	state := query.Get("state")
	if expectedState == "" || subtle.ConstantTimeCompare([]byte(state), []byte(expectedState)) != 1 {
		return nil, ErrStateMismatch
	}
	if code := query.Get("error"); code != "" {
		return nil, &Error{Method: "GET", Path: "/oauth/authorize", Code: code, Message: query.Get("error_description")}
	}
	code := query.Get("code")
	if code == "" {
		return nil, &Error{Method: "GET", Path: "/oauth/authorize", Code: "invalid_request", Message: "the callback carries no code"}
	}
	var opts []oauth2.AuthCodeOption
	if codeVerifier != "" {
		opts = append(opts, oauth2.VerifierOption(codeVerifier))
	}
	t, err := a.oauth.Exchange(a.httpContext(ctx), code, opts...)
	if err != nil {
		return nil, tokenError(err)
	}
	return a.store(ctx, a.fromOAuth(t))
}

// PasswordLogin gets tokens with the password grant, for applications
// registered with --password-grant: an operator's own account, no browser.
// username is "PIN/email" or the email.
func (a *Auth) PasswordLogin(ctx context.Context, username, password string, scopes ...string) (*Token, error) {
	cfg := a.oauth
	if len(scopes) > 0 {
		cfg.Scopes = scopes
	}
	t, err := cfg.PasswordCredentialsToken(a.httpContext(ctx), username, password)
	if err != nil {
		return nil, tokenError(err)
	}
	return a.store(ctx, a.fromOAuth(t))
}

// SetToken stores a token obtained elsewhere (for example by another
// program), replacing any other.
func (a *Auth) SetToken(ctx context.Context, t *Token) error {
	if t == nil || t.AccessToken == "" {
		return errors.New("lintel: SetToken: empty token")
	}
	_, err := a.store(ctx, t)
	return err
}

func (a *Auth) store(ctx context.Context, t *Token) (*Token, error) {
	saved, err := a.storage.Update(ctx, func(*Token) (*Token, error) { return t, nil })
	if err != nil {
		return nil, err
	}
	a.remember(saved)
	return saved, nil
}

// Connected reports whether a token is stored.
func (a *Auth) Connected(ctx context.Context) (bool, error) {
	t, err := a.storage.Load(ctx)
	if err != nil {
		return false, err
	}
	a.remember(t)
	return t != nil, nil
}

// Token returns a valid token, refreshing it first when it expires within
// RefreshAhead. ErrNotConnected means there is none; a refresh the server
// refuses (the grant was revoked) deletes the stored token and returns the
// *Error.
func (a *Auth) Token(ctx context.Context) (*Token, error) {
	t := a.cached()
	if t == nil {
		var err error
		if t, err = a.storage.Load(ctx); err != nil {
			return nil, err
		}
		a.remember(t)
	}
	if t != nil && !t.expiresWithin(a.now(), a.refreshAhead) {
		return t, nil
	}
	return a.refresh(ctx, "due", func(cur *Token) bool { return cur.expiresWithin(a.now(), a.refreshAhead) })
}

// Refresh refreshes the token now, whatever its expiry, and returns the
// new one. Concurrent calls share one refresh.
func (a *Auth) Refresh(ctx context.Context) (*Token, error) {
	return a.refresh(ctx, "forced", func(*Token) bool { return true })
}

// refresh runs one refresh per key at a time in this process; inside the
// storage's lock it refreshes only when need says the stored token (which
// another process may already have replaced) still needs it.
func (a *Auth) refresh(ctx context.Context, key string, need func(*Token) bool) (*Token, error) {
	ch := a.flight.DoChan(key, func() (any, error) {
		// Not the caller's context: a refresh cut off after the server
		// rotated the token would lose the only copy of the new one.
		wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Minute)
		defer cancel()
		refused := ""
		t, err := a.storage.Update(wctx, func(cur *Token) (*Token, error) {
			if cur == nil {
				return nil, ErrNotConnected
			}
			if !need(cur) {
				return cur, nil
			}
			if cur.RefreshToken == "" {
				return nil, fmt.Errorf("lintel: the token has expired and there is no refresh token")
			}
			next, err := a.refreshWith(wctx, cur.RefreshToken)
			if err != nil {
				var e *Error
				if errors.As(err, &e) && e.Code == "invalid_grant" {
					refused = cur.RefreshToken
				}
				return nil, err
			}
			return next, nil
		})
		if refused != "" {
			a.forget(wctx, refused)
		}
		if err != nil {
			return nil, err
		}
		a.remember(t)
		return t, nil
	})
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case r := <-ch:
		if r.Err != nil {
			return nil, r.Err
		}
		return r.Val.(*Token), nil
	}
}

// forget deletes a stored grant whose refresh token the server refused,
// unless another process replaced it meanwhile.
func (a *Auth) forget(ctx context.Context, deadRefreshToken string) {
	t, err := a.storage.Update(ctx, func(cur *Token) (*Token, error) {
		if cur != nil && cur.RefreshToken != deadRefreshToken {
			return cur, nil
		}
		return nil, nil
	})
	if err == nil {
		a.remember(t)
	}
}

// refreshWith redeems a refresh token.
func (a *Auth) refreshWith(ctx context.Context, refreshToken string) (*Token, error) {
	src := a.oauth.TokenSource(a.httpContext(ctx), &oauth2.Token{RefreshToken: refreshToken})
	t, err := src.Token()
	if err != nil {
		return nil, tokenError(err)
	}
	return a.fromOAuth(t), nil
}

// apply sends the current access token (credentials interface).
func (a *Auth) apply(ctx context.Context, req *http.Request) error {
	t, err := a.Token(ctx)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+t.AccessToken)
	return nil
}

// rejected is told the server refused the access token in sent (expired
// early, or revoked). It refreshes unless the storage already holds a
// different token, and reports whether a retry may succeed.
func (a *Auth) rejected(ctx context.Context, sent string) bool {
	used := strings.TrimPrefix(sent, "Bearer ")
	if used == "" {
		return false
	}
	t, err := a.refresh(ctx, "rejected "+used, func(cur *Token) bool { return cur.AccessToken == used })
	return err == nil && t.AccessToken != used
}

// Disconnect revokes the grant at the server (its refresh token, which
// ends every token of the grant) and deletes it from the storage. The
// token is deleted even when revocation fails; that error is returned.
func (a *Auth) Disconnect(ctx context.Context) error {
	var revokeErr error
	_, err := a.storage.Update(ctx, func(cur *Token) (*Token, error) {
		if cur == nil {
			return nil, nil
		}
		tok, hint := cur.RefreshToken, "refresh_token"
		if tok == "" {
			tok, hint = cur.AccessToken, "access_token"
		}
		revokeErr = a.revoke(ctx, tok, hint)
		return nil, nil
	})
	a.remember(nil)
	if err != nil {
		return err
	}
	return revokeErr
}

// Revoke revokes one access or refresh token (revokeToken, RFC 7009).
// Unknown tokens succeed, as the RFC asks.
func (a *Auth) Revoke(ctx context.Context, token string) error {
	return a.revoke(ctx, token, "")
}

func (a *Auth) revoke(ctx context.Context, token, hint string) error {
	form := url.Values{"token": {token}}
	if hint != "" {
		form.Set("token_type_hint", hint)
	}
	if a.cfg.ClientSecret == "" {
		form.Set("client_id", a.cfg.ClientID) // a public client names itself
	}
	req, err := http.NewRequestWithContext(ctx, "POST", a.revokeURL, strings.NewReader(form.Encode()))
	if err != nil {
		return fmt.Errorf("lintel: revoke: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	if a.cfg.ClientSecret != "" {
		// DoorFlow takes the client's credentials in HTTP Basic here.
		req.SetBasicAuth(url.QueryEscape(a.cfg.ClientID), url.QueryEscape(a.cfg.ClientSecret))
	}
	resp, err := a.http.Do(req)
	if err != nil {
		return fmt.Errorf("lintel: revoke: %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK {
		return newError("POST", "/oauth/revoke", &response{status: resp.StatusCode, header: resp.Header, body: body})
	}
	return nil
}

func (a *Auth) cached() *Token {
	a.mu.Lock()
	defer a.mu.Unlock()
	return cloneToken(a.cur)
}

func (a *Auth) remember(t *Token) {
	a.mu.Lock()
	a.cur = cloneToken(t)
	a.mu.Unlock()
}

// httpContext hands the Auth's HTTP client to golang.org/x/oauth2.
func (a *Auth) httpContext(ctx context.Context) context.Context {
	return context.WithValue(ctx, oauth2.HTTPClient, a.http)
}

// fromOAuth converts an oauth2 token, computing the expiry on the Auth's
// clock.
func (a *Auth) fromOAuth(t *oauth2.Token) *Token {
	out := &Token{AccessToken: t.AccessToken, RefreshToken: t.RefreshToken, TokenType: t.TokenType, Expiry: t.Expiry}
	if t.ExpiresIn > 0 {
		out.Expiry = a.now().Add(time.Duration(t.ExpiresIn) * time.Second).UTC().Truncate(time.Second)
	}
	if s, ok := t.Extra("scope").(string); ok {
		out.Scope = s
	}
	return out
}

// tokenError turns an oauth2 error into an *Error.
func tokenError(err error) error {
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) || re.Response == nil {
		return fmt.Errorf("lintel: token request: %w", err)
	}
	e := newError("POST", "/oauth/token", &response{status: re.Response.StatusCode, header: re.Response.Header, body: re.Body})
	if re.ErrorCode != "" {
		e.Code = re.ErrorCode
	}
	if re.ErrorDescription != "" {
		e.Message = re.ErrorDescription
	}
	return e
}

func (a *Auth) random(n int) (string, error) {
	b := make([]byte, n)
	if _, err := io.ReadFull(a.rand, b); err != nil {
		return "", fmt.Errorf("lintel: random state: %w", err)
	}
	return hex.EncodeToString(b), nil
}
