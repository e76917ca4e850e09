package oauth

import (
	"strings"
	"testing"
)

func TestSecretsAndDigests(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 200; i++ {
		s := newSecret()
		if len(s) != secretLen || !plausibleSecret(s) || seen[s] {
			t.Fatalf("bad or repeated secret %q", s)
		}
		seen[s] = true
	}
	a, b := newSecret(), newSecret()
	if digest(a) == a || len(digest(a)) != 64 || digest(a) != digest(a) {
		t.Fatal("digest")
	}
	if !digestEqual(digest(a), digest(a)) || digestEqual(digest(a), digest(b)) || digestEqual(digest(a), "") {
		t.Fatal("digestEqual")
	}
	for _, bad := range []string{"", "short", strings.Repeat("a", 42), strings.Repeat("a", 44), strings.Repeat("+", 43), strings.Repeat("é", 21) + "a"} {
		if plausibleSecret(bad) {
			t.Errorf("plausibleSecret(%q)", bad)
		}
	}
	if !csrfValid(a, csrfToken(a)) || csrfValid(a, csrfToken(b)) || csrfValid("", csrfToken("")) || csrfValid(a, "") {
		t.Fatal("csrf")
	}
	// RFC 7636 appendix B.
	if got := pkceS256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"); got != "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM" {
		t.Fatalf("S256: %s", got)
	}
}

func TestParseBasic(t *testing.T) {
	cases := []struct {
		in, id, secret string
		ok             bool
	}{
		{"Y2xpZW50OnNlY3JldA==", "client", "secret", true},
		{"Y2xpZW50OnNlY3JldA", "client", "secret", true},
		{"Y2xpZW50OnMlMkJjJTNBcmV0", "client", "s+c:ret", true}, // client:s%2Bc%3Aret
		{"Pz8_Pz8_Onh4", "??????", "xx", true},                  // URL-safe alphabet
		{"Pz8/Pz8/Onh4", "??????", "xx", true},                  // standard alphabet
		{"bm9jb2xvbg==", "", "", false},                         // no colon
		{"OnNlY3JldA==", "", "", false},                         // empty id
		{"!!!", "", "", false},
		{"", "", "", false},
	}
	for _, c := range cases {
		id, secret, ok := parseBasic(c.in)
		if ok != c.ok || id != c.id || secret != c.secret {
			t.Errorf("parseBasic(%q) = %q %q %v", c.in, id, secret, ok)
		}
	}
}
