package store

import (
	"regexp"
	"strings"
	"testing"
)

// The field-name tests give the answer of the case-insensitive regular
// expression of their words, for names in ASCII (searched without it) and
// others: Unicode folds the Kelvin sign into k and the long s into s.
func TestFieldMatchersAgreeWithTheirExpressions(t *testing.T) {
	names := []string{"", "first_name", "PASSWORD", "new_Password", "api_key", "monkey", "Pin", "spinner",
		"image_url", "Photo", "photoBase64", "notes", "email", "valuE", "tOTP_secret",
		"to\u212Aen", "pa\u017Fsword", "naïve", "ключ", strings.Repeat("x", 70) + "token", strings.Repeat("x", 70),
		strings.Repeat("y", 64), strings.Repeat("y", 60) + "hash"}
	for _, c := range []struct {
		words []string
		match func(string) bool
	}{{secretWords, secretField}, {blobWords, blobField}} {
		re := regexp.MustCompile(`(?i)` + strings.Join(c.words, "|"))
		for _, n := range names {
			if got, want := c.match(n), re.MatchString(n); got != want {
				t.Errorf("%q with %v: %v, the expression says %v", n, c.words, got, want)
			}
		}
	}
}
