package httpapi_test

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"huixiang/internal/region"
	"huixiang/internal/wxfake"
)

// idNumber returns a valid identity card number (GB 11643 check character) for seq.
func idNumber(seq int) string {
	s17 := fmt.Sprintf("42120219900101%03d", seq%1000)
	w := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i := range 17 {
		sum += int(s17[i]-'0') * w[i]
	}
	return s17 + string("10X98765432"[sum%11])
}

// seedRegions puts two townships with two villages each into the env's database.
func seedRegions(t *testing.T, e *env) {
	t.Helper()
	district := "990100"
	ctx := t.Context()
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(region.Upsert(ctx, e.db, region.Region{Code: district, Level: 1, Name: "咸安区", IsDemo: true}, 0))
	for i, tw := range []struct{ code, name string }{{"990101", "官埠桥镇"}, {"990102", "贺胜桥镇"}} {
		must(region.Upsert(ctx, e.db, region.Region{Code: tw.code, ParentCode: &district, Level: 2, Name: tw.name, IsDemo: true}, i))
		for j := 1; j <= 2; j++ {
			must(region.Upsert(ctx, e.db, region.Region{Code: fmt.Sprintf("%s%03d", tw.code, j), ParentCode: &tw.code, Level: 3,
				Name: fmt.Sprintf("%s%d村", tw.name, j), IsDemo: true}, j))
		}
	}
}

// registrant is a signed-in user with a bound phone.
func (e *env) registrant(openid, phone string) string {
	e.t.Helper()
	tok := e.signIn(openid).Token
	expect(e.t, e.do("POST", "/api/v1/me/phone", tok, map[string]string{"code": e.wx.IssuePhoneCode(phone)}), 200, "")
	return tok
}

func form(seq int, township string) map[string]any {
	return map[string]any{
		"name": "张三", "id_card": idNumber(seq), "township_code": township, "village_code": township + "001",
		"status": "returned", "left_on": "2012-03-01", "returned_on": "2025-02-01",
		"work_province": "广东省", "work_city": "东莞市", "industry": "电子制造", "years_away": 12,
		"skills": []string{"electrician", "welder"}, "skills_text": "会电焊，会开叉车", "certificates": "低压电工证",
		"education": "senior", "intention": "preparing", "intended_fields": []string{"tea", "ecommerce"},
		"needs": []string{"funds", "training"},
	}
}

type recordAnswer struct {
	PersonID      int64    `json:"person_id"`
	Name          string   `json:"name"`
	IDCard        string   `json:"id_card"`
	Phone         string   `json:"phone"`
	Gender        string   `json:"gender"`
	BirthDate     string   `json:"birth_date"`
	TownshipName  string   `json:"township_name"`
	VillageName   string   `json:"village_name"`
	Skills        []string `json:"skills"`
	Needs         []string `json:"needs"`
	ContentReview string   `json:"content_review"`
	Claimed       bool     `json:"claimed"`
	Source        string   `json:"source"`
	Version       int      `json:"version"`
	ConfirmedAt   string   `json:"confirmed_at"`
	Business      *struct {
		USCC string `json:"uscc"`
	} `json:"business"`
}

func TestMyReturnee_registerReadUpdateConfirm(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	seedRegions(t, e)
	tok := e.registrant("o_reg1", "13811112222")
	expect(t, e.do("GET", "/api/v1/me/returnee", tok, nil), 404, "NOT_REGISTERED")

	r := e.do("PUT", "/api/v1/me/returnee", tok, form(1, "990101"))
	expect(t, r, 200, "")
	var rec recordAnswer
	r.json(t, &rec)
	if rec.IDCard != "4212**********"+idNumber(1)[14:] || rec.Phone != "138****2222" || rec.Gender != "M" || rec.BirthDate != "1990-01-01" ||
		rec.TownshipName != "官埠桥镇" || rec.Version != 1 || rec.Source != "self" || !rec.Claimed || rec.ContentReview != "ok" {
		t.Fatalf("record = %s", r.Body)
	}
	if strings.Contains(string(r.Body), idNumber(1)) || strings.Contains(string(r.Body), "13811112222") {
		t.Fatalf("answer shows personal information unmasked: %s", r.Body)
	}

	// The same form again is idempotent: no new version, only a confirmation.
	again := e.do("PUT", "/api/v1/me/returnee", tok, form(1, "990101"))
	expect(t, again, 200, "")
	var rec2 recordAnswer
	again.json(t, &rec2)
	if rec2.Version != 1 || rec2.PersonID != rec.PersonID {
		t.Fatalf("identical PUT changed the record: %s", again.Body)
	}

	f := form(1, "990101")
	f["needs"] = []string{"mentor"}
	f["village_code"] = "990101002"
	upd := e.do("PUT", "/api/v1/me/returnee", tok, f)
	expect(t, upd, 200, "")
	upd.json(t, &rec2)
	if rec2.Version != 2 || len(rec2.Needs) != 1 || rec2.Needs[0] != "mentor" {
		t.Fatalf("update = %s", upd.Body)
	}
	var fields string
	e.db.Get(&fields, "SELECT fields FROM record_changes WHERE person_id = ? AND action = 'update' ORDER BY id DESC LIMIT 1", rec.PersonID)
	if fields != `["needs", "village_code"]` && fields != `["needs","village_code"]` {
		t.Fatalf("history fields = %s", fields)
	}
	expect(t, e.do("POST", "/api/v1/me/returnee/confirm", tok, nil), 200, "")
	var n int
	e.db.Get(&n, "SELECT COUNT(*) FROM record_changes WHERE person_id = ? AND action = 'confirm' AND source = 'self'", rec.PersonID)
	if n != 2 {
		t.Fatalf("confirmations in history = %d, want 2", n)
	}

	// Encrypted at rest.
	var raw struct {
		Enc []byte `db:"id_card_enc"`
		Idx []byte `db:"id_card_idx"`
	}
	e.db.Get(&raw, "SELECT id_card_enc, id_card_idx FROM persons WHERE id = ?", rec.PersonID)
	if bytes.Contains(raw.Enc, []byte(idNumber(1)[6:14])) || len(raw.Idx) != 32 {
		t.Fatal("ID number readable in MySQL")
	}
}

func TestMyReturnee_badInput_422NamingTheField(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	seedRegions(t, e)
	tok := e.registrant("o_bad", "13822223333")
	cases := []struct {
		name   string
		change func(map[string]any)
		code   string
		field  string
	}{
		{"bad checksum", func(f map[string]any) { f["id_card"] = idNumber(2)[:17] + "0" }, "ID_CARD_INVALID", "id_card"},
		{"short id", func(f map[string]any) { f["id_card"] = "4212021990" }, "ID_CARD_INVALID", "id_card"},
		{"unknown township", func(f map[string]any) { f["township_code"] = "990199" }, "REGION_UNKNOWN", "township_code"},
		{"village of another township", func(f map[string]any) { f["village_code"] = "990102001" }, "REGION_UNKNOWN", "village_code"},
		{"bad uscc", func(f map[string]any) {
			f["intention"] = "started"
			f["business"] = map[string]any{"name": "茶叶店", "type": "individual", "uscc": "91350100M000100Y44"}
		}, "USCC_INVALID", "business.uscc"},
		{"text too long", func(f map[string]any) { f["skills_text"] = strings.Repeat("焊", 501) }, "FIELD_TOO_LONG", "skills_text"},
		{"unknown skill", func(f map[string]any) { f["skills"] = []string{"astronaut"} }, "VALIDATION_FAILED", "skills"},
		{"returned without date", func(f map[string]any) { delete(f, "returned_on") }, "VALIDATION_FAILED", "returned_on"},
		{"missing name", func(f map[string]any) { f["name"] = " " }, "VALIDATION_FAILED", "name"},
		{"future return date", func(f map[string]any) { f["returned_on"] = "2099-01-01" }, "VALIDATION_FAILED", "returned_on"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := form(2, "990101")
			tc.change(f)
			r := e.do("PUT", "/api/v1/me/returnee", tok, f)
			expect(t, r, 422, tc.code)
			if !strings.Contains(string(r.Body), `"field":"`+tc.field+`"`) {
				t.Fatalf("error does not name %s: %s", tc.field, r.Body)
			}
		})
	}
	t.Run("bad date format is 400", func(t *testing.T) {
		f := form(2, "990101")
		f["left_on"] = "2012/03/01"
		expect(t, e.do("PUT", "/api/v1/me/returnee", tok, f), 400, "BAD_REQUEST")
	})
	var n int
	e.db.Get(&n, "SELECT COUNT(*) FROM persons")
	if n != 0 {
		t.Fatalf("bad input stored %d persons", n)
	}
	t.Run("no phone bound", func(t *testing.T) {
		tok := e.signIn("o_nophone").Token
		expect(t, e.do("PUT", "/api/v1/me/returnee", tok, form(3, "990101")), 422, "PHONE_NOT_BOUND")
	})
}

func TestMyReturnee_oneIDOnePerson(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	seedRegions(t, e)
	alice := e.registrant("o_alice2", "13833334444")
	expect(t, e.do("PUT", "/api/v1/me/returnee", alice, form(4, "990101")), 200, "")

	t.Run("another account, same ID", func(t *testing.T) {
		mallory := e.registrant("o_mallory", "13899998888")
		r := e.do("PUT", "/api/v1/me/returnee", mallory, form(4, "990102"))
		expect(t, r, 409, "PERSON_ALREADY_REGISTERED")
		if strings.Contains(string(r.Body), "张三") || strings.Contains(string(r.Body), "官埠桥") {
			t.Fatalf("the refusal reveals the person: %s", r.Body)
		}
	})
	t.Run("same account, another ID", func(t *testing.T) {
		expect(t, e.do("PUT", "/api/v1/me/returnee", alice, form(5, "990101")), 409, "ID_CARD_MISMATCH")
	})
}

func TestMyReturnee_50ParallelRegistrationsOfOneID(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	seedRegions(t, e)
	const n = 50
	tokens := make([]string, n)
	for i := range tokens {
		tokens[i] = e.registrant(fmt.Sprintf("o_par_%d", i), fmt.Sprintf("139%08d", i))
	}
	statuses := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			// 503 BUSY (a race the database kept losing, retried three times already) tells the
			// mini program to try again after Retry-After, as it does: so does the test, and
			// then every answer is decided.
			for range 5 {
				if statuses[i] = e.do("PUT", "/api/v1/me/returnee", tokens[i], form(6, "990101")).Status; statuses[i] != 503 {
					return
				}
				time.Sleep(200 * time.Millisecond)
			}
		})
	}
	wg.Wait()
	ok, conflict := 0, 0
	for _, s := range statuses {
		switch s {
		case 200:
			ok++
		case 409:
			conflict++
		}
	}
	var persons, returnees int
	e.db.Get(&persons, "SELECT COUNT(*) FROM persons")
	e.db.Get(&returnees, "SELECT COUNT(*) FROM returnees")
	if ok != 1 || conflict != n-1 || persons != 1 || returnees != 1 {
		t.Fatalf("200s=%d 409s=%d persons=%d returnees=%d; want 1, %d, 1, 1 (statuses %v)", ok, conflict, persons, returnees, n-1, statuses)
	}

	// One account sending the same registration 50 times at once: all succeed, one person.
	solo := e.registrant("o_solo", "13700000001")
	for i := range n {
		wg.Go(func() {
			for range 5 { // 503 BUSY is retried, as above
				if statuses[i] = e.do("PUT", "/api/v1/me/returnee", solo, form(7, "990102")).Status; statuses[i] != 503 {
					return
				}
				time.Sleep(200 * time.Millisecond)
			}
		})
	}
	wg.Wait()
	for _, s := range statuses {
		if s != 200 {
			t.Fatalf("idempotent parallel PUTs: statuses %v", statuses)
		}
	}
	e.db.Get(&persons, "SELECT COUNT(*) FROM persons")
	if persons != 2 {
		t.Fatalf("persons = %d, want 2", persons)
	}
}

func TestMyReturnee_claimsStaffEnteredRecord(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	seedRegions(t, e)
	admin := e.staffToken("admin", adminPasswd)
	f := form(8, "990101")
	f["phone"] = "13655556666"
	r := e.do("POST", "/admin/api/v1/returnees", admin, f)
	expect(t, r, 201, "")
	var staffRec recordAnswer
	r.json(t, &staffRec)
	if staffRec.Source != "grid" || staffRec.Claimed {
		t.Fatalf("staff-entered = %s", r.Body)
	}

	other := e.registrant("o_notme", "13600000000")
	expect(t, e.do("PUT", "/api/v1/me/returnee", other, form(8, "990101")), 409, "PERSON_ALREADY_REGISTERED")

	me := e.registrant("o_me", "13655556666")
	claim := e.do("PUT", "/api/v1/me/returnee", me, form(8, "990101"))
	expect(t, claim, 200, "")
	var rec recordAnswer
	claim.json(t, &rec)
	if rec.PersonID != staffRec.PersonID || !rec.Claimed {
		t.Fatalf("claim = %s", claim.Body)
	}
	var n int
	e.db.Get(&n, "SELECT COUNT(*) FROM audit_log WHERE action = 'person.claimed' AND target_id = ?", fmt.Sprint(rec.PersonID))
	if n != 1 {
		t.Fatalf("claim audit rows = %d", n)
	}
}

func TestMyReturnee_contentSecurity(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	seedRegions(t, e)
	tok := e.registrant("o_text", "13511112222")
	e.wx.SetRiskyWords("赌博")
	f := form(9, "990101")
	f["skills_text"] = "擅长网络赌博"
	expect(t, e.do("PUT", "/api/v1/me/returnee", tok, f), 422, "CONTENT_REJECTED")
	expect(t, e.do("GET", "/api/v1/me/returnee", tok, nil), 404, "NOT_REGISTERED")

	e.wx.SetOutage(wxfake.OutageHTTP502)
	r := e.do("PUT", "/api/v1/me/returnee", tok, form(9, "990101"))
	e.wx.SetOutage(wxfake.OutageNone)
	expect(t, r, 200, "")
	var rec recordAnswer
	r.json(t, &rec)
	if rec.ContentReview != "pending" {
		t.Fatalf("WeChat down: content_review = %q, want pending (saved and flagged)", rec.ContentReview)
	}
	admin := e.staffToken("admin", adminPasswd)
	list := e.do("GET", "/admin/api/v1/returnees?content_review=pending", admin, nil)
	if !strings.Contains(string(list.Body), `"total":1`) {
		t.Fatalf("flagged records: %s", list.Body)
	}
}

func TestStaffReturnees_scopeRevealPatchHistory(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	seedRegions(t, e)
	admin := e.staffToken("admin", adminPasswd)
	for _, acc := range []map[string]string{
		{"username": "town1", "password": "Township12345", "role": "township", "township_code": "990101"},
		{"username": "hrss", "password": "Department123", "role": "department", "department": "区人社局"},
	} {
		expect(t, e.do("POST", "/admin/api/v1/staff", admin, acc), 201, "")
	}
	town := e.staffToken("town1", "Township12345")
	dept := e.staffToken("hrss", "Department123")

	mk := func(tok string, seq int, township string, status int) recordAnswer {
		f := form(seq, township)
		f["phone"] = fmt.Sprintf("1380000%04d", seq)
		r := e.do("POST", "/admin/api/v1/returnees", tok, f)
		expect(t, r, status, "")
		var rec recordAnswer
		if status == 201 {
			r.json(t, &rec)
		}
		return rec
	}
	mine := mk(town, 10, "990101", 201)
	theirs := mk(admin, 11, "990102", 201)
	t.Run("township staff cannot enter another township", func(t *testing.T) {
		r := e.do("POST", "/admin/api/v1/returnees", town, map[string]any{"name": "李四", "id_card": idNumber(12), "phone": "13800001234",
			"township_code": "990102", "village_code": "990102001", "status": "away"})
		expect(t, r, 403, "FORBIDDEN")
	})
	t.Run("duplicate entry 409", func(t *testing.T) {
		mk(admin, 10, "990101", 409)
	})
	t.Run("township staff see only their township", func(t *testing.T) {
		r := e.do("GET", "/admin/api/v1/returnees?township=990102", town, nil)
		if !strings.Contains(string(r.Body), `"total":0`) {
			t.Fatalf("other township visible: %s", r.Body)
		}
		expect(t, e.do("GET", fmt.Sprintf("/admin/api/v1/returnees/%d", theirs.PersonID), town, nil), 404, "NOT_FOUND")
		expect(t, e.do("PATCH", fmt.Sprintf("/admin/api/v1/returnees/%d", theirs.PersonID), town, map[string]any{"version": 1, "industry": "x"}), 404, "NOT_FOUND")
		expect(t, e.do("POST", fmt.Sprintf("/admin/api/v1/returnees/%d/reveal", theirs.PersonID), town, map[string]string{"reason": "核实"}), 404, "NOT_FOUND")
		expect(t, e.do("GET", fmt.Sprintf("/admin/api/v1/returnees/%d", mine.PersonID), town, nil), 200, "")
		all := e.do("GET", "/admin/api/v1/returnees", admin, nil)
		if !strings.Contains(string(all.Body), `"total":2`) {
			t.Fatalf("district admin list: %s", all.Body)
		}
	})
	t.Run("reveal", func(t *testing.T) {
		path := fmt.Sprintf("/admin/api/v1/returnees/%d/reveal", mine.PersonID)
		expect(t, e.do("POST", path, town, map[string]string{"reason": ""}), 422, "VALIDATION_FAILED")
		expect(t, e.do("POST", path, dept, map[string]string{"reason": "核对补贴"}), 403, "FORBIDDEN")
		r := e.do("POST", path, town, map[string]string{"reason": "电话回访核实返乡时间"})
		expect(t, r, 200, "")
		if string(r.Body) != fmt.Sprintf(`{"id_card":"%s","phone":"13800000010"}`, idNumber(10)) {
			t.Fatalf("reveal = %s", r.Body)
		}
		var detail string
		e.db.Get(&detail, "SELECT detail FROM audit_log WHERE action = 'returnee.reveal' AND actor_name = 'town1'")
		if !strings.Contains(detail, "电话回访核实返乡时间") || strings.Contains(detail, idNumber(10)) {
			t.Fatalf("reveal audit detail = %s", detail)
		}
	})
	t.Run("patch with version", func(t *testing.T) {
		path := fmt.Sprintf("/admin/api/v1/returnees/%d", mine.PersonID)
		r := e.do("PATCH", path, town, map[string]any{"version": 1, "industry": "竹编", "needs": []string{"site"}})
		expect(t, r, 200, "")
		var rec recordAnswer
		r.json(t, &rec)
		if rec.Version != 2 || len(rec.Needs) != 1 || rec.Needs[0] != "site" {
			t.Fatalf("patched = %s", r.Body)
		}
		expect(t, e.do("PATCH", path, town, map[string]any{"version": 1, "industry": "茶叶"}), 409, "STALE_VERSION")
		expect(t, e.do("PATCH", path, town, map[string]any{"version": 2, "township_code": "990102", "village_code": "990102001"}), 403, "FORBIDDEN")
		expect(t, e.do("PATCH", path, town, map[string]any{"version": 2, "id_card": idNumber(11)}), 409, "PERSON_ALREADY_REGISTERED")
		h := e.do("GET", path+"/history", town, nil)
		expect(t, h, 200, "")
		if !strings.Contains(string(h.Body), `"fields":["industry","needs"]`) || !strings.Contains(string(h.Body), `"source":"grid"`) {
			t.Fatalf("history = %s", h.Body)
		}
	})
	t.Run("parallel patches: one wins", func(t *testing.T) {
		path := fmt.Sprintf("/admin/api/v1/returnees/%d", theirs.PersonID)
		statuses := make([]int, 10)
		var wg sync.WaitGroup
		for i := range statuses {
			wg.Go(func() {
				statuses[i] = e.do("PATCH", path, admin, map[string]any{"version": 1, "industry": fmt.Sprintf("行业%d", i)}).Status
			})
		}
		wg.Wait()
		won := 0
		for _, s := range statuses {
			if s == 200 {
				won++
			} else if s != 409 {
				t.Fatalf("statuses %v", statuses)
			}
		}
		if won != 1 {
			t.Fatalf("%d patches of version 1 won, want 1 (%v)", won, statuses)
		}
	})
}

func TestStaffReturnees_filtersAndFreshness(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	seedRegions(t, e)
	admin := e.staffToken("admin", adminPasswd)
	for i, spec := range []struct {
		township, status, intention string
		fields, needs               []string
	}{
		{"990101", "returned", "preparing", []string{"tea"}, []string{"funds"}},
		{"990101", "away", "none", nil, nil},
		{"990102", "planning", "considering", []string{"ecommerce"}, []string{"funds", "site"}},
	} {
		f := form(20+i, spec.township)
		f["phone"] = fmt.Sprintf("1370000%04d", i)
		f["status"], f["intention"], f["intended_fields"], f["needs"] = spec.status, spec.intention, spec.fields, spec.needs
		if spec.status != "returned" {
			delete(f, "returned_on")
		}
		expect(t, e.do("POST", "/admin/api/v1/returnees", admin, f), 201, "")
	}
	for query, total := range map[string]int{
		"":                            3,
		"?township=990101":            2,
		"?status=away":                1,
		"?intention=considering":      1,
		"?field=tea":                  1,
		"?need=funds":                 2,
		"?need=funds&township=990102": 1,
		"?skill=welder":               3,
		"?name=张":                     3,
		"?updated_before=2000-01-01":  0,
		"?page=2&page_size=2":         3,
	} {
		r := e.do("GET", "/admin/api/v1/returnees"+query, admin, nil)
		expect(t, r, 200, "")
		if !strings.Contains(string(r.Body), fmt.Sprintf(`"total":%d`, total)) {
			t.Errorf("%s: %s", query, r.Body)
		}
	}
	// One record in 990101 was last confirmed a year ago: the township's rate halves.
	e.db.MustExec("UPDATE returnees SET confirmed_at = ? WHERE person_id = (SELECT MIN(person_id) FROM (SELECT person_id FROM returnees WHERE township_code = '990101') x)",
		time.Now().UTC().AddDate(-1, 0, 0))
	r := e.do("GET", "/admin/api/v1/returnees/freshness", admin, nil)
	expect(t, r, 200, "")
	if !strings.Contains(string(r.Body), `"township_code":"990101","township_name":"官埠桥镇","total":2,"fresh":1,"rate":0.5`) ||
		!strings.Contains(string(r.Body), `"days":180`) {
		t.Fatalf("freshness = %s", r.Body)
	}
	stale := e.do("GET", "/admin/api/v1/returnees?updated_before="+time.Now().AddDate(0, -6, 0).Format("2006-01-02"), admin, nil)
	if !strings.Contains(string(stale.Body), `"total":1`) {
		t.Fatalf("stale filter: %s", stale.Body)
	}
	if r := e.do("GET", "/admin/api/v1/returnees/freshness?days=400", admin, nil); !strings.Contains(string(r.Body), `"rate":1`) {
		t.Fatalf("freshness over 400 days = %s", r.Body)
	}
}

func TestRegions_pickersAndCSVImport(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	seedRegions(t, e)
	r := e.do("GET", "/api/v1/regions", "", nil)
	expect(t, r, 200, "")
	if !strings.Contains(string(r.Body), `"name":"官埠桥镇"`) || strings.Contains(string(r.Body), "咸安区") {
		t.Fatalf("townships = %s", r.Body)
	}
	v := e.do("GET", "/api/v1/regions?parent=990102", "", nil)
	if !strings.Contains(string(v.Body), `"code":"990102002"`) || strings.Contains(string(v.Body), "990101001") {
		t.Fatalf("villages = %s", v.Body)
	}
	o := e.do("GET", "/api/v1/options", "", nil)
	if !strings.Contains(string(o.Body), `{"code":"tea","label":"茶叶"}`) {
		t.Fatalf("options = %s", o.Body)
	}

	admin := e.staffToken("admin", adminPasswd)
	upload := func(tok, csv string) response {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		fw, _ := mw.CreateFormFile("file", "regions.csv")
		fw.Write([]byte(csv))
		mw.Close()
		req, _ := http.NewRequest("POST", e.srv.URL+"/admin/api/v1/regions/import", &buf)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("Authorization", "Bearer "+tok)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var b bytes.Buffer
		b.ReadFrom(res.Body)
		return response{Status: res.StatusCode, Body: b.Bytes()}
	}
	good := "\ufeffcode,parent_code,level,name\n990103,990100,2,桂花镇\n990103001,990103,3,桂花村\n"
	expect(t, upload(admin, good), 200, "")
	if v := e.do("GET", "/api/v1/regions?parent=990103", "", nil); !strings.Contains(string(v.Body), "桂花村") {
		t.Fatalf("imported village missing: %s", v.Body)
	}
	bad := "code,parent_code,level,name\n990104,990100,2,向阳湖镇\n990104001,999999,3,孤村\n"
	r = upload(admin, bad)
	expect(t, r, 400, "CSV_INVALID")
	if !strings.Contains(string(r.Body), "第 3 行") {
		t.Fatalf("error does not name the line: %s", r.Body)
	}
	if v := e.do("GET", "/api/v1/regions", "", nil); strings.Contains(string(v.Body), "向阳湖镇") {
		t.Fatal("a failed import changed the table")
	}
	town := func() string {
		expect(t, e.do("POST", "/admin/api/v1/staff", admin, map[string]string{"username": "town9", "password": "Township12345", "role": "township", "township_code": "990101"}), 201, "")
		return e.staffToken("town9", "Township12345")
	}()
	expect(t, upload(town, good), 403, "FORBIDDEN")
}
