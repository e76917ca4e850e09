package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/lintel-dev/lintel/internal/domain"
)

// Bulk reads for the access engine (internal/access): each streams every
// row of an account through a callback in one query, without paging, and
// fills only the fields the engine reads. A callback error stops the read
// and is returned as is. The rows of some people only are read when only
// is not nil (an empty list reads none): how a change to a few people is
// turned into a delta.

// onlyPeople returns the condition and arguments that restrict a read to
// the listed people (col is the person id column); "" when only is nil.
// The ids are one argument (inIDs), so the query text, and its prepared
// statement, is the same for any number of people.
func (s *Store) onlyPeople(col string, only []int64) (string, []any) {
	if only == nil {
		return "", nil
	}
	if len(only) == 0 {
		return " AND 1 = 0", nil
	}
	in, arg := s.inIDs(col, only)
	return " AND " + in, []any{arg}
}

// ReadConsistent runs fn with a Store whose reads all see one consistent
// state of the database, in which the account's access journal has no
// gap: every journal row of the account below the newest one it sees has
// committed (or never will). It is a read-only REPEATABLE READ
// transaction on PostgreSQL, a deferred read transaction on SQLite (which,
// unlike InTx, does not block writers). fn must only read. Inside a
// transaction already, fn runs in it.
//
// On PostgreSQL the writers of an account journal concurrently, each
// holding the account's journal lock shared from its journal statement to
// its commit (flushPending). The read takes that lock exclusively while
// its snapshot is taken, which waits for the writers that hold it to
// commit and keeps new ones from drawing journal ids meanwhile; it lets
// go as soon as the snapshot is taken, in the same round trip. So a
// caller holding a transaction open that has written the account's
// journal (or read it back, which writes it) must call ReadConsistent on
// that transaction's Store, never on another: it would wait for itself.
func (s *Store) ReadConsistent(ctx context.Context, accountID int64, fn func(*Store) error) error {
	if s.inTx {
		return fn(s)
	}
	if s.dialect == Postgres {
		return s.readAfterWriters(ctx, accountID, fn)
	}
	// On SQLite a read-only transaction begins DEFERRED whatever the
	// connection's _txlock: it takes no write lock. Being a *sql.Tx, it
	// runs the pool's prepared statements (bindStmt) instead of preparing
	// each query again, as a bare connection would. One writer at a time
	// commits, so the journal has no gap.
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("begin read: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	return fn(s.bound(tx))
}

// readAfterWriters is ReadConsistent on PostgreSQL. The lock is a session
// lock taken before the transaction begins, so that the snapshot, taken
// by the transaction's first statement (the unlock), comes after the
// writers' commits; a connection whose lock may not have been let go is
// closed, which lets go of it.
func (s *Store) readAfterWriters(ctx context.Context, accountID int64, fn func(*Store) error) error {
	c, err := s.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("begin read: %w", err)
	}
	defer c.Close()
	err = withPgx(c, func(pc *pgx.Conn) error {
		var b pgx.Batch
		b.Queue(`SELECT pg_advisory_lock($1, $2)`, int32(journalLockClass), int32(accountID))
		// Ends the pipeline's implicit transaction, which a BEGIN would
		// take in, too late then to choose its isolation level.
		b.Queue(`COMMIT`)
		b.Queue(`BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY`)
		b.Queue(`SELECT pg_advisory_unlock($1, $2)`, int32(journalLockClass), int32(accountID))
		if err := pc.SendBatch(ctx, &b).Close(); err != nil {
			_ = pc.Close(context.WithoutCancel(ctx))
			return err
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("begin read: %w", err)
	}
	defer func() { _, _ = c.ExecContext(context.WithoutCancel(ctx), "ROLLBACK") }()
	return fn(s.bound(&txConn{c: c, begun: true}))
}

// EachAccessPerson calls fn for every person of the account, by id, with
// ID, AccountID, FirstName, LastName, Enabled, ValidFrom and ValidTo set
// (memberships come from EachPersonLink). fn must not keep p: it is reused.
func (s *Store) EachAccessPerson(ctx context.Context, accountID int64, only []int64, fn func(p *domain.Person) error) error {
	cond, args := s.onlyPeople("id", only)
	rows, err := s.query(ctx, `SELECT id, first_name, last_name, enabled, valid_from, valid_to FROM people WHERE account_id = ?`+cond+` ORDER BY id`,
		append([]any{accountID}, args...)...)
	if err != nil {
		return fmt.Errorf("read people: %w", err)
	}
	defer rows.Close()
	var p domain.Person
	for rows.Next() {
		var from, to sql.NullInt64
		p = domain.Person{AccountID: accountID}
		if err := rows.Scan(&p.ID, &p.FirstName, &p.LastName, &p.Enabled, &from, &to); err != nil {
			return fmt.Errorf("read people: %w", err)
		}
		p.ValidFrom, p.ValidTo = timePtr(from), timePtr(to)
		if err := fn(&p); err != nil {
			return err
		}
	}
	return rows.Err()
}

// EachPersonLink calls fn for every group membership (role false) and
// direct role (role true) of the account's people.
func (s *Store) EachPersonLink(ctx context.Context, accountID int64, only []int64, fn func(personID, id int64, role bool) error) error {
	cond, args := s.onlyPeople("person_id", only)
	all := append([]any{accountID}, args...)
	// For some people, the unary + keeps account_id out of index choice,
	// so that each person is sought through the primary key: otherwise
	// SQLite walks every membership of the account through the
	// (account_id, group_id, person_id) index (see loadPeopleLinks).
	acct := `account_id = ?`
	if only != nil {
		acct = `+account_id = ?`
	}
	rows, err := s.query(ctx, `SELECT person_id, group_id, 0 FROM person_groups WHERE `+acct+cond+`
		UNION ALL SELECT person_id, role_id, 1 FROM person_roles WHERE `+acct+cond, append(all, all...)...)
	if err != nil {
		return fmt.Errorf("read memberships: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var pid, id int64
		var kind int
		if err := rows.Scan(&pid, &id, &kind); err != nil {
			return fmt.Errorf("read memberships: %w", err)
		}
		if err := fn(pid, id, kind == 1); err != nil {
			return err
		}
	}
	return rows.Err()
}

// EachAccessCredential calls fn for every credential of the account that
// has a value, with ID, AccountID, PersonID, CredentialTypeID, Value,
// Status and WalletType set. fn must not keep c: it is reused.
func (s *Store) EachAccessCredential(ctx context.Context, accountID int64, only []int64, fn func(c *domain.Credential) error) error {
	cond, args := s.onlyPeople("person_id", only)
	rows, err := s.query(ctx, `SELECT id, person_id, credential_type_id, value, status, wallet_type FROM credentials
		WHERE account_id = ? AND value IS NOT NULL`+cond, append([]any{accountID}, args...)...)
	if err != nil {
		return fmt.Errorf("read credentials: %w", err)
	}
	defer rows.Close()
	var c domain.Credential
	for rows.Next() {
		var value string
		var status, wallet sql.NullString
		c = domain.Credential{AccountID: accountID}
		if err := rows.Scan(&c.ID, &c.PersonID, &c.CredentialTypeID, &value, &status, &wallet); err != nil {
			return fmt.Errorf("read credentials: %w", err)
		}
		c.Value, c.Status, c.WalletType = &value, strPtr(status), strPtr(wallet)
		if err := fn(&c); err != nil {
			return err
		}
	}
	return rows.Err()
}

// EachAccessReservation calls fn for every reservation of the account that
// ends after endsAfter, with ID, AccountID, PersonID, StartTime, EndTime
// and ChannelIDs set. A reservation without doors is skipped.
func (s *Store) EachAccessReservation(ctx context.Context, accountID int64, only []int64, endsAfter time.Time, fn func(r *domain.Reservation) error) error {
	cond, args := s.onlyPeople("r.person_id", only)
	rows, err := s.query(ctx, `SELECT r.id, r.person_id, r.start_time, r.end_time, rc.channel_id
		FROM reservations r JOIN reservation_channels rc ON rc.reservation_id = r.id AND rc.account_id = r.account_id
		WHERE r.account_id = ? AND r.end_time > ?`+cond+` ORDER BY r.id, rc.channel_id`, append([]any{accountID, ms(endsAfter)}, args...)...)
	if err != nil {
		return fmt.Errorf("read reservations: %w", err)
	}
	defer rows.Close()
	var cur *domain.Reservation
	for rows.Next() {
		var id, pid, start, end, ch int64
		if err := rows.Scan(&id, &pid, &start, &end, &ch); err != nil {
			return fmt.Errorf("read reservations: %w", err)
		}
		if cur != nil && cur.ID != id {
			if err := fn(cur); err != nil {
				return err
			}
			cur = nil
		}
		if cur == nil {
			cur = &domain.Reservation{ID: id, AccountID: accountID, PersonID: pid, StartTime: fromMS(start), EndTime: fromMS(end)}
		}
		cur.ChannelIDs = append(cur.ChannelIDs, ch)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if cur != nil {
		return fn(cur)
	}
	return nil
}

// EachAccessGroupReservation calls fn for every group reservation of the
// account that ends after endsAfter and is not deactivated, with ID,
// AccountID, PersonID, StartTime, EndTime and GroupIDs set. One without
// groups is skipped.
func (s *Store) EachAccessGroupReservation(ctx context.Context, accountID int64, only []int64, endsAfter time.Time, fn func(g *domain.GroupReservation) error) error {
	cond, args := s.onlyPeople("g.person_id", only)
	rows, err := s.query(ctx, `SELECT g.id, g.person_id, g.start_time, g.end_time, gg.group_id
		FROM group_reservations g JOIN group_reservation_groups gg ON gg.group_reservation_id = g.id AND gg.account_id = g.account_id
		WHERE g.account_id = ? AND g.end_time > ? AND g.deactivated_at IS NULL`+cond+` ORDER BY g.id, gg.group_id`, append([]any{accountID, ms(endsAfter)}, args...)...)
	if err != nil {
		return fmt.Errorf("read group reservations: %w", err)
	}
	defer rows.Close()
	var cur *domain.GroupReservation
	for rows.Next() {
		var id, pid, start, end, gid int64
		if err := rows.Scan(&id, &pid, &start, &end, &gid); err != nil {
			return fmt.Errorf("read group reservations: %w", err)
		}
		if cur != nil && cur.ID != id {
			if err := fn(cur); err != nil {
				return err
			}
			cur = nil
		}
		if cur == nil {
			cur = &domain.GroupReservation{ID: id, AccountID: accountID, PersonID: pid, StartTime: fromMS(start), EndTime: fromMS(end)}
		}
		cur.GroupIDs = append(cur.GroupIDs, gid)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if cur != nil {
		return fn(cur)
	}
	return nil
}
