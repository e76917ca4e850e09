package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	lintel "github.com/lintel-dev/lintel/sdk"
)

// The /api/doorflow routes let the browser see Lintel data without ever
// holding a token: CoWork HQ calls Lintel with its own and passes the
// answer on.

func (s *Server) proxyPeople(r *http.Request) (*result, error) {
	opt := &lintel.PeopleListOptions{Email: r.URL.Query().Get("email")}
	var out []*lintel.Person
	for p, err := range s.lintel.People.All(r.Context(), opt) {
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return &result{data: nonNil(out)}, nil
}

func (s *Server) proxyPerson(r *http.Request) (*result, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	p, err := s.lintel.People.Get(r.Context(), id)
	if err != nil {
		return nil, err
	}
	return &result{data: p}, nil
}

// proxyPersonGroups replaces a person's groups: {"group_ids": [1, 2]} or
// form fields group_ids.
func (s *Server) proxyPersonGroups(r *http.Request) (*result, error) {
	id, err := pathID(r, "person_id")
	if err != nil {
		return nil, err
	}
	var in struct {
		GroupIDs []int64 `json:"group_ids"`
	}
	if isForm(r) {
		for _, v := range r.PostForm["group_ids"] {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return nil, validationError{"group_ids": "must be numbers"}
			}
			in.GroupIDs = append(in.GroupIDs, n)
		}
	} else if err := decodeJSON(r, &in); err != nil {
		return nil, err
	}
	p, err := s.lintel.People.SetGroups(r.Context(), id, in.GroupIDs)
	if err != nil {
		return nil, err
	}
	return &result{data: p}, nil
}

// proxyCredentials lists a person's credentials (?person_id=), or every
// credential of the account.
func (s *Server) proxyCredentials(r *http.Request) (*result, error) {
	var out []*lintel.Credential
	if v := r.URL.Query().Get("person_id"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return nil, validationError{"person_id": "must be a number"}
		}
		for c, err := range s.lintel.Credentials.All(r.Context(), id) {
			if err != nil {
				return nil, err
			}
			out = append(out, c)
		}
		return &result{data: nonNil(out)}, nil
	}
	for c, err := range s.lintel.Credentials.AllOfAccount(r.Context()) {
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return &result{data: nonNil(out)}, nil
}

// credentialInput is what the browser sends to issue a credential.
type credentialInput struct {
	PersonID         int64  `json:"person_id"`
	CredentialTypeID int64  `json:"credential_type_id"`
	Value            string `json:"value"`
	MemberID         int64  `json:"member_id"` // forms: the page to go back to
}

// proxyCreateCredential issues a card, a PIN ("******" generates one) or a
// mobile pass (no value: the invitation goes to the person's email).
func (s *Server) proxyCreateCredential(r *http.Request) (*result, error) {
	var in credentialInput
	if isForm(r) {
		in.PersonID, _ = strconv.ParseInt(r.PostFormValue("person_id"), 10, 64)
		in.CredentialTypeID, _ = strconv.ParseInt(r.PostFormValue("credential_type_id"), 10, 64)
		in.MemberID, _ = strconv.ParseInt(r.PostFormValue("member_id"), 10, 64)
		in.Value = strings.TrimSpace(r.PostFormValue("value"))
	} else if err := decodeJSON(r, &in); err != nil {
		return nil, err
	}
	if in.PersonID <= 0 || in.CredentialTypeID <= 0 {
		return nil, validationError{"person_id": "and credential_type_id are required"}
	}
	c, err := s.lintel.Credentials.Create(r.Context(), in.PersonID, lintel.CredentialInput{CredentialTypeID: in.CredentialTypeID, Value: in.Value})
	if err != nil {
		var apiErr *lintel.Error
		if errors.As(err, &apiErr) && apiErr.Credential != nil {
			return nil, fmt.Errorf("the person already holds a credential of this type, or the value is already in use (credential %s): %w", apiErr.Credential.ID, err)
		}
		return nil, err
	}
	msg := c.Label + " issued"
	switch {
	case in.Value == lintel.AutoPIN && c.Value != nil:
		msg = fmt.Sprintf("%s issued: the generated PIN is %s", c.Label, *c.Value)
	case c.Value == nil:
		msg = c.Label + " invitation sent to the person's email address"
	}
	return &result{status: http.StatusCreated, data: c, redirect: memberPath(in.MemberID), message: msg}, nil
}

// proxyDeleteCredential revokes a credential; person_id says whose (the
// API nests credentials under people), or it is looked up.
func (s *Server) proxyDeleteCredential(r *http.Request) (*result, error) {
	ctx := r.Context()
	id := r.PathValue("id")
	personID, _ := strconv.ParseInt(r.FormValue("person_id"), 10, 64)
	memberID, _ := strconv.ParseInt(r.FormValue("member_id"), 10, 64)
	if personID <= 0 {
		for c, err := range s.lintel.Credentials.AllOfAccount(ctx) {
			if err != nil {
				return nil, err
			}
			if c.ID == id {
				personID = c.PersonID
				break
			}
		}
		if personID <= 0 {
			return nil, errNotFound
		}
	}
	pending, err := s.lintel.Credentials.Delete(ctx, personID, id)
	if err != nil {
		return nil, err
	}
	msg := "Credential revoked"
	if pending {
		msg = "Revocation started: the mobile pass is being withdrawn"
	}
	return &result{data: map[string]any{"result": "ok", "pending": pending}, redirect: memberPath(memberID), message: msg}, nil
}

func (s *Server) proxyGroups(r *http.Request) (*result, error) {
	groups, err := s.lintel.Groups.List(r.Context())
	if err != nil {
		return nil, err
	}
	return &result{data: nonNil(groups)}, nil
}

func (s *Server) proxyCredentialTypes(r *http.Request) (*result, error) {
	var out []*lintel.CredentialType
	for t, err := range s.lintel.CredentialTypes.All(r.Context()) {
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return &result{data: nonNil(out)}, nil
}

func memberPath(id int64) string {
	if id <= 0 {
		return "/members"
	}
	return "/members/" + strconv.FormatInt(id, 10)
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// decodeJSON reads a JSON body of at most 64 KiB.
func decodeJSON(r *http.Request, v any) error {
	b, err := io.ReadAll(io.LimitReader(r.Body, 64<<10))
	if err != nil {
		return validationError{"body": "could not be read"}
	}
	if err := json.Unmarshal(b, v); err != nil {
		return validationError{"body": "must be a JSON object: " + err.Error()}
	}
	return nil
}
