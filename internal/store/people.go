package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
)

// Page selects one slice of a list. Limit 0 means "everything from Offset".
type Page struct {
	Limit  int
	Offset int
}

// sql returns the LIMIT/OFFSET clause for the page, with placeholders:
// the query text stays the same whatever the page, so it stays prepared.
// Its two arguments come last (bind).
func (p Page) sql() string { return " LIMIT ? OFFSET ?" }

// bind appends the LIMIT and OFFSET arguments of the page to args.
func (p Page) bind(args ...any) []any {
	limit := int64(p.Limit)
	if limit <= 0 {
		limit = 1 << 62 // both engines take a huge LIMIT as "no limit"
	}
	return append(args, limit, int64(max(p.Offset, 0)))
}

type scanner interface{ Scan(...any) error }

// placeholders returns "?, ?, ..." for n values.
func placeholders(n int) string {
	if n <= 0 {
		return ""
	}
	return strings.Repeat("?, ", n-1) + "?"
}

// idArgs prefixes ids with the leading arguments, as []any.
func idArgs(ids []int64, lead ...any) []any {
	out := make([]any, 0, len(lead)+len(ids))
	out = append(out, lead...)
	for _, id := range ids {
		out = append(out, id)
	}
	return out
}

// uniqueIDs returns ids without duplicates, in first-seen order.
func uniqueIDs(ids []int64) []int64 {
	seen := make(map[int64]bool, len(ids))
	out := make([]int64, 0, len(ids))
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// accountTables are the tables missingIDs may check.
var accountTables = map[string]bool{"groups": true, "roles": true, "channels": true, "people": true, "shifts": true, "sites": true, "credential_types": true}

// missingIDs returns the ids that do not name a row of table on the account.
func (s *Store) missingIDs(ctx context.Context, table string, accountID int64, ids []int64) ([]int64, error) {
	if !accountTables[table] {
		return nil, fmt.Errorf("missingIDs: unknown table %q", table)
	}
	ids = uniqueIDs(ids)
	if len(ids) == 0 {
		return nil, nil
	}
	rows, err := s.query(ctx, `SELECT id FROM `+table+` WHERE account_id = ? AND id IN (`+placeholders(len(ids))+`)`, idArgs(ids, accountID)...)
	if err != nil {
		return nil, fmt.Errorf("check %s ids: %w", table, err)
	}
	defer rows.Close()
	found := map[int64]bool{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		found[id] = true
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var missing []int64
	for _, id := range ids {
		if !found[id] {
			missing = append(missing, id)
		}
	}
	return missing, nil
}

// MissingGroups returns the ids that are not groups of the account.
func (s *Store) MissingGroups(ctx context.Context, accountID int64, ids []int64) ([]int64, error) {
	return s.missingIDs(ctx, "groups", accountID, ids)
}

// MissingRoles returns the ids that are not roles of the account.
func (s *Store) MissingRoles(ctx context.Context, accountID int64, ids []int64) ([]int64, error) {
	return s.missingIDs(ctx, "roles", accountID, ids)
}

// MissingChannels returns the ids that are not channels of the account.
func (s *Store) MissingChannels(ctx context.Context, accountID int64, ids []int64) ([]int64, error) {
	return s.missingIDs(ctx, "channels", accountID, ids)
}

func invalidIDs(field, kind string, missing []int64) error {
	v := domain.Validation{}
	for _, id := range missing {
		v.Add(field, fmt.Sprintf("%s %d was not found on this account", kind, id))
	}
	return v.Err()
}

const personCols = `id, account_id, first_name, last_name, salutation, job_title, department, telephone, notes, barcode,
	email, mobile, organisation_id, system_id, enabled, valid_from, valid_to, image_url,
	custom_1, custom_2, custom_3, custom_4, custom_5, created_at, updated_at`

// readPeople runs query, which selects personCols FROM people of the
// account, and returns its people in the query's order with their group
// and role ids (loadPeopleLinks).
func (s *Store) readPeople(ctx context.Context, accountID int64, query string, args ...any) ([]*domain.Person, error) {
	rows, err := s.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*domain.Person{}
	for rows.Next() {
		p, err := scanPerson(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	return out, s.loadPeopleLinks(ctx, accountID, out)
}

func scanPerson(sc scanner) (*domain.Person, error) {
	var (
		p                                                         domain.Person
		sal, job, dept, tel, notes, barcode, email, mobile, sysID sql.NullString
		image                                                     sql.NullString
		c1, c2, c3, c4, c5                                        sql.NullString
		org, from, to                                             sql.NullInt64
		created, updated                                          int64
	)
	if err := sc.Scan(&p.ID, &p.AccountID, &p.FirstName, &p.LastName, &sal, &job, &dept, &tel, &notes, &barcode,
		&email, &mobile, &org, &sysID, &p.Enabled, &from, &to, &image,
		&c1, &c2, &c3, &c4, &c5, &created, &updated); err != nil {
		return nil, err
	}
	p.Salutation, p.JobTitle, p.Department, p.Telephone = strPtr(sal), strPtr(job), strPtr(dept), strPtr(tel)
	p.Notes, p.Barcode, p.Email, p.Mobile, p.SystemID = strPtr(notes), strPtr(barcode), strPtr(email), strPtr(mobile), strPtr(sysID)
	p.ImageURL = strPtr(image)
	p.Custom = [5]*string{strPtr(c1), strPtr(c2), strPtr(c3), strPtr(c4), strPtr(c5)}
	p.OrganisationID, p.ValidFrom, p.ValidTo = int64Ptr(org), timePtr(from), timePtr(to)
	p.CreatedAt, p.UpdatedAt = fromMS(created), fromMS(updated)
	p.GroupIDs, p.RoleIDs = []int64{}, []int64{}
	return &p, nil
}

func lowerPtr(s *string) any {
	if s == nil {
		return nil
	}
	return strings.ToLower(*s)
}

// personArgs returns the column values shared by insert and update, in
// personCols order from first_name to custom_5.
func personArgs(p *domain.Person) []any {
	return []any{p.FirstName, p.LastName, nullStr(p.Salutation), nullStr(p.JobTitle), nullStr(p.Department),
		nullStr(p.Telephone), nullStr(p.Notes), nullStr(p.Barcode), nullStr(p.Email), lowerPtr(p.Email), nullStr(p.Mobile),
		nullInt(p.OrganisationID), nullStr(p.SystemID), p.Enabled, msPtr(p.ValidFrom), msPtr(p.ValidTo), nullStr(p.ImageURL),
		nullStr(p.Custom[0]), nullStr(p.Custom[1]), nullStr(p.Custom[2]), nullStr(p.Custom[3]), nullStr(p.Custom[4])}
}

func emailTaken() error {
	v := domain.Validation{}
	v.Add("email", "has already been taken")
	return v.Err()
}

// emailInUse reports whether another person of the account has the email
// (compared case-insensitively).
func (s *Store) emailInUse(ctx context.Context, accountID, exceptID int64, email *string) (bool, error) {
	if email == nil {
		return false, nil
	}
	var n int
	err := s.queryRow(ctx, `SELECT COUNT(*) FROM people WHERE account_id = ? AND email_lower = ? AND id <> ?`,
		accountID, strings.ToLower(*email), exceptID).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("check email: %w", err)
	}
	return n > 0, nil
}

// CreatePerson inserts a person with its group and role memberships,
// assigning ID (and the timestamps when zero). Errors: EINVALID when the
// email is taken on the account or a group/role id is not the account's.
func (s *Store) CreatePerson(ctx context.Context, p *domain.Person) error {
	if p.CreatedAt.IsZero() {
		p.CreatedAt = time.Now().UTC()
	}
	if p.UpdatedAt.IsZero() {
		p.UpdatedAt = p.CreatedAt
	}
	return s.InTx(ctx, func(tx *Store) error {
		// A taken email is refused by the unique index on (account_id,
		// email_lower), below: no read first. (On PostgreSQL the refusal
		// ends the transaction, which the caller then rolls back.)
		args := append([]any{p.AccountID}, personArgs(p)...)
		args = append(args, ms(p.CreatedAt), ms(p.UpdatedAt))
		id, err := tx.insert(ctx, `INSERT INTO people (account_id, first_name, last_name, salutation, job_title, department,
			telephone, notes, barcode, email, email_lower, mobile, organisation_id, system_id, enabled, valid_from, valid_to,
			image_url, custom_1, custom_2, custom_3, custom_4, custom_5, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, args...)
		if isUniqueViolation(err) {
			return emailTaken()
		}
		if err != nil {
			return fmt.Errorf("create person: %w", err)
		}
		p.ID = id
		if err := tx.addCount(p.AccountID, countPeople, 1); err != nil {
			return err
		}
		if err := tx.setPersonLinks(ctx, p, true, true, false); err != nil {
			return err
		}
		return tx.notePeopleChanged(ctx, p.AccountID, p.ID)
	})
}

// UpdatePerson saves every field of p; group and role memberships are
// replaced only when setGroups / setRoles are true (otherwise p's lists are
// reloaded). Errors: ENOTFOUND when p is not a person of p.AccountID;
// EINVALID as for CreatePerson.
func (s *Store) UpdatePerson(ctx context.Context, p *domain.Person, setGroups, setRoles bool) error {
	if p.UpdatedAt.IsZero() {
		p.UpdatedAt = time.Now().UTC()
	}
	return s.InTx(ctx, func(tx *Store) error {
		if taken, err := tx.emailInUse(ctx, p.AccountID, p.ID, p.Email); err != nil {
			return err
		} else if taken {
			return emailTaken()
		}
		args := append(personArgs(p), ms(p.UpdatedAt), p.ID, p.AccountID)
		res, err := tx.exec(ctx, `UPDATE people SET first_name = ?, last_name = ?, salutation = ?, job_title = ?, department = ?,
			telephone = ?, notes = ?, barcode = ?, email = ?, email_lower = ?, mobile = ?, organisation_id = ?, system_id = ?,
			enabled = ?, valid_from = ?, valid_to = ?, image_url = ?, custom_1 = ?, custom_2 = ?, custom_3 = ?, custom_4 = ?,
			custom_5 = ?, updated_at = ? WHERE id = ? AND account_id = ?`, args...)
		if isUniqueViolation(err) {
			return emailTaken()
		}
		if err != nil {
			return fmt.Errorf("update person %d: %w", p.ID, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return domain.NotFound("person")
		}
		if err := tx.setPersonLinks(ctx, p, setGroups, setRoles, true); err != nil {
			return err
		}
		if err := tx.loadPeopleLinks(ctx, p.AccountID, []*domain.Person{p}); err != nil {
			return err
		}
		return tx.notePeopleChanged(ctx, p.AccountID, p.ID)
	})
}

// TouchPerson sets a person's updated_at, so incremental syncs see changes
// made to what hangs off the person (credentials), and journals the person
// for the doors (the journal row is written when the transaction commits).
func (s *Store) TouchPerson(ctx context.Context, accountID, personID int64, at time.Time) error {
	return s.InTx(ctx, func(tx *Store) error {
		if _, err := tx.exec(ctx, `UPDATE people SET updated_at = ? WHERE id = ? AND account_id = ?`, ms(at), personID, accountID); err != nil {
			return fmt.Errorf("touch person %d: %w", personID, err)
		}
		return tx.notePeopleChanged(ctx, accountID, personID)
	})
}

// setPersonLinks replaces the person's groups and/or roles after checking
// every id belongs to the account (EINVALID naming group_ids/role_ids).
// replace is false for a person just inserted, who has none to clear.
func (s *Store) setPersonLinks(ctx context.Context, p *domain.Person, groups, roles, replace bool) error {
	type link struct {
		on                bool
		table, col, field string
		ref               string
		ids               []int64
	}
	for _, l := range []link{
		{groups, "person_groups", "group_id", "group_ids", "groups", p.GroupIDs},
		{roles, "person_roles", "role_id", "role_ids", "roles", p.RoleIDs},
	} {
		if !l.on {
			continue
		}
		ids := uniqueIDs(l.ids)
		missing, err := s.missingIDs(ctx, l.ref, p.AccountID, ids)
		if err != nil {
			return err
		}
		if len(missing) > 0 {
			return invalidIDs(l.field, strings.TrimSuffix(l.ref, "s"), missing)
		}
		if replace {
			if _, err := s.exec(ctx, `DELETE FROM `+l.table+` WHERE person_id = ? AND account_id = ?`, p.ID, p.AccountID); err != nil {
				return fmt.Errorf("clear %s: %w", l.table, err)
			}
		}
		for _, id := range ids {
			if _, err := s.exec(ctx, `INSERT INTO `+l.table+` (account_id, person_id, `+l.col+`) VALUES (?, ?, ?)`, p.AccountID, p.ID, id); err != nil {
				return fmt.Errorf("link %s: %w", l.table, err)
			}
		}
		if l.field == "group_ids" {
			p.GroupIDs = ids
		} else {
			p.RoleIDs = ids
		}
	}
	return nil
}

// loadPeopleLinks fills GroupIDs and RoleIDs of people (all of one account)
// with a single query of fixed text (the ids are one parameter).
func (s *Store) loadPeopleLinks(ctx context.Context, accountID int64, people []*domain.Person) error {
	if len(people) == 0 {
		return nil
	}
	byID := make(map[int64]*domain.Person, len(people))
	ids := make([]int64, 0, len(people))
	for _, p := range people {
		p.GroupIDs, p.RoleIDs = []int64{}, []int64{}
		byID[p.ID] = p
		ids = append(ids, p.ID)
	}
	in, arg := s.inIDs("person_id", ids)
	// The unary + keeps account_id out of index choice: SQLite would
	// otherwise walk every membership of the account through the
	// (account_id, group_id, person_id) index, testing each against the
	// set (3 ms a page at 10,000 people, growing with the account),
	// instead of seeking each person through the primary key.
	rows, err := s.query(ctx, `SELECT person_id, group_id, 0 FROM person_groups WHERE +account_id = ? AND `+in+`
		UNION ALL SELECT person_id, role_id, 1 FROM person_roles WHERE +account_id = ? AND `+in+`
		ORDER BY 3, 1, 2`, accountID, arg, accountID, arg)
	if err != nil {
		return fmt.Errorf("load memberships: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var pid, id int64
		var kind int
		if err := rows.Scan(&pid, &id, &kind); err != nil {
			return err
		}
		p := byID[pid]
		if p == nil {
			continue
		}
		if kind == 0 {
			p.GroupIDs = append(p.GroupIDs, id)
		} else {
			p.RoleIDs = append(p.RoleIDs, id)
		}
	}
	return rows.Err()
}

// GetPerson returns a person of the account with its memberships, or ENOTFOUND.
func (s *Store) GetPerson(ctx context.Context, accountID, id int64) (*domain.Person, error) {
	p, err := scanPerson(s.queryRow(ctx, `SELECT `+personCols+` FROM people WHERE id = ? AND account_id = ?`, id, accountID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, domain.NotFound("person")
	}
	if err != nil {
		return nil, fmt.Errorf("get person %d: %w", id, err)
	}
	if err := s.loadPeopleLinks(ctx, accountID, []*domain.Person{p}); err != nil {
		return nil, err
	}
	return p, nil
}

// DeletePerson removes a person with their credentials and memberships.
// Events keep the person's name. Errors: ENOTFOUND.
func (s *Store) DeletePerson(ctx context.Context, accountID, id int64) error {
	return s.InTx(ctx, func(tx *Store) error {
		// Webhook subscribers hear that the person's credentials are gone.
		if err := tx.RecordPersonCredentialsDestroyed(ctx, accountID, id, time.Now()); err != nil {
			return err
		}
		// Children first: foreign keys may be off on some SQLite connections.
		for _, q := range []string{
			`DELETE FROM person_groups WHERE person_id = ? AND account_id = ?`,
			`DELETE FROM person_roles WHERE person_id = ? AND account_id = ?`,
			`DELETE FROM credentials WHERE person_id = ? AND account_id = ?`,
			`DELETE FROM reservation_channels WHERE account_id = ? AND reservation_id IN (SELECT id FROM reservations WHERE person_id = ? AND account_id = ?)`,
			`DELETE FROM reservations WHERE person_id = ? AND account_id = ?`,
			`DELETE FROM group_reservation_groups WHERE account_id = ? AND group_reservation_id IN (SELECT id FROM group_reservations WHERE person_id = ? AND account_id = ?)`,
			`DELETE FROM group_reservations WHERE person_id = ? AND account_id = ?`,
		} {
			args := []any{id, accountID}
			if strings.Count(q, "?") == 3 {
				args = []any{accountID, id, accountID}
			}
			res, err := tx.exec(ctx, q, args...)
			if err != nil {
				return fmt.Errorf("delete person %d: %w", id, err)
			}
			if strings.HasPrefix(q, `DELETE FROM credentials `) {
				n, err := res.RowsAffected()
				if err != nil {
					return fmt.Errorf("delete person %d: %w", id, err)
				}
				if err := tx.addCount(accountID, countCredentials, -n); err != nil {
					return err
				}
			}
		}
		res, err := tx.exec(ctx, `DELETE FROM people WHERE id = ? AND account_id = ?`, id, accountID)
		if err != nil {
			return fmt.Errorf("delete person %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return domain.NotFound("person")
		}
		if err := tx.addCount(accountID, countPeople, -1); err != nil {
			return err
		}
		return tx.notePeopleChanged(ctx, accountID, id)
	})
}

// PersonFilter narrows ListPeople.
type PersonFilter struct {
	Email        string     // case-insensitive substring of the email; exact matches sort first
	SystemID     *string    // exact external id
	UpdatedSince *time.Time // updated at or after
	Page         Page
}

// unfiltered reports whether the filter selects all the account's people,
// whose number is kept (see counts.go).
func (f PersonFilter) unfiltered() bool {
	return f.Email == "" && f.SystemID == nil && f.UpdatedSince == nil
}

// where returns the filter's WHERE clause (on people) and its arguments.
func (f PersonFilter) where(accountID int64) (string, []any) {
	where := ` WHERE account_id = ?`
	args := []any{accountID}
	if f.Email != "" {
		e := strings.ToLower(f.Email)
		where += ` AND email_lower LIKE ? ESCAPE '!'`
		args = append(args, "%"+likeEscape(e)+"%")
	}
	if f.SystemID != nil {
		where += ` AND system_id = ?`
		args = append(args, *f.SystemID)
	}
	if f.UpdatedSince != nil {
		where += ` AND updated_at >= ?`
		args = append(args, ms(*f.UpdatedSince))
	}
	return where, args
}

// CountPeople returns the number of the account's people matching the
// filter (its Page is ignored).
func (s *Store) CountPeople(ctx context.Context, accountID int64, f PersonFilter) (int, error) {
	if f.unfiltered() {
		return s.accountCount(ctx, accountID, countPeople)
	}
	where, args := f.where(accountID)
	var total int
	if err := s.queryRow(ctx, `SELECT COUNT(*) FROM people`+where, args...).Scan(&total); err != nil {
		return 0, fmt.Errorf("count people: %w", err)
	}
	return total, nil
}

// EachPeople calls fn with the account's people matching the filter (its
// Page is ignored), with their memberships, in ListPeople's order, at most
// chunk at a time: memory stays bounded whatever the number of people.
// Each chunk is read with keyset paging on id (no OFFSET, no list of ids
// in the SQL). fn must not keep the slice. It stops at fn's first error.
func (s *Store) EachPeople(ctx context.Context, accountID int64, f PersonFilter, chunk int, fn func([]*domain.Person) error) error {
	if chunk <= 0 {
		chunk = 500
	}
	where, args := f.where(accountID)
	read := func(query string, args ...any) ([]*domain.Person, error) {
		out, err := s.readPeople(ctx, accountID, `SELECT `+personCols+` FROM people`+query, args...)
		if err != nil {
			return nil, fmt.Errorf("list people: %w", err)
		}
		return out, nil
	}
	if f.Email != "" {
		// The exact match (emails are unique per account) comes first,
		// as in ListPeople; the keyset pass below leaves it out.
		exact := strings.ToLower(f.Email)
		first, err := read(where+` AND email_lower = ?`, append(append([]any{}, args...), exact)...)
		if err != nil {
			return err
		}
		if len(first) > 0 {
			if err := fn(first); err != nil {
				return err
			}
		}
		where += ` AND email_lower <> ?`
		args = append(args, exact)
	}
	after := int64(0)
	for {
		page, err := read(where+` AND id > ? ORDER BY id LIMIT ?`, append(append([]any{}, args...), after, chunk)...)
		if err != nil {
			return err
		}
		if len(page) == 0 {
			return nil
		}
		after = page[len(page)-1].ID
		if err := fn(page); err != nil {
			return err
		}
		if len(page) < chunk {
			return nil
		}
	}
}

// ListPeople returns one page of the account's people (by id, with
// memberships) and the number of people matching the filter. For the
// whole list, EachPeople streams in bounded memory.
func (s *Store) ListPeople(ctx context.Context, accountID int64, f PersonFilter) ([]*domain.Person, int, error) {
	where, args := f.where(accountID)
	order := ` ORDER BY id`
	if f.Email != "" {
		order = ` ORDER BY CASE WHEN email_lower = ? THEN 0 ELSE 1 END, id`
	}
	total, err := s.CountPeople(ctx, accountID, f)
	if err != nil {
		return nil, 0, err
	}
	if total == 0 || (f.Page.Offset >= total) {
		return []*domain.Person{}, total, nil
	}
	qargs := args
	if f.Email != "" {
		qargs = append(append([]any{}, args...), strings.ToLower(f.Email))
	}
	// The page is chosen on the index alone (cheap to skip through), then
	// only its rows are read; they are put back in order below.
	page := `SELECT id FROM people` + where + order + f.Page.sql()
	pargs := f.Page.bind(append([]any{accountID}, qargs...)...)
	if f.unfiltered() && f.Page.Offset >= seekOffset {
		// A deep page starts from the block of ids it falls in.
		from, skip, ok, err := s.peopleSeek(ctx, accountID, f.Page.Offset)
		if err != nil {
			return nil, 0, err
		}
		if ok {
			page = `SELECT id FROM people WHERE account_id = ? AND id >= ? ORDER BY id` + f.Page.sql()
			pargs = Page{Limit: f.Page.Limit, Offset: skip}.bind(accountID, accountID, from)
		}
	}
	out, err := s.readPeople(ctx, accountID, `SELECT `+personCols+` FROM people WHERE account_id = ? AND `+s.inPage("id", page), pargs...)
	if err != nil {
		return nil, 0, fmt.Errorf("list people: %w", err)
	}
	exact := strings.ToLower(f.Email)
	rank := func(p *domain.Person) int {
		if f.Email != "" && p.Email != nil && strings.ToLower(*p.Email) == exact {
			return 0
		}
		return 1
	}
	sort.Slice(out, func(i, j int) bool {
		if ri, rj := rank(out[i]), rank(out[j]); ri != rj {
			return ri < rj
		}
		return out[i].ID < out[j].ID
	})
	return out, total, nil
}

// peopleBlock is how many ids one row of people_blocks covers (migration
// 0031).
const peopleBlock = 1024

// peopleSeek finds where the page at offset of the account's people (by
// id) starts, from the people counted per block of ids: the first id of
// the block the page falls in, and how many of the block's people come
// before it (less than a block). ok is false when the counts end before
// offset (the caller then skips through the index).
func (s *Store) peopleSeek(ctx context.Context, accountID int64, offset int) (from int64, skip int, ok bool, err error) {
	rows, err := s.query(ctx, `SELECT block, CAST(SUM(n) AS BIGINT) FROM people_blocks WHERE account_id = ? GROUP BY block ORDER BY block`, accountID)
	if err != nil {
		return 0, 0, false, fmt.Errorf("seek people: %w", err)
	}
	defer rows.Close()
	before := int64(0)
	for rows.Next() {
		var block, n int64
		if err := rows.Scan(&block, &n); err != nil {
			return 0, 0, false, fmt.Errorf("seek people: %w", err)
		}
		if before+n > int64(offset) {
			return block * peopleBlock, int(int64(offset) - before), true, nil
		}
		before += n
	}
	return 0, 0, false, rows.Err()
}

// likeEscape escapes LIKE wildcards with '!'.
func likeEscape(s string) string {
	r := strings.NewReplacer("!", "!!", "%", "!%", "_", "!_")
	return r.Replace(s)
}
