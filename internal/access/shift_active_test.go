package access

import (
	"testing"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
)

// TestShiftActive: the exported preview reads the shift's zone when it
// names one and the door's otherwise, across a daylight-saving change.
func TestShiftActive(t *testing.T) {
	london, tokyo := mustZone(t, "Europe/London"), mustZone(t, "Asia/Tokyo")
	nine := []domain.ShiftWindow{{Days: []int{0, 1, 2, 3, 4, 5, 6}, Start: "09:00", End: "17:00"}}
	door := &domain.Shift{Windows: nine}
	tz := "Asia/Tokyo"
	own := &domain.Shift{Windows: nine, TimeZone: &tz}
	cases := []struct {
		sh   *domain.Shift
		at   string
		loc  *time.Location
		want bool
	}{
		// London: 08:30 UTC is 08:30 GMT before the change, 09:30 BST after.
		{door, "2026-03-28T08:30:00Z", london, false},
		{door, "2026-03-29T08:30:00Z", london, true},
		{door, "2026-10-25T08:30:00Z", london, false}, // back to GMT
		// The shift's own zone wins over the door's.
		{own, "2026-03-29T01:00:00Z", london, true}, // 10:00 in Tokyo
		{own, "2026-03-29T09:00:00Z", tokyo, false}, // 18:00 in Tokyo
		{door, "2026-03-29T09:00:00Z", nil, true},   // no zone at all: UTC
	}
	for _, c := range cases {
		at, err := time.Parse(time.RFC3339, c.at)
		if err != nil {
			t.Fatal(err)
		}
		if got := ShiftActive(c.sh, at, c.loc); got != c.want {
			t.Errorf("%s at a door in %v: %v, want %v", c.at, c.loc, got, c.want)
		}
	}
}
