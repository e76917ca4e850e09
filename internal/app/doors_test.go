package app_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/lintel-dev/lintel/internal/access"
	"github.com/lintel-dev/lintel/internal/controller"
	"github.com/lintel-dev/lintel/internal/controller/agent"
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
		ctx := context.Background()
		base := s.BaseURL()
		var tok map[string]any
		postForm(t, base+"/oauth/token", url.Values{
			"grant_type": {"password"}, "username": {s.demo.AdminEmail}, "password": {s.demo.AdminPassword},
			"scope": {"account.person account.channel.readonly"},
		}, s.demo.ClientID, s.demo.ClientSecret).expect(t, "token", 200).decode(t, &tok)
		api := &apiClient{t: t, base: base, http: http.DefaultClient, token: tok["access_token"].(string)}

		var people []map[string]any
		api.call("GET", "/api/3/people?email=john.doe@example.com", nil).expect(t, "find John", 200).decode(t, &people)
		if len(people) == 0 {
			t.Fatal("the demo has no John Doe")
		}
		personID := int64(people[0]["id"].(float64))
		var creds []map[string]any
		api.call("GET", fmt.Sprintf("/api/3/people/%d/credentials", personID), nil).expect(t, "credentials", 200).decode(t, &creds)
		var cardID, cardValue string
		for _, c := range creds {
			if c["credential_type_name"] == "Card" || c["label"] == "Card" {
				cardID, cardValue = fmt.Sprint(c["id"]), fmt.Sprint(c["value"])
			}
		}
		if cardID == "" {
			t.Fatalf("John has no card: %v", creds)
		}
		var channels []map[string]any
		api.call("GET", "/api/3/channels", nil).expect(t, "channels", 200).decode(t, &channels)
		var front int64
		for _, c := range channels {
			if c["name"] == "Front Door" {
				front = int64(c["id"].(float64))
			}
		}
		acct, err := s.Store.GetAccountByUID(ctx, s.demo.AccountID)
		if err != nil {
			t.Fatal(err)
		}
		_, secret, err := controller.Enroll(ctx, s.Store, controller.Enrollment{AccountID: acct.ID, ChannelIDs: []int64{front}})
		if err != nil {
			t.Fatal(err)
		}
		state, err := agent.OpenState(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		when := nextTuesdayMorning()
		door, err := agent.New(agent.Config{Server: base, Secret: secret, State: state, Out: io.Discard,
			Now: func() time.Time { return when }, HeartbeatEvery: 100 * time.Millisecond, PollWait: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		runCtx, cancel := context.WithCancel(ctx)
		ran := make(chan error, 1)
		go func() { ran <- door.Run(runCtx) }()
		defer func() { cancel(); <-ran }()
		waitFor(t, "the first snapshot", func() bool { return door.Seq() != 0 })

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
