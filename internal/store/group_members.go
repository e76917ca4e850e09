package store

import (
	"context"
	"fmt"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
)

// GroupMembers returns up to limit members of a group with a person id
// above afterID, in id order, with their memberships. It reads the group's
// memberships through their (group, person) index from afterID on, so
// every page of a large group costs the same.
func (s *Store) GroupMembers(ctx context.Context, accountID, groupID, afterID int64, limit int) ([]*domain.Person, error) {
	out, err := s.readPeople(ctx, accountID, `SELECT `+personCols+` FROM people WHERE account_id = ? AND id IN (
		SELECT person_id FROM person_groups WHERE account_id = ? AND group_id = ? AND person_id > ? ORDER BY person_id LIMIT ?)
		ORDER BY id`, accountID, accountID, groupID, afterID, limit)
	if err != nil {
		return nil, fmt.Errorf("group %d members: %w", groupID, err)
	}
	return out, nil
}

// SetGroupMember adds the person to the group (member true) or removes
// them from it, leaving their other memberships alone, and touches the
// person (updated_at = at) so that syncs and the doors see the change.
// Adding a member twice or removing a non-member changes nothing but the
// touch. Errors: ENOTFOUND when the group or the person is not the
// account's.
func (s *Store) SetGroupMember(ctx context.Context, accountID, groupID, personID int64, member bool, at time.Time) error {
	return s.InTx(ctx, func(tx *Store) error {
		if m, err := tx.missingIDs(ctx, "groups", accountID, []int64{groupID}); err != nil {
			return err
		} else if len(m) > 0 {
			return domain.NotFound("group")
		}
		if m, err := tx.missingIDs(ctx, "people", accountID, []int64{personID}); err != nil {
			return err
		} else if len(m) > 0 {
			return domain.NotFound("person")
		}
		var err error
		if member {
			_, err = tx.exec(ctx, `INSERT INTO person_groups (account_id, person_id, group_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`,
				accountID, personID, groupID)
		} else {
			_, err = tx.exec(ctx, `DELETE FROM person_groups WHERE account_id = ? AND person_id = ? AND group_id = ?`, accountID, personID, groupID)
		}
		if err != nil {
			return fmt.Errorf("group %d member %d: %w", groupID, personID, err)
		}
		return tx.TouchPerson(ctx, accountID, personID, at)
	})
}

// PersonNames returns "first last" of the account's people among ids (at
// most a page's worth), by id; ids of no such person are left out.
func (s *Store) PersonNames(ctx context.Context, accountID int64, ids []int64) (map[int64]string, error) {
	out := map[int64]string{}
	ids = uniqueIDs(ids)
	for start := 0; start < len(ids); start += bulkRows {
		chunk := ids[start:min(start+bulkRows, len(ids))]
		rows, err := s.query(ctx, `SELECT id, first_name, last_name FROM people WHERE account_id = ? AND id IN (`+placeholders(len(chunk))+`)`,
			idArgs(chunk, accountID)...)
		if err != nil {
			return nil, fmt.Errorf("person names: %w", err)
		}
		for rows.Next() {
			var id int64
			var first, last string
			if err := rows.Scan(&id, &first, &last); err != nil {
				rows.Close()
				return nil, err
			}
			out[id] = first + " " + last
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}
