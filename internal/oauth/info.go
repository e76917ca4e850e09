package oauth

import (
	"math"
	"net/http"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/httpx"
)

// tokenInfo is the DoorFlow body of GET /oauth/token/info.
type tokenInfo struct {
	ResourceOwnerID int64    `json:"resource_owner_id"`
	AccountID       string   `json:"account_id"`
	Scope           []string `json:"scope"`
	ExpiresIn       int64    `json:"expires_in"`
	Application     struct {
		UID string `json:"uid"`
	} `json:"application"`
	CreatedAt int64 `json:"created_at"`
}

// handleTokenInfo is GET /oauth/token/info: what the bearer token is.
// Bad tokens get 401 in the DoorFlow error shape.
func (s *Server) handleTokenInfo(w http.ResponseWriter, r *http.Request) {
	p, err := s.Authenticate(r)
	if err != nil {
		noStore(w)
		httpx.WriteError(w, r, s.log, err)
		return
	}
	acct, err := s.store.GetAccount(r.Context(), p.AccountID)
	if err != nil {
		if domain.ErrorCode(err) == domain.ENOTFOUND {
			err = invalidToken("The access token is invalid")
		}
		httpx.WriteError(w, r, s.log, err)
		return
	}
	var info tokenInfo
	info.ResourceOwnerID = p.UserID
	info.AccountID = acct.UID
	info.Scope = p.Scopes.List()
	info.ExpiresIn = int64(math.Round(p.ExpiresAt.Sub(s.now()).Seconds()))
	if info.ExpiresIn < 0 {
		info.ExpiresIn = 0
	}
	info.Application.UID = p.AppUID
	info.CreatedAt = p.CreatedAt.Unix()
	noStore(w)
	httpx.WriteJSON(w, http.StatusOK, info)
}
