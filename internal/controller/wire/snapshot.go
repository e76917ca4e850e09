package wire

import (
	"slices"
	"time"

	"github.com/lintel-dev/lintel/internal/access"
	"github.com/lintel-dev/lintel/internal/domain"
)

// Snapshot is the body of GET /controller/v1/snapshot: everything a
// controller needs to decide locally for its doors, with the sequence
// number it is current as of. It is an access.Source in JSON, reduced to
// the fields the decision reads and to the controller's doors. Times are
// RFC 3339 in UTC.
type Snapshot struct {
	AccountID         int64              `json:"account_id"`
	Seq               int64              `json:"seq"`
	GeneratedAt       time.Time          `json:"generated_at"`
	TimeZone          string             `json:"time_zone"`
	Channels          []Channel          `json:"channels"`
	Sites             []Site             `json:"sites"`
	Shifts            []Shift            `json:"shifts"`
	CredentialTypes   []CredentialType   `json:"credential_types"`
	Roles             []Role             `json:"roles"`
	People            []Person           `json:"people"`
	Credentials       []Credential       `json:"credentials"`
	Reservations      []Reservation      `json:"reservations"`
	GroupReservations []GroupReservation `json:"group_reservations"`
}

// Channel is a door and its state.
type Channel struct {
	ID                int64      `json:"id"`
	Name              string     `json:"name"`
	SiteID            *int64     `json:"site_id"`
	Mode              string     `json:"mode"` // normal|unlock
	RelockAt          *time.Time `json:"relock_at"`
	CardLockdown      bool       `json:"card_lockdown"`
	RexLockdown       bool       `json:"rex_lockdown"`
	AuxLockdown       bool       `json:"aux_lockdown"`
	AutoUnlockShiftID *int64     `json:"auto_unlock_shift_id"`
}

// Site carries a site's time zone.
type Site struct {
	ID       int64   `json:"id"`
	TimeZone *string `json:"time_zone"`
}

// Shift is a weekly schedule.
type Shift struct {
	ID       int64                `json:"id"`
	TimeZone *string              `json:"time_zone"`
	Windows  []domain.ShiftWindow `json:"windows"`
}

// CredentialType names a kind of credential: card, fob, pin or mobile.
type CredentialType struct {
	ID    int64  `json:"id"`
	Slug  string `json:"slug"`
	Label string `json:"label"`
	Kind  string `json:"kind"`
}

// Role lets its groups through its doors, during its shift if any.
type Role struct {
	ID         int64   `json:"id"`
	ShiftID    *int64  `json:"shift_id"`
	GroupIDs   []int64 `json:"group_ids"`
	ChannelIDs []int64 `json:"channel_ids"`
}

// Person is a credential holder.
type Person struct {
	ID        int64      `json:"id"`
	FirstName string     `json:"first_name"`
	LastName  string     `json:"last_name"`
	Enabled   bool       `json:"enabled"`
	ValidFrom *time.Time `json:"valid_from"`
	ValidTo   *time.Time `json:"valid_to"`
	GroupIDs  []int64    `json:"group_ids"`
	RoleIDs   []int64    `json:"role_ids"`
}

// Credential is a presentable credential.
type Credential struct {
	PersonID         int64   `json:"person_id"`
	CredentialTypeID int64   `json:"credential_type_id"`
	Value            string  `json:"value"`
	Status           *string `json:"status"`
	WalletType       *string `json:"wallet_type"`
}

// Reservation lets a person through doors in [start_time, end_time).
type Reservation struct {
	PersonID   int64     `json:"person_id"`
	StartTime  time.Time `json:"start_time"`
	EndTime    time.Time `json:"end_time"`
	ChannelIDs []int64   `json:"channel_ids"`
}

// GroupReservation makes a person a group member in [start_time, end_time).
type GroupReservation struct {
	PersonID  int64     `json:"person_id"`
	StartTime time.Time `json:"start_time"`
	EndTime   time.Time `json:"end_time"`
	GroupIDs  []int64   `json:"group_ids"`
}

// Source turns a snapshot back into the access engine's input; build the
// decision snapshot with access.Build(s.Source(), at).
func (s *Snapshot) Source() access.Source {
	src := access.Source{Account: &domain.Account{ID: s.AccountID, TimeZone: s.TimeZone}}
	for _, x := range s.Sites {
		src.Sites = append(src.Sites, &domain.Site{ID: x.ID, AccountID: s.AccountID, TimeZone: x.TimeZone})
	}
	for _, x := range s.Shifts {
		src.Shifts = append(src.Shifts, &domain.Shift{ID: x.ID, AccountID: s.AccountID, TimeZone: x.TimeZone, Windows: x.Windows})
	}
	for _, x := range s.Channels {
		src.Channels = append(src.Channels, x.domain(s.AccountID))
	}
	for _, x := range s.CredentialTypes {
		src.CredentialTypes = append(src.CredentialTypes, &domain.CredentialType{ID: x.ID, AccountID: s.AccountID,
			Slug: x.Slug, Label: x.Label, Kind: x.Kind})
	}
	for _, x := range s.Roles {
		src.Roles = append(src.Roles, &domain.Role{ID: x.ID, AccountID: s.AccountID, ShiftID: x.ShiftID,
			GroupIDs: x.GroupIDs, ChannelIDs: x.ChannelIDs})
	}
	for _, x := range s.People {
		src.People = append(src.People, x.domain(s.AccountID))
	}
	for _, x := range s.Credentials {
		src.Credentials = append(src.Credentials, x.domain(s.AccountID))
	}
	for _, x := range s.Reservations {
		src.Reservations = append(src.Reservations, x.domain(s.AccountID))
	}
	for _, x := range s.GroupReservations {
		src.GroupReservations = append(src.GroupReservations, x.domain(s.AccountID))
	}
	return src
}

// The domain forms of the wire types, as the access engine reads them.

func (x Channel) domain(accountID int64) *domain.Channel {
	return &domain.Channel{ID: x.ID, AccountID: accountID, Name: x.Name, SiteID: x.SiteID, Mode: x.Mode, RelockAt: x.RelockAt,
		CardLockdown: x.CardLockdown, RexLockdown: x.RexLockdown, AuxLockdown: x.AuxLockdown, AutoUnlockShiftID: x.AutoUnlockShiftID}
}

func (x Person) domain(accountID int64) *domain.Person {
	return &domain.Person{ID: x.ID, AccountID: accountID, FirstName: x.FirstName, LastName: x.LastName, Enabled: x.Enabled,
		ValidFrom: x.ValidFrom, ValidTo: x.ValidTo, GroupIDs: x.GroupIDs, RoleIDs: x.RoleIDs}
}

func (x Credential) domain(accountID int64) *domain.Credential {
	v := x.Value
	return &domain.Credential{AccountID: accountID, PersonID: x.PersonID, CredentialTypeID: x.CredentialTypeID, Value: &v,
		Status: x.Status, WalletType: x.WalletType}
}

func (x Reservation) domain(accountID int64) *domain.Reservation {
	return &domain.Reservation{AccountID: accountID, PersonID: x.PersonID, StartTime: x.StartTime, EndTime: x.EndTime,
		ChannelIDs: x.ChannelIDs}
}

func (x GroupReservation) domain(accountID int64) *domain.GroupReservation {
	return &domain.GroupReservation{AccountID: accountID, PersonID: x.PersonID, StartTime: x.StartTime, EndTime: x.EndTime,
		GroupIDs: x.GroupIDs}
}

// ForChannels returns a copy of the account-wide snapshot reduced to the
// given doors (ascending): other doors are left out, roles and
// reservations keep only those doors and are dropped when none is left.
// Everything else is shared with s, which must not change afterwards.
func (s *Snapshot) ForChannels(ids []int64) *Snapshot {
	n := *s
	n.Channels = []Channel{}
	for _, c := range s.Channels {
		if _, ok := slices.BinarySearch(ids, c.ID); ok {
			n.Channels = append(n.Channels, c)
		}
	}
	n.Roles = []Role{}
	for _, r := range s.Roles {
		if chans := keepDoors(r.ChannelIDs, ids); len(chans) > 0 {
			r.ChannelIDs = chans
			n.Roles = append(n.Roles, r)
		}
	}
	n.Reservations = reservationsFor(s.Reservations, ids)
	return &n
}

// reservationsFor returns the reservations reduced to the given doors
// (ascending), leaving out those with none of them; never nil.
func reservationsFor(list []Reservation, doors []int64) []Reservation {
	out := []Reservation{}
	for _, r := range list {
		if chans := keepDoors(r.ChannelIDs, doors); len(chans) > 0 {
			r.ChannelIDs = chans
			out = append(out, r)
		}
	}
	return out
}

// keepDoors returns the ids of list that are among doors (ascending).
func keepDoors(list, doors []int64) []int64 {
	var out []int64
	for _, id := range list {
		if _, ok := slices.BinarySearch(doors, id); ok {
			out = append(out, id)
		}
	}
	return out
}
