package console_test

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"

	"huixiang/internal/browsertest"
)

var merchantSheetHeader = []string{"姓名", "身份证号", "手机号", "籍贯乡镇（街道）", "经营所在省份", "经营所在城市", "行业代码", "企业名称",
	"统一社会信用代码", "企业规模", "营业收入", "经营状态", "商会任职", "意向投资领域", "意向投资额", "意向投资时间", "意向投资乡镇（街道）",
	"来源", "记录编号"}

// merchantSheet is an .xlsx of the import's columns, one map (header → cell) per row.
func merchantSheet(t testing.TB, rows ...map[string]string) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	hdr := make([]any, len(merchantSheetHeader))
	for i, h := range merchantSheetHeader {
		hdr[i] = h
	}
	f.SetSheetRow("Sheet1", "A1", &hdr)
	for n, r := range rows {
		cells := make([]any, len(merchantSheetHeader))
		for i, h := range merchantSheetHeader {
			cells[i] = r[h]
		}
		f.SetSheetRow("Sheet1", fmt.Sprintf("A%d", n+2), &cells)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func merchantSheetRow(name, id17, township string) map[string]string {
	return map[string]string{"姓名": name, "身份证号": fixID(id17), "籍贯乡镇（街道）": township, "经营所在省份": "浙江省",
		"经营所在城市": "义乌市", "行业代码": "13", "企业名称": name + "贸易有限公司", "意向投资领域": "茶叶", "意向投资额": "100–1000 万元"}
}

// merchantAdminBatch is an import by the district administrator (its report is theirs).
func merchantAdminBatch(e *env) int64 {
	e.t.Helper()
	data := merchantSheet(e.t, merchantSheetRow("导入甲", "42120219700505001", "990101"))
	rep, err := e.app.Merchants.Import(e.t.Context(), adminActor(), "admin.xlsx", bytes.NewReader(data), int64(len(data)))
	if err != nil {
		e.t.Fatal(err)
	}
	return rep.BatchID
}

func init() {
	addPages(
		pageCase{Route: "GET /merchants/import", Want: every, Shows: map[role][]string{
			townA: {"批量导入楚商", "下载导入模板", "上传并导入", "导入记录", `for="merchant-import-file"`}}},
		pageCase{Route: "GET /merchants/import/template", Want: every},
		pageCase{Route: "GET /merchants/imports/:id/report", Path: func(e *env) string {
			return fmt.Sprintf("/merchants/imports/%d/report", merchantAdminBatch(e))
		}, Want: map[role]int{townA: 404, townB: 404, dept: 200, districtR: 200}},
		pageCase{Route: "GET /merchants/export", Want: every},
	)
}

// TestMerchantImport_pageReportsFailedRowsFirst: a township clerk uploads a sheet with a good
// row, a bad ID number and another township's row; the report lists the failed rows first with
// their row numbers and reasons, the good one as 新增; the list's 导出 link carries the filter
// and downloads the masked sheet.
func TestMerchantImport_pageReportsFailedRowsFirst(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.as(townA)
	good := merchantSheetRow("楚商导入", "42120219810606001", "官埠桥镇")
	badID := merchantSheetRow("楚商错号", "42120219810606002", "官埠桥镇")
	badID["身份证号"] = badID["身份证号"][:17] + map[bool]string{true: "1", false: "0"}[badID["身份证号"][17] == '0']
	other := merchantSheetRow("楚商外镇", "42120219810606003", "990102")
	rep := a.regUpload("/console/merchants/import", "file", "chushang.xlsx", merchantSheet(t, good, badID, other), true)
	if rep.Status != http.StatusOK {
		t.Fatalf("import: %d %s", rep.Status, rep.Body)
	}
	rep.mustShow(t, "导入结果：chushang.xlsx", "有 2 行未导入", "身份证号不正确", "只能导入籍贯为本乡镇（街道）的楚商", "新增", "楚商导入")
	iBad, iOther, iGood := strings.Index(rep.Body, "楚商错号"), strings.Index(rep.Body, "楚商外镇"), strings.Index(rep.Body, ">楚商导入<")
	if iBad < 0 || iOther < 0 || iGood < 0 || iGood < iBad || iGood < iOther {
		t.Fatalf("failed rows are not first: %d %d %d", iBad, iOther, iGood)
	}
	m := regexp.MustCompile(`/console/merchants/imports/(\d+)/report`).FindString(rep.Body)
	if m == "" {
		t.Fatal("no report link")
	}
	if got := a.get(m); got.Status != http.StatusOK || !strings.HasPrefix(got.Header.Get("Content-Type"), "application/vnd.openxmlformats") {
		t.Fatalf("report download: %d %s", got.Status, got.Header.Get("Content-Type"))
	}
	a.get("/console/merchants/import").mustShow(t, "chushang.xlsx")
	if got := e.as(townB).get("/console/merchants/import"); strings.Contains(got.Body, "chushang.xlsx") {
		t.Error("township B sees township A's import")
	}
	// Not a spreadsheet: the API's words.
	a.regUpload("/console/merchants/import", "file", "x.xlsx", []byte("hello"), true).mustShow(t, "请上传 Excel 文件")

	// The list's 导出 link carries the filter; the sheet is masked.
	list := a.get("/console/merchants?industry=C")
	list.mustShow(t, `href="/console/merchants/export?industry=C"`, `href="/console/merchants/import"`)
	ex := a.get("/console/merchants/export?industry=C")
	if ex.Status != http.StatusOK {
		t.Fatalf("export: %d", ex.Status)
	}
	xf, err := excelize.OpenReader(strings.NewReader(ex.Body))
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := xf.GetRows(xf.GetSheetList()[0])
	if len(rows) != 2 || rows[1][0] != "楚商导入" || !strings.Contains(rows[1][1], "**********") {
		t.Fatalf("export rows = %v", rows)
	}
}

// TestBrowser_MerchantImport: the import page in Chromium after an upload with a failed row:
// every control labelled, contrast AA, the report table shown (screenshot with HX_SCREENSHOTS).
func TestBrowser_MerchantImport(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	dir := t.TempDir()
	bad := merchantSheetRow("楚商错号", "42120219820707002", "官埠桥镇")
	bad["行业代码"] = "99"
	file := filepath.Join(dir, "chushang.xlsx")
	if err := os.WriteFile(file, merchantSheet(t, merchantSheetRow("楚商浏览", "42120219820707001", "官埠桥镇"), bad), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx := browsertest.New(t)
	signInBrowser(t, ctx, e, "demo_guanbuqiao")
	if err := chromedp.Do(ctx,
		chromedp.Navigate(e.srv.URL+"/console/merchants/import"),
		chromedp.WaitVisible(chromedp.ID("merchant-import-file")),
		chromedp.SetUploadFiles(chromedp.ID("merchant-import-file"), []string{file}),
		chromedp.Click(chromedp.CSS(`#merchant-import-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`table.import-report`)),
	); err != nil {
		t.Fatal(err)
	}
	problems, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](pageAudit))
	if err != nil {
		t.Fatal(err)
	}
	for _, pr := range problems {
		t.Errorf("import page: %s", pr)
	}
	first, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`table.import-report tbody tr`)))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(first, "行业代码不存在") {
		t.Fatalf("first report row = %q", first)
	}
	if dir := os.Getenv("HX_SCREENSHOTS"); dir != "" {
		if err := browsertest.Screenshot(ctx, filepath.Join(dir, "merchant-import.png")); err != nil {
			t.Fatal(err)
		}
	}
}
