package merchant

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"huixiang/internal/account"
	"huixiang/internal/actor"
	"huixiang/internal/audit"
	"huixiang/internal/person"
	"huixiang/internal/privacy"
	"huixiang/internal/returnee"
	"huixiang/internal/sqldb"
	"huixiang/internal/vocab"
)

// Users gives the WeChat identity of a mini-program user.
type Users interface {
	Identity(ctx context.Context, id int64) (account.Identity, error)
}

// TextChecker checks text a user typed (WeChat's content check); risky text is an error.
type TextChecker interface {
	CheckUserText(ctx context.Context, userID int64, text string) error
}

// Service is the merchant database.
type Service struct {
	db        *sqlx.DB
	persons   *person.Store
	users     Users
	text      TextChecker
	options   *vocab.Cache
	freshDays int
	now       func() time.Time
}

// NewService returns a Service. text may be nil (no content check); freshDays ≤ 0 is
// DefaultFreshDays; now nil is time.Now.
func NewService(db *sqlx.DB, persons *person.Store, users Users, text TextChecker, freshDays int, now func() time.Time) *Service {
	if freshDays <= 0 {
		freshDays = DefaultFreshDays
	}
	if now == nil {
		now = time.Now
	}
	return &Service{db: db, persons: persons, users: users, text: text, options: vocab.NewCache(db, time.Minute),
		freshDays: freshDays, now: now}
}

// mayWrite: staff of every role write merchants (township staff: their township's only).
func mayWrite(a actor.Actor) bool { return a.IsStaff() }

// Record is a merchant as staff and the merchant see it: ID number and phone masked.
type Record struct {
	PersonID          int64        `json:"person_id"`
	Name              string       `json:"name"`
	IDCard            string       `json:"id_card"`
	Phone             string       `json:"phone"`
	Gender            string       `json:"gender"`
	TownshipCode      string       `json:"township_code"`
	TownshipName      string       `json:"township_name"`
	BizProvince       string       `json:"biz_province"`
	BizCity           string       `json:"biz_city"`
	IndustryCode      string       `json:"industry_code"`
	IndustryName      string       `json:"industry_name"`
	IndustrySection   string       `json:"industry_section"`
	SectionName       string       `json:"section_name"`
	SizeBand          string       `json:"size_band"`
	RevenueBand       string       `json:"revenue_band"`
	OperatingStatus   string       `json:"operating_status"`
	ChamberRoles      string       `json:"chamber_roles"`
	IntendedFields    []string     `json:"intended_fields"`
	AmountBand        string       `json:"amount_band"`
	Timing            string       `json:"timing"`
	PreferredTownship string       `json:"preferred_township"`
	Source            string       `json:"source"`
	Enterprises       []Enterprise `json:"enterprises"`
	ConfirmedAt       time.Time    `json:"confirmed_at"`
	// Fresh: confirmed within the update-rate window.
	Fresh     bool      `json:"fresh"`
	Version   int       `json:"version"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// row is a merchants row.
type row struct {
	PersonID          int64     `db:"person_id"`
	TownshipCode      string    `db:"township_code"`
	BizProvince       string    `db:"biz_province"`
	BizCity           string    `db:"biz_city"`
	IndustryCode      string    `db:"industry_code"`
	IndustrySection   string    `db:"industry_section"`
	SizeBand          string    `db:"size_band"`
	RevenueBand       string    `db:"revenue_band"`
	OperatingStatus   string    `db:"operating_status"`
	ChamberRoles      string    `db:"chamber_roles"`
	AmountBand        string    `db:"amount_band"`
	Timing            string    `db:"timing"`
	PreferredTownship string    `db:"preferred_township"`
	Source            string    `db:"source"`
	ConfirmedAt       time.Time `db:"confirmed_at"`
	Version           int       `db:"version"`
	CreatedAt         time.Time `db:"created_at"`
	UpdatedAt         time.Time `db:"updated_at"`
}

const rowColumns = `person_id, township_code, biz_province, biz_city, industry_code, industry_section, size_band, revenue_band,
	operating_status, chamber_roles, amount_band, timing, preferred_township, source, confirmed_at, version, created_at, updated_at`

// profileOf is the stored record as a profile (for comparison).
func profileOf(r row, fields []string, ents []Enterprise) profile {
	return profile{TownshipCode: r.TownshipCode, BizProvince: r.BizProvince, BizCity: r.BizCity, IndustryCode: r.IndustryCode,
		IndustrySection: r.IndustrySection, SizeBand: r.SizeBand, RevenueBand: r.RevenueBand, OperatingStatus: r.OperatingStatus,
		ChamberRoles: r.ChamberRoles, Fields: fields, AmountBand: r.AmountBand, Timing: r.Timing,
		PreferredTownship: r.PreferredTownship, Source: r.Source, Enterprises: ents}
}

func (s *Service) lookups(ctx context.Context) (lookups, error) {
	lists, err := s.options.Lists(ctx)
	if err != nil {
		return lookups{}, err
	}
	return lookups{
		lists: lists,
		township: func(code string) (bool, error) {
			var n int
			err := s.db.GetContext(ctx, &n, `SELECT COUNT(*) FROM regions WHERE code = ? AND level = 2 AND active`, code)
			return n > 0, err
		},
		section: func(code string) (string, error) { return section(ctx, s.db, code) },
	}, nil
}

// section walks an industries code up to its section ("" when the code is unknown).
func section(ctx context.Context, db sqlx.QueryerContext, code string) (string, error) {
	for range 5 {
		var r struct {
			Parent sql.NullString `db:"parent_code"`
			Level  int            `db:"level"`
		}
		err := sqlx.GetContext(ctx, db, &r, `SELECT parent_code, level FROM industries WHERE code = ?`, code)
		if errors.Is(err, sql.ErrNoRows) {
			return "", nil
		}
		if err != nil {
			return "", fmt.Errorf("merchant: industry: %w", err)
		}
		if r.Level == 1 {
			return code, nil
		}
		code = r.Parent.String
	}
	return "", nil
}

// lockRow locks and reads the merchant of person (false when there is none).
func lockRow(ctx context.Context, tx *sqlx.Tx, personID int64) (row, bool, error) {
	var r row
	err := tx.GetContext(ctx, &r, `SELECT `+rowColumns+` FROM merchants WHERE person_id = ? FOR UPDATE`, personID)
	if errors.Is(err, sql.ErrNoRows) {
		return row{}, false, nil
	}
	if err != nil {
		return row{}, false, fmt.Errorf("merchant: lock: %w", sqldb.Classify(err))
	}
	return r, true, nil
}

func loadFields(ctx context.Context, db sqlx.QueryerContext, personID int64) ([]string, error) {
	out := []string{}
	err := sqlx.SelectContext(ctx, db, &out, `SELECT code FROM merchant_fields WHERE person_id = ? ORDER BY code`, personID)
	return out, err
}

func loadEnterprises(ctx context.Context, db sqlx.QueryerContext, personID int64) ([]Enterprise, error) {
	out := []Enterprise{}
	err := sqlx.SelectContext(ctx, db, &out, `SELECT name, COALESCE(uscc, '') AS uscc, industry_code, province, city, size_band,
		revenue_band, status FROM merchant_enterprises WHERE person_id = ? ORDER BY id`, personID)
	return out, err
}

// write inserts (old nil) or updates at old's version the merchant of person, with its fields
// and enterprises, confirmed now.
func write(ctx context.Context, tx *sqlx.Tx, personID int64, p profile, old *row, now time.Time) error {
	// An enterprise's credit code that another merchant holds is refused before the insert,
	// so that the transaction is not retried as a race.
	if codes := usccs(p.Enterprises); len(codes) > 0 {
		q, args, err := sqlx.In(`SELECT COUNT(*) FROM merchant_enterprises WHERE uscc IN (?) AND person_id <> ?`, codes, personID)
		if err != nil {
			return err
		}
		var n int
		if err := tx.GetContext(ctx, &n, q, args...); err != nil {
			return fmt.Errorf("merchant: uscc: %w", sqldb.Classify(err))
		}
		if n > 0 {
			return ErrUSCCTaken
		}
	}
	args := []any{p.TownshipCode, p.BizProvince, p.BizCity, p.IndustryCode, p.IndustrySection, p.SizeBand, p.RevenueBand,
		p.OperatingStatus, p.ChamberRoles, p.AmountBand, p.Timing, p.PreferredTownship, now, now}
	if old != nil {
		res, err := tx.ExecContext(ctx, `UPDATE merchants SET township_code = ?, biz_province = ?, biz_city = ?, industry_code = ?,
			industry_section = ?, size_band = ?, revenue_band = ?, operating_status = ?, chamber_roles = ?, amount_band = ?,
			timing = ?, preferred_township = ?, confirmed_at = ?, updated_at = ?, version = version + 1
			WHERE person_id = ? AND version = ?`, append(args, personID, old.Version)...)
		if err != nil {
			return fmt.Errorf("merchant: update: %w", sqldb.Classify(err))
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return ErrStaleVersion
		}
	} else {
		_, err := tx.ExecContext(ctx, `INSERT INTO merchants (township_code, biz_province, biz_city, industry_code, industry_section,
			size_band, revenue_band, operating_status, chamber_roles, amount_band, timing, preferred_township, confirmed_at,
			updated_at, source, created_at, person_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			append(args, p.Source, now, personID)...)
		if err != nil {
			return fmt.Errorf("merchant: insert: %w", sqldb.Classify(err))
		}
	}
	if old != nil {
		if _, err := tx.ExecContext(ctx, `DELETE FROM merchant_fields WHERE person_id = ?`, personID); err != nil {
			return fmt.Errorf("merchant: fields: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM merchant_enterprises WHERE person_id = ?`, personID); err != nil {
			return fmt.Errorf("merchant: enterprises: %w", err)
		}
	}
	if len(p.Fields) > 0 {
		var vals []any
		for _, f := range p.Fields {
			vals = append(vals, personID, f)
		}
		q := `INSERT INTO merchant_fields (person_id, code) VALUES (?, ?)` + strings.Repeat(", (?, ?)", len(p.Fields)-1)
		if _, err := tx.ExecContext(ctx, q, vals...); err != nil {
			return fmt.Errorf("merchant: fields: %w", sqldb.Classify(err))
		}
	}
	for _, e := range p.Enterprises {
		var uscc any
		if e.USCC != "" {
			uscc = e.USCC
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO merchant_enterprises (person_id, name, uscc, industry_code, province, city,
			size_band, revenue_band, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			personID, e.Name, uscc, e.IndustryCode, e.Province, e.City, e.SizeBand, e.RevenueBand, e.Status, now, now)
		if err != nil {
			return fmt.Errorf("merchant: enterprise: %w", sqldb.Classify(err))
		}
	}
	return nil
}

func usccs(ents []Enterprise) []string {
	var out []string
	for _, e := range ents {
		if e.USCC != "" {
			out = append(out, e.USCC)
		}
	}
	return out
}

// get reads the merchant of person with its person, masked.
func (s *Service) get(ctx context.Context, personID int64) (Record, error) {
	var r row
	err := s.db.GetContext(ctx, &r, `SELECT `+rowColumns+` FROM merchants WHERE person_id = ?`, personID)
	if errors.Is(err, sql.ErrNoRows) {
		return Record{}, ErrNotFound
	}
	if err != nil {
		return Record{}, fmt.Errorf("merchant: get: %w", err)
	}
	pr, err := person.Get(ctx, s.db, personID)
	if err != nil {
		return Record{}, err
	}
	masked, err := s.persons.Masked(pr)
	if err != nil {
		return Record{}, err
	}
	fields, err := loadFields(ctx, s.db, personID)
	if err != nil {
		return Record{}, fmt.Errorf("merchant: fields: %w", err)
	}
	ents, err := loadEnterprises(ctx, s.db, personID)
	if err != nil {
		return Record{}, fmt.Errorf("merchant: enterprises: %w", err)
	}
	var names struct {
		Township string `db:"township"`
		Industry string `db:"industry"`
		Section  string `db:"section"`
	}
	err = s.db.GetContext(ctx, &names, `SELECT
		COALESCE((SELECT name FROM regions WHERE code = ?), '') AS township,
		COALESCE((SELECT name FROM industries WHERE code = ?), '') AS industry,
		COALESCE((SELECT name FROM industries WHERE code = ?), '') AS section`, r.TownshipCode, r.IndustryCode, r.IndustrySection)
	if err != nil {
		return Record{}, fmt.Errorf("merchant: names: %w", err)
	}
	return Record{PersonID: personID, Name: pr.Name, IDCard: masked.IDCard, Phone: masked.Phone, Gender: pr.Gender,
		TownshipCode: r.TownshipCode, TownshipName: names.Township, BizProvince: r.BizProvince, BizCity: r.BizCity,
		IndustryCode: r.IndustryCode, IndustryName: names.Industry, IndustrySection: r.IndustrySection, SectionName: names.Section,
		SizeBand: r.SizeBand, RevenueBand: r.RevenueBand, OperatingStatus: r.OperatingStatus, ChamberRoles: r.ChamberRoles,
		IntendedFields: fields, AmountBand: r.AmountBand, Timing: r.Timing, PreferredTownship: r.PreferredTownship,
		Source: r.Source, Enterprises: ents, ConfirmedAt: r.ConfirmedAt, Fresh: s.fresh(r.ConfirmedAt, s.freshDays),
		Version: r.Version, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}, nil
}

func (s *Service) fresh(confirmed time.Time, days int) bool {
	return !confirmed.Before(s.now().UTC().AddDate(0, 0, -days))
}

// Create enters a merchant for a person found (or created) by ID number. A registered person
// keeps their name and phone (person.ErrIdentityDiffers otherwise); a person with a merchant
// record already is ErrExists.
func (s *Service) Create(ctx context.Context, a actor.Actor, in Input) (Record, error) {
	if !mayWrite(a) {
		return Record{}, ErrForbidden
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	id, err := checkIdentity(in, now)
	if err != nil {
		return Record{}, err
	}
	l, err := s.lookups(ctx)
	if err != nil {
		return Record{}, err
	}
	p, err := validate(in, l, SourceStaff)
	if err != nil {
		return Record{}, err
	}
	if !a.SeesTownship(p.TownshipCode) {
		return Record{}, ErrOutOfScope
	}
	source := person.SourceGrid
	if p.Source == SourceImport {
		source = person.SourceImport
	}
	var pid int64
	err = sqldb.Retry(ctx, s.db, 5, func(tx *sqlx.Tx) error {
		att, err := s.persons.Attach(ctx, tx, person.Identity{IDCard: id.IDCard, Name: id.Name, Phone: id.Phone}, source, nil)
		if err != nil {
			return err
		}
		pid = att.PersonID
		if _, exists, err := lockRow(ctx, tx, pid); err != nil {
			return err
		} else if exists {
			return ErrExists
		}
		if err := write(ctx, tx, pid, p, nil, now); err != nil {
			return err
		}
		e := a.AuditID("merchant.create", "person", pid)
		e.Detail = map[string]any{"fields": person.Diff(nil, p.values()), "person_created": att.Created}
		return audit.Write(ctx, tx, e)
	})
	if err != nil {
		return Record{}, err
	}
	return s.get(ctx, pid)
}

// Get returns a merchant the actor may see; others are ErrNotFound.
func (s *Service) Get(ctx context.Context, a actor.Actor, personID int64) (Record, error) {
	rec, err := s.get(ctx, personID)
	if err != nil {
		return Record{}, err
	}
	if !a.SeesTownship(rec.TownshipCode) {
		return Record{}, ErrNotFound
	}
	return rec, nil
}

// Patch applies a staff edit: apply changes the current record (as Input, ID number and phone in
// clear), which must still be at version. Saving it unchanged confirms it (confirmed_at = now).
// Name, ID number and phone are corrected through person.Store.Correct, as the returnee
// registry does, and the person's returnee record version is bumped.
func (s *Service) Patch(ctx context.Context, a actor.Actor, personID int64, version int, apply func(*Input) error) (Record, error) {
	if !mayWrite(a) {
		return Record{}, ErrForbidden
	}
	cur, err := s.Get(ctx, a, personID)
	if err != nil {
		return Record{}, err
	}
	pr, err := person.Get(ctx, s.db, personID)
	if err != nil {
		return Record{}, err
	}
	clear, err := s.persons.Open(pr)
	if err != nil {
		return Record{}, err
	}
	in := Input{Name: cur.Name, IDCard: clear.IDCard, Phone: clear.Phone, TownshipCode: cur.TownshipCode,
		BizProvince: cur.BizProvince, BizCity: cur.BizCity, IndustryCode: cur.IndustryCode, SizeBand: cur.SizeBand,
		RevenueBand: cur.RevenueBand, OperatingStatus: cur.OperatingStatus, ChamberRoles: cur.ChamberRoles,
		IntendedFields: cur.IntendedFields, AmountBand: cur.AmountBand, Timing: cur.Timing,
		PreferredTownship: cur.PreferredTownship, Source: cur.Source, Enterprises: cur.Enterprises}
	if in.Source == SourceSelf {
		in.Source = SourceStaff // validate's staff sources; the stored source is kept below
	}
	if err := apply(&in); err != nil {
		return Record{}, err
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	id, err := checkIdentity(in, now)
	if err != nil {
		return Record{}, err
	}
	l, err := s.lookups(ctx)
	if err != nil {
		return Record{}, err
	}
	p, err := validate(in, l, SourceStaff)
	if err != nil {
		return Record{}, err
	}
	if !a.SeesTownship(p.TownshipCode) {
		return Record{}, ErrOutOfScope
	}
	err = sqldb.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		pr, err := person.Lock(ctx, tx, personID)
		if err != nil {
			return err
		}
		old, ok, err := lockRow(ctx, tx, personID)
		if err != nil {
			return err
		}
		if !ok || !a.SeesTownship(old.TownshipCode) {
			return ErrNotFound
		}
		if old.Version != version {
			return ErrStaleVersion
		}
		changedIdent, ident, err := s.persons.Correct(ctx, tx, pr, person.Identity{IDCard: id.IDCard, Name: id.Name, Phone: id.Phone})
		if err != nil {
			return err
		}
		if len(changedIdent) > 0 {
			if err := returnee.IdentityChanged(ctx, tx, personID, now); err != nil {
				return err
			}
		}
		fields, err := loadFields(ctx, tx, personID)
		if err != nil {
			return err
		}
		ents, err := loadEnterprises(ctx, tx, personID)
		if err != nil {
			return err
		}
		changed := append(changedIdent, person.Diff(profileOf(old, fields, ents).values(), p.values())...)
		action := "merchant.update"
		if len(changed) == 0 {
			action = "merchant.confirm"
			if _, err := tx.ExecContext(ctx, `UPDATE merchants SET confirmed_at = ? WHERE person_id = ?`, now, personID); err != nil {
				return fmt.Errorf("merchant: confirm: %w", err)
			}
		} else if err := write(ctx, tx, personID, p, &old, now); err != nil {
			return err
		}
		e := a.AuditID(action, "person", personID)
		e.Detail = map[string]any{"fields": changed}
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

// Reveal returns the full ID number and phone of a merchant, for roles that may see them, and
// writes the reveal with its reason to the audit log.
func (s *Service) Reveal(ctx context.Context, a actor.Actor, personID int64, reason string) (person.Revealed, error) {
	return s.persons.Reveal(ctx, s.db, a, personID, reason, "merchant.reveal", func() error {
		_, err := s.Get(ctx, a, personID)
		return err
	})
}

// Mine returns the signed-in user's own merchant record.
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

// SaveMine creates or updates the user's own record. A user with a person already (returnee or
// alumni registration) needs no ID number; one without sends name and ID number, which needs
// consent to the current privacy policy and a phone bound through WeChat, and finds or claims
// the person as the returnee registry does. The text is content-checked. in.Version, when set,
// must be the stored version.
func (s *Service) SaveMine(ctx context.Context, userID int64, in Input) (Record, error) {
	ident, err := s.users.Identity(ctx, userID)
	if err != nil {
		return Record{}, err
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	withID := strings.TrimSpace(in.IDCard) != ""
	var id identity
	if withID {
		if err := privacy.Check(ident.PrivacyVersion); err != nil {
			return Record{}, err
		}
		if ident.Phone == "" {
			return Record{}, ErrPhoneNotBound
		}
		in.Phone = ident.Phone
		if id, err = checkIdentity(in, now); err != nil {
			return Record{}, err
		}
	}
	l, err := s.lookups(ctx)
	if err != nil {
		return Record{}, err
	}
	p, err := validate(in, l, SourceSelf)
	if err != nil {
		return Record{}, err
	}
	if s.text != nil {
		if t := p.userText(); t != "" {
			if err := s.text.CheckUserText(ctx, userID, t); err != nil {
				return Record{}, err
			}
		}
	}
	who := actor.User(userID)
	var pid int64
	err = sqldb.Retry(ctx, s.db, 5, func(tx *sqlx.Tx) error {
		claimed := false
		if withID {
			att, err := s.persons.Attach(ctx, tx, person.Identity{IDCard: id.IDCard, Name: id.Name, Phone: id.Phone}, person.SourceSelf,
				&person.Claimant{UserID: userID, PhoneIdx: ident.PhoneIdx})
			if err != nil {
				return err
			}
			pid, claimed = att.PersonID, att.Claimed
		} else {
			err := tx.GetContext(ctx, &pid, `SELECT id FROM persons WHERE user_id = ? FOR UPDATE`, userID)
			if errors.Is(err, sql.ErrNoRows) {
				return &FieldError{Field: "id_card", Message: "请填写姓名和身份证号"}
			}
			if err != nil {
				return fmt.Errorf("merchant: person: %w", sqldb.Classify(err))
			}
		}
		old, exists, err := lockRow(ctx, tx, pid)
		if err != nil {
			return err
		}
		if exists && in.Version != 0 && in.Version != old.Version {
			return ErrStaleVersion
		}
		var prev *row
		action := "merchant.self_create"
		var changed []string
		if exists {
			prev, action = &old, "merchant.self_update"
			p.Source = old.Source
			fields, err := loadFields(ctx, tx, pid)
			if err != nil {
				return err
			}
			ents, err := loadEnterprises(ctx, tx, pid)
			if err != nil {
				return err
			}
			changed = person.Diff(profileOf(old, fields, ents).values(), p.values())
		} else {
			changed = person.Diff(nil, p.values())
		}
		if exists && len(changed) == 0 {
			if _, err := tx.ExecContext(ctx, `UPDATE merchants SET confirmed_at = ? WHERE person_id = ?`, now, pid); err != nil {
				return fmt.Errorf("merchant: confirm: %w", err)
			}
			action = "merchant.self_confirm"
		} else if err := write(ctx, tx, pid, p, prev, now); err != nil {
			return err
		}
		if claimed {
			if err := audit.Write(ctx, tx, who.AuditID("person.claimed", "person", pid)); err != nil {
				return err
			}
		}
		e := who.AuditID(action, "person", pid)
		e.Detail = map[string]any{"fields": changed}
		return audit.Write(ctx, tx, e)
	})
	if err != nil {
		return Record{}, err
	}
	return s.get(ctx, pid)
}

// ConfirmMine records that the user's own record is still true (confirmed_at = now).
func (s *Service) ConfirmMine(ctx context.Context, userID int64) (Record, error) {
	pr, err := person.ByUser(ctx, s.db, userID)
	if errors.Is(err, person.ErrNotFound) {
		return Record{}, ErrNotRegistered
	}
	if err != nil {
		return Record{}, err
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	err = sqldb.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		if _, ok, err := lockRow(ctx, tx, pr.ID); err != nil {
			return err
		} else if !ok {
			return ErrNotRegistered
		}
		if _, err := tx.ExecContext(ctx, `UPDATE merchants SET confirmed_at = ? WHERE person_id = ?`, now, pr.ID); err != nil {
			return fmt.Errorf("merchant: confirm: %w", err)
		}
		return audit.Write(ctx, tx, actor.User(userID).AuditID("merchant.self_confirm", "person", pr.ID))
	})
	if err != nil {
		return Record{}, err
	}
	return s.get(ctx, pr.ID)
}
