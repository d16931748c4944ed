package console

import (
	"net/http"
	"net/url"
	"time"

	"github.com/gin-gonic/gin"

	"huixiang/internal/actor"
	"huixiang/internal/cn"
	"huixiang/internal/region"
	"huixiang/internal/returnee"
	"huixiang/internal/vocab"
)

// The registry of returnees (返乡人员): the list with the API's filters, a person's page with the
// change history and the audited reveal, entry and editing on someone's behalf, spreadsheet
// imports and exports, the freshness rate per township and the claims list.
func (cs *Console) registerReturnees(g *gin.RouterGroup) {
	const menu = "返乡人员"
	write := actor.Actor.MayWriteRegistry
	cs.handle(g, page{Path: "/returnees", Title: "人员清单", Menu: menu}, cs.returneeList)
	cs.handle(g, page{Path: "/returnees/new", Title: "代为登记", Menu: menu, May: write}, cs.returneeNew)
	cs.handle(g, page{Method: http.MethodPost, Path: "/returnees/new", Title: "代为登记", May: write}, cs.returneeCreate)
	cs.handle(g, page{Path: "/returnees/import", Title: "批量导入", Menu: menu, May: write}, cs.returneeImportPage)
	cs.handle(g, page{Method: http.MethodPost, Path: "/returnees/import", Title: "批量导入", May: write}, cs.returneeImport)
	cs.handle(g, page{Path: "/returnees/import/template", Title: "导入模板", May: write}, cs.returneeTemplate)
	cs.handle(g, page{Path: "/returnees/imports/:id/report", Title: "导入结果", May: write}, cs.returneeBatchReport)
	cs.handle(g, page{Path: "/returnees/export", Title: "导出", Menu: menu}, cs.returneeExportPage)
	cs.handle(g, page{Method: http.MethodPost, Path: "/returnees/export", Title: "导出"}, cs.returneeExport)
	cs.handle(g, page{Path: "/returnees/freshness", Title: "更新率", Menu: menu}, cs.returneeFreshness)
	cs.handle(g, page{Path: "/returnees/claims", Title: "认领记录", Menu: menu}, cs.returneeClaims)
	cs.handle(g, page{Path: "/returnees/:id", Title: "人员详情"}, cs.returneeDetail)
	cs.handle(g, page{Method: http.MethodPost, Path: "/returnees/:id/reveal", Title: "查看完整信息", May: actor.Actor.MayReveal}, cs.returneeReveal)
	cs.handle(g, page{Path: "/returnees/:id/edit", Title: "修改人员信息", May: write}, cs.returneeEdit)
	cs.handle(g, page{Method: http.MethodPost, Path: "/returnees/:id/edit", Title: "修改人员信息", May: write}, cs.returneeUpdate)
}

// Words the registry's codes are shown in.
var (
	regStatusLabels    = map[string]string{"away": "在外务工", "returned": "已返乡", "planning": "计划返乡"}
	regIntentionLabels = map[string]string{"none": "暂无", "considering": "有意向", "preparing": "筹备中", "started": "已创业"}
	regReviewLabels    = map[string]string{"ok": "已通过", "pending": "待复核（未能检查）", "review": "待人工复核"}
	regSourceLabels    = map[string]string{"self": "本人登记", "grid": "网格员代填", "import": "批量导入"}
	regActionLabels    = map[string]string{"create": "新建", "update": "修改", "confirm": "确认信息无变化"}
)

type regOption struct{ Code, Label string }

func regOptions(codes []string, regLabels map[string]string) []regOption {
	out := make([]regOption, 0, len(codes))
	for _, c := range codes {
		out = append(out, regOption{c, regLabels[c]})
	}
	return out
}

var (
	regStatusOptions    = regOptions([]string{"away", "returned", "planning"}, regStatusLabels)
	regIntentionOptions = regOptions([]string{"none", "considering", "preparing", "started"}, regIntentionLabels)
	regReviewOptions    = regOptions([]string{"ok", "pending", "review"}, regReviewLabels)
)

// staleDays is how long a record may go unconfirmed before the list's "stale" filter (the
// dashboard's link) shows it.
const regStaleDays = 180

// filterKeys are the list's filters as query (and export form) parameters, as in the API.
var regFilterKeys = []string{"township", "village", "status", "intention", "field", "need", "skill", "content_review", "name", "updated_before", "stale"}

// returneeFilter reads the filters through get (the query or the posted form).
func (cs *Console) returneeFilter(get func(string) string) (returnee.Filter, error) {
	f := returnee.Filter{Township: get("township"), Village: get("village"), Status: get("status"),
		Intention: get("intention"), Field: get("field"), Need: get("need"), Skill: get("skill"),
		ContentReview: get("content_review"), Name: get("name")}
	if v := get("updated_before"); v != "" {
		t, err := time.ParseInLocation(time.DateOnly, v, cn.Zone)
		if err != nil {
			return f, badInput("“最近确认早于”应为日期，例如 2025-01-31")
		}
		f.UpdatedBefore = &t
	}
	if get("stale") == "1" {
		t := cs.d.Now().Add(-regStaleDays * 24 * time.Hour)
		if f.UpdatedBefore == nil || t.Before(*f.UpdatedBefore) {
			f.UpdatedBefore = &t
		}
	}
	return f, nil
}

// filterValues are the filters of q, for forms that carry them (export).
func regFilterValues(q url.Values) url.Values {
	out := url.Values{}
	for _, k := range regFilterKeys {
		if v := q.Get(k); v != "" {
			out.Set(k, v)
		}
	}
	return out
}

// pickers are the option lists of the filter and edit forms.
type regPickers struct {
	Townships  []region.Region
	Villages   []regVillageGroup
	Statuses   []regOption
	Intentions []regOption
	Reviews    []regOption
	Lists      vocab.Lists
}

type regVillageGroup struct {
	Township region.Region
	Villages []region.Region
}

// pickers lists the townships the actor sees (their own for township staff) and their villages.
func (cs *Console) regPickers(r *request) (regPickers, error) {
	p := regPickers{Statuses: regStatusOptions, Intentions: regIntentionOptions, Reviews: regReviewOptions}
	var err error
	if p.Lists, err = cs.d.Returnees.Options(r.Ctx()); err != nil {
		return p, err
	}
	towns, err := cs.d.Regions.Children(r.Ctx(), "")
	if err != nil {
		return p, err
	}
	for _, t := range towns {
		if !r.Actor().SeesTownship(t.Code) {
			continue
		}
		p.Townships = append(p.Townships, t)
		vs, err := cs.d.Regions.Children(r.Ctx(), t.Code)
		if err != nil {
			return p, err
		}
		p.Villages = append(p.Villages, regVillageGroup{Township: t, Villages: vs})
	}
	return p, nil
}

// listData is what the list page shows.
type regListData struct {
	Pickers  regPickers
	Filter   url.Values
	Result   returnee.Page
	Pager    pager
	Sort     string
	Headers  map[string]regSortHeader
	MayWrite bool
	Stale    bool
	Labels   regLabels
	// OOB: an htmx answer, which also updates the filter form's sort field.
	OOB bool
}

// sortHeader is a sortable column header: the link that sorts by it (or reverses), and its
// aria-sort when the list is sorted by it.
type regSortHeader struct {
	Href, Aria string
}

// labels are the code → word maps templates show codes with.
type regLabels struct {
	Status, Intention, Review, Source map[string]string
}

var regCodeLabels = regLabels{Status: regStatusLabels, Intention: regIntentionLabels, Review: regReviewLabels, Source: regSourceLabels}

func (cs *Console) returneeList(r *request) error {
	f, err := cs.returneeFilter(r.Query)
	if err != nil {
		return err
	}
	f.PageRequest = r.PageRequest()
	sort := r.Query("sort")
	if sort == "" && f.UpdatedBefore != nil {
		// Records not confirmed for a while: the longest unconfirmed first, which is also the
		// order an index gives them in (newest change first would walk past every recent one).
		sort = "confirmed"
	}
	col, desc := returnee.ParseSort(sort)
	res, err := cs.d.Returnees.ListSorted(r.Ctx(), r.Actor(), f, sort)
	if err != nil {
		return err
	}
	q := r.c.Request.URL.Query()
	d := regListData{Filter: q, Result: res, Pager: newPager(q, res.Total, res.Page, res.PageSize),
		MayWrite: r.Actor().MayWriteRegistry(), Stale: q.Get("stale") == "1", Labels: regCodeLabels,
		Sort: q.Get("sort"), Headers: map[string]regSortHeader{}, OOB: r.HTMX()}
	for c := range returnee.SortColumns {
		next, aria := c, ""
		if c == col {
			aria = "ascending"
			if desc {
				aria = "descending"
			} else {
				next = "-" + c
			}
		} else {
			next = "-" + c // newest first on the first click
		}
		d.Headers[c] = regSortHeader{Href: "/console/returnees" + withQuery(q, "sort", next, "page", ""), Aria: aria}
	}
	if !r.HTMX() {
		if d.Pickers, err = cs.regPickers(r); err != nil {
			return err
		}
	}
	return r.OK("returnees/list", "results", "人员清单", d)
}
