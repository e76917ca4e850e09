package oauth

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/password"
	"github.com/lintel-dev/lintel/internal/store/storetest"
)

// benchServer builds a server on SQLite with one account, user and app
// that has the password grant, and returns a first token response.
func benchServer(b *testing.B) (*Server, http.Handler, client, resp) {
	b.Helper()
	password.UseCheap()
	st := storetest.Open(b, storetest.Backends(b)[0])
	ctx := b.Context()
	acct := &domain.Account{Name: "Bench", TimeZone: "UTC", EnterprisePIN: "1"}
	if err := st.CreateAccount(ctx, acct); err != nil {
		b.Fatal(err)
	}
	h, _ := password.Hash(goodPass)
	if err := st.CreateUser(ctx, &domain.User{AccountID: acct.ID, Email: "b@b.test", PasswordHash: h}); err != nil {
		b.Fatal(err)
	}
	app, secret, err := CreateApp(ctx, st, NewApp{AccountID: acct.ID, Name: "bench", RedirectURIs: []string{redirect}, Scopes: allScopes, PasswordGrant: true, State: "live"})
	if err != nil {
		b.Fatal(err)
	}
	srv, err := New(Config{Store: st, Issuer: "http://127.0.0.1:8080", Now: func() time.Time { return time.Now().Add(time.Second) }})
	if err != nil {
		b.Fatal(err)
	}
	mux := http.NewServeMux()
	srv.Register(mux)
	c := client{app, secret}
	first := serveForm(b, mux, url.Values{"grant_type": {"password"}, "username": {"1/b@b.test"}, "password": {goodPass}, "client_id": {c.id()}, "client_secret": {c.secret}})
	return srv, mux, c, first
}

func serveForm(b *testing.B, h http.Handler, form url.Values) resp {
	req := httptest.NewRequest("POST", "/oauth/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	r := resp{status: rec.Code, raw: rec.Body.String()}
	if rec.Code != 200 {
		b.Fatalf("token request: %d %s", rec.Code, rec.Body)
	}
	r.body = map[string]any{}
	// Cheap extraction: the bench must not be dominated by JSON decoding.
	for _, k := range []string{"access_token", "refresh_token"} {
		i := strings.Index(r.raw, `"`+k+`":"`)
		if i < 0 {
			b.Fatalf("no %s in %s", k, r.raw)
		}
		v := r.raw[i+len(k)+4:]
		r.body[k] = v[:strings.IndexByte(v, '"')]
	}
	return r
}

// BenchmarkTokenRefresh rotates a refresh token through the HTTP handler
// on SQLite: client authentication, reuse check, rotation and issuance of
// a new token pair, all in one transaction.
func BenchmarkTokenRefresh(b *testing.B) {
	_, mux, c, first := benchServer(b)
	rt := first.str("refresh_token")
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r := serveForm(b, mux, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}, "client_id": {c.id()}, "client_secret": {c.secret}})
		rt = r.str("refresh_token")
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tokens/s")
}

// BenchmarkAuthenticate resolves a bearer token to a Principal on SQLite.
func BenchmarkAuthenticate(b *testing.B) {
	srv, _, _, first := benchServer(b)
	req := httptest.NewRequest("GET", "/api/3/account", nil)
	req.Header.Set("Authorization", "Bearer "+first.str("access_token"))
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := srv.Authenticate(req); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "auths/s")
}
