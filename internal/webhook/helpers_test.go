package webhook

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/lintel-dev/lintel/internal/clocktest"
	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/store"
)

func newClock() *clocktest.Clock { return clocktest.New(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)) }

// fixture is an account whose app has authorised events, plus the app.
type fixture struct {
	st   *store.Store
	acct *domain.Account
	app  *domain.OAuthApp
}

func newFixture(t testing.TB, st *store.Store, scopes ...string) *fixture {
	t.Helper()
	ctx := context.Background()
	a := &domain.Account{Name: "CoWork HQ", TimeZone: "UTC"}
	if err := st.CreateAccount(ctx, a); err != nil {
		t.Fatal(err)
	}
	u := &domain.User{AccountID: a.ID, Email: "ops@cowork.test", PasswordHash: "x"}
	if err := st.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	app := &domain.OAuthApp{AccountID: a.ID, Name: "Door log", Scopes: domain.NewScopeSet(scopes...)}
	if err := st.CreateOAuthApp(ctx, app); err != nil {
		t.Fatal(err)
	}
	if err := st.SaveOAuthGrant(ctx, &store.OAuthGrant{AppID: app.ID, AccountID: a.ID, UserID: u.ID,
		Scopes: domain.NewScopeSet(scopes...)}); err != nil {
		t.Fatal(err)
	}
	return &fixture{st: st, acct: a, app: app}
}

func (f *fixture) event(t testing.TB, code int, channel *int64) int64 {
	t.Helper()
	e := &domain.Event{AccountID: f.acct.ID, EventCode: code, EventLabel: "Admit card", ChannelID: channel}
	if err := f.st.CreateEvent(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	return e.ID
}

// receiver records the deliveries it is sent, after checking signatures.
type receiver struct {
	t      testing.TB
	secret string
	srv    *httptest.Server
	behave func(n int, w http.ResponseWriter) // n counts requests from 1; nil answers 200

	mu       sync.Mutex
	n        int
	byID     map[string]int      // delivery id -> times received
	events   map[string][]string // event id -> delivery ids
	bodies   [][]byte
	badSig   int
	received chan struct{}
}

func newReceiver(t testing.TB, secret string) *receiver {
	r := &receiver{t: t, secret: secret, byID: map[string]int{}, events: map[string][]string{}, received: make(chan struct{}, 1)}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	r.n++
	n := r.n
	if !Verify(r.secret, req.Header.Get(HeaderTimestamp), body, req.Header.Get(HeaderSignature)) {
		r.badSig++
	}
	id := req.Header.Get(HeaderDelivery)
	if r.byID[id] == 0 {
		ev := req.Header.Get(HeaderEvent)
		r.events[ev] = append(r.events[ev], id)
	}
	r.byID[id]++
	r.bodies = append(r.bodies, body)
	behave := r.behave
	r.mu.Unlock()
	select {
	case r.received <- struct{}{}:
	default:
	}
	if behave != nil {
		behave(n, w)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// distinctEvents returns how many events arrived (after dedup by delivery id).
func (r *receiver) distinctEvents() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.events)
}

// checkExactlyOnce fails unless every event id arrived under exactly one
// delivery id.
func (r *receiver) checkExactlyOnce(t testing.TB, ids []int64) {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, id := range ids {
		if got := r.events[strconv.FormatInt(id, 10)]; len(got) != 1 {
			t.Errorf("event %d arrived under deliveries %v, want exactly one", id, got)
		}
	}
	if len(r.events) != len(ids) {
		t.Errorf("receiver saw %d events, want %d", len(r.events), len(ids))
	}
	if r.badSig != 0 {
		t.Errorf("%d requests had a bad signature", r.badSig)
	}
}

// startWorker runs svc.Run until the returned stop is called.
func startWorker(t testing.TB, svc *Service) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- svc.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("Run: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t testing.TB, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// allDelivered reports whether every delivery of the endpoint is delivered.
func allDelivered(st *store.Store, endpointID int64, want int) bool {
	ds, err := st.ListWebhookDeliveries(context.Background(), endpointID, 0, 10000)
	if err != nil || len(ds) < want {
		return false
	}
	for _, d := range ds {
		if d.Status != store.DeliveryDelivered {
			return false
		}
	}
	return true
}

func claimed(endpointID, eventID int64, accountUID, secret string) *store.ClaimedDelivery {
	return &store.ClaimedDelivery{WebhookDelivery: store.WebhookDelivery{ID: 1, EndpointID: endpointID, EventID: eventID},
		Kind: store.WebhookApp, Secret: secret, AccountUID: accountUID, EventCode: 10}
}
