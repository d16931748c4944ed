package returnee

import (
	"context"
	"database/sql"
	"encoding/json"
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
	lr, err := getListRow(ctx, s.db, personID)
	if err != nil {
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

// List returns the records the actor may see that match f, newest change first, masked (the
// JSON API's list; the console chooses the order with ListSorted).
func (s *Service) List(ctx context.Context, actor actor.Actor, f Filter) (Page, error) {
	return s.ListSorted(ctx, actor, f, DefaultSort)
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
	rows, err := historyRows(ctx, s.db, personID)
	if err != nil {
		return nil, err
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
	rows, total, err := claimRows(ctx, s.db, actor.ScopeTownship(), req)
	if err != nil {
		return ClaimPage{}, err
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
	raw, err := freshnessRows(ctx, s.db, since, actor.ScopeTownship())
	if err != nil {
		return FreshnessReport{}, err
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
