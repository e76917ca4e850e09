package lintel_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"time"

	lintel "github.com/lintel-dev/lintel/sdk"
)

// exampleServer stands in for a Lintel server in the examples, so they run
// without one: two people, and 404 for anything else.
func exampleServer() *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.URL.Path == "/api/3/people" && r.URL.Query().Get("page") != "2":
			w.Header().Set("Total", "3")
			w.Header().Set("Per-Page", "2")
			fmt.Fprint(w, `[{"id":1,"first_name":"John","last_name":"Doe","enabled":true,"groups":[1],"roles":[],"credentials_number":"1234567890"},
				{"id":2,"first_name":"Ada","last_name":"Lovelace","enabled":true,"groups":[],"roles":[]}]`)
		case r.URL.Path == "/api/3/people":
			w.Header().Set("Total", "3")
			w.Header().Set("Per-Page", "2")
			fmt.Fprint(w, `[{"id":3,"first_name":"Grace","last_name":"Hopper","enabled":false,"groups":[],"roles":[]}]`)
		case r.URL.Path == "/api/3/events/98321":
			fmt.Fprint(w, `{"id":98321,"event_code":10,"event_label":"John Doe admitted using card","created_at":"2026-01-05T09:00:00.000Z","updated_at":"2026-01-05T09:00:00.000Z"}`)
		case r.URL.Path == "/api/3/people/2":
			fmt.Fprintf(w, `{"id":2,"first_name":"Ada","last_name":"Lovelace","enabled":true,"groups":[],"roles":[],
				"image_url":"http://%[1]s/media/people/k3q","image_thumbnail_url":"http://%[1]s/media/people/k3q/thumbnail"}`, r.Host)
		case r.URL.Path == "/media/people/k3q/thumbnail":
			if r.Header.Get("Authorization") != "" {
				w.WriteHeader(http.StatusBadRequest) // photo URLs need no token, and get none
				return
			}
			w.Header().Set("Content-Type", "image/jpeg")
			w.Write([]byte("\xff\xd8\xff\xe0 a JPEG"))
		case r.URL.Path == "/api/3/audit_events" && r.URL.Query().Get("resource") == "people":
			w.Header().Set("Total", "2")
			w.Header().Set("Per-Page", "50")
			fmt.Fprint(w, `[{"id":902,"actor_type":"app","actor_id":4,"user_id":1,"actor":"CRM for admin@example.com","resource":"people",
				"resource_id":"2","action":"update","changes":{"job_title":"Analyst"},"ip_address":"192.0.2.7","user_agent":"crm/1.0","created_at":"2026-01-05T10:02:00.000Z"},
				{"id":877,"actor_type":"operator","actor_id":1,"user_id":1,"actor":"admin@example.com","resource":"people",
				"resource_id":"2","action":"create","changes":{"first_name":"Ada","last_name":"Lovelace"},"ip_address":"192.0.2.9","user_agent":null,"created_at":"2026-01-05T09:40:00.000Z"}]`)
		default:
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, `{"error":"not_found","error_description":"The requested resource was not found"}`)
		}
	}))
}

// Iterating over every person: the iterator fetches the pages as needed.
func ExamplePeopleService_All() {
	srv := exampleServer()
	defer srv.Close()
	c, err := lintel.NewClient(srv.URL, lintel.WithAccessToken("ACCESS_TOKEN"))
	if err != nil {
		log.Fatal(err)
	}
	for p, err := range c.People.All(context.Background(), nil) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%s (enabled: %v) card %q\n", p.Name(), p.Enabled, p.CredentialValues["credentials_number"])
	}
	// Output:
	// John Doe (enabled: true) card "1234567890"
	// Ada Lovelace (enabled: true) card ""
	// Grace Hopper (enabled: false) card ""
}

// Who changed people today: the audit log, filtered and followed page by
// page (a Lintel extension; scope account.audit.readonly).
func ExampleAuditEventsService_All() {
	srv := exampleServer()
	defer srv.Close()
	c, _ := lintel.NewClient(srv.URL, lintel.WithAccessToken("ACCESS_TOKEN"))
	since := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	for ev, err := range c.AuditEvents.All(context.Background(), &lintel.AuditEventListOptions{Resource: "people", Since: since}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(ev.CreatedAt.Format("15:04"), ev.Actor, ev.Action, *ev.ResourceID, len(ev.Changes), "field(s)")
	}
	// Output:
	// 10:02 CRM for admin@example.com update 2 1 field(s)
	// 09:40 admin@example.com create 2 2 field(s)
}

// Downloading a person's photo thumbnail by the URL the person carries.
func ExamplePeopleService_PhotoThumbnail() {
	srv := exampleServer()
	defer srv.Close()
	c, _ := lintel.NewClient(srv.URL, lintel.WithAccessToken("ACCESS_TOKEN"))
	ctx := context.Background()
	p, err := c.People.Get(ctx, 2)
	if err != nil {
		log.Fatal(err)
	}
	img, err := c.People.PhotoThumbnail(ctx, p)
	switch {
	case errors.Is(err, lintel.ErrNoPhoto):
		fmt.Println("no photo")
	case lintel.IsGone(err):
		fmt.Println("replaced since; read the person again")
	case err != nil:
		log.Fatal(err)
	default:
		fmt.Println(img.ContentType, len(img.Data), "bytes")
	}
	// Output:
	// image/jpeg 11 bytes
}

// Every failed call is an *Error with the server's status, code and
// message.
func ExampleError() {
	srv := exampleServer()
	defer srv.Close()
	c, _ := lintel.NewClient(srv.URL, lintel.WithAccessToken("ACCESS_TOKEN"))
	_, err := c.People.Get(context.Background(), 42)
	var apiErr *lintel.Error
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.StatusCode, apiErr.Code, apiErr.Message)
	}
	fmt.Println(lintel.IsNotFound(err))
	// Output:
	// 404 not_found The requested resource was not found
	// true
}

// Checking a delivery by hand: the signature covers the timestamp and the
// raw body, and old timestamps are refused.
func ExampleVerifyWebhook() {
	body := []byte(`[{"action":"CREATE","resource_type":"Event","resource_id":"98321"}]`)
	sent := time.Unix(1767603600, 0)
	signature := lintel.SignWebhook("whsec_example", sent.Unix(), body)

	err := lintel.VerifyWebhook("whsec_example", body, signature, strconv.FormatInt(sent.Unix(), 10), sent.Add(time.Minute), 0)
	fmt.Println(err)
	err = lintel.VerifyWebhook("whsec_example", body, signature, strconv.FormatInt(sent.Unix(), 10), sent.Add(time.Hour), 0)
	fmt.Println(errors.Is(err, lintel.ErrStaleTimestamp))
	// Output:
	// <nil>
	// true
}

// A webhook receiver that gets typed events: the handler verifies each
// delivery and fetches the event it is about, which acknowledges it.
func ExampleWebhookHandler() {
	api := exampleServer()
	defer api.Close()
	c, _ := lintel.NewClient(api.URL, lintel.WithAccessToken("ACCESS_TOKEN"))
	hooks := httptest.NewServer(&lintel.WebhookHandler{
		Secret: "whsec_example",
		Client: c,
		Handle: func(ctx context.Context, n *lintel.Notification) error {
			if n.Event != nil {
				fmt.Println(n.Action, n.Event.EventLabel)
			}
			return nil
		},
	})
	defer hooks.Close()

	// What Lintel sends:
	body := `[{"action":"CREATE","resource":"` + api.URL + `/api/3/events/98321?ack_token=7.Zq","resource_type":"Event","resource_id":"98321","ack_token":"7.Zq"}]`
	ts := time.Now().Unix()
	req, _ := http.NewRequest("POST", hooks.URL, strings.NewReader(body))
	req.Header.Set("Timestamp", strconv.FormatInt(ts, 10))
	req.Header.Set("Signature", lintel.SignWebhook("whsec_example", ts, []byte(body)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		log.Fatal(err)
	}
	resp.Body.Close()
	fmt.Println(resp.StatusCode)
	// Output:
	// CREATE John Doe admitted using card
	// 204
}

// The authorization-code flow in a web application: /connect sends the
// browser to the consent page, /callback finishes, and the client then
// calls the API with tokens it refreshes by itself.
func ExampleAuth() {
	auth, err := lintel.NewAuth(lintel.AuthConfig{
		BaseURL:      "http://127.0.0.1:8080",
		ClientID:     os.Getenv("LINTEL_CLIENT_ID"),
		ClientSecret: os.Getenv("LINTEL_CLIENT_SECRET"),
		RedirectURL:  "http://127.0.0.1:3333/callback",
		Scopes:       []string{"account.person", "account.event.access.readonly"},
		Storage:      lintel.NewFileStorage("data/tokens.json"), // safe to share between processes
	})
	if err != nil {
		log.Fatal(err)
	}
	client, _ := lintel.NewClient("http://127.0.0.1:8080", lintel.WithAuth(auth))

	var pending *lintel.AuthRequest // keep it in the user's session
	http.HandleFunc("/connect", func(w http.ResponseWriter, r *http.Request) {
		pending, _ = auth.AuthCodeURL()
		http.Redirect(w, r, pending.URL, http.StatusFound)
	})
	http.HandleFunc("/callback", func(w http.ResponseWriter, r *http.Request) {
		if _, err := auth.HandleCallback(r.Context(), r.URL.Query(), pending.State, pending.CodeVerifier); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		acct, err := client.Account.Get(r.Context())
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		fmt.Fprintf(w, "Connected to %s", acct.Name)
	})
	http.HandleFunc("/disconnect", func(w http.ResponseWriter, r *http.Request) {
		_ = auth.Disconnect(r.Context()) // revokes the grant and forgets it
	})
}

// Personal API keys and subscription keys need no OAuth at all.
func ExampleWithAPIKey() {
	client, err := lintel.NewClient("http://127.0.0.1:8080",
		lintel.WithAPIKey(os.Getenv("LINTEL_API_KEY")),
		lintel.WithSubscriptionKey(os.Getenv("LINTEL_SUBSCRIPTION_KEY")))
	if err != nil {
		log.Fatal(err)
	}
	_ = client
}

// Following the access log live, resuming after the last event handled
// (keep its id somewhere durable to resume across restarts too).
func ExampleEventsService_Stream() {
	client, _ := lintel.NewClient("http://127.0.0.1:8080", lintel.WithAccessToken(os.Getenv("LINTEL_TOKEN")))
	var last int64 // e.g. read from your database
	for ev, err := range client.Events.Stream(context.Background(), &lintel.StreamOptions{LastEventID: last}) {
		if err != nil {
			log.Fatal(err) // only errors reconnecting cannot fix end the stream
		}
		fmt.Println(ev.EventLabel)
		last = ev.ID
	}
}

// Issuing a PIN the server generates.
func ExampleCredentialsService_Create() {
	client, _ := lintel.NewClient("http://127.0.0.1:8080", lintel.WithAccessToken(os.Getenv("LINTEL_TOKEN")))
	ctx := context.Background()
	var pinType int64
	for t, err := range client.CredentialTypes.All(ctx) {
		if err != nil {
			log.Fatal(err)
		}
		if t.Kind() == "pin" {
			pinType = t.ID
		}
	}
	c, err := client.Credentials.Create(ctx, 12345, lintel.CredentialInput{CredentialTypeID: pinType, Value: lintel.AutoPIN})
	var apiErr *lintel.Error
	switch {
	case errors.As(err, &apiErr) && apiErr.Credential != nil:
		fmt.Println("already has one:", apiErr.Credential.ID)
	case err != nil:
		log.Fatal(err)
	default:
		fmt.Println("PIN:", *c.Value)
	}
}
