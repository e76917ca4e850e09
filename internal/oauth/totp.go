package oauth

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/lintel-dev/lintel/internal/store"
)

// totpPeriod is the TOTP time step; codes of the step before and after
// the current one are accepted too (clock drift).
const totpPeriod = 30

// totpKeySetting names the server setting that holds the TOTP sealing key
// when Config.TOTPKey is not given.
const totpKeySetting = "totp_key"

// totpKey returns the 32-byte key TOTP secrets are sealed with:
// Config.TOTPKey, or else a random key kept in the settings table (created
// on first use, shared by every server on the database).
func (s *Server) totpKey(ctx context.Context) ([]byte, error) {
	if len(s.totpSealKey) == 32 {
		return s.totpSealKey, nil
	}
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	v, err := s.store.EnsureSetting(store.WithoutActor(ctx), totpKeySetting, hex.EncodeToString(b))
	if err != nil {
		return nil, err
	}
	key, err := hex.DecodeString(v)
	if err != nil || len(key) != 32 {
		return nil, errors.New("oauth: the stored TOTP key is malformed")
	}
	return key, nil
}

// sealTOTP encrypts a TOTP secret with AES-256-GCM: "v1:" and the base64
// of nonce and ciphertext.
func (s *Server) sealTOTP(ctx context.Context, secret string) (string, error) {
	key, err := s.totpKey(ctx)
	if err != nil {
		return "", err
	}
	block, _ := aes.NewCipher(key)
	gcm, _ := cipher.NewGCM(block)
	nonce := make([]byte, gcm.NonceSize())
	_, _ = rand.Read(nonce)
	return "v1:" + base64.RawStdEncoding.EncodeToString(gcm.Seal(nonce, nonce, []byte(secret), []byte("lintel totp"))), nil
}

// openTOTP decrypts a sealed TOTP secret.
func (s *Server) openTOTP(ctx context.Context, sealed string) (string, error) {
	key, err := s.totpKey(ctx)
	if err != nil {
		return "", err
	}
	raw, ok := strings.CutPrefix(sealed, "v1:")
	if !ok {
		return "", errors.New("oauth: unknown TOTP seal")
	}
	b, err := base64.RawStdEncoding.DecodeString(raw)
	if err != nil {
		return "", fmt.Errorf("oauth: TOTP seal: %w", err)
	}
	block, _ := aes.NewCipher(key)
	gcm, _ := cipher.NewGCM(block)
	if len(b) < gcm.NonceSize() {
		return "", errors.New("oauth: TOTP seal too short")
	}
	plain, err := gcm.Open(nil, b[:gcm.NonceSize()], b[gcm.NonceSize():], []byte("lintel totp"))
	if err != nil {
		return "", errors.New("oauth: the TOTP secret cannot be opened with this key")
	}
	return string(plain), nil
}

var totpOpts = totp.ValidateOpts{Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// totpStep returns the time step whose code code is, among the steps
// around now, or false.
func totpStep(secret, code string, now time.Time) (int64, bool) {
	code = strings.ReplaceAll(strings.TrimSpace(code), " ", "")
	if len(code) != 6 {
		return 0, false
	}
	step := now.Unix() / totpPeriod
	for _, st := range []int64{step - 1, step, step + 1} {
		want, err := totp.GenerateCodeCustom(secret, time.Unix(st*totpPeriod, 0), totpOpts)
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return st, true
		}
	}
	return 0, false
}

// checkTOTP verifies a code against the operator's sealed secret and
// spends its time step (confirm also turns TOTP on). It reports false for
// a wrong code or one already used.
func (s *Server) checkTOTP(ctx context.Context, userID int64, code string, confirm bool) (bool, error) {
	st, err := s.store.GetUserTOTP(ctx, userID)
	if err != nil {
		return false, err
	}
	if st.Sealed == "" {
		return false, nil
	}
	secret, err := s.openTOTP(ctx, st.Sealed)
	if err != nil {
		return false, err
	}
	step, ok := totpStep(secret, code, s.now())
	if !ok {
		return false, nil
	}
	return s.store.UseTOTPStep(ctx, userID, step, confirm, s.now())
}
