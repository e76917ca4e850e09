package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/store"
)

// Options tune Seed.
type Options struct {
	Now      domain.Clock          // nil means time.Now
	People   int                   // default 50
	Progress func(done, total int) // called after each chunk of people is created (2,000 at most); may be nil
}

// Seed creates the "CoWork HQ" account (Europe/London) with two sites,
// doors, the credential types Card, Key fob, PIN and Mobile, the groups
// Members, Staff and Visitors, roles linking groups to doors (some limited
// to weekly shifts), people with cards and PINs (John Doe among them),
// reservations, group reservations in each state, and two weeks of admits
// and rejects. It creates no users or OAuth applications. The data is the
// same on every run except for ids and times, which follow opt.Now.
// It returns the account; errors are the store's.
func Seed(ctx context.Context, st *store.Store, opt Options) (*domain.Account, error) {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.People <= 0 {
		opt.People = 50
	}
	s := &seeder{st: st, opt: opt, now: opt.Now().UTC().Truncate(time.Millisecond), rnd: rand.New(rand.NewPCG(2024, 115))}
	s.acct = &domain.Account{Name: "CoWork HQ", TimeZone: "Europe/London", SyncStatus: "complete", CreatedAt: s.now.AddDate(0, -6, 0)}
	steps := []func(context.Context) error{s.addAccount, s.addSites, s.addShifts, s.addChannels, s.addCredentialTypes, s.addGroups, s.addRoles, s.addPeople, s.addReservations, s.addEvents}
	for _, step := range steps {
		if err := step(ctx); err != nil {
			return nil, err
		}
	}
	// Everything went in at once: the planner learns the tables' sizes.
	if err := st.AfterBulkLoad(ctx); err != nil {
		return nil, err
	}
	return s.acct, nil
}

type seeder struct {
	st   *store.Store
	opt  Options
	now  time.Time
	rnd  *rand.Rand
	acct *domain.Account

	sites    []*domain.Site
	shifts   map[string]*domain.Shift
	channels []*domain.Channel
	types    map[string]*domain.CredentialType
	groups   map[string]*domain.Group
	people   []*domain.Person
	cards    map[int64]string // person id -> card number
}

func str(s string) *string { return &s }

// addAccount creates the account, verified and allowed to issue mobile
// passes, so that every API operation can be tried on the demo.
func (s *seeder) addAccount(ctx context.Context) error {
	last := s.now.Add(-2 * time.Hour)
	s.acct.LastSyncAt = &last
	s.acct.Verified = true
	if err := s.st.CreateAccount(ctx, s.acct); err != nil {
		return err
	}
	return s.st.AllowFamily(ctx, s.acct.ID, 0, domain.FamilyMobileCredentials, s.now)
}

func (s *seeder) addSites(ctx context.Context) error {
	for _, site := range []*domain.Site{
		{Name: "Shoreditch", TimeZone: str("Europe/London"), Notes: str("Main building, floors 1-3"),
			SiteIPs: []domain.SiteIP{{IPAddress: "203.0.113.0/28"}}},
		{Name: "Camden Annex", TimeZone: str("Europe/London"), Notes: str("Overflow desks and the bike store"),
			SiteIPs: []domain.SiteIP{{IPAddress: "198.51.100.20"}}},
	} {
		site.AccountID, site.CreatedAt = s.acct.ID, s.acct.CreatedAt
		if err := s.st.CreateSite(ctx, site); err != nil {
			return fmt.Errorf("demo site: %w", err)
		}
		s.sites = append(s.sites, site)
	}
	return nil
}

func (s *seeder) addShifts(ctx context.Context) error {
	s.shifts = map[string]*domain.Shift{}
	weekdays := []int{1, 2, 3, 4, 5}
	for _, sh := range []*domain.Shift{
		{Name: "Office hours", Windows: []domain.ShiftWindow{{Days: weekdays, Start: "08:00", End: "18:30"}}},
		{Name: "Extended hours", Windows: []domain.ShiftWindow{{Days: weekdays, Start: "06:00", End: "23:00"}, {Days: []int{0, 6}, Start: "09:00", End: "18:00"}}},
		{Name: "Morning unlock", Windows: []domain.ShiftWindow{{Days: weekdays, Start: "08:30", End: "10:00"}}},
	} {
		sh.AccountID, sh.CreatedAt = s.acct.ID, s.acct.CreatedAt
		if err := s.st.CreateShift(ctx, sh); err != nil {
			return fmt.Errorf("demo shift: %w", err)
		}
		s.shifts[sh.Name] = sh
	}
	return nil
}

func (s *seeder) addChannels(ctx context.Context) error {
	// Every door is offline: no controller is connected to a fresh demo,
	// and a door comes online only when its controller heartbeats.
	doors := []struct {
		name, mac  string
		site, unit int
		synced     bool // false: its last sync has not completed
	}{
		{"Front Door", "00:1a:2b:3c:4d:01", 0, 1, true},
		{"Reception Inner Door", "00:1a:2b:3c:4d:01", 0, 2, true},
		{"Meeting Room 1", "00:1a:2b:3c:4d:02", 0, 1, true},
		{"Server Room", "00:1a:2b:3c:4d:02", 0, 2, true},
		{"Annex Entrance", "00:1a:2b:3c:4d:03", 1, 1, true},
		{"Bike Store", "00:1a:2b:3c:4d:03", 1, 2, false},
	}
	synced := s.now.Add(-2 * time.Hour)
	for i, d := range doors {
		ch := &domain.Channel{AccountID: s.acct.ID, SiteID: &s.sites[d.site].ID, Name: d.name, MACAddress: d.mac, Unit: d.unit,
			Model: str("IPBR-2"), ModelLong: "2 channel IP Controller", SerialNumber: str(fmt.Sprintf("LT-%06d", 4100+i/2)),
			CardFormat: str("26-bit Wiegand"), PINFormat: str("4-8 digits"), Status: "offline", Mode: "normal",
			SyncStatus: "ok", LastSyncCompletedAt: &synced, CreatedAt: s.acct.CreatedAt}
		if d.name == "Front Door" {
			ch.AutoUnlockShiftID = &s.shifts["Morning unlock"].ID
		}
		if !d.synced {
			ch.SyncStatus = "pending"
		}
		if err := s.st.CreateChannel(ctx, ch); err != nil {
			return fmt.Errorf("demo channel: %w", err)
		}
		s.channels = append(s.channels, ch)
	}
	return nil
}

func code(n int64) *int64 { return &n }

func (s *seeder) addCredentialTypes(ctx context.Context) error {
	s.types = map[string]*domain.CredentialType{}
	// The slugs follow the names DoorFlow integrations already use.
	for _, t := range []*domain.CredentialType{
		{Label: "Card", Slug: "credentials_number", Code: code(200), Kind: domain.KindCard},
		{Label: "Key fob", Slug: "key_fob_number", Code: code(200), Kind: domain.KindFob},
		{Label: "PIN", Slug: "pin", Code: code(10), Kind: domain.KindPIN},
		{Label: "Mobile", Slug: "mobile_pass", Kind: domain.KindMobile},
	} {
		t.AccountID, t.CreatedAt = s.acct.ID, s.acct.CreatedAt
		if err := s.st.CreateCredentialType(ctx, t); err != nil {
			return fmt.Errorf("demo credential type: %w", err)
		}
		s.types[t.Label] = t
	}
	return nil
}

func (s *seeder) addGroups(ctx context.Context) error {
	s.groups = map[string]*domain.Group{}
	for _, g := range []*domain.Group{
		{Name: "Members", Notes: str("Hot-desk and fixed-desk members"), GlobalAcrossSites: true},
		{Name: "Staff", Notes: str("CoWork HQ team"), GlobalAcrossSites: true},
		{Name: "Visitors", Notes: str("Day guests, escorted"), GlobalAcrossSites: false},
	} {
		g.AccountID, g.CreatedAt = s.acct.ID, s.acct.CreatedAt
		if err := s.st.CreateGroup(ctx, g); err != nil {
			return fmt.Errorf("demo group: %w", err)
		}
		s.groups[g.Name] = g
	}
	return nil
}

func (s *seeder) addRoles(ctx context.Context) error {
	ch := func(idx ...int) []int64 {
		out := make([]int64, len(idx))
		for i, n := range idx {
			out[i] = s.channels[n].ID
		}
		return out
	}
	all := ch(0, 1, 2, 3, 4, 5)
	for _, r := range []*domain.Role{
		{Name: "Staff - all doors", GroupIDs: []int64{s.groups["Staff"].ID}, ChannelIDs: all, Notes: str("Around the clock")},
		{Name: "Members - extended hours", GroupIDs: []int64{s.groups["Members"].ID}, ChannelIDs: ch(0, 1, 2, 4, 5), ShiftID: &s.shifts["Extended hours"].ID},
		{Name: "Visitors - office hours", GroupIDs: []int64{s.groups["Visitors"].ID}, ChannelIDs: ch(0, 1), ShiftID: &s.shifts["Office hours"].ID},
		{Name: "Bike store", GroupIDs: []int64{s.groups["Members"].ID, s.groups["Staff"].ID}, ChannelIDs: ch(5)},
	} {
		r.AccountID, r.CreatedAt = s.acct.ID, s.acct.CreatedAt
		if err := s.st.CreateRole(ctx, r); err != nil {
			return fmt.Errorf("demo role: %w", err)
		}
	}
	return nil
}

// personName returns the i-th demo name: John Doe first, then pairs drawn
// so that no name repeats within the first 900 people.
func personName(i int) (string, string) {
	if i == 0 {
		return "John", "Doe"
	}
	return firstNames[i%len(firstNames)], lastNames[(i/len(firstNames)+i*7)%len(lastNames)]
}

// addPeople creates the people through the store's bulk path, bulkChunk
// at a time in one transaction: a hundred thousand take seconds, not the
// minutes one CreatePerson and CreateCredential per row took.
func (s *seeder) addPeople(ctx context.Context) error {
	s.cards = map[int64]string{}
	usedCards, usedPINs := map[string]bool{}, map[string]bool{}
	// nextEmail is the number the next person of a name gets in their
	// email (first.last, then first.last2, first.last3...): names repeat,
	// and searching for a free number each time grew with the people.
	nextEmail := map[string]int{}
	total := s.opt.People
	return s.st.InTx(ctx, func(tx *store.Store) error {
		batch := make([]store.BulkPerson, 0, bulkChunk)
		cards := make([]string, 0, bulkChunk)
		flush := func(done int) error {
			if len(batch) == 0 {
				return nil
			}
			if err := tx.BulkCreatePeople(ctx, s.acct.ID, batch); err != nil {
				return fmt.Errorf("demo people: %w", err)
			}
			for i, bp := range batch {
				s.people = append(s.people, bp.Person)
				s.cards[bp.Person.ID] = cards[i]
			}
			batch, cards = batch[:0], cards[:0]
			if s.opt.Progress != nil {
				s.opt.Progress(done, total)
			}
			return nil
		}
		for i := 0; i < total; i++ {
			first, last := personName(i)
			base := strings.ToLower(first + "." + last)
			email := base + "@example.com"
			if n := nextEmail[base]; n > 0 {
				email = base + strconv.Itoa(n) + "@example.com"
				nextEmail[base] = n + 1
			} else {
				nextEmail[base] = 2
			}
			group := "Members"
			switch {
			case i%10 == 3:
				group = "Staff"
			case i%10 == 7:
				group = "Visitors"
			}
			created := s.now.AddDate(0, 0, -90+i%80).Add(time.Duration(i) * time.Minute)
			p := &domain.Person{AccountID: s.acct.ID, FirstName: first, LastName: last, Email: &email, Enabled: i%17 != 16,
				Department: str(departments[i%len(departments)]), JobTitle: str(jobTitles[i%len(jobTitles)]),
				SystemID: str(fmt.Sprintf("CRM-%04d", 1000+i)), GroupIDs: []int64{s.groups[group].ID},
				CreatedAt: created, UpdatedAt: created}
			if group == "Visitors" {
				p.ValidFrom, p.ValidTo = &created, ptrTime(s.now.AddDate(0, 1, 0))
			}
			card := s.unique(usedCards, 10)
			creds := []*domain.Credential{{CredentialTypeID: s.types["Card"].ID, Value: &card}}
			if i%3 != 2 {
				pin := s.unique(usedPINs, 6)
				creds = append(creds, &domain.Credential{CredentialTypeID: s.types["PIN"].ID, Value: &pin})
			}
			if i%8 == 5 {
				fob := s.unique(usedCards, 8)
				creds = append(creds, &domain.Credential{CredentialTypeID: s.types["Key fob"].ID, Value: &fob})
			}
			for _, c := range creds {
				c.CreatedAt = created
			}
			batch = append(batch, store.BulkPerson{Person: p, Credentials: creds})
			cards = append(cards, card)
			if len(batch) == bulkChunk {
				if err := flush(i + 1); err != nil {
					return err
				}
			}
		}
		return flush(total)
	})
}

func ptrTime(t time.Time) *time.Time { return &t }

// unique returns a random digit string of length n not yet in used.
func (s *seeder) unique(used map[string]bool, n int) string {
	for {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte('0' + s.rnd.IntN(10))
		}
		if b[0] == '0' && n > 6 {
			b[0] = '1'
		}
		if v := string(b); !used[v] {
			used[v] = true
			return v
		}
	}
}

// localDay returns midnight of the account-local day offset days from now.
func (s *seeder) localDay(offset int) time.Time {
	loc := s.acct.Location()
	n := s.now.In(loc)
	return time.Date(n.Year(), n.Month(), n.Day()+offset, 0, 0, 0, 0, loc)
}

func (s *seeder) addReservations(ctx context.Context) error {
	visitors := []*domain.Person{}
	for _, p := range s.people {
		if len(p.GroupIDs) > 0 && p.GroupIDs[0] == s.groups["Visitors"].ID {
			visitors = append(visitors, p)
		}
	}
	if len(visitors) == 0 {
		visitors = s.people[:1]
	}
	tomorrow := s.localDay(1)
	for i, p := range visitors[:min(3, len(visitors))] {
		day := tomorrow.AddDate(0, 0, i)
		r := &domain.Reservation{AccountID: s.acct.ID, PersonID: p.ID, StartTime: day.Add(9 * time.Hour).UTC(),
			EndTime: day.Add(17 * time.Hour).UTC(), ChannelIDs: []int64{s.channels[0].ID, s.channels[2].ID}, CreatedAt: s.now}
		if err := s.st.CreateReservation(ctx, r); err != nil {
			return fmt.Errorf("demo reservation: %w", err)
		}
	}
	p := s.people[len(s.people)-1]
	for _, g := range []*domain.GroupReservation{
		{PersonID: p.ID, StartTime: s.now.AddDate(0, 0, -2), EndTime: s.now.AddDate(0, 0, 5), GroupIDs: []int64{s.groups["Staff"].ID}},
		{PersonID: p.ID, StartTime: s.localDay(7).Add(8 * time.Hour), EndTime: s.localDay(14).Add(18 * time.Hour), GroupIDs: []int64{s.groups["Members"].ID}},
		{PersonID: s.people[0].ID, StartTime: s.now.AddDate(0, 0, -10), EndTime: s.now.AddDate(0, 0, -3), GroupIDs: []int64{s.groups["Staff"].ID}},
	} {
		g.AccountID, g.CreatedAt = s.acct.ID, s.now
		if err := s.st.CreateGroupReservation(ctx, g); err != nil {
			return fmt.Errorf("demo group reservation: %w", err)
		}
	}
	return nil
}

// events writes about two weeks of door activity: mostly card and PIN
// admits in working hours, some rejects, and a few status events.
func (s *seeder) addEvents(ctx context.Context) error {
	loc := s.acct.Location()
	return s.st.InTx(ctx, func(tx *store.Store) error {
		n := 0
		for day := -14; day <= 0; day++ {
			base := s.localDay(day)
			for k := 0; k < 24; k++ {
				at := base.Add(time.Duration(7*60+s.rnd.IntN(12*60)) * time.Minute).Add(time.Duration(s.rnd.IntN(60)) * time.Second)
				if at.After(s.now) {
					continue
				}
				p := s.people[s.rnd.IntN(len(s.people))]
				if k == 0 {
					p = s.people[0] // John Doe comes in every day
				}
				ch := s.channels[s.rnd.IntN(len(s.channels))]
				code, label, cred := s.accessEvent(p)
				name := p.FirstName + " " + p.LastName
				e := &domain.Event{AccountID: s.acct.ID, EventCode: code, EventLabel: name + " " + label,
					ChannelID: &ch.ID, ChannelName: &ch.Name, PersonID: &p.ID, PersonName: &name,
					PersonFirstName: &p.FirstName, PersonLastName: &p.LastName, CredentialsNumber: cred,
					ClientEventID: str(fmt.Sprintf("demo-%d", n)), CreatedAt: at.In(loc).UTC()}
				if err := tx.CreateEvent(ctx, e); err != nil {
					return fmt.Errorf("demo event: %w", err)
				}
				n++
			}
			if day%5 == 0 {
				ch := s.channels[5]
				at := base.Add(3 * time.Hour)
				if at.Before(s.now) {
					for _, ev := range []struct {
						code  int
						label string
						after time.Duration
					}{{3, "Channel contact lost", 0}, {1, "Channel started", 20 * time.Minute}} {
						e := &domain.Event{AccountID: s.acct.ID, EventCode: ev.code, EventLabel: ev.label, ChannelID: &ch.ID,
							ChannelName: &ch.Name, ClientEventID: str(fmt.Sprintf("demo-%d", n)), CreatedAt: at.Add(ev.after).UTC()}
						if err := tx.CreateEvent(ctx, e); err != nil {
							return fmt.Errorf("demo event: %w", err)
						}
						n++
					}
				}
			}
		}
		return nil
	})
}

// accessEvent picks an admit or reject for a person: disabled people are
// rejected; others are mostly admitted by card or PIN.
func (s *seeder) accessEvent(p *domain.Person) (int, string, *string) {
	card := s.cards[p.ID]
	if !p.Enabled {
		return 21, "rejected: person is disabled", &card
	}
	switch r := s.rnd.IntN(20); {
	case r < 13:
		return 10, "admitted using card", &card
	case r < 17:
		return 11, "admitted using PIN", nil
	case r < 19:
		return 20, "rejected: card not valid for this door", &card
	default:
		return 24, "rejected: wrong PIN", nil
	}
}
