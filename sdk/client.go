package lintel

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Version is the SDK's version, sent in the User-Agent header.
const Version = "0.1.0"

// DoorFlowBaseURL is DoorFlow's own API host. Pass it to NewClient and
// NewAuth to use the SDK against DoorFlow rather than a Lintel server.
const DoorFlowBaseURL = "https://api.doorflow.com"

// maxReauths is how often one call may get a new token after a 401.
const maxReauths = 3

// maxResponseBytes bounds how much of a response body the client reads.
const maxResponseBytes = 32 << 20

// Client calls one server's /api/3 API. It is safe for concurrent use by
// many goroutines. Create it with NewClient; the zero value is not usable.
//
// Each group of operations is a field: c.People.List, c.Channels.Admit,
// c.Credentials.Create, and so on.
type Client struct {
	base      *url.URL
	http      *http.Client
	creds     credentials
	subKey    string
	userAgent string
	retry     RetryPolicy

	Account           *AccountService
	Sites             *SitesService
	Channels          *ChannelsService
	AdmissionRequests *AdmissionRequestsService
	CredentialTypes   *CredentialTypesService
	People            *PeopleService
	Credentials       *CredentialsService
	Events            *EventsService
	AuditEvents       *AuditEventsService
	Reservations      *ReservationsService
	GroupReservations *GroupReservationsService
	Groups            *GroupsService
	Roles             *RolesService
	Shifts            *ShiftsService
	NotificationRules *NotificationRulesService
	Sync              *SyncService
	Service           *ServiceService
}

// Option configures a Client.
type Option func(*Client) error

// credentials authorize a request: a bearer token, an API key, or nothing.
type credentials interface {
	// apply sets the request's Authorization header.
	apply(ctx context.Context, req *http.Request) error
	// rejected is told that the server refused what apply sent (401
	// invalid_token). It reports whether a retry with new credentials is
	// worth it.
	rejected(ctx context.Context, sent string) bool
}

// WithAuth makes the client send access tokens from a, refreshing them
// ahead of expiry and once more when the server says a token is no longer
// valid.
func WithAuth(a *Auth) Option {
	return func(c *Client) error {
		if a == nil {
			return errors.New("lintel: WithAuth: nil Auth")
		}
		c.creds = a
		return nil
	}
}

// WithAccessToken makes the client send a fixed bearer token. It is never
// refreshed; use WithAuth for tokens that expire.
func WithAccessToken(token string) Option {
	return func(c *Client) error {
		if strings.TrimSpace(token) == "" {
			return errors.New("lintel: WithAccessToken: empty token")
		}
		c.creds = staticBearer(token)
		return nil
	}
}

// WithAPIKey makes the client authenticate with a personal API key (as the
// HTTP Basic user name, which is how Lintel and DoorFlow's legacy API take
// it) instead of an OAuth token.
func WithAPIKey(key string) Option {
	return func(c *Client) error {
		if strings.TrimSpace(key) == "" {
			return errors.New("lintel: WithAPIKey: empty key")
		}
		c.creds = apiKey(key)
		return nil
	}
}

// WithSubscriptionKey sends key in the Ocp-Apim-Subscription-Key header of
// every call, for accounts (or servers) that require subscription keys.
// It goes with, not instead of, a token or API key.
func WithSubscriptionKey(key string) Option {
	return func(c *Client) error {
		c.subKey = strings.TrimSpace(key)
		return nil
	}
}

// WithHTTPClient sets the HTTP client used for every call (for timeouts,
// proxies or test transports). The default is a client with a 60-second
// timeout.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) error {
		if hc == nil {
			return errors.New("lintel: WithHTTPClient: nil client")
		}
		c.http = hc
		return nil
	}
}

// WithRetry replaces the retry policy (see RetryPolicy; DefaultRetry is
// used otherwise). RetryPolicy{} turns retries off.
func WithRetry(p RetryPolicy) Option {
	return func(c *Client) error {
		c.retry = p
		return nil
	}
}

// WithUserAgent puts product in front of the SDK's own User-Agent.
func WithUserAgent(product string) Option {
	return func(c *Client) error {
		c.userAgent = strings.TrimSpace(product) + " " + c.userAgent
		return nil
	}
}

// NewClient returns a client for the server at baseURL (for example
// "http://127.0.0.1:8080", or DoorFlowBaseURL), without the /api/3 part.
// Without WithAuth, WithAccessToken or WithAPIKey it sends no credentials,
// which only the service operations accept.
func NewClient(baseURL string, opts ...Option) (*Client, error) {
	u, err := parseBaseURL(baseURL)
	if err != nil {
		return nil, err
	}
	c := &Client{base: u, http: &http.Client{Timeout: 60 * time.Second}, userAgent: "lintel-go/" + Version,
		retry: DefaultRetry, creds: noCredentials{}}
	for _, o := range opts {
		if err := o(c); err != nil {
			return nil, err
		}
	}
	c.Account = &AccountService{c}
	c.Sites = &SitesService{c}
	c.Channels = &ChannelsService{c}
	c.AdmissionRequests = &AdmissionRequestsService{c}
	c.CredentialTypes = &CredentialTypesService{c}
	c.People = &PeopleService{c}
	c.Credentials = &CredentialsService{c}
	c.Events = &EventsService{c}
	c.AuditEvents = &AuditEventsService{c}
	c.Reservations = &ReservationsService{c}
	c.GroupReservations = &GroupReservationsService{c}
	c.Groups = &GroupsService{c}
	c.Roles = &RolesService{c}
	c.Shifts = &ShiftsService{c}
	c.NotificationRules = &NotificationRulesService{c}
	c.Sync = &SyncService{c}
	c.Service = &ServiceService{c}
	return c, nil
}

// BaseURL returns the server's base URL the client was made with.
func (c *Client) BaseURL() string { return c.base.String() }

// parseBaseURL checks an http(s) URL and drops a trailing slash.
func parseBaseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimRight(strings.TrimSpace(raw), "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("lintel: base URL %q must be an absolute http or https URL", raw)
	}
	u.RawQuery, u.Fragment = "", ""
	return u, nil
}

// request is one API call before it is sent.
type request struct {
	method string
	path   string // escaped, starting with "/"
	query  url.Values
	body   any // marshalled as JSON when not nil
	header http.Header
	// want are the success statuses; anything else is an *Error.
	want []int
	// target, when set, is the absolute URL to fetch instead of path on
	// the server (a person's image_url); path still names it in errors.
	target string
	// anonymous requests carry neither credentials nor the subscription
	// key (media URLs need none, and may be on another host).
	anonymous bool
}

// response is a received answer: status, headers and the whole body.
type response struct {
	status int
	header http.Header
	body   []byte
}

// url returns the request's absolute URL.
func (c *Client) url(path string, q url.Values) string {
	u := *c.base
	u.Path = strings.TrimRight(u.Path, "/")
	full := u.String() + path
	if len(q) > 0 {
		full += "?" + q.Encode()
	}
	return full
}

// do sends r with credentials, retries as the policy allows, and returns
// the answer when its status is one of r.want. Other statuses are *Error.
func (c *Client) do(ctx context.Context, r *request) (*response, error) {
	var payload []byte
	if r.body != nil {
		b, err := json.Marshal(r.body)
		if err != nil {
			return nil, fmt.Errorf("lintel: encode %s %s: %w", r.method, r.path, err)
		}
		payload = b
	}
	target := r.target
	if target == "" {
		target = c.url(r.path, r.query)
	}
	idempotent := isIdempotent(r.method)
	reauths := 0
	for attempt := 1; ; attempt++ {
		resp, sent, err := c.send(ctx, r, target, payload)
		if err != nil {
			return nil, err
		}
		if wanted(resp.status, r.want) {
			return resp, nil
		}
		apiErr := newError(r.method, r.path, resp)
		if resp.status == http.StatusUnauthorized && !r.anonymous && reauths < maxReauths && apiErr.Code == "invalid_token" {
			// The token was refused before the request did anything: get
			// another one and send the request again, whatever its method.
			// The stored token may itself be stale (another process
			// stored it before the server refused it too), hence a few
			// tries, each with a different token.
			reauths++
			if c.creds.rejected(ctx, sent) {
				attempt--
				continue
			}
		}
		if idempotent {
			if wait, ok := c.retry.backoff(attempt, resp.status, apiErr.RetryAfter); ok {
				if err := c.retry.sleep(ctx, wait); err != nil {
					return nil, err
				}
				continue
			}
		}
		return nil, apiErr
	}
}

// send performs one HTTP exchange. It also returns the Authorization
// header it sent, so that a refused token can be told apart from a newer one.
func (c *Client) send(ctx context.Context, r *request, target string, payload []byte) (*response, string, error) {
	var body io.Reader
	if payload != nil {
		body = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, target, body)
	if err != nil {
		return nil, "", fmt.Errorf("lintel: %s %s: %w", r.method, r.path, err)
	}
	for k, vs := range r.header {
		req.Header[k] = vs
	}
	if req.Header.Get("Accept") == "" {
		req.Header.Set("Accept", "application/json")
	}
	req.Header.Set("User-Agent", c.userAgent)
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if !r.anonymous {
		if c.subKey != "" {
			req.Header.Set("Ocp-Apim-Subscription-Key", c.subKey)
		}
		if err := c.creds.apply(ctx, req); err != nil {
			return nil, "", err
		}
	}
	sent := req.Header.Get("Authorization")
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, sent, fmt.Errorf("lintel: %s %s: %w", r.method, r.path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil {
		return nil, sent, fmt.Errorf("lintel: %s %s: read the answer: %w", r.method, r.path, err)
	}
	return &response{status: resp.StatusCode, header: resp.Header, body: b}, sent, nil
}

func wanted(status int, want []int) bool {
	if len(want) == 0 {
		return status == http.StatusOK
	}
	for _, w := range want {
		if w == status {
			return true
		}
	}
	return false
}

// isIdempotent reports whether a request with this method may be sent
// twice without changing the outcome (RFC 9110 section 9.2.2).
func isIdempotent(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPut, http.MethodDelete, http.MethodOptions:
		return true
	}
	return false
}

// decode unmarshals a JSON answer into v.
func (r *response) decode(what string, v any) error {
	if err := json.Unmarshal(r.body, v); err != nil {
		return fmt.Errorf("lintel: decode %s: %w", what, err)
	}
	return nil
}

// call sends a request and decodes its JSON answer into out (when not nil).
func (c *Client) call(ctx context.Context, r *request, out any) (*response, error) {
	resp, err := c.do(ctx, r)
	if err != nil {
		return nil, err
	}
	if out != nil {
		if err := resp.decode(r.method+" "+r.path, out); err != nil {
			return nil, err
		}
	}
	return resp, nil
}

// noCredentials sends nothing.
type noCredentials struct{}

func (noCredentials) apply(context.Context, *http.Request) error { return nil }
func (noCredentials) rejected(context.Context, string) bool      { return false }

// staticBearer is a fixed access token.
type staticBearer string

func (t staticBearer) apply(_ context.Context, req *http.Request) error {
	req.Header.Set("Authorization", "Bearer "+string(t))
	return nil
}
func (staticBearer) rejected(context.Context, string) bool { return false }

// apiKey is a personal API key, sent as the Basic user name.
type apiKey string

func (k apiKey) apply(_ context.Context, req *http.Request) error {
	req.SetBasicAuth(string(k), "x")
	return nil
}
func (apiKey) rejected(context.Context, string) bool { return false }
