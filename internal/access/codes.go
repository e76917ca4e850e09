package access

// DoorFlow event codes the engine produces. Admits are 10-18 and rejects
// 20-29; the specific numbers within each range follow the order of the
// DoorFlow v3 reference (card, PIN, manual, REX, AUX, application,
// unlocked, Apple, Google / card, out of hours, lockdown, tamper, PIN,
// timeout, invalid type, unauthorized, pass-back, offline).
const (
	CodeAdmitCard        = 10
	CodeAdmitPIN         = 11
	CodeAdmitManual      = 12
	CodeAdmitREX         = 13
	CodeAdmitAUX         = 14
	CodeAdmitApplication = 15
	CodeAdmitUnlocked    = 16
	CodeAdmitApple       = 17
	CodeAdmitGoogle      = 18

	CodeRejectCard         = 20
	CodeRejectOutOfHours   = 21
	CodeRejectLockdown     = 22
	CodeRejectTamper       = 23
	CodeRejectPIN          = 24
	CodeRejectTimeout      = 25
	CodeRejectInvalidType  = 26
	CodeRejectUnauthorized = 27
	CodeRejectPassBack     = 28
	CodeRejectOffline      = 29
)

// Reason says why a Decision came out as it did. Several reasons share an
// event code (the DoorFlow codes are coarse); the reason keeps the detail.
type Reason uint8

// Reasons, in the order Evaluate checks them (docs/access.md).
const (
	ReasonUnknownChannel     Reason = iota + 1 // the door is not in the snapshot
	ReasonInvalidType                          // the credential type is not the account's
	ReasonLockdown                             // the door's lockdown refuses this input
	ReasonUnlocked                             // the door is unlocked (mode or auto-unlock shift)
	ReasonUnknownCredential                    // no credential of the type has the value
	ReasonCredentialDisabled                   // the credential exists but may not be used
	ReasonPersonDisabled                       // the holder is disabled
	ReasonNotYetValid                          // before the holder's valid_from
	ReasonExpired                              // after the holder's valid_to
	ReasonGranted                              // a role or reservation allows this door now
	ReasonOutsideSchedule                      // allowed at this door, but not at this time
	ReasonNoAccess                             // nothing allows this door
	ReasonRequestToExit                        // the exit button released the door
	ReasonAux                                  // the auxiliary input released the door
	ReasonUnknownPerson                        // the person is not in the snapshot
)

var reasonNames = [...]string{
	ReasonUnknownChannel:     "unknown_channel",
	ReasonInvalidType:        "invalid_credential_type",
	ReasonLockdown:           "lockdown",
	ReasonUnlocked:           "unlocked",
	ReasonUnknownCredential:  "unknown_credential",
	ReasonCredentialDisabled: "credential_disabled",
	ReasonPersonDisabled:     "person_disabled",
	ReasonNotYetValid:        "not_yet_valid",
	ReasonExpired:            "expired",
	ReasonGranted:            "granted",
	ReasonOutsideSchedule:    "outside_schedule",
	ReasonNoAccess:           "no_access",
	ReasonRequestToExit:      "request_to_exit",
	ReasonAux:                "aux",
	ReasonUnknownPerson:      "unknown_person",
}

// String returns the reason as a snake_case word ("person_disabled").
func (r Reason) String() string {
	if int(r) < len(reasonNames) && reasonNames[r] != "" {
		return reasonNames[r]
	}
	return "unknown"
}
