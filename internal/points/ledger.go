package points

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"huixiang/internal/actor"
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
		if _, err := insertEntry(ctx, tx, newEntry{PersonID: personID, Delta: -d.Remaining, Reason: ReasonExpire, Reference: ref,
			Key: "expire:" + ref, Actor: actor.Actor{Kind: actor.KindSystem}, At: now, BalanceAfter: balance, Reverses: &d.ID}); err != nil {
			return balance, 0, 0, nil, err
		}
		if err := clearRemaining(ctx, tx, d.ID, d.Remaining); err != nil {
			return balance, 0, 0, nil, err
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
		if err := takeRemaining(ctx, tx, r.ID, take); err != nil {
			return nil, err
		}
		out = append(out, allocation{EarnID: r.ID, Amount: take})
		left -= take
	}
	if left > 0 {
		return nil, fmt.Errorf("points: person %d: balance exceeds unexpired earned points by %d (run `server points verify`)", personID, left)
	}
	return out, nil
}

// Rules lists the earning rules with their limits.
func (s *Service) Rules(ctx context.Context) ([]Rule, error) { return selectRules(ctx, s.db) }

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
func (s *Service) Grant(ctx context.Context, by actor.Actor, in GrantInput) (Entry, error) {
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
	if by.Kind == actor.KindStaff && !rule.GrantableBy(by) {
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
		if err := ensureAccount(ctx, tx, in.PersonID, now); err != nil {
			return err
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
		id, err = insertEntry(ctx, tx, newEntry{PersonID: in.PersonID, Delta: pts, Reason: ReasonGrant, Rule: &rule.Code,
			Reference: in.Reference, Note: in.Note, Key: grantKey(rule.Code, in.PersonID, in.Reference), Actor: by, At: now,
			BalanceAfter: bal + pts, ExpiresAt: s.expiryFor(now), Remaining: &pts})
		if errors.Is(err, sqldb.ErrDuplicate) {
			return ErrDuplicateReference // not retried: the reference has earned already
		}
		if err != nil {
			return err
		}
		e := by.AuditID("points.grant", "person", in.PersonID)
		e.Detail = map[string]any{"entry_id": id, "rule": rule.Code, "reference": in.Reference, "points": pts, "note": in.Note}
		return audit.Write(ctx, tx, e)
	})
	if err != nil {
		return Entry{}, err
	}
	return getEntry(ctx, s.db, id)
}

// checkRecipient refuses a person the rule does not give to: ErrPersonNotFound when there is no
// such person, ErrNotAnAlumnus when they are not an approved alumnus (or, for a rule open to
// registered persons, neither a returnee nor an alumnus awaiting review).
func checkRecipient(ctx context.Context, tx *sqlx.Tx, rule Rule, personID int64) error {
	who, err := getRecipient(ctx, tx, personID)
	if err != nil {
		return err
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
	return earnedBetween(ctx, tx, personID, rule, from, to)
}

// grantKey makes a reference earn once per person and rule: an event's reference earns for each
// attendee once, a donation receipt for its donor once.
func grantKey(rule string, personID int64, reference string) string {
	return "grant:" + rule + ":" + strconv.FormatInt(personID, 10) + ":" + reference
}

// Reverse corrects a grant with a new negative entry (never an edit). It takes back only what
// of that grant is still in the balance: not expired, not spent (points of it that a cancelled
// voucher gave back count as still there). Nothing the person earned elsewhere is touched; a
// grant with nothing left is ErrNothingToReverse. It happens once per grant.
func (s *Service) Reverse(ctx context.Context, by actor.Actor, entryID int64, reason string) (Entry, error) {
	reason = strings.TrimSpace(reason)
	if n := utf8.RuneCountInString(reason); n < 2 || n > 200 {
		return Entry{}, &FieldError{"reason", "请填写冲正原因（2-200 字）"}
	}
	orig, err := getEntry(ctx, s.db, entryID)
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
		done, err := keyUsed(ctx, tx, "reverse:"+strconv.FormatInt(orig.ID, 10))
		if err != nil {
			return err
		}
		if done {
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
		id, err = insertEntry(ctx, tx, newEntry{PersonID: orig.PersonID, Delta: -take, Reason: ReasonReverse, Rule: orig.RuleCode,
			Reference: orig.Reference, Note: reason, Key: "reverse:" + ref, Actor: by, At: now, BalanceAfter: bal - take, Reverses: &orig.ID})
		if errors.Is(err, sqldb.ErrDuplicate) {
			return ErrAlreadyReversed
		}
		if err != nil {
			return err
		}
		if err := insertAllocations(ctx, tx, id, allocs); err != nil {
			return err
		}
		e := by.AuditID("points.reverse", "person", orig.PersonID)
		e.Detail = map[string]any{"entry_id": id, "reverses": orig.ID, "granted": orig.Delta, "points": take, "reason": reason}
		return audit.Write(ctx, tx, e)
	})
	if err != nil {
		return Entry{}, err
	}
	return getEntry(ctx, s.db, id)
}

// grantLots are the entries that hold points of the grant: the grant itself and the refunds
// that gave its spent points back (a refund's reverses_entry_id is the entry it refills), at any
// depth. The account row is locked.
func grantLots(ctx context.Context, tx *sqlx.Tx, personID, grantID int64) (map[int64]bool, error) {
	lots := map[int64]bool{grantID: true}
	frontier := []int64{grantID}
	for len(frontier) > 0 {
		ids, err := refundsOf(ctx, tx, personID, frontier)
		if err != nil {
			return nil, err
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
		persons, err := personsWithDuePoints(ctx, s.db, now)
		if err != nil {
			return r, err
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
		n, err := expireVouchers(ctx, s.db, now)
		if err != nil {
			return r, err
		}
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
	return selectMismatches(ctx, s.db)
}
