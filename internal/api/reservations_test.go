package api_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/lintel-dev/lintel/internal/store"
	"github.com/lintel-dev/lintel/internal/store/storetest"
)

func TestGroupReservations(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		c := e.as("all")
		groups, _, _ := e.ids()
		p := expect[obj](t, c.do("POST", "/api/3/people", `{"first_name":"Res","last_name":"Erver"}`), 201)
		pid := num(t, p["id"])
		// Wrapped, as the SDK sends it; times an hour and two ahead.
		body := fmt.Sprintf(`{"group_reservation":{"person_id":%d,"start_time":"2025-06-10T11:30:00.000Z","end_time":"2025-06-10T12:30:00.000Z","group_ids":[%d,%d]}}`,
			pid, groups["Members"], groups["Staff"])
		g := expect[obj](t, c.do("POST", "/api/3/group_reservations", body), 201)
		if g["state"] != "pending" || len(g["group_ids"].([]any)) != 2 {
			t.Fatalf("created %v", g)
		}
		// Offset-less times are the account's (London, UTC+1 in June).
		local := expect[obj](t, c.do("POST", "/api/3/group_reservations",
			fmt.Sprintf(`{"person_id":%d,"start_time":"2025-06-10T09:00:00","end_time":"2025-06-11T09:00:00","group_ids":[%d]}`, pid, groups["Visitors"])), 201)
		if local["start_time"] != "2025-06-10T08:00:00.000Z" || local["state"] != "active" {
			t.Fatalf("local times %v", local)
		}
		e.clock.Set(testNow.Add(90 * time.Minute))
		l := expect[list](t, c.do("GET", "/api/3/group_reservations", ""), 200)
		states := map[string]int{}
		for _, x := range l {
			states[x["state"].(string)]++
		}
		if states["active"] < 2 {
			t.Fatalf("states after start %v", states)
		}
		// Deleting an active one deactivates it; it stays listed until its end.
		path := fmt.Sprintf("/api/3/group_reservations/%d", num(t, g["id"]))
		if ok := expect[obj](t, c.do("DELETE", path, ""), 200); ok["result"] != "ok" {
			t.Fatalf("delete %v", ok)
		}
		got, err := st.GetGroupReservation(context.Background(), e.acct.ID, num(t, g["id"]))
		if err != nil || got.State(e.clock.Now()) != "deactivated" {
			t.Fatalf("after delete %+v %v", got, err)
		}
		// Deleting it again removes it.
		expect[obj](t, c.do("DELETE", path, ""), 200)
		errorBody(t, c.do("DELETE", path, ""), 404, "not_found")

		for _, bad := range []string{
			`{"group_reservation":{}}`,
			fmt.Sprintf(`{"person_id":%d,"start_time":"2025-06-10T12:00:00Z","end_time":"2025-06-10T11:00:00Z","group_ids":[%d]}`, pid, groups["Staff"]),
			fmt.Sprintf(`{"person_id":%d,"start_time":"2025-06-10T12:00:00Z","end_time":"2025-06-10T13:00:00Z","group_ids":[]}`, pid),
			fmt.Sprintf(`{"person_id":%d,"start_time":"noon","end_time":"2025-06-10T13:00:00Z","group_ids":[1]}`, pid),
			fmt.Sprintf(`{"person_id":999999,"start_time":"2025-06-10T12:00:00Z","end_time":"2025-06-10T13:00:00Z","group_ids":[%d]}`, groups["Staff"]),
			`{"group_reservation":"yes"}`,
		} {
			errorBody(t, c.do("POST", "/api/3/group_reservations", bad), 422, "validation_failed")
		}
		// Another account's reservation is not found.
		theirs, _, _ := st.ListGroupReservations(context.Background(), e.other.ID, store.GroupReservationFilter{})
		errorBody(t, c.do("DELETE", fmt.Sprintf("/api/3/group_reservations/%d", theirs[0].ID), ""), 404, "not_found")
	})
}

func TestReservations(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		c := e.as("all")
		_, _, channels := e.ids()
		p := expect[obj](t, c.do("POST", "/api/3/people", `{"first_name":"Vis","last_name":"Itor"}`), 201)
		pid := num(t, p["id"])
		r := expect[obj](t, c.do("POST", "/api/3/reservations",
			fmt.Sprintf(`{"person_id":%d,"start_time":"2025-06-11T08:00:00Z","end_time":"2025-06-11T16:00:00Z","door_controller_ids":[%d]}`, pid, channels[0])), 201)
		if len(r["channel_ids"].([]any)) != 1 {
			t.Fatalf("created %v", r)
		}
		// Crossing local midnight (London, UTC+1) and over 24 hours are refused.
		for _, bad := range []string{
			fmt.Sprintf(`{"person_id":%d,"start_time":"2025-06-11T20:00:00Z","end_time":"2025-06-11T23:30:00Z","channel_ids":[%d]}`, pid, channels[0]),
			fmt.Sprintf(`{"person_id":%d,"start_time":"2025-06-11T08:00:00Z","end_time":"2025-06-11T08:00:30Z","channel_ids":[%d]}`, pid, channels[0]),
			fmt.Sprintf(`{"person_id":%d,"start_time":"2025-06-11T08:00:00Z","end_time":"2025-06-11T09:00:00Z"}`, pid),
			fmt.Sprintf(`{"person_id":%d,"start_time":"2025-06-11T08:00:00Z","end_time":"2025-06-11T09:00:00Z","channel_ids":[999999]}`, pid),
		} {
			errorBody(t, c.do("POST", "/api/3/reservations", bad), 422, "validation_failed")
		}
		rec := c.do("GET", "/api/3/reservations", "")
		l := expect[list](t, rec, 200)
		if len(l) == 0 || rec.Header().Get("Total") != fmt.Sprint(len(l)) {
			t.Fatalf("list %v", l)
		}
		expect[obj](t, c.do("DELETE", fmt.Sprintf("/api/3/reservations/%d", num(t, r["id"])), ""), 200)
		errorBody(t, c.do("DELETE", fmt.Sprintf("/api/3/reservations/%d", num(t, r["id"])), ""), 404, "not_found")
	})
}
