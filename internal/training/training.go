// Package training is the training track (创业培训: 1 month of training + 3 months of incubation +
// 1 year of follow-up) of each person, the visits staff log on it, a person's activities, and the
// yearly counts the dashboard sets against the plan (≥ 12 policy talks, ≥ 1,500 people trained).
//
// A track moves through one transition table (Transitions) under its row lock: enrolled →
// trained (no earlier than a month after enrolment) → incubating (at a park of the service
// network) → followed_up (after at least 3 months of incubation) → graduated (after at least a
// year of follow-up with a visit logged); any stage but graduated → withdrawn. Stage dates are
// Beijing calendar dates; none is in the future or before the stage it follows.
package training

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

	"huixiang/internal/actor"
	"huixiang/internal/alumni"
	"huixiang/internal/audit"
	"huixiang/internal/cn"
	"huixiang/internal/sqldb"
)

// Stages of a track.
const (
	Enrolled   = "enrolled"
	Trained    = "trained"
	Incubating = "incubating"
	FollowedUp = "followed_up"
	Graduated  = "graduated"
	Withdrawn  = "withdrawn"
)

// Stages are the stages in their order (withdrawn last).
var Stages = []string{Enrolled, Trained, Incubating, FollowedUp, Graduated, Withdrawn}

// StageNames are the stages as staff read them.
var StageNames = map[string]string{
	Enrolled: "培训中", Trained: "已结业（待入园孵化）", Incubating: "孵化中", FollowedUp: "跟踪服务中", Graduated: "已毕业", Withdrawn: "已退出",
}

// Action moves a track from one stage to the next.
type Action string

// Actions.
const (
	ActTrain    Action = "train"
	ActIncubate Action = "incubate"
	ActFollowUp Action = "follow-up"
	ActGraduate Action = "graduate"
	ActWithdraw Action = "withdraw"
)

// Transition is one row of the table: the stages it leaves, the stage it reaches, the date
// column it sets, and how long the previous stage must have lasted (Since is the date column
// that stage began, Months how many calendar months).
type Transition struct {
	Action Action
	From   []string
	To     string
	Column string
	Since  string
	Months int
}

// Transitions is the track's state machine.
var Transitions = []Transition{
	{Action: ActTrain, From: []string{Enrolled}, To: Trained, Column: "trained_on", Since: "enrolled_on", Months: 1},
	{Action: ActIncubate, From: []string{Trained}, To: Incubating, Column: "incubating_on", Since: "trained_on"},
	{Action: ActFollowUp, From: []string{Incubating}, To: FollowedUp, Column: "followed_up_on", Since: "incubating_on", Months: 3},
	{Action: ActGraduate, From: []string{FollowedUp}, To: Graduated, Column: "graduated_on", Since: "followed_up_on", Months: 12},
	{Action: ActWithdraw, From: []string{Enrolled, Trained, Incubating, FollowedUp}, To: Withdrawn, Column: "withdrawn_on"},
}

// TransitionOf is the row of action a.
func TransitionOf(a Action) (Transition, bool) {
	for _, t := range Transitions {
		if t.Action == a {
			return t, true
		}
	}
	return Transition{}, false
}

// Visit modes.
var VisitModes = map[string]string{"visit": "上门走访", "phone": "电话回访", "online": "线上回访"}

// Errors callers branch on.
var (
	ErrNotFound = errors.New("training: not found")
	// ErrEnrolled: the person has a track already.
	ErrEnrolled = errors.New("training: already enrolled")
	// ErrInvalidTransition: the action does not apply to the track's stage.
	ErrInvalidTransition = errors.New("training: invalid transition")
	// ErrNoVisits: graduating a track whose follow-up logged no visit.
	ErrNoVisits = errors.New("training: no follow-up visit logged")
)

// TooEarlyError is a stage marked before the previous one lasted long enough.
type TooEarlyError struct {
	Earliest string // 2027-01-03
	Message  string // Chinese
}

func (e *TooEarlyError) Error() string { return "training: too early, earliest " + e.Earliest }

// FieldError names an invalid field.
type FieldError struct {
	Field   string
	Message string // Chinese, for the form
}

func (e *FieldError) Error() string { return "training: " + e.Field + ": " + e.Message }

// Track is a person's training track as staff see it.
type Track struct {
	ID           int64   `db:"id" json:"id"`
	PersonID     int64   `db:"person_id" json:"person_id"`
	PersonName   string  `db:"person_name" json:"person_name"`
	Township     string  `db:"township" json:"township"`
	Stage        string  `db:"stage" json:"stage"`
	StageName    string  `db:"-" json:"stage_name"`
	EnrolledOn   string  `db:"enrolled_on" json:"enrolled_on"`
	TrainedOn    *string `db:"trained_on" json:"trained_on"`
	IncubatingOn *string `db:"incubating_on" json:"incubating_on"`
	ParkID       *int64  `db:"park_id" json:"park_id"`
	ParkName     *string `db:"park_name" json:"park_name"`
	FollowedUpOn *string `db:"followed_up_on" json:"followed_up_on"`
	GraduatedOn  *string `db:"graduated_on" json:"graduated_on"`
	WithdrawnOn  *string `db:"withdrawn_on" json:"withdrawn_on"`
	Note         string  `db:"note" json:"note"`
	// Next is the action that moves the track on (empty when graduated or withdrawn) and NextOn
	// the earliest date it may be marked.
	Next      string    `db:"-" json:"next,omitempty"`
	NextOn    string    `db:"-" json:"next_on,omitempty"`
	Visits    int       `db:"visits" json:"visits"`
	CreatedAt time.Time `db:"created_at" json:"created_at"`
	UpdatedAt time.Time `db:"updated_at" json:"updated_at"`
}

// Visit is a visit or call logged on a track.
type Visit struct {
	ID        int64     `db:"id" json:"id"`
	VisitedOn string    `db:"visited_on" json:"visited_on"`
	Mode      string    `db:"mode" json:"mode"`
	Note      string    `db:"note" json:"note"`
	StaffID   int64     `db:"staff_id" json:"staff_id"`
	StaffName string    `db:"staff_name" json:"staff_name"`
	CreatedAt time.Time `db:"created_at" json:"created_at"`
}

// Activity is an activity a person signed up for or checked in at.
type Activity struct {
	EventID         int64      `db:"id" json:"event_id"`
	Title           string     `db:"title" json:"title"`
	Kind            string     `db:"kind" json:"kind"`
	KindName        string     `db:"-" json:"kind_name"`
	StartsAt        time.Time  `db:"starts_at" json:"starts_at"`
	SignedUp        bool       `db:"signed_up" json:"signed_up"`
	CheckedInAt     *time.Time `db:"checked_in_at" json:"checked_in_at"`
	TrainingMinutes int        `db:"training_minutes" json:"training_minutes"`
}

// Record is a person's track (nil when not enrolled) with its visits, and their activities with
// the training time they were credited.
type Record struct {
	Track           *Track     `json:"track"`
	Visits          []Visit    `json:"visits"`
	Activities      []Activity `json:"activities"`
	TrainingMinutes int        `json:"training_minutes"`
}

// Service keeps the tracks.
type Service struct {
	db  *sqlx.DB
	now func() time.Time
}

// NewService returns a Service; now nil is time.Now.
func NewService(db *sqlx.DB, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{db: db, now: now}
}

// SetClock replaces the clock (tests move it across the stages' months).
func (s *Service) SetClock(now func() time.Time) { s.now = now }

func (s *Service) today() time.Time {
	y, m, d := s.now().In(cn.Zone).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

const trackColumns = `t.id, t.person_id, p.name AS person_name, COALESCE(rg.name, '') AS township, t.stage,
	DATE_FORMAT(t.enrolled_on, '%Y-%m-%d') AS enrolled_on, DATE_FORMAT(t.trained_on, '%Y-%m-%d') AS trained_on,
	DATE_FORMAT(t.incubating_on, '%Y-%m-%d') AS incubating_on, t.park_id, sp.name AS park_name,
	DATE_FORMAT(t.followed_up_on, '%Y-%m-%d') AS followed_up_on, DATE_FORMAT(t.graduated_on, '%Y-%m-%d') AS graduated_on,
	DATE_FORMAT(t.withdrawn_on, '%Y-%m-%d') AS withdrawn_on, t.note,
	(SELECT COUNT(*) FROM training_visits v WHERE v.track_id = t.id) AS visits, t.created_at, t.updated_at
	FROM training_tracks t JOIN persons p ON p.id = t.person_id
	LEFT JOIN returnees r ON r.person_id = t.person_id LEFT JOIN regions rg ON rg.code = r.township_code
	LEFT JOIN service_points sp ON sp.id = t.park_id`

func (t *Track) fill() {
	t.StageName = StageNames[t.Stage]
	t.CreatedAt, t.UpdatedAt = t.CreatedAt.In(cn.Zone), t.UpdatedAt.In(cn.Zone)
	for _, tr := range Transitions {
		if tr.Action == ActWithdraw || !slices.Contains(tr.From, t.Stage) {
			continue
		}
		t.Next = string(tr.Action)
		if since := t.date(tr.Since); since != "" {
			d, _ := time.Parse(time.DateOnly, since)
			t.NextOn = d.AddDate(0, tr.Months, 0).Format(time.DateOnly)
		}
	}
}

// date is the track's date in column col ("" when unset).
func (t *Track) date(col string) string {
	var p *string
	switch col {
	case "enrolled_on":
		return t.EnrolledOn
	case "trained_on":
		p = t.TrainedOn
	case "incubating_on":
		p = t.IncubatingOn
	case "followed_up_on":
		p = t.FollowedUpOn
	case "graduated_on":
		p = t.GraduatedOn
	}
	if p == nil {
		return ""
	}
	return *p
}

func getTrack(ctx context.Context, q sqlx.QueryerContext, where string, args ...any) (*Track, error) {
	var t Track
	err := sqlx.GetContext(ctx, q, &t, `SELECT `+trackColumns+` WHERE `+where, args...)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("training: track: %w", sqldb.Classify(err))
	}
	t.fill()
	return &t, nil
}

// parseDay is a date of the form 2026-12-03 ("" is today), not in the future.
func (s *Service) parseDay(field, v string) (time.Time, error) {
	today := s.today()
	v = strings.TrimSpace(v)
	if v == "" {
		return today, nil
	}
	d, err := time.Parse(time.DateOnly, v)
	if err != nil {
		return time.Time{}, &FieldError{field, "日期格式应为 2026-12-03"}
	}
	if d.After(today) {
		return time.Time{}, &FieldError{field, "日期不能晚于今天"}
	}
	if d.Year() < 2000 {
		return time.Time{}, &FieldError{field, "日期不正确"}
	}
	return d, nil
}

// EnrolInput enrols a person.
type EnrolInput struct {
	PersonID int64  `json:"person_id"`
	On       string `json:"on"` // the enrolment date, Beijing; empty: today
	Note     string `json:"note"`
}

// Enrol starts person's track (audited). A person has one track: ErrEnrolled otherwise.
func (s *Service) Enrol(ctx context.Context, a actor.Actor, in EnrolInput) (*Track, error) {
	on, err := s.parseDay("on", in.On)
	if err != nil {
		return nil, err
	}
	note := strings.TrimSpace(in.Note)
	if utf8.RuneCountInString(note) > 500 {
		return nil, &FieldError{"note", "备注最多 500 个字"}
	}
	now := s.now().UTC()
	var id int64
	err = sqldb.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		var ok bool
		if err := sqlx.GetContext(ctx, tx, &ok, `SELECT EXISTS (SELECT 1 FROM persons WHERE id = ?)`, in.PersonID); err != nil {
			return fmt.Errorf("training: person: %w", sqldb.Classify(err))
		}
		if !ok {
			return &FieldError{"person_id", "没有这个人员，请先登记"}
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO training_tracks (person_id, stage, enrolled_on, note, created_by, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, in.PersonID, Enrolled, on.Format(time.DateOnly), note, a.ID, now, now)
		if errors.Is(sqldb.Classify(err), sqldb.ErrDuplicate) {
			return ErrEnrolled
		}
		if err != nil {
			return fmt.Errorf("training: enrol: %w", sqldb.Classify(err))
		}
		if id, err = res.LastInsertId(); err != nil {
			return err
		}
		e := a.AuditID("training.enrol", "training_track", id)
		e.Detail = map[string]any{"person_id": in.PersonID, "enrolled_on": on.Format(time.DateOnly)}
		return audit.Write(ctx, tx, e)
	})
	if err != nil {
		return nil, err
	}
	return getTrack(ctx, s.db, `t.id = ?`, id)
}

// ActInput is what an action carries: the date it happened (empty: today), the park (incubate)
// and a note (required to withdraw).
type ActInput struct {
	On     string `json:"on"`
	ParkID int64  `json:"park_id"`
	Note   string `json:"note"`
}

// Act moves track id by action (audited), under the track's row lock.
func (s *Service) Act(ctx context.Context, a actor.Actor, id int64, action Action, in ActInput) (*Track, error) {
	tr, ok := TransitionOf(action)
	if !ok {
		return nil, ErrInvalidTransition
	}
	on, err := s.parseDay("on", in.On)
	if err != nil {
		return nil, err
	}
	note := strings.TrimSpace(in.Note)
	switch {
	case utf8.RuneCountInString(note) > 500:
		return nil, &FieldError{"note", "备注最多 500 个字"}
	case action == ActWithdraw && note == "":
		return nil, &FieldError{"note", "请写明退出原因"}
	case action == ActIncubate && in.ParkID <= 0:
		return nil, &FieldError{"park_id", "请选择孵化园区"}
	}
	err = sqldb.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		var locked int64
		err := sqlx.GetContext(ctx, tx, &locked, `SELECT id FROM training_tracks WHERE id = ? FOR UPDATE`, id)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("training: lock %d: %w", id, sqldb.Classify(err))
		}
		t, err := getTrack(ctx, tx, `t.id = ?`, id)
		if err != nil {
			return err
		}
		if !slices.Contains(tr.From, t.Stage) {
			return ErrInvalidTransition
		}
		if err := checkDates(t, tr, on); err != nil {
			return err
		}
		set, args := `stage = ?, `+tr.Column+` = ?, updated_at = ?, version = version + 1`, []any{tr.To, on.Format(time.DateOnly), s.now().UTC()}
		switch action {
		case ActIncubate:
			var park bool
			if err := sqlx.GetContext(ctx, tx, &park, `SELECT EXISTS (SELECT 1 FROM service_points WHERE id = ? AND kind = 'park' AND active)`,
				in.ParkID); err != nil {
				return fmt.Errorf("training: park: %w", sqldb.Classify(err))
			}
			if !park {
				return &FieldError{"park_id", "请选择服务网络中在用的创业园区"}
			}
			set, args = set+`, park_id = ?`, append(args, in.ParkID)
		case ActGraduate:
			var visits int
			if err := sqlx.GetContext(ctx, tx, &visits, `SELECT COUNT(*) FROM training_visits WHERE track_id = ? AND visited_on >= ?`,
				id, *t.FollowedUpOn); err != nil {
				return fmt.Errorf("training: visits: %w", sqldb.Classify(err))
			}
			if visits == 0 {
				return ErrNoVisits
			}
		}
		if note != "" {
			set, args = set+`, note = ?`, append(args, note)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE training_tracks SET `+set+` WHERE id = ? AND stage IN (`+inList(tr.From)+`)`,
			append(args, id)...); err != nil {
			return fmt.Errorf("training: %s %d: %w", action, id, sqldb.Classify(err))
		}
		e := a.AuditID("training."+strings.ReplaceAll(string(action), "-", "_"), "training_track", id)
		e.Detail = map[string]any{"from": t.Stage, "to": tr.To, "on": on.Format(time.DateOnly)}
		if action == ActIncubate {
			e.Detail["park_id"] = in.ParkID
		}
		if note != "" {
			e.Detail["note"] = note
		}
		return audit.Write(ctx, tx, e)
	})
	if err != nil {
		return nil, err
	}
	return getTrack(ctx, s.db, `t.id = ?`, id)
}

// checkDates refuses a date before the stage it follows began, or before that stage lasted its
// months.
func checkDates(t *Track, tr Transition, on time.Time) error {
	since := tr.Since
	if tr.Action == ActWithdraw {
		since = latestColumn(t)
	}
	v := t.date(since)
	if v == "" {
		return nil
	}
	start, err := time.Parse(time.DateOnly, v)
	if err != nil {
		return fmt.Errorf("training: date %q: %w", v, err)
	}
	if on.Before(start) {
		return &FieldError{"on", "日期不能早于上一阶段开始的 " + dateCN(start)}
	}
	if earliest := start.AddDate(0, tr.Months, 0); on.Before(earliest) {
		msg := map[Action]string{
			ActTrain:    "培训期为 1 个月，",
			ActFollowUp: "入园孵化期为 3 个月，",
			ActGraduate: "跟踪服务期为 1 年，",
		}[tr.Action]
		return &TooEarlyError{Earliest: earliest.Format(time.DateOnly), Message: msg + "最早可在 " + dateCN(earliest) + " 标记"}
	}
	return nil
}

// latestColumn is the date column of the track's current stage.
func latestColumn(t *Track) string {
	for _, tr := range Transitions {
		if tr.To == t.Stage {
			return tr.Column
		}
	}
	return "enrolled_on"
}

// dateCN is a date as people read it: 2027年1月3日.
func dateCN(d time.Time) string { return d.Format("2006年1月2日") }

func inList(list []string) string {
	q := make([]string, len(list))
	for i, v := range list {
		q[i] = "'" + v + "'"
	}
	return strings.Join(q, ", ")
}

// VisitInput is a visit or call staff log.
type VisitInput struct {
	On   string `json:"on"`
	Mode string `json:"mode"` // visit, phone, online
	Note string `json:"note"`
}

// AddVisit logs a visit on track id (audited): while the person incubates or is followed up.
func (s *Service) AddVisit(ctx context.Context, a actor.Actor, id int64, in VisitInput) (*Visit, error) {
	on, err := s.parseDay("on", in.On)
	if err != nil {
		return nil, err
	}
	note := strings.TrimSpace(in.Note)
	if _, ok := VisitModes[in.Mode]; !ok {
		return nil, &FieldError{"mode", "请选择走访方式：上门走访、电话回访或线上回访"}
	}
	if n := utf8.RuneCountInString(note); n < 2 || n > 1000 {
		return nil, &FieldError{"note", "请写下走访情况（2-1000 字）"}
	}
	now := s.now().UTC()
	var vid int64
	err = sqldb.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		var cur struct {
			Stage string         `db:"stage"`
			Since sql.NullString `db:"since"`
		}
		err := sqlx.GetContext(ctx, tx, &cur, `SELECT stage, DATE_FORMAT(incubating_on, '%Y-%m-%d') AS since FROM training_tracks
			WHERE id = ? FOR UPDATE`, id)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("training: lock %d: %w", id, sqldb.Classify(err))
		}
		if cur.Stage != Incubating && cur.Stage != FollowedUp {
			return ErrInvalidTransition
		}
		if cur.Since.Valid && on.Format(time.DateOnly) < cur.Since.String {
			return &FieldError{"on", "走访日期不能早于入园孵化的日期"}
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO training_visits (track_id, visited_on, mode, note, staff_id, created_at)
			VALUES (?, ?, ?, ?, ?, ?)`, id, on.Format(time.DateOnly), in.Mode, note, a.ID, now)
		if err != nil {
			return fmt.Errorf("training: visit: %w", sqldb.Classify(err))
		}
		if vid, err = res.LastInsertId(); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE training_tracks SET updated_at = ? WHERE id = ?`, now, id); err != nil {
			return fmt.Errorf("training: touch %d: %w", id, sqldb.Classify(err))
		}
		e := a.AuditID("training.visit", "training_track", id)
		e.Detail = map[string]any{"visit_id": vid, "on": on.Format(time.DateOnly), "mode": in.Mode}
		return audit.Write(ctx, tx, e)
	})
	if err != nil {
		return nil, err
	}
	v := Visit{ID: vid, VisitedOn: on.Format(time.DateOnly), Mode: in.Mode, Note: note, StaffID: a.ID, StaffName: a.Name, CreatedAt: now.In(cn.Zone)}
	return &v, nil
}

// Query filters the list of tracks.
type Query struct {
	Stage string
	// Name matches the start of the person's name.
	Name string
}

// List is a page of tracks, the latest enrolled first.
func (s *Service) List(ctx context.Context, q Query, pr sqldb.PageRequest) (sqldb.Page[Track], error) {
	var where []string
	var args []any
	if q.Stage != "" {
		where, args = append(where, `t.stage = ?`), append(args, q.Stage)
	}
	if name := strings.TrimSpace(q.Name); name != "" {
		where, args = append(where, `p.name LIKE ?`), append(args, likePrefix(name))
	}
	cond := "TRUE"
	if len(where) > 0 {
		cond = strings.Join(where, " AND ")
	}
	var total int
	if err := sqlx.GetContext(ctx, s.db, &total, `SELECT COUNT(*) FROM training_tracks t JOIN persons p ON p.id = t.person_id WHERE `+cond,
		args...); err != nil {
		return sqldb.Page[Track]{}, fmt.Errorf("training: count: %w", sqldb.Classify(err))
	}
	items := []Track{}
	if err := sqlx.SelectContext(ctx, s.db, &items, `SELECT `+trackColumns+` WHERE `+cond+` ORDER BY t.enrolled_on DESC, t.id DESC
		LIMIT ? OFFSET ?`, append(args, pr.Limit(), pr.Offset())...); err != nil {
		return sqldb.Page[Track]{}, fmt.Errorf("training: list: %w", sqldb.Classify(err))
	}
	for i := range items {
		items[i].fill()
	}
	return sqldb.NewPage(pr, items, total), nil
}

func likePrefix(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s) + "%"
}

// Get is track id with its person's visits and activities.
func (s *Service) Get(ctx context.Context, id int64) (*Record, error) {
	t, err := getTrack(ctx, s.db, `t.id = ?`, id)
	if err != nil {
		return nil, err
	}
	return s.record(ctx, t.PersonID, t)
}

// PersonRecord is person's track (nil when not enrolled), visits and activities.
func (s *Service) PersonRecord(ctx context.Context, personID int64) (*Record, error) {
	t, err := getTrack(ctx, s.db, `t.person_id = ?`, personID)
	if errors.Is(err, ErrNotFound) {
		t = nil
	} else if err != nil {
		return nil, err
	}
	return s.record(ctx, personID, t)
}

func (s *Service) record(ctx context.Context, personID int64, t *Track) (*Record, error) {
	rec := &Record{Track: t, Visits: []Visit{}, Activities: []Activity{}}
	if t != nil {
		if err := sqlx.SelectContext(ctx, s.db, &rec.Visits, `SELECT v.id, DATE_FORMAT(v.visited_on, '%Y-%m-%d') AS visited_on, v.mode,
			v.note, v.staff_id, COALESCE(st.display_name, '') AS staff_name, v.created_at
			FROM training_visits v LEFT JOIN staff st ON st.id = v.staff_id
			WHERE v.track_id = ? ORDER BY v.visited_on DESC, v.id DESC`, t.ID); err != nil {
			return nil, fmt.Errorf("training: visits: %w", sqldb.Classify(err))
		}
		for i := range rec.Visits {
			rec.Visits[i].CreatedAt = rec.Visits[i].CreatedAt.In(cn.Zone)
		}
	}
	if err := sqlx.SelectContext(ctx, s.db, &rec.Activities, `SELECT e.id, e.title, e.kind, e.starts_at, e.training_minutes,
		EXISTS (SELECT 1 FROM event_signups s WHERE s.event_id = e.id AND s.person_id = ?) AS signed_up,
		(SELECT c.checked_in_at FROM event_checkins c WHERE c.event_id = e.id AND c.person_id = ?) AS checked_in_at
		FROM events e WHERE e.id IN (SELECT event_id FROM event_signups WHERE person_id = ?
			UNION SELECT event_id FROM event_checkins WHERE person_id = ?)
		ORDER BY e.starts_at DESC, e.id DESC LIMIT 200`, personID, personID, personID, personID); err != nil {
		return nil, fmt.Errorf("training: activities: %w", sqldb.Classify(err))
	}
	for i := range rec.Activities {
		a := &rec.Activities[i]
		a.KindName = alumni.KindName(a.Kind)
		a.StartsAt = a.StartsAt.In(cn.Zone)
		if a.CheckedInAt != nil {
			at := a.CheckedInAt.In(cn.Zone)
			a.CheckedInAt = &at
			rec.TrainingMinutes += a.TrainingMinutes
		}
	}
	return rec, nil
}

// YearCounts are a year's numbers against the plan's targets.
type YearCounts struct {
	Year int `db:"-" json:"year"`
	// PolicyTalks held (begun) in the year; PolicyTalksPlanned those still to come in it.
	PolicyTalks        int `db:"policy_talks" json:"policy_talks"`
	PolicyTalksPlanned int `db:"policy_talks_planned" json:"policy_talks_planned"`
	// Trained is the distinct people who checked in at a training activity (创业培训, 训练营) or
	// completed the track's first stage in the year.
	Trained int `db:"trained" json:"trained"`
	// Enrolled is the tracks started in the year.
	Enrolled int `db:"enrolled" json:"enrolled"`
}

// Targets of the plan, a year.
const (
	PolicyTalkTarget = 12
	TrainedTarget    = 1500
)

// Year counts year (Beijing) against the targets.
func (s *Service) Year(ctx context.Context, year int) (YearCounts, error) {
	from := time.Date(year, 1, 1, 0, 0, 0, 0, cn.Zone).UTC()
	to := time.Date(year+1, 1, 1, 0, 0, 0, 0, cn.Zone).UTC()
	now := s.now().UTC()
	out := YearCounts{Year: year}
	err := sqlx.GetContext(ctx, s.db, &out, `SELECT
		(SELECT COUNT(*) FROM events WHERE kind = ? AND starts_at >= ? AND starts_at < ? AND starts_at <= ?) AS policy_talks,
		(SELECT COUNT(*) FROM events WHERE kind = ? AND starts_at >= ? AND starts_at < ? AND starts_at > ?) AS policy_talks_planned,
		(SELECT COUNT(*) FROM (
			SELECT c.person_id FROM event_checkins c JOIN events e ON e.id = c.event_id
			WHERE e.kind IN (`+inList(alumni.TrainingKinds)+`) AND c.checked_in_at >= ? AND c.checked_in_at < ?
			UNION SELECT person_id FROM training_tracks WHERE trained_on >= ? AND trained_on < ?) t) AS trained,
		(SELECT COUNT(*) FROM training_tracks WHERE enrolled_on >= ? AND enrolled_on < ?) AS enrolled`,
		alumni.KindPolicyTalk, from, to, now, alumni.KindPolicyTalk, from, to, now, from, to,
		fmt.Sprintf("%d-01-01", year), fmt.Sprintf("%d-01-01", year+1), fmt.Sprintf("%d-01-01", year), fmt.Sprintf("%d-01-01", year+1))
	if err != nil {
		return YearCounts{}, fmt.Errorf("training: year %d: %w", year, sqldb.Classify(err))
	}
	out.Year = year
	return out, nil
}
