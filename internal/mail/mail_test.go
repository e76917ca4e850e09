package mail_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/lintel-dev/lintel/internal/mail"
	"github.com/lintel-dev/lintel/internal/mail/mailtest"
)

func TestParseURL(t *testing.T) {
	good := []struct{ url, want string }{
		{"smtp://mail.example.com?from=doors@example.com", "smtp://mail.example.com?from=doors@example.com"},
		{"smtps://u:secret@mail.example.com:2465?from=doors@example.com", "smtps://u@mail.example.com:2465?from=doors@example.com"},
		{"smtp://127.0.0.1:25?from=Doors+%3Cdoors@example.com%3E&tls=none", ""},
	}
	for _, g := range good {
		s, err := mail.ParseURL(g.url)
		if err != nil {
			t.Errorf("ParseURL(%q): %v", g.url, err)
			continue
		}
		if !s.Enabled() {
			t.Errorf("ParseURL(%q) not enabled", g.url)
		}
		if g.want != "" && s.String() != g.want {
			t.Errorf("String() = %q, want %q", s.String(), g.want)
		}
		if strings.Contains(s.String(), "secret") {
			t.Errorf("String() shows the password: %q", s.String())
		}
	}
	bad := []struct{ url, says string }{
		{"http://mail.example.com?from=a@b.c", "smtp://"},
		{"smtp://?from=a@b.c", "no host"},
		{"smtp://mail.example.com", "from="},
		{"smtp://mail.example.com?from=not-an-address", "not an email address"},
		{"smtp://mail.example.com?from=a@b.c%0D%0ABcc:x@y.z", "line breaks"},
		{"smtp://mail.example.com?from=a@b.c&tls=ssl", "starttls, tls or none"},
		{"smtps://mail.example.com?from=a@b.c&tls=none", "implicit TLS"},
		{"smtp://mail.example.com:99999?from=a@b.c", "port"},
		{"smtp://mail.example.com/x?from=a@b.c", "path"},
		{"smtp://mail.example.com?from=a@b.c&fromm=x", "unknown parameter"},
		{"smtp://:secret@mail.example.com?from=a@b.c", "no user name"},
		{"smtp://u:secret@mail.exa mple.com?from=a@b.c", "does not parse"},
	}
	for _, b := range bad {
		_, err := mail.ParseURL(b.url)
		if err == nil {
			t.Errorf("ParseURL(%q) accepted", b.url)
			continue
		}
		if !strings.Contains(err.Error(), b.says) {
			t.Errorf("ParseURL(%q) = %v, want it to mention %q", b.url, err, b.says)
		}
		if strings.Contains(err.Error(), "secret") {
			t.Errorf("ParseURL(%q) error shows the password: %v", b.url, err)
		}
	}
	s, err := mail.ParseURL("  ")
	if err != nil || s != nil || s.Enabled() {
		t.Errorf("ParseURL(empty) = %v, %v; want a nil, disabled sender", s, err)
	}
}

func TestDisabled(t *testing.T) {
	var s *mail.Sender
	if s.Enabled() {
		t.Fatal("nil sender enabled")
	}
	err := s.Send(context.Background(), mail.Message{To: "a@example.com", Subject: "x", Text: "y"})
	if !errors.Is(err, mail.ErrDisabled) {
		t.Fatalf("Send on nil sender = %v, want ErrDisabled", err)
	}
}

func TestSend(t *testing.T) {
	srv := mailtest.Start(t)
	s, err := mail.ParseURL(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	plain := mail.Message{To: "Ann Example <ann@example.com>", Subject: "Your door key — ünïcode", Text: "Hello Ann,\nopen https://doors.example.com/m/abc=def\n" + strings.Repeat("long line ", 30)}
	if err := s.Send(ctx, plain); err != nil {
		t.Fatal(err)
	}
	rich := mail.Message{To: "bob@example.com", Subject: "Both", Text: "text part", HTML: "<p>html part</p>"}
	if err := s.Send(ctx, rich); err != nil {
		t.Fatal(err)
	}

	got, err := srv.Wait(ctx, "ANN@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if got.To != "ann@example.com" || got.Subject != plain.Subject || got.Text != plain.Text || got.HTML != "" {
		t.Errorf("received %+v\nwant %+v", got, plain)
	}
	got, err = srv.Wait(ctx, "bob@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if got.Text != rich.Text || got.HTML != rich.HTML || got.Subject != "Both" {
		t.Errorf("received %+v\nwant %+v", got, rich)
	}
	if n := len(srv.Messages()); n != 2 {
		t.Errorf("%d messages, want 2", n)
	}
	// Wait hands each message out once: a second Wait for Bob waits.
	short, cancel2 := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel2()
	if _, err := srv.Wait(short, "bob@example.com"); err == nil {
		t.Error("second Wait returned the same message again")
	}
	// A message sent after Wait starts is delivered to it.
	done := make(chan error, 1)
	go func() {
		m, err := srv.Wait(ctx, "carol@example.com")
		if err == nil && m.Text != "later" {
			err = errors.New("wrong message: " + m.Text)
		}
		done <- err
	}()
	time.Sleep(20 * time.Millisecond)
	if err := s.Send(ctx, mail.Message{To: "carol@example.com", Subject: "later", Text: "later"}); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestHeaderInjectionRefused(t *testing.T) {
	srv := mailtest.Start(t)
	s, err := mail.ParseURL(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, m := range []mail.Message{
		{To: "a@example.com\r\nBcc: victim@example.com", Subject: "x", Text: "y"},
		{To: "a@example.com\nBcc: victim@example.com", Subject: "x", Text: "y"},
		{To: "a@example.com", Subject: "hi\r\nBcc: victim@example.com", Text: "y"},
		{To: "a@example.com", Subject: "hi\rX-Evil: 1", Text: "y"},
		{To: "a@example.com, b@example.com", Subject: "two", Text: "y"},
		{To: "", Subject: "none", Text: "y"},
		{To: "a@example.com", Subject: "empty"},
	} {
		if err := s.Send(ctx, m); err == nil {
			t.Errorf("Send(%q, %q) accepted", m.To, m.Subject)
		}
	}
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("server received %d messages", n)
	}
}

func TestSendRefusesCleartextByDefault(t *testing.T) {
	srv := mailtest.Start(t)
	// The test server offers no STARTTLS: without tls=none the sender must
	// refuse rather than fall back to clear text.
	u := strings.Replace(srv.URL(), "&tls=none", "", 1)
	s, err := mail.ParseURL(u)
	if err != nil {
		t.Fatal(err)
	}
	err = s.Send(context.Background(), mail.Message{To: "a@example.com", Subject: "x", Text: "y"})
	if err == nil || !strings.Contains(err.Error(), "STARTTLS") {
		t.Fatalf("Send without STARTTLS = %v, want a refusal naming STARTTLS", err)
	}
	// Credentials over clear text to a server without AUTH: refused, and
	// the password does not leak into the error.
	u = strings.Replace(srv.URL(), "smtp://", "smtp://user:hunter2@", 1)
	s, err = mail.ParseURL(u)
	if err != nil {
		t.Fatal(err)
	}
	err = s.Send(context.Background(), mail.Message{To: "a@example.com", Subject: "x", Text: "y"})
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("Send with credentials = %v", err)
	}
	if len(srv.Messages()) != 0 {
		t.Fatal("a message went through")
	}
}

func TestSendHonoursContext(t *testing.T) {
	srv := mailtest.Start(t)
	s, _ := mail.ParseURL(srv.URL())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Send(ctx, mail.Message{To: "a@example.com", Subject: "x", Text: "y"}); err == nil {
		t.Fatal("Send with a cancelled context succeeded")
	}
}
