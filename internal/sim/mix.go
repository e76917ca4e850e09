package sim

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/lintel-dev/lintel/internal/access"
	"github.com/lintel-dev/lintel/internal/controller"
	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/store"
)

// Kinds of swipe in the mix, with their share in percent.
const (
	SwipeValid      = "valid"
	SwipeWrongDoor  = "wrong_door"
	SwipeOutOfHours = "out_of_hours"
	SwipeUnknown    = "unknown"
	SwipeRevoked    = "revoked"
)

var shares = []struct {
	kind string
	pct  int
}{{SwipeValid, 70}, {SwipeWrongDoor, 10}, {SwipeOutOfHours, 8}, {SwipeUnknown, 8}, {SwipeRevoked, 4}}

// card is a card credential of the demo account.
type card struct {
	value    string
	personID int64
	uid      string
}

// door is one simulated controller: the door it serves and its clock.
type door struct {
	channel int64
	night   bool // its clock reads the small hours, outside every shift
}

// mix knows, from the account's access rules, which card opens which
// door by day and which only by day, and draws presentations from it.
type mix struct {
	valid     map[int64][]card // admitted by day
	wrongDoor map[int64][]card // no role or reservation for the door
	outHours  map[int64][]card // admitted by day, refused at night
	mu        sync.Mutex
	revoked   map[string]bool
	revokedL  []string
	known     map[string]bool
	day, dark []int // indexes of day and night controllers
	doors     []door
}

// newMix classifies every usable card of the account at every door served
// by doors, evaluating with the same rules the controllers use at the
// controllers' clocks. Errors: the store's.
func newMix(ctx context.Context, st *store.Store, accountID int64, doors []door, day, night time.Time) (*mix, error) {
	snap, err := controller.LoadAccess(ctx, st, accountID, day)
	if err != nil {
		return nil, fmt.Errorf("load access rules: %w", err)
	}
	types, _, err := st.ListCredentialTypes(ctx, accountID, store.Page{})
	if err != nil {
		return nil, err
	}
	cardTypes := map[int64]bool{}
	for _, t := range types {
		if t.Kind == domain.KindCard {
			cardTypes[t.ID] = true
		}
	}
	creds, _, err := st.ListCredentials(ctx, accountID, nil, store.Page{})
	if err != nil {
		return nil, err
	}
	m := &mix{valid: map[int64][]card{}, wrongDoor: map[int64][]card{}, outHours: map[int64][]card{},
		revoked: map[string]bool{}, known: map[string]bool{}, doors: doors}
	channels := map[int64]bool{}
	for i, d := range doors {
		channels[d.channel] = true
		if d.night {
			m.dark = append(m.dark, i)
		} else {
			m.day = append(m.day, i)
		}
	}
	for _, c := range creds {
		if c.Value == nil {
			continue
		}
		m.known[*c.Value] = true
		if !cardTypes[c.CredentialTypeID] {
			continue
		}
		k := card{value: *c.Value, personID: c.PersonID, uid: c.UID}
		for ch := range channels {
			d := access.Evaluate(snap, ch, c.CredentialTypeID, k.value, day)
			switch {
			case d.Admit && d.Reason == access.ReasonGranted:
				m.valid[ch] = append(m.valid[ch], k)
				if n := access.Evaluate(snap, ch, c.CredentialTypeID, k.value, night); !n.Admit && n.Reason == access.ReasonOutsideSchedule {
					m.outHours[ch] = append(m.outHours[ch], k)
				}
			case d.Reason == access.ReasonNoAccess:
				m.wrongDoor[ch] = append(m.wrongDoor[ch], k)
			case d.Reason == access.ReasonCredentialDisabled, d.Reason == access.ReasonPersonDisabled, d.Reason == access.ReasonExpired:
				m.revoke(k.value)
			}
		}
	}
	return m, nil
}

// revoke marks a card as no longer valid.
func (m *mix) revoke(value string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.revoked[value] {
		m.revoked[value] = true
		m.revokedL = append(m.revokedL, value)
	}
}

func (m *mix) isRevoked(value string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.revoked[value]
}

// candidates returns up to n distinct cards that open some day door,
// spread over the people, for revocation.
func (m *mix) candidates(n int) []card {
	seen := map[string]bool{}
	var out []card
	for _, i := range m.day {
		for _, k := range m.valid[m.doors[i].channel] {
			if len(out) == n {
				return out
			}
			if !seen[k.value] && !m.isRevoked(k.value) {
				seen[k.value] = true
				out = append(out, k)
			}
		}
	}
	return out
}

// swipe is one presentation to make.
type swipe struct {
	ctrl  int
	kind  string
	value string
}

// draw picks the next presentation. A kind with nothing to draw from (no
// night doors, no revoked card yet) falls back to an unknown card.
func (m *mix) draw(r *rand.Rand) swipe {
	x, kind := r.IntN(100), SwipeUnknown
	for _, s := range shares {
		if x < s.pct {
			kind = s.kind
			break
		}
		x -= s.pct
	}
	pick := func(idx []int, pool map[int64][]card) (swipe, bool) {
		if len(idx) == 0 {
			return swipe{}, false
		}
		i := idx[r.IntN(len(idx))]
		cards := pool[m.doors[i].channel]
		if len(cards) == 0 {
			return swipe{}, false
		}
		k := cards[r.IntN(len(cards))]
		s := swipe{ctrl: i, kind: kind, value: k.value}
		if m.isRevoked(k.value) {
			s.kind = SwipeRevoked
		}
		return s, true
	}
	var s swipe
	ok := false
	switch kind {
	case SwipeValid:
		s, ok = pick(m.day, m.valid)
	case SwipeWrongDoor:
		s, ok = pick(m.day, m.wrongDoor)
	case SwipeOutOfHours:
		s, ok = pick(m.dark, m.outHours)
	case SwipeRevoked:
		m.mu.Lock()
		if len(m.revokedL) > 0 {
			s, ok = swipe{ctrl: r.IntN(len(m.doors)), kind: kind, value: m.revokedL[r.IntN(len(m.revokedL))]}, true
		}
		m.mu.Unlock()
	}
	if ok {
		return s
	}
	for {
		v := fmt.Sprintf("%010d", r.Int64N(10_000_000_000))
		if !m.known[v] {
			return swipe{ctrl: r.IntN(len(m.doors)), kind: SwipeUnknown, value: v}
		}
	}
}
