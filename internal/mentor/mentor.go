// Package mentor is the mentor team (创业导师团) and appointments with mentors (导师服务预约): a
// mentor is a person with a profile and a weekly availability; returnees book open slots; the
// mentor confirms, declines, marks attended or no-show; the returnee rates the appointment.
//
// Where each rule is held (see docs/mentors.md): a slot is booked once by the primary key of
// appointment_slots; at most 2 upcoming appointments per user and a mentor's weekly cap are
// counted under row locks (the booker's users row, then the mentor's row) in the booking's
// transaction; state changes are conditional UPDATEs from the transition table.
package mentor

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"huixiang/internal/actor"
	"huixiang/internal/audit"
	"huixiang/internal/notify"
	"huixiang/internal/person"
	"huixiang/internal/sqldb"
)

// Errors callers branch on.
var (
	ErrNotFound          = errors.New("mentor: not found")
	ErrStaleVersion      = errors.New("mentor: changed since it was read")
	ErrNotMentor         = errors.New("mentor: the user is not an active mentor")
	ErrPersonIsMentor    = errors.New("mentor: the person is a mentor already")
	ErrSlotTaken         = errors.New("mentor: slot taken")
	ErrSlotInvalid       = errors.New("mentor: not an open slot")
	ErrTooMany           = errors.New("mentor: too many upcoming appointments")
	ErrMentorFull        = errors.New("mentor: weekly cap reached")
	ErrTooLateToCancel   = errors.New("mentor: too late to cancel")
	ErrInvalidTransition = errors.New("mentor: invalid transition")
	ErrTooEarly          = errors.New("mentor: the appointment has not begun")
	ErrAlreadyRated      = errors.New("mentor: rated already")
)

// FieldError names an invalid field of a form.
type FieldError struct {
	Field   string
	Message string // Chinese, for the form
}

func (e *FieldError) Error() string { return "mentor: " + e.Field + ": " + e.Message }

// Statuses of a mentor.
const (
	StatusActive  = "active"
	StatusPaused  = "paused"
	StatusRetired = "retired"
)

// Service modes.
const (
	ModeOnline   = "online"
	ModePhone    = "phone"
	ModeInPerson = "in_person"
)

var modes = []string{ModeOnline, ModePhone, ModeInPerson}

// Rules of booking.
const (
	// MaxUpcoming is how many upcoming (requested or confirmed) appointments one user may hold.
	MaxUpcoming = 2
	// Lead is how long before its start a slot can still be booked, and an appointment cancelled.
	Lead = 2 * time.Hour
	// HorizonDays is how many days ahead slots are open.
	HorizonDays = 14
	// DefaultSlotMinutes is the length of a slot unless the profile says otherwise.
	DefaultSlotMinutes = 60
)

// Profile is what staff write about a mentor.
type Profile struct {
	Fields         []string `json:"fields"`
	Organisation   string   `json:"organisation"`
	Title          string   `json:"title"`
	Bio            string   `json:"bio"`
	PhotoUploadID  *string  `json:"photo_upload_id"`
	Modes          []string `json:"modes"`
	ServicePointID *int64   `json:"service_point_id"`
	WeeklyCap      int      `json:"weekly_cap"`
	SlotMinutes    int      `json:"slot_minutes"`
}

// Input is a new mentor: the person and the profile, with an optional first availability.
type Input struct {
	PersonID int64 `json:"person_id"`
	Profile
	Availability *Availability `json:"availability,omitempty"`
}

// Mentor is a mentor as staff see it.
type Mentor struct {
	ID       int64  `json:"id"`
	PersonID int64  `json:"person_id"`
	Name     string `json:"name"`
	Status   string `json:"status"`
	Version  int    `json:"version"`
	Profile
	Availability Availability `json:"availability"`
	CreatedAt    time.Time    `json:"created_at"`
	UpdatedAt    time.Time    `json:"updated_at"`
}

// Public is the part of a mentor every signed-in user may read.
type Public struct {
	ID            int64    `json:"id"`
	Name          string   `json:"name"`
	Fields        []string `json:"fields"`
	Organisation  string   `json:"organisation"`
	Title         string   `json:"title"`
	Bio           string   `json:"bio"`
	PhotoUploadID *string  `json:"photo_upload_id"`
	// PhotoURL is a signed URL of the photo (set by the HTTP layer).
	PhotoURL       string   `json:"photo_url,omitempty"`
	Modes          []string `json:"modes"`
	ServicePointID *int64   `json:"service_point_id"`
	SlotMinutes    int      `json:"slot_minutes"`
}

// Service keeps mentors and appointments.
type Service struct {
	db    *sqlx.DB
	now   atomic.Pointer[func() time.Time]
	quiet notify.Quiet
}

// NewService returns the mentor service on db (now: time.Now when nil).
func NewService(db *sqlx.DB, now func() time.Time) *Service {
	s := &Service{db: db}
	s.SetClock(now)
	return s
}

// SetClock replaces the service's clock (tests; nil: time.Now).
func (s *Service) SetClock(now func() time.Time) {
	if now == nil {
		now = time.Now
	}
	s.now.Store(&now)
}

func (s *Service) clock() time.Time { return (*s.now.Load())().UTC().Truncate(time.Millisecond) }

func checkProfile(ctx context.Context, q sqlx.QueryerContext, p *Profile) error {
	for _, f := range []*string{&p.Organisation, &p.Title, &p.Bio} {
		*f = strings.TrimSpace(*f)
	}
	if p.PhotoUploadID != nil && strings.TrimSpace(*p.PhotoUploadID) == "" {
		p.PhotoUploadID = nil
	}
	if p.SlotMinutes == 0 {
		p.SlotMinutes = DefaultSlotMinutes
	}
	for _, l := range []struct {
		field, value, name string
		max                int
	}{{"organisation", p.Organisation, "单位", 100}, {"title", p.Title, "职务/职称", 100}, {"bio", p.Bio, "简介", 1000}} {
		if n := utf8.RuneCountInString(l.value); n > l.max {
			return &FieldError{l.field, fmt.Sprintf("%s最多 %d 个字，现在 %d 个", l.name, l.max, n)}
		}
	}
	var ms []string
	for _, m := range p.Modes {
		if !slices.Contains(modes, m) {
			return &FieldError{"modes", "服务方式只能是线上、电话或到服务网点面谈"}
		}
		if !slices.Contains(ms, m) {
			ms = append(ms, m)
		}
	}
	p.Modes = ms
	switch {
	case len(p.Modes) == 0:
		return &FieldError{"modes", "请至少选择一种服务方式"}
	case slices.Contains(p.Modes, ModeInPerson) != (p.ServicePointID != nil):
		return &FieldError{"service_point_id", "到服务网点面谈须选择服务网点（只在面谈时选择）"}
	case p.WeeklyCap < 1 || p.WeeklyCap > 100:
		return &FieldError{"weekly_cap", "每周最多预约数应为 1 到 100"}
	case p.SlotMinutes < 15 || p.SlotMinutes > 240 || p.SlotMinutes%15 != 0:
		return &FieldError{"slot_minutes", "每次时长应为 15 到 240 分钟，且为 15 的整数倍"}
	case len(p.Fields) == 0:
		return &FieldError{"fields", "请至少选择一个擅长领域"}
	case len(p.Fields) > 10:
		return &FieldError{"fields", "擅长领域最多 10 个"}
	}
	var fs []string
	for _, f := range p.Fields {
		if f = strings.TrimSpace(f); !slices.Contains(fs, f) {
			fs = append(fs, f)
		}
	}
	slices.Sort(fs)
	p.Fields = fs
	query, args, err := sqlx.In(`SELECT COUNT(*) FROM option_items WHERE kind = 'intended_field' AND active AND code IN (?)`, fs)
	if err != nil {
		return err
	}
	var n int
	if err := sqlx.GetContext(ctx, q, &n, query, args...); err != nil {
		return fmt.Errorf("mentor: check fields: %w", sqldb.Classify(err))
	}
	if n != len(fs) {
		return &FieldError{"fields", "擅长领域不在可选列表中，请重新选择"}
	}
	if p.ServicePointID != nil {
		var ok bool
		if err := sqlx.GetContext(ctx, q, &ok, `SELECT EXISTS (SELECT 1 FROM service_points WHERE id = ? AND active)`, *p.ServicePointID); err != nil {
			return fmt.Errorf("mentor: check service point: %w", err)
		}
		if !ok {
			return &FieldError{"service_point_id", "没有这个服务网点"}
		}
	}
	if p.PhotoUploadID != nil {
		var ok bool
		if err := sqlx.GetContext(ctx, q, &ok, `SELECT EXISTS (SELECT 1 FROM uploads WHERE id = ?)`, *p.PhotoUploadID); err != nil {
			return fmt.Errorf("mentor: check photo: %w", sqldb.Classify(err))
		}
		if !ok {
			return &FieldError{"photo_upload_id", "照片不存在，请重新上传"}
		}
	}
	return nil
}

func has(list []string, m string) bool { return slices.Contains(list, m) }

// Create makes person in.PersonID a mentor, audited.
func (s *Service) Create(ctx context.Context, by actor.Actor, in Input) (*Mentor, error) {
	if err := checkProfile(ctx, s.db, &in.Profile); err != nil {
		return nil, err
	}
	var av Availability
	if in.Availability != nil {
		av = *in.Availability
		if err := av.check(); err != nil {
			return nil, err
		}
	}
	now := s.clock()
	var id int64
	err := sqldb.Retry(ctx, s.db, 3, func(tx *sqlx.Tx) error {
		// The person first, as a claim locks it (see person.RefreshMentorFlag).
		if _, err := person.Lock(ctx, tx, in.PersonID); errors.Is(err, person.ErrNotFound) {
			return &FieldError{"person_id", "没有这个人员，请先在人员库中登记"}
		} else if err != nil {
			return fmt.Errorf("mentor: lock person %d: %w", in.PersonID, err)
		}
		p := in.Profile
		res, err := tx.ExecContext(ctx, `INSERT INTO mentors (person_id, organisation, title, bio, photo_upload_id, mode_online, mode_phone,
				mode_in_person, service_point_id, status, weekly_cap, slot_minutes, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'active', ?, ?, ?, ?)`, in.PersonID, p.Organisation, p.Title, p.Bio, p.PhotoUploadID,
			has(p.Modes, ModeOnline), has(p.Modes, ModePhone), has(p.Modes, ModeInPerson), p.ServicePointID, p.WeeklyCap, p.SlotMinutes, now, now)
		if err != nil {
			if errors.Is(sqldb.Classify(err), sqldb.ErrDuplicate) {
				return ErrPersonIsMentor
			}
			return fmt.Errorf("mentor: insert: %w", err)
		}
		if id, err = res.LastInsertId(); err != nil {
			return err
		}
		if err := writeFields(ctx, tx, id, p.Fields); err != nil {
			return err
		}
		if err := writeAvailability(ctx, tx, id, av); err != nil {
			return err
		}
		if err := person.RefreshMentorFlag(ctx, tx, in.PersonID); err != nil {
			return err
		}
		e := by.AuditID("mentor.create", "mentor", id)
		e.Detail = map[string]any{"person_id": in.PersonID, "fields": p.Fields, "weekly_cap": p.WeeklyCap}
		return audit.Write(ctx, tx, e)
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, id)
}

// Update rewrites the profile and status of the mentor read at version, and the availability
// when av is set (for mentors who do not use the mini program; booked appointments stay as they
// are), audited.
func (s *Service) Update(ctx context.Context, by actor.Actor, id int64, version int, status string, p Profile, av *Availability) (*Mentor, error) {
	if status != StatusActive && status != StatusPaused && status != StatusRetired {
		return nil, &FieldError{"status", "状态只能是 active（在岗）、paused（暂停）或 retired（退出）"}
	}
	if err := checkProfile(ctx, s.db, &p); err != nil {
		return nil, err
	}
	if av != nil {
		if err := av.check(); err != nil {
			return nil, err
		}
	}
	err := sqldb.Retry(ctx, s.db, 3, func(tx *sqlx.Tx) error {
		// The person first, as a claim locks it (see person.RefreshMentorFlag); a mentor's person
		// never changes, so it is read before the mentor's row is locked.
		var personID int64
		err := sqlx.GetContext(ctx, tx, &personID, `SELECT person_id FROM mentors WHERE id = ?`, id)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("mentor: person of %d: %w", id, err)
		}
		if _, err := person.Lock(ctx, tx, personID); err != nil {
			return fmt.Errorf("mentor: lock person %d: %w", personID, err)
		}
		var old struct {
			Status  string `db:"status"`
			Version int    `db:"version"`
		}
		err = sqlx.GetContext(ctx, tx, &old, `SELECT status, version FROM mentors WHERE id = ? FOR UPDATE`, id)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("mentor: lock %d: %w", id, err)
		}
		if old.Version != version {
			return ErrStaleVersion
		}
		if _, err := tx.ExecContext(ctx, `UPDATE mentors SET organisation = ?, title = ?, bio = ?, photo_upload_id = ?, mode_online = ?,
				mode_phone = ?, mode_in_person = ?, service_point_id = ?, status = ?, weekly_cap = ?, slot_minutes = ?,
				version = version + 1, updated_at = ?
			WHERE id = ?`, p.Organisation, p.Title, p.Bio, p.PhotoUploadID, has(p.Modes, ModeOnline), has(p.Modes, ModePhone),
			has(p.Modes, ModeInPerson), p.ServicePointID, status, p.WeeklyCap, p.SlotMinutes, s.clock(), id); err != nil {
			return fmt.Errorf("mentor: update %d: %w", id, err)
		}
		if status != old.Status {
			if err := person.RefreshMentorFlag(ctx, tx, personID); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM mentor_fields WHERE mentor_id = ?`, id); err != nil {
			return fmt.Errorf("mentor: fields of %d: %w", id, err)
		}
		if err := writeFields(ctx, tx, id, p.Fields); err != nil {
			return err
		}
		if av != nil {
			if err := writeAvailability(ctx, tx, id, *av); err != nil {
				return err
			}
		}
		e := by.AuditID("mentor.update", "mentor", id)
		e.Detail = map[string]any{"status": status, "status_before": old.Status, "fields": p.Fields, "weekly_cap": p.WeeklyCap,
			"availability": av != nil}
		return audit.Write(ctx, tx, e)
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, id)
}

func writeFields(ctx context.Context, tx *sqlx.Tx, id int64, fields []string) error {
	for _, f := range fields {
		if _, err := tx.ExecContext(ctx, `INSERT INTO mentor_fields (mentor_id, field_code) VALUES (?, ?)`, id, f); err != nil {
			return fmt.Errorf("mentor: field of %d: %w", id, err)
		}
	}
	return nil
}

type row struct {
	ID             int64          `db:"id"`
	PersonID       int64          `db:"person_id"`
	Name           string         `db:"name"`
	UserID         sql.NullInt64  `db:"user_id"`
	Organisation   string         `db:"organisation"`
	Title          string         `db:"title"`
	Bio            string         `db:"bio"`
	PhotoUploadID  sql.NullString `db:"photo_upload_id"`
	ModeOnline     bool           `db:"mode_online"`
	ModePhone      bool           `db:"mode_phone"`
	ModeInPerson   bool           `db:"mode_in_person"`
	ServicePointID sql.NullInt64  `db:"service_point_id"`
	Status         string         `db:"status"`
	WeeklyCap      int            `db:"weekly_cap"`
	SlotMinutes    int            `db:"slot_minutes"`
	Version        int            `db:"version"`
	CreatedAt      time.Time      `db:"created_at"`
	UpdatedAt      time.Time      `db:"updated_at"`
}

const selectMentors = `SELECT m.id, m.person_id, p.name, p.user_id, m.organisation, m.title, m.bio, m.photo_upload_id, m.mode_online,
	m.mode_phone, m.mode_in_person, m.service_point_id, m.status, m.weekly_cap, m.slot_minutes, m.version, m.created_at, m.updated_at
	FROM mentors m JOIN persons p ON p.id = m.person_id`

func (r *row) mentor() Mentor {
	m := Mentor{ID: r.ID, PersonID: r.PersonID, Name: r.Name, Status: r.Status, Version: r.Version, CreatedAt: r.CreatedAt,
		UpdatedAt: r.UpdatedAt, Profile: Profile{Organisation: r.Organisation, Title: r.Title, Bio: r.Bio,
			WeeklyCap: r.WeeklyCap, SlotMinutes: r.SlotMinutes, Fields: []string{}, Modes: []string{}}}
	if r.PhotoUploadID.Valid {
		m.PhotoUploadID = &r.PhotoUploadID.String
	}
	if r.ServicePointID.Valid {
		m.ServicePointID = &r.ServicePointID.Int64
	}
	for _, x := range []struct {
		on   bool
		mode string
	}{{r.ModeOnline, ModeOnline}, {r.ModePhone, ModePhone}, {r.ModeInPerson, ModeInPerson}} {
		if x.on {
			m.Modes = append(m.Modes, x.mode)
		}
	}
	return m
}

func (m *Mentor) public() Public {
	return Public{ID: m.ID, Name: m.Name, Fields: m.Fields, Organisation: m.Organisation, Title: m.Title, Bio: m.Bio,
		PhotoUploadID: m.PhotoUploadID, Modes: m.Modes, ServicePointID: m.ServicePointID, SlotMinutes: m.SlotMinutes}
}

// fill adds the fields and the availability of ms.
func (s *Service) fill(ctx context.Context, q sqlx.QueryerContext, ms []Mentor) error {
	if len(ms) == 0 {
		return nil
	}
	ids := make([]int64, len(ms))
	at := map[int64]*Mentor{}
	for i := range ms {
		ids[i] = ms[i].ID
		at[ms[i].ID] = &ms[i]
		ms[i].Availability = Availability{Weekly: []Window{}, Exceptions: []Exception{}}
	}
	query, args, err := sqlx.In(`SELECT mentor_id, field_code FROM mentor_fields WHERE mentor_id IN (?) ORDER BY mentor_id, field_code`, ids)
	if err != nil {
		return err
	}
	var fields []struct {
		MentorID int64  `db:"mentor_id"`
		Code     string `db:"field_code"`
	}
	if err := sqlx.SelectContext(ctx, q, &fields, query, args...); err != nil {
		return fmt.Errorf("mentor: fields: %w", err)
	}
	for _, f := range fields {
		at[f.MentorID].Fields = append(at[f.MentorID].Fields, f.Code)
	}
	avs, err := loadAvailability(ctx, q, ids)
	if err != nil {
		return err
	}
	for id, av := range avs {
		at[id].Availability = av
	}
	return nil
}

func (s *Service) get(ctx context.Context, q sqlx.QueryerContext, where string, args ...any) (*Mentor, sql.NullInt64, error) {
	var r row
	err := sqlx.GetContext(ctx, q, &r, selectMentors+` WHERE `+where, args...)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, r.UserID, ErrNotFound
	}
	if err != nil {
		return nil, r.UserID, fmt.Errorf("mentor: get: %w", err)
	}
	ms := []Mentor{r.mentor()}
	if err := s.fill(ctx, q, ms); err != nil {
		return nil, r.UserID, err
	}
	return &ms[0], r.UserID, nil
}

// Get is one mentor, whatever the status.
func (s *Service) Get(ctx context.Context, id int64) (*Mentor, error) {
	m, _, err := s.get(ctx, s.db, `m.id = ?`, id)
	return m, err
}

// List is the mentors for staff, by status ("" = all), in the order they were added.
func (s *Service) List(ctx context.Context, status string) ([]Mentor, error) {
	where, args := "", []any{}
	if status != "" {
		where, args = ` WHERE m.status = ?`, append(args, status)
	}
	var rows []row
	if err := sqlx.SelectContext(ctx, s.db, &rows, selectMentors+where+` ORDER BY m.id LIMIT 1000`, args...); err != nil {
		return nil, fmt.Errorf("mentor: list: %w", sqldb.Classify(err))
	}
	out := make([]Mentor, len(rows))
	for i := range rows {
		out[i] = rows[i].mentor()
	}
	return out, s.fill(ctx, s.db, out)
}

// ListActive is the active mentors' public profiles, those of field only when field is set.
func (s *Service) ListActive(ctx context.Context, field string) ([]Public, error) {
	where, args := ` WHERE m.status = 'active'`, []any{}
	if field != "" {
		where, args = where+` AND EXISTS (SELECT 1 FROM mentor_fields f WHERE f.mentor_id = m.id AND f.field_code = ?)`, append(args, field)
	}
	var rows []row
	if err := sqlx.SelectContext(ctx, s.db, &rows, selectMentors+where+` ORDER BY m.id LIMIT 1000`, args...); err != nil {
		return nil, fmt.Errorf("mentor: list active: %w", sqldb.Classify(err))
	}
	ms := make([]Mentor, len(rows))
	for i := range rows {
		ms[i] = rows[i].mentor()
	}
	if err := s.fill(ctx, s.db, ms); err != nil {
		return nil, err
	}
	out := make([]Public, len(ms))
	for i := range ms {
		out[i] = ms[i].public()
	}
	return out, nil
}

// PublicProfile is an active mentor's public profile and open slots.
type PublicProfile struct {
	Public
	Slots []Slot `json:"slots"`
}

// Open is active mentor id's public profile with the open slots of the next 14 days.
func (s *Service) Open(ctx context.Context, id int64) (*PublicProfile, error) {
	m, _, err := s.get(ctx, s.db, `m.id = ? AND m.status = 'active'`, id)
	if err != nil {
		return nil, err
	}
	now := s.clock()
	booked, err := bookedStarts(ctx, s.db, id, now)
	if err != nil {
		return nil, err
	}
	return &PublicProfile{Public: m.public(), Slots: OpenSlots(m.Availability, m.SlotMinutes, now, booked)}, nil
}

// mentorOf is the active mentor whose person is user userID's.
func (s *Service) mentorOf(ctx context.Context, q sqlx.QueryerContext, userID int64) (*Mentor, error) {
	m, _, err := s.get(ctx, q, `p.user_id = ? AND m.status = 'active'`, userID)
	if errors.Is(err, ErrNotFound) {
		return nil, ErrNotMentor
	}
	return m, err
}

// IsMentor reports whether user userID is an active mentor.
func (s *Service) IsMentor(ctx context.Context, userID int64) (bool, error) {
	var ok bool
	err := sqlx.GetContext(ctx, s.db, &ok, `SELECT EXISTS (SELECT 1 FROM mentors m JOIN persons p ON p.id = m.person_id
		WHERE p.user_id = ? AND m.status = 'active')`, userID)
	if err != nil {
		return false, fmt.Errorf("mentor: is mentor: %w", err)
	}
	return ok, nil
}
