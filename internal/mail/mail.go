// Package mail sends Lintel's outgoing email (operator invitations and password
// resets, mobile pass invitations)
// through an SMTP relay named by one URL:
//
//	smtp://[user:pass@]host[:port]?from=ADDR[&tls=starttls|tls|none]
//	smtps://[user:pass@]host[:port]?from=ADDR
//
// smtp:// defaults to port 587 and STARTTLS (required: a server that does not
// offer it is refused, so credentials and messages never cross in clear);
// smtps:// means implicit TLS on port 465. tls=none sends in clear and is
// meant for a relay on the same host or a test server. Passwords never appear
// in errors or logs: Sender.String shows the URL without them.
//
// A nil *Sender is valid and disabled: Enabled reports false and Send returns
// ErrDisabled, so callers can fall back (for example to a link the operator
// hands over) without checking for nil themselves.
//
// The standard library's net/smtp speaks the protocol; this package builds
// the message (UTF-8, quoted-printable, text with an optional HTML
// alternative) and refuses header injection: a To or Subject with CR or LF.
package mail

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Message is one email to one recipient.
type Message struct {
	To      string // one address, "ann@example.com" or "Ann <ann@example.com>"
	Subject string
	Text    string // the plain-text body
	HTML    string // optional HTML alternative
}

// TLS modes of a Sender.
const (
	TLSStartTLS = "starttls"
	TLSImplicit = "tls"
	TLSNone     = "none"
)

// ErrDisabled is returned by Send on a nil (unconfigured) Sender.
var ErrDisabled = errors.New("email is not configured (set --smtp-url or LINTEL_SMTP_URL)")

// Sender sends messages through one SMTP relay.
type Sender struct {
	host     string // without port
	port     string
	user     string
	pass     string
	from     mail.Address
	tlsMode  string
	timeout  time.Duration
	redacted string // the URL without its password, for logs and errors
	// tlsConfig is used for STARTTLS and implicit TLS; tests may replace it.
	tlsConfig *tls.Config
}

// sendTimeout bounds one Send when the context has no earlier deadline.
const sendTimeout = 30 * time.Second

// ParseURL parses an SMTP URL (see the package comment). An empty string
// gives a nil Sender and no error: email is off. Errors say what to fix and
// never contain the password.
func ParseURL(raw string) (*Sender, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil, nil
	}
	const form = "smtp://[user:pass@]host[:port]?from=ADDR[&tls=starttls|tls|none]"
	u, err := url.Parse(raw)
	if err != nil {
		// url.Parse quotes the whole URL, password included: do not wrap it.
		return nil, fmt.Errorf("SMTP URL does not parse; expected %s", form)
	}
	if u.Scheme != "smtp" && u.Scheme != "smtps" {
		return nil, fmt.Errorf("SMTP URL must start with smtp:// or smtps:// (%s)", form)
	}
	if u.Opaque != "" || u.Hostname() == "" {
		return nil, fmt.Errorf("SMTP URL has no host; expected %s", form)
	}
	if u.Path != "" && u.Path != "/" {
		return nil, fmt.Errorf("SMTP URL must not have a path (%q); expected %s", u.Path, form)
	}
	s := &Sender{host: u.Hostname(), port: u.Port(), timeout: sendTimeout}
	if u.User != nil {
		s.user = u.User.Username()
		s.pass, _ = u.User.Password()
		if s.user == "" {
			return nil, errors.New("SMTP URL has a password but no user name")
		}
	}
	q := u.Query()
	for k := range q {
		if k != "from" && k != "tls" {
			return nil, fmt.Errorf("SMTP URL has an unknown parameter %q (known: from, tls)", k)
		}
	}
	fromRaw := q.Get("from")
	if fromRaw == "" {
		return nil, errors.New("SMTP URL needs ?from=ADDRESS, the sender's address (for example ?from=doors@example.com)")
	}
	if strings.ContainsAny(fromRaw, "\r\n") {
		return nil, errors.New("SMTP URL's from address must not contain line breaks")
	}
	from, err := mail.ParseAddress(fromRaw)
	if err != nil {
		return nil, fmt.Errorf("SMTP URL's from=%q is not an email address", fromRaw)
	}
	s.from = *from
	switch mode := strings.ToLower(q.Get("tls")); {
	case u.Scheme == "smtps":
		if mode != "" && mode != TLSImplicit {
			return nil, fmt.Errorf("smtps:// always uses implicit TLS; drop tls=%s or use smtp://", mode)
		}
		s.tlsMode = TLSImplicit
	case mode == "":
		s.tlsMode = TLSStartTLS
	case mode == TLSStartTLS || mode == TLSImplicit || mode == TLSNone:
		s.tlsMode = mode
	default:
		return nil, fmt.Errorf("SMTP URL's tls=%q must be starttls, tls or none", mode)
	}
	if s.port == "" {
		s.port = "587"
		if s.tlsMode == TLSImplicit {
			s.port = "465"
		}
	}
	if p, err := strconv.Atoi(s.port); err != nil || p < 1 || p > 65535 {
		return nil, fmt.Errorf("SMTP URL's port %q must be a number from 1 to 65535", s.port)
	}
	s.tlsConfig = &tls.Config{ServerName: s.host, MinVersion: tls.VersionTLS12}
	red := *u
	if u.User != nil {
		red.User = url.User(s.user)
	}
	s.redacted = red.String()
	return s, nil
}

// Enabled reports whether the sender is configured.
func (s *Sender) Enabled() bool { return s != nil }

// String is the URL without its password.
func (s *Sender) String() string {
	if s == nil {
		return "email disabled"
	}
	return s.redacted
}

// From is the sender's address.
func (s *Sender) From() string {
	if s == nil {
		return ""
	}
	return s.from.Address
}

// Check validates a message without sending it: one recipient address, no
// line breaks in To or Subject, a body.
func (m Message) Check() (*mail.Address, error) {
	if strings.ContainsAny(m.To, "\r\n") {
		return nil, errors.New("email recipient must not contain line breaks")
	}
	if strings.ContainsAny(m.Subject, "\r\n") {
		return nil, errors.New("email subject must not contain line breaks")
	}
	if strings.ContainsRune(m.To, 0) || strings.ContainsRune(m.Subject, 0) {
		return nil, errors.New("email recipient and subject must not contain NUL bytes")
	}
	to, err := mail.ParseAddress(m.To)
	if err != nil {
		return nil, fmt.Errorf("email recipient %q is not one email address", m.To)
	}
	if m.Text == "" && m.HTML == "" {
		return nil, errors.New("email has no body")
	}
	return to, nil
}

// Send delivers m through the relay. It honours ctx's deadline and
// cancellation (the connection is closed when ctx ends).
func (s *Sender) Send(ctx context.Context, m Message) error {
	if s == nil {
		return ErrDisabled
	}
	to, err := m.Check()
	if err != nil {
		return err
	}
	body, err := s.build(m, to)
	if err != nil {
		return err
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, s.timeout)
		defer cancel()
	}
	if err := s.send(ctx, to.Address, body); err != nil {
		return fmt.Errorf("sending email via %s: %w", s.redacted, err)
	}
	return nil
}

func (s *Sender) send(ctx context.Context, rcpt string, body []byte) error {
	addr := net.JoinHostPort(s.host, s.port)
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { _ = conn.Close() })
	defer stop()
	if s.tlsMode == TLSImplicit {
		tc := tls.Client(conn, s.tlsConfig)
		if err := tc.HandshakeContext(ctx); err != nil {
			_ = conn.Close()
			return err
		}
		conn = tc
	}
	c, err := smtp.NewClient(conn, s.host)
	if err != nil {
		_ = conn.Close()
		return err
	}
	defer c.Close()
	if err := c.Hello(localName()); err != nil {
		return err
	}
	if s.tlsMode == TLSStartTLS {
		if ok, _ := c.Extension("STARTTLS"); !ok {
			return errors.New("the server does not offer STARTTLS; use smtps:// or, for a local relay only, tls=none")
		}
		if err := c.StartTLS(s.tlsConfig); err != nil {
			return err
		}
	}
	if s.user != "" {
		if ok, _ := c.Extension("AUTH"); !ok {
			return errors.New("the server does not offer authentication; remove user:pass from the URL")
		}
		// PlainAuth refuses to send the password over a connection that is
		// neither TLS nor to localhost.
		if err := c.Auth(smtp.PlainAuth("", s.user, s.pass, s.host)); err != nil {
			return scrub(err, s.pass)
		}
	}
	if err := c.Mail(s.from.Address); err != nil {
		return err
	}
	if err := c.Rcpt(rcpt); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(body); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

// scrub removes a password from an error message, should a server echo it.
func scrub(err error, pass string) error {
	if pass != "" && strings.Contains(err.Error(), pass) {
		return errors.New(strings.ReplaceAll(err.Error(), pass, "***"))
	}
	return err
}

// localName is what EHLO announces; the machine's name is not needed and
// would leak an internal host name to the relay.
func localName() string {
	return "localhost"
}

// build renders the RFC 5322 message.
func (s *Sender) build(m Message, to *mail.Address) ([]byte, error) {
	var b bytes.Buffer
	h := func(k, v string) { fmt.Fprintf(&b, "%s: %s\r\n", k, v) }
	h("From", s.from.String())
	h("To", to.String())
	h("Subject", mime.QEncoding.Encode("utf-8", m.Subject))
	h("Date", time.Now().UTC().Format(time.RFC1123Z))
	h("Message-ID", "<"+randomID()+"@"+domainOf(s.from.Address)+">")
	h("MIME-Version", "1.0")
	if m.HTML == "" {
		h("Content-Type", "text/plain; charset=utf-8")
		h("Content-Transfer-Encoding", "quoted-printable")
		b.WriteString("\r\n")
		if err := writeQP(&b, m.Text); err != nil {
			return nil, err
		}
		// End the body with a line break of its own, so that the one SMTP
		// adds before the final dot is not taken for part of the text.
		b.WriteString("\r\n")
		return b.Bytes(), nil
	}
	mw := multipart.NewWriter(&b)
	h("Content-Type", "multipart/alternative; boundary="+mw.Boundary())
	b.WriteString("\r\n")
	for _, part := range []struct{ typ, body string }{{"text/plain", m.Text}, {"text/html", m.HTML}} {
		if part.body == "" {
			continue
		}
		pw, err := mw.CreatePart(textproto.MIMEHeader{
			"Content-Type":              {part.typ + "; charset=utf-8"},
			"Content-Transfer-Encoding": {"quoted-printable"},
		})
		if err != nil {
			return nil, err
		}
		if err := writeQP(pw, part.body); err != nil {
			return nil, err
		}
	}
	if err := mw.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func writeQP(w interface{ Write([]byte) (int, error) }, text string) error {
	qp := quotedprintable.NewWriter(w)
	// The writer turns both \n and \r\n into CRLF line breaks.
	if _, err := qp.Write([]byte(text)); err != nil {
		return err
	}
	return qp.Close()
}

func randomID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func domainOf(addr string) string {
	if i := strings.LastIndexByte(addr, '@'); i >= 0 {
		return addr[i+1:]
	}
	return "localhost"
}
