package console

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/httpx"
	"github.com/lintel-dev/lintel/internal/oauth"
	"github.com/lintel-dev/lintel/internal/store"
)

// maxForm bounds a posted form (a CSV import carries its file).
const maxForm = 8 << 20

// req is one signed-in request: who, in which account, with which role.
type req struct {
	b    *oauth.Browser
	user *domain.User
	acct *domain.Account
	role domain.OperatorRole
	loc  *time.Location
}

// can reports whether the operator's role holds the permission; templates
// use it to leave out controls the operator may not use.
func (q *req) can(p domain.Permission) bool { return q.role.Can(p) }

// pageErr is an error shown as a page with a status.
type pageErr struct {
	status int
	msg    string
}

func (e *pageErr) Error() string { return e.msg }

func forbidden() error {
	return &pageErr{http.StatusForbidden, "Your role does not allow this. Ask an administrator of the account."}
}

// handle wraps a page: it loads the session (a visitor who is not signed
// in goes to /login, or gets 401 for anything but a GET), the account and
// the role, refuses (403) a role without perm and a POST without the
// session's CSRF token, and shows the handler's error as a page.
func (c *Console) handle(perm domain.Permission, fn func(http.ResponseWriter, *http.Request, *req) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		securityHeaders(w)
		if r.Method == http.MethodPost {
			r.Body = http.MaxBytesReader(w, r.Body, maxForm)
		}
		b, err := c.sessions.LoadBrowser(w, r)
		if err != nil {
			c.fail(w, r, nil, err)
			return
		}
		if b.User == nil {
			if r.Method == http.MethodGet && r.URL.Path != "/live" {
				http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			c.fail(w, r, nil, &pageErr{http.StatusUnauthorized, "Your session has ended. Sign in again."})
			return
		}
		acct, err := c.st.GetAccount(r.Context(), b.User.AccountID)
		if err != nil {
			c.fail(w, r, nil, err)
			return
		}
		q := &req{b: b, user: b.User, acct: acct, role: c.roleOf(b.User), loc: acct.Location()}
		if !q.can(perm) {
			c.fail(w, r, q, forbidden())
			return
		}
		if r.Method == http.MethodPost {
			// Every write the handler makes is recorded in the audit log,
			// in the write's own transaction, as this operator's.
			r = r.WithContext(store.WithActor(r.Context(), store.Actor{AccountID: acct.ID, Kind: store.ActorOperator,
				ID: b.User.ID, UserID: b.User.ID, Display: b.User.Email, IP: peerAddr(r), UserAgent: r.UserAgent()}))
			if err := r.ParseMultipartForm(maxForm); err != nil && !errors.Is(err, http.ErrNotMultipart) {
				c.fail(w, r, q, &pageErr{http.StatusBadRequest, "The form could not be read."})
				return
			}
			// Small URL-encoded forms were checked before any handler ran
			// (httpx.CheckRequest); larger ones and multipart fields are
			// checked here (PostForm holds both).
			if err := httpx.CheckValues(r.PostForm); err != nil {
				c.fail(w, r, q, err)
				return
			}
			if !b.CSRFValid(r.PostFormValue("csrf_token")) {
				c.fail(w, r, q, &pageErr{http.StatusForbidden, "This form has expired or did not come from this console. Reload the page and try again."})
				return
			}
		}
		if err := fn(w, r, q); err != nil {
			c.fail(w, r, q, err)
		}
	})
}

// ErrorPage answers a request with the console's error page, for input
// refused before any console handler ran (httpx.CheckInput).
func (c *Console) ErrorPage(w http.ResponseWriter, status int, msg string) {
	c.render(w, status, nil, "error", "", map[string]any{"Title": http.StatusText(status), "Message": msg})
}

// fail shows err as an error page: a *pageErr with its status, a domain
// error with the status its code maps to, anything else as 500 (logged).
func (c *Console) fail(w http.ResponseWriter, r *http.Request, q *req, err error) {
	status, msg := http.StatusInternalServerError, "An unexpected error occurred."
	var pe *pageErr
	switch {
	case errors.As(err, &pe):
		status, msg = pe.status, pe.msg
	case domain.ErrorCode(err) == domain.ENOTFOUND:
		status, msg = http.StatusNotFound, domain.ErrorMessage(err)
	case domain.ErrorCode(err) == domain.EINVALID, domain.ErrorCode(err) == domain.ECONFLICT:
		status, msg = http.StatusUnprocessableEntity, describe(err)
	case domain.ErrorCode(err) == domain.EBADREQUEST:
		status, msg = http.StatusBadRequest, domain.ErrorMessage(err)
	default:
		c.log.ErrorContext(r.Context(), "console", "path", r.URL.Path, "err", err)
	}
	c.render(w, status, q, "error", "", map[string]any{"Title": http.StatusText(status), "Message": msg})
}

// describe turns a domain error into one sentence, field messages included.
func describe(err error) string {
	var e *domain.Error
	if !errors.As(err, &e) {
		return "An unexpected error occurred."
	}
	if len(e.Fields) == 0 {
		return e.Message
	}
	var parts []string
	for f, msgs := range e.Fields {
		parts = append(parts, strings.ReplaceAll(f, "_", " ")+": "+strings.Join(msgs, ", "))
	}
	sortStrings(parts)
	return strings.Join(parts, "; ")
}

// pathID reads the positive numeric {id} of the path; anything else is
// 404 naming the kind of thing.
func pathID(r *http.Request, kind string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, &pageErr{http.StatusNotFound, fmt.Sprintf("There is no such %s.", kind)}
	}
	return id, nil
}

// seeOther answers a successful POST with a redirect to a page.
func seeOther(w http.ResponseWriter, r *http.Request, to string) error {
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

// peerAddr is the client's address as the audit log records it (the
// peer's; forwarded headers are not trusted).
func peerAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
