package uhppote

import (
	"fmt"
	"strconv"
	"time"

	"github.com/lintel-dev/lintel/internal/access"
	"github.com/lintel-dev/lintel/internal/controller/wire"
	"github.com/lintel-dev/lintel/internal/domain"
)

// Board event reasons the driver reads (the board's own numbers).
const (
	reasonSwipePass      = 0x01
	reasonPCControl      = 0x05
	reasonNoPrivilege    = 0x06
	reasonWrongPIN       = 0x07
	reasonAntiPassback   = 0x08
	reasonMoreCards      = 0x09
	reasonFirstCard      = 0x0a
	reasonNormallyClosed = 0x0b
	reasonInterlock      = 0x0c
	reasonLimitedTimes   = 0x0d
	reasonTimeProfile    = 0x0f
	reasonDenied         = 0x12
	reasonPushButton     = 0x14
	reasonDoorOpen       = 0x17
	reasonDoorClosed     = 0x18
	reasonPasscode       = 0x19
	reasonPowerOn        = 0x1c
	reasonReset          = 0x1d
	reasonButtonDisabled = 0x1e
	reasonButtonLocked   = 0x1f
	reasonButtonOffline  = 0x20
	reasonButtonInterlck = 0x21
	reasonThreat         = 0x22
	reasonOpenTooLong    = 0x25
	reasonForcedOpen     = 0x26
	reasonFire           = 0x27
	reasonForcedClosed   = 0x28
	reasonTheft          = 0x29
	reasonZone24x7       = 0x2a
	reasonEmergency      = 0x2b
	reasonRemoteOpen     = 0x2c
	reasonRemoteOpenUSB  = 0x2d
)

// DoorFlow codes for door and alarm events (access.Code* has the admits
// and rejects).
const (
	codeChannelStarted = 1
	codeDoorForced     = 31
	codeDoorHeld       = 32
	codeDoorOpened     = 34
	codeDoorClosed     = 35
	codeAlarm          = 36
)

// swipeRejects maps the board's reasons for refusing a card to DoorFlow
// codes, for when Lintel's own rules would have admitted (the board's
// decision stands).
var swipeRejects = map[uint8]int{
	reasonPCControl: access.CodeRejectUnauthorized, reasonNoPrivilege: access.CodeRejectUnauthorized,
	reasonWrongPIN: access.CodeRejectPIN, reasonAntiPassback: access.CodeRejectPassBack,
	reasonMoreCards: access.CodeRejectUnauthorized, reasonFirstCard: access.CodeRejectUnauthorized,
	reasonNormallyClosed: access.CodeRejectLockdown, reasonInterlock: access.CodeRejectUnauthorized,
	reasonLimitedTimes: access.CodeRejectOutOfHours, reasonTimeProfile: access.CodeRejectOutOfHours,
	reasonDenied: access.CodeRejectCard,
}

// alarms names the board's alarm reasons.
var alarms = map[uint8]struct {
	code  int
	label string
}{
	reasonOpenTooLong:  {codeDoorHeld, "Door held open too long"},
	reasonForcedOpen:   {codeDoorForced, "Door forced open"},
	reasonFire:         {codeAlarm, "Alarm: fire input"},
	reasonForcedClosed: {codeAlarm, "Alarm: door forced closed"},
	reasonTheft:        {codeAlarm, "Alarm: theft prevention"},
	reasonZone24x7:     {codeAlarm, "Alarm: 24-hour zone"},
	reasonEmergency:    {codeAlarm, "Alarm: emergency call"},
	reasonThreat:       {codeAlarm, "Alarm: duress (threat) code"},
	reasonDoorOpen:     {codeDoorOpened, "Door opened"},
	reasonDoorClosed:   {codeDoorClosed, "Door closed"},
}

// convert turns a board event into the Lintel events that record it (none
// for events Lintel records otherwise, such as the door opening for a
// remote admission, whose result the server records as event 50). The id
// of each is made of the board's serial, the event's index and its time,
// so the same board event always gets the same id and the server stores
// it once, however often it is handed over.
func (d *Driver) convert(be boardEvent) []wire.Event {
	d.mu.Lock()
	m := d.model
	d.mu.Unlock()
	at := time.Date(be.At.Year(), be.At.Month(), be.At.Day(), be.At.Hour(), be.At.Minute(), be.At.Second(), 0, d.zone()).UTC()
	id := fmt.Sprintf("uhppote-%d-%d-%s", d.cfg.Serial, be.Index, be.At.Format("20060102T150405"))
	event := func(door uint8, code int, label string) (wire.Event, bool) {
		if door < 1 || door > 4 || d.cfg.Doors[door-1] == 0 {
			return wire.Event{}, false
		}
		t := at
		return wire.Event{ID: id, ChannelID: d.cfg.Doors[door-1], EventCode: code, Label: label, OccurredAt: &t}, true
	}
	switch be.Reason {
	case reasonRemoteOpen, reasonRemoteOpenUSB:
		return nil
	case reasonPowerOn, reasonReset:
		var out []wire.Event
		for i := range d.cfg.Doors {
			if e, ok := event(uint8(i+1), codeChannelStarted, "Controller board restarted"); ok {
				e.ID = fmt.Sprintf("%s-d%d", id, i+1)
				out = append(out, e)
			}
		}
		return out
	case reasonPushButton:
		if e, ok := event(be.Door, access.CodeAdmitREX, "Admitted by request-to-exit button"); ok {
			return []wire.Event{e}
		}
		return nil
	case reasonButtonDisabled, reasonButtonLocked, reasonButtonOffline, reasonButtonInterlck:
		if e, ok := event(be.Door, access.CodeRejectLockdown, "Request-to-exit button refused: door locked"); ok {
			return []wire.Event{e}
		}
		return nil
	case reasonPasscode:
		if e, ok := event(be.Door, access.CodeAdmitManual, "Admitted by the door's passcode"); ok {
			return []wire.Event{e}
		}
		return nil
	}
	if a, found := alarms[be.Reason]; found {
		if e, ok := event(be.Door, a.code, a.label); ok {
			return []wire.Event{e}
		}
		return nil
	}
	if be.Type != 0x01 && be.Reason != reasonSwipePass && swipeRejects[be.Reason] == 0 {
		return nil // nothing Lintel records
	}
	e, ok := event(be.Door, 0, "")
	if !ok || m == nil {
		return nil
	}
	d.swipe(m, &e, be, at)
	return []wire.Event{e}
}

// swipe fills a card event: the board's decision stands; its code and
// label come from Lintel's rules for the same card, door and instant when
// they agree with it (they name the finer reason and the person), else
// from the board's reason. A card refused at a door that stands unlocked
// (normally open) still got in: that is Lintel's "admitted, door
// unlocked".
func (d *Driver) swipe(m *model, e *wire.Event, be boardEvent, at time.Time) {
	value := strconv.FormatUint(uint64(be.Card), 10)
	personID, typeID := m.owner(value)
	if typeID == 0 {
		typeID = m.cardType()
	}
	dec := access.Evaluate(m.decide, e.ChannelID, typeID, value, at)
	switch {
	case be.Granted && dec.Admit, !be.Granted && !dec.Admit:
		e.EventCode, e.Label = dec.Code, dec.Label()
	case !be.Granted && dec.Admit && dec.Reason == access.ReasonUnlocked:
		e.EventCode, e.Label = dec.Code, dec.Label()
	case be.Granted:
		e.EventCode, e.Label = access.CodeAdmitCard, name(dec, "Card")+" admitted by the board"
	default:
		e.EventCode = swipeRejects[be.Reason]
		if e.EventCode == 0 {
			e.EventCode = access.CodeRejectUnauthorized
		}
		e.Label = name(dec, "Card") + " rejected by the board"
	}
	if dec.PersonID != 0 {
		personID = dec.PersonID
	}
	if personID != 0 {
		e.PersonID = &personID
	}
	if typeID != 0 {
		e.CredentialTypeID = &typeID
	}
	e.Credential = &value
}

func name(dec access.Decision, fallback string) string {
	if dec.PersonName != "" {
		return dec.PersonName
	}
	return fallback
}

// owner finds who holds a card or fob with this value, and as which
// credential type.
func (m *model) owner(value string) (personID, typeID int64) {
	m.ownersOnce.Do(func() {
		m.owners = map[string]credOwner{}
		for _, h := range m.people {
			for _, c := range h.creds {
				if k := m.kinds[c.CredentialTypeID]; k != domain.KindPIN && k != domain.KindMobile {
					m.owners[c.Value] = credOwner{h.person.ID, c.CredentialTypeID}
				}
			}
		}
	})
	o := m.owners[value]
	return o.personID, o.typeID
}

// cardType is the credential type an unknown card is read as: the
// account's first card type, else its first fob type.
func (m *model) cardType() int64 {
	var card, fob int64
	for id, k := range m.kinds {
		switch {
		case k == domain.KindCard && (card == 0 || id < card):
			card = id
		case k == domain.KindFob && (fob == 0 || id < fob):
			fob = id
		}
	}
	if card != 0 {
		return card
	}
	return fob
}
