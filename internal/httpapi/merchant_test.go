package httpapi_test

import (
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"huixiang/internal/cn"
)

type merchantAnswer struct {
	PersonID        int64    `json:"person_id"`
	Name            string   `json:"name"`
	IDCard          string   `json:"id_card"`
	Phone           string   `json:"phone"`
	TownshipCode    string   `json:"township_code"`
	TownshipName    string   `json:"township_name"`
	IndustryCode    string   `json:"industry_code"`
	IndustryName    string   `json:"industry_name"`
	IndustrySection string   `json:"industry_section"`
	SectionName     string   `json:"section_name"`
	AmountBand      string   `json:"amount_band"`
	IntendedFields  []string `json:"intended_fields"`
	Source          string   `json:"source"`
	Fresh           bool     `json:"fresh"`
	Version         int      `json:"version"`
	FreshDays       int      `json:"fresh_days"`
	ConfirmDueOn    string   `json:"confirm_due_on"`
	ConfirmedAt     string   `json:"confirmed_at"`
	Enterprises     []struct {
		Name string `json:"name"`
		USCC string `json:"uscc"`
	} `json:"enterprises"`
}

// testUSCC is a valid 统一社会信用代码 (GB 32100 check character) numbered seq.
func testUSCC(seq int) string {
	const chars = "0123456789ABCDEFGHJKLMNPQRTUWXY"
	w := []int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}
	s17 := fmt.Sprintf("91421202MA4%06d", seq%1000000)
	sum := 0
	for i := range 17 {
		sum += strings.IndexByte(chars, s17[i]) * w[i]
	}
	return s17 + string(chars[(31-sum%31)%31])
}

func merchantForm(seq int, township, industry, province, amount string, fields ...string) map[string]any {
	return map[string]any{
		"name": "李四", "id_card": idNumber(seq), "phone": fmt.Sprintf("1370000%04d", seq), "township_code": township,
		"biz_province": province, "biz_city": "某市", "industry_code": industry, "size_band": "small", "revenue_band": "2000_10000",
		"chamber_roles": "咸宁商会副会长", "intended_fields": fields, "amount_band": amount, "timing": "within_1y",
		"preferred_township": township,
		"enterprises": []map[string]any{{"name": fmt.Sprintf("某某食品有限公司%d", seq), "uscc": testUSCC(seq), "industry_code": industry,
			"province": province, "city": "某市", "size_band": "small", "status": "operating"}},
	}
}

func (e *env) createMerchant(tok string, body map[string]any) merchantAnswer {
	e.t.Helper()
	r := e.do("POST", "/admin/api/v1/merchants", tok, body)
	expect(e.t, r, 201, "")
	var m merchantAnswer
	r.json(e.t, &m)
	return m
}

func (e *env) auditCount(action string, target int64) int {
	e.t.Helper()
	var n int
	if err := e.db.Get(&n, `SELECT COUNT(*) FROM audit_log WHERE action = ? AND target_type = 'person' AND target_id = ?`,
		action, fmt.Sprint(target)); err != nil {
		e.t.Fatal(err)
	}
	return n
}

// Staff enter a merchant (the person created by ID number), read it masked, reveal it with a
// reason (audited), change it at the version read, and a second change at that stale version
// is 409; bad codes and a bad credit code name their field.
func TestMerchant_createMaskedRevealPatchStale(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	seedRegions(t, e)
	admin := e.staffToken("admin", adminPasswd)

	m := e.createMerchant(admin, merchantForm(701, "990101", "13", "广东省", "1000_5000", "tea", "ecommerce"))
	if m.IDCard != "4212**********"+idNumber(701)[14:] || m.Phone != "137****0701" || m.IndustrySection != "C" ||
		m.SectionName != "制造业" || m.IndustryName != "农副食品加工业" || m.TownshipName != "官埠桥镇" || m.Version != 1 ||
		m.Source != "staff" || !m.Fresh || len(m.Enterprises) != 1 || m.Enterprises[0].USCC != testUSCC(701) ||
		strings.Join(m.IntendedFields, ",") != "ecommerce,tea" {
		t.Fatalf("created = %+v", m)
	}
	if e.auditCount("merchant.create", m.PersonID) != 1 {
		t.Fatal("create not audited")
	}
	path := fmt.Sprintf("/admin/api/v1/merchants/%d", m.PersonID)
	r := e.do("GET", path, admin, nil)
	expect(t, r, 200, "")
	if strings.Contains(string(r.Body), idNumber(701)) || strings.Contains(string(r.Body), "13700000701") {
		t.Fatalf("get shows personal information: %s", r.Body)
	}

	// The same person again is 409; a person with another name is PERSON_EXISTS.
	expect(t, e.do("POST", "/admin/api/v1/merchants", admin, merchantForm(701, "990101", "13", "广东省", "")), 409, "MERCHANT_EXISTS")
	other := merchantForm(701, "990101", "13", "广东省", "")
	other["name"] = "王五"
	expect(t, e.do("POST", "/admin/api/v1/merchants", admin, other), 409, "PERSON_EXISTS")

	// Reveal: a reason is needed; the reveal is audited with it.
	expect(t, e.do("POST", path+"/reveal", admin, map[string]string{"reason": ""}), 422, "VALIDATION_FAILED")
	r = e.do("POST", path+"/reveal", admin, map[string]string{"reason": "联系招商洽谈"})
	expect(t, r, 200, "")
	var clear struct{ IDCard, Phone string }
	r.json(t, &clear)
	if !strings.Contains(string(r.Body), idNumber(701)) || !strings.Contains(string(r.Body), "13700000701") {
		t.Fatalf("reveal = %s", r.Body)
	}
	if e.auditCount("merchant.reveal", m.PersonID) != 1 {
		t.Fatal("reveal not audited")
	}

	// Patch at version 1 wins; again at version 1 is stale.
	r = e.do("PATCH", path, admin, map[string]any{"version": 1, "amount_band": "ge_10000"})
	expect(t, r, 200, "")
	var m2 merchantAnswer
	r.json(t, &m2)
	if m2.Version != 2 || m2.AmountBand != "ge_10000" || m2.IntendedFields[0] != "ecommerce" {
		t.Fatalf("patched = %+v", m2)
	}
	expect(t, e.do("PATCH", path, admin, map[string]any{"version": 1, "amount_band": "lt_100"}), 409, "STALE_VERSION")
	expect(t, e.do("PATCH", path, admin, map[string]any{"amount_band": "lt_100"}), 422, "VALIDATION_FAILED")
	if e.auditCount("merchant.update", m.PersonID) != 1 {
		t.Fatal("update not audited")
	}

	// Bad values name their field.
	for field, v := range map[string]any{"industry_code": "99", "amount_band": "lots", "township_code": "区", "intended_fields": []string{"区"},
		"size_band": "huge", "preferred_township": "123"} {
		body := merchantForm(702, "990101", "13", "广东省", "")
		body[field] = v
		r := e.do("POST", "/admin/api/v1/merchants", admin, body)
		expect(t, r, 422, "VALIDATION_FAILED")
		if !strings.Contains(string(r.Body), `"field":"`+field+`"`) {
			t.Errorf("%s: %s", field, r.Body)
		}
	}
	body := merchantForm(702, "990101", "13", "广东省", "")
	body["enterprises"] = []map[string]any{{"name": "某公司", "uscc": testUSCC(702)[:17] + "0"}}
	if testUSCC(702)[17] == '0' {
		body["enterprises"] = []map[string]any{{"name": "某公司", "uscc": testUSCC(702)[:17] + "1"}}
	}
	expect(t, e.do("POST", "/admin/api/v1/merchants", admin, body), 422, "VALIDATION_FAILED")
	// Another merchant's credit code is refused.
	body = merchantForm(702, "990101", "13", "广东省", "")
	body["enterprises"] = []map[string]any{{"name": "某公司", "uscc": testUSCC(701)}}
	expect(t, e.do("POST", "/admin/api/v1/merchants", admin, body), 409, "USCC_TAKEN")
}

// The list narrows by industry (section or division), region and intention; the counts are of
// the whole filtered list; the freshness report counts records confirmed within the window.
func TestMerchant_filtersCountsAndFreshness(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	seedRegions(t, e)
	admin := e.staffToken("admin", adminPasswd)
	a := e.createMerchant(admin, merchantForm(711, "990101", "13", "广东省", "1000_5000", "tea"))
	e.createMerchant(admin, merchantForm(712, "990101", "15", "广东省", "100_1000", "tea", "ecommerce"))
	e.createMerchant(admin, merchantForm(713, "990102", "65", "浙江省", "1000_5000", "ecommerce"))
	d := e.createMerchant(admin, merchantForm(714, "990102", "E", "湖北省", ""))

	type listAnswer struct {
		Items []struct {
			PersonID int64 `json:"person_id"`
			Fresh    bool  `json:"fresh"`
		} `json:"items"`
		Total  int `json:"total"`
		Counts struct {
			Industry []struct {
				Code, Name string
				Count      int
			} `json:"industry"`
			Province []struct {
				Code, Name string
				Count      int
			} `json:"province"`
			Township []struct {
				Code, Name string
				Count      int
			} `json:"township"`
			Field []struct {
				Code, Name string
				Count      int
			} `json:"field"`
			AmountBand []struct {
				Code, Name string
				Count      int
			} `json:"amount_band"`
		} `json:"counts"`
	}
	list := func(q string) listAnswer {
		t.Helper()
		r := e.do("GET", "/admin/api/v1/merchants"+q, admin, nil)
		expect(t, r, 200, "")
		var l listAnswer
		r.json(t, &l)
		return l
	}
	for q, want := range map[string]int{
		"": 4, "?industry=C": 2, "?industry=13": 1, "?industry=I": 1, "?industry=E": 1, "?province=广东省": 2,
		"?province=广东省&city=某市": 2, "?township=990102": 2, "?field=tea": 2, "?field=ecommerce": 2,
		"?amount_band=1000_5000": 2, "?industry=C&field=tea&amount_band=1000_5000": 1, "?industry=A": 0,
	} {
		if l := list(q); l.Total != want || len(l.Items) != want {
			t.Errorf("%s: total %d, %d items, want %d", q, l.Total, len(l.Items), want)
		}
	}
	l := list("?industry=C")
	if len(l.Counts.Industry) != 1 || l.Counts.Industry[0].Code != "C" || l.Counts.Industry[0].Count != 2 || l.Counts.Industry[0].Name != "制造业" {
		t.Errorf("industry counts = %+v", l.Counts.Industry)
	}
	if len(l.Counts.Field) != 2 || l.Counts.Field[0].Code != "ecommerce" || l.Counts.Field[0].Count != 1 || l.Counts.Field[1].Count != 2 || l.Counts.Field[0].Name == "" {
		t.Errorf("field counts = %+v", l.Counts.Field)
	}
	l = list("")
	if len(l.Counts.Township) != 2 || l.Counts.Township[0].Count != 2 || l.Counts.Township[1].Name != "贺胜桥镇" ||
		len(l.Counts.Province) != 3 || l.Counts.Province[0].Code != "广东省" || l.Counts.Province[0].Count != 2 {
		t.Errorf("counts = %+v", l.Counts)
	}
	if l := list("?page=2&page_size=3"); len(l.Items) != 1 || l.Total != 4 {
		t.Errorf("page 2 = %+v", l)
	}
	for _, q := range []string{"?industry=区", "?industry=ZZ", "?amount_band=lots", "?province=" + strings.Repeat("省", 40), "?township=区"} {
		expect(t, e.do("GET", "/admin/api/v1/merchants"+q, admin, nil), 400, "VALIDATION_FAILED")
	}

	// One record of four was last confirmed 200 days ago: 75 % fresh in 180 days.
	if _, err := e.db.Exec(`UPDATE merchants SET confirmed_at = DATE_SUB(UTC_TIMESTAMP(3), INTERVAL 200 DAY) WHERE person_id = ?`, d.PersonID); err != nil {
		t.Fatal(err)
	}
	type rate struct {
		Code         string
		Total, Fresh int
		Rate         float64
	}
	var f struct {
		Days        int     `json:"days"`
		Target      float64 `json:"target"`
		Total       int     `json:"total"`
		Fresh       int     `json:"fresh"`
		Rate        float64 `json:"rate"`
		MeetsTarget bool    `json:"meets_target"`
		Industry    []rate  `json:"industry"`
		Township    []rate  `json:"township"`
		Province    []rate  `json:"province"`
		Field       []rate  `json:"field"`
	}
	r := e.do("GET", "/admin/api/v1/merchants/freshness", admin, nil)
	expect(t, r, 200, "")
	r.json(t, &f)
	if f.Days != 180 || f.Target != 0.9 || f.Total != 4 || f.Fresh != 3 || f.Rate != 0.75 || f.MeetsTarget {
		t.Fatalf("freshness = %s", r.Body)
	}
	byCode := func(rs []rate, code string) rate {
		for _, x := range rs {
			if x.Code == code {
				return x
			}
		}
		t.Fatalf("no %s in %+v", code, rs)
		return rate{}
	}
	if x := byCode(f.Township, "990102"); x.Total != 2 || x.Fresh != 1 || x.Rate != 0.5 {
		t.Errorf("township rate = %+v", x)
	}
	if x := byCode(f.Industry, "E"); x.Total != 1 || x.Fresh != 0 || x.Rate != 0 {
		t.Errorf("industry rate = %+v", x)
	}
	if x := byCode(f.Industry, "C"); x.Total != 2 || x.Fresh != 2 || x.Rate != 1 {
		t.Errorf("industry C rate = %+v", x)
	}
	// A wider window counts it fresh; the list marks it stale.
	r = e.do("GET", "/admin/api/v1/merchants/freshness?days=365", admin, nil)
	expect(t, r, 200, "")
	r.json(t, &f)
	if f.Fresh != 4 || f.Rate != 1 || !f.MeetsTarget {
		t.Errorf("365 days = %s", r.Body)
	}
	expect(t, e.do("GET", "/admin/api/v1/merchants/freshness?days=0", admin, nil), 400, "VALIDATION_FAILED")
	for _, it := range list("?township=990102").Items {
		if it.Fresh != (it.PersonID != d.PersonID) {
			t.Errorf("fresh of %d = %v", it.PersonID, it.Fresh)
		}
	}
	// Staff saving the record unchanged confirms it.
	r = e.do("PATCH", fmt.Sprintf("/admin/api/v1/merchants/%d", d.PersonID), admin, map[string]any{"version": 1})
	expect(t, r, 200, "")
	var dm merchantAnswer
	r.json(t, &dm)
	if !dm.Fresh || dm.Version != 1 || e.auditCount("merchant.confirm", d.PersonID) != 1 {
		t.Errorf("confirmed by staff = %s", r.Body)
	}
	_ = a
}

// Township staff see and write only merchants whose hometown is their township; departments
// see all but may not reveal.
func TestMerchant_townshipScoping(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	seedRegions(t, e)
	admin := e.staffToken("admin", adminPasswd)
	mine := e.createMerchant(admin, merchantForm(721, "990102", "13", "广东省", ""))
	theirs := e.createMerchant(admin, merchantForm(722, "990101", "13", "广东省", ""))
	clerk := e.staffOf("hsq_clerk", "township", "990102")
	dept := e.staffOf("zs_clerk", "department", "")

	r := e.do("GET", "/admin/api/v1/merchants", clerk, nil)
	expect(t, r, 200, "")
	var l struct {
		Items []struct {
			PersonID int64 `json:"person_id"`
		} `json:"items"`
		Total int `json:"total"`
	}
	r.json(t, &l)
	if l.Total != 1 || l.Items[0].PersonID != mine.PersonID {
		t.Fatalf("clerk's list = %s", r.Body)
	}
	other := fmt.Sprintf("/admin/api/v1/merchants/%d", theirs.PersonID)
	expect(t, e.do("GET", other, clerk, nil), 404, "NOT_FOUND")
	expect(t, e.do("PATCH", other, clerk, map[string]any{"version": 1, "amount_band": "lt_100"}), 404, "NOT_FOUND")
	expect(t, e.do("POST", other+"/reveal", clerk, map[string]string{"reason": "核实身份"}), 404, "NOT_FOUND")
	expect(t, e.do("POST", "/admin/api/v1/merchants", clerk, merchantForm(723, "990101", "13", "广东省", "")), 403, "FORBIDDEN")
	// Moving one's own merchant to another township is refused too.
	own := fmt.Sprintf("/admin/api/v1/merchants/%d", mine.PersonID)
	expect(t, e.do("PATCH", own, clerk, map[string]any{"version": 1, "township_code": "990101"}), 403, "FORBIDDEN")
	expect(t, e.do("GET", own, clerk, nil), 200, "")
	expect(t, e.do("POST", own+"/reveal", clerk, map[string]string{"reason": "核实身份"}), 200, "")
	e.createMerchant(clerk, merchantForm(724, "990102", "13", "广东省", ""))
	r = e.do("GET", "/admin/api/v1/merchants/freshness", clerk, nil)
	expect(t, r, 200, "")
	if !strings.Contains(string(r.Body), `"total":2,`) {
		t.Errorf("clerk's freshness = %s", r.Body)
	}

	// A department sees every township, writes, and may not reveal.
	r = e.do("GET", "/admin/api/v1/merchants", dept, nil)
	expect(t, r, 200, "")
	r.json(t, &l)
	if l.Total != 3 {
		t.Errorf("department's list = %s", r.Body)
	}
	expect(t, e.do("GET", other, dept, nil), 200, "")
	expect(t, e.do("POST", other+"/reveal", dept, map[string]string{"reason": "核实身份"}), 403, "FORBIDDEN")
}

// A signed-in user registers their own merchant record: with a person already (a returnee) they
// send the record alone; without one they send name and ID number. They read it masked, save it
// again (a confirmation), confirm it, and a stale version is 409.
func TestMyMerchant_putGetConfirm(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	seedRegions(t, e)
	tok, pid := e.alumnus("o_merchant1", 731)
	expect(t, e.do("GET", "/api/v1/me/merchant", tok, nil), 404, "NOT_REGISTERED")
	expect(t, e.do("POST", "/api/v1/me/merchant/confirm", tok, nil), 404, "NOT_REGISTERED")

	body := merchantForm(731, "990101", "13", "广东省", "1000_5000", "tea")
	delete(body, "name")
	delete(body, "id_card")
	delete(body, "phone")
	body["source"] = "chamber" // ignored: a user's own record is "self"
	r := e.do("PUT", "/api/v1/me/merchant", tok, body)
	expect(t, r, 200, "")
	var m merchantAnswer
	r.json(t, &m)
	if m.PersonID != pid || m.Source != "self" || m.Version != 1 || m.Name != "张三" || !strings.HasPrefix(m.Phone, "139****") {
		t.Fatalf("saved = %s", r.Body)
	}
	// The window and the date the record goes stale (Beijing date), for the mini program's banner.
	if m.FreshDays != 180 || !m.Fresh || m.ConfirmDueOn != dueOn(t, m.ConfirmedAt, 180) {
		t.Fatalf("saved window = %s", r.Body)
	}
	r = e.do("GET", "/api/v1/me/merchant", tok, nil)
	expect(t, r, 200, "")
	if strings.Contains(string(r.Body), idNumber(731)) {
		t.Fatalf("own record unmasked: %s", r.Body)
	}
	// The same body again only confirms; a change bumps the version; a stale version is 409.
	r = e.do("PUT", "/api/v1/me/merchant", tok, body)
	expect(t, r, 200, "")
	r.json(t, &m)
	if m.Version != 1 {
		t.Fatalf("same body = %s", r.Body)
	}
	body["amount_band"] = "ge_10000"
	body["version"] = 1
	r = e.do("PUT", "/api/v1/me/merchant", tok, body)
	expect(t, r, 200, "")
	r.json(t, &m)
	if m.Version != 2 || m.AmountBand != "ge_10000" {
		t.Fatalf("changed = %s", r.Body)
	}
	expect(t, e.do("PUT", "/api/v1/me/merchant", tok, body), 409, "STALE_VERSION")
	if _, err := e.db.Exec(`UPDATE merchants SET confirmed_at = DATE_SUB(UTC_TIMESTAMP(3), INTERVAL 400 DAY) WHERE person_id = ?`, pid); err != nil {
		t.Fatal(err)
	}
	// A stale record says so and since when it was due.
	r = e.do("GET", "/api/v1/me/merchant", tok, nil)
	expect(t, r, 200, "")
	r.json(t, &m)
	if m.Fresh || m.FreshDays != 180 || m.ConfirmDueOn != dueOn(t, m.ConfirmedAt, 180) ||
		m.ConfirmDueOn >= time.Now().In(cn.Zone).Format("2006-01-02") {
		t.Fatalf("stale = %s", r.Body)
	}
	r = e.do("POST", "/api/v1/me/merchant/confirm", tok, nil)
	expect(t, r, 200, "")
	r.json(t, &m)
	if !m.Fresh || m.Version != 2 || m.FreshDays != 180 || m.ConfirmDueOn != dueOn(t, m.ConfirmedAt, 180) {
		t.Fatalf("confirmed = %s", r.Body)
	}

	// A user without a person needs name and ID number, consent and a bound phone.
	fresh := e.registrant("o_merchant2", "13911110732")
	body = merchantForm(732, "990102", "65", "浙江省", "")
	delete(body, "name")
	delete(body, "id_card")
	r = e.do("PUT", "/api/v1/me/merchant", fresh, body)
	expect(t, r, 422, "VALIDATION_FAILED")
	if !strings.Contains(string(r.Body), `"field":"id_card"`) {
		t.Fatalf("no person = %s", r.Body)
	}
	body["name"], body["id_card"] = "赵六", idNumber(732)
	r = e.do("PUT", "/api/v1/me/merchant", fresh, body)
	expect(t, r, 200, "")
	r.json(t, &m)
	if m.Name != "赵六" || m.Phone != "139****0732" || m.Source != "self" {
		t.Fatalf("new person = %s", r.Body)
	}
	unbound := e.signIn("o_merchant3").Token
	body = merchantForm(733, "990102", "65", "浙江省", "")
	expect(t, e.do("PUT", "/api/v1/me/merchant", unbound, body), 422, "PHONE_NOT_BOUND")
	noConsent := e.signInOnly("o_merchant4").Token
	expect(t, e.do("PUT", "/api/v1/me/merchant", noConsent, body), 422, "")
}

// Parallel edits of one record at the same version: exactly one wins, the others are told the
// record changed; parallel first saves of one user make one record.
func TestMerchant_concurrentPatchOneWins(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	seedRegions(t, e)
	admin := e.staffToken("admin", adminPasswd)
	m := e.createMerchant(admin, merchantForm(741, "990101", "13", "广东省", ""))
	path := fmt.Sprintf("/admin/api/v1/merchants/%d", m.PersonID)
	const n = 8
	statuses := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := e.do("PATCH", path, admin, map[string]any{"version": 1, "chamber_roles": fmt.Sprintf("商会理事 %d", i)})
			statuses[i] = r.Status
		}()
	}
	wg.Wait()
	won := 0
	for _, s := range statuses {
		switch s {
		case 200:
			won++
		case 409:
		default:
			t.Errorf("status %d", s)
		}
	}
	if won != 1 {
		t.Fatalf("%d of %d won: %v", won, n, statuses)
	}
	r := e.do("GET", path, admin, nil)
	var got merchantAnswer
	r.json(t, &got)
	if got.Version != 2 {
		t.Fatalf("version = %d", got.Version)
	}

	tok, pid := e.alumnus("o_merchant_par", 742)
	body := merchantForm(742, "990101", "13", "广东省", "")
	delete(body, "name")
	delete(body, "id_card")
	delete(body, "enterprises")
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i] = e.do("PUT", "/api/v1/me/merchant", tok, body).Status
		}()
	}
	wg.Wait()
	for _, s := range statuses {
		if s != 200 {
			t.Errorf("parallel first save: %v", statuses)
			break
		}
	}
	var count int
	if err := e.db.Get(&count, `SELECT COUNT(*) FROM merchants WHERE person_id = ?`, pid); err != nil || count != 1 {
		t.Fatalf("merchants of the user: %d, %v", count, err)
	}

	// Parallel changes of the user's own record at one version: one wins.
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b := map[string]any{}
			for k, v := range body {
				b[k] = v
			}
			b["version"], b["chamber_roles"] = 1, fmt.Sprintf("商会会员 %d", i)
			statuses[i] = e.do("PUT", "/api/v1/me/merchant", tok, b).Status
		}()
	}
	wg.Wait()
	won = 0
	for _, s := range statuses {
		switch s {
		case 200:
			won++
		case 409:
		default:
			t.Errorf("status %d", s)
		}
	}
	if won != 1 {
		t.Fatalf("own record: %d of %d won: %v", won, n, statuses)
	}
}

// TestHostileInput_merchantBodies_no5xx: every code field of a merchant body with hostile values
// answers 4xx, never 500.
func TestHostileInput_merchantBodies_no5xx(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	seedRegions(t, e)
	admin := e.staffToken("admin", adminPasswd)
	user, _ := e.alumnus("hostile-merchant", 751)
	m := e.createMerchant(admin, merchantForm(752, "990101", "13", "广东省", ""))
	path := fmt.Sprintf("/admin/api/v1/merchants/%d", m.PersonID)
	fields := []string{"township_code", "industry_code", "size_band", "revenue_band", "operating_status", "amount_band", "timing",
		"preferred_township", "source", "biz_province", "biz_city", "chamber_roles", "name", "id_card", "phone"}
	for _, v := range hostileValues {
		for _, f := range fields {
			body := merchantForm(753, "990101", "13", "广东省", "")
			body[f] = v
			for _, c := range []struct{ method, path, token string }{
				{"POST", "/admin/api/v1/merchants", admin}, {"PATCH", path, admin}, {"PUT", "/api/v1/me/merchant", user},
			} {
				if c.method == "PATCH" {
					body["version"] = 1
				}
				if r := e.do(c.method, c.path, c.token, body); r.Status >= 500 {
					t.Errorf("%s %s %s=%.40q: %d %.300s", c.method, c.path, f, v, r.Status, r.Body)
				}
			}
		}
		body := merchantForm(754, "990101", "13", "广东省", "")
		body["intended_fields"] = []string{v}
		body["enterprises"] = []map[string]any{{"name": v, "uscc": v, "industry_code": v, "province": v, "size_band": v, "status": v}}
		if r := e.do("POST", "/admin/api/v1/merchants", admin, body); r.Status >= 500 {
			t.Errorf("enterprise %.40q: %d %.300s", v, r.Status, r.Body)
		}
		for _, q := range []string{"industry", "province", "city", "township", "field", "amount_band"} {
			if r := e.do("GET", "/admin/api/v1/merchants?"+q+"="+strings.ReplaceAll(url.QueryEscape(v), "+", "%20"), admin, nil); r.Status >= 500 {
				t.Errorf("filter %s=%.40q: %d", q, v, r.Status)
			}
		}
	}
}

// dueOn is the Beijing date a record confirmed at confirmedAt (RFC 3339) stays fresh until.
func dueOn(t *testing.T, confirmedAt string, days int) string {
	t.Helper()
	at, err := time.Parse(time.RFC3339Nano, confirmedAt)
	if err != nil {
		t.Fatalf("confirmed_at %q: %v", confirmedAt, err)
	}
	return at.AddDate(0, 0, days).In(cn.Zone).Format("2006-01-02")
}
