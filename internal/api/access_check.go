package api

import (
	"context"
	"time"

	"github.com/lintel-dev/lintel/internal/domain"
)

// shiftCovers reports whether t falls in one of the shift's weekly
// windows, read in the shift's time zone (the account's when it has none).
// Windows are wall-clock times, so they follow daylight-saving changes.
func shiftCovers(sh *domain.Shift, t time.Time, acct *time.Location) bool {
	loc := acct
	if sh.TimeZone != nil {
		if l, err := time.LoadLocation(*sh.TimeZone); err == nil {
			loc = l
		}
	}
	lt := t.In(loc)
	day, hm := int(lt.Weekday()), lt.Format("15:04")
	for _, w := range sh.Windows {
		if hm < w.Start || hm >= w.End {
			continue
		}
		for _, d := range w.Days {
			if d == day {
				return true
			}
		}
	}
	return false
}

// denial is why a person may not pass a door now; "" means they may.
type denial string

// mayPass decides whether the person may go through the door at now: they
// must be enabled and within their validity dates, and either a role that
// links them to the door (directly, through a group or an active group
// reservation) must apply now, or a reservation of the door must cover now.
func (a *API) mayPass(ctx context.Context, c *call, p *domain.Person, ch *domain.Channel, now time.Time) (denial, error) {
	switch {
	case !p.Enabled:
		return "Person is disabled", nil
	case p.ValidFrom != nil && now.Before(*p.ValidFrom):
		return "Person's access has not started yet", nil
	case p.ValidTo != nil && !now.Before(*p.ValidTo):
		return "Person's access has expired", nil
	}
	g, err := a.st.AccessGrants(ctx, c.p.AccountID, p.ID, ch.ID, now)
	if err != nil {
		return "", err
	}
	if g.Reserved {
		return "", nil
	}
	if len(g.RoleShifts) == 0 {
		return "Person does not have access to this channel", nil
	}
	var shifts map[int64]*domain.Shift
	for _, id := range g.RoleShifts {
		if id == nil {
			return "", nil
		}
		if shifts == nil {
			list, err := a.st.ListShifts(ctx, c.p.AccountID)
			if err != nil {
				return "", err
			}
			shifts = make(map[int64]*domain.Shift, len(list))
			for _, s := range list {
				shifts[s.ID] = s
			}
		}
		loc, err := c.location(ctx)
		if err != nil {
			return "", err
		}
		if sh := shifts[*id]; sh != nil && shiftCovers(sh, now, loc) {
			return "", nil
		}
	}
	return "Person does not have access to this channel at this time", nil
}
