// Package selection is the yearly selections (评选): 返乡创业示范企业, 优秀创业者 and 十大杰出校友.
// Staff open a selection with its quota and nomination window; staff nominate people, or people
// nominate themselves in the mini program within the window; the organising department marks
// each nomination selected or rejected — never more selected than the quota, counted under the
// selection's row lock — and publishes the list, which the mini program shows. The winners of
// an alumni selection then get its grade and its points through the ledger, once each.
package selection

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"huixiang/internal/actor"
	"huixiang/internal/audit"
	"huixiang/internal/cn"
	"huixiang/internal/sqldb"
)

// Kinds.
const (
	KindDemoEnterprise          = "demo_enterprise"
	KindOutstandingEntrepreneur = "outstanding_entrepreneur"
	KindOutstandingAlumni       = "outstanding_alumni"
)

// KindNames are the kinds as people read them.
var KindNames = map[string]string{
	KindDemoEnterprise:          "返乡创业示范企业",
	KindOutstandingEntrepreneur: "优秀创业者",
	KindOutstandingAlumni:       "十大杰出校友",
}

// Statuses of a selection and of a nomination.
const (
	StatusOpen      = "open"
	StatusPublished = "published"

	NominationPending  = "pending"
	NominationSelected = "selected"
	NominationRejected = "rejected"
)

// Errors callers branch on.
var (
	ErrNotFound = errors.New("selection: not found")
	// ErrDuplicate: the selection of that kind for that year exists, or the person is nominated.
	ErrDuplicate = errors.New("selection: already exists")
	// ErrClosed: a self-nomination outside the window, or any change after publication.
	ErrClosed = errors.New("selection: closed")
	// ErrQuotaFull: selecting one more than the quota.
	ErrQuotaFull = errors.New("selection: quota full")
	// ErrNotRegistered: the person nominating themselves has no registration (returnee or alumnus).
	ErrNotRegistered = errors.New("selection: not registered")
)

// FieldError names an invalid field.
type FieldError struct {
	Field   string
	Message string // Chinese, for the form
}

func (e *FieldError) Error() string { return "selection: " + e.Field + ": " + e.Message }

// Input is a selection as staff open it.
type Input struct {
	Year        int    `json:"year"`
	Kind        string `json:"kind"`
	Title       string `json:"title"`
	Description string `json:"description"`
	Department  string `json:"department"`
	Quota       int    `json:"quota"`
	OpensOn     string `json:"opens_on"`  // 2026-03-01, Beijing
	ClosesOn    string `json:"closes_on"` // 2026-04-30
	GradeCode   string `json:"grade_code,omitempty"`
	PointsRule  string `json:"points_rule,omitempty"`
}

// Selection is a selection with its counts.
type Selection struct {
	ID          int64      `json:"id" db:"id"`
	Year        int        `json:"year" db:"year"`
	Kind        string     `json:"kind" db:"kind"`
	KindName    string     `json:"kind_name" db:"-"`
	Title       string     `json:"title" db:"title"`
	Description string     `json:"description" db:"description"`
	Department  string     `json:"department" db:"department"`
	Quota       int        `json:"quota" db:"quota"`
	OpensOn     string     `json:"opens_on" db:"opens_on"`
	ClosesOn    string     `json:"closes_on" db:"closes_on"`
	Status      string     `json:"status" db:"status"`
	GradeCode   *string    `json:"grade_code" db:"grade_code"`
	PointsRule  *string    `json:"points_rule" db:"points_rule"`
	Selected    int        `json:"selected" db:"selected"`
	PublishedAt *time.Time `json:"published_at" db:"published_at"`
	CreatedAt   time.Time  `json:"created_at" db:"created_at"`
	// Open: self-nominations are taken today.
	Open bool `json:"nominations_open" db:"-"`
}

// Nomination is one person put forward.
type Nomination struct {
	ID          int64      `json:"id" db:"id"`
	SelectionID int64      `json:"selection_id" db:"selection_id"`
	PersonID    int64      `json:"person_id" db:"person_id"`
	Name        string     `json:"name" db:"name"`
	Township    string     `json:"township" db:"township"`
	Self        bool       `json:"self" db:"self"`
	Statement   string     `json:"statement" db:"statement"`
	Materials   []string   `json:"materials" db:"-"`
	Status      string     `json:"status" db:"status"`
	ReviewNote  string     `json:"review_note" db:"review_note"`
	ReviewedAt  *time.Time `json:"reviewed_at" db:"reviewed_at"`
	CreatedAt   time.Time  `json:"created_at" db:"created_at"`
}

// Winner is a published winner as the mini program shows them.
type Winner struct {
	Name      string `json:"name"`
	Township  string `json:"township"`
	Statement string `json:"statement"`
}

// Rewards give winners of an alumni selection their grade and points; *app wires the alumni
// and points services. Each call must be idempotent (the ledger's key names the selection).
type Rewards interface {
	Reward(ctx context.Context, by actor.Actor, personID int64, grade, rule, reference string) error
}

// Attacher claims a user's uploads for a record in the caller's transaction; *upload.Service is
// one.
type Attacher interface {
	Attach(ctx context.Context, tx sqlx.ExtContext, uploadIDs []string, ownerUserID int64, refType string, refID int64) error
}

// Service keeps selections.
type Service struct {
	db      *sqlx.DB
	now     func() time.Time
	rewards Rewards
	files   Attacher
}

// NewService returns selections on db; rewards may be nil (no grades or points given).
func NewService(db *sqlx.DB, rewards Rewards, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{db: db, now: now, rewards: rewards}
}

// WithFiles makes self-nominations claim their materials (the user's uploads) for the
// nomination, so that nobody names someone else's files.
func (s *Service) WithFiles(f Attacher) *Service {
	s.files = f
	return s
}

// NominateSelf is userID nominating themselves (their registered person) within the window.
func (s *Service) NominateSelf(ctx context.Context, userID, selectionID int64, statement string, materials []string) (*Nomination, error) {
	var personID int64
	err := s.db.GetContext(ctx, &personID, `SELECT id FROM persons WHERE user_id = ?`, userID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotRegistered
	}
	if err != nil {
		return nil, fmt.Errorf("selection: person of user: %w", err)
	}
	return s.Nominate(ctx, actor.User(userID), selectionID, personID, statement, materials)
}

func today(t time.Time) string { return t.In(cn.Zone).Format(time.DateOnly) }

func (s *Selection) fill(now time.Time) {
	s.KindName = KindNames[s.Kind]
	d := today(now)
	s.Open = s.Status == StatusOpen && d >= s.OpensOn && d <= s.ClosesOn
}

func (in *Input) check() error {
	in.Title, in.Description, in.Department = strings.TrimSpace(in.Title), strings.TrimSpace(in.Description), strings.TrimSpace(in.Department)
	switch {
	case in.Year < 2020 || in.Year > 2100:
		return &FieldError{"year", "请填写评选年度"}
	case KindNames[in.Kind] == "":
		return &FieldError{"kind", "评选类别不正确"}
	case in.Title == "" || utf8.RuneCountInString(in.Title) > 60:
		return &FieldError{"title", "请填写名称，不超过 60 字"}
	case utf8.RuneCountInString(in.Description) > 1000:
		return &FieldError{"description", "说明不超过 1000 字"}
	case in.Quota < 1 || in.Quota > 1000:
		return &FieldError{"quota", "名额应在 1 到 1000 之间"}
	}
	o, err1 := time.Parse(time.DateOnly, in.OpensOn)
	c, err2 := time.Parse(time.DateOnly, in.ClosesOn)
	if err1 != nil || err2 != nil || c.Before(o) {
		return &FieldError{"closes_on", "请填写推荐开始和截止日期，截止不早于开始"}
	}
	return nil
}

func nullIfEmpty(s string) any {
	if s = strings.TrimSpace(s); s == "" {
		return nil
	}
	return s
}

// Create opens a selection, audited.
func (s *Service) Create(ctx context.Context, by actor.Actor, in Input) (*Selection, error) {
	if err := in.check(); err != nil {
		return nil, err
	}
	var id int64
	err := sqldb.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		now := s.now().UTC()
		res, err := tx.ExecContext(ctx, `INSERT INTO selections (year, kind, title, description, department, quota, opens_on, closes_on,
				grade_code, points_rule, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			in.Year, in.Kind, in.Title, in.Description, in.Department, in.Quota, in.OpensOn, in.ClosesOn,
			nullIfEmpty(in.GradeCode), nullIfEmpty(in.PointsRule), by.ID, now, now)
		if errors.Is(sqldb.Classify(err), sqldb.ErrDuplicate) {
			return ErrDuplicate
		}
		if err != nil {
			return fmt.Errorf("selection: create: %w", err)
		}
		id, _ = res.LastInsertId()
		e := by.AuditID("selection.create", "selection", id)
		e.Detail = map[string]any{"year": in.Year, "kind": in.Kind, "quota": in.Quota}
		return audit.Write(ctx, tx, e)
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, id)
}

const selectionColumns = `id, year, kind, title, description, department, quota, DATE_FORMAT(opens_on, '%Y-%m-%d') AS opens_on,
	DATE_FORMAT(closes_on, '%Y-%m-%d') AS closes_on, status, grade_code, points_rule, selected, published_at, created_at`

// Get is one selection.
func (s *Service) Get(ctx context.Context, id int64) (*Selection, error) {
	var sel Selection
	err := s.db.GetContext(ctx, &sel, `SELECT `+selectionColumns+` FROM selections WHERE id = ?`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("selection: get %d: %w", id, err)
	}
	sel.fill(s.now())
	return &sel, nil
}

// List is the selections, newest year first; published only when published is true.
func (s *Service) List(ctx context.Context, publishedOnly bool) ([]Selection, error) {
	cond := ""
	if publishedOnly {
		cond = ` WHERE status = 'published' OR (status = 'open' AND closes_on >= ?)`
	}
	var out []Selection
	args := []any{}
	if publishedOnly {
		args = append(args, today(s.now()))
	}
	if err := s.db.SelectContext(ctx, &out, `SELECT `+selectionColumns+` FROM selections`+cond+` ORDER BY year DESC, id DESC LIMIT 100`, args...); err != nil {
		return nil, fmt.Errorf("selection: list: %w", err)
	}
	for i := range out {
		out[i].fill(s.now())
	}
	if out == nil {
		out = []Selection{}
	}
	return out, nil
}

// Nominate puts personID forward: by staff (by is staff) at any time before publication, or by
// the person themselves (by is the user, personID theirs) within the window. One nomination
// per person and selection (409 as ErrDuplicate).
func (s *Service) Nominate(ctx context.Context, by actor.Actor, selectionID, personID int64, statement string, materials []string) (*Nomination, error) {
	statement = strings.TrimSpace(statement)
	if statement == "" || utf8.RuneCountInString(statement) > 2000 {
		return nil, &FieldError{"statement", "请写推荐理由或个人事迹，不超过 2000 字"}
	}
	if len(materials) > 10 {
		return nil, &FieldError{"materials", "材料最多 10 个"}
	}
	if materials == nil {
		materials = []string{}
	}
	m, _ := json.Marshal(materials)
	var id int64
	err := sqldb.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		var sel Selection
		err := tx.GetContext(ctx, &sel, `SELECT `+selectionColumns+` FROM selections WHERE id = ? FOR UPDATE`, selectionID)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("selection: lock %d: %w", selectionID, err)
		}
		sel.fill(s.now())
		self := by.Kind == actor.KindUser
		if sel.Status != StatusOpen || (self && !sel.Open) {
			return ErrClosed
		}
		if self {
			var registered bool
			if err := tx.GetContext(ctx, &registered, `SELECT EXISTS (SELECT 1 FROM returnees WHERE person_id = ?)
				OR EXISTS (SELECT 1 FROM alumni WHERE person_id = ?)`, personID, personID); err != nil {
				return fmt.Errorf("selection: registered: %w", err)
			}
			if !registered {
				return ErrNotRegistered
			}
		}
		var staff any
		if !self {
			staff = by.ID
		}
		now := s.now().UTC()
		res, err := tx.ExecContext(ctx, `INSERT INTO selection_nominations (selection_id, person_id, nominated_by, statement, materials, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, selectionID, personID, staff, statement, string(m), now, now)
		if errors.Is(sqldb.Classify(err), sqldb.ErrDuplicate) {
			return ErrDuplicate
		}
		if err != nil {
			return fmt.Errorf("selection: nominate: %w", err)
		}
		id, _ = res.LastInsertId()
		if self && s.files != nil && len(materials) > 0 {
			if err := s.files.Attach(ctx, tx, materials, by.ID, "nomination", id); err != nil {
				return err
			}
		}
		if !self {
			e := by.AuditID("selection.nominate", "selection", selectionID)
			e.Detail = map[string]any{"person_id": personID, "nomination": id}
			return audit.Write(ctx, tx, e)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.nomination(ctx, id)
}

const nominationColumns = `n.id, n.selection_id, n.person_id, p.name, COALESCE(r.name, '') AS township, n.nominated_by IS NULL AS self,
	n.statement, CAST(n.materials AS CHAR) AS materials, n.status, n.review_note, n.reviewed_at, n.created_at`

const nominationFrom = ` FROM selection_nominations n JOIN persons p ON p.id = n.person_id
	LEFT JOIN returnees rt ON rt.person_id = n.person_id LEFT JOIN regions r ON r.code = rt.township_code`

type nominationRow struct {
	Nomination
	MaterialsJSON string `db:"materials"`
}

func (r nominationRow) nomination() Nomination {
	n := r.Nomination
	_ = json.Unmarshal([]byte(r.MaterialsJSON), &n.Materials)
	if n.Materials == nil {
		n.Materials = []string{}
	}
	return n
}

func (s *Service) nomination(ctx context.Context, id int64) (*Nomination, error) {
	var r nominationRow
	err := s.db.GetContext(ctx, &r, `SELECT `+nominationColumns+nominationFrom+` WHERE n.id = ?`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("selection: nomination %d: %w", id, err)
	}
	n := r.nomination()
	return &n, nil
}

// Nominations are a selection's nominations for staff, the newest first.
func (s *Service) Nominations(ctx context.Context, selectionID int64, status string) ([]Nomination, error) {
	cond, args := "", []any{selectionID}
	if status != "" {
		cond, args = " AND n.status = ?", append(args, status)
	}
	var rows []nominationRow
	if err := s.db.SelectContext(ctx, &rows, `SELECT `+nominationColumns+nominationFrom+` WHERE n.selection_id = ?`+cond+
		` ORDER BY n.created_at DESC, n.id DESC LIMIT 1000`, args...); err != nil {
		return nil, fmt.Errorf("selection: nominations: %w", err)
	}
	out := make([]Nomination, len(rows))
	for i, r := range rows {
		out[i] = r.nomination()
	}
	return out, nil
}

// Review marks a nomination selected, rejected or pending again, before publication. Selecting
// counts against the quota under the selection's row lock: never more than the quota, however
// many reviewers click at once. A nomination of another selection is ErrNotFound. Audited.
func (s *Service) Review(ctx context.Context, by actor.Actor, selectionID, nominationID int64, status, note string) (*Nomination, error) {
	if status != NominationSelected && status != NominationRejected && status != NominationPending {
		return nil, &FieldError{"status", "请选择入选、不入选或待定"}
	}
	note = strings.TrimSpace(note)
	if utf8.RuneCountInString(note) > 500 {
		return nil, &FieldError{"note", "评审意见不超过 500 字"}
	}
	err := sqldb.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		var cur struct {
			SelectionID int64  `db:"selection_id"`
			Status      string `db:"status"`
		}
		err := tx.GetContext(ctx, &cur, `SELECT selection_id, status FROM selection_nominations WHERE id = ? AND selection_id = ?`, nominationID, selectionID)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("selection: review: %w", err)
		}
		// Lock order: the selection, then the nomination.
		var sel struct {
			Status   string `db:"status"`
			Quota    int    `db:"quota"`
			Selected int    `db:"selected"`
		}
		if err := tx.GetContext(ctx, &sel, `SELECT status, quota, selected FROM selections WHERE id = ? FOR UPDATE`, cur.SelectionID); err != nil {
			return fmt.Errorf("selection: review lock: %w", err)
		}
		if sel.Status != StatusOpen {
			return ErrClosed
		}
		if err := tx.GetContext(ctx, &cur.Status, `SELECT status FROM selection_nominations WHERE id = ? FOR UPDATE`, nominationID); err != nil {
			return fmt.Errorf("selection: review: %w", err)
		}
		delta := 0
		if cur.Status == NominationSelected {
			delta--
		}
		if status == NominationSelected {
			delta++
		}
		if sel.Selected+delta > sel.Quota {
			return ErrQuotaFull
		}
		now := s.now().UTC()
		if _, err := tx.ExecContext(ctx, `UPDATE selection_nominations SET status = ?, review_note = ?, reviewed_by = ?, reviewed_at = ?, updated_at = ?
			WHERE id = ?`, status, note, by.ID, now, now, nominationID); err != nil {
			return fmt.Errorf("selection: review: %w", err)
		}
		if delta != 0 {
			if _, err := tx.ExecContext(ctx, `UPDATE selections SET selected = selected + ?, updated_at = ? WHERE id = ?`, delta, now, cur.SelectionID); err != nil {
				return fmt.Errorf("selection: count: %w", err)
			}
		}
		e := by.AuditID("selection.review", "selection", cur.SelectionID)
		e.Detail = map[string]any{"nomination": nominationID, "from": cur.Status, "to": status}
		return audit.Write(ctx, tx, e)
	})
	if err != nil {
		return nil, err
	}
	return s.nomination(ctx, nominationID)
}

// Publish publishes the selected list (the rest stay unpublished), audited, then gives each
// winner of an alumni selection its grade and points (idempotent: publishing a published
// selection again only retries rewards that failed).
func (s *Service) Publish(ctx context.Context, by actor.Actor, id int64) (*Selection, error) {
	err := sqldb.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		var status string
		err := tx.GetContext(ctx, &status, `SELECT status FROM selections WHERE id = ? FOR UPDATE`, id)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("selection: publish: %w", err)
		}
		if status == StatusPublished {
			return nil
		}
		now := s.now().UTC()
		if _, err := tx.ExecContext(ctx, `UPDATE selections SET status = 'published', published_by = ?, published_at = ?, updated_at = ? WHERE id = ?`,
			by.ID, now, now, id); err != nil {
			return fmt.Errorf("selection: publish: %w", err)
		}
		return audit.Write(ctx, tx, by.AuditID("selection.publish", "selection", id))
	})
	if err != nil {
		return nil, err
	}
	sel, err := s.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if s.rewards == nil || (sel.GradeCode == nil && sel.PointsRule == nil) {
		return sel, nil
	}
	winners, err := s.Nominations(ctx, id, NominationSelected)
	if err != nil {
		return nil, err
	}
	grade, rule := "", ""
	if sel.GradeCode != nil {
		grade = *sel.GradeCode
	}
	if sel.PointsRule != nil {
		rule = *sel.PointsRule
	}
	var errs []error
	for _, w := range winners {
		if err := s.rewards.Reward(ctx, by, w.PersonID, grade, rule, fmt.Sprintf("selection:%d", id)); err != nil {
			errs = append(errs, fmt.Errorf("person %d: %w", w.PersonID, err))
		}
	}
	if len(errs) > 0 {
		return sel, fmt.Errorf("selection: rewards of %d (publish again to retry): %w", id, errors.Join(errs...))
	}
	return sel, nil
}

// Winners is a published selection's list, as the mini program shows it.
func (s *Service) Winners(ctx context.Context, id int64) ([]Winner, error) {
	sel, err := s.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if sel.Status != StatusPublished {
		return []Winner{}, nil
	}
	ns, err := s.Nominations(ctx, id, NominationSelected)
	if err != nil {
		return nil, err
	}
	out := make([]Winner, len(ns))
	for i, n := range ns {
		out[i] = Winner{Name: n.Name, Township: n.Township, Statement: n.Statement}
	}
	return out, nil
}

// OutstandingAlumni counts the year's published outstanding alumni (the plan: 10 a year).
func (s *Service) OutstandingAlumni(ctx context.Context, year int) (int, error) {
	var n int
	err := s.db.GetContext(ctx, &n, `SELECT COALESCE(SUM(selected), 0) FROM selections WHERE year = ? AND kind = 'outstanding_alumni' AND status = 'published'`, year)
	if err != nil {
		return 0, fmt.Errorf("selection: outstanding alumni: %w", err)
	}
	return n, nil
}
