package mentor

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"huixiang/internal/cn"
)

// Window is a weekly period a mentor receives, in Beijing time: weekday 1 (Monday) to 7
// (Sunday), start and end as "HH:MM" (end may be "24:00").
type Window struct {
	Weekday int    `json:"weekday"`
	Start   string `json:"start"`
	End     string `json:"end"`
}

// Exception is a range of days off (holidays, trips), both ends included, as "2026-12-31".
type Exception struct {
	From string `json:"from"`
	To   string `json:"to"`
	Note string `json:"note"`
}

// Availability is a mentor's weekly windows and the exceptions to them.
type Availability struct {
	Weekly     []Window    `json:"weekly"`
	Exceptions []Exception `json:"exceptions"`
}

// Slot is an open slot, shown in Beijing time (RFC 3339 with +08:00).
type Slot struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

const maxWindows, maxExceptions = 50, 50

// minutes parses "HH:MM" (00:00 to 24:00, at a quarter hour).
func minutes(s string) (int, bool) {
	var h, m int
	if len(s) != 5 || s[2] != ':' {
		return 0, false
	}
	if _, err := fmt.Sscanf(s, "%02d:%02d", &h, &m); err != nil {
		return 0, false
	}
	v := h*60 + m
	if h < 0 || m < 0 || m > 59 || v > 24*60 || m%15 != 0 {
		return 0, false
	}
	return v, true
}

func clockOf(v int) string { return fmt.Sprintf("%02d:%02d", v/60, v%60) }

func day(s string) (time.Time, bool) {
	t, err := time.ParseInLocation(time.DateOnly, s, cn.Zone)
	return t, err == nil
}

// check validates and normalises a (windows sorted, exceptions sorted; no overlaps).
func (a *Availability) check() error {
	if len(a.Weekly) > maxWindows {
		return &FieldError{"weekly", fmt.Sprintf("每周时段最多 %d 个", maxWindows)}
	}
	if len(a.Exceptions) > maxExceptions {
		return &FieldError{"exceptions", fmt.Sprintf("不可预约的日期段最多 %d 个", maxExceptions)}
	}
	if a.Weekly == nil {
		a.Weekly = []Window{}
	}
	if a.Exceptions == nil {
		a.Exceptions = []Exception{}
	}
	for _, w := range a.Weekly {
		s, ok1 := minutes(w.Start)
		e, ok2 := minutes(w.End)
		switch {
		case w.Weekday < 1 || w.Weekday > 7:
			return &FieldError{"weekly", "星期应为 1（周一）到 7（周日）"}
		case !ok1 || !ok2:
			return &FieldError{"weekly", "时间应为 HH:MM，按 15 分钟取整，例如 09:00、14:30"}
		case s >= e:
			return &FieldError{"weekly", "结束时间应晚于开始时间"}
		}
	}
	slices.SortFunc(a.Weekly, func(x, y Window) int {
		if x.Weekday != y.Weekday {
			return x.Weekday - y.Weekday
		}
		return strings.Compare(x.Start, y.Start)
	})
	for i := 1; i < len(a.Weekly); i++ {
		if p, w := a.Weekly[i-1], a.Weekly[i]; p.Weekday == w.Weekday && w.Start < p.End {
			return &FieldError{"weekly", "同一天的时段不能重叠"}
		}
	}
	for i := range a.Exceptions {
		x := &a.Exceptions[i]
		x.Note = strings.TrimSpace(x.Note)
		from, ok1 := day(x.From)
		to, ok2 := day(x.To)
		switch {
		case !ok1 || !ok2:
			return &FieldError{"exceptions", "日期应为 YYYY-MM-DD，例如 2026-12-31"}
		case to.Before(from):
			return &FieldError{"exceptions", "结束日期不能早于开始日期"}
		case utf8.RuneCountInString(x.Note) > 100:
			return &FieldError{"exceptions", "说明最多 100 个字"}
		}
	}
	slices.SortFunc(a.Exceptions, func(x, y Exception) int { return strings.Compare(x.From, y.From) })
	for i := 1; i < len(a.Exceptions); i++ {
		if a.Exceptions[i].From == a.Exceptions[i-1].From {
			return &FieldError{"exceptions", "同一天开始的日期段只能有一个"}
		}
	}
	return nil
}

func writeAvailability(ctx context.Context, tx *sqlx.Tx, id int64, a Availability) error {
	for _, q := range []string{`DELETE FROM mentor_weekly WHERE mentor_id = ?`, `DELETE FROM mentor_exceptions WHERE mentor_id = ?`} {
		if _, err := tx.ExecContext(ctx, q, id); err != nil {
			return fmt.Errorf("mentor: clear availability of %d: %w", id, err)
		}
	}
	for _, w := range a.Weekly {
		s, _ := minutes(w.Start)
		e, _ := minutes(w.End)
		if _, err := tx.ExecContext(ctx, `INSERT INTO mentor_weekly (mentor_id, weekday, start_min, end_min) VALUES (?, ?, ?, ?)`,
			id, w.Weekday, s, e); err != nil {
			return fmt.Errorf("mentor: weekly of %d: %w", id, err)
		}
	}
	for _, x := range a.Exceptions {
		if _, err := tx.ExecContext(ctx, `INSERT INTO mentor_exceptions (mentor_id, from_date, to_date, note) VALUES (?, ?, ?, ?)`,
			id, x.From, x.To, x.Note); err != nil {
			return fmt.Errorf("mentor: exception of %d: %w", id, err)
		}
	}
	return nil
}

func loadAvailability(ctx context.Context, q sqlx.QueryerContext, ids []int64) (map[int64]Availability, error) {
	out := map[int64]Availability{}
	get := func(id int64) Availability {
		a, ok := out[id]
		if !ok {
			a = Availability{Weekly: []Window{}, Exceptions: []Exception{}}
		}
		return a
	}
	query, args, err := sqlx.In(`SELECT mentor_id, weekday, start_min, end_min FROM mentor_weekly WHERE mentor_id IN (?)
		ORDER BY mentor_id, weekday, start_min`, ids)
	if err != nil {
		return nil, err
	}
	var ws []struct {
		MentorID int64 `db:"mentor_id"`
		Weekday  int   `db:"weekday"`
		Start    int   `db:"start_min"`
		End      int   `db:"end_min"`
	}
	if err := sqlx.SelectContext(ctx, q, &ws, query, args...); err != nil {
		return nil, fmt.Errorf("mentor: weekly: %w", err)
	}
	for _, w := range ws {
		a := get(w.MentorID)
		a.Weekly = append(a.Weekly, Window{Weekday: w.Weekday, Start: clockOf(w.Start), End: clockOf(w.End)})
		out[w.MentorID] = a
	}
	query, args, err = sqlx.In(`SELECT mentor_id, from_date, to_date, note FROM mentor_exceptions WHERE mentor_id IN (?)
		ORDER BY mentor_id, from_date`, ids)
	if err != nil {
		return nil, err
	}
	var xs []struct {
		MentorID int64     `db:"mentor_id"`
		From     time.Time `db:"from_date"`
		To       time.Time `db:"to_date"`
		Note     string    `db:"note"`
	}
	if err := sqlx.SelectContext(ctx, q, &xs, query, args...); err != nil {
		return nil, fmt.Errorf("mentor: exceptions: %w", err)
	}
	for _, x := range xs {
		a := get(x.MentorID)
		a.Exceptions = append(a.Exceptions, Exception{From: x.From.Format(time.DateOnly), To: x.To.Format(time.DateOnly), Note: x.Note})
		out[x.MentorID] = a
	}
	return out, nil
}

// off reports whether the Beijing date of t is in one of the exceptions.
func (a Availability) off(t time.Time) bool {
	d := t.In(cn.Zone).Format(time.DateOnly)
	for _, x := range a.Exceptions {
		if x.From <= d && d <= x.To {
			return true
		}
	}
	return false
}

// daySlots are the slots of the Beijing date of day by the weekly windows (exceptions ignored).
func (a Availability) daySlots(day time.Time, slotMinutes int) []Slot {
	y, mo, d := day.In(cn.Zone).Date()
	midnight := time.Date(y, mo, d, 0, 0, 0, 0, cn.Zone)
	wd := int(midnight.Weekday())
	if wd == 0 {
		wd = 7
	}
	var out []Slot
	for _, w := range a.Weekly {
		if w.Weekday != wd {
			continue
		}
		s, _ := minutes(w.Start)
		e, _ := minutes(w.End)
		for m := s; m+slotMinutes <= e; m += slotMinutes {
			start := midnight.Add(time.Duration(m) * time.Minute)
			out = append(out, Slot{Start: start, End: start.Add(time.Duration(slotMinutes) * time.Minute)})
		}
	}
	return out
}

// Fits reports whether start begins a slot of the availability (by the weekly windows, on a day
// that is not an exception), whatever the time now.
func (a Availability) Fits(start time.Time, slotMinutes int) bool {
	if a.off(start) {
		return false
	}
	for _, s := range a.daySlots(start, slotMinutes) {
		if s.Start.Equal(start) {
			return true
		}
	}
	return false
}

// OpenSlots are the slots of the next HorizonDays days (today in Beijing and the 13 after) by the
// availability, minus the exceptions and the booked starts (UnixMilli), none before now + Lead.
func OpenSlots(a Availability, slotMinutes int, now time.Time, booked map[int64]bool) []Slot {
	out := []Slot{}
	earliest := now.Add(Lead)
	for i := range HorizonDays {
		y, mo, d := now.In(cn.Zone).Date()
		dayStart := time.Date(y, mo, d+i, 12, 0, 0, 0, cn.Zone)
		if a.off(dayStart) {
			continue
		}
		for _, s := range a.daySlots(dayStart, slotMinutes) {
			if s.Start.Before(earliest) || booked[s.Start.UnixMilli()] {
				continue
			}
			out = append(out, s)
		}
	}
	return out
}

// IsOpen reports whether start is an open slot at now, booked slots aside.
func IsOpen(a Availability, slotMinutes int, now, start time.Time) bool {
	y, mo, d := now.In(cn.Zone).Date()
	horizon := time.Date(y, mo, d+HorizonDays, 0, 0, 0, 0, cn.Zone)
	return !start.Before(now.Add(Lead)) && start.Before(horizon) && a.Fits(start, slotMinutes)
}

// bookedStarts are the starts (UnixMilli) of the mentor's claimed slots from now on.
func bookedStarts(ctx context.Context, q sqlx.QueryerContext, mentorID int64, now time.Time) (map[int64]bool, error) {
	var starts []time.Time
	if err := sqlx.SelectContext(ctx, q, &starts, `SELECT start_at FROM appointment_slots WHERE mentor_id = ? AND start_at >= ?`,
		mentorID, now); err != nil {
		return nil, fmt.Errorf("mentor: booked slots: %w", err)
	}
	out := make(map[int64]bool, len(starts))
	for _, t := range starts {
		out[t.UnixMilli()] = true
	}
	return out, nil
}

// weekOf is the ISO week (Monday 00:00 to the next, Beijing time) that t falls in.
func weekOf(t time.Time) (time.Time, time.Time) {
	b := t.In(cn.Zone)
	wd := int(b.Weekday())
	if wd == 0 {
		wd = 7
	}
	y, mo, d := b.Date()
	monday := time.Date(y, mo, d-(wd-1), 0, 0, 0, 0, cn.Zone)
	return monday, monday.AddDate(0, 0, 7)
}
