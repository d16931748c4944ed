package httpapi_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

type voucherAnswer struct {
	ID          int64  `json:"id"`
	Code        string `json:"code"`
	QR          string `json:"qr"`
	Status      string `json:"status"`
	PointsSpent int64  `json:"points_spent"`
}

type pointsAnswer struct {
	Balance  int64 `json:"balance"`
	Expiring []struct {
		Points    int64     `json:"points"`
		ExpiresAt time.Time `json:"expires_at"`
	} `json:"expiring"`
}

// alumnus is a signed-in user with a person record (through the returnee registration).
func (e *env) alumnus(openid string, seq int) (token string, personID int64) {
	e.t.Helper()
	tok := e.registrant(openid, fmt.Sprintf("1391234%04d", seq))
	expect(e.t, e.do("PUT", "/api/v1/me/returnee", tok, form(seq, "990101")), 200, "")
	if err := e.db.Get(&personID, `SELECT p.id FROM persons p JOIN users u ON u.id = p.user_id WHERE u.openid = ?`, openid); err != nil {
		e.t.Fatal(err)
	}
	return tok, personID
}

// approvedAlumnus is a returnee who also registered as an alumnus and was approved: one who may
// receive every rule's points.
func (e *env) approvedAlumnus(admin, openid string, seq int) (token string, personID int64) {
	e.t.Helper()
	tok, pid := e.alumnus(openid, seq)
	a := e.putAlumnus(tok, alumnusForm(seq))
	if _, r := e.decide(admin, pid, "review", map[string]any{"decision": "approve", "version": a.Version}); r.Status != 200 {
		e.t.Fatalf("approve: %d %s", r.Status, r.Body)
	}
	return tok, pid
}

func (e *env) points(tok string) pointsAnswer {
	e.t.Helper()
	r := e.do("GET", "/api/v1/me/points", tok, nil)
	expect(e.t, r, 200, "")
	var p pointsAnswer
	r.json(e.t, &p)
	return p
}

func (e *env) newPerk(admin string, body map[string]any) int64 {
	e.t.Helper()
	p := map[string]any{"name": "咸安博物馆年卡", "category": "culture_tourism", "provider_code": "区文旅局", "points_price": 30,
		"valid_from": time.Now().Add(-time.Hour).UTC().Format(time.RFC3339), "valid_until": time.Now().AddDate(1, 0, 0).UTC().Format(time.RFC3339),
		"description": "凭券到馆领取"}
	for k, v := range body {
		p[k] = v
	}
	r := e.do("POST", "/admin/api/v1/perks", admin, p)
	expect(e.t, r, 201, "")
	var out struct{ ID int64 }
	r.json(e.t, &out)
	return out.ID
}

func TestPoints_wholePath(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	seedRegions(t, e)
	admin := e.staffToken("admin", adminPasswd)

	// A user without a person record.
	stranger := e.signIn("o_stranger").Token
	expect(t, e.do("GET", "/api/v1/me/points", stranger, nil), 404, "NOT_REGISTERED")

	tok, pid := e.approvedAlumnus(admin, "o_alum", 81)
	if p := e.points(tok); p.Balance != 0 {
		t.Fatalf("balance %d", p.Balance)
	}
	grant := map[string]any{"person_id": pid, "rule": "event_attendance", "reference": "2025-返校日", "note": "签到"}
	expect(t, e.do("POST", "/admin/api/v1/points/grants", admin, grant), 201, "")
	expect(t, e.do("POST", "/admin/api/v1/points/grants", admin, grant), 409, "DUPLICATE_REFERENCE")
	r := e.do("POST", "/admin/api/v1/points/grants", admin, map[string]any{"person_id": pid, "rule": "expert_consultation", "reference": "ZX-001"})
	expect(t, r, 201, "")
	var consult struct{ ID int64 }
	r.json(t, &consult)
	hrss := e.staffOf("hrss_p", "department", "")
	expect(t, e.do("POST", "/admin/api/v1/points/grants", hrss, map[string]any{"person_id": pid, "rule": "nope", "reference": "X"}), 422, "VALIDATION_FAILED")
	township := e.staffOf("tw_p", "township", "990101")
	expect(t, e.do("POST", "/admin/api/v1/points/grants", township, grant), 403, "FORBIDDEN")

	p := e.points(tok)
	if p.Balance != 70 || len(p.Expiring) != 0 {
		t.Fatalf("points %+v, want 70 and nothing expiring within 90 days", p)
	}
	var page struct {
		Items []struct {
			Delta     int64      `json:"delta"`
			ExpiresAt *time.Time `json:"expires_at"`
		} `json:"items"`
		Total int `json:"total"`
	}
	r = e.do("GET", "/api/v1/me/points/entries?page=1", tok, nil)
	expect(t, r, 200, "")
	r.json(t, &page)
	if page.Total != 2 || page.Items[0].Delta != 50 || page.Items[0].ExpiresAt == nil {
		t.Fatalf("entries %s", r.Body)
	}

	// Perks: one with stock 1 and a per-person limit, one too dear.
	perk := e.newPerk(admin, map[string]any{"stock": 2, "per_person_limit": 1})
	dear := e.newPerk(admin, map[string]any{"name": "创业园工位一年", "category": "startup_space", "points_price": 5000})
	hidden := e.newPerk(admin, map[string]any{"visible": false})
	var perks struct{ Items []struct{ ID int64 } }
	r = e.do("GET", "/api/v1/perks", tok, nil)
	expect(t, r, 200, "")
	r.json(t, &perks)
	if len(perks.Items) != 2 {
		t.Fatalf("perks %s", r.Body)
	}
	redeem := func(tok string, id int64, key string) response {
		return e.doKey("POST", fmt.Sprintf("/api/v1/perks/%d/redeem", id), tok, key, nil)
	}
	expect(t, e.do("POST", fmt.Sprintf("/api/v1/perks/%d/redeem", perk), tok, nil), 400, "IDEMPOTENCY_KEY_REQUIRED")
	expect(t, redeem(tok, dear, "dear-key-1"), 409, "INSUFFICIENT_POINTS")
	expect(t, redeem(tok, hidden, "hidden-key-1"), 404, "")
	r = redeem(tok, perk, "redeem-key-1")
	expect(t, r, 201, "")
	var v voucherAnswer
	r.json(t, &v)
	if v.Status != "issued" || v.QR != "huixiang:voucher:"+v.Code || len(v.Code) < 10 {
		t.Fatalf("voucher %s", r.Body)
	}
	again := redeem(tok, perk, "redeem-key-1")
	expect(t, again, 201, "")
	var v2 voucherAnswer
	again.json(t, &v2)
	if v2.ID != v.ID || again.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("replay %s", again.Body)
	}
	expect(t, redeem(tok, dear, "redeem-key-1"), 422, "IDEMPOTENCY_KEY_REUSED")
	expect(t, redeem(tok, perk, "redeem-key-2"), 409, "LIMIT_REACHED")
	if p := e.points(tok); p.Balance != 40 {
		t.Fatalf("balance %d, want 40", p.Balance)
	}

	// Another alumnus takes the last one; a third finds none.
	tok2, pid2 := e.approvedAlumnus(admin, "o_alum2", 82)
	tok3, pid3 := e.approvedAlumnus(admin, "o_alum3", 83)
	for i, id := range []int64{pid2, pid3} {
		expect(t, e.do("POST", "/admin/api/v1/points/grants", admin, map[string]any{"person_id": id, "rule": "project_referral", "reference": fmt.Sprintf("XM-%d", i)}), 201, "")
	}
	expect(t, redeem(tok2, perk, "redeem-key-3"), 201, "")
	expect(t, redeem(tok3, perk, "redeem-key-4"), 409, "OUT_OF_STOCK")

	// Cancel gives back points and stock.
	r = e.do("POST", fmt.Sprintf("/api/v1/me/vouchers/%d/cancel", v.ID), tok, nil)
	expect(t, r, 200, "")
	if p := e.points(tok); p.Balance != 70 {
		t.Fatalf("balance after cancel %d, want 70", p.Balance)
	}
	expect(t, e.do("POST", fmt.Sprintf("/api/v1/me/vouchers/%d/cancel", v.ID), tok, nil), 409, "VOUCHER_NOT_CANCELLABLE")
	expect(t, e.do("POST", fmt.Sprintf("/api/v1/me/vouchers/%d/cancel", v.ID), tok2, nil), 404, "")
	r = redeem(tok3, perk, "redeem-key-5")
	expect(t, r, 201, "")
	var v3 voucherAnswer
	r.json(t, &v3)

	// Verification: another provider's staff get 404; the provider's staff verify once.
	expect(t, e.do("POST", "/admin/api/v1/vouchers/verify", hrss, map[string]string{"code": v3.Code}), 404, "")
	expect(t, e.do("POST", "/admin/api/v1/vouchers/verify", admin, map[string]string{"code": "ABCDEFGHJKMN"}), 404, "")
	culture := e.staffToken("admin", adminPasswd)
	expect(t, e.do("POST", "/admin/api/v1/staff", culture, map[string]string{"username": "wl_staff", "password": "Reviewer12345",
		"role": "department", "department": "区文旅局", "display_name": "文旅局小王"}), 201, "")
	wl := e.staffToken("wl_staff", "Reviewer12345")
	expect(t, e.do("POST", "/admin/api/v1/vouchers/verify", wl, map[string]string{"code": strings.ToLower(v3.QR)}), 200, "")
	r = e.do("POST", "/admin/api/v1/vouchers/verify", wl, map[string]string{"code": v3.Code})
	expect(t, r, 409, "VOUCHER_USED")
	if !strings.Contains(string(r.Body), "文旅局小王") {
		t.Fatalf("used message does not say by whom: %s", r.Body)
	}
	expect(t, e.do("POST", fmt.Sprintf("/api/v1/me/vouchers/%d/cancel", v3.ID), tok3, nil), 409, "VOUCHER_NOT_CANCELLABLE")

	// Expired vouchers are refused.
	r = redeem(tok2, dear, "dear-key-2")
	expect(t, r, 409, "INSUFFICIENT_POINTS")
	other := e.newPerk(admin, nil)
	r = redeem(tok2, other, "other-key-1")
	expect(t, r, 201, "")
	var v4 voucherAnswer
	r.json(t, &v4)
	if _, err := e.db.Exec(`UPDATE vouchers SET expires_at = ? WHERE id = ?`, time.Now().Add(-time.Minute).UTC(), v4.ID); err != nil {
		t.Fatal(err)
	}
	expect(t, e.do("POST", "/admin/api/v1/vouchers/verify", admin, map[string]string{"code": v4.Code}), 410, "VOUCHER_EXPIRED")

	var mine struct{ Items []voucherAnswer }
	r = e.do("GET", "/api/v1/me/vouchers", tok2, nil)
	expect(t, r, 200, "")
	r.json(t, &mine)
	if len(mine.Items) != 2 || mine.Items[0].Status != "expired" {
		t.Fatalf("my vouchers %s", r.Body)
	}

	// Reversal, perks admin, stats.
	expect(t, e.do("POST", fmt.Sprintf("/admin/api/v1/points/entries/%d/reverse", consult.ID), admin, map[string]string{"reason": "咨询记录有误"}), 201, "")
	expect(t, e.do("POST", fmt.Sprintf("/admin/api/v1/points/entries/%d/reverse", consult.ID), admin, map[string]string{"reason": "咨询记录有误"}), 409, "ALREADY_REVERSED")
	if p := e.points(tok); p.Balance != 20 {
		t.Fatalf("balance after reversal %d, want 20", p.Balance)
	}
	expect(t, e.do("PATCH", fmt.Sprintf("/admin/api/v1/perks/%d", dear), admin, map[string]any{"points_price": 10, "stock": 0}), 200, "")
	expect(t, redeem(tok, dear, "dear-key-3"), 409, "OUT_OF_STOCK")
	expect(t, e.do("PATCH", fmt.Sprintf("/admin/api/v1/perks/%d", dear), hrss, map[string]any{"stock": 5}), 404, "")
	expect(t, e.do("POST", "/admin/api/v1/perks", hrss, map[string]any{"name": "x", "category": "nope", "points_price": 1}), 422, "VALIDATION_FAILED")
	var stats struct {
		Months []struct {
			Issued, Spent, Refunded, Reversed int64
		} `json:"months"`
		TopContributors []struct{ PersonID int64 } `json:"top_contributors"`
		Perks           []struct{ Issued, Used, Cancelled int64 }
	}
	r = e.do("GET", "/admin/api/v1/points/stats", admin, nil)
	expect(t, r, 200, "")
	r.json(t, &stats)
	if len(stats.Months) != 1 || stats.Months[0].Issued != 70+1000 || stats.Months[0].Spent != 4*30 || stats.Months[0].Refunded != 30 ||
		stats.Months[0].Reversed != 50 || len(stats.TopContributors) != 3 {
		t.Fatalf("stats %s", r.Body)
	}
	var audits int
	_ = e.db.Get(&audits, `SELECT COUNT(*) FROM audit_log WHERE action IN ('points.grant', 'points.reverse', 'points.voucher_verify')`)
	if audits != 2+2+1+1 {
		t.Fatalf("audit rows %d", audits)
	}
}

// TestVouchers_20ConcurrentVerifications_one200 scans one code 20 times at once.
func TestVouchers_20ConcurrentVerifications_one200(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	seedRegions(t, e)
	admin := e.staffToken("admin", adminPasswd)
	tok, pid := e.alumnus("o_scan", 84)
	expect(t, e.do("POST", "/admin/api/v1/points/grants", admin, map[string]any{"person_id": pid, "rule": "event_attendance", "reference": "E-9"}), 201, "")
	perk := e.newPerk(admin, map[string]any{"points_price": 20})
	r := e.doKey("POST", fmt.Sprintf("/api/v1/perks/%d/redeem", perk), tok, "scan-key-01", nil)
	expect(t, r, 201, "")
	var v voucherAnswer
	r.json(t, &v)
	body := []byte(fmt.Sprintf(`{"code":%q}`, v.Code))
	statuses := make([]int, 20)
	var wg sync.WaitGroup
	for i := range statuses {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest("POST", e.srv.URL+"/admin/api/v1/vouchers/verify", bytes.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+admin)
			req.Header.Set("Content-Type", "application/json")
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			statuses[i] = res.StatusCode
		}()
	}
	wg.Wait()
	count := map[int]int{}
	for _, s := range statuses {
		count[s]++
	}
	if count[200] != 1 || count[409] != 19 {
		t.Fatalf("statuses %v, want one 200 and 19 × 409", count)
	}
}

// Issue #8 item 8: a department clerk granted 922,337,203,685,470 points in one call
// (amount_fen of donation at int64 max) to a person who is not an alumnus.
func TestPointsGrant_unboundedDonationToNonAlumnus_refused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	seedRegions(t, e)
	admin := e.staffToken("admin", adminPasswd)
	_, returnee := e.alumnus("o_not_alum", 85) // a returnee, not an alumnus
	_, alum := e.approvedAlumnus(admin, "o_alum_b", 86)
	expect(t, e.do("POST", "/admin/api/v1/staff", admin, map[string]string{"username": "edu_clerk", "password": "Reviewer12345",
		"role": "department", "department": "区教育局"}), 201, "")
	edu := e.staffToken("edu_clerk", "Reviewer12345")
	hrss := e.staffOf("hrss_clerk", "department", "")

	const int64Max = "9223372036854775807"
	raw := func(tok string, body string) response {
		var v map[string]any
		dec := json.NewDecoder(strings.NewReader(body))
		dec.UseNumber()
		if err := dec.Decode(&v); err != nil {
			t.Fatal(err)
		}
		return e.do("POST", "/admin/api/v1/points/grants", tok, v)
	}
	expect(t, raw(edu, fmt.Sprintf(`{"person_id":%d,"rule":"donation","reference":"D-1","amount_fen":%s}`, returnee, int64Max)), 422, "AMOUNT_OUT_OF_RANGE")
	expect(t, raw(edu, fmt.Sprintf(`{"person_id":%d,"rule":"donation","reference":"D-1","amount_fen":%s}`, alum, int64Max)), 422, "AMOUNT_OUT_OF_RANGE")
	expect(t, raw(edu, fmt.Sprintf(`{"person_id":%d,"rule":"donation","reference":"D-1","amount_fen":-100000}`, alum)), 422, "AMOUNT_OUT_OF_RANGE")
	expect(t, raw(edu, fmt.Sprintf(`{"person_id":%d,"rule":"donation","reference":"D-1","amount_fen":100000000000}`, alum)), 422, "GRANT_LIMIT_EXCEEDED")
	expect(t, raw(edu, fmt.Sprintf(`{"person_id":%d,"rule":"donation","reference":"D-1","amount_fen":100000}`, returnee)), 422, "NOT_AN_ALUMNUS")
	expect(t, raw(hrss, fmt.Sprintf(`{"person_id":%d,"rule":"donation","reference":"D-1","amount_fen":100000}`, alum)), 403, "RULE_NOT_ALLOWED")
	expect(t, raw(edu, fmt.Sprintf(`{"person_id":%d,"rule":"donation","reference":"D-1","amount_fen":50000000}`, alum)), 201, "")
	// 5,000 of 10,000 a year used: another 600,000 yuan would pass the per-grant check but not the year's.
	expect(t, raw(edu, fmt.Sprintf(`{"person_id":%d,"rule":"donation","reference":"D-2","amount_fen":50000000}`, alum)), 201, "")
	r := raw(edu, fmt.Sprintf(`{"person_id":%d,"rule":"donation","reference":"D-3","amount_fen":100000}`, alum))
	expect(t, r, 422, "GRANT_LIMIT_EXCEEDED")
	if !strings.Contains(string(r.Body), "10000") {
		t.Fatalf("limit message does not say the limit: %s", r.Body)
	}
	var total int64
	_ = e.db.Get(&total, `SELECT COALESCE(SUM(balance), 0) FROM points_accounts`)
	if total != 10000 {
		t.Fatalf("points in all accounts %d, want 10000", total)
	}

	// Events: a department uses only rules it may grant.
	now := time.Now().UTC()
	event := func(tok, rule string) response {
		return e.do("POST", "/admin/api/v1/events", tok, map[string]any{"title": "项目推介会", "starts_at": now.Format(time.RFC3339),
			"ends_at": now.Add(time.Hour).Format(time.RFC3339), "points_rule": rule})
	}
	expect(t, event(hrss, "project_referral"), 403, "RULE_NOT_ALLOWED")
	expect(t, event(hrss, "event_attendance"), 201, "")
	expect(t, event(admin, "project_referral"), 201, "")

	// The rules show their limits.
	r = e.do("GET", "/admin/api/v1/points/rules", hrss, nil)
	expect(t, r, 200, "")
	var rules struct {
		Items []struct {
			Code             string   `json:"code"`
			MaxPerGrant      int64    `json:"max_per_grant"`
			MaxPerPersonYear int64    `json:"max_per_person_year"`
			Departments      []string `json:"departments"`
			Recipients       string   `json:"recipients"`
		} `json:"items"`
	}
	r.json(t, &rules)
	for _, x := range rules.Items {
		if x.MaxPerGrant <= 0 || x.MaxPerPersonYear <= 0 || x.Departments == nil || x.Recipients == "" {
			t.Fatalf("rule without limits: %s", r.Body)
		}
	}
}

// Issue #8 item 10: grant A 100 and B 100; A expires unused; reversing A answered 201 and took
// B's 100 too.
func TestPointsReverse_expiredGrant_409NothingToReverse(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	seedRegions(t, e)
	admin := e.staffToken("admin", adminPasswd)
	tok, pid := e.approvedAlumnus(admin, "o_rev_alum", 87)
	grant := func(ref string) int64 {
		r := e.do("POST", "/admin/api/v1/points/grants", admin, map[string]any{"person_id": pid, "rule": "talent_referral", "reference": ref})
		expect(t, r, 201, "")
		var out struct{ ID int64 }
		r.json(t, &out)
		return out.ID
	}
	a, b := grant("T-A"), grant("T-B")
	// A's expiry comes first (as if earned a year earlier); the expiry job writes it off.
	if _, err := e.db.Exec(`UPDATE points_entries SET expires_at = ? WHERE id = ?`, time.Now().Add(-time.Hour).UTC(), a); err != nil {
		t.Fatal(err)
	}
	if res, err := e.app.Points.ExpireDue(t.Context(), time.Now()); err != nil || res.Points != 100 {
		t.Fatalf("expire: %+v %v", res, err)
	}
	expect(t, e.do("POST", fmt.Sprintf("/admin/api/v1/points/entries/%d/reverse", a), admin, map[string]string{"reason": "引荐记录有误"}), 409, "NOTHING_TO_REVERSE")
	if p := e.points(tok); p.Balance != 100 {
		t.Fatalf("balance %d, want 100 (B untouched)", p.Balance)
	}
	var remB int64
	_ = e.db.Get(&remB, `SELECT remaining FROM points_entries WHERE id = ?`, b)
	if remB != 100 {
		t.Fatalf("B remaining %d, want 100", remB)
	}
	expect(t, e.do("POST", fmt.Sprintf("/admin/api/v1/points/entries/%d/reverse", b), admin, map[string]string{"reason": "引荐记录有误"}), 201, "")
	if ms, err := e.app.Points.VerifyBalances(t.Context()); err != nil || len(ms) != 0 {
		t.Fatalf("verify: %+v %v", ms, err)
	}
}
