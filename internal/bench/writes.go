package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/lintel-dev/lintel/internal/store"
)

// bareTable has the people table's columns and indexes, and nothing of
// Lintel's around it (TestBareTableIsThePeopleTable keeps it so).
const bareTable = `CREATE TABLE bench_bare_people (
    id              %s,
    account_id      BIGINT NOT NULL,
    first_name      TEXT NOT NULL,
    last_name       TEXT NOT NULL,
    salutation      TEXT, job_title TEXT, department TEXT, telephone TEXT, notes TEXT, barcode TEXT,
    email           TEXT,
    email_lower     TEXT,
    mobile          TEXT,
    organisation_id BIGINT,
    system_id       TEXT,
    enabled         BOOLEAN NOT NULL DEFAULT TRUE,
    valid_from      BIGINT, valid_to BIGINT, image_url TEXT,
    custom_1 TEXT, custom_2 TEXT, custom_3 TEXT, custom_4 TEXT, custom_5 TEXT,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX bench_bare_people_account_id ON bench_bare_people (account_id, id);
CREATE UNIQUE INDEX bench_bare_people_email ON bench_bare_people (account_id, email_lower);
CREATE INDEX bench_bare_people_system_id ON bench_bare_people (account_id, system_id);
CREATE INDEX bench_bare_people_updated ON bench_bare_people (account_id, updated_at);
CREATE INDEX bench_bare_people_first_lower ON bench_bare_people (account_id, lower(first_name));
CREATE INDEX bench_bare_people_last_lower ON bench_bare_people (account_id, lower(last_name))`

// writes measures POST /api/3/people beside a bare INSERT of the same row
// with the same driver and settings, one row per transaction.
func (b *bencher) writes(ctx context.Context, tmp, dsn string) error {
	name := "POST /api/3/people"
	fmt.Fprintf(b.cfg.Progress, "%s, c=%d\n", name, b.cfg.WriteC)
	bareDSN := dsn
	if b.rep.Database == "sqlite" {
		bareDSN = tempPath(tmp)
	}
	bare, err := store.Open(ctx, bareDSN)
	if err != nil {
		return err
	}
	defer bare.Close()
	idType, ph := "INTEGER PRIMARY KEY", func(i int) string { return "?" }
	if bare.Dialect() == store.Postgres {
		idType, ph = "BIGSERIAL PRIMARY KEY", func(i int) string { return fmt.Sprintf("$%d", i) }
	}
	db := bare.DB()
	for _, q := range strings.Split(fmt.Sprintf(bareTable, idType), ";\n") {
		if _, err := db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("create the bare table: %w", err)
		}
	}
	marks := make([]string, 25)
	for i := range marks {
		marks[i] = ph(i + 1)
	}
	insert := `INSERT INTO bench_bare_people (account_id, first_name, last_name, salutation, job_title, department,
		telephone, notes, barcode, email, email_lower, mobile, organisation_id, system_id, enabled, valid_from, valid_to,
		image_url, custom_1, custom_2, custom_3, custom_4, custom_5, created_at, updated_at) VALUES (` + strings.Join(marks, ", ") + `)`
	var seq atomic.Int64
	run := time.Now().UnixNano()
	lintel := func(ctx context.Context, _ int) error {
		k := seq.Add(1)
		body, _ := json.Marshal(map[string]any{"first_name": "Bench", "last_name": fmt.Sprint("Writer ", k),
			"email": fmt.Sprintf("bench-%d-%d@example.com", run, k), "enabled": true})
		req, err := http.NewRequestWithContext(ctx, "POST", b.base+"/api/3/people", bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+b.token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := b.client.Do(req)
		if err != nil {
			return err
		}
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil {
			return err
		}
		if resp.StatusCode != http.StatusCreated {
			return fmt.Errorf("POST /api/3/people: %d", resp.StatusCode)
		}
		return nil
	}
	bareInsert := func(ctx context.Context, _ int) error {
		k := seq.Add(1)
		email := fmt.Sprintf("bench-%d-%d@example.com", run, k)
		now := time.Now().UnixMilli()
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, insert, b.account, "Bench", fmt.Sprint("Writer ", k), nil, nil, nil, nil, nil, nil,
			email, email, nil, nil, nil, true, nil, nil, nil, nil, nil, nil, nil, nil, now, now)
		if err != nil {
			_ = tx.Rollback()
			return err
		}
		return tx.Commit()
	}
	s, err := b.rounds(ctx, name, b.cfg.WriteC, lintel, bareInsert)
	if err != nil {
		return err
	}
	b.rep.Rows = append(b.rep.Rows, Row{Name: name + " (" + b.rep.Database + ")", Concurrency: b.cfg.WriteC, Rate: s[0].rate, CPUms: s[0].cpuMS,
		Anchor: "bare INSERT, same driver, one row per transaction", AnchorRate: s[1].rate, Ratio: ratio(s[0].rate, s[1].rate),
		Errors: s[0].errs + s[1].errs, Note: errNote(s...)})
	return nil
}

// refresh measures the refresh grant over HTTP: each worker holds its own
// token chain, trading its refresh token for the next. With a refresh
// anchor the anchor's grant is measured in alternate rounds, its workers
// holding chains of their own; otherwise the rate is held against the
// target of 2,500/s.
func (b *bencher) refresh(ctx context.Context) error {
	name := "POST /oauth/token grant_type=refresh_token"
	fmt.Fprintf(b.cfg.Progress, "%s, c=%d\n", name, b.cfg.RefreshC)
	measures := []func(context.Context, int) error{}
	for _, c := range b.refreshClients() {
		grant, err := b.refreshChains(ctx, c)
		if err != nil {
			return err
		}
		measures = append(measures, grant)
	}
	s, err := b.rounds(ctx, name, b.cfg.RefreshC, measures...)
	if err != nil {
		return err
	}
	row := Row{Name: name, Concurrency: b.cfg.RefreshC, Rate: s[0].rate, CPUms: s[0].cpuMS,
		Anchor: "target 2,500/s", AnchorRate: 2500, Ratio: ratio(s[0].rate, 2500), Errors: s[0].errs, Note: errNote(s...)}
	if len(s) > 1 {
		row.Anchor, row.AnchorRate, row.Ratio = "fosite in-memory store (--refresh-anchor), persists nothing", s[1].rate, ratio(s[0].rate, s[1].rate)
		row.Errors += s[1].errs
	}
	b.rep.Rows = append(b.rep.Rows, row)
	return nil
}

// refreshClients returns Lintel's client, then the anchor's if one is set.
func (b *bencher) refreshClients() []oauthClient {
	out := []oauthClient{b.lintelClient()}
	if a := strings.TrimSuffix(b.cfg.RefreshAnchor, "/"); a != "" {
		out = append(out, oauthClient{a, AnchorClient.ID, AnchorClient.Secret, AnchorClient.User, AnchorClient.Password, AnchorClient.Scope})
	}
	return out
}

// refreshChains starts one token chain per worker on c's server and
// returns the measure that moves a worker's chain on by one refresh.
func (b *bencher) refreshChains(ctx context.Context, c oauthClient) (func(context.Context, int) error, error) {
	chains := make([]string, b.cfg.RefreshC)
	for i := range chains {
		t, err := b.passwordGrant(ctx, c)
		if err != nil {
			return nil, fmt.Errorf("start a token chain on %s: %w", c.base, err)
		}
		if t.Refresh == "" {
			return nil, fmt.Errorf("start a token chain on %s: the password grant gave no refresh token", c.base)
		}
		chains[i] = t.Refresh
	}
	return func(ctx context.Context, w int) error {
		t, err := b.tokenRequest(ctx, c, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {chains[w]}})
		if err != nil {
			return err
		}
		if t.Refresh != "" {
			chains[w] = t.Refresh
		}
		return nil
	}, nil
}
