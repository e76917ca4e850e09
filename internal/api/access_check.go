package api

import "github.com/lintel-dev/lintel/internal/access"

// denial is why a person may not pass a door, in DoorFlow's words for the
// 403 of admit_person; "" means they may.
type denial string

// denialOf words an engine decision for the admit_person answer.
func denialOf(d access.Decision) denial {
	if d.Admit {
		return ""
	}
	switch d.Reason {
	case access.ReasonPersonDisabled:
		return "Person is disabled"
	case access.ReasonNotYetValid:
		return "Person's access has not started yet"
	case access.ReasonExpired:
		return "Person's access has expired"
	case access.ReasonOutsideSchedule:
		return "Person does not have access to this channel at this time"
	}
	return "Person does not have access to this channel"
}
