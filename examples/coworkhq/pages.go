package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	lintel "github.com/lintel-dev/lintel/sdk"
)

// view is what every page template gets.
type view struct {
	Title     string
	Nav       string
	CSRF      string
	Flash     []flash
	Connected bool
	BaseURL   string
	Data      any
}

var funcs = template.FuncMap{
	"since": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.Local().Format("2 Jan 15:04:05")
	},
	"deref": func(s *string) string {
		if s == nil {
			return ""
		}
		return *s
	},
	"has": hasID,
}

// hasID reports whether id is in ids.
func hasID(ids []int64, id int64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

func (s *Server) parseTemplates() error {
	s.pages = map[string]*template.Template{}
	names, err := webFiles.ReadDir("web/pages")
	if err != nil {
		return err
	}
	for _, n := range names {
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(webFiles, "web/layout.html", "web/pages/"+n.Name())
		if err != nil {
			return fmt.Errorf("template %s: %w", n.Name(), err)
		}
		s.pages[strings.TrimSuffix(n.Name(), ".html")] = t
	}
	return nil
}

// page wraps a handler that picks a template and its data.
func (s *Server) page(fn func(r *http.Request) (name, title string, data any, err error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		name, title, data, err := fn(r)
		if err != nil {
			if errors.Is(err, errNotFound) {
				http.NotFound(w, r)
				return
			}
			s.addFlash(r, "error", err.Error())
			if name == "" {
				http.Error(w, err.Error(), statusOf(err))
				return
			}
		}
		connected, _ := s.auth.Connected(r.Context())
		v := view{Title: title, Nav: name, CSRF: sessionOf(r).csrf, Flash: s.takeFlash(r), Connected: connected, BaseURL: s.cfg.BaseURL, Data: data}
		var buf bytes.Buffer
		if err := s.pages[name].Execute(&buf, v); err != nil {
			s.log.Error("render", "page", name, "err", err)
			http.Error(w, "the page could not be rendered", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		_, _ = buf.WriteTo(w)
	}
}

// dashboardData is the home page: the connection and what to do next.
type dashboardData struct {
	Account *lintel.Account
	Token   *tokenStatus
	Members int
	Mapped  int
	Teams   int
	Synced  int
}

func (s *Server) dashboard(r *http.Request) (string, string, any, error) {
	ctx := r.Context()
	d := &dashboardData{Token: s.tokenStatus(ctx)}
	members, err := s.db.Members(ctx)
	if err != nil {
		return "dashboard", "Dashboard", d, err
	}
	teams, err := s.db.Teams(ctx)
	if err != nil {
		return "dashboard", "Dashboard", d, err
	}
	d.Members, d.Teams = len(members), len(teams)
	for _, m := range members {
		if m.PersonID != 0 {
			d.Synced++
		}
	}
	for _, t := range teams {
		if t.GroupID != 0 {
			d.Mapped++
		}
	}
	if d.Token.Connected {
		if a, err := s.lintel.Account.Get(ctx); err == nil {
			d.Account = a
		} else {
			return "dashboard", "Dashboard", d, fmt.Errorf("reading the account: %w", err)
		}
	}
	return "dashboard", "Dashboard", d, nil
}

type membersData struct {
	Members []*Member
	Teams   map[int64]*Team
}

func (s *Server) membersPage(r *http.Request) (string, string, any, error) {
	members, err := s.db.Members(r.Context())
	if err != nil {
		return "", "", nil, err
	}
	teams, err := s.teamsByID(r.Context())
	if err != nil {
		return "", "", nil, err
	}
	return "members", "Members", &membersData{Members: members, Teams: teams}, nil
}

func (s *Server) teamsByID(ctx context.Context) (map[int64]*Team, error) {
	list, err := s.db.Teams(ctx)
	if err != nil {
		return nil, err
	}
	m := map[int64]*Team{}
	for _, t := range list {
		m[t.ID] = t
	}
	return m, nil
}

// memberData is a member's page: the CRM record and, once synced, the
// Lintel person with their credentials.
type memberData struct {
	Member      *Member
	Teams       []*Team
	Person      *lintel.Person
	Credentials []*lintel.Credential
	Types       []*lintel.CredentialType
	CardTypes   []*lintel.CredentialType
	PINType     *lintel.CredentialType
	MobileType  *lintel.CredentialType
	LintelError string
}

func (s *Server) newMemberPage(r *http.Request) (string, string, any, error) {
	teams, err := s.db.Teams(r.Context())
	return "member", "New member", &memberData{Member: &Member{}, Teams: teams}, err
}

func (s *Server) memberPage(r *http.Request) (string, string, any, error) {
	ctx := r.Context()
	id, err := pathID(r, "id")
	if err != nil {
		return "", "", nil, err
	}
	m, err := s.db.Member(ctx, id)
	if err != nil {
		return "", "", nil, err
	}
	d := &memberData{Member: m}
	if d.Teams, err = s.db.Teams(ctx); err != nil {
		return "", "", nil, err
	}
	if ok, _ := s.auth.Connected(ctx); ok && m.PersonID != 0 {
		if err := s.loadPerson(ctx, d); err != nil {
			d.LintelError = err.Error()
		}
	}
	return "member", m.Name(), d, nil
}

// loadPerson fetches the member's Lintel person, their credentials and
// the account's credential types.
func (s *Server) loadPerson(ctx context.Context, d *memberData) error {
	p, err := s.lintel.People.Get(ctx, d.Member.PersonID)
	if err != nil {
		return err
	}
	d.Person = p
	for c, err := range s.lintel.Credentials.All(ctx, p.ID) {
		if err != nil {
			return err
		}
		d.Credentials = append(d.Credentials, c)
	}
	for t, err := range s.lintel.CredentialTypes.All(ctx) {
		if err != nil {
			return err
		}
		d.Types = append(d.Types, t)
		switch t.Kind() {
		case "pin":
			if d.PINType == nil {
				d.PINType = t
			}
		case "mobile":
			if d.MobileType == nil {
				d.MobileType = t
			}
		default:
			d.CardTypes = append(d.CardTypes, t)
		}
	}
	return nil
}

// memberFromForm reads a member form.
func memberFromForm(r *http.Request) *Member {
	m := &Member{FirstName: r.PostFormValue("first_name"), LastName: r.PostFormValue("last_name"), Email: r.PostFormValue("email"),
		Company: r.PostFormValue("company"), JobTitle: r.PostFormValue("job_title")}
	for _, v := range r.PostForm["team_ids"] {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil {
			m.TeamIDs = append(m.TeamIDs, id)
		}
	}
	return m
}

func (s *Server) createMember(r *http.Request) (*result, error) {
	_ = r.ParseForm()
	m := memberFromForm(r)
	if err := s.db.SaveMember(r.Context(), m); err != nil {
		return nil, err
	}
	return &result{status: http.StatusCreated, data: m, redirect: fmt.Sprintf("/members/%d", m.ID), message: m.Name() + " added. Sync to give them access."}, nil
}

func (s *Server) updateMember(r *http.Request) (*result, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	_ = r.ParseForm()
	m := memberFromForm(r)
	m.ID = id
	if err := s.db.SaveMember(r.Context(), m); err != nil {
		return nil, err
	}
	return &result{data: m, redirect: fmt.Sprintf("/members/%d", id), message: "Saved. Sync to update their groups in Lintel."}, nil
}

func (s *Server) deleteMember(r *http.Request) (*result, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	if err := s.db.DeleteMember(r.Context(), id); err != nil {
		return nil, err
	}
	return &result{data: map[string]string{"result": "ok"}, redirect: "/members", message: "Member deleted from the CRM (their Lintel person stays)."}, nil
}

func (s *Server) teamsPage(r *http.Request) (string, string, any, error) {
	teams, err := s.db.Teams(r.Context())
	return "teams", "Teams", teams, err
}

type teamData struct {
	Team    *Team
	Members []*Member
}

func (s *Server) teamPage(r *http.Request) (string, string, any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return "", "", nil, err
	}
	t, err := s.db.Team(r.Context(), id)
	if err != nil {
		return "", "", nil, err
	}
	all, err := s.db.Members(r.Context())
	if err != nil {
		return "", "", nil, err
	}
	d := &teamData{Team: t}
	for _, m := range all {
		if hasID(m.TeamIDs, id) {
			d.Members = append(d.Members, m)
		}
	}
	return "team", t.Name, d, nil
}

func (s *Server) createTeam(r *http.Request) (*result, error) {
	_ = r.ParseForm()
	t := &Team{Name: r.PostFormValue("name"), Description: r.PostFormValue("description")}
	if err := s.db.SaveTeam(r.Context(), t); err != nil {
		return nil, err
	}
	return &result{status: http.StatusCreated, data: t, redirect: "/teams", message: "Team " + t.Name + " added. Map it to a group in Settings."}, nil
}

func (s *Server) updateTeam(r *http.Request) (*result, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	_ = r.ParseForm()
	t := &Team{ID: id, Name: r.PostFormValue("name"), Description: r.PostFormValue("description")}
	if err := s.db.SaveTeam(r.Context(), t); err != nil {
		return nil, err
	}
	return &result{data: t, redirect: fmt.Sprintf("/teams/%d", id), message: "Team saved."}, nil
}

func (s *Server) deleteTeam(r *http.Request) (*result, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	if err := s.db.DeleteTeam(r.Context(), id); err != nil {
		return nil, err
	}
	return &result{data: map[string]string{"result": "ok"}, redirect: "/teams", message: "Team deleted."}, nil
}

// settingsData lists teams and the groups they may map to.
type settingsData struct {
	Teams  []*Team
	Groups []*lintel.Group
}

func (s *Server) settingsPage(r *http.Request) (string, string, any, error) {
	ctx := r.Context()
	teams, err := s.db.Teams(ctx)
	if err != nil {
		return "", "", nil, err
	}
	d := &settingsData{Teams: teams}
	if ok, _ := s.auth.Connected(ctx); ok {
		if d.Groups, err = s.lintel.Groups.List(ctx); err != nil {
			return "settings", "Settings", d, fmt.Errorf("reading groups: %w", err)
		}
	}
	return "settings", "Settings", d, nil
}

// saveSettings stores the team → group mapping: fields team_<id> hold a
// group id, or nothing.
func (s *Server) saveSettings(r *http.Request) (*result, error) {
	ctx := r.Context()
	_ = r.ParseForm()
	groups, err := s.lintel.Groups.List(ctx)
	if err != nil {
		return nil, err
	}
	names := map[int64]string{}
	for _, g := range groups {
		names[g.ID] = g.Name
	}
	teams, err := s.db.Teams(ctx)
	if err != nil {
		return nil, err
	}
	mapped := 0
	for _, t := range teams {
		v, ok := r.PostForm[fmt.Sprintf("team_%d", t.ID)]
		if !ok {
			continue
		}
		gid, _ := strconv.ParseInt(strings.TrimSpace(v[0]), 10, 64)
		if gid != 0 && names[gid] == "" {
			return nil, validationError{"team_" + strconv.FormatInt(t.ID, 10): "names a group Lintel does not have"}
		}
		if err := s.db.MapTeam(ctx, t.ID, gid, names[gid]); err != nil {
			return nil, err
		}
		if gid != 0 {
			mapped++
		}
	}
	return &result{data: map[string]int{"mapped": mapped}, redirect: "/settings", message: fmt.Sprintf("Saved: %d teams mapped to groups. Sync members to apply it.", mapped)}, nil
}

func (s *Server) livePage(r *http.Request) (string, string, any, error) {
	ctx := r.Context()
	events := s.live.recent()
	if len(events) == 0 {
		if ok, _ := s.auth.Connected(ctx); ok {
			list, _, err := s.lintel.Events.List(ctx, &lintel.EventListOptions{PerPage: 15})
			if err != nil {
				return "live", "Live", events, fmt.Errorf("reading recent events: %w", err)
			}
			for _, e := range list {
				events = append(events, newLiveEvent(e, "history"))
			}
			sort.Slice(events, func(i, j int) bool { return events[i].ID > events[j].ID })
		}
	}
	return "live", "Live", events, nil
}

func (s *Server) reset(r *http.Request) (*result, error) {
	if err := s.db.Reset(r.Context()); err != nil {
		return nil, err
	}
	return &result{data: map[string]string{"result": "ok"}, redirect: "/", message: "CoWork HQ is back to its demo members and teams. Lintel was not touched."}, nil
}
