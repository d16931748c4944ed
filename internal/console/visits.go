package console

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"huixiang/internal/cn"
	"huixiang/internal/region"
	"huixiang/internal/sqldb"
	"huixiang/internal/visit"
)

// The visit pages (走访接待) mirror the admin API's /visits routes (internal/httpapi/visit.go):
// every staff role records visits, township staff their township's; the service scopes them.
func (cs *Console) registerVisits(g *gin.RouterGroup) {
	cs.handle(g, page{Path: "/visits", Title: "走访接待", Menu: "招商"}, cs.visitsList)
	cs.handle(g, page{Path: "/visits/new", Title: "登记走访接待"}, cs.visitNew)
	cs.handle(g, page{Method: http.MethodPost, Path: "/visits", Title: "登记走访接待"}, cs.visitCreate)
	cs.handle(g, page{Path: "/visits/:id", Title: "走访接待详情"}, cs.visitPage)
	cs.handle(g, page{Path: "/visits/:id/edit", Title: "修改走访接待"}, cs.visitEdit)
	cs.handle(g, page{Method: http.MethodPost, Path: "/visits/:id", Title: "修改走访接待"}, cs.visitUpdate)
	cs.handle(g, page{Method: http.MethodPost, Path: "/visits/:id/followups", Title: "添加跟进事项"}, cs.visitAddFollowup)
	cs.handle(g, page{Method: http.MethodPost, Path: "/visits/:id/followups/:fid/done", Title: "跟进事项办结"}, cs.visitFollowupDone)
}

func visitKinds() []category {
	out := make([]category, 0, len(visit.Kinds))
	for _, k := range visit.Kinds {
		out = append(out, category{k, visit.KindNames[k]})
	}
	return out
}

func visitResults() []category {
	out := make([]category, 0, len(visit.Results))
	for _, k := range visit.Results {
		out = append(out, category{k, visit.ResultNames[k]})
	}
	return out
}

type visitsData struct {
	Page      sqldb.Page[visit.Visit]
	Q         visit.Query
	Year      string
	Years     []int
	Kinds     []category
	Townships []region.Region
	Scoped    bool
	Stats     visit.YearStats
	Overdue   []visit.OverdueItem
	Pager     pager
	// MerchantName and ProjectName name the merchant or project the list is narrowed to.
	MerchantName, ProjectName string
}

func (cs *Console) visitsList(r *request) error {
	a := r.Actor()
	thisYear := time.Now().In(cn.Zone).Year()
	d := visitsData{Kinds: visitKinds(), Scoped: a.ScopeTownship() != "", Years: []int{thisYear, thisYear - 1, thisYear - 2}}
	q := visit.Query{Kind: r.Query("kind"), Township: r.Query("township"), Overdue: r.Query("overdue") == "1", Mine: r.Query("mine") == "1"}
	if !slices.Contains(visit.Kinds, q.Kind) {
		q.Kind = ""
	}
	if !visit.ValidTownshipCode(q.Township) {
		q.Township = ""
	}
	if y, err := strconv.Atoi(r.Query("year")); err == nil && y >= 2000 && y <= 2100 {
		q.Year, d.Year = y, strconv.Itoa(y)
	}
	q.MerchantID, _ = strconv.ParseInt(r.Query("merchant_id"), 10, 64)
	q.ProjectID, _ = strconv.ParseInt(r.Query("project_id"), 10, 64)
	q.MerchantID, q.ProjectID = max(q.MerchantID, 0), max(q.ProjectID, 0)
	d.Q = q
	var err error
	if d.Page, err = cs.d.Visits.List(r.Ctx(), a, q, r.PageRequest()); err != nil {
		return err
	}
	statsYear := thisYear
	if q.Year > 0 {
		statsYear = q.Year
	}
	if d.Stats, err = cs.d.Visits.Stats(r.Ctx(), a, statsYear); err != nil {
		return err
	}
	if d.Overdue, err = cs.d.Visits.Overdue(r.Ctx(), a, 20); err != nil {
		return err
	}
	if !d.Scoped {
		if d.Townships, err = cs.d.Regions.Children(r.Ctx(), ""); err != nil {
			return err
		}
	}
	if q.MerchantID > 0 {
		d.MerchantName = fmt.Sprintf("编号 %d", q.MerchantID)
		if m, err := cs.d.Merchants.Get(r.Ctx(), a, q.MerchantID); err == nil {
			d.MerchantName = m.Name
		}
	}
	if q.ProjectID > 0 {
		d.ProjectName = fmt.Sprintf("编号 %d", q.ProjectID)
		if p, err := cs.d.Projects.Get(r.Ctx(), a, q.ProjectID); err == nil {
			d.ProjectName = p.Name
		}
	}
	flag := func(b bool) string {
		if b {
			return "1"
		}
		return ""
	}
	id := func(v int64) string {
		if v == 0 {
			return ""
		}
		return strconv.FormatInt(v, 10)
	}
	d.Pager = newPager(url.Values{"year": {d.Year}, "kind": {q.Kind}, "township": {q.Township}, "overdue": {flag(q.Overdue)}, "mine": {flag(q.Mine)},
		"merchant_id": {id(q.MerchantID)}, "project_id": {id(q.ProjectID)}}, d.Page.Total, d.Page.Page, d.Page.PageSize)
	return r.OK("visits/list", "", "走访接待", d)
}

// pick is a merchant or project the form offers, ticked when the visit links it.
type pick struct {
	visit.Choice
	Checked bool
}

// visitForm is the form's values as typed (kept when the service refuses them).
type visitForm struct {
	ID                                                 int64
	Version                                            int
	Kind, Title, On, Place, Leader, LeaderTitle        string
	Participants, Township, Result, Outcome, Companies string
	MerchantIDs, ProjectIDs                            []int64
	Error, Field                                       string
	Stale                                              bool
	Merchants, Projects                                []pick
	Townships                                          []region.Region
	Scoped                                             bool
	Kinds, Results                                     []category
	Today                                              string
	// Search narrows the merchants and projects offered (the new form's 查找).
	Search string
}

func (cs *Console) renderVisitForm(r *request, status int, f visitForm, linked *visit.Visit) error {
	a := r.Actor()
	ms, ps, err := cs.d.Visits.Choices(r.Ctx(), a, f.Search)
	if err != nil {
		return err
	}
	f.Merchants, f.Projects = nil, nil
	for _, m := range ms {
		f.Merchants = append(f.Merchants, pick{Choice: m, Checked: slices.Contains(f.MerchantIDs, m.ID)})
	}
	for _, p := range ps {
		f.Projects = append(f.Projects, pick{Choice: p, Checked: slices.Contains(f.ProjectIDs, p.ID)})
	}
	// Linked records the pickers do not offer (another township's merchant a district clerk
	// linked) stay linked.
	if linked != nil {
		for _, m := range linked.Merchants {
			if !slices.ContainsFunc(f.Merchants, func(p pick) bool { return p.ID == m.ID }) {
				f.Merchants = append(f.Merchants, pick{Choice: visit.Choice{ID: m.ID, Name: m.Name, Hint: m.TownshipName},
					Checked: slices.Contains(f.MerchantIDs, m.ID)})
			}
		}
		for _, p := range linked.Projects {
			if !slices.ContainsFunc(f.Projects, func(x pick) bool { return x.ID == p.ID }) {
				f.Projects = append(f.Projects, pick{Choice: visit.Choice{ID: p.ID, Name: p.Name, Hint: p.StatusName},
					Checked: slices.Contains(f.ProjectIDs, p.ID)})
			}
		}
	}
	// Ticked ones the (narrowed) pickers do not offer stay ticked.
	for _, id := range f.MerchantIDs {
		if !slices.ContainsFunc(f.Merchants, func(p pick) bool { return p.ID == id }) {
			if m, err := cs.d.Merchants.Get(r.Ctx(), a, id); err == nil {
				f.Merchants = append(f.Merchants, pick{Choice: visit.Choice{ID: id, Name: m.Name, Hint: m.TownshipName}, Checked: true})
			}
		}
	}
	for _, id := range f.ProjectIDs {
		if !slices.ContainsFunc(f.Projects, func(p pick) bool { return p.ID == id }) {
			if p, err := cs.d.Projects.Get(r.Ctx(), a, id); err == nil {
				f.Projects = append(f.Projects, pick{Choice: visit.Choice{ID: id, Name: p.Name, Hint: p.StatusName}, Checked: true})
			}
		}
	}
	f.Scoped = a.ScopeTownship() != ""
	if !f.Scoped {
		if f.Townships, err = cs.d.Regions.Children(r.Ctx(), ""); err != nil {
			return err
		}
	}
	f.Kinds, f.Results, f.Today = visitKinds(), visitResults(), cs.d.Visits.Today()
	title := "登记走访接待"
	if f.ID > 0 {
		title = "修改走访接待"
	}
	return r.Page(status, "visits/form", "", title, f)
}

func (cs *Console) visitNew(r *request) error {
	f := visitForm{Kind: visit.KindOut, Result: visit.ResultContacted, On: cs.d.Visits.Today(), Search: r.Query("q")}
	if len([]rune(f.Search)) > 50 {
		f.Search = string([]rune(f.Search)[:50])
	}
	if k := r.Query("kind"); slices.Contains(visit.Kinds, k) {
		f.Kind = k
	}
	if id, err := strconv.ParseInt(r.Query("merchant_id"), 10, 64); err == nil && id > 0 {
		f.MerchantIDs = []int64{id}
	}
	if id, err := strconv.ParseInt(r.Query("project_id"), 10, 64); err == nil && id > 0 {
		f.ProjectIDs = []int64{id}
	}
	return cs.renderVisitForm(r, http.StatusOK, f, nil)
}

func (cs *Console) visitEdit(r *request) error {
	id, err := r.ID("id")
	if err != nil {
		return err
	}
	v, err := cs.d.Visits.Get(r.Ctx(), r.Actor(), id)
	if err != nil {
		return err
	}
	return cs.renderVisitForm(r, http.StatusOK, visitFormOf(v), v)
}

func visitFormOf(v *visit.Visit) visitForm {
	f := visitForm{ID: v.ID, Version: v.Version, Kind: v.Kind, Title: v.Title, On: v.VisitedOn, Place: v.Place, Leader: v.LeaderName,
		LeaderTitle: v.LeaderTitle, Participants: v.Participants, Result: v.Result, Outcome: v.Outcome,
		Companies: companiesText(v.Enterprises)}
	if v.TownshipCode != nil {
		f.Township = *v.TownshipCode
	}
	for _, m := range v.Merchants {
		f.MerchantIDs = append(f.MerchantIDs, m.ID)
	}
	for _, p := range v.Projects {
		f.ProjectIDs = append(f.ProjectIDs, p.ID)
	}
	return f
}

// companiesText shows the enterprises one a line: name, then the credit code when known.
func companiesText(es []visit.Enterprise) string {
	var b strings.Builder
	for _, e := range es {
		b.WriteString(e.Name)
		if e.USCC != "" {
			b.WriteString(" " + e.USCC)
		}
		b.WriteString("\n")
	}
	return b.String()
}

var usccLike = regexp.MustCompile(`^[0-9A-Za-z]{18}$`)

// parseCompanies reads the enterprises typed one a line; a last word of 18 letters and digits is
// the credit code (the service checks it).
func parseCompanies(s string) []visit.Enterprise {
	out := []visit.Enterprise{}
	for _, line := range strings.Split(s, "\n") {
		words := strings.Fields(line)
		if len(words) == 0 {
			continue
		}
		e := visit.Enterprise{Name: strings.Join(words, " ")}
		if last := words[len(words)-1]; len(words) > 1 && usccLike.MatchString(last) {
			e.Name, e.USCC = strings.Join(words[:len(words)-1], " "), last
		}
		out = append(out, e)
	}
	return out
}

func formIDs(r *request, name string) ([]int64, error) {
	var out []int64
	for _, v := range r.c.PostFormArray(name) {
		id, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil || id <= 0 {
			return nil, badInput("请从列表中选择客商和项目")
		}
		out = append(out, id)
	}
	return out, nil
}

// visitInput reads the posted form.
func visitInput(r *request) (visitForm, visit.Input, error) {
	f := visitForm{Kind: r.Form("kind"), Title: r.Form("title"), On: r.Form("visited_on"), Place: r.Form("place"),
		Leader: r.Form("leader_name"), LeaderTitle: r.Form("leader_title"), Participants: r.Form("participants"),
		Township: r.Form("township_code"), Result: r.Form("result"), Outcome: r.Form("outcome"), Companies: r.Form("enterprises")}
	f.Version, _ = strconv.Atoi(r.Form("version"))
	ents := parseCompanies(f.Companies)
	in := visit.Input{Kind: &f.Kind, Title: &f.Title, VisitedOn: &f.On, Place: &f.Place, LeaderName: &f.Leader,
		LeaderTitle: &f.LeaderTitle, Participants: &f.Participants, Result: &f.Result, Outcome: &f.Outcome, Enterprises: &ents,
		Version: f.Version}
	if r.Actor().ScopeTownship() == "" {
		in.TownshipCode = &f.Township
	}
	var err error
	if f.MerchantIDs, err = formIDs(r, "merchant_ids"); err != nil {
		f.Field = "merchant_ids"
		return f, in, err
	}
	if f.ProjectIDs, err = formIDs(r, "project_ids"); err != nil {
		f.Field = "project_ids"
		return f, in, err
	}
	ms, ps := slices.Clone(f.MerchantIDs), slices.Clone(f.ProjectIDs)
	if ms == nil {
		ms = []int64{}
	}
	if ps == nil {
		ps = []int64{}
	}
	in.MerchantIDs, in.ProjectIDs = &ms, &ps
	return f, in, nil
}

// visitFormFailed shows the form again with the values typed and the message next to it.
func (cs *Console) visitFormFailed(r *request, f visitForm, err error, linked *visit.Visit) error {
	p := Problem(err)
	if p.Status >= 500 || p.Status == http.StatusNotFound {
		return err
	}
	f.Error = p.Message
	if f.Field == "" {
		f.Field = p.Field
	}
	if strings.HasPrefix(f.Field, "enterprises") {
		f.Field = "enterprises"
	}
	f.Stale = f.Field == "version" && p.Status == http.StatusConflict
	return cs.renderVisitForm(r, p.Status, f, linked)
}

func (cs *Console) visitCreate(r *request) error {
	f, in, err := visitInput(r)
	if err != nil {
		return cs.visitFormFailed(r, f, err, nil)
	}
	v, err := cs.d.Visits.Create(r.Ctx(), r.Actor(), in)
	if err != nil {
		return cs.visitFormFailed(r, f, err, nil)
	}
	msg := fmt.Sprintf("已登记%s“%s”，可以在下面添加跟进事项", v.KindName, v.Title)
	if v.Result == visit.ResultSigned {
		msg += "；签约不会自动改变项目状态，请到项目详情里标记“签约”"
	}
	return r.Redirect(fmt.Sprintf("/visits/%d", v.ID), msg)
}

func (cs *Console) visitUpdate(r *request) error {
	id, err := r.ID("id")
	if err != nil {
		return err
	}
	old, err := cs.d.Visits.Get(r.Ctx(), r.Actor(), id)
	if err != nil {
		return err
	}
	f, in, err := visitInput(r)
	f.ID = id
	if err != nil {
		return cs.visitFormFailed(r, f, err, old)
	}
	v, err := cs.d.Visits.Update(r.Ctx(), r.Actor(), id, in)
	if err != nil {
		return cs.visitFormFailed(r, f, err, old)
	}
	return r.Redirect(fmt.Sprintf("/visits/%d", v.ID), fmt.Sprintf("已保存“%s”", v.Title))
}

type visitView struct {
	V      *visit.Visit
	Owners []visit.Owner
	Today  string
	// The follow-up form as typed when it was refused.
	Task, OwnerID, Department, Due, Error, Field string
}

func (cs *Console) renderVisit(r *request, status int, v visitView) error {
	id, err := r.ID("id")
	if err != nil {
		return err
	}
	if v.V, err = cs.d.Visits.Get(r.Ctx(), r.Actor(), id); err != nil {
		return err
	}
	if v.Owners, err = cs.d.Visits.Owners(r.Ctx(), r.Actor()); err != nil {
		return err
	}
	v.Today = cs.d.Visits.Today()
	return r.Page(status, "visits/detail", "", v.V.Title, v)
}

func (cs *Console) visitPage(r *request) error {
	return cs.renderVisit(r, http.StatusOK, visitView{Department: r.Actor().Department})
}

func (cs *Console) visitAddFollowup(r *request) error {
	id, err := r.ID("id")
	if err != nil {
		return err
	}
	v := visitView{Task: r.Form("task"), OwnerID: r.Form("owner_staff_id"), Department: r.Form("owner_department"), Due: r.Form("due_on")}
	in := visit.FollowupInput{Task: v.Task, OwnerDepartment: v.Department, DueOn: v.Due}
	if v.OwnerID != "" {
		owner, err := strconv.ParseInt(v.OwnerID, 10, 64)
		if err != nil || owner <= 0 {
			v.Error, v.Field = "请从列表中选择责任人", "owner_staff_id"
			return cs.renderVisit(r, http.StatusUnprocessableEntity, v)
		}
		in.OwnerStaffID = &owner
	}
	f, err := cs.d.Visits.AddFollowup(r.Ctx(), r.Actor(), id, in)
	if err != nil {
		p := Problem(err)
		if p.Status >= 500 || p.Status == http.StatusNotFound {
			return err
		}
		v.Error, v.Field = p.Message, p.Field
		return cs.renderVisit(r, p.Status, v)
	}
	return r.Redirect(fmt.Sprintf("/visits/%d", id), fmt.Sprintf("已添加跟进事项，期限 %s", f.DueOn))
}

func (cs *Console) visitFollowupDone(r *request) error {
	id, err := r.ID("id")
	if err != nil {
		return err
	}
	fid, err := r.ID("fid")
	if err != nil {
		return err
	}
	if _, err := cs.d.Visits.Done(r.Ctx(), r.Actor(), id, fid, visit.DoneInput{Note: r.Form("note")}); err != nil {
		return err
	}
	return r.Redirect(fmt.Sprintf("/visits/%d", id), "跟进事项已办结")
}
