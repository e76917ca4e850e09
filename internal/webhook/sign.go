package webhook

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strconv"
	"strings"
)

// Request headers of a delivery.
const (
	HeaderSignature = "Signature"          // hex HMAC-SHA256 of "<timestamp>.<body>"
	HeaderTimestamp = "Timestamp"          // Unix seconds, decimal
	HeaderDelivery  = "X-Lintel-Delivery"  // delivery id: the same on every retry
	HeaderAttempt   = "X-Lintel-Attempt"   // 1 for the first attempt
	HeaderEvent     = "X-Lintel-Event-Id"  // the event the notification is about (event notifications)
	HeaderChange    = "X-Lintel-Change-Id" // the resource change it is about (PersonCredential notifications)
)

// Sign returns the Signature header for body sent at timestamp (Unix
// seconds): hex(HMAC-SHA256(secret, "<timestamp>.<body>")), which is what
// DoorFlow's SDK (webhooks.verify) checks.
func Sign(secret string, timestamp int64, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(strconv.FormatInt(timestamp, 10)))
	m.Write([]byte{'.'})
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// Verify reports whether signature is valid for body and timestamp, in
// constant time. Receivers should also reject old timestamps.
func Verify(secret, timestamp string, body []byte, signature string) bool {
	ts, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil || strconv.FormatInt(ts, 10) != timestamp {
		return false
	}
	return hmac.Equal([]byte(Sign(secret, ts, body)), []byte(signature))
}

// NewSecret returns a random signing secret ("whsec_" and 32 random bytes
// in base64url).
func NewSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return "whsec_" + base64.RawURLEncoding.EncodeToString(b)
}

// What an acknowledgement MAC authenticates: an event or a resource
// change. The MAC covers the kind, so a token for one never acknowledges
// the other, even when their ids are equal.
const (
	ackEvent  = "ack"
	ackChange = "ack-change"
)

// ackToken returns the acknowledgement token of an event notified to an
// endpoint: "<endpoint id>.<MAC>", so acknowledging needs no stored token
// and every retry carries the same one.
func ackToken(secret string, endpointID, eventID int64) string {
	return strconv.FormatInt(endpointID, 10) + "." + ackMAC(secret, ackEvent, endpointID, eventID)
}

// ackMAC is the MAC of the acknowledgement of event or change id (kind
// ackEvent or ackChange) notified to an endpoint.
func ackMAC(secret, kind string, endpointID, id int64) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(kind + ":" + strconv.FormatInt(endpointID, 10) + ":" + strconv.FormatInt(id, 10)))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:18])
}

// parseAckToken splits an ack token into endpoint id and MAC.
func parseAckToken(tok string) (int64, string, bool) {
	idPart, mac, ok := strings.Cut(tok, ".")
	if !ok || mac == "" || len(tok) > 64 {
		return 0, "", false
	}
	id, err := strconv.ParseInt(idPart, 10, 64)
	if err != nil || id <= 0 {
		return 0, "", false
	}
	return id, mac, true
}

// changeAckToken returns the acknowledgement token of a resource change
// notified to an endpoint: "<endpoint id>.<change id>.<MAC>". The change id
// is in the token because the resource URL names the credential, which
// several changes share.
func changeAckToken(secret string, endpointID, changeID int64) string {
	return strconv.FormatInt(endpointID, 10) + "." + strconv.FormatInt(changeID, 10) + "." +
		ackMAC(secret, ackChange, endpointID, changeID)
}

// parseChangeAckToken splits a change ack token into endpoint id, change
// id and MAC.
func parseChangeAckToken(tok string) (endpointID, changeID int64, mac string, ok bool) {
	endpointID, rest, ok := parseAckToken(tok)
	if !ok {
		return 0, 0, "", false
	}
	idPart, mac, ok := strings.Cut(rest, ".")
	if !ok || mac == "" {
		return 0, 0, "", false
	}
	changeID, err := strconv.ParseInt(idPart, 10, 64)
	if err != nil || changeID <= 0 {
		return 0, 0, "", false
	}
	return endpointID, changeID, mac, true
}
