package alumni

import (
	"context"
	"errors"
	"log/slog"
	"maps"
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
	"huixiang/internal/privacy"
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
	codes   CodeMaker
	log     *slog.Logger
	now     func() time.Time
}

// NewService returns a Service. codes draws the events' 小程序码 (nil: none can be drawn).
func NewService(db *sqlx.DB, persons *person.Store, users Users, checker moderation.Checker, granter Granter, codes CodeMaker, log *slog.Logger) *Service {
	return &Service{db: db, persons: persons, users: users, checker: checker, points: granter, codes: codes, log: log, now: time.Now}
}

// retries bounds the retries of two transactions racing to create the same person.
const retries = 5

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
	r, err := getRow(ctx, s.db, personID)
	if err != nil {
		return Record{}, err
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
	Actor    actor.Actor
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
		if err := insertRow(ctx, tx, att.PersonID, p, status, review, o.Source, reviewer, reviewedAt, comment, now); err != nil {
			return res, err
		}
		res.Changed = append(att.Changed, slices.Sorted(maps.Keys(p.values()))...) // a new record: every field
		return res, writeOffers(ctx, tx, att.PersonID, p.Offers, false)
	}
	offers, err := offersOf(ctx, tx, []int64{att.PersonID})
	if err != nil {
		return res, err
	}
	changed := append(slices.Clone(att.Changed), person.Diff(old.values(offers[att.PersonID]), p.values())...)
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
	rereview = rereview && status != StatusPending
	if rereview {
		status = StatusPending
		res.Changed = append(res.Changed, "status")
	}
	if err := updateRow(ctx, tx, att.PersonID, p, status, review, rereview, now); err != nil {
		return res, err
	}
	return res, writeOffers(ctx, tx, att.PersonID, p.Offers, true)
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
	// An ID number is sensitive personal information: it needs consent to the current privacy
	// policy, read with the identity (consent only moves forward, so that read decides).
	if strings.TrimSpace(in.IDCard) != "" {
		if err := privacy.Check(ident.PrivacyVersion); err != nil {
			return Record{}, err
		}
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
	who := actor.User(userID)
	var res saveResult
	err = sqldb.Retry(ctx, s.db, retries, func(tx *sqlx.Tx) error {
		var err error
		res, err = s.save(ctx, tx, p, saveOpts{Source: person.SourceSelf, Actor: who, Review: review,
			Claimant: &person.Claimant{UserID: userID, PhoneIdx: ident.PhoneIdx}})
		if err != nil {
			return err
		}
		if res.Claimed {
			if err := audit.Write(ctx, tx, who.AuditID("person.claimed", "person", res.PersonID)); err != nil {
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
			if err := person.WriteChange(ctx, tx, person.Change{PersonID: res.PersonID, Source: person.SourceSelf, ActorType: string(who.Kind),
				ActorID: who.ID, Action: "update", Fields: fields, Identity: res.Identity}, s.now().UTC()); err != nil {
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
		e := who.AuditID(action, "person", res.PersonID)
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
func (s *Service) Create(ctx context.Context, actor actor.Actor, in Input) (Record, error) {
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
		e := actor.AuditID("alumni.create", "person", res.PersonID)
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

// List pages alumni (masked), most recently changed first (Search without a name).
func (s *Service) List(ctx context.Context, f Filter) (Page, error) {
	return s.Search(ctx, SearchFilter{Filter: f})
}

// Review approves or rejects a pending registration at the version the reviewer read: one
// conditional UPDATE on version, audited in the same transaction. Of two reviewers at once one
// wins; the other gets ErrStaleVersion.
func (s *Service) Review(ctx context.Context, actor actor.Actor, personID int64, in Review) (Record, error) {
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
		if err := decide(ctx, tx, personID, in.Version, status, actor.ID, in.Comment, now); err != nil {
			return err
		}
		e := actor.AuditID("alumni.review", "person", personID)
		e.Detail = map[string]any{"decision": in.Decision, "comment": in.Comment, "version": in.Version}
		return audit.Write(ctx, tx, e)
	})
	if err != nil {
		return Record{}, err
	}
	return s.get(ctx, personID)
}

// SetGrade grades an approved alumnus (a code of alumni_grades) at the version staff read; audited.
func (s *Service) SetGrade(ctx context.Context, actor actor.Actor, personID int64, grade string, version int) (Record, error) {
	grade = strings.TrimSpace(grade)
	if version <= 0 {
		return Record{}, &FieldError{"version", "请带上读取时的版本号"}
	}
	ok, err := gradeExists(ctx, s.db, grade)
	if err != nil {
		return Record{}, err
	}
	if !ok {
		return Record{}, &FieldError{"grade", "校友等级不存在"}
	}
	err = sqldb.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		r, err := lockForDecision(ctx, tx, personID, version)
		if err != nil {
			return err
		}
		if r.Status != StatusApproved {
			return ErrNotApproved
		}
		now := s.now().UTC()
		if err := setGrade(ctx, tx, personID, version, grade, now); err != nil {
			return err
		}
		e := actor.AuditID("alumni.grade", "person", personID)
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
func (s *Service) Grades(ctx context.Context) ([]Grade, error) { return grades(ctx, s.db) }
