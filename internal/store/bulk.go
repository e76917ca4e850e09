package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/lintel-dev/lintel/internal/domain"
)

// BulkPerson is one person for BulkCreatePeople with the credentials they
// are to hold.
type BulkPerson struct {
	Person      *domain.Person
	Credentials []*domain.Credential
}

// bulkRows is how many rows one multi-row INSERT carries: at the widest
// (six columns) well under the parameter limits of SQLite (32766) and
// PostgreSQL (65535).
const bulkRows = 500

// BulkCreatePeople creates many people of one account with their group
// and role memberships and credentials, in one transaction (the caller's
// when it has one): on SQLite each person with one prepared INSERT,
// everything else with multi-row INSERTs; on PostgreSQL with COPY (see
// insertMany). It records a PersonCredential CREATE change per
// credential, as CreateCredential does, and one account-wide row in the
// access journal (controllers download a new snapshot). It sets the
// people's and the credentials' AccountID, each person's ID, each
// credential's PersonID, UID (when empty) and Label, and the timestamps
// left zero (a credential's default to its holder's CreatedAt). It does
// not read back the credentials' IDs.
//
// Unlike CreatePerson and CreateCredential it checks ids once for the
// whole call and leaves uniqueness against existing rows to the
// database's constraints. Errors: EINVALID (group_ids, role_ids or
// credential_type_id) for an id that is not the account's; EINVALID
// (email) for an email already taken, naming the person's index; EINVALID
// (value) for a credential value given twice or already in use; ECONFLICT
// for a person given two credentials of one type; otherwise the store's.
func (s *Store) BulkCreatePeople(ctx context.Context, accountID int64, people []BulkPerson) error {
	if len(people) == 0 {
		return nil
	}
	return s.InTx(ctx, func(tx *Store) error {
		labels, err := tx.checkBulk(ctx, accountID, people)
		if err != nil {
			return err
		}
		if err := tx.insertPeople(ctx, accountID, people); err != nil {
			return err
		}
		var links, creds, changes []any
		for _, bp := range people {
			p := bp.Person
			for _, g := range uniqueIDs(p.GroupIDs) {
				links = append(links, accountID, p.ID, g)
			}
			for _, c := range bp.Credentials {
				c.AccountID, c.PersonID, c.Label = accountID, p.ID, labels[c.CredentialTypeID]
				if c.CreatedAt.IsZero() {
					c.CreatedAt = p.CreatedAt
				}
				if c.UpdatedAt.IsZero() {
					c.UpdatedAt = c.CreatedAt
				}
				if c.UID == "" {
					c.UID = NewUID(8)
				}
				creds = append(creds, c.UID, accountID, p.ID, c.CredentialTypeID, nullStr(c.Value), nullStr(c.Status),
					nullStr(c.WalletType), ms(c.CreatedAt), ms(c.UpdatedAt))
				changes = append(changes, accountID, ResourcePersonCredential, c.UID, p.ID, ChangeCreate, ms(c.CreatedAt))
			}
		}
		if err := tx.insertMany(ctx, "person_groups", `account_id, person_id, group_id`, links); err != nil {
			return fmt.Errorf("bulk group memberships: %w", err)
		}
		links = links[:0]
		for _, bp := range people {
			for _, r := range uniqueIDs(bp.Person.RoleIDs) {
				links = append(links, accountID, bp.Person.ID, r)
			}
		}
		if err := tx.insertMany(ctx, "person_roles", `account_id, person_id, role_id`, links); err != nil {
			return fmt.Errorf("bulk role memberships: %w", err)
		}
		err = tx.insertMany(ctx, "credentials", `uid, account_id, person_id, credential_type_id, value, status,
			wallet_type, created_at, updated_at`, creds)
		if isUniqueViolation(err) {
			return valueInUse()
		}
		if err != nil {
			return fmt.Errorf("bulk credentials: %w", err)
		}
		if err := tx.addCount(accountID, countPeople, int64(len(people))); err != nil {
			return err
		}
		if err := tx.addCount(accountID, countCredentials, int64(len(creds)/9)); err != nil {
			return err
		}
		if err := tx.insertMany(ctx, "resource_changes", `account_id, resource_type, resource_id, person_id, action, created_at`, changes); err != nil {
			return fmt.Errorf("bulk credential changes: %w", err)
		}
		// One account-wide journal row: controllers download a new
		// snapshot rather than a delta naming every new person.
		return tx.noteEverythingChanged(ctx, accountID)
	})
}

// checkBulk checks, once for the whole call, that the groups, roles and
// credential types named are the account's, and that no value or
// person-and-type repeats within the call. It returns the labels of the
// account's credential types by id.
func (s *Store) checkBulk(ctx context.Context, accountID int64, people []BulkPerson) (map[int64]string, error) {
	var groups, roles []int64
	for _, bp := range people {
		groups = append(groups, bp.Person.GroupIDs...)
		roles = append(roles, bp.Person.RoleIDs...)
	}
	if missing, err := s.missingIDs(ctx, "groups", accountID, groups); err != nil {
		return nil, err
	} else if len(missing) > 0 {
		return nil, invalidIDs("group_ids", "group", missing)
	}
	if missing, err := s.missingIDs(ctx, "roles", accountID, roles); err != nil {
		return nil, err
	} else if len(missing) > 0 {
		return nil, invalidIDs("role_ids", "role", missing)
	}
	types, _, err := s.ListCredentialTypes(ctx, accountID, Page{})
	if err != nil {
		return nil, err
	}
	byID := make(map[int64]*domain.CredentialType, len(types))
	labels := make(map[int64]string, len(types))
	for _, t := range types {
		byID[t.ID], labels[t.ID] = t, t.Label
	}
	type typed struct {
		typeID int64
		value  string
	}
	values := map[typed]bool{}
	for i, bp := range people {
		held := map[int64]bool{}
		for _, c := range bp.Credentials {
			t, ok := byID[c.CredentialTypeID]
			if !ok {
				v := domain.Validation{}
				v.Add("credential_type_id", fmt.Sprintf("credential type %d was not found on this account", c.CredentialTypeID))
				return nil, v.Err()
			}
			if err := checkCredentialValue(t, c.Value); err != nil {
				return nil, err
			}
			if held[c.CredentialTypeID] {
				return nil, domain.Errorf(domain.ECONFLICT, "person %d of the batch holds two credentials of type %d", i, c.CredentialTypeID)
			}
			held[c.CredentialTypeID] = true
			if c.Value != nil {
				k := typed{c.CredentialTypeID, *c.Value}
				if values[k] {
					return nil, valueInUse()
				}
				values[k] = true
			}
		}
	}
	return labels, nil
}

// personInsertCols are the columns a new person's row is given, but its id.
const personInsertCols = `account_id, first_name, last_name, salutation, job_title, department, telephone, notes,
	barcode, email, email_lower, mobile, organisation_id, system_id, enabled, valid_from, valid_to, image_url,
	custom_1, custom_2, custom_3, custom_4, custom_5, created_at, updated_at`

// insertPeople inserts the people, setting their ID, AccountID and zero
// timestamps. On SQLite each person takes one run of a prepared statement
// that learns the id without a RETURNING clause, which would make SQLite
// keep a statement journal for every row. On PostgreSQL the ids are taken
// from the table's sequence first, and the rows go in with insertMany
// (COPY, or multi-row INSERTs) to save the round trips.
func (s *Store) insertPeople(ctx context.Context, accountID int64, people []BulkPerson) error {
	now := time.Now().UTC()
	rows := make([][]any, len(people))
	for i, bp := range people {
		p := bp.Person
		p.AccountID = accountID
		if p.CreatedAt.IsZero() {
			p.CreatedAt = now
		}
		if p.UpdatedAt.IsZero() {
			p.UpdatedAt = p.CreatedAt
		}
		if p.GroupIDs == nil {
			p.GroupIDs = []int64{}
		}
		if p.RoleIDs == nil {
			p.RoleIDs = []int64{}
		}
		rows[i] = append(append([]any{accountID}, personArgs(p)...), ms(p.CreatedAt), ms(p.UpdatedAt))
	}
	if s.dialect == Postgres {
		return s.insertPeopleReserved(ctx, people, rows)
	}
	ctx = s.live(ctx) // the statements below run here, not through exec
	stmt, err := s.prepareInTx(ctx, `INSERT INTO people (`+personInsertCols+`) VALUES (`+placeholders(len(rows[0]))+`)`)
	if err != nil {
		return fmt.Errorf("bulk people: %w", err)
	}
	defer stmt.Close()
	for i, bp := range people {
		res, err := stmt.ExecContext(ctx, rows[i]...)
		if err == nil {
			bp.Person.ID, err = res.LastInsertId()
		}
		if isUniqueViolation(err) {
			v := domain.Validation{}
			v.Add("email", fmt.Sprintf("of person %d of the batch has already been taken", i))
			return v.Err()
		}
		if err != nil {
			return fmt.Errorf("bulk person %d: %w", i, err)
		}
	}
	return nil
}

// insertPeopleReserved takes an id per person from the people table's
// sequence, then inserts them with those ids through insertMany.
func (s *Store) insertPeopleReserved(ctx context.Context, people []BulkPerson, rows [][]any) error {
	res, err := s.query(ctx, `SELECT nextval(pg_get_serial_sequence('people', 'id')) FROM generate_series(1, ?)`, len(people))
	if err != nil {
		return fmt.Errorf("reserve people ids: %w", err)
	}
	i := 0
	for res.Next() && i < len(people) {
		if err := res.Scan(&people[i].Person.ID); err != nil {
			res.Close()
			return fmt.Errorf("reserve people ids: %w", err)
		}
		i++
	}
	res.Close()
	if err := res.Err(); err != nil {
		return fmt.Errorf("reserve people ids: %w", err)
	}
	if i != len(people) {
		return fmt.Errorf("reserve people ids: got %d of %d", i, len(people))
	}
	args := make([]any, 0, len(rows)*(len(rows[0])+1))
	for i, r := range rows {
		args = append(append(args, people[i].Person.ID), r...)
	}
	err = s.insertMany(ctx, "people", `id, `+personInsertCols, args)
	if isUniqueViolation(err) {
		v := domain.Validation{}
		v.Add("email", "of a person of the batch has already been taken")
		return v.Err()
	}
	if err != nil {
		return fmt.Errorf("bulk people: %w", err)
	}
	return nil
}

// insertMany inserts rows into table: cols names its columns ("a, b, c"),
// and args holds the rows' values one row after the other. Rows go in
// bulkRows per multi-row INSERT (prepared once for all the full ones); in
// a PostgreSQL transaction, bulkRows rows or more go in with one COPY on
// the transaction's connection instead, which the server neither parses
// nor plans (a 500-row INSERT cost several times its COPY). Triggers and
// constraints apply alike.
func (s *Store) insertMany(ctx context.Context, table, cols string, args []any) error {
	ctx = s.live(ctx) // the statements below run here, not through exec
	names := strings.Split(cols, ",")
	for i := range names {
		names[i] = strings.TrimSpace(names[i])
	}
	width := len(names)
	if conn := s.pgConn(); conn != nil && len(args)/width >= bulkRows {
		rows := make([][]any, 0, len(args)/width)
		for i := 0; i+width <= len(args); i += width {
			rows = append(rows, args[i:i+width])
		}
		return conn.raw(ctx, func(c *pgx.Conn) error {
			_, err := c.CopyFrom(ctx, pgx.Identifier{table}, names, pgx.CopyFromRows(rows))
			return err
		})
	}
	head := `INSERT INTO ` + table + ` (` + cols + `) VALUES `
	one := "(" + placeholders(width) + ")"
	var stmt *sql.Stmt
	stmtRows := 0
	defer func() {
		if stmt != nil {
			stmt.Close()
		}
	}()
	for len(args) > 0 {
		n := min(len(args)/width, bulkRows)
		if n != stmtRows {
			if stmt != nil {
				stmt.Close()
			}
			var err error
			if stmt, err = s.prepareInTx(ctx, head+strings.Repeat(one+", ", n-1)+one); err != nil {
				return err
			}
			stmtRows = n
		}
		if _, err := stmt.ExecContext(ctx, args[:n*width]...); err != nil {
			return err
		}
		args = args[n*width:]
	}
	return nil
}

// EventReceipt says when the server stored an event a controller sent.
type EventReceipt struct {
	ID       int64
	ClientID string    // the controller's id of the event
	StoredAt time.Time // when it was stored (the row's updated_at)
}

// EachEventReceipt calls fn for every event of the account with an id
// above afterID that carries a client event id, in id order, stopping at
// fn's first error. Only for events stored by StoreControllerEvents is
// updated_at the time of storage. Errors: the store's, or fn's.
func (s *Store) EachEventReceipt(ctx context.Context, accountID, afterID int64, fn func(EventReceipt) error) error {
	rows, err := s.query(ctx, `SELECT id, client_event_id, updated_at FROM events
		WHERE account_id = ? AND id > ? AND client_event_id IS NOT NULL ORDER BY id`, accountID, afterID)
	if err != nil {
		return fmt.Errorf("read event receipts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var r EventReceipt
		var stored int64
		if err := rows.Scan(&r.ID, &r.ClientID, &stored); err != nil {
			return fmt.Errorf("read event receipts: %w", err)
		}
		r.StoredAt = fromMS(stored)
		if err := fn(r); err != nil {
			return err
		}
	}
	return rows.Err()
}

// BulkCreateEvents appends many events in one transaction (the caller's
// when it has one) through insertMany, for seeding and benchmarks. It
// does not read back their IDs; CreatedAt defaults to now and UpdatedAt to
// CreatedAt. Errors: ECONFLICT for a client event id already recorded on
// the account; otherwise the store's.
func (s *Store) BulkCreateEvents(ctx context.Context, events []*domain.Event) error {
	if len(events) == 0 {
		return nil
	}
	now := time.Now().UTC()
	args := make([]any, 0, 13*len(events))
	accounts := map[int64]bool{}
	for _, e := range events {
		if e.CreatedAt.IsZero() {
			e.CreatedAt = now
		}
		if e.UpdatedAt.IsZero() {
			e.UpdatedAt = e.CreatedAt
		}
		accounts[e.AccountID] = true
		args = append(args, e.AccountID, e.EventCode, e.EventLabel, nullInt(e.ChannelID), nullStr(e.ChannelName), nullInt(e.PersonID),
			nullStr(e.PersonName), nullStr(e.PersonFirstName), nullStr(e.PersonLastName), nullStr(e.CredentialsNumber),
			nullStr(e.ClientEventID), ms(e.CreatedAt), ms(e.UpdatedAt))
	}
	return s.InTx(ctx, func(tx *Store) error {
		err := tx.insertMany(ctx, "events", `account_id, event_code, event_label, channel_id, channel_name, person_id, person_name,
			person_first_name, person_last_name, credentials_number, client_event_id, created_at, updated_at`, args)
		if isUniqueViolation(err) {
			return domain.Errorf(domain.ECONFLICT, "an event with that client id was already recorded")
		}
		if err != nil {
			return fmt.Errorf("bulk events: %w", err)
		}
		if err := tx.countEvents(events...); err != nil {
			return err
		}
		for id := range accounts {
			if err := tx.announce(ctx, id, ChangeEvents); err != nil {
				return err
			}
		}
		return nil
	})
}
