package access

import "time"

// Evaluate decides whether the credential of type credentialTypeID with
// value, presented at door channelID at instant at, opens the door. It is
// pure (the answer depends only on its arguments), does no I/O and does
// not allocate. A nil snapshot knows no door.
//
// The rules are checked in this order; the first that applies decides
// (docs/access.md has the same list in plain words):
//
//  1. unknown door: reject 27 (ReasonUnknownChannel)
//  2. credential type not the account's: reject 26 (ReasonInvalidType)
//  3. card lockdown on the door: reject 22 (ReasonLockdown)
//  4. door unlocked (mode "unlock" before relock_at, or inside its
//     auto-unlock shift): admit 16 (ReasonUnlocked)
//  5. no credential with this value: reject 20, or 24 for PINs
//     (ReasonUnknownCredential)
//  6. credential not usable (mobile pass not active): reject 20/24
//     (ReasonCredentialDisabled)
//  7. person disabled: reject 21 (ReasonPersonDisabled)
//  8. before valid_from / after valid_to: reject 21 (ReasonNotYetValid,
//     ReasonExpired)
//  9. a role of one of the person's groups (permanent, or through an
//     active group reservation), a direct role, or an active reservation
//     covers the door now: admit 10/11/17/18 by credential kind
//     (ReasonGranted)
//  10. something covers the door at another time: reject 21
//     (ReasonOutsideSchedule)
//  11. otherwise: reject 27 (ReasonNoAccess)
func Evaluate(s *Snapshot, channelID, credentialTypeID int64, value string, at time.Time) Decision {
	if s == nil {
		return reject(CodeRejectUnauthorized, ReasonUnknownChannel, kindCard)
	}
	ch := s.channels[channelID]
	if ch == nil {
		return reject(CodeRejectUnauthorized, ReasonUnknownChannel, kindCard)
	}
	k, ok := s.types[credentialTypeID]
	if !ok {
		return reject(CodeRejectInvalidType, ReasonInvalidType, kindCard)
	}
	ce, known := s.creds.get(credKey{credentialTypeID, value})
	var p *person
	if known {
		if k == kindMobile && ce.wallet != kindMobile {
			k = ce.wallet
		}
		p, _ = s.people.get(ce.personID)
	}
	d := Decision{kind: k}
	if p != nil {
		d.PersonID, d.PersonName = p.id, p.name
	}
	ms := at.UnixMilli()
	switch {
	case ch.cardLockdown:
		return d.deny(CodeRejectLockdown, ReasonLockdown)
	case s.unlocked(ch, at, ms):
		return d.admit(CodeAdmitUnlocked, ReasonUnlocked)
	case p == nil:
		return d.deny(k.rejectCode(), ReasonUnknownCredential)
	case ce.disabled:
		return d.deny(k.rejectCode(), ReasonCredentialDisabled)
	case !p.enabled:
		return d.deny(CodeRejectOutOfHours, ReasonPersonDisabled)
	case ms < p.validFrom:
		return d.deny(CodeRejectOutOfHours, ReasonNotYetValid)
	case ms > p.validTo:
		return d.deny(CodeRejectOutOfHours, ReasonExpired)
	}
	switch s.grant(p, ch, at, ms) {
	case grantNow:
		return d.admit(k.admitCode(), ReasonGranted)
	case grantLater:
		return d.deny(CodeRejectOutOfHours, ReasonOutsideSchedule)
	}
	return d.deny(CodeRejectUnauthorized, ReasonNoAccess)
}

// EvaluatePerson decides whether person personID may pass door channelID
// at instant at, with no credential presented: the question a remote
// admission for a person asks ("may P open D now"). It applies the rules
// of Evaluate that concern the person and the door, in the same order and
// with the same codes, so its answer is the one the door would give to any
// usable credential of theirs:
//
//  1. unknown door: reject 27 (ReasonUnknownChannel)
//  2. unknown person: reject 27 (ReasonUnknownPerson)
//  3. person disabled: reject 21 (ReasonPersonDisabled)
//  4. before valid_from / after valid_to (both inclusive): reject 21
//     (ReasonNotYetValid, ReasonExpired)
//  5. a role, group reservation or reservation covers the door now:
//     admit 15, by application (ReasonGranted)
//  6. something covers the door at another time: reject 21
//     (ReasonOutsideSchedule)
//  7. otherwise: reject 27 (ReasonNoAccess)
//
// Lockdown and the door's unlock state are about what is presented at the
// door and are left to the caller. It is pure and does not allocate.
func EvaluatePerson(s *Snapshot, channelID, personID int64, at time.Time) Decision {
	d := Decision{kind: kindNone}
	var ch *channel
	if s != nil {
		ch = s.channels[channelID]
	}
	if ch == nil {
		return d.deny(CodeRejectUnauthorized, ReasonUnknownChannel)
	}
	p, ok := s.people.get(personID)
	if !ok || p == nil {
		return d.deny(CodeRejectUnauthorized, ReasonUnknownPerson)
	}
	d.PersonID, d.PersonName = p.id, p.name
	ms := at.UnixMilli()
	switch {
	case !p.enabled:
		return d.deny(CodeRejectOutOfHours, ReasonPersonDisabled)
	case ms < p.validFrom:
		return d.deny(CodeRejectOutOfHours, ReasonNotYetValid)
	case ms > p.validTo:
		return d.deny(CodeRejectOutOfHours, ReasonExpired)
	}
	switch s.grant(p, ch, at, ms) {
	case grantNow:
		return d.admit(CodeAdmitApplication, ReasonGranted)
	case grantLater:
		return d.deny(CodeRejectOutOfHours, ReasonOutsideSchedule)
	}
	return d.deny(CodeRejectUnauthorized, ReasonNoAccess)
}

// Input is a door input that needs no credential.
type Input uint8

const (
	InputREX Input = iota + 1 // request-to-exit button
	InputAUX                  // auxiliary input (intercom relay, fire panel, ...)
)

// EvaluateInput decides whether a request-to-exit press or an auxiliary
// input at door channelID releases it: unknown door reject 27; the matching
// lockdown flag (rex_lockdown, aux_lockdown) reject 22; otherwise admit 13
// (REX) or 14 (AUX). Any other Input is rejected like an unknown door. It
// is pure and does not allocate.
func EvaluateInput(s *Snapshot, channelID int64, in Input, at time.Time) Decision {
	var ch *channel
	if s != nil {
		ch = s.channels[channelID]
	}
	d := Decision{kind: kindNone}
	switch {
	case ch == nil || (in != InputREX && in != InputAUX):
		return d.deny(CodeRejectUnauthorized, ReasonUnknownChannel)
	case in == InputREX && ch.rexLockdown, in == InputAUX && ch.auxLockdown:
		return d.deny(CodeRejectLockdown, ReasonLockdown)
	case in == InputREX:
		return d.admit(CodeAdmitREX, ReasonRequestToExit)
	}
	return d.admit(CodeAdmitAUX, ReasonAux)
}

// Unlocked reports whether door channelID stands unlocked at instant at:
// in mode "unlock" before its relock_at (or with none), or inside its
// auto-unlock shift. An unknown door is not unlocked.
func (s *Snapshot) Unlocked(channelID int64, at time.Time) bool {
	ch := s.channels[channelID]
	return ch != nil && s.unlocked(ch, at, at.UnixMilli())
}

func (s *Snapshot) unlocked(ch *channel, at time.Time, ms int64) bool {
	if ch.unlock && ms < ch.relockAt {
		return true
	}
	if ch.autoUnlockShift != 0 {
		if sh := s.shifts[ch.autoUnlockShift]; sh != nil && sh.activeAt(at, ch.loc) {
			return true
		}
	}
	return false
}

// grant is what a person's roles and reservations say about one door.
type grant uint8

const (
	grantNone  grant = iota // nothing covers the door
	grantLater              // something covers it, but not at this instant
	grantNow                // something covers it now
)

// grant checks direct roles, group roles, group reservations and
// reservations, stopping at the first that covers the door now.
func (s *Snapshot) grant(p *person, ch *channel, at time.Time, ms int64) grant {
	best := grantNone
	for _, rid := range p.roles {
		if best = max(best, s.roleGrant(rid, ch, at)); best == grantNow {
			return best
		}
	}
	for _, gid := range p.groups {
		if best = max(best, s.groupGrant(gid, ch, at)); best == grantNow {
			return best
		}
	}
	for i := range p.groupRes {
		gr := &p.groupRes[i]
		active := gr.start <= ms && ms < gr.end
		for _, gid := range gr.groups {
			g := s.groupGrant(gid, ch, at)
			if g == grantNow && !active {
				g = grantLater
			}
			if best = max(best, g); best == grantNow {
				return best
			}
		}
	}
	for i := range p.res {
		r := &p.res[i]
		if !contains(r.channels, ch.id) {
			continue
		}
		if r.start <= ms && ms < r.end {
			return grantNow
		}
		best = max(best, grantLater)
	}
	return best
}

func (s *Snapshot) groupGrant(gid int64, ch *channel, at time.Time) grant {
	best := grantNone
	for _, rid := range s.groupRoles[gid] {
		if best = max(best, s.roleGrant(rid, ch, at)); best == grantNow {
			return best
		}
	}
	return best
}

// roleGrant: a role covers the door now when it lists the door and has no
// shift or is inside it; a role whose shift is missing never matches.
func (s *Snapshot) roleGrant(rid int64, ch *channel, at time.Time) grant {
	r := s.roles[rid]
	if r == nil || !contains(r.channels, ch.id) {
		return grantNone
	}
	if r.shiftID == 0 {
		return grantNow
	}
	sh := s.shifts[r.shiftID]
	if sh == nil {
		return grantLater
	}
	if sh.activeAt(at, ch.loc) {
		return grantNow
	}
	return grantLater
}

func reject(code int, r Reason, k kind) Decision {
	return Decision{Code: code, Reason: r, kind: k}
}

func (d Decision) deny(code int, r Reason) Decision {
	d.Admit, d.Code, d.Reason = false, code, r
	return d
}

func (d Decision) admit(code int, r Reason) Decision {
	d.Admit, d.Code, d.Reason = true, code, r
	return d
}
