// Package console is the operator console served at / by lintel serve and
// lintel demo: server-rendered html/template pages with their stylesheet
// and one small script of our own embedded in the binary (no Node at build
// time, no third-party script).
//
// Routes (every route in Register, one file per resource):
//
//	GET  /login, POST /login, POST /logout   sign-in shared with the OAuth pages
//	GET  /                                   dashboard: doors online/offline and modes, today's admits and denies, alarms, failing webhooks
//	GET  /doors, /doors/{id}                 doors by site, one door and its events
//	POST /doors/{id}/command                 action=unlock|normal|lockdown|unlockdown
//	POST /sites/{id}/command                 action=lockdown|unlockdown for every door of a site (0: doors without one)
//	GET  /people?q=&after=                   search (name or email prefix) and key-paged list
//	GET  /people/new, POST /people           create a person (multipart: with a photo, checked by internal/photo)
//	GET  /people/{id}, POST /people/{id}     a person: details, groups, validity, photo, credentials, events; edit (a new photo, remove_photo) or delete
//	POST /people/{id}/credentials            issue a card, fob, PIN (empty value: a random PIN, shown once) or mobile pass (its link emailed, or shown once)
//	POST /people/{id}/credentials/{uid}/revoke (a mobile pass: revoked, see docs/mobile.md; removed once revoked)
//	POST /people/{id}/credentials/{uid}/invite a new one-time invitation for a mobile pass still invited
//	GET  /people/import, POST /people/import CSV import: preview with per-row errors, then run (a job); rows match by email
//	GET  /people/import/jobs/{id}[/status]   an import job's progress and result (its status as JSON; import_jobs.go)
//	GET  /people/export.csv                  every person in the import's columns
//	GET  /events?door=&person=&outcome=&from=&to=&before=   the filterable log, newest first; its first page is live
//	GET  /events.csv                         the filtered log as CSV (up to 100,000 rows)
//	GET  /controllers, POST /controllers     enrol (the device secret and its command line shown once)
//	POST /controllers/{id}/revoke
//	GET  /settings, POST /settings           the account's name and time zone (owners change them)
//	GET  /settings/operators                 operators: role, status, last sign-in
//	POST /settings/operators                 invite (the link shown when no mail server is set)
//	POST /settings/operators/{id}/{action}   role, disable, enable, reset, unlock, totp
//	GET  /settings/audit?actor=&operator=&resource=&resource_id=&action=&from=&to=&before=   the audit log, newest first
//	GET  /settings/audit.csv                 the filtered audit log as CSV, streamed, oldest first
//	GET  /live                               server-sent events: "change" with the topics doors, events, people
//	GET  /groups, /groups/new, /groups/{id}?q=&after=   groups; one group's members a page at a time and people to add (search)
//	POST /groups, /groups/{id}               create; edit or action=delete
//	POST /groups/{id}/members                person_id with action=add|remove (one membership; PermPeople)
//	GET  /roles, /roles/new, /roles/{id}     roles: which groups open which doors, with which shift
//	POST /roles, /roles/{id}                 create; edit (groups and doors replaced) or action=delete
//	GET  /shifts, /shifts/new, /shifts/{id}  shifts, their windows and whether they are open now on each zone's clock (access.ShiftActive)
//	POST /shifts, /shifts/{id}               create; edit or action=delete
//	GET  /sites, /sites/new, /sites/{id}     sites, their time zone (IANA, checked), address and doors
//	POST /sites, /sites/{id}                 create; edit or action=delete (refused while doors belong to it)
//	GET  /reservations?page=                 current and future reservations and group reservations
//	POST /people/{id}/reservations           door_id..., date, start, end (HH:MM on the doors' site clock)
//	POST /reservations/{id}/delete
//	POST /people/{id}/group_reservations     group_id..., start, end (YYYY-MM-DDTHH:MM) in zone (the account's or a site's)
//	POST /group_reservations/{id}/cancel
//
// The developer portal (developers.go and dev_*.go; docs/developers.md):
//
//	GET  /developers, POST /developers/apps  OAuth applications; register one (oauth.CreateApp, the secret shown once)
//	GET  /developers/apps/{id}, POST ...     an application; change it (oauth.UpdateApp: suspending or narrowing revokes its tokens)
//	POST /developers/apps/{id}/secret        rotate the client secret (shown once)
//	POST /developers/apps/{id}/state         suspend or resume; .../delete; .../webhook sets its webhook URL (signing secret shown once)
//	GET  /developers/connected               applications connected to the account: consents and live token families
//	POST /developers/connected/{id}/disconnect       revoke every token, consent and unused code of the app in the account
//	POST /developers/connected/{id}/disconnect-mine  the same for the signed-in operator only (any role)
//	GET  /developers/keys, POST ...          personal API keys (the key shown once; scopes within the role); subscription keys
//	POST /developers/keys/{id}/revoke        one's own key (any role), or anyone's (developers)
//	POST /developers/subscriptions[/{id}/revoke|/required]  subscription keys and the account's requirement
//	GET  /developers/webhooks, POST ...      notification rules and application webhooks; add a rule (signing secret shown once)
//	GET  /developers/webhooks/{id}, POST ... a rule and its delivery log; change it; .../secret, .../delete
//	POST /developers/deliveries/{id}/replay  send a delivery again as a new one
//
// Managing integrations needs domain.PermDevelopers (admins and owners);
// the two writes on one's own access (disconnect-mine, revoking one's own
// key) need only PermRead.
//
// Sign-in, the session cookie, its CSRF token and the login throttling are
// the OAuth server's (oauth.Server.LoadBrowser, SignIn, SignOut): one
// session serves the console and the consent pages. Every page needs a
// signed-in operator; each route names the domain.Permission it needs, and
// the operator's role (roleOf) is checked on every request, so a control a
// role may not use is both left out of the page and refused with 403 when
// its form is forged. Every POST needs the session's CSRF token. Text no
// database can store (a NUL character, bytes that are not UTF-8) is
// refused with a 400 error page: in queries and small URL-encoded forms
// before any handler runs (httpx.CheckInput, wired by the app, which shows
// ErrorPage), in larger forms and multipart fields by handle, and in an
// imported CSV as a whole.
//
// Groups, roles, shifts and sites need PermConfigure to change;
// memberships and reservations need PermPeople. Each of these writes
// names its resource, id, action and fields for the audit log
// (store.WithOperation).
//
// Writes go through the store, whose domain rules apply as for the API;
// door commands go through the same function as the API's channel
// commands (api.DoorCommand): the door's state, the queued command and its
// event in one transaction, then the command offered to the controller.
//
// The Settings pages manage operators through the OAuth server's
// lifecycle functions (oauth.Server.Invite, UpdateOperator,
// DisableOperator, ...), the same as the CLI's, which check the role rules
// (authz.CheckManage) and the last-owner rule; the audit log is read with
// Store.AuditPage (keyset, newest first) and exported with
// Store.AuditEvents (streamed).
//
// An import runs as a job in the background (import_jobs.go): the rows
// without errors of the file, planned again as the preview plans them,
// are applied 500 to a transaction, on the request's context without its
// cancellation so that the writes are audited as the operator's. Jobs
// live in the Console's memory under a random id, bound to the account,
// one running per account, forgotten an hour after they end; Drain stops
// the running ones. The job's page polls its status (console.js) and
// reloads itself without a script.
//
// Live views subscribe to the store's change announcements (Store.Subscribe,
// with PostgreSQL NOTIFY from other servers): the browser holds one
// EventSource on /live and, for each topic that changed, fetches again the
// page fragments (?fragment=name) that show it. Nothing polls. Drain ends
// the streams when the server shuts down.
//
// Every page sends a Content-Security-Policy that allows scripts, styles
// and connections from this server only (no inline script or style),
// X-Frame-Options: DENY and Cache-Control: no-store. The session cookie is
// Secure when the public URL is https.
package console
