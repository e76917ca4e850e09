package bench

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lintel-dev/lintel/internal/store/storetest"
)

// TestRunSmall runs every measure on a tiny data set: each row must have
// a rate, an anchor and no failed request, and skip_pagination must list
// every person.
func TestRunSmall(t *testing.T) {
	for _, db := range []struct{ name, url string }{{"sqlite", ""}, {"postgres", os.Getenv("LINTEL_TEST_POSTGRES_URL")}} {
		t.Run(db.name, func(t *testing.T) {
			if db.name == "postgres" && db.url == "" {
				t.Skip("LINTEL_TEST_POSTGRES_URL is not set")
			}
			rep, err := Run(context.Background(), Config{DatabaseURL: db.url, People: 120, Events: 300, Rounds: 1,
				Duration: 150 * time.Millisecond, ListC: 2, WriteC: 2, RefreshC: 2, Idle: 100 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Rows) != 10 { // 3 lists twice (cached, computed), 2 deep pages, writes, refresh
				t.Fatalf("%d rows, want 10: %+v", len(rep.Rows), rep.Rows)
			}
			for _, r := range rep.Rows {
				if r.Rate <= 0 || r.AnchorRate <= 0 || r.Ratio <= 0 || r.Errors != 0 {
					t.Errorf("%s: rate %.0f, anchor %.0f, ratio %.3f, %d errors (%s)", r.Name, r.Rate, r.AnchorRate, r.Ratio, r.Errors, r.Note)
				}
			}
			if s := rep.SkipPagination; s == nil || s.Status != 200 || s.Items == "" || s.Items == "0" {
				t.Errorf("skip_pagination: %+v", s)
			}
			if rep.IdleCPU == nil {
				t.Error("no idle CPU figure")
			}
		})
	}
}

// TestRefreshBesideAnchor measures the refresh grant beside an anchor
// server. The anchor here is a stand-in written for the test (the real
// one, tools/fosite-anchor, is a module of its own, outside this one): it
// rotates refresh tokens and refuses one used twice, so a load worker
// that did not move its chain on would fail.
func TestRefreshBesideAnchor(t *testing.T) {
	var (
		mu    sync.Mutex
		live  = map[string]bool{}
		calls atomic.Int64
	)
	anchor := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, secret, _ := r.BasicAuth()
		if r.URL.Path != "/oauth/token" || id != AnchorClient.ID || secret != AnchorClient.Secret {
			http.Error(w, `{"error":"invalid_client"}`, http.StatusUnauthorized)
			return
		}
		mu.Lock()
		defer mu.Unlock()
		switch r.PostFormValue("grant_type") {
		case "password":
			if r.PostFormValue("username") != AnchorClient.User || r.PostFormValue("password") != AnchorClient.Password {
				http.Error(w, `{"error":"invalid_grant"}`, http.StatusBadRequest)
				return
			}
		case "refresh_token":
			rt := r.PostFormValue("refresh_token")
			if !live[rt] {
				http.Error(w, `{"error":"invalid_grant"}`, http.StatusBadRequest)
				return
			}
			delete(live, rt)
			calls.Add(1)
		default:
			http.Error(w, `{"error":"unsupported_grant_type"}`, http.StatusBadRequest)
			return
		}
		rt := fmt.Sprint("rt-", len(live), "-", time.Now().UnixNano())
		live[rt] = true
		fmt.Fprintf(w, `{"access_token":"at","refresh_token":%q,"token_type":"bearer"}`, rt)
	}))
	defer anchor.Close()
	rep, err := Run(context.Background(), Config{People: 20, Events: 10, Rounds: 1, Duration: 150 * time.Millisecond,
		RefreshC: 2, Only: []string{"refresh"}, RefreshAnchor: anchor.URL + "/"})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Rows) != 1 {
		t.Fatalf("%d rows, want the refresh grant's: %+v", len(rep.Rows), rep.Rows)
	}
	r := rep.Rows[0]
	if r.Errors != 0 || r.Rate <= 0 || r.AnchorRate <= 0 || !strings.Contains(r.Anchor, "fosite") || calls.Load() == 0 {
		t.Fatalf("%+v (%d refreshes on the anchor)", r, calls.Load())
	}
	if want := r.Rate / r.AnchorRate; r.Ratio < want*0.999 || r.Ratio > want*1.001 {
		t.Fatalf("ratio %.3f, want rate/anchor %.3f", r.Ratio, want)
	}
}

// TestBareTableIsThePeopleTable: the bare insert's table has the people
// table's columns and indexes (a SQLite schema, both compared by their
// stored definitions), so the ratio measures what Lintel adds around the
// row.
func TestBareTableIsThePeopleTable(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t, storetest.Backends(t)[0])
	for _, q := range strings.Split(fmt.Sprintf(bareTable, "INTEGER PRIMARY KEY"), ";\n") {
		if _, err := st.DB().ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	// Each column (name, type, NOT NULL, key), then each index (UNIQUE or
	// not, and what follows the table's name: its columns).
	shape := func(table string) []string {
		t.Helper()
		rows, err := st.DB().QueryContext(ctx, `SELECT name || ' ' || type || ' ' || "notnull" || ' ' || pk FROM pragma_table_info(?1)
			UNION ALL SELECT * FROM (SELECT (sql LIKE 'CREATE UNIQUE%') || substr(sql, instr(sql, '(')) FROM sqlite_master
				WHERE type = 'index' AND tbl_name = ?1 AND sql IS NOT NULL ORDER BY 1)`, table)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err != nil {
				t.Fatal(err)
			}
			out = append(out, line)
		}
		return out
	}
	if people, bare := shape("people"), shape("bench_bare_people"); !slices.Equal(people, bare) {
		t.Errorf("the bare table differs from people:\npeople %q\nbare   %q", people, bare)
	}
}
