// Package person keeps one record per human being (一人一档), identified by the identity card
// number. Registries (returnees, alumni, entrepreneurs) attach to a person instead of copying
// one. The ID number and phone are encrypted; their blind indexes make them findable and the
// ID index is UNIQUE in MySQL.
package person

import (
	"bytes"
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
	"huixiang/internal/cnid"
	"huixiang/internal/pii"
	"huixiang/internal/sqldb"
)

// Errors.
var (
	// ErrAlreadyRegistered: the ID number belongs to a person another WeChat account owns, or one
	// that this account cannot claim (its phone differs). The answer reveals nothing more.
	ErrAlreadyRegistered = errors.New("person: already registered")
	// ErrIDCardMismatch: the account already owns a person with another ID number.
	ErrIDCardMismatch = errors.New("person: id card differs from the registered one")
	// ErrNotFound: no such person.
	ErrNotFound = errors.New("person: not found")
	// ErrIdentityDiffers: staff entry or an import names a registered person (same ID number)
	// with another name or phone. Those paths never change a registered identity: only an
	// explicit correction (Correct) does. It is also an ErrAlreadyRegistered.
	ErrIdentityDiffers = fmt.Errorf("person: name or phone differs from the registered person: %w", ErrAlreadyRegistered)
)

// Sources of a record.
const (
	SourceSelf   = "self"
	SourceGrid   = "grid"
	SourceImport = "import"
)

// PII field names (authenticated data of the ciphertexts and blind-index domains).
const (
	FieldIDCard = "id_card"
	FieldPhone  = "phone"
)

// Row is a persons row.
type Row struct {
	ID            int64         `db:"id"`
	IDCardEnc     []byte        `db:"id_card_enc"`
	IDCardIdx     []byte        `db:"id_card_idx"`
	Name          string        `db:"name"`
	Gender        string        `db:"gender"`
	BirthDate     time.Time     `db:"birth_date"`
	PhoneEnc      []byte        `db:"phone_enc"`
	PhoneIdx      []byte        `db:"phone_idx"`
	UserID        sql.NullInt64 `db:"user_id"`
	CreatedSource string        `db:"created_source"`
}

const columns = `id, id_card_enc, id_card_idx, name, gender, birth_date, phone_enc, phone_idx, user_id, created_source`

// ColumnsAs is the select list of a Row from the persons table aliased alias, for a registry's
// statement that reads (and locks) a person with its own row.
func ColumnsAs(alias string) string {
	cols := strings.Split(columns, ", ")
	for i, c := range cols {
		cols[i] = alias + "." + c
	}
	return strings.Join(cols, ", ")
}

// Identity is who a registration says the person is.
type Identity struct {
	IDCard cnid.IDCard
	Name   string
	// Phone is the contact phone in plain text; empty keeps the stored one.
	Phone string
}

// Claimant is the WeChat user registering themselves; nil for staff entry and imports.
type Claimant struct {
	UserID   int64
	PhoneIdx []byte
	// Mine, when set, is the claimant's own person, already locked in the transaction by the
	// caller (with a row of its registry, in one statement: see ColumnsAs); Attach then does not
	// look it up again.
	Mine *Row
}

// Attached says what Attach did.
type Attached struct {
	PersonID int64
	Created  bool
	// Claimed: an unowned record (entered by staff or imported) now belongs to the claimant.
	Claimed bool
	// Changed lists the person fields that changed (names, never values).
	Changed []string
	// Identity lists the changes of name and phone of an existing person, masked.
	Identity []IdentityChange
	// Source is how the person was first registered (created_source), for a view of the record
	// built without reading it again.
	Source string
}

// IdentityChange is one change of a person's name, ID number or phone, with both values
// masked (张**, 4201**********1234, 138****5678): the history says what changed without
// holding personal information in clear.
type IdentityChange struct {
	Field  string `json:"field"`
	Before string `json:"before"`
	After  string `json:"after"`
}

// MaskName keeps the first character of a name (张**).
func MaskName(name string) string {
	r := []rune(name)
	if len(r) == 0 {
		return ""
	}
	return string(r[:1]) + strings.Repeat("*", len(r)-1)
}

// differs reports whether id names r with another name, or with a phone other than r's.
func (s *Store) differs(r Row, id Identity) bool {
	if id.Name != "" && id.Name != r.Name {
		return true
	}
	return id.Phone != "" && !bytes.Equal(r.PhoneIdx, s.box.Index(FieldPhone, id.Phone))
}

// Store reads and writes persons inside the caller's transaction.
type Store struct{ box *pii.Box }

// NewStore returns a Store that encrypts with box.
func NewStore(box *pii.Box) *Store { return &Store{box: box} }

// Box is the encryption box, for callers that show or reveal values.
func (s *Store) Box() *pii.Box { return s.box }

func lockOne(ctx context.Context, tx *sqlx.Tx, where string, arg any) (Row, bool, error) {
	var r Row
	err := tx.GetContext(ctx, &r, `SELECT `+columns+` FROM persons WHERE `+where+` FOR UPDATE`, arg)
	if errors.Is(err, sql.ErrNoRows) {
		return Row{}, false, nil
	}
	if err != nil {
		return Row{}, false, fmt.Errorf("person: lock: %w", sqldb.Classify(err))
	}
	return r, true, nil
}

// LockByIDCard locks the person with ID number number, if any, and returns their id.
func (s *Store) LockByIDCard(ctx context.Context, tx *sqlx.Tx, number string) (int64, bool, error) {
	r, ok, err := lockOne(ctx, tx, "id_card_idx = ?", s.IndexOf(number))
	return r.ID, ok, err
}

// Attach finds the person for id (creating one when none exists) inside tx, applying the
// one-person rules. Without a claimant (staff entry, imports) an existing person's identity is
// never changed: a differing name or phone is ErrIdentityDiffers. Two transactions creating the same person at once: one gets a duplicate-key
// or deadlock error (sqldb.ErrDuplicate, sqldb.ErrDeadlock) and should retry.
func (s *Store) Attach(ctx context.Context, tx *sqlx.Tx, id Identity, source string, claimant *Claimant) (Attached, error) {
	idx := s.box.Index(FieldIDCard, id.IDCard.Number)
	if claimant != nil {
		var mine Row
		ok := claimant.Mine != nil
		if ok {
			mine = *claimant.Mine
		} else {
			var err error
			if mine, ok, err = lockOne(ctx, tx, "user_id = ?", claimant.UserID); err != nil {
				return Attached{}, err
			}
		}
		if ok {
			if !bytes.Equal(mine.IDCardIdx, idx) {
				return Attached{}, ErrIDCardMismatch
			}
			changed, ident, err := s.update(ctx, tx, mine, id)
			return Attached{PersonID: mine.ID, Changed: changed, Identity: ident, Source: mine.CreatedSource}, err
		}
	}
	existing, ok, err := lockOne(ctx, tx, "id_card_idx = ?", idx)
	if err != nil {
		return Attached{}, err
	}
	if ok {
		if claimant == nil {
			if s.differs(existing, id) {
				return Attached{}, ErrIdentityDiffers
			}
			return Attached{PersonID: existing.ID, Source: existing.CreatedSource}, nil
		}
		if existing.UserID.Valid && existing.UserID.Int64 == claimant.UserID {
			// Our own parallel request created it after we looked by user.
			changed, ident, err := s.update(ctx, tx, existing, id)
			return Attached{PersonID: existing.ID, Changed: changed, Identity: ident, Source: existing.CreatedSource}, err
		}
		if existing.UserID.Valid || existing.PhoneIdx == nil || !bytes.Equal(existing.PhoneIdx, claimant.PhoneIdx) {
			return Attached{}, ErrAlreadyRegistered
		}
		now := time.Now().UTC()
		res, err := tx.ExecContext(ctx, `UPDATE persons SET user_id = ?, claimed_at = ?, updated_at = ? WHERE id = ? AND user_id IS NULL`,
			claimant.UserID, now, now, existing.ID)
		if err != nil {
			return Attached{}, fmt.Errorf("person: claim: %w", sqldb.Classify(err))
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return Attached{}, ErrAlreadyRegistered
		}
		// Staff may have made the person a mentor before they signed in.
		if err := RefreshMentorFlag(ctx, tx, existing.ID); err != nil {
			return Attached{}, err
		}
		changed, ident, err := s.update(ctx, tx, existing, id)
		return Attached{PersonID: existing.ID, Claimed: true, Changed: append([]string{"user_id"}, changed...), Identity: ident,
			Source: existing.CreatedSource}, err
	}
	now := time.Now().UTC()
	var userID any
	if claimant != nil {
		userID = claimant.UserID
	}
	var phoneEnc, phoneIdx any
	if id.Phone != "" {
		phoneEnc, phoneIdx = s.box.Seal(FieldPhone, id.Phone), s.box.Index(FieldPhone, id.Phone)
	}
	res, err := tx.ExecContext(ctx, `
		INSERT INTO persons (id_card_enc, id_card_idx, name, gender, birth_date, phone_enc, phone_idx, user_id, created_source, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		s.box.Seal(FieldIDCard, id.IDCard.Number), idx, id.Name, id.IDCard.Gender, id.IDCard.BirthDate,
		phoneEnc, phoneIdx, userID, source, now, now)
	if err != nil {
		return Attached{}, fmt.Errorf("person: insert: %w", sqldb.Classify(err))
	}
	pid, err := res.LastInsertId()
	if err != nil {
		return Attached{}, err
	}
	changed := []string{"name", "id_card"}
	if id.Phone != "" {
		changed = append(changed, "phone")
	}
	return Attached{PersonID: pid, Created: true, Changed: changed, Source: source}, nil
}

// update writes the name and phone when they differ from r, returning the changed fields and
// the masked before and after values.
func (s *Store) update(ctx context.Context, tx *sqlx.Tx, r Row, id Identity) ([]string, []IdentityChange, error) {
	var changed []string
	var ident []IdentityChange
	sets, args := "", []any{}
	if id.Name != "" && id.Name != r.Name {
		changed = append(changed, "name")
		ident = append(ident, IdentityChange{Field: "name", Before: MaskName(r.Name), After: MaskName(id.Name)})
		sets += "name = ?, "
		args = append(args, id.Name)
	}
	if id.Phone != "" && !bytes.Equal(r.PhoneIdx, s.box.Index(FieldPhone, id.Phone)) {
		before := ""
		if r.PhoneEnc != nil {
			old, err := s.box.Open(FieldPhone, r.PhoneEnc)
			if err != nil {
				return nil, nil, fmt.Errorf("person %d: %w", r.ID, err)
			}
			before = pii.MaskPhone(old)
		}
		changed = append(changed, "phone")
		ident = append(ident, IdentityChange{Field: "phone", Before: before, After: pii.MaskPhone(id.Phone)})
		sets += "phone_enc = ?, phone_idx = ?, "
		args = append(args, s.box.Seal(FieldPhone, id.Phone), s.box.Index(FieldPhone, id.Phone))
	}
	if len(changed) == 0 {
		return nil, nil, nil
	}
	args = append(args, time.Now().UTC(), r.ID)
	if _, err := tx.ExecContext(ctx, `UPDATE persons SET `+sets+`updated_at = ? WHERE id = ?`, args...); err != nil {
		return nil, nil, fmt.Errorf("person: update: %w", err)
	}
	return changed, ident, nil
}

// ByUser returns the person a WeChat user owns.
func ByUser(ctx context.Context, db sqlx.QueryerContext, userID int64) (Row, error) {
	var r Row
	err := sqlx.GetContext(ctx, db, &r, `SELECT `+columns+` FROM persons WHERE user_id = ?`, userID)
	if errors.Is(err, sql.ErrNoRows) {
		return Row{}, ErrNotFound
	}
	if err != nil {
		return Row{}, fmt.Errorf("person: by user: %w", err)
	}
	return r, nil
}

// Get returns person id.
func Get(ctx context.Context, db sqlx.QueryerContext, id int64) (Row, error) {
	var r Row
	err := sqlx.GetContext(ctx, db, &r, `SELECT `+columns+` FROM persons WHERE id = ?`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return Row{}, ErrNotFound
	}
	if err != nil {
		return Row{}, fmt.Errorf("person: get %d: %w", id, err)
	}
	return r, nil
}

// Diff lists, sorted, the fields of a record whose values in cur differ from old (both as
// field → value, flattened the same way). With old nil, the fields that have a value.
func Diff(old, cur map[string]string) []string {
	var out []string
	for k, v := range cur {
		if old[k] != v {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

// Revealed is a person's personal information in clear.
type Revealed struct {
	IDCard string `json:"id_card"`
	Phone  string `json:"phone"`
}

// Open decrypts r's ID number and phone.
func (s *Store) Open(r Row) (Revealed, error) {
	var out Revealed
	var err error
	if out.IDCard, err = s.box.Open(FieldIDCard, r.IDCardEnc); err != nil {
		return Revealed{}, fmt.Errorf("person %d: %w", r.ID, err)
	}
	if r.PhoneEnc != nil {
		if out.Phone, err = s.box.Open(FieldPhone, r.PhoneEnc); err != nil {
			return Revealed{}, fmt.Errorf("person %d: %w", r.ID, err)
		}
	}
	return out, nil
}

// Errors of a staff reveal.
var (
	// ErrRevealNotAllowed: the actor's role may not see full ID numbers and phones.
	ErrRevealNotAllowed = errors.New("person: role may not reveal personal information")
	// ErrRevealReason: a reveal needs a reason of 2–200 characters.
	ErrRevealReason = errors.New("person: a reason is required to reveal")
)

// CheckReveal is whether a may reveal with reason (trimmed): ErrRevealNotAllowed for a role that
// may not, ErrRevealReason for a reason shorter than 2 or longer than 200 characters.
func CheckReveal(a actor.Actor, reason string) (string, error) {
	reason = strings.TrimSpace(reason)
	if !a.MayReveal() {
		return "", ErrRevealNotAllowed
	}
	if n := utf8.RuneCountInString(reason); n < 2 || n > 200 {
		return "", ErrRevealReason
	}
	return reason, nil
}

// Reveal is a staff reveal of person id's full ID number and phone: the role and the reason are
// checked (CheckReveal), and the reveal is written to the audit log as action with its reason.
// visible says whether the actor sees the record at all (their scope), after those checks; its
// error is returned as it is.
func (s *Store) Reveal(ctx context.Context, db sqlx.ExtContext, a actor.Actor, id int64, reason, action string,
	visible func() error) (Revealed, error) {
	reason, err := CheckReveal(a, reason)
	if err != nil {
		return Revealed{}, err
	}
	if err := visible(); err != nil {
		return Revealed{}, err
	}
	r, err := Get(ctx, db, id)
	if err != nil {
		return Revealed{}, err
	}
	clear, err := s.Open(r)
	if err != nil {
		return Revealed{}, err
	}
	e := a.AuditID(action, "person", id)
	e.Detail = map[string]any{"reason": reason, "fields": []string{"id_card", "phone"}}
	if err := audit.Write(ctx, db, e); err != nil {
		return Revealed{}, err
	}
	return clear, nil
}

// Masked returns r's ID number and phone masked for display.
func (s *Store) Masked(r Row) (Revealed, error) {
	v, err := s.Open(r)
	if err != nil {
		return Revealed{}, err
	}
	v.IDCard = cnid.MaskIDCard(v.IDCard)
	if v.Phone != "" {
		v.Phone = pii.MaskPhone(v.Phone)
	}
	return v, nil
}

// Lock returns the person with id, locked for update.
func Lock(ctx context.Context, tx *sqlx.Tx, id int64) (Row, error) {
	r, ok, err := lockOne(ctx, tx, "id = ?", id)
	if err == nil && !ok {
		err = ErrNotFound
	}
	return r, err
}

// Correct applies a staff correction of name, ID number and phone to person r inside tx,
// returning the changed fields and their masked before and after values. A new ID number that
// another person has already is ErrAlreadyRegistered.
func (s *Store) Correct(ctx context.Context, tx *sqlx.Tx, r Row, id Identity) ([]string, []IdentityChange, error) {
	var changed []string
	var ident []IdentityChange
	idx := s.box.Index(FieldIDCard, id.IDCard.Number)
	if !bytes.Equal(idx, r.IDCardIdx) {
		old, err := s.box.Open(FieldIDCard, r.IDCardEnc)
		if err != nil {
			return nil, nil, fmt.Errorf("person %d: %w", r.ID, err)
		}
		_, err = tx.ExecContext(ctx, `UPDATE persons SET id_card_enc = ?, id_card_idx = ?, gender = ?, birth_date = ?, updated_at = ? WHERE id = ?`,
			s.box.Seal(FieldIDCard, id.IDCard.Number), idx, id.IDCard.Gender, id.IDCard.BirthDate, time.Now().UTC(), r.ID)
		if err := sqldb.Classify(err); errors.Is(err, sqldb.ErrDuplicate) {
			return nil, nil, ErrAlreadyRegistered
		} else if err != nil {
			return nil, nil, fmt.Errorf("person: correct: %w", err)
		}
		changed = append(changed, "id_card")
		ident = append(ident, IdentityChange{Field: "id_card", Before: cnid.MaskIDCard(old), After: cnid.MaskIDCard(id.IDCard.Number)})
	}
	more, moreIdent, err := s.update(ctx, tx, r, id)
	return append(changed, more...), append(ident, moreIdent...), err
}

// IndexOf is the blind index of an ID number, as stored in id_card_idx.
func (s *Store) IndexOf(idCard string) []byte { return s.box.Index(FieldIDCard, idCard) }

// Known returns which of the blind indexes belong to existing persons.
func Known(ctx context.Context, db sqlx.QueryerContext, idxs [][]byte) (map[string]bool, error) {
	out := map[string]bool{}
	if len(idxs) == 0 {
		return out, nil
	}
	q, args, err := sqlx.In(`SELECT id_card_idx FROM persons WHERE id_card_idx IN (?)`, idxs)
	if err != nil {
		return nil, err
	}
	var found [][]byte
	if err := sqlx.SelectContext(ctx, db, &found, q, args...); err != nil {
		return nil, fmt.Errorf("person: known: %w", sqldb.Classify(err))
	}
	for _, f := range found {
		out[string(f)] = true
	}
	return out, nil
}

// InsertMany creates persons for ids (none may exist yet) in one statement and returns their
// ids by blind index. A duplicate is sqldb.ErrDuplicate for the whole statement: the caller
// falls back to one at a time.
func (s *Store) InsertMany(ctx context.Context, tx *sqlx.Tx, ids []Identity, source string) (map[string]int64, error) {
	now := time.Now().UTC()
	args := make([]any, 0, len(ids)*10)
	idxs := make([][]byte, len(ids))
	for i, id := range ids {
		idxs[i] = s.box.Index(FieldIDCard, id.IDCard.Number)
		var phoneEnc, phoneIdx any
		if id.Phone != "" {
			phoneEnc, phoneIdx = s.box.Seal(FieldPhone, id.Phone), s.box.Index(FieldPhone, id.Phone)
		}
		args = append(args, s.box.Seal(FieldIDCard, id.IDCard.Number), idxs[i], id.Name, id.IDCard.Gender, id.IDCard.BirthDate,
			phoneEnc, phoneIdx, source, now, now)
	}
	q := `INSERT INTO persons (id_card_enc, id_card_idx, name, gender, birth_date, phone_enc, phone_idx, created_source, created_at, updated_at) VALUES ` +
		strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?), ", len(ids)), ", ")
	if _, err := tx.ExecContext(ctx, q, args...); err != nil {
		return nil, fmt.Errorf("person: insert many: %w", sqldb.Classify(err))
	}
	// Auto-increment values of one statement need not be consecutive (TiDB, interleaved lock
	// mode), so the ids are read back by index.
	sel, selArgs, err := sqlx.In(`SELECT id, id_card_idx FROM persons WHERE id_card_idx IN (?)`, idxs)
	if err != nil {
		return nil, err
	}
	var rows []struct {
		ID  int64  `db:"id"`
		Idx []byte `db:"id_card_idx"`
	}
	if err := tx.SelectContext(ctx, &rows, sel, selArgs...); err != nil {
		return nil, fmt.Errorf("person: insert many: %w", err)
	}
	out := make(map[string]int64, len(rows))
	for _, r := range rows {
		out[string(r.Idx)] = r.ID
	}
	return out, nil
}

// RefreshMentorFlag rewrites users.is_mentor for the user who claimed person personID (none: no
// row changes) from what mentors says. GET /api/v1/me reads the flag from the user's row alone;
// every change that can alter it (a mentor created or updated, a person claimed) calls this in
// its own transaction, after the change.
//
// The statement share-locks the person's and the mentor's rows and locks the user's. Callers
// take the person's row first (a claim does; mentor.Create and Update lock it before the
// mentor's), so the order is always persons, mentors, users, and a staff member changing a
// mentor while that person claims their record wait for each other instead of deadlocking;
// with plain reads instead of locks the two could each miss the other's change and leave the
// flag wrong.
func RefreshMentorFlag(ctx context.Context, tx sqlx.ExecerContext, personID int64) error {
	if _, err := tx.ExecContext(ctx, `UPDATE users u JOIN persons p ON p.user_id = u.id
		SET u.is_mentor = EXISTS (SELECT 1 FROM mentors m WHERE m.person_id = p.id AND m.status = 'active')
		WHERE p.id = ?`, personID); err != nil {
		return fmt.Errorf("person: mentor flag of %d: %w", personID, err)
	}
	return nil
}
