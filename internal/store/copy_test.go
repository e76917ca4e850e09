package store_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lintel-dev/lintel/internal/demo"
	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/store"
	"github.com/lintel-dev/lintel/internal/store/storetest"
)

// copySource returns a migrated SQLite database with the demo (50
// people), extra people, and at least one row in every table: tables the
// demo leaves empty get a row made up from their declared columns, so that
// a table a future migration adds is copied (or the test fails) without
// anyone having to remember it here.
func copySource(t testing.TB, people int) *store.Store {
	t.Helper()
	ctx := context.Background()
	src := storetest.Open(t, storetest.Backend{Name: "sqlite", DSN: filepath.Join(t.TempDir(), "source.db")})
	now := time.Now()
	acct, err := demo.Seed(ctx, src, demo.Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	if err := demo.AddPeople(ctx, src, acct.ID, people, now, nil); err != nil {
		t.Fatal(err)
	}
	fillEmptyTables(t, src)
	return src
}

// fillEmptyTables inserts one row into every empty table of a SQLite
// database, parents first: foreign keys point at an existing parent row,
// other columns get a value of their declared type.
func fillEmptyTables(t testing.TB, st *store.Store) {
	t.Helper()
	ctx := context.Background()
	db := st.DB()
	names, err := st.Tables(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		var n int
		if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM "`+name+`"`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			continue
		}
		refs := map[string][2]string{} // column -> parent table, parent column
		rows, err := db.QueryContext(ctx, `SELECT "from", "table", "to" FROM pragma_foreign_key_list(?)`, name)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var from, parent, to string
			if err := rows.Scan(&from, &parent, &to); err != nil {
				t.Fatal(err)
			}
			refs[from] = [2]string{parent, to}
		}
		rows.Close()
		rows, err = db.QueryContext(ctx, `SELECT name, type FROM pragma_table_info(?) ORDER BY cid`, name)
		if err != nil {
			t.Fatal(err)
		}
		var cols, marks []string
		var args []any
		for rows.Next() {
			var col, typ string
			if err := rows.Scan(&col, &typ); err != nil {
				t.Fatal(err)
			}
			cols, marks = append(cols, `"`+col+`"`), append(marks, "?")
			switch typ = strings.ToUpper(typ); {
			case refs[col] != [2]string{}:
				args = append(args, refs[col])
			case typ == "BOOLEAN":
				args = append(args, true)
			case typ == "TEXT":
				args = append(args, "copied "+name+"."+col)
			default:
				args = append(args, int64(len(name)*1000+len(col)))
			}
		}
		rows.Close()
		for i, a := range args {
			if ref, ok := a.([2]string); ok {
				var v any
				if err := db.QueryRowContext(ctx, `SELECT "`+ref[1]+`" FROM "`+ref[0]+`" LIMIT 1`).Scan(&v); err != nil {
					t.Fatalf("%s: parent %s: %v", name, ref[0], err)
				}
				args[i] = v
			}
		}
		q := `INSERT INTO "` + name + `" (` + strings.Join(cols, ", ") + `) VALUES (` + strings.Join(marks, ", ") + `)`
		if _, err := db.ExecContext(ctx, q, args...); err != nil {
			t.Fatalf("fill %s: %v", name, err)
		}
	}
}

// tableRows returns every row of a table as sorted strings that compare
// equal across engines (booleans as 0/1, numbers and text tagged).
func tableRows(t *testing.T, st *store.Store, name string) []string {
	t.Helper()
	rows, err := st.DB().QueryContext(context.Background(), `SELECT * FROM "`+name+`"`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	var out []string
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		fields := make([]string, len(cols))
		for i, v := range vals {
			switch x := v.(type) {
			case nil:
				fields[i] = cols[i] + "=NULL"
			case bool:
				fields[i] = cols[i] + "=n" + map[bool]string{false: "0", true: "1"}[x]
			case int64:
				fields[i] = fmt.Sprintf("%s=n%d", cols[i], x)
			case []byte:
				fields[i] = cols[i] + "=s" + string(x)
			default:
				fields[i] = fmt.Sprintf("%s=s%v", cols[i], x)
			}
		}
		slices.Sort(fields) // column order may differ between engines
		out = append(out, strings.Join(fields, "|"))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

// goneAccount creates an account and deletes it: the database has issued
// an id it no longer holds, which a copy must never hand out again.
func goneAccount(t *testing.T, st *store.Store) *domain.Account {
	t.Helper()
	ctx := context.Background()
	gone := &domain.Account{Name: "Gone", TimeZone: "UTC"}
	if err := st.CreateAccount(ctx, gone); err != nil {
		t.Fatal(err)
	}
	if _, err := st.DB().ExecContext(ctx, `DELETE FROM accounts WHERE id = ?`, gone.ID); err != nil {
		t.Fatal(err)
	}
	return gone
}

func TestCopyCopiesEveryTable(t *testing.T) {
	ctx := context.Background()
	src := copySource(t, 600)
	gone := goneAccount(t, src)
	tables, err := src.Tables(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			dst, err := store.Open(ctx, b.DSN)
			if err != nil {
				t.Fatal(err)
			}
			defer dst.Close()
			var last, calls int64
			report, err := store.Copy(ctx, src, dst, store.CopyOptions{Progress: func(done, total int64) {
				if done <= last {
					t.Errorf("progress went from %d to %d", last, done)
				}
				last, calls = done, calls+1
			}})
			if err != nil {
				t.Fatal(err)
			}
			if last != report.Rows || calls < 2 {
				t.Errorf("progress ended at %d of %d after %d calls", last, report.Rows, calls)
			}
			var copied []string
			for _, tc := range report.Tables {
				copied = append(copied, tc.Table)
			}
			if !slices.Equal(copied, tables) {
				t.Fatalf("copied tables %v, the schema has %v", copied, tables)
			}
			for _, tc := range report.Tables {
				want, got := tableRows(t, src, tc.Table), tableRows(t, dst, tc.Table)
				if len(want) == 0 {
					t.Errorf("table %s: the fixture left it empty, so the copy of its rows is not tested", tc.Table)
				}
				if len(got) != int(tc.Rows) || !slices.Equal(got, want) {
					t.Errorf("table %s differs after the copy: %d rows, want %d", tc.Table, len(got), len(want))
				}
			}
			// New rows get ids past everything the source issued.
			next := &domain.Account{Name: "After the move", TimeZone: "UTC"}
			if err := dst.CreateAccount(ctx, next); err != nil {
				t.Fatal(err)
			}
			if next.ID <= gone.ID {
				t.Errorf("new account got id %d, the source had issued %d", next.ID, gone.ID)
			}
			accts, err := dst.ListAccounts(ctx)
			if err != nil || len(accts) != 2 {
				t.Fatalf("accounts after the copy: %v, %v", accts, err)
			}
			p := &domain.Person{AccountID: accts[0].ID, FirstName: "New", LastName: "Person", Enabled: true}
			if err := dst.CreatePerson(ctx, p); err != nil {
				t.Fatalf("create a person on the target: %v", err)
			}
		})
	}
}

func TestCopyRefusesATargetWithData(t *testing.T) {
	ctx := context.Background()
	src := copySource(t, 10)
	storetest.Run(t, func(t *testing.T, dst *store.Store) {
		first, err := store.Copy(ctx, src, dst, store.CopyOptions{})
		if err != nil {
			t.Fatal(err)
		}
		_, err = store.Copy(ctx, src, dst, store.CopyOptions{})
		var full *store.NotEmptyError
		if !errors.As(err, &full) || !strings.Contains(err.Error(), "(rows per table: accounts: 1, ") {
			t.Fatalf("second copy: %v", err)
		}
		// Replace starts over: the same counts, nothing doubled.
		again, err := store.Copy(ctx, src, dst, store.CopyOptions{Replace: true})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(again.Tables, first.Tables) {
			t.Errorf("after --replace: %v, first copy %v", again.Tables, first.Tables)
		}
	})
}

func TestCopyRefusesOtherSchemaVersions(t *testing.T) {
	ctx := context.Background()
	migrations, err := (&store.Store{}).Migrations()
	if err != nil {
		t.Fatal(err)
	}
	latest := migrations[len(migrations)-1].Version
	for _, tc := range []struct {
		name, sql, want string
		newer           bool
	}{
		{"older", fmt.Sprintf(`DELETE FROM schema_migrations WHERE version = %d`, latest), fmt.Sprintf("older than this binary's %d", latest), false},
		{"newer", `INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, 'future', 0)`, "newer than this binary's", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := copySource(t, 0)
			if _, err := src.DB().ExecContext(ctx, tc.sql); err != nil {
				t.Fatal(err)
			}
			dst := storetest.Open(t, storetest.Backend{Name: "sqlite", DSN: filepath.Join(t.TempDir(), "target.db")})
			_, err := store.Copy(ctx, src, dst, store.CopyOptions{})
			var se *store.SchemaError
			if !errors.As(err, &se) || se.Newer() != tc.newer || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "source database") {
				t.Fatalf("copy: %v", err)
			}
		})
	}
	t.Run("no schema", func(t *testing.T) {
		empty, err := store.Open(ctx, filepath.Join(t.TempDir(), "empty.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer empty.Close()
		dst := storetest.Open(t, storetest.Backend{Name: "sqlite", DSN: filepath.Join(t.TempDir(), "target.db")})
		_, err = store.Copy(ctx, empty, dst, store.CopyOptions{})
		var se *store.SchemaError
		if !errors.As(err, &se) || !se.NoTable {
			t.Fatalf("copy from an empty file: %v", err)
		}
		if names, _ := empty.Tables(ctx); len(names) != 0 {
			t.Errorf("checking the source wrote tables into it: %v", names)
		}
	})
	t.Run("newer target", func(t *testing.T) {
		src := copySource(t, 0)
		dst := storetest.Open(t, storetest.Backend{Name: "sqlite", DSN: filepath.Join(t.TempDir(), "target.db")})
		if _, err := dst.DB().ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, 'future', 0)`); err != nil {
			t.Fatal(err)
		}
		_, err := store.Copy(ctx, src, dst, store.CopyOptions{})
		var se *store.SchemaError
		if !errors.As(err, &se) || !se.Newer() || !strings.HasPrefix(err.Error(), "target database") {
			t.Fatalf("copy: %v", err)
		}
	})
}

func TestCopyNamesAValuePostgresCannotStore(t *testing.T) {
	dsn, ok := storetest.PostgresDSN(t)
	if !ok {
		t.Skip("set " + storetest.EnvPostgres + " to run against PostgreSQL")
	}
	ctx := context.Background()
	src := copySource(t, 0)
	if _, err := src.DB().ExecContext(ctx, `UPDATE people SET notes = 'before'||char(0)||'after' WHERE id = 3`); err != nil {
		t.Fatal(err)
	}
	dst := storetest.Open(t, storetest.Backend{Name: "postgres", DSN: dsn})
	_, err := store.Copy(ctx, src, dst, store.CopyOptions{})
	if err == nil || !strings.Contains(err.Error(), "table people, the row with id 3, column notes") || !strings.Contains(err.Error(), "NUL") {
		t.Fatalf("copy: %v", err)
	}
	// Nothing of the failed copy stays behind.
	if accts, err := dst.ListAccounts(ctx); err != nil || len(accts) != 0 {
		t.Fatalf("target after a failed copy: %v, %v", accts, err)
	}
}

// TestCopyFromPostgres copies SQLite to PostgreSQL and back to SQLite: the
// catalog, sequences and values are read from PostgreSQL too.
func TestCopyFromPostgres(t *testing.T) {
	dsn, ok := storetest.PostgresDSN(t)
	if !ok {
		t.Skip("set " + storetest.EnvPostgres + " to run against PostgreSQL")
	}
	ctx := context.Background()
	src := copySource(t, 50)
	gone := goneAccount(t, src)
	pg, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	if _, err := store.Copy(ctx, src, pg, store.CopyOptions{}); err != nil {
		t.Fatal(err)
	}
	back, err := store.Open(ctx, filepath.Join(t.TempDir(), "back.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer back.Close()
	report, err := store.Copy(ctx, pg, back, store.CopyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range report.Tables {
		if want, got := tableRows(t, src, tc.Table), tableRows(t, back, tc.Table); !slices.Equal(got, want) {
			t.Errorf("table %s differs after the round trip: %d rows, want %d", tc.Table, len(got), len(want))
		}
	}
	next := &domain.Account{Name: "After the round trip", TimeZone: "UTC"}
	if err := back.CreateAccount(ctx, next); err != nil {
		t.Fatal(err)
	}
	if next.ID <= gone.ID {
		t.Errorf("new account got id %d, the first source had issued %d", next.ID, gone.ID)
	}
}
