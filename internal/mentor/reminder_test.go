package mentor

import (
	"testing"
	"time"

	"huixiang/internal/cn"
	"huixiang/internal/notify"
)

// Reminders go a day and an hour before the start, out of the quiet hours (22:00–08:00): one
// that would fall in them goes at 08:00 if that is still before the start, else not at all; one
// already past when the mentor confirms is not written.
func TestRemindAt_leadsQuietHoursAndPast(t *testing.T) {
	t.Parallel()
	s := (&Service{}).WithQuiet(notify.DefaultQuiet)
	at := func(d string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", d, cn.Zone)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	now := at("2031-03-03 12:00")
	for _, c := range []struct {
		start string
		lead  time.Duration
		want  string // "" = none
	}{
		{"2031-03-05 10:00", DayBefore, "2031-03-04 10:00"},
		{"2031-03-05 10:00", HourBefore, "2031-03-05 09:00"},
		{"2031-03-05 07:30", DayBefore, "2031-03-04 08:00"}, // 07:30 the day before is quiet
		{"2031-03-05 08:30", HourBefore, "2031-03-05 08:00"},
		{"2031-03-05 07:30", HourBefore, ""}, // 06:30 is quiet and 08:00 is after the start
		{"2031-03-03 20:00", DayBefore, ""},  // confirmed the same day: the day-before is past
		{"2031-03-03 12:30", HourBefore, ""}, // an hour before is past
		{"2031-03-04 09:00", DayBefore, ""},  // 09:00 today is past
	} {
		got, ok := s.remindAt(at(c.start), c.lead, now)
		want := c.want
		if (want == "") == ok || (ok && !got.Equal(at(want))) {
			t.Errorf("start %s lead %v: got %v %v, want %q", c.start, c.lead, got.In(cn.Zone), ok, want)
		}
	}
}
