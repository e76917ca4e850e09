package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
)

// Resource types and actions of resource changes (DoorFlow's webhook
// vocabulary).
const (
	ResourcePersonCredential = "PersonCredential"

	ChangeCreate  = "CREATE"
	ChangeUpdate  = "UPDATE"
	ChangeDestroy = "DESTROY"
)

// ResourceChange is one recorded change of a resource that webhooks
// announce. Deliveries of it carry its ID as WebhookDelivery.ChangeID.
type ResourceChange struct {
	ID           int64
	AccountID    int64
	ResourceType string // ResourcePersonCredential
	ResourceID   string // the resource's public id (a credential's uid)
	PersonID     int64
	Action       string // ChangeCreate, ChangeUpdate or ChangeDestroy
	CreatedAt    time.Time
}

const resourceChangeCols = `id, account_id, resource_type, resource_id, person_id, action, created_at`

func scanResourceChange(sc scanner) (*ResourceChange, error) {
	var (
		c       ResourceChange
		created int64
	)
	if err := sc.Scan(&c.ID, &c.AccountID, &c.ResourceType, &c.ResourceID, &c.PersonID, &c.Action, &created); err != nil {
		return nil, err
	}
	c.CreatedAt = fromMS(created)
	return &c, nil
}

// RecordResourceChange appends a change and sets its ID. Call it on the
// transaction that makes the change, so the two commit or fail together.
func (s *Store) RecordResourceChange(ctx context.Context, c *ResourceChange) error {
	if c.CreatedAt.IsZero() {
		c.CreatedAt = time.Now().UTC()
	}
	id, err := s.insert(ctx, `INSERT INTO resource_changes (account_id, resource_type, resource_id, person_id, action, created_at)
		VALUES (?, ?, ?, ?, ?, ?)`, c.AccountID, c.ResourceType, c.ResourceID, c.PersonID, c.Action, ms(c.CreatedAt))
	if err != nil {
		return fmt.Errorf("record resource change: %w", err)
	}
	c.ID = id
	return s.announce(ctx, c.AccountID, ChangeCredentials)
}

// recordCredentialChange records a PersonCredential change of c.
func (s *Store) recordCredentialChange(ctx context.Context, c *domain.Credential, action string, at time.Time) error {
	return s.RecordResourceChange(ctx, &ResourceChange{AccountID: c.AccountID, ResourceType: ResourcePersonCredential,
		ResourceID: c.UID, PersonID: c.PersonID, Action: action, CreatedAt: at})
}

// RecordPersonCredentialsDestroyed records a PersonCredential DESTROY for
// every credential the person holds. Call it on the transaction that
// deletes them (before the delete).
func (s *Store) RecordPersonCredentialsDestroyed(ctx context.Context, accountID, personID int64, at time.Time) error {
	cs, err := s.CredentialsOfPeople(ctx, accountID, []int64{personID})
	if err != nil {
		return err
	}
	for _, c := range cs {
		if err := s.recordCredentialChange(ctx, c, ChangeDestroy, at); err != nil {
			return err
		}
	}
	return nil
}

// ListResourceChangesAfter returns up to limit changes (of every account)
// with ids above afterID, in id order.
func (s *Store) ListResourceChangesAfter(ctx context.Context, afterID int64, limit int) ([]*ResourceChange, error) {
	rows, err := s.query(ctx, `SELECT `+resourceChangeCols+` FROM resource_changes WHERE id > ? ORDER BY id LIMIT ?`, afterID, limit)
	if err != nil {
		return nil, fmt.Errorf("list resource changes after %d: %w", afterID, err)
	}
	defer rows.Close()
	var out []*ResourceChange
	for rows.Next() {
		c, err := scanResourceChange(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// GetResourceChange returns a change, or ENOTFOUND.
func (s *Store) GetResourceChange(ctx context.Context, id int64) (*ResourceChange, error) {
	c, err := scanResourceChange(s.queryRow(ctx, `SELECT `+resourceChangeCols+` FROM resource_changes WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, domain.NotFound("resource change")
	}
	if err != nil {
		return nil, fmt.Errorf("get resource change %d: %w", id, err)
	}
	return c, nil
}

// MaxResourceChangeID returns the highest change id (0 when there are none).
func (s *Store) MaxResourceChangeID(ctx context.Context) (int64, error) {
	var id sql.NullInt64
	if err := s.queryRow(ctx, `SELECT MAX(id) FROM resource_changes`).Scan(&id); err != nil {
		return 0, fmt.Errorf("max resource change id: %w", err)
	}
	return id.Int64, nil
}

// ChangeCursors returns the change cursor of every endpoint that has one
// (endpoints not yet started, or disabled, have none).
func (s *Store) ChangeCursors(ctx context.Context) (map[int64]int64, error) {
	rows, err := s.query(ctx, `SELECT id, change_cursor FROM webhook_endpoints WHERE change_cursor IS NOT NULL`)
	if err != nil {
		return nil, fmt.Errorf("list change cursors: %w", err)
	}
	defer rows.Close()
	out := map[int64]int64{}
	for rows.Next() {
		var id, cur int64
		if err := rows.Scan(&id, &cur); err != nil {
			return nil, err
		}
		out[id] = cur
	}
	return out, rows.Err()
}

// StartChangeCursor gives an endpoint without a change cursor one at
// cursor; an endpoint that already has one keeps it. It reports whether
// the cursor was set.
func (s *Store) StartChangeCursor(ctx context.Context, endpointID, cursor int64) (bool, error) {
	res, err := s.exec(ctx, `UPDATE webhook_endpoints SET change_cursor = ? WHERE id = ? AND change_cursor IS NULL`, cursor, endpointID)
	if err != nil {
		return false, fmt.Errorf("start change cursor: %w", err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// StopChangeCursor removes an endpoint's change cursor (for a disabled
// endpoint, so it starts afresh when enabled again).
func (s *Store) StopChangeCursor(ctx context.Context, endpointID int64) error {
	if _, err := s.exec(ctx, `UPDATE webhook_endpoints SET change_cursor = NULL WHERE id = ?`, endpointID); err != nil {
		return fmt.Errorf("stop change cursor: %w", err)
	}
	return nil
}

// EnqueueChangeDeliveries moves an endpoint's change cursor from oldCursor
// to newCursor and queues one delivery per change, atomically. It returns
// false (and queues nothing) when the cursor was no longer oldCursor:
// another worker got there first.
func (s *Store) EnqueueChangeDeliveries(ctx context.Context, endpointID, oldCursor, newCursor int64, changes []*ResourceChange, now time.Time) (bool, error) {
	subjects := make([]deliverySubject, len(changes))
	for i, c := range changes {
		subjects[i] = deliverySubject{id: c.ID, accountID: c.AccountID}
	}
	return s.enqueueDeliveries(ctx, changeDeliveries, endpointID, oldCursor, newCursor, subjects, now)
}
