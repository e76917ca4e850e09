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

// lastEvent returns the newest event at the door with any code.
func lastEvent(t *testing.T, e *env, channel int64) *domain.Event {
	t.Helper()
	evs, _, err := e.st.ListEvents(context.Background(), e.acct.ID, store.EventFilter{ChannelIDs: []int64{channel}, Page: store.Page{Limit: 1}})
	if err != nil || len(evs) == 0 {
		t.Fatalf("no event at channel %d: %v", channel, err)
	}
	return evs[0]
}

func TestChannelModesAndLockdown(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		c := e.as("all")
		_, _, channels := e.ids()
		id := channels[3]
		door := fmt.Sprintf("/api/3/channels/%d", id)

		// An empty body locks down cards and PINs only.
		ch := expect[obj](t, c.do("POST", door+"/lockdown", ""), 200)
		ld := ch["lockdown"].(obj)
		if ld["card_lockdown"].(obj)["state"] != true || ld["rex_lockdown"].(obj)["state"] != false || ld["message"] == "" {
			t.Fatalf("lockdown %v", ld)
		}
		if ev := lastEvent(t, e, id); ev.EventCode != domain.EventRemoteLockdown {
			t.Fatalf("lockdown event %d", ev.EventCode)
		}
		ch = expect[obj](t, c.do("POST", door+"/lockdown", `{"rex_lockdown":"true","aux_lockdown":true}`), 200)
		if ld := ch["lockdown"].(obj); ld["card_lockdown"].(obj)["state"] != false || ld["aux_lockdown"].(obj)["state"] != true {
			t.Fatalf("lockdown flags %v", ld)
		}
		// Turning every flag off through /lockdown is a failed command: 400 with the door unchanged.
		ch = expect[obj](t, c.do("POST", door+"/lockdown", `{"card_lockdown":false}`), 400)
		if ch["lockdown"] == nil {
			t.Fatalf("400 body should be the unchanged door: %v", ch)
		}
		e.skipSpec = true
		errorBody(t, c.do("POST", door+"/lockdown", `{"card_lockdown":"maybe"}`), 422, "validation_failed")
		if ch := expect[obj](t, c.do("POST", door+"/unlockdown", ""), 200); ch["lockdown"] != nil {
			t.Fatalf("unlockdown %v", ch)
		}

		// Unlock until a time; the relock happens on read once the time passes.
		ch = expect[obj](t, c.do("POST", door+"/unlock", `{"relock_at":"2025-06-10T12:00:00+01:00"}`), 200)
		if m := ch["mode"].(obj); m["description"] != "unlock" || m["relock_at"] != "2025-06-10T11:00:00.000Z" || m["change_stamp"] != "2025-06-10T10:30:00.000Z" {
			t.Fatalf("unlock mode %v", m)
		}
		// A local time without offset is read in the account's zone (London, BST).
		ch = expect[obj](t, c.do("POST", door+"/unlock", `{"relock_at":"2025-06-10T12:00"}`), 200)
		if m := ch["mode"].(obj); m["relock_at"] != "2025-06-10T11:00:00.000Z" {
			t.Fatalf("local relock %v", m)
		}
		// Admit works only in normal mode.
		if b := expect[obj](t, c.do("POST", door+"/admit", ""), 400); b["mode"].(obj)["description"] != "unlock" {
			t.Fatalf("admit in unlock mode: %v", b)
		}
		e.clock.Set(e.clock.Now().Add(31 * time.Minute))
		ch = expect[obj](t, c.do("GET", door, ""), 200)
		if m := ch["mode"].(obj); m["description"] != "normal" || m["relock_at"] != nil || m["change_stamp"] != "2025-06-10T11:00:00.000Z" {
			t.Fatalf("after relock %v", m)
		}
		e.skipSpec = true
		errorBody(t, c.do("POST", door+"/unlock", `{"relock_at":"2025-06-10T09:00:00Z"}`), 422, "validation_failed")
		e.skipSpec = true
		errorBody(t, c.do("POST", door+"/unlock", `{"relock_at":"soon"}`), 422, "validation_failed")
		// Unlock without relock_at holds until /normal; the SDK sends an empty body.
		ch = expect[obj](t, c.do("POST", door+"/unlock", ""), 200)
		if m := ch["mode"].(obj); m["description"] != "unlock" || m["relock_at"] != nil {
			t.Fatalf("open-ended unlock %v", m)
		}
		if ch := expect[obj](t, c.do("POST", door+"/normal", ""), 200); ch["mode"].(obj)["description"] != "normal" {
			t.Fatalf("normal %v", ch)
		}

		// Auto-unlock: a shift by id, null to clear, unknown -> DoorFlow's 400 body.
		shifts, _ := st.ListShifts(context.Background(), e.acct.ID)
		ch = expect[obj](t, c.do("POST", door+"/auto_unlock", fmt.Sprintf(`{"shift_id":%d}`, shifts[0].ID)), 200)
		if au := ch["auto_unlock"].(obj); num(t, au["id"]) != shifts[0].ID || au["name"] != shifts[0].Name {
			t.Fatalf("auto_unlock %v", au)
		}
		b := expect[obj](t, c.do("POST", door+"/auto_unlock", `{"shift_id":999999}`), 400)
		if b["success"] != false || b["message"] != "No shift found for shift_id - 999999" {
			t.Fatalf("auto_unlock 400 %v", b)
		}
		theirs, _ := st.ListShifts(context.Background(), e.other.ID)
		expect[obj](t, c.do("POST", door+"/auto_unlock", fmt.Sprintf(`{"shift_id":%d}`, theirs[0].ID)), 400)
		if ch := expect[obj](t, c.do("POST", door+"/auto_unlock", ""), 200); ch["auto_unlock"] != nil {
			t.Fatalf("auto_unlock cleared %v", ch)
		}

		// Encryption keys: regenerate waits for the controller, remove stops waiting.
		if ch := expect[obj](t, c.do("POST", door+"/regenerate_encryption_key", ""), 200); ch["status"] != "pending_encryption" {
			t.Fatalf("regenerate %v", ch)
		}
		if ch := expect[obj](t, c.do("POST", door+"/remove_encryption_key", ""), 200); ch["status"] != "offline" {
			t.Fatalf("remove key %v", ch)
		}

		// Every command is queued for the controller.
		queued, err := st.QueuedChannelCommands(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if len(queued) < 10 || queued[0].Kind != domain.CommandLockdown || queued[len(queued)-1].Kind != domain.CommandRemoveKey {
			t.Fatalf("queued %d commands", len(queued))
		}

		// Another account's door and unknown doors are 404.
		others, _, _ := st.ListChannels(context.Background(), e.other.ID, nil, store.Page{})
		errorBody(t, c.do("POST", fmt.Sprintf("/api/3/channels/%d/unlock", others[0].ID), ""), 404, "not_found")
		errorBody(t, c.do("POST", "/api/3/channels/0/lockdown", ""), 404, "not_found")
	})
}

func TestAdmissions(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		c := e.as("all")
		ctx := context.Background()
		_, _, channels := e.ids()
		server := fmt.Sprintf("/api/3/channels/%d", channels[3]) // staff only
		staff := staffPerson(t, e)
		member := personIn(t, e, "Members")

		// No controller connected: offline at once, with the request and offline events.
		b := expect[obj](t, c.do("POST", server+"/admit_person", fmt.Sprintf(`{"person_id":%d}`, staff)), 202)
		if b["status"] != "offline" {
			t.Fatalf("admit_person %v", b)
		}
		reqID := num(t, b["admission_request_id"])
		ev, err := st.GetEvent(ctx, e.acct.ID, reqID)
		if err != nil || ev.EventCode != domain.EventRemoteAdmitRequested || ev.PersonID == nil || *ev.PersonID != staff {
			t.Fatalf("request event %+v %v", ev, err)
		}
		if last := lastEvent(t, e, channels[3]); last.EventCode != domain.EventRemoteOffline {
			t.Fatalf("offline event %d", last.EventCode)
		}
		ar := expect[obj](t, c.do("GET", fmt.Sprintf("/api/3/admission_requests/%d", reqID), ""), 200)
		if ar["status"] != "offline" || ar["completed_at"] == nil || num(t, ar["person"].(obj)["id"]) != staff || ar["door_controller"].(obj)["name"] != "Server Room" {
			t.Fatalf("admission request %v", ar)
		}

		// A member has no role on the server room: 403 with a reason, and a denied event.
		b = expect[obj](t, c.do("POST", server+"/admit_person", fmt.Sprintf(`{"person_id":%d}`, member.ID)), 403)
		if b["error"] != "Access denied" || b["reason"] != "Person does not have access to this channel" {
			t.Fatalf("denied %v", b)
		}
		if last := lastEvent(t, e, channels[3]); last.EventCode != domain.EventRemoteDenied {
			t.Fatalf("denied event %d", last.EventCode)
		}
		// Members may use the front door during extended hours (06:00-23:00 London on weekdays) only.
		front := fmt.Sprintf("/api/3/channels/%d", channels[0])
		expect[obj](t, c.do("POST", front+"/admit_person", fmt.Sprintf(`{"person_id":%d}`, member.ID)), 202)
		e.clock.Set(time.Date(2025, 6, 10, 22, 30, 0, 0, time.UTC)) // 23:30 BST
		b = expect[obj](t, c.do("POST", front+"/admit_person", fmt.Sprintf(`{"person_id":%d}`, member.ID)), 403)
		if b["reason"] != "Person does not have access to this channel at this time" {
			t.Fatalf("out of hours %v", b)
		}
		e.clock.Set(time.Date(2025, 1, 14, 21, 30, 0, 0, time.UTC)) // 21:30 GMT, in hours in winter
		expect[obj](t, c.do("POST", front+"/admit_person", fmt.Sprintf(`{"person_id":%d}`, member.ID)), 202)
		e.clock.Set(testNow)

		// A reservation lets the member through the server room for its window.
		if err := st.CreateReservation(ctx, &domain.Reservation{AccountID: e.acct.ID, PersonID: member.ID, ChannelIDs: []int64{channels[3]},
			StartTime: testNow.Add(-time.Minute), EndTime: testNow.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		expect[obj](t, c.do("POST", server+"/admit_person", fmt.Sprintf(`{"person_id":%d}`, member.ID)), 202)

		// A disabled person is refused.
		disabled := &domain.Person{AccountID: e.acct.ID, FirstName: "Off", LastName: "Line", Enabled: false, GroupIDs: []int64{}}
		if err := st.CreatePerson(ctx, disabled); err != nil {
			t.Fatal(err)
		}
		b = expect[obj](t, c.do("POST", server+"/admit_person", fmt.Sprintf(`{"person_id":%d}`, disabled.ID)), 403)
		if b["reason"] != "Person is disabled" {
			t.Fatalf("disabled %v", b)
		}
		// Bad bodies and unknown people.
		e.skipSpec = true
		errorBody(t, c.do("POST", server+"/admit_person", `{}`), 422, "validation_failed")
		e.skipSpec = true
		errorBody(t, c.do("POST", server+"/admit_person", `{"person_id":"x"}`), 422, "validation_failed")
		errorBody(t, c.do("POST", server+"/admit_person", `{"person_id":99999999}`), 404, "not_found")
		others, _, _ := st.ListPeople(ctx, e.other.ID, store.PersonFilter{})
		errorBody(t, c.do("POST", server+"/admit_person", fmt.Sprintf(`{"person_id":%d}`, others[0].ID)), 404, "not_found")

		// With a controller that takes commands, a request stays pending and times out after two minutes.
		var got []*domain.ChannelCommand
		e.disp = dispatcherFunc(func(_ context.Context, cmd *domain.ChannelCommand) (bool, error) {
			got = append(got, cmd)
			return true, nil
		})
		b = expect[obj](t, c.do("POST", server+"/admit", ""), 202)
		if b["status"] != "pending" || len(got) != 1 || got[0].Kind != domain.CommandAdmit || got[0].AdmissionRequestID == nil {
			t.Fatalf("pending admit %v %+v", b, got)
		}
		path := fmt.Sprintf("/api/3/admission_requests/%d", num(t, b["admission_request_id"]))
		if ar := expect[obj](t, c.do("GET", path, ""), 200); ar["status"] != "pending" || ar["completed_at"] != nil || ar["person"] != nil {
			t.Fatalf("pending %v", ar)
		}
		e.clock.Set(testNow.Add(2 * time.Minute))
		if ar := expect[obj](t, c.do("GET", path, ""), 200); ar["status"] != "timeout" || ar["completed_at"] != "2025-06-10T10:32:00.000Z" {
			t.Fatalf("timeout %v", ar)
		}
		if q, _ := st.QueuedChannelCommands(ctx, channels[3]); len(q) != 0 {
			t.Fatalf("delivered and expired commands still queued: %d", len(q))
		}

		// Either admit scope may read a request; other accounts may not.
		e.tokens["person-admit"] = &domain.Principal{AccountID: e.acct.ID, Scopes: domain.NewScopeSet("account.channel.admit.person")}
		expect[obj](t, e.as("person-admit").do("GET", path, ""), 200)
		if rec := e.as("none").do("GET", path, ""); errorBody(t, rec, 403, "forbidden")["scope"] != "account.channel.admit account.channel.admit.person" ||
			rec.Header().Get("WWW-Authenticate") != `Bearer realm="lintel", error="insufficient_scope", scope="account.channel.admit account.channel.admit.person"` {
			t.Errorf("admission request without either admit scope: %s %q", rec.Body, rec.Header().Get("WWW-Authenticate"))
		}
		e.tokens["other-admit"] = &domain.Principal{AccountID: e.other.ID, Scopes: domain.NewScopeSet("account.channel.admit")}
		errorBody(t, e.as("other-admit").do("GET", path, ""), 404, "not_found")
		errorBody(t, c.do("GET", "/api/3/admission_requests/1", ""), 404, "not_found")
	})
}
