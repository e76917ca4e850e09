package domain

import (
	"strings"
	"testing"
	"time"
)

func fields(err error) map[string][]string {
	if e, ok := err.(*Error); ok && e.Code == EINVALID {
		return e.Fields
	}
	return nil
}

func TestCheckValue(t *testing.T) {
	pin, card, mobile := &CredentialType{Kind: KindPIN}, &CredentialType{Kind: KindCard}, &CredentialType{Kind: KindMobile}
	for _, c := range []struct {
		t        *CredentialType
		in, want string
		ok       bool
	}{
		{pin, "0042", "0042", true},
		{pin, "12345678", "12345678", true},
		{pin, "123", "", false},
		{pin, "123456789", "", false},
		{pin, "12a4", "", false},
		{pin, AutoPIN, "", false}, // a request, never a stored value
		{card, " 00123abc ", "00123abc", true},
		{card, "", "", false},
		{card, "12-34", "", false},
		{card, strings.Repeat("9", 33), "", false},
		{card, "1\x004", "", false},
		{mobile, "Ab3_-x", "Ab3_-x", true},
		{mobile, "has space", "", false},
	} {
		got, msg := c.t.CheckValue(c.in)
		if (msg == "") != c.ok || got != c.want {
			t.Errorf("%s %q: got %q, %q", c.t.Kind, c.in, got, msg)
		}
	}
}

func TestChannelTransitions(t *testing.T) {
	now := time.Date(2025, 6, 10, 10, 0, 0, 0, time.UTC)
	c := &Channel{Name: "Front", Mode: ModeNormal}
	if c.Lockdown(false, false, false) || c.CardLockdown {
		t.Fatal("a lockdown of nothing changed the door")
	}
	if !c.Lockdown(true, false, true) || !c.CardLockdown || c.RexLockdown || !c.AuxLockdown {
		t.Fatalf("lockdown: %+v", c)
	}
	c.LiftLockdown()
	if c.CardLockdown || c.AuxLockdown {
		t.Fatalf("lift: %+v", c)
	}
	past := now.Add(-time.Second)
	if f := fields(c.Unlock(now, &past)); f["relock_at"] == nil || c.Mode != ModeNormal {
		t.Fatalf("relock in the past: %v %+v", f, c)
	}
	later := now.Add(90*time.Minute + 123456)
	if err := c.Unlock(now, &later); err != nil || c.Mode != ModeUnlock || !c.RelockAt.Equal(later.Truncate(time.Millisecond)) {
		t.Fatalf("unlock: %v %+v", err, c)
	}
	if err := c.Validate(); err != nil {
		t.Fatalf("unlocked door invalid: %v", err)
	}
	if c.Effective(now.Add(time.Hour)).Mode != ModeUnlock {
		t.Fatal("relocked early")
	}
	if c.Effective(now.Add(2*time.Hour)).Mode != ModeNormal || c.RelockAt != nil || !c.ModeChangedAt.Equal(later.Truncate(time.Millisecond)) {
		t.Fatalf("not relocked at relock_at: %+v", c)
	}
	c.Unlock(now, nil)
	c.Normal(now.Add(time.Minute))
	if c.Mode != ModeNormal || !c.ModeChangedAt.Equal(now.Add(time.Minute)) {
		t.Fatalf("normal: %+v", c)
	}
	bad := &Channel{Name: " ", Mode: "open", RelockAt: &now}
	if f := fields(bad.Validate()); f["name"] == nil || f["mode"] == nil || f["relock_at"] == nil {
		t.Fatalf("bad door: %v", f)
	}
}

func TestReservationWindowFollowsTheLocalDay(t *testing.T) {
	london, _ := LoadLocation("Europe/London")
	ny, _ := LoadLocation("America/New_York")
	at := func(loc *time.Location, d, h, m int) time.Time { return time.Date(2025, 10, d, h, m, 0, 0, loc) }
	for _, c := range []struct {
		name       string
		start, end time.Time
		loc        *time.Location
		ok         bool
	}{
		{"an evening", at(london, 1, 18, 0), at(london, 1, 23, 59), london, true},
		{"to midnight", at(london, 1, 18, 0), at(london, 2, 0, 0), london, true},
		{"past midnight", at(london, 1, 18, 0), at(london, 2, 0, 1), london, false},
		// 23:00 in London is 18:00 in New York: the same day there.
		{"same day in the door's zone", at(london, 1, 22, 0), at(london, 2, 1, 0), ny, true},
		{"a minute", at(london, 1, 9, 0), at(london, 1, 9, 0).Add(59 * time.Second), london, false},
		{"backwards", at(london, 1, 9, 0), at(london, 1, 8, 0), london, false},
		// 26 October 2025 lasts 25 hours in London.
		{"the long day", at(london, 26, 0, 0), at(london, 27, 0, 0), london, true},
	} {
		if msg := ReservationWindow(c.start, c.end, c.loc); (msg == "") != c.ok {
			t.Errorf("%s: %q", c.name, msg)
		}
	}
	r := &Reservation{StartTime: at(london, 1, 9, 0), EndTime: at(london, 1, 10, 0)}
	if f := fields(r.Validate(london)); f["channel_ids"] == nil {
		t.Errorf("a reservation of no door: %v", f)
	}
	g := &GroupReservation{StartTime: at(london, 1, 9, 0), EndTime: at(london, 1, 9, 0)}
	if f := fields(g.Validate()); f["group_ids"] == nil || f["end_time"] == nil {
		t.Errorf("empty group reservation: %v", f)
	}
}

func TestValidateNamesZonesAndWindows(t *testing.T) {
	bogus := "Mars/Olympus"
	if f := fields((&Site{Name: "HQ", TimeZone: &bogus}).Validate()); f["time_zone"] == nil {
		t.Errorf("site zone: %v", f)
	}
	if f := fields((&Group{Name: strings.Repeat("x", 256)}).Validate()); f["name"] == nil {
		t.Errorf("long group name: %v", f)
	}
	if err := (&Role{Name: "Staff"}).Validate(); err != nil {
		t.Errorf("role: %v", err)
	}
	sh := &Shift{Name: "Days", Windows: []ShiftWindow{{Days: []int{1, 7}, Start: "09:00", End: "17:00"}, {Days: []int{2}, Start: "18:00", End: "17:00"}}}
	if f := fields(sh.Validate()); len(f["windows"]) != 2 {
		t.Errorf("shift windows: %v", f)
	}
	if err := (&Shift{Name: "All day", Windows: []ShiftWindow{{Days: []int{0}, Start: "00:00", End: "24:00"}}}).Validate(); err != nil {
		t.Errorf("all day: %v", err)
	}
	if f := fields((&CredentialType{Label: "Email", Slug: "email", Kind: "magic"}).Validate()); f["slug"] == nil || f["kind"] == nil {
		t.Errorf("credential type: %v", f)
	}
}

func TestDoorLocation(t *testing.T) {
	london, _ := LoadLocation("Europe/London")
	if DoorLocation("America/New_York", london).String() != "America/New_York" {
		t.Error("site zone ignored")
	}
	if DoorLocation("", london) != london || DoorLocation("Not/AZone", london) != london {
		t.Error("no usable site zone must fall back to the account's")
	}
	if _, ok := LoadLocation(""); ok {
		t.Error("the empty name is a zone")
	}
}
