package console

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"huixiang/internal/actor"
	"huixiang/internal/cn"
	"huixiang/internal/project"
	"huixiang/internal/region"
	"huixiang/internal/servicepoint"
	"huixiang/internal/sqldb"
)

// The project pages mirror the JSON API's admin routes (internal/httpapi/project.go): every staff
// member sees the projects (township staff their township's, the service scopes them); district
// administrators and departments enter, edit, move and publish them.
func (cs *Console) registerProjects(g *gin.RouterGroup) {
	may := actor.Actor.MayManagePolicies
	cs.handle(g, page{Path: "/projects", Title: "招商项目", Menu: "招商"}, cs.projectsList)
	cs.handle(g, page{Path: "/projects/new", Title: "新增招商项目", May: may}, cs.projectNew)
	cs.handle(g, page{Method: http.MethodPost, Path: "/projects", Title: "新增招商项目", May: may}, cs.projectCreate)
	cs.handle(g, page{Path: "/projects/:id", Title: "招商项目详情"}, cs.projectPage)
	cs.handle(g, page{Path: "/projects/:id/edit", Title: "修改招商项目", May: may}, cs.projectEdit)
	cs.handle(g, page{Method: http.MethodPost, Path: "/projects/:id", Title: "修改招商项目", May: may}, cs.projectUpdate)
	cs.handle(g, page{Method: http.MethodPost, Path: "/projects/:id/status", Title: "项目状态", May: may}, cs.projectMove)
	cs.handle(g, page{Method: http.MethodPost, Path: "/projects/:id/publish", Title: "发布项目", May: may}, cs.projectPublish)
	cs.handle(g, page{Method: http.MethodPost, Path: "/projects/:id/unpublish", Title: "撤回发布", May: may}, cs.projectUnpublish)
	cs.handle(g, page{Method: http.MethodPost, Path: "/projects/:id/delete", Title: "删除项目", May: may}, cs.projectDelete)
}

// projectStatuses are the statuses in the filter's order.
func projectStatuses() []category {
	out := make([]category, 0, len(project.Statuses))
	for _, s := range project.Statuses {
		out = append(out, category{s, project.StatusNames[s]})
	}
	return out
}

// projectMoney shows fen as the form and pages show it: 万元 when it is a whole hundred yuan,
// else 元: 3,000,000,000 fen → ("3,000", "wan"); 12345 → ("123.45", "yuan").
func projectMoney(fen int64) (amount, unit string) {
	if fen%10000 == 0 {
		return decimal(fen / 10000), "wan"
	}
	return cn.Yuan(fen), "yuan"
}

// decimal shows hundredths as a number without trailing zeros: 1250 → "12.5", 300000 → "3,000".
func decimal(hundredths int64) string {
	s := cn.Yuan(hundredths)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// projectMoneyText is the investment in words: "3,000 万元".
func projectMoneyText(fen int64) string {
	a, u := projectMoney(fen)
	if u == "wan" {
		return a + " 万元"
	}
	return a + " 元"
}

// parseProjectMoney reads an amount typed in 万元 or 元 (two decimals at most) into fen.
func parseProjectMoney(amount, unit string) (int64, bool) {
	v, ok := cn.ParseYuan(amount)
	if !ok || v <= 0 {
		return 0, false
	}
	if unit == "yuan" {
		return v, true
	}
	if v > project.MaxInvestmentFen/10000 {
		return 0, false
	}
	return v * 10000, true
}

// projectRow is a project in the list with its amount in words.
type projectRow struct {
	project.Project
	Money string
}

type projectsData struct {
	Page      sqldb.Page[project.Project]
	Rows      []projectRow
	Q         project.Query
	Published string
	Statuses  []category
	Chains    []project.Chain
	Townships []region.Region
	Scoped    bool
	Year      project.YearCounts
	Pager     pager
	// Dropped names a filter value that was not of its form and was ignored.
	Dropped string
}

func (cs *Console) projectsList(r *request) error {
	d := projectsData{Statuses: projectStatuses(), Scoped: r.Actor().ScopeTownship() != ""}
	q := project.Query{Status: r.Query("status"), Industry: r.Query("industry"), Chain: r.Query("chain"), Township: r.Query("township"),
		Name: r.Query("name")}
	if q.Status != "" && !slices.Contains(project.Statuses, q.Status) {
		q.Status = ""
	}
	if q.Industry != "" && !project.IndustryRE.MatchString(q.Industry) {
		d.Dropped, q.Industry = "行业代码应为门类字母（A-T），可带两位大类代码，如 C 或 C13；已忽略“"+q.Industry+"”", ""
	}
	if q.Chain != "" && !project.ValidChainCode(q.Chain) {
		q.Chain = ""
	}
	if q.Township != "" && !project.ValidTownshipCode(q.Township) {
		q.Township = ""
	}
	if len([]rune(q.Name)) > 100 {
		q.Name = string([]rune(q.Name)[:100])
	}
	switch d.Published = r.Query("published"); d.Published {
	case "true":
		v := true
		q.Published = &v
	case "false":
		v := false
		q.Published = &v
	default:
		d.Published = ""
	}
	d.Q = q
	var err error
	if d.Page, err = cs.d.Projects.List(r.Ctx(), r.Actor(), q, r.PageRequest()); err != nil {
		return err
	}
	if d.Year, err = cs.d.Projects.Year(r.Ctx(), r.Actor(), time.Now().In(cn.Zone).Year()); err != nil {
		return err
	}
	if d.Chains, err = cs.d.Projects.Chains(r.Ctx()); err != nil {
		return err
	}
	if !d.Scoped {
		if d.Townships, err = cs.d.Regions.Children(r.Ctx(), ""); err != nil {
			return err
		}
	}
	for _, p := range d.Page.Items {
		d.Rows = append(d.Rows, projectRow{Project: p, Money: projectMoneyText(p.InvestmentFen)})
	}
	d.Pager = newPager(url.Values{"status": {q.Status}, "industry": {q.Industry}, "chain": {q.Chain}, "township": {q.Township},
		"published": {d.Published}, "name": {q.Name}}, d.Page.Total, d.Page.Page, d.Page.PageSize)
	return r.OK("projects/list", "", "招商项目", d)
}

// projectForm is the form's values as typed (kept when the service refuses them).
type projectForm struct {
	ID                                                     int64
	Version                                                int
	Name, Industry, Chain, ChainLink, Township, Park       string
	Amount, Unit, Land, Stage, Partner, Department, Person string
	Phone, Description                                     string
	Error, Field                                           string
	Stale                                                  bool
	Chains                                                 []project.Chain
	Townships                                              []region.Region
	Parks                                                  []servicepoint.Point
}

func (cs *Console) renderProjectForm(r *request, status int, f projectForm) error {
	var err error
	if f.Chains, err = cs.d.Projects.Chains(r.Ctx()); err != nil {
		return err
	}
	if f.Townships, err = cs.d.Regions.Children(r.Ctx(), ""); err != nil {
		return err
	}
	if f.Parks, err = cs.d.ServicePoints.List(r.Ctx(), servicepoint.Query{Kind: "park"}); err != nil {
		return err
	}
	title := "新增招商项目"
	if f.ID > 0 {
		title = "修改招商项目"
	}
	return r.Page(status, "projects/form", "", title, f)
}

func (cs *Console) projectNew(r *request) error {
	return cs.renderProjectForm(r, http.StatusOK, projectForm{Unit: "wan", Department: r.Actor().Department})
}

func (cs *Console) projectEdit(r *request) error {
	id, err := r.ID("id")
	if err != nil {
		return err
	}
	p, err := cs.d.Projects.Get(r.Ctx(), r.Actor(), id)
	if err != nil {
		return err
	}
	return cs.renderProjectForm(r, http.StatusOK, projectFormOf(p))
}

func projectFormOf(p *project.Project) projectForm {
	str := func(s *string) string {
		if s == nil {
			return ""
		}
		return *s
	}
	f := projectForm{ID: p.ID, Version: p.Version, Name: p.Name, Industry: p.IndustryCode, Chain: str(p.ChainCode), ChainLink: p.ChainLink,
		Township: str(p.TownshipCode), Stage: p.Stage, Partner: p.PartnerWanted, Department: p.ContactDepartment,
		Person: p.ContactPerson, Phone: p.ContactPhone, Description: p.Description}
	if p.ParkID != nil {
		f.Park = strconv.FormatInt(*p.ParkID, 10)
	}
	f.Amount, f.Unit = projectMoney(p.InvestmentFen)
	if p.LandMuHundredths > 0 {
		f.Land = decimal(p.LandMuHundredths)
	}
	return f
}

// projectInput reads the posted form; an amount, land or park not of its form is a badInput
// naming its field.
func projectInput(r *request) (projectForm, project.Input, error) {
	f := projectForm{Name: r.Form("name"), Industry: r.Form("industry_code"), Chain: r.Form("chain_code"), ChainLink: r.Form("chain_link"),
		Township: r.Form("township_code"), Park: r.Form("park_id"), Amount: r.Form("investment"), Unit: r.Form("investment_unit"),
		Land: r.Form("land_mu"), Stage: r.Form("stage"), Partner: r.Form("partner_wanted"), Department: r.Form("contact_department"),
		Person: r.Form("contact_person"), Phone: r.Form("contact_phone"), Description: r.Form("description")}
	if f.Unit != "yuan" {
		f.Unit = "wan"
	}
	f.Version, _ = strconv.Atoi(r.Form("version"))
	in := project.Input{Name: &f.Name, IndustryCode: &f.Industry, ChainCode: &f.Chain, ChainLink: &f.ChainLink, TownshipCode: &f.Township,
		Stage: &f.Stage, PartnerWanted: &f.Partner, ContactDepartment: &f.Department, ContactPerson: &f.Person, ContactPhone: &f.Phone,
		Description: &f.Description, Version: f.Version}
	var park int64
	if f.Park != "" {
		v, err := strconv.ParseInt(f.Park, 10, 64)
		if err != nil || v <= 0 {
			f.Field = "park_id"
			return f, in, badInput("请从列表中选择园区")
		}
		park = v
	}
	in.ParkID = &park
	fen, ok := parseProjectMoney(f.Amount, f.Unit)
	if !ok {
		f.Field = "investment"
		return f, in, badInput("请填写投资额：大于 0 的数字，最多两位小数，如 3000 或 2.5（单位在右边选择）")
	}
	in.InvestmentFen = &fen
	var land int64
	if f.Land != "" {
		if land, ok = cn.ParseYuan(f.Land); !ok {
			f.Field = "land_mu"
			return f, in, badInput("用地面积请填写亩数，最多两位小数，如 12.5；不需要用地请留空")
		}
	}
	in.LandMuHundredths = &land
	return f, in, nil
}

// projectFieldNames map the service's field names to the form's.
var projectFieldNames = map[string]string{"investment_fen": "investment", "land_mu_hundredths": "land_mu"}

// projectFormFailed shows the form again with the values typed and the message next to it (a
// server error, a refusal or a missing project is shown as such).
func (cs *Console) projectFormFailed(r *request, f projectForm, err error) error {
	p := Problem(err)
	if p.Status >= 500 || p.Status == http.StatusNotFound || p.Status == http.StatusForbidden {
		return err
	}
	f.Error = p.Message
	if f.Field == "" {
		f.Field = p.Field
	}
	// The service names amounts in fen and hundredths of a mu; the form has 万元/元 and 亩.
	switch f.Field {
	case "investment_fen":
		f.Error = "投资额应大于 0 且不超过 1000 亿元"
	case "land_mu_hundredths":
		f.Error = "用地面积应在 0 到 100 万亩之间"
	case "version":
		f.Stale = p.Status == http.StatusConflict
	}
	if v, ok := projectFieldNames[f.Field]; ok {
		f.Field = v
	}
	return cs.renderProjectForm(r, p.Status, f)
}

func (cs *Console) projectCreate(r *request) error {
	f, in, err := projectInput(r)
	if err != nil {
		return cs.projectFormFailed(r, f, err)
	}
	p, err := cs.d.Projects.Create(r.Ctx(), r.Actor(), in)
	if err != nil {
		return cs.projectFormFailed(r, f, err)
	}
	return r.Redirect(fmt.Sprintf("/projects/%d", p.ID), fmt.Sprintf("已新增项目“%s”（策划），包装完成后可以标记为包装并发布到小程序", p.Name))
}

func (cs *Console) projectUpdate(r *request) error {
	id, err := r.ID("id")
	if err != nil {
		return err
	}
	f, in, err := projectInput(r)
	f.ID = id
	if err != nil {
		return cs.projectFormFailed(r, f, err)
	}
	p, err := cs.d.Projects.Update(r.Ctx(), r.Actor(), id, in)
	if err != nil {
		return cs.projectFormFailed(r, f, err)
	}
	return r.Redirect(fmt.Sprintf("/projects/%d", p.ID), fmt.Sprintf("已保存项目“%s”", p.Name))
}

// projectStep is one status of the path as the detail page's steps show it.
type projectStep struct {
	Label, On string
	Done, Now bool
}

type projectView struct {
	P          *project.Project
	Money      string
	Land       string
	Steps      []projectStep
	Next       string
	NextName   string
	MayEnd     bool
	MayPublish bool
	Today      string
	Manage     bool
}

func (cs *Console) projectPage(r *request) error {
	id, err := r.ID("id")
	if err != nil {
		return err
	}
	p, err := cs.d.Projects.Get(r.Ctx(), r.Actor(), id)
	if err != nil {
		return err
	}
	v := projectView{P: p, Money: projectMoneyText(p.InvestmentFen), Today: time.Now().In(cn.Zone).Format(time.DateOnly),
		Manage: r.Actor().MayManagePolicies(), MayPublish: slices.Contains(project.Publishable, p.Status)}
	if p.LandMuHundredths > 0 {
		v.Land = decimal(p.LandMuHundredths) + " 亩"
	}
	str := func(s *string) string {
		if s == nil {
			return ""
		}
		return *s
	}
	dates := map[string]string{project.Planning: p.PlanningOn, project.Packaging: str(p.PackagingOn), project.Promoting: str(p.PromotingOn),
		project.Negotiating: str(p.NegotiatingOn), project.Signed: str(p.SignedOn), project.Started: str(p.StartedOn),
		project.Producing: str(p.ProducingOn), project.Terminated: str(p.TerminatedOn)}
	for _, s := range project.Statuses {
		if s == project.Terminated && p.Status != project.Terminated {
			continue
		}
		v.Steps = append(v.Steps, projectStep{Label: project.StatusNames[s], On: dates[s], Done: dates[s] != "", Now: s == p.Status})
	}
	for _, t := range project.Transitions {
		if t.To == project.Terminated {
			v.MayEnd = slices.Contains(t.From, p.Status)
			continue
		}
		if slices.Contains(t.From, p.Status) {
			v.Next, v.NextName = t.To, project.StatusNames[t.To]
		}
	}
	return r.OK("projects/detail", "", p.Name, v)
}

func (cs *Console) projectMove(r *request) error {
	id, err := r.ID("id")
	if err != nil {
		return err
	}
	p, err := cs.d.Projects.Move(r.Ctx(), r.Actor(), id, project.MoveInput{To: r.Form("to"), On: r.Form("on"), Note: r.Form("note")})
	if err != nil {
		return err
	}
	msg := fmt.Sprintf("“%s”已标记为%s", p.Name, p.StatusName)
	if p.Status == project.Terminated {
		msg = fmt.Sprintf("“%s”已终止，并已从小程序撤下", p.Name)
	} else if p.Status == project.Packaging && !p.Published {
		msg += "，现在可以发布到小程序"
	}
	return r.Redirect(fmt.Sprintf("/projects/%d", id), msg)
}

func (cs *Console) projectPublish(r *request) error {
	id, err := r.ID("id")
	if err != nil {
		return err
	}
	p, err := cs.d.Projects.Publish(r.Ctx(), r.Actor(), id)
	if err != nil {
		return err
	}
	return r.Redirect(fmt.Sprintf("/projects/%d", id), fmt.Sprintf("“%s”已发布，小程序“招商项目”里可以看到了", p.Name))
}

func (cs *Console) projectUnpublish(r *request) error {
	id, err := r.ID("id")
	if err != nil {
		return err
	}
	p, err := cs.d.Projects.Unpublish(r.Ctx(), r.Actor(), id)
	if err != nil {
		return err
	}
	return r.Redirect(fmt.Sprintf("/projects/%d", id), fmt.Sprintf("“%s”已撤回发布，小程序里不再显示", p.Name))
}

// projectDelete removes a project entered by mistake (still 策划, nothing names it); any other is
// refused with the reason on its page.
func (cs *Console) projectDelete(r *request) error {
	id, err := r.ID("id")
	if err != nil {
		return err
	}
	err = cs.d.Projects.Delete(r.Ctx(), r.Actor(), id)
	if errors.Is(err, project.ErrInUse) {
		return r.refuse(fmt.Sprintf("/projects/%d", id), "项目已进入包装阶段，或已有走访、匹配记录，不能删除；不再推进的项目请“终止”。")
	}
	if err != nil {
		return err
	}
	return r.Redirect("/projects", "项目已删除")
}
