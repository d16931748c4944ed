package httpapi_test

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"fmt"
	"io"
	"maps"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"huixiang/internal/config"
)

var importHeader = []string{"姓名", "身份证号", "手机号", "乡镇（街道）", "村（社区）", "当前状态", "外出时间", "返乡时间",
	"计划返乡时间", "务工省份", "务工城市", "从事行业", "外出年限", "技能", "技能描述", "证书", "学历", "创业意向", "意向领域",
	"意向说明", "需求", "经营主体名称", "主体类型", "统一社会信用代码", "成立日期", "带动就业人数"}

// sheet builds an .xlsx with the header and rows (cells by header name).
func sheet(t *testing.T, header []string, rows []map[string]string) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	sw, _ := f.NewStreamWriter("Sheet1")
	hdr := make([]any, len(header))
	for i, h := range header {
		hdr[i] = h
	}
	sw.SetRow("A1", hdr)
	for n, r := range rows {
		cells := make([]any, len(header))
		for i, h := range header {
			cells[i] = r[h]
		}
		cell, _ := excelize.CoordinatesToCellName(1, n+2)
		sw.SetRow(cell, cells)
	}
	sw.Flush()
	var buf bytes.Buffer
	f.Write(&buf)
	return buf.Bytes()
}

func importRow(seq int, township string) map[string]string {
	return map[string]string{"姓名": "王五", "身份证号": idNumber(seq), "手机号": fmt.Sprintf("1350000%04d", seq),
		"乡镇（街道）": township, "村（社区）": "官埠桥镇1村", "当前状态": "已返乡", "返乡时间": "2025/3/1",
		"技能": "电工、焊工", "创业意向": "筹备中", "意向领域": "茶叶", "需求": "资金、培训"}
}

func (e *env) upload(path, token, filename string, content []byte) response {
	e.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", filename)
	fw.Write(content)
	mw.Close()
	req, _ := http.NewRequest("POST", e.srv.URL+path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{Status: res.StatusCode, Header: res.Header, Body: b}
}

type importAnswer struct {
	BatchID     int64 `json:"batch_id"`
	RowsTotal   int   `json:"rows_total"`
	RowsCreated int   `json:"rows_created"`
	RowsUpdated int   `json:"rows_updated"`
	RowsFailed  int   `json:"rows_failed"`
	Errors      []struct {
		Row    int    `json:"row"`
		Column string `json:"column"`
		Reason string `json:"reason"`
	} `json:"errors"`
}

func TestReturneeImport_validRowsKeptBadRowsReported_reimportUpdates(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	seedRegions(t, e)
	admin := e.staffToken("admin", adminPasswd)

	tpl := e.do("GET", "/admin/api/v1/returnees/import/template", admin, nil)
	expect(t, tpl, 200, "")
	tf, err := excelize.OpenReader(bytes.NewReader(tpl.Body))
	if err != nil {
		t.Fatalf("template is not an xlsx: %v", err)
	}
	got, _ := tf.GetRows(tf.GetSheetList()[0])
	if strings.Join(got[0], ",") != strings.Join(importHeader, ",") {
		t.Fatalf("template header = %v", got[0])
	}

	bad := importRow(31, "官埠桥镇")
	bad["身份证号"] = idNumber(31)[:17] + "0"
	noVillage := importRow(32, "990101")
	noVillage["村（社区）"] = "不存在村"
	badSkill := importRow(33, "官埠桥镇")
	badSkill["技能"] = "宇航员"
	rows := []map[string]string{importRow(30, "官埠桥镇"), bad, noVillage, importRow(34, "990101"), badSkill}
	r := e.upload("/admin/api/v1/returnees/import", admin, "名单.xlsx", sheet(t, importHeader, rows))
	expect(t, r, 200, "")
	var rep importAnswer
	r.json(t, &rep)
	if rep.RowsTotal != 5 || rep.RowsCreated != 2 || rep.RowsFailed != 3 || len(rep.Errors) != 3 {
		t.Fatalf("report = %s", r.Body)
	}
	want := map[int]string{3: "身份证号", 4: "村（社区）", 6: "技能"}
	for _, re := range rep.Errors {
		if want[re.Row] != re.Column || re.Reason == "" {
			t.Errorf("row error %+v, want column %q", re, want[re.Row])
		}
	}
	var n int
	e.db.Get(&n, "SELECT COUNT(*) FROM returnees r JOIN persons p ON p.id = r.person_id WHERE p.created_source = 'import'")
	if n != 2 {
		t.Fatalf("imported records = %d", n)
	}

	// The report downloads as .xlsx.
	rr := e.do("GET", fmt.Sprintf("/admin/api/v1/returnees/imports/%d/report", rep.BatchID), admin, nil)
	expect(t, rr, 200, "")
	rf, err := excelize.OpenReader(bytes.NewReader(rr.Body))
	if err != nil {
		t.Fatal(err)
	}
	rrows, _ := rf.GetRows(rf.GetSheetList()[0])
	if len(rrows) != 5 || rrows[2][0] != "3" || rrows[2][1] != "身份证号" {
		t.Fatalf("report rows = %v", rrows)
	}
	list := e.do("GET", "/admin/api/v1/returnees/imports", admin, nil)
	if !strings.Contains(string(list.Body), `"rows_created":2`) {
		t.Fatalf("batches = %s", list.Body)
	}

	// Re-importing the same people updates them.
	again := importRow(30, "官埠桥镇")
	again["需求"] = "场地"
	r = e.upload("/admin/api/v1/returnees/import", admin, "名单2.xlsx", sheet(t, importHeader, []map[string]string{again, importRow(34, "990101")}))
	expect(t, r, 200, "")
	r.json(t, &rep)
	if rep.RowsCreated != 0 || rep.RowsUpdated != 2 || rep.RowsFailed != 0 {
		t.Fatalf("re-import = %s", r.Body)
	}
	e.db.Get(&n, "SELECT COUNT(*) FROM persons")
	if n != 2 {
		t.Fatalf("persons after re-import = %d, want 2", n)
	}
	var needs string
	e.db.Get(&needs, "SELECT GROUP_CONCAT(code) FROM returnee_tags g JOIN persons p ON p.id = g.person_id WHERE g.kind = 'need' AND p.id = (SELECT MIN(id) FROM persons)")
	if needs != "site" {
		t.Fatalf("needs after re-import = %q", needs)
	}
	var hist int
	e.db.Get(&hist, "SELECT COUNT(*) FROM record_changes WHERE source = 'import' AND import_batch_id IS NOT NULL")
	if hist != 4 {
		t.Fatalf("import history rows = %d, want 4", hist)
	}
}

func TestReturneeImport_refusesBadFiles(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *config.Config) { c.Registry.MaxImportRows = 5; c.HTTP.MaxUploadBytes = 256 << 10 })
	seedRegions(t, e)
	admin := e.staffToken("admin", adminPasswd)
	t.Run("missing and renamed columns 400", func(t *testing.T) {
		h := append([]string{}, importHeader...)
		h[1] = "身份证" // renamed
		h = h[:5]    // 当前状态 missing
		r := e.upload("/admin/api/v1/returnees/import", admin, "x.xlsx", sheet(t, h, nil))
		expect(t, r, 400, "IMPORT_COLUMNS_UNKNOWN")
		if !strings.Contains(string(r.Body), "身份证号") || !strings.Contains(string(r.Body), "当前状态") || !strings.Contains(string(r.Body), "身份证") {
			t.Fatalf("does not list the columns: %s", r.Body)
		}
	})
	t.Run("missing required column 400", func(t *testing.T) {
		r := e.upload("/admin/api/v1/returnees/import", admin, "x.xlsx", sheet(t, importHeader[:5], nil))
		expect(t, r, 400, "SHEET_COLUMNS_INVALID")
		if !strings.Contains(string(r.Body), "当前状态") {
			t.Fatalf("does not list the missing column: %s", r.Body)
		}
	})
	t.Run("not xlsx 415", func(t *testing.T) {
		expect(t, e.upload("/admin/api/v1/returnees/import", admin, "x.xlsx", []byte("姓名,身份证号\n")), 415, "UNSUPPORTED_MEDIA_TYPE")
		expect(t, e.upload("/admin/api/v1/returnees/import", admin, "x.xlsx", []byte("PK\x03\x04garbage")), 415, "UNSUPPORTED_MEDIA_TYPE")
	})
	t.Run("too many rows 413", func(t *testing.T) {
		rows := make([]map[string]string, 6)
		for i := range rows {
			rows[i] = importRow(40+i, "官埠桥镇")
		}
		expect(t, e.upload("/admin/api/v1/returnees/import", admin, "x.xlsx", sheet(t, importHeader, rows)), 413, "TOO_MANY_ROWS")
		var n int
		e.db.Get(&n, "SELECT COUNT(*) FROM persons")
		if n != 0 {
			t.Fatalf("an oversized sheet saved %d rows", n)
		}
	})
	t.Run("file over the size limit 413", func(t *testing.T) {
		expect(t, e.upload("/admin/api/v1/returnees/import", admin, "x.xlsx", bytes.Repeat([]byte("x"), 300<<10)), 413, "BODY_TOO_LARGE")
	})
	t.Run("no file 400", func(t *testing.T) {
		expect(t, e.do("POST", "/admin/api/v1/returnees/import", admin, map[string]string{}), 400, "BAD_REQUEST")
	})
	t.Run("township staff import only their township", func(t *testing.T) {
		expect(t, e.do("POST", "/admin/api/v1/staff", admin, map[string]string{"username": "town2", "password": "Township12345", "role": "township", "township_code": "990102"}), 201, "")
		town := e.staffToken("town2", "Township12345")
		r := e.upload("/admin/api/v1/returnees/import", town, "x.xlsx", sheet(t, importHeader, []map[string]string{importRow(50, "官埠桥镇")}))
		expect(t, r, 200, "")
		if !strings.Contains(string(r.Body), `"rows_failed":1`) || !strings.Contains(string(r.Body), "不属于您所在的乡镇") {
			t.Fatalf("report = %s", r.Body)
		}
	})
}

func TestReturneeExport_maskedByDefault_revealAudited(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	seedRegions(t, e)
	admin := e.staffToken("admin", adminPasswd)
	for i := range 3 {
		f := form(60+i, "990101")
		f["phone"] = fmt.Sprintf("1360000%04d", i)
		expect(t, e.do("POST", "/admin/api/v1/returnees", admin, f), 201, "")
	}
	read := func(r response) [][]string {
		t.Helper()
		expect(t, r, 200, "")
		f, err := excelize.OpenReader(bytes.NewReader(r.Body))
		if err != nil {
			t.Fatal(err)
		}
		rows, _ := f.GetRows(f.GetSheetList()[0])
		return rows
	}
	rows := read(e.do("GET", "/admin/api/v1/returnees/export?status=returned", admin, nil))
	if len(rows) != 4 || rows[1][1] != "4212**********"+idNumber(60)[14:] || rows[1][2] != "136****0000" || rows[1][3] != "官埠桥镇" || rows[1][13] != "电工、焊工" {
		t.Fatalf("masked export rows = %v", rows)
	}
	if r := e.do("GET", "/admin/api/v1/returnees/export?reveal=true", admin, nil); r.Status != 422 {
		t.Fatalf("reveal without reason: %d", r.Status)
	}
	rows = read(e.do("GET", "/admin/api/v1/returnees/export?reveal=true&reason="+url.QueryEscape("区人社局核对补贴名单"), admin, nil))
	if rows[1][1] != idNumber(60) || rows[1][2] != "13600000000" {
		t.Fatalf("revealed export rows = %v", rows[1])
	}
	var details []string
	e.db.Select(&details, "SELECT detail FROM audit_log WHERE action = 'returnee.export' ORDER BY id")
	if len(details) != 2 || !strings.Contains(details[0], `"revealed":false`) || !strings.Contains(details[1], "区人社局核对补贴名单") || !strings.Contains(details[1], `"rows":3`) {
		t.Fatalf("export audit = %v", details)
	}
	// A reimport of an export round-trips: same people, updated not duplicated.
	rows = read(e.do("GET", "/admin/api/v1/returnees/export?reveal=true&reason="+url.QueryEscape("导出后修改再导入"), admin, nil))
	f := excelize.NewFile()
	for i, row := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		vals := make([]any, len(row))
		for j := range row {
			vals[j] = row[j]
		}
		f.SetSheetRow("Sheet1", cell, &vals)
	}
	var buf bytes.Buffer
	f.Write(&buf)
	r := e.upload("/admin/api/v1/returnees/import", admin, "round.xlsx", buf.Bytes())
	expect(t, r, 200, "")
	if !strings.Contains(string(r.Body), `"rows_updated":3`) || !strings.Contains(string(r.Body), `"rows_failed":0`) {
		t.Fatalf("round trip import = %s", r.Body)
	}
}

// without returns header without the named columns.
func without(header []string, drop ...string) []string {
	var out []string
	for _, h := range header {
		if !slices.Contains(drop, h) {
			out = append(out, h)
		}
	}
	return out
}

// Issue #8 item 14: a sheet whose 从事行业 was renamed 所在行业 imported with 200 and dropped the
// column; re-importing a known person from it, or from a sheet without 务工城市, emptied the
// stored values.
func TestReturneeImport_renamedColumn400_absentColumnKeepsStored_emptyCellClears(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	seedRegions(t, e)
	admin := e.staffToken("admin", adminPasswd)
	first := importRow(70, "官埠桥镇")
	first["务工城市"], first["从事行业"], first["务工省份"] = "东莞市", "电子制造", "广东省"
	r := e.upload("/admin/api/v1/returnees/import", admin, "a.xlsx", sheet(t, importHeader, []map[string]string{first}))
	expect(t, r, 200, "")
	stored := func() (city, industry, province, needs string) {
		t.Helper()
		e.db.QueryRow(`SELECT work_city, industry, work_province FROM returnees`).Scan(&city, &industry, &province)
		e.db.Get(&needs, `SELECT COALESCE(GROUP_CONCAT(code ORDER BY code), '') FROM returnee_tags WHERE kind = 'need'`)
		return
	}
	if c, i, _, _ := stored(); c != "东莞市" || i != "电子制造" {
		t.Fatalf("first import stored %q %q", c, i)
	}

	// Renamed header: refused, naming it and the expected names; nothing changes.
	renamed := slices.Clone(importHeader)
	renamed[slices.Index(renamed, "从事行业")] = "所在行业"
	row := maps.Clone(first)
	row["所在行业"], row["需求"] = "物流", "场地"
	r = e.upload("/admin/api/v1/returnees/import", admin, "b.xlsx", sheet(t, renamed, []map[string]string{row}))
	expect(t, r, 400, "IMPORT_COLUMNS_UNKNOWN")
	if body := string(r.Body); !strings.Contains(body, "所在行业") || !strings.Contains(body, "从事行业") || !strings.Contains(body, "务工城市") {
		t.Fatalf("message does not name the unknown and the expected columns: %s", body)
	}
	if c, i, _, n := stored(); c != "东莞市" || i != "电子制造" || n != "funds,training" {
		t.Fatalf("a refused sheet changed the record: %q %q %q", c, i, n)
	}

	// A column twice is refused too.
	r = e.upload("/admin/api/v1/returnees/import", admin, "b2.xlsx", sheet(t, append(slices.Clone(importHeader), "务工城市"), []map[string]string{first}))
	expect(t, r, 400, "IMPORT_COLUMNS_UNKNOWN")
	if !strings.Contains(string(r.Body), "务工城市（重复）") {
		t.Fatalf("duplicate column not named: %s", r.Body)
	}

	// Columns absent: the stored values stay; the present ones update.
	partial := without(importHeader, "务工城市", "从事行业")
	row = maps.Clone(first)
	row["需求"] = "场地"
	r = e.upload("/admin/api/v1/returnees/import", admin, "c.xlsx", sheet(t, partial, []map[string]string{row}))
	expect(t, r, 200, "")
	if !strings.Contains(string(r.Body), `"rows_updated":1`) {
		t.Fatalf("partial import = %s", r.Body)
	}
	if c, i, p, n := stored(); c != "东莞市" || i != "电子制造" || p != "广东省" || n != "site" {
		t.Fatalf("after a sheet without 务工城市/从事行业: city %q industry %q province %q needs %q", c, i, p, n)
	}

	// A present, empty cell clears.
	row["务工城市"] = ""
	r = e.upload("/admin/api/v1/returnees/import", admin, "d.xlsx", sheet(t, without(importHeader, "从事行业"), []map[string]string{row}))
	expect(t, r, 200, "")
	if c, i, _, _ := stored(); c != "" || i != "电子制造" {
		t.Fatalf("after an empty 务工城市 cell: city %q industry %q", c, i)
	}

	// The template says so.
	tpl := e.do("GET", "/admin/api/v1/returnees/import/template", admin, nil)
	expect(t, tpl, 200, "")
	tf, err := excelize.OpenReader(bytes.NewReader(tpl.Body))
	if err != nil {
		t.Fatal(err)
	}
	notes, _ := tf.GetRows("填写说明")
	if !strings.Contains(fmt.Sprint(notes), "表中没有的可选列，不改动已登记的值") || !strings.Contains(fmt.Sprint(notes), "留空，会清空该项") {
		t.Fatalf("template notes = %v", notes)
	}
	// The template itself (with its comments and notes) imports.
	expect(t, e.upload("/admin/api/v1/returnees/import", admin, "tpl.xlsx", tpl.Body), 200, "")
}

// rezip rewrites an .xlsx part by part through fn (which writes the part's new content to w).
func rezip(t *testing.T, xlsx []byte, fn func(name string, data []byte, w io.Writer)) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(xlsx), int64(len(xlsx)))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) { return flate.NewWriter(w, flate.BestSpeed) })
	for _, f := range zr.File {
		rc, _ := f.Open()
		data, _ := io.ReadAll(rc)
		rc.Close()
		w, err := zw.Create(f.Name)
		if err != nil {
			t.Fatal(err)
		}
		fn(f.Name, data, w)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// repeat is an io.Reader of a block repeated to n bytes.
type repeat struct {
	block  []byte
	n, off int
}

func (r *repeat) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, io.EOF
	}
	k := 0
	for k < len(p) && r.n > 0 {
		c := copy(p[k:min(len(p), k+r.n)], r.block[r.off:])
		r.off = (r.off + c) % len(r.block)
		k += c
		r.n -= c
	}
	return k, nil
}

// Issue #8 item 15: a 365 KB file expanding to 274 MB took 28 s of CPU; a sheet with a DOCTYPE
// was imported.
func TestReturneeImport_zipBombAndDoctype_400(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	seedRegions(t, e)
	admin := e.staffToken("admin", adminPasswd)
	valid := sheet(t, importHeader, []map[string]string{importRow(80, "官埠桥镇")})

	row := `<row><c t="inlineStr"><is><t>王五</t></is></c><c t="inlineStr"><is><t>421202199001010000</t></is></c></row>`
	bomb := rezip(t, valid, func(name string, data []byte, w io.Writer) {
		if name != "xl/worksheets/sheet1.xml" {
			w.Write(data)
			return
		}
		head, _, _ := bytes.Cut(data, []byte("<sheetData>"))
		w.Write(head)
		io.WriteString(w, "<sheetData>")
		io.Copy(w, &repeat{block: bytes.Repeat([]byte(row), 512), n: 110 << 20})
		io.WriteString(w, "</sheetData></worksheet>")
	})
	if len(bomb) > 2<<20 {
		t.Fatalf("bomb is %d bytes; want a small file", len(bomb))
	}
	start := time.Now()
	r := e.upload("/admin/api/v1/returnees/import", admin, "bomb.xlsx", bomb)
	expect(t, r, 400, "SHEET_INVALID")
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("refusing a %d-byte zip bomb took %v", len(bomb), d)
	}

	doctype := rezip(t, valid, func(name string, data []byte, w io.Writer) {
		if name == "xl/worksheets/sheet1.xml" {
			decl, rest, _ := bytes.Cut(data, []byte("?>"))
			w.Write(decl)
			io.WriteString(w, `?><!DOCTYPE worksheet [<!ENTITY who "王五">]>`)
			w.Write(rest)
			return
		}
		w.Write(data)
	})
	expect(t, e.upload("/admin/api/v1/returnees/import", admin, "doctype.xlsx", doctype), 400, "SHEET_INVALID")
	var n int
	e.db.Get(&n, "SELECT COUNT(*) FROM persons")
	if n != 0 {
		t.Fatalf("a refused sheet saved %d persons", n)
	}
	// The same workbook without the DOCTYPE imports.
	expect(t, e.upload("/admin/api/v1/returnees/import", admin, "ok.xlsx", rezip(t, valid, func(_ string, d []byte, w io.Writer) { w.Write(d) })), 200, "")
}
