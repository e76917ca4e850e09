package lintel_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lintel-dev/lintel/internal/app"
	"github.com/lintel-dev/lintel/internal/store/storetest"
	lintel "github.com/lintel-dev/lintel/sdk"
)

// browserOnly are the operations of the served description that are pages
// for the operator's browser, not calls an integration makes: the SDK
// sends the browser to authorizeOAuth (AuthCodeURL) and the operator signs
// in, consents and signs out there.
var browserOnly = map[string]string{
	"submitAuthorizeForm": "the sign-in and consent form the operator fills in",
	"showLogout":          "the operator's sign-out page",
	"logout":              "the operator's sign-out form",
	// The operator's own account: one-time links, second factor, password.
	"showInvitation":            "the page an invited operator sets a password on",
	"acceptInvitation":          "the invited operator's password form",
	"showPasswordReset":         "the page a password reset link opens",
	"resetPassword":             "the password reset form",
	"showForgotPassword":        "the forgotten-password page",
	"requestPasswordReset":      "the forgotten-password form",
	"showSecondFactor":          "the one-time code page at sign-in",
	"checkSecondFactor":         "the one-time code form at sign-in",
	"showPasswordChange":        "the signed-in operator's password page",
	"changePassword":            "the signed-in operator's password form",
	"showSecondFactorEnrolment": "the signed-in operator's second factor page",
	"enrolSecondFactor":         "the signed-in operator's second factor form",
	// The mobile pass holder's pages, opened on their phone from the
	// invitation link (Credential.URL), never by an integration.
	"showMobileActivation": "the page a mobile pass invitation link opens on the holder's phone",
	"activateMobilePass":   "the holder's activation button, which shows their code once",
}

// opFixture carries ids between the operations of one run.
type opFixture struct {
	c    *lintel.Client
	auth *lintel.Auth
	srv  *server
	hc   *http.Client

	front, channel, site, credType, pinType, mobileType, person, john, group, role, shift, rule, res, gres, event, admission int64
	cred, johnBadge                                                                                                          string

	photo  []byte         // the PNG sent as Ada's image_base64
	before *lintel.Person // Ada as read before her photo was replaced
}

// testPNG is a w×h PNG of a diagonal gradient.
func testPNG(w, h int) []byte {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.NRGBA{R: uint8(x), G: uint8(y), B: uint8(x + y), A: 0xff})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		panic(err)
	}
	return b.Bytes()
}

type opCall struct {
	op   string
	call func(ctx context.Context, f *opFixture) error
}

// expect turns an unexpected result into an error.
func expect(ok bool, format string, args ...any) error {
	if ok {
		return nil
	}
	return fmt.Errorf(format, args...)
}

// operations calls every operation of the API through the SDK, in an
// order where each finds what it needs.
var operations = []opCall{
	{"getHealth", func(ctx context.Context, f *opFixture) error {
		h, err := f.c.Service.Health(ctx)
		if err != nil {
			return err
		}
		return expect(h.Status == "ok", "health %+v", h)
	}},
	{"getReadiness", func(ctx context.Context, f *opFixture) error {
		r, err := f.c.Service.Ready(ctx)
		if err != nil {
			return err
		}
		return expect(r.Status == "ok" && r.Database != "", "readiness %+v", r)
	}},
	{"getAuthorizationServerMetadata", func(ctx context.Context, f *opFixture) error {
		m, err := f.c.Service.AuthorizationServer(ctx)
		if err != nil {
			return err
		}
		return expect(strings.HasSuffix(m.TokenEndpoint, "/oauth/token") && len(m.ScopesSupported) > 0, "metadata %+v", m)
	}},
	{"getOpenAPIDocument", func(ctx context.Context, f *opFixture) error {
		b, err := f.c.Service.OpenAPI(ctx)
		if err != nil {
			return err
		}
		return expect(json.Valid(b), "not JSON")
	}},
	{"authorizeOAuth", func(ctx context.Context, f *opFixture) error {
		// The SDK builds the URL; the browser opens it.
		req, err := f.auth.AuthCodeURL("account.person")
		if err != nil {
			return err
		}
		resp, err := f.hc.Get(req.URL)
		if err != nil {
			return err
		}
		resp.Body.Close()
		return expect(resp.StatusCode == 200, "authorize page: %d", resp.StatusCode)
	}},
	{"getAccessToken", func(ctx context.Context, f *opFixture) error {
		before, _ := f.auth.Token(ctx)
		t, err := f.auth.Refresh(ctx)
		if err != nil {
			return err
		}
		return expect(t.AccessToken != before.AccessToken && t.RefreshToken != before.RefreshToken, "refresh returned the same tokens")
	}},
	{"getTokenInfo", func(ctx context.Context, f *opFixture) error {
		ti, err := f.c.Account.TokenInfo(ctx)
		if err != nil {
			return err
		}
		return expect(len(ti.Scope) > 10 && ti.ExpiresIn > 0, "token info %+v", ti)
	}},
	{"revokeToken", func(ctx context.Context, f *opFixture) error {
		other, err := lintel.NewAuth(f.srv.authConfig(&lintel.MemoryStorage{}, f.hc))
		if err != nil {
			return err
		}
		if _, err := other.PasswordLogin(ctx, f.srv.demo.AdminEmail, f.srv.demo.AdminPassword, "account.person.readonly"); err != nil {
			return err
		}
		oc, _ := lintel.NewClient(f.srv.BaseURL(), lintel.WithAuth(other))
		if _, err := oc.Account.Get(ctx); err != nil {
			return err
		}
		if err := other.Disconnect(ctx); err != nil {
			return err
		}
		_, err = oc.Account.Get(ctx)
		return expect(errors.Is(err, lintel.ErrNotConnected), "after disconnect: %v", err)
	}},
	{"getAccount", func(ctx context.Context, f *opFixture) error {
		a, err := f.c.Account.Get(ctx)
		if err != nil {
			return err
		}
		return expect(a.ID == f.srv.demo.AccountID && a.Name == "CoWork HQ" && a.User.Email == f.srv.demo.AdminEmail, "account %+v", a)
	}},
	{"listSites", func(ctx context.Context, f *opFixture) error {
		sites, info, err := f.c.Sites.List(ctx, nil)
		if err != nil {
			return err
		}
		return expect(len(sites) == 2 && info.Total == 2, "sites %d %+v", len(sites), info)
	}},
	{"createSite", func(ctx context.Context, f *opFixture) error {
		s, err := f.c.Sites.Create(ctx, &lintel.SiteInput{Name: lintel.Ptr("Islington"), TimeZone: lintel.Ptr("Europe/London"), SiteIPs: []string{"192.0.2.0/28"}})
		if err != nil {
			return err
		}
		f.site = s.ID
		return expect(len(s.SiteIPs) == 1 && s.SiteIPs[0].IPAddress == "192.0.2.0/28", "site %+v", s)
	}},
	{"updateSite", func(ctx context.Context, f *opFixture) error {
		s, err := f.c.Sites.Update(ctx, f.site, &lintel.SiteInput{Notes: lintel.Ptr("Opening in spring")})
		if err != nil {
			return err
		}
		return expect(s.Name == "Islington" && s.Notes != nil && *s.Notes == "Opening in spring", "site %+v", s)
	}},
	{"listChannels", func(ctx context.Context, f *opFixture) error {
		for ch, err := range f.c.Channels.All(ctx, nil) {
			if err != nil {
				return err
			}
			if ch.Name == "Front Door" {
				f.front = ch.ID
			}
		}
		return expect(f.front != 0, "no Front Door")
	}},
	{"getChannel", func(ctx context.Context, f *opFixture) error {
		ch, err := f.c.Channels.Get(ctx, f.front)
		if err != nil {
			return err
		}
		return expect(ch.Mode.Description == "normal" && ch.MACAddress != "", "channel %+v", ch)
	}},
	{"createChannel", func(ctx context.Context, f *opFixture) error {
		ch, err := f.c.Channels.Create(ctx, &lintel.ChannelInput{Name: lintel.Ptr("Islington Door"), MACAddress: lintel.Ptr("00:1a:2b:3c:4d:99"), SiteID: &f.site})
		if err != nil {
			return err
		}
		f.channel = ch.ID
		return expect(ch.Status == "offline" && ch.SiteID != nil && *ch.SiteID == f.site, "channel %+v", ch)
	}},
	{"updateChannel", func(ctx context.Context, f *opFixture) error {
		ch, err := f.c.Channels.Update(ctx, f.channel, &lintel.ChannelInput{Name: lintel.Ptr("Islington Entrance")})
		if err != nil {
			return err
		}
		return expect(ch.Name == "Islington Entrance", "channel %+v", ch)
	}},
	{"lockdownChannel", func(ctx context.Context, f *opFixture) error {
		ch, err := f.c.Channels.Lockdown(ctx, f.channel, lintel.LockdownOptions{CardLockdown: true, REXLockdown: true})
		if err != nil {
			return err
		}
		return expect(ch.Lockdown != nil && ch.Lockdown.CardLockdown.State && ch.Lockdown.REXLockdown.State && !ch.Lockdown.AUXLockdown.State, "lockdown %+v", ch.Lockdown)
	}},
	{"unlockdownChannel", func(ctx context.Context, f *opFixture) error {
		ch, err := f.c.Channels.Unlockdown(ctx, f.channel)
		if err != nil {
			return err
		}
		return expect(ch.Lockdown == nil, "still locked down: %+v", ch.Lockdown)
	}},
	{"unlockChannel", func(ctx context.Context, f *opFixture) error {
		ch, err := f.c.Channels.Unlock(ctx, f.channel, time.Now().Add(time.Hour))
		if err != nil {
			return err
		}
		if ch.Mode.Description != "unlock" || ch.Mode.RelockAt == nil {
			return fmt.Errorf("mode %+v", ch.Mode)
		}
		// A door held open cannot admit: the 400 carries the door.
		_, err = f.c.Channels.Admit(ctx, f.channel)
		var e *lintel.Error
		return expect(errors.As(err, &e) && e.StatusCode == 400 && e.Channel != nil && e.Channel.ID == f.channel, "admit while unlocked: %v", err)
	}},
	{"normalChannel", func(ctx context.Context, f *opFixture) error {
		ch, err := f.c.Channels.Normal(ctx, f.channel)
		if err != nil {
			return err
		}
		return expect(ch.Mode.Description == "normal", "mode %+v", ch.Mode)
	}},
	{"listShifts", func(ctx context.Context, f *opFixture) error {
		shifts, err := f.c.Shifts.List(ctx)
		if err != nil {
			return err
		}
		return expect(len(shifts) == 3, "%d shifts", len(shifts))
	}},
	{"createShift", func(ctx context.Context, f *opFixture) error {
		s, err := f.c.Shifts.Create(ctx, &lintel.ShiftInput{Name: lintel.Ptr("Weekend"), Windows: []lintel.ShiftWindow{{Days: []int{0, 6}, Start: "10:00", End: "16:00"}}})
		if err != nil {
			return err
		}
		f.shift = s.ID
		return expect(len(s.Windows) == 1, "shift %+v", s)
	}},
	{"getShift", func(ctx context.Context, f *opFixture) error {
		s, err := f.c.Shifts.Get(ctx, f.shift)
		if err != nil {
			return err
		}
		return expect(s.Name == "Weekend", "shift %+v", s)
	}},
	{"updateShift", func(ctx context.Context, f *opFixture) error {
		s, err := f.c.Shifts.Update(ctx, f.shift, &lintel.ShiftInput{Windows: []lintel.ShiftWindow{{Days: []int{6}, Start: "09:00", End: "24:00"}}})
		if err != nil {
			return err
		}
		return expect(s.Windows[0].End == "24:00", "shift %+v", s)
	}},
	{"autoUnlockChannel", func(ctx context.Context, f *opFixture) error {
		ch, err := f.c.Channels.AutoUnlock(ctx, f.channel, f.shift)
		if err != nil {
			return err
		}
		if ch.AutoUnlock == nil || ch.AutoUnlock.ID != f.shift {
			return fmt.Errorf("auto unlock %+v", ch.AutoUnlock)
		}
		if _, err := f.c.Channels.AutoUnlock(ctx, f.channel, 0); err != nil {
			return err
		}
		_, err = f.c.Channels.AutoUnlock(ctx, f.channel, 999999)
		var e *lintel.Error
		return expect(errors.As(err, &e) && e.StatusCode == 400 && strings.Contains(e.Message, "No shift found"), "unknown shift: %v", err)
	}},
	{"regenerateEncryptionKey", func(ctx context.Context, f *opFixture) error {
		ch, err := f.c.Channels.RegenerateEncryptionKey(ctx, f.channel)
		if err != nil {
			return err
		}
		return expect(ch.Status == "pending_encryption", "status %s", ch.Status)
	}},
	{"removeEncryptionKey", func(ctx context.Context, f *opFixture) error {
		ch, err := f.c.Channels.RemoveEncryptionKey(ctx, f.channel)
		if err != nil {
			return err
		}
		return expect(ch.Status != "pending_encryption", "status %s", ch.Status)
	}},
	{"admitChannel", func(ctx context.Context, f *opFixture) error {
		ad, err := f.c.Channels.Admit(ctx, f.front)
		if err != nil {
			return err
		}
		f.admission = ad.AdmissionRequestID
		return expect(ad.Status == "offline", "admission %+v (no controller is connected)", ad)
	}},
	{"getAdmissionRequest", func(ctx context.Context, f *opFixture) error {
		ar, err := f.c.AdmissionRequests.Get(ctx, f.admission)
		if err != nil {
			return err
		}
		return expect(ar.ChannelID == f.front && ar.Status == "offline", "admission request %+v", ar)
	}},
	{"listCredentialTypes", func(ctx context.Context, f *opFixture) error {
		for ct, err := range f.c.CredentialTypes.All(ctx) {
			if err != nil {
				return err
			}
			switch ct.Kind() {
			case "pin":
				f.pinType = ct.ID
			case "mobile":
				f.mobileType = ct.ID
			}
		}
		return expect(f.pinType != 0 && f.mobileType != 0, "PIN type %d, mobile type %d", f.pinType, f.mobileType)
	}},
	{"createCredentialType", func(ctx context.Context, f *opFixture) error {
		ct, err := f.c.CredentialTypes.Create(ctx, &lintel.CredentialTypeInput{Label: lintel.Ptr("Visitor badge"), Kind: lintel.Ptr("card")})
		if err != nil {
			return err
		}
		f.credType = ct.ID
		return expect(ct.Slug == "visitor_badge" && ct.Kind() == "card", "type %+v", ct)
	}},
	{"updateCredentialType", func(ctx context.Context, f *opFixture) error {
		ct, err := f.c.CredentialTypes.Update(ctx, f.credType, &lintel.CredentialTypeInput{Label: lintel.Ptr("Guest badge")})
		if err != nil {
			return err
		}
		return expect(ct.Label == "Guest badge", "type %+v", ct)
	}},
	{"listGroups", func(ctx context.Context, f *opFixture) error {
		groups, err := f.c.Groups.List(ctx)
		if err != nil {
			return err
		}
		return expect(len(groups) == 3, "%d groups", len(groups))
	}},
	{"createGroup", func(ctx context.Context, f *opFixture) error {
		g, err := f.c.Groups.Create(ctx, &lintel.GroupInput{Name: lintel.Ptr("Night owls"), GlobalAcrossSites: lintel.Ptr(false)})
		if err != nil {
			return err
		}
		f.group = g.ID
		return expect(!g.GlobalAcrossSites, "group %+v", g)
	}},
	{"updateGroup", func(ctx context.Context, f *opFixture) error {
		g, err := f.c.Groups.Update(ctx, f.group, &lintel.GroupInput{Notes: lintel.Ptr("After 22:00")})
		if err != nil {
			return err
		}
		return expect(g.Notes != nil && *g.Notes == "After 22:00", "group %+v", g)
	}},
	{"listRoles", func(ctx context.Context, f *opFixture) error {
		roles, err := f.c.Roles.List(ctx)
		if err != nil {
			return err
		}
		return expect(len(roles) == 4, "%d roles", len(roles))
	}},
	{"createRole", func(ctx context.Context, f *opFixture) error {
		r, err := f.c.Roles.Create(ctx, &lintel.RoleInput{Name: lintel.Ptr("Night owls - Islington"), GroupIDs: []int64{f.group}, ChannelIDs: []int64{f.channel}})
		if err != nil {
			return err
		}
		f.role = r.ID
		return expect(len(r.GroupIDs) == 1 && len(r.ChannelIDs) == 1 && r.ShiftID == nil, "role %+v", r)
	}},
	{"updateRole", func(ctx context.Context, f *opFixture) error {
		r, err := f.c.Roles.Update(ctx, f.role, &lintel.RoleInput{ShiftID: &f.shift})
		if err != nil {
			return err
		}
		return expect(r.ShiftID != nil && *r.ShiftID == f.shift, "role %+v", r)
	}},
	{"listPeople", func(ctx context.Context, f *opFixture) error {
		n := 0
		for _, err := range f.c.People.All(ctx, &lintel.PeopleListOptions{ListOptions: lintel.ListOptions{PerPage: 20}}) {
			if err != nil {
				return err
			}
			n++
		}
		john, err := f.c.People.FindByEmail(ctx, "JOHN.DOE@example.com")
		if err != nil || john == nil {
			return fmt.Errorf("John Doe: %v %v", john, err)
		}
		f.john = john.ID
		return expect(n == 50 && john.CredentialValues["credentials_number"] != "", "%d people; John %+v", n, john)
	}},
	{"createPerson", func(ctx context.Context, f *opFixture) error {
		f.photo = testPNG(200, 100)
		p, err := f.c.People.Create(ctx, &lintel.PersonInput{FirstName: lintel.Ptr("Ada"), LastName: lintel.Ptr("Lovelace"),
			Email: lintel.Ptr("ada@example.com"), GroupIDs: []int64{f.group}, SystemID: lintel.Ptr("sdk-1"),
			ImageBase64:      lintel.Ptr(base64.StdEncoding.EncodeToString(f.photo)),
			CredentialValues: map[string]string{"key_fob_number": "55501234"}})
		if err != nil {
			return err
		}
		f.person = p.ID
		if len(p.GroupIDs) != 1 || p.CredentialValues["key_fob_number"] != "55501234" || !p.Enabled {
			return fmt.Errorf("person %+v", p)
		}
		if p.ImageURL == nil || p.ImageThumbnailURL == nil || *p.ImageThumbnailURL != *p.ImageURL+"/thumbnail" ||
			!strings.HasPrefix(*p.ImageURL, f.srv.BaseURL()+"/media/people/") {
			return fmt.Errorf("photo URLs %v %v", p.ImageURL, p.ImageThumbnailURL)
		}
		_, err = f.c.People.Create(ctx, &lintel.PersonInput{LastName: lintel.Ptr("Nobody")})
		var e *lintel.Error
		return expect(errors.As(err, &e) && e.StatusCode == 422 && len(e.Fields["first_name"]) > 0, "no first name: %v", err)
	}},
	{"getPerson", func(ctx context.Context, f *opFixture) error {
		p, err := f.c.People.Get(ctx, f.person)
		if err != nil {
			return err
		}
		if _, err := f.c.People.Get(ctx, 99999999); !lintel.IsNotFound(err) {
			return fmt.Errorf("unknown person: %v", err)
		}
		return expect(p.Name() == "Ada Lovelace", "person %+v", p)
	}},
	{"updatePerson", func(ctx context.Context, f *opFixture) error {
		p, err := f.c.People.SetGroups(ctx, f.person, nil)
		if err != nil {
			return err
		}
		if len(p.GroupIDs) != 0 || p.Email == nil {
			return fmt.Errorf("after SetGroups(nil): %+v", p)
		}
		p, err = f.c.People.Update(ctx, f.person, &lintel.PersonInput{JobTitle: lintel.Ptr("Analyst"), GroupIDs: []int64{f.group}})
		if err != nil {
			return err
		}
		return expect(p.JobTitle != nil && *p.JobTitle == "Analyst" && len(p.GroupIDs) == 1, "person %+v", p)
	}},
	{"getPersonPhoto", func(ctx context.Context, f *opFixture) error {
		p, err := f.c.People.Get(ctx, f.person)
		if err != nil {
			return err
		}
		f.before = p
		img, err := f.c.People.Photo(ctx, p)
		if err != nil {
			return err
		}
		if img.ContentType != "image/png" || !bytes.Equal(img.Data, f.photo) {
			return fmt.Errorf("photo %s, %d bytes (sent %d)", img.ContentType, len(img.Data), len(f.photo))
		}
		_, err = f.c.People.Photo(ctx, &lintel.Person{ID: 1})
		return expect(errors.Is(err, lintel.ErrNoPhoto), "a person without a photo: %v", err)
	}},
	{"getPersonPhotoThumbnail", func(ctx context.Context, f *opFixture) error {
		img, err := f.c.People.PhotoThumbnail(ctx, f.before)
		if err != nil {
			return err
		}
		cfg, err := jpeg.DecodeConfig(bytes.NewReader(img.Data))
		if err != nil || img.ContentType != "image/jpeg" || cfg.Width != 128 || cfg.Height != 64 {
			return fmt.Errorf("thumbnail %s %+v %v", img.ContentType, cfg, err)
		}
		// A new photo gets new URLs; the old ones answer 410.
		p, err := f.c.People.Update(ctx, f.person, &lintel.PersonInput{ImageBase64: lintel.Ptr(base64.StdEncoding.EncodeToString(testPNG(10, 20)))})
		if err != nil {
			return err
		}
		if p.ImageURL == nil || *p.ImageURL == *f.before.ImageURL {
			return fmt.Errorf("photo URL after a new photo: %v", p.ImageURL)
		}
		img, err = f.c.People.PhotoThumbnail(ctx, p)
		if err != nil {
			return err
		}
		if cfg, err = jpeg.DecodeConfig(bytes.NewReader(img.Data)); err != nil || cfg.Width != 10 || cfg.Height != 20 {
			return fmt.Errorf("thumbnail of the new photo %+v %v", cfg, err)
		}
		_, err = f.c.People.PhotoThumbnail(ctx, f.before)
		var e *lintel.Error
		return expect(lintel.IsGone(err) && errors.As(err, &e) && strings.Contains(e.Message, "replaced"), "the old thumbnail: %v", err)
	}},
	{"listAuditEvents", func(ctx context.Context, f *opFixture) error {
		// Ada was updated three times: groups, job title, photo.
		opt := &lintel.AuditEventListOptions{ListOptions: lintel.ListOptions{PerPage: 2}, Resource: "people",
			ResourceID: strconv.FormatInt(f.person, 10), Action: "update", ActorType: "app", Since: time.Now().Add(-time.Hour)}
		evs, info, err := f.c.AuditEvents.List(ctx, opt)
		if err != nil {
			return err
		}
		if len(evs) != 2 || info.Total != 3 || !info.HasNext(len(evs)) {
			return fmt.Errorf("%d audit events %+v", len(evs), info)
		}
		newest := evs[0]
		if newest.Actor == "" || newest.UserID == nil || newest.ResourceID == nil || *newest.ResourceID != opt.ResourceID ||
			newest.Changes["image_base64"] == nil || newest.CreatedAt.IsZero() || !newest.CreatedAt.After(evs[1].CreatedAt.Add(-time.Second)) {
			return fmt.Errorf("newest audit event %+v", newest)
		}
		n := 0
		for ev, err := range f.c.AuditEvents.All(ctx, opt) {
			if err != nil {
				return err
			}
			if ev.Action != "update" || ev.ActorType != "app" {
				return fmt.Errorf("audit event %+v", ev)
			}
			n++
		}
		if n != 3 {
			return fmt.Errorf("All gave %d audit events", n)
		}
		_, _, err = f.c.AuditEvents.List(ctx, &lintel.AuditEventListOptions{ActorID: 5})
		var e *lintel.Error
		return expect(errors.As(err, &e) && e.StatusCode == 400 && strings.Contains(e.Message, "actor_type"), "actor_id alone: %v", err)
	}},
	{"admitPerson", func(ctx context.Context, f *opFixture) error {
		// Ada's group opens only the new door, so the front door refuses her.
		_, err := f.c.Channels.AdmitPerson(ctx, f.front, f.person)
		var e *lintel.Error
		return expect(errors.As(err, &e) && e.StatusCode == 403 && e.Code == "Access denied" && e.Message != "", "admit Ada: %v", err)
	}},
	{"createCredential", func(ctx context.Context, f *opFixture) error {
		cr, err := f.c.Credentials.Create(ctx, f.person, lintel.CredentialInput{CredentialTypeID: f.pinType, Value: lintel.AutoPIN})
		if err != nil {
			return err
		}
		f.cred = cr.ID
		if cr.Value == nil || !regexp.MustCompile(`^\d{4,8}$`).MatchString(*cr.Value) {
			return fmt.Errorf("generated PIN %+v", cr)
		}
		// A badge value already held by John cannot go to Ada too.
		badge, err := f.c.Credentials.Create(ctx, f.john, lintel.CredentialInput{CredentialTypeID: f.credType, Value: "77700001"})
		if err != nil {
			return err
		}
		f.johnBadge = badge.ID
		if err := mobilePassLifecycle(ctx, f); err != nil {
			return err
		}
		_, err = f.c.Credentials.Create(ctx, f.person, lintel.CredentialInput{CredentialTypeID: f.credType, Value: "77700001"})
		var e *lintel.Error
		if errors.As(err, &e) && e.StatusCode == 409 {
			return expect(e.Credential != nil && e.Credential.ID == badge.ID, "409 without the existing credential: %v", err)
		}
		return expect(errors.As(err, &e) && e.StatusCode == 422 && len(e.Fields["value"]) > 0, "a value in use: %v", err)
	}},
	{"getCredential", func(ctx context.Context, f *opFixture) error {
		cr, err := f.c.Credentials.Get(ctx, f.person, f.cred)
		if err != nil {
			return err
		}
		return expect(cr.PersonID == f.person && cr.CredentialTypeID == f.pinType, "credential %+v", cr)
	}},
	{"updateCredential", func(ctx context.Context, f *opFixture) error {
		cr, err := f.c.Credentials.Update(ctx, f.person, f.cred, "80451927")
		if err != nil {
			return err
		}
		return expect(cr.Value != nil && *cr.Value == "80451927", "credential %+v", cr)
	}},
	{"listPersonCredentials", func(ctx context.Context, f *opFixture) error {
		n := 0
		for _, err := range f.c.Credentials.All(ctx, f.person) {
			if err != nil {
				return err
			}
			n++
		}
		return expect(n == 2, "%d credentials (fob and PIN)", n)
	}},
	{"listAllCredentials", func(ctx context.Context, f *opFixture) error {
		list, info, err := f.c.Credentials.ListAll(ctx, &lintel.ListOptions{PerPage: 10})
		if err != nil {
			return err
		}
		return expect(len(list) == 10 && info.Total > 60 && info.HasNext(len(list)), "%d credentials %+v", len(list), info)
	}},
	{"deleteCredential", func(ctx context.Context, f *opFixture) error {
		pending, err := f.c.Credentials.Delete(ctx, f.person, f.cred)
		if err != nil {
			return err
		}
		_, err = f.c.Credentials.Get(ctx, f.person, f.cred)
		return expect(!pending && lintel.IsNotFound(err), "after delete: pending %v, %v", pending, err)
	}},
	{"listEvents", func(ctx context.Context, f *opFixture) error {
		evs, _, err := f.c.Events.List(ctx, &lintel.EventListOptions{LastName: "Doe", PerPage: 5})
		if err != nil {
			return err
		}
		if len(evs) == 0 {
			return errors.New("no events of John Doe")
		}
		f.event = evs[0].ID
		_, _, err = f.c.Events.List(ctx, &lintel.EventListOptions{EventCodes: []int{999}})
		var e *lintel.Error
		return expect(errors.As(err, &e) && e.StatusCode == 400 && strings.Contains(e.Message, "999"), "code 999: %v", err)
	}},
	{"getEvent", func(ctx context.Context, f *opFixture) error {
		ev, err := f.c.Events.Get(ctx, f.event)
		if err != nil {
			return err
		}
		return expect(ev.PersonName != nil && strings.Contains(*ev.PersonName, "Doe"), "event %+v", ev)
	}},
	{"streamEvents", func(ctx context.Context, f *opFixture) error {
		ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		for ev, err := range f.c.Events.Stream(ctx, &lintel.StreamOptions{LastEventID: f.event - 1}) {
			if err != nil {
				return err
			}
			return expect(ev.ID > f.event-1, "stream sent event %d", ev.ID)
		}
		return errors.New("the stream ended without an event")
	}},
	{"listReservations", func(ctx context.Context, f *opFixture) error {
		_, _, err := f.c.Reservations.List(ctx, nil)
		return err
	}},
	{"createReservation", func(ctx context.Context, f *opFixture) error {
		loc, _ := time.LoadLocation("Europe/London")
		day := time.Now().In(loc).AddDate(0, 0, 2)
		start := time.Date(day.Year(), day.Month(), day.Day(), 10, 0, 0, 0, loc)
		r, err := f.c.Reservations.Create(ctx, lintel.ReservationInput{PersonID: f.person, StartTime: start, EndTime: start.Add(2 * time.Hour), ChannelIDs: []int64{f.front}})
		if err != nil {
			return err
		}
		f.res = r.ID
		return expect(r.StartTime.Equal(start) && len(r.ChannelIDs) == 1, "reservation %+v", r)
	}},
	{"listGroupReservations", func(ctx context.Context, f *opFixture) error {
		n := 0
		for _, err := range f.c.GroupReservations.All(ctx, nil) {
			if err != nil {
				return err
			}
			n++
		}
		return expect(n >= 2, "%d group reservations", n)
	}},
	{"createGroupReservation", func(ctx context.Context, f *opFixture) error {
		start := time.Now().Add(24 * time.Hour).Truncate(time.Second)
		g, err := f.c.GroupReservations.Create(ctx, lintel.GroupReservationInput{PersonID: f.person, StartTime: start, EndTime: start.Add(72 * time.Hour), GroupIDs: []int64{f.group}})
		if err != nil {
			return err
		}
		f.gres = g.ID
		return expect(g.State == "pending", "group reservation %+v", g)
	}},
	{"listNotificationRules", func(ctx context.Context, f *opFixture) error {
		_, err := f.c.NotificationRules.List(ctx)
		return err
	}},
	{"createNotificationRule", func(ctx context.Context, f *opFixture) error {
		r, err := f.c.NotificationRules.Create(ctx, &lintel.NotificationRuleInput{Name: "Tamper alerts", CallBackURL: "https://hooks.example.com/tamper",
			MatchEventCodes: []int{90}, MatchControllerIDs: []int64{f.front}})
		if err != nil {
			return err
		}
		f.rule = r.ID
		return expect(r.Active && len(r.Events) == 1 && len(r.Conditions) == 1 && r.Actions[0].Data == "https://hooks.example.com/tamper", "rule %+v", r)
	}},
	{"getNotificationRule", func(ctx context.Context, f *opFixture) error {
		r, err := f.c.NotificationRules.Get(ctx, f.rule)
		if err != nil {
			return err
		}
		return expect(r.Name == "Tamper alerts", "rule %+v", r)
	}},
	{"updateNotificationRule", func(ctx context.Context, f *opFixture) error {
		r, err := f.c.NotificationRules.Update(ctx, f.rule, &lintel.NotificationRuleInput{Name: "Tamper", CallBackURL: "https://hooks.example.com/t2",
			MatchEventCodes: []int{90, 91}, Active: lintel.Ptr(false)})
		if err != nil {
			return err
		}
		return expect(!r.Active && len(r.Events) == 2 && len(r.Conditions) == 0, "rule %+v", r)
	}},
	{"deleteNotificationRule", func(ctx context.Context, f *opFixture) error {
		return f.c.NotificationRules.Delete(ctx, f.rule)
	}},
	{"initiateSync", func(ctx context.Context, f *opFixture) error {
		if err := f.c.Sync.Start(ctx); err != nil {
			return err
		}
		err := f.c.Sync.Start(ctx) // too soon: DoorFlow's 429, not retried
		var e *lintel.Error
		return expect(errors.As(err, &e) && e.StatusCode == 429 && e.RetryAfter > 0, "second sync: %v", err)
	}},
	{"deleteGroupReservation", func(ctx context.Context, f *opFixture) error {
		return f.c.GroupReservations.Delete(ctx, f.gres)
	}},
	{"deleteReservation", func(ctx context.Context, f *opFixture) error {
		return f.c.Reservations.Delete(ctx, f.res)
	}},
	{"deletePerson", func(ctx context.Context, f *opFixture) error {
		if err := f.c.People.Delete(ctx, f.person); err != nil {
			return err
		}
		_, err := f.c.People.Get(ctx, f.person)
		return expect(lintel.IsNotFound(err), "after delete: %v", err)
	}},
	{"deleteRole", func(ctx context.Context, f *opFixture) error { return f.c.Roles.Delete(ctx, f.role) }},
	{"deleteShift", func(ctx context.Context, f *opFixture) error { return f.c.Shifts.Delete(ctx, f.shift) }},
	{"deleteGroup", func(ctx context.Context, f *opFixture) error { return f.c.Groups.Delete(ctx, f.group) }},
	{"deleteCredentialType", func(ctx context.Context, f *opFixture) error {
		if !lintel.IsConflict(f.c.CredentialTypes.Delete(ctx, f.credType)) {
			return errors.New("a type in use was deleted")
		}
		if _, err := f.c.Credentials.Delete(ctx, f.john, f.johnBadge); err != nil {
			return err
		}
		return f.c.CredentialTypes.Delete(ctx, f.credType)
	}},
	{"deleteChannel", func(ctx context.Context, f *opFixture) error { return f.c.Channels.Delete(ctx, f.channel) }},
	{"deleteSite", func(ctx context.Context, f *opFixture) error {
		if err := f.c.Sites.Delete(ctx, f.site); err != nil {
			return err
		}
		err := f.c.Sites.Delete(ctx, f.site)
		return expect(lintel.IsNotFound(err), "second delete: %v", err)
	}},
}

// mobilePassLifecycle issues Ada a mobile pass (no mail server: the
// answer carries the link), revokes it while invited, and removes it.
func mobilePassLifecycle(ctx context.Context, f *opFixture) error {
	mp, err := f.c.Credentials.Create(ctx, f.person, lintel.CredentialInput{CredentialTypeID: f.mobileType})
	if err != nil {
		return err
	}
	if !mp.StatusIs(lintel.CredentialInvited) || mp.Value != nil || mp.URL == nil ||
		!strings.HasPrefix(*mp.URL, f.srv.BaseURL()+"/mobile/activate?token=") ||
		mp.InvitationEmailed == nil || *mp.InvitationEmailed || mp.InvitationExpiresAt == nil ||
		mp.InvitationExpiresAt.Sub(time.Now()) < 6*24*time.Hour {
		return fmt.Errorf("mobile pass %+v", mp)
	}
	pending, err := f.c.Credentials.Delete(ctx, f.person, mp.ID)
	if err != nil || !pending {
		return fmt.Errorf("revoke an invited pass: pending %v, %v", pending, err)
	}
	got, err := f.c.Credentials.Get(ctx, f.person, mp.ID)
	if err != nil {
		return err
	}
	if !got.StatusIs(lintel.CredentialRevoked) || got.URL != nil || got.InvitationEmailed != nil {
		return fmt.Errorf("revoked pass %+v", got)
	}
	if pending, err = f.c.Credentials.Delete(ctx, f.person, mp.ID); err != nil || pending {
		return fmt.Errorf("remove a revoked pass: pending %v, %v", pending, err)
	}
	_, err = f.c.Credentials.Get(ctx, f.person, mp.ID)
	return expect(lintel.IsNotFound(err), "a removed pass: %v", err)
}

// specOp is one operation of the served description.
type specOp struct {
	method string
	path   *regexp.Regexp
	raw    string
}

// servedOperations reads the description a running server serves.
func servedOperations(t *testing.T, c *lintel.Client) map[string]specOp {
	t.Helper()
	b, err := c.Service.OpenAPI(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	ops := map[string]specOp{}
	param := regexp.MustCompile(`\\\{[^}]+\\\}`)
	for path, methods := range doc.Paths {
		re := regexp.MustCompile("^" + param.ReplaceAllString(regexp.QuoteMeta(path), `[^/]+`) + "$")
		for m, raw := range methods {
			var op struct {
				OperationID string `json:"operationId"`
			}
			if json.Unmarshal(raw, &op) != nil || op.OperationID == "" {
				continue
			}
			ops[op.OperationID] = specOp{method: strings.ToUpper(m), path: re, raw: strings.ToUpper(m) + " " + path}
		}
	}
	return ops
}

// TestEveryOperation calls every operation of the description the server
// serves through the SDK, against a real Lintel on each database, checks
// that each call sent that operation's method and path, and fails when the
// description has an operation the SDK does not cover.
func TestEveryOperation(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			srv := startServer(t, b, app.Options{})
			rec := &recorder{}
			hc := &http.Client{Transport: rec, Timeout: 30 * time.Second}
			auth := srv.connect(t, &lintel.MemoryStorage{}, hc)
			c, err := lintel.NewClient(srv.BaseURL(), lintel.WithAuth(auth), lintel.WithHTTPClient(hc))
			if err != nil {
				t.Fatal(err)
			}
			spec := servedOperations(t, c)
			f := &opFixture{c: c, auth: auth, srv: srv, hc: hc}
			covered := map[string]bool{}
			ctx := context.Background()
			for _, oc := range operations {
				op, ok := spec[oc.op]
				if !ok {
					t.Errorf("%s is called but not in the served description", oc.op)
					continue
				}
				rec.take()
				if err := oc.call(ctx, f); err != nil {
					t.Fatalf("%s (%s): %v", oc.op, op.raw, err)
				}
				sent := rec.take()
				for _, s := range sent {
					m, p, _ := strings.Cut(s, " ")
					if m == op.method && op.path.MatchString(p) {
						covered[oc.op] = true
					}
				}
				if !covered[oc.op] {
					t.Errorf("%s: the SDK sent %v, none of them %s", oc.op, sent, op.raw)
				}
			}
			var missing []string
			for id, op := range spec {
				if !covered[id] && browserOnly[id] == "" {
					missing = append(missing, id+" ("+op.raw+")")
				}
			}
			sort.Strings(missing)
			for _, m := range missing {
				t.Errorf("the served description has %s, which the SDK does not cover", m)
			}
		})
	}
}
