package api

import (
	"net/http"

	"github.com/lintel-dev/lintel/internal/httpx"
)

type accountSyncJSON struct {
	Status      string  `json:"status"`
	LastSync    *string `json:"last_sync"`
	Description *string `json:"description"`
}

type accountUserJSON struct {
	ID        int64  `json:"id"`
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	Email     string `json:"email"`
}

type passportJSON struct {
	RemoteUnlockEnabled bool `json:"remote_unlock_enabled"`
	HIDMobileAccess     bool `json:"hid_mobile_access"`
}

type accountJSON struct {
	ID        string          `json:"id"`
	Name      string          `json:"name"`
	TimeZone  string          `json:"time_zone"`
	Monitored bool            `json:"monitored"`
	Reseller  *struct{}       `json:"reseller"`
	Sync      accountSyncJSON `json:"sync"`
	User      accountUserJSON `json:"user"`
	Passport  passportJSON    `json:"passport"`
}

// getAccount serves GET /api/3/account: the caller's account and the user
// who authorised the token. Any valid token may call it.
func (a *API) getAccount(w http.ResponseWriter, r *http.Request, c *call) error {
	acct, err := c.account(r.Context())
	if err != nil {
		return err
	}
	out := accountJSON{
		ID: acct.UID, Name: acct.Name, TimeZone: acct.TimeZone, Monitored: acct.Monitored,
		Sync: accountSyncJSON{Status: acct.SyncStatus, LastSync: formatTimePtr(acct.LastSyncAt)},
	}
	if out.Sync.Status == "" {
		out.Sync.Status = "complete"
	}
	if c.p.UserID != 0 {
		u, err := a.st.GetUser(r.Context(), c.p.UserID)
		if err == nil && u.AccountID == acct.ID {
			out.User = accountUserJSON{ID: u.ID, FirstName: u.FirstName, LastName: u.LastName, Email: u.Email}
		}
	}
	httpx.WriteJSON(w, http.StatusOK, out)
	return nil
}
