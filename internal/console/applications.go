package console

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"huixiang/internal/actor"
	"huixiang/internal/application"
	"huixiang/internal/cn"
	"huixiang/internal/region"
	"huixiang/internal/returnee"
)

// The 申请审核 pages: the review queue by stage, one application with the decisions the
// signed-in staff member may take now, and the statistics. They call the application service
// as the JSON admin API does (handleStaffApplications, handleStaffApplication,
// handleReviewApplication, handleDisburseApplication, handleApplicationStats); every staff
// role may use them, and the service limits township staff to their township.

func (cs *Console) registerApplications(g *gin.RouterGroup) {
	cs.handle(g, page{Path: "/applications", Title: "审核队列", Menu: "申请审核"}, cs.applicationList)
	cs.handle(g, page{Path: "/applications/stats", Title: "申请统计", Menu: "申请审核"}, cs.applicationStats)
	cs.handle(g, page{Path: "/applications/:id", Title: "申请详情"}, cs.applicationDetail)
	cs.handle(g, page{Method: http.MethodPost, Path: "/applications/:id/review", Title: "审核申请"}, cs.applicationReview)
	cs.handle(g, page{Method: http.MethodPost, Path: "/applications/:id/disburse", Title: "登记发放"}, cs.applicationDisburse)
}

// appStatusLabels name the states as staff call them; appStatusBadges colour them.
var appStatusLabels = map[string]string{
	application.StatusDraft:            "草稿",
	application.StatusSubmitted:        "待乡镇审核",
	application.StatusTownshipApproved: "待区级审核",
	application.StatusApproved:         "已批准待发放",
	application.StatusDisbursed:        "已发放",
	application.StatusReturned:         "已退回修改",
	application.StatusRejected:         "未通过",
	application.StatusWithdrawn:        "已撤回",
}

var appStatusBadges = map[string]string{
	application.StatusSubmitted:        "badge-info",
	application.StatusTownshipApproved: "badge-info",
	application.StatusApproved:         "badge-ok",
	application.StatusDisbursed:        "badge-ok",
	application.StatusReturned:         "badge-warn",
	application.StatusRejected:         "badge-danger",
}

// appStateOrder is the order the tabs and tables list the states in: the path of an
// application, then its dead ends. States the table adds later come last.
var appStateOrder = []string{application.StatusSubmitted, application.StatusTownshipApproved, application.StatusApproved,
	application.StatusDisbursed, application.StatusReturned, application.StatusRejected, application.StatusWithdrawn}

// orderedStates are the states of the transition table in appStateOrder.
func orderedStates() []string {
	states := application.States()
	out := make([]string, 0, len(states))
	for _, s := range appStateOrder {
		if slices.Contains(states, s) {
			out = append(out, s)
		}
	}
	for _, s := range states {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

func appStatusLabel(s string) string {
	if l, ok := appStatusLabels[s]; ok {
		return l
	}
	return s
}

// appFieldLabels name the application's fields (the keys of a return's field comments, as the
// mini program shows them).
var appFieldLabels = map[string]string{
	"borrower_type": "借款人类型", "enterprise_name": "企业名称", "enterprise_uscc": "统一社会信用代码",
	"amount_fen": "申请金额", "term_months": "贷款期限", "purpose": "贷款用途", "bank_name": "开户银行",
	"bank_account": "银行账号", "contact_phone": "联系电话", "jobs_created": "带动就业人数", "attachments": "申请材料",
}

// timelineLabels say what each step of the timeline did, by the state it led to.
var timelineLabels = map[string]string{
	application.StatusDraft:            "创建申请",
	application.StatusSubmitted:        "提交申请",
	application.StatusTownshipApproved: "乡镇审核通过",
	application.StatusApproved:         "区级审核通过",
	application.StatusDisbursed:        "资金已发放",
	application.StatusReturned:         "退回修改",
	application.StatusRejected:         "审核不通过",
	application.StatusWithdrawn:        "申请人撤回",
}

var attachmentLabels = map[string]string{"business_licence": "营业执照", "id_front": "身份证人像面", "id_back": "身份证国徽面", "other": "其他材料"}

var kindLabels = map[string]string{application.KindSubsidy: "创业补贴", application.KindLoan: "创业担保贷款"}

var intentionLabels = map[string]string{"none": "暂无", "considering": "考虑中", "preparing": "筹备中", "started": "已创业"}

// appFilter is the queue's and the statistics' filter form (the JSON API's query parameters).
type appFilter struct {
	Stage, Policy, Kind, Township string
}

func (cs *Console) readAppFilter(r *request) appFilter {
	f := appFilter{Stage: r.Query("stage"), Policy: r.Query("policy"), Kind: r.Query("type"), Township: r.Query("township")}
	if r.Actor().Role == actor.Township {
		f.Township = "" // their own township only (the service scopes them anyway)
	}
	return f
}

// appFormOptions are the choices of the filter forms.
type appFormOptions struct {
	Policies  []application.Policy
	Townships []region.Region
	Kinds     [][2]string
}

func (cs *Console) appOptions(r *request) (appFormOptions, error) {
	// The policies as the mini program lists them; user 0 is nobody, so no eligibility is read.
	pl, err := cs.d.Applications.Policies(r.Ctx(), 0)
	if err != nil {
		return appFormOptions{}, err
	}
	o := appFormOptions{Kinds: [][2]string{{application.KindSubsidy, kindLabels[application.KindSubsidy]}, {application.KindLoan, kindLabels[application.KindLoan]}}}
	for _, p := range pl.Items {
		o.Policies = append(o.Policies, p.Policy)
	}
	if r.Actor().Role != actor.Township {
		if o.Townships, err = cs.d.Regions.Children(r.Ctx(), ""); err != nil {
			return appFormOptions{}, err
		}
	}
	return o, nil
}

// stageTab is one tab of the queue: a state with its count.
type stageTab struct {
	State, Label string
	Count        int
	Mine         bool // the staff member acts in this state
	Active       bool
}

type appRow struct {
	application.Application
	StatusLabel, Badge, TownshipName string
	// Act: the staff member has something to do on it now.
	Act bool
}

type appListData struct {
	Filter   appFilter
	Options  appFormOptions
	Tabs     []stageTab
	Stage    string
	Items    []appRow
	Total    int
	Page     int
	PageSize int
	// Empty says what to do when the stage has nothing.
	EmptyTitle, EmptyHint string
}

// applicationList is the review queue: tabs for the states (the staff member's own stages
// first, with counts), the JSON API's filters, paging. ?stage=<state> picks a tab; without it
// the queue of the staff member's stage shows.
func (cs *Console) applicationList(r *request) error {
	a := r.Actor()
	f := cs.readAppFilter(r)
	if f.Stage == "" {
		f.Stage = application.QueueStates(a)[0]
	}
	states := application.States()
	if f.Stage != "all" && (!slices.Contains(states, f.Stage) || f.Stage == application.StatusDraft) {
		return badInput("没有这个审核阶段，请从页面上的选项卡选择")
	}
	pr := r.PageRequest()
	page, err := cs.d.Applications.List(r.Ctx(), a, application.Filter{Status: f.Stage, Policy: f.Policy, Kind: f.Kind,
		Township: f.Township, PageRequest: pr})
	if err != nil {
		return err
	}
	st, err := cs.d.Applications.Stats(r.Ctx(), a, application.Filter{Policy: f.Policy, Kind: f.Kind, Township: f.Township})
	if err != nil {
		return err
	}
	counts, total := map[string]int{}, 0
	for _, b := range st.ByPolicyStatus {
		counts[b.Status] += b.Count
		total += b.Count
	}
	work := application.WorkStates(a)
	var tabs []stageTab
	for _, s := range work {
		tabs = append(tabs, stageTab{State: s, Label: appStatusLabel(s), Count: counts[s], Mine: true, Active: s == f.Stage})
	}
	for _, s := range orderedStates() {
		if s == application.StatusDraft || slices.Contains(work, s) {
			continue
		}
		tabs = append(tabs, stageTab{State: s, Label: appStatusLabel(s), Count: counts[s], Active: s == f.Stage})
	}
	tabs = append(tabs, stageTab{State: "all", Label: "全部", Count: total, Active: f.Stage == "all"})
	names, err := cs.d.Regions.Names(r.Ctx())
	if err != nil {
		return err
	}
	opts, err := cs.appOptions(r)
	if err != nil {
		return err
	}
	d := appListData{Filter: f, Options: opts, Tabs: tabs, Stage: f.Stage, Total: page.Total, Page: pr.Page, PageSize: pr.PageSize}
	for _, it := range page.Items {
		d.Items = append(d.Items, appRow{Application: it, StatusLabel: appStatusLabel(it.Status), Badge: appStatusBadges[it.Status],
			TownshipName: names[it.TownshipCode], Act: len(application.StaffActions(a, it.Status)) > 0})
	}
	d.EmptyTitle = "「" + appStatusLabel(f.Stage) + "」下没有申请"
	if f.Stage == "all" {
		d.EmptyTitle = "没有符合条件的申请"
	}
	if slices.Contains(work, f.Stage) {
		d.EmptyHint = "目前没有需要您处理的申请。返乡人员在小程序提交申请后会出现在这里。"
	} else {
		d.EmptyHint = "可以切换上方的阶段，或清除筛选条件后再看。"
	}
	return r.OK("applications/list", "app-results", "审核队列", d)
}

// appAction is a decision button of the detail page.
type appAction struct {
	Decision, Label, Class, Confirm string
}

type appField struct {
	Key, Label, Value string
}

type appEvent struct {
	application.Event
	ToLabel       string
	FieldComments []appField
}

type appAttachment struct {
	application.Attachment
	Label   string
	IsImage bool
}

type appDetailData struct {
	App          application.Application
	StatusLabel  string
	Badge        string
	KindLabel    string
	TownshipName string
	Applicant    *returnee.Record
	Intention    string
	Fields       []appField
	Current      []appField // the field comments of the current return
	Attachments  []appAttachment
	Timeline     []appEvent
	// Decisions are the review buttons of the staff member's stage (none: not theirs now).
	Decisions    []appAction
	StageLabel   string
	NeedLicence  bool
	MayDisburse  bool
	CommentField []appField // fields a return may comment on
	// Form keeps what was typed when the service refused the decision.
	Form         map[string]string
	Error        string
	DefaultYuan  string
	Today        string
	Disbursement *application.Disbursement
	// EnterpriseNote says whether an enterprise loan's enterprise is on the applicant's record.
	EnterpriseNote    string
	EnterpriseWarn    bool
	OpenFieldComments bool
}

// applicationDetail shows one application with the applicant (masked), its fields, the
// attachments through signed URLs, the timeline and the actions the staff member may take now.
func (cs *Console) applicationDetail(r *request) error {
	id, err := r.ID("id")
	if err != nil {
		return err
	}
	d, err := cs.appDetail(r, id)
	if err != nil {
		return err
	}
	return r.OK("applications/detail", "", appTitle(d.App), d)
}

func appTitle(a application.Application) string {
	return fmt.Sprintf("申请 #%d · %s", a.ID, a.PolicyName)
}

func (cs *Console) appDetail(r *request, id int64) (appDetailData, error) {
	a := r.Actor()
	app, err := cs.d.Applications.StaffGet(r.Ctx(), a, id)
	if err != nil {
		return appDetailData{}, err
	}
	names, err := cs.d.Regions.Names(r.Ctx())
	if err != nil {
		return appDetailData{}, err
	}
	d := appDetailData{App: app, StatusLabel: appStatusLabel(app.Status), Badge: appStatusBadges[app.Status],
		KindLabel: kindLabels[app.Kind], TownshipName: names[app.TownshipCode], Disbursement: app.Disbursement,
		Form: map[string]string{}, DefaultYuan: fenToYuanInput(app.AmountFen), Today: time.Now().In(cn.Zone).Format(time.DateOnly)}
	if app.PersonID != 0 {
		rec, err := cs.d.Returnees.Get(r.Ctx(), a, app.PersonID)
		switch {
		case err == nil:
			d.Applicant = &rec
			d.Intention = intentionLabels[rec.Intention]
		case !errors.Is(err, returnee.ErrNotFound):
			return appDetailData{}, err
		}
	}
	d.Fields = appFields(app)
	if app.EnterpriseOnRecord != nil {
		switch {
		case *app.EnterpriseOnRecord:
			d.EnterpriseNote = "与返乡登记中的经营主体一致"
		case app.LicenceConfirmed != nil && *app.LicenceConfirmed:
			d.EnterpriseNote = "不在返乡登记中，乡镇已核对营业执照"
		default:
			d.EnterpriseNote, d.EnterpriseWarn = "不在返乡登记中，通过前需核对营业执照", true
		}
	}
	for _, f := range d.Fields {
		if f.Key != "" {
			d.CommentField = append(d.CommentField, appField{Key: f.Key, Label: f.Label})
		}
	}
	d.CommentField = append(d.CommentField, appField{Key: "attachments", Label: appFieldLabels["attachments"]})
	if app.Status == application.StatusReturned {
		d.Current = labelComments(app.FieldComments)
	}
	for _, at := range app.Attachments {
		label := attachmentLabels[at.Kind]
		if label == "" {
			label = at.Kind
		}
		d.Attachments = append(d.Attachments, appAttachment{Attachment: at, Label: label,
			IsImage: at.ContentType == "image/jpeg" || at.ContentType == "image/png"})
	}
	for i := len(app.Timeline) - 1; i >= 0; i-- { // newest first
		ev := app.Timeline[i]
		label := timelineLabels[ev.To]
		if label == "" {
			label = appStatusLabel(ev.To)
		}
		d.Timeline = append(d.Timeline, appEvent{Event: ev, ToLabel: label, FieldComments: labelComments(ev.FieldComments)})
	}
	for _, t := range application.StaffActions(a, app.Status) {
		switch t.Decision {
		case "approve":
			d.Decisions = append(d.Decisions, appAction{Decision: "approve", Label: "审核通过", Class: "primary"})
		case "return":
			d.Decisions = append(d.Decisions, appAction{Decision: "return", Label: "退回修改"})
		case "reject":
			d.Decisions = append(d.Decisions, appAction{Decision: "reject", Label: "不通过", Class: "danger",
				Confirm: "确定作出「不通过」决定吗？决定后申请人不能再修改这份申请。"})
		}
		if t.Decision != "" {
			d.StageLabel = map[application.Stage]string{application.StageTownship: "乡镇审核", application.StageDistrict: "区级审核"}[t.Stage]
			if t.To == application.StatusTownshipApproved && app.EnterpriseOnRecord != nil && !*app.EnterpriseOnRecord {
				d.NeedLicence = true
			}
		}
		if t.Action == application.ActDisburse {
			d.MayDisburse = true
		}
	}
	return d, nil
}

// appFields are the application's fields as the page lists them; Key names those a return may
// comment on.
func appFields(a application.Application) []appField {
	var out []appField
	add := func(key, label, v string) {
		if v != "" {
			out = append(out, appField{Key: key, Label: label, Value: v})
		}
	}
	add("", "申请政策", a.PolicyName)
	if a.Kind == application.KindLoan {
		add("borrower_type", appFieldLabels["borrower_type"], map[string]string{"individual": "个人", "enterprise": "小微企业"}[a.BorrowerType])
		add("enterprise_name", appFieldLabels["enterprise_name"], a.EnterpriseName)
		add("enterprise_uscc", appFieldLabels["enterprise_uscc"], a.EnterpriseUSCC)
	}
	add("amount_fen", appFieldLabels["amount_fen"], cn.Yuan(a.AmountFen)+" 元")
	if a.TermMonths != nil {
		add("term_months", appFieldLabels["term_months"], strconv.Itoa(*a.TermMonths)+" 个月")
	}
	add("purpose", appFieldLabels["purpose"], a.Purpose)
	add("bank_name", appFieldLabels["bank_name"], a.BankName)
	add("bank_account", appFieldLabels["bank_account"], a.BankAccount)
	add("contact_phone", appFieldLabels["contact_phone"], a.ContactPhone)
	if a.JobsCreated != nil {
		add("jobs_created", appFieldLabels["jobs_created"], strconv.Itoa(*a.JobsCreated)+" 人")
	}
	return out
}

func labelComments(m map[string]string) []appField {
	var out []appField
	for k, v := range m {
		l := appFieldLabels[k]
		if l == "" {
			l = k
		}
		out = append(out, appField{Key: k, Label: l, Value: v})
	}
	slices.SortFunc(out, func(a, b appField) int { return strings.Compare(a.Key, b.Key) })
	return out
}

// decisionMessages are the flash messages after a decision.
var decisionMessages = map[string]string{
	"approve": "已审核通过",
	"return":  "已退回申请人修改，申请人会收到通知",
	"reject":  "已作出不通过决定，申请人会收到通知",
}

// applicationReview takes the stage's decision (approve, return or reject) with the reviewer's
// comment and, for a return, the comments by field.
func (cs *Console) applicationReview(r *request) error {
	id, err := r.ID("id")
	if err != nil {
		return err
	}
	version, _ := strconv.Atoi(r.Form("version"))
	dec := application.Decision{Decision: r.Form("decision"), Comment: r.Form("comment"), Version: version,
		LicenceConfirmed: r.Form("licence_confirmed") == "1"}
	if dec.Decision != "approve" {
		for k := range appFieldLabels {
			if v := r.Form("fc_" + k); v != "" {
				if dec.FieldComments == nil {
					dec.FieldComments = map[string]string{}
				}
				dec.FieldComments[k] = v
			}
		}
	}
	app, err := cs.d.Applications.Review(r.Ctx(), r.Actor(), id, dec)
	if err != nil {
		return cs.appFormError(r, id, err)
	}
	msg := decisionMessages[dec.Decision]
	if dec.Decision == "approve" {
		msg += "，当前状态：" + appStatusLabel(app.Status)
	}
	return r.Redirect(fmt.Sprintf("/applications/%d", id), fmt.Sprintf("申请 #%d %s。", id, msg))
}

// applicationDisburse records the payment of an approved application (amount in yuan).
func (cs *Console) applicationDisburse(r *request) error {
	id, err := r.ID("id")
	if err != nil {
		return err
	}
	version, _ := strconv.Atoi(r.Form("version"))
	fen, ok := cn.ParseYuan(r.Form("amount_yuan"))
	if !ok {
		return cs.appFormError(r, id, badInput("发放金额应为数字，单位元，最多两位小数，例如 5000 或 5000.50"))
	}
	in := application.DisburseInput{AmountFen: fen, PaidOn: r.Form("paid_on"), BankReference: r.Form("bank_reference"), Version: version}
	if _, err := cs.d.Applications.Disburse(r.Ctx(), r.Actor(), id, in); err != nil {
		return cs.appFormError(r, id, err)
	}
	return r.Redirect(fmt.Sprintf("/applications/%d", id), fmt.Sprintf("申请 #%d 已登记发放 %s 元。", id, cn.Yuan(fen)))
}

// appFormError shows a refused decision or disbursement on the application's page (422, 409),
// with what was typed kept; a missing or out-of-scope application stays a 404 and a refused
// role a 403.
func (cs *Console) appFormError(r *request, id int64, err error) error {
	p := Problem(err)
	if p.Status == http.StatusNotFound || p.Status == http.StatusForbidden || p.Status >= 500 || p.Status == http.StatusTooManyRequests {
		return err
	}
	d, derr := cs.appDetail(r, id)
	if derr != nil {
		return derr
	}
	d.Error = p.Message
	for k, v := range r.c.Request.PostForm {
		if len(v) > 0 {
			d.Form[k] = v[0]
			if strings.HasPrefix(k, "fc_") && v[0] != "" {
				d.OpenFieldComments = true
			}
		}
	}
	return r.Page(p.Status, "applications/detail", "", appTitle(d.App), d)
}

// fenToYuanInput is fen as the amount field's value: "5000" or "5000.5".
func fenToYuanInput(fen int64) string {
	s := strconv.FormatInt(fen/100, 10)
	if c := fen % 100; c != 0 {
		s += strings.TrimRight(fmt.Sprintf(".%02d", c), "0")
	}
	return s
}

// statusTotal is one status's count and amounts over the policies.
type statusTotal struct {
	Status, Label           string
	Count                   int
	AmountFen, DisbursedFen int64
}

type townshipTotal struct {
	Code, Name              string
	Count                   int
	AmountFen, DisbursedFen int64
}

type appStatsData struct {
	Filter                                 appFilter
	Options                                appFormOptions
	Total                                  int
	AmountFen                              int64
	GrantedFen                             int64
	PaidFen                                int64
	ByStatus                               []statusTotal
	ByTownship                             []townshipTotal
	ByMonth                                []application.Bucket
	StatusChart, TownshipChart, MonthChart map[string]any
	ShowTownships                          bool
}

// applicationStats shows the counts and amounts of applications by status, township and month,
// with charts.
func (cs *Console) applicationStats(r *request) error {
	a := r.Actor()
	f := cs.readAppFilter(r)
	st, err := cs.d.Applications.Stats(r.Ctx(), a, application.Filter{Policy: f.Policy, Kind: f.Kind, Township: f.Township})
	if err != nil {
		return err
	}
	opts, err := cs.appOptions(r)
	if err != nil {
		return err
	}
	names, err := cs.d.Regions.Names(r.Ctx())
	if err != nil {
		return err
	}
	d := appStatsData{Filter: f, Options: opts, ByMonth: st.ByMonth, ShowTownships: a.Role != actor.Township}
	granted := application.GrantedStates()
	byStatus := map[string]*statusTotal{}
	for _, b := range st.ByPolicyStatus {
		t := byStatus[b.Status]
		if t == nil {
			t = &statusTotal{Status: b.Status, Label: appStatusLabel(b.Status)}
			byStatus[b.Status] = t
		}
		t.Count += b.Count
		t.AmountFen += b.AmountFen
		t.DisbursedFen += b.DisbursedFen
		d.Total += b.Count
		d.AmountFen += b.AmountFen
		d.PaidFen += b.DisbursedFen
		if slices.Contains(granted, b.Status) {
			d.GrantedFen += b.AmountFen
		}
	}
	statusNames, statusCounts, statusYuan := []string{}, []int{}, []float64{}
	for _, s := range orderedStates() {
		if t := byStatus[s]; t != nil {
			d.ByStatus = append(d.ByStatus, *t)
			statusNames = append(statusNames, t.Label)
			statusCounts = append(statusCounts, t.Count)
			statusYuan = append(statusYuan, float64(t.AmountFen)/100)
		}
	}
	tNames, tCounts := []string{}, []int{}
	for _, b := range st.ByTownship {
		n := names[b.Key]
		if n == "" {
			n = b.Key
		}
		d.ByTownship = append(d.ByTownship, townshipTotal{Code: b.Key, Name: n, Count: b.Count, AmountFen: b.AmountFen, DisbursedFen: b.DisbursedFen})
		tNames = append(tNames, n)
		tCounts = append(tCounts, b.Count)
	}
	months, mCounts := []string{}, []int{}
	for _, b := range st.ByMonth {
		months = append(months, b.Key)
		mCounts = append(mCounts, b.Count)
	}
	d.StatusChart = barChart("各状态申请数与金额", statusNames, []chartSeries{{Name: "申请数（件）", Data: statusCounts}, {Name: "申请金额（元）", Data: statusYuan, Axis: 1}})
	d.TownshipChart = barChart("各乡镇申请数", tNames, []chartSeries{{Name: "申请数（件）", Data: tCounts}})
	d.MonthChart = barChart("每月提交的申请数", months, []chartSeries{{Name: "申请数（件）", Data: mCounts}})
	return r.OK("applications/stats", "app-stats", "申请统计", d)
}

type chartSeries struct {
	Name string
	Data any
	Axis int // 1: the right-hand axis
}

// barChart is an ECharts option of bars over categories; a series on Axis 1 uses a second
// value axis on the right.
func barChart(title string, cats []string, series []chartSeries) map[string]any {
	var ss []map[string]any
	var legend []string
	axes := []map[string]any{{"type": "value", "minInterval": 1}}
	for _, s := range series {
		m := map[string]any{"name": s.Name, "type": "bar", "data": s.Data, "barMaxWidth": 36}
		if s.Axis == 1 {
			m["yAxisIndex"] = 1
			if len(axes) == 1 {
				axes = append(axes, map[string]any{"type": "value", "position": "right"})
			}
		}
		ss = append(ss, m)
		legend = append(legend, s.Name)
	}
	return map[string]any{
		"title":     map[string]any{"text": title, "textStyle": map[string]any{"fontSize": 14}},
		"tooltip":   map[string]any{"trigger": "axis"},
		"legend":    map[string]any{"data": legend, "bottom": 0},
		"grid":      map[string]any{"left": 56, "right": 72, "top": 40, "bottom": 56},
		"animation": false,
		"xAxis":     map[string]any{"type": "category", "data": cats},
		"yAxis":     axes,
		"color":     []string{"#0052d9", "#1f7a3d", "#8a5a00"},
		"series":    ss,
	}
}
