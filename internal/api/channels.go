package api

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/httpx"
)

type channelSyncJSON struct {
	Status              string  `json:"status"`
	LastSyncCompletedAt *string `json:"last_sync_completed_at"`
}

type stateJSON struct {
	State bool `json:"state"`
}

type lockdownJSON struct {
	Message      string    `json:"message"`
	CardLockdown stateJSON `json:"card_lockdown"`
	RexLockdown  stateJSON `json:"rex_lockdown"`
	AuxLockdown  stateJSON `json:"aux_lockdown"`
}

type modeJSON struct {
	Description string  `json:"description"`
	RelockAt    *string `json:"relock_at"`
	ChangeStamp *string `json:"change_stamp"`
}

type autoUnlockJSON struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

type channelJSON struct {
	ID                    int64           `json:"id"`
	Name                  string          `json:"name"`
	MACAddress            string          `json:"mac_address"`
	Status                string          `json:"status"`
	Unit                  int             `json:"unit"`
	Model                 *string         `json:"model"`
	ModelLong             string          `json:"model_long"`
	SerialNumber          *string         `json:"serial_number"`
	CardFormat            *string         `json:"card_format"`
	PINFormat             *string         `json:"pin_format"`
	FreescaleVersion      *string         `json:"freescale_version"`
	PICVersion            *string         `json:"pic_version"`
	ReaderDeviceClassName *string         `json:"reader_device_class_name"`
	SiteID                *int64          `json:"site_id"`
	CreatedAt             string          `json:"created_at"`
	UpdatedAt             string          `json:"updated_at"`
	Sync                  channelSyncJSON `json:"sync"`
	Lockdown              *lockdownJSON   `json:"lockdown"`
	Mode                  modeJSON        `json:"mode"`
	AutoUnlock            *autoUnlockJSON `json:"auto_unlock"`
}

// lockdownMessage describes in words what a lockdown blocks.
func lockdownMessage(ch *domain.Channel) string {
	var parts []string
	if ch.CardLockdown {
		parts = append(parts, "Cards and PINs will be rejected")
	}
	if ch.RexLockdown {
		parts = append(parts, "the exit button is disabled")
	}
	if ch.AuxLockdown {
		parts = append(parts, "the auxiliary input is disabled")
	}
	msg := strings.Join(parts, "; ")
	return strings.ToUpper(msg[:1]) + msg[1:]
}

// newChannelJSON renders a door; shiftNames names auto-unlock shifts.
func newChannelJSON(ch *domain.Channel, shiftNames map[int64]string) channelJSON {
	out := channelJSON{
		ID: ch.ID, Name: ch.Name, MACAddress: ch.MACAddress, Status: ch.Status, Unit: ch.Unit, Model: ch.Model,
		ModelLong: ch.ModelLong, SerialNumber: ch.SerialNumber, CardFormat: ch.CardFormat, PINFormat: ch.PINFormat,
		SiteID: ch.SiteID, CreatedAt: formatTime(ch.CreatedAt), UpdatedAt: formatTime(ch.UpdatedAt),
		Sync: channelSyncJSON{Status: ch.SyncStatus, LastSyncCompletedAt: formatTimePtr(ch.LastSyncCompletedAt)},
		Mode: modeJSON{Description: ch.Mode, ChangeStamp: formatTimePtr(ch.ModeChangedAt)},
	}
	if ch.Mode == domain.ModeUnlock {
		out.Mode.RelockAt = formatTimePtr(ch.RelockAt)
	}
	if ch.InLockdown() {
		out.Lockdown = &lockdownJSON{Message: lockdownMessage(ch), CardLockdown: stateJSON{ch.CardLockdown},
			RexLockdown: stateJSON{ch.RexLockdown}, AuxLockdown: stateJSON{ch.AuxLockdown}}
	}
	if ch.AutoUnlockShiftID != nil {
		out.AutoUnlock = &autoUnlockJSON{ID: *ch.AutoUnlockShiftID, Name: shiftNames[*ch.AutoUnlockShiftID]}
	}
	return out
}

// shiftNames loads the account's shift names, only when a door needs one.
func (a *API) shiftNames(ctx context.Context, accountID int64, chs ...*domain.Channel) (map[int64]string, error) {
	need := false
	for _, ch := range chs {
		need = need || ch.AutoUnlockShiftID != nil
	}
	if !need {
		return nil, nil
	}
	shifts, err := a.st.ListShifts(ctx, accountID)
	if err != nil {
		return nil, err
	}
	names := make(map[int64]string, len(shifts))
	for _, s := range shifts {
		names[s.ID] = s.Name
	}
	return names, nil
}

// listChannels serves GET /api/3/channels: 500 a page by default, at most
// 1000, optionally one site's (site_id).
func (a *API) listChannels(w http.ResponseWriter, r *http.Request, c *call) error {
	pg := parsePager(r, "per_page", 500, 1000)
	if r.URL.Query().Get("per_page") == "" {
		// Some clients page channels with the events parameter "n".
		pg = parsePager(r, "n", 500, 1000)
	}
	var siteID *int64
	if s := strings.TrimSpace(r.URL.Query().Get("site_id")); s != "" {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return domain.Errorf(domain.EBADREQUEST, "site_id must be an integer")
		}
		siteID = &id
	}
	chs, total, err := a.st.ListChannels(r.Context(), c.p.AccountID, siteID, pg.storePage())
	if err != nil {
		return err
	}
	names, err := a.shiftNames(r.Context(), c.p.AccountID, chs...)
	if err != nil {
		return err
	}
	out := make([]channelJSON, 0, len(chs))
	now := a.now()
	for _, ch := range chs {
		out = append(out, newChannelJSON(ch.Effective(now), names))
	}
	pg.writeHeaders(w, total)
	httpx.WriteJSON(w, http.StatusOK, out)
	return nil
}

// getChannel serves GET /api/3/channels/{id}; 404 unless the door is the caller's.
func (a *API) getChannel(w http.ResponseWriter, r *http.Request, c *call) error {
	id, err := pathID(r, "id", "channel")
	if err != nil {
		return err
	}
	ch, err := a.st.GetChannel(r.Context(), c.p.AccountID, id)
	if err != nil {
		return err
	}
	return a.writeChannel(r.Context(), w, ch.Effective(a.now()), http.StatusOK)
}
