package api_test

import (
	"fmt"
	"testing"
)

// FuzzChannelCommandBody sends one body to every door command (admit,
// admit_person, lockdown, unlock, auto_unlock, ...): none may answer 5xx.
func FuzzChannelCommandBody(f *testing.F) {
	for _, s := range []string{
		`{"card_lockdown":true,"rex_lockdown":false,"aux_lockdown":"true"}`, `{"card_lockdown":false}`,
		`{"relock_at":"2025-06-10T17:00:00Z"}`, `{"relock_at":"2025-06-10 12:00"}`, `{"relock_at":12}`, `{"relock_at":"9999-99-99"}`,
		`{"shift_id":1}`, `{"shift_id":null}`, `{"shift_id":"x"}`, `{"shift_id":1e300}`,
		`{"person_id":1}`, `{"person_id":"1"}`, `{"person_id":-5}`, `{"person_id":[1]}`,
		``, `{`, `[]`, `null`, `"x"`,
	} {
		f.Add([]byte(s))
	}
	e := fuzzEnv(f)
	_, _, channels := e.ids()
	door := fmt.Sprintf("/api/3/channels/%d/", channels[1])
	f.Fuzz(func(t *testing.T, body []byte) {
		e.t = t
		for _, cmd := range []string{"admit", "admit_person", "lockdown", "unlockdown", "unlock", "normal", "auto_unlock",
			"regenerate_encryption_key", "remove_encryption_key"} {
			e.skipSpec = true
			noServerError(t, e.as("all").do("POST", door+cmd, string(body)), body)
		}
	})
}

// FuzzNotificationRuleBody creates and updates rules with arbitrary bodies.
func FuzzNotificationRuleBody(f *testing.F) {
	for _, s := range []string{
		`{"name":"Hook","call_back_url":"https://example.com/h","match_event_codes":[10,11],"match_controller_ids":[1]}`,
		`{"notification_rule":{"name":"x","active":"false","call_back_url":"http://a","match_event_codes":["20"]}}`,
		`{"name":"x","call_back_url":"https://[::1]:99999/","match_event_codes":[1e400]}`,
		`{"name":7,"call_back_url":null,"match_event_codes":{"a":1},"match_controller_ids":"1"}`,
		``, `{`, `[]`, `{"notification_rule":[]}`,
	} {
		f.Add([]byte(s))
	}
	e := fuzzEnv(f)
	rule := expect[obj](&testing.T{}, e.as("all").do("POST", "/api/3/notification_rules",
		`{"name":"Seed","call_back_url":"https://example.com/","match_event_codes":[10]}`), 200)
	path := fmt.Sprintf("/api/3/notification_rules/%v", rule["id"])
	f.Fuzz(func(t *testing.T, body []byte) {
		e.t = t
		e.skipSpec = true
		noServerError(t, e.as("all").do("POST", "/api/3/notification_rules", string(body)), body)
		e.skipSpec = true
		noServerError(t, e.as("all").do("PUT", path, string(body)), body)
	})
}

// FuzzExtensionBody creates and updates every extension resource with
// arbitrary bodies.
func FuzzExtensionBody(f *testing.F) {
	for _, s := range []string{
		`{"name":"Depot","site_ips":["10.0.0.0/8",{"ip_address":"::1"}],"time_zone":"Europe/Paris"}`,
		`{"name":"Gate","mac_address":"AA-BB-CC-DD-EE-FF","unit":"3","site_id":null}`,
		`{"label":"Badge","kind":"card","code":"200","slug":"id"}`,
		`{"name":"R","shift_id":1,"group_ids":[1,2],"channel_ids":[1]}`,
		`{"name":"S","time_zone":"Nowhere/Land","windows":[{"days":[0,6],"start":"09:00","end":"24:00"},{"days":"x"}]}`,
		`{"site":{"name":"w"}}`, `{"role":null}`, ``, `{`, `[]`, `{"windows":[null]}`, `{"unit":1e20,"mac_address":7}`,
	} {
		f.Add([]byte(s))
	}
	e := fuzzEnv(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		e.t = t
		for _, res := range []string{"sites", "channels", "credential_types", "groups", "roles", "shifts"} {
			e.skipSpec = true
			noServerError(t, e.as("all").do("POST", "/api/3/"+res, string(body)), body)
			e.skipSpec = true
			noServerError(t, e.as("all").do("PUT", "/api/3/"+res+"/1", string(body)), body)
		}
	})
}
