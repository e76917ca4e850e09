package oauth

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lintel-dev/lintel/internal/store"
	"github.com/lintel-dev/lintel/internal/store/storetest"
)

// A refresh token presented twice within the grace window gets the same
// new pair both times, and the grant lives on; the sealed pair kept for
// the window holds no token in plain text.
func TestRefreshGraceWindow(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		e := newEnvOn(t, st)
		first := e.tokens(e.live)
		rt0 := first.str("refresh_token")
		a := e.refresh(e.live, rt0)
		if a.status != 200 {
			t.Fatalf("refresh: %d %s", a.status, a.raw)
		}
		e.clock.Add(20 * time.Second)
		b := e.refresh(e.live, rt0)
		if b.status != 200 || b.raw != a.raw {
			t.Fatalf("second refresh within the window:\n%d %s\nwant %s", b.status, b.raw, a.raw)
		}
		if !e.alive(a.str("access_token")) {
			t.Fatal("the grant was revoked by a refresh within the grace window")
		}
		// Nothing of the new pair is stored readable.
		rows, err := st.DB().QueryContext(context.Background(), `SELECT successor FROM oauth_tokens WHERE successor IS NOT NULL`)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				t.Fatal(err)
			}
			n++
			if strings.Contains(s, a.str("access_token")) || strings.Contains(s, a.str("refresh_token")) {
				t.Fatal("a token is stored in plain text")
			}
		}
		rows.Close()
		if n != 1 {
			t.Fatalf("%d sealed successors, want 1", n)
		}
		// The returned refresh token is the live one.
		c := e.refresh(e.live, a.str("refresh_token"))
		if c.status != 200 {
			t.Fatalf("the returned refresh token does not work: %d %s", c.status, c.raw)
		}
		// After the window a replay revokes the family as before.
		e.clock.Add(11 * time.Second) // 31 s after the first use of rt0
		wantOAuthError(t, e.refresh(e.live, rt0), 400, "invalid_grant")
		if e.alive(c.str("access_token")) {
			t.Fatal("replay after the grace window did not revoke the family")
		}
		// Purge clears the sealed pairs whose window has passed.
		if err := e.srv.Purge(context.Background()); err != nil {
			t.Fatal(err)
		}
		var left int
		if err := st.DB().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM oauth_tokens WHERE successor IS NOT NULL`).Scan(&left); err != nil || left != 1 {
			t.Fatalf("after purge %d sealed successors (want only the newest), %v", left, err)
		}
	})
}

func TestRefreshGraceWindowOtherClient(t *testing.T) {
	e := newEnv(t)
	rt0 := e.tokens(e.live).str("refresh_token")
	a := e.refresh(e.live, rt0)
	if a.status != 200 {
		t.Fatalf("refresh: %s", a.raw)
	}
	wantOAuthError(t, e.refresh(e.other, rt0), 400, "invalid_grant")
	if e.alive(a.str("access_token")) {
		t.Fatal("another client's replay within the window did not revoke the family")
	}
}

// Concurrent refreshes with one refresh token (two workers sharing a
// token file) all get the same pair and the grant survives, on both
// databases.
func TestRefreshGraceConcurrent(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		e := newEnvOn(t, st)
		rt0 := e.tokens(e.live).str("refresh_token")
		const n = 6
		out := make([]resp, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() { out[i] = e.refresh(e.live, rt0) })
		}
		wg.Wait()
		for i, r := range out {
			if r.status != http.StatusOK {
				t.Fatalf("refresh %d: %d %s", i, r.status, r.raw)
			}
			if r.str("refresh_token") != out[0].str("refresh_token") || r.str("access_token") != out[0].str("access_token") {
				t.Fatalf("refresh %d got another pair", i)
			}
		}
		if !e.alive(out[0].str("access_token")) {
			t.Fatal("concurrent refreshes revoked the grant")
		}
	})
}
