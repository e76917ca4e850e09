package access

import "github.com/lintel-dev/lintel/internal/domain"

// kind is a credential kind, compacted for the snapshot.
type kind uint8

const (
	kindCard kind = iota
	kindFob
	kindPIN
	kindMobile
	kindApple  // mobile pass in Apple Wallet
	kindGoogle // mobile pass in Google Wallet
	kindNone   // no credential was presented (REX, AUX)
)

// kindOf maps a credential type's kind; unknown kinds read like cards.
func kindOf(s string) kind {
	switch s {
	case domain.KindFob:
		return kindFob
	case domain.KindPIN:
		return kindPIN
	case domain.KindMobile:
		return kindMobile
	}
	return kindCard
}

// walletKind refines a mobile credential by its wallet.
func walletKind(k kind, wallet *string) kind {
	if k != kindMobile || wallet == nil {
		return k
	}
	switch *wallet {
	case "apple":
		return kindApple
	case "google":
		return kindGoogle
	}
	return k
}

var kindWords = [...]string{
	kindCard:   "card",
	kindFob:    "key fob",
	kindPIN:    "PIN",
	kindMobile: "mobile credential",
	kindApple:  "Apple Wallet pass",
	kindGoogle: "Google Wallet pass",
	kindNone:   "",
}

// admitCode is the admit event code for a credential kind.
func (k kind) admitCode() int {
	switch k {
	case kindPIN:
		return CodeAdmitPIN
	case kindApple:
		return CodeAdmitApple
	case kindGoogle:
		return CodeAdmitGoogle
	}
	return CodeAdmitCard
}

// rejectCode is the "credential not accepted" code for a kind: PINs have
// their own, every other kind is read by a card reader.
func (k kind) rejectCode() int {
	if k == kindPIN {
		return CodeRejectPIN
	}
	return CodeRejectCard
}

// Decision is the outcome of one evaluation. It holds no pointers into the
// caller's data; PersonName is shared with the snapshot (never copied).
type Decision struct {
	Admit      bool
	Code       int    // DoorFlow event code
	Reason     Reason // why, in more detail than Code
	PersonID   int64  // 0 when no person is known
	PersonName string // "First Last"; empty when no person is known
	kind       kind
}

// Label returns a human description of the decision in the style of
// DoorFlow event labels, for example "Jane Doe admitted using card" or
// "Unknown PIN rejected". It allocates; Evaluate does not call it.
func (d Decision) Label() string {
	who := d.PersonName
	cred := kindWords[d.kind]
	switch d.Reason {
	case ReasonGranted:
		if cred == "" {
			return who + " admitted"
		}
		return who + " admitted using " + cred
	case ReasonUnknownPerson:
		return "Rejected: unknown person"
	case ReasonUnlocked:
		if who == "" {
			return "Admitted: door unlocked"
		}
		return who + " admitted: door unlocked"
	case ReasonRequestToExit:
		return "Admitted by request-to-exit button"
	case ReasonAux:
		return "Admitted by auxiliary input"
	case ReasonUnknownChannel:
		return "Rejected: unknown door"
	case ReasonInvalidType:
		return "Rejected: credential type not used on this account"
	case ReasonUnknownCredential:
		return "Unknown " + cred + " rejected"
	case ReasonLockdown:
		switch {
		case d.kind == kindNone && d.Code == CodeRejectLockdown:
			return "Rejected: door in lockdown"
		case who == "":
			return "Unknown " + cred + " rejected: door in lockdown"
		}
		return who + " rejected: door in lockdown"
	}
	if who == "" {
		who = "Unknown person"
	}
	switch d.Reason {
	case ReasonCredentialDisabled:
		return who + " rejected: " + cred + " is disabled"
	case ReasonPersonDisabled:
		return who + " rejected: person is disabled"
	case ReasonNotYetValid:
		return who + " rejected: access not valid yet"
	case ReasonExpired:
		return who + " rejected: access has expired"
	case ReasonOutsideSchedule:
		return who + " rejected: outside permitted hours"
	case ReasonNoAccess:
		if cred == "" {
			return who + " rejected: no access to this door"
		}
		return who + " rejected: " + cred + " not valid for this door"
	}
	return who + " rejected"
}
