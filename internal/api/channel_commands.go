package api

import (
	"net/http"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/httpx"
)

// lockdownChannel serves POST /api/3/channels/{id}/lockdown (200 Channel).
// card_lockdown, rex_lockdown and aux_lockdown set the flags they name;
// flags left out are off, and an empty body locks down cards and PINs
// only. A body that turns every flag off answers 400 with the unchanged
// door. Errors: 404; 422 for a flag that is not a boolean.
func (a *API) lockdownChannel(w http.ResponseWriter, r *http.Request, c *call) error {
	ch, err := a.loadChannel(r, c)
	if err != nil {
		return err
	}
	obj, err := readObject(r)
	if err != nil {
		return err
	}
	v := &domain.Validation{}
	f := fields{obj: obj, v: v}
	card, hasCard := f.bool("card_lockdown")
	rex, hasRex := f.bool("rex_lockdown")
	aux, hasAux := f.bool("aux_lockdown")
	if err := v.Err(); err != nil {
		return err
	}
	if !hasCard && !hasRex && !hasAux {
		card = true
	}
	if !ch.Lockdown(card, rex, aux) {
		return a.writeChannel(r.Context(), w, ch, http.StatusBadRequest)
	}
	err = a.apply(r.Context(), ch, command{kind: domain.CommandLockdown, code: domain.EventRemoteLockdown,
		label:   "Lockdown switched on remotely: " + lockdownMessage(ch),
		payload: map[string]bool{"card_lockdown": card, "rex_lockdown": rex, "aux_lockdown": aux}})
	if err != nil {
		return err
	}
	return a.writeChannel(r.Context(), w, ch, http.StatusOK)
}

// unlockdownChannel serves POST /api/3/channels/{id}/unlockdown (200
// Channel): every lockdown flag goes off. Lifting a lockdown that is not on
// is not an error. Errors: 404.
func (a *API) unlockdownChannel(w http.ResponseWriter, r *http.Request, c *call) error {
	ch, err := a.loadChannel(r, c)
	if err != nil {
		return err
	}
	ch.LiftLockdown()
	if err := a.apply(r.Context(), ch, command{kind: domain.CommandUnlockdown, code: domain.EventRemoteUnlockdown,
		label: "Lockdown lifted remotely"}); err != nil {
		return err
	}
	return a.writeChannel(r.Context(), w, ch, http.StatusOK)
}

// unlockChannel serves POST /api/3/channels/{id}/unlock (200 Channel): the
// door stays unlocked until relock_at (an ISO 8601 time, account time zone
// unless it carries an offset) or, without one, until /normal. Errors: 404;
// 422 for a relock_at that is malformed or not in the future.
func (a *API) unlockChannel(w http.ResponseWriter, r *http.Request, c *call) error {
	ch, err := a.loadChannel(r, c)
	if err != nil {
		return err
	}
	obj, err := readObject(r)
	if err != nil {
		return err
	}
	loc, err := c.location(r.Context())
	if err != nil {
		return err
	}
	v := &domain.Validation{}
	relock, _ := fields{obj: obj, v: v}.time("relock_at", loc)
	if err := v.Err(); err != nil {
		return err
	}
	if err := ch.Unlock(a.nowMS(), relock); err != nil {
		return err
	}
	payload := map[string]any{"relock_at": nil}
	label := "Unlocked remotely until returned to normal"
	if ch.RelockAt != nil {
		payload["relock_at"] = formatTime(*ch.RelockAt)
		label = "Unlocked remotely until " + formatTime(*ch.RelockAt)
	}
	if err := a.apply(r.Context(), ch, command{kind: domain.CommandUnlock, code: domain.EventRemoteUnlock, label: label, payload: payload}); err != nil {
		return err
	}
	return a.writeChannel(r.Context(), w, ch, http.StatusOK)
}

// normalChannel serves POST /api/3/channels/{id}/normal (200 Channel): the
// door leaves unlock mode. A door already in normal mode answers 200
// unchanged. Errors: 404.
func (a *API) normalChannel(w http.ResponseWriter, r *http.Request, c *call) error {
	ch, err := a.loadChannel(r, c)
	if err != nil {
		return err
	}
	ch.Normal(a.nowMS())
	if err := a.apply(r.Context(), ch, command{kind: domain.CommandNormal, code: domain.EventRemoteNormal,
		label: "Returned to normal mode remotely"}); err != nil {
		return err
	}
	return a.writeChannel(r.Context(), w, ch, http.StatusOK)
}

// autoUnlockChannel serves POST /api/3/channels/{id}/auto_unlock (200
// Channel): shift_id names the shift during which the door unlocks by
// itself; null or absent turns auto-unlock off. An unknown shift answers
// DoorFlow's 400 {"success": false, "message": ...}. Errors: 404.
func (a *API) autoUnlockChannel(w http.ResponseWriter, r *http.Request, c *call) error {
	ch, err := a.loadChannel(r, c)
	if err != nil {
		return err
	}
	obj, err := readObject(r)
	if err != nil {
		return err
	}
	v := &domain.Validation{}
	shiftID, _ := fields{obj: obj, v: v}.int("shift_id")
	if v.Err() != nil {
		httpx.WriteJSON(w, http.StatusBadRequest, map[string]any{"success": false, "message": "shift_id must be an integer or null"})
		return nil
	}
	label := "Auto-unlock switched off remotely"
	if shiftID != nil {
		missing, err := a.st.MissingShifts(r.Context(), c.p.AccountID, []int64{*shiftID})
		if err != nil {
			return err
		}
		if len(missing) > 0 {
			httpx.WriteJSON(w, http.StatusBadRequest, map[string]any{"success": false, "message": "No shift found for shift_id - " + itoa(*shiftID)})
			return nil
		}
		label = "Auto-unlock shift set remotely"
	}
	ch.AutoUnlockShiftID = shiftID
	if err := a.apply(r.Context(), ch, command{kind: domain.CommandAutoUnlock, code: domain.EventRemoteAutoUnlock, label: label,
		payload: map[string]any{"shift_id": shiftID}}); err != nil {
		return err
	}
	return a.writeChannel(r.Context(), w, ch, http.StatusOK)
}

// regenerateEncryptionKey serves POST
// /api/3/channels/{id}/regenerate_encryption_key (200 Channel): the door
// waits for its controller to take a new key (status pending_encryption).
// No key leaves the server through this API. Errors: 404.
func (a *API) regenerateEncryptionKey(w http.ResponseWriter, r *http.Request, c *call) error {
	ch, err := a.loadChannel(r, c)
	if err != nil {
		return err
	}
	ch.Status = "pending_encryption"
	if err := a.apply(r.Context(), ch, command{kind: domain.CommandRegenerateKey, code: domain.EventRemoteKeyRegenerated,
		label: "New encryption key requested"}); err != nil {
		return err
	}
	return a.writeChannel(r.Context(), w, ch, http.StatusOK)
}

// removeEncryptionKey serves POST /api/3/channels/{id}/remove_encryption_key
// (200 Channel): a door waiting for a key stops waiting (status offline
// until its controller connects). Errors: 404.
func (a *API) removeEncryptionKey(w http.ResponseWriter, r *http.Request, c *call) error {
	ch, err := a.loadChannel(r, c)
	if err != nil {
		return err
	}
	if ch.Status == "pending_encryption" {
		ch.Status = "offline"
	}
	if err := a.apply(r.Context(), ch, command{kind: domain.CommandRemoveKey, code: domain.EventRemoteKeyRemoved,
		label: "Encryption key removed"}); err != nil {
		return err
	}
	return a.writeChannel(r.Context(), w, ch, http.StatusOK)
}
