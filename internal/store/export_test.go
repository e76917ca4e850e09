package store

import "context"

// MigrateTo applies the migrations up to version only: a database as an
// older Lintel left it.
func (s *Store) MigrateTo(ctx context.Context, version int) error {
	_, err := s.migrateTo(ctx, version)
	return err
}
