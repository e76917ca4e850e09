// Package mailtest runs a real SMTP server in-process for tests
// (github.com/emersion/go-smtp), so that code sending through internal/mail
// is tested against the protocol rather than a fake Sender.
package mailtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	netmail "net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/lintel-dev/lintel/internal/mail"
)

// Server is an SMTP server on 127.0.0.1 that keeps every message it receives.
type Server struct {
	srv  *smtp.Server
	addr string

	mu       sync.Mutex
	messages []received
	changed  chan struct{} // closed and replaced on every new message
}

type received struct {
	rcpt []string // envelope recipients, lower case
	msg  mail.Message
	seen bool // handed out by Wait
}

// Start listens on 127.0.0.1:0 and stops the server at t.Cleanup.
func Start(t testing.TB) *Server {
	t.Helper()
	s := &Server{changed: make(chan struct{})}
	s.srv = smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) {
		return &session{s: s}, nil
	}))
	s.srv.Domain = "mailtest.localhost"
	s.srv.AllowInsecureAuth = true
	s.srv.MaxMessageBytes = 4 << 20
	s.srv.ReadTimeout = 10 * time.Second
	s.srv.WriteTimeout = 10 * time.Second
	s.srv.ErrorLog = testLogger{t}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("mailtest: %v", err)
	}
	s.addr = l.Addr().String()
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = s.srv.Serve(l)
	}()
	t.Cleanup(func() {
		// Close the listener too: Server.Close does not know it when Serve
		// has not started yet.
		_ = l.Close()
		_ = s.srv.Close()
		<-done
	})
	return s
}

// URL is an smtp:// URL for mail.ParseURL (no TLS, no authentication).
func (s *Server) URL() string {
	return "smtp://" + s.addr + "?from=lintel@mailtest.localhost&tls=none"
}

// Messages returns every message received so far, oldest first.
func (s *Server) Messages() []mail.Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]mail.Message, len(s.messages))
	for i, r := range s.messages {
		out[i] = r.msg
	}
	return out
}

// Wait returns the oldest message to the address to (compared without case)
// that no earlier Wait returned, waiting for one to arrive until ctx ends.
func (s *Server) Wait(ctx context.Context, to string) (mail.Message, error) {
	want := strings.ToLower(strings.TrimSpace(to))
	if a, err := netmail.ParseAddress(to); err == nil {
		want = strings.ToLower(a.Address)
	}
	for {
		s.mu.Lock()
		for i := range s.messages {
			r := &s.messages[i]
			if r.seen {
				continue
			}
			for _, rc := range r.rcpt {
				if rc == want {
					r.seen = true
					m := r.msg
					s.mu.Unlock()
					return m, nil
				}
			}
		}
		ch := s.changed
		s.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return mail.Message{}, fmt.Errorf("mailtest: no message to %s: %w", to, ctx.Err())
		}
	}
}

func (s *Server) add(rcpt []string, data []byte) error {
	m, err := parse(data)
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.messages = append(s.messages, received{rcpt: rcpt, msg: m})
	close(s.changed)
	s.changed = make(chan struct{})
	s.mu.Unlock()
	return nil
}

// parse turns an RFC 5322 message into a mail.Message: To and Subject
// decoded, the text/plain and text/html parts of a single-part or
// multipart/alternative body decoded from their transfer encoding.
func parse(data []byte) (mail.Message, error) {
	msg, err := netmail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		return mail.Message{}, err
	}
	var dec mime.WordDecoder
	subject, err := dec.DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		return mail.Message{}, err
	}
	out := mail.Message{To: msg.Header.Get("To"), Subject: subject}
	if a, err := netmail.ParseAddress(out.To); err == nil {
		out.To = a.Address
	}
	ct := msg.Header.Get("Content-Type")
	if ct == "" {
		ct = "text/plain"
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return mail.Message{}, err
	}
	if !strings.HasPrefix(mt, "multipart/") {
		body, err := decode(msg.Body, msg.Header.Get("Content-Transfer-Encoding"))
		if err != nil {
			return mail.Message{}, err
		}
		// The sender ends a single-part body with one line break of its own.
		body = strings.TrimSuffix(body, "\n")
		if mt == "text/html" {
			out.HTML = body
		} else {
			out.Text = body
		}
		return out, nil
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := mr.NextRawPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return mail.Message{}, err
		}
		pt, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		body, err := decode(p, p.Header.Get("Content-Transfer-Encoding"))
		if err != nil {
			return mail.Message{}, err
		}
		switch pt {
		case "text/plain":
			out.Text = body
		case "text/html":
			out.HTML = body
		}
	}
	return out, nil
}

func decode(r io.Reader, cte string) (string, error) {
	if strings.EqualFold(strings.TrimSpace(cte), "quoted-printable") {
		r = quotedprintable.NewReader(r)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return "", err
	}
	return strings.ReplaceAll(string(b), "\r\n", "\n"), nil
}

type session struct {
	s    *Server
	rcpt []string
}

func (ss *session) Reset()        { ss.rcpt = nil }
func (ss *session) Logout() error { return nil }
func (ss *session) Mail(string, *smtp.MailOptions) error {
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.rcpt = append(ss.rcpt, strings.ToLower(to))
	return nil
}

func (ss *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if err := ss.s.add(ss.rcpt, data); err != nil {
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "mailtest: " + err.Error()}
	}
	return nil
}

type testLogger struct{ t testing.TB }

func (l testLogger) Printf(format string, v ...any) { l.t.Logf("mailtest: "+format, v...) }
func (l testLogger) Println(v ...any)               { l.t.Log(append([]any{"mailtest:"}, v...)...) }
