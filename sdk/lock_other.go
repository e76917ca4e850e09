//go:build !unix && !windows

package lintel

import (
	"errors"
	"os"
)

// tryLock fails: this platform has no file locks the SDK can use, so
// FileStorage cannot be shared safely; use MemoryStorage or a database.
func tryLock(*os.File) (bool, error) {
	return false, errors.ErrUnsupported
}

func unlockFile(*os.File) {}
