// Package projectteam is the service team of a signed investment project (一对一帮办: one
// district leader, one department and one cadre) and its approval milestones (立项 → 投产) with
// planned and actual dates, and the approval time: the median days from signing to each
// milestone for the projects signed in a year, against a baseline staff enter and the plan's
// target of 20% faster (−20%).
//
// Who sees a team: district administrators every team; township staff the teams of their
// township's projects; department staff the teams whose department is theirs; and the team's
// leader and cadre their own. District administrators set teams; district administrators and
// the team's department, leader and cadre keep the milestones; district administrators and
// department staff (actor.MayManagePolicies) set the baselines.
//
// Every write takes the project's row lock (SELECT … FOR UPDATE), checks the project is signed
// and is audited in its transaction; a team carries a version (409 on a stale one).
package projectteam

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"huixiang/internal/actor"
	"huixiang/internal/audit"
	"huixiang/internal/cn"
	"huixiang/internal/project"
	"huixiang/internal/sqldb"
)

// Milestones of a project's approval, in their order.
const (
	Approval           = "approval"
	Land               = "land"
	PlanningPermit     = "planning_permit"
	ConstructionPermit = "construction_permit"
	Start              = "start"
	Production         = "production"
)

// Milestones are the milestones in their order: actual dates never go backwards along it.
var Milestones = []string{Approval, Land, PlanningPermit, ConstructionPermit, Start, Production}

// MilestoneNames are the milestones as people read them.
var MilestoneNames = map[string]string{Approval: "立项", Land: "用地", PlanningPermit: "规划许可", ConstructionPermit: "施工许可",
	Start: "开工", Production: "投产"}

// TargetChangePercent is the plan's target: approval 20% faster than the baseline.
const TargetChangePercent = -20

// signedStatuses are the project statuses in which a team and milestones may be set.
var signedStatuses = []string{project.Signed, project.Started, project.Producing}

// Errors callers branch on.
var (
	ErrNotFound = errors.New("projectteam: not found")
	// ErrForbidden: the actor may not make this change.
	ErrForbidden = errors.New("projectteam: forbidden")
	// ErrNotSigned: the project is not signed (or was terminated).
	ErrNotSigned = errors.New("projectteam: project not signed")
	// ErrStaleVersion: the team changed since the caller read it (or was set meanwhile).
	ErrStaleVersion = errors.New("projectteam: stale version")
)

// FieldError names an invalid field.
type FieldError struct {
	Field   string
	Message string // Chinese, for the form
}

func (e *FieldError) Error() string { return "projectteam: " + e.Field + ": " + e.Message }

// OrderError: a milestone's actual date is before an earlier milestone's.
type OrderError struct {
	Milestone, Earlier string
	On, EarlierOn      string
}

func (e *OrderError) Error() string {
	return fmt.Sprintf("projectteam: %s on %s is before %s on %s", e.Milestone, e.On, e.Earlier, e.EarlierOn)
}

// Message is the error in words for the form.
func (e *OrderError) Message() string {
	return fmt.Sprintf("“%s”的实际日期 %s 早于前一环节“%s”的 %s，请检查日期顺序", MilestoneNames[e.Milestone], e.On,
		MilestoneNames[e.Earlier], e.EarlierOn)
}

// Service keeps the teams, milestones and baselines.
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

// SetClock replaces the clock (tests).
func (s *Service) SetClock(now func() time.Time) { s.now = now }

func (s *Service) today() string { return s.now().In(cn.Zone).Format(time.DateOnly) }

// projectRow is what this package reads of a project.
type projectRow struct {
	ID       int64          `db:"id"`
	Name     string         `db:"name"`
	Status   string         `db:"status"`
	SignedOn sql.NullString `db:"signed_on"`
	Township sql.NullString `db:"township_code"`
}

func (p *projectRow) signed() bool {
	return slices.Contains(signedStatuses, p.Status) && p.SignedOn.Valid
}

func getProject(ctx context.Context, q sqlx.QueryerContext, id int64, lock bool) (*projectRow, error) {
	var p projectRow
	query := `SELECT id, name, status, DATE_FORMAT(signed_on, '%Y-%m-%d') AS signed_on, township_code FROM projects WHERE id = ?`
	if lock {
		query += ` FOR UPDATE`
	}
	err := sqlx.GetContext(ctx, q, &p, query, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("projectteam: project %d: %w", id, sqldb.Classify(err))
	}
	return &p, nil
}

// Team is a project's service team.
type Team struct {
	ProjectID  int64     `db:"project_id" json:"project_id"`
	LeaderID   int64     `db:"leader_id" json:"leader_id"`
	LeaderName string    `db:"leader_name" json:"leader_name"`
	Department string    `db:"department" json:"department"`
	CadreID    int64     `db:"cadre_id" json:"cadre_id"`
	CadreName  string    `db:"cadre_name" json:"cadre_name"`
	Version    int       `db:"version" json:"version"`
	UpdatedAt  time.Time `db:"updated_at" json:"updated_at"`
}

func getTeam(ctx context.Context, q sqlx.QueryerContext, projectID int64) (*Team, error) {
	var t Team
	err := sqlx.GetContext(ctx, q, &t, `SELECT t.project_id, t.leader_id, COALESCE(NULLIF(l.display_name, ''), l.username) AS leader_name,
		t.department, t.cadre_id, COALESCE(NULLIF(c.display_name, ''), c.username) AS cadre_name, t.version, t.updated_at
		FROM project_teams t JOIN staff l ON l.id = t.leader_id JOIN staff c ON c.id = t.cadre_id WHERE t.project_id = ?`, projectID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("projectteam: team %d: %w", projectID, sqldb.Classify(err))
	}
	t.UpdatedAt = t.UpdatedAt.In(cn.Zone)
	return &t, nil
}

// member reports whether the actor is the team's leader or cadre.
func member(a actor.Actor, t *Team) bool {
	return t != nil && a.Kind == actor.KindStaff && (t.LeaderID == a.ID || t.CadreID == a.ID)
}

// sees reports whether the actor may see the project's team and milestones.
func sees(a actor.Actor, p *projectRow, t *Team) bool {
	switch {
	case !a.IsStaff():
		return false
	case a.Role == actor.DistrictAdmin, member(a, t):
		return true
	case a.Role == actor.Township:
		return p.Township.Valid && a.SeesTownship(p.Township.String)
	case a.Role == actor.Department:
		return t != nil && a.Department != "" && t.Department == a.Department
	}
	return false
}

// maySetTeam: district administrators set teams.
func maySetTeam(a actor.Actor) bool { return a.IsStaff() && a.Role == actor.DistrictAdmin }

// mayKeepMilestones: district administrators, and the team's department, leader and cadre.
func mayKeepMilestones(a actor.Actor, t *Team) bool {
	switch {
	case !a.IsStaff():
		return false
	case a.Role == actor.DistrictAdmin:
		return true
	}
	return t != nil && (member(a, t) || (a.Role == actor.Department && a.Department != "" && t.Department == a.Department))
}

// TeamView is a project's team as the API shows it: the team is null until set.
type TeamView struct {
	ProjectID     int64   `json:"project_id"`
	ProjectName   string  `json:"project_name"`
	ProjectStatus string  `json:"project_status"`
	SignedOn      *string `json:"signed_on"`
	// Signed: the project may have a team and milestones (signed, started or producing).
	Signed bool  `json:"signed"`
	Team   *Team `json:"team"`
	// MaySet and MayKeepMilestones say what the caller may change.
	MaySet            bool `json:"may_set"`
	MayKeepMilestones bool `json:"may_keep_milestones"`
}

func view(a actor.Actor, p *projectRow, t *Team) *TeamView {
	v := &TeamView{ProjectID: p.ID, ProjectName: p.Name, ProjectStatus: p.Status, Signed: p.signed(), Team: t,
		MaySet: maySetTeam(a) && p.signed(), MayKeepMilestones: mayKeepMilestones(a, t) && p.signed()}
	if p.SignedOn.Valid {
		on := p.SignedOn.String
		v.SignedOn = &on
	}
	return v
}

// load reads the project and its team, and checks the actor sees them (ErrNotFound otherwise).
func (s *Service) load(ctx context.Context, q sqlx.QueryerContext, a actor.Actor, id int64, lock bool) (*projectRow, *Team, error) {
	p, err := getProject(ctx, q, id, lock)
	if err != nil {
		return nil, nil, err
	}
	t, err := getTeam(ctx, q, id)
	if err != nil {
		return nil, nil, err
	}
	if !sees(a, p, t) {
		return nil, nil, ErrNotFound
	}
	return p, t, nil
}

// Team is project id's team (nil inside the view until set).
func (s *Service) Team(ctx context.Context, a actor.Actor, id int64) (*TeamView, error) {
	p, t, err := s.load(ctx, s.db, a, id, false)
	if err != nil {
		return nil, err
	}
	return view(a, p, t), nil
}

// TeamInput sets a team: the leader's and the cadre's staff ids, the department's name, and
// the version read (0 when the project has no team yet).
type TeamInput struct {
	LeaderID   int64  `json:"leader_id"`
	Department string `json:"department"`
	CadreID    int64  `json:"cadre_id"`
	Version    int    `json:"version"`
}

// checkTeam looks the members up: the leader a district-level account (district administrator
// or department staff), the cadre any staff account, the department one of the department
// accounts' departments; none disabled.
func checkTeam(ctx context.Context, q sqlx.QueryerContext, in *TeamInput) error {
	in.Department = strings.TrimSpace(in.Department)
	var role string
	err := sqlx.GetContext(ctx, q, &role, `SELECT role FROM staff WHERE id = ? AND NOT disabled`, in.LeaderID)
	switch {
	case errors.Is(err, sql.ErrNoRows) || (err == nil && role == string(actor.Township)):
		return &FieldError{"leader_id", "区级领导应为在用的区级管理员或区直部门账号"}
	case err != nil:
		return fmt.Errorf("projectteam: leader: %w", sqldb.Classify(err))
	}
	if in.Department == "" || len([]rune(in.Department)) > 64 {
		return &FieldError{"department", "请选择责任部门"}
	}
	var ok bool
	if err := sqlx.GetContext(ctx, q, &ok, `SELECT EXISTS (SELECT 1 FROM staff WHERE role = 'department' AND department = ? AND NOT disabled)`,
		in.Department); err != nil {
		return fmt.Errorf("projectteam: department: %w", sqldb.Classify(err))
	}
	if !ok {
		return &FieldError{"department", "责任部门应为已有区直部门账号的部门"}
	}
	if err := sqlx.GetContext(ctx, q, &ok, `SELECT EXISTS (SELECT 1 FROM staff WHERE id = ? AND NOT disabled)`, in.CadreID); err != nil {
		return fmt.Errorf("projectteam: cadre: %w", sqldb.Classify(err))
	}
	if !ok {
		return &FieldError{"cadre_id", "帮办干部应为在用的工作人员账号"}
	}
	return nil
}

// SetTeam sets project id's team (audited) under the project's row lock: only district
// administrators, only once the project is signed (ErrNotSigned), with the version read
// (ErrStaleVersion when another set it meanwhile).
func (s *Service) SetTeam(ctx context.Context, a actor.Actor, id int64, in TeamInput) (*TeamView, error) {
	err := sqldb.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		p, t, err := s.load(ctx, tx, a, id, true)
		if err != nil {
			return err
		}
		if !maySetTeam(a) {
			return ErrForbidden
		}
		if !p.signed() {
			return ErrNotSigned
		}
		if (t == nil && in.Version != 0) || (t != nil && t.Version != in.Version) {
			return ErrStaleVersion
		}
		if err := checkTeam(ctx, tx, &in); err != nil {
			return err
		}
		now := s.now().UTC()
		if t == nil {
			_, err = tx.ExecContext(ctx, `INSERT INTO project_teams (project_id, leader_id, department, cadre_id, created_by, created_at,
				updated_by, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, id, in.LeaderID, in.Department, in.CadreID, a.ID, now, a.ID, now)
			if errors.Is(sqldb.Classify(err), sqldb.ErrDuplicate) {
				return ErrStaleVersion
			}
		} else {
			var res sql.Result
			res, err = tx.ExecContext(ctx, `UPDATE project_teams SET leader_id = ?, department = ?, cadre_id = ?, version = version + 1,
				updated_by = ?, updated_at = ? WHERE project_id = ? AND version = ?`, in.LeaderID, in.Department, in.CadreID, a.ID, now, id,
				in.Version)
			if err == nil {
				if n, e := res.RowsAffected(); e != nil || n != 1 {
					return ErrStaleVersion
				}
			}
		}
		if err != nil {
			return fmt.Errorf("projectteam: set team %d: %w", id, sqldb.Classify(err))
		}
		e := a.AuditID("project.team", "project", id)
		e.Detail = map[string]any{"leader_id": in.LeaderID, "department": in.Department, "cadre_id": in.CadreID, "version": in.Version + 1}
		return audit.Write(ctx, tx, e)
	})
	if err != nil {
		return nil, err
	}
	return s.Team(ctx, a, id)
}

// Milestone is one approval milestone of a project: the dates are Beijing dates; Days counts
// from the signing date to the actual date; Overdue: planned before today and not reached.
type Milestone struct {
	Milestone string  `json:"milestone"`
	Name      string  `json:"name"`
	PlannedOn *string `json:"planned_on"`
	ActualOn  *string `json:"actual_on"`
	Days      *int    `json:"days"`
	Overdue   bool    `json:"overdue"`
	// FromStatus: no actual date was entered and ActualOn is the day staff moved the project to
	// the status of the same name (开工 started_on, 投产 producing_on); an entered date wins.
	FromStatus bool `json:"from_status"`
}

// MilestonesView is a project's milestones, every one in order (dates null when not set).
type MilestonesView struct {
	ProjectID int64       `json:"project_id"`
	SignedOn  *string     `json:"signed_on"`
	Signed    bool        `json:"signed"`
	Items     []Milestone `json:"items"`
	// MayEdit says whether the caller may change them.
	MayEdit bool `json:"may_edit"`
}

type milestoneRow struct {
	Milestone  string  `db:"milestone"`
	PlannedOn  *string `db:"planned_on"`
	ActualOn   *string `db:"actual_on"`
	FromStatus bool    `db:"from_status"`
}

// statusActual is the actual date of milestone code c.milestone that the project's status
// gives (开工 started_on, 投产 producing_on; NULL for the others), for the reads' COALESCE: the
// project's status and these two milestones are kept in step without writing both.
const statusActual = `CASE c.milestone WHEN '` + Start + `' THEN p.started_on WHEN '` + Production + `' THEN p.producing_on END`

// milestoneCodes is a derived table c(milestone) of every milestone code (portable: no VALUES
// rows), so a milestone without a project_milestones row still reads its status date.
func milestoneCodes() string {
	var b strings.Builder
	for i, code := range Milestones {
		if i > 0 {
			b.WriteString(" UNION ALL ")
		}
		b.WriteString("SELECT '" + code + "' AS milestone")
	}
	return "(" + b.String() + ") c"
}

// daysBetween counts the days from a to b (DateOnly strings).
func daysBetween(a, b string) (int, bool) {
	x, err1 := time.Parse(time.DateOnly, a)
	y, err2 := time.Parse(time.DateOnly, b)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return int(y.Sub(x).Hours() / 24), true
}

func (s *Service) milestones(ctx context.Context, q sqlx.QueryerContext, a actor.Actor, p *projectRow, t *Team) (*MilestonesView, error) {
	rows := []milestoneRow{}
	if err := sqlx.SelectContext(ctx, q, &rows, `SELECT c.milestone, DATE_FORMAT(m.planned_on, '%Y-%m-%d') AS planned_on,
		DATE_FORMAT(COALESCE(m.actual_on, `+statusActual+`), '%Y-%m-%d') AS actual_on,
		(m.actual_on IS NULL AND `+statusActual+` IS NOT NULL) AS from_status
		FROM projects p CROSS JOIN `+milestoneCodes()+`
		LEFT JOIN project_milestones m ON m.project_id = p.id AND m.milestone = c.milestone
		WHERE p.id = ?`, p.ID); err != nil {
		return nil, fmt.Errorf("projectteam: milestones %d: %w", p.ID, sqldb.Classify(err))
	}
	byCode := map[string]milestoneRow{}
	for _, r := range rows {
		byCode[r.Milestone] = r
	}
	v := &MilestonesView{ProjectID: p.ID, Signed: p.signed(), MayEdit: p.signed() && mayKeepMilestones(a, t), Items: []Milestone{}}
	if p.SignedOn.Valid {
		on := p.SignedOn.String
		v.SignedOn = &on
	}
	today := s.today()
	for _, code := range Milestones {
		r := byCode[code]
		m := Milestone{Milestone: code, Name: MilestoneNames[code], PlannedOn: r.PlannedOn, ActualOn: r.ActualOn, FromStatus: r.FromStatus}
		if m.ActualOn != nil && p.SignedOn.Valid {
			if d, ok := daysBetween(p.SignedOn.String, *m.ActualOn); ok {
				m.Days = &d
			}
		}
		m.Overdue = m.ActualOn == nil && m.PlannedOn != nil && *m.PlannedOn < today
		v.Items = append(v.Items, m)
	}
	return v, nil
}

// Milestones are project id's milestones.
func (s *Service) Milestones(ctx context.Context, a actor.Actor, id int64) (*MilestonesView, error) {
	p, t, err := s.load(ctx, s.db, a, id, false)
	if err != nil {
		return nil, err
	}
	return s.milestones(ctx, s.db, a, p, t)
}

// MilestoneInput is one milestone's dates ("" or null: not set).
type MilestoneInput struct {
	Milestone string  `json:"milestone"`
	PlannedOn *string `json:"planned_on"`
	ActualOn  *string `json:"actual_on"`
}

// MilestonesInput is the whole list: milestones left out are cleared. It reads either
// {"milestones": [...]} or the bare list [...].
type MilestonesInput struct {
	Milestones []MilestoneInput `json:"milestones"`
}

// UnmarshalJSON reads the object or the bare list.
func (in *MilestonesInput) UnmarshalJSON(b []byte) error {
	if t := bytes.TrimSpace(b); len(t) > 0 && t[0] == '[' {
		return json.Unmarshal(t, &in.Milestones)
	}
	type plain MilestonesInput
	return json.Unmarshal(b, (*plain)(in))
}

func dateOf(v *string, field string) (string, error) {
	if v == nil || strings.TrimSpace(*v) == "" {
		return "", nil
	}
	d, err := time.Parse(time.DateOnly, strings.TrimSpace(*v))
	if err != nil || d.Year() < 2000 || d.Year() > 2100 {
		return "", &FieldError{field, "日期格式应为 2026-12-03"}
	}
	return d.Format(time.DateOnly), nil
}

// normalise checks the list against the signing date and today: known milestones, each once;
// actual dates not before signing nor after today, and not going backwards along Milestones.
func normalise(in MilestonesInput, signedOn, today string) (map[string][2]string, error) {
	out := map[string][2]string{}
	if len(in.Milestones) > len(Milestones) {
		return nil, &FieldError{"milestones", "审批环节最多 6 个"}
	}
	for _, m := range in.Milestones {
		if !slices.Contains(Milestones, m.Milestone) {
			return nil, &FieldError{"milestone", "审批环节应为 approval、land、planning_permit、construction_permit、start 或 production"}
		}
		if _, dup := out[m.Milestone]; dup {
			return nil, &FieldError{"milestone", "“" + MilestoneNames[m.Milestone] + "”重复填写"}
		}
		planned, err := dateOf(m.PlannedOn, "planned_on")
		if err != nil {
			return nil, err
		}
		actual, err := dateOf(m.ActualOn, "actual_on")
		if err != nil {
			return nil, err
		}
		switch {
		case actual != "" && actual < signedOn:
			return nil, &FieldError{"actual_on", "“" + MilestoneNames[m.Milestone] + "”的实际日期不能早于签约日期 " + signedOn}
		case actual > today:
			return nil, &FieldError{"actual_on", "“" + MilestoneNames[m.Milestone] + "”的实际日期不能晚于今天"}
		}
		out[m.Milestone] = [2]string{planned, actual}
	}
	prev, prevOn := "", ""
	for _, code := range Milestones {
		actual := out[code][1]
		if actual == "" {
			continue
		}
		if prevOn != "" && actual < prevOn {
			return nil, &OrderError{Milestone: code, Earlier: prev, On: actual, EarlierOn: prevOn}
		}
		prev, prevOn = code, actual
	}
	return out, nil
}

// SetMilestones replaces project id's milestones with in (audited) under the project's row
// lock: the project signed (ErrNotSigned), the actor a district administrator or of the team.
func (s *Service) SetMilestones(ctx context.Context, a actor.Actor, id int64, in MilestonesInput) (*MilestonesView, error) {
	var out *MilestonesView
	err := sqldb.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		p, t, err := s.load(ctx, tx, a, id, true)
		if err != nil {
			return err
		}
		if !mayKeepMilestones(a, t) {
			return ErrForbidden
		}
		if !p.signed() {
			return ErrNotSigned
		}
		set, err := normalise(in, p.SignedOn.String, s.today())
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM project_milestones WHERE project_id = ?`, id); err != nil {
			return fmt.Errorf("projectteam: clear milestones %d: %w", id, sqldb.Classify(err))
		}
		now := s.now().UTC()
		detail := map[string]any{}
		for _, code := range Milestones {
			d, ok := set[code]
			if !ok || (d[0] == "" && d[1] == "") {
				continue
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO project_milestones (project_id, milestone, planned_on, actual_on, updated_by,
				updated_at) VALUES (?, ?, NULLIF(?, ''), NULLIF(?, ''), ?, ?)`, id, code, d[0], d[1], a.ID, now); err != nil {
				return fmt.Errorf("projectteam: milestone %d %s: %w", id, code, sqldb.Classify(err))
			}
			detail[code] = map[string]string{"planned_on": d[0], "actual_on": d[1]}
		}
		e := a.AuditID("project.milestones", "project", id)
		e.Detail = detail
		if err := audit.Write(ctx, tx, e); err != nil {
			return err
		}
		out, err = s.milestones(ctx, tx, a, p, t)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Median is the median of values (the mean of the middle two for an even count); ok is false
// for none. values is not changed.
func Median(values []int) (float64, bool) {
	if len(values) == 0 {
		return 0, false
	}
	v := slices.Clone(values)
	sort.Ints(v)
	n := len(v)
	if n%2 == 1 {
		return float64(v[n/2]), true
	}
	return float64(v[n/2-1]+v[n/2]) / 2, true
}

// ChangePercent is the change of median against baseline in percent, one decimal (−20 means
// 20% faster).
func ChangePercent(median float64, baseline int) float64 {
	return math.Round((median-float64(baseline))*1000/float64(baseline)) / 10
}

// Baseline is a milestone's baseline days (null when none is set).
type Baseline struct {
	Milestone string     `db:"milestone" json:"milestone"`
	Name      string     `db:"-" json:"name"`
	Days      *int       `db:"days" json:"days"`
	SetBy     *string    `db:"set_by_name" json:"set_by"`
	SetAt     *time.Time `db:"set_at" json:"set_at"`
}

// Baselines are every milestone's baseline, in order.
func (s *Service) Baselines(ctx context.Context, a actor.Actor) ([]Baseline, error) {
	if !a.IsStaff() {
		return nil, ErrForbidden
	}
	return baselines(ctx, s.db)
}

func baselines(ctx context.Context, q sqlx.QueryerContext) ([]Baseline, error) {
	rows := []Baseline{}
	if err := sqlx.SelectContext(ctx, q, &rows, `SELECT b.milestone, b.days, COALESCE(NULLIF(s.display_name, ''), s.username) AS set_by_name,
		b.set_at FROM approval_baselines b LEFT JOIN staff s ON s.id = b.set_by`); err != nil {
		return nil, fmt.Errorf("projectteam: baselines: %w", sqldb.Classify(err))
	}
	out := make([]Baseline, 0, len(Milestones))
	for _, code := range Milestones {
		b := Baseline{Milestone: code}
		for _, r := range rows {
			if r.Milestone == code {
				b = r
			}
		}
		b.Name = MilestoneNames[code]
		if b.SetAt != nil {
			at := b.SetAt.In(cn.Zone)
			b.SetAt = &at
		}
		out = append(out, b)
	}
	return out, nil
}

// BaselineInput is one milestone's baseline: days 1–3650, or null to clear it.
type BaselineInput struct {
	Milestone string `json:"milestone"`
	Days      *int   `json:"days"`
}

// BaselinesInput are the baselines to set; milestones left out keep theirs.
type BaselinesInput struct {
	Baselines []BaselineInput `json:"baselines"`
}

// SetBaselines sets the baselines (audited): district administrators and department staff.
func (s *Service) SetBaselines(ctx context.Context, a actor.Actor, in BaselinesInput) ([]Baseline, error) {
	if !a.MayManagePolicies() {
		return nil, ErrForbidden
	}
	if len(in.Baselines) == 0 || len(in.Baselines) > len(Milestones) {
		return nil, &FieldError{"baselines", "请填写 1 到 6 个审批环节的基线天数"}
	}
	seen := map[string]bool{}
	for _, b := range in.Baselines {
		switch {
		case !slices.Contains(Milestones, b.Milestone):
			return nil, &FieldError{"milestone", "审批环节应为 approval、land、planning_permit、construction_permit、start 或 production"}
		case seen[b.Milestone]:
			return nil, &FieldError{"milestone", "“" + MilestoneNames[b.Milestone] + "”重复填写"}
		case b.Days != nil && (*b.Days < 1 || *b.Days > 3650):
			return nil, &FieldError{"days", "“" + MilestoneNames[b.Milestone] + "”的基线天数应在 1 到 3650 之间"}
		}
		seen[b.Milestone] = true
	}
	var out []Baseline
	err := sqldb.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		now := s.now().UTC()
		detail := map[string]any{}
		for _, b := range in.Baselines {
			var err error
			if b.Days == nil {
				_, err = tx.ExecContext(ctx, `DELETE FROM approval_baselines WHERE milestone = ?`, b.Milestone)
				detail[b.Milestone] = nil
			} else {
				_, err = tx.ExecContext(ctx, `INSERT INTO approval_baselines (milestone, days, set_by, set_at) VALUES (?, ?, ?, ?)
					ON DUPLICATE KEY UPDATE days = VALUES(days), set_by = VALUES(set_by), set_at = VALUES(set_at)`,
					b.Milestone, *b.Days, a.ID, now)
				detail[b.Milestone] = *b.Days
			}
			if err != nil {
				return fmt.Errorf("projectteam: baseline %s: %w", b.Milestone, sqldb.Classify(err))
			}
		}
		e := a.Audit("approval.baselines", "approval_baselines", "")
		e.Detail = detail
		if err := audit.Write(ctx, tx, e); err != nil {
			return err
		}
		var err error
		out, err = baselines(ctx, tx)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// MilestoneTime is one milestone's approval time in a year: the median days from signing to
// the actual date over the N projects signed in the year that reached it, the baseline, and
// the change against the baseline in percent (null when either is missing); Met: the change is
// at or below the −20% target.
type MilestoneTime struct {
	Milestone     string   `json:"milestone"`
	Name          string   `json:"name"`
	N             int      `json:"n"`
	MedianDays    *float64 `json:"median_days"`
	BaselineDays  *int     `json:"baseline_days"`
	ChangePercent *float64 `json:"change_percent"`
	Met           *bool    `json:"met"`
}

// ApprovalTime is a year's approval time against the baselines. Overall is the change of the
// summed medians against the summed baselines over the milestones having both (null when none
// has), the one number the dashboard shows against TargetChangePercent.
type ApprovalTime struct {
	Year                int             `json:"year"`
	TargetChangePercent int             `json:"target_change_percent"`
	Projects            int             `json:"projects"`
	Items               []MilestoneTime `json:"items"`
	OverallChange       *float64        `json:"overall_change_percent"`
	OverallMet          *bool           `json:"overall_met"`
}

// Summarise computes the year's figures from each milestone's days and the baselines.
func Summarise(year int, days map[string][]int, base map[string]int) ApprovalTime {
	out := ApprovalTime{Year: year, TargetChangePercent: TargetChangePercent, Items: []MilestoneTime{}}
	var sumMedian float64
	var sumBase int
	for _, code := range Milestones {
		m := MilestoneTime{Milestone: code, Name: MilestoneNames[code], N: len(days[code])}
		if b, ok := base[code]; ok && b > 0 {
			m.BaselineDays = &b
		}
		if med, ok := Median(days[code]); ok {
			m.MedianDays = &med
			if m.BaselineDays != nil {
				c := ChangePercent(med, *m.BaselineDays)
				met := c <= TargetChangePercent
				m.ChangePercent, m.Met = &c, &met
				sumMedian += med
				sumBase += *m.BaselineDays
			}
		}
		out.Items = append(out.Items, m)
	}
	if sumBase > 0 {
		c := math.Round((sumMedian-float64(sumBase))*1000/float64(sumBase)) / 10
		met := c <= TargetChangePercent
		out.OverallChange, out.OverallMet = &c, &met
	}
	return out
}

// ApprovalTime is year's approval time (the projects signed in the year, Beijing; township
// staff: their township's projects).
func (s *Service) ApprovalTime(ctx context.Context, a actor.Actor, year int) (ApprovalTime, error) {
	if !a.IsStaff() {
		return ApprovalTime{}, ErrForbidden
	}
	cond, args := `p.signed_on >= ? AND p.signed_on < ?`, []any{fmt.Sprintf("%04d-01-01", year), fmt.Sprintf("%04d-01-01", year+1)}
	if town := a.ScopeTownship(); town != "" {
		cond, args = cond+` AND p.township_code = ?`, append(args, town)
	}
	var rows []struct {
		ProjectID int64  `db:"project_id"`
		Milestone string `db:"milestone"`
		Days      int    `db:"days"`
	}
	// An entered actual date wins; 开工 and 投产 without one count from the project's status dates.
	if err := sqlx.SelectContext(ctx, s.db, &rows, `SELECT p.id AS project_id, c.milestone,
		DATEDIFF(COALESCE(m.actual_on, `+statusActual+`), p.signed_on) AS days
		FROM projects p CROSS JOIN `+milestoneCodes()+`
		LEFT JOIN project_milestones m ON m.project_id = p.id AND m.milestone = c.milestone
		WHERE COALESCE(m.actual_on, `+statusActual+`) IS NOT NULL AND p.status <> 'terminated' AND `+cond, args...); err != nil {
		return ApprovalTime{}, fmt.Errorf("projectteam: approval time %d: %w", year, sqldb.Classify(err))
	}
	days := map[string][]int{}
	projects := map[int64]bool{}
	for _, r := range rows {
		days[r.Milestone] = append(days[r.Milestone], r.Days)
		projects[r.ProjectID] = true
	}
	bs, err := baselines(ctx, s.db)
	if err != nil {
		return ApprovalTime{}, err
	}
	base := map[string]int{}
	for _, b := range bs {
		if b.Days != nil {
			base[b.Milestone] = *b.Days
		}
	}
	out := Summarise(year, days, base)
	out.Projects = len(projects)
	return out, nil
}

// StaffOption is a staff account the team form offers.
type StaffOption struct {
	ID         int64  `db:"id" json:"id"`
	Name       string `db:"name" json:"name"`
	Role       string `db:"role" json:"role"`
	Department string `db:"department" json:"department"`
	Township   string `db:"township_name" json:"township_name"`
}

// Options are what the team form offers: the leaders (district administrators and department
// staff), every staff account as a cadre, and the departments; district administrators only.
func (s *Service) Options(ctx context.Context, a actor.Actor) (leaders, cadres []StaffOption, departments []string, err error) {
	if !maySetTeam(a) {
		return nil, nil, nil, ErrForbidden
	}
	cadres = []StaffOption{}
	if err = sqlx.SelectContext(ctx, s.db, &cadres, `SELECT s.id, COALESCE(NULLIF(s.display_name, ''), s.username) AS name, s.role,
		COALESCE(s.department, '') AS department, COALESCE(r.name, '') AS township_name
		FROM staff s LEFT JOIN regions r ON r.code = s.township_code WHERE NOT s.disabled ORDER BY s.role, s.department, s.id`); err != nil {
		return nil, nil, nil, fmt.Errorf("projectteam: staff: %w", sqldb.Classify(err))
	}
	leaders = []StaffOption{}
	for _, c := range cadres {
		if c.Role != string(actor.Township) {
			leaders = append(leaders, c)
		}
	}
	departments = []string{}
	if err = sqlx.SelectContext(ctx, s.db, &departments, `SELECT DISTINCT department FROM staff WHERE role = 'department' AND NOT disabled
		AND department IS NOT NULL ORDER BY department`); err != nil {
		return nil, nil, nil, fmt.Errorf("projectteam: departments: %w", sqldb.Classify(err))
	}
	return leaders, cadres, departments, nil
}
