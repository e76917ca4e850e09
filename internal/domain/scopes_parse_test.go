package domain

import (
	"maps"
	"slices"
	"testing"
)

// ParseScopes splits on spaces, commas, '+', tabs and newlines, keeps
// each name once and no empty one.
func TestParseScopes(t *testing.T) {
	for in, want := range map[string][]string{
		"":                                 nil,
		"   ":                              nil,
		"account.person":                   {"account.person"},
		"account.person account.event":     {"account.person", "account.event"},
		" account.person,,account.event+ ": {"account.person", "account.event"},
		"a\tb\nc a":                        {"a", "b", "c"},
		"+,":                               nil,
	} {
		got := slices.Sorted(maps.Keys(ParseScopes(in)))
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("ParseScopes(%q) = %q, want %q", in, got, want)
		}
	}
}
