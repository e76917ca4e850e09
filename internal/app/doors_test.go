package app_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/lintel-dev/lintel/internal/access"
	"github.com/lintel-dev/lintel/internal/controller"
	"github.com/lintel-dev/lintel/internal/controller/agent"
	"github.com/lintel-dev/lintel/internal/domain"
)

// nextTuesdayMorning is a time when the demo's members may open the front
// door (Tuesday 10:30 UTC, inside every shift the demo gives them).
func nextTuesdayMorning() time.Time {
	t := time.Now().UTC().Truncate(24 * time.Hour).Add(10*time.Hour + 30*time.Minute)
	for t.Weekday() != time.Tuesday {
		t = t.Add(24 * time.Hour)
	}
	return t
}

// TestRevokeThroughTheAPIReachesTheDoor: a card deleted through the public
// API is denied by a connected controller without anyone calling /sync.
func TestRevokeThroughTheAPIReachesTheDoor(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *server) {
		api := operator(t, s, "account.person account.channel.readonly")

		personID, cardID, cardValue := johnsCard(t, api)
		front := channelID(t, api, "Front Door")
		door := startDoor(t, s, front)

		present := func() access.Decision {
			o, err := door.Present(agent.Presentation{Kind: "card", Value: cardValue})
			if err != nil {
				t.Fatal(err)
			}
			return o.Decision
		}
		if d := present(); !d.Admit {
			t.Fatalf("John's card is refused before the revocation: %+v", d)
		}
		before := door.Seq()
		start := time.Now()
		api.call("DELETE", fmt.Sprintf("/api/3/people/%d/credentials/%s", personID, cardID), nil).expect(t, "delete card", 200)
		waitFor(t, "the door to learn of the change", func() bool { return door.Seq() != before })
		t.Logf("revocation reached the door in %v", time.Since(start))
		if d := present(); d.Admit || d.Code != access.CodeRejectCard {
			t.Fatalf("revoked card: %+v, want a card reject", d)
		}
		// It came as a delta: one snapshot (the first) and no resync.
		res, err := http.Get(s.BaseURL() + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		for _, want := range []string{"lintel_controller_snapshots_total 1\n", "lintel_controller_resyncs_total 0\n"} {
			if !strings.Contains(string(body), want) {
				t.Errorf("/metrics lacks %q", want)
			}
		}
		if !regexp.MustCompile(`lintel_controller_deltas_total [1-9]`).Match(body) {
			t.Errorf("/metrics counts no delta:\n%s", body)
		}
	})
}

// waitFor polls cond until it holds or ten seconds pass.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// operator is an API client with a password-grant token of the demo operator.
func operator(t *testing.T, s *server, scope string) *apiClient {
	t.Helper()
	var tok map[string]any
	postForm(t, s.BaseURL()+"/oauth/token", url.Values{
		"grant_type": {"password"}, "username": {s.demo.AdminEmail}, "password": {s.demo.AdminPassword}, "scope": {scope},
	}, s.demo.ClientID, s.demo.ClientSecret).expect(t, "token", 200).decode(t, &tok)
	return &apiClient{t: t, base: s.BaseURL(), http: http.DefaultClient, token: tok["access_token"].(string)}
}

// channelID finds a demo door by name.
func channelID(t *testing.T, api *apiClient, name string) int64 {
	t.Helper()
	return namedID(t, api, "/api/3/channels", name)
}

// groupID finds a group of the caller's account by name.
func groupID(t *testing.T, api *apiClient, name string) int64 {
	t.Helper()
	return namedID(t, api, "/api/3/groups", name)
}

// namedID finds the row named name in the list at path.
func namedID(t *testing.T, api *apiClient, path, name string) int64 {
	t.Helper()
	var rows []map[string]any
	api.call("GET", path, nil).expect(t, path, 200).decode(t, &rows)
	for _, r := range rows {
		if r["name"] == name {
			return int64(r["id"].(float64))
		}
	}
	t.Fatalf("nothing named %q in %s", name, path)
	return 0
}

// startDoor enrols a controller for one door and runs the reference agent
// against the server until the test ends. The agent's clock is a Tuesday
// morning, when the demo's members may enter.
func startDoor(t *testing.T, s *server, channel int64) *agent.Agent {
	t.Helper()
	ctx := context.Background()
	acct, err := s.Store.GetAccountByUID(ctx, s.demo.AccountID)
	if err != nil {
		t.Fatal(err)
	}
	_, secret, err := controller.Enroll(ctx, s.Store, controller.Enrollment{AccountID: acct.ID, ChannelIDs: []int64{channel}})
	if err != nil {
		t.Fatal(err)
	}
	state, err := agent.OpenState(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	when := nextTuesdayMorning()
	door, err := agent.New(agent.Config{Server: s.BaseURL(), Secret: secret, State: state, Out: io.Discard,
		Now: func() time.Time { return when }, HeartbeatEvery: 100 * time.Millisecond, PollWait: 5 * time.Second})
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

// johnsCard returns the demo's John Doe and his card (id and number).
func johnsCard(t *testing.T, api *apiClient) (personID int64, cardID, value string) {
	t.Helper()
	var people []map[string]any
	api.call("GET", "/api/3/people?email=john.doe@example.com", nil).expect(t, "find John", 200).decode(t, &people)
	if len(people) == 0 {
		t.Fatal("the demo has no John Doe")
	}
	personID = int64(people[0]["id"].(float64))
	var creds []map[string]any
	api.call("GET", fmt.Sprintf("/api/3/people/%d/credentials", personID), nil).expect(t, "credentials", 200).decode(t, &creds)
	for _, c := range creds {
		if c["label"] == "Card" {
			return personID, fmt.Sprint(c["id"]), fmt.Sprint(c["value"])
		}
	}
	t.Fatalf("John has no card: %v", creds)
	return 0, "", ""
}

// TestDoorCommandsReachTheDoor: lockdown, unlockdown, unlock and normal sent
// through the API change what a connected controller decides, and each
// command is in the access log.
func TestDoorCommandsReachTheDoor(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *server) {
		ctx := context.Background()
		oa, err := s.Store.GetOAuthAppByUID(ctx, s.demo.ClientID)
		if err != nil {
			t.Fatal(err)
		}
		oa.Scopes = oa.Scopes.Union(domain.NewScopeSet("account.channel.admit"))
		oa.AdmitApproved = true // the operator approves the restricted scope
		if err := s.Store.UpdateOAuthApp(ctx, oa); err != nil {
			t.Fatal(err)
		}
		api := operator(t, s, "account.person account.channel.readonly account.channel.admit account.event.access.readonly")
		_, _, card := johnsCard(t, api)
		front := channelID(t, api, "Front Door")
		door := startDoor(t, s, front)

		present := func(value string) access.Decision {
			t.Helper()
			o, err := door.Present(agent.Presentation{Kind: "card", Value: value})
			if err != nil {
				t.Fatal(err)
			}
			return o.Decision
		}
		command := func(name string, body any) {
			t.Helper()
			seq := door.Seq()
			r := api.call("POST", fmt.Sprintf("/api/3/channels/%d/%s", front, name), body)
			if r.status/100 != 2 {
				t.Fatalf("%s: %d %s", name, r.status, r.body)
			}
			waitFor(t, "the door to follow "+name, func() bool { return door.Seq() != seq })
		}

		before := frontCodes(t, api, front)
		if d := present(card); !d.Admit {
			t.Fatalf("before any command: %+v", d)
		}
		command("lockdown", map[string]any{"card_lockdown": true})
		if d := present(card); d.Admit || d.Code != access.CodeRejectLockdown {
			t.Fatalf("during lockdown: %+v, want reject %d", d, access.CodeRejectLockdown)
		}
		command("unlockdown", nil)
		if d := present(card); !d.Admit {
			t.Fatalf("after unlockdown: %+v", d)
		}
		command("unlock", nil)
		if d := present("0000000001"); !d.Admit || d.Code != access.CodeAdmitUnlocked {
			t.Fatalf("unknown card at an unlocked door: %+v, want admit %d", d, access.CodeAdmitUnlocked)
		}
		command("normal", nil)
		if d := present("0000000001"); d.Admit {
			t.Fatalf("unknown card after normal: %+v", d)
		}

		// The door's decisions reach the access log: one more lockdown
		// reject and one more unlocked-door admit than before the commands.
		waitFor(t, "the door's events", func() bool {
			now := frontCodes(t, api, front)
			return now[access.CodeRejectLockdown] > before[access.CodeRejectLockdown] &&
				now[access.CodeAdmitUnlocked] > before[access.CodeAdmitUnlocked]
		})
		codes := frontCodes(t, api, front)
		t.Logf("event codes at the front door: %v", codes)
	})
}

// frontCodes counts the events of one door by code.
func frontCodes(t *testing.T, api *apiClient, channel int64) map[int]int {
	t.Helper()
	var events []map[string]any
	api.call("GET", fmt.Sprintf("/api/3/events?channels=%d&n=1000", channel), nil).expect(t, "events", 200).decode(t, &events)
	codes := map[int]int{}
	for _, e := range events {
		if c, ok := e["event_code"].(float64); ok {
			codes[int(c)]++
		}
	}
	return codes
}
