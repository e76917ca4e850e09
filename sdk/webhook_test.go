package lintel

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

const hookSecret = "whsec_test_secret_0123456789"

func deliver(t *testing.T, h http.Handler, body string, ts int64, sig string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest("POST", "/hooks", strings.NewReader(body))
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(ts, 10))
	req.Header.Set(HeaderSignature, sig)
	req.Header.Set(HeaderDelivery, "81234")
	req.Header.Set(HeaderAttempt, "2")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestVerifyWebhook(t *testing.T) {
	now := time.Unix(1712049196, 0)
	body := []byte(`[{"action":"CREATE"}]`)
	sig := SignWebhook(hookSecret, now.Unix(), body)
	if err := VerifyWebhook(hookSecret, body, sig, "1712049196", now.Add(time.Minute), 0); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct {
		body    string
		sig, ts string
		at      time.Time
		want    error
	}{
		"tampered body":   {`[{"action":"DESTROY"}]`, sig, "1712049196", now, ErrInvalidSignature},
		"other secret":    {string(body), SignWebhook("other", now.Unix(), body), "1712049196", now, ErrInvalidSignature},
		"shifted stamp":   {string(body), sig, "1712049197", now, ErrInvalidSignature},
		"stamp not int":   {string(body), sig, "17120491x6", now, ErrInvalidSignature},
		"too old":         {string(body), sig, "1712049196", now.Add(6 * time.Minute), ErrStaleTimestamp},
		"from the future": {string(body), sig, "1712049196", now.Add(-6 * time.Minute), ErrStaleTimestamp},
	} {
		if err := VerifyWebhook(hookSecret, []byte(c.body), c.sig, c.ts, c.at, 0); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", name, err, c.want)
		}
	}
}

func TestWebhookHandler(t *testing.T) {
	// The API the handler fetches resources from.
	var acks []string
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		acks = append(acks, r.URL.Path+"?"+r.URL.RawQuery)
		switch r.URL.Path {
		case "/api/3/events/98321":
			fmt.Fprint(w, `{"id":98321,"event_code":10,"event_label":"Ada Lovelace admitted using card","person_name":"Ada Lovelace","created_at":"2026-01-05T09:00:00.000Z","updated_at":"2026-01-05T09:00:00.000Z"}`)
		case "/api/3/people/42/credentials/k3Jd":
			w.WriteHeader(404)
			fmt.Fprint(w, `{"error":"not_found","error_description":"gone"}`)
		default:
			w.WriteHeader(500)
		}
	}))
	defer api.Close()
	c, _ := NewClient(api.URL, WithAccessToken("tok"))
	now := time.Unix(1712049196, 0)
	var got []*Notification
	fail := false
	h := &WebhookHandler{Secret: hookSecret, Client: c, Now: func() time.Time { return now },
		Handle: func(_ context.Context, n *Notification) error {
			if fail {
				return errors.New("database down")
			}
			got = append(got, n)
			return nil
		}}
	body := `[{"action":"CREATE","resource":"https://evil.example/api/3/events/98321?ack_token=7.Zq","resource_type":"Event","resource_id":"98321","account_id":"nbYfy7","ack_token":"7.Zq"},
		{"action":"DESTROY","resource_url":"https://lintel.example/api/3/people/42/credentials/k3Jd?ack_token=7.512.Yp","resource_type":"PersonCredential","resource_id":"k3Jd","account_id":"nbYfy7","ack_token":"7.512.Yp"}]`
	sig := SignWebhook(hookSecret, now.Unix(), []byte(body))
	if rec := deliver(t, h, body, now.Unix(), sig); rec.Code != 204 {
		t.Fatalf("delivery: %d %s", rec.Code, rec.Body)
	}
	if len(got) != 2 || got[0].Event == nil || got[0].Event.EventLabel != "Ada Lovelace admitted using card" || got[0].DeliveryID != "81234" || got[0].Attempt != 2 {
		t.Fatalf("notifications %+v", got)
	}
	if got[1].Credential != nil || got[1].Resource == "" || got[1].Action != "DESTROY" {
		t.Fatalf("credential notification %+v", got[1])
	}
	// Resources are fetched from the client's own server, with the ack token.
	if len(acks) != 2 || acks[0] != "/api/3/events/98321?ack_token=7.Zq" || acks[1] != "/api/3/people/42/credentials/k3Jd?ack_token=7.512.Yp" {
		t.Fatalf("fetched %v", acks)
	}
	// The same delivery again is a replay.
	if rec := deliver(t, h, body, now.Unix(), sig); rec.Code != 401 {
		t.Fatalf("replay: %d", rec.Code)
	}
	if rec := deliver(t, h, body, now.Unix(), strings.Repeat("0", 64)); rec.Code != 401 {
		t.Fatalf("bad signature: %d", rec.Code)
	}
	// A failing handler asks for a retry, and the retry is let in.
	fail = true
	later := now.Unix() + 2
	sig2 := SignWebhook(hookSecret, later, []byte(body))
	if rec := deliver(t, h, body, later, sig2); rec.Code != 500 {
		t.Fatalf("failing handler: %d", rec.Code)
	}
	fail = false
	if rec := deliver(t, h, body, later, sig2); rec.Code != 204 {
		t.Fatalf("retry after a failure: %d", rec.Code)
	}
	if rec := deliver(t, h, "not json", now.Unix(), SignWebhook(hookSecret, now.Unix(), []byte("not json"))); rec.Code != 400 {
		t.Fatalf("bad body: %d", rec.Code)
	}
}
