package console_test

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"huixiang/internal/returnee"
)

// writers are the roles that may enter, edit and import records.
var regWriters = map[role]int{townA: 200, townB: 200, districtR: 200}

func init() {
	addPages(
		pageCase{Route: "GET /returnees", Want: every, Shows: map[role][]string{
			townA: {"人员清单", "张建国", "李秀英", "代为登记", "<form"}, townB: {"黄敏"}, dept: {"张建国", "黄敏"},
			districtR: {"张建国", "黄敏", "马超"}}},
		pageCase{Route: "GET /returnees/new", Want: regWriters, Shows: map[role][]string{townA: {"代为登记返乡人员", "官埠桥镇", `for="r-id_card"`}}},
		pageCase{Route: "GET /returnees/import", Want: regWriters, Shows: map[role][]string{townA: {"下载导入模板", "上传并导入", "导入记录"}}},
		pageCase{Route: "GET /returnees/import/template", Want: regWriters},
		pageCase{Route: "GET /returnees/imports/:id/report", Path: func(e *env) string {
			return fmt.Sprintf("/returnees/imports/%d/report", regAdminBatch(e))
		}, Want: map[role]int{townA: 404, townB: 404, districtR: 200}},
		pageCase{Route: "GET /returnees/export", Want: every, Shows: map[role][]string{
			townA: {"导出返乡人员", "导出完整的身份证号和手机号"}, dept: {"导出返乡人员"}}},
		pageCase{Route: "GET /returnees/freshness", Want: every, Shows: map[role][]string{
			townA: {"信息更新率", "官埠桥镇", "data-chart"}, districtR: {"官埠桥镇", "贺胜桥镇", "全区"}}},
		pageCase{Route: "GET /returnees/claims", Want: every, Shows: map[role][]string{townA: {"认领记录"}}},
		pageCase{Route: "GET /returnees/:id", Path: func(e *env) string { return fmt.Sprintf("/returnees/%d", regPersonID(e, "张建国")) },
			Want:  map[role]int{townA: 200, townB: 404, dept: 200, districtR: 200},
			Shows: map[role][]string{townA: {"张建国", "修改记录", "查看完整信息", "东莞市"}, dept: {"张建国"}}},
		pageCase{Route: "GET /returnees/:id/edit", Path: func(e *env) string { return fmt.Sprintf("/returnees/%d/edit", regPersonID(e, "张建国")) },
			Want:  map[role]int{townA: 200, townB: 404, districtR: 200},
			Shows: map[role][]string{townA: {"修改：张建国", `name="version"`, "东莞市"}}},
	)
}

// personID is the demo person's ID.
func regPersonID(e *env, name string) int64 {
	e.t.Helper()
	p, err := e.app.Returnees.List(e.t.Context(), adminActor(), returnee.Filter{Name: name})
	if err != nil || len(p.Items) != 1 {
		e.t.Fatalf("demo person %s: %v %d", name, err, len(p.Items))
	}
	return p.Items[0].PersonID
}

// adminBatch imports a one-row sheet as the district administrator and returns the batch.
func regAdminBatch(e *env) int64 {
	e.t.Helper()
	data := regImportSheet(e, [][2]string{{"姓名", "测试"}})
	rep, err := e.app.Returnees.Import(e.t.Context(), adminActor(), "admin.xlsx", bytes.NewReader(data), int64(len(data)))
	if err != nil {
		e.t.Fatal(err)
	}
	return rep.BatchID
}

// idNumber is a form-valid ID number of 咸安区 for seq.
func regIDNumber(seq int) string {
	s17 := fmt.Sprintf("42120219900101%03d", 500+seq)
	w := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i := range 17 {
		sum += int(s17[i]-'0') * w[i]
	}
	return s17 + string("10X98765432"[sum%11])
}

// importSheet fills the import template's columns by header, one map per row.
func regImportSheet(e *env, rows ...[][2]string) []byte {
	e.t.Helper()
	tpl, err := e.app.Returnees.Template(e.t.Context())
	if err != nil {
		e.t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(tpl))
	if err != nil {
		e.t.Fatal(err)
	}
	defer f.Close()
	sheet := f.GetSheetName(0)
	header, _ := f.GetRows(sheet)
	for i, r := range rows {
		for _, kv := range r {
			for j, h := range header[0] {
				if h == kv[0] {
					cell, _ := excelize.CoordinatesToCellName(j+1, i+2)
					_ = f.SetCellStr(sheet, cell, kv[1])
				}
			}
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		e.t.Fatal(err)
	}
	return buf.Bytes()
}

// postFile posts a multipart form with one file, as the browser's upload does.
func (c *client) regUpload(path, field, name string, data []byte, htmx bool) page {
	c.e.t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	fw, _ := w.CreateFormFile(field, name)
	_, _ = fw.Write(data)
	_ = w.Close()
	req, _ := http.NewRequest(http.MethodPost, c.e.srv.URL+path, &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("Origin", c.e.srv.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	if htmx {
		req.Header.Set("HX-Request", "true")
	}
	return c.do(req)
}

// postHTMX posts a form as htmx does.
func (c *client) regPostHTMX(path string, form url.Values) page {
	c.e.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, c.e.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", c.e.srv.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("HX-Request", "true")
	return c.do(req)
}

func (p page) regMustNotShow(t testing.TB, texts ...string) {
	t.Helper()
	for _, s := range texts {
		if strings.Contains(p.Body, s) {
			t.Fatalf("page shows %q:\n%s", s, p.Body)
		}
	}
}

func TestReturnees_listFiltersSortsAndKeepsTheFilterInTheURL(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.as(townA)

	got := a.get("/console/returnees?status=planning")
	got.mustShow(t, "刘芳", `<strong id="returnee-total">1</strong>`, `<option value="planning" selected>`)
	got.regMustNotShow(t, "张建国")

	// htmx asks for the results only; the sort field of the form is updated out of band, and the
	// export link keeps the filter.
	frag := a.htmx("/console/returnees?name=" + url.QueryEscape("张") + "&sort=confirmed")
	frag.mustShow(t, "张建国", `hx-swap-oob="true"`, `value="confirmed"`, "/console/returnees/export?name=%E5%BC%A0")
	frag.regMustNotShow(t, "<html", "李秀英")

	// Sorting by the last confirmation, both ways (the demo seed entered 张建国 first, 赵军
	// last); the header link of the sorted column reverses it.
	asc := a.get("/console/returnees?sort=confirmed")
	desc := a.get("/console/returnees?sort=-confirmed")
	if strings.Index(asc.Body, "张建国") > strings.Index(asc.Body, "赵军") {
		t.Error("sort=confirmed: 张建国 should come before 赵军")
	}
	if strings.Index(desc.Body, "张建国") < strings.Index(desc.Body, "赵军") {
		t.Error("sort=-confirmed: 赵军 should come before 张建国")
	}
	asc.mustShow(t, `aria-sort="ascending"`, "sort=-confirmed")

	// The dashboard's link: records not confirmed in 180 days.
	a.get("/console/returnees?stale=1").mustShow(t, "没有符合条件的人员")
	e.app.DB.MustExec(`UPDATE returnees r JOIN persons p ON p.id = r.person_id SET r.confirmed_at = ? WHERE p.name IN ('陈伟', '黄敏')`,
		time.Now().UTC().Add(-200*24*time.Hour))
	stale := a.get("/console/returnees?stale=1")
	stale.mustShow(t, "陈伟", `<strong id="returnee-total">1</strong>`, `name="stale" value="1" checked`, `aria-sort="ascending">最近确认`)
	stale.regMustNotShow(t, "张建国")
	// Nobody matches: the page says what to do.
	a.get("/console/returnees?stale=1&status=planning").mustShow(t, "没有符合条件的人员", "清除条件")

	// A bad date is refused (by the app's query check, before the page).
	if got := a.get("/console/returnees?updated_before=yesterday"); got.Status != http.StatusBadRequest {
		t.Errorf("bad date: %d", got.Status)
	}

	// Township B filtering by township A's code sees nobody.
	b := e.as(townB).get("/console/returnees?township=990101")
	b.regMustNotShow(t, "张建国")
}

func TestReturnees_revealNeedsAReasonAndIsOnlyForRolesThatMay(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := regPersonID(e, "张建国")
	path := fmt.Sprintf("/console/returnees/%d", id)
	full, err := e.app.Returnees.Reveal(t.Context(), adminActor(), id, "测试核对")
	if err != nil {
		t.Fatal(err)
	}
	a := e.as(townA)
	detail := a.get(path)
	detail.mustShow(t, `data-open="reveal-dialog"`, "<dialog", "查看原因")
	detail.regMustNotShow(t, full.IDCard)

	noReason := a.regPostHTMX(path+"/reveal", url.Values{"reason": {" "}})
	if noReason.Status != http.StatusUnprocessableEntity {
		t.Fatalf("no reason: %d", noReason.Status)
	}
	noReason.mustShow(t, "请填写查看原因")

	shown := a.regPostHTMX(path+"/reveal", url.Values{"reason": {"核实身份办理贷款"}})
	if shown.Status != http.StatusOK {
		t.Fatalf("reveal: %d %s", shown.Status, shown.Body)
	}
	shown.mustShow(t, full.IDCard, full.Phone, "已记入审计日志")
	shown.regMustNotShow(t, "<html")
	if shown.Header.Get("Cache-Control") != "no-store" {
		t.Error("revealed data without no-store")
	}
	var n int
	if err := e.app.DB.Get(&n, `SELECT COUNT(*) FROM audit_log WHERE action = 'returnee.reveal' AND target_id = ?`, strconv.FormatInt(id, 10)); err != nil {
		t.Fatal(err)
	}
	if n != 2 { // the test's own and the clerk's
		t.Errorf("reveal audit entries: %d, want 2", n)
	}

	// Without htmx the form still works: the person's page with the numbers.
	plain := a.postForm(path+"/reveal", url.Values{"reason": {"核实身份"}})
	plain.mustShow(t, full.IDCard, "张建国", "修改记录")

	// The department may read but not reveal: no button, and a post is refused.
	d := e.as(dept)
	d.get(path).regMustNotShow(t, `data-open="reveal-dialog"`)
	if got := d.postForm(path+"/reveal", url.Values{"reason": {"核实身份"}}); got.Status != http.StatusForbidden {
		t.Errorf("department reveal: %d", got.Status)
	}
	// Township B does not learn that the person exists.
	if got := e.as(townB).postForm(path+"/reveal", url.Values{"reason": {"核实身份"}}); got.Status != http.StatusNotFound {
		t.Errorf("township B reveal: %d", got.Status)
	}
}

func regNewPersonForm(idCard string) url.Values {
	return url.Values{"name": {"钱多多"}, "id_card": {idCard}, "phone": {"13907150001"}, "township_code": {"990101"},
		"village_code": {"990101001"}, "status": {"returned"}, "returned_on": {"2025-03-01"}, "intention": {"preparing"},
		"skills": {"welder", "electrician"}, "needs": {"funds"}, "work_city": {"深圳市"}}
}

func TestReturnees_createShowsFieldErrorsNextToTheField(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.as(townA)

	bad := a.postForm("/console/returnees/new", regNewPersonForm("421202199001010000"))
	if bad.Status != http.StatusUnprocessableEntity {
		t.Fatalf("bad ID number: %d", bad.Status)
	}
	bad.mustShow(t, `id="e-id_card"`, "身份证号码不正确", `aria-invalid="true" aria-describedby="e-id_card"`,
		`value="钱多多"`, `value="welder" checked`) // what was typed stays

	badDate := regNewPersonForm(regIDNumber(1))
	badDate.Set("returned_on", "2025-13-45")
	a.postForm("/console/returnees/new", badDate).mustShow(t, `id="e-returned_on"`, "「返乡时间」填写不正确")

	// Township A may not enter a person of township B.
	other := regNewPersonForm(regIDNumber(2))
	other.Set("township_code", "990102")
	other.Set("village_code", "990102001")
	if got := a.postForm("/console/returnees/new", other); got.Status != http.StatusForbidden {
		t.Errorf("other township: %d", got.Status)
	}

	ok := a.postForm("/console/returnees/new", regNewPersonForm(regIDNumber(1)))
	if ok.Status != http.StatusSeeOther || !strings.HasPrefix(ok.Header.Get("Location"), "/console/returnees/") {
		t.Fatalf("create: %d %s", ok.Status, ok.Body)
	}
	a.follow(ok).mustShow(t, "已登记：钱多多", "钱多多", "焊工", "网格员代填", "新建")

	// The same ID number again: the API's words, next to the ID number.
	a.postForm("/console/returnees/new", regNewPersonForm(regIDNumber(1))).mustShow(t, `id="e-id_card"`, "该身份证号已登记")

	// The department may not enter.
	if got := e.as(dept).postForm("/console/returnees/new", regNewPersonForm(regIDNumber(3))); got.Status != http.StatusForbidden {
		t.Errorf("department create: %d", got.Status)
	}
}

var regHiddenRe = regexp.MustCompile(`name="(version|read_at)" value="(\d+)"`)

// formState is the edit form's hidden version and read time.
func regFormState(t *testing.T, body string) url.Values {
	t.Helper()
	v := url.Values{}
	for _, m := range regHiddenRe.FindAllStringSubmatch(body, -1) {
		v.Set(m[1], m[2])
	}
	if v.Get("version") == "" || v.Get("read_at") == "" {
		t.Fatalf("edit form without version:\n%s", body)
	}
	return v
}

func TestReturnees_editConflictShowsTheOtherChangeAndReapplies(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := regPersonID(e, "张建国")
	path := fmt.Sprintf("/console/returnees/%d", id)
	a := e.as(townA)
	state := regFormState(t, a.get(path+"/edit").Body)

	// Someone else changes the work city meanwhile.
	time.Sleep(5 * time.Millisecond)
	if _, err := e.app.Returnees.Patch(t.Context(), e.admin(), id, regAtoi(state.Get("version")), func(in *returnee.Input) error {
		in.WorkCity = "上海市"
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	form := url.Values{"name": {"张建国"}, "township_code": {"990101"}, "village_code": {"990101001"}, "status": {"returned"},
		"returned_on": {"2025-02-01"}, "left_on": {"2010-03-01"}, "work_province": {"广东省"}, "work_city": {"东莞市"},
		"industry": {"电子商务"}, "years_away": {"15"}, "education": {"senior"}, "intention": {"started"},
		"intended_fields": {"tea"}, "needs": {"funds"}, "skills": {"electrician"},
		"version": {state.Get("version")}, "read_at": {state.Get("read_at")}}
	conflict := a.postForm(path+"/edit", form)
	if conflict.Status != http.StatusConflict {
		t.Fatalf("stale save: %d %s", conflict.Status, conflict.Body)
	}
	conflict.mustShow(t, "其他人刚才的修改", "务工城市", "上海市", "东莞市", "系统管理员", `value="电子商务"`)

	// Saving the form as it came back applies the clerk's values over the other change.
	again := regFormState(t, conflict.Body)
	if again.Get("version") == state.Get("version") {
		t.Fatal("the form kept the stale version")
	}
	form.Set("version", again.Get("version"))
	form.Set("read_at", again.Get("read_at"))
	saved := a.postForm(path+"/edit", form)
	if saved.Status != http.StatusSeeOther {
		t.Fatalf("re-apply: %d %s", saved.Status, saved.Body)
	}
	a.follow(saved).mustShow(t, "已保存：张建国", "电子商务", "东莞市")
	rec, err := e.app.Returnees.Get(t.Context(), adminActor(), id)
	if err != nil || rec.WorkCity != "东莞市" || rec.Industry != "电子商务" {
		t.Fatalf("after re-apply: %+v %v", rec.Input, err)
	}
	// The ID number and phone, left empty, were kept.
	full, _ := e.app.Returnees.Reveal(t.Context(), adminActor(), id, "测试核对")
	if full.Phone == "" || full.IDCard == "" {
		t.Errorf("identity lost: %+v", full)
	}
}

func regAtoi(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		panic(err)
	}
	return n
}

func TestReturnees_importShowsThePerRowReportAndTheDownload(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.as(townA)
	good := [][2]string{{"姓名", "孙小美"}, {"身份证号", regIDNumber(7)}, {"手机号", "13907159999"}, {"乡镇（街道）", "官埠桥镇"},
		{"村（社区）", "官埠桥村"}, {"当前状态", "已返乡"}, {"返乡时间", "2025-01-10"}}
	badID := [][2]string{{"姓名", "错号码"}, {"身份证号", "421202199001019999"}, {"手机号", "13907158888"}, {"乡镇（街道）", "官埠桥镇"},
		{"村（社区）", "官埠桥村"}, {"当前状态", "已返乡"}, {"返乡时间", "2025-01-10"}}
	noName := [][2]string{{"身份证号", regIDNumber(8)}, {"手机号", "13907157777"}, {"乡镇（街道）", "官埠桥镇"},
		{"村（社区）", "官埠桥村"}, {"当前状态", "已返乡"}, {"返乡时间", "2025-01-10"}}
	data := regImportSheet(e, good, badID, noName)

	rep := a.regUpload("/console/returnees/import", "file", "名单.xlsx", data, true)
	if rep.Status != http.StatusOK {
		t.Fatalf("import: %d %s", rep.Status, rep.Body)
	}
	rep.mustShow(t, "导入结果：名单.xlsx", "有 2 行未导入", "身份证号不正确", "姓名", "下载导入结果")
	rep.regMustNotShow(t, "<html")
	m := regexp.MustCompile(`/console/returnees/imports/(\d+)/report`).FindString(rep.Body)
	if m == "" {
		t.Fatal("no report link")
	}
	file := a.get(m)
	if file.Status != 200 || !strings.Contains(file.Header.Get("Content-Type"), "spreadsheetml") || file.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("report download: %d %v", file.Status, file.Header)
	}
	x, err := excelize.OpenReader(strings.NewReader(file.Body))
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := x.GetRows(x.GetSheetName(0))
	if len(rows) < 4 || !strings.Contains(rows[0][0], "失败 2") {
		t.Errorf("report rows: %v", rows)
	}
	// The person of the good row is in the list; the batch is in the batches list.
	a.get("/console/returnees?name="+url.QueryEscape("孙小美")).mustShow(t, "孙小美")
	a.get("/console/returnees/import").mustShow(t, "名单.xlsx", m)
	// Township B does not see A's batch nor its report.
	e.as(townB).get("/console/returnees/import").regMustNotShow(t, "名单.xlsx")
	if got := e.as(townB).get(m); got.Status != http.StatusNotFound {
		t.Errorf("township B report: %d", got.Status)
	}

	// Not a spreadsheet: the API's words.
	a.regUpload("/console/returnees/import", "file", "x.xlsx", []byte("hello"), true).mustShow(t, "请上传 Excel 文件")
	// Without htmx the whole page comes back with the report.
	plain := a.regUpload("/console/returnees/import", "file", "名单2.xlsx", regImportSheet(e, good), false)
	plain.mustShow(t, "<html", "全部 1 行已导入", "更新 1 人")
}

func TestReturnees_exportIsMaskedUnlessRevealedWithAReason(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.as(townA)
	id := regPersonID(e, "张建国")
	full, _ := e.app.Returnees.Reveal(t.Context(), adminActor(), id, "测试核对")

	page := a.get("/console/returnees/export?status=returned&name=" + url.QueryEscape("张"))
	page.mustShow(t, "当前状态", "已返乡", "姓名含", `<strong id="export-total">1</strong>`, `name="status" value="returned"`)

	masked := a.postForm("/console/returnees/export", url.Values{"name": {"张建国"}})
	if masked.Status != 200 || masked.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("export: %d %v", masked.Status, masked.Header)
	}
	cells := regSheetText(t, masked.Body)
	if !strings.Contains(cells, "张建国") || strings.Contains(cells, full.IDCard) || strings.Contains(cells, "黄敏") {
		t.Errorf("masked export: %s", cells)
	}

	if got := a.postForm("/console/returnees/export", url.Values{"name": {"张建国"}, "reveal": {"1"}}); got.Status != http.StatusUnprocessableEntity {
		t.Errorf("reveal without reason: %d", got.Status)
	}
	revealed := a.postForm("/console/returnees/export", url.Values{"name": {"张建国"}, "reveal": {"1"}, "reason": {"报送创业补贴审核"}})
	if !strings.Contains(regSheetText(t, revealed.Body), full.IDCard) {
		t.Error("revealed export without the full ID number")
	}
	d := e.as(dept)
	d.get("/console/returnees/export").regMustNotShow(t, "导出完整的身份证号和手机号")
	if got := d.postForm("/console/returnees/export", url.Values{"reveal": {"1"}, "reason": {"报送创业补贴审核"}}); got.Status != http.StatusForbidden {
		t.Errorf("department revealed export: %d", got.Status)
	}
}

func regSheetText(t *testing.T, body string) string {
	t.Helper()
	x, err := excelize.OpenReader(strings.NewReader(body))
	if err != nil {
		t.Fatalf("not a workbook: %v: %.200s", err, body)
	}
	rows, _ := x.GetRows(x.GetSheetName(0))
	var b strings.Builder
	for _, r := range rows {
		b.WriteString(strings.Join(r, "|") + "\n")
	}
	return b.String()
}

func TestReturnees_freshnessAndClaims(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.app.DB.MustExec(`UPDATE returnees r JOIN persons p ON p.id = r.person_id SET r.confirmed_at = ? WHERE p.name IN ('陈伟', '孙娟', '胡斌')`,
		time.Now().UTC().Add(-200*24*time.Hour))
	a := e.as(districtR)
	got := a.get("/console/returnees/freshness?days=30")
	got.mustShow(t, "近 30 天", "80.0%", "data-chart", "echarts", "查看未更新的人员") // 12 of 15 demo records
	// The demo applicants claimed their records in the mini program.
	e.as(townA).get("/console/returnees/claims").mustShow(t, "认领时间", "网格员代填", "官埠桥镇")
}
