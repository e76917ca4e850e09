package domain

import (
	"context"
	"strings"
	"time"
)

// Clock returns the current time. Services take one so tests control time.
type Clock func() time.Time

// Account is a tenant. Every other row belongs to exactly one account.
type Account struct {
	ID            int64
	UID           string // public hashid, e.g. "k3x9q2mz"
	Name          string
	TimeZone      string // IANA name
	Monitored     bool
	Verified      bool   // trust gate (KYC done)
	EnterprisePIN string // optional; "pin/email" usernames in the password grant
	SyncStatus    string // complete|failing|syncing|pending
	LastSyncAt    *time.Time
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// Location returns the account's time zone, or UTC when it cannot be loaded.
func (a *Account) Location() *time.Location {
	if loc, ok := LoadLocation(a.TimeZone); ok {
		return loc
	}
	return time.UTC
}

// User is an operator who signs in to Lintel (and authorizes OAuth apps).
type User struct {
	ID           int64
	AccountID    int64
	Email        string // stored lower-cased
	FirstName    string
	LastName     string
	PasswordHash string // argon2id, PHC string format; "" until an invitation is accepted
	// Role bounds everything the operator may do (see OperatorRole).
	Role OperatorRole
	// Admin is the role before roles existed: when creating a user without
	// a Role, true means RoleAdmin and false RoleOperator. Read back, it
	// reports whether Role is at least RoleAdmin.
	Admin bool
	// Disabled is set while the operator is disabled (DisabledAt says
	// since when): they cannot sign in and hold no session, token or key.
	Disabled    bool
	DisabledAt  *time.Time
	TOTPEnabled bool // a TOTP second factor is required at sign-in
	// LastSignInAt is when the operator last signed in to a browser
	// session (console or consent pages); nil if never.
	LastSignInAt      *time.Time
	PasswordChangedAt time.Time
	CreatedAt         time.Time
	UpdatedAt         time.Time
}

// Name returns the operator's full name, or their email when they have none.
func (u *User) Name() string {
	n := strings.TrimSpace(u.FirstName + " " + u.LastName)
	if n == "" {
		return u.Email
	}
	return n
}

// SiteIP is one allowed network of a site.
type SiteIP struct {
	IPAddress string `json:"ip_address"`
}

// Site is a physical location.
type Site struct {
	ID        int64
	AccountID int64
	Name      string
	IPAddress *string
	TimeZone  *string
	Notes     *string
	SiteIPs   []SiteIP
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Channel is a door (one channel of a door controller).
type Channel struct {
	ID                  int64
	AccountID           int64
	SiteID              *int64
	Name                string
	MACAddress          string
	Unit                int
	Model               *string
	ModelLong           string
	SerialNumber        *string
	CardFormat          *string
	PINFormat           *string
	Status              string // online|offline|pending_encryption
	Mode                string // normal|unlock
	RelockAt            *time.Time
	ModeChangedAt       *time.Time
	CardLockdown        bool
	RexLockdown         bool
	AuxLockdown         bool
	AutoUnlockShiftID   *int64
	SyncStatus          string // ok|fail|syncing|pending
	LastSyncCompletedAt *time.Time
	CreatedAt           time.Time
	UpdatedAt           time.Time
}

// DoorState is what a door's controller last reported about its hardware.
// Nil fields were not reported: a door without a contact cannot say
// whether it is open.
type DoorState struct {
	ChannelID  int64
	Open       *bool // the door contact reads open
	Locked     *bool // the lock is locked (its relay not released)
	ReportedAt *time.Time
}

// InLockdown reports whether any lockdown flag is set.
func (c *Channel) InLockdown() bool { return c.CardLockdown || c.RexLockdown || c.AuxLockdown }

// Credential kinds decide how a credential type's values are validated.
const (
	KindCard   = "card"
	KindFob    = "fob"
	KindPIN    = "pin"
	KindMobile = "mobile"
)

// CredentialType is a kind of credential an account uses (Card, PIN, ...).
type CredentialType struct {
	ID        int64
	AccountID int64
	Label     string
	Slug      string
	Code      *int64
	Kind      string // card|fob|pin|mobile
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Credential is one credential held by a person.
type Credential struct {
	ID               int64
	UID              string // public hashid
	AccountID        int64
	PersonID         int64
	CredentialTypeID int64
	Label            string // the credential type's label (joined)
	Value            *string
	Status           *string // mobile: invited|active|revoking|revoked
	WalletType       *string
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

// Person is someone who may open doors.
type Person struct {
	ID             int64
	AccountID      int64
	FirstName      string
	LastName       string
	Salutation     *string
	JobTitle       *string
	Department     *string
	Telephone      *string
	Notes          *string
	Barcode        *string
	Email          *string
	Mobile         *string
	OrganisationID *int64
	SystemID       *string
	Enabled        bool
	ValidFrom      *time.Time
	ValidTo        *time.Time
	ImageURL       *string
	Custom         [5]*string // custom_1 .. custom_5
	GroupIDs       []int64
	RoleIDs        []int64
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Group is a set of people that roles grant door access to.
type Group struct {
	ID                int64
	AccountID         int64
	Name              string
	Notes             *string
	GlobalAcrossSites bool
	CreatedAt         time.Time
	UpdatedAt         time.Time
}

// Role links groups to channels, optionally only during a shift.
type Role struct {
	ID         int64
	AccountID  int64
	Name       string
	ShiftID    *int64 // nil = 24/7
	Notes      *string
	GroupIDs   []int64
	ChannelIDs []int64
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// ShiftWindow is a weekly time window: on each of Days (0 = Sunday), from
// Start to End, both "HH:MM" in the shift's time zone. End "24:00" is midnight.
type ShiftWindow struct {
	Days  []int  `json:"days"`
	Start string `json:"start"`
	End   string `json:"end"`
}

// Shift is a named weekly schedule.
type Shift struct {
	ID        int64
	AccountID int64
	Name      string
	TimeZone  *string // nil = the account's
	Windows   []ShiftWindow
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Reservation grants one person access to channels for a time window on one
// local day.
type Reservation struct {
	ID         int64
	AccountID  int64
	PersonID   int64
	StartTime  time.Time
	EndTime    time.Time
	ChannelIDs []int64
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// GroupReservation is a temporary group membership.
type GroupReservation struct {
	ID            int64
	AccountID     int64
	PersonID      int64
	StartTime     time.Time
	EndTime       time.Time
	DeactivatedAt *time.Time
	GroupIDs      []int64
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// State is pending before start, active during, deactivated after the end or
// once cancelled.
func (g *GroupReservation) State(now time.Time) string {
	switch {
	case g.DeactivatedAt != nil || !now.Before(g.EndTime):
		return "deactivated"
	case now.Before(g.StartTime):
		return "pending"
	default:
		return "active"
	}
}

// Event is an append-only record of something that happened at a door.
type Event struct {
	ID                int64
	AccountID         int64
	EventCode         int
	EventLabel        string
	ChannelID         *int64
	ChannelName       *string
	PersonID          *int64
	PersonName        *string
	PersonFirstName   *string
	PersonLastName    *string
	CredentialsNumber *string
	ClientEventID     *string // idempotency key from a controller
	CreatedAt         time.Time
	UpdatedAt         time.Time
}

// OAuth application states.
const (
	AppTesting   = "testing"
	AppLive      = "live"
	AppSuspended = "suspended"
)

// OAuthApp is a registered OAuth client.
type OAuthApp struct {
	ID            int64
	UID           string // client_id
	AccountID     int64  // the owning (and, while testing, the only authorizing) account
	Name          string
	SecretDigest  string // empty for public clients
	RedirectURIs  []string
	Scopes        ScopeSet // scopes the app may request
	State         string   // testing|live|suspended
	PasswordGrant bool     // may use grant_type=password
	RequirePKCE   bool     // stricter rule, per app
	RequireState  bool     // require state of at least 8 characters, per app
	AdmitApproved bool     // operator approved the restricted account.channel.admit scope
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// Confidential reports whether the app has a secret.
func (a *OAuthApp) Confidential() bool { return a.SecretDigest != "" }

// Principal is who is calling the API: resolved from a bearer token or an API key.
type Principal struct {
	AccountID int64
	UserID    int64
	AppID     int64  // 0 for personal API keys
	AppUID    string // client_id
	TokenID   int64
	Scopes    ScopeSet
	ExpiresAt *time.Time
	CreatedAt time.Time
	ViaAPIKey bool
	APIKeyID  int64 // the personal API key, when ViaAPIKey
	// Display names the caller for the audit log: "App name for
	// ops@example.com", "key name (ops@example.com)".
	Display string
	// Role is the operator's role when the request was authenticated:
	// Scopes never exceed what it allows (authz.AllowsScope checks both).
	Role OperatorRole
	// Versions are the account's list versions, read with the access
	// token or API key when the request was authenticated (nil when they
	// were not): a list page answered from the cache, or a write taking
	// the account from memory, needs no read of its own.
	Versions *ListVersions
}

// ListVersions are an account's list versions at one moment (see
// store.ListVersion): they grow with every committed change to the rows
// the people and credential lists, or the events list, are made of, and
// Settings with every change to the account's row or credential types.
type ListVersions struct {
	People, Events, Settings int64
}

// Remote-control event codes. DoorFlow reserves 50-63 for remote control
// and attests 50-52 (an admission request's outcome); Lintel numbers the
// other commands inside the same range.
const (
	EventRemoteAdmitted       = 50 // a remote admission opened the door
	EventRemoteDenied         = 51 // a remote admission was refused
	EventRemoteOffline        = 52 // no controller took the remote admission
	EventRemoteAdmitRequested = 53 // a remote admission is waiting for the controller
	EventRemoteUnlock         = 54 // the door was put in unlock mode
	EventRemoteNormal         = 55 // the door was returned to normal mode
	EventRemoteLockdown       = 56 // lockdown was switched on
	EventRemoteUnlockdown     = 57 // lockdown was lifted
	EventRemoteAutoUnlock     = 58 // the auto-unlock shift was set or cleared
	EventRemoteKeyRegenerated = 59 // a new encryption key was requested
	EventRemoteKeyRemoved     = 60 // the encryption key was removed
)

// Channel command kinds: what a door controller is asked to do.
const (
	CommandAdmit         = "admit"
	CommandAdmitPerson   = "admit_person"
	CommandLockdown      = "lockdown"
	CommandUnlockdown    = "unlockdown"
	CommandUnlock        = "unlock"
	CommandNormal        = "normal"
	CommandAutoUnlock    = "auto_unlock"
	CommandRegenerateKey = "regenerate_encryption_key"
	CommandRemoveKey     = "remove_encryption_key"
)

// Channel command states. A command is queued until a controller takes it
// (delivered); admissions nobody could take are expired at once, since
// opening a door later than asked would be wrong.
const (
	CommandQueued    = "queued"
	CommandDelivered = "delivered"
	CommandExpired   = "expired"
)

// ChannelCommand is one instruction for a door's controller, kept in a
// queue that the controller protocol consumes.
type ChannelCommand struct {
	ID                 int64
	AccountID          int64
	ChannelID          int64
	Kind               string
	Payload            string // JSON object with the command's arguments
	Status             string // queued|delivered|expired
	AdmissionRequestID *int64
	CreatedAt          time.Time
	DeliveredAt        *time.Time
}

// Dispatcher hands commands to connected door controllers. Dispatch
// reports delivered=false, with a nil error, when no controller of the
// door is connected; an error means the attempt itself failed.
type Dispatcher interface {
	Dispatch(ctx context.Context, cmd *ChannelCommand) (delivered bool, err error)
}

// NoController is the Dispatcher used until controllers can connect: it
// never delivers.
type NoController struct{}

// Dispatch reports that no controller is connected.
func (NoController) Dispatch(context.Context, *ChannelCommand) (bool, error) { return false, nil }

// Admission request states.
const (
	AdmissionPending  = "pending"
	AdmissionAdmitted = "admitted"
	AdmissionDenied   = "denied"
	AdmissionOffline  = "offline"
	AdmissionTimeout  = "timeout"
)

// AdmissionTimeoutAfter is how long a pending admission waits for its controller.
const AdmissionTimeoutAfter = 2 * time.Minute

// AdmissionRequest is a remote request to open a door once. Its ID is the
// ID of the event that recorded the request.
type AdmissionRequest struct {
	ID          int64
	AccountID   int64
	ChannelID   int64
	ChannelName string
	PersonID    *int64
	PersonName  *string
	Status      string // as stored: pending|admitted|denied|offline
	RequestedAt time.Time
	CompletedAt *time.Time
}

// StatusAt is the status as of now: a pending request older than
// AdmissionTimeoutAfter has timed out.
func (a *AdmissionRequest) StatusAt(now time.Time) string {
	if a.Status == AdmissionPending && !now.Before(a.RequestedAt.Add(AdmissionTimeoutAfter)) {
		return AdmissionTimeout
	}
	return a.Status
}

// NotificationRule sends events with the listed codes (from the listed
// doors, or any door when none are listed) to a callback URL.
type NotificationRule struct {
	ID          int64
	AccountID   int64
	Name        string
	Active      bool
	CallbackURL string
	EventCodes  []int
	ChannelIDs  []int64
	CreatedAt   time.Time
	UpdatedAt   time.Time
}
