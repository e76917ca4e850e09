package app

import (
	"errors"
	"fmt"
	"os"

	"github.com/lintel-dev/lintel/internal/config"
	"github.com/lintel-dev/lintel/internal/datadir"
	"github.com/lintel-dev/lintel/internal/domain"
)

// lockDataDir returns the data-directory lock the App holds: the one the
// caller passed, or, for an App that listens on SQLite, a new one. It
// returns nil on PostgreSQL (servers share the database) and for an App
// that does not listen. Errors: *datadir.BusyError while another process
// holds the directory.
func lockDataDir(cfg *config.Config, opt Options, now domain.Clock) (*datadir.Lock, error) {
	if opt.DataLock != nil || opt.NoListen || cfg.DatabaseURL != "" {
		return opt.DataLock, nil
	}
	cmd := opt.Command
	if cmd == "" {
		cmd = "lintel"
	}
	lock, err := datadir.Acquire(cfg.DataDir, datadir.Holder{PID: os.Getpid(), Command: cmd, Since: now().UTC()})
	if err != nil {
		return nil, fmt.Errorf("%w: stop it first, or use another --data-dir", err)
	}
	return lock, nil
}

// databaseFileIntact checks, on SQLite, that the database file at the
// configured path is still the one the App opened: a server whose file was
// deleted or replaced under it keeps answering from the old one, and must
// not call itself ready.
func (a *App) databaseFileIntact() error {
	if a.dbFile == nil {
		return nil
	}
	path := a.Config.DSN()
	now, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("the database file %s was removed", path)
	}
	if err != nil {
		return err
	}
	if !os.SameFile(now, a.dbFile) {
		return fmt.Errorf("the database file %s was replaced", path)
	}
	return nil
}
