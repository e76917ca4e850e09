package access

import (
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
)

// Fixture ids.
const (
	tCard, tPIN, tMobile, tFob = 1, 2, 3, 4

	gStaff, gMembers, gTemp = 100, 101, 102

	chFront, chServer, chNY, chLocked, chUnlocked, chRelocked, chAuto, chRexLocked = 10, 11, 12, 13, 14, 15, 16, 17

	shOffice, shNight, shAutoUnlock = 1, 2, 3
)

func ptr[T any](v T) *T { return &v }

// t0 is Wednesday 11 June 2025, 13:00 in London (BST), 08:00 in New York.
var t0 = time.Date(2025, 6, 11, 12, 0, 0, 0, time.UTC)

// fixture is a small account exercising every rule.
func fixture() Source {
	weekdays := []int{1, 2, 3, 4, 5}
	src := Source{
		Account: &domain.Account{ID: 1, TimeZone: "Europe/London"},
		Sites: []*domain.Site{
			{ID: 1, TimeZone: ptr("Europe/London")},
			{ID: 2, TimeZone: ptr("America/New_York")},
		},
		Shifts: []*domain.Shift{
			{ID: shOffice, Windows: []domain.ShiftWindow{{Days: weekdays, Start: "09:00", End: "17:00"}}},
			{ID: shNight, Windows: []domain.ShiftWindow{{Days: []int{0, 1, 2, 3, 4, 5, 6}, Start: "22:00", End: "06:00"}}},
			{ID: shAutoUnlock, Windows: []domain.ShiftWindow{{Days: []int{3}, Start: "12:30", End: "13:30"}}},
		},
		CredentialTypes: []*domain.CredentialType{
			{ID: tCard, Kind: domain.KindCard}, {ID: tPIN, Kind: domain.KindPIN},
			{ID: tMobile, Kind: domain.KindMobile}, {ID: tFob, Kind: domain.KindFob},
		},
		Roles: []*domain.Role{
			{ID: 200, GroupIDs: []int64{gStaff}, ChannelIDs: []int64{chFront, chServer, chNY, chLocked, chUnlocked, chRelocked, chAuto}},
			{ID: 201, GroupIDs: []int64{gMembers}, ChannelIDs: []int64{chFront, chNY}, ShiftID: ptr[int64](shOffice)},
			{ID: 202, GroupIDs: []int64{gTemp}, ChannelIDs: []int64{chServer}},
			{ID: 203, ChannelIDs: []int64{chNY}},
			{ID: 204, GroupIDs: []int64{gMembers}, ChannelIDs: []int64{chServer}, ShiftID: ptr[int64](shNight)},
		},
	}
	site := func(n int64) *int64 { return &n }
	for _, c := range []*domain.Channel{
		{ID: chFront, Name: "Front", SiteID: site(1), Mode: "normal"},
		{ID: chServer, Name: "Server", SiteID: site(1), Mode: "normal"},
		{ID: chNY, Name: "New York", SiteID: site(2), Mode: "normal"},
		{ID: chLocked, Name: "Locked", SiteID: site(1), Mode: "unlock", CardLockdown: true},
		{ID: chUnlocked, Name: "Held open", SiteID: site(1), Mode: "unlock", RelockAt: ptr(t0.Add(time.Hour))},
		{ID: chRelocked, Name: "Relocked", SiteID: site(1), Mode: "unlock", RelockAt: ptr(t0.Add(-time.Minute))},
		{ID: chAuto, Name: "Auto", SiteID: site(1), Mode: "normal", AutoUnlockShiftID: ptr[int64](shAutoUnlock)},
		{ID: chRexLocked, Name: "No exit", SiteID: site(1), Mode: "normal", RexLockdown: true},
	} {
		src.Channels = append(src.Channels, c)
	}
	person := func(id int64, first, last string, enabled bool, groups ...int64) *domain.Person {
		p := &domain.Person{ID: id, FirstName: first, LastName: last, Enabled: enabled, GroupIDs: groups}
		src.People = append(src.People, p)
		return p
	}
	cred := func(pid, typ int64, value string) *domain.Credential {
		c := &domain.Credential{PersonID: pid, CredentialTypeID: typ, Value: ptr(value)}
		src.Credentials = append(src.Credentials, c)
		return c
	}
	person(1, "Jane", "Doe", true, gStaff)
	cred(1, tCard, "1001")
	cred(1, tPIN, "1234")
	cred(1, tFob, "f-1")
	person(2, "Max", "Member", true, gMembers)
	cred(2, tCard, "2001")
	person(3, "Dee", "Abled", false, gStaff)
	cred(3, tCard, "3001")
	person(4, "Early", "Bird", true, gStaff).ValidFrom = ptr(t0.Add(time.Hour))
	cred(4, tCard, "4001")
	person(5, "Old", "Timer", true, gStaff).ValidTo = ptr(t0.Add(-time.Hour))
	cred(5, tCard, "5001")
	person(6, "Res", "Erved", true)
	cred(6, tCard, "6001")
	src.Reservations = append(src.Reservations, &domain.Reservation{PersonID: 6, StartTime: t0.Add(-time.Hour), EndTime: t0.Add(time.Hour), ChannelIDs: []int64{chServer}},
		&domain.Reservation{PersonID: 6, StartTime: t0.Add(24 * time.Hour), EndTime: t0.Add(25 * time.Hour), ChannelIDs: []int64{chFront}})
	person(7, "Tem", "Porary", true)
	cred(7, tCard, "7001")
	src.GroupReservations = append(src.GroupReservations,
		&domain.GroupReservation{PersonID: 7, StartTime: t0.Add(-time.Hour), EndTime: t0.Add(time.Hour), GroupIDs: []int64{gTemp}},
		&domain.GroupReservation{PersonID: 12, StartTime: t0.Add(time.Hour), EndTime: t0.Add(2 * time.Hour), GroupIDs: []int64{gTemp}},
		&domain.GroupReservation{PersonID: 13, StartTime: t0.Add(-time.Hour), EndTime: t0.Add(time.Hour), GroupIDs: []int64{gTemp}, DeactivatedAt: ptr(t0.Add(-time.Minute))})
	person(8, "Mo", "Bile", true, gStaff)
	cred(8, tMobile, "m-8").WalletType = ptr("apple")
	src.Credentials[len(src.Credentials)-1].Status = ptr("active")
	person(9, "Rev", "Oked", true, gStaff)
	cred(9, tMobile, "m-9").Status = ptr("revoked")
	person(10, "Di", "Rect", true).RoleIDs = []int64{203}
	cred(10, tCard, "10001")
	person(11, "No", "Body", true)
	cred(11, tCard, "11001")
	person(12, "Pen", "Ding", true)
	cred(12, tCard, "12001")
	person(13, "Can", "Celled", true)
	cred(13, tCard, "13001")
	cred(99, tCard, "99001") // held by nobody known
	person(14, "Go", "Ogle", true, gStaff)
	c := cred(14, tMobile, "m-14")
	c.WalletType, c.Status = ptr("google"), ptr("active")
	return src
}

func fixtureSnapshot() *Snapshot { return Build(fixture(), t0) }
