package store

import (
	"context"
	"fmt"
	"time"
)

// List versions let a reader tell, with one small read, whether a list
// page it computed earlier is still what the database would answer. The
// database keeps them itself (migration 0030): triggers on every table a
// list page is made of add to the account's version in the transaction of
// the write, whatever wrote it (the API, the console, the CLI, a
// controller's upload, a bulk load, another server on the same
// PostgreSQL). A version only grows, and every committed change that
// touches a page's rows makes it grow, so a version names one state of
// those rows: equal versions, equal pages.
//
// On PostgreSQL a version is the sum of up to eight rows, one per shard
// (the writing transaction's, shards.go); the states a reader can see form one chain
// (a snapshot sees a prefix of the commits), and each commit adds at least
// one, so the sum still names one state.

// List names a family of list pages and the tables they are made of.
type List string

const (
	// ListPeople: the people and credential lists (people, credentials,
	// credential types, group and role memberships).
	ListPeople List = "people"
	// ListEvents: the events list (events; their names and doors are
	// copied onto each event when it is stored).
	ListEvents List = "events"
	// ListSettings: not a list, what a write of a person reads of its
	// account (the account's row and its credential types; migration
	// 0032), kept by the API between requests under this version.
	ListSettings List = "settings"
)

// versionRead reads the list versions (people, events, settings) of the
// account whose id is the SQL expression acct, for the queries that
// authenticate a request (OAuth tokens, API keys): a request so learns
// them without a read of its own. cols are the three columns, and join
// goes after the query's joins. On PostgreSQL one LATERAL subquery adds
// up the account's rows once; SQLite, which has no LATERAL, adds them up
// in three scalar subqueries.
func versionRead(d Dialect, acct string) (cols, join string) {
	if d == Postgres {
		return "lv.people, lv.events, lv.settings", ` CROSS JOIN LATERAL (SELECT COALESCE(SUM(v.people), 0) AS people,
			COALESCE(SUM(v.events), 0) AS events, COALESCE(SUM(v.settings), 0) AS settings
			FROM list_versions v WHERE v.account_id = ` + acct + `) lv`
	}
	sum := func(col string) string {
		return `(SELECT COALESCE(SUM(v.` + col + `), 0) FROM list_versions v WHERE v.account_id = ` + acct + `)`
	}
	return sum("people") + ", " + sum("events") + ", " + sum("settings"), ""
}

// ListVersion returns the account's current version of list l: 0 before
// its first write, then larger after every committed change to the rows
// those pages show.
func (s *Store) ListVersion(ctx context.Context, accountID int64, l List) (int64, error) {
	var q string
	switch l {
	case ListPeople:
		q = `SELECT COALESCE(SUM(people), 0) FROM list_versions WHERE account_id = ?`
	case ListEvents:
		q = `SELECT COALESCE(SUM(events), 0) FROM list_versions WHERE account_id = ?`
	case ListSettings:
		q = `SELECT COALESCE(SUM(settings), 0) FROM list_versions WHERE account_id = ?`
	default:
		return 0, fmt.Errorf("store: unknown list %q", l)
	}
	var v int64
	if err := s.queryRow(ctx, q, accountID).Scan(&v); err != nil {
		return 0, fmt.Errorf("read the %s list version: %w", l, err)
	}
	return v, nil
}

// OldestEventSince returns when the account's oldest event at or after
// since was recorded, and false when it has none. An events page whose
// window starts at a moving instant (the last 90 days) stays the same, as
// long as no event is written, until its start passes that event.
func (s *Store) OldestEventSince(ctx context.Context, accountID int64, since time.Time) (time.Time, bool, error) {
	var oldest *int64
	err := s.queryRow(ctx, `SELECT MIN(created_at) FROM events WHERE account_id = ? AND created_at >= ?`,
		accountID, ms(since)).Scan(&oldest)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("read the oldest event: %w", err)
	}
	if oldest == nil {
		return time.Time{}, false, nil
	}
	return time.UnixMilli(*oldest).UTC(), true, nil
}
