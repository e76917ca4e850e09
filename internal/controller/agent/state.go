package agent

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	"github.com/lintel-dev/lintel/internal/controller/wire"
)

// State is what the agent keeps on disk in its state directory: the last
// snapshot (snapshot.json), the changes received since (changes.jsonl, one
// GET changes answer per line) and the events not yet acknowledged by the
// server (outbox.jsonl, one event per line). Files are written with mode
// 0600: the snapshot holds credential numbers. It is safe for concurrent
// use within one process; two agents must not share a directory.
type State struct {
	dir       string
	mu        sync.Mutex // guards the outbox file
	changesMu sync.Mutex // guards the changes file
}

// OpenState creates the directory if needed. Errors: the file system's.
func OpenState(dir string) (*State, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create state directory: %w", err)
	}
	return &State{dir: dir}, nil
}

func (s *State) path(name string) string { return filepath.Join(s.dir, name) }

// LoadSnapshot returns the saved snapshot, or nil when there is none.
// Errors: a file that cannot be read or parsed.
func (s *State) LoadSnapshot() (*wire.Snapshot, error) {
	b, err := os.ReadFile(s.path("snapshot.json"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read saved snapshot: %w", err)
	}
	var snap wire.Snapshot
	if err := json.Unmarshal(b, &snap); err != nil {
		return nil, fmt.Errorf("parse saved snapshot: %w", err)
	}
	return &snap, nil
}

// SaveSnapshot replaces the saved snapshot atomically and drops the saved
// changes it includes (those up to its Seq); later ones stay.
func (s *State) SaveSnapshot(snap *wire.Snapshot) error {
	b, err := json.Marshal(snap)
	if err != nil {
		return err
	}
	if err := writeAtomic(s.path("snapshot.json"), b); err != nil {
		return err
	}
	s.changesMu.Lock()
	defer s.changesMu.Unlock()
	later, err := s.SavedChanges(snap.Seq)
	if err != nil {
		return err
	}
	if len(later) == 0 {
		if err := os.Remove(s.path("changes.jsonl")); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("drop saved changes: %w", err)
		}
		return nil
	}
	var buf bytes.Buffer
	for _, c := range later {
		line, err := json.Marshal(c)
		if err != nil {
			return err
		}
		buf.Write(append(line, '\n'))
	}
	return writeAtomic(s.path("changes.jsonl"), buf.Bytes())
}

// AppendChanges adds changes received after the saved snapshot, synced to
// disk before returning.
func (s *State) AppendChanges(c *wire.Changes) error {
	b, err := json.Marshal(c)
	if err != nil {
		return err
	}
	s.changesMu.Lock()
	defer s.changesMu.Unlock()
	return appendLine(s.path("changes.jsonl"), b)
}

// SavedChanges returns the saved changes that lead on from sequence after,
// oldest first. Lines at or before after (left by a crash between saving a
// snapshot and dropping the changes it includes) and a last line cut short
// are skipped. Errors: a file that cannot be read.
func (s *State) SavedChanges(after int64) ([]*wire.Changes, error) {
	b, err := os.ReadFile(s.path("changes.jsonl"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read saved changes: %w", err)
	}
	var out []*wire.Changes
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 64<<10), 256<<20)
	for sc.Scan() {
		var c wire.Changes
		if json.Unmarshal(sc.Bytes(), &c) == nil && c.Seq > after {
			out = append(out, &c)
			after = c.Seq
		}
	}
	return out, nil
}

// Append adds events to the outbox and syncs them to disk (once for all)
// before returning, so a decision that was acted on is never lost.
func (s *State) Append(events ...wire.Event) error {
	if len(events) == 0 {
		return nil
	}
	var buf bytes.Buffer
	for i, e := range events {
		b, err := json.Marshal(e)
		if err != nil {
			return err
		}
		if i > 0 {
			buf.WriteByte('\n')
		}
		buf.Write(b)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return appendLine(s.path("outbox.jsonl"), buf.Bytes())
}

// appendLine appends b and a newline to the file, creating it with mode
// 0600, and syncs it.
func appendLine(path string, b []byte) error {
	name := filepath.Base(path)
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("open %s: %w", name, err)
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", name, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("sync %s: %w", name, err)
	}
	return f.Close()
}

// Pending returns the events in the outbox, oldest first. A line that
// cannot be parsed (a write cut short by a crash) is skipped.
func (s *State) Pending() ([]wire.Event, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pending()
}

func (s *State) pending() ([]wire.Event, error) {
	b, err := os.ReadFile(s.path("outbox.jsonl"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read outbox: %w", err)
	}
	var out []wire.Event
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		var e wire.Event
		if json.Unmarshal(sc.Bytes(), &e) == nil && e.ID != "" {
			out = append(out, e)
		}
	}
	return out, nil
}

// Acknowledge removes the events with the given ids from the outbox;
// events appended meanwhile stay.
func (s *State) Acknowledge(ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	done := make(map[string]bool, len(ids))
	for _, id := range ids {
		done[id] = true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	all, err := s.pending()
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	for _, e := range all {
		if done[e.ID] {
			continue
		}
		b, _ := json.Marshal(e)
		buf.Write(append(b, '\n'))
	}
	return writeAtomic(s.path("outbox.jsonl"), buf.Bytes())
}

// writeAtomic writes b to a temporary file, syncs it and renames it over
// path.
func writeAtomic(path string, b []byte) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("write %s: %w", filepath.Base(path), err)
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", filepath.Base(path), err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("sync %s: %w", filepath.Base(path), err)
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("replace %s: %w", filepath.Base(path), err)
	}
	return nil
}
