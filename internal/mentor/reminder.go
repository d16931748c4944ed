package mentor

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"huixiang/internal/notify"
)

// Reminders of a confirmed appointment: pushes (subscribe message or the official account, within
// the person's consent, never in the quiet hours) to the returnee and to the mentor, due a day
// and an hour before the start. They are written when the mentor confirms, in the confirming
// transaction, due at their time (the outbox's next_attempt_at), and skipped when the
// appointment is cancelled. They are personal: the weekly cap of broadcast pushes does not hold
// them back.

// Reminder leads before the start.
const (
	DayBefore  = 24 * time.Hour
	HourBefore = time.Hour
)

// WithQuiet sets the quiet hours reminders keep out of (notify.DefaultQuiet until set).
func (s *Service) WithQuiet(q notify.Quiet) *Service {
	s.quiet = q
	return s
}

// reminderKeys are the dedup keys of appointment id's reminders.
func reminderKeys(id int64) []string {
	var keys []string
	for _, side := range []string{"booker", "mentor"} {
		for _, lead := range []string{"day", "hour"} {
			keys = append(keys, fmt.Sprintf("appt:%d:remind:%s:%s", id, lead, side))
		}
	}
	return keys
}

// remindAt is when a reminder lead before start goes: out of the quiet hours (moved to their
// end), and not at all (false) when that is no longer before the start or already past.
func (s *Service) remindAt(start time.Time, lead time.Duration, now time.Time) (time.Time, bool) {
	q := s.quiet
	if q == (notify.Quiet{}) {
		q = notify.DefaultQuiet
	}
	at := q.Next(start.Add(-lead))
	if !at.Before(start) || !at.After(now) {
		return time.Time{}, false
	}
	return at, true
}

// scheduleReminders writes confirmed appointment a's reminders in tx.
func (s *Service) scheduleReminders(ctx context.Context, tx *sqlx.Tx, a *Appointment, now time.Time) error {
	mode := map[string]string{ModeOnline: "线上", ModePhone: "电话", ModeInPerson: "面谈"}[a.Mode]
	sides := []struct {
		name    string
		user    int64
		summary string
	}{
		{"booker", a.UserID, fmt.Sprintf("%s导师 %s", a.MentorName, mode)},
	}
	if a.mentorUserID.Valid && a.mentorUserID.Int64 > 0 {
		who := a.BookerName
		if who == "" {
			who = "预约人"
		}
		sides = append(sides, struct {
			name    string
			user    int64
			summary string
		}{"mentor", a.mentorUserID.Int64, fmt.Sprintf("%s %s：%s", who, mode, a.Topic)})
	}
	for _, lead := range []struct {
		name  string
		d     time.Duration
		title string
	}{{"day", DayBefore, "明天有导师预约"}, {"hour", HourBefore, "导师预约一小时后开始"}} {
		at, ok := s.remindAt(a.Start, lead.d, now)
		if !ok {
			continue
		}
		for _, side := range sides {
			p := notify.Push{UserID: side.user, DedupKey: fmt.Sprintf("appt:%d:remind:%s:%s", a.ID, lead.name, side.name), Page: page(a.ID),
				Title: lead.title, Summary: side.summary, At: a.Start, Personal: true}
			if err := notify.EnqueuePushes(ctx, tx, []notify.Push{p}, now, at); err != nil {
				return err
			}
		}
	}
	return nil
}
