package api

import (
	"net/http"
	"regexp"
	"strings"

	"github.com/lintel-dev/lintel/internal/domain"
)

var macPattern = regexp.MustCompile(`^([0-9a-f]{2}:){5}[0-9a-f]{2}$`)

// applyChannel copies the door fields present in f onto ch: name,
// mac_address (aa:bb:cc:dd:ee:ff, required on create, stored lower-case;
// '-' separators are accepted), unit (at least 1), site_id (null for
// none), model, model_long, serial_number, card_format and pin_format.
func applyChannel(f fields, ch *domain.Channel, creating bool) {
	f.name("name", &ch.Name, creating)
	if s, ok := f.str("mac_address", false); ok || creating {
		mac := ""
		if s != nil {
			mac = strings.ToLower(strings.ReplaceAll(strings.TrimSpace(*s), "-", ":"))
		}
		if !macPattern.MatchString(mac) {
			if !f.v.Has("mac_address") {
				f.v.Add("mac_address", "must look like aa:bb:cc:dd:ee:ff")
			}
		} else {
			ch.MACAddress = mac
		}
	}
	if n, ok := f.int("unit"); ok {
		if n == nil || *n < 1 || *n > 1<<16 {
			if !f.v.Has("unit") {
				f.v.Add("unit", "must be a positive integer")
			}
		} else {
			ch.Unit = int(*n)
		}
	}
	if f.has("site_id") {
		id, _ := f.int("site_id")
		ch.SiteID = id
	}
	f.text("model", &ch.Model, 255)
	var long *string
	if f.text("model_long", &long, 255) {
		ch.ModelLong = ""
		if long != nil {
			ch.ModelLong = *long
		}
	}
	f.text("serial_number", &ch.SerialNumber, 255)
	f.text("card_format", &ch.CardFormat, 255)
	f.text("pin_format", &ch.PINFormat, 255)
}

// createChannel serves POST /api/3/channels (extension, 201 Channel): a
// new door starts offline, in normal mode, until its controller connects.
// Errors: 422.
func (a *API) createChannel(w http.ResponseWriter, r *http.Request, c *call) error {
	f, err := readResource(r, "channel")
	if err != nil {
		return err
	}
	ch := &domain.Channel{AccountID: c.p.AccountID, Unit: 1, CreatedAt: a.nowMS()}
	applyChannel(f, ch, true)
	if err := f.v.Err(); err != nil {
		return err
	}
	ch.Status, ch.Mode, ch.SyncStatus = "offline", domain.ModeNormal, "pending"
	if err := a.st.CreateChannel(r.Context(), ch); err != nil {
		return err
	}
	return a.writeChannel(r.Context(), w, ch, http.StatusCreated)
}

// updateChannel serves PUT /api/3/channels/{id} (extension, 200 Channel):
// descriptive fields only; fields left out keep their values. Mode and
// lockdown change through the channel commands. Errors: 404; 422.
func (a *API) updateChannel(w http.ResponseWriter, r *http.Request, c *call) error {
	ch, err := a.loadChannel(r, c)
	if err != nil {
		return err
	}
	f, err := readResource(r, "channel")
	if err != nil {
		return err
	}
	applyChannel(f, ch, false)
	if err := f.v.Err(); err != nil {
		return err
	}
	ch.UpdatedAt = a.nowMS()
	if err := a.st.UpdateChannel(r.Context(), ch); err != nil {
		return err
	}
	return a.writeChannel(r.Context(), w, ch, http.StatusOK)
}

// deleteChannel serves DELETE /api/3/channels/{id} (extension): the door
// goes with its role and reservation links and queued commands; events
// keep its name. Errors: 404.
func (a *API) deleteChannel(w http.ResponseWriter, r *http.Request, c *call) error {
	id, err := pathID(r, "id", "channel")
	if err != nil {
		return err
	}
	if err := a.st.DeleteChannel(r.Context(), c.p.AccountID, id); err != nil {
		return err
	}
	writeOK(w)
	return nil
}
