package points

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"huixiang/internal/actor"
	"huixiang/internal/idempotency"
	"huixiang/internal/testenv"
)

var (
	admin = actor.Staff(1, "admin", actor.DistrictAdmin, "", "")
	edu   = actor.Staff(2, "edu", actor.Department, "区教育局", "")
	hrss  = actor.Staff(3, "hrss", actor.Department, "区人社局", "")
)

func newService(t testing.TB) (*Service, *sqlx.DB) {
	t.Helper()
	db := testenv.MySQL(t)
	return NewService(db, Options{ExpiryYears: 2}), db
}

// addPersons inserts n persons directly, each an approved alumnus (the registries are not under
// test here).
func addPersons(t testing.TB, db *sqlx.DB, n int) []int64 {
	t.Helper()
	ids := make([]int64, 0, n)
	now := time.Now().UTC()
	for range n {
		idx := make([]byte, 32)
		_, _ = rand.Read(idx)
		res, err := db.Exec(`INSERT INTO persons (id_card_enc, id_card_idx, name, gender, birth_date, created_source, created_at, updated_at)
			VALUES (?, ?, '校友', 'M', '1990-01-01', 'import', ?, ?)`, idx, idx, now, now)
		if err != nil {
			t.Fatal(err)
		}
		id, _ := res.LastInsertId()
		if _, err := db.Exec(`INSERT INTO alumni (person_id, school_code, entry_year, status, source, created_at, updated_at)
			VALUES (?, 'xa_yizhong', 2005, 'approved', 'grid', ?, ?)`, id, now, now); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids
}

func grant(t testing.TB, s *Service, pid int64, rule, ref string) Entry {
	t.Helper()
	e, err := s.Grant(context.Background(), admin, GrantInput{PersonID: pid, Rule: rule, Reference: ref})
	if err != nil {
		t.Fatalf("grant %s %s: %v", rule, ref, err)
	}
	return e
}

func ptr[T any](v T) *T { return &v }

func newPerk(t testing.TB, s *Service, price int64, stock *int64, limit *int) Perk {
	t.Helper()
	p, err := s.CreatePerk(context.Background(), admin, PerkInput{Name: ptr("咸安博物馆年卡"), Category: ptr("culture_tourism"),
		ProviderCode: ptr("区教育局"), PointsPrice: &price, Stock: stock, PerPersonLimit: limit,
		ValidFrom: ptr(time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)), ValidUntil: ptr(time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC)),
		Description: ptr("凭券到馆领取")})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func balance(t testing.TB, db *sqlx.DB, pid int64) int64 {
	t.Helper()
	var b int64
	if err := db.Get(&b, `SELECT balance FROM points_accounts WHERE person_id = ?`, pid); err != nil {
		t.Fatal(err)
	}
	return b
}

// checkLedger fails unless every balance equals its ledger sum and its unspent earned points,
// and none is negative.
func checkLedger(t testing.TB, s *Service, db *sqlx.DB) {
	t.Helper()
	ms, err := s.VerifyBalances(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) > 0 {
		t.Fatalf("balances differ from the ledger: %+v", ms)
	}
	var bad []struct {
		PersonID  int64 `db:"person_id"`
		Balance   int64 `db:"balance"`
		Remaining int64 `db:"remaining"`
	}
	err = db.Select(&bad, `SELECT a.person_id, a.balance, COALESCE(SUM(e.remaining), 0) AS remaining FROM points_accounts a
		LEFT JOIN points_entries e ON e.person_id = a.person_id AND e.remaining > 0
		GROUP BY a.person_id, a.balance HAVING balance <> remaining OR balance < 0`)
	if err != nil {
		t.Fatal(err)
	}
	if len(bad) > 0 {
		t.Fatalf("balances differ from the unspent earned points: %+v", bad)
	}
}

func TestRedeem_1000ConcurrentOnStock50_exactly50(t *testing.T) {
	t.Parallel()
	s, db := newService(t)
	ctx := context.Background()
	persons := addPersons(t, db, 200)
	for _, p := range persons {
		grant(t, s, p, "project_referral", fmt.Sprintf("P-%d", p)) // 500 points each
	}
	perk := newPerk(t, s, 100, ptr[int64](50), nil)

	var ok, outOfStock atomic.Int64
	var mu sync.Mutex
	var other []error
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				_, _, err := s.Redeem(ctx, persons[i%len(persons)], perk.ID, fmt.Sprintf("key-%06d", i))
				switch {
				case err == nil:
					ok.Add(1)
				case errors.Is(err, ErrOutOfStock):
					outOfStock.Add(1)
				default:
					mu.Lock()
					other = append(other, err)
					mu.Unlock()
				}
			}
		}()
	}
	for i := range 1000 {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	if len(other) > 0 {
		t.Fatalf("%d unexpected errors, first: %v", len(other), other[0])
	}
	if ok.Load() != 50 || outOfStock.Load() != 950 {
		t.Fatalf("redeemed %d, out of stock %d; want 50 and 950", ok.Load(), outOfStock.Load())
	}
	var vouchers, stock int64
	_ = db.Get(&vouchers, `SELECT COUNT(*) FROM vouchers WHERE perk_id = ?`, perk.ID)
	_ = db.Get(&stock, `SELECT stock FROM perks WHERE id = ?`, perk.ID)
	if vouchers != 50 || stock != 0 {
		t.Fatalf("vouchers %d, stock %d; want 50 and 0", vouchers, stock)
	}
	var total int64
	_ = db.Get(&total, `SELECT SUM(balance) FROM points_accounts`)
	if total != 200*500-50*100 {
		t.Fatalf("total balance %d, want %d", total, 200*500-50*100)
	}
	checkLedger(t, s, db)
}

func TestVerify_20ConcurrentScans_oneSucceeds(t *testing.T) {
	t.Parallel()
	s, db := newService(t)
	ctx := context.Background()
	p := addPersons(t, db, 1)[0]
	grant(t, s, p, "event_attendance", "E1")
	v, _, err := s.Redeem(ctx, p, newPerk(t, s, 20, nil, nil).ID, "scan-key-1")
	if err != nil {
		t.Fatal(err)
	}
	var ok, used atomic.Int64
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			code := v.Code
			if i%2 == 0 {
				code = strings.ToLower(v.QR) // scanned payload, any case
			}
			_, err := s.Verify(ctx, edu, code)
			var ue *UsedError
			switch {
			case err == nil:
				ok.Add(1)
			case errors.As(err, &ue):
				if ue.At.IsZero() || ue.By != "edu" && ue.By != "" {
					t.Errorf("used error without when: %+v", ue)
				}
				used.Add(1)
			default:
				t.Errorf("verify: %v", err)
			}
		}()
	}
	wg.Wait()
	if ok.Load() != 1 || used.Load() != 19 {
		t.Fatalf("ok %d, used %d; want 1 and 19", ok.Load(), used.Load())
	}
	var n int
	_ = db.Get(&n, `SELECT COUNT(*) FROM audit_log WHERE action = 'points.voucher_verify'`)
	if n != 1 {
		t.Fatalf("audit rows %d, want 1", n)
	}
}

func TestVerify_scopeAndStates(t *testing.T) {
	t.Parallel()
	s, db := newService(t)
	ctx := context.Background()
	p := addPersons(t, db, 1)[0]
	grant(t, s, p, "investment_landed", "INV-1")
	perk := newPerk(t, s, 10, nil, nil)
	v, _, err := s.Redeem(ctx, p, perk.ID, "state-key-1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Verify(ctx, hrss, v.Code); !errors.Is(err, ErrNotFound) {
		t.Fatalf("other provider: %v, want ErrNotFound", err)
	}
	if _, err := s.Verify(ctx, edu, "ZZZZZZZZZZZZ"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown code: %v", err)
	}
	if _, err := s.Verify(ctx, actor.Staff(9, "", actor.Township, "", ""), v.Code); !errors.Is(err, ErrNotFound) {
		t.Fatalf("township: %v", err)
	}
	if len(v.Code) < 10 || strings.ContainsAny(v.Code, "01OIL") {
		t.Fatalf("code %q", v.Code)
	}
	// Expired.
	v2, _, err := s.Redeem(ctx, p, perk.ID, "state-key-2")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`UPDATE vouchers SET expires_at = ? WHERE id = ?`, time.Now().Add(-time.Minute).UTC(), v2.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Verify(ctx, edu, v2.Code); !errors.Is(err, ErrVoucherExpired) {
		t.Fatalf("expired: %v", err)
	}
	if _, err := s.CancelVoucher(ctx, p, v2.ID); !errors.Is(err, ErrVoucherExpired) {
		t.Fatalf("cancel expired: %v", err)
	}
	// Verified by the provider.
	got, err := s.Verify(ctx, edu, v.Code)
	if err != nil || got.Status != VoucherUsed || got.UsedAt == nil {
		t.Fatalf("verify: %+v %v", got, err)
	}
	if _, err := s.CancelVoucher(ctx, p, v.ID); !errors.Is(err, ErrNotCancellable) {
		t.Fatalf("cancel used: %v", err)
	}
}

func TestExpiry_spendsOldestFirst_andIsIdempotent(t *testing.T) {
	t.Parallel()
	s, db := newService(t)
	ctx := context.Background()
	p := addPersons(t, db, 1)[0]
	at := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 12, 0, 0, 0, shanghai) }
	s.now = func() time.Time { return at(2025, 3, 1) }
	a := grant(t, s, p, "expert_consultation", "C-1") // 50, expires at the end of 2027
	if want := time.Date(2028, 1, 1, 0, 0, 0, 0, shanghai); !a.ExpiresAt.Equal(want) {
		t.Fatalf("expires %v, want %v", a.ExpiresAt, want)
	}
	s.now = func() time.Time { return at(2026, 6, 1) }
	b := grant(t, s, p, "expert_consultation", "C-2") // 50, expires at the end of 2028
	perk := newPerk(t, s, 30, nil, nil)
	if _, _, err := s.Redeem(ctx, p, perk.ID, "old-first-1"); err != nil {
		t.Fatal(err)
	}
	remaining := func(id int64) int64 {
		var r int64
		_ = db.Get(&r, `SELECT remaining FROM points_entries WHERE id = ?`, id)
		return r
	}
	if remaining(a.ID) != 20 || remaining(b.ID) != 50 {
		t.Fatalf("remaining a=%d b=%d, want 20 and 50 (oldest first)", remaining(a.ID), remaining(b.ID))
	}
	// The night after 2027 ends: a's 20 expire, b's 50 stay.
	night := at(2028, 1, 1)
	for run := range 2 {
		r, err := s.ExpireDue(ctx, night)
		if err != nil {
			t.Fatal(err)
		}
		want := ExpiryResult{Entries: 1, Points: 20}
		if run == 1 {
			want = ExpiryResult{}
		}
		if r != want {
			t.Fatalf("run %d: %+v, want %+v", run, r, want)
		}
		if b := balance(t, db, p); b != 50 {
			t.Fatalf("run %d: balance %d, want 50", run, b)
		}
	}
	s.now = func() time.Time { return night }
	sum, err := s.Summary(ctx, p, 400*24*time.Hour)
	if err != nil || sum.Balance != 50 || sum.ExpiringTotal != 50 || len(sum.Expiring) != 1 {
		t.Fatalf("summary %+v %v", sum, err)
	}
	// After b's expiry and before the nightly job, the points can be neither spent nor shown.
	s.now = func() time.Time { return at(2029, 1, 2) }
	if _, _, err := s.Redeem(ctx, p, perk.ID, "old-first-2"); !errors.Is(err, ErrInsufficientPoints) {
		t.Fatalf("redeem after expiry: %v", err)
	}
	if sum, _ := s.Summary(ctx, p, time.Hour); sum.Balance != 0 {
		t.Fatalf("summary after expiry: %+v", sum)
	}
	if r, err := s.ExpireDue(ctx, s.now()); err != nil || r.Points != 50 {
		t.Fatalf("expire: %+v %v", r, err)
	}
	if b := balance(t, db, p); b != 0 {
		t.Fatalf("balance %d, want 0", b)
	}
	checkLedger(t, s, db)
}

func TestCancel_returnsPointsAndStock(t *testing.T) {
	t.Parallel()
	s, db := newService(t)
	ctx := context.Background()
	p := addPersons(t, db, 1)[0]
	grant(t, s, p, "event_attendance", "E-1")
	grant(t, s, p, "event_attendance", "E-2") // 40
	perk := newPerk(t, s, 30, ptr[int64](2), ptr(1))
	v, _, err := s.Redeem(ctx, p, perk.ID, "cancel-key-1")
	if err != nil {
		t.Fatal(err)
	}
	if b := balance(t, db, p); b != 10 {
		t.Fatalf("balance %d", b)
	}
	if _, _, err := s.Redeem(ctx, p, perk.ID, "cancel-key-2"); !errors.Is(err, ErrLimitReached) {
		t.Fatalf("second: %v, want ErrLimitReached", err)
	}
	got, err := s.CancelVoucher(ctx, p, v.ID)
	if err != nil || got.Status != VoucherCancelled {
		t.Fatalf("cancel: %+v %v", got, err)
	}
	if b := balance(t, db, p); b != 40 {
		t.Fatalf("balance after cancel %d, want 40", b)
	}
	var stock, refunds int64
	_ = db.Get(&stock, `SELECT stock FROM perks WHERE id = ?`, perk.ID)
	_ = db.Get(&refunds, `SELECT COALESCE(SUM(delta), 0) FROM points_entries WHERE reason_code = 'refund' AND voucher_id = ?`, v.ID)
	if stock != 2 || refunds != 30 {
		t.Fatalf("stock %d, refunds %d; want 2 and 30", stock, refunds)
	}
	if _, err := s.CancelVoucher(ctx, p, v.ID); !errors.Is(err, ErrNotCancellable) {
		t.Fatalf("cancel twice: %v", err)
	}
	if _, err := s.CancelVoucher(ctx, p+1, v.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("someone else's: %v", err)
	}
	if _, err := s.Verify(ctx, admin, v.Code); !errors.Is(err, ErrVoucherCancelled) {
		t.Fatalf("verify cancelled: %v", err)
	}
	// The limit counts issued and used vouchers only: a cancelled one frees it.
	if _, _, err := s.Redeem(ctx, p, perk.ID, "cancel-key-3"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Redeem(ctx, p, newPerk(t, s, 30, nil, nil).ID, "cancel-key-4"); !errors.Is(err, ErrInsufficientPoints) {
		t.Fatalf("insufficient: %v", err)
	}
	checkLedger(t, s, db)
}

func TestVerifyBalances_findsTamperedBalance(t *testing.T) {
	t.Parallel()
	s, db := newService(t)
	ps := addPersons(t, db, 2)
	grant(t, s, ps[0], "event_attendance", "E-1")
	grant(t, s, ps[1], "event_attendance", "E-1")
	checkLedger(t, s, db)
	if _, err := db.Exec(`UPDATE points_accounts SET balance = balance + 1000 WHERE person_id = ?`, ps[1]); err != nil {
		t.Fatal(err)
	}
	ms, err := s.VerifyBalances(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 1 || ms[0] != (Mismatch{PersonID: ps[1], Balance: 1020, LedgerSum: 20}) {
		t.Fatalf("mismatches %+v", ms)
	}
}

func TestGrant_rules(t *testing.T) {
	t.Parallel()
	s, db := newService(t)
	ctx := context.Background()
	p := addPersons(t, db, 1)[0]
	if _, err := s.Grant(ctx, admin, GrantInput{PersonID: p, Rule: "donation", Reference: "D-1"}); err == nil {
		t.Fatal("donation without amount granted")
	}
	e, err := s.Grant(ctx, admin, GrantInput{PersonID: p, Rule: "donation", Reference: "D-1", AmountFen: 250_000_00})
	if err != nil || e.Delta != 2500 || e.BalanceAfter != 2500 {
		t.Fatalf("donation of 250,000 yuan: %+v %v", e, err)
	}
	if _, err := s.Grant(ctx, admin, GrantInput{PersonID: p, Rule: "donation", Reference: "D-1", AmountFen: 100_000}); !errors.Is(err, ErrDuplicateReference) {
		t.Fatalf("duplicate: %v", err)
	}
	if _, err := s.Grant(ctx, admin, GrantInput{PersonID: p, Rule: "nope", Reference: "X"}); !errors.Is(err, ErrRuleUnknown) {
		t.Fatalf("unknown rule: %v", err)
	}
	if _, err := s.Grant(ctx, admin, GrantInput{PersonID: p + 99, Rule: "donation", Reference: "X", AmountFen: 100_000}); !errors.Is(err, ErrPersonNotFound) {
		t.Fatalf("unknown person: %v", err)
	}
	// Reverse: a new negative entry, once.
	r, err := s.Reverse(ctx, admin, e.ID, "票据作废")
	if err != nil || r.Delta != -2500 || r.BalanceAfter != 0 || r.ReversesEntryID == nil || *r.ReversesEntryID != e.ID {
		t.Fatalf("reverse: %+v %v", r, err)
	}
	if _, err := s.Reverse(ctx, admin, e.ID, "再来一次"); !errors.Is(err, ErrAlreadyReversed) {
		t.Fatalf("reverse twice: %v", err)
	}
	if _, err := s.Reverse(ctx, admin, r.ID, "冲正冲正"); !errors.Is(err, ErrNotReversible) {
		t.Fatalf("reverse a reversal: %v", err)
	}
	// A grant whose points were partly spent: the reversal takes back what is left of it.
	g := grant(t, s, p, "investment_landed", "I-1")
	if _, _, err := s.Redeem(ctx, p, newPerk(t, s, 600, nil, nil).ID, "spent-key-1"); err != nil {
		t.Fatal(err)
	}
	if r, err := s.Reverse(ctx, admin, g.ID, "投资未落地"); err != nil || r.Delta != -400 || r.BalanceAfter != 0 {
		t.Fatalf("reverse partly spent: %+v %v", r, err)
	}
	var audits int
	_ = db.Get(&audits, `SELECT COUNT(*) FROM audit_log WHERE action IN ('points.grant', 'points.reverse')`)
	if audits != 4 {
		t.Fatalf("audit rows %d, want 4", audits)
	}
	checkLedger(t, s, db)
}

func TestRedeem_idempotentByKey(t *testing.T) {
	t.Parallel()
	s, db := newService(t)
	ctx := context.Background()
	p := addPersons(t, db, 1)[0]
	grant(t, s, p, "project_referral", "P-1")
	a, b := newPerk(t, s, 100, ptr[int64](10), nil), newPerk(t, s, 100, nil, nil)
	v1, replayed, err := s.Redeem(ctx, p, a.ID, "same-key-1")
	if err != nil || replayed {
		t.Fatal(err, replayed)
	}
	v2, replayed, err := s.Redeem(ctx, p, a.ID, "same-key-1")
	if err != nil || !replayed || v2.ID != v1.ID || v2.Code != v1.Code {
		t.Fatalf("replay: %+v %v %v", v2, replayed, err)
	}
	if _, _, err := s.Redeem(ctx, p, b.ID, "same-key-1"); !errors.Is(err, idempotency.ErrKeyReused) {
		t.Fatalf("other perk, same key: %v", err)
	}
	if _, _, err := s.Redeem(ctx, p, a.ID, ""); !errors.Is(err, ErrIdempotencyKey) {
		t.Fatalf("no key: %v", err)
	}
	if bal := balance(t, db, p); bal != 400 {
		t.Fatalf("balance %d, want 400 (one redemption)", bal)
	}
	var stock int64
	_ = db.Get(&stock, `SELECT stock FROM perks WHERE id = ?`, a.ID)
	if stock != 9 {
		t.Fatalf("stock %d", stock)
	}
	checkLedger(t, s, db)
}

// Ten parallel retries of one request (same key): one voucher, every answer is that voucher.
func TestRedeem_parallelSameKey_oneVoucher(t *testing.T) {
	t.Parallel()
	s, db := newService(t)
	p := addPersons(t, db, 1)[0]
	grant(t, s, p, "project_referral", "P-1")
	perk := newPerk(t, s, 100, ptr[int64](10), nil)
	ids := make([]int64, 10)
	errs := make([]error, 10)
	var wg sync.WaitGroup
	for i := range ids {
		wg.Go(func() {
			v, _, err := s.Redeem(context.Background(), p, perk.ID, "twin-key-1")
			ids[i], errs[i] = v.ID, err
		})
	}
	wg.Wait()
	for i := range ids {
		if errs[i] != nil || ids[i] != ids[0] || ids[0] == 0 {
			t.Fatalf("answers %v, errors %v", ids, errs)
		}
	}
	var n int
	_ = db.Get(&n, `SELECT COUNT(*) FROM vouchers WHERE person_id = ?`, p)
	if n != 1 || balance(t, db, p) != 400 {
		t.Fatalf("vouchers %d, balance %d; want 1 and 400", n, balance(t, db, p))
	}
	checkLedger(t, s, db)
}

func TestNewCode_alphabetAndLength(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for range 2000 {
		c, err := newCode()
		if err != nil {
			t.Fatal(err)
		}
		if len(c) != codeLen || strings.Trim(c, codeAlphabet) != "" || seen[c] {
			t.Fatalf("bad or repeated code %q", c)
		}
		seen[c] = true
	}
	if got := NormalizeCode(" huixiang:voucher:ab2c-d3ef "); got != "AB2CD3EF" {
		t.Fatalf("normalize: %q", got)
	}
}
