package api_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/store"
	"github.com/lintel-dev/lintel/internal/store/storetest"
)

// admit_person answers as the door would, on the two cases where an
// earlier server-side rule disagreed with the doors.
func TestAdmitPersonDecidesLikeTheDoor(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		c := e.as("all")
		ctx := context.Background()
		_, _, channels := e.ids()
		staff := staffPerson(t, e)
		server := fmt.Sprintf("/api/3/channels/%d/admit_person", channels[3])
		body := fmt.Sprintf(`{"person_id":%d}`, staff)

		// valid_to is inclusive, as at the door: exactly at it the person
		// still passes; a millisecond later they do not.
		p, err := st.GetPerson(ctx, e.acct.ID, staff)
		if err != nil {
			t.Fatal(err)
		}
		p.ValidTo = &testNow
		if err := st.UpdatePerson(ctx, p, false, false); err != nil {
			t.Fatal(err)
		}
		expect[obj](t, c.do("POST", server, body), 202)
		e.clock.Set(testNow.Add(time.Millisecond))
		if b := expect[obj](t, c.do("POST", server, body), 403); b["reason"] != "Person's access has expired" {
			t.Fatalf("after valid_to: %v", b)
		}
		e.clock.Set(testNow)

		// A door on a New York site of a London account, with a role whose
		// shift names no zone: the shift is read on the door's clock.
		site := &domain.Site{AccountID: e.acct.ID, Name: "Manhattan", TimeZone: ptr("America/New_York")}
		if err := st.CreateSite(ctx, site); err != nil {
			t.Fatal(err)
		}
		door := &domain.Channel{AccountID: e.acct.ID, Name: "NY Lobby", SiteID: &site.ID}
		if err := st.CreateChannel(ctx, door); err != nil {
			t.Fatal(err)
		}
		evenings := &domain.Shift{AccountID: e.acct.ID, Name: "NY evenings", Windows: []domain.ShiftWindow{{Days: []int{0, 1, 2, 3, 4, 5, 6}, Start: "18:00", End: "20:00"}}}
		if err := st.CreateShift(ctx, evenings); err != nil {
			t.Fatal(err)
		}
		grp := &domain.Group{AccountID: e.acct.ID, Name: "Night staff"}
		if err := st.CreateGroup(ctx, grp); err != nil {
			t.Fatal(err)
		}
		role := &domain.Role{AccountID: e.acct.ID, Name: "NY evenings", ShiftID: &evenings.ID, GroupIDs: []int64{grp.ID}, ChannelIDs: []int64{door.ID}}
		if err := st.CreateRole(ctx, role); err != nil {
			t.Fatal(err)
		}
		night := &domain.Person{AccountID: e.acct.ID, FirstName: "Nia", LastName: "Night", Enabled: true, GroupIDs: []int64{grp.ID}}
		if err := st.CreatePerson(ctx, night); err != nil {
			t.Fatal(err)
		}
		ny := fmt.Sprintf("/api/3/channels/%d/admit_person", door.ID)
		nia := fmt.Sprintf(`{"person_id":%d}`, night.ID)
		e.clock.Set(time.Date(2025, 6, 10, 22, 30, 0, 0, time.UTC)) // 18:30 in New York, 23:30 in London
		expect[obj](t, c.do("POST", ny, nia), 202)
		e.clock.Set(time.Date(2025, 6, 10, 18, 30, 0, 0, time.UTC)) // 14:30 in New York, 19:30 in London
		if b := expect[obj](t, c.do("POST", ny, nia), 403); b["reason"] != "Person does not have access to this channel at this time" {
			t.Fatalf("outside the New York evening: %v", b)
		}
		e.clock.Set(testNow)
	})
}
