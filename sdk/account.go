package lintel

import (
	"context"
	"time"
)

// Account is the account behind the credentials (GET /api/3/account).
// Its ID is a string (a hash id), unlike every other id.
type Account struct {
	ID        string          `json:"id"`
	Name      string          `json:"name"`
	TimeZone  string          `json:"time_zone"`
	Monitored bool            `json:"monitored"`
	Reseller  *Reseller       `json:"reseller"`
	Sync      AccountSync     `json:"sync"`
	User      AccountUser     `json:"user"`
	Passport  AccountPassport `json:"passport"`
}

// Reseller is who sold the account, when anyone did.
type Reseller struct {
	ID               int64   `json:"id"`
	Name             string  `json:"name"`
	SupportContact   *string `json:"support_contact"`
	SupportEmail     *string `json:"support_email"`
	SupportTelephone *string `json:"support_telephone"`
}

// AccountSync is the state of the last push of access lists to the doors.
type AccountSync struct {
	Status      string     `json:"status"` // complete, failing, syncing or pending
	LastSync    *time.Time `json:"last_sync"`
	Description *string    `json:"description"`
}

// AccountUser is the operator who authorised the token (or owns the key).
type AccountUser struct {
	ID        int64  `json:"id"`
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	Email     string `json:"email"`
}

// AccountPassport says which mobile features the account has.
type AccountPassport struct {
	RemoteUnlockEnabled bool `json:"remote_unlock_enabled"`
	HIDMobileAccess     bool `json:"hid_mobile_access"`
}

// TokenInfo describes the calling access token (GET /oauth/token/info).
type TokenInfo struct {
	ResourceOwnerID int64    `json:"resource_owner_id"`
	AccountID       string   `json:"account_id"`
	Scope           []string `json:"scope"` // an array here, unlike in token answers
	ExpiresIn       int64    `json:"expires_in"`
	Application     struct {
		UID string `json:"uid"`
	} `json:"application"`
	CreatedAt int64 `json:"created_at"` // Unix seconds
}

// AccountService reads the account and the token (operations getAccount
// and getTokenInfo).
type AccountService struct{ c *Client }

// Get returns the account the credentials belong to. Any valid token may
// call it, whatever its scopes.
func (s *AccountService) Get(ctx context.Context) (*Account, error) {
	var a Account
	if _, err := s.c.call(ctx, &request{method: "GET", path: "/api/3/account"}, &a); err != nil {
		return nil, err
	}
	return &a, nil
}

// TokenInfo describes the access token the client sends: its owner,
// scopes and remaining lifetime. API keys get a 401 *Error.
func (s *AccountService) TokenInfo(ctx context.Context) (*TokenInfo, error) {
	var t TokenInfo
	if _, err := s.c.call(ctx, &request{method: "GET", path: "/oauth/token/info"}, &t); err != nil {
		return nil, err
	}
	return &t, nil
}
