package webhook

import (
	"encoding/json"
	"testing"
)

// The vector comes from the DoorFlow SDK's webhooks/verify.js:
// generateTestSignature(body, "1712049196", "whsec_test") is
// hex(HMAC-SHA256(secret, timestamp + "." + body)).
const (
	sdkBody = `[{"action":"CREATE","resource":"https://lintel.example/api/3/events/42?ack_token=7.abc","resource_type":"Event","resource_id":"42","account_id":"nbYfy7","ack_token":"7.abc"}]`
	sdkSig  = "13d3477b7a613f6b61af60beceaa2b4c7225f8da0b523677f261beced6355196"
)

func TestSignMatchesDoorFlowSDK(t *testing.T) {
	if got := Sign("whsec_test", 1712049196, []byte(sdkBody)); got != sdkSig {
		t.Fatalf("Sign = %s, want the SDK's %s", got, sdkSig)
	}
	if !Verify("whsec_test", "1712049196", []byte(sdkBody), sdkSig) {
		t.Fatal("Verify rejected the SDK vector")
	}
	for _, tc := range []struct{ secret, ts, body, sig string }{
		{"whsec_other", "1712049196", sdkBody, sdkSig},
		{"whsec_test", "1712049197", sdkBody, sdkSig},
		{"whsec_test", "01712049196", sdkBody, sdkSig},
		{"whsec_test", "x", sdkBody, sdkSig},
		{"whsec_test", "1712049196", sdkBody + " ", sdkSig},
		{"whsec_test", "1712049196", sdkBody, ""},
	} {
		if Verify(tc.secret, tc.ts, []byte(tc.body), tc.sig) {
			t.Errorf("Verify accepted %+v", tc)
		}
	}
}

func TestAckToken(t *testing.T) {
	tok := ackToken("s", 7, 42)
	id, mac, ok := parseAckToken(tok)
	if !ok || id != 7 || mac != ackMAC("s", ackEvent, 7, 42) {
		t.Fatalf("round trip %q -> %d %q %v", tok, id, mac, ok)
	}
	if ackMAC("s", ackEvent, 7, 43) == mac || ackMAC("t", ackEvent, 7, 42) == mac || ackMAC("s", ackEvent, 8, 42) == mac {
		t.Fatal("the MAC must bind the event, the endpoint and the secret")
	}
	if ackMAC("s", ackChange, 7, 42) == mac {
		t.Fatal("an event's MAC must not acknowledge the change with the same id")
	}
	for _, bad := range []string{"", "7", ".abc", "x.abc", "-1.abc", "7."} {
		if _, _, ok := parseAckToken(bad); ok {
			t.Errorf("parseAckToken(%q) accepted", bad)
		}
	}
}

func TestChangeAckToken(t *testing.T) {
	tok := changeAckToken("s", 7, 42)
	ep, change, mac, ok := parseChangeAckToken(tok)
	if !ok || ep != 7 || change != 42 || mac != ackMAC("s", ackChange, 7, 42) {
		t.Fatalf("round trip %q -> %d %d %q %v", tok, ep, change, mac, ok)
	}
	if _, evMAC, _ := parseAckToken(ackToken("s", 7, 42)); evMAC == mac {
		t.Fatal("a change's MAC must not acknowledge the event with the same id")
	}
	for _, bad := range []string{"", "7", "7.42", "7.42.", "7.x.abc", "7.-42.abc", "7.0.abc", "x.42.abc"} {
		if _, _, _, ok := parseChangeAckToken(bad); ok {
			t.Errorf("parseChangeAckToken(%q) accepted", bad)
		}
	}
}

func TestPayloadShape(t *testing.T) {
	svc := New(Config{BaseURL: "https://lintel.example/"})
	d := claimed(7, 42, "nbYfy7", "s")
	var got []map[string]any
	if err := json.Unmarshal(svc.payload(d), &got); err != nil || len(got) != 1 {
		t.Fatalf("payload: %v %v", got, err)
	}
	n := got[0]
	tok := ackToken("s", 7, 42)
	want := map[string]any{"action": "CREATE", "resource_type": "Event", "resource_id": "42", "account_id": "nbYfy7",
		"ack_token": tok, "resource": "https://lintel.example/api/3/events/42?ack_token=" + tok}
	for k, v := range want {
		if n[k] != v {
			t.Errorf("%s = %v, want %v", k, n[k], v)
		}
	}
	if n["resource_url"] != n["resource"] {
		t.Error("resource_url must repeat resource")
	}
	d.EventCode = 33
	if json.Unmarshal(svc.payload(d), &got); got[0]["resource_type"] != "PerimeterEvent" {
		t.Errorf("door alarm codes are PerimeterEvents, got %v", got[0]["resource_type"])
	}
}
