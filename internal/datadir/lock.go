package datadir

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gofrs/flock"
)

// LockFile is the name of the lock file inside a data directory.
const LockFile = "lintel.lock"

// Holder says who holds a data directory.
type Holder struct {
	PID     int       `json:"pid"`
	Command string    `json:"command"`       // what it runs, e.g. "lintel serve"
	URL     string    `json:"url,omitempty"` // where it serves, when it does
	Since   time.Time `json:"since"`
}

// String describes the holder in words, e.g. `pid 4242 (lintel serve,
// serving http://127.0.0.1:8080, since 2025-06-10 10:30:00 UTC)`.
func (h *Holder) String() string {
	parts := []string{}
	if h.Command != "" {
		parts = append(parts, h.Command)
	}
	if h.URL != "" {
		parts = append(parts, "serving "+h.URL)
	}
	if !h.Since.IsZero() {
		parts = append(parts, "since "+h.Since.UTC().Format("2006-01-02 15:04:05 UTC"))
	}
	s := fmt.Sprintf("pid %d", h.PID)
	if len(parts) > 0 {
		s += " (" + strings.Join(parts, ", ") + ")"
	}
	return s
}

// BusyError refuses a data directory another process holds.
type BusyError struct {
	Dir    string
	Holder *Holder // nil when the lock file does not say
}

func (e *BusyError) Error() string {
	who := "another process"
	if e.Holder != nil {
		who = "another Lintel, " + e.Holder.String()
	}
	return fmt.Sprintf("data directory %s is in use by %s", e.Dir, who)
}

// Lock is a held data-directory lock.
type Lock struct {
	dir    string
	fl     *flock.Flock
	holder Holder
}

// Acquire locks dir (creating it, mode 0700, when missing) for holder
// without waiting, and records holder in the lock file. Errors:
// *BusyError when another process, or another Lock in this one, holds it;
// otherwise the file system's.
func Acquire(dir string, holder Holder) (*Lock, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create data directory %s: %w", dir, err)
	}
	path := filepath.Join(dir, LockFile)
	fl := flock.New(path, flock.SetPermissions(0o600))
	ok, err := fl.TryLock()
	if err != nil {
		return nil, fmt.Errorf("lock data directory %s: %w", dir, err)
	}
	if !ok {
		return nil, &BusyError{Dir: dir, Holder: readHolder(path)}
	}
	l := &Lock{dir: dir, fl: fl, holder: holder}
	l.write()
	return l, nil
}

// Dir is the locked directory.
func (l *Lock) Dir() string { return l.dir }

// SetURL records where the holder serves, for the refusals others get.
func (l *Lock) SetURL(url string) {
	l.holder.URL = url
	l.write()
}

// Release gives the directory up. It is safe to call on a nil Lock and
// more than once.
func (l *Lock) Release() error {
	if l == nil || !l.fl.Locked() {
		return nil
	}
	// Forget the holder first, so that nobody reads it as current later.
	_ = os.Truncate(l.fl.Path(), 0)
	if err := l.fl.Unlock(); err != nil {
		return fmt.Errorf("unlock data directory %s: %w", l.dir, err)
	}
	return nil
}

// write records the holder in the lock file. It is best effort: the lock
// is what protects the directory, the record only explains a refusal (and
// Windows refuses writes to a locked range from other handles).
func (l *Lock) write() {
	b, err := json.Marshal(l.holder)
	if err != nil {
		return
	}
	_ = os.WriteFile(l.fl.Path(), append(b, '\n'), 0o600)
}

// readHolder reads the holder recorded in a lock file, or nil.
func readHolder(path string) *Holder {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	var h Holder
	if err := json.Unmarshal(b, &h); err != nil || h.PID == 0 {
		return nil
	}
	return &h
}

// IsBusy reports whether err is a refusal because another process holds
// the data directory.
func IsBusy(err error) bool {
	var b *BusyError
	return errors.As(err, &b)
}
