package points

import (
	"context"
	"database/sql"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"huixiang/internal/actor"
)

// Issue #8 item 8: a department clerk granted 922,337,203,685,470 points in one call.
func TestGrant_int64MaxDonation_refused(t *testing.T) {
	t.Parallel()
	s, db := newService(t)
	ctx := context.Background()
	p := addPersons(t, db, 1)[0]
	eduStaff := actor.Staff(2, "edu", actor.Department, "区教育局", "")
	var ae *AmountError
	if _, err := s.Grant(ctx, eduStaff, GrantInput{PersonID: p, Rule: "donation", Reference: "D-MAX", AmountFen: math.MaxInt64}); !errors.As(err, &ae) {
		t.Fatalf("int64 max amount: %v, want AmountError", err)
	}
	for _, amount := range []int64{-100_000, 0, 99_999} {
		if _, err := s.Grant(ctx, eduStaff, GrantInput{PersonID: p, Rule: "donation", Reference: "D-NEG", AmountFen: amount}); !errors.As(err, &ae) {
			t.Fatalf("amount %d: %v, want AmountError", amount, err)
		}
	}
	// Within the hard bound but above the rule's 5,000 points per grant (500,000 yuan).
	var le *LimitError
	if _, err := s.Grant(ctx, eduStaff, GrantInput{PersonID: p, Rule: "donation", Reference: "D-BIG", AmountFen: MaxAmountFen}); !errors.As(err, &le) || le.PerYear || le.Limit != 5000 {
		t.Fatalf("10 billion yuan: %v, want the per-grant limit", err)
	}
	if _, err := s.Grant(ctx, eduStaff, GrantInput{PersonID: p, Rule: "donation", Reference: "D-OK", AmountFen: 500_000_00}); err != nil {
		t.Fatalf("500,000 yuan: %v", err)
	}
	var n int
	_ = db.Get(&n, `SELECT COUNT(*) FROM points_entries`)
	if n != 1 || balance(t, db, p) != 5000 {
		t.Fatalf("entries %d, balance %d; want 1 and 5000", n, balance(t, db, p))
	}
	checkLedger(t, s, db)
}

func TestGrant_perPersonYear_countedUnderLock_andFreedByReversal(t *testing.T) {
	t.Parallel()
	s, db := newService(t)
	ctx := context.Background()
	p := addPersons(t, db, 1)[0]
	s.now = func() time.Time { return time.Date(2026, 3, 1, 12, 0, 0, 0, shanghai) }
	// expert_consultation: 50 a grant, 1,000 a person a year: 20 grants, 30 at once.
	errs := make(chan error, 30)
	for i := range 30 {
		go func() {
			_, err := s.Grant(ctx, admin, GrantInput{PersonID: p, Rule: "expert_consultation", Reference: "ZX-" + string(rune('A'+i))})
			errs <- err
		}()
	}
	var ok, limited int
	for range 30 {
		var le *LimitError
		switch err := <-errs; {
		case err == nil:
			ok++
		case errors.As(err, &le) && le.PerYear && le.Limit == 1000:
			limited++
		default:
			t.Fatalf("grant: %v", err)
		}
	}
	if ok != 20 || limited != 10 || balance(t, db, p) != 1000 {
		t.Fatalf("granted %d, limited %d, balance %d; want 20, 10, 1000", ok, limited, balance(t, db, p))
	}
	// A reversed grant gives its room back; a new year starts afresh.
	var first int64
	_ = db.Get(&first, `SELECT MIN(id) FROM points_entries WHERE person_id = ?`, p)
	if _, err := s.Reverse(ctx, admin, first, "记录有误"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Grant(ctx, admin, GrantInput{PersonID: p, Rule: "expert_consultation", Reference: "ZX-again"}); err != nil {
		t.Fatalf("after a reversal: %v", err)
	}
	s.now = func() time.Time { return time.Date(2027, 1, 1, 0, 0, 1, 0, shanghai) }
	if _, err := s.Grant(ctx, admin, GrantInput{PersonID: p, Rule: "expert_consultation", Reference: "ZX-2027"}); err != nil {
		t.Fatalf("next year: %v", err)
	}
	checkLedger(t, s, db)
}

func TestGrant_recipientsAndDepartments(t *testing.T) {
	t.Parallel()
	s, db := newService(t)
	ctx := context.Background()
	alum := addPersons(t, db, 1)[0]
	// A person who is not an alumnus; one who is a pending alumnus; one a returnee.
	ps := addPersons(t, db, 3)
	stranger, pending, returnee := ps[0], ps[1], ps[2]
	if _, err := db.Exec(`DELETE FROM alumni WHERE person_id IN (?, ?)`, stranger, returnee); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`UPDATE alumni SET status = 'pending' WHERE person_id = ?`, pending); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	if _, err := db.Exec(`INSERT INTO returnees (person_id, township_code, village_code, status, confirmed_at, created_at, updated_at)
		VALUES (?, '990101', '990101001', 'returned', ?, ?, ?)`, returnee, now, now, now); err != nil {
		t.Fatalf("returnee row: %v", err)
	}
	for _, p := range []int64{stranger, pending, returnee} {
		if _, err := s.Grant(ctx, admin, GrantInput{PersonID: p, Rule: "donation", Reference: "D-1", AmountFen: 100_000}); !errors.Is(err, ErrNotAnAlumnus) {
			t.Fatalf("donation to %d: %v, want ErrNotAnAlumnus", p, err)
		}
	}
	if _, err := s.Grant(ctx, admin, GrantInput{PersonID: stranger, Rule: "event_attendance", Reference: "E-1"}); !errors.Is(err, ErrNotAnAlumnus) {
		t.Fatalf("event to a stranger: %v", err)
	}
	for _, p := range []int64{pending, returnee, alum} {
		if _, err := s.Grant(ctx, admin, GrantInput{PersonID: p, Rule: "event_attendance", Reference: "E-1"}); err != nil {
			t.Fatalf("event attendance of %d: %v", p, err)
		}
	}
	// Departments: donation is the education bureau's; expert consultation any department's.
	if _, err := s.Grant(ctx, hrss, GrantInput{PersonID: alum, Rule: "donation", Reference: "D-2", AmountFen: 100_000}); !errors.Is(err, ErrRuleNotAllowed) {
		t.Fatalf("hrss donation: %v", err)
	}
	if _, err := s.Grant(ctx, edu, GrantInput{PersonID: alum, Rule: "donation", Reference: "D-2", AmountFen: 100_000}); err != nil {
		t.Fatalf("edu donation: %v", err)
	}
	if _, err := s.Grant(ctx, hrss, GrantInput{PersonID: alum, Rule: "expert_consultation", Reference: "ZX-1"}); err != nil {
		t.Fatalf("hrss consultation: %v", err)
	}
	township := actor.Staff(9, "", actor.Township, "", "")
	if _, err := s.Grant(ctx, township, GrantInput{PersonID: alum, Rule: "expert_consultation", Reference: "ZX-2"}); !errors.Is(err, ErrRuleNotAllowed) {
		t.Fatalf("township: %v", err)
	}
	rules, err := s.Rules(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rules {
		if r.MaxPerGrant <= 0 || r.MaxPerPersonYear < r.MaxPerGrant || r.Departments == nil || r.Recipients == "" {
			t.Fatalf("rule without limits: %+v", r)
		}
		if r.Code == "donation" && (len(r.Departments) != 1 || r.Departments[0] != "区教育局") {
			t.Fatalf("donation departments %v", r.Departments)
		}
	}
	checkLedger(t, s, db)
}

// Issue #8 item 10: grant A 100 and B 100; A expires unused; reversing A took B's 100 too.
func TestReverse_expiredGrant_nothingToReverse_othersUntouched(t *testing.T) {
	t.Parallel()
	s, db := newService(t)
	ctx := context.Background()
	p := addPersons(t, db, 1)[0]
	at := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 12, 0, 0, 0, shanghai) }
	s.now = func() time.Time { return at(2025, 6, 1) }
	a := grant(t, s, p, "talent_referral", "T-A") // 100, expires at the end of 2027
	s.now = func() time.Time { return at(2026, 6, 1) }
	b := grant(t, s, p, "talent_referral", "T-B") // 100, expires at the end of 2028
	if r, err := s.ExpireDue(ctx, at(2028, 1, 1)); err != nil || r.Points != 100 {
		t.Fatalf("expire: %+v %v", r, err)
	}
	s.now = func() time.Time { return at(2028, 2, 1) }
	if _, err := s.Reverse(ctx, admin, a.ID, "引荐记录有误"); !errors.Is(err, ErrNothingToReverse) {
		t.Fatalf("reverse expired A: %v, want ErrNothingToReverse", err)
	}
	var remB int64
	_ = db.Get(&remB, `SELECT remaining FROM points_entries WHERE id = ?`, b.ID)
	if balance(t, db, p) != 100 || remB != 100 {
		t.Fatalf("balance %d, B remaining %d; want 100 and 100", balance(t, db, p), remB)
	}
	// B itself still reverses, once.
	if r, err := s.Reverse(ctx, admin, b.ID, "引荐记录有误"); err != nil || r.Delta != -100 {
		t.Fatalf("reverse B: %+v %v", r, err)
	}
	checkLedger(t, s, db)
}

// A reversal takes the grant's unspent part, including what a cancelled voucher gave back, and
// never another grant's points.
func TestReverse_takesOnlyWhatIsLeftOfTheGrant(t *testing.T) {
	t.Parallel()
	s, db := newService(t)
	ctx := context.Background()
	p := addPersons(t, db, 1)[0]
	at := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 12, 0, 0, 0, shanghai) }
	s.now = func() time.Time { return at(2025, 6, 1) }
	a := grant(t, s, p, "talent_referral", "T-A") // 100, spent first (sooner expiry)
	s.now = func() time.Time { return at(2026, 6, 1) }
	b := grant(t, s, p, "talent_referral", "T-B") // 100
	perk := newPerk(t, s, 70, nil, nil)
	v, _, err := s.Redeem(ctx, p, perk.ID, "lots-key-1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CancelVoucher(ctx, p, v.ID); err != nil { // A's 70 come back as a refund lot
		t.Fatal(err)
	}
	if _, _, err := s.Redeem(ctx, p, perk.ID, "lots-key-2"); err != nil { // spends A's 30 and 40 of the refund
		t.Fatal(err)
	}
	r, err := s.Reverse(ctx, admin, a.ID, "引荐记录有误")
	if err != nil || r.Delta != -30 {
		t.Fatalf("reverse A: %+v %v; want -30 (what is left of A)", r, err)
	}
	var remB int64
	_ = db.Get(&remB, `SELECT remaining FROM points_entries WHERE id = ?`, b.ID)
	if remB != 100 || balance(t, db, p) != 100 {
		t.Fatalf("B remaining %d, balance %d; want 100 and 100", remB, balance(t, db, p))
	}
	if _, err := s.Reverse(ctx, admin, a.ID, "再来一次"); !errors.Is(err, ErrAlreadyReversed) {
		t.Fatalf("twice: %v", err)
	}
	checkLedger(t, s, db)
}

// failingReads runs statements on the real database but every read fails, as a lost connection
// or a lock wait timeout would.
type failingReads struct{ sqlx.ExtContext }

var errReadFailed = errors.New("read failed: connection lost")

func (failingReads) QueryContext(context.Context, string, ...any) (*sql.Rows, error) {
	return nil, errReadFailed
}
func (failingReads) QueryxContext(context.Context, string, ...any) (*sqlx.Rows, error) {
	return nil, errReadFailed
}

// QueryRowxContext reads on a cancelled context: the driver's own error, in the Row.
func (f failingReads) QueryRowxContext(ctx context.Context, query string, args ...any) *sqlx.Row {
	ctx, cancel := context.WithCancel(ctx)
	cancel()
	return f.ExtContext.QueryRowxContext(ctx, query, args...)
}

// Issue #8 item 23: a database error while taking stock answered OUT_OF_STOCK.
func TestTakeStock_databaseErrorIsNotOutOfStock(t *testing.T) {
	t.Parallel()
	s, db := newService(t)
	ctx := context.Background()
	empty := newPerk(t, s, 10, ptr[int64](0), nil)
	if err := takeStock(ctx, db, empty.ID); !errors.Is(err, ErrOutOfStock) {
		t.Fatalf("stock 0: %v, want ErrOutOfStock", err)
	}
	err := takeStock(ctx, failingReads{db}, empty.ID)
	if err == nil || errors.Is(err, ErrOutOfStock) || errors.Is(err, sql.ErrNoRows) {
		t.Fatalf("failed read: %v, want the database error, not ErrOutOfStock", err)
	}
	one := newPerk(t, s, 10, ptr[int64](1), nil)
	if err := takeStock(ctx, db, one.ID); err != nil {
		t.Fatalf("stock 1: %v", err)
	}
}

// The spent part of a reversed grant does not come back when its voucher is cancelled.
func TestCancel_afterReversal_pointsOfTheReversedGrantStayGone(t *testing.T) {
	t.Parallel()
	s, db := newService(t)
	ctx := context.Background()
	p := addPersons(t, db, 1)[0]
	at := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 12, 0, 0, 0, shanghai) }
	s.now = func() time.Time { return at(2025, 6, 1) }
	a := grant(t, s, p, "talent_referral", "T-A") // 100
	s.now = func() time.Time { return at(2026, 6, 1) }
	grant(t, s, p, "expert_consultation", "ZX-1") // 50, later expiry
	perk := newPerk(t, s, 120, ptr[int64](5), nil)
	v, _, err := s.Redeem(ctx, p, perk.ID, "rev-cancel-1") // A's 100 and 20 of the consultation
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Reverse(ctx, admin, a.ID, "引荐记录有误"); !errors.Is(err, ErrNothingToReverse) {
		t.Fatalf("reverse spent A: %v", err)
	}
	// Only a grant with something left is reversed; cancel after a partial reversal.
	s.now = func() time.Time { return at(2026, 7, 1) }
	b := grant(t, s, p, "talent_referral", "T-B")                                  // 100
	v2, _, err := s.Redeem(ctx, p, newPerk(t, s, 60, nil, nil).ID, "rev-cancel-2") // 30 of the consultation, 30 of B
	if err != nil {
		t.Fatal(err)
	}
	if r, err := s.Reverse(ctx, admin, b.ID, "引荐记录有误"); err != nil || r.Delta != -70 {
		t.Fatalf("reverse B: %+v %v", r, err)
	}
	if _, err := s.CancelVoucher(ctx, p, v2.ID); err != nil {
		t.Fatal(err)
	}
	if bal := balance(t, db, p); bal != 30 {
		t.Fatalf("balance %d, want 30 (the consultation's 30 back, B's 30 not)", bal)
	}
	if _, err := s.CancelVoucher(ctx, p, v.ID); err != nil {
		t.Fatal(err)
	}
	if bal := balance(t, db, p); bal != 30+120 {
		t.Fatalf("balance %d, want 150 (A was never reversed)", bal)
	}
	checkLedger(t, s, db)
}
