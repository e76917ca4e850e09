package demo

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/store"
)

// bulkChunk is how many people AddPeople hands the store at a time (and
// how often it reports progress).
const bulkChunk = 2000

// AddPeople adds n people to an account made by Seed, in one transaction
// through the store's bulk path, and returns the card numbers it gave
// them. As in Seed, one person in ten is Staff and one in ten a Visitor
// (valid from creation until a month after now), the others are Members,
// and one in seventeen is disabled; each holds one card and nothing else.
// They are numbered after the people already on the account, so that
// their emails and system ids stay unique when AddPeople runs again.
// progress, when not nil, is called as they are created. Errors: n
// negative; an account without Seed's groups or Card type; the store's.
func AddPeople(ctx context.Context, st *store.Store, accountID int64, n int, now time.Time, progress func(done, total int)) error {
	return addPeople(ctx, st, accountID, n, now, progress, cardNumber)
}

// AddWiegandPeople is AddPeople with 26-bit Wiegand card numbers, written
// as controller boards such as UHPPOTE's report them: the facility code
// (1-255) times 100000 plus the card number (1-65535), 100001 to
// 25565535. A board's card table holds those; it cannot hold the
// ten-digit numbers AddPeople gives out. Errors as for AddPeople, and n
// above the 16,711,425 numbers there are.
func AddWiegandPeople(ctx context.Context, st *store.Store, accountID int64, n int, now time.Time, progress func(done, total int)) error {
	if n > 255*65535 {
		return errors.New("demo: there are not that many 26-bit card numbers")
	}
	return addPeople(ctx, st, accountID, n, now, progress, wiegandNumber)
}

func addPeople(ctx context.Context, st *store.Store, accountID int64, n int, now time.Time, progress func(done, total int),
	number func(*rand.Rand, map[string]bool) string) error {
	if n < 0 {
		return errors.New("demo: the number of people to add must not be negative")
	}
	if n == 0 {
		return nil
	}
	groups, err := st.ListGroups(ctx, accountID)
	if err != nil {
		return err
	}
	groupID := map[string]int64{}
	for _, g := range groups {
		groupID[g.Name] = g.ID
	}
	types, _, err := st.ListCredentialTypes(ctx, accountID, store.Page{})
	if err != nil {
		return err
	}
	var cardType int64
	for _, t := range types {
		if t.Label == "Card" && t.Kind == domain.KindCard {
			cardType = t.ID
		}
	}
	if cardType == 0 || groupID["Members"] == 0 || groupID["Staff"] == 0 || groupID["Visitors"] == 0 {
		return errors.New("demo: the account lacks the demo's groups or its Card credential type")
	}
	_, offset, err := st.ListPeople(ctx, accountID, store.PersonFilter{Page: store.Page{Limit: 1}})
	if err != nil {
		return err
	}
	creds, _, err := st.ListCredentials(ctx, accountID, nil, store.Page{})
	if err != nil {
		return err
	}
	used := make(map[string]bool, len(creds)+n)
	for _, c := range creds {
		if c.CredentialTypeID == cardType && c.Value != nil {
			used[*c.Value] = true
		}
	}
	now = now.UTC().Truncate(time.Millisecond)
	rnd := rand.New(rand.NewPCG(uint64(offset), 250))
	err = st.InTx(ctx, func(tx *store.Store) error {
		batch := make([]store.BulkPerson, 0, bulkChunk)
		for done := 0; done < n; done += len(batch) {
			batch = batch[:0]
			for i := done; i < min(n, done+bulkChunk); i++ {
				batch = append(batch, bulkPerson(offset+i, now, groupID, cardType, number(rnd, used)))
			}
			if err := tx.BulkCreatePeople(ctx, accountID, batch); err != nil {
				return fmt.Errorf("demo people: %w", err)
			}
			if progress != nil {
				progress(done+len(batch), n)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return st.AfterBulkLoad(ctx, store.PeopleTables...)
}

// bulkPerson returns the k-th person of the account holding card.
func bulkPerson(k int, now time.Time, groupID map[string]int64, cardType int64, card string) store.BulkPerson {
	first, last := personName(k)
	email := strings.ToLower(fmt.Sprintf("%s.%s.%d@example.com", first, last, k))
	group := "Members"
	switch k % 10 {
	case 3:
		group = "Staff"
	case 7:
		group = "Visitors"
	}
	created := now.AddDate(0, 0, -90+k%80)
	p := &domain.Person{FirstName: first, LastName: last, Email: &email, Enabled: k%17 != 16,
		Department: str(departments[k%len(departments)]), JobTitle: str(jobTitles[k%len(jobTitles)]),
		SystemID: str(fmt.Sprintf("CRM-%04d", 1000+k)), GroupIDs: []int64{groupID[group]}, CreatedAt: created}
	if group == "Visitors" {
		p.ValidFrom, p.ValidTo = &created, ptrTime(now.AddDate(0, 1, 0))
	}
	return store.BulkPerson{Person: p, Credentials: []*domain.Credential{{CredentialTypeID: cardType, Value: &card}}}
}

// cardNumber returns a ten-digit card number not in used, and adds it.
func cardNumber(rnd *rand.Rand, used map[string]bool) string {
	for {
		v := fmt.Sprint(1_000_000_000 + rnd.Int64N(9_000_000_000))
		if !used[v] {
			used[v] = true
			return v
		}
	}
}

// wiegandNumber returns a 26-bit Wiegand card number not in used, and
// adds it.
func wiegandNumber(rnd *rand.Rand, used map[string]bool) string {
	for {
		v := fmt.Sprint((1+rnd.Int64N(255))*100_000 + 1 + rnd.Int64N(65535))
		if !used[v] {
			used[v] = true
			return v
		}
	}
}
