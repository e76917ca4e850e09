package lintel

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// testClient returns a client of srv that records retry waits instead of
// sleeping.
func testClient(t *testing.T, srv *httptest.Server, opts ...Option) (*Client, *[]time.Duration) {
	t.Helper()
	var waits []time.Duration
	p := DefaultRetry
	p.wait = func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil }
	c, err := NewClient(srv.URL, append([]Option{WithAccessToken("tok"), WithRetry(p)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c, &waits
}

func TestErrorShapes(t *testing.T) {
	cases := []struct {
		name, path string
		status     int
		header     map[string]string
		body       string
		check      func(t *testing.T, e *Error)
	}{
		{"common", "/api/3/people/1", 422, nil,
			`{"error":"validation_failed","error_description":"Validation failed","errors":{"email":["has already been taken"],"limit_reached":"licence limit"}}`,
			func(t *testing.T, e *Error) {
				if e.Code != "validation_failed" || e.Message != "Validation failed" || e.Fields["email"][0] != "has already been taken" || e.Fields["limit_reached"][0] != "licence limit" {
					t.Errorf("%+v", e)
				}
			}},
		{"sync rate limit", "/api/3/sync", 429, nil, `{"error":"rate_limited","description":"Sync rate limit exceeded","retry_in":60}`,
			func(t *testing.T, e *Error) {
				if e.Code != "rate_limited" || e.Message != "Sync rate limit exceeded" || e.RetryAfter != time.Minute || !IsRateLimited(e) {
					t.Errorf("%+v", e)
				}
			}},
		{"admit person", "/api/3/channels/3/admit_person", 403, nil, `{"error":"Access denied","reason":"Person does not have valid credentials for this channel"}`,
			func(t *testing.T, e *Error) {
				if e.Code != "Access denied" || !strings.Contains(e.Message, "valid credentials") {
					t.Errorf("%+v", e)
				}
			}},
		{"auto unlock", "/api/3/channels/3/auto_unlock", 400, nil, `{"success":false,"message":"No shift found for shift_id - 9"}`,
			func(t *testing.T, e *Error) {
				if e.Message != "No shift found for shift_id - 9" {
					t.Errorf("%+v", e)
				}
			}},
		{"command failed", "/api/3/channels/3/admit", 400, nil, `{"id":3,"name":"Front Door","mac_address":"00:1a:2b:3c:4d:01","mode":{"description":"unlock"}}`,
			func(t *testing.T, e *Error) {
				if e.Channel == nil || e.Channel.Name != "Front Door" || e.Channel.Mode.Description != "unlock" {
					t.Errorf("%+v", e)
				}
			}},
		{"credential exists", "/api/3/people/1/credentials", 409, nil, `{"id":"k3Jd","credential_type_id":1,"label":"Card","person_id":1,"value":"123"}`,
			func(t *testing.T, e *Error) {
				if e.Credential == nil || e.Credential.ID != "k3Jd" || !IsConflict(e) {
					t.Errorf("%+v", e)
				}
			}},
		{"retry-after header", "/api/3/people", 429, map[string]string{"Retry-After": "7"}, `{"error":"rate_limited","error_description":"slow down","retry_in":1}`,
			func(t *testing.T, e *Error) {
				if e.RetryAfter != 7*time.Second {
					t.Errorf("RetryAfter %v", e.RetryAfter)
				}
			}},
		{"not json", "/api/3/people/9", 404, nil, `<html>gone</html>`,
			func(t *testing.T, e *Error) {
				if e.Message != "Not Found" || !IsNotFound(e) {
					t.Errorf("%+v", e)
				}
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := http.Header{}
			for k, v := range c.header {
				h.Set(k, v)
			}
			e := newError("POST", c.path, &response{status: c.status, header: h, body: []byte(c.body)})
			c.check(t, e)
			var as *Error
			if !errors.As(fmt.Errorf("wrapped: %w", e), &as) || as != e {
				t.Error("errors.As does not find the *Error")
			}
			if !strings.Contains(e.Error(), strconv.Itoa(c.status)) {
				t.Errorf("Error() = %q", e.Error())
			}
		})
	}
}

func TestRetryIdempotentOnly(t *testing.T) {
	var gets, posts atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case "GET":
			switch gets.Add(1) {
			case 1:
				w.Header().Set("Retry-After", "3")
				w.WriteHeader(429)
				fmt.Fprint(w, `{"error":"rate_limited"}`)
			case 2:
				w.WriteHeader(503)
			default:
				fmt.Fprint(w, `[]`)
			}
		case "POST":
			posts.Add(1)
			w.WriteHeader(429)
			fmt.Fprint(w, `{"error":"rate_limited","description":"wait","retry_in":30}`)
		}
	}))
	defer srv.Close()
	c, waits := testClient(t, srv)
	if _, err := c.Groups.List(context.Background()); err != nil {
		t.Fatal(err)
	}
	if gets.Load() != 3 || len(*waits) != 2 || (*waits)[0] != 3*time.Second {
		t.Fatalf("gets %d waits %v", gets.Load(), *waits)
	}
	if b := (*waits)[1]; b < DefaultRetry.Base/2 || b > DefaultRetry.Base*3 {
		t.Errorf("second wait %v, want about %v", b, DefaultRetry.Base*2)
	}
	err := c.Sync.Start(context.Background())
	var e *Error
	if !errors.As(err, &e) || e.StatusCode != 429 || e.RetryAfter != 30*time.Second {
		t.Fatalf("sync: %v", err)
	}
	if posts.Load() != 1 {
		t.Errorf("a POST was sent %d times", posts.Load())
	}
}

func TestRetryGivesUp(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		if r.URL.Path == "/api/3/roles" {
			w.Header().Set("Retry-After", "3600") // longer than Max: fail at once
		}
		w.WriteHeader(503)
	}))
	defer srv.Close()
	c, waits := testClient(t, srv)
	if _, err := c.Groups.List(context.Background()); err == nil || n.Load() != int32(DefaultRetry.Attempts) {
		t.Fatalf("err %v after %d attempts", err, n.Load())
	}
	n.Store(0)
	*waits = nil
	_, err := c.Roles.List(context.Background())
	var e *Error
	if !errors.As(err, &e) || e.RetryAfter != time.Hour || n.Load() != 1 || len(*waits) != 0 {
		t.Fatalf("err %v, %d attempts, waits %v", err, n.Load(), *waits)
	}
}

func TestPaginationIterator(t *testing.T) {
	const total = 7
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		page, _ := strconv.Atoi(r.URL.Query().Get("page"))
		per, _ := strconv.Atoi(r.URL.Query().Get("per_page"))
		if page == 0 {
			page = 1
		}
		if per == 0 {
			per = 3
		}
		w.Header().Set("Total", strconv.Itoa(total))
		w.Header().Set("Per-Page", strconv.Itoa(per))
		var out []map[string]any
		for i := (page-1)*per + 1; i <= min(page*per, total); i++ {
			out = append(out, map[string]any{"id": i, "first_name": "P", "last_name": strconv.Itoa(i), "enabled": true, "groups": []int{}, "roles": []int{}})
		}
		if out == nil {
			out = []map[string]any{}
		}
		_ = json.NewEncoder(w).Encode(out)
	}))
	defer srv.Close()
	c, _ := testClient(t, srv)
	var ids []int64
	for p, err := range c.People.All(context.Background(), nil) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, p.ID)
	}
	if len(ids) != total || ids[0] != 1 || ids[total-1] != total {
		t.Fatalf("ids %v", ids)
	}
	// Stopping early stops fetching.
	n := 0
	for range c.People.All(context.Background(), &PeopleListOptions{ListOptions: ListOptions{PerPage: 2}}) {
		n++
		if n == 3 {
			break
		}
	}
	people, info, err := c.People.List(context.Background(), &PeopleListOptions{ListOptions: ListOptions{Page: 3, PerPage: 3}})
	if err != nil || len(people) != 1 || info.Total != total || info.HasNext(len(people)) {
		t.Fatalf("last page: %d people, %+v, %v", len(people), info, err)
	}
}

func TestPersonQuirks(t *testing.T) {
	var p Person
	in := `{"id":5,"first_name":"Ada","last_name":"Lovelace","email":null,"enabled":true,"groups":[1,2],"roles":[],
		"credentials_number":"1234567890","pin":"4711","created_at":"2024-01-15T14:30:00.000Z","updated_at":"2024-01-15T14:30:00.000Z","valid_to":null}`
	if err := json.Unmarshal([]byte(in), &p); err != nil {
		t.Fatal(err)
	}
	if p.GroupIDs[1] != 2 || p.CredentialValues["credentials_number"] != "1234567890" || p.CredentialValues["pin"] != "4711" || len(p.CredentialValues) != 2 {
		t.Fatalf("%+v", p)
	}
	out, err := json.Marshal(PersonInput{FirstName: Ptr("Ada"), GroupIDs: []int64{}, CredentialValues: map[string]string{"pin": AutoPIN}})
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	_ = json.Unmarshal(out, &m)
	if m["first_name"] != "Ada" || m["pin"] != AutoPIN || m["group_ids"] == nil || len(m["group_ids"].([]any)) != 0 || m["last_name"] != nil {
		t.Fatalf("%s", out)
	}
	b, _ := json.Marshal(PersonInput{LastName: Ptr("L")})
	if strings.Contains(string(b), "group_ids") {
		t.Fatalf("nil GroupIDs sent: %s", b)
	}
}

func TestCredentialDeletePending(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		if strings.HasSuffix(r.URL.Path, "/mob") {
			w.WriteHeader(202)
		}
		io.WriteString(w, "ok")
	}))
	defer srv.Close()
	c, _ := testClient(t, srv)
	if pending, err := c.Credentials.Delete(context.Background(), 1, "card"); err != nil || pending {
		t.Fatalf("card: %v %v", pending, err)
	}
	if pending, err := c.Credentials.Delete(context.Background(), 1, "mob"); err != nil || !pending {
		t.Fatalf("mobile: %v %v", pending, err)
	}
}

func TestCredentialsAndHeaders(t *testing.T) {
	var got http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Clone()
		fmt.Fprint(w, `{"id":"a1","name":"CoWork HQ","time_zone":"Europe/London"}`)
	}))
	defer srv.Close()
	c, err := NewClient(srv.URL+"/", WithAPIKey("lk_abc"), WithSubscriptionKey("1f71"), WithUserAgent("coworkhq/1"))
	if err != nil {
		t.Fatal(err)
	}
	if a, err := c.Account.Get(context.Background()); err != nil || a.ID != "a1" {
		t.Fatalf("%+v %v", a, err)
	}
	user, pass, ok := (&http.Request{Header: got}).BasicAuth()
	if !ok || user != "lk_abc" || pass != "x" || got.Get("Ocp-Apim-Subscription-Key") != "1f71" || !strings.HasPrefix(got.Get("User-Agent"), "coworkhq/1 lintel-go/") {
		t.Fatalf("headers %v", got)
	}
	if _, err := NewClient("ftp://x"); err == nil {
		t.Error("ftp base URL accepted")
	}
}

// TestDownloadImage: image URLs get no credentials and no subscription
// key (they may name a storage host), are retried like any GET, and an
// answer that is not an image, or a URL that is not http(s), is an error.
func TestDownloadImage(t *testing.T) {
	var hits atomic.Int32
	storage := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "" || r.Header.Get("Ocp-Apim-Subscription-Key") != "" || r.Header.Get("Accept") != "image/*" {
			t.Errorf("image request headers %v", r.Header)
		}
		switch r.URL.Path {
		case "/photo.png":
			if hits.Add(1) == 1 {
				w.WriteHeader(http.StatusServiceUnavailable)
				return
			}
			w.Header().Set("Content-Type", "application/octet-stream") // sniffed instead
			w.Write([]byte("\x89PNG\r\n\x1a\n rest"))
		case "/page":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write([]byte("<html>sign in</html>"))
		default:
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.WriteHeader(http.StatusGone)
			w.Write([]byte("This photo was replaced or removed.\n"))
		}
	}))
	defer storage.Close()
	c, waits := testClient(t, storage, WithSubscriptionKey("sub"))
	ctx := context.Background()
	img, err := c.People.Photo(ctx, &Person{ImageURL: Ptr(storage.URL + "/photo.png")})
	if err != nil || img.ContentType != "image/png" || len(*waits) != 1 {
		t.Fatalf("photo %+v %v, waits %v", img, err, *waits)
	}
	if _, err := c.People.DownloadImage(ctx, storage.URL+"/page"); err == nil || !strings.Contains(err.Error(), "not an image") {
		t.Errorf("an HTML answer: %v", err)
	}
	_, err = c.People.PhotoThumbnail(ctx, &Person{ImageThumbnailURL: Ptr("/media/people/old/thumbnail")}) // relative: on the server
	var e *Error
	if !IsGone(err) || !errors.As(err, &e) || e.Message != "This photo was replaced or removed." || e.Path != "/media/people/old/thumbnail" {
		t.Errorf("a replaced photo: %v", err)
	}
	for _, u := range []string{"file:///etc/passwd", "ftp://example.com/a.png", "http://%zz"} {
		if _, err := c.People.DownloadImage(ctx, u); err == nil {
			t.Errorf("%s: no error", u)
		}
	}
	if _, err := c.People.Photo(ctx, &Person{ImageURL: Ptr("  ")}); !errors.Is(err, ErrNoPhoto) {
		t.Errorf("an empty URL: %v", err)
	}
}
