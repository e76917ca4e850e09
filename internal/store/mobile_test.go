package store_test

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/store"
	"github.com/lintel-dev/lintel/internal/store/storetest"
)

// mobileFixture is an account with a mobile credential type and a person.
type mobileFixture struct {
	acct   *domain.Account
	typ    *domain.CredentialType
	person *domain.Person
}

func newMobileFixture(t *testing.T, s *store.Store) mobileFixture {
	t.Helper()
	ctx := context.Background()
	a := newAccount(t, s, "Mobile Co")
	typ := &domain.CredentialType{AccountID: a.ID, Label: "Mobile key", Slug: "mobile_key", Kind: domain.KindMobile}
	if err := s.CreateCredentialType(ctx, typ); err != nil {
		t.Fatal(err)
	}
	p := &domain.Person{AccountID: a.ID, FirstName: "Mo", LastName: "Bile", Enabled: true}
	if err := s.CreatePerson(ctx, p); err != nil {
		t.Fatal(err)
	}
	return mobileFixture{acct: a, typ: typ, person: p}
}

func (f mobileFixture) issue(t *testing.T, s *store.Store, secret string, at time.Time) *domain.Credential {
	t.Helper()
	c := &domain.Credential{AccountID: f.acct.ID, PersonID: f.person.ID, CredentialTypeID: f.typ.ID, CreatedAt: at}
	inv := &store.MobileInvitation{Digest: domain.MobileCodeDigest(secret), CreatedAt: at, ExpiresAt: at.Add(time.Hour)}
	if err := s.IssueMobileCredential(context.Background(), c, inv); err != nil {
		t.Fatal(err)
	}
	return c
}

func (f mobileFixture) controller(t *testing.T, s *store.Store, name string) *store.Controller {
	t.Helper()
	mac := "00:11:22:33:44:" + name
	c := &store.Controller{AccountID: f.acct.ID, Name: name, MACAddress: &mac, SecretDigest: domain.MobileCodeDigest(name), CreatedAt: time.Now()}
	if err := s.CreateController(context.Background(), c, nil); err != nil {
		t.Fatal(err)
	}
	return c
}

// updates returns the actions of the PersonCredential changes recorded
// for a credential, in order.
func credentialChanges(t *testing.T, s *store.Store, uid string) []string {
	t.Helper()
	cs, err := s.ListResourceChangesAfter(context.Background(), 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, c := range cs {
		if c.ResourceType == store.ResourcePersonCredential && c.ResourceID == uid {
			out = append(out, c.Action)
		}
	}
	return out
}

func status(c *domain.Credential) string {
	if c == nil || c.Status == nil {
		return "<nil>"
	}
	return *c.Status
}

func TestMobileCredentialLifecycle(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := newMobileFixture(t, s)
		now := time.Now().UTC().Truncate(time.Millisecond)
		c := f.issue(t, s, "secret-1", now)
		if status(c) != store.MobileInvited || c.Value != nil {
			t.Fatalf("issued %+v", c)
		}
		// A second mobile credential of the type is refused while one is held.
		dup := &domain.Credential{AccountID: f.acct.ID, PersonID: f.person.ID, CredentialTypeID: f.typ.ID, CreatedAt: now}
		if err := s.IssueMobileCredential(ctx, dup, &store.MobileInvitation{Digest: "x", CreatedAt: now, ExpiresAt: now.Add(time.Hour)}); domain.ErrorCode(err) != domain.ECONFLICT {
			t.Fatalf("second mobile credential: %v", err)
		}
		d := domain.MobileCodeDigest("secret-1")
		if _, _, err := s.GetMobileInvitation(ctx, d, now.Add(2*time.Hour)); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("expired invitation: %v", err)
		}
		if _, _, err := s.GetMobileInvitation(ctx, "nope", now); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("unknown invitation: %v", err)
		}
		if _, got, err := s.GetMobileInvitation(ctx, d, now); err != nil || got.ID != c.ID {
			t.Fatalf("invitation: %+v %v", got, err)
		}
		// Expired invitations do not activate.
		if _, err := s.ActivateMobileCredential(ctx, d, "v", now.Add(time.Hour)); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("activate expired: %v", err)
		}
		value := domain.MobileCodeDigest("CODE")
		act, err := s.ActivateMobileCredential(ctx, d, value, now.Add(time.Minute))
		if err != nil || status(act) != store.MobileActive || act.Value == nil || *act.Value != value {
			t.Fatalf("activate: %+v %v", act, err)
		}
		if _, err := s.ActivateMobileCredential(ctx, d, domain.MobileCodeDigest("OTHER"), now.Add(time.Minute)); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("second activation: %v", err)
		}
		// Two live controllers: revoking until both asked for changes after
		// the revocation; a revoked controller does not count.
		c1, c2 := f.controller(t, s, "01"), f.controller(t, s, "02")
		gone := f.controller(t, s, "03")
		if err := s.RevokeController(ctx, f.acct.ID, gone.ID, now); err != nil {
			t.Fatal(err)
		}
		rev, removed, err := s.RevokeMobileCredential(ctx, f.acct.ID, f.person.ID, c.UID, now.Add(2*time.Minute))
		if err != nil || removed || status(rev) != store.MobileRevoking {
			t.Fatalf("revoke: %+v %v %v", rev, removed, err)
		}
		seq, err := s.AccessSeq(ctx, f.acct.ID)
		if err != nil {
			t.Fatal(err)
		}
		if done, err := s.NoteControllerSynced(ctx, f.acct.ID, c1.ID, seq, now); err != nil || len(done) != 0 {
			t.Fatalf("first controller: %v %v", done, err)
		}
		if done, err := s.NoteControllerSynced(ctx, f.acct.ID, c2.ID, seq-1, now); err != nil || len(done) != 0 {
			t.Fatalf("second controller behind: %v %v", done, err)
		}
		if got, _ := s.GetCredential(ctx, f.acct.ID, f.person.ID, c.UID); status(got) != store.MobileRevoking {
			t.Fatalf("before every controller synced: %s", status(got))
		}
		done, err := s.NoteControllerSynced(ctx, f.acct.ID, c2.ID, seq, now)
		if err != nil || len(done) != 1 || done[0].UID != c.UID || status(done[0]) != store.MobileRevoked {
			t.Fatalf("second controller synced: %v %v", done, err)
		}
		// Revoking again changes nothing; deleting a revoked one removes it.
		if _, removed, err := s.RevokeMobileCredential(ctx, f.acct.ID, f.person.ID, c.UID, now); err != nil || !removed {
			t.Fatalf("remove revoked: %v %v", removed, err)
		}
		if got := credentialChanges(t, s, c.UID); len(got) != 5 || got[0] != store.ChangeCreate || got[1] != store.ChangeUpdate ||
			got[2] != store.ChangeUpdate || got[3] != store.ChangeUpdate || got[4] != store.ChangeDestroy {
			t.Fatalf("changes %v, want CREATE, UPDATE (active), UPDATE (revoking), UPDATE (revoked), DESTROY", got)
		}

		// An invited credential is revoked at once and its link dies; a
		// revoked credential is replaced by a new invitation.
		c = f.issue(t, s, "secret-2", now)
		if got, _, err := s.RevokeMobileCredential(ctx, f.acct.ID, f.person.ID, c.UID, now); err != nil || status(got) != store.MobileRevoked {
			t.Fatalf("revoke invited: %v %v", status(got), err)
		}
		if _, _, err := s.GetMobileInvitation(ctx, domain.MobileCodeDigest("secret-2"), now); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("link of a revoked credential: %v", err)
		}
		again := f.issue(t, s, "secret-3", now)
		if again.UID == c.UID || status(again) != store.MobileInvited {
			t.Fatalf("reissued %+v", again)
		}
		if got := credentialChanges(t, s, c.UID); got[len(got)-1] != store.ChangeDestroy {
			t.Fatalf("replaced credential changes %v", got)
		}

		// Revoking the controller that holds a revocation back finishes it.
		if _, err := s.ActivateMobileCredential(ctx, domain.MobileCodeDigest("secret-3"), domain.MobileCodeDigest("CODE3"), now); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.RevokeMobileCredential(ctx, f.acct.ID, f.person.ID, again.UID, now); err != nil {
			t.Fatal(err)
		}
		seq, _ = s.AccessSeq(ctx, f.acct.ID)
		if _, err := s.NoteControllerSynced(ctx, f.acct.ID, c1.ID, seq, now); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.GetCredential(ctx, f.acct.ID, f.person.ID, again.UID); status(got) != store.MobileRevoking {
			t.Fatalf("held back by the second controller: %s", status(got))
		}
		if err := s.RevokeController(ctx, f.acct.ID, c2.ID, now); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.GetCredential(ctx, f.acct.ID, f.person.ID, again.UID); status(got) != store.MobileRevoked {
			t.Fatalf("after revoking the lagging controller: %s", status(got))
		}
	})
}

func TestMobileRevocationWithoutControllersIsImmediate(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := newMobileFixture(t, s)
		now := time.Now().UTC()
		c := f.issue(t, s, "s", now)
		if _, err := s.ActivateMobileCredential(ctx, domain.MobileCodeDigest("s"), domain.MobileCodeDigest("C"), now); err != nil {
			t.Fatal(err)
		}
		got, _, err := s.RevokeMobileCredential(ctx, f.acct.ID, f.person.ID, c.UID, now)
		if err != nil || status(got) != store.MobileRevoked {
			t.Fatalf("revoke without controllers: %s %v", status(got), err)
		}
	})
}

// samplePhoto is a file with every byte value, as a photo's bytes may be.
func samplePhoto() []byte {
	b := []byte("\x89PNG\r\n\x1a\n")
	for i := range 4096 {
		b = append(b, byte(i), byte(255-i%256))
	}
	return b
}

func TestPersonImages(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := newMobileFixture(t, s)
		img := &store.PersonImage{ContentType: "image/png", Data: samplePhoto(), Thumbnail: []byte{0xff, 0xd8, 0, 1, 2}, CreatedAt: time.Now()}
		if err := s.SetPersonImage(ctx, f.person, img); err != nil {
			t.Fatal(err)
		}
		key, ok := store.IsStoredImage(f.person.ImageURL)
		if !ok || key != img.Key {
			t.Fatalf("image url %v, key %s", f.person.ImageURL, img.Key)
		}
		p, err := s.GetPerson(ctx, f.acct.ID, f.person.ID)
		if err != nil || p.ImageURL == nil || *p.ImageURL != store.PersonImagePath(key) {
			t.Fatalf("person image url %v %v", p.ImageURL, err)
		}
		got, err := s.GetPersonImage(ctx, key)
		if err != nil || !bytes.Equal(got.Data, img.Data) || !bytes.Equal(got.Thumbnail, img.Thumbnail) || got.ContentType != "image/png" {
			t.Fatalf("read back: %v", err)
		}
		// A new photo gets a new key; the old key names nothing.
		if err := s.SetPersonImage(ctx, p, &store.PersonImage{ContentType: "image/jpeg", Data: []byte{1}, Thumbnail: []byte{2}}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.GetPersonImage(ctx, key); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("old key: %v", err)
		}
		// A remote URL replacing it drops the stored photo.
		newKey, _ := store.IsStoredImage(p.ImageURL)
		p.ImageURL = strp("https://example.com/me.jpg")
		if err := s.UpdatePerson(ctx, p, false, false); err != nil {
			t.Fatal(err)
		}
		if err := s.DropStaleImage(ctx, p); err != nil {
			t.Fatal(err)
		}
		if _, err := s.GetPersonImage(ctx, newKey); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("replaced by a remote URL: %v", err)
		}
	})
}

// TestCopyKeepsPhotosAndMobileCredentials copies a SQLite database holding
// a photo (every byte value) and an activated mobile credential to each
// backend, and reads both back through the store.
func TestCopyKeepsPhotosAndMobileCredentials(t *testing.T) {
	ctx := context.Background()
	src := storetest.Open(t, storetest.Backend{Name: "sqlite", DSN: filepath.Join(t.TempDir(), "source.db")})
	f := newMobileFixture(t, src)
	now := time.Now().UTC().Truncate(time.Millisecond)
	img := &store.PersonImage{ContentType: "image/png", Data: samplePhoto(), Thumbnail: []byte{0xff, 0xd8, 0xff, 0}, CreatedAt: now}
	if err := src.SetPersonImage(ctx, f.person, img); err != nil {
		t.Fatal(err)
	}
	c := f.issue(t, src, "s", now)
	if _, err := src.ActivateMobileCredential(ctx, domain.MobileCodeDigest("s"), domain.MobileCodeDigest("CODE"), now); err != nil {
		t.Fatal(err)
	}
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			dst, err := store.Open(ctx, b.DSN)
			if err != nil {
				t.Fatal(err)
			}
			defer dst.Close()
			if _, err := store.Copy(ctx, src, dst, store.CopyOptions{Replace: true}); err != nil {
				t.Fatal(err)
			}
			got, err := dst.GetPersonImage(ctx, img.Key)
			if err != nil || !bytes.Equal(got.Data, img.Data) || !bytes.Equal(got.Thumbnail, img.Thumbnail) {
				t.Fatalf("photo after copy: %v", err)
			}
			cr, err := dst.GetCredential(ctx, f.acct.ID, f.person.ID, c.UID)
			if err != nil || status(cr) != store.MobileActive || *cr.Value != domain.MobileCodeDigest("CODE") {
				t.Fatalf("mobile credential after copy: %+v %v", cr, err)
			}
		})
	}
}
