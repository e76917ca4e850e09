package api

import (
	"context"

	"github.com/lintel-dev/lintel/internal/domain"
)

// The remote door commands DoorCommand accepts.
const (
	DoorUnlock     = "unlock"     // unlock until returned to normal
	DoorNormal     = "normal"     // leave unlock mode
	DoorLockdown   = "lockdown"   // reject cards and PINs
	DoorUnlockdown = "unlockdown" // lift every lockdown flag
)

// DoorCommand applies a remote command to one door of the account exactly
// as POST /api/3/channels/{id}/unlock, /normal, /lockdown (cards and PINs)
// and /unlockdown do: the door's new state, the queued command and its
// event in one transaction, then the command offered to the door's
// controller. It returns the door as it now stands; a lockdown keeps the
// exit-button and auxiliary flags the door already has. Errors:
// ENOTFOUND for a door that is not the account's; EINVALID for an unknown
// action; otherwise the store's.
func (a *API) DoorCommand(ctx context.Context, accountID, channelID int64, action string) (*domain.Channel, error) {
	ch, err := a.st.GetChannel(ctx, accountID, channelID)
	if err != nil {
		return nil, err
	}
	ch = ch.Effective(a.now())
	var cmd command
	switch action {
	case DoorUnlock:
		if err := ch.Unlock(a.nowMS(), nil); err != nil {
			return nil, err
		}
		cmd = command{kind: domain.CommandUnlock, code: domain.EventRemoteUnlock,
			label: "Unlocked remotely until returned to normal", payload: map[string]any{"relock_at": nil}}
	case DoorNormal:
		ch.Normal(a.nowMS())
		cmd = command{kind: domain.CommandNormal, code: domain.EventRemoteNormal, label: "Returned to normal mode remotely"}
	case DoorLockdown:
		ch.Lockdown(true, ch.RexLockdown, ch.AuxLockdown)
		cmd = command{kind: domain.CommandLockdown, code: domain.EventRemoteLockdown,
			label:   "Lockdown switched on remotely: " + lockdownMessage(ch),
			payload: map[string]bool{"card_lockdown": ch.CardLockdown, "rex_lockdown": ch.RexLockdown, "aux_lockdown": ch.AuxLockdown}}
	case DoorUnlockdown:
		ch.LiftLockdown()
		cmd = command{kind: domain.CommandUnlockdown, code: domain.EventRemoteUnlockdown, label: "Lockdown lifted remotely"}
	default:
		return nil, domain.Errorf(domain.EINVALID, "unknown door command %q", action)
	}
	if err := a.apply(ctx, ch, cmd); err != nil {
		return nil, err
	}
	return ch, nil
}
