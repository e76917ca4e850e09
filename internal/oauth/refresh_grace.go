package oauth

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"time"
)

// DefaultRefreshGrace is how long a rotated refresh token may be presented
// again and get the same new pair (Config.RefreshGrace).
const DefaultRefreshGrace = 30 * time.Second

// The refresh grace window. Two workers that share one token file may
// both refresh with the same refresh token at once; strict reuse
// detection would revoke the whole family and make a person consent
// again. Instead, when a refresh token is rotated, the new pair is kept
// with the old token, sealed (AES-256-GCM) under a key derived from the
// old refresh token itself, which the server does not store (it keeps
// only its SHA-256 digest). Presenting the old token again within the
// window, by the same client, unseals and returns the same pair. After
// the window the sealed pair is cleared and a replay revokes the family
// as before.

// graceKey derives the sealing key from the raw refresh token. It is an
// HMAC keyed with the token, so it cannot be computed from the stored
// digest (SHA-256 of the token).
func graceKey(rawRefresh string) []byte {
	m := hmac.New(sha256.New, []byte(rawRefresh))
	m.Write([]byte("lintel refresh grace v1"))
	return m.Sum(nil)
}

// sealSuccessor encrypts the token response a refresh token was rotated
// into, bound to that token's digest.
func sealSuccessor(rawRefresh, tokenDigest string, resp *tokenResponse) (string, error) {
	plain, err := json.Marshal(resp)
	if err != nil {
		return "", err
	}
	aead, err := graceAEAD(rawRefresh)
	if err != nil {
		return "", err
	}
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	out := aead.Seal(nonce, nonce, plain, []byte(tokenDigest))
	return base64.RawURLEncoding.EncodeToString(out), nil
}

var errSealed = errors.New("oauth: sealed successor does not open")

// openSuccessor decrypts what sealSuccessor sealed.
func openSuccessor(rawRefresh, tokenDigest, sealed string) (*tokenResponse, error) {
	b, err := base64.RawURLEncoding.DecodeString(sealed)
	if err != nil {
		return nil, errSealed
	}
	aead, err := graceAEAD(rawRefresh)
	if err != nil {
		return nil, err
	}
	if len(b) < aead.NonceSize() {
		return nil, errSealed
	}
	plain, err := aead.Open(nil, b[:aead.NonceSize()], b[aead.NonceSize():], []byte(tokenDigest))
	if err != nil {
		return nil, errSealed
	}
	var resp tokenResponse
	if err := json.Unmarshal(plain, &resp); err != nil || resp.AccessToken == "" || resp.RefreshToken == "" {
		return nil, errSealed
	}
	return &resp, nil
}

func graceAEAD(rawRefresh string) (cipher.AEAD, error) {
	block, err := aes.NewCipher(graceKey(rawRefresh))
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}
