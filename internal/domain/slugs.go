package domain

import "strings"

// reservedSlugs are person attribute names a credential-type slug may not
// take, because slugs become person attributes.
var reservedSlugs = map[string]bool{
	"id": true, "first_name": true, "last_name": true, "salutation": true, "job_title": true, "department": true,
	"telephone": true, "notes": true, "barcode": true, "email": true, "mobile": true, "organisation_id": true,
	"system_id": true, "enabled": true, "valid_from": true, "valid_to": true, "image_url": true,
	"image_thumbnail_url": true, "image_base64": true, "image_remote_url": true, "custom_1": true, "custom_2": true,
	"custom_3": true, "custom_4": true, "custom_5": true, "created_at": true, "updated_at": true, "groups": true,
	"roles": true, "group_ids": true, "role_ids": true, "deleted": true, "person": true, "credentials": true,
}

// IsReservedSlug reports whether slug collides with a person attribute.
func IsReservedSlug(slug string) bool { return reservedSlugs[slug] }

// Slugify turns a label into a slug: lower case, runs of anything but
// letters and digits become one underscore.
func Slugify(label string) string {
	var b strings.Builder
	under := false
	for _, r := range strings.ToLower(label) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
			under = false
		} else if !under && b.Len() > 0 {
			b.WriteByte('_')
			under = true
		}
	}
	return strings.TrimSuffix(b.String(), "_")
}
