package returnee

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"huixiang/internal/actor"
	"huixiang/internal/person"
	"huixiang/internal/sqldb"
)

// listRow is a returnee row joined with its person.
type listRow struct {
	row
	Name          string        `db:"name"`
	Gender        string        `db:"gender"`
	BirthDate     time.Time     `db:"birth_date"`
	IDCardEnc     []byte        `db:"id_card_enc"`
	PhoneEnc      []byte        `db:"phone_enc"`
	UserID        sql.NullInt64 `db:"user_id"`
	CreatedSource string        `db:"created_source"`
	TownshipName  string        `db:"township_name"`
	VillageName   string        `db:"village_name"`
}

const listColumns = rowColumns + `, p.name, p.gender, p.birth_date, p.id_card_enc, p.phone_enc, p.user_id, p.created_source,
	COALESCE(t.name, '') AS township_name, COALESCE(v.name, '') AS village_name`

const listSelect = `SELECT ` + listColumns + listFrom

const listFrom = `
	FROM returnees r
	JOIN persons p ON p.id = r.person_id
	LEFT JOIN regions t ON t.code = r.township_code
	LEFT JOIN regions v ON v.code = r.village_code`

// record builds the view of lr; masked chooses masked or clear personal information.
func (s *Service) record(lr listRow, masked bool) (Record, error) {
	pr := person.Row{ID: lr.PersonID, IDCardEnc: lr.IDCardEnc, PhoneEnc: lr.PhoneEnc}
	open := s.persons.Open
	if masked {
		open = s.persons.Masked
	}
	pii, err := open(pr)
	if err != nil {
		return Record{}, err
	}
	return s.recordOf(lr, pii), nil
}

// recordOf builds the view of lr with its ID number and phone given (masked or clear).
func (s *Service) recordOf(lr listRow, pii person.Revealed) Record {
	rec := Record{
		Input: Input{Name: lr.Name, IDCard: pii.IDCard, Phone: pii.Phone, TownshipCode: lr.TownshipCode,
			VillageCode: lr.VillageCode, Status: lr.Status,
			LeftOn: datePtr(lr.LeftOn), ReturnedOn: datePtr(lr.ReturnedOn), PlanReturnOn: datePtr(lr.PlanReturnOn),
			WorkProvince: lr.WorkProvince, WorkCity: lr.WorkCity, Industry: lr.Industry, YearsAway: lr.YearsAway,
			Skills: lr.tag(tagSkill), SkillsText: lr.SkillsText, Certificates: lr.Certificates, Education: lr.Education,
			Intention: lr.Intention, IntendedFields: lr.tag(tagField), IntentionNote: lr.IntentionNote, Needs: lr.tag(tagNeed)},
		PersonID: lr.PersonID, Gender: lr.Gender, BirthDate: Date{lr.BirthDate}, TownshipName: lr.TownshipName,
		VillageName: lr.VillageName, ContentReview: lr.ContentReview, Source: lr.CreatedSource, Claimed: lr.UserID.Valid,
		ConfirmedAt: lr.ConfirmedAt, CreatedAt: lr.CreatedAt, UpdatedAt: lr.UpdatedAt, Version: lr.Version,
	}
	if lr.Intention == "started" && (lr.BusinessName != "" || lr.BusinessType != "" || lr.USCC.Valid || lr.BusinessStartedOn != nil || lr.JobsCreated != nil) {
		rec.Business = &Business{Name: lr.BusinessName, Type: lr.BusinessType, USCC: lr.USCC.String,
			StartedOn: datePtr(lr.BusinessStartedOn), JobsCreated: lr.JobsCreated}
	}
	return rec
}

func (s *Service) get(ctx context.Context, personID int64) (Record, error) {
	var lr listRow
	err := s.db.GetContext(ctx, &lr, `SELECT `+listColumns+tagsColumn+listFrom+` WHERE r.person_id = ?`, personID)
	if errors.Is(err, sql.ErrNoRows) {
		return Record{}, ErrNotFound
	}
	if err != nil {
		return Record{}, fmt.Errorf("returnee: get: %w", err)
	}
	if err := lr.decodeTags(); err != nil {
		return Record{}, err
	}
	return s.record(lr, true)
}

// Filter selects records for the staff list and the export. Empty fields do not filter.
type Filter struct {
	Township      string
	Village       string
	Status        string
	Intention     string
	Field         string
	Need          string
	Skill         string
	ContentReview string
	Name          string
	// UpdatedBefore keeps records last confirmed or updated before this time (stale records).
	UpdatedBefore *time.Time
	sqldb.PageRequest
}

// where builds the WHERE clause of f for the actor's scope.
func (f Filter) where(actor actor.Actor) (string, []any) {
	conds, args := []string{"1 = 1"}, []any{}
	add := func(cond string, arg any) { conds = append(conds, cond); args = append(args, arg) }
	if t := actor.ScopeTownship(); t != "" {
		add("r.township_code = ?", t)
	}
	if f.Township != "" {
		add("r.township_code = ?", f.Township)
	}
	if f.Village != "" {
		add("r.village_code = ?", f.Village)
	}
	if f.Status != "" {
		add("r.status = ?", f.Status)
	}
	if f.Intention != "" {
		add("r.intention = ?", f.Intention)
	}
	if f.ContentReview != "" {
		add("r.content_review = ?", f.ContentReview)
	}
	if f.Name != "" {
		add("p.name LIKE ?", "%"+strings.NewReplacer("%", `\%`, "_", `\_`).Replace(f.Name)+"%")
	}
	if f.UpdatedBefore != nil {
		add("r.confirmed_at < ?", f.UpdatedBefore.UTC())
	}
	for kind, code := range map[string]string{tagField: f.Field, tagNeed: f.Need, tagSkill: f.Skill} {
		if code != "" {
			conds = append(conds, "EXISTS (SELECT 1 FROM returnee_tags g WHERE g.person_id = r.person_id AND g.kind = ? AND g.code = ?)")
			args = append(args, kind, code)
		}
	}
	return strings.Join(conds, " AND "), args
}

// Page is one page of the list.
type Page = sqldb.Page[Record]

// List returns the records the actor may see that match f, newest change first, masked.
func (s *Service) List(ctx context.Context, actor actor.Actor, f Filter) (Page, error) {
	where, args := f.where(actor)
	var total int
	if err := s.db.GetContext(ctx, &total, `SELECT COUNT(*) FROM returnees r JOIN persons p ON p.id = r.person_id WHERE `+where, args...); err != nil {
		return Page{}, fmt.Errorf("returnee: count: %w", err)
	}
	var rows []listRow
	err := s.db.SelectContext(ctx, &rows, listSelect+` WHERE `+where+` ORDER BY r.updated_at DESC, r.person_id DESC LIMIT ? OFFSET ?`,
		append(args, f.Limit(), f.Offset())...)
	if err != nil {
		return Page{}, fmt.Errorf("returnee: list: %w", err)
	}
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.PersonID
	}
	tags, err := loadTags(ctx, s.db, ids)
	if err != nil {
		return Page{}, err
	}
	items := make([]Record, 0, len(rows))
	for _, r := range rows {
		r.tags = tags
		rec, err := s.record(r, true)
		if err != nil {
			return Page{}, err
		}
		items = append(items, rec)
	}
	return sqldb.NewPage(f.PageRequest, items, total), nil
}

// Change is one entry of a record's history.
type Change struct {
	ChangedAt     time.Time `json:"changed_at"`
	Source        string    `json:"source"`
	Action        string    `json:"action"`
	ActorType     string    `json:"actor_type"`
	ActorID       *int64    `json:"actor_id"`
	ImportBatchID *int64    `json:"import_batch_id"`
	Fields        []string  `json:"fields"`
	// Identity gives, for changes of name, ID number or phone, the masked before and after.
	Identity []person.IdentityChange `json:"identity"`
}

// History lists who changed which fields of a record, newest first.
func (s *Service) History(ctx context.Context, actor actor.Actor, personID int64) ([]Change, error) {
	if _, err := s.Get(ctx, actor, personID); err != nil {
		return nil, err
	}
	var rows []struct {
		ChangedAt time.Time     `db:"changed_at"`
		Source    string        `db:"source"`
		Action    string        `db:"action"`
		ActorType string        `db:"actor_type"`
		ActorID   sql.NullInt64 `db:"actor_id"`
		BatchID   sql.NullInt64 `db:"import_batch_id"`
		Fields    []byte        `db:"fields"`
		Identity  []byte        `db:"identity_changes"`
	}
	err := s.db.SelectContext(ctx, &rows, `SELECT changed_at, source, action, actor_type, actor_id, import_batch_id, fields, identity_changes
		FROM record_changes WHERE person_id = ? ORDER BY changed_at DESC, id DESC LIMIT 200`, personID)
	if err != nil {
		return nil, fmt.Errorf("returnee: history: %w", err)
	}
	out := make([]Change, 0, len(rows))
	for _, r := range rows {
		c := Change{ChangedAt: r.ChangedAt, Source: r.Source, Action: r.Action, ActorType: r.ActorType, Fields: []string{},
			Identity: []person.IdentityChange{}}
		if r.ActorID.Valid {
			c.ActorID = &r.ActorID.Int64
		}
		if r.BatchID.Valid {
			c.ImportBatchID = &r.BatchID.Int64
		}
		_ = json.Unmarshal(r.Fields, &c.Fields)
		if r.Identity != nil {
			_ = json.Unmarshal(r.Identity, &c.Identity)
		}
		out = append(out, c)
	}
	return out, nil
}

// Claim is a record entered by staff or imported that a WeChat user took over (认领), as the
// claims list shows it: ID number and phone masked.
type Claim struct {
	PersonID      int64     `json:"person_id"`
	Name          string    `json:"name"`
	IDCard        string    `json:"id_card"`
	Phone         string    `json:"phone"`
	TownshipCode  string    `json:"township_code"`
	TownshipName  string    `json:"township_name"`
	CreatedSource string    `json:"created_source"`
	UserID        int64     `json:"user_id"`
	ClaimedAt     time.Time `json:"claimed_at"`
	// IdentityChangedAt is the last change of name, ID number or phone by staff before the
	// claim: a phone set by a clerk shortly before someone claims the record is the pattern of
	// a takeover, and staff should look at it.
	IdentityChangedAt *time.Time `json:"identity_changed_at"`
	IdentityChangedBy *int64     `json:"identity_changed_by"`
}

// ClaimPage is one page of claims.
type ClaimPage = sqldb.Page[Claim]

// Claims lists the claims of records the actor may see, newest first: township staff their
// township's returnees, district and department staff every claimed person (including those with
// only an alumnus record). Every claim is also in the audit log (person.claimed).
func (s *Service) Claims(ctx context.Context, actor actor.Actor, req sqldb.PageRequest) (ClaimPage, error) {
	from := ` FROM persons p LEFT JOIN returnees r ON r.person_id = p.id LEFT JOIN regions t ON t.code = r.township_code
		LEFT JOIN record_changes c ON c.id = (SELECT c2.id FROM record_changes c2 WHERE c2.person_id = p.id
			AND c2.actor_type = 'staff' AND c2.identity_changes IS NOT NULL AND c2.changed_at <= p.claimed_at
			ORDER BY c2.changed_at DESC, c2.id DESC LIMIT 1)
		WHERE p.claimed_at IS NOT NULL AND p.created_source <> 'self'`
	args := []any{}
	if t := actor.ScopeTownship(); t != "" {
		from += ` AND r.township_code = ?`
		args = append(args, t)
	}
	var total int
	if err := s.db.GetContext(ctx, &total, `SELECT COUNT(*)`+from, args...); err != nil {
		return ClaimPage{}, fmt.Errorf("returnee: claims: %w", err)
	}
	var rows []struct {
		ID            int64         `db:"id"`
		Name          string        `db:"name"`
		IDCardEnc     []byte        `db:"id_card_enc"`
		PhoneEnc      []byte        `db:"phone_enc"`
		UserID        sql.NullInt64 `db:"user_id"`
		CreatedSource string        `db:"created_source"`
		ClaimedAt     time.Time     `db:"claimed_at"`
		TownshipCode  string        `db:"township_code"`
		TownshipName  string        `db:"township_name"`
		ChangedAt     *time.Time    `db:"changed_at"`
		ChangedBy     sql.NullInt64 `db:"changed_by"`
	}
	err := s.db.SelectContext(ctx, &rows, `SELECT p.id, p.name, p.id_card_enc, p.phone_enc, p.user_id, p.created_source, p.claimed_at,
		COALESCE(r.township_code, '') AS township_code, COALESCE(t.name, '') AS township_name,
		c.changed_at, c.actor_id AS changed_by`+from+`
		ORDER BY p.claimed_at DESC, p.id DESC LIMIT ? OFFSET ?`, append(args, req.Limit(), req.Offset())...)
	if err != nil {
		return ClaimPage{}, fmt.Errorf("returnee: claims: %w", err)
	}
	items := make([]Claim, 0, len(rows))
	for _, r := range rows {
		m, err := s.persons.Masked(person.Row{ID: r.ID, IDCardEnc: r.IDCardEnc, PhoneEnc: r.PhoneEnc})
		if err != nil {
			return ClaimPage{}, err
		}
		items = append(items, Claim{PersonID: r.ID, Name: r.Name, IDCard: m.IDCard, Phone: m.Phone,
			TownshipCode: r.TownshipCode, TownshipName: r.TownshipName, CreatedSource: r.CreatedSource,
			UserID: r.UserID.Int64, ClaimedAt: r.ClaimedAt, IdentityChangedAt: r.ChangedAt})
		if r.ChangedBy.Valid {
			items[len(items)-1].IdentityChangedBy = &r.ChangedBy.Int64
		}
	}
	return sqldb.NewPage(req, items, total), nil
}

// Freshness is the plan's "dynamic update rate" of one township: the share of its records
// confirmed or updated in the last Days days.
type Freshness struct {
	TownshipCode string  `json:"township_code"`
	TownshipName string  `json:"township_name"`
	Total        int     `json:"total"`
	Fresh        int     `json:"fresh"`
	Rate         float64 `json:"rate"`
}

// FreshnessReport is the rate per township and for the whole district.
type FreshnessReport struct {
	Days      int         `json:"days"`
	Since     time.Time   `json:"since"`
	Townships []Freshness `json:"townships"`
	Overall   Freshness   `json:"overall"`
}

// Freshness computes the update rate per township over the last days (the configured default
// when days ≤ 0).
func (s *Service) Freshness(ctx context.Context, actor actor.Actor, days int) (FreshnessReport, error) {
	if days <= 0 {
		days = s.freshDays
	}
	since := s.now().UTC().Add(-time.Duration(days) * 24 * time.Hour)
	q := `SELECT r.township_code, COALESCE(t.name, '') AS township_name, COUNT(*) AS total,
			SUM(CASE WHEN r.confirmed_at >= ? THEN 1 ELSE 0 END) AS fresh
		FROM returnees r LEFT JOIN regions t ON t.code = r.township_code`
	args := []any{since}
	if t := actor.ScopeTownship(); t != "" {
		q += ` WHERE r.township_code = ?`
		args = append(args, t)
	}
	q += ` GROUP BY r.township_code, t.name ORDER BY r.township_code`
	var raw []struct {
		Code  string `db:"township_code"`
		Name  string `db:"township_name"`
		Total int    `db:"total"`
		Fresh int    `db:"fresh"`
	}
	if err := s.db.SelectContext(ctx, &raw, q, args...); err != nil {
		return FreshnessReport{}, fmt.Errorf("returnee: freshness: %w", err)
	}
	rep := FreshnessReport{Days: days, Since: since, Overall: Freshness{TownshipCode: "", TownshipName: "全区"}}
	rep.Townships = []Freshness{}
	for _, r := range raw {
		f := Freshness{TownshipCode: r.Code, TownshipName: r.Name, Total: r.Total, Fresh: r.Fresh, Rate: rate(r.Fresh, r.Total)}
		rep.Townships = append(rep.Townships, f)
		rep.Overall.Total += r.Total
		rep.Overall.Fresh += r.Fresh
	}
	rep.Overall.Rate = rate(rep.Overall.Fresh, rep.Overall.Total)
	return rep, nil
}

func rate(n, d int) float64 {
	if d == 0 {
		return 0
	}
	return float64(int(float64(n)/float64(d)*10000+0.5)) / 10000
}
