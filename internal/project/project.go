// Package project is the list of investment projects (招商项目清单): what each project is, where it
// lies, what it needs, its status from 策划 to 投产, whether it is published to the mini program,
// and the year's count against the plan (≥ 30 projects packaged a year).
//
// A project's status moves through one transition table (Transitions) under its row lock, with
// a conditional UPDATE; every write is audited in its transaction. Township staff see their
// township's projects only and change none; district administrators and department staff see
// and change all (actor.MayManagePolicies).
package project

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"huixiang/internal/actor"
	"huixiang/internal/audit"
	"huixiang/internal/cn"
	"huixiang/internal/sqldb"
)

// Statuses of a project.
const (
	Planning    = "planning"
	Packaging   = "packaging"
	Promoting   = "promoting"
	Negotiating = "negotiating"
	Signed      = "signed"
	Started     = "started"
	Producing   = "producing"
	Terminated  = "terminated"
)

// Statuses are the statuses in their order (terminated last).
var Statuses = []string{Planning, Packaging, Promoting, Negotiating, Signed, Started, Producing, Terminated}

// StatusNames are the statuses as people read them.
var StatusNames = map[string]string{
	Planning: "策划", Packaging: "包装", Promoting: "推介", Negotiating: "洽谈", Signed: "签约", Started: "开工", Producing: "投产",
	Terminated: "终止",
}

// Publishable are the statuses in which a project may be shown in the mini program.
var Publishable = []string{Packaging, Promoting, Negotiating, Signed, Started, Producing}

// Transition is one row of the table: the statuses it leaves and the one it reaches; the date
// the project reached To is kept in column To+"_on".
type Transition struct {
	From []string
	To   string
}

// Transitions is the project's state machine: one step forward at a time, or terminated from
// any status but producing.
var Transitions = []Transition{
	{From: []string{Planning}, To: Packaging},
	{From: []string{Packaging}, To: Promoting},
	{From: []string{Promoting}, To: Negotiating},
	{From: []string{Negotiating}, To: Signed},
	{From: []string{Signed}, To: Started},
	{From: []string{Started}, To: Producing},
	{From: []string{Planning, Packaging, Promoting, Negotiating, Signed, Started}, To: Terminated},
}

// TransitionTo is the row reaching status to.
func TransitionTo(to string) (Transition, bool) {
	for _, t := range Transitions {
		if t.To == to {
			return t, true
		}
	}
	return Transition{}, false
}

// YearTarget is the plan's number of projects packaged a year.
const YearTarget = 30

// Errors callers branch on.
var (
	ErrNotFound = errors.New("project: not found")
	// ErrForbidden: the actor may not change projects.
	ErrForbidden = errors.New("project: forbidden")
	// ErrStaleVersion: the project changed since the caller read it.
	ErrStaleVersion = errors.New("project: stale version")
	// ErrInvalidTransition: the status move does not apply to the project's status.
	ErrInvalidTransition = errors.New("project: invalid transition")
	// ErrNotPublishable: publishing a project still being planned, or terminated.
	ErrNotPublishable = errors.New("project: not publishable")
	// ErrInUse: only a project still being planned, with no visit or match recorded, may be
	// deleted; any other is terminated instead.
	ErrInUse = errors.New("project: in use")
)

// FieldError names an invalid field.
type FieldError struct {
	Field   string
	Message string // Chinese, for the form
}

func (e *FieldError) Error() string { return "project: " + e.Field + ": " + e.Message }

// Chain is a "3+2" industrial chain.
type Chain struct {
	Code string `db:"code" json:"code"`
	Name string `db:"name" json:"name"`
	Tier string `db:"tier" json:"tier"`
}

// Project is a project as staff see it.
type Project struct {
	ID                int64      `db:"id" json:"id"`
	Name              string     `db:"name" json:"name"`
	IndustryCode      string     `db:"industry_code" json:"industry_code"`
	ChainCode         *string    `db:"chain_code" json:"chain_code"`
	ChainName         *string    `db:"chain_name" json:"chain_name"`
	ChainLink         string     `db:"chain_link" json:"chain_link"`
	TownshipCode      *string    `db:"township_code" json:"township_code"`
	TownshipName      *string    `db:"township_name" json:"township_name"`
	ParkID            *int64     `db:"park_id" json:"park_id"`
	ParkName          *string    `db:"park_name" json:"park_name"`
	InvestmentFen     int64      `db:"investment_fen" json:"investment_fen"`
	LandMuHundredths  int64      `db:"land_mu_hundredths" json:"land_mu_hundredths"`
	Stage             string     `db:"stage" json:"stage"`
	PartnerWanted     string     `db:"partner_wanted" json:"partner_wanted"`
	ContactDepartment string     `db:"contact_department" json:"contact_department"`
	ContactPerson     string     `db:"contact_person" json:"contact_person"`
	ContactPhone      string     `db:"contact_phone" json:"contact_phone"`
	Description       string     `db:"description" json:"description"`
	Status            string     `db:"status" json:"status"`
	StatusName        string     `db:"-" json:"status_name"`
	PlanningOn        string     `db:"planning_on" json:"planning_on"`
	PackagingOn       *string    `db:"packaging_on" json:"packaging_on"`
	PromotingOn       *string    `db:"promoting_on" json:"promoting_on"`
	NegotiatingOn     *string    `db:"negotiating_on" json:"negotiating_on"`
	SignedOn          *string    `db:"signed_on" json:"signed_on"`
	StartedOn         *string    `db:"started_on" json:"started_on"`
	ProducingOn       *string    `db:"producing_on" json:"producing_on"`
	TerminatedOn      *string    `db:"terminated_on" json:"terminated_on"`
	Published         bool       `db:"published" json:"published"`
	PublishedAt       *time.Time `db:"published_at" json:"published_at"`
	Version           int        `db:"version" json:"version"`
	CreatedBy         int64      `db:"created_by" json:"created_by"`
	CreatedAt         time.Time  `db:"created_at" json:"created_at"`
	UpdatedAt         time.Time  `db:"updated_at" json:"updated_at"`
}

// PublicProject is a published project as the mini program shows it: the contact department,
// no person or phone, nothing internal.
type PublicProject struct {
	ID                int64      `json:"id"`
	Name              string     `json:"name"`
	IndustryCode      string     `json:"industry_code"`
	ChainCode         *string    `json:"chain_code"`
	ChainName         *string    `json:"chain_name"`
	ChainLink         string     `json:"chain_link"`
	TownshipCode      *string    `json:"township_code"`
	TownshipName      *string    `json:"township_name"`
	ParkName          *string    `json:"park_name"`
	InvestmentFen     int64      `json:"investment_fen"`
	LandMuHundredths  int64      `json:"land_mu_hundredths"`
	Stage             string     `json:"stage"`
	PartnerWanted     string     `json:"partner_wanted"`
	ContactDepartment string     `json:"contact_department"`
	Description       string     `json:"description"`
	Status            string     `json:"status"`
	StatusName        string     `json:"status_name"`
	PublishedAt       *time.Time `json:"published_at"`
}

// Public is the project as the mini program shows it.
func (p *Project) Public() PublicProject {
	return PublicProject{ID: p.ID, Name: p.Name, IndustryCode: p.IndustryCode, ChainCode: p.ChainCode, ChainName: p.ChainName,
		ChainLink: p.ChainLink, TownshipCode: p.TownshipCode, TownshipName: p.TownshipName, ParkName: p.ParkName,
		InvestmentFen: p.InvestmentFen, LandMuHundredths: p.LandMuHundredths, Stage: p.Stage, PartnerWanted: p.PartnerWanted,
		ContactDepartment: p.ContactDepartment, Description: p.Description, Status: p.Status, StatusName: p.StatusName,
		PublishedAt: p.PublishedAt}
}

// Service keeps the projects.
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

// SetClock replaces the clock (tests move it across years).
func (s *Service) SetClock(now func() time.Time) { s.now = now }

func (s *Service) today() time.Time {
	y, m, d := s.now().In(cn.Zone).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

const projectColumns = `p.id, p.name, p.industry_code, p.chain_code, ch.name AS chain_name, p.chain_link, p.township_code,
	rg.name AS township_name, p.park_id, sp.name AS park_name, p.investment_fen, p.land_mu_hundredths, p.stage, p.partner_wanted,
	p.contact_department, p.contact_person, p.contact_phone, p.description, p.status,
	DATE_FORMAT(p.planning_on, '%Y-%m-%d') AS planning_on, DATE_FORMAT(p.packaging_on, '%Y-%m-%d') AS packaging_on,
	DATE_FORMAT(p.promoting_on, '%Y-%m-%d') AS promoting_on, DATE_FORMAT(p.negotiating_on, '%Y-%m-%d') AS negotiating_on,
	DATE_FORMAT(p.signed_on, '%Y-%m-%d') AS signed_on, DATE_FORMAT(p.started_on, '%Y-%m-%d') AS started_on,
	DATE_FORMAT(p.producing_on, '%Y-%m-%d') AS producing_on, DATE_FORMAT(p.terminated_on, '%Y-%m-%d') AS terminated_on,
	p.published, p.published_at, p.version, p.created_by, p.created_at, p.updated_at
	FROM projects p LEFT JOIN industrial_chains ch ON ch.code = p.chain_code
	LEFT JOIN regions rg ON rg.code = p.township_code LEFT JOIN service_points sp ON sp.id = p.park_id`

func (p *Project) fill() {
	p.StatusName = StatusNames[p.Status]
	p.CreatedAt, p.UpdatedAt = p.CreatedAt.In(cn.Zone), p.UpdatedAt.In(cn.Zone)
	if p.PublishedAt != nil {
		at := p.PublishedAt.In(cn.Zone)
		p.PublishedAt = &at
	}
}

// date is the date the project reached status ("" when it has not).
func (p *Project) date(status string) string {
	var v *string
	switch status {
	case Planning:
		return p.PlanningOn
	case Packaging:
		v = p.PackagingOn
	case Promoting:
		v = p.PromotingOn
	case Negotiating:
		v = p.NegotiatingOn
	case Signed:
		v = p.SignedOn
	case Started:
		v = p.StartedOn
	case Producing:
		v = p.ProducingOn
	case Terminated:
		v = p.TerminatedOn
	}
	if v == nil {
		return ""
	}
	return *v
}

func getProject(ctx context.Context, q sqlx.QueryerContext, id int64) (*Project, error) {
	var p Project
	err := sqlx.GetContext(ctx, q, &p, `SELECT `+projectColumns+` WHERE p.id = ?`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("project: get %d: %w", id, sqldb.Classify(err))
	}
	p.fill()
	return &p, nil
}

// Input is a project's fields as a form sends them. On update a field left out (null) keeps its
// value.
type Input struct {
	Name              *string `json:"name"`
	IndustryCode      *string `json:"industry_code"`
	ChainCode         *string `json:"chain_code"` // "" clears
	ChainLink         *string `json:"chain_link"`
	TownshipCode      *string `json:"township_code"` // "" clears
	ParkID            *int64  `json:"park_id"`       // 0 clears
	InvestmentFen     *int64  `json:"investment_fen"`
	LandMuHundredths  *int64  `json:"land_mu_hundredths"`
	Stage             *string `json:"stage"`
	PartnerWanted     *string `json:"partner_wanted"`
	ContactDepartment *string `json:"contact_department"`
	ContactPerson     *string `json:"contact_person"`
	ContactPhone      *string `json:"contact_phone"`
	Description       *string `json:"description"`
	// Version is the version the caller read (update only).
	Version int `json:"version"`
}

// IndustryRE is the form of a GB/T 4754 code: a section letter A–T, optionally a two-digit division.
var IndustryRE = regexp.MustCompile(`^[A-T]([0-9]{2})?$`)

var (
	chainRE    = regexp.MustCompile(`^[a-z_]{1,16}$`)
	townshipRE = regexp.MustCompile(`^[0-9]{6,12}$`)
)

// ValidChainCode and ValidTownshipCode say whether a filter value has the form of a code.
func ValidChainCode(s string) bool    { return chainRE.MatchString(s) }
func ValidTownshipCode(s string) bool { return townshipRE.MatchString(s) }

// MaxInvestmentFen bounds the amount: 1,000 亿元.
const MaxInvestmentFen = 100_000_000_000 * 100

// fields are a project's writable columns, normalised.
type fields struct {
	name, industry, chainLink, stage, partner, department, person, phone, description string
	chain, township                                                                   *string
	park                                                                              *int64
	investment, land                                                                  int64
	// parkMoved: the park changed and no township was sent, so the new park's township (if it
	// has one) replaces the old.
	parkMoved bool
}

// apply lays in over f and checks the result.
func (f *fields) apply(in Input) error {
	text := func(dst *string, v *string) {
		if v != nil {
			*dst = strings.TrimSpace(*v)
		}
	}
	text(&f.name, in.Name)
	text(&f.industry, in.IndustryCode)
	text(&f.chainLink, in.ChainLink)
	text(&f.stage, in.Stage)
	text(&f.partner, in.PartnerWanted)
	text(&f.department, in.ContactDepartment)
	text(&f.person, in.ContactPerson)
	text(&f.phone, in.ContactPhone)
	text(&f.description, in.Description)
	if in.ChainCode != nil {
		f.chain = nil
		if v := strings.TrimSpace(*in.ChainCode); v != "" {
			f.chain = &v
		}
	}
	if in.TownshipCode != nil {
		f.township = nil
		if v := strings.TrimSpace(*in.TownshipCode); v != "" {
			f.township = &v
		}
	}
	if in.ParkID != nil {
		f.parkMoved = in.TownshipCode == nil && (f.park == nil || *f.park != *in.ParkID)
		f.park = nil
		if *in.ParkID != 0 {
			v := *in.ParkID
			f.park = &v
		}
	}
	if in.InvestmentFen != nil {
		f.investment = *in.InvestmentFen
	}
	if in.LandMuHundredths != nil {
		f.land = *in.LandMuHundredths
	}
	n := utf8.RuneCountInString
	switch {
	case n(f.name) < 2 || n(f.name) > 100:
		return &FieldError{"name", "请填写项目名称（2-100 字）"}
	case !IndustryRE.MatchString(f.industry):
		return &FieldError{"industry_code", "行业代码应为国民经济行业分类的门类字母（A-T），可带两位大类代码，如 C 或 C13"}
	case f.chain != nil && !chainRE.MatchString(*f.chain):
		return &FieldError{"chain_code", "请选择“3+2”产业链"}
	case n(f.chainLink) > 50:
		return &FieldError{"chain_link", "产业链环节最多 50 个字"}
	case f.township != nil && !townshipRE.MatchString(*f.township):
		return &FieldError{"township_code", "乡镇（街道）代码格式不正确"}
	case f.park != nil && *f.park < 0:
		return &FieldError{"park_id", "请选择服务网络中的园区"}
	case f.township == nil && f.park == nil:
		return &FieldError{"township_code", "请选择项目所在的乡镇（街道）或园区"}
	case f.investment <= 0 || f.investment > MaxInvestmentFen:
		return &FieldError{"investment_fen", "投资额应大于 0 且不超过 1000 亿元（单位：分）"}
	case f.land < 0 || f.land > 100_000_000:
		return &FieldError{"land_mu_hundredths", "用地面积应在 0 到 100 万亩之间（单位：百分之一亩）"}
	case n(f.stage) > 100:
		return &FieldError{"stage", "项目进展最多 100 个字"}
	case n(f.partner) > 500:
		return &FieldError{"partner_wanted", "合作方需求最多 500 个字"}
	case n(f.department) < 2 || n(f.department) > 50:
		return &FieldError{"contact_department", "请填写联系单位（2-50 字）"}
	case n(f.person) > 32:
		return &FieldError{"contact_person", "联系人最多 32 个字"}
	case n(f.phone) > 32:
		return &FieldError{"contact_phone", "联系电话最多 32 个字"}
	case n(f.description) > 2000:
		return &FieldError{"description", "项目简介最多 2000 个字"}
	}
	return nil
}

// check looks the codes up: the chain, the township (level 2, active) and the park (an active
// service point of kind park). A park in a township gives the project its township when none
// is named.
func (f *fields) check(ctx context.Context, q sqlx.QueryerContext) error {
	if f.chain != nil {
		var ok bool
		if err := sqlx.GetContext(ctx, q, &ok, `SELECT EXISTS (SELECT 1 FROM industrial_chains WHERE code = ?)`, *f.chain); err != nil {
			return fmt.Errorf("project: chain: %w", sqldb.Classify(err))
		}
		if !ok {
			return &FieldError{"chain_code", "请选择“3+2”产业链"}
		}
	}
	if f.park != nil {
		var town sql.NullString
		err := sqlx.GetContext(ctx, q, &town, `SELECT township_code FROM service_points WHERE id = ? AND kind = 'park' AND active`, *f.park)
		if errors.Is(err, sql.ErrNoRows) {
			return &FieldError{"park_id", "请选择服务网络中在用的园区"}
		}
		if err != nil {
			return fmt.Errorf("project: park: %w", sqldb.Classify(err))
		}
		if (f.township == nil || f.parkMoved) && town.Valid && town.String != "" {
			f.township = &town.String
		}
	}
	if f.township != nil {
		var ok bool
		if err := sqlx.GetContext(ctx, q, &ok, `SELECT EXISTS (SELECT 1 FROM regions WHERE code = ? AND level = 2 AND active)`,
			*f.township); err != nil {
			return fmt.Errorf("project: township: %w", sqldb.Classify(err))
		}
		if !ok {
			return &FieldError{"township_code", "乡镇（街道）不存在，请重新选择"}
		}
	}
	return nil
}

func (f *fields) detail() map[string]any {
	return map[string]any{"name": f.name, "industry_code": f.industry, "chain_code": f.chain, "township_code": f.township,
		"park_id": f.park, "investment_fen": f.investment, "land_mu_hundredths": f.land, "contact_department": f.department}
}

// Create records a new project in planning (audited).
func (s *Service) Create(ctx context.Context, a actor.Actor, in Input) (*Project, error) {
	if !a.MayManagePolicies() {
		return nil, ErrForbidden
	}
	var f fields
	if err := f.apply(in); err != nil {
		return nil, err
	}
	now := s.now().UTC()
	var id int64
	err := sqldb.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		if err := f.check(ctx, tx); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO projects (name, industry_code, chain_code, chain_link, township_code, park_id,
			investment_fen, land_mu_hundredths, stage, partner_wanted, contact_department, contact_person, contact_phone, description,
			status, planning_on, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			f.name, f.industry, f.chain, f.chainLink, f.township, f.park, f.investment, f.land, f.stage, f.partner, f.department,
			f.person, f.phone, f.description, Planning, s.today().Format(time.DateOnly), a.ID, now, now)
		if err != nil {
			return fmt.Errorf("project: create: %w", sqldb.Classify(err))
		}
		if id, err = res.LastInsertId(); err != nil {
			return err
		}
		e := a.AuditID("project.create", "project", id)
		e.Detail = f.detail()
		return audit.Write(ctx, tx, e)
	})
	if err != nil {
		return nil, err
	}
	return getProject(ctx, s.db, id)
}

// Get is project id, if the actor sees its township (ErrNotFound otherwise).
func (s *Service) Get(ctx context.Context, a actor.Actor, id int64) (*Project, error) {
	p, err := getProject(ctx, s.db, id)
	if err != nil {
		return nil, err
	}
	if !sees(a, p) {
		return nil, ErrNotFound
	}
	return p, nil
}

func sees(a actor.Actor, p *Project) bool {
	town := ""
	if p.TownshipCode != nil {
		town = *p.TownshipCode
	}
	return a.SeesTownship(town)
}

// lock takes project id's row lock and reads it.
func lock(ctx context.Context, tx *sqlx.Tx, id int64) (*Project, error) {
	var locked int64
	err := sqlx.GetContext(ctx, tx, &locked, `SELECT id FROM projects WHERE id = ? FOR UPDATE`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("project: lock %d: %w", id, sqldb.Classify(err))
	}
	return getProject(ctx, tx, id)
}

// Update changes project id's fields (audited) if in.Version is still its version
// (ErrStaleVersion otherwise).
func (s *Service) Update(ctx context.Context, a actor.Actor, id int64, in Input) (*Project, error) {
	if !a.MayManagePolicies() {
		return nil, ErrForbidden
	}
	if in.Version <= 0 {
		return nil, &FieldError{"version", "缺少版本号，请刷新后再保存"}
	}
	err := sqldb.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		p, err := lock(ctx, tx, id)
		if err != nil {
			return err
		}
		if p.Version != in.Version {
			return ErrStaleVersion
		}
		f := fields{name: p.Name, industry: p.IndustryCode, chainLink: p.ChainLink, stage: p.Stage, partner: p.PartnerWanted,
			department: p.ContactDepartment, person: p.ContactPerson, phone: p.ContactPhone, description: p.Description,
			chain: p.ChainCode, township: p.TownshipCode, park: p.ParkID, investment: p.InvestmentFen, land: p.LandMuHundredths}
		if err := f.apply(in); err != nil {
			return err
		}
		if err := f.check(ctx, tx); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE projects SET name = ?, industry_code = ?, chain_code = ?, chain_link = ?,
			township_code = ?, park_id = ?, investment_fen = ?, land_mu_hundredths = ?, stage = ?, partner_wanted = ?,
			contact_department = ?, contact_person = ?, contact_phone = ?, description = ?, version = version + 1, updated_at = ?
			WHERE id = ? AND version = ?`,
			f.name, f.industry, f.chain, f.chainLink, f.township, f.park, f.investment, f.land, f.stage, f.partner, f.department,
			f.person, f.phone, f.description, s.now().UTC(), id, in.Version)
		if err != nil {
			return fmt.Errorf("project: update %d: %w", id, sqldb.Classify(err))
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return ErrStaleVersion
		}
		e := a.AuditID("project.update", "project", id)
		e.Detail = f.detail()
		e.Detail["version"] = in.Version + 1
		return audit.Write(ctx, tx, e)
	})
	if err != nil {
		return nil, err
	}
	return getProject(ctx, s.db, id)
}

// MoveInput moves a project's status: to (a status), on (the Beijing date it happened; empty:
// today) and a note (required to terminate).
type MoveInput struct {
	To   string `json:"to"`
	On   string `json:"on"`
	Note string `json:"note"`
}

// Move moves project id to in.To (audited) under its row lock, by the transition table.
// Terminating unpublishes the project.
func (s *Service) Move(ctx context.Context, a actor.Actor, id int64, in MoveInput) (*Project, error) {
	if !a.MayManagePolicies() {
		return nil, ErrForbidden
	}
	tr, ok := TransitionTo(in.To)
	if !ok {
		return nil, &FieldError{"to", "目标状态应为 packaging、promoting、negotiating、signed、started、producing 或 terminated"}
	}
	today := s.today()
	on := today
	if v := strings.TrimSpace(in.On); v != "" {
		d, err := time.Parse(time.DateOnly, v)
		switch {
		case err != nil:
			return nil, &FieldError{"on", "日期格式应为 2026-12-03"}
		case d.After(today):
			return nil, &FieldError{"on", "日期不能晚于今天"}
		case d.Year() < 2000:
			return nil, &FieldError{"on", "日期不正确"}
		}
		on = d
	}
	note := strings.TrimSpace(in.Note)
	switch {
	case utf8.RuneCountInString(note) > 500:
		return nil, &FieldError{"note", "备注最多 500 个字"}
	case tr.To == Terminated && note == "":
		return nil, &FieldError{"note", "请写明终止原因"}
	}
	err := sqldb.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		p, err := lock(ctx, tx, id)
		if err != nil {
			return err
		}
		if !slices.Contains(tr.From, p.Status) {
			return ErrInvalidTransition
		}
		if since := p.date(p.Status); since != "" && on.Format(time.DateOnly) < since {
			return &FieldError{"on", "日期不能早于进入当前状态的 " + since}
		}
		set := `status = ?, ` + tr.To + `_on = ?, version = version + 1, updated_at = ?`
		if tr.To == Terminated {
			set += `, published = FALSE, published_at = NULL`
		}
		res, err := tx.ExecContext(ctx, `UPDATE projects SET `+set+` WHERE id = ? AND status = ?`,
			tr.To, on.Format(time.DateOnly), s.now().UTC(), id, p.Status)
		if err != nil {
			return fmt.Errorf("project: move %d: %w", id, sqldb.Classify(err))
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return ErrInvalidTransition
		}
		e := a.AuditID("project.status", "project", id)
		e.Detail = map[string]any{"from": p.Status, "to": tr.To, "on": on.Format(time.DateOnly)}
		if note != "" {
			e.Detail["note"] = note
		}
		return audit.Write(ctx, tx, e)
	})
	if err != nil {
		return nil, err
	}
	return getProject(ctx, s.db, id)
}

// Publish shows project id in the mini program (audited): only from packaging on and not
// terminated (ErrNotPublishable). Publishing a published project changes nothing.
func (s *Service) Publish(ctx context.Context, a actor.Actor, id int64) (*Project, error) {
	return s.setPublished(ctx, a, id, true)
}

// Delete removes project id, entered by mistake, if it is still being planned (never packaged,
// so never published, and no service team) and no visit, match move or interest names it
// (ErrInUse otherwise: such a project is terminated, which keeps its history). Under the row
// lock, audited with the project's name. What names a project is the FOREIGN KEYs' to say
// (visit_projects, project_matches, project_interests): the DELETE they refuse is ErrInUse.
func (s *Service) Delete(ctx context.Context, a actor.Actor, id int64) error {
	if !a.MayManagePolicies() {
		return ErrForbidden
	}
	return sqldb.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		p, err := lock(ctx, tx, id)
		if err != nil {
			return err
		}
		if p.Status != "planning" {
			return ErrInUse
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM match_embeddings WHERE kind = 'project' AND ref_id = ?`, id); err != nil {
			return fmt.Errorf("project: delete %d: %w", id, sqldb.Classify(err))
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM projects WHERE id = ? AND status = 'planning'`, id); err != nil {
			if errors.Is(sqldb.Classify(err), sqldb.ErrReferenced) {
				return ErrInUse
			}
			return fmt.Errorf("project: delete %d: %w", id, sqldb.Classify(err))
		}
		e := a.AuditID("project.delete", "project", id)
		e.Detail = map[string]any{"name": p.Name}
		return audit.Write(ctx, tx, e)
	})
}

// Unpublish hides project id from the mini program (audited).
func (s *Service) Unpublish(ctx context.Context, a actor.Actor, id int64) (*Project, error) {
	return s.setPublished(ctx, a, id, false)
}

func (s *Service) setPublished(ctx context.Context, a actor.Actor, id int64, publish bool) (*Project, error) {
	if !a.MayManagePolicies() {
		return nil, ErrForbidden
	}
	err := sqldb.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		p, err := lock(ctx, tx, id)
		if err != nil {
			return err
		}
		if p.Published == publish {
			return nil
		}
		now := s.now().UTC()
		var res sql.Result
		if publish {
			if !slices.Contains(Publishable, p.Status) {
				return ErrNotPublishable
			}
			res, err = tx.ExecContext(ctx, `UPDATE projects SET published = TRUE, published_at = ?, version = version + 1, updated_at = ?
				WHERE id = ? AND NOT published AND status IN (`+inList(Publishable)+`)`, now, now, id)
		} else {
			res, err = tx.ExecContext(ctx, `UPDATE projects SET published = FALSE, published_at = NULL, version = version + 1,
				updated_at = ? WHERE id = ? AND published`, now, id)
		}
		if err != nil {
			return fmt.Errorf("project: publish %d: %w", id, sqldb.Classify(err))
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return ErrInvalidTransition
		}
		action := "project.unpublish"
		if publish {
			action = "project.publish"
		}
		e := a.AuditID(action, "project", id)
		e.Detail = map[string]any{"status": p.Status}
		return audit.Write(ctx, tx, e)
	})
	if err != nil {
		return nil, err
	}
	return getProject(ctx, s.db, id)
}

func inList(list []string) string {
	q := make([]string, len(list))
	for i, v := range list {
		q[i] = "'" + v + "'"
	}
	return strings.Join(q, ", ")
}

// Query filters a list of projects. The handlers check the codes' forms.
type Query struct {
	Status string
	// Industry is a section letter (every division in it) or a division ("C13").
	Industry string
	Chain    string
	Township string
	// Published: nil both, else published or not.
	Published *bool
	// Name matches a part of the name.
	Name string
}

func (q Query) where(a *actor.Actor) (string, []any) {
	var where []string
	var args []any
	if q.Status != "" {
		where, args = append(where, `p.status = ?`), append(args, q.Status)
	}
	switch len(q.Industry) {
	case 0:
	case 1:
		where, args = append(where, `p.industry_code LIKE ?`), append(args, q.Industry+"%")
	default:
		where, args = append(where, `p.industry_code = ?`), append(args, q.Industry)
	}
	if q.Chain != "" {
		where, args = append(where, `p.chain_code = ?`), append(args, q.Chain)
	}
	if q.Township != "" {
		where, args = append(where, `p.township_code = ?`), append(args, q.Township)
	}
	if q.Published != nil {
		where, args = append(where, `p.published = ?`), append(args, *q.Published)
	}
	if name := strings.TrimSpace(q.Name); name != "" {
		where, args = append(where, `p.name LIKE ?`), append(args, "%"+strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(name)+"%")
	}
	if a != nil {
		if town := a.ScopeTownship(); town != "" {
			where, args = append(where, `p.township_code = ?`), append(args, town)
		}
	}
	if len(where) == 0 {
		return "TRUE", nil
	}
	return strings.Join(where, " AND "), args
}

func (s *Service) list(ctx context.Context, cond string, args []any, order string, pr sqldb.PageRequest) (sqldb.Page[Project], error) {
	var total int
	if err := sqlx.GetContext(ctx, s.db, &total, `SELECT COUNT(*) FROM projects p WHERE `+cond, args...); err != nil {
		return sqldb.Page[Project]{}, fmt.Errorf("project: count: %w", sqldb.Classify(err))
	}
	items := []Project{}
	if err := sqlx.SelectContext(ctx, s.db, &items, `SELECT `+projectColumns+` WHERE `+cond+` ORDER BY `+order+` LIMIT ? OFFSET ?`,
		append(args, pr.Limit(), pr.Offset())...); err != nil {
		return sqldb.Page[Project]{}, fmt.Errorf("project: list: %w", sqldb.Classify(err))
	}
	for i := range items {
		items[i].fill()
	}
	return sqldb.NewPage(pr, items, total), nil
}

// List is a page of the projects the actor sees (township staff: their township), the latest
// changed first.
func (s *Service) List(ctx context.Context, a actor.Actor, q Query, pr sqldb.PageRequest) (sqldb.Page[Project], error) {
	if !a.IsStaff() {
		return sqldb.Page[Project]{}, ErrForbidden
	}
	cond, args := q.where(&a)
	return s.list(ctx, cond, args, `p.updated_at DESC, p.id DESC`, pr)
}

// PublicList is a page of the published projects, the latest published first (q.Status and
// q.Published are ignored).
func (s *Service) PublicList(ctx context.Context, q Query, pr sqldb.PageRequest) (sqldb.Page[PublicProject], error) {
	published := true
	q.Status, q.Published = "", &published
	cond, args := q.where(nil)
	page, err := s.list(ctx, cond, args, `p.published_at DESC, p.id DESC`, pr)
	if err != nil {
		return sqldb.Page[PublicProject]{}, err
	}
	out := sqldb.Page[PublicProject]{Items: make([]PublicProject, len(page.Items)), Total: page.Total, Page: page.Page,
		PageSize: page.PageSize}
	for i := range page.Items {
		out.Items[i] = page.Items[i].Public()
	}
	return out, nil
}

// PublicGet is published project id (ErrNotFound when it is not published).
func (s *Service) PublicGet(ctx context.Context, id int64) (*PublicProject, error) {
	p, err := getProject(ctx, s.db, id)
	if err != nil {
		return nil, err
	}
	if !p.Published {
		return nil, ErrNotFound
	}
	out := p.Public()
	return &out, nil
}

// Chains are the "3+2" industrial chains.
func (s *Service) Chains(ctx context.Context) ([]Chain, error) {
	out := []Chain{}
	if err := sqlx.SelectContext(ctx, s.db, &out, `SELECT code, name, tier FROM industrial_chains ORDER BY sort_order, code`); err != nil {
		return nil, fmt.Errorf("project: chains: %w", sqldb.Classify(err))
	}
	return out, nil
}

// YearCounts are a year's numbers against the plan's target (township staff: their township's).
type YearCounts struct {
	Year int `db:"-" json:"year"`
	// Packaged is the projects that reached 包装 in the year (Beijing), the plan's measure.
	Packaged int `db:"packaged" json:"packaged"`
	// Created, Signed, Started and Producing are the projects entered, signed, started and
	// producing in the year; Terminated those ended.
	Created    int `db:"created" json:"created"`
	Signed     int `db:"signed" json:"signed"`
	Started    int `db:"started" json:"started"`
	Producing  int `db:"producing" json:"producing"`
	Terminated int `db:"terminated" json:"terminated"`
	Target     int `db:"-" json:"target"`
}

// Year counts year against the target.
func (s *Service) Year(ctx context.Context, a actor.Actor, year int) (YearCounts, error) {
	if !a.IsStaff() {
		return YearCounts{}, ErrForbidden
	}
	from, to := fmt.Sprintf("%04d-01-01", year), fmt.Sprintf("%04d-01-01", year+1)
	var args []any
	count := func(col string) string {
		args = append(args, from, to)
		return `COALESCE(SUM(` + col + ` >= ? AND ` + col + ` < ?), 0)`
	}
	cols := count("packaging_on") + " AS `packaged`, " + count("planning_on") + " AS `created`, " + count("signed_on") + " AS `signed`, " +
		count("started_on") + " AS `started`, " + count("producing_on") + " AS `producing`, " + count("terminated_on") + " AS `terminated`"
	scope := "TRUE"
	if town := a.ScopeTownship(); town != "" {
		scope, args = `township_code = ?`, append(args, town)
	}
	var out YearCounts
	if err := sqlx.GetContext(ctx, s.db, &out, `SELECT `+cols+` FROM projects WHERE `+scope, args...); err != nil {
		return YearCounts{}, fmt.Errorf("project: year %d: %w", year, sqldb.Classify(err))
	}
	out.Year, out.Target = year, YearTarget
	return out, nil
}
