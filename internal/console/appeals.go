package console

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"time"

	"github.com/gin-gonic/gin"

	"huixiang/internal/appeal"
	"huixiang/internal/cn"
)

// The request pages (诉求办理) mirror the JSON API's admin routes (internal/httpapi/appeal.go):
// every staff role opens them and sees what the service scopes to them (township staff their
// township's requests, department staff those assigned to their department, administrators
// all); the district administrators dispatch (assign to a department with a due date), the
// department replies and closes. appeal.Service decides every rule; the pages only show forms
// the actor may use.
func (cs *Console) registerAppeals(g *gin.RouterGroup) {
	cs.handle(g, page{Path: "/requests", Title: "诉求办理", Menu: "招商"}, cs.appealsList)
	cs.handle(g, page{Path: "/requests/stats", Title: "诉求办理统计"}, cs.appealStats)
	cs.handle(g, page{Path: "/requests/:id", Title: "诉求详情"}, cs.appealPage)
	cs.handle(g, page{Method: "POST", Path: "/requests/:id/assign", Title: "交办诉求", May: appeal.IsDispatcher}, cs.appealAssign)
	cs.handle(g, page{Method: "POST", Path: "/requests/:id/reply", Title: "答复诉求"}, cs.appealReply)
	cs.handle(g, page{Method: "POST", Path: "/requests/:id/close", Title: "办结诉求"}, cs.appealClose)
}

// appealTodos is the dashboard's escalation tile: the overdue requests the actor sees (for
// department staff: their department's, the notice to the department). A failure is logged and
// the tile left out, so that the home page never fails for it.
func (cs *Console) appealTodos(r *request) []todo {
	if cs.d.Appeals == nil {
		return nil
	}
	n, err := cs.d.Appeals.OverdueCount(r.Ctx(), r.Actor())
	if err != nil {
		cs.d.Log.ErrorContext(r.Ctx(), "console: overdue requests", "error", err.Error())
		return nil
	}
	return []todo{{Label: "超期未办诉求", Hint: "已过办理期限、部门还没有答复的诉求", Count: n, Href: "/console/requests?overdue=1"}}
}

var appealStatusOptions = func() []category {
	out := make([]category, 0, len(appeal.Statuses))
	for _, s := range appeal.Statuses {
		out = append(out, category{s, appeal.StatusNames[s]})
	}
	return out
}()

var appealCategoryOptions = func() []category {
	out := make([]category, 0, len(appeal.Categories))
	for _, c := range appeal.Categories {
		out = append(out, category{c.Code, c.Name})
	}
	return out
}()

// appealRow is a request as the list shows it, with its text cut to a line.
type appealRow struct {
	appeal.Appeal
	Short string
}

type appealsData struct {
	Items                                  []appealRow
	Pager                                  pager
	Status, Department, Category, Township string
	Overdue, Filtered, Dispatcher          bool
	Statuses, Categories, Townships        []category
	Departments                            []string
	// OverdueCount and Waiting count the actor's requests whatever the filters.
	OverdueCount, Waiting, Total int
	// The department filter is for those who see more than one department, the township
	// filter for those who see more than one township.
	ShowDepartmentFilter, ShowTownshipFilter bool
}

func (cs *Console) appealsList(r *request) error {
	q := r.c.Request.URL.Query()
	aq := appeal.AdminQuery{Status: q.Get("status"), Department: q.Get("department"), Category: q.Get("category"), Township: q.Get("township")}
	if aq.Status != "" && !slices.Contains(appeal.Statuses, aq.Status) {
		return badInput("状态不正确，请从列表上方的筛选里选择")
	}
	if aq.Category != "" && appeal.CategoryName(aq.Category) == aq.Category {
		return badInput("诉求类别不正确，请从列表上方的筛选里选择")
	}
	if len(aq.Township) > 12 || len(aq.Department) > 64 {
		return badInput("筛选条件不正确")
	}
	switch q.Get("overdue") {
	case "", "0":
	case "1":
		aq.Overdue = true
	default:
		return badInput("“只看超期”的值不正确")
	}
	a := r.Actor()
	d := appealsData{Status: aq.Status, Department: aq.Department, Category: aq.Category, Township: aq.Township, Overdue: aq.Overdue,
		Statuses: appealStatusOptions, Categories: appealCategoryOptions, Dispatcher: appeal.IsDispatcher(a),
		Filtered: aq != (appeal.AdminQuery{}), ShowDepartmentFilter: a.Department == "", ShowTownshipFilter: a.ScopeTownship() == ""}
	all, err := cs.d.Appeals.AdminList(r.Ctx(), a, aq)
	if err != nil {
		return err
	}
	counts := all
	if d.Filtered {
		if counts, err = cs.d.Appeals.AdminList(r.Ctx(), a, appeal.AdminQuery{}); err != nil {
			return err
		}
	}
	for _, it := range counts {
		switch {
		case it.Overdue:
			d.OverdueCount++
		case it.Status == appeal.StatusSubmitted:
			d.Waiting++
		}
	}
	if d.ShowDepartmentFilter {
		if d.Departments, err = cs.d.Appeals.Departments(r.Ctx()); err != nil {
			return err
		}
	}
	if d.ShowTownshipFilter {
		tws, _, err := cs.townships(r.Ctx())
		if err != nil {
			return err
		}
		for _, t := range tws {
			d.Townships = append(d.Townships, category{t.Code, t.Name})
		}
	}
	pr := r.PageRequest()
	from := min((pr.Page-1)*pr.PageSize, len(all))
	to := min(from+pr.PageSize, len(all))
	for _, it := range all[from:to] {
		d.Items = append(d.Items, appealRow{Appeal: it, Short: shorten(it.Text, 24)})
	}
	d.Total = len(all)
	keep := url.Values{}
	for k, v := range map[string]string{"status": aq.Status, "department": aq.Department, "category": aq.Category, "township": aq.Township} {
		if v != "" {
			keep.Set(k, v)
		}
	}
	if aq.Overdue {
		keep.Set("overdue", "1")
	}
	d.Pager = newPager(keep, len(all), pr.Page, pr.PageSize)
	return r.OK("requests/list", "", "诉求办理", d)
}

type appealView struct {
	A           *appeal.Appeal
	Dispatcher  bool
	CanAssign   bool
	CanReply    bool
	CanClose    bool
	Departments []string
	// DueDefault is the assign form's default due date (seven days from today, Asia/Shanghai).
	DueDefault, DueMin, DueMax string
}

func (cs *Console) appealPage(r *request) error {
	id, err := r.ID("id")
	if err != nil {
		return err
	}
	a := r.Actor()
	it, err := cs.d.Appeals.AdminGet(r.Ctx(), a, id)
	if err != nil {
		return err
	}
	today := cs.d.Appeals.Now().In(cn.Zone)
	v := appealView{A: it, Dispatcher: appeal.IsDispatcher(a),
		DueDefault: today.AddDate(0, 0, 7).Format(time.DateOnly), DueMin: today.Format(time.DateOnly),
		DueMax: today.AddDate(0, 0, appeal.MaxDueDays).Format(time.DateOnly)}
	mine := a.Department != "" && a.Department == it.Department
	v.CanAssign = v.Dispatcher && appeal.Can(appeal.ActAssign, it.Status)
	v.CanReply = mine && appeal.Can(appeal.ActReply, it.Status)
	v.CanClose = (v.Dispatcher && appeal.Can(appeal.ActClose, it.Status)) || (mine && it.Status == appeal.StatusReplied)
	if v.CanAssign {
		if v.Departments, err = cs.d.Appeals.Departments(r.Ctx()); err != nil {
			return err
		}
	}
	return r.OK("requests/detail", "", fmt.Sprintf("诉求 #%d", id), v)
}

// appealRefused turns the service's refusals into a flash on the request's page.
func appealRefused(r *request, id int64, err error) error {
	back := fmt.Sprintf("/requests/%d", id)
	var fe *appeal.FieldError
	switch {
	case errors.As(err, &fe):
		return r.refuse(back, fe.Message)
	case errors.Is(err, appeal.ErrInvalidTransition):
		return r.refuse(back, "诉求的状态已经变了，这一步没有执行，请看最新状态。")
	case errors.Is(err, appeal.ErrForbidden):
		return r.refuse(back, "只有承办部门的工作人员或区级调度可以办理这条诉求。")
	}
	return err
}

func (cs *Console) appealAssign(r *request) error {
	id, err := r.ID("id")
	if err != nil {
		return err
	}
	it, err := cs.d.Appeals.Assign(r.Ctx(), r.Actor(), id, appeal.AssignInput{Department: r.Form("department"),
		DueDate: r.Form("due_date"), Note: r.Form("note")})
	if err != nil {
		return appealRefused(r, id, err)
	}
	return r.Redirect(fmt.Sprintf("/requests/%d", id), fmt.Sprintf("已交办%s，办理期限 %s", it.Department, showTime(it.DueAt, "2006-01-02")))
}

func (cs *Console) appealReply(r *request) error {
	id, err := r.ID("id")
	if err != nil {
		return err
	}
	if _, err := cs.d.Appeals.Reply(r.Ctx(), r.Actor(), id, r.Form("reply")); err != nil {
		return appealRefused(r, id, err)
	}
	return r.Redirect(fmt.Sprintf("/requests/%d", id), "答复已发送给诉求人")
}

func (cs *Console) appealClose(r *request) error {
	id, err := r.ID("id")
	if err != nil {
		return err
	}
	if _, err := cs.d.Appeals.Close(r.Ctx(), r.Actor(), id, r.Form("note")); err != nil {
		return appealRefused(r, id, err)
	}
	return r.Redirect(fmt.Sprintf("/requests/%d", id), "诉求已办结，已请诉求人评价")
}

type appealStatsData struct {
	Rows  []appeal.DepartmentStats
	Total appeal.DepartmentStats
	AsOf  time.Time
}

func (cs *Console) appealStats(r *request) error {
	rows, err := cs.d.Appeals.Stats(r.Ctx(), r.Actor())
	if err != nil {
		return err
	}
	d := appealStatsData{Rows: rows, AsOf: cs.d.Appeals.Now()}
	t := &d.Total
	for _, s := range rows {
		t.Total, t.Open, t.Overdue, t.Replied, t.Closed = t.Total+s.Total, t.Open+s.Open, t.Overdue+s.Overdue, t.Replied+s.Replied, t.Closed+s.Closed
		t.Reopened, t.Satisfied, t.Basic, t.Unsatisfied = t.Reopened+s.Reopened, t.Satisfied+s.Satisfied, t.Basic+s.Basic, t.Unsatisfied+s.Unsatisfied
	}
	if rated := t.Satisfied + t.Basic + t.Unsatisfied; rated > 0 {
		v := float64((t.Satisfied+t.Basic)*1000/rated) / 10
		t.Satisfaction = &v
	}
	return r.OK("requests/stats", "", "诉求办理统计", d)
}
