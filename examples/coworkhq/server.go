package main

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	lintel "github.com/lintel-dev/lintel/sdk"
)

//go:embed web
var webFiles embed.FS

// Server is CoWork HQ: its pages, its JSON routes, and its connection to
// Lintel through the SDK. Every call to Lintel happens here, on the
// server: the browser never sees a token or the client secret.
type Server struct {
	cfg    Config
	db     *DB
	auth   *lintel.Auth
	lintel *lintel.Client
	log    *slog.Logger
	pages  map[string]*template.Template
	live   *liveHub

	sessMu   sync.Mutex
	sessions map[string]*session

	syncMu sync.Mutex // one sync at a time

	streamMu     sync.Mutex
	streamCancel context.CancelFunc
	streamDone   chan struct{}
}

// session is one browser's server-side state.
type session struct {
	csrf         string
	oauthState   string
	codeVerifier string
	flash        []flash
	seen         time.Time
}

type flash struct {
	Kind, Text string // Kind: ok or error
}

// NewServer builds CoWork HQ on db: an SDK Auth keeping tokens in
// <data dir>/tokens.json, and a client for the configured server.
func NewServer(cfg Config, db *DB, log *slog.Logger) (*Server, error) {
	auth, err := lintel.NewAuth(lintel.AuthConfig{BaseURL: cfg.BaseURL, ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret,
		RedirectURL: cfg.RedirectURI, Scopes: Scopes, Storage: lintel.NewFileStorage(filepath.Join(cfg.DataDir, "tokens.json"))})
	if err != nil {
		return nil, err
	}
	client, err := lintel.NewClient(cfg.BaseURL, lintel.WithAuth(auth), lintel.WithUserAgent("coworkhq/1.0"))
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, db: db, auth: auth, lintel: client, log: log, sessions: map[string]*session{}, live: newLiveHub()}
	if err := s.parseTemplates(); err != nil {
		return nil, err
	}
	return s, nil
}

// Start begins following the event stream when a connection exists.
func (s *Server) Start(ctx context.Context) {
	if ok, _ := s.auth.Connected(ctx); ok {
		s.startStream()
	}
}

// Stop ends background work.
func (s *Server) Stop() { s.stopStream() }

// Handler returns every route.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	static, _ := fs.Sub(webFiles, "web/static")
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))

	// Pages.
	mux.HandleFunc("GET /{$}", s.page(s.dashboard))
	mux.HandleFunc("GET /members", s.page(s.membersPage))
	mux.HandleFunc("POST /members", s.action(s.createMember))
	mux.HandleFunc("GET /members/new", s.page(s.newMemberPage))
	mux.HandleFunc("GET /members/{id}", s.page(s.memberPage))
	mux.HandleFunc("PATCH /members/{id}", s.action(s.updateMember))
	mux.HandleFunc("DELETE /members/{id}", s.action(s.deleteMember))
	mux.HandleFunc("GET /teams", s.page(s.teamsPage))
	mux.HandleFunc("POST /teams", s.action(s.createTeam))
	mux.HandleFunc("GET /teams/{id}", s.page(s.teamPage))
	mux.HandleFunc("PATCH /teams/{id}", s.action(s.updateTeam))
	mux.HandleFunc("DELETE /teams/{id}", s.action(s.deleteTeam))
	mux.HandleFunc("GET /settings", s.page(s.settingsPage))
	mux.HandleFunc("POST /settings", s.action(s.saveSettings))
	mux.HandleFunc("GET /live", s.page(s.livePage))

	// The CRM's API.
	mux.HandleFunc("POST /api/members/sync", s.action(s.syncMembers))
	mux.HandleFunc("POST /api/reset", s.action(s.reset))

	// OAuth.
	mux.HandleFunc("GET /api/auth/connect", s.connect)
	mux.HandleFunc("GET /api/auth/callback", s.callback)
	mux.HandleFunc("GET /api/auth/status", s.status)
	mux.HandleFunc("DELETE /api/auth/disconnect", s.action(s.disconnect))
	mux.HandleFunc("POST /api/auth/refresh", s.action(s.forceRefresh))

	// Proxies to Lintel: the browser asks CoWork HQ, CoWork HQ asks Lintel.
	mux.HandleFunc("GET /api/doorflow/people", s.action(s.proxyPeople))
	mux.HandleFunc("GET /api/doorflow/people/{id}", s.action(s.proxyPerson))
	mux.HandleFunc("PUT /api/doorflow/people/{person_id}/groups", s.action(s.proxyPersonGroups))
	mux.HandleFunc("GET /api/doorflow/credentials", s.action(s.proxyCredentials))
	mux.HandleFunc("POST /api/doorflow/credentials", s.action(s.proxyCreateCredential))
	mux.HandleFunc("DELETE /api/doorflow/credentials/{id}", s.action(s.proxyDeleteCredential))
	mux.HandleFunc("GET /api/doorflow/groups", s.action(s.proxyGroups))
	mux.HandleFunc("GET /api/doorflow/credential_types", s.action(s.proxyCredentialTypes))

	// Live events.
	mux.HandleFunc("GET /api/live/stream", s.liveStream)
	if s.cfg.WebhookSecret != "" {
		mux.Handle("POST /api/webhooks/lintel", s.webhookHandler())
	}
	return s.guard(mux)
}

// guard gives every browser a session, turns form POSTs with _method into
// PATCH and DELETE (HTML forms know only GET and POST), and refuses
// state-changing requests without the session's CSRF token.
func (s *Server) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; form-action 'self' "+s.cfg.BaseURL+"; frame-ancestors 'none'")
		if r.URL.Path == "/api/webhooks/lintel" { // authenticated by its signature
			next.ServeHTTP(w, r)
			return
		}
		sess := s.session(w, r)
		if r.Method == http.MethodPost && isForm(r) {
			if m := strings.ToUpper(r.PostFormValue("_method")); m == http.MethodPatch || m == http.MethodDelete || m == http.MethodPut {
				r.Method = m
			}
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			tok := r.Header.Get("X-CSRF-Token")
			if tok == "" && isForm(r) {
				tok = r.PostFormValue("csrf")
			}
			if subtle.ConstantTimeCompare([]byte(tok), []byte(sess.csrf)) != 1 {
				s.fail(w, r, http.StatusForbidden, errors.New("the form has expired; reload the page and try again"))
				return
			}
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), sessionKey{}, sess)))
	})
}

type sessionKey struct{}

const sessionCookie = "coworkhq_session"

// session returns the browser's session, starting one when needed.
func (s *Server) session(w http.ResponseWriter, r *http.Request) *session {
	s.sessMu.Lock()
	defer s.sessMu.Unlock()
	now := time.Now()
	if c, err := r.Cookie(sessionCookie); err == nil {
		if sess := s.sessions[c.Value]; sess != nil {
			sess.seen = now
			return sess
		}
	}
	for id, old := range s.sessions {
		if now.Sub(old.seen) > 24*time.Hour {
			delete(s.sessions, id)
		}
	}
	id, sess := randomHex(32), &session{csrf: randomHex(32), seen: now}
	s.sessions[id] = sess
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: id, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: strings.HasPrefix(s.cfg.RedirectURI, "https://")})
	return sess
}

func sessionOf(r *http.Request) *session {
	sess, _ := r.Context().Value(sessionKey{}).(*session)
	if sess == nil {
		return &session{}
	}
	return sess
}

// addFlash queues a message for the next page the browser sees.
func (s *Server) addFlash(r *http.Request, kind, text string) {
	s.sessMu.Lock()
	defer s.sessMu.Unlock()
	sess := sessionOf(r)
	sess.flash = append(sess.flash, flash{kind, text})
}

func (s *Server) takeFlash(r *http.Request) []flash {
	s.sessMu.Lock()
	defer s.sessMu.Unlock()
	sess := sessionOf(r)
	f := sess.flash
	sess.flash = nil
	return f
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func isForm(r *http.Request) bool {
	ct := r.Header.Get("Content-Type")
	return strings.HasPrefix(ct, "application/x-www-form-urlencoded") || strings.HasPrefix(ct, "multipart/form-data")
}

// wantsHTML reports whether the request came from a page's form, which
// expects a redirect back to a page, rather than from a script, which
// expects JSON.
func wantsHTML(r *http.Request) bool {
	return isForm(r) || strings.Contains(r.Header.Get("Accept"), "text/html")
}

// result is what an action did: JSON for scripts, and for forms a page to
// go back to with a message.
type result struct {
	status   int
	data     any
	redirect string
	message  string
}

// action wraps a handler that returns a result: forms get a redirect with
// a flash message, scripts get JSON. Errors become the SDK's status where
// Lintel answered, 422 for invalid input, 404 for unknown ids.
func (s *Server) action(fn func(r *http.Request) (*result, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		res, err := fn(r)
		if err != nil {
			s.fail(w, r, statusOf(err), err)
			return
		}
		if wantsHTML(r) && res.redirect != "" {
			if res.message != "" {
				s.addFlash(r, "ok", res.message)
			}
			http.Redirect(w, r, res.redirect, http.StatusSeeOther)
			return
		}
		status := res.status
		if status == 0 {
			status = http.StatusOK
		}
		writeJSON(w, status, res.data)
	}
}

// fail answers an error: a flash and a redirect back for forms, JSON
// {"error": ...} for scripts.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, status int, err error) {
	msg := err.Error()
	var apiErr *lintel.Error
	if errors.As(err, &apiErr) {
		said := "Lintel answered " + strconv.Itoa(apiErr.StatusCode) + ": " + apiErr.Message
		for k, v := range apiErr.Fields {
			said += "; " + k + " " + strings.Join(v, ", ")
		}
		// Keep what the app added in front of Lintel's answer.
		msg = strings.TrimSuffix(msg, apiErr.Error()) + said
	}
	if status >= 500 {
		s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	if wantsHTML(r) && r.Method != http.MethodGet {
		s.addFlash(r, "error", msg)
		back := r.Header.Get("Referer")
		if back == "" || !strings.HasPrefix(back, "/") && !sameOrigin(back, r) {
			back = "/"
		}
		http.Redirect(w, r, back, http.StatusSeeOther)
		return
	}
	writeJSON(w, status, map[string]any{"error": msg})
}

func sameOrigin(u string, r *http.Request) bool {
	return strings.HasPrefix(u, "http://"+r.Host+"/") || strings.HasPrefix(u, "https://"+r.Host+"/")
}

// statusOf maps an error to an HTTP status.
func statusOf(err error) int {
	var apiErr *lintel.Error
	var v validationError
	switch {
	case errors.Is(err, errNotFound):
		return http.StatusNotFound
	case errors.As(err, &v):
		return http.StatusUnprocessableEntity
	case errors.Is(err, lintel.ErrNotConnected):
		return http.StatusConflict
	case errors.As(err, &apiErr) && apiErr.StatusCode >= 400 && apiErr.StatusCode < 500:
		return apiErr.StatusCode
	case errors.As(err, &apiErr):
		return http.StatusBadGateway
	}
	return http.StatusInternalServerError
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// pathID reads a numeric path value; anything else is not found.
func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, errNotFound
	}
	return id, nil
}
