package access

import (
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
)

// ShiftActive reports whether the shift lets its roles open doors at the
// instant at: its windows read on the wall clock of the shift's own zone,
// or of doorLoc (DoorLocation) when it names none. It is the rule Evaluate
// applies, for pages that preview a shift ("open now?").
func ShiftActive(sh *domain.Shift, at time.Time, doorLoc *time.Location) bool {
	if doorLoc == nil {
		doorLoc = time.UTC
	}
	return compileShift(sh).activeAt(at, doorLoc)
}
