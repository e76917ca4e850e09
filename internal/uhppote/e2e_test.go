package uhppote_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lintel-dev/lintel/internal/access"
	"github.com/lintel-dev/lintel/internal/controller/agent"
	"github.com/lintel-dev/lintel/internal/store/storetest"
	"github.com/lintel-dev/lintel/internal/uhppote/emulator"
)

// nextTuesday returns the next Tuesday at least a day ahead, at hh:mm in
// London.
func nextTuesday(t *testing.T, hh, mm int) time.Time {
	d := time.Now().AddDate(0, 0, 1)
	for d.Weekday() != time.Tuesday {
		d = d.AddDate(0, 0, 1)
	}
	return london(t, d.Year(), d.Month(), d.Day(), hh, mm)
}

// TestBoardDecidesLikeLintel enrols a 4-door board, loads 10,000 card
// holders into it, and checks at four instants (Tuesday 11:30, 09:00 and
// 05:00, and Saturday 08:00 in London) that the board's own decisions for
// valid, revoked, disabled, out-of-hours and wrong-door cards are the
// ones access.Evaluate takes with the same access list at the same
// instant, and that the events the driver uploads carry Evaluate's codes.
// Revocations through the API reach the board's card table; lockdown,
// remote unlock and a remote admission take effect on the board.
func TestBoardDecidesLikeLintel(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			tue := nextTuesday(t, 11, 30)
			r := newRig(t, b, 10_000, tue)
			r.synced("the first full load")
			if n := r.board.CardCount(); n < 8_000 {
				t.Fatalf("the board holds %d cards after the full load", n)
			}
			if !strings.Contains(strings.Join(r.drv.Issues(), "\n"), "not numbers the board can hold") {
				t.Errorf("the demo's 10-digit cards are not reported: %q", r.drv.Issues())
			}

			// Revoke twenty Members' cards through the API; each leaves the
			// board's card table.
			var revoked []holder
			for _, h := range r.people {
				if len(revoked) == 20 {
					break
				}
				if h.group == "Members" && h.enabled {
					revoked = append(revoked, h)
				}
			}
			for _, h := range revoked {
				start := time.Now()
				r.api("DELETE", fmt.Sprintf("/api/3/people/%d/credentials/%s", h.personID, h.credUID), nil, nil)
				waitFor(t, 10*time.Second, "the revoked card to leave the board", func() bool {
					_, ok := r.board.Card(h.number)
					return !ok
				})
				t.Logf("card %d left the board %s after the API answered", h.number, time.Since(start).Round(time.Millisecond))
			}
			r.synced("the revocations")

			want := map[uint32]int{} // board event index -> Evaluate's code
			seen := map[string]int{}
			sat := tue.AddDate(0, 0, 4).Add(-210 * time.Minute) // Saturday 08:00
			// 09:00 is inside the front door's auto-unlock shift.
			for _, at := range []time.Time{tue, tue.Add(-150 * time.Minute), tue.Add(-390 * time.Minute), sat} {
				r.clock.Set(at)
				r.refreshed()
				sample := append([]holder(nil), revoked...)
				for i := 0; i < len(r.people); i += 31 {
					sample = append(sample, r.people[i])
				}
				for _, h := range sample {
					for door := uint8(1); door <= 4; door++ {
						res, err := r.board.Swipe(h.number, door)
						if err != nil {
							t.Fatal(err)
						}
						open := res.Granted || (res.Unlocked && r.board.Mode(door) == emulator.NormallyOpen)
						dec := r.ag.Decide(agent.Presentation{Kind: "card", Value: strconv.FormatUint(uint64(h.number), 10),
							ChannelID: r.doors[door-1]}).Decision
						if open != dec.Admit {
							t.Fatalf("%s: card %d (%s) at door %d: board %+v, Lintel %d %s", at, h.number, h.group, door, res, dec.Code, dec.Reason)
						}
						if !open && !consistent(res.Reason, dec.Reason) {
							t.Errorf("%s: card %d at door %d: board reason %#x, Lintel %s", at, h.number, door, res.Reason, dec.Reason)
						}
						want[res.Index] = dec.Code
						seen[dec.Reason.String()]++
					}
				}
			}
			for _, reason := range []access.Reason{access.ReasonGranted, access.ReasonUnknownCredential, access.ReasonPersonDisabled,
				access.ReasonOutsideSchedule, access.ReasonNoAccess, access.ReasonUnlocked} {
				if seen[reason.String()] == 0 {
					t.Errorf("no swipe was decided %s: %v", reason, seen)
				}
			}
			t.Logf("swipes by Lintel's reason: %v", seen)

			// Every swipe arrives once, with Evaluate's code.
			waitFor(t, 5*time.Minute, fmt.Sprintf("the %d swipes' events", len(want)), func() bool { return len(r.boardEvents()) >= len(want) })
			codes := r.eventCodes()
			for idx, code := range want {
				if got, ok := codes[idx]; !ok || got != code {
					t.Fatalf("board event %d: stored code %d (found %v), want %d", idx, got, ok, code)
				}
			}

			r.clock.Set(sat.Add(time.Hour)) // after every door release above
			r.refreshed()
			r.doorCommands()
		})
	}
}

// consistent reports whether the board's reason for refusing a card fits
// Lintel's reason for refusing it.
func consistent(board uint8, lintel access.Reason) bool {
	switch lintel {
	case access.ReasonOutsideSchedule:
		return board == emulator.ReasonInvalidTimezone
	case access.ReasonNoAccess:
		return board == emulator.ReasonNoPrivilege
	case access.ReasonUnknownCredential, access.ReasonPersonDisabled, access.ReasonExpired:
		return board == emulator.ReasonNoPass
	case access.ReasonLockdown:
		return board == emulator.ReasonNormallyClosed
	}
	return false
}

// eventCodes returns the stored code of each board event by its index.
func (r *rig) eventCodes() map[uint32]int {
	r.t.Helper()
	out := map[uint32]int{}
	for _, e := range r.storedBoardEvents() {
		parts := strings.Split(*e.ClientEventID, "-")
		if len(parts) != 4 {
			continue
		}
		idx, _ := strconv.ParseUint(parts[2], 10, 32)
		out[uint32(idx)] = e.EventCode
	}
	return out
}

// doorCommands drives lockdown, unlock and a remote admission through the
// API and checks each on the board.
func (r *rig) doorCommands() {
	t := r.t
	front := r.doors[0]
	staff := r.people[3] // enabled Staff: every door at any time
	r.api("POST", fmt.Sprintf("/api/3/channels/%d/lockdown", front), map[string]bool{"card_lockdown": true}, nil)
	waitFor(t, 10*time.Second, "lockdown on the board", func() bool { return r.board.Mode(1) == emulator.NormallyClosed })
	if res, _ := r.board.Swipe(staff.number, 1); res.Granted || res.Reason != emulator.ReasonNormallyClosed {
		t.Errorf("staff card at a door in lockdown: %+v", res)
	}
	r.api("POST", fmt.Sprintf("/api/3/channels/%d/unlockdown", front), nil, nil)
	waitFor(t, 10*time.Second, "lockdown lifted on the board", func() bool { return r.board.Mode(1) == emulator.Controlled })
	if res, _ := r.board.Swipe(staff.number, 1); !res.Granted {
		t.Errorf("staff card after lockdown lifted: %+v", res)
	}

	r.api("POST", fmt.Sprintf("/api/3/channels/%d/unlock", front), nil, nil)
	waitFor(t, 10*time.Second, "remote unlock on the board", func() bool { return r.board.Mode(1) == emulator.NormallyOpen })
	r.api("POST", fmt.Sprintf("/api/3/channels/%d/normal", front), nil, nil)
	waitFor(t, 10*time.Second, "normal mode on the board", func() bool { return r.board.Mode(1) == emulator.Controlled })

	if r.board.Unlocked(2) {
		t.Fatal("door 2 is released before the admission")
	}
	// The door contact reaches Lintel with the heartbeats.
	if _, err := r.board.OpenDoorContact(3); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "door 3's contact reported open", func() bool {
		states, err := r.app.Store.DoorStates(context.Background(), r.acct.ID)
		s := states[r.doors[2]]
		return err == nil && s.Open != nil && *s.Open && s.Locked != nil && *s.Locked
	})
	_, _ = r.board.CloseDoorContact(3)
	waitFor(t, 10*time.Second, "door 3's contact reported closed", func() bool {
		states, _ := r.app.Store.DoorStates(context.Background(), r.acct.ID)
		s := states[r.doors[2]]
		return s.Open != nil && !*s.Open
	})

	var adm struct {
		ID     int64  `json:"admission_request_id"`
		Status string `json:"status"`
	}
	r.api("POST", fmt.Sprintf("/api/3/channels/%d/admit", r.doors[1]), nil, &adm)
	waitFor(t, 10*time.Second, "the remote admission to release door 2", func() bool { return r.board.Unlocked(2) })
	waitFor(t, 10*time.Second, "the admission to complete", func() bool {
		var got struct {
			Status string `json:"status"`
		}
		r.api("GET", fmt.Sprintf("/api/3/admission_requests/%d", adm.ID), nil, &got)
		return got.Status == "admitted"
	})
}

// TestEventsExactlyOnce loses the board's pushed events in every way a
// site does — packets dropped at random, the board off the network, the
// agent stopped, the board rebooted — and checks that every event the
// board stored after enrolment is stored by Lintel exactly once.
func TestEventsExactlyOnce(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			r := newRig(t, b, 200, nextTuesday(t, 11, 30))
			r.synced("the first full load")
			waitFor(t, 10*time.Second, "the driver to place its event cursor", func() bool { return r.drv.Online() })
			first := uint32(len(r.board.Events())) // the board's history before enrolment is not Lintel's
			swipe := func(n int) {
				for i := range n {
					h := r.people[(i*7)%len(r.people)]
					if _, err := r.board.Swipe(h.number, uint8(1+i%4)); err != nil {
						t.Fatal(err)
					}
				}
			}

			r.board.SetDropRate(0.3)
			swipe(100)
			r.board.SetDropRate(0)

			r.board.SetOnline(false)
			waitFor(t, 10*time.Second, "the driver to see the board gone", func() bool { return !r.drv.Online() })
			swipe(50)
			if _, err := r.board.PressButton(2); err != nil {
				t.Fatal(err)
			}
			_, _ = r.board.OpenDoorContact(2)
			_, _ = r.board.CloseDoorContact(2)
			r.clock.Set(r.clock.Now().Add(time.Minute)) // past every release
			_, _ = r.board.OpenDoorContact(3)           // not released: forced open
			r.board.SetOnline(true)
			waitFor(t, 10*time.Second, "the driver to see the board back", func() bool { return r.drv.Online() })

			r.stopAgent()
			swipe(30)
			if err := r.board.Reboot(); err != nil {
				t.Fatal(err)
			}
			swipe(10)
			r.startAgent()
			swipe(10)

			want := map[string]bool{}
			for _, e := range r.board.Events() {
				if e.Index <= first {
					continue
				}
				id := fmt.Sprintf("uhppote-%d-%d-%s", r.board.Serial(), e.Index, e.At.Format("20060102T150405"))
				if e.Reason == emulator.ReasonPowerOn {
					for d := 1; d <= 4; d++ {
						want[fmt.Sprintf("%s-d%d", id, d)] = true
					}
					continue
				}
				want[id] = true
			}
			waitFor(t, 60*time.Second, fmt.Sprintf("%d board events to be stored", len(want)), func() bool {
				return len(r.boardEvents()) >= len(want)
			})
			got := r.boardEvents()
			for id := range want {
				if got[id] != 1 {
					t.Errorf("board event %s stored %d times", id, got[id])
				}
			}
			for id := range got {
				if !want[id] {
					t.Errorf("stored event %s the board never had", id)
				}
			}
			codes := map[int]int{}
			for _, e := range r.storedBoardEvents() {
				codes[e.EventCode]++
			}
			for _, code := range []int{1, 13, 31, 34, 35} { // restarted, exit button, forced, opened, closed
				if codes[code] == 0 {
					t.Errorf("no event with code %d among %v", code, codes)
				}
			}
			if s := r.drv.Stats(); s.Gaps == 0 {
				t.Errorf("no event was read back from the board's store: %+v", s)
			}
		})
	}
}
