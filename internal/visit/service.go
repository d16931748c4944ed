package visit

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
	"huixiang/internal/audit"
	"huixiang/internal/cn"
	"huixiang/internal/cnid"
	"huixiang/internal/sqldb"
)

// Service keeps the visits.
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

// SetClock replaces the clock (tests move it).
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// today is the Beijing date as midnight UTC.
func (s *Service) today() time.Time {
	y, m, d := s.now().In(cn.Zone).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// Today is the Beijing date, 2026-12-04.
func (s *Service) Today() string { return s.today().Format(time.DateOnly) }

const visitColumns = `v.id, v.kind, v.title, DATE_FORMAT(v.visited_on, '%Y-%m-%d') AS visited_on, v.place, v.leader_name,
	v.leader_title, v.participants, v.township_code, rg.name AS township_name, v.result, v.outcome,
	(SELECT COUNT(*) FROM visit_followups f WHERE f.visit_id = v.id AND f.done_at IS NULL) AS open_followups,
	(SELECT COUNT(*) FROM visit_followups f WHERE f.visit_id = v.id AND f.done_at IS NULL AND f.due_on < ?) AS overdue_followups,
	v.version, v.created_by, v.created_at, v.updated_at
	FROM visits v LEFT JOIN regions rg ON rg.code = v.township_code`

func (v *Visit) fill() {
	v.KindName, v.ResultName = KindNames[v.Kind], ResultNames[v.Result]
	v.CreatedAt, v.UpdatedAt = v.CreatedAt.In(cn.Zone), v.UpdatedAt.In(cn.Zone)
	v.Merchants, v.Enterprises, v.Projects = []MerchantRef{}, []Enterprise{}, []ProjectRef{}
}

func township(v *Visit) string {
	if v.TownshipCode == nil {
		return ""
	}
	return *v.TownshipCode
}

// fields are a visit's writable values, normalised.
type fields struct {
	kind, title, on, place, leader, leaderTitle, participants, result, outcome string
	township                                                                   *string
	merchants, projects                                                        []int64
	enterprises                                                                []Enterprise
}

func (f *fields) apply(in Input, today time.Time) error {
	text := func(dst *string, v *string) {
		if v != nil {
			*dst = strings.Join(strings.Fields(*v), " ")
		}
	}
	text(&f.kind, in.Kind)
	text(&f.title, in.Title)
	text(&f.on, in.VisitedOn)
	text(&f.place, in.Place)
	text(&f.leader, in.LeaderName)
	text(&f.leaderTitle, in.LeaderTitle)
	text(&f.participants, in.Participants)
	text(&f.result, in.Result)
	if in.Outcome != nil {
		f.outcome = strings.TrimSpace(*in.Outcome)
	}
	if in.TownshipCode != nil {
		f.township = nil
		if v := strings.TrimSpace(*in.TownshipCode); v != "" {
			f.township = &v
		}
	}
	if in.MerchantIDs != nil {
		f.merchants = dedupe(*in.MerchantIDs)
	}
	if in.ProjectIDs != nil {
		f.projects = dedupe(*in.ProjectIDs)
	}
	if in.Enterprises != nil {
		f.enterprises = nil
		for i, e := range *in.Enterprises {
			name := strings.Join(strings.Fields(e.Name), " ")
			code := strings.TrimSpace(e.USCC)
			if name == "" && code == "" {
				continue
			}
			if n := utf8.RuneCountInString(name); n < 2 || n > 100 {
				return &FieldError{fmt.Sprintf("enterprises[%d].name", i), "企业名称 2-100 字"}
			}
			if code != "" {
				c, err := cnid.NormalizeUSCC(code)
				if err != nil {
					return &FieldError{fmt.Sprintf("enterprises[%d].uscc", i), "统一社会信用代码不正确（18 位，含校验位），不知道可以不填"}
				}
				code = c
			}
			f.enterprises = append(f.enterprises, Enterprise{Name: name, USCC: code})
		}
	}
	if f.result == "" {
		f.result = ResultContacted
	}
	n := utf8.RuneCountInString
	switch {
	case !slices.Contains(Kinds, f.kind):
		return &FieldError{"kind", "类型应为 走出去（out）、请进来（in）或 招商活动（event）"}
	case n(f.title) < 2 || n(f.title) > 100:
		return &FieldError{"title", "请填写事由（2-100 字），如 赴深圳拜访咸安籍企业家"}
	case n(f.place) < 2 || n(f.place) > 100:
		return &FieldError{"place", "请填写地点（2-100 字），如 广东省深圳市"}
	case n(f.leader) > 32:
		return &FieldError{"leader_name", "带队领导姓名最多 32 个字"}
	case n(f.leaderTitle) > 50:
		return &FieldError{"leader_title", "带队领导职务最多 50 个字"}
	case n(f.participants) > 500:
		return &FieldError{"participants", "参加人员最多 500 个字"}
	case !slices.Contains(Results, f.result):
		return &FieldError{"result", "结果应为 contacted、intent、signed 或 none"}
	case n(f.outcome) > 2000:
		return &FieldError{"outcome", "成效最多 2000 个字"}
	case f.township != nil && !townshipRE.MatchString(*f.township):
		return &FieldError{"township_code", "乡镇（街道）代码格式不正确"}
	case len(f.merchants) > MaxMerchants:
		return &FieldError{"merchant_ids", fmt.Sprintf("一次最多关联 %d 位客商", MaxMerchants)}
	case len(f.projects) > MaxProjects:
		return &FieldError{"project_ids", fmt.Sprintf("一次最多关联 %d 个项目", MaxProjects)}
	case len(f.enterprises) > MaxEnterprises:
		return &FieldError{"enterprises", fmt.Sprintf("一次最多填写 %d 家企业", MaxEnterprises)}
	}
	if f.result == ResultSigned && len(f.projects) == 0 {
		return &FieldError{"project_ids", "结果为签约时，请选择签约的项目"}
	}
	d, err := time.Parse(time.DateOnly, f.on)
	switch {
	case err != nil:
		return &FieldError{"visited_on", "请填写日期，格式如 2026-12-03"}
	case d.After(today):
		return &FieldError{"visited_on", "日期不能晚于今天：请在走访、接待或活动之后登记"}
	case d.Year() < 2000:
		return &FieldError{"visited_on", "日期不正确"}
	}
	return nil
}

func dedupe(ids []int64) []int64 {
	out := []int64{}
	for _, id := range ids {
		if id > 0 && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// placed is a linked record's id and township.
type placed struct {
	ID   int64  `db:"id"`
	Town string `db:"town"`
}

// check looks up the township and the merchants and projects the visit links: each exists and,
// unless it was linked already (keep), is one the actor sees.
func (f *fields) check(ctx context.Context, q sqlx.QueryerContext, a actor.Actor, keepMerchants, keepProjects []int64) error {
	if f.township != nil {
		var ok bool
		if err := sqlx.GetContext(ctx, q, &ok, `SELECT EXISTS (SELECT 1 FROM regions WHERE code = ? AND level = 2 AND active)`,
			*f.township); err != nil {
			return fmt.Errorf("visit: township: %w", sqldb.Classify(err))
		}
		if !ok {
			return &FieldError{"township_code", "乡镇（街道）不存在，请重新选择"}
		}
	}
	if len(f.merchants) > 0 {
		query, args, err := sqlx.In(`SELECT person_id AS id, township_code AS town FROM merchants WHERE person_id IN (?)`, f.merchants)
		if err != nil {
			return err
		}
		var rows []placed
		if err := sqlx.SelectContext(ctx, q, &rows, query, args...); err != nil {
			return fmt.Errorf("visit: merchants: %w", sqldb.Classify(err))
		}
		for _, id := range f.merchants {
			i := slices.IndexFunc(rows, func(r placed) bool { return r.ID == id })
			if i < 0 || (!a.SeesTownship(rows[i].Town) && !slices.Contains(keepMerchants, id)) {
				return &FieldError{"merchant_ids", fmt.Sprintf("客商（编号 %d）不存在或不在您的辖区，请从列表中选择", id)}
			}
		}
	}
	if len(f.projects) > 0 {
		query, args, err := sqlx.In(`SELECT id, COALESCE(township_code, '') AS town FROM projects WHERE id IN (?)`, f.projects)
		if err != nil {
			return err
		}
		var rows []placed
		if err := sqlx.SelectContext(ctx, q, &rows, query, args...); err != nil {
			return fmt.Errorf("visit: projects: %w", sqldb.Classify(err))
		}
		for _, id := range f.projects {
			i := slices.IndexFunc(rows, func(r placed) bool { return r.ID == id })
			if i < 0 || (!a.SeesTownship(rows[i].Town) && !slices.Contains(keepProjects, id)) {
				return &FieldError{"project_ids", fmt.Sprintf("招商项目（编号 %d）不存在或不在您的辖区，请从列表中选择", id)}
			}
		}
	}
	return nil
}

func (f *fields) detail() map[string]any {
	return map[string]any{"kind": f.kind, "title": f.title, "visited_on": f.on, "place": f.place, "township_code": f.township,
		"result": f.result, "merchant_ids": f.merchants, "project_ids": f.projects, "enterprises": len(f.enterprises)}
}

// scope answers whether a may record a visit of the fields' township: township staff their own
// township only (an empty township becomes theirs).
func (f *fields) scope(a actor.Actor) error {
	if a.Role == actor.Township && f.township == nil && a.Township != "" {
		t := a.Township
		f.township = &t
	}
	town := ""
	if f.township != nil {
		town = *f.township
	}
	if !a.SeesTownship(town) {
		return ErrOutOfScope
	}
	return nil
}

// writeLinks replaces the visit's merchants, enterprises and projects.
func writeLinks(ctx context.Context, tx *sqlx.Tx, id int64, f *fields) error {
	for _, q := range []string{`DELETE FROM visit_merchants WHERE visit_id = ?`, `DELETE FROM visit_enterprises WHERE visit_id = ?`,
		`DELETE FROM visit_projects WHERE visit_id = ?`} {
		if _, err := tx.ExecContext(ctx, q, id); err != nil {
			return fmt.Errorf("visit: links: %w", sqldb.Classify(err))
		}
	}
	for _, m := range f.merchants {
		if _, err := tx.ExecContext(ctx, `INSERT INTO visit_merchants (visit_id, merchant_id) VALUES (?, ?)`, id, m); err != nil {
			return fmt.Errorf("visit: merchant: %w", sqldb.Classify(err))
		}
	}
	for _, p := range f.projects {
		if _, err := tx.ExecContext(ctx, `INSERT INTO visit_projects (visit_id, project_id) VALUES (?, ?)`, id, p); err != nil {
			return fmt.Errorf("visit: project: %w", sqldb.Classify(err))
		}
	}
	for _, e := range f.enterprises {
		var code *string
		if e.USCC != "" {
			code = &e.USCC
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO visit_enterprises (visit_id, name, uscc) VALUES (?, ?, ?)`, id, e.Name, code); err != nil {
			return fmt.Errorf("visit: enterprise: %w", sqldb.Classify(err))
		}
	}
	return nil
}

// Create records a visit (audited). Township staff record their township's visits.
func (s *Service) Create(ctx context.Context, a actor.Actor, in Input) (*Visit, error) {
	if !a.IsStaff() {
		return nil, ErrForbidden
	}
	var f fields
	if err := f.apply(in, s.today()); err != nil {
		return nil, err
	}
	if err := f.scope(a); err != nil {
		return nil, err
	}
	now := s.now().UTC()
	var id int64
	err := sqldb.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		if err := f.check(ctx, tx, a, nil, nil); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO visits (kind, title, visited_on, place, leader_name, leader_title, participants,
			township_code, result, outcome, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			f.kind, f.title, f.on, f.place, f.leader, f.leaderTitle, f.participants, f.township, f.result, f.outcome, a.ID, now, now)
		if err != nil {
			return fmt.Errorf("visit: create: %w", sqldb.Classify(err))
		}
		if id, err = res.LastInsertId(); err != nil {
			return err
		}
		if err := writeLinks(ctx, tx, id, &f); err != nil {
			return err
		}
		e := a.AuditID("visit.create", "visit", id)
		e.Detail = f.detail()
		return audit.Write(ctx, tx, e)
	})
	if err != nil {
		return nil, err
	}
	return s.get(ctx, s.db, a, id, true)
}

// get reads visit id with its links (and follow-ups when full) for a; ErrNotFound when a does
// not see its township.
func (s *Service) get(ctx context.Context, q sqlx.QueryerContext, a actor.Actor, id int64, full bool) (*Visit, error) {
	var v Visit
	err := sqlx.GetContext(ctx, q, &v, `SELECT `+visitColumns+` WHERE v.id = ?`, s.Today(), id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("visit: get %d: %w", id, sqldb.Classify(err))
	}
	if !a.SeesTownship(township(&v)) {
		return nil, ErrNotFound
	}
	v.fill()
	list := []Visit{v}
	if err := s.links(ctx, q, a, list); err != nil {
		return nil, err
	}
	v = list[0]
	if full {
		if v.Followups, err = s.followups(ctx, q, `f.visit_id = ?`, []any{id}, `f.due_on, f.id`); err != nil {
			return nil, err
		}
	}
	return &v, nil
}

// links fills the merchants, enterprises and projects of the visits; a merchant a does not see
// is shown without its name.
func (s *Service) links(ctx context.Context, q sqlx.QueryerContext, a actor.Actor, visits []Visit) error {
	if len(visits) == 0 {
		return nil
	}
	ids := make([]int64, len(visits))
	at := map[int64]int{}
	for i, v := range visits {
		ids[i], at[v.ID] = v.ID, i
	}
	var ms []MerchantRef
	if err := selectIn(ctx, q, &ms, `SELECT vm.visit_id, vm.merchant_id, p.name, m.township_code, COALESCE(r.name, '') AS township_name
		FROM visit_merchants vm JOIN merchants m ON m.person_id = vm.merchant_id JOIN persons p ON p.id = m.person_id
		LEFT JOIN regions r ON r.code = m.township_code WHERE vm.visit_id IN (?) ORDER BY vm.visit_id, p.name, vm.merchant_id`, ids); err != nil {
		return err
	}
	for _, m := range ms {
		if !a.SeesTownship(m.TownshipCode) {
			m.Name, m.Hidden = "其他镇（街道）的客商", true
		}
		v := &visits[at[m.VisitID]]
		v.Merchants = append(v.Merchants, m)
	}
	var es []Enterprise
	if err := selectIn(ctx, q, &es, `SELECT visit_id, name, COALESCE(uscc, '') AS uscc FROM visit_enterprises WHERE visit_id IN (?)
		ORDER BY visit_id, id`, ids); err != nil {
		return err
	}
	for _, e := range es {
		v := &visits[at[e.VisitID]]
		v.Enterprises = append(v.Enterprises, e)
	}
	var ps []ProjectRef
	if err := selectIn(ctx, q, &ps, `SELECT vp.visit_id, vp.project_id, p.name, p.status FROM visit_projects vp
		JOIN projects p ON p.id = vp.project_id WHERE vp.visit_id IN (?) ORDER BY vp.visit_id, vp.project_id`, ids); err != nil {
		return err
	}
	for _, p := range ps {
		p.StatusName = projectStatusNames[p.Status]
		v := &visits[at[p.VisitID]]
		v.Projects = append(v.Projects, p)
	}
	return nil
}

// projectStatusNames name a project's status (the project package's words, kept here so that
// this package reads the projects table without importing its service).
var projectStatusNames = map[string]string{"planning": "策划", "packaging": "包装", "promoting": "推介", "negotiating": "洽谈",
	"signed": "签约", "started": "开工", "producing": "投产", "terminated": "终止"}

func selectIn(ctx context.Context, q sqlx.QueryerContext, dst any, query string, ids []int64) error {
	query, args, err := sqlx.In(query, ids)
	if err != nil {
		return err
	}
	if err := sqlx.SelectContext(ctx, q, dst, query, args...); err != nil {
		return fmt.Errorf("visit: links: %w", sqldb.Classify(err))
	}
	return nil
}

const followupColumns = `f.id, f.visit_id, f.task, f.owner_staff_id,
	(SELECT COALESCE(NULLIF(st.display_name, ''), st.username) FROM staff st WHERE st.id = f.owner_staff_id) AS owner_name,
	f.owner_department, DATE_FORMAT(f.due_on, '%Y-%m-%d') AS due_on, f.done_at, f.done_note, f.created_at`

func (s *Service) followups(ctx context.Context, q sqlx.QueryerContext, cond string, args []any, order string) ([]Followup, error) {
	out := []Followup{}
	if err := sqlx.SelectContext(ctx, q, &out, `SELECT `+followupColumns+` FROM visit_followups f WHERE `+cond+` ORDER BY `+order,
		args...); err != nil {
		return nil, fmt.Errorf("visit: followups: %w", sqldb.Classify(err))
	}
	today := s.Today()
	for i := range out {
		out[i].fillFollowup(today)
	}
	return out, nil
}

func (f *Followup) fillFollowup(today string) {
	f.CreatedAt = f.CreatedAt.In(cn.Zone)
	if f.DoneAt != nil {
		at := f.DoneAt.In(cn.Zone)
		f.DoneAt = &at
	}
	f.Overdue = f.DoneAt == nil && f.DueOn < today
}

// Get is visit id with its follow-ups, if the actor sees its township (ErrNotFound otherwise).
func (s *Service) Get(ctx context.Context, a actor.Actor, id int64) (*Visit, error) {
	if !a.IsStaff() {
		return nil, ErrForbidden
	}
	return s.get(ctx, s.db, a, id, true)
}

// lock takes visit id's row lock and reads it for a.
func (s *Service) lock(ctx context.Context, tx *sqlx.Tx, a actor.Actor, id int64) (*Visit, error) {
	var locked int64
	err := sqlx.GetContext(ctx, tx, &locked, `SELECT id FROM visits WHERE id = ? FOR UPDATE`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("visit: lock %d: %w", id, sqldb.Classify(err))
	}
	return s.get(ctx, tx, a, id, false)
}

// Update changes visit id (audited) if in.Version is still its version (ErrStaleVersion
// otherwise). Township staff cannot move a visit out of their township.
func (s *Service) Update(ctx context.Context, a actor.Actor, id int64, in Input) (*Visit, error) {
	if !a.IsStaff() {
		return nil, ErrForbidden
	}
	if in.Version <= 0 {
		return nil, &FieldError{"version", "缺少版本号，请刷新后再保存"}
	}
	err := sqldb.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		v, err := s.lock(ctx, tx, a, id)
		if err != nil {
			return err
		}
		if v.Version != in.Version {
			return ErrStaleVersion
		}
		f := fields{kind: v.Kind, title: v.Title, on: v.VisitedOn, place: v.Place, leader: v.LeaderName, leaderTitle: v.LeaderTitle,
			participants: v.Participants, result: v.Result, outcome: v.Outcome, township: v.TownshipCode, enterprises: v.Enterprises}
		var keepM, keepP []int64
		for _, m := range v.Merchants {
			keepM = append(keepM, m.ID)
		}
		for _, p := range v.Projects {
			keepP = append(keepP, p.ID)
		}
		f.merchants, f.projects = slices.Clone(keepM), slices.Clone(keepP)
		if err := f.apply(in, s.today()); err != nil {
			return err
		}
		if err := f.scope(a); err != nil {
			return err
		}
		if err := f.check(ctx, tx, a, keepM, keepP); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE visits SET kind = ?, title = ?, visited_on = ?, place = ?, leader_name = ?,
			leader_title = ?, participants = ?, township_code = ?, result = ?, outcome = ?, version = version + 1, updated_at = ?
			WHERE id = ? AND version = ?`,
			f.kind, f.title, f.on, f.place, f.leader, f.leaderTitle, f.participants, f.township, f.result, f.outcome, s.now().UTC(),
			id, in.Version)
		if err != nil {
			return fmt.Errorf("visit: update %d: %w", id, sqldb.Classify(err))
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return ErrStaleVersion
		}
		if err := writeLinks(ctx, tx, id, &f); err != nil {
			return err
		}
		e := a.AuditID("visit.update", "visit", id)
		e.Detail = f.detail()
		e.Detail["version"] = in.Version + 1
		return audit.Write(ctx, tx, e)
	})
	if err != nil {
		return nil, err
	}
	return s.get(ctx, s.db, a, id, true)
}

func (q Query) where(a actor.Actor, today string) (string, []any) {
	var where []string
	var args []any
	if q.Year > 0 {
		where = append(where, `v.visited_on >= ? AND v.visited_on < ?`)
		args = append(args, fmt.Sprintf("%04d-01-01", q.Year), fmt.Sprintf("%04d-01-01", q.Year+1))
	}
	if q.Kind != "" {
		where, args = append(where, `v.kind = ?`), append(args, q.Kind)
	}
	if q.Township != "" {
		where, args = append(where, `v.township_code = ?`), append(args, q.Township)
	}
	if q.MerchantID > 0 {
		where, args = append(where, `EXISTS (SELECT 1 FROM visit_merchants vm WHERE vm.visit_id = v.id AND vm.merchant_id = ?)`),
			append(args, q.MerchantID)
	}
	if q.ProjectID > 0 {
		where, args = append(where, `EXISTS (SELECT 1 FROM visit_projects vp WHERE vp.visit_id = v.id AND vp.project_id = ?)`),
			append(args, q.ProjectID)
	}
	if q.Overdue {
		where = append(where, `EXISTS (SELECT 1 FROM visit_followups f WHERE f.visit_id = v.id AND f.done_at IS NULL AND f.due_on < ?)`)
		args = append(args, today)
	}
	if q.Mine {
		cond := `f.owner_staff_id = ?`
		args = append(args, a.ID)
		if a.Department != "" {
			cond, args = `(`+cond+` OR f.owner_department = ?)`, append(args, a.Department)
		}
		where = append(where, `EXISTS (SELECT 1 FROM visit_followups f WHERE f.visit_id = v.id AND f.done_at IS NULL AND `+cond+`)`)
	}
	if town := a.ScopeTownship(); town != "" {
		where, args = append(where, `v.township_code = ?`), append(args, town)
	}
	if len(where) == 0 {
		return "TRUE", nil
	}
	return strings.Join(where, " AND "), args
}

// List is a page of the visits the actor sees (township staff: their township's), the latest
// visit first, with the merchants, enterprises and projects of each.
func (s *Service) List(ctx context.Context, a actor.Actor, q Query, pr sqldb.PageRequest) (sqldb.Page[Visit], error) {
	if !a.IsStaff() {
		return sqldb.Page[Visit]{}, ErrForbidden
	}
	today := s.Today()
	cond, args := q.where(a, today)
	var total int
	if err := sqlx.GetContext(ctx, s.db, &total, `SELECT COUNT(*) FROM visits v WHERE `+cond, args...); err != nil {
		return sqldb.Page[Visit]{}, fmt.Errorf("visit: count: %w", sqldb.Classify(err))
	}
	items := []Visit{}
	all := append([]any{today}, args...)
	if err := sqlx.SelectContext(ctx, s.db, &items, `SELECT `+visitColumns+` WHERE `+cond+` ORDER BY v.visited_on DESC, v.id DESC
		LIMIT ? OFFSET ?`, append(all, pr.Limit(), pr.Offset())...); err != nil {
		return sqldb.Page[Visit]{}, fmt.Errorf("visit: list: %w", sqldb.Classify(err))
	}
	for i := range items {
		items[i].fill()
	}
	if err := s.links(ctx, s.db, a, items); err != nil {
		return sqldb.Page[Visit]{}, err
	}
	return sqldb.NewPage(pr, items, total), nil
}

// Stats are year's counts by kind against the targets, the signings, and the follow-ups open
// and overdue now (township staff: their township's).
func (s *Service) Stats(ctx context.Context, a actor.Actor, year int) (YearStats, error) {
	if !a.IsStaff() {
		return YearStats{}, ErrForbidden
	}
	scope, scopeArgs := "TRUE", []any{}
	if town := a.ScopeTownship(); town != "" {
		scope, scopeArgs = `v.township_code = ?`, []any{town}
	}
	var out YearStats
	args := append([]any{fmt.Sprintf("%04d-01-01", year), fmt.Sprintf("%04d-01-01", year+1)}, scopeArgs...)
	if err := sqlx.GetContext(ctx, s.db, &out, `SELECT COALESCE(SUM(v.kind = 'out'), 0) AS out_count,
		COALESCE(SUM(v.kind = 'in'), 0) AS in_count, COALESCE(SUM(v.kind = 'event'), 0) AS event_count,
		COALESCE(SUM(v.result = 'signed'), 0) AS signed_count
		FROM visits v WHERE v.visited_on >= ? AND v.visited_on < ? AND `+scope, args...); err != nil {
		return YearStats{}, fmt.Errorf("visit: stats: %w", sqldb.Classify(err))
	}
	var f struct {
		Open    int `db:"open_count"`
		Overdue int `db:"overdue_count"`
	}
	if err := sqlx.GetContext(ctx, s.db, &f, `SELECT COUNT(*) AS open_count, COALESCE(SUM(f.due_on < ?), 0) AS overdue_count
		FROM visit_followups f JOIN visits v ON v.id = f.visit_id WHERE f.done_at IS NULL AND `+scope,
		append([]any{s.Today()}, scopeArgs...)...); err != nil {
		return YearStats{}, fmt.Errorf("visit: stats: %w", sqldb.Classify(err))
	}
	out.Year, out.OutTarget, out.InTarget, out.EventTarget = year, OutTarget, InTarget, EventTarget
	out.OpenFollowups, out.OverdueFollowups = f.Open, f.Overdue
	return out, nil
}

// Overdue are the overdue follow-ups the actor sees, the longest overdue first, at most limit.
func (s *Service) Overdue(ctx context.Context, a actor.Actor, limit int) ([]OverdueItem, error) {
	if !a.IsStaff() {
		return nil, ErrForbidden
	}
	cond, args := `f.done_at IS NULL AND f.due_on < ?`, []any{s.Today()}
	if town := a.ScopeTownship(); town != "" {
		cond, args = cond+` AND v.township_code = ?`, append(args, town)
	}
	out := []OverdueItem{}
	if err := sqlx.SelectContext(ctx, s.db, &out, `SELECT `+followupColumns+`, v.title AS visit_title, v.kind AS visit_kind,
		DATE_FORMAT(v.visited_on, '%Y-%m-%d') AS visited_on FROM visit_followups f JOIN visits v ON v.id = f.visit_id
		WHERE `+cond+` ORDER BY f.due_on, f.id LIMIT ?`, append(args, limit)...); err != nil {
		return nil, fmt.Errorf("visit: overdue: %w", sqldb.Classify(err))
	}
	today := s.Today()
	for i := range out {
		out[i].fillFollowup(today)
	}
	return out, nil
}

// AddFollowup adds a follow-up to visit id (audited): a task, an owner (a staff account, a
// department or both) and a due date not before the visit.
func (s *Service) AddFollowup(ctx context.Context, a actor.Actor, id int64, in FollowupInput) (*Followup, error) {
	if !a.IsStaff() {
		return nil, ErrForbidden
	}
	task := strings.TrimSpace(in.Task)
	dept := strings.Join(strings.Fields(in.OwnerDepartment), " ")
	n := utf8.RuneCountInString
	switch {
	case n(task) < 2 || n(task) > 500:
		return nil, &FieldError{"task", "请填写跟进事项（2-500 字）"}
	case n(dept) > 64:
		return nil, &FieldError{"owner_department", "责任单位最多 64 个字"}
	case (in.OwnerStaffID == nil || *in.OwnerStaffID == 0) && dept == "":
		return nil, &FieldError{"owner_department", "请填写责任单位或选择责任人"}
	}
	var owner *int64
	if in.OwnerStaffID != nil && *in.OwnerStaffID != 0 {
		owner = in.OwnerStaffID
	}
	due, err := time.Parse(time.DateOnly, strings.TrimSpace(in.DueOn))
	if err != nil || due.Year() < 2000 || due.Year() > 2100 {
		return nil, &FieldError{"due_on", "请填写完成期限，格式如 2026-12-31"}
	}
	var fid int64
	err = sqldb.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		v, err := s.lock(ctx, tx, a, id)
		if err != nil {
			return err
		}
		if due.Format(time.DateOnly) < v.VisitedOn {
			return &FieldError{"due_on", "完成期限不能早于走访日期 " + v.VisitedOn}
		}
		if owner != nil {
			var ok bool
			if err := sqlx.GetContext(ctx, tx, &ok, `SELECT EXISTS (SELECT 1 FROM staff WHERE id = ? AND NOT disabled)`, *owner); err != nil {
				return fmt.Errorf("visit: owner: %w", sqldb.Classify(err))
			}
			if !ok {
				return &FieldError{"owner_staff_id", "责任人账号不存在或已停用，请重新选择"}
			}
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO visit_followups (visit_id, task, owner_staff_id, owner_department, due_on,
			created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`, id, task, owner, dept, due.Format(time.DateOnly), a.ID, s.now().UTC())
		if err != nil {
			return fmt.Errorf("visit: add followup: %w", sqldb.Classify(err))
		}
		if fid, err = res.LastInsertId(); err != nil {
			return err
		}
		e := a.AuditID("visit.followup", "visit", id)
		e.Detail = map[string]any{"followup_id": fid, "owner_staff_id": owner, "owner_department": dept, "due_on": due.Format(time.DateOnly)}
		return audit.Write(ctx, tx, e)
	})
	if err != nil {
		return nil, err
	}
	list, err := s.followups(ctx, s.db, `f.id = ?`, []any{fid}, `f.id`)
	if err != nil || len(list) != 1 {
		return nil, errors.Join(err, ErrNotFound)
	}
	return &list[0], nil
}

// Done marks follow-up fid of visit id done (audited), once: a second time is ErrFollowupDone.
func (s *Service) Done(ctx context.Context, a actor.Actor, id, fid int64, in DoneInput) (*Followup, error) {
	if !a.IsStaff() {
		return nil, ErrForbidden
	}
	note := strings.TrimSpace(in.Note)
	if utf8.RuneCountInString(note) > 500 {
		return nil, &FieldError{"note", "办理情况最多 500 个字"}
	}
	err := sqldb.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		if _, err := s.get(ctx, tx, a, id, false); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE visit_followups SET done_at = ?, done_by = ?, done_note = ?
			WHERE id = ? AND visit_id = ? AND done_at IS NULL`, s.now().UTC(), a.ID, note, fid, id)
		if err != nil {
			return fmt.Errorf("visit: done %d: %w", fid, sqldb.Classify(err))
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n != 1 {
			var exists bool
			if err := sqlx.GetContext(ctx, tx, &exists, `SELECT EXISTS (SELECT 1 FROM visit_followups WHERE id = ? AND visit_id = ?)`,
				fid, id); err != nil {
				return fmt.Errorf("visit: done %d: %w", fid, sqldb.Classify(err))
			}
			if !exists {
				return ErrNotFound
			}
			return ErrFollowupDone
		}
		e := a.AuditID("visit.followup_done", "visit", id)
		e.Detail = map[string]any{"followup_id": fid}
		if note != "" {
			e.Detail["note"] = note
		}
		return audit.Write(ctx, tx, e)
	})
	if err != nil {
		return nil, err
	}
	list, err := s.followups(ctx, s.db, `f.id = ?`, []any{fid}, `f.id`)
	if err != nil || len(list) != 1 {
		return nil, errors.Join(err, ErrNotFound)
	}
	return &list[0], nil
}

// Owners are the active staff accounts a follow-up may be given to, with their department.
func (s *Service) Owners(ctx context.Context, a actor.Actor) ([]Owner, error) {
	if !a.IsStaff() {
		return nil, ErrForbidden
	}
	out := []Owner{}
	if err := sqlx.SelectContext(ctx, s.db, &out, `SELECT id, CONCAT(COALESCE(NULLIF(display_name, ''), username),
		CASE WHEN department IS NOT NULL AND department <> '' THEN CONCAT('（', department, '）') ELSE '' END) AS name
		FROM staff WHERE NOT disabled ORDER BY role, department, id LIMIT 500`); err != nil {
		return nil, fmt.Errorf("visit: owners: %w", sqldb.Classify(err))
	}
	return out, nil
}

// Choice is a merchant or project a form offers to link.
type Choice struct {
	ID   int64  `db:"id" json:"id"`
	Name string `db:"name" json:"name"`
	Hint string `db:"hint" json:"hint"`
}

// MaxChoices bounds the merchants and projects a form offers.
const MaxChoices = 500

// Choices are the merchants (name, hometown and business city) and the projects (name and
// status) the actor sees, by name, for the form's pickers; name narrows both to names containing it.
func (s *Service) Choices(ctx context.Context, a actor.Actor, name string) (merchants, projects []Choice, err error) {
	if !a.IsStaff() {
		return nil, nil, ErrForbidden
	}
	like := "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(strings.TrimSpace(name)) + "%"
	mCond, mArgs := `p.name LIKE ?`, []any{like}
	pCond, pArgs := `pj.name LIKE ?`, []any{like}
	if town := a.ScopeTownship(); town != "" {
		mCond, mArgs = mCond+` AND m.township_code = ?`, append(mArgs, town)
		pCond, pArgs = pCond+` AND pj.township_code = ?`, append(pArgs, town)
	}
	merchants, projects = []Choice{}, []Choice{}
	if err := sqlx.SelectContext(ctx, s.db, &merchants, `SELECT m.person_id AS id, p.name,
		CONCAT(COALESCE(r.name, ''), CASE WHEN m.biz_city <> '' THEN CONCAT(' · ', m.biz_city) ELSE '' END) AS hint
		FROM merchants m JOIN persons p ON p.id = m.person_id LEFT JOIN regions r ON r.code = m.township_code
		WHERE `+mCond+` ORDER BY p.name, m.person_id LIMIT ?`, append(mArgs, MaxChoices)...); err != nil {
		return nil, nil, fmt.Errorf("visit: merchant choices: %w", sqldb.Classify(err))
	}
	if err := sqlx.SelectContext(ctx, s.db, &projects, `SELECT pj.id, pj.name, pj.status AS hint FROM projects pj
		WHERE `+pCond+` ORDER BY pj.name, pj.id LIMIT ?`, append(pArgs, MaxChoices)...); err != nil {
		return nil, nil, fmt.Errorf("visit: project choices: %w", sqldb.Classify(err))
	}
	for i := range projects {
		projects[i].Hint = projectStatusNames[projects[i].Hint]
	}
	return merchants, projects, nil
}
