package app_test

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/lintel-dev/lintel/internal/access"
	"github.com/lintel-dev/lintel/internal/app"
	"github.com/lintel-dev/lintel/internal/app/apptest"
	"github.com/lintel-dev/lintel/internal/controller"
	"github.com/lintel-dev/lintel/internal/controller/agent"
	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/store"
	"github.com/lintel-dev/lintel/internal/store/storetest"
)

// fakeClock is a clock tests move by hand; the server and the door share it.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// The differential test: over generated doors on sites in several time
// zones, shifts with and without zones of their own, groups, roles,
// people with validity dates, reservations and group reservations, the
// server's answer to admit_person and the door's answer to the person's
// card are the same at every instant tried, before and after changes
// that reach both as deltas. Instants include the people's exact
// valid_from and valid_to and the weeks the clocks change.
func TestServerAndDoorDecideAlike(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			// From 23 October of next year, for 16 days: Europe goes back on
			// the last Sunday of October, North America on the first of
			// November, Sydney is in summer time. (The fake clock must not run
			// behind the demo operator's password change, which is real time.)
			base := time.Date(time.Now().Year()+1, 10, 23, 0, 0, 0, 0, time.UTC)
			clock := &fakeClock{t: base}
			cfg := apptest.Config(t, b)
			cfg.RateLimit, cfg.AccountRateLimit = 1e6, 1e6
			a, info := apptest.StartWith(t, cfg, app.Options{Now: clock.Now}, 5)
			s := &server{App: a, demo: info}
			for round := range 2 {
				// Each round has its own two weeks, the first half before some
				// changes and the second after.
				from := base.AddDate(0, 0, 20*round)
				r := rand.New(rand.NewPCG(uint64(round), 42))
				g := generateAccount(t, s, r, from, round)
				door := startAllDoors(t, s, g.doors, clock)
				half := len(g.instants) / 2
				compare(t, s, door, g, g.instants[:half], clock, r, fmt.Sprint("round ", round))
				changeSome(t, s, g, r)
				waitFor(t, "the door to follow the changes", func() bool {
					seq, err := s.Store.AccessSeq(context.Background(), g.acct.ID)
					return err == nil && door.Seq() >= seq
				})
				compare(t, s, door, g, g.instants[half:], clock, r, fmt.Sprint("round ", round, " after changes"))
			}
		})
	}
}

// generated is what generateAccount added to the demo account.
type generated struct {
	acct     *domain.Account
	doors    []int64
	people   []*domain.Person
	cards    map[int64]string // person -> card number
	cardType int64
	groups   []int64
	instants []time.Time
}

// generateAccount gives the demo account a random time zone and adds sites,
// doors, shifts, groups, roles, people with cards, reservations and group
// reservations, all through the store (which enforces the write rules).
func generateAccount(t *testing.T, s *server, r *rand.Rand, base time.Time, round int) *generated {
	t.Helper()
	ctx := context.Background()
	zones := []string{"Europe/London", "America/New_York", "Asia/Tokyo", "Australia/Sydney", "Asia/Kolkata"}
	acct, err := s.Store.GetAccountByUID(ctx, s.demo.AccountID)
	if err != nil {
		t.Fatal(err)
	}
	acct.TimeZone = zones[r.IntN(len(zones))]
	if err := s.Store.UpdateAccount(ctx, acct); err != nil {
		t.Fatal(err)
	}
	g := &generated{acct: acct, cards: map[int64]string{}}
	types, _, err := s.Store.ListCredentialTypes(ctx, acct.ID, store.Page{})
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range types {
		if x.Kind == domain.KindCard {
			g.cardType = x.ID
		}
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	var sites []*int64
	for i := range 3 {
		st := &domain.Site{AccountID: acct.ID, Name: fmt.Sprintf("Site %d-%d", round, i)}
		if i > 0 {
			st.TimeZone = &zones[r.IntN(len(zones))]
		}
		must(s.Store.CreateSite(ctx, st))
		sites = append(sites, &st.ID)
	}
	sites = append(sites, nil) // a door on no site
	for i := range 6 {
		ch := &domain.Channel{AccountID: acct.ID, Name: fmt.Sprintf("Door %d-%d", round, i), SiteID: sites[r.IntN(len(sites))]}
		must(s.Store.CreateChannel(ctx, ch))
		g.doors = append(g.doors, ch.ID)
	}
	clock := func() string { return fmt.Sprintf("%02d:%02d", r.IntN(24), r.IntN(4)*15) }
	var shifts []int64
	for i := range 4 {
		sh := &domain.Shift{AccountID: acct.ID, Name: fmt.Sprintf("Shift %d-%d", round, i)}
		if i == 3 {
			sh.TimeZone = &zones[r.IntN(len(zones))]
		}
		for range 1 + r.IntN(3) {
			start, end := clock(), clock()
			if start >= end {
				start, end = end, "24:00"
			}
			days := []int{}
			for d := range 7 {
				if r.IntN(3) > 0 {
					days = append(days, d)
				}
			}
			sh.Windows = append(sh.Windows, domain.ShiftWindow{Days: days, Start: start, End: end})
		}
		must(s.Store.CreateShift(ctx, sh))
		shifts = append(shifts, sh.ID)
	}
	for i := range 4 {
		gr := &domain.Group{AccountID: acct.ID, Name: fmt.Sprintf("Group %d-%d", round, i)}
		must(s.Store.CreateGroup(ctx, gr))
		g.groups = append(g.groups, gr.ID)
	}
	some := func(from []int64, n int) []int64 {
		out := []int64{}
		for range n {
			if id := from[r.IntN(len(from))]; !slices.Contains(out, id) {
				out = append(out, id)
			}
		}
		return out
	}
	var roles []int64
	for i := range 6 {
		ro := &domain.Role{AccountID: acct.ID, Name: fmt.Sprintf("Role %d-%d", round, i), GroupIDs: some(g.groups, 1+r.IntN(2)), ChannelIDs: some(g.doors, 1+r.IntN(3))}
		if r.IntN(3) > 0 {
			ro.ShiftID = &shifts[r.IntN(len(shifts))]
		}
		must(s.Store.CreateRole(ctx, ro))
		roles = append(roles, ro.ID)
	}
	week := func() time.Time { return base.Add(time.Duration(r.IntN(16*24*60)) * time.Minute) }
	for i := range 16 {
		p := &domain.Person{AccountID: acct.ID, FirstName: "Gen", LastName: fmt.Sprintf("%d-%d", round, i), Enabled: r.IntN(8) > 0,
			GroupIDs: some(g.groups, r.IntN(3)), CreatedAt: base}
		if r.IntN(6) == 0 {
			p.RoleIDs = some(roles, 1)
		}
		if r.IntN(4) == 0 {
			at := week()
			p.ValidFrom = &at
			g.instants = append(g.instants, at, at.Add(-time.Millisecond))
		}
		if r.IntN(4) == 0 {
			at := week()
			p.ValidTo = &at
			g.instants = append(g.instants, at, at.Add(time.Millisecond))
		}
		must(s.Store.CreatePerson(ctx, p))
		card := fmt.Sprintf("G%d%08d", round, r.IntN(1e8))
		must(s.Store.CreateCredential(ctx, &domain.Credential{AccountID: acct.ID, PersonID: p.ID, CredentialTypeID: g.cardType, Value: &card, CreatedAt: base}))
		g.cards[p.ID], g.people = card, append(g.people, p)
		if r.IntN(3) == 0 {
			start := week()
			res := &domain.Reservation{AccountID: acct.ID, PersonID: p.ID, StartTime: start, EndTime: start.Add(time.Duration(1+r.IntN(300)) * time.Minute),
				ChannelIDs: some(g.doors, 1+r.IntN(2)), CreatedAt: base}
			// The store refuses a reservation past the doors' local midnight.
			if err := s.Store.CreateReservation(ctx, res); err == nil {
				g.instants = append(g.instants, res.StartTime, res.EndTime)
			} else if domain.ErrorCode(err) != domain.EINVALID {
				t.Fatal(err)
			}
		}
		if r.IntN(3) == 0 {
			start := week()
			must(s.Store.CreateGroupReservation(ctx, &domain.GroupReservation{AccountID: acct.ID, PersonID: p.ID, GroupIDs: some(g.groups, 1),
				StartTime: start, EndTime: start.Add(time.Duration(1+r.IntN(3000)) * time.Minute), CreatedAt: base}))
		}
	}
	for range 16 {
		g.instants = append(g.instants, week())
	}
	slices.SortFunc(g.instants, func(a, b time.Time) int { return a.Compare(b) })
	return g
}

// startAllDoors enrols one controller for the doors and runs the reference
// agent on the shared clock until the test ends.
func startAllDoors(t *testing.T, s *server, doors []int64, clock *fakeClock) *agent.Agent {
	t.Helper()
	ctx := context.Background()
	acct, err := s.Store.GetAccountByUID(ctx, s.demo.AccountID)
	if err != nil {
		t.Fatal(err)
	}
	_, secret, err := controller.Enroll(ctx, s.Store, controller.Enrollment{AccountID: acct.ID, ChannelIDs: doors})
	if err != nil {
		t.Fatal(err)
	}
	state, err := agent.OpenState(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	door, err := agent.New(agent.Config{Server: s.BaseURL(), Secret: secret, State: state, Out: io.Discard,
		Now: clock.Now, HeartbeatEvery: time.Second, PollWait: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	ran := make(chan error, 1)
	go func() { ran <- door.Run(runCtx) }()
	t.Cleanup(func() { cancel(); <-ran })
	waitFor(t, "the first snapshot", func() bool { return door.Seq() != 0 })
	return door
}

// wording is what admit_person says for a door's refusal.
var wording = map[access.Reason]string{
	access.ReasonPersonDisabled:  "Person is disabled",
	access.ReasonNotYetValid:     "Person's access has not started yet",
	access.ReasonExpired:         "Person's access has expired",
	access.ReasonOutsideSchedule: "Person does not have access to this channel at this time",
	access.ReasonNoAccess:        "Person does not have access to this channel",
}

// compare asks the server (admit_person over HTTP) and the door (the
// agent deciding the person's card) at every instant, for a sample of
// people and every door, and fails on the first disagreement. A person
// whose card was taken away is not asked: the door has nothing to decide
// (a remote admission needs no card).
func compare(t *testing.T, s *server, door *agent.Agent, g *generated, instants []time.Time, clock *fakeClock, r *rand.Rand, what string) {
	t.Helper()
	asked := 0
	var api *apiClient
	var issued time.Time
	for _, at := range instants {
		if at.Before(clock.Now()) {
			continue // the clock only moves forward, as the server's does
		}
		clock.Set(at)
		if api == nil || at.Sub(issued) > 30*time.Minute {
			// Tokens last an hour of the server's (moving) clock.
			api, issued = operator(t, s, "account.channel.admit.person"), at
		}
		for _, p := range g.people {
			if r.IntN(4) != 0 {
				continue
			}
			for _, ch := range g.doors {
				d := door.Decide(agent.Presentation{ChannelID: ch, Kind: "card", Value: g.cards[p.ID]}).Decision
				if d.Reason == access.ReasonUnlocked || d.Reason == access.ReasonLockdown || d.Reason == access.ReasonUnknownCredential {
					continue
				}
				res := api.call("POST", fmt.Sprintf("/api/3/channels/%d/admit_person", ch), map[string]any{"person_id": p.ID})
				asked++
				switch {
				case d.Admit && res.status == 202:
				case !d.Admit && res.status == 403:
					var body map[string]string
					res.decode(t, &body)
					if body["reason"] != wording[d.Reason] {
						t.Fatalf("%s: %s %s at door %d at %s: the door says %s, the server %q", what, p.FirstName, p.LastName, ch, at, d.Reason, body["reason"])
					}
				default:
					t.Fatalf("%s: %s %s at door %d at %s: the door says admit=%v (%s), the server answers %d %s",
						what, p.FirstName, p.LastName, ch, at, d.Admit, d.Reason, res.status, res.body)
				}
			}
		}
	}
	if asked == 0 {
		t.Fatalf("%s: nothing compared", what)
	}
	t.Logf("%s: %d decisions agree", what, asked)
}

// changeSome makes writes that reach the door and the server as deltas:
// people disabled or re-enabled, moved between groups, given a new
// valid_to, or losing their card.
func changeSome(t *testing.T, s *server, g *generated, r *rand.Rand) {
	t.Helper()
	ctx := context.Background()
	for _, p := range g.people {
		switch r.IntN(5) {
		case 0:
			p.Enabled = !p.Enabled
		case 1:
			p.GroupIDs = []int64{g.groups[r.IntN(len(g.groups))]}
		case 2:
			to := g.instants[r.IntN(len(g.instants))]
			p.ValidTo = &to
		case 3:
			creds, err := s.Store.CredentialsOfPeople(ctx, g.acct.ID, []int64{p.ID})
			if err != nil || len(creds) != 1 {
				t.Fatalf("credentials of %d: %v %v", p.ID, creds, err)
			}
			if _, err := s.Store.DeleteCredential(ctx, g.acct.ID, p.ID, creds[0].UID, time.Now()); err != nil {
				t.Fatal(err)
			}
			continue
		default:
			continue
		}
		if err := s.Store.UpdatePerson(ctx, p, true, false); err != nil {
			t.Fatal(err)
		}
	}
}
