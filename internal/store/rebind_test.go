package store

import "testing"

// rebind numbers the placeholders for PostgreSQL, leaves those inside
// quoted literals, and answers the same from its cache as the first time.
func TestRebind(t *testing.T) {
	pg, lite := &Store{dialect: Postgres}, &Store{dialect: SQLite}
	for in, want := range map[string]string{
		"SELECT 1":     "SELECT 1",
		"SELECT ? , ?": "SELECT $1 , $2",
		"SELECT '?', ? WHERE a = '??' AND b IN (?, ?)":  "SELECT '?', $1 WHERE a = '??' AND b IN ($2, $3)",
		"UPDATE t SET a = ?, b = 'it''s ?' WHERE c = ?": "UPDATE t SET a = $1, b = 'it''s ?' WHERE c = $2",
	} {
		for range 2 {
			if got := pg.rebind(in); got != want {
				t.Errorf("rebind(%q) = %q, want %q", in, got, want)
			}
		}
		if got := lite.rebind(in); got != in {
			t.Errorf("SQLite rebind(%q) = %q", in, got)
		}
	}
}
