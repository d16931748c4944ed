package returnee

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"huixiang/internal/account"
	"huixiang/internal/actor"
	"huixiang/internal/audit"
	"huixiang/internal/cnid"
	"huixiang/internal/moderation"
	"huixiang/internal/person"
	"huixiang/internal/pii"
	"huixiang/internal/privacy"
	"huixiang/internal/region"
	"huixiang/internal/sqldb"
	"huixiang/internal/vocab"
)

// errCheckText: the user's text must go through WeChat's content check before it is saved.
var errCheckText = errors.New("returnee: text not checked yet")

// Users gives the WeChat identity of a mini-program user.
type Users interface {
	Identity(ctx context.Context, id int64) (account.Identity, error)
}

// Service is the registry.
type Service struct {
	db        *sqlx.DB
	persons   *person.Store
	regions   *region.Service
	options   *vocab.Cache
	users     Users
	checker   moderation.Checker
	log       *slog.Logger
	freshDays int
	// maxImportRows is the most data rows one spreadsheet import takes.
	maxImportRows int
	now           func() time.Time
}

// NewService returns a Service. freshDays is the default window of the update rate;
// maxImportRows bounds spreadsheet imports; the option lists are kept in process for cacheAge.
func NewService(db *sqlx.DB, persons *person.Store, regions *region.Service, users Users, checker moderation.Checker, log *slog.Logger, freshDays, maxImportRows int, cacheAge time.Duration) *Service {
	return &Service{db: db, persons: persons, regions: regions, options: vocab.NewCache(db, cacheAge), users: users, checker: checker, log: log,
		freshDays: freshDays, maxImportRows: maxImportRows, now: time.Now}
}

// Options returns the option lists the forms draw from (kept in process, see vocab.Cache).
func (s *Service) Options(ctx context.Context) (vocab.Lists, error) { return s.options.Lists(ctx) }

// MaxImportRows is the most data rows one import takes.
func (s *Service) MaxImportRows() int { return s.maxImportRows }

// retry runs fn again when two transactions raced for the same new person.
func (s *Service) retry(ctx context.Context, fn func(tx *sqlx.Tx) error) error {
	return sqldb.Retry(ctx, s.db, 5, fn)
}

func (s *Service) prepare(ctx context.Context, in Input, requirePhone bool) (profile, vocab.Lists, error) {
	lists, err := s.options.Lists(ctx)
	if err != nil {
		return profile{}, nil, err
	}
	p, err := validate(in, lists, s.now().UTC(), requirePhone)
	if err != nil {
		return p, lists, err
	}
	if p.place, err = s.regions.Resolve(ctx, p.TownshipCode, p.VillageCode); err != nil {
		var ue *region.UnknownError
		if errors.As(err, &ue) {
			return p, lists, &FieldError{Field: ue.Field, Problem: ProblemRegion}
		}
		return p, lists, err
	}
	return p, lists, nil
}

// saveResult is what save did.
type saveResult struct {
	PersonID int64
	Created  bool
	Claimed  bool
	Changed  []string
	// Source is the person's created_source; Row the returnees row as saved (tags included).
	Source string
	Row    row
}

// saveOpts says how a save is made.
type saveOpts struct {
	Source   string
	Actor    actor.Actor
	Claimant *person.Claimant
	BatchID  int64
	Review   string
	// TextHash, for a user's own save, is the hash of the user text (moderation.Hash). With no
	// Review yet, a record whose stored text passed the check with this hash keeps that verdict;
	// any other is errCheckText, and the caller checks the text and saves again with Review.
	TextHash []byte
	// Version, when set, must equal the stored version (optimistic lock).
	Version int
	// NoOverwrite refuses when the person already has a returnee record (staff creation).
	NoOverwrite bool
	// ScopeExisting refuses (as not found) an existing record outside the actor's township.
	ScopeExisting bool
}

// save attaches the person and writes the returnee record and its history in tx.
// A user saving their own record (a claimant) who has a person and a record already, the usual
// case, has both locked and read by one statement (lockMine) instead of one each.
func (s *Service) save(ctx context.Context, tx *sqlx.Tx, p profile, o saveOpts) (saveResult, error) {
	claimant := o.Claimant
	var locked *row
	if claimant != nil && claimant.Mine == nil {
		m, ok, err := lockMine(ctx, tx, claimant.UserID)
		if err != nil {
			return saveResult{}, err
		}
		if ok && p.IDCard.Number != "" {
			// Consent re-checked under the lock (SaveMine checked the identity's already).
			if err := privacy.Check(m.PrivacyVersion); err != nil {
				return saveResult{}, err
			}
		}
		if ok {
			c := *claimant
			c.Mine, claimant, locked = &m.Row, &c, &m.row
		}
	}
	att, err := s.persons.Attach(ctx, tx, person.Identity{IDCard: p.IDCard, Name: p.Name, Phone: p.Phone}, o.Source, claimant)
	if err != nil {
		return saveResult{}, err
	}
	return s.write(ctx, tx, att, p, o, locked)
}

// write writes the record of the attached person; locked, when not nil, is a record the
// transaction has locked and read already (lockMine), used when it is that person's.
func (s *Service) write(ctx context.Context, tx *sqlx.Tx, att person.Attached, p profile, o saveOpts, locked *row) (saveResult, error) {
	// Milliseconds, as DATETIME(3) keeps them: the saved row answered below equals a read of it.
	now := s.now().UTC().Truncate(time.Millisecond)
	var old row
	exists := false
	switch {
	case att.Created: // a person created in this transaction has no record yet
	case locked != nil && locked.PersonID == att.PersonID:
		old, exists = *locked, true
	default:
		var err error
		if old, exists, err = lockRow(ctx, tx, att.PersonID); err != nil {
			return saveResult{}, err
		}
	}
	if exists && o.NoOverwrite {
		return saveResult{}, ErrAlreadyExists
	}
	if exists && o.ScopeExisting && !o.Actor.SeesTownship(old.TownshipCode) {
		return saveResult{}, ErrOutOfScope
	}
	if o.Version != 0 && (!exists || old.Version != o.Version) {
		return saveResult{}, ErrStaleVersion
	}
	review := o.Review
	switch {
	case review == "" && o.TextHash != nil:
		if !exists || old.ContentReview != moderation.StateOK || !bytes.Equal(old.ContentHash, o.TextHash) {
			return saveResult{}, errCheckText
		}
		review = old.ContentReview
	case review == "":
		review = moderation.StateOK
		if exists {
			review = old.ContentReview
		}
	}
	// The hash kept with the record vouches for its text: only a user's text WeChat passed.
	var textHash []byte
	if o.TextHash != nil && review == moderation.StateOK {
		textHash = o.TextHash
	}
	var changed []string
	if exists {
		changed = person.Diff(old.values(), p.values())
		if review != old.ContentReview {
			changed = append(changed, "content_review")
		}
	} else {
		changed = person.Diff(nil, p.values())
	}
	res := saveResult{PersonID: att.PersonID, Created: !exists, Claimed: att.Claimed, Changed: append(att.Changed, changed...),
		Source: att.Source}
	if exists && len(res.Changed) == 0 {
		res.Row = old
		res.Row.ConfirmedAt = now
		if textHash != nil {
			res.Row.ContentHash = textHash
		}
		// Nothing new: saving the same data confirms it is still true.
		if _, err := confirmRow(ctx, tx, att.PersonID, textHash, now); err != nil {
			return res, err
		}
		return res, writeChange(ctx, tx, change{PersonID: att.PersonID, Source: o.Source, Actor: o.Actor, BatchID: o.BatchID, Action: "confirm"}, now)
	}
	// A change of the person alone (name, ID number, phone) is a change of the record too: it
	// bumps the version, so that a clerk holding the old one gets ErrStaleVersion.
	if err := writeRow(ctx, tx, att.PersonID, p, review, textHash, exists, old.Version, changed, now); err != nil {
		return res, err
	}
	res.Row = p.row(att.PersonID, review, textHash, now)
	if exists {
		res.Row.CreatedAt, res.Row.Version = old.CreatedAt, old.Version+1
	}
	action := "update"
	if !exists {
		action = "create"
	}
	return res, writeChange(ctx, tx, change{PersonID: att.PersonID, Source: o.Source, Actor: o.Actor, BatchID: o.BatchID,
		Action: action, Fields: res.Changed, Identity: att.Identity}, now)
}

// Mine returns the caller's own record.
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

// SaveMine creates or updates the caller's record from the mini program. The phone is the one
// the user bound through WeChat. A record entered by staff with the same ID number and that
// phone is claimed (and the claim audited); with another phone, or owned by another account, it
// is ErrAlreadyRegistered, revealing nothing about it.
func (s *Service) SaveMine(ctx context.Context, userID int64, in Input) (Record, error) {
	ident, err := s.users.Identity(ctx, userID)
	if err != nil {
		return Record{}, err
	}
	if ident.Phone == "" {
		return Record{}, ErrPhoneNotBound
	}
	// An ID number is sensitive personal information: it needs consent to the current privacy
	// policy, read with the identity (and again under the record's lock, see save).
	if strings.TrimSpace(in.IDCard) != "" {
		if err := privacy.Check(ident.PrivacyVersion); err != nil {
			return Record{}, err
		}
	}
	in.Phone = ident.Phone
	p, _, err := s.prepare(ctx, in, false)
	if err != nil {
		return Record{}, err
	}
	// WeChat's content check is asked only when the text differs from the text it last passed:
	// the first attempt saves with the stored verdict or stops with errCheckText (nothing
	// written), and the second saves with the new verdict.
	text := p.userText()
	who := actor.User(userID)
	o := saveOpts{Source: person.SourceSelf, Actor: who, TextHash: moderation.Hash(text),
		Claimant: &person.Claimant{UserID: userID, PhoneIdx: ident.PhoneIdx}}
	var res saveResult
	save := func(tx *sqlx.Tx) error {
		var err error
		res, err = s.save(ctx, tx, p, o)
		if err != nil || !res.Claimed {
			return err
		}
		return audit.Write(ctx, tx, who.AuditID("person.claimed", "person", res.PersonID))
	}
	err = s.retry(ctx, save)
	if errors.Is(err, errCheckText) {
		if o.Review, err = moderation.Review(ctx, s.checker, s.log, ident.OpenID, text); err != nil {
			return Record{}, err
		}
		err = s.retry(ctx, save)
	}
	if err != nil {
		return Record{}, err
	}
	// The record as saved, from what this request holds: no second read of what it just wrote.
	return s.recordOf(listRow{row: res.Row, Name: p.Name, Gender: p.IDCard.Gender, BirthDate: p.IDCard.BirthDate,
		UserID: sql.NullInt64{Int64: userID, Valid: true}, CreatedSource: res.Source,
		TownshipName: p.place.TownshipName, VillageName: p.place.VillageName},
		person.Revealed{IDCard: cnid.MaskIDCard(p.IDCard.Number), Phone: pii.MaskPhone(ident.Phone)}), nil
}

// ConfirmMine records that the caller's record is still true.
func (s *Service) ConfirmMine(ctx context.Context, userID int64) (Record, error) {
	pr, err := person.ByUser(ctx, s.db, userID)
	if errors.Is(err, person.ErrNotFound) {
		return Record{}, ErrNotRegistered
	}
	if err != nil {
		return Record{}, err
	}
	now := s.now().UTC()
	err = sqldb.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		found, err := confirmRow(ctx, tx, pr.ID, nil, now)
		if err != nil {
			return err
		}
		if !found {
			return ErrNotRegistered
		}
		return writeChange(ctx, tx, change{PersonID: pr.ID, Source: person.SourceSelf, Actor: actor.User(userID), Action: "confirm"}, now)
	})
	if err != nil {
		return Record{}, err
	}
	return s.get(ctx, pr.ID)
}

// Create enters a record on someone's behalf (grid worker). Township staff may only enter
// records of their township; department staff none. A person registered already keeps their
// name and phone: entering them with another is person.ErrIdentityDiffers (correct them with
// Patch), and a person with a returnee record already is person.ErrAlreadyRegistered.
func (s *Service) Create(ctx context.Context, actor actor.Actor, in Input) (Record, error) {
	if !actor.MayWriteRegistry() {
		return Record{}, ErrForbidden
	}
	p, _, err := s.prepare(ctx, in, true)
	if err != nil {
		return Record{}, err
	}
	if !actor.SeesTownship(p.TownshipCode) {
		return Record{}, ErrOutOfScope
	}
	var res saveResult
	err = s.retry(ctx, func(tx *sqlx.Tx) error {
		var err error
		res, err = s.save(ctx, tx, p, saveOpts{Source: person.SourceGrid, Actor: actor, NoOverwrite: true})
		if err != nil {
			return err
		}
		e := actor.AuditID("returnee.create", "person", res.PersonID)
		e.Detail = map[string]any{"fields": res.Changed}
		return audit.Write(ctx, tx, e)
	})
	if errors.Is(err, ErrAlreadyExists) {
		return Record{}, person.ErrAlreadyRegistered
	}
	if err != nil {
		return Record{}, err
	}
	return s.get(ctx, res.PersonID)
}

// Get returns a record the actor may see; others are ErrNotFound.
func (s *Service) Get(ctx context.Context, actor actor.Actor, personID int64) (Record, error) {
	rec, err := s.get(ctx, personID)
	if err != nil {
		return Record{}, err
	}
	if !actor.SeesTownship(rec.TownshipCode) {
		return Record{}, ErrNotFound
	}
	return rec, nil
}

// Patch applies a staff edit: apply changes the current record (as Input, with the ID number
// and phone in clear), which must still be at version. Township staff may neither see nor move
// records outside their township; department staff may not edit. It is the only way staff
// change a registered person's name, ID number or phone; each such change goes into the
// history with its masked before and after values and bumps the version.
func (s *Service) Patch(ctx context.Context, actor actor.Actor, personID int64, version int, apply func(*Input) error) (Record, error) {
	if !actor.MayWriteRegistry() {
		return Record{}, ErrForbidden
	}
	cur, err := s.Get(ctx, actor, personID)
	if err != nil {
		return Record{}, err
	}
	in, err := s.input(ctx, cur)
	if err != nil {
		return Record{}, err
	}
	if err := apply(&in); err != nil {
		return Record{}, err
	}
	p, _, err := s.prepare(ctx, in, true)
	if err != nil {
		return Record{}, err
	}
	if !actor.SeesTownship(p.TownshipCode) {
		return Record{}, ErrOutOfScope
	}
	err = sqldb.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		pr, err := person.Lock(ctx, tx, personID)
		if err != nil {
			return err
		}
		changed, ident, err := s.persons.Correct(ctx, tx, pr, person.Identity{IDCard: p.IDCard, Name: p.Name, Phone: p.Phone})
		if err != nil {
			return err
		}
		res, err := s.write(ctx, tx, person.Attached{PersonID: personID, Changed: changed, Identity: ident}, p,
			saveOpts{Source: person.SourceGrid, Actor: actor, Version: version, ScopeExisting: true}, nil)
		if err != nil {
			return err
		}
		e := actor.AuditID("returnee.update", "person", personID)
		e.Detail = map[string]any{"fields": res.Changed}
		if len(ident) > 0 {
			e.Detail["identity"] = ident
		}
		return audit.Write(ctx, tx, e)
	})
	if err != nil {
		return Record{}, err
	}
	return s.get(ctx, personID)
}

// input turns a record back into the Input that produced it, with the ID number and phone in clear.
func (s *Service) input(ctx context.Context, rec Record) (Input, error) {
	pr, err := person.Get(ctx, s.db, rec.PersonID)
	if err != nil {
		return Input{}, err
	}
	clear, err := s.persons.Open(pr)
	if err != nil {
		return Input{}, err
	}
	in := rec.Input
	in.IDCard, in.Phone = clear.IDCard, clear.Phone
	return in, nil
}

// Reveal returns the full ID number and phone of a record, for roles that may see them, and
// writes the reveal with its reason to the audit log.
func (s *Service) Reveal(ctx context.Context, actor actor.Actor, personID int64, reason string) (person.Revealed, error) {
	return s.persons.Reveal(ctx, s.db, actor, personID, reason, "returnee.reveal", func() error {
		_, err := s.Get(ctx, actor, personID)
		return err
	})
}
