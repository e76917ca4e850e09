package datadir_test

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lintel-dev/lintel/internal/datadir"
)

func TestLockRefusesASecondHolderAndSaysWho(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	since := time.Date(2025, 6, 10, 10, 30, 0, 0, time.UTC)
	first, err := datadir.Acquire(dir, datadir.Holder{PID: os.Getpid(), Command: "lintel serve", Since: since})
	if err != nil {
		t.Fatal(err)
	}
	first.SetURL("http://127.0.0.1:8080")
	_, err = datadir.Acquire(dir, datadir.Holder{PID: os.Getpid(), Command: "lintel demo"})
	var busy *datadir.BusyError
	if !errors.As(err, &busy) || !datadir.IsBusy(err) || busy.Holder == nil {
		t.Fatalf("second lock: %v", err)
	}
	want := fmt.Sprintf("data directory %s is in use by another Lintel, pid %d (lintel serve, serving http://127.0.0.1:8080, since 2025-06-10 10:30:00 UTC)", dir, os.Getpid())
	if err.Error() != want {
		t.Errorf("refusal:\n%s\nwant\n%s", err, want)
	}
	if st, err := os.Stat(filepath.Join(dir, datadir.LockFile)); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("lock file: %v, %v", st, err)
	}
	if err := first.Release(); err != nil {
		t.Fatal(err)
	}
	if err := first.Release(); err != nil {
		t.Fatalf("second release: %v", err)
	}
	again, err := datadir.Acquire(dir, datadir.Holder{PID: os.Getpid(), Command: "lintel demo"})
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	again.Release()
}

// TestLockHeldByAnotherProcess holds the lock in a child process, then
// kills it: the lock is refused while the child lives and free as soon as
// it is gone, however it ended.
func TestLockHeldByAnotherProcess(t *testing.T) {
	if os.Getenv("DATADIR_HOLD") != "" {
		return // the child's side runs in TestMain
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "DATADIR_HOLD="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || strings.TrimSpace(line) != "held" {
		t.Fatalf("child: %q, %v", line, err)
	}
	_, err = datadir.Acquire(dir, datadir.Holder{PID: os.Getpid(), Command: "lintel serve"})
	var busy *datadir.BusyError
	if !errors.As(err, &busy) || busy.Holder == nil || busy.Holder.PID != cmd.Process.Pid {
		t.Fatalf("lock held by pid %d: %v", cmd.Process.Pid, err)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	l, err := datadir.Acquire(dir, datadir.Holder{PID: os.Getpid(), Command: "lintel serve"})
	if err != nil {
		t.Fatalf("after the holder was killed: %v", err)
	}
	l.Release()
}

func TestMain(m *testing.M) {
	if dir := os.Getenv("DATADIR_HOLD"); dir != "" {
		if _, err := datadir.Acquire(dir, datadir.Holder{PID: os.Getpid(), Command: "lintel serve", URL: "http://127.0.0.1:9"}); err != nil {
			fmt.Println(err)
			os.Exit(1)
		}
		fmt.Println("held")
		select {} // until killed
	}
	os.Exit(m.Run())
}
