package lintel

import (
	"context"
	"time"
)

// Group is a set of people that roles grant doors to.
type Group struct {
	ID                int64     `json:"id"`
	Name              string    `json:"name"`
	Notes             *string   `json:"notes"`
	GlobalAcrossSites bool      `json:"global_across_sites"`
	CreatedAt         time.Time `json:"created_at"`
	UpdatedAt         time.Time `json:"updated_at"`
}

// GroupInput is a group to create or the fields to change (Lintel
// extension).
type GroupInput struct {
	Name              *string `json:"name,omitempty"`
	Notes             *string `json:"notes,omitempty"`
	GlobalAcrossSites *bool   `json:"global_across_sites,omitempty"`
}

// GroupsService reads groups (not paginated); writing them is a Lintel
// extension (scope account.group).
type GroupsService struct{ c *Client }

// List returns every group, by name (listGroups).
func (s *GroupsService) List(ctx context.Context) ([]*Group, error) {
	var out []*Group
	_, err := s.c.call(ctx, &request{method: "GET", path: "/api/3/groups"}, &out)
	return out, err
}

// Create adds a group (createGroup, a Lintel extension).
func (s *GroupsService) Create(ctx context.Context, in *GroupInput) (*Group, error) {
	var out Group
	_, err := s.c.call(ctx, &request{method: "POST", path: "/api/3/groups", body: in, want: []int{201}}, &out)
	return ptrOrNil(&out, err)
}

// Update changes a group (updateGroup, a Lintel extension).
func (s *GroupsService) Update(ctx context.Context, id int64, in *GroupInput) (*Group, error) {
	var out Group
	_, err := s.c.call(ctx, &request{method: "PUT", path: idPath("groups", id), body: in}, &out)
	return ptrOrNil(&out, err)
}

// Delete removes a group and its memberships (deleteGroup, a Lintel
// extension); 409 while a group reservation uses it.
func (s *GroupsService) Delete(ctx context.Context, id int64) error {
	_, err := s.c.call(ctx, &request{method: "DELETE", path: idPath("groups", id)}, &deleted{})
	return err
}

// Role says which groups may open which doors, and during which shift.
// GroupIDs and ChannelIDs are filled by Lintel's extension operations
// (and empty in DoorFlow's role list).
type Role struct {
	ID         int64     `json:"id"`
	Name       string    `json:"name"`
	ShiftID    *int64    `json:"shift_id"` // nil: at all hours
	Notes      *string   `json:"notes"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
	GroupIDs   []int64   `json:"group_ids,omitempty"`
	ChannelIDs []int64   `json:"channel_ids,omitempty"`
}

// RoleInput is a role to create or the fields to change (Lintel
// extension). GroupIDs and ChannelIDs replace the lists when not nil.
type RoleInput struct {
	Name       *string `json:"name,omitempty"`
	Notes      *string `json:"notes,omitempty"`
	ShiftID    *int64  `json:"shift_id,omitempty"`
	GroupIDs   []int64 `json:"group_ids,omitempty"`
	ChannelIDs []int64 `json:"channel_ids,omitempty"`
}

// RolesService reads roles (not paginated); writing them is a Lintel
// extension (scope account.role).
type RolesService struct{ c *Client }

// List returns every role, by name (listRoles).
func (s *RolesService) List(ctx context.Context) ([]*Role, error) {
	var out []*Role
	_, err := s.c.call(ctx, &request{method: "GET", path: "/api/3/roles"}, &out)
	return out, err
}

// Create adds a role (createRole, a Lintel extension).
func (s *RolesService) Create(ctx context.Context, in *RoleInput) (*Role, error) {
	var out Role
	_, err := s.c.call(ctx, &request{method: "POST", path: "/api/3/roles", body: in, want: []int{201}}, &out)
	return ptrOrNil(&out, err)
}

// Update changes a role (updateRole, a Lintel extension).
func (s *RolesService) Update(ctx context.Context, id int64, in *RoleInput) (*Role, error) {
	var out Role
	_, err := s.c.call(ctx, &request{method: "PUT", path: idPath("roles", id), body: in}, &out)
	return ptrOrNil(&out, err)
}

// Delete removes a role (deleteRole, a Lintel extension): its groups lose
// that access.
func (s *RolesService) Delete(ctx context.Context, id int64) error {
	_, err := s.c.call(ctx, &request{method: "DELETE", path: idPath("roles", id)}, &deleted{})
	return err
}

// Shift is a named weekly schedule (Lintel extension).
type Shift struct {
	ID        int64         `json:"id"`
	Name      string        `json:"name"`
	TimeZone  *string       `json:"time_zone"` // nil: the account's
	Windows   []ShiftWindow `json:"windows"`
	CreatedAt time.Time     `json:"created_at"`
	UpdatedAt time.Time     `json:"updated_at"`
}

// ShiftWindow is, on each of Days (0 is Sunday), the time from Start to
// End, both "HH:MM"; End may be "24:00".
type ShiftWindow struct {
	Days  []int  `json:"days"`
	Start string `json:"start"`
	End   string `json:"end"`
}

// ShiftInput is a shift to create or the fields to change.
type ShiftInput struct {
	Name     *string       `json:"name,omitempty"`
	TimeZone *string       `json:"time_zone,omitempty"`
	Windows  []ShiftWindow `json:"windows,omitempty"`
}

// ShiftsService manages shifts, a Lintel extension (scopes
// account.shift.readonly and account.shift).
type ShiftsService struct{ c *Client }

// List returns every shift (listShifts).
func (s *ShiftsService) List(ctx context.Context) ([]*Shift, error) {
	var out []*Shift
	_, err := s.c.call(ctx, &request{method: "GET", path: "/api/3/shifts"}, &out)
	return out, err
}

// Get returns one shift (getShift).
func (s *ShiftsService) Get(ctx context.Context, id int64) (*Shift, error) {
	var out Shift
	_, err := s.c.call(ctx, &request{method: "GET", path: idPath("shifts", id)}, &out)
	return ptrOrNil(&out, err)
}

// Create adds a shift (createShift).
func (s *ShiftsService) Create(ctx context.Context, in *ShiftInput) (*Shift, error) {
	var out Shift
	_, err := s.c.call(ctx, &request{method: "POST", path: "/api/3/shifts", body: in, want: []int{201}}, &out)
	return ptrOrNil(&out, err)
}

// Update changes a shift (updateShift).
func (s *ShiftsService) Update(ctx context.Context, id int64, in *ShiftInput) (*Shift, error) {
	var out Shift
	_, err := s.c.call(ctx, &request{method: "PUT", path: idPath("shifts", id), body: in}, &out)
	return ptrOrNil(&out, err)
}

// Delete removes a shift (deleteShift); 409 while a role or a door's
// auto-unlock uses it.
func (s *ShiftsService) Delete(ctx context.Context, id int64) error {
	_, err := s.c.call(ctx, &request{method: "DELETE", path: idPath("shifts", id)}, &deleted{})
	return err
}
