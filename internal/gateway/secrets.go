package gateway

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
)

// APIKeyPrefix starts every personal API key, so a key is recognisable in
// a config file or a secret scanner.
const APIKeyPrefix = "lk_"

// apiKeyLen is the length of a personal API key: the prefix and 256 random
// bits in unpadded base64url.
const apiKeyLen = len(APIKeyPrefix) + 43

// subscriptionKeyLen is the length of a subscription key: 128 random bits
// in lower-case hex, the shape Azure API Management issues.
const subscriptionKeyLen = 32

// displayLen is how many characters of a key are kept in clear, to tell
// keys apart in listings.
const displayLen = 8

// newAPIKey mints a personal API key.
func newAPIKey() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand does not fail on supported platforms
	return APIKeyPrefix + base64.RawURLEncoding.EncodeToString(b)
}

// newSubscriptionKey mints a subscription key.
func newSubscriptionKey() string {
	b := make([]byte, subscriptionKeyLen/2)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Digest returns the hex SHA-256 of a key: the only form in which keys are
// stored. Keys are random values of at least 128 bits, so an unsalted hash
// resists guessing.
func Digest(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

// plausibleAPIKey reports whether s has the shape of a minted API key; it
// saves a database round trip for garbage.
func plausibleAPIKey(s string) bool {
	if len(s) != apiKeyLen || s[:len(APIKeyPrefix)] != APIKeyPrefix {
		return false
	}
	for i := len(APIKeyPrefix); i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// plausibleSubscriptionKey reports whether s has the shape of a minted
// subscription key (upper-case hex is tolerated and folded by the caller).
func plausibleSubscriptionKey(s string) bool {
	if len(s) != subscriptionKeyLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}
