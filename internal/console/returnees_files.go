package console

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"time"

	"huixiang/internal/cn"
	"huixiang/internal/returnee"
)

const regXLSXType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// download sends body as the file name (personal data: never stored by a cache).
func (r *request) regDownload(name string, body []byte) {
	r.c.Header("Content-Disposition", "attachment; filename=\"download.xlsx\"; filename*=UTF-8''"+url.PathEscape(name))
	r.c.Header("Cache-Control", "no-store")
	r.c.Data(http.StatusOK, regXLSXType, body)
}

type regImportData struct {
	Batches []returnee.Batch
	Report  *returnee.ImportReport
	MaxRows int
	MaxMB   int64
}

func (cs *Console) regImportData(r *request) (regImportData, error) {
	b, err := cs.d.Returnees.Batches(r.Ctx(), r.Actor())
	return regImportData{Batches: b, MaxRows: cs.d.Returnees.MaxImportRows(), MaxMB: cs.d.MaxUploadBytes >> 20}, err
}

func (cs *Console) returneeImportPage(r *request) error {
	d, err := cs.regImportData(r)
	if err != nil {
		return err
	}
	return r.OK("returnees/import", "", "批量导入", d)
}

// returneeImport takes the uploaded .xlsx and shows the per-row report (the htmx fragment, or
// the whole page to a plain form post). A large file is read and saved within the request, so
// its deadlines are extended as the API's import does.
func (cs *Console) returneeImport(r *request) error {
	rc := http.NewResponseController(r.c.Writer)
	_ = rc.SetReadDeadline(time.Now().Add(5 * time.Minute))
	_ = rc.SetWriteDeadline(time.Now().Add(10 * time.Minute))
	r.c.Request.Body = http.MaxBytesReader(r.c.Writer, r.c.Request.Body, cs.d.MaxUploadBytes+64<<10)
	tooLarge := &consoleError{Status: http.StatusRequestEntityTooLarge, Message: fmt.Sprintf("文件不能超过 %d MB，请拆分后分批导入", cs.d.MaxUploadBytes>>20)}
	if err := r.c.Request.ParseMultipartForm(4 << 20); err != nil {
		var maxBytes *http.MaxBytesError
		if errors.As(err, &maxBytes) {
			return tooLarge
		}
	}
	f, h, err := r.c.Request.FormFile("file")
	if err != nil {
		return badInput("请选择要导入的 Excel 文件（.xlsx）")
	}
	defer f.Close()
	if h.Size > cs.d.MaxUploadBytes {
		return tooLarge
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Ctx()), 10*time.Minute)
	defer cancel()
	rep, err := cs.d.Returnees.Import(ctx, r.Actor(), h.Filename, f, h.Size)
	if err != nil {
		return err
	}
	d, err := cs.regImportData(r)
	if err != nil {
		return err
	}
	d.Report = &rep
	return r.OK("returnees/import", "import-result", "批量导入", d)
}

func (cs *Console) returneeTemplate(r *request) error {
	b, err := cs.d.Returnees.Template(r.Ctx())
	if err != nil {
		return err
	}
	r.regDownload("返乡人员导入模板.xlsx", b)
	return nil
}

func (cs *Console) returneeBatchReport(r *request) error {
	id, err := r.ID("id")
	if err != nil {
		return err
	}
	b, err := cs.d.Returnees.BatchReport(r.Ctx(), r.Actor(), id)
	if err != nil {
		return err
	}
	r.regDownload(fmt.Sprintf("导入结果-%d.xlsx", id), b)
	return nil
}

type regExportData struct {
	Filter    url.Values
	Summary   []regField
	Total     int
	MayReveal bool
}

// returneeExportPage shows what the export of the list's current filter will hold.
func (cs *Console) returneeExportPage(r *request) error {
	f, err := cs.returneeFilter(r.Query)
	if err != nil {
		return err
	}
	f.PageRequest.PageSize = 1
	res, err := cs.d.Returnees.ListSorted(r.Ctx(), r.Actor(), f, "")
	if err != nil {
		return err
	}
	q := regFilterValues(r.c.Request.URL.Query())
	p, err := cs.regPickers(r)
	if err != nil {
		return err
	}
	return r.OK("returnees/export", "", "导出", regExportData{Filter: q, Summary: regFilterSummary(q, p), Total: res.Total,
		MayReveal: r.Actor().MayReveal()})
}

// filterSummary words the filters of q.
func regFilterSummary(q url.Values, p regPickers) []regField {
	town, village := regRegionNames(p, q.Get("township"), q.Get("village"))
	words := map[string]string{"township": town, "village": village, "status": regStatusLabels[q.Get("status")],
		"intention": regIntentionLabels[q.Get("intention")], "field": regLabelsOf(p.Lists, "intended_field", regNonEmpty(q.Get("field"))),
		"need": regLabelsOf(p.Lists, "need", regNonEmpty(q.Get("need"))), "skill": regLabelsOf(p.Lists, "skill", regNonEmpty(q.Get("skill"))),
		"content_review": regReviewLabels[q.Get("content_review")], "name": q.Get("name"), "updated_before": q.Get("updated_before")}
	names := map[string]string{"township": "乡镇（街道）", "village": "村（社区）", "status": "当前状态", "intention": "创业意向",
		"field": "意向领域", "need": "需求", "skill": "技能", "content_review": "内容审核", "name": "姓名含", "updated_before": "最近确认早于"}
	var out []regField
	for _, k := range regFilterKeys {
		if q.Get(k) == "" {
			continue
		}
		if k == "stale" {
			out = append(out, regField{"最近确认", "超过 180 天未确认"})
			continue
		}
		v := words[k]
		if v == "" {
			v = q.Get(k)
		}
		out = append(out, regField{names[k], v})
	}
	return out
}

// returneeExport sends the .xlsx of the posted filter, masked unless reveal is ticked (which
// needs a role that may reveal and a reason; the service checks and audits both).
func (cs *Console) returneeExport(r *request) error {
	f, err := cs.returneeFilter(r.Form)
	if err != nil {
		return err
	}
	_ = http.NewResponseController(r.c.Writer).SetWriteDeadline(time.Now().Add(10 * time.Minute))
	opts := returnee.ExportOptions{Reveal: r.Form("reveal") == "1", Reason: r.Form("reason")}
	var buf bytes.Buffer
	if _, err := cs.d.Returnees.Export(r.Ctx(), r.Actor(), f, opts, &buf); err != nil {
		return err
	}
	name := "返乡人员-" + cs.d.Now().In(cn.Zone).Format("20060102-1504")
	if opts.Reveal {
		name += "-完整信息"
	}
	r.regDownload(name+".xlsx", buf.Bytes())
	return nil
}

type regFreshnessData struct {
	Report returnee.FreshnessReport
	Days   []int
	Chart  map[string]any
}

func (cs *Console) returneeFreshness(r *request) error {
	days, _ := strconv.Atoi(r.Query("days"))
	rep, err := cs.d.Returnees.Freshness(r.Ctx(), r.Actor(), days)
	if err != nil {
		return err
	}
	names := make([]string, 0, len(rep.Townships))
	rates := make([]float64, 0, len(rep.Townships))
	for _, t := range rep.Townships {
		name := t.TownshipName
		if name == "" {
			name = t.TownshipCode
		}
		names = append(names, name)
		rates = append(rates, float64(int(t.Rate*1000+0.5))/10)
	}
	chart := map[string]any{
		"tooltip": map[string]any{"trigger": "axis"},
		"grid":    map[string]any{"left": 48, "right": 16, "top": 24, "bottom": 48},
		"xAxis":   map[string]any{"type": "category", "data": names, "axisLabel": map[string]any{"interval": 0, "rotate": 30}},
		"yAxis":   map[string]any{"type": "value", "max": 100, "name": "%"},
		"series":  []any{map[string]any{"type": "bar", "name": "更新率（%）", "data": rates, "itemStyle": map[string]any{"color": "#0052d9"}}},
	}
	choices := []int{30, 90, 180, 365}
	if !regContainsInt(choices, rep.Days) {
		choices = append(choices, rep.Days)
		sort.Ints(choices)
	}
	return r.OK("returnees/freshness", "", "更新率", regFreshnessData{Report: rep, Days: choices, Chart: chart})
}

func regContainsInt(s []int, n int) bool {
	for _, v := range s {
		if v == n {
			return true
		}
	}
	return false
}

type regClaimsData struct {
	Result returnee.ClaimPage
	Pager  pager
	Labels regLabels
}

func (cs *Console) returneeClaims(r *request) error {
	res, err := cs.d.Returnees.Claims(r.Ctx(), r.Actor(), r.PageRequest())
	if err != nil {
		return err
	}
	q := r.c.Request.URL.Query()
	return r.OK("returnees/claims", "", "认领记录", regClaimsData{Result: res, Pager: newPager(q, res.Total, res.Page, res.PageSize), Labels: regCodeLabels})
}
