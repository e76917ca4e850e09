package store_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/lintel-dev/lintel/internal/store"
	"github.com/lintel-dev/lintel/internal/store/storetest"
)

// BenchmarkCopyDemoPlus10000People copies the demo plus 10,000 people
// (and a row in each table the demo leaves empty) from SQLite into a fresh
// database per iteration: PostgreSQL when LINTEL_TEST_POSTGRES_URL is set,
// else SQLite. The time includes migrating the target; rows/s counts every
// row of every table.
func BenchmarkCopyDemoPlus10000People(b *testing.B) {
	ctx := context.Background()
	src := copySource(b, 10000)
	var rows int64
	b.ResetTimer()
	for b.Loop() {
		b.StopTimer()
		dsn, ok := storetest.PostgresDSN(b)
		if !ok {
			dsn = filepath.Join(b.TempDir(), "target.db")
		}
		dst, err := store.Open(ctx, dsn)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		report, err := store.Copy(ctx, src, dst, store.CopyOptions{})
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		rows = report.Rows
		dst.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(rows), "rows")
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkBackupDemoPlus10000People backs the same database up with
// VACUUM INTO, as "lintel db backup" does.
func BenchmarkBackupDemoPlus10000People(b *testing.B) {
	ctx := context.Background()
	src := copySource(b, 10000)
	dir := b.TempDir()
	var size int64
	i := 0
	for b.Loop() {
		i++
		info, err := src.Backup(ctx, filepath.Join(dir, fmt.Sprintf("backup-%d.db", i)))
		if err != nil {
			b.Fatal(err)
		}
		size = info.Bytes
	}
	b.ReportMetric(float64(size)/(1<<20), "MiB")
}
