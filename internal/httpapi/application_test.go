package httpapi_test

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"huixiang/internal/config"
	"huixiang/internal/notify"
	"huixiang/internal/testenv"
)

// uscc completes 17 characters with their GB 32100 check character.
func uscc(s17 string) string {
	const chars = "0123456789ABCDEFGHJKLMNPQRTUWXY"
	w := []int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}
	sum := 0
	for i := range 17 {
		sum += strings.IndexByte(chars, s17[i]) * w[i]
	}
	return s17 + string(chars[(31-sum%31)%31])
}

type appAnswer struct {
	ID            int64             `json:"id"`
	Status        string            `json:"status"`
	Version       int               `json:"version"`
	AmountFen     int64             `json:"amount_fen"`
	TermMonths    *int              `json:"term_months"`
	Purpose       string            `json:"purpose"`
	BankName      string            `json:"bank_name"`
	JobsCreated   *int              `json:"jobs_created"`
	BankAccount   string            `json:"bank_account"`
	FieldComments map[string]string `json:"field_comments"`
	Attachments   []struct {
		Kind string `json:"kind"`
		URL  string `json:"url"`
	} `json:"attachments"`
	Timeline []struct {
		From  string `json:"from"`
		To    string `json:"to"`
		Actor string `json:"actor"`
	} `json:"timeline"`
	Disbursement *struct {
		AmountFen int64 `json:"amount_fen"`
	} `json:"disbursement"`
}

// entrepreneur is a registered returnee of township 990101 who started a business last month.
func (e *env) entrepreneur(openid string, seq int) string {
	e.t.Helper()
	tok := e.registrant(openid, fmt.Sprintf("1381234%04d", seq))
	f := form(seq, "990101")
	f["intention"] = "started"
	f["business"] = map[string]any{"name": "回乡茶叶店", "type": "individual", "uscc": uscc(fmt.Sprintf("92421202MA4%06d", seq)),
		"started_on": time.Now().AddDate(0, -1, 0).Format("2006-01-02"), "jobs_created": 3}
	expect(e.t, e.do("PUT", "/api/v1/me/returnee", tok, f), 200, "")
	return tok
}

func (e *env) uploadKind(tok, kind string) string {
	e.t.Helper()
	r := e.uploadParts(tok, formPart{field: "kind", body: []byte(kind)}, formPart{field: "file", filename: kind + ".png", body: testPNG(e.t)})
	expect(e.t, r, 201, "")
	var u uploadAnswer
	r.json(e.t, &u)
	return u.ID
}

func (e *env) doKey(method, path, token, key string, body any) response {
	e.t.Helper()
	return e.doHeaders(method, path, token, map[string]string{"Idempotency-Key": key}, body)
}

func (e *env) createApp(tok string, body map[string]any) appAnswer {
	e.t.Helper()
	r := e.do("POST", "/api/v1/applications", tok, body)
	expect(e.t, r, 201, "")
	var a appAnswer
	r.json(e.t, &a)
	return a
}

func (e *env) act(tok, path string, version int, body map[string]any) response {
	e.t.Helper()
	if body == nil {
		body = map[string]any{}
	}
	body["version"] = version
	return e.do("POST", path, tok, body)
}

func (e *env) staffOf(username, role, township string) string {
	e.t.Helper()
	admin := e.staffToken("admin", adminPasswd)
	acc := map[string]string{"username": username, "password": "Reviewer12345", "role": role}
	if township != "" {
		acc["township_code"] = township
	}
	if role == "department" {
		acc["department"] = "区人社局"
	}
	expect(e.t, e.do("POST", "/admin/api/v1/staff", admin, acc), 201, "")
	return e.staffToken(username, "Reviewer12345")
}

func subsidyForm(attachments ...string) map[string]any {
	return map[string]any{"policy": "startup_subsidy", "bank_name": "湖北农信咸安支行", "bank_account": "6222021234567890123",
		"jobs_created": 3, "attachments": attachments}
}

func TestApplications_subsidyWholePath(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	seedRegions(t, e)
	tok := e.entrepreneur("o_boss", 70)
	var pol struct {
		Template string `json:"subscribe_template_id"`
		Items    []struct {
			Code        string `json:"code"`
			AmountFen   int64  `json:"amount_fen"`
			Eligibility struct {
				Eligible bool `json:"eligible"`
			} `json:"eligibility"`
		} `json:"items"`
	}
	r := e.do("GET", "/api/v1/policies", tok, nil)
	expect(t, r, 200, "")
	r.json(t, &pol)
	if len(pol.Items) != 2 || pol.Items[0].Code != "startup_subsidy" || pol.Items[0].AmountFen != 500000 || !pol.Items[0].Eligibility.Eligible || pol.Template == "" {
		t.Fatalf("policies = %s", r.Body)
	}

	// A draft with an idempotency key: a retry returns the same answer, another body is refused.
	body := subsidyForm()
	first := e.doKey("POST", "/api/v1/applications", tok, "key-0001-aaaa", body)
	expect(t, first, 201, "")
	again := e.doKey("POST", "/api/v1/applications", tok, "key-0001-aaaa", body)
	if again.Status != 201 || string(again.Body) != string(first.Body) || again.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("replay = %d %s", again.Status, again.Body)
	}
	body2 := subsidyForm()
	body2["jobs_created"] = 9
	expect(t, e.doKey("POST", "/api/v1/applications", tok, "key-0001-aaaa", body2), 422, "IDEMPOTENCY_KEY_REUSED")
	var n int
	e.db.Get(&n, "SELECT COUNT(*) FROM applications")
	if n != 1 {
		t.Fatalf("applications after retries = %d", n)
	}
	var app appAnswer
	first.json(t, &app)
	if app.Status != "draft" || app.AmountFen != 500000 || app.BankAccount != "6222***********0123" {
		t.Fatalf("draft = %s", first.Body)
	}

	// Materials are required before submitting.
	expect(t, e.act(tok, fmt.Sprintf("/api/v1/applications/%d/submit", app.ID), app.Version, nil), 422, "MATERIALS_MISSING")
	ids := []string{e.uploadKind(tok, "business_licence"), e.uploadKind(tok, "id_front"), e.uploadKind(tok, "id_back")}
	upd := subsidyForm(ids...)
	upd["version"] = app.Version
	r = e.do("PATCH", fmt.Sprintf("/api/v1/applications/%d", app.ID), tok, upd)
	expect(t, r, 200, "")
	r.json(t, &app)
	r = e.act(tok, fmt.Sprintf("/api/v1/applications/%d/submit", app.ID), app.Version, nil)
	expect(t, r, 200, "")
	r.json(t, &app)
	if app.Status != "submitted" || len(app.Attachments) != 3 {
		t.Fatalf("submitted = %s", r.Body)
	}

	other := e.registrant("o_nosy", "13900001111")
	expect(t, e.do("GET", fmt.Sprintf("/api/v1/applications/%d", app.ID), other, nil), 404, "NOT_FOUND")

	town := e.staffOf("town_a", "township", "990101")
	townB := e.staffOf("town_b", "township", "990102")
	dept := e.staffOf("hrss_a", "department", "")
	cashier := e.staffOf("hrss_b", "department", "") // disburses: not the account that approved
	q := e.do("GET", "/admin/api/v1/applications", town, nil)
	if !strings.Contains(string(q.Body), `"total":1`) {
		t.Fatalf("township queue = %s", q.Body)
	}
	if q := e.do("GET", "/admin/api/v1/applications", townB, nil); !strings.Contains(string(q.Body), `"total":0`) {
		t.Fatalf("other township queue = %s", q.Body)
	}
	path := fmt.Sprintf("/admin/api/v1/applications/%d", app.ID)
	expect(t, e.do("GET", path, townB, nil), 404, "NOT_FOUND")
	expect(t, e.act(townB, path+"/review", app.Version, map[string]any{"decision": "approve"}), 404, "NOT_FOUND")
	expect(t, e.act(dept, path+"/review", app.Version, map[string]any{"decision": "approve"}), 403, "FORBIDDEN")
	staffView := e.do("GET", path, town, nil)
	if !strings.Contains(string(staffView.Body), `"applicant_name":"张三"`) || !strings.Contains(string(staffView.Body), "/api/v1/files/") {
		t.Fatalf("staff detail = %s", staffView.Body)
	}
	var views int
	e.db.Get(&views, "SELECT COUNT(*) FROM audit_log WHERE action = 'application.view_attachments' AND actor_name = 'town_a'")
	if views != 1 {
		t.Fatalf("staff views of the attachments audited %d times, want 1", views)
	}

	r = e.act(town, path+"/review", app.Version, map[string]any{"decision": "approve", "comment": "材料齐全"})
	expect(t, r, 200, "")
	r.json(t, &app)
	r = e.act(dept, path+"/review", app.Version, map[string]any{"decision": "approve"})
	expect(t, r, 200, "")
	r.json(t, &app)
	if app.Status != "approved" {
		t.Fatalf("after district = %s", r.Body)
	}
	expect(t, e.act(tok, fmt.Sprintf("/api/v1/applications/%d/withdraw", app.ID), app.Version, nil), 409, "INVALID_TRANSITION")
	expect(t, e.act(cashier, path+"/disburse", app.Version, map[string]any{"amount_fen": 600000, "paid_on": "2026-11-27", "bank_reference": "X1"}), 422, "VALIDATION_FAILED")
	r = e.act(cashier, path+"/disburse", app.Version, map[string]any{"amount_fen": 500000, "paid_on": time.Now().Format("2006-01-02"), "bank_reference": "HBNX20261128001"})
	expect(t, r, 200, "")

	mine := e.do("GET", fmt.Sprintf("/api/v1/applications/%d", app.ID), tok, nil)
	var final appAnswer
	mine.json(t, &final)
	var steps []string
	for _, ev := range final.Timeline {
		steps = append(steps, ev.From+">"+ev.To)
	}
	if final.Status != "disbursed" || final.Disbursement == nil || final.Disbursement.AmountFen != 500000 ||
		strings.Join(steps, " ") != ">draft draft>submitted submitted>township_approved township_approved>approved approved>disbursed" {
		t.Fatalf("final = %s", mine.Body)
	}
	// The applicant's inbox has the status changes; every transition is audited.
	var msgs, audits int
	e.db.Get(&msgs, "SELECT COUNT(*) FROM inbox_messages")
	e.db.Get(&audits, "SELECT COUNT(*) FROM audit_log WHERE target_type = 'application'")
	if msgs != 3 || audits < 4 {
		t.Fatalf("inbox messages = %d (want 3: township, approved, disbursed), audit rows = %d (want the 4 transitions and the views)", msgs, audits)
	}
	// Another subsidy for the same person is refused.
	second := e.createApp(tok, subsidyForm(e.uploadKind(tok, "business_licence"), e.uploadKind(tok, "id_front"), e.uploadKind(tok, "id_back")))
	expect(t, e.act(tok, fmt.Sprintf("/api/v1/applications/%d/submit", second.ID), second.Version, nil), 409, "ALREADY_GRANTED")
}

func TestApplications_subsidy50ParallelSubmits_oneAccepted(t *testing.T) {
	t.Parallel()
	// 150 uploads by one user: over the default daily quota of 50 files.
	e := newEnv(t, func(c *config.Config) { c.Upload.DailyFiles = 1000 })
	seedRegions(t, e)
	tok := e.entrepreneur("o_eager", 71)
	mats := func() []string {
		return []string{e.uploadKind(tok, "business_licence"), e.uploadKind(tok, "id_front"), e.uploadKind(tok, "id_back")}
	}
	apps := make([]appAnswer, 50)
	for i := range apps {
		apps[i] = e.createApp(tok, subsidyForm(mats()...))
	}
	statuses := make([]int, len(apps))
	var wg sync.WaitGroup
	for i, a := range apps {
		wg.Go(func() {
			statuses[i] = e.act(tok, fmt.Sprintf("/api/v1/applications/%d/submit", a.ID), a.Version, nil).Status
		})
	}
	wg.Wait()
	ok := 0
	for _, s := range statuses {
		switch s {
		case 200:
			ok++
		case 409:
		default:
			t.Fatalf("statuses %v", statuses)
		}
	}
	var live int
	e.db.Get(&live, "SELECT COUNT(*) FROM applications WHERE status = 'submitted'")
	if ok != 1 || live != 1 {
		t.Fatalf("accepted %d, submitted rows %d; want 1 and 1", ok, live)
	}
}

func TestApplications_twoReviewersAtOnce_one409(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	seedRegions(t, e)
	tok := e.entrepreneur("o_race", 72)
	a := e.createApp(tok, subsidyForm(e.uploadKind(tok, "business_licence"), e.uploadKind(tok, "id_front"), e.uploadKind(tok, "id_back")))
	r := e.act(tok, fmt.Sprintf("/api/v1/applications/%d/submit", a.ID), a.Version, nil)
	expect(t, r, 200, "")
	r.json(t, &a)
	t1, t2 := e.staffOf("town_x", "township", "990101"), e.staffOf("town_y", "township", "990101")
	path := fmt.Sprintf("/admin/api/v1/applications/%d/review", a.ID)
	var wg sync.WaitGroup
	res := make([]response, 2)
	for i, tk := range []string{t1, t2} {
		decision := []string{"approve", "reject"}[i]
		wg.Go(func() { res[i] = e.act(tk, path, a.Version, map[string]any{"decision": decision, "comment": "审核"}) })
	}
	wg.Wait()
	codes := []int{res[0].Status, res[1].Status}
	if !(codes[0] == 200 && codes[1] == 409 || codes[0] == 409 && codes[1] == 200) {
		t.Fatalf("statuses %v: %s / %s", codes, res[0].Body, res[1].Body)
	}
	for _, x := range res {
		if x.Status == 409 && x.errCode(t) != "STALE_VERSION" {
			t.Fatalf("loser code %s", x.Body)
		}
	}
	var events int
	e.db.Get(&events, "SELECT COUNT(*) FROM application_events WHERE application_id = ?", a.ID)
	if events != 3 {
		t.Fatalf("timeline events = %d, want 3 (draft, submitted, one decision)", events)
	}
}

func loanForm(amountFen int64) map[string]any {
	return map[string]any{"policy": "guaranteed_loan", "borrower_type": "individual", "amount_fen": amountFen, "term_months": 24,
		"purpose": "扩大茶叶加工", "bank_name": "咸安农商行", "bank_account": "6222021234567890999"}
}

func TestApplications_loanCapAndLimitOfThree(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	seedRegions(t, e)
	tok := e.entrepreneur("o_loan", 73)
	r := e.do("POST", "/api/v1/applications", tok, loanForm(30000001))
	expect(t, r, 422, "AMOUNT_OVER_CAP")
	if !strings.Contains(string(r.Body), "300,000") {
		t.Fatalf("cap message = %s", r.Body)
	}
	ent := loanForm(400000000)
	// The business on the applicant's record (see entrepreneur).
	ent["borrower_type"], ent["enterprise_name"], ent["enterprise_uscc"] = "enterprise", "咸安回乡茶业有限公司", uscc(fmt.Sprintf("92421202MA4%06d", 73))
	e.createApp(tok, ent) // enterprise cap is 500 万
	ent["amount_fen"] = 500000001
	expect(t, e.do("POST", "/api/v1/applications", tok, ent), 422, "AMOUNT_OVER_CAP")

	town := e.staffOf("town_l", "township", "990101")
	dept := e.staffOf("fin_l", "department", "")
	cashier := e.staffOf("fin_m", "department", "")
	apps := make([]appAnswer, 4)
	for i := range apps {
		a := e.createApp(tok, loanForm(int64(10000000+i)))
		for _, k := range []string{"id_front", "id_back"} {
			upd := loanForm(int64(10000000 + i))
			upd["attachments"], upd["version"] = []string{e.uploadKind(tok, k)}, a.Version
			r := e.do("PATCH", fmt.Sprintf("/api/v1/applications/%d", a.ID), tok, upd)
			expect(t, r, 200, "")
			r.json(t, &a)
		}
		r := e.act(tok, fmt.Sprintf("/api/v1/applications/%d/submit", a.ID), a.Version, nil)
		expect(t, r, 200, "")
		r.json(t, &a)
		r = e.act(town, fmt.Sprintf("/admin/api/v1/applications/%d/review", a.ID), a.Version, map[string]any{"decision": "approve"})
		expect(t, r, 200, "")
		r.json(t, &a)
		apps[i] = a
	}
	// Four district approvals at once for one borrower: exactly three go through.
	statuses := make([]response, len(apps))
	var wg sync.WaitGroup
	for i, a := range apps {
		wg.Go(func() {
			statuses[i] = e.act(dept, fmt.Sprintf("/admin/api/v1/applications/%d/review", a.ID), a.Version, map[string]any{"decision": "approve"})
		})
	}
	wg.Wait()
	approved, refused := 0, 0
	for _, s := range statuses {
		switch {
		case s.Status == 200:
			approved++
		case s.Status == 409 && s.errCode(t) == "LOAN_LIMIT_REACHED":
			refused++
		default:
			t.Fatalf("approval answer %d %s", s.Status, s.Body)
		}
	}
	var n int
	e.db.Get(&n, "SELECT COUNT(*) FROM applications WHERE policy_code = 'guaranteed_loan' AND status = 'approved'")
	if approved != 3 || refused != 1 || n != 3 {
		t.Fatalf("approved %d refused %d rows %d; want 3, 1, 3", approved, refused, n)
	}
	// An approved loan is disbursed and the applicant sees it.
	for i, st := range statuses {
		if st.Status != 200 {
			continue
		}
		var ok appAnswer
		st.json(t, &ok)
		r := e.act(cashier, fmt.Sprintf("/admin/api/v1/applications/%d/disburse", ok.ID), ok.Version,
			map[string]any{"amount_fen": 10000000 + i, "paid_on": time.Now().Format("2006-01-02"), "bank_reference": "LOAN-0001"})
		expect(t, r, 200, "")
		mine := e.do("GET", fmt.Sprintf("/api/v1/applications/%d", ok.ID), tok, nil)
		var got appAnswer
		mine.json(t, &got)
		if got.Status != "disbursed" || got.Disbursement == nil || got.Disbursement.AmountFen != int64(10000000+i) {
			t.Fatalf("disbursed loan = %s", mine.Body)
		}
		break
	}
	// A fifth application cannot even be submitted.
	a := e.createApp(tok, loanForm(1000000))
	expect(t, e.act(tok, fmt.Sprintf("/api/v1/applications/%d/submit", a.ID), a.Version, nil), 409, "LOAN_LIMIT_REACHED")
	var pol struct {
		Items []struct {
			Code      string `json:"code"`
			UsedTimes int    `json:"used_times"`
		} `json:"items"`
	}
	e.do("GET", "/api/v1/policies", tok, nil).json(t, &pol)
	if pol.Items[1].UsedTimes != 3 {
		t.Fatalf("used_times = %+v", pol.Items)
	}
}

func TestApplications_returnForCorrectionResubmitWithdraw(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	seedRegions(t, e)
	tok := e.entrepreneur("o_fix", 74)
	a := e.createApp(tok, subsidyForm(e.uploadKind(tok, "business_licence"), e.uploadKind(tok, "id_front"), e.uploadKind(tok, "id_back")))
	r := e.act(tok, fmt.Sprintf("/api/v1/applications/%d/submit", a.ID), a.Version, nil)
	r.json(t, &a)
	town := e.staffOf("town_r", "township", "990101")
	path := fmt.Sprintf("/admin/api/v1/applications/%d", a.ID)
	expect(t, e.act(town, path+"/review", a.Version, map[string]any{"decision": "return"}), 422, "VALIDATION_FAILED")
	r = e.act(town, path+"/review", a.Version, map[string]any{"decision": "return", "comment": "请核对银行账号",
		"field_comments": map[string]string{"bank_account": "账号与开户名不一致"}})
	expect(t, r, 200, "")
	mine := e.do("GET", fmt.Sprintf("/api/v1/applications/%d", a.ID), tok, nil)
	mine.json(t, &a)
	if a.Status != "returned" || a.FieldComments["bank_account"] != "账号与开户名不一致" {
		t.Fatalf("returned = %s", mine.Body)
	}
	expect(t, e.act(tok, fmt.Sprintf("/api/v1/applications/%d/submit", a.ID), a.Version-1, nil), 409, "STALE_VERSION")
	upd := subsidyForm()
	upd["bank_account"], upd["version"] = "6222029999999999999", a.Version
	r = e.do("PUT", fmt.Sprintf("/api/v1/applications/%d", a.ID), tok, upd)
	expect(t, r, 200, "")
	r.json(t, &a)
	r = e.act(tok, fmt.Sprintf("/api/v1/applications/%d/submit", a.ID), a.Version, nil)
	expect(t, r, 200, "")
	a = appAnswer{}
	r.json(t, &a)
	if a.Status != "submitted" || a.FieldComments != nil {
		t.Fatalf("resubmitted = %s", r.Body)
	}
	r = e.act(tok, fmt.Sprintf("/api/v1/applications/%d/withdraw", a.ID), a.Version, nil)
	expect(t, r, 200, "")
	expect(t, e.act(town, path+"/review", a.Version+1, map[string]any{"decision": "approve"}), 409, "INVALID_TRANSITION")
	// Withdrawn: the person may apply again.
	b := e.createApp(tok, subsidyForm(e.uploadKind(tok, "business_licence"), e.uploadKind(tok, "id_front"), e.uploadKind(tok, "id_back")))
	expect(t, e.act(tok, fmt.Sprintf("/api/v1/applications/%d/submit", b.ID), b.Version, nil), 200, "")
}

func TestApplications_notEligibleAndStats(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	seedRegions(t, e)
	nobody := e.registrant("o_unreg", "13911112222")
	expect(t, e.do("POST", "/api/v1/applications", nobody, subsidyForm()), 422, "NOT_ELIGIBLE")
	noBiz := e.registrant("o_nobiz", "13911113333")
	expect(t, e.do("PUT", "/api/v1/me/returnee", noBiz, form(75, "990101")), 200, "")
	a := e.createApp(noBiz, subsidyForm())
	r := e.act(noBiz, fmt.Sprintf("/api/v1/applications/%d/submit", a.ID), a.Version, nil)
	expect(t, r, 422, "NOT_ELIGIBLE")
	if !strings.Contains(string(r.Body), "营业执照") {
		t.Fatalf("reason = %s", r.Body)
	}

	tok := e.entrepreneur("o_stats", 76)
	a = e.createApp(tok, subsidyForm(e.uploadKind(tok, "business_licence"), e.uploadKind(tok, "id_front"), e.uploadKind(tok, "id_back")))
	expect(t, e.act(tok, fmt.Sprintf("/api/v1/applications/%d/submit", a.ID), a.Version, nil), 200, "")
	admin := e.staffToken("admin", adminPasswd)
	s := e.do("GET", "/admin/api/v1/applications/stats", admin, nil)
	expect(t, s, 200, "")
	if !strings.Contains(string(s.Body), `{"key":"startup_subsidy","status":"submitted","count":1,"amount_fen":500000,"disbursed_fen":0}`) ||
		!strings.Contains(string(s.Body), `"key":"`+time.Now().In(time.FixedZone("CST", 8*3600)).Format("2006-01")+`"`) {
		t.Fatalf("stats = %s", s.Body)
	}
}

func TestApplications_progressNotificationSentOncePerConsent(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	seedRegions(t, e)
	tok := e.entrepreneur("o_notify", 77)
	var pol struct {
		Template string `json:"subscribe_template_id"`
	}
	e.do("GET", "/api/v1/policies", tok, nil).json(t, &pol)
	e.wx.RegisterTemplate(pol.Template, "thing1", "phrase2", "time3", "thing4")
	e.wx.GrantConsent("o_notify", pol.Template, 5)
	expect(t, e.do("POST", "/api/v1/me/subscriptions", tok, map[string]any{"accepted": []string{pol.Template}}), 200, "")
	a := e.createApp(tok, subsidyForm(e.uploadKind(tok, "business_licence"), e.uploadKind(tok, "id_front"), e.uploadKind(tok, "id_back")))
	r := e.act(tok, fmt.Sprintf("/api/v1/applications/%d/submit", a.ID), a.Version, nil)
	r.json(t, &a)
	town := e.staffOf("town_n", "township", "990101")
	r = e.act(town, fmt.Sprintf("/admin/api/v1/applications/%d/review", a.ID), a.Version, map[string]any{"decision": "return", "comment": "请补充经营场所照片"})
	expect(t, r, 200, "")
	var key string
	e.db.Get(&key, "SELECT dedup_key FROM outbox ORDER BY id DESC LIMIT 1")
	before := len(e.wx.Sent())
	e.runWorker(key, "sent", notify.WorkerOptions{Workers: 1, Rate: 100, MaxAttempts: 3, Lease: time.Second})
	sent := e.wx.Sent()[before:]
	if len(sent) != 1 || sent[0].Data["phrase2"] != "已退回" || sent[0].ToUser != "o_notify" || sent[0].Data["thing1"] != "一次性创业补贴" {
		t.Fatalf("sent = %+v", sent)
	}
}

// submitted creates an application with body, attaches one upload of each kind, submits it and
// returns the submitted application.
func (e *env) submitted(tok string, body map[string]any, kinds ...string) appAnswer {
	e.t.Helper()
	ids := []string{}
	for _, k := range kinds {
		ids = append(ids, e.uploadKind(tok, k))
	}
	body["attachments"] = ids
	a := e.createApp(tok, body)
	r := e.act(tok, fmt.Sprintf("/api/v1/applications/%d/submit", a.ID), a.Version, nil)
	expect(e.t, r, 200, "")
	r.json(e.t, &a)
	return a
}

func enterpriseLoan(amountFen int64, code string) map[string]any {
	b := loanForm(amountFen)
	b["borrower_type"], b["enterprise_name"], b["enterprise_uscc"] = "enterprise", "咸安某某农业有限公司", code
	return b
}

// approve is a fresh approval body (act adds the version to it).
func approve() map[string]any { return map[string]any{"decision": "approve"} }

func TestApplications_oneAccountAtEveryStage_409SameReviewer(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	seedRegions(t, e)
	tok := e.entrepreneur("o_solo", 78)
	a := e.submitted(tok, subsidyForm(), "business_licence", "id_front", "id_back")
	admin := e.staffToken("admin", adminPasswd)
	path := fmt.Sprintf("/admin/api/v1/applications/%d", a.ID)
	r := e.act(admin, path+"/review", a.Version, map[string]any{"decision": "approve"})
	expect(t, r, 200, "")
	r.json(t, &a)
	// The account that decided at the township may not decide at the district, either way.
	expect(t, e.act(admin, path+"/review", a.Version, map[string]any{"decision": "approve"}), 409, "SAME_REVIEWER")
	expect(t, e.act(admin, path+"/review", a.Version, map[string]any{"decision": "reject", "comment": "不符合"}), 409, "SAME_REVIEWER")
	var status string
	e.db.Get(&status, "SELECT status FROM applications WHERE id = ?", a.ID)
	if status != "township_approved" {
		t.Fatalf("status after refused decisions = %s", status)
	}
	dept := e.staffOf("hrss_solo", "department", "")
	r = e.act(dept, path+"/review", a.Version, map[string]any{"decision": "approve"})
	expect(t, r, 200, "")
	r.json(t, &a)
	// The account that approved at the district may not record the payment.
	pay := map[string]any{"amount_fen": 500000, "paid_on": time.Now().Format("2006-01-02"), "bank_reference": "HBNX-SOLO-1"}
	expect(t, e.act(dept, path+"/disburse", a.Version, pay), 409, "SAME_REVIEWER")
	r = e.act(admin, path+"/disburse", a.Version, pay)
	expect(t, r, 200, "")
	var who struct {
		Township int64 `db:"township_reviewer_id"`
		District int64 `db:"district_reviewer_id"`
	}
	if err := e.db.Get(&who, "SELECT township_reviewer_id, district_reviewer_id FROM applications WHERE id = ?", a.ID); err != nil {
		t.Fatal(err)
	}
	if who.Township == 0 || who.District == 0 || who.Township == who.District {
		t.Fatalf("reviewers on record = %+v", who)
	}
}

func TestApplications_enterpriseLoanForInventedUSCC_422UnlessLicenceConfirmed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	seedRegions(t, e)
	tok := e.entrepreneur("o_shell", 79)
	invented := uscc("91421202MA4X99991") // checksum-valid, on nobody's record
	r := e.do("POST", "/api/v1/applications", tok, enterpriseLoan(500000000, invented))
	expect(t, r, 422, "ENTERPRISE_NOT_OWN")
	var n int
	e.db.Get(&n, "SELECT COUNT(*) FROM applications")
	if n != 0 {
		t.Fatalf("applications after the refusal = %d", n)
	}
	// Nor by patching an individual draft into one.
	d := e.createApp(tok, loanForm(1000000))
	expect(t, e.do("PATCH", fmt.Sprintf("/api/v1/applications/%d", d.ID), tok, map[string]any{"version": d.Version,
		"borrower_type": "enterprise", "enterprise_name": "空壳公司", "enterprise_uscc": invented, "amount_fen": 500000000}), 422, "ENTERPRISE_NOT_OWN")

	// With the business licence attached the draft is taken, but the township must confirm it.
	a := e.submitted(tok, enterpriseLoan(500000000, invented), "business_licence", "id_front", "id_back")
	town := e.staffOf("town_shell", "township", "990101")
	path := fmt.Sprintf("/admin/api/v1/applications/%d/review", a.ID)
	if v := e.do("GET", fmt.Sprintf("/admin/api/v1/applications/%d", a.ID), town, nil); !strings.Contains(string(v.Body), `"enterprise_on_record":false,"licence_confirmed":false`) {
		t.Fatalf("staff view = %s", v.Body)
	}
	expect(t, e.act(town, path, a.Version, map[string]any{"decision": "approve"}), 422, "LICENCE_NOT_CONFIRMED")
	r = e.act(town, path, a.Version, map[string]any{"decision": "approve", "licence_confirmed": true})
	expect(t, r, 200, "")
	if !strings.Contains(string(r.Body), `"licence_confirmed":true`) {
		t.Fatalf("after confirmation = %s", r.Body)
	}
	var by int64
	e.db.Get(&by, "SELECT COALESCE(licence_confirmed_by, 0) FROM applications WHERE id = ?", a.ID)
	if by == 0 {
		t.Fatal("licence confirmation not recorded")
	}
	// The business on the applicant's own record needs no confirmation.
	own := e.submitted(tok, enterpriseLoan(100000000, uscc(fmt.Sprintf("92421202MA4%06d", 79))), "business_licence", "id_front", "id_back")
	expect(t, e.act(town, fmt.Sprintf("/admin/api/v1/applications/%d/review", own.ID), own.Version, map[string]any{"decision": "approve"}), 200, "")
}

func TestApplications_fourLoansOnePersonFourEnterprises_fourthRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	seedRegions(t, e)
	tok := e.entrepreneur("o_serial", 80)
	town, dept := e.staffOf("town_serial", "township", "990101"), e.staffOf("fin_serial", "department", "")
	apps := make([]appAnswer, 4)
	for i := range apps {
		a := e.submitted(tok, enterpriseLoan(100000000, uscc(fmt.Sprintf("91421202MA4Y%05d", i))), "business_licence", "id_front", "id_back")
		r := e.act(town, fmt.Sprintf("/admin/api/v1/applications/%d/review", a.ID), a.Version, map[string]any{"decision": "approve", "licence_confirmed": true})
		expect(t, r, 200, "")
		r.json(t, &apps[i])
	}
	// Four district approvals at once, one person, four enterprises: exactly three go through.
	res := make([]response, len(apps))
	var wg sync.WaitGroup
	for i, a := range apps {
		wg.Go(func() {
			res[i] = e.act(dept, fmt.Sprintf("/admin/api/v1/applications/%d/review", a.ID), a.Version, approve())
		})
	}
	wg.Wait()
	ok, refused := 0, 0
	for _, r := range res {
		switch {
		case r.Status == 200:
			ok++
		case r.Status == 409 && r.errCode(t) == "LOAN_LIMIT_REACHED":
			refused++
		default:
			t.Fatalf("district answer %d %s", r.Status, r.Body)
		}
	}
	var approved int
	e.db.Get(&approved, "SELECT COUNT(*) FROM applications WHERE status = 'approved'")
	if ok != 3 || refused != 1 || approved != 3 {
		t.Fatalf("approved %d, refused %d, rows %d; want 3, 1, 3", ok, refused, approved)
	}
	// The person's limit holds at submission too, whichever enterprise they name.
	body := enterpriseLoan(100000000, uscc("91421202MA4Y00009"))
	body["attachments"] = []string{e.uploadKind(tok, "business_licence"), e.uploadKind(tok, "id_front"), e.uploadKind(tok, "id_back")}
	a := e.createApp(tok, body)
	expect(t, e.act(tok, fmt.Sprintf("/api/v1/applications/%d/submit", a.ID), a.Version, nil), 409, "LOAN_LIMIT_REACHED")
}

func TestApplications_patchOrPutOneField_keepsTheOthers(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	seedRegions(t, e)
	tok := e.entrepreneur("o_patch", 81)
	body := loanForm(12000000)
	body["jobs_created"] = 5
	a := e.createApp(tok, body)
	path := fmt.Sprintf("/api/v1/applications/%d", a.ID)
	for i, method := range []string{"PATCH", "PUT"} {
		account := "622202000000000000" + strconv.Itoa(i)
		r := e.do(method, path, tok, map[string]any{"version": a.Version, "bank_account": account})
		expect(t, r, 200, "")
		r.json(t, &a)
		if a.BankName != "咸安农商行" || a.Purpose != "扩大茶叶加工" || a.JobsCreated == nil || *a.JobsCreated != 5 ||
			a.TermMonths == nil || *a.TermMonths != 24 || a.AmountFen != 12000000 || !strings.HasSuffix(a.BankAccount, "000"+strconv.Itoa(i)) {
			t.Fatalf("%s bank_account only: %s", method, r.Body)
		}
	}
	// null clears a field; the others stay.
	r := e.do("PUT", path, tok, map[string]any{"version": a.Version, "jobs_created": nil, "purpose": nil})
	expect(t, r, 200, "")
	a = appAnswer{}
	r.json(t, &a)
	if a.JobsCreated != nil || a.Purpose != "" || a.BankName != "咸安农商行" || a.AmountFen != 12000000 {
		t.Fatalf("after nulls: %s", r.Body)
	}
	expect(t, e.do("PATCH", path, tok, map[string]any{"version": a.Version, "jobs_created": "many"}), 422, "VALIDATION_FAILED")
	expect(t, e.do("PATCH", path, tok, map[string]any{"bank_name": "x"}), 422, "VALIDATION_FAILED")
	expect(t, e.do("PATCH", path, tok, map[string]any{"version": a.Version - 1, "bank_name": "x"}), 409, "STALE_VERSION")
}

func TestApplications_idempotentReplay_sameAnswerWithAttachments(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	seedRegions(t, e)
	tok := e.entrepreneur("o_retry", 82)
	body := subsidyForm(e.uploadKind(tok, "business_licence"), e.uploadKind(tok, "id_front"), e.uploadKind(tok, "id_back"))
	first := e.doKey("POST", "/api/v1/applications", tok, "key-retry-0001", body)
	expect(t, first, 201, "")
	var a appAnswer
	first.json(t, &a)
	if len(a.Attachments) != 3 {
		t.Fatalf("first answer = %s", first.Body)
	}
	again := e.doKey("POST", "/api/v1/applications", tok, "key-retry-0001", body)
	if again.Status != 201 || string(again.Body) != string(first.Body) || again.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("replay = %d %s\nfirst = %s", again.Status, again.Body, first.Body)
	}
}

// withMySQLParam sets a session variable on every connection of the server's pool.
func withMySQLParam(t *testing.T, name, value string) option {
	return func(c *config.Config) {
		cfg, err := mysql.ParseDSN(c.MySQL.DSN)
		if err != nil {
			t.Fatal(err)
		}
		if cfg.Params == nil {
			cfg.Params = map[string]string{}
		}
		cfg.Params[name] = value
		c.MySQL.DSN = cfg.FormatDSN()
	}
}

func TestApplications_lockWaitEscapingRetries_503Busy(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withMySQLParam(t, "innodb_lock_wait_timeout", "1"))
	seedRegions(t, e)
	tok := e.entrepreneur("o_busy", 83)
	a := e.submitted(tok, subsidyForm(), "business_licence", "id_front", "id_back")
	town := e.staffOf("town_busy", "township", "990101")
	draft := e.createApp(tok, loanForm(1000000))

	// Another transaction holds both rows for longer than the lock wait timeout.
	tx := e.db.MustBegin()
	defer tx.Rollback()
	var ids []int64
	if err := tx.Select(&ids, "SELECT id FROM applications WHERE id IN (?, ?) FOR UPDATE", a.ID, draft.ID); err != nil || len(ids) != 2 {
		t.Fatalf("lock: %v %v", ids, err)
	}
	r := e.act(town, fmt.Sprintf("/admin/api/v1/applications/%d/review", a.ID), a.Version, approve()) // retried, then given up
	expect(t, r, 503, "BUSY")
	if r.Header.Get("Retry-After") != "2" {
		t.Fatalf("Retry-After = %q", r.Header.Get("Retry-After"))
	}
	r = e.do("PATCH", fmt.Sprintf("/api/v1/applications/%d", draft.ID), tok, map[string]any{"version": draft.Version, "purpose": "x"}) // not retried
	expect(t, r, 503, "BUSY")
	tx.Rollback()
	expect(t, e.act(town, fmt.Sprintf("/admin/api/v1/applications/%d/review", a.ID), a.Version, approve()), 200, "")
}

func TestApplications_databaseDown_503Not404(t *testing.T) {
	t.Parallel()
	cfg, err := mysql.ParseDSN(testenv.MySQLDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	proxy := testenv.NewProxy(t, cfg.Addr)
	cfg.Addr = proxy.Addr()
	// Cut closes every connection, so the outage answers at once; the timeout only has to outlast
	// the setup's queries on a loaded machine (500 ms did not in CI).
	e := newEnv(t, func(c *config.Config) { c.MySQL.DSN = cfg.FormatDSN(); c.MySQL.QueryTimeout = 3 * time.Second })
	seedRegions(t, e)
	tok := e.entrepreneur("o_outage", 84)
	a := e.createApp(tok, loanForm(1000000))
	path := fmt.Sprintf("/api/v1/applications/%d", a.ID)

	proxy.Cut()
	for _, req := range []struct {
		method, path string
		body         any
	}{
		{"PATCH", path, map[string]any{"version": a.Version, "purpose": "x"}},
		{"GET", path, nil},
		{"POST", path + "/submit", map[string]any{"version": a.Version}},
		{"POST", path + "/withdraw", map[string]any{"version": a.Version}},
	} {
		r := e.do(req.method, req.path, tok, req.body)
		if r.Status != 503 {
			t.Fatalf("%s %s with the database down = %d %s, want 503", req.method, req.path, r.Status, r.Body)
		}
	}
	proxy.Restore()
	waitStatus(t, e, path, tok, 200)
}

func TestApplications_enterpriseLimitAcrossApplicants_fourthRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	seedRegions(t, e)
	owner, partner := e.entrepreneur("o_owner", 85), e.entrepreneur("o_partner", 86)
	code := uscc(fmt.Sprintf("92421202MA4%06d", 85)) // the business on the owner's record
	town, dept := e.staffOf("town_ent", "township", "990101"), e.staffOf("fin_ent", "department", "")
	townshipApproved := func(tok string, confirm bool) appAnswer {
		a := e.submitted(tok, enterpriseLoan(100000000, code), "business_licence", "id_front", "id_back")
		r := e.act(town, fmt.Sprintf("/admin/api/v1/applications/%d/review", a.ID), a.Version, map[string]any{"decision": "approve", "licence_confirmed": confirm})
		expect(t, r, 200, "")
		r.json(t, &a)
		return a
	}
	district := func(a appAnswer) response {
		return e.act(dept, fmt.Sprintf("/admin/api/v1/applications/%d/review", a.ID), a.Version, approve())
	}
	// The partner's applications for the owner's enterprise (licence confirmed) wait at the district.
	p1, p2 := townshipApproved(partner, true), townshipApproved(partner, true)
	for range 2 {
		expect(t, district(townshipApproved(owner, false)), 200, "")
	}
	expect(t, district(p1), 200, "")                   // the enterprise's third
	expect(t, district(p2), 409, "LOAN_LIMIT_REACHED") // its fourth, though the partner has only one
	body := enterpriseLoan(100000000, code)
	body["attachments"] = []string{e.uploadKind(partner, "business_licence"), e.uploadKind(partner, "id_front"), e.uploadKind(partner, "id_back")}
	a := e.createApp(partner, body)
	expect(t, e.act(partner, fmt.Sprintf("/api/v1/applications/%d/submit", a.ID), a.Version, nil), 409, "LOAN_LIMIT_REACHED")
	// The partner may still borrow as an individual.
	b := e.submitted(partner, loanForm(1000000), "id_front", "id_back")
	r := e.act(town, fmt.Sprintf("/admin/api/v1/applications/%d/review", b.ID), b.Version, approve())
	expect(t, r, 200, "")
	r.json(t, &b)
	expect(t, district(b), 200, "")
}
