package api

import (
	"net/http"
	"strings"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/httpx"
)

// Scopes required by the routes, as the DoorFlow v3 contract lists them.
// A write scope also satisfies its ".readonly" form (domain.ScopeSet.Has).
const (
	scopePersonRead           = "account.person.readonly"
	scopePerson               = "account.person"
	scopeCredentialTypeRead   = "account.credential_type.readonly"
	scopeGroupRead            = "account.group.readonly"
	scopeRoleRead             = "account.role.readonly"
	scopeSiteRead             = "account.site.readonly"
	scopeChannelRead          = "account.channel.readonly"
	scopeEventRead            = "account.event.access.readonly"
	scopeReservationRead      = "account.reservation.readonly"
	scopeReservation          = "account.reservation"
	scopeGroupReservationRead = "account.group_reservation.readonly"
	scopeGroupReservation     = "account.group_reservation"
	scopeChannelAdmit         = "account.channel.admit"
	scopeChannelAdmitPerson   = "account.channel.admit.person"
	scopeNotificationRuleRead = "account.notification_rule.readonly"
	scopeNotificationRule     = "account.notification_rule"
	scopeSync                 = "account.sync"
)

// Register adds every /api/3 route, the extension routes and the legacy
// /api/2 person routes to mux. Unknown /api/3 and /api/2 paths answer 404
// in the DoorFlow shape; a trailing ".json" (legacy DoorFlow URLs) is
// accepted on every route.
func (a *API) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/3/account", a.route("", a.getAccount))

	mux.HandleFunc("GET /api/3/sites", a.route(scopeSiteRead, a.listSites))
	mux.HandleFunc("GET /api/3/channels", a.route(scopeChannelRead, a.listChannels))
	mux.HandleFunc("GET /api/3/channels/{id}", a.route(scopeChannelRead, a.getChannel))
	mux.HandleFunc("POST /api/3/channels/{id}/admit", a.route(scopeChannelAdmit, a.admitChannel))
	mux.HandleFunc("POST /api/3/channels/{id}/admit_person", a.route(scopeChannelAdmitPerson, a.admitPerson))
	mux.HandleFunc("POST /api/3/channels/{id}/lockdown", a.route(scopeChannelAdmit, a.lockdownChannel))
	mux.HandleFunc("POST /api/3/channels/{id}/unlockdown", a.route(scopeChannelAdmit, a.unlockdownChannel))
	mux.HandleFunc("POST /api/3/channels/{id}/unlock", a.route(scopeChannelAdmit, a.unlockChannel))
	mux.HandleFunc("POST /api/3/channels/{id}/normal", a.route(scopeChannelAdmit, a.normalChannel))
	mux.HandleFunc("POST /api/3/channels/{id}/auto_unlock", a.route(scopeChannelAdmit, a.autoUnlockChannel))
	mux.HandleFunc("POST /api/3/channels/{id}/regenerate_encryption_key", a.route(scopeChannelAdmit, a.regenerateEncryptionKey))
	mux.HandleFunc("POST /api/3/channels/{id}/remove_encryption_key", a.route(scopeChannelAdmit, a.removeEncryptionKey))
	// Either admit scope may follow an admission (the spec lists both).
	mux.HandleFunc("GET /api/3/admission_requests/{id}", a.route("", a.getAdmissionRequest))
	mux.HandleFunc("GET /api/3/credential_types", a.route(scopeCredentialTypeRead, a.listCredentialTypes))
	mux.HandleFunc("GET /api/3/groups", a.route(scopeGroupRead, a.listGroups))
	mux.HandleFunc("GET /api/3/roles", a.route(scopeRoleRead, a.listRoles))

	mux.HandleFunc("GET /api/3/people", a.route(scopePersonRead, a.listPeople))
	mux.HandleFunc("POST /api/3/people", a.route(scopePerson, a.createPerson))
	mux.HandleFunc("GET /api/3/people/{id}", a.route(scopePersonRead, a.getPerson))
	mux.HandleFunc("PUT /api/3/people/{id}", a.route(scopePerson, a.updatePerson))
	mux.HandleFunc("DELETE /api/3/people/{id}", a.route(scopePerson, a.deletePerson))

	mux.HandleFunc("GET /api/3/people/{person_id}/credentials", a.route(scopePersonRead, a.listPersonCredentials))
	mux.HandleFunc("POST /api/3/people/{person_id}/credentials", a.route(scopePerson, a.createCredential))
	mux.HandleFunc("GET /api/3/people/{person_id}/credentials/{id}", a.route(scopePersonRead, a.getCredential))
	mux.HandleFunc("PUT /api/3/people/{person_id}/credentials/{id}", a.route(scopePerson, a.updateCredential))
	mux.HandleFunc("DELETE /api/3/people/{person_id}/credentials/{id}", a.route(scopePerson, a.deleteCredential))
	mux.HandleFunc("GET /api/3/credentials", a.route(scopePersonRead, a.listAllCredentials))

	mux.HandleFunc("GET /api/3/events", a.route(scopeEventRead, a.listEvents))
	mux.HandleFunc("GET /api/3/events/{id}", a.route(scopeEventRead, a.getEvent))

	mux.HandleFunc("GET /api/3/reservations", a.route(scopeReservationRead, a.listReservations))
	mux.HandleFunc("POST /api/3/reservations", a.route(scopeReservation, a.createReservation))
	mux.HandleFunc("DELETE /api/3/reservations/{id}", a.route(scopeReservation, a.deleteReservation))

	mux.HandleFunc("GET /api/3/group_reservations", a.route(scopeGroupReservationRead, a.listGroupReservations))
	mux.HandleFunc("POST /api/3/group_reservations", a.route(scopeGroupReservation, a.createGroupReservation))
	mux.HandleFunc("DELETE /api/3/group_reservations/{id}", a.route(scopeGroupReservation, a.deleteGroupReservation))

	mux.HandleFunc("GET /api/3/notification_rules", a.route(scopeNotificationRuleRead, a.listNotificationRules))
	mux.HandleFunc("POST /api/3/notification_rules", a.route(scopeNotificationRule, a.createNotificationRule))
	mux.HandleFunc("GET /api/3/notification_rules/{id}", a.route(scopeNotificationRuleRead, a.getNotificationRule))
	mux.HandleFunc("PUT /api/3/notification_rules/{id}", a.route(scopeNotificationRule, a.updateNotificationRule))
	mux.HandleFunc("DELETE /api/3/notification_rules/{id}", a.route(scopeNotificationRule, a.deleteNotificationRule))

	mux.HandleFunc("POST /api/3/sync", a.route(scopeSync, a.initiateSync))

	a.registerExtensions(mux)
	a.registerLegacy(mux)

	mux.HandleFunc("/api/3/", a.fallback(mux))
	mux.HandleFunc("/api/2/", a.fallback(mux))
}

// fallback serves /api/3 and /api/2 paths no route matched: a legacy
// ".json" suffix is stripped and the request dispatched again; anything
// else is a 405 with Allow when the path exists with other methods, or a
// 404.
func (a *API) fallback(mux *http.ServeMux) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p, ok := strings.CutSuffix(r.URL.Path, ".json")
		if ok && (strings.HasPrefix(p, "/api/3/") || strings.HasPrefix(p, "/api/2/")) {
			r2 := r.Clone(r.Context())
			r2.URL.Path = p
			r2.URL.RawPath = ""
			mux.ServeHTTP(w, r2)
			return
		}
		if allow := httpx.AllowedMethods(mux, r); len(allow) > 0 {
			httpx.MethodNotAllowed(w, r, a.log, allow)
			return
		}
		httpx.WriteError(w, r, a.log, &domain.Error{Code: domain.ENOTFOUND, Message: "The requested resource was not found"})
	}
}
