package domain

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"
)

// MobileCodeDigest returns the value a mobile credential holds for the
// code its holder's phone presents: the hex SHA-256 of the code, read
// case-insensitively and without spaces or dashes. The code itself is
// stored nowhere; a controller digests what is presented with this
// function before deciding, so the access list it holds opens no door by
// itself.
func MobileCodeDigest(code string) string {
	norm := strings.Map(func(r rune) rune {
		switch {
		case r == ' ' || r == '-' || r == '\t':
			return -1
		case r >= 'a' && r <= 'z':
			return r - 'a' + 'A'
		}
		return r
	}, code)
	sum := sha256.Sum256([]byte(norm))
	return hex.EncodeToString(sum[:])
}

// MobileInvitation is what issuing a mobile credential produced: the
// one-time activation link (a bearer secret: shown or sent only to the
// holder, never logged or stored), when it expires, and whether it was
// emailed to the holder.
type MobileInvitation struct {
	URL       string
	ExpiresAt time.Time
	Emailed   bool
}
