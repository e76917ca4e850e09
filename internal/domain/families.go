package domain

// Restricted API families. An operation of a family is refused with
// 403 "<family>_not_enabled" unless the caller's user or account is on the
// family's allow-list (the gateway enforces it; "lintel allow" edits the lists).
const (
	// FamilyMobileCredentials is issuing mobile passes: credentials of a
	// credential type whose kind is "mobile". Issuing one emails the
	// holder an invitation.
	FamilyMobileCredentials = "mobile_credentials"
)

// Family describes one restricted API family.
type Family struct {
	Name  string
	Label string // plain words, used in error messages and the CLI
	// SendsEmail marks families whose operations also need a verified
	// account (the trust gate).
	SendsEmail bool
}

// Families is the catalogue of restricted API families.
var Families = []Family{
	{Name: FamilyMobileCredentials, Label: "issuing mobile credentials", SendsEmail: true},
}

// LookupFamily returns the family with a name.
func LookupFamily(name string) (Family, bool) {
	for _, f := range Families {
		if f.Name == name {
			return f, true
		}
	}
	return Family{}, false
}
