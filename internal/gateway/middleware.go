package gateway

import (
	"context"
	"net"
	"net/http"
	"strconv"
	"strings"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/httpx"
	"github.com/lintel-dev/lintel/internal/store"
)

// Middleware guards /api/ paths; other paths pass through untouched. For
// each API request, in this order:
//
//  1. A subscription key in the Ocp-Apim-Subscription-Key header is
//     checked before any credential is looked at: a malformed, unknown or
//     revoked key gives 401 invalid_subscription_key. A valid one is
//     counted (in memory). With Config.RequireSubscription, a call
//     without the header gets 401 subscription_key_required here too.
//  2. The request is authenticated (API key in HTTP Basic, else bearer
//     token). Failures are not answered here: the result goes in the
//     context and the API's own 401 answers it.
//  3. An authenticated caller whose account requires subscription keys
//     and sent none gets 401 subscription_key_required; one whose key
//     belongs to another account gets 401 invalid_subscription_key.
//  4. The request is rate-limited per credential (or per client address
//     when unauthenticated) and per account: 429 rate_limited with
//     Retry-After. Every limited response carries RateLimit-Limit,
//     RateLimit-Remaining and RateLimit-Reset.
func (g *Gateway) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/api/") {
			next.ServeHTTP(w, r)
			return
		}
		ctx := r.Context()
		var sub *store.SubscriptionKey
		if vals := r.Header.Values(SubscriptionHeader); len(vals) > 0 {
			k, err := g.checkSubscriptionKey(ctx, vals[0])
			if err != nil {
				httpx.WriteError(w, r, g.log, err)
				return
			}
			sub = k
			g.usage.subscription(k.ID, g.now())
		} else if g.always {
			httpx.WriteError(w, r, g.log, errSubscriptionMissing())
			return
		}
		res := g.authenticate(r)
		if res.p != nil {
			if err := g.enforceSubscription(ctx, res.p, sub); err != nil {
				httpx.WriteError(w, r, g.log, err)
				return
			}
		}
		if !g.limits.Disabled && !g.allow(w, r, res) {
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(ctx, ctxKey{}, res)))
	})
}

// enforceSubscription applies an account's subscription requirement to an
// authenticated caller, given the key it presented (nil for none).
func (g *Gateway) enforceSubscription(ctx context.Context, p *domain.Principal, sub *store.SubscriptionKey) error {
	if sub != nil {
		if sub.AccountID != p.AccountID {
			return errSubscriptionOtherAccount()
		}
		return nil
	}
	required, err := g.required.get(ctx, g)
	if err != nil {
		return err
	}
	if required[p.AccountID] {
		return errSubscriptionMissing()
	}
	return nil
}

// authenticate resolves the credential of r. An api_key query parameter
// is refused (see docs/gateway.md); HTTP Basic carries a personal API
// key; anything else goes to the bearer authenticator.
func (g *Gateway) authenticate(r *http.Request) *authResult {
	if strings.Contains(r.URL.RawQuery, "api_key") && r.URL.Query().Has("api_key") {
		return &authResult{err: errAPIKeyInQuery(), limitKey: clientKey(r)}
	}
	if user, isBasic := basicUser(r); isBasic {
		p, k, err := g.authenticateAPIKey(r.Context(), user)
		if err != nil {
			return &authResult{err: err, limitKey: clientKey(r)}
		}
		g.usage.apiKey(k.ID, g.now())
		return &authResult{p: p, limitKey: "k:" + strconv.FormatInt(k.ID, 10)}
	}
	if g.bearer == nil {
		return &authResult{err: &domain.Error{Code: domain.EUNAUTHORIZED, Wire: "invalid_token", Message: "No credentials were sent"}, limitKey: clientKey(r)}
	}
	p, err := g.bearer(r)
	if err != nil || p == nil {
		return &authResult{err: err, limitKey: clientKey(r)}
	}
	return &authResult{p: p, limitKey: "t:" + strconv.FormatInt(p.TokenID, 10)}
}

// clientKey is the rate-limit bucket of an unauthenticated request: its
// remote address without the port.
func clientKey(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	return "ip:" + host
}

// allow spends one request from the caller's buckets, sets the RateLimit
// headers, and writes the 429 when a bucket is empty. It reports whether
// the request may go on.
func (g *Gateway) allow(w http.ResponseWriter, r *http.Request, res *authResult) bool {
	now := g.now()
	v := g.perCred.take(res.limitKey, now)
	which := "credential"
	if res.p != nil && v.ok {
		va := g.perAcct.take("a:"+strconv.FormatInt(res.p.AccountID, 10), now)
		if !va.ok || va.remaining < v.remaining {
			v, which = va, "account"
		}
	}
	h := w.Header()
	h.Set("RateLimit-Limit", strconv.Itoa(v.limit))
	h.Set("RateLimit-Remaining", strconv.Itoa(v.remaining))
	h.Set("RateLimit-Reset", strconv.Itoa(v.reset))
	if v.ok {
		return true
	}
	writeRateLimited(w, r, errRateLimited(v.retryAfter, which))
	return false
}

// rateLimitBody is the 429 body: the DoorFlow error members, plus the
// shape of DoorFlow's sync limit ("description", "retry_in") so a client
// that parses that one body understands every 429, and the retry_after
// spelling some clients read.
type rateLimitBody struct {
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
	Description      string `json:"description"`
	RetryIn          int    `json:"retry_in"`
	RetryAfter       int    `json:"retry_after"`
}

func writeRateLimited(w http.ResponseWriter, r *http.Request, e *domain.Error) {
	status, body := httpx.ErrorBodyFor(e)
	w.Header().Set("Retry-After", strconv.Itoa(e.RetryAfter))
	httpx.WriteJSON(w, status, rateLimitBody{Error: body.Error, ErrorDescription: body.Description, Description: body.Description, RetryIn: e.RetryAfter, RetryAfter: e.RetryAfter})
}
