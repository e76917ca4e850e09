package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lintel-dev/lintel/internal/controller"
	"github.com/lintel-dev/lintel/internal/demo"
	"github.com/lintel-dev/lintel/internal/store"
	"github.com/lintel-dev/lintel/internal/uhppote/emulator"
)

// TestBoardCommands discovers an emulated board, enrols it with two doors
// bound, and runs `lintel controller --driver uhppote` until the board
// holds the access list.
func TestBoardCommands(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	data := []string{"--data-dir", dir}
	st, err := store.Open(ctx, filepath.Join(dir, "lintel.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	acct, err := demo.Seed(ctx, st, demo.Options{})
	if err != nil {
		t.Fatal(err)
	}
	chans, _, _ := st.ListChannels(ctx, acct.ID, nil, store.Page{})
	board, err := emulator.Start(emulator.Config{Serial: 423187757})
	if err != nil {
		t.Fatal(err)
	}
	defer board.Close()

	code, out, errOut := lintel(t, "controllers", "discover", "--broadcast", board.Addr().String(), "--wait", "300ms", "--json")
	var found []struct {
		Serial uint32 `json:"serial"`
		MAC    string `json:"mac"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &found) != nil || len(found) != 1 || found[0].Serial != 423187757 {
		t.Fatalf("discover: %d %q %q", code, out, errOut)
	}
	if code, out, _ := lintel(t, "controllers", "discover", "--broadcast", "127.0.0.1:9", "--wait", "100ms"); code != 0 || !strings.Contains(out, "No board answered") {
		t.Errorf("discover with nobody there: %d %q", code, out)
	}

	doorFlag := fmt.Sprintf("1=%d,2=%d", chans[0].ID, chans[1].ID)
	for _, args := range [][]string{
		{"controllers", "enroll", "--board", "423187757"},
		{"controllers", "enroll", "--board", "423187757", "--board-door", "5=1"},
		{"controllers", "enroll", "--board", "423187757", "--board-door", doorFlag, "--channel", "1"},
		{"controllers", "enroll", "--board-door", doorFlag},
		{"controllers", "discover", "--broadcast", "nowhere"},
		{"controller", "--server", "http://x", "--secret-file", "f", "--state-dir", "d", "--driver", "uhppote", "--board", "x@1.2.3.4"},
		{"controller", "--server", "http://x", "--secret-file", "f", "--state-dir", "d", "--driver", "uhppote", "--board", "1@1.2.3.4"},
		{"controller", "--server", "http://x", "--secret-file", "f", "--state-dir", "d", "--driver", "serial"},
	} {
		if code, _, errOut := lintel(t, append(args, data...)...); code != 2 || errOut == "" {
			t.Errorf("%v: exit %d %q", args, code, errOut)
		}
	}
	code, out, errOut = lintel(t, append([]string{"controllers", "enroll", "--board", "423187757", "--board-door", doorFlag, "--json"}, data...)...)
	var enrolled struct {
		Channels []int64 `json:"channel_ids"`
		Secret   string  `json:"secret"`
		Run      string  `json:"run"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &enrolled) != nil || len(enrolled.Channels) != 2 || !strings.Contains(enrolled.Run, "--board-door 2=") {
		t.Fatalf("enroll --board: %d %q %q", code, out, errOut)
	}
	bound, err := st.GetChannel(ctx, acct.ID, chans[1].ID)
	if err != nil || bound.SerialNumber == nil || *bound.SerialNumber != "423187757" || bound.Unit != 2 {
		t.Fatalf("door 2 of the board: %+v %v", bound, err)
	}

	hub := controller.New(controller.Config{Store: st, PollTimeout: time.Second})
	mux := http.NewServeMux()
	hub.Register(mux)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	secretFile := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(secretFile, []byte(enrolled.Secret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	var cout, cerr bytes.Buffer
	done := make(chan int, 1)
	go func() {
		done <- run(runCtx, []string{"controller", "--server", srv.URL, "--secret-file", secretFile, "--state-dir", t.TempDir(),
			"--driver", "uhppote", "--board", fmt.Sprintf("423187757@%s", board.Addr()), "--board-door", doorFlag,
			"--listen", "127.0.0.1:0", "--board-timeout", "200ms"}, &cout, &cerr)
	}()
	deadline := time.Now().Add(20 * time.Second)
	for board.CardCount() == 0 || board.Mode(1) == 0 {
		if time.Now().After(deadline) {
			stop()
			<-done
			t.Fatalf("the board was not loaded:\n%s", cerr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	stop()
	if code := <-done; code != 0 {
		t.Fatalf("controller --driver uhppote exited %d: %s", code, cerr.String())
	}
}
