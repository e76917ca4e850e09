package uhppote

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
)

// Profile ids a board has for schedules.
const (
	firstProfile = 2
	lastProfile  = 254
)

// boardCard is a card row as the board holds it: dates and, per door, 0
// (none), 1 (any time) or a time profile id.
type boardCard struct {
	From  string   `json:"f"`
	To    string   `json:"t"`
	Doors [4]uint8 `json:"d"`
}

// boardProfile is a time profile as the board holds it.
type boardProfile struct {
	profileRow
	Linked uint8 `json:"l,omitempty"`
	Closed bool  `json:"x,omitempty"` // retired: never allows
}

// image is what the driver knows the board holds, saved in the state
// directory so that a restarted driver sends only what changed.
type image struct {
	Serial    uint32                 `json:"serial"`
	Loaded    bool                   `json:"loaded"` // a full load completed since the last snapshot download
	Cards     map[uint32]boardCard   `json:"cards"`
	Profiles  map[uint8]boardProfile `json:"profiles"`
	Schedules map[string][]uint8     `json:"schedules"` // schedule key -> its profile ids, first to last
	Modes     [4]uint8               `json:"modes"`
	// Pending are cards written by rounds of changes since the image was
	// last saved (read back from the journal): the first round after a
	// start writes them again, whatever the image says, since a crash may
	// have come between a write and its record.
	Pending []uint32 `json:"-"`
	journal int      // lines in the journal
}

// journalEntry is one round of card writes, appended to the journal
// before they are sent: the image as they leave it.
type journalEntry struct {
	Dels []uint32             `json:"d,omitempty"`
	Puts map[uint32]boardCard `json:"p,omitempty"`
}

func newImage(serial uint32) *image {
	return &image{Serial: serial, Cards: map[uint32]boardCard{}, Profiles: map[uint8]boardProfile{}, Schedules: map[string][]uint8{}}
}

// imagePath is where the image of board serial is saved in dir.
func imagePath(dir string, serial uint32) string {
	return filepath.Join(dir, fmt.Sprintf("uhppote-%d.json", serial))
}

// journalPath is where the rounds since the image was saved are kept.
func journalPath(dir string, serial uint32) string {
	return filepath.Join(dir, fmt.Sprintf("uhppote-%d.jsonl", serial))
}

// loadImage reads the saved image and the journal of card writes since,
// or returns an empty image. Errors: a file that cannot be read or parsed
// (a last journal line cut short by a crash is skipped).
func loadImage(dir string, serial uint32) (*image, error) {
	b, err := os.ReadFile(imagePath(dir, serial))
	if errors.Is(err, fs.ErrNotExist) {
		return newImage(serial), nil
	}
	if err != nil {
		return nil, fmt.Errorf("read board image: %w", err)
	}
	im := newImage(serial)
	if err := json.Unmarshal(b, im); err != nil {
		return nil, fmt.Errorf("parse board image: %w", err)
	}
	if im.Serial != serial {
		return newImage(serial), nil
	}
	j, err := os.ReadFile(journalPath(dir, serial))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("read board journal: %w", err)
	}
	pending := map[uint32]bool{}
	for _, line := range bytes.Split(j, []byte("\n")) {
		var e journalEntry
		if len(line) == 0 || json.Unmarshal(line, &e) != nil {
			continue
		}
		im.journal++
		for _, n := range e.Dels {
			delete(im.Cards, n)
			pending[n] = true
		}
		for n, c := range e.Puts {
			im.Cards[n] = c
			pending[n] = true
		}
	}
	im.Pending = slices.Sorted(maps.Keys(pending))
	return im, nil
}

// record appends a round of card writes to the journal, synced, before
// they are sent.
func (im *image) record(dir string, e journalEntry) error {
	b, err := json.Marshal(e)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(journalPath(dir, im.Serial), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("write board journal: %w", err)
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return fmt.Errorf("write board journal: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("sync board journal: %w", err)
	}
	im.journal++
	return f.Close()
}

// save writes the image atomically with mode 0600 and empties the
// journal it now includes.
func (im *image) save(dir string) error {
	b, err := json.Marshal(im)
	if err != nil {
		return err
	}
	path := imagePath(dir, im.Serial)
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("write board image: %w", err)
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return fmt.Errorf("write board image: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("sync board image: %w", err)
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	im.journal = 0
	if err := os.Remove(journalPath(dir, im.Serial)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("empty board journal: %w", err)
	}
	return nil
}

// target is the board state a plan asks for, with schedules placed in
// time profiles.
type target struct {
	cards     map[uint32]boardCard
	profiles  map[uint8]boardProfile // every profile in use
	schedules map[string][]uint8
	retire    []uint8 // profiles in the image no schedule uses any more
	modes     [4]uint8
	issues    []string
}

// resolve places the plan's schedules in time profiles, keeping the ids
// they have on the board, and gives each card its profile ids. Ids freed
// by schedules that are gone are not reused in the same round (cards on
// the board may still name them until the round ends); they are retired.
// A schedule that does not fit in the profiles left is reported, and the
// doors that need it get no access (never a wider one).
func (im *image) resolve(p *plan) *target {
	t := &target{cards: make(map[uint32]boardCard, len(p.cards)), profiles: map[uint8]boardProfile{},
		schedules: map[string][]uint8{}, modes: p.modes, issues: p.issues}
	used := map[uint8]bool{}
	for key, ids := range im.Schedules {
		for _, id := range ids {
			used[id] = true
		}
		if rows, ok := p.schedules[key]; ok && len(rows) == len(ids) {
			t.schedules[key] = ids
		}
	}
	for id, pr := range im.Profiles {
		if !pr.Closed {
			used[id] = true
		}
	}
	keys := make([]string, 0, len(p.schedules))
	for key := range p.schedules {
		keys = append(keys, key)
	}
	slices.Sort(keys)
	next := uint8(firstProfile)
	for _, key := range keys {
		rows := p.schedules[key]
		if _, ok := t.schedules[key]; ok || len(rows) == 0 {
			continue
		}
		var ids []uint8
		for len(ids) < len(rows) && int(next) <= lastProfile {
			if !used[next] {
				ids = append(ids, next)
				used[next] = true
			}
			next++
		}
		if len(ids) < len(rows) {
			t.issues = append(t.issues, fmt.Sprintf("schedule %s needs %d time profiles and the board has no more: doors that need it are not opened by it", key, len(rows)))
			continue
		}
		t.schedules[key] = ids
	}
	for key, ids := range t.schedules {
		rows := p.schedules[key]
		for i, id := range ids {
			bp := boardProfile{profileRow: rows[i]}
			if i+1 < len(ids) {
				bp.Linked = ids[i+1]
			}
			t.profiles[id] = bp
		}
	}
	for id, pr := range im.Profiles {
		if _, ok := t.profiles[id]; !ok && !pr.Closed {
			t.retire = append(t.retire, id)
		}
	}
	slices.Sort(t.retire)
	for n, r := range p.cards {
		c := boardCard{From: r.From, To: r.To}
		for i, k := range r.Doors {
			switch {
			case k == "":
			case k == "*":
				c.Doors[i] = 1
			default:
				if ids, ok := t.schedules[k]; ok {
					c.Doors[i] = ids[0]
				}
			}
		}
		if c.Doors != [4]uint8{} {
			t.cards[n] = c
		}
	}
	return t
}
