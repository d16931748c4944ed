package mentor

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"huixiang/internal/cn"
	"huixiang/internal/notify"
	"huixiang/internal/sqldb"
)

// Appointment statuses.
const (
	Requested = "requested"
	Confirmed = "confirmed"
	Declined  = "declined"
	Cancelled = "cancelled"
	Attended  = "attended"
	NoShow    = "no_show"
)

// Statuses lists the appointment statuses.
var Statuses = []string{Requested, Confirmed, Declined, Cancelled, Attended, NoShow}

// upcoming are the statuses of an appointment still to come; live ones hold their slot and count
// against the mentor's weekly cap.
var (
	upcoming = []string{Requested, Confirmed}
	live     = []string{Requested, Confirmed, Attended, NoShow}
)

// Action is a step of an appointment's life.
type Action string

// The actions.
const (
	ActConfirm      Action = "confirm"
	ActDecline      Action = "decline"
	ActCancel       Action = "cancel"        // by the returnee who booked
	ActMentorCancel Action = "mentor_cancel" // by the mentor, with a message to the returnee
	ActAttended     Action = "attended"
	ActNoShow       Action = "no_show"
)

// Transition is one row of the state machine: the action, the statuses it is allowed from, the
// status it leads to, who takes it and what else it needs or does.
type Transition struct {
	Action Action
	From   []string
	To     string
	// ByMentor: the mentor takes it (otherwise the returnee who booked).
	ByMentor bool
	// FreesSlot: the slot's claim is deleted, so that it can be booked again.
	FreesSlot bool
	// BeforeLead: only until Lead before the start (ErrTooLateToCancel after).
	BeforeLead bool
	// AfterStart: only once the appointment has begun (ErrTooEarly before).
	AfterStart bool
	// Title is the inbox message's title for the other side.
	Title string
}

// Transitions is the whole state machine: requested → confirmed/declined/cancelled; confirmed →
// attended/no_show/cancelled.
var Transitions = []Transition{
	{Action: ActConfirm, From: []string{Requested}, To: Confirmed, ByMentor: true, Title: "导师已确认您的预约"},
	{Action: ActDecline, From: []string{Requested}, To: Declined, ByMentor: true, FreesSlot: true, Title: "导师未能接受您的预约"},
	{Action: ActCancel, From: []string{Requested, Confirmed}, To: Cancelled, FreesSlot: true, BeforeLead: true, Title: "预约已被取消"},
	{Action: ActMentorCancel, From: []string{Requested, Confirmed}, To: Cancelled, ByMentor: true, FreesSlot: true, BeforeLead: true, Title: "导师取消了您的预约"},
	{Action: ActAttended, From: []string{Confirmed}, To: Attended, ByMentor: true, AfterStart: true, Title: "导师服务已完成，请评价"},
	{Action: ActNoShow, From: []string{Confirmed}, To: NoShow, ByMentor: true, AfterStart: true, Title: "预约被标记为未到场"},
}

func transitionOf(a Action) (Transition, bool) {
	i := slices.IndexFunc(Transitions, func(t Transition) bool { return t.Action == a })
	if i < 0 {
		return Transition{}, false
	}
	return Transitions[i], true
}

// Appointment is an appointment as its two sides and staff see it; times in Beijing time.
type Appointment struct {
	ID            int64      `json:"id"`
	MentorID      int64      `json:"mentor_id"`
	MentorName    string     `json:"mentor_name"`
	UserID        int64      `json:"user_id"`
	BookerName    string     `json:"booker_name"`
	Start         time.Time  `json:"start"`
	End           time.Time  `json:"end"`
	Mode          string     `json:"mode"`
	Topic         string     `json:"topic"`
	Status        string     `json:"status"`
	Note          string     `json:"note"`
	CancelledBy   *string    `json:"cancelled_by"`
	CancelMessage string     `json:"cancel_message"`
	Stars         *int       `json:"stars"`
	Comment       string     `json:"comment"`
	RatedAt       *time.Time `json:"rated_at"`
	CreatedAt     time.Time  `json:"created_at"`
	UpdatedAt     time.Time  `json:"updated_at"`
	// Viewer is "booker" or "mentor" on GET /api/v1/appointments/{id}: which side is looking.
	Viewer       string `json:"viewer,omitempty"`
	mentorUserID sql.NullInt64
}

type apptRow struct {
	ID            int64          `db:"id"`
	MentorID      int64          `db:"mentor_id"`
	MentorName    string         `db:"mentor_name"`
	MentorUserID  sql.NullInt64  `db:"mentor_user_id"`
	UserID        int64          `db:"user_id"`
	BookerName    sql.NullString `db:"booker_name"`
	StartAt       time.Time      `db:"start_at"`
	EndAt         time.Time      `db:"end_at"`
	Mode          string         `db:"mode"`
	Topic         string         `db:"topic"`
	Status        string         `db:"status"`
	Note          string         `db:"note"`
	CancelledBy   sql.NullString `db:"cancelled_by"`
	CancelMessage string         `db:"cancel_message"`
	Stars         sql.NullInt64  `db:"stars"`
	Comment       string         `db:"comment"`
	RatedAt       sql.NullTime   `db:"rated_at"`
	CreatedAt     time.Time      `db:"created_at"`
	UpdatedAt     time.Time      `db:"updated_at"`
}

const selectAppointments = `SELECT a.id, a.mentor_id, mp.name AS mentor_name, mp.user_id AS mentor_user_id, a.user_id,
	bp.name AS booker_name, a.start_at, a.end_at, a.mode, a.topic, a.status, a.note, a.cancelled_by, a.cancel_message,
	a.stars, a.comment, a.rated_at, a.created_at, a.updated_at
	FROM appointments a JOIN mentors m ON m.id = a.mentor_id JOIN persons mp ON mp.id = m.person_id
	LEFT JOIN persons bp ON bp.user_id = a.user_id`

func (r *apptRow) appointment() Appointment {
	a := Appointment{ID: r.ID, MentorID: r.MentorID, MentorName: r.MentorName, UserID: r.UserID, BookerName: r.BookerName.String,
		Start: r.StartAt.In(cn.Zone), End: r.EndAt.In(cn.Zone), Mode: r.Mode, Topic: r.Topic, Status: r.Status, Note: r.Note,
		CancelMessage: r.CancelMessage, Comment: r.Comment, CreatedAt: r.CreatedAt.In(cn.Zone), UpdatedAt: r.UpdatedAt.In(cn.Zone),
		mentorUserID: r.MentorUserID}
	if r.CancelledBy.Valid {
		a.CancelledBy = &r.CancelledBy.String
	}
	if r.Stars.Valid {
		n := int(r.Stars.Int64)
		a.Stars = &n
	}
	if r.RatedAt.Valid {
		t := r.RatedAt.Time.In(cn.Zone)
		a.RatedAt = &t
	}
	return a
}

func getAppointment(ctx context.Context, q sqlx.QueryerContext, where string, args ...any) (*Appointment, error) {
	var r apptRow
	err := sqlx.GetContext(ctx, q, &r, selectAppointments+` WHERE `+where, args...)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("mentor: appointment: %w", err)
	}
	a := r.appointment()
	return &a, nil
}

func listAppointments(ctx context.Context, q sqlx.QueryerContext, where string, args ...any) ([]Appointment, error) {
	var rows []apptRow
	if err := sqlx.SelectContext(ctx, q, &rows, selectAppointments+` WHERE `+where, args...); err != nil {
		return nil, fmt.Errorf("mentor: appointments: %w", sqldb.Classify(err))
	}
	out := make([]Appointment, len(rows))
	for i := range rows {
		out[i] = rows[i].appointment()
	}
	return out, nil
}

func when(t time.Time) string { return t.In(cn.Zone).Format("1月2日 15:04") }

func page(id int64) string { return fmt.Sprintf("pages/appointments/detail?id=%d", id) }

// tell enqueues the inbox message of an appointment's change for user (none when the mentor's
// person has no mini-program user yet).
func tell(ctx context.Context, tx *sqlx.Tx, user sql.NullInt64, a *Appointment, event, title, body string) error {
	if !user.Valid || user.Int64 <= 0 {
		return nil
	}
	return notify.Enqueue(ctx, tx, notify.Notification{UserID: user.Int64, Kind: "appointment", Title: title,
		Body: cut(body, 1000), Page: page(a.ID), RefType: "appointment", RefID: a.ID, DedupKey: fmt.Sprintf("appt:%d:%s", a.ID, event)})
}

func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// BookInput is a booking.
type BookInput struct {
	MentorID int64     `json:"mentor_id"`
	Start    time.Time `json:"start"`
	Mode     string    `json:"mode"`
	Topic    string    `json:"topic"`
}

func inList(list []string) string {
	return "'" + strings.Join(list, "', '") + "'"
}

// Book books an open slot for user userID, in one transaction: under a lock on the booker's
// users row at most MaxUpcoming upcoming appointments (ErrTooMany); under a lock on the mentor's
// row the slot must be open (ErrSlotInvalid), free (ErrSlotTaken: the claim's primary key holds
// it whatever happens) and the mentor's week not full (ErrMentorFull).
func (s *Service) Book(ctx context.Context, userID int64, in BookInput) (*Appointment, error) {
	in.Topic = strings.TrimSpace(in.Topic)
	switch n := utf8.RuneCountInString(in.Topic); {
	case n == 0:
		return nil, &FieldError{"topic", "请填写想咨询的问题"}
	case n > 200:
		return nil, &FieldError{"topic", fmt.Sprintf("咨询问题最多 200 个字，现在 %d 个", n)}
	case !slices.Contains(modes, in.Mode):
		return nil, &FieldError{"mode", "请选择服务方式（线上、电话或面谈）"}
	case in.Start.IsZero():
		return nil, &FieldError{"start", "请选择预约时段"}
	}
	start := in.Start.UTC().Truncate(time.Millisecond)
	now := s.clock()
	var id int64
	// The locks are taken in one order (booker, then mentor), so a deadlock is not expected; should
	// one happen anyway, the booking is tried again.
	err := sqldb.Retry(ctx, s.db, 3, func(tx *sqlx.Tx) error {
		var uid int64
		if err := sqlx.GetContext(ctx, tx, &uid, `SELECT id FROM users WHERE id = ? FOR UPDATE`, userID); err != nil {
			return fmt.Errorf("mentor: lock user %d: %w", userID, err)
		}
		var n int
		if err := sqlx.GetContext(ctx, tx, &n, `SELECT COUNT(*) FROM appointments WHERE user_id = ? AND status IN (`+inList(upcoming)+`)
				AND start_at > ?`, userID, now); err != nil {
			return fmt.Errorf("mentor: count upcoming: %w", err)
		}
		if n >= MaxUpcoming {
			return ErrTooMany
		}
		var status string
		err := sqlx.GetContext(ctx, tx, &status, `SELECT status FROM mentors WHERE id = ? FOR UPDATE`, in.MentorID)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return ErrNotFound
		case err != nil:
			return fmt.Errorf("mentor: lock mentor %d: %w", in.MentorID, err)
		case status != StatusActive:
			return ErrNotFound
		}
		m, mentorUser, err := s.get(ctx, tx, `m.id = ?`, in.MentorID)
		if err != nil {
			return err
		}
		switch {
		case mentorUser.Valid && mentorUser.Int64 == userID:
			return &FieldError{"mentor_id", "不能预约自己"}
		case !slices.Contains(m.Modes, in.Mode):
			return &FieldError{"mode", "该导师不提供这种服务方式"}
		case !IsOpen(m.Availability, m.SlotMinutes, now, start):
			return ErrSlotInvalid
		}
		var taken bool
		if err := sqlx.GetContext(ctx, tx, &taken, `SELECT EXISTS (SELECT 1 FROM appointment_slots WHERE mentor_id = ? AND start_at = ?)`,
			in.MentorID, start); err != nil {
			return fmt.Errorf("mentor: slot: %w", err)
		}
		if taken {
			return ErrSlotTaken
		}
		from, to := weekOf(start)
		if err := sqlx.GetContext(ctx, tx, &n, `SELECT COUNT(*) FROM appointments WHERE mentor_id = ? AND start_at >= ? AND start_at < ?
				AND status IN (`+inList(live)+`)`, in.MentorID, from.UTC(), to.UTC()); err != nil {
			return fmt.Errorf("mentor: count week: %w", err)
		}
		if n >= m.WeeklyCap {
			return ErrMentorFull
		}
		end := start.Add(time.Duration(m.SlotMinutes) * time.Minute)
		res, err := tx.ExecContext(ctx, `INSERT INTO appointments (mentor_id, user_id, start_at, end_at, mode, topic, status, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, 'requested', ?, ?)`, in.MentorID, userID, start, end, in.Mode, in.Topic, now, now)
		if err != nil {
			return fmt.Errorf("mentor: insert appointment: %w", err)
		}
		if id, err = res.LastInsertId(); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO appointment_slots (mentor_id, start_at, appointment_id) VALUES (?, ?, ?)`,
			in.MentorID, start, id); err != nil {
			if errors.Is(sqldb.Classify(err), sqldb.ErrDuplicate) {
				return ErrSlotTaken
			}
			return fmt.Errorf("mentor: claim slot: %w", err)
		}
		a, err := getAppointment(ctx, tx, `a.id = ?`, id)
		if err != nil {
			return err
		}
		who := a.BookerName
		if who == "" {
			who = "一位用户"
		}
		return tell(ctx, tx, mentorUser, a, "requested", "新的导师服务预约",
			fmt.Sprintf("%s 预约了 %s 的导师服务：%s。请确认或婉拒。", who, when(a.Start), a.Topic))
	})
	if err != nil {
		return nil, err
	}
	return getAppointment(ctx, s.db, `a.id = ?`, id)
}

// Appointment is appointment id as user userID sees it: the returnee who booked it or its mentor
// (Viewer says which); anyone else gets ErrNotFound.
func (s *Service) Appointment(ctx context.Context, userID, id int64) (*Appointment, error) {
	a, err := getAppointment(ctx, s.db, `a.id = ? AND (a.user_id = ? OR mp.user_id = ?)`, id, userID, userID)
	if err != nil {
		return nil, err
	}
	a.Viewer = "booker"
	if a.mentorUserID.Valid && a.mentorUserID.Int64 == userID {
		a.Viewer = "mentor"
	}
	return a, nil
}

// Mine is user userID's appointments, the latest start first.
func (s *Service) Mine(ctx context.Context, userID int64) ([]Appointment, error) {
	return listAppointments(ctx, s.db, `a.user_id = ? ORDER BY a.start_at DESC, a.id DESC LIMIT 200`, userID)
}

// MentorAppointments is the appointments of the mentor who is user userID, by status ("" = all),
// the earliest start first.
func (s *Service) MentorAppointments(ctx context.Context, userID int64, status string) ([]Appointment, error) {
	m, err := s.mentorOf(ctx, s.db, userID)
	if err != nil {
		return nil, err
	}
	where, args := `a.mentor_id = ?`, []any{m.ID}
	if status != "" {
		where, args = where+` AND a.status = ?`, append(args, status)
	}
	return listAppointments(ctx, s.db, where+` ORDER BY a.start_at, a.id LIMIT 500`, args...)
}

// AdminQuery filters the staff list of appointments.
type AdminQuery struct {
	MentorID int64
	Status   string
}

// AdminList is a page of appointments for staff, the latest start first.
func (s *Service) AdminList(ctx context.Context, q AdminQuery, pr sqldb.PageRequest) (sqldb.Page[Appointment], error) {
	var where []string
	var args []any
	if q.MentorID > 0 {
		where, args = append(where, "a.mentor_id = ?"), append(args, q.MentorID)
	}
	if q.Status != "" {
		where, args = append(where, "a.status = ?"), append(args, q.Status)
	}
	cond := "TRUE"
	if len(where) > 0 {
		cond = strings.Join(where, " AND ")
	}
	var total int
	if err := sqlx.GetContext(ctx, s.db, &total, `SELECT COUNT(*) FROM appointments a WHERE `+cond, args...); err != nil {
		return sqldb.Page[Appointment]{}, fmt.Errorf("mentor: count appointments: %w", sqldb.Classify(err))
	}
	items, err := listAppointments(ctx, s.db, cond+` ORDER BY a.start_at DESC, a.id DESC LIMIT ? OFFSET ?`, append(args, pr.Limit(), pr.Offset())...)
	if err != nil {
		return sqldb.Page[Appointment]{}, err
	}
	return sqldb.NewPage(pr, items, total), nil
}

// Act takes action on appointment id for user userID (the returnee who booked it, or the mentor
// for the mentor's actions): a conditional UPDATE from the transition table, the slot freed when
// the action frees it, and the other side told, in one transaction. text is the mentor's note
// (attended) or message (mentor_cancel).
func (s *Service) Act(ctx context.Context, userID, id int64, action Action, text string) (*Appointment, error) {
	t, ok := transitionOf(action)
	if !ok {
		return nil, ErrInvalidTransition
	}
	text = strings.TrimSpace(text)
	switch {
	case action == ActMentorCancel && text == "":
		return nil, &FieldError{"message", "请填写给预约人的说明"}
	case utf8.RuneCountInString(text) > 200 && action == ActMentorCancel:
		return nil, &FieldError{"message", "说明最多 200 个字"}
	case utf8.RuneCountInString(text) > 1000:
		return nil, &FieldError{"note", "记录最多 1000 个字"}
	}
	now := s.clock()
	var out *Appointment
	err := sqldb.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		owner, ownerArg := `user_id = ?`, any(userID)
		if t.ByMentor {
			m, err := s.mentorOf(ctx, tx, userID)
			if err != nil {
				return err
			}
			owner, ownerArg = `mentor_id = ?`, m.ID
		}
		set, args := `status = ?, updated_at = ?`, []any{t.To, now}
		switch action {
		case ActAttended:
			set, args = set+`, note = ?`, append(args, text)
		case ActCancel:
			set += `, cancelled_by = 'booker'`
		case ActMentorCancel:
			set, args = set+`, cancelled_by = 'mentor', cancel_message = ?`, append(args, text)
		}
		cond := `id = ? AND ` + owner + ` AND status IN (` + inList(t.From) + `)`
		args = append(args, id, ownerArg)
		if t.BeforeLead {
			cond, args = cond+` AND start_at > ?`, append(args, now.Add(Lead))
		}
		if t.AfterStart {
			cond, args = cond+` AND start_at <= ?`, append(args, now)
		}
		res, err := tx.ExecContext(ctx, `UPDATE appointments SET `+set+` WHERE `+cond, args...)
		if err != nil {
			return fmt.Errorf("mentor: %s %d: %w", action, id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			a, err := getAppointment(ctx, tx, `a.id = ? AND a.`+owner, id, ownerArg)
			switch {
			case err != nil:
				return err
			case !slices.Contains(t.From, a.Status):
				return ErrInvalidTransition
			case t.BeforeLead:
				return ErrTooLateToCancel
			case t.AfterStart:
				return ErrTooEarly
			}
			return ErrInvalidTransition
		}
		if t.FreesSlot {
			if _, err := tx.ExecContext(ctx, `DELETE FROM appointment_slots WHERE appointment_id = ?`, id); err != nil {
				return fmt.Errorf("mentor: free slot of %d: %w", id, err)
			}
		}
		a, err := getAppointment(ctx, tx, `a.id = ?`, id)
		if err != nil {
			return err
		}
		out = a
		switch action {
		case ActConfirm:
			if err := s.scheduleReminders(ctx, tx, a, now); err != nil {
				return err
			}
		case ActCancel, ActMentorCancel:
			if err := notify.CancelPushes(ctx, tx, reminderKeys(a.ID)); err != nil {
				return err
			}
		}
		body := fmt.Sprintf("%s %s 的导师服务（%s）", a.MentorName, when(a.Start), a.Topic)
		if action == ActMentorCancel {
			body += "。导师留言：" + text
		}
		if t.ByMentor {
			return tell(ctx, tx, sql.NullInt64{Int64: a.UserID, Valid: true}, a, string(action), t.Title, body)
		}
		who := a.BookerName
		if who == "" {
			who = "预约人"
		}
		return tell(ctx, tx, a.mentorUserID, a, string(action), "预约已被取消",
			fmt.Sprintf("%s 取消了 %s 的预约（%s）", who, when(a.Start), a.Topic))
	})
	return out, err
}

// RateInput is a rating.
type RateInput struct {
	Stars   int    `json:"stars"`
	Comment string `json:"comment"`
}

// Rate records user userID's rating of an attended appointment, once (ErrAlreadyRated).
func (s *Service) Rate(ctx context.Context, userID, id int64, in RateInput) (*Appointment, error) {
	in.Comment = strings.TrimSpace(in.Comment)
	switch {
	case in.Stars < 1 || in.Stars > 5:
		return nil, &FieldError{"stars", "请给出 1 到 5 星"}
	case utf8.RuneCountInString(in.Comment) > 500:
		return nil, &FieldError{"comment", "评价最多 500 个字"}
	}
	now := s.clock()
	var out *Appointment
	err := sqldb.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE appointments SET stars = ?, comment = ?, rated_at = ?, updated_at = ?
			WHERE id = ? AND user_id = ? AND status = 'attended' AND stars IS NULL`, in.Stars, in.Comment, now, now, id, userID)
		if err != nil {
			return fmt.Errorf("mentor: rate %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			a, err := getAppointment(ctx, tx, `a.id = ? AND a.user_id = ?`, id, userID)
			switch {
			case err != nil:
				return err
			case a.Stars != nil:
				return ErrAlreadyRated
			}
			return ErrInvalidTransition
		}
		a, err := getAppointment(ctx, tx, `a.id = ?`, id)
		if err != nil {
			return err
		}
		out = a
		return tell(ctx, tx, a.mentorUserID, a, "rated", "您收到了一条服务评价",
			fmt.Sprintf("%s 的导师服务获得 %d 星评价", when(a.Start), in.Stars))
	})
	return out, err
}

// AvailabilityResult is the saved availability and the booked appointments that no longer fit
// it, kept for the mentor to keep or cancel.
type AvailabilityResult struct {
	Availability Availability  `json:"availability"`
	Affected     []Appointment `json:"affected"`
}

// MyAvailability is the availability of the mentor who is user userID.
func (s *Service) MyAvailability(ctx context.Context, userID int64) (*Mentor, error) {
	return s.mentorOf(ctx, s.db, userID)
}

// SetAvailability replaces the availability of the mentor who is user userID, under the mentor's
// row lock (bookings wait for it). Booked appointments are never dropped: those upcoming that no
// longer fit are listed.
func (s *Service) SetAvailability(ctx context.Context, userID int64, av Availability) (*AvailabilityResult, error) {
	if err := av.check(); err != nil {
		return nil, err
	}
	now := s.clock()
	var out AvailabilityResult
	err := sqldb.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		m, err := s.mentorOf(ctx, tx, userID)
		if err != nil {
			return err
		}
		var locked int64
		if err := sqlx.GetContext(ctx, tx, &locked, `SELECT id FROM mentors WHERE id = ? FOR UPDATE`, m.ID); err != nil {
			return fmt.Errorf("mentor: lock %d: %w", m.ID, err)
		}
		if err := writeAvailability(ctx, tx, m.ID, av); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE mentors SET version = version + 1, updated_at = ? WHERE id = ?`, now, m.ID); err != nil {
			return fmt.Errorf("mentor: touch %d: %w", m.ID, err)
		}
		booked, err := listAppointments(ctx, tx, `a.mentor_id = ? AND a.status IN (`+inList(upcoming)+`) AND a.start_at >= ?
			ORDER BY a.start_at, a.id`, m.ID, now)
		if err != nil {
			return err
		}
		out = AvailabilityResult{Availability: av, Affected: []Appointment{}}
		for _, a := range booked {
			if !av.Fits(a.Start, m.SlotMinutes) {
				out.Affected = append(out.Affected, a)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}
