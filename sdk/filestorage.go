package lintel

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// FileStorage keeps a token in a JSON file (mode 0600) that several
// processes may share. Update holds an exclusive lock on a companion file
// (path + ".lock") across the read, the refresh and the write, so that
// exactly one process refreshes a token while the others wait and then
// read the new one; the token file itself is replaced atomically, so Load
// never sees half a file. The lock is flock(2) on Unix and LockFileEx on
// Windows; the operating system drops it when a process dies.
//
// Suits development and single-machine deployments; with several
// machines, keep tokens in your database (see docs/sdk.md).
type FileStorage struct {
	path string
	mu   sync.Mutex // one Update at a time within the process
}

// NewFileStorage returns a storage at path. The directory is created on
// the first write.
func NewFileStorage(path string) *FileStorage { return &FileStorage{path: path} }

// Path is the token file's path.
func (f *FileStorage) Path() string { return f.path }

// Load reads the token file; a missing file is no token.
func (f *FileStorage) Load(context.Context) (*Token, error) {
	return f.read()
}

func (f *FileStorage) read() (*Token, error) {
	b, err := os.ReadFile(f.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("lintel: read token file: %w", err)
	}
	if len(b) == 0 {
		return nil, nil
	}
	var t Token
	if err := json.Unmarshal(b, &t); err != nil {
		return nil, fmt.Errorf("lintel: token file %s is not a token: %w", f.path, err)
	}
	return &t, nil
}

// Update locks the file against every other process and goroutine, reads
// the token, calls fn and writes (or removes) what fn returned.
func (f *FileStorage) Update(ctx context.Context, fn func(*Token) (*Token, error)) (*Token, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := os.MkdirAll(filepath.Dir(f.path), 0o700); err != nil {
		return nil, fmt.Errorf("lintel: token directory: %w", err)
	}
	lf, err := os.OpenFile(f.path+".lock", os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lintel: open token lock: %w", err)
	}
	defer lf.Close()
	if err := lockFile(ctx, lf); err != nil {
		return nil, err
	}
	defer unlockFile(lf)
	cur, err := f.read()
	if err != nil {
		return nil, err
	}
	given := cloneToken(cur)
	next, err := fn(given)
	if err != nil {
		return nil, err
	}
	if next == nil {
		if cur == nil {
			return nil, nil
		}
		if err := os.Remove(f.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("lintel: remove token file: %w", err)
		}
		return nil, nil
	}
	if next == given {
		return next, nil
	}
	if err := f.write(next); err != nil {
		return nil, err
	}
	return next, nil
}

// write replaces the token file atomically: a temporary file, synced, then
// renamed over it.
func (f *FileStorage) write(t *Token) error {
	b, err := json.MarshalIndent(t, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(f.path), ".tokens-*")
	if err != nil {
		return fmt.Errorf("lintel: write token file: %w", err)
	}
	name := tmp.Name()
	ok := false
	defer func() {
		if !ok {
			_ = os.Remove(name)
		}
	}()
	if err := tmp.Chmod(0o600); err != nil && !isUnsupported(err) {
		tmp.Close()
		return fmt.Errorf("lintel: write token file: %w", err)
	}
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("lintel: write token file: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("lintel: write token file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("lintel: write token file: %w", err)
	}
	if err := os.Rename(name, f.path); err != nil {
		return fmt.Errorf("lintel: write token file: %w", err)
	}
	ok = true
	return nil
}

// lockFile takes an exclusive lock on lf, trying again until it succeeds
// or ctx ends, so a caller's deadline is honoured.
func lockFile(ctx context.Context, lf *os.File) error {
	wait := time.Millisecond
	for {
		ok, err := tryLock(lf)
		if err != nil {
			return fmt.Errorf("lintel: lock token file: %w", err)
		}
		if ok {
			return nil
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("lintel: lock token file: %w", ctx.Err())
		case <-t.C:
		}
		wait = min(wait*2, 20*time.Millisecond)
	}
}

func isUnsupported(err error) bool { return errors.Is(err, errors.ErrUnsupported) }
