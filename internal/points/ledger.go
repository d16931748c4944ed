package points

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"huixiang/internal/audit"
	"huixiang/internal/sqldb"
)

// Options configures the service.
type Options struct {
	// ExpiryYears: earned points expire at the end of the ExpiryYears-th calendar year after the
	// year they were earned in (Asia/Shanghai); 2 by default; 0 or less never expires them.
	ExpiryYears int
}

// Service runs the points ledger, the perks and the vouchers.
type Service struct {
	db          *sqlx.DB
	expiryYears int
	now         func() time.Time
}

// NewService returns a Service.
func NewService(db *sqlx.DB, o Options) *Service {
	return &Service{db: db, expiryYears: o.ExpiryYears, now: time.Now}
}

// shanghai is Asia/Shanghai: UTC+8 all year, no zone database needed.
var shanghai = time.FixedZone("CST", 8*3600)

// retries bounds the deadlock / duplicate-key retries of one operation.
const retries = 4

// expiryFor is when points earned at t expire: the first instant of the year after the
// ExpiryYears-th calendar year after t's (so they are good through 31 December).
func (s *Service) expiryFor(t time.Time) *time.Time {
	if s.expiryYears <= 0 {
		return nil
	}
	y := t.In(shanghai).Year() + s.expiryYears + 1
	e := time.Date(y, 1, 1, 0, 0, 0, 0, shanghai).UTC()
	return &e
}

// entryRow is an entry to insert.
type entryRow struct {
	PersonID     int64
	Delta        int64
	Reason       string
	Rule         *string
	Reference    string
	Note         string
	Key          string
	Actor        Actor
	At           time.Time
	BalanceAfter int64
	ExpiresAt    *time.Time
	Remaining    *int64
	Reverses     *int64
	VoucherID    *int64
}

func insertEntry(ctx context.Context, tx sqlx.ExtContext, e entryRow) (int64, error) {
	var actorID *int64
	if e.Actor.ID != 0 {
		actorID = &e.Actor.ID
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO points_entries (person_id, delta, reason_code, rule_code, reference, note,
		idempotency_key, actor_type, actor_id, created_at, balance_after, expires_at, remaining, reverses_entry_id, voucher_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.PersonID, e.Delta, e.Reason, e.Rule, e.Reference, e.Note, e.Key, e.Actor.Type, actorID, e.At, e.BalanceAfter,
		e.ExpiresAt, e.Remaining, e.Reverses, e.VoucherID)
	if err != nil {
		return 0, fmt.Errorf("points: insert entry: %w", sqldb.Classify(err))
	}
	return res.LastInsertId()
}

// lockAccount locks the person's account row and returns its balance; ok is false when the
// person has no account yet (no points ever).
func lockAccount(ctx context.Context, tx *sqlx.Tx, personID int64) (balance int64, ok bool, err error) {
	err = tx.GetContext(ctx, &balance, `SELECT balance FROM points_accounts WHERE person_id = ? FOR UPDATE`, personID)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("points: lock account: %w", sqldb.Classify(err))
	}
	return balance, true, nil
}

// addBalance changes the locked account's balance by delta, refusing to go below zero.
func addBalance(ctx context.Context, tx *sqlx.Tx, personID, delta int64, at time.Time) error {
	res, err := tx.ExecContext(ctx, `UPDATE points_accounts SET balance = balance + ?, version = version + 1, updated_at = ?
		WHERE person_id = ? AND balance + ? >= 0`, delta, at, personID, delta)
	if err != nil {
		return fmt.Errorf("points: balance: %w", sqldb.Classify(err))
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrInsufficientPoints
	}
	return nil
}

// spendable is an entry with points left.
type spendable struct {
	ID        int64      `db:"id"`
	Remaining int64      `db:"remaining"`
	ExpiresAt *time.Time `db:"expires_at"`
}

// openEntries are the person's entries with points left, soonest expiry first. The account row
// must be locked: every writer of a person's entries holds that lock, so a plain read is current
// (READ COMMITTED) and needs no row locks of its own, which would range over an index and
// deadlock with other persons' transactions.
func openEntries(ctx context.Context, tx *sqlx.Tx, personID int64) ([]spendable, error) {
	var rows []spendable
	err := tx.SelectContext(ctx, &rows, `SELECT id, remaining, expires_at FROM points_entries
		WHERE person_id = ? AND remaining > 0 ORDER BY expires_at IS NULL, expires_at, id`, personID)
	if err != nil {
		return nil, fmt.Errorf("points: open entries: %w", sqldb.Classify(err))
	}
	return rows, nil
}

// expireDueLocked writes expiry entries for the person's earned points past their expiry, with
// the account row already locked (balance is its balance). It returns the new balance, the
// number of entries and points expired, and the entries still spendable.
func expireDueLocked(ctx context.Context, tx *sqlx.Tx, personID, balance int64, now time.Time) (int64, int, int64, []spendable, error) {
	open, err := openEntries(ctx, tx, personID)
	if err != nil {
		return balance, 0, 0, nil, err
	}
	var due, live []spendable
	var total int64
	for _, e := range open {
		if e.ExpiresAt != nil && !e.ExpiresAt.After(now) {
			due = append(due, e)
			total += e.Remaining
		} else {
			live = append(live, e)
		}
	}
	if len(due) == 0 {
		return balance, 0, 0, live, nil
	}
	if err := addBalance(ctx, tx, personID, -total, now); err != nil {
		return balance, 0, 0, nil, fmt.Errorf("points: expire person %d: balance below its unexpired points: %w", personID, err)
	}
	for _, d := range due {
		balance -= d.Remaining
		ref := strconv.FormatInt(d.ID, 10)
		if _, err := insertEntry(ctx, tx, entryRow{PersonID: personID, Delta: -d.Remaining, Reason: ReasonExpire, Reference: ref,
			Key: "expire:" + ref, Actor: Actor{Type: audit.ActorSystem}, At: now, BalanceAfter: balance, Reverses: &d.ID}); err != nil {
			return balance, 0, 0, nil, err
		}
		res, err := tx.ExecContext(ctx, `UPDATE points_entries SET remaining = 0 WHERE id = ? AND remaining = ?`, d.ID, d.Remaining)
		if err != nil {
			return balance, 0, 0, nil, fmt.Errorf("points: expire entry: %w", sqldb.Classify(err))
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return balance, 0, 0, nil, fmt.Errorf("points: expire entry %d: remaining changed under the account lock", d.ID)
		}
	}
	return balance, len(due), total, live, nil
}

// allocation is how much of an earned entry a spend used.
type allocation struct {
	EarnID int64
	Amount int64
}

// consume takes amount from live (the unexpired entries with points left, soonest expiry first;
// prefer, when not zero, first of all: a reversal takes back its own grant first). The account
// row is locked and its balance already lowered, so the points are there.
func consume(ctx context.Context, tx *sqlx.Tx, personID, amount int64, live []spendable, prefer int64) ([]allocation, error) {
	if prefer != 0 {
		slices.SortStableFunc(live, func(a, b spendable) int {
			switch {
			case a.ID == prefer:
				return -1
			case b.ID == prefer:
				return 1
			}
			return 0
		})
	}
	var out []allocation
	left := amount
	for _, r := range live {
		if left == 0 {
			break
		}
		take := min(left, r.Remaining)
		res, err := tx.ExecContext(ctx, `UPDATE points_entries SET remaining = remaining - ? WHERE id = ? AND remaining >= ?`, take, r.ID, take)
		if err != nil {
			return nil, fmt.Errorf("points: consume: %w", sqldb.Classify(err))
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return nil, fmt.Errorf("points: consume entry %d: remaining changed under the account lock", r.ID)
		}
		out = append(out, allocation{EarnID: r.ID, Amount: take})
		left -= take
	}
	if left > 0 {
		return nil, fmt.Errorf("points: person %d: balance exceeds unexpired earned points by %d (run `server points verify`)", personID, left)
	}
	return out, nil
}

func insertAllocations(ctx context.Context, tx *sqlx.Tx, spendID int64, allocs []allocation) error {
	if len(allocs) == 0 {
		return nil
	}
	var sb strings.Builder
	args := make([]any, 0, 3*len(allocs))
	sb.WriteString(`INSERT INTO points_allocations (spend_entry_id, earn_entry_id, amount) VALUES `)
	for i, a := range allocs {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString("(?, ?, ?)")
		args = append(args, spendID, a.EarnID, a.Amount)
	}
	if _, err := tx.ExecContext(ctx, sb.String(), args...); err != nil {
		return fmt.Errorf("points: allocations: %w", sqldb.Classify(err))
	}
	return nil
}

// Rules lists the earning rules.
func (s *Service) Rules(ctx context.Context) ([]Rule, error) {
	out := []Rule{}
	err := s.db.SelectContext(ctx, &out, `SELECT code, name, description, points, per_amount_fen, active FROM points_rules ORDER BY sort_order, code`)
	if err != nil {
		return nil, fmt.Errorf("points: rules: %w", sqldb.Classify(err))
	}
	return out, nil
}

// Grant gives a person points under a rule for a reference (the event, the donation receipt, the
// signed project...). The same rule and reference earn once: the entry's UNIQUE key says so.
func (s *Service) Grant(ctx context.Context, actor Actor, in GrantInput) (Entry, error) {
	in.Rule, in.Reference, in.Note = strings.TrimSpace(in.Rule), strings.TrimSpace(in.Reference), strings.TrimSpace(in.Note)
	if in.PersonID <= 0 {
		return Entry{}, &FieldError{"person_id", "请选择校友"}
	}
	if in.Reference == "" || utf8.RuneCountInString(in.Reference) > 100 {
		return Entry{}, &FieldError{"reference", "请填写依据编号（如活动编号、捐赠票据号、项目编号），不超过 100 字"}
	}
	if utf8.RuneCountInString(in.Note) > 200 {
		return Entry{}, &FieldError{"note", "备注不能超过 200 字"}
	}
	var rule Rule
	err := s.db.GetContext(ctx, &rule, `SELECT code, name, description, points, per_amount_fen, active FROM points_rules WHERE code = ?`, in.Rule)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !rule.Active) {
		return Entry{}, ErrRuleUnknown
	}
	if err != nil {
		return Entry{}, fmt.Errorf("points: rule: %w", sqldb.Classify(err))
	}
	pts := rule.Points
	if rule.PerAmountFen != nil {
		if in.AmountFen < *rule.PerAmountFen {
			return Entry{}, &FieldError{"amount_fen", fmt.Sprintf("该规则按金额计分，请填写金额（至少 %d 元）", *rule.PerAmountFen/100)}
		}
		pts = rule.Points * (in.AmountFen / *rule.PerAmountFen)
	}
	var exists int
	if err := s.db.GetContext(ctx, &exists, `SELECT COUNT(*) FROM persons WHERE id = ?`, in.PersonID); err != nil {
		return Entry{}, fmt.Errorf("points: person: %w", sqldb.Classify(err))
	}
	if exists == 0 {
		return Entry{}, ErrPersonNotFound
	}
	var id int64
	err = sqldb.Retry(ctx, s.db, retries, func(tx *sqlx.Tx) error {
		now := s.now().UTC()
		_, err := tx.ExecContext(ctx, `INSERT INTO points_accounts (person_id, balance, version, created_at, updated_at) VALUES (?, ?, 1, ?, ?)
			ON DUPLICATE KEY UPDATE balance = balance + VALUES(balance), version = version + 1, updated_at = VALUES(updated_at)`,
			in.PersonID, pts, now, now)
		if err != nil {
			return fmt.Errorf("points: account: %w", sqldb.Classify(err))
		}
		var bal int64
		if err := tx.GetContext(ctx, &bal, `SELECT balance FROM points_accounts WHERE person_id = ?`, in.PersonID); err != nil {
			return fmt.Errorf("points: account: %w", sqldb.Classify(err))
		}
		id, err = insertEntry(ctx, tx, entryRow{PersonID: in.PersonID, Delta: pts, Reason: ReasonGrant, Rule: &rule.Code,
			Reference: in.Reference, Note: in.Note, Key: grantKey(rule.Code, in.PersonID, in.Reference), Actor: actor, At: now,
			BalanceAfter: bal, ExpiresAt: s.expiryFor(now), Remaining: &pts})
		if errors.Is(err, sqldb.ErrDuplicate) {
			return ErrDuplicateReference // not retried: the reference has earned already
		}
		if err != nil {
			return err
		}
		return audit.Write(ctx, tx, audit.Entry{ActorType: actor.Type, ActorID: actor.ID, ActorName: actor.Name,
			Action: "points.grant", TargetType: "person", TargetID: strconv.FormatInt(in.PersonID, 10),
			Detail: map[string]any{"entry_id": id, "rule": rule.Code, "reference": in.Reference, "points": pts, "note": in.Note}})
	})
	if err != nil {
		return Entry{}, err
	}
	return s.entry(ctx, s.db, id)
}

// grantKey makes a reference earn once per person and rule: an event's reference earns for each
// attendee once, a donation receipt for its donor once.
func grantKey(rule string, personID int64, reference string) string {
	return "grant:" + rule + ":" + strconv.FormatInt(personID, 10) + ":" + reference
}

const entryColumns = `id, person_id, delta, reason_code, rule_code, reference, note, actor_type, created_at, balance_after,
	expires_at, remaining, reverses_entry_id`

func (s *Service) entry(ctx context.Context, q sqlx.QueryerContext, id int64) (Entry, error) {
	var e Entry
	err := sqlx.GetContext(ctx, q, &e, `SELECT `+entryColumns+` FROM points_entries WHERE id = ?`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return Entry{}, ErrNotFound
	}
	if err != nil {
		return Entry{}, fmt.Errorf("points: entry: %w", sqldb.Classify(err))
	}
	return e, nil
}

// Reverse corrects a grant with a new negative entry of the same size (never an edit). It is
// refused when the person no longer has the points (INSUFFICIENT_POINTS) and happens once per grant.
func (s *Service) Reverse(ctx context.Context, actor Actor, entryID int64, reason string) (Entry, error) {
	reason = strings.TrimSpace(reason)
	if n := utf8.RuneCountInString(reason); n < 2 || n > 200 {
		return Entry{}, &FieldError{"reason", "请填写冲正原因（2-200 字）"}
	}
	orig, err := s.entry(ctx, s.db, entryID)
	if err != nil {
		return Entry{}, err
	}
	if orig.ReasonCode != ReasonGrant {
		return Entry{}, ErrNotReversible
	}
	var id int64
	err = sqldb.Retry(ctx, s.db, retries, func(tx *sqlx.Tx) error {
		now := s.now().UTC()
		bal, ok, err := lockAccount(ctx, tx, orig.PersonID)
		if err != nil {
			return err
		}
		if !ok {
			return ErrInsufficientPoints
		}
		// Serialised by the account lock; the UNIQUE key stays the rule.
		var done int
		if err := tx.GetContext(ctx, &done, `SELECT COUNT(*) FROM points_entries WHERE idempotency_key = ?`,
			"reverse:"+strconv.FormatInt(orig.ID, 10)); err != nil {
			return fmt.Errorf("points: reverse: %w", sqldb.Classify(err))
		}
		if done > 0 {
			return ErrAlreadyReversed
		}
		bal, _, _, live, err := expireDueLocked(ctx, tx, orig.PersonID, bal, now)
		if err != nil {
			return err
		}
		if err := addBalance(ctx, tx, orig.PersonID, -orig.Delta, now); err != nil {
			return err
		}
		allocs, err := consume(ctx, tx, orig.PersonID, orig.Delta, live, orig.ID)
		if err != nil {
			return err
		}
		ref := strconv.FormatInt(orig.ID, 10)
		id, err = insertEntry(ctx, tx, entryRow{PersonID: orig.PersonID, Delta: -orig.Delta, Reason: ReasonReverse, Rule: orig.RuleCode,
			Reference: orig.Reference, Note: reason, Key: "reverse:" + ref, Actor: actor, At: now, BalanceAfter: bal - orig.Delta, Reverses: &orig.ID})
		if errors.Is(err, sqldb.ErrDuplicate) {
			return ErrAlreadyReversed
		}
		if err != nil {
			return err
		}
		if err := insertAllocations(ctx, tx, id, allocs); err != nil {
			return err
		}
		return audit.Write(ctx, tx, audit.Entry{ActorType: actor.Type, ActorID: actor.ID, ActorName: actor.Name,
			Action: "points.reverse", TargetType: "person", TargetID: strconv.FormatInt(orig.PersonID, 10),
			Detail: map[string]any{"entry_id": id, "reverses": orig.ID, "points": orig.Delta, "reason": reason}})
	})
	if err != nil {
		return Entry{}, err
	}
	return s.entry(ctx, s.db, id)
}

// ExpireDue is the nightly job: it writes expiry entries for earned points past their expiry and
// marks vouchers past theirs expired. One small transaction per person; running it twice changes
// nothing the second time.
func (s *Service) ExpireDue(ctx context.Context, now time.Time) (ExpiryResult, error) {
	now = now.UTC()
	var r ExpiryResult
	done := map[int64]bool{}
	for {
		var persons []int64
		err := s.db.SelectContext(ctx, &persons, `SELECT DISTINCT person_id FROM points_entries
			WHERE expires_at <= ? AND remaining > 0 LIMIT 500`, now)
		if err != nil {
			return r, fmt.Errorf("points: due: %w", sqldb.Classify(err))
		}
		if len(persons) == 0 {
			break
		}
		for _, p := range persons {
			if done[p] {
				return r, fmt.Errorf("points: expire: person %d still has due points after expiry (run `server points verify`)", p)
			}
			done[p] = true
			err := sqldb.Retry(ctx, s.db, retries, func(tx *sqlx.Tx) error {
				bal, ok, err := lockAccount(ctx, tx, p)
				if err != nil {
					return err
				}
				if !ok {
					return fmt.Errorf("points: expire: person %d has entries but no account", p)
				}
				_, n, pts, _, err := expireDueLocked(ctx, tx, p, bal, now)
				if err == nil {
					r.Entries += n
					r.Points += pts
				}
				return err
			})
			if err != nil {
				return r, err
			}
		}
	}
	for {
		res, err := s.db.ExecContext(ctx, `UPDATE vouchers SET status = 'expired' WHERE status = 'issued' AND expires_at <= ? LIMIT 1000`, now)
		if err != nil {
			return r, fmt.Errorf("points: expire vouchers: %w", sqldb.Classify(err))
		}
		n, _ := res.RowsAffected()
		r.Vouchers += n
		if n < 1000 {
			break
		}
	}
	return r, nil
}

// VerifyBalances recomputes every balance from the ledger and returns the accounts that differ
// (also a ledger without an account row).
func (s *Service) VerifyBalances(ctx context.Context) ([]Mismatch, error) {
	out := []Mismatch{}
	err := s.db.SelectContext(ctx, &out, `
		SELECT a.person_id, a.balance, COALESCE(l.total, 0) AS ledger_sum
		FROM points_accounts a LEFT JOIN (SELECT person_id, SUM(delta) AS total FROM points_entries GROUP BY person_id) l
		  ON l.person_id = a.person_id
		WHERE a.balance <> COALESCE(l.total, 0)
		UNION ALL
		SELECT l.person_id, 0 AS balance, l.total AS ledger_sum
		FROM (SELECT person_id, SUM(delta) AS total FROM points_entries GROUP BY person_id) l
		LEFT JOIN points_accounts a ON a.person_id = l.person_id
		WHERE a.person_id IS NULL
		ORDER BY person_id`)
	if err != nil {
		return nil, fmt.Errorf("points: verify: %w", sqldb.Classify(err))
	}
	return out, nil
}
