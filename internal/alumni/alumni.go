package alumni

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"huixiang/internal/account"
	"huixiang/internal/actor"
	"huixiang/internal/audit"
	"huixiang/internal/moderation"
	"huixiang/internal/person"
	"huixiang/internal/points"
	"huixiang/internal/returnee"
	"huixiang/internal/sqldb"
)

// Users gives the WeChat identity of a mini-program user.
type Users interface {
	Identity(ctx context.Context, id int64) (account.Identity, error)
}

// Granter grants contribution points under a rule; the same rule, person and reference earn once.
type Granter interface {
	Grant(ctx context.Context, by actor.Actor, in points.GrantInput) (points.Entry, error)
}

// Service is the alumni registry, its schools and grades, and events.
type Service struct {
	db      *sqlx.DB
	persons *person.Store
	users   Users
	checker moderation.Checker
	points  Granter
	log     *slog.Logger
	now     func() time.Time
}

// NewService returns a Service.
func NewService(db *sqlx.DB, persons *person.Store, users Users, checker moderation.Checker, granter Granter, log *slog.Logger) *Service {
	return &Service{db: db, persons: persons, users: users, checker: checker, points: granter, log: log, now: time.Now}
}

// retries bounds the retries of two transactions racing to create the same person.
const retries = 5

// row is an alumni row.
type row struct {
	PersonID         int64         `db:"person_id"`
	SchoolCode       string        `db:"school_code"`
	EntryYear        int           `db:"entry_year"`
	GraduationYear   *int          `db:"graduation_year"`
	CurrentCity      string        `db:"current_city"`
	Organization     string        `db:"organization"`
	Industry         string        `db:"industry"`
	Title            string        `db:"title"`
	Expertise        string        `db:"expertise"`
	DirectoryConsent bool          `db:"directory_consent"`
	Status           string        `db:"status"`
	GradeCode        *string       `db:"grade_code"`
	ContentReview    string        `db:"content_review"`
	Source           string        `db:"source"`
	ReviewedBy       *int64        `db:"reviewed_by"`
	ReviewedAt       *time.Time    `db:"reviewed_at"`
	ReviewComment    string        `db:"review_comment"`
	CreatedAt        time.Time     `db:"created_at"`
	UpdatedAt        time.Time     `db:"updated_at"`
	Version          int           `db:"version"`
	Name             string        `db:"name"`
	IDCardEnc        []byte        `db:"id_card_enc"`
	PhoneEnc         []byte        `db:"phone_enc"`
	UserID           sql.NullInt64 `db:"user_id"`
	SchoolName       *string       `db:"school_name"`
	GradeName        *string       `db:"grade_name"`
}

const alumniColumns = `a.person_id, a.school_code, a.entry_year, a.graduation_year, a.current_city, a.organization, a.industry,
	a.title, a.expertise, a.directory_consent, a.status, a.grade_code, a.content_review, a.source, a.reviewed_by, a.reviewed_at,
	a.review_comment, a.created_at, a.updated_at, a.version`

const rowColumns = `a.person_id, a.school_code, a.entry_year, a.graduation_year, a.current_city, a.organization, a.industry,
	a.title, a.expertise, a.directory_consent, a.status, a.grade_code, a.content_review, a.source, a.reviewed_by, a.reviewed_at,
	a.review_comment, a.created_at, a.updated_at, a.version, p.name, p.id_card_enc, p.phone_enc, p.user_id,
	s.name AS school_name, g.name AS grade_name`

const rowFrom = ` FROM alumni a JOIN persons p ON p.id = a.person_id
	LEFT JOIN schools s ON s.code = a.school_code LEFT JOIN alumni_grades g ON g.code = a.grade_code`

// lockRow locks the person's alumni row (only it: no joined rows); ok is false when there is none.
// The person's name and the school and grade names are left empty.
func lockRow(ctx context.Context, tx *sqlx.Tx, personID int64) (row, bool, error) {
	var r row
	err := tx.GetContext(ctx, &r, `SELECT `+alumniColumns+` FROM alumni a WHERE a.person_id = ? FOR UPDATE`, personID)
	if errors.Is(err, sql.ErrNoRows) {
		return row{}, false, nil
	}
	if err != nil {
		return row{}, false, fmt.Errorf("alumni: lock: %w", sqldb.Classify(err))
	}
	return r, true, nil
}

func offersOf(ctx context.Context, db sqlx.QueryerContext, ids []int64) (map[int64][]string, error) {
	out := map[int64][]string{}
	if len(ids) == 0 {
		return out, nil
	}
	q, args, err := sqlx.In(`SELECT person_id, code FROM alumni_offers WHERE person_id IN (?) ORDER BY person_id, code`, ids)
	if err != nil {
		return nil, err
	}
	var rows []struct {
		PersonID int64  `db:"person_id"`
		Code     string `db:"code"`
	}
	if err := sqlx.SelectContext(ctx, db, &rows, q, args...); err != nil {
		return nil, fmt.Errorf("alumni: offers: %w", err)
	}
	for _, r := range rows {
		out[r.PersonID] = append(out[r.PersonID], r.Code)
	}
	return out, nil
}

// record turns a row into the masked Record.
func (s *Service) record(r row, offers []string) (Record, error) {
	masked, err := s.persons.Masked(person.Row{ID: r.PersonID, IDCardEnc: r.IDCardEnc, PhoneEnc: r.PhoneEnc})
	if err != nil {
		return Record{}, err
	}
	if offers == nil {
		offers = []string{}
	}
	rec := Record{PersonID: r.PersonID, Name: r.Name, IDCard: masked.IDCard, Phone: masked.Phone, SchoolCode: r.SchoolCode,
		EntryYear: r.EntryYear, GraduationYear: r.GraduationYear, CurrentCity: r.CurrentCity, Organization: r.Organization,
		Industry: r.Industry, Title: r.Title, Expertise: r.Expertise, Offers: offers, DirectoryConsent: r.DirectoryConsent,
		Status: r.Status, GradeCode: r.GradeCode, GradeName: r.GradeName, ContentReview: r.ContentReview, Source: r.Source,
		Claimed: r.UserID.Valid, ReviewedBy: r.ReviewedBy, ReviewedAt: r.ReviewedAt, ReviewComment: r.ReviewComment,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, Version: r.Version}
	if r.SchoolName != nil {
		rec.SchoolName = *r.SchoolName
	}
	return rec, nil
}

func (s *Service) get(ctx context.Context, personID int64) (Record, error) {
	var r row
	err := s.db.GetContext(ctx, &r, `SELECT `+rowColumns+rowFrom+` WHERE a.person_id = ?`, personID)
	if errors.Is(err, sql.ErrNoRows) {
		return Record{}, ErrNotFound
	}
	if err != nil {
		return Record{}, fmt.Errorf("alumni: get: %w", sqldb.Classify(err))
	}
	offers, err := offersOf(ctx, s.db, []int64{personID})
	if err != nil {
		return Record{}, err
	}
	return s.record(r, offers[personID])
}

// saveOpts says how a save is made.
type saveOpts struct {
	Source   string
	Actor    Actor
	Claimant *person.Claimant
	Review   string // content review: ok, pending, review
	// NoOverwrite refuses when the person has an alumnus record already (staff entry).
	NoOverwrite bool
	// Approved enters the record approved by the actor (staff entry) instead of pending.
	Approved bool
}

type saveResult struct {
	PersonID int64
	Created  bool
	Claimed  bool
	Changed  []string
	// Identity lists the changes of the person's name and phone, masked (self-registration only:
	// staff entry never changes a registered identity).
	Identity []person.IdentityChange
}

// keyFields are the fields a review vouches for: changing one puts an approved record back to
// pending review.
var keyFields = []string{"name", "id_card", "school_code", "entry_year", "graduation_year"}

func fmtYear(y *int) string {
	if y == nil {
		return ""
	}
	return strconv.Itoa(*y)
}

func (r row) values(offers []string) map[string]string {
	return map[string]string{"school_code": r.SchoolCode, "entry_year": strconv.Itoa(r.EntryYear), "graduation_year": fmtYear(r.GraduationYear),
		"current_city": r.CurrentCity, "organization": r.Organization, "industry": r.Industry, "title": r.Title,
		"expertise": r.Expertise, "offers": strings.Join(offers, ","), "directory_consent": strconv.FormatBool(r.DirectoryConsent)}
}

func (p profile) values() map[string]string {
	return map[string]string{"school_code": p.SchoolCode, "entry_year": strconv.Itoa(p.EntryYear), "graduation_year": fmtYear(p.GraduationYear),
		"current_city": p.CurrentCity, "organization": p.Organization, "industry": p.Industry, "title": p.Title,
		"expertise": p.Expertise, "offers": strings.Join(p.Offers, ","), "directory_consent": strconv.FormatBool(p.DirectoryConsent)}
}

func diff(old, cur map[string]string) []string {
	var out []string
	for k, v := range cur {
		if old == nil || old[k] != v {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

// save attaches the person and writes the alumni record and its offers in tx.
func (s *Service) save(ctx context.Context, tx *sqlx.Tx, p profile, o saveOpts) (saveResult, error) {
	att, err := s.persons.Attach(ctx, tx, person.Identity{IDCard: p.IDCard, Name: p.Name, Phone: p.Phone}, o.Source, o.Claimant)
	if err != nil {
		return saveResult{}, err
	}
	now := s.now().UTC()
	var old row
	exists := false
	if !att.Created {
		if old, exists, err = lockRow(ctx, tx, att.PersonID); err != nil {
			return saveResult{}, err
		}
	}
	if exists && o.NoOverwrite {
		return saveResult{}, ErrAlreadyExists
	}
	res := saveResult{PersonID: att.PersonID, Created: !exists, Claimed: att.Claimed, Identity: att.Identity}
	review := o.Review
	if review == "" {
		review = moderation.StateOK
	}
	if !exists {
		status, reviewer, reviewedAt, comment := StatusPending, (*int64)(nil), (*time.Time)(nil), ""
		if o.Approved {
			status, reviewer, reviewedAt, comment = StatusApproved, &o.Actor.ID, &now, "工作人员代为登记"
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO alumni (person_id, school_code, entry_year, graduation_year, current_city, organization,
			industry, title, expertise, directory_consent, status, content_review, source, reviewed_by, reviewed_at, review_comment,
			created_at, updated_at, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)`,
			att.PersonID, p.SchoolCode, p.EntryYear, p.GraduationYear, p.CurrentCity, p.Organization, p.Industry, p.Title,
			p.Expertise, p.DirectoryConsent, status, review, o.Source, reviewer, reviewedAt, comment, now, now)
		if err != nil {
			return res, fmt.Errorf("alumni: insert: %w", sqldb.Classify(err))
		}
		res.Changed = append(att.Changed, diff(nil, p.values())...)
		return res, writeOffers(ctx, tx, att.PersonID, p.Offers, false)
	}
	offers, err := offersOf(ctx, tx, []int64{att.PersonID})
	if err != nil {
		return res, err
	}
	changed := append(slices.Clone(att.Changed), diff(old.values(offers[att.PersonID]), p.values())...)
	if review != old.ContentReview && o.Review != "" {
		changed = append(changed, "content_review")
	} else {
		review = old.ContentReview
	}
	res.Changed = changed
	if len(changed) == 0 {
		return res, nil // the same form again changes nothing
	}
	status := old.Status
	rereview := old.Status == StatusRejected // a rejected registration that is corrected is looked at again
	for _, f := range keyFields {
		if slices.Contains(changed, f) {
			rereview = true
		}
	}
	if o.Source != person.SourceSelf {
		rereview = false // staff edits do not undo a review
	}
	sets := ""
	if rereview && status != StatusPending {
		status = StatusPending
		sets = "reviewed_by = NULL, reviewed_at = NULL, review_comment = '', "
		res.Changed = append(res.Changed, "status")
	}
	_, err = tx.ExecContext(ctx, `UPDATE alumni SET school_code = ?, entry_year = ?, graduation_year = ?, current_city = ?,
		organization = ?, industry = ?, title = ?, expertise = ?, directory_consent = ?, status = ?, content_review = ?, `+sets+`
		updated_at = ?, version = version + 1 WHERE person_id = ?`,
		p.SchoolCode, p.EntryYear, p.GraduationYear, p.CurrentCity, p.Organization, p.Industry, p.Title, p.Expertise,
		p.DirectoryConsent, status, review, now, att.PersonID)
	if err != nil {
		return res, fmt.Errorf("alumni: update: %w", sqldb.Classify(err))
	}
	return res, writeOffers(ctx, tx, att.PersonID, p.Offers, true)
}

func writeOffers(ctx context.Context, tx *sqlx.Tx, personID int64, offers []string, replace bool) error {
	if replace {
		if _, err := tx.ExecContext(ctx, `DELETE FROM alumni_offers WHERE person_id = ?`, personID); err != nil {
			return fmt.Errorf("alumni: offers: %w", err)
		}
	}
	if len(offers) == 0 {
		return nil
	}
	args := make([]any, 0, 2*len(offers))
	for _, o := range offers {
		args = append(args, personID, o)
	}
	q := `INSERT INTO alumni_offers (person_id, code) VALUES ` + strings.TrimSuffix(strings.Repeat("(?, ?), ", len(offers)), ", ")
	if _, err := tx.ExecContext(ctx, q, args...); err != nil {
		return fmt.Errorf("alumni: offers: %w", sqldb.Classify(err))
	}
	return nil
}

func (a Actor) entry(action string, personID int64) audit.Entry {
	return audit.Entry{ActorType: a.Type, ActorID: a.ID, ActorName: a.Name, Action: action, TargetType: "person",
		TargetID: strconv.FormatInt(personID, 10)}
}

// Mine returns the caller's alumnus record.
func (s *Service) Mine(ctx context.Context, userID int64) (Record, error) {
	pr, err := person.ByUser(ctx, s.db, userID)
	if errors.Is(err, person.ErrNotFound) {
		return Record{}, ErrNotRegistered
	}
	if err != nil {
		return Record{}, err
	}
	rec, err := s.get(ctx, pr.ID)
	if errors.Is(err, ErrNotFound) {
		return Record{}, ErrNotRegistered
	}
	return rec, err
}

// SaveMine creates or updates the caller's alumnus record from the mini program, on the caller's
// person (the returnee registration's, when there is one). The phone is the one bound through
// WeChat. A person entered by staff with the same ID number and that phone is claimed (audited).
// A new registration is pending review; changing the name, ID number, school or years of a
// reviewed record puts it back to pending, as does any change of a rejected one.
func (s *Service) SaveMine(ctx context.Context, userID int64, in Input) (Record, error) {
	ident, err := s.users.Identity(ctx, userID)
	if err != nil {
		return Record{}, err
	}
	if ident.Phone == "" {
		return Record{}, ErrPhoneNotBound
	}
	in.Phone = ident.Phone
	p, err := validate(ctx, s.db, in, s.now().UTC(), false)
	if err != nil {
		return Record{}, err
	}
	review, err := moderation.Review(ctx, s.checker, s.log, ident.OpenID, p.userText())
	if err != nil {
		return Record{}, err
	}
	actor := Actor{Type: audit.ActorUser, ID: userID}
	var res saveResult
	err = sqldb.Retry(ctx, s.db, retries, func(tx *sqlx.Tx) error {
		var err error
		res, err = s.save(ctx, tx, p, saveOpts{Source: person.SourceSelf, Actor: actor, Review: review,
			Claimant: &person.Claimant{UserID: userID, PhoneIdx: ident.PhoneIdx}})
		if err != nil {
			return err
		}
		if res.Claimed {
			if err := audit.Write(ctx, tx, actor.entry("person.claimed", res.PersonID)); err != nil {
				return err
			}
		}
		if res.Claimed || len(res.Identity) > 0 {
			// The person's history (the returnee registry's) shows the claim and identity changes
			// made through the alumni form too.
			fields := []string{}
			if res.Claimed {
				fields = append(fields, "user_id")
			}
			for _, c := range res.Identity {
				fields = append(fields, c.Field)
			}
			if err := person.WriteChange(ctx, tx, person.Change{PersonID: res.PersonID, Source: person.SourceSelf, ActorType: actor.Type,
				ActorID: actor.ID, Action: "update", Fields: fields, Identity: res.Identity}, s.now().UTC()); err != nil {
				return err
			}
			if err := returnee.IdentityChanged(ctx, tx, res.PersonID, s.now().UTC()); err != nil {
				return err
			}
		}
		if len(res.Changed) == 0 {
			return nil
		}
		action := "alumni.update"
		if res.Created {
			action = "alumni.create"
		}
		e := actor.entry(action, res.PersonID)
		e.Detail = map[string]any{"fields": res.Changed}
		return audit.Write(ctx, tx, e)
	})
	if err != nil {
		return Record{}, err
	}
	return s.get(ctx, res.PersonID)
}

// Create enters an alumnus on someone's behalf (phone required). The record is approved by the
// staff member entering it; the person claims it later in the mini program with the same ID
// number and phone. A person who has an alumnus record already is ErrAlreadyExists. A person
// registered already (as a returnee, or self-registered) keeps their name and phone: entering
// them with another is person.ErrIdentityDiffers, and nothing is written.
func (s *Service) Create(ctx context.Context, actor Actor, in Input) (Record, error) {
	p, err := validate(ctx, s.db, in, s.now().UTC(), true)
	if err != nil {
		return Record{}, err
	}
	var res saveResult
	err = sqldb.Retry(ctx, s.db, retries, func(tx *sqlx.Tx) error {
		var err error
		res, err = s.save(ctx, tx, p, saveOpts{Source: person.SourceGrid, Actor: actor, NoOverwrite: true, Approved: true})
		if err != nil {
			return err
		}
		e := actor.entry("alumni.create", res.PersonID)
		e.Detail = map[string]any{"fields": res.Changed}
		return audit.Write(ctx, tx, e)
	})
	if err != nil {
		return Record{}, err
	}
	return s.get(ctx, res.PersonID)
}

// Get returns one alumnus (masked).
func (s *Service) Get(ctx context.Context, personID int64) (Record, error) {
	return s.get(ctx, personID)
}

// List pages alumni (masked), most recently changed first.
func (s *Service) List(ctx context.Context, f Filter) (Page, error) {
	if f.Page < 1 {
		f.Page = 1
	}
	if f.PageSize < 1 || f.PageSize > 100 {
		f.PageSize = 20
	}
	where, args := []string{"1 = 1"}, []any{}
	if f.Status != "" {
		where, args = append(where, "a.status = ?"), append(args, f.Status)
	}
	if f.School != "" {
		where, args = append(where, "a.school_code = ?"), append(args, f.School)
	}
	if f.Grade != "" {
		where, args = append(where, "a.grade_code = ?"), append(args, f.Grade)
	}
	w := " WHERE " + strings.Join(where, " AND ")
	out := Page{Items: []Record{}, Page: f.Page, PageSize: f.PageSize}
	if err := s.db.GetContext(ctx, &out.Total, `SELECT COUNT(*) FROM alumni a`+w, args...); err != nil {
		return Page{}, fmt.Errorf("alumni: count: %w", sqldb.Classify(err))
	}
	var rows []row
	err := s.db.SelectContext(ctx, &rows, `SELECT `+rowColumns+rowFrom+w+` ORDER BY a.updated_at DESC, a.person_id DESC LIMIT ? OFFSET ?`,
		append(args, f.PageSize, sqldb.Offset(f.Page, f.PageSize))...)
	if err != nil {
		return Page{}, fmt.Errorf("alumni: list: %w", sqldb.Classify(err))
	}
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.PersonID
	}
	offers, err := offersOf(ctx, s.db, ids)
	if err != nil {
		return Page{}, err
	}
	for _, r := range rows {
		rec, err := s.record(r, offers[r.PersonID])
		if err != nil {
			return Page{}, err
		}
		out.Items = append(out.Items, rec)
	}
	return out, nil
}

// lockForDecision locks the record and checks the version the staff member read.
func lockForDecision(ctx context.Context, tx *sqlx.Tx, personID int64, version int) (row, error) {
	r, ok, err := lockRow(ctx, tx, personID)
	if err != nil {
		return row{}, err
	}
	if !ok {
		return row{}, ErrNotFound
	}
	if r.Version != version {
		return row{}, ErrStaleVersion
	}
	return r, nil
}

// decided is the conditional update of a decision: 0 rows means someone else got there first.
func decided(res sql.Result, err error) error {
	if err != nil {
		return fmt.Errorf("alumni: decide: %w", sqldb.Classify(err))
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return ErrStaleVersion
	}
	return nil
}

// Review approves or rejects a pending registration at the version the reviewer read: one
// conditional UPDATE on version, audited in the same transaction. Of two reviewers at once one
// wins; the other gets ErrStaleVersion.
func (s *Service) Review(ctx context.Context, actor Actor, personID int64, in Review) (Record, error) {
	in.Comment = strings.TrimSpace(in.Comment)
	status := ""
	switch in.Decision {
	case "approve":
		status = StatusApproved
	case "reject":
		status = StatusRejected
		if utf8.RuneCountInString(in.Comment) < 2 {
			return Record{}, &FieldError{"comment", "驳回时请填写原因（2-200 字）"}
		}
	default:
		return Record{}, &FieldError{"decision", "审核结果只能是 approve 或 reject"}
	}
	if utf8.RuneCountInString(in.Comment) > 200 {
		return Record{}, &FieldError{"comment", "审核意见不能超过 200 字"}
	}
	if in.Version <= 0 {
		return Record{}, &FieldError{"version", "请带上读取时的版本号"}
	}
	err := sqldb.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		r, err := lockForDecision(ctx, tx, personID, in.Version)
		if err != nil {
			return err
		}
		if r.Status != StatusPending {
			return ErrNotPending
		}
		now := s.now().UTC()
		if err := decided(tx.ExecContext(ctx, `UPDATE alumni SET status = ?, reviewed_by = ?, reviewed_at = ?, review_comment = ?,
			updated_at = ?, version = version + 1 WHERE person_id = ? AND version = ? AND status = 'pending'`,
			status, actor.ID, now, in.Comment, now, personID, in.Version)); err != nil {
			return err
		}
		e := actor.entry("alumni.review", personID)
		e.Detail = map[string]any{"decision": in.Decision, "comment": in.Comment, "version": in.Version}
		return audit.Write(ctx, tx, e)
	})
	if err != nil {
		return Record{}, err
	}
	return s.get(ctx, personID)
}

// SetGrade grades an approved alumnus (a code of alumni_grades) at the version staff read; audited.
func (s *Service) SetGrade(ctx context.Context, actor Actor, personID int64, grade string, version int) (Record, error) {
	grade = strings.TrimSpace(grade)
	if version <= 0 {
		return Record{}, &FieldError{"version", "请带上读取时的版本号"}
	}
	var n int
	if err := s.db.GetContext(ctx, &n, `SELECT COUNT(*) FROM alumni_grades WHERE code = ?`, grade); err != nil {
		return Record{}, fmt.Errorf("alumni: grade: %w", sqldb.Classify(err))
	}
	if n == 0 {
		return Record{}, &FieldError{"grade", "校友等级不存在"}
	}
	err := sqldb.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		r, err := lockForDecision(ctx, tx, personID, version)
		if err != nil {
			return err
		}
		if r.Status != StatusApproved {
			return ErrNotApproved
		}
		now := s.now().UTC()
		if err := decided(tx.ExecContext(ctx, `UPDATE alumni SET grade_code = ?, updated_at = ?, version = version + 1
			WHERE person_id = ? AND version = ? AND status = 'approved'`, grade, now, personID, version)); err != nil {
			return err
		}
		e := actor.entry("alumni.grade", personID)
		from := ""
		if r.GradeCode != nil {
			from = *r.GradeCode
		}
		e.Detail = map[string]any{"from": from, "to": grade, "version": version}
		return audit.Write(ctx, tx, e)
	})
	if err != nil {
		return Record{}, err
	}
	return s.get(ctx, personID)
}

// Grades lists the alumni grades.
func (s *Service) Grades(ctx context.Context) ([]Grade, error) {
	out := []Grade{}
	if err := s.db.SelectContext(ctx, &out, `SELECT code, name, sort_order FROM alumni_grades ORDER BY sort_order, code`); err != nil {
		return nil, fmt.Errorf("alumni: grades: %w", sqldb.Classify(err))
	}
	return out, nil
}
