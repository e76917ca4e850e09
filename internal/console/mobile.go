package console

import (
	"net/http"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
)

// registerMobile adds the mobile pass routes of a person's page.
func (c *Console) registerMobile(mux *http.ServeMux) {
	mux.Handle("POST /people/{id}/credentials/{uid}/invite", c.handle(domain.PermPeople, c.credentialInvite))
}

// invitationNotice tells the operator where a mobile pass invitation went:
// emailed, or the one-time link to hand over (shown on this answer only,
// never put in a URL).
func invitationNotice(p *domain.Person, inv *domain.MobileInvitation, loc *time.Location) string {
	until := inv.ExpiresAt.In(loc).Format("2 Jan 2006 15:04")
	if inv.Emailed {
		return "Invitation emailed to " + deref(p.Email) + "; it works once, until " + until + "."
	}
	return "Hand this one-time link to " + p.FirstName + " (it works once, until " + until + "): " + inv.URL
}

// credentialInvite is POST /people/{id}/credentials/{uid}/invite: a new
// invitation for a mobile pass still invited (earlier links stop
// working). A pass that is not invited any more is a form error.
func (c *Console) credentialInvite(w http.ResponseWriter, r *http.Request, q *req) error {
	id, err := pathID(r, "person")
	if err != nil {
		return err
	}
	p, err := c.st.GetPerson(r.Context(), q.acct.ID, id)
	if err != nil {
		return err
	}
	if c.renew == nil {
		return c.renderPerson(w, r, q, http.StatusUnprocessableEntity, p, nil, "Mobile credentials are not available on this server.", "")
	}
	inv, err := c.renew(r.Context(), q.acct.ID, p.ID, r.PathValue("uid"))
	if domain.ErrorCode(err) == domain.ECONFLICT {
		return c.renderPerson(w, r, q, http.StatusUnprocessableEntity, p, nil, describe(err), "")
	}
	if err != nil {
		return err
	}
	return c.renderPerson(w, r, q, http.StatusOK, p, nil, "", invitationNotice(p, inv, q.loc))
}
