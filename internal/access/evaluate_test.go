package access

import (
	"testing"
	"time"
)

func TestEvaluateRules(t *testing.T) {
	s := fixtureSnapshot()
	// Wednesday 23:30 London: inside the night shift only.
	night := time.Date(2025, 6, 11, 22, 30, 0, 0, time.UTC)
	// Saturday 10:00 London: outside the office shift.
	saturday := time.Date(2025, 6, 14, 9, 0, 0, 0, time.UTC)
	cases := []struct {
		name    string
		channel int64
		typ     int64
		value   string
		at      time.Time
		admit   bool
		code    int
		reason  Reason
		person  int64
		label   string
	}{
		{"staff card", chFront, tCard, "1001", t0, true, 10, ReasonGranted, 1, "Jane Doe admitted using card"},
		{"staff PIN", chFront, tPIN, "1234", t0, true, 11, ReasonGranted, 1, "Jane Doe admitted using PIN"},
		{"staff fob reads as card", chFront, tFob, "f-1", t0, true, 10, ReasonGranted, 1, "Jane Doe admitted using key fob"},
		{"apple wallet", chFront, tMobile, "m-8", t0, true, 17, ReasonGranted, 8, "Mo Bile admitted using Apple Wallet pass"},
		{"google wallet", chFront, tMobile, "m-14", t0, true, 18, ReasonGranted, 14, "Go Ogle admitted using Google Wallet pass"},
		{"unknown door", 999, tCard, "1001", t0, false, 27, ReasonUnknownChannel, 0, "Rejected: unknown door"},
		{"unknown type", chFront, 77, "1001", t0, false, 26, ReasonInvalidType, 0, "Rejected: credential type not used on this account"},
		{"value of another type", chFront, tPIN, "1001", t0, false, 24, ReasonUnknownCredential, 0, "Unknown PIN rejected"},
		{"unknown card", chFront, tCard, "0000", t0, false, 20, ReasonUnknownCredential, 0, "Unknown card rejected"},
		{"card of unknown person", chFront, tCard, "99001", t0, false, 20, ReasonUnknownCredential, 0, "Unknown card rejected"},
		{"revoked mobile", chFront, tMobile, "m-9", t0, false, 20, ReasonCredentialDisabled, 9, "Rev Oked rejected: mobile credential is disabled"},
		{"disabled person", chFront, tCard, "3001", t0, false, 21, ReasonPersonDisabled, 3, "Dee Abled rejected: person is disabled"},
		{"not yet valid", chFront, tCard, "4001", t0, false, 21, ReasonNotYetValid, 4, "Early Bird rejected: access not valid yet"},
		{"valid from boundary", chFront, tCard, "4001", t0.Add(time.Hour), true, 10, ReasonGranted, 4, ""},
		{"expired", chFront, tCard, "5001", t0, false, 21, ReasonExpired, 5, "Old Timer rejected: access has expired"},
		{"valid to is inclusive", chFront, tCard, "5001", t0.Add(-time.Hour), true, 10, ReasonGranted, 5, ""},
		{"member in office hours", chFront, tCard, "2001", t0, true, 10, ReasonGranted, 2, ""},
		{"member on saturday", chFront, tCard, "2001", saturday, false, 21, ReasonOutsideSchedule, 2, "Max Member rejected: outside permitted hours"},
		{"member at a door of no role", chRexLocked, tCard, "2001", t0, false, 27, ReasonNoAccess, 2, "Max Member rejected: card not valid for this door"},
		{"member night shift crosses midnight", chServer, tCard, "2001", night, true, 10, ReasonGranted, 2, ""},
		{"member night shift next morning", chServer, tCard, "2001", time.Date(2025, 6, 12, 4, 59, 0, 0, time.UTC), true, 10, ReasonGranted, 2, ""},
		{"member night shift over", chServer, tCard, "2001", time.Date(2025, 6, 12, 5, 0, 0, 0, time.UTC), false, 21, ReasonOutsideSchedule, 2, ""},
		{"member in New York at 08:00 local", chNY, tCard, "2001", t0, false, 21, ReasonOutsideSchedule, 2, ""},
		{"member in New York at 09:00 local", chNY, tCard, "2001", t0.Add(time.Hour), true, 10, ReasonGranted, 2, ""},
		{"reservation active", chServer, tCard, "6001", t0, true, 10, ReasonGranted, 6, ""},
		{"reservation ends exclusive", chServer, tCard, "6001", t0.Add(time.Hour), false, 21, ReasonOutsideSchedule, 6, ""},
		{"reservation tomorrow", chFront, tCard, "6001", t0, false, 21, ReasonOutsideSchedule, 6, ""},
		{"reservation other door", chNY, tCard, "6001", t0, false, 27, ReasonNoAccess, 6, ""},
		{"group reservation active", chServer, tCard, "7001", t0, true, 10, ReasonGranted, 7, ""},
		{"group reservation over", chServer, tCard, "7001", t0.Add(time.Hour), false, 21, ReasonOutsideSchedule, 7, ""},
		{"group reservation pending", chServer, tCard, "12001", t0, false, 21, ReasonOutsideSchedule, 12, ""},
		{"group reservation deactivated", chServer, tCard, "13001", t0, false, 27, ReasonNoAccess, 13, ""},
		{"direct role", chNY, tCard, "10001", t0, true, 10, ReasonGranted, 10, ""},
		{"direct role other door", chFront, tCard, "10001", t0, false, 27, ReasonNoAccess, 10, ""},
		{"no groups", chFront, tCard, "11001", t0, false, 27, ReasonNoAccess, 11, "No Body rejected: card not valid for this door"},
		{"card lockdown beats unlock mode", chLocked, tCard, "1001", t0, false, 22, ReasonLockdown, 1, "Jane Doe rejected: door in lockdown"},
		{"card lockdown refuses PINs", chLocked, tPIN, "1234", t0, false, 22, ReasonLockdown, 1, ""},
		{"lockdown unknown card", chLocked, tCard, "0000", t0, false, 22, ReasonLockdown, 0, "Unknown card rejected: door in lockdown"},
		{"unlocked before relock", chUnlocked, tCard, "11001", t0, true, 16, ReasonUnlocked, 11, "No Body admitted: door unlocked"},
		{"unlocked admits unknown", chUnlocked, tCard, "0000", t0, true, 16, ReasonUnlocked, 0, "Admitted: door unlocked"},
		{"relocked at relock_at", chUnlocked, tCard, "11001", t0.Add(time.Hour), false, 27, ReasonNoAccess, 11, ""},
		{"relock time passed", chRelocked, tCard, "11001", t0, false, 27, ReasonNoAccess, 11, ""},
		{"auto-unlock shift", chAuto, tCard, "11001", t0, true, 16, ReasonUnlocked, 11, ""},
		{"auto-unlock shift over", chAuto, tCard, "11001", t0.Add(31 * time.Minute), false, 27, ReasonNoAccess, 11, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := Evaluate(s, c.channel, c.typ, c.value, c.at)
			if d.Admit != c.admit || d.Code != c.code || d.Reason != c.reason || d.PersonID != c.person {
				t.Fatalf("got admit=%v code=%d reason=%s person=%d, want admit=%v code=%d reason=%s person=%d",
					d.Admit, d.Code, d.Reason, d.PersonID, c.admit, c.code, c.reason, c.person)
			}
			if c.label != "" && d.Label() != c.label {
				t.Fatalf("label %q, want %q", d.Label(), c.label)
			}
			if d.Admit != (d.Code >= 10 && d.Code <= 18) || !d.Admit != (d.Code >= 20 && d.Code <= 29) {
				t.Fatalf("code %d out of its range for admit=%v", d.Code, d.Admit)
			}
		})
	}
}

func TestEvaluateInput(t *testing.T) {
	s := fixtureSnapshot()
	cases := []struct {
		channel int64
		in      Input
		admit   bool
		code    int
	}{
		{chFront, InputREX, true, 13},
		{chFront, InputAUX, true, 14},
		{chRexLocked, InputREX, false, 22},
		{chRexLocked, InputAUX, true, 14},
		{chLocked, InputREX, true, 13}, // card lockdown alone leaves the exit button working
		{999, InputREX, false, 27},
		{chFront, Input(9), false, 27},
	}
	for _, c := range cases {
		d := EvaluateInput(s, c.channel, c.in, t0)
		if d.Admit != c.admit || d.Code != c.code {
			t.Errorf("channel %d input %d: admit=%v code=%d, want %v %d", c.channel, c.in, d.Admit, d.Code, c.admit, c.code)
		}
		if d.Label() == "" {
			t.Errorf("empty label")
		}
	}
}

func TestNilSnapshotDenies(t *testing.T) {
	if d := Evaluate(nil, 1, 1, "x", t0); d.Admit || d.Reason != ReasonUnknownChannel {
		t.Fatalf("%+v", d)
	}
	if d := EvaluateInput(nil, 1, InputREX, t0); d.Admit {
		t.Fatalf("%+v", d)
	}
}

func TestEvaluateDoesNotAllocate(t *testing.T) {
	s := fixtureSnapshot()
	value := string([]byte("2001"))
	n := testing.AllocsPerRun(200, func() {
		_ = Evaluate(s, chNY, tCard, value, t0)
		_ = Evaluate(s, chServer, tCard, "7001", t0)
		_ = Evaluate(s, chFront, tCard, "nope", t0)
	})
	if n != 0 {
		t.Fatalf("Evaluate allocates %v times per run", n)
	}
}

func TestSnapshotCounts(t *testing.T) {
	s := fixtureSnapshot()
	if s.People() != 14 || s.Credentials() != 17 || !s.HasChannel(chFront) || s.HasChannel(999) || s.AccountID() != 1 || !s.BuiltAt().Equal(t0) {
		t.Fatalf("people %d credentials %d", s.People(), s.Credentials())
	}
	if s.Location().String() != "Europe/London" || !s.Unlocked(chUnlocked, t0) || s.Unlocked(chFront, t0) || s.Unlocked(999, t0) {
		t.Fatal("location or unlocked state wrong")
	}
}
