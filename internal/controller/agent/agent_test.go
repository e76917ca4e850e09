package agent_test

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lintel-dev/lintel/internal/controller/agent"
	"github.com/lintel-dev/lintel/internal/controller/wire"
)

func TestParsePresentation(t *testing.T) {
	good := map[string]agent.Presentation{
		"card 1234567890":  {Kind: "card", Value: "1234567890"},
		"PIN 1234 7":       {Kind: "pin", Value: "1234", ChannelID: 7},
		"rex":              {Kind: "rex"},
		"aux 3":            {Kind: "aux", ChannelID: 3},
		"  fob   99  ":     {Kind: "fob", Value: "99"},
		"mobile tok-1 12 ": {Kind: "mobile", Value: "tok-1", ChannelID: 12},
	}
	for line, want := range good {
		got, err := agent.ParsePresentation(line)
		if err != nil || got != want {
			t.Errorf("%q: %+v %v, want %+v", line, got, err, want)
		}
	}
	for _, line := range []string{"", "card", "card 1 2 3", "pin 1234 door", "rex 0", "card 1 -4"} {
		if _, err := agent.ParsePresentation(line); err == nil {
			t.Errorf("%q accepted", line)
		}
	}
}

func TestLineReader(t *testing.T) {
	var bad []string
	r := agent.NewLineReader(strings.NewReader("# comment\n\ncard 1\nnonsense\nrex 2\n"))
	r.Bad = func(line string, _ error) { bad = append(bad, line) }
	ctx := context.Background()
	p1, err1 := r.Read(ctx)
	p2, err2 := r.Read(ctx)
	_, err3 := r.Read(ctx)
	_, err4 := r.Read(ctx)
	if err1 != nil || err2 != nil || p1.Value != "1" || p2.Kind != "rex" || p2.ChannelID != 2 {
		t.Fatalf("read %+v %v, %+v %v", p1, err1, p2, err2)
	}
	if !errors.Is(err3, io.EOF) || !errors.Is(err4, io.EOF) || len(bad) != 1 || bad[0] != "nonsense" {
		t.Fatalf("end: %v %v, bad %v", err3, err4, bad)
	}
}

func TestStateOutbox(t *testing.T) {
	dir := t.TempDir()
	s, err := agent.OpenState(dir)
	if err != nil {
		t.Fatal(err)
	}
	if snap, err := s.LoadSnapshot(); snap != nil || err != nil {
		t.Fatalf("empty state: %v %v", snap, err)
	}
	for _, id := range []string{"a", "b", "c"} {
		if err := s.Append(wire.Event{ID: id, ChannelID: 1, EventCode: 10}); err != nil {
			t.Fatal(err)
		}
	}
	// A line cut short by a crash is skipped, the rest survive.
	f, _ := os.OpenFile(filepath.Join(dir, "outbox.jsonl"), os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"id":"d","chan`)
	f.Close()
	if err := s.Acknowledge([]string{"a", "c"}); err != nil {
		t.Fatal(err)
	}
	left, err := s.Pending()
	if err != nil || len(left) != 1 || left[0].ID != "b" {
		t.Fatalf("left %+v %v", left, err)
	}
	if err := s.SaveSnapshot(&wire.Snapshot{AccountID: 4, Seq: 9}); err != nil {
		t.Fatal(err)
	}
	snap, err := s.LoadSnapshot()
	if err != nil || snap.Seq != 9 || snap.AccountID != 4 {
		t.Fatalf("snapshot %+v %v", snap, err)
	}
	info, _ := os.Stat(filepath.Join(dir, "snapshot.json"))
	if info.Mode().Perm() != 0o600 {
		t.Fatalf("snapshot mode %v", info.Mode())
	}
}

func TestPresentWithoutSnapshotRefuses(t *testing.T) {
	s, _ := agent.OpenState(t.TempDir())
	a, err := agent.New(agent.Config{Server: "http://127.0.0.1:1", Secret: "lcd_x", State: s, Out: io.Discard, Channel: 5})
	if err != nil {
		t.Fatal(err)
	}
	o, err := a.Present(agent.Presentation{Kind: "card", Value: "1"})
	if err != nil || o.Decision.Admit || o.Decision.Code != 29 || o.ChannelID != 5 {
		t.Fatalf("%+v %v", o, err)
	}
	if p, _ := s.Pending(); len(p) != 1 || p[0].Credential != nil {
		t.Fatalf("buffered %+v", p)
	}
	if _, err := agent.New(agent.Config{}); err == nil {
		t.Fatal("empty config accepted")
	}
}
