// Package mobile makes mobile credentials usable: it issues them with a
// one-time invitation, serves the page on which the holder activates one,
// and shows the code their phone presents at a door as a QR code.
//
// Issue creates the credential (status invited, no value) and a one-time
// link /mobile/activate?token=SECRET, valid InvitationTTL; only the
// SHA-256 of SECRET is stored. The link is emailed to the person when an
// SMTP relay is configured and the person has an email address; otherwise
// (or when sending fails) the caller shows it to the operator to hand
// over. Renew replaces the link of a credential still invited.
//
// GET /mobile/activate shows the holder what they are activating and a
// button; nothing changes on GET, so a mail scanner following the link
// does not spend it. POST /mobile/activate spends the link and makes the
// credential active: its value becomes domain.MobileCodeDigest of a fresh
// 128-bit code, and the answer shows the code, once, as text and as a QR
// code drawn in inline SVG. The code is stored nowhere: controllers hold
// its digest and digest what a phone presents (`mobile CODE` at the
// reference agent). The pages send a Content-Security-Policy without
// scripts, no-store caching and no Referer (the token is in the URL).
//
// Revocation (store.RevokeMobileCredential) and its completion when the
// controllers have synced (store.NoteControllerSynced) are in the store;
// docs/mobile.md describes the whole life cycle.
package mobile
