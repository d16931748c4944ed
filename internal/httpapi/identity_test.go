package httpapi_test

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
)

// staffAccounts creates a department account and a township account for each of the two
// townships of seedRegions and returns their tokens.
func staffAccounts(t *testing.T, e *env) (admin, dept, town1, town2 string) {
	t.Helper()
	admin = e.staffToken("admin", adminPasswd)
	for _, acc := range []map[string]string{
		{"username": "edu", "password": "Department123", "role": "department", "department": "区教育局"},
		{"username": "town1", "password": "Township12345", "role": "township", "township_code": "990101"},
		{"username": "town2", "password": "Township12345", "role": "township", "township_code": "990102"},
	} {
		expect(t, e.do("POST", "/admin/api/v1/staff", admin, acc), 201, "")
	}
	return admin, e.staffToken("edu", "Department123"), e.staffToken("town1", "Township12345"), e.staffToken("town2", "Township12345")
}

type identityRow struct {
	Name     string `db:"name"`
	PhoneIdx []byte `db:"phone_idx"`
	Changes  int    `db:"changes"`
}

// identityOf reads a person's stored name, phone index and number of history rows.
func (e *env) identityOf(pid int64) identityRow {
	e.t.Helper()
	var r identityRow
	if err := e.db.Get(&r, `SELECT p.name, p.phone_idx, (SELECT COUNT(*) FROM record_changes c WHERE c.person_id = p.id) AS changes
		FROM persons p WHERE p.id = ?`, pid); err != nil {
		e.t.Fatal(err)
	}
	return r
}

func TestStaffReturnees_departmentReadsButCannotWrite_403(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	seedRegions(t, e)
	admin, dept, _, _ := staffAccounts(t, e)
	f := form(40, "990101")
	f["phone"] = "13800000040"
	r := e.do("POST", "/admin/api/v1/returnees", admin, f)
	expect(t, r, 201, "")
	var rec recordAnswer
	r.json(t, &rec)
	path := fmt.Sprintf("/admin/api/v1/returnees/%d", rec.PersonID)

	// Reads are allowed.
	expect(t, e.do("GET", "/admin/api/v1/returnees", dept, nil), 200, "")
	expect(t, e.do("GET", path, dept, nil), 200, "")
	expect(t, e.do("GET", path+"/history", dept, nil), 200, "")

	// Writes are not: the attack of issue 8 (a department clerk sets the phone of an unclaimed record).
	expect(t, e.do("PATCH", path, dept, map[string]any{"version": 1, "phone": "13912345678"}), 403, "FORBIDDEN")
	nf := form(41, "990101")
	nf["phone"] = "13800000041"
	expect(t, e.do("POST", "/admin/api/v1/returnees", dept, nf), 403, "FORBIDDEN")
	imp := e.upload("/admin/api/v1/returnees/import", dept, "名单.xlsx", sheet(t, importHeader, []map[string]string{importRow(42, "官埠桥镇")}))
	expect(t, imp, 403, "FORBIDDEN")

	var persons, batches int
	e.db.Get(&persons, `SELECT COUNT(*) FROM persons`)
	e.db.Get(&batches, `SELECT COUNT(*) FROM import_batches`)
	if persons != 1 || batches != 0 {
		t.Fatalf("department writes left persons = %d, import batches = %d", persons, batches)
	}
	got := e.do("GET", path, admin, nil)
	var after recordAnswer
	got.json(t, &after)
	if after.Phone != "138****0040" || after.Version != 1 {
		t.Fatalf("record after refused writes = %s", got.Body)
	}
}

func TestAlumniEntry_existingPersonKeepsNameAndPhone_409PersonExists(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	seedRegions(t, e)
	_, dept, _, _ := staffAccounts(t, e)
	// A self-registered returnee: 张三, 13811112222.
	tok := e.registrant("o_victim", "13811112222")
	r := e.do("PUT", "/api/v1/me/returnee", tok, form(43, "990101"))
	expect(t, r, 200, "")
	var mine recordAnswer
	r.json(t, &mine)
	before := e.identityOf(mine.PersonID)

	// The department clerk enters an alumnus with his ID number, another name and phone.
	body := alumnusForm(43)
	body["name"] = "王麻子"
	body["phone"] = "13999999999"
	expect(t, e.do("POST", "/admin/api/v1/alumni", dept, body), 409, "PERSON_EXISTS")
	body["name"] = "张三"
	expect(t, e.do("POST", "/admin/api/v1/alumni", dept, body), 409, "PERSON_EXISTS") // the phone alone differs
	after := e.identityOf(mine.PersonID)
	if after.Name != "张三" || string(after.PhoneIdx) != string(before.PhoneIdx) || after.Changes != before.Changes {
		t.Fatalf("identity after refused alumni entry: %+v, before %+v", after, before)
	}
	var alumniRows int
	e.db.Get(&alumniRows, `SELECT COUNT(*) FROM alumni`)
	if alumniRows != 0 {
		t.Fatalf("alumni rows = %d after refused entries", alumniRows)
	}

	// With the registered name and phone the alumnus record is added and nothing else changes.
	body["phone"] = "13811112222"
	r = e.do("POST", "/admin/api/v1/alumni", dept, body)
	expect(t, r, 201, "")
	var a alumnusAnswer
	r.json(t, &a)
	if a.PersonID != mine.PersonID || a.Name != "张三" || a.Phone != "138****2222" {
		t.Fatalf("alumnus = %s", r.Body)
	}
	if got := e.identityOf(mine.PersonID); got.Name != "张三" || string(got.PhoneIdx) != string(before.PhoneIdx) || got.Changes != before.Changes {
		t.Fatalf("identity after alumni entry: %+v", got)
	}
	me := e.do("GET", "/api/v1/me/returnee", tok, nil)
	var now recordAnswer
	me.json(t, &now)
	if now.Name != "张三" || now.Phone != "138****2222" || now.Version != mine.Version {
		t.Fatalf("the victim's record = %s", me.Body)
	}
}

func TestStaffReturneeCreate_existingPersonOtherIdentity_409PersonExists(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	seedRegions(t, e)
	admin, _, town1, _ := staffAccounts(t, e)
	// A self-registered alumnus 李四, 13722220000, without a returnee record.
	tok := e.registrant("o_alum_only", "13722220000")
	a := e.putAlumnus(tok, alumnusForm(44))
	before := e.identityOf(a.PersonID)

	f := form(44, "990101") // name 张三
	f["phone"] = "13722220000"
	expect(t, e.do("POST", "/admin/api/v1/returnees", town1, f), 409, "PERSON_EXISTS")
	f["name"], f["phone"] = "李四", "13900000044"
	expect(t, e.do("POST", "/admin/api/v1/returnees", admin, f), 409, "PERSON_EXISTS")
	if got := e.identityOf(a.PersonID); got.Name != "李四" || string(got.PhoneIdx) != string(before.PhoneIdx) {
		t.Fatalf("identity after refused entries: %+v", got)
	}
	f["phone"] = "13722220000"
	r := e.do("POST", "/admin/api/v1/returnees", town1, f)
	expect(t, r, 201, "")
	var rec recordAnswer
	r.json(t, &rec)
	if rec.PersonID != a.PersonID || rec.Name != "李四" || !rec.Claimed {
		t.Fatalf("record added to the registered person = %s", r.Body)
	}
}

func TestReturneeImport_knownPersonOtherNameOrPhone_rowRefusedIdentityKept(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	seedRegions(t, e)
	admin := e.staffToken("admin", adminPasswd)
	tok := e.registrant("o_imp_victim", "13811113333")
	r := e.do("PUT", "/api/v1/me/returnee", tok, form(45, "990101"))
	expect(t, r, 200, "")
	var mine recordAnswer
	r.json(t, &mine)
	before := e.identityOf(mine.PersonID)

	renamed := importRow(45, "官埠桥镇") // 王五, another phone
	samePersonOtherPhone := importRow(45, "官埠桥镇")
	samePersonOtherPhone["姓名"] = "张三"
	fresh := importRow(46, "官埠桥镇")
	rep := e.upload("/admin/api/v1/returnees/import", admin, "名单.xlsx", sheet(t, importHeader, []map[string]string{renamed, fresh, samePersonOtherPhone}))
	expect(t, rep, 200, "")
	var ans importAnswer
	rep.json(t, &ans)
	if ans.RowsCreated != 1 || ans.RowsFailed != 2 || len(ans.Errors) != 2 {
		t.Fatalf("import report = %s", rep.Body)
	}
	for i, row := range []int{2, 4} {
		if ans.Errors[i].Row != row || ans.Errors[i].Column != "身份证号" || !strings.Contains(ans.Errors[i].Reason, "已登记") {
			t.Fatalf("row %d reported as %+v", row, ans.Errors[i])
		}
	}
	if got := e.identityOf(mine.PersonID); got.Name != "张三" || string(got.PhoneIdx) != string(before.PhoneIdx) || got.Changes != before.Changes {
		t.Fatalf("identity after import: %+v, before %+v", got, before)
	}
}

type historyAnswer struct {
	Items []struct {
		Action    string   `json:"action"`
		Source    string   `json:"source"`
		ActorType string   `json:"actor_type"`
		ActorID   *int64   `json:"actor_id"`
		Fields    []string `json:"fields"`
		Identity  []struct {
			Field  string `json:"field"`
			Before string `json:"before"`
			After  string `json:"after"`
		} `json:"identity"`
	} `json:"items"`
}

func TestPatchReturnee_identityOnly_bumpsVersion_sameVersionAgain409_historyMasked(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	seedRegions(t, e)
	_, _, town1, _ := staffAccounts(t, e)
	f := form(47, "990101")
	f["phone"] = "13800000047"
	r := e.do("POST", "/admin/api/v1/returnees", town1, f)
	expect(t, r, 201, "")
	var rec recordAnswer
	r.json(t, &rec)
	path := fmt.Sprintf("/admin/api/v1/returnees/%d", rec.PersonID)

	// Two clerks read version 1 and each change only the name: one wins, the other is told.
	first := e.do("PATCH", path, town1, map[string]any{"version": 1, "name": "张小三"})
	expect(t, first, 200, "")
	var got recordAnswer
	first.json(t, &got)
	if got.Version != 2 || got.Name != "张小三" {
		t.Fatalf("after name-only patch = %s", first.Body)
	}
	expect(t, e.do("PATCH", path, town1, map[string]any{"version": 1, "name": "张老三"}), 409, "STALE_VERSION")

	// Parallel: ten phone-only patches of version 2, one wins.
	statuses := make([]int, 10)
	var wg sync.WaitGroup
	for i := range statuses {
		wg.Go(func() {
			statuses[i] = e.do("PATCH", path, town1, map[string]any{"version": 2, "phone": fmt.Sprintf("1391234%04d", i)}).Status
		})
	}
	wg.Wait()
	if slices.Index(statuses, 200) < 0 || len(slices.DeleteFunc(slices.Clone(statuses), func(s int) bool { return s == 409 })) != 1 {
		t.Fatalf("phone-only patches of one version: %v, want one 200 and the rest 409", statuses)
	}
	cur := e.do("GET", path, town1, nil)
	cur.json(t, &got)
	if got.Version != 3 {
		t.Fatalf("version after two changes = %d", got.Version)
	}
	// The ID number too.
	expect(t, e.do("PATCH", path, town1, map[string]any{"version": 3, "id_card": idNumber(48)}), 200, "")

	h := e.do("GET", path+"/history", town1, nil)
	expect(t, h, 200, "")
	for _, clear := range []string{"张小三", "13800000047", idNumber(47), idNumber(48), "13912340"} {
		if strings.Contains(string(h.Body), clear) {
			t.Fatalf("history shows %q in clear: %s", clear, h.Body)
		}
	}
	var hist historyAnswer
	h.json(t, &hist)
	if len(hist.Items) != 4 {
		t.Fatalf("history = %s", h.Body)
	}
	check := func(i int, field, before, afterPrefix string) {
		t.Helper()
		it := hist.Items[i]
		if it.Action != "update" || it.Source != "grid" || it.ActorType != "staff" || it.ActorID == nil ||
			len(it.Identity) != 1 || it.Identity[0].Field != field || it.Identity[0].Before != before ||
			!strings.HasPrefix(it.Identity[0].After, afterPrefix) || !slices.Contains(it.Fields, field) {
			t.Fatalf("history item %d = %+v, want %s %s → %s…", i, it, field, before, afterPrefix)
		}
	}
	check(0, "id_card", "4212**********"+idNumber(47)[14:], "4212**********"+idNumber(48)[14:])
	check(1, "phone", "138****0047", "139****")
	check(2, "name", "张*", "张**")
	var detail string
	e.db.Get(&detail, `SELECT detail FROM audit_log WHERE action = 'returnee.update' ORDER BY id LIMIT 1`)
	if !strings.Contains(detail, `"identity"`) || strings.Contains(detail, "张小三") {
		t.Fatalf("audit detail of the name change = %s", detail)
	}
}

func TestSelfUpdate_identityChangeInHistoryAndVersion(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	seedRegions(t, e)
	tok := e.registrant("o_rename", "13811114444")
	expect(t, e.do("PUT", "/api/v1/me/returnee", tok, form(49, "990101")), 200, "")
	f := form(49, "990101")
	f["name"] = "张三丰"
	r := e.do("PUT", "/api/v1/me/returnee", tok, f)
	expect(t, r, 200, "")
	var rec recordAnswer
	r.json(t, &rec)
	if rec.Version != 2 || rec.Name != "张三丰" {
		t.Fatalf("name-only self update = %s", r.Body)
	}
	admin := e.staffToken("admin", adminPasswd)
	h := e.do("GET", fmt.Sprintf("/admin/api/v1/returnees/%d/history", rec.PersonID), admin, nil)
	var hist historyAnswer
	h.json(t, &hist)
	if len(hist.Items) != 2 || hist.Items[0].Source != "self" || len(hist.Items[0].Identity) != 1 ||
		hist.Items[0].Identity[0].Before != "张*" || hist.Items[0].Identity[0].After != "张**" {
		t.Fatalf("history = %s", h.Body)
	}

	// Through the alumni form too: the returnee record's history shows it and its version moves.
	af := alumnusForm(49)
	af["name"] = "张三"
	e.putAlumnus(tok, af)
	r = e.do("GET", "/api/v1/me/returnee", tok, nil)
	r.json(t, &rec)
	if rec.Version != 3 || rec.Name != "张三" {
		t.Fatalf("returnee after the alumni form renamed the person = %s", r.Body)
	}
	h = e.do("GET", fmt.Sprintf("/admin/api/v1/returnees/%d/history", rec.PersonID), admin, nil)
	h.json(t, &hist)
	if len(hist.Items) != 3 || len(hist.Items[0].Identity) != 1 || hist.Items[0].Identity[0].Before != "张**" || hist.Items[0].Identity[0].After != "张*" {
		t.Fatalf("history = %s", h.Body)
	}
}

type claimsAnswer struct {
	Items []struct {
		PersonID      int64   `json:"person_id"`
		IDCard        string  `json:"id_card"`
		Phone         string  `json:"phone"`
		TownshipCode  string  `json:"township_code"`
		CreatedSource string  `json:"created_source"`
		UserID        int64   `json:"user_id"`
		ClaimedAt     string  `json:"claimed_at"`
		ChangedAt     *string `json:"identity_changed_at"`
		ChangedBy     *int64  `json:"identity_changed_by"`
	} `json:"items"`
	Total int `json:"total"`
}

func TestReturneeClaims_auditedAndListedForTheTownship(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	seedRegions(t, e)
	admin, _, town1, town2 := staffAccounts(t, e)
	f := form(50, "990101")
	f["phone"] = "13655550049"
	r := e.do("POST", "/admin/api/v1/returnees", town1, f)
	expect(t, r, 201, "")
	var entered recordAnswer
	r.json(t, &entered)
	// The pattern of a takeover: a clerk sets the phone, then someone with that phone claims.
	expect(t, e.do("PATCH", fmt.Sprintf("/admin/api/v1/returnees/%d", entered.PersonID), town1,
		map[string]any{"version": 1, "phone": "13655550050"}), 200, "")
	// A record that is self-registered is no claim.
	expect(t, e.do("PUT", "/api/v1/me/returnee", e.registrant("o_self51", "13655550051"), form(51, "990101")), 200, "")

	tok := e.registrant("o_claimer", "13655550050")
	expect(t, e.do("PUT", "/api/v1/me/returnee", tok, form(50, "990101")), 200, "")
	var audits int
	e.db.Get(&audits, `SELECT COUNT(*) FROM audit_log WHERE action = 'person.claimed' AND target_id = ?`, fmt.Sprint(entered.PersonID))
	if audits != 1 {
		t.Fatalf("claim audit rows = %d", audits)
	}

	for _, c := range []struct {
		who   string
		token string
		want  int
	}{{"town1", town1, 1}, {"town2", town2, 0}, {"admin", admin, 1}} {
		r := e.do("GET", "/admin/api/v1/returnees/claims", c.token, nil)
		expect(t, r, 200, "")
		var ans claimsAnswer
		r.json(t, &ans)
		if ans.Total != c.want || len(ans.Items) != c.want {
			t.Fatalf("%s sees claims %s", c.who, r.Body)
		}
		if c.want == 1 {
			it := ans.Items[0]
			if it.PersonID != entered.PersonID || it.Phone != "136****0050" || it.IDCard != "4212**********"+idNumber(50)[14:] ||
				it.TownshipCode != "990101" || it.CreatedSource != "grid" || it.UserID == 0 || it.ClaimedAt == "" ||
				it.ChangedAt == nil || it.ChangedBy == nil {
				t.Fatalf("%s sees claim %s", c.who, r.Body)
			}
			if strings.Contains(string(r.Body), "13655550050") || strings.Contains(string(r.Body), idNumber(50)) {
				t.Fatalf("claims list shows personal information in clear: %s", r.Body)
			}
		}
	}
}
