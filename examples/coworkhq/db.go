package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/mail"
	"sort"
	"strings"

	_ "modernc.org/sqlite" // the CRM's own database; the SDK itself uses none
)

// DB is CoWork HQ's own database: the CRM's members and teams, which team
// maps to which Lintel group, and which Lintel person each member became.
type DB struct{ sql *sql.DB }

// Member is someone in the CRM.
type Member struct {
	ID        int64
	FirstName string
	LastName  string
	Email     string
	Company   string
	JobTitle  string
	TeamIDs   []int64
	PersonID  int64 // the Lintel person, once synced; 0 before
}

// Name returns "First Last".
func (m *Member) Name() string { return m.FirstName + " " + m.LastName }

// Team is a CRM team; GroupID is the Lintel group it maps to (0: none).
type Team struct {
	ID          int64
	Name        string
	Description string
	GroupID     int64
	GroupName   string
	Members     int
}

// errNotFound is returned for unknown ids.
var errNotFound = errors.New("not found")

// validationError names what is wrong with a form.
type validationError map[string]string

func (v validationError) Error() string {
	var parts []string
	for k, m := range v {
		parts = append(parts, k+" "+m)
	}
	sort.Strings(parts)
	return strings.Join(parts, "; ")
}

const schema = `
CREATE TABLE IF NOT EXISTS teams (
	id INTEGER PRIMARY KEY,
	name TEXT NOT NULL UNIQUE,
	description TEXT NOT NULL DEFAULT '',
	group_id INTEGER NOT NULL DEFAULT 0,
	group_name TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS members (
	id INTEGER PRIMARY KEY,
	first_name TEXT NOT NULL,
	last_name TEXT NOT NULL,
	email TEXT NOT NULL UNIQUE COLLATE NOCASE,
	company TEXT NOT NULL DEFAULT '',
	job_title TEXT NOT NULL DEFAULT '',
	person_id INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS member_teams (
	member_id INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
	team_id INTEGER NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
	PRIMARY KEY (member_id, team_id)
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
`

// OpenDB opens (creating) the SQLite database at path and, when it has no
// teams yet, loads the demo members and teams.
func OpenDB(ctx context.Context, path string) (*DB, error) {
	s, err := sql.Open("sqlite", "file:"+path+"?_pragma=foreign_keys(1)&_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)")
	if err != nil {
		return nil, err
	}
	s.SetMaxOpenConns(1)
	db := &DB{sql: s}
	if _, err := s.ExecContext(ctx, schema); err != nil {
		s.Close()
		return nil, fmt.Errorf("create tables: %w", err)
	}
	var n int
	if err := s.QueryRowContext(ctx, "SELECT count(*) FROM teams").Scan(&n); err != nil {
		s.Close()
		return nil, err
	}
	if n == 0 {
		if err := db.Reset(ctx); err != nil {
			s.Close()
			return nil, err
		}
	}
	return db, nil
}

// Close closes the database.
func (db *DB) Close() error { return db.sql.Close() }

// demoTeams and demoMembers are what Reset restores. Three members share
// an address with people of Lintel's demo, so a first sync both matches
// and creates.
var demoTeams = []Team{
	{Name: "Engineering", Description: "Product and platform engineers"},
	{Name: "Sales", Description: "Account executives and partnerships"},
	{Name: "Executives", Description: "Leadership team"},
	{Name: "Community", Description: "Events, hosts and front desk"},
}

var demoMembers = []struct {
	first, last, email, company, title string
	teams                              []string
}{
	{"John", "Doe", "john.doe@example.com", "Doe Digital", "Developer", []string{"Engineering"}},
	{"Amelia", "Davies", "amelia.davies@example.com", "Northwind", "Account Executive", []string{"Sales"}},
	{"Isla", "White", "isla.white@example.com", "CoWork HQ", "Community Manager", []string{"Community"}},
	{"Grace", "Hopper", "grace.hopper@coworkhq.example", "Compiler Labs", "CTO", []string{"Engineering", "Executives"}},
	{"Alan", "Turing", "alan.turing@coworkhq.example", "Enigma Ltd", "Researcher", []string{"Engineering"}},
	{"Katherine", "Johnson", "katherine.johnson@coworkhq.example", "Orbit Analytics", "Analyst", []string{"Sales"}},
	{"Margaret", "Hamilton", "margaret.hamilton@coworkhq.example", "Apollo Systems", "CEO", []string{"Executives"}},
	{"Tim", "Berners-Lee", "tim.bernerslee@coworkhq.example", "Web Works", "Founder", nil},
}

// Reset deletes every member and team and loads the demo data again,
// keeping nothing of earlier syncs. The Lintel side is not touched.
func (db *DB) Reset(ctx context.Context) error {
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, q := range []string{"DELETE FROM member_teams", "DELETE FROM members", "DELETE FROM teams", "DELETE FROM meta"} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("reset: %w", err)
		}
	}
	ids := map[string]int64{}
	for _, t := range demoTeams {
		res, err := tx.ExecContext(ctx, "INSERT INTO teams (name, description) VALUES (?, ?)", t.Name, t.Description)
		if err != nil {
			return fmt.Errorf("reset: %w", err)
		}
		ids[t.Name], _ = res.LastInsertId()
	}
	for _, m := range demoMembers {
		res, err := tx.ExecContext(ctx, "INSERT INTO members (first_name, last_name, email, company, job_title) VALUES (?, ?, ?, ?, ?)",
			m.first, m.last, m.email, m.company, m.title)
		if err != nil {
			return fmt.Errorf("reset: %w", err)
		}
		id, _ := res.LastInsertId()
		for _, t := range m.teams {
			if _, err := tx.ExecContext(ctx, "INSERT INTO member_teams (member_id, team_id) VALUES (?, ?)", id, ids[t]); err != nil {
				return fmt.Errorf("reset: %w", err)
			}
		}
	}
	return tx.Commit()
}

// Members returns every member, by name.
func (db *DB) Members(ctx context.Context) ([]*Member, error) {
	rows, err := db.sql.QueryContext(ctx, "SELECT id, first_name, last_name, email, company, job_title, person_id FROM members ORDER BY last_name, first_name, id")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Member
	byID := map[int64]*Member{}
	for rows.Next() {
		m := &Member{}
		if err := rows.Scan(&m.ID, &m.FirstName, &m.LastName, &m.Email, &m.Company, &m.JobTitle, &m.PersonID); err != nil {
			return nil, err
		}
		out = append(out, m)
		byID[m.ID] = m
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	links, err := db.sql.QueryContext(ctx, "SELECT member_id, team_id FROM member_teams ORDER BY team_id")
	if err != nil {
		return nil, err
	}
	defer links.Close()
	for links.Next() {
		var mid, tid int64
		if err := links.Scan(&mid, &tid); err != nil {
			return nil, err
		}
		if m := byID[mid]; m != nil {
			m.TeamIDs = append(m.TeamIDs, tid)
		}
	}
	return out, links.Err()
}

// Member returns one member, or errNotFound.
func (db *DB) Member(ctx context.Context, id int64) (*Member, error) {
	all, err := db.Members(ctx)
	if err != nil {
		return nil, err
	}
	for _, m := range all {
		if m.ID == id {
			return m, nil
		}
	}
	return nil, errNotFound
}

// check validates a member's fields.
func (m *Member) check() error {
	v := validationError{}
	m.FirstName, m.LastName = strings.TrimSpace(m.FirstName), strings.TrimSpace(m.LastName)
	m.Email, m.Company, m.JobTitle = strings.TrimSpace(m.Email), strings.TrimSpace(m.Company), strings.TrimSpace(m.JobTitle)
	if m.FirstName == "" {
		v["first_name"] = "can't be blank"
	}
	if m.LastName == "" {
		v["last_name"] = "can't be blank"
	}
	if a, err := mail.ParseAddress(m.Email); err != nil || a.Address != m.Email {
		v["email"] = "must be an email address"
	}
	if len(v) > 0 {
		return v
	}
	return nil
}

// SaveMember creates (ID 0) or updates a member and their teams. A
// duplicate address is a validationError.
func (db *DB) SaveMember(ctx context.Context, m *Member) error {
	if err := m.check(); err != nil {
		return err
	}
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var dup int64
	err = tx.QueryRowContext(ctx, "SELECT id FROM members WHERE email = ? AND id <> ?", m.Email, m.ID).Scan(&dup)
	if err == nil {
		return validationError{"email": "is already a member's address"}
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	if m.ID == 0 {
		res, err := tx.ExecContext(ctx, "INSERT INTO members (first_name, last_name, email, company, job_title) VALUES (?, ?, ?, ?, ?)",
			m.FirstName, m.LastName, m.Email, m.Company, m.JobTitle)
		if err != nil {
			return err
		}
		m.ID, _ = res.LastInsertId()
	} else {
		res, err := tx.ExecContext(ctx, "UPDATE members SET first_name = ?, last_name = ?, email = ?, company = ?, job_title = ? WHERE id = ?",
			m.FirstName, m.LastName, m.Email, m.Company, m.JobTitle, m.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errNotFound
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM member_teams WHERE member_id = ?", m.ID); err != nil {
			return err
		}
	}
	for _, t := range m.TeamIDs {
		if _, err := tx.ExecContext(ctx, "INSERT OR IGNORE INTO member_teams (member_id, team_id) SELECT ?, id FROM teams WHERE id = ?", m.ID, t); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// DeleteMember removes a member (not the Lintel person).
func (db *DB) DeleteMember(ctx context.Context, id int64) error {
	res, err := db.sql.ExecContext(ctx, "DELETE FROM members WHERE id = ?", id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errNotFound
	}
	return nil
}

// LinkPerson records which Lintel person a member is.
func (db *DB) LinkPerson(ctx context.Context, memberID, personID int64) error {
	_, err := db.sql.ExecContext(ctx, "UPDATE members SET person_id = ? WHERE id = ?", personID, memberID)
	return err
}

// Teams returns every team with its member count, by name.
func (db *DB) Teams(ctx context.Context) ([]*Team, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT t.id, t.name, t.description, t.group_id, t.group_name,
		(SELECT count(*) FROM member_teams mt WHERE mt.team_id = t.id) FROM teams t ORDER BY t.name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Team
	for rows.Next() {
		t := &Team{}
		if err := rows.Scan(&t.ID, &t.Name, &t.Description, &t.GroupID, &t.GroupName, &t.Members); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// Team returns one team, or errNotFound.
func (db *DB) Team(ctx context.Context, id int64) (*Team, error) {
	all, err := db.Teams(ctx)
	if err != nil {
		return nil, err
	}
	for _, t := range all {
		if t.ID == id {
			return t, nil
		}
	}
	return nil, errNotFound
}

// SaveTeam creates (ID 0) or renames a team.
func (db *DB) SaveTeam(ctx context.Context, t *Team) error {
	t.Name, t.Description = strings.TrimSpace(t.Name), strings.TrimSpace(t.Description)
	if t.Name == "" {
		return validationError{"name": "can't be blank"}
	}
	var dup int64
	err := db.sql.QueryRowContext(ctx, "SELECT id FROM teams WHERE name = ? AND id <> ?", t.Name, t.ID).Scan(&dup)
	if err == nil {
		return validationError{"name": "is already taken"}
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	if t.ID == 0 {
		res, err := db.sql.ExecContext(ctx, "INSERT INTO teams (name, description) VALUES (?, ?)", t.Name, t.Description)
		if err != nil {
			return err
		}
		t.ID, _ = res.LastInsertId()
		return nil
	}
	res, err := db.sql.ExecContext(ctx, "UPDATE teams SET name = ?, description = ? WHERE id = ?", t.Name, t.Description, t.ID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errNotFound
	}
	return nil
}

// DeleteTeam removes a team and its memberships.
func (db *DB) DeleteTeam(ctx context.Context, id int64) error {
	res, err := db.sql.ExecContext(ctx, "DELETE FROM teams WHERE id = ?", id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errNotFound
	}
	return nil
}

// MapTeam links a team to a Lintel group (0 unlinks it).
func (db *DB) MapTeam(ctx context.Context, teamID, groupID int64, groupName string) error {
	if groupID == 0 {
		groupName = ""
	}
	res, err := db.sql.ExecContext(ctx, "UPDATE teams SET group_id = ?, group_name = ? WHERE id = ?", groupID, groupName, teamID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errNotFound
	}
	return nil
}

// Meta reads a stored setting ("" when unset).
func (db *DB) Meta(ctx context.Context, key string) (string, error) {
	var v string
	err := db.sql.QueryRowContext(ctx, "SELECT value FROM meta WHERE key = ?", key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return v, err
}

// SetMeta stores a setting.
func (db *DB) SetMeta(ctx context.Context, key, value string) error {
	_, err := db.sql.ExecContext(ctx, "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", key, value)
	return err
}
