package points

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"huixiang/internal/audit"
	"huixiang/internal/cn"
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

// shanghai is cn.Zone, the one Asia/Shanghai zone.
var shanghai = cn.Zone

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

// consume takes amount from live (the unexpired entries with points left, soonest expiry
// first). The account row is locked and its balance already lowered, so the points are there.
func consume(ctx context.Context, tx *sqlx.Tx, personID, amount int64, live []spendable) ([]allocation, error) {
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

const ruleColumns = `code, name, description, points, per_amount_fen, active, max_per_grant, max_per_person_year, departments, recipients`

func (r *Rule) decode() error {
	r.Departments = []string{}
	if err := json.Unmarshal([]byte(r.DepartmentsJSON), &r.Departments); err != nil {
		return fmt.Errorf("points: rule %s: departments %q: %w", r.Code, r.DepartmentsJSON, err)
	}
	return nil
}

// Rules lists the earning rules with their limits.
func (s *Service) Rules(ctx context.Context) ([]Rule, error) {
	out := []Rule{}
	err := s.db.SelectContext(ctx, &out, `SELECT `+ruleColumns+` FROM points_rules ORDER BY sort_order, code`)
	if err != nil {
		return nil, fmt.Errorf("points: rules: %w", sqldb.Classify(err))
	}
	for i := range out {
		if err := out[i].decode(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// GetRule reads one rule, active or not; ErrRuleUnknown when there is none.
func GetRule(ctx context.Context, q sqlx.QueryerContext, code string) (Rule, error) {
	var r Rule
	err := sqlx.GetContext(ctx, q, &r, `SELECT `+ruleColumns+` FROM points_rules WHERE code = ?`, code)
	if errors.Is(err, sql.ErrNoRows) {
		return Rule{}, ErrRuleUnknown
	}
	if err != nil {
		return Rule{}, fmt.Errorf("points: rule: %w", sqldb.Classify(err))
	}
	return r, r.decode()
}

// grantPoints is what a grant under the rule gives for the amount, within the rule's maximum
// per grant (and the hard bounds), computed without overflow.
func grantPoints(rule Rule, amountFen int64) (int64, error) {
	if amountFen < 0 || amountFen > MaxAmountFen {
		lo := int64(0)
		if rule.PerAmountFen != nil {
			lo = *rule.PerAmountFen
		}
		return 0, &AmountError{Min: lo, Max: MaxAmountFen}
	}
	limit := min(rule.MaxPerGrant, MaxGrantPoints)
	if rule.PerAmountFen == nil {
		if rule.Points > limit {
			return 0, &LimitError{Rule: rule.Code, Limit: limit, Asked: rule.Points}
		}
		return rule.Points, nil
	}
	if amountFen < *rule.PerAmountFen {
		return 0, &AmountError{Min: *rule.PerAmountFen, Max: MaxAmountFen}
	}
	units := amountFen / *rule.PerAmountFen
	if rule.Points <= 0 || units > limit/rule.Points {
		asked := int64(math.MaxInt64)
		if rule.Points > 0 && units <= math.MaxInt64/rule.Points {
			asked = units * rule.Points
		}
		return 0, &LimitError{Rule: rule.Code, Limit: limit, Asked: asked}
	}
	return units * rule.Points, nil
}

// Grant gives a person points under a rule for a reference (the event, the donation receipt, the
// signed project...). The same rule and reference earn once: the entry's UNIQUE key says so.
// Staff grant only rules their department may grant; the person must be one the rule gives to;
// one grant and the person's year under the rule stay within the rule's maxima, counted under
// the account row lock.
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
	rule, err := GetRule(ctx, s.db, in.Rule)
	if err != nil {
		return Entry{}, err
	}
	if !rule.Active {
		return Entry{}, ErrRuleUnknown
	}
	// Staff choose the rule; a check-in (user) earns its event's rule, which was checked when
	// the event was created.
	if actor.Type == audit.ActorStaff && !rule.GrantableBy(actor.Role, actor.Department) {
		return Entry{}, ErrRuleNotAllowed
	}
	pts, err := grantPoints(rule, in.AmountFen)
	if err != nil {
		return Entry{}, err
	}
	var id int64
	err = sqldb.Retry(ctx, s.db, retries, func(tx *sqlx.Tx) error {
		now := s.now().UTC()
		if err := checkRecipient(ctx, tx, rule, in.PersonID); err != nil {
			return err
		}
		// The account row exists from here on and is locked: every writer of the person's
		// entries holds it, so the year's sum below is current.
		_, err := tx.ExecContext(ctx, `INSERT INTO points_accounts (person_id, balance, version, created_at, updated_at) VALUES (?, 0, 0, ?, ?)
			ON DUPLICATE KEY UPDATE person_id = person_id`, in.PersonID, now, now)
		if err != nil {
			return fmt.Errorf("points: account: %w", sqldb.Classify(err))
		}
		bal, _, err := lockAccount(ctx, tx, in.PersonID)
		if err != nil {
			return err
		}
		used, err := earnedInYear(ctx, tx, in.PersonID, rule.Code, now)
		if err != nil {
			return err
		}
		if used+pts > rule.MaxPerPersonYear {
			return &LimitError{Rule: rule.Code, PerYear: true, Limit: rule.MaxPerPersonYear, Used: used, Asked: pts}
		}
		if err := addBalance(ctx, tx, in.PersonID, pts, now); err != nil {
			return err
		}
		id, err = insertEntry(ctx, tx, entryRow{PersonID: in.PersonID, Delta: pts, Reason: ReasonGrant, Rule: &rule.Code,
			Reference: in.Reference, Note: in.Note, Key: grantKey(rule.Code, in.PersonID, in.Reference), Actor: actor, At: now,
			BalanceAfter: bal + pts, ExpiresAt: s.expiryFor(now), Remaining: &pts})
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

// checkRecipient refuses a person the rule does not give to: ErrPersonNotFound when there is no
// such person, ErrNotAnAlumnus when they are not an approved alumnus (or, for a rule open to
// registered persons, neither a returnee nor an alumnus awaiting review).
func checkRecipient(ctx context.Context, tx *sqlx.Tx, rule Rule, personID int64) error {
	var who struct {
		Person   bool   `db:"person"`
		Alumnus  string `db:"alumnus"`
		Returnee bool   `db:"returnee"`
	}
	err := tx.GetContext(ctx, &who, `SELECT EXISTS (SELECT 1 FROM persons WHERE id = ?) AS person,
		COALESCE((SELECT status FROM alumni WHERE person_id = ?), '') AS alumnus,
		EXISTS (SELECT 1 FROM returnees WHERE person_id = ?) AS returnee`, personID, personID, personID)
	if err != nil {
		return fmt.Errorf("points: person: %w", sqldb.Classify(err))
	}
	switch {
	case !who.Person:
		return ErrPersonNotFound
	case who.Alumnus == "approved":
		return nil
	case rule.Recipients == RecipientsRegistered && (who.Returnee || who.Alumnus == "pending"):
		return nil
	}
	return ErrNotAnAlumnus
}

// earnedInYear is what the person earned under the rule in now's calendar year (Asia/Shanghai):
// the year's grants less what their reversals took back.
func earnedInYear(ctx context.Context, tx *sqlx.Tx, personID int64, rule string, now time.Time) (int64, error) {
	y := now.In(shanghai).Year()
	from, to := time.Date(y, 1, 1, 0, 0, 0, 0, shanghai).UTC(), time.Date(y+1, 1, 1, 0, 0, 0, 0, shanghai).UTC()
	var sum int64
	err := tx.GetContext(ctx, &sum, `SELECT COALESCE(SUM(g.delta), 0) + COALESCE(SUM(r.delta), 0) FROM points_entries g
		LEFT JOIN points_entries r ON r.person_id = g.person_id AND r.reverses_entry_id = g.id AND r.reason_code = 'reverse'
		WHERE g.person_id = ? AND g.reason_code = 'grant' AND g.rule_code = ? AND g.created_at >= ? AND g.created_at < ?`,
		personID, rule, from, to)
	if err != nil {
		return 0, fmt.Errorf("points: year's grants: %w", sqldb.Classify(err))
	}
	return sum, nil
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

// Reverse corrects a grant with a new negative entry (never an edit). It takes back only what
// of that grant is still in the balance: not expired, not spent (points of it that a cancelled
// voucher gave back count as still there). Nothing the person earned elsewhere is touched; a
// grant with nothing left is ErrNothingToReverse. It happens once per grant.
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
			return ErrNothingToReverse
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
		lots, err := grantLots(ctx, tx, orig.PersonID, orig.ID)
		if err != nil {
			return err
		}
		var take int64
		var own []spendable
		for _, l := range live {
			if lots[l.ID] {
				own = append(own, l)
				take += l.Remaining
			}
		}
		if take == 0 {
			return ErrNothingToReverse
		}
		if err := addBalance(ctx, tx, orig.PersonID, -take, now); err != nil {
			return err
		}
		allocs, err := consume(ctx, tx, orig.PersonID, take, own)
		if err != nil {
			return err
		}
		ref := strconv.FormatInt(orig.ID, 10)
		id, err = insertEntry(ctx, tx, entryRow{PersonID: orig.PersonID, Delta: -take, Reason: ReasonReverse, Rule: orig.RuleCode,
			Reference: orig.Reference, Note: reason, Key: "reverse:" + ref, Actor: actor, At: now, BalanceAfter: bal - take, Reverses: &orig.ID})
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
			Detail: map[string]any{"entry_id": id, "reverses": orig.ID, "granted": orig.Delta, "points": take, "reason": reason}})
	})
	if err != nil {
		return Entry{}, err
	}
	return s.entry(ctx, s.db, id)
}

// grantLots are the entries that hold points of the grant: the grant itself and the refunds
// that gave its spent points back (a refund's reverses_entry_id is the entry it refills), at any
// depth. The account row is locked.
func grantLots(ctx context.Context, tx *sqlx.Tx, personID, grantID int64) (map[int64]bool, error) {
	lots := map[int64]bool{grantID: true}
	frontier := []int64{grantID}
	for len(frontier) > 0 {
		q, args, err := sqlx.In(`SELECT id FROM points_entries WHERE person_id = ? AND reason_code = 'refund' AND reverses_entry_id IN (?)`,
			personID, frontier)
		if err != nil {
			return nil, err
		}
		var ids []int64
		if err := tx.SelectContext(ctx, &ids, q, args...); err != nil {
			return nil, fmt.Errorf("points: grant lots: %w", sqldb.Classify(err))
		}
		frontier = frontier[:0]
		for _, id := range ids {
			if !lots[id] {
				lots[id] = true
				frontier = append(frontier, id)
			}
		}
	}
	return lots, nil
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
