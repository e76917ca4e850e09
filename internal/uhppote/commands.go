package uhppote

import (
	"context"

	"github.com/lintel-dev/lintel/internal/controller/wire"
	"github.com/lintel-dev/lintel/internal/domain"
)

// Command implements agent.Board. A remote admission opens the door with
// the board's OpenDoor and is "admitted" when the board says it did,
// "denied" otherwise (a board that does not answer cannot open). The door
// state commands (lockdown, unlockdown, unlock, normal, auto_unlock)
// change state that already arrived with the access list: the driver
// writes the door modes to the board at once, without waiting for a
// round of card writes (a full load of a real board takes minutes), and
// reports "done" when the board holds them, "failed" otherwise. Other
// commands have nothing to do on this board and are "done".
func (d *Driver) Command(ctx context.Context, cmd wire.Command) wire.CommandResult {
	door := 0
	for i, id := range d.cfg.Doors {
		if id == cmd.ChannelID {
			door = i + 1
		}
	}
	switch cmd.Kind {
	case domain.CommandAdmit, domain.CommandAdmitPerson:
		if door == 0 {
			return wire.CommandResult{Outcome: wire.OutcomeDenied, Detail: "not a door of this board"}
		}
		if err := d.c.openDoor(uint8(door)); err != nil {
			return wire.CommandResult{Outcome: wire.OutcomeDenied, Detail: err.Error()}
		}
		d.printf("door %d opened remotely (command %d)", door, cmd.ID)
		return wire.CommandResult{Outcome: wire.OutcomeAdmitted}
	case domain.CommandLockdown, domain.CommandUnlockdown, domain.CommandUnlock, domain.CommandNormal, domain.CommandAutoUnlock:
		// The modes go to the board at once, even while a round (a full
		// load of a real board takes minutes) is writing cards.
		d.mu.Lock()
		m := d.model
		d.mu.Unlock()
		if m == nil {
			return wire.CommandResult{Outcome: wire.OutcomeFailed, Detail: "no access list yet"}
		}
		if err := d.writeModes(doorModes(m, d.cfg.Doors, d.cfg.Now()), false); err != nil {
			d.online.Store(false)
			return wire.CommandResult{Outcome: wire.OutcomeFailed, Detail: err.Error()}
		}
		d.kick()
		return wire.CommandResult{Outcome: wire.OutcomeDone}
	}
	return wire.CommandResult{Outcome: wire.OutcomeDone}
}
