package main

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"

	lintel "github.com/lintel-dev/lintel/sdk"
)

// SyncReport says what a sync changed. Running it again without changes
// in the CRM reports everyone unchanged.
type SyncReport struct {
	Created   []SyncChange `json:"created"`
	Updated   []SyncChange `json:"updated"`
	Unchanged int          `json:"unchanged"`
	Failed    []SyncChange `json:"failed"`
}

// SyncChange is what happened to one member.
type SyncChange struct {
	MemberID int64  `json:"member_id"`
	Name     string `json:"name"`
	PersonID int64  `json:"person_id,omitempty"`
	What     string `json:"what"`
}

// Changed reports whether the sync changed anything.
func (r *SyncReport) Changed() bool { return len(r.Created)+len(r.Updated) > 0 }

// Summary is one line for people.
func (r *SyncReport) Summary() string {
	s := fmt.Sprintf("Sync: %d created, %d updated, %d unchanged", len(r.Created), len(r.Updated), r.Unchanged)
	if len(r.Failed) > 0 {
		s += fmt.Sprintf(", %d failed (%s)", len(r.Failed), r.Failed[0].What)
	}
	if !r.Changed() && len(r.Failed) == 0 {
		s += " — nothing to change"
	}
	return s
}

// Sync makes Lintel match the CRM: each member is found by email (or by
// the person id a previous sync recorded) and created when missing; their
// groups become those their teams map to, leaving groups no team maps to
// alone (an operator may have added those). Names follow the CRM.
func (s *Server) Sync(ctx context.Context) (*SyncReport, error) {
	s.syncMu.Lock()
	defer s.syncMu.Unlock()
	members, err := s.db.Members(ctx)
	if err != nil {
		return nil, err
	}
	teams, err := s.teamsByID(ctx)
	if err != nil {
		return nil, err
	}
	managed := map[int64]bool{}
	for _, t := range teams {
		if t.GroupID != 0 {
			managed[t.GroupID] = true
		}
	}
	rep := &SyncReport{}
	for _, m := range members {
		var want []int64
		for _, tid := range m.TeamIDs {
			if t := teams[tid]; t != nil && t.GroupID != 0 && !slices.Contains(want, t.GroupID) {
				want = append(want, t.GroupID)
			}
		}
		slices.Sort(want)
		ch, kind, err := s.syncMember(ctx, m, want, managed)
		switch {
		case err != nil:
			rep.Failed = append(rep.Failed, SyncChange{MemberID: m.ID, Name: m.Name(), What: err.Error()})
		case kind == "created":
			rep.Created = append(rep.Created, ch)
		case kind == "updated":
			rep.Updated = append(rep.Updated, ch)
		default:
			rep.Unchanged++
		}
	}
	return rep, nil
}

// syncMember brings one member's person in line; kind is created, updated
// or unchanged.
func (s *Server) syncMember(ctx context.Context, m *Member, want []int64, managed map[int64]bool) (SyncChange, string, error) {
	ch := SyncChange{MemberID: m.ID, Name: m.Name()}
	var p *lintel.Person
	if m.PersonID != 0 {
		got, err := s.lintel.People.Get(ctx, m.PersonID)
		switch {
		case err == nil && got.Email != nil && strings.EqualFold(*got.Email, m.Email):
			p = got
		case err != nil && !lintel.IsNotFound(err):
			return ch, "", err
		}
	}
	if p == nil {
		found, err := s.lintel.People.FindByEmail(ctx, m.Email)
		if err != nil {
			return ch, "", err
		}
		p = found
	}
	if p == nil {
		in := &lintel.PersonInput{FirstName: &m.FirstName, LastName: &m.LastName, Email: &m.Email,
			SystemID: lintel.Ptr(fmt.Sprintf("coworkhq-%d", m.ID)), GroupIDs: nonNil(want)}
		if m.JobTitle != "" {
			in.JobTitle = &m.JobTitle
		}
		created, err := s.lintel.People.Create(ctx, in)
		if err != nil {
			return ch, "", err
		}
		ch.PersonID, ch.What = created.ID, fmt.Sprintf("created with %d groups", len(want))
		return ch, "created", s.db.LinkPerson(ctx, m.ID, created.ID)
	}
	ch.PersonID = p.ID
	if m.PersonID != p.ID {
		if err := s.db.LinkPerson(ctx, m.ID, p.ID); err != nil {
			return ch, "", err
		}
	}
	// Keep groups no team maps to; set the mapped ones from the teams.
	groups := slices.Clone(want)
	for _, g := range p.GroupIDs {
		if !managed[g] && !slices.Contains(groups, g) {
			groups = append(groups, g)
		}
	}
	slices.Sort(groups)
	have := slices.Clone(p.GroupIDs)
	slices.Sort(have)
	in := &lintel.PersonInput{}
	var what []string
	if !slices.Equal(groups, have) {
		in.GroupIDs = groups
		what = append(what, fmt.Sprintf("groups %v → %v", have, groups))
	}
	if p.FirstName != m.FirstName || p.LastName != m.LastName {
		in.FirstName, in.LastName = &m.FirstName, &m.LastName
		what = append(what, "name")
	}
	if len(what) == 0 {
		return ch, "unchanged", nil
	}
	if _, err := s.lintel.People.Update(ctx, p.ID, in); err != nil {
		return ch, "", err
	}
	ch.What = strings.Join(what, ", ")
	return ch, "updated", nil
}

func (s *Server) syncMembers(r *http.Request) (*result, error) {
	rep, err := s.Sync(r.Context())
	if err != nil {
		return nil, err
	}
	if wantsHTML(r) {
		s.sessMu.Lock()
		sessionOf(r).flash = append(sessionOf(r).flash, syncFlashes(rep)...)
		s.sessMu.Unlock()
	}
	return &result{data: rep, redirect: "/members", message: rep.Summary()}, nil
}

// syncFlashes lists each change for the page.
func syncFlashes(rep *SyncReport) []flash {
	var out []flash
	for _, c := range rep.Created {
		out = append(out, flash{"ok", c.Name + ": " + c.What})
	}
	for _, c := range rep.Updated {
		out = append(out, flash{"ok", c.Name + ": " + c.What})
	}
	for _, c := range rep.Failed {
		out = append(out, flash{"error", c.Name + ": " + c.What})
	}
	return out
}
