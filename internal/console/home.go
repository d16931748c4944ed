package console

import (
	"fmt"
	"math"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"huixiang/internal/alumni"
	"huixiang/internal/application"
	"huixiang/internal/cn"
	"huixiang/internal/merchant"
	"huixiang/internal/points"
	"huixiang/internal/project"
	"huixiang/internal/returnee"
	"huixiang/internal/sqldb"
	"huixiang/internal/training"
)

func (cs *Console) registerHome(g *gin.RouterGroup) {
	cs.handle(g, page{Path: "/", Title: "工作台", Menu: "工作台"}, cs.home)
}

// LoanTargetFen is the district plans' guaranteed-loan target: 500,000,000 yuan (docs/mission.md).
const LoanTargetFen int64 = 500_000_000 * 100

// todo is one to-do number on the home page, linking to its filtered list.
type todo struct {
	Label, Hint, Href string
	Count             int
}

// chart is one chart card: an ECharts option, or, when Empty, the empty state's words.
type chart struct {
	ID, Title string
	Option    map[string]any
	Empty     bool
	EmptyHint string
	Wide      bool
}

type homeData struct {
	Scope      string // 本镇 or 全区
	Year       int
	Targets    []target
	Todos      []todo
	Charts     []chart
	LoanIssued int64
	LoanCount  int
	LoanTarget int64
	LoanShare  float64 // percent of the target, 2 decimals
}

// applicationStageLabels name the to-do of each review stage.
var applicationStageLabels = map[application.Stage]struct{ label, hint string }{
	application.StageTownship: {"待镇级初审", "已提交、等待乡镇审核的申请"},
	application.StageDistrict: {"待区级复审", "乡镇已通过、等待区级审核的申请"},
	application.StagePayment:  {"待登记放款", "已批准、等待登记发放的申请"},
}

// applicationStatusLabels are the statuses as staff read them.
var applicationStatusLabels = map[string]string{
	application.StatusDraft:            "草稿",
	application.StatusSubmitted:        "待乡镇审核",
	application.StatusTownshipApproved: "待区级审核",
	application.StatusApproved:         "已批准待发放",
	application.StatusDisbursed:        "已发放",
	application.StatusReturned:         "退回修改",
	application.StatusRejected:         "未通过",
	application.StatusWithdrawn:        "已撤回",
}

// home is the 工作台: the signed-in person's to-do numbers and charts of their scope.
func (cs *Console) home(r *request) error {
	a := r.Actor()
	ctx := r.Ctx()
	d := homeData{Scope: "全区", LoanTarget: LoanTargetFen}
	if a.ScopeTownship() != "" {
		d.Scope = "本镇"
	}

	apps, err := cs.d.Applications.Dashboard(ctx, a)
	if err != nil {
		return err
	}
	reg, err := cs.d.Returnees.Dashboard(ctx, a)
	if err != nil {
		return err
	}

	for _, t := range apps.Todos {
		l := applicationStageLabels[t.Stage]
		d.Todos = append(d.Todos, todo{Label: l.label, Hint: l.hint, Count: t.Count,
			Href: "/console/applications?" + url.Values{"stage": {t.Status}}.Encode()})
	}
	if a.MayManagePoints() {
		p, err := cs.d.Alumni.List(ctx, alumni.Filter{Status: alumni.StatusPending, PageRequest: sqldb.PageRequest{Page: 1, PageSize: 1}})
		if err != nil {
			return err
		}
		d.Todos = append(d.Todos, todo{Label: "待审核校友", Hint: "校友登记等待审核", Count: p.Total, Href: "/console/alumni?status=pending"})
	}
	d.Todos = append(d.Todos, todo{Label: "近期认领待核查", Hint: "近 30 天被微信用户认领的登记", Count: reg.RecentClaims,
		Href: "/console/returnees/claims"})
	if a.MayManageStaff() {
		p, err := cs.d.Notify.ListOutbox(ctx, "dead", sqldb.PageRequest{Page: 1, PageSize: 1})
		if err != nil {
			return err
		}
		d.Todos = append(d.Todos, todo{Label: "发送失败的消息", Hint: "多次发送失败，需要处理", Count: p.Total, Href: "/console/outbox?status=dead"})
	}
	d.Todos = append(d.Todos, todo{Label: "长期未核实的登记", Hint: "超过 180 天未确认或更新", Count: reg.Stale, Href: "/console/returnees?stale=1"})
	if reg.StaleDays != 180 {
		d.Todos[len(d.Todos)-1].Hint = "超过 " + strconv.Itoa(reg.StaleDays) + " 天未确认或更新"
	}

	d.Charts = append(d.Charts, registrationsChart(reg.Months, reg.Registrations), intentionChart(reg.Intentions), fieldsChart(reg.Fields),
		applicationsChart(apps.ByStatus))
	d.LoanIssued, d.LoanCount = apps.LoansDisbursedFen, apps.LoansDisbursed
	d.LoanShare = math.Round(float64(d.LoanIssued)*10000/float64(LoanTargetFen)) / 100
	d.Charts = append(d.Charts, loanChart(d.LoanShare))
	if a.MayManagePoints() {
		months, err := cs.d.Points.Monthly(ctx, 12)
		if err != nil {
			return err
		}
		d.Charts = append(d.Charts, pointsChart(months))
	}
	if a.MayManagePolicies() {
		// The plan's yearly targets (区 level): 10 outstanding alumni a year,
		d.Year = time.Now().In(cn.Zone).Year()
		n, err := cs.d.Selections.OutstandingAlumni(ctx, d.Year)
		if err != nil {
			return err
		}
		d.Targets = append(d.Targets, target{Label: "十大杰出校友（已公布）", Count: n, Goal: OutstandingAlumniTarget, Href: "/console/selections"})
		// ≥ 12 policy talks and ≥ 1,500 people trained a year.
		y, err := cs.d.Trainings.Year(ctx, d.Year)
		if err != nil {
			return err
		}
		d.Targets = append(d.Targets, target{Label: "政策宣讲（已举办）", Count: y.PolicyTalks, Goal: training.PolicyTalkTarget, Href: "/console/events"},
			target{Label: "培训人数", Count: y.Trained, Goal: training.TrainedTarget, Href: "/console/trainings"})
		// 楚商回乡: ≥ 30 projects packaged a year; the merchant database updated at ≥ 90%.
		p, err := cs.d.Projects.Year(ctx, a, d.Year)
		if err != nil {
			return err
		}
		f, err := cs.d.Merchants.Freshness(ctx, a, 0)
		if err != nil {
			return err
		}
		d.Targets = append(d.Targets, target{Label: "招商项目（已包装）", Count: p.Packaged, Goal: project.YearTarget, Href: "/console/projects"},
			target{Label: fmt.Sprintf("楚商信息库更新率（%d 天内确认，共 %d 人）", f.Days, f.Total), Count: int(math.Round(f.Rate * 100)),
				Goal: int(math.Round(merchant.FreshTarget * 100)), Unit: "%", Href: "/console/merchants/freshness"})
	}
	cs.addApprovalTarget(ctx, a, &d)
	d.Todos = append(d.Todos, cs.appealTodos(r)...)
	cs.homeVisits(r, &d)
	d.Todos = append(d.Todos, cs.matchTodos(ctx, a)...)
	return r.OK("home", "", "工作台", d)
}

// OutstandingAlumniTarget is the plan's 十大杰出校友 a year.
const OutstandingAlumniTarget = 10

// target is a yearly target with the count so far.
type target struct {
	Label       string
	Count, Goal int
	// Unit follows both numbers ("%" for a rate; empty for counts).
	Unit string
	Href string
}

// The charts' options: plain JSON for ECharts (no functions: the option travels in a data-chart
// attribute that console.js parses). Every chart with nothing to show is an empty state instead.

func registrationsChart(months []string, regs []returnee.TownshipMonths) chart {
	c := chart{ID: "chart-registrations", Title: "返乡登记（近 12 个月，按乡镇）", Wide: true,
		EmptyHint: "近 12 个月还没有新的返乡登记。录入或导入登记后，这里按月显示。"}
	if len(regs) == 0 {
		c.Empty = true
		return c
	}
	series := make([]map[string]any, 0, len(regs))
	names := make([]string, 0, len(regs))
	for _, t := range regs {
		names = append(names, t.TownshipName)
		series = append(series, map[string]any{"name": t.TownshipName, "type": "bar", "stack": "registrations", "data": t.Counts,
			"emphasis": map[string]any{"focus": "series"}})
	}
	c.Option = map[string]any{
		"tooltip": map[string]any{"trigger": "axis", "axisPointer": map[string]any{"type": "shadow"}},
		"legend":  map[string]any{"data": names, "type": "scroll", "top": 0},
		"grid":    map[string]any{"left": 40, "right": 16, "top": 40, "bottom": 28},
		"xAxis":   map[string]any{"type": "category", "data": months},
		"yAxis":   map[string]any{"type": "value", "name": "人", "minInterval": 1},
		"series":  series,
	}
	return c
}

func labelData(items []returnee.LabelCount) ([]string, []map[string]any) {
	labels := make([]string, 0, len(items))
	data := make([]map[string]any, 0, len(items))
	for _, it := range items {
		labels = append(labels, it.Label)
		data = append(data, map[string]any{"name": it.Label, "value": it.Count})
	}
	return labels, data
}

func intentionChart(items []returnee.LabelCount) chart {
	c := chart{ID: "chart-intention", Title: "创业意向", EmptyHint: "还没有返乡登记，暂无创业意向数据。"}
	if len(items) == 0 {
		c.Empty = true
		return c
	}
	_, data := labelData(items)
	c.Option = map[string]any{
		"tooltip": map[string]any{"trigger": "item", "formatter": "{b}：{c} 人（{d}%）"},
		"legend":  map[string]any{"bottom": 0, "type": "scroll"},
		"series": []map[string]any{{"name": "创业意向", "type": "pie", "radius": []string{"35%", "65%"}, "center": []string{"50%", "45%"},
			"data": data, "label": map[string]any{"formatter": "{b}\n{c} 人"}}},
	}
	return c
}

func fieldsChart(items []returnee.LabelCount) chart {
	c := chart{ID: "chart-fields", Title: "意向创业领域", EmptyHint: "登记中还没有填写意向领域。"}
	if len(items) == 0 {
		c.Empty = true
		return c
	}
	labels, _ := labelData(items)
	values := make([]int, 0, len(items))
	for _, it := range items {
		values = append(values, it.Count)
	}
	c.Option = map[string]any{
		"tooltip": map[string]any{"trigger": "axis", "axisPointer": map[string]any{"type": "shadow"}},
		"grid":    map[string]any{"left": 90, "right": 24, "top": 16, "bottom": 28},
		"xAxis":   map[string]any{"type": "value", "minInterval": 1},
		"yAxis":   map[string]any{"type": "category", "data": labels, "inverse": true},
		"series":  []map[string]any{{"name": "人数", "type": "bar", "data": values, "label": map[string]any{"show": true, "position": "right"}}},
	}
	return c
}

func applicationsChart(by []application.StatusFigures) chart {
	c := chart{ID: "chart-applications", Title: "申请状态与金额", EmptyHint: "还没有提交的补贴或贷款申请。"}
	if len(by) == 0 {
		c.Empty = true
		return c
	}
	labels := make([]string, 0, len(by))
	counts := make([]int, 0, len(by))
	amounts := make([]float64, 0, len(by))
	for _, f := range by {
		labels = append(labels, applicationStatusLabels[f.Status])
		counts = append(counts, f.Count)
		amounts = append(amounts, float64(f.AmountFen)/100)
	}
	c.Option = map[string]any{
		"tooltip": map[string]any{"trigger": "axis", "axisPointer": map[string]any{"type": "shadow"}},
		"legend":  map[string]any{"top": 0},
		"grid":    map[string]any{"left": 48, "right": 72, "top": 40, "bottom": 48},
		"xAxis":   map[string]any{"type": "category", "data": labels, "axisLabel": map[string]any{"interval": 0, "rotate": 20}},
		"yAxis": []map[string]any{{"type": "value", "name": "件", "minInterval": 1},
			{"type": "value", "name": "元", "splitLine": map[string]any{"show": false}}},
		"series": []map[string]any{
			{"name": "申请件数", "type": "bar", "data": counts},
			{"name": "申请金额（元）", "type": "bar", "yAxisIndex": 1, "data": amounts},
		},
	}
	return c
}

func loanChart(share float64) chart {
	c := chart{ID: "chart-loans", Title: "创业担保贷款发放进度（目标 5 亿元）"}
	c.Option = map[string]any{
		"series": []map[string]any{{"type": "gauge", "min": 0, "max": 100, "startAngle": 200, "endAngle": -20,
			"progress": map[string]any{"show": true, "width": 14}, "axisLine": map[string]any{"lineStyle": map[string]any{"width": 14}},
			"pointer": map[string]any{"show": false}, "axisTick": map[string]any{"show": false}, "splitNumber": 4,
			"axisLabel": map[string]any{"distance": 20, "formatter": "{value}%"},
			"detail":    map[string]any{"valueAnimation": false, "formatter": "{value}%", "fontSize": 24, "offsetCenter": []string{"0", "10%"}},
			"title":     map[string]any{"offsetCenter": []string{"0", "40%"}},
			"data":      []map[string]any{{"value": share, "name": "已发放占目标"}}}},
	}
	return c
}

func pointsChart(months []points.MonthPoints) chart {
	c := chart{ID: "chart-points", Title: "校友积分发放与兑换（近 12 个月）", EmptyHint: "近 12 个月没有积分发放或兑换。"}
	labels := make([]string, 0, len(months))
	issued := make([]int64, 0, len(months))
	spent := make([]int64, 0, len(months))
	for _, m := range months {
		labels = append(labels, m.Month)
		issued = append(issued, m.Issued)
		spent = append(spent, m.Redeemed)
	}
	if !slices.ContainsFunc(months, func(m points.MonthPoints) bool { return m.Issued != 0 || m.Redeemed != 0 }) {
		c.Empty = true
		return c
	}
	c.Option = map[string]any{
		"tooltip": map[string]any{"trigger": "axis"},
		"legend":  map[string]any{"top": 0},
		"grid":    map[string]any{"left": 48, "right": 16, "top": 40, "bottom": 28},
		"xAxis":   map[string]any{"type": "category", "data": labels},
		"yAxis":   map[string]any{"type": "value", "name": "积分", "minInterval": 1},
		"series": []map[string]any{
			{"name": "发放", "type": "bar", "data": issued},
			{"name": "兑换", "type": "bar", "data": spent},
		},
	}
	return c
}
