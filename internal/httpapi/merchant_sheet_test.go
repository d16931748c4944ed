package httpapi_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

var merchantHeader = []string{"姓名", "身份证号", "手机号", "籍贯乡镇（街道）", "经营所在省份", "经营所在城市", "行业代码", "企业名称",
	"统一社会信用代码", "企业规模", "营业收入", "经营状态", "商会任职", "意向投资领域", "意向投资额", "意向投资时间", "意向投资乡镇（街道）",
	"来源", "记录编号"}

func merchantRow(seq int, township string) map[string]string {
	return map[string]string{"姓名": "楚商" + string(rune('甲'+seq%10)), "身份证号": idNumber(seq), "手机号": fmt.Sprintf("1370000%04d", seq),
		"籍贯乡镇（街道）": township, "经营所在省份": "广东省", "经营所在城市": "深圳市", "行业代码": "13",
		"企业名称": fmt.Sprintf("深圳楚商食品有限公司%d", seq), "统一社会信用代码": testUSCC(seq), "企业规模": "小型",
		"营业收入": "2000万-1亿元", "经营状态": "正常经营", "商会任职": "深圳咸宁商会理事", "意向投资领域": "茶叶、农村电商",
		"意向投资额": "1000-5000万元", "意向投资时间": "一年内", "意向投资乡镇（街道）": "贺胜桥镇"}
}

type merchantImportAnswer struct {
	BatchID       int64 `json:"batch_id"`
	RowsTotal     int   `json:"rows_total"`
	RowsCreated   int   `json:"rows_created"`
	RowsUpdated   int   `json:"rows_updated"`
	RowsConfirmed int   `json:"rows_confirmed"`
	RowsFailed    int   `json:"rows_failed"`
	Rows          []struct {
		Row      int    `json:"row"`
		Status   string `json:"status"`
		PersonID int64  `json:"person_id"`
		Column   string `json:"column"`
		Reason   string `json:"reason"`
	} `json:"rows"`
}

func (e *env) importMerchants(tok, name string, content []byte) merchantImportAnswer {
	e.t.Helper()
	r := e.upload("/admin/api/v1/merchants/import", tok, name, content)
	expect(e.t, r, 200, "")
	var rep merchantImportAnswer
	r.json(e.t, &rep)
	return rep
}

// A generated 200-row sheet imports as 200 merchants; the same sheet again creates none (every
// row is known and confirmed); one changed cell updates one merchant. The template has the
// header, an example row and the notes sheet with the allowed values.
func TestMerchantImport_twoHundredRowsThenReimport(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	seedRegions(t, e)
	admin := e.staffToken("admin", adminPasswd)

	tpl := e.do("GET", "/admin/api/v1/merchants/import/template", admin, nil)
	expect(t, tpl, 200, "")
	tf, err := excelize.OpenReader(bytes.NewReader(tpl.Body))
	if err != nil {
		t.Fatalf("template is not an xlsx: %v", err)
	}
	sheets := tf.GetSheetList()
	rows, _ := tf.GetRows(sheets[0])
	if len(sheets) != 2 || len(rows) != 2 || strings.Join(rows[0], ",") != strings.Join(merchantHeader, ",") {
		t.Fatalf("template sheets %v, rows %v", sheets, rows)
	}
	notes, _ := tf.GetRows(sheets[1])
	var all strings.Builder
	for _, r := range notes {
		all.WriteString(strings.Join(r, "|") + "\n")
	}
	for _, want := range []string{"农副食品加工业", "制造业", "官埠桥镇、贺胜桥镇", "1000–5000 万元", "微型", "半年内", "茶叶", "统一社会信用代码"} {
		if !strings.Contains(all.String(), want) {
			t.Errorf("notes sheet lacks %q", want)
		}
	}
	// The example row left in is reported, not imported.
	ex := e.importMerchants(admin, "template.xlsx", tpl.Body)
	if ex.RowsFailed != 1 || ex.RowsCreated != 0 || !strings.Contains(ex.Rows[0].Reason, "示例") {
		t.Fatalf("template import = %+v", ex)
	}

	var data []map[string]string
	for i := range 200 {
		town := "官埠桥镇"
		if i%2 == 1 {
			town = "990102"
		}
		data = append(data, merchantRow(100+i, town))
	}
	content := sheet(t, merchantHeader, data)
	rep := e.importMerchants(admin, "chushang.xlsx", content)
	if rep.RowsTotal != 200 || rep.RowsCreated != 200 || rep.RowsFailed != 0 || len(rep.Rows) != 200 {
		t.Fatalf("first import: total %d created %d failed %d (%+v)", rep.RowsTotal, rep.RowsCreated, rep.RowsFailed, rep.Rows[:min(3, len(rep.Rows))])
	}
	if rep.Rows[0].Row != 2 || rep.Rows[0].Status != "created" || rep.Rows[0].PersonID == 0 {
		t.Fatalf("first row = %+v", rep.Rows[0])
	}
	var n int
	e.db.Get(&n, `SELECT COUNT(*) FROM merchants WHERE source = 'import' AND amount_band = '1000_5000' AND revenue_band = '2000_10000'`)
	if n != 200 {
		t.Fatalf("imported merchants = %d", n)
	}
	e.db.Get(&n, `SELECT COUNT(*) FROM merchant_enterprises WHERE uscc IS NOT NULL`)
	if n != 200 {
		t.Fatalf("enterprises = %d", n)
	}
	m := e.do("GET", fmt.Sprintf("/admin/api/v1/merchants/%d", rep.Rows[0].PersonID), admin, nil)
	var rec merchantAnswer
	m.json(t, &rec)
	if rec.IndustryName != "农副食品加工业" || strings.Join(rec.IntendedFields, ",") != "ecommerce,tea" || rec.Source != "import" {
		t.Fatalf("imported record = %+v", rec)
	}

	again := e.importMerchants(admin, "chushang.xlsx", content)
	if again.RowsCreated != 0 || again.RowsConfirmed != 200 || again.RowsUpdated != 0 || again.RowsFailed != 0 {
		t.Fatalf("re-import: created %d updated %d confirmed %d failed %d", again.RowsCreated, again.RowsUpdated, again.RowsConfirmed, again.RowsFailed)
	}
	e.db.Get(&n, `SELECT COUNT(*) FROM merchants`)
	if n != 200 {
		t.Fatalf("merchants after re-import = %d", n)
	}
	data[5]["商会任职"] = "深圳咸宁商会会长"
	changed := e.importMerchants(admin, "chushang2.xlsx", sheet(t, merchantHeader, data))
	if changed.RowsCreated != 0 || changed.RowsUpdated != 1 || changed.RowsConfirmed != 199 || changed.Rows[5].Status != "updated" {
		t.Fatalf("one change: created %d updated %d confirmed %d", changed.RowsCreated, changed.RowsUpdated, changed.RowsConfirmed)
	}
	list := e.do("GET", "/admin/api/v1/merchants/imports", admin, nil)
	if !strings.Contains(string(list.Body), `"rows_created":200`) || !strings.Contains(string(list.Body), `"rows_updated":200`) {
		t.Fatalf("batches = %s", list.Body)
	}
}

// Bad rows are reported with their row number, column and a Chinese reason, and the good rows
// are still imported; township staff import only their township's merchants. The report
// downloads as .xlsx. The export of a filter is masked and audited, and the exported sheet,
// edited, re-imports as an update.
func TestMerchantImport_badRowsReportedExportRoundTrips(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	seedRegions(t, e)
	admin := e.staffToken("admin", adminPasswd)
	clerk := e.staffOf("hsq_sheet", "township", "990102")

	badID := merchantRow(401, "贺胜桥镇")
	badID["身份证号"] = idNumber(401)[:17] + map[bool]string{true: "1", false: "0"}[idNumber(401)[17] == '0']
	badUSCC := merchantRow(402, "贺胜桥镇")
	badUSCC["统一社会信用代码"] = testUSCC(402)[:17] + "Z"
	badIndustry := merchantRow(403, "贺胜桥镇")
	badIndustry["行业代码"] = "99"
	otherTown := merchantRow(404, "官埠桥镇")
	badBand := merchantRow(405, "贺胜桥镇")
	badBand["意向投资额"] = "很多"
	rows := []map[string]string{merchantRow(400, "贺胜桥镇"), badID, badUSCC, badIndustry, otherTown, badBand, merchantRow(406, "990102")}
	rep := e.importMerchants(clerk, "bad.xlsx", sheet(t, merchantHeader, rows))
	if rep.RowsTotal != 7 || rep.RowsCreated != 2 || rep.RowsFailed != 5 {
		t.Fatalf("report = %+v", rep)
	}
	want := map[int][2]string{3: {"身份证号", "身份证号不正确"}, 4: {"统一社会信用代码", "统一社会信用代码不正确"},
		5: {"行业代码", "行业代码不存在"}, 6: {"籍贯乡镇（街道）", "只能导入籍贯为本乡镇（街道）的楚商"}, 7: {"意向投资额", "不是可选值"}}
	for _, r := range rep.Rows {
		w, bad := want[r.Row]
		switch {
		case bad && (r.Status != "failed" || r.Column != w[0] || !strings.Contains(r.Reason, w[1])):
			t.Errorf("row %d = %+v, want %v", r.Row, r, w)
		case !bad && r.Status != "created":
			t.Errorf("row %d = %+v, want created", r.Row, r)
		}
	}
	rr := e.do("GET", fmt.Sprintf("/admin/api/v1/merchants/imports/%d/report", rep.BatchID), clerk, nil)
	expect(t, rr, 200, "")
	rf, err := excelize.OpenReader(bytes.NewReader(rr.Body))
	if err != nil {
		t.Fatal(err)
	}
	rrows, _ := rf.GetRows(rf.GetSheetList()[0])
	if len(rrows) != 7 || rrows[2][0] != "3" || rrows[2][1] != "身份证号" || !strings.Contains(rrows[0][0], "新增 2") {
		t.Fatalf("report rows = %v", rrows)
	}
	// Another township's clerk does not see the batch.
	other := e.staffOf("gbq_sheet", "township", "990101")
	expect(t, e.do("GET", fmt.Sprintf("/admin/api/v1/merchants/imports/%d/report", rep.BatchID), other, nil), 404, "")

	// Export 贺胜桥镇: masked, with the record number, audited once with the filter and count.
	ex := e.do("GET", "/admin/api/v1/merchants/export?township=990102", admin, nil)
	expect(t, ex, 200, "")
	xf, err := excelize.OpenReader(bytes.NewReader(ex.Body))
	if err != nil {
		t.Fatal(err)
	}
	xrows, _ := xf.GetRows(xf.GetSheetList()[0])
	if len(xrows) != 3 || strings.Join(xrows[0][:len(merchantHeader)], ",") != strings.Join(merchantHeader, ",") {
		t.Fatalf("export rows = %v", xrows)
	}
	for _, r := range xrows[1:] {
		if !strings.HasPrefix(r[1], "4212**********") || !strings.Contains(r[2], "****") || r[18] == "" || r[3] != "贺胜桥镇" {
			t.Fatalf("export row not masked: %v", r)
		}
	}
	if strings.Contains(string(ex.Body), idNumber(400)) {
		t.Fatal("the export holds a full ID number")
	}
	var detail string
	if err := e.db.Get(&detail, `SELECT detail FROM audit_log WHERE action = 'merchant.export'`); err != nil {
		t.Fatalf("export audit: %v", err)
	}
	if !strings.Contains(detail, `"merchants": 2`) && !strings.Contains(detail, `"merchants":2`) || !strings.Contains(detail, "990102") {
		t.Fatalf("export audit detail = %s", detail)
	}
	expect(t, e.do("GET", "/admin/api/v1/merchants/export?industry=制造", admin, nil), 400, "VALIDATION_FAILED")

	// Edit the exported sheet (masked values kept) and re-import it: one update, one confirmation.
	col, _ := excelize.ColumnNumberToName(13)
	xf.SetCellValue(xf.GetSheetList()[0], col+"2", "深圳咸宁商会副会长")
	var buf bytes.Buffer
	xf.Write(&buf)
	back := e.importMerchants(clerk, "export-edited.xlsx", buf.Bytes())
	if back.RowsCreated != 0 || back.RowsUpdated != 1 || back.RowsConfirmed != 1 || back.RowsFailed != 0 {
		t.Fatalf("round trip = %+v", back)
	}
	var roles string
	e.db.Get(&roles, `SELECT chamber_roles FROM merchants WHERE person_id = ?`, xrows[1][18])
	if roles != "深圳咸宁商会副会长" {
		t.Fatalf("chamber roles after round trip = %q", roles)
	}
	// A known credit code alone (no ID number) finds its merchant; a new one without an ID number fails.
	byCode := merchantRow(400, "贺胜桥镇")
	byCode["身份证号"], byCode["手机号"], byCode["商会任职"] = "", "", "深圳咸宁商会副会长"
	noID := merchantRow(407, "贺胜桥镇")
	noID["身份证号"] = ""
	rep = e.importMerchants(clerk, "codes.xlsx", sheet(t, merchantHeader, []map[string]string{byCode, noID}))
	if rep.RowsConfirmed != 1 || rep.RowsFailed != 1 || rep.Rows[1].Column != "身份证号" || !strings.Contains(rep.Rows[1].Reason, "必填") {
		t.Fatalf("by credit code = %+v", rep)
	}
	// Unknown columns refuse the file, listing them.
	h := append([]string{}, merchantHeader...)
	h[6] = "行业"
	r := e.upload("/admin/api/v1/merchants/import", clerk, "x.xlsx", sheet(t, h, nil))
	expect(t, r, 400, "IMPORT_COLUMNS_UNKNOWN")
	expect(t, e.upload("/admin/api/v1/merchants/import", clerk, "x.xlsx", []byte("姓名,身份证号\n")), 415, "UNSUPPORTED_MEDIA_TYPE")
}

// Two staff import the same new sheet at once: each person and merchant exists once, and
// between them every row was created exactly once (the other import updated or confirmed it).
func TestMerchantImport_parallelImportsCreateOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	seedRegions(t, e)
	admin := e.staffToken("admin", adminPasswd)
	var data []map[string]string
	for i := range 20 {
		data = append(data, merchantRow(600+i, "官埠桥镇"))
	}
	content := sheet(t, merchantHeader, data)
	reps := make([]merchantImportAnswer, 2)
	done := make(chan int)
	for k := range 2 {
		go func() {
			r := e.upload("/admin/api/v1/merchants/import", admin, fmt.Sprintf("p%d.xlsx", k), content)
			if r.Status == 200 {
				r.json(t, &reps[k])
			}
			done <- k
		}()
	}
	<-done
	<-done
	created, failed := reps[0].RowsCreated+reps[1].RowsCreated, reps[0].RowsFailed+reps[1].RowsFailed
	if created != 20 || failed != 0 {
		t.Fatalf("parallel imports: created %d failed %d (%+v / %+v)", created, failed, reps[0], reps[1])
	}
	var persons, merchants int
	e.db.Get(&persons, `SELECT COUNT(*) FROM persons`)
	e.db.Get(&merchants, `SELECT COUNT(*) FROM merchants`)
	if persons != 20 || merchants != 20 {
		t.Fatalf("persons %d merchants %d, want 20 each", persons, merchants)
	}
}
