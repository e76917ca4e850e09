package oauth

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/store"
)

// secretBytes is the entropy of every secret this package mints: client
// secrets, codes, access and refresh tokens and session ids (256 bits).
const secretBytes = 32

// secretLen is the length of a minted secret in base64url (no padding).
const secretLen = 43

// newSecret returns a fresh random secret as unpadded base64url text.
// crypto/rand never fails on supported platforms (it panics rather than
// return short reads), so no error is returned.
func newSecret() string {
	b := make([]byte, secretBytes)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// digest returns the hex SHA-256 of a secret: the only form in which any
// secret is stored. The secrets are 256-bit random values, so a plain hash
// is enough (no salt or stretching is needed against guessing).
func digest(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// Access and refresh tokens begin with the time they were minted: the
// first 6 of their 32 bytes are the Unix time in milliseconds, the other
// 26 (208 bits) random. They are stored under tokenKey: that time in hex,
// which holds no random bit, then the digest. Keys so sort by minting
// time, and storing a token adds to the last page of the token index
// rather than to a random page of it: a rotation writes a few pages, not
// one per token. Tokens minted before this scheme are stored under their
// bare digest; findToken looks for that when the key is not found.

// newToken returns a fresh access or refresh token minted at now.
func newToken(now time.Time) string {
	// The time takes 8 bytes here, of which the token keeps the low 6
	// (the top two are zero until the year 10889).
	var b [2 + secretBytes]byte
	_, _ = rand.Read(b[8:])
	binary.BigEndian.PutUint64(b[:8], uint64(now.UnixMilli()))
	return base64.RawURLEncoding.EncodeToString(b[2:])
}

// tokenTime is the minting time an access or refresh token's first 8
// characters hold, in hex ("" for a string too short to hold one).
func tokenTime(raw string) string {
	var t [6]byte
	if len(raw) < 8 {
		return ""
	}
	if _, err := base64.RawURLEncoding.Decode(t[:], []byte(raw[:8])); err != nil {
		return ""
	}
	return hex.EncodeToString(t[:])
}

// tokenKey is what an access or refresh token is stored under: its
// minting time, then its digest.
func tokenKey(raw string) string { return tokenTime(raw) + digest(raw) }

// findToken looks a presented access or refresh token up with get (one
// of the store's token reads): under its key, or else, for a token
// minted before tokens had a key, under its digest.
func findToken(ctx context.Context, get func(context.Context, string) (*store.OAuthTokenRecord, error), raw string) (*store.OAuthTokenRecord, error) {
	d := digest(raw)
	rec, err := get(ctx, tokenTime(raw)+d)
	if domain.ErrorCode(err) == domain.ENOTFOUND {
		return get(ctx, d)
	}
	return rec, err
}

// digestEqual compares two digests in constant time.
func digestEqual(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// plausibleSecret reports whether s has the shape of a secret this package
// minted. It saves a database round trip for garbage input.
func plausibleSecret(s string) bool {
	if len(s) != secretLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// csrfToken derives the CSRF token of a browser session from the session's
// cookie value. Only the holder of the cookie can compute it, so a page
// from another site cannot forge a form post.
func csrfToken(cookieValue string) string {
	m := hmac.New(sha256.New, []byte(cookieValue))
	m.Write([]byte("lintel oauth csrf v1"))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// csrfValid checks a submitted CSRF token against the session cookie in
// constant time.
func csrfValid(cookieValue, submitted string) bool {
	if cookieValue == "" || submitted == "" {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(csrfToken(cookieValue)), []byte(submitted)) == 1
}

// pkceS256 returns the S256 code challenge of a verifier.
func pkceS256(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// pkceShapeOK reports whether s is 43 to 128 characters of the PKCE
// alphabet (RFC 7636 section 4.1), which both verifiers and S256
// challenges must be.
func pkceShapeOK(s string) bool {
	if len(s) < 43 || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~') {
			return false
		}
	}
	return true
}
