package store

import (
	"context"
	"time"
)

// MigrateTo applies the migrations up to version only: a database as an
// older Lintel left it.
func (s *Store) MigrateTo(ctx context.Context, version int) error {
	_, err := s.migrateTo(ctx, version)
	return err
}

// ExecForTest runs a statement on the store (to write rows as an older
// schema had them).
func (s *Store) ExecForTest(ctx context.Context, query string, args ...any) error {
	_, err := s.exec(ctx, query, args...)
	return err
}

// SetSQLiteSynchronous sets SQLite's synchronous pragma for stores opened
// afterwards and returns the previous value (for the durability benchmark).
func SetSQLiteSynchronous(mode string) string {
	old := sqliteSynchronous
	sqliteSynchronous = mode
	return old
}

// SetSQLiteGroupCommit turns group commit on or off for SQLite stores
// opened afterwards and returns the previous setting (for the benchmark
// of what it gains).
func SetSQLiteGroupCommit(on bool) bool {
	old := sqliteGroupCommit
	sqliteGroupCommit = on
	return old
}

// NoteAccessChangeForTest journals a change of the person (0: of the whole
// account), in the transaction of s if it has one.
func (s *Store) NoteAccessChangeForTest(ctx context.Context, accountID, personID int64) error {
	return s.noteAccessChange(ctx, accountID, personID, 0)
}

// SetNotifyChannelForTest sets the channel the store's NOTIFYs go to and
// returns the previous one ("" makes every NOTIFY fail). Listen keeps to
// the channel it had.
func (s *Store) SetNotifyChannelForTest(channel string) string {
	n := s.ann.out
	n.mu.Lock()
	defer n.mu.Unlock()
	old := n.channel
	n.channel = channel
	return old
}

// SetNotifyBackoffForTest sets the first wait after a failed NOTIFY.
func (s *Store) SetNotifyBackoffForTest(d time.Duration) {
	s.ann.out.mu.Lock()
	s.ann.out.backoff = d
	s.ann.out.mu.Unlock()
}

// ShardForTest returns the shard of the count rows the transaction of s
// adds to (PostgreSQL), or -1 outside one.
func (s *Store) ShardForTest() int {
	if t := s.pgConn(); t != nil {
		return t.shard
	}
	return -1
}
