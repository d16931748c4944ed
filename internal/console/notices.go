package console

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"huixiang/internal/actor"
	"huixiang/internal/cn"
	"huixiang/internal/notice"
	"huixiang/internal/policy"
	"huixiang/internal/sqldb"
)

// The notice pages mirror the JSON API's notice routes (internal/httpapi/notice.go): district
// administrators and department staff draft, a district administrator other than the drafter
// approves, anyone of them cancels before the sending begins.
func (cs *Console) registerNotices(g *gin.RouterGroup) {
	may := actor.Actor.MayManagePolicies
	cs.handle(g, page{Path: "/notices", Title: "通知", Menu: "通知", May: may}, cs.noticesList)
	cs.handle(g, page{Path: "/notices/new", Title: "写通知", May: may}, cs.noticeNew)
	cs.handle(g, page{Method: http.MethodPost, Path: "/notices", Title: "写通知", May: may}, cs.noticeCreate)
	cs.handle(g, page{Path: "/notices/:id", Title: "通知详情", May: may}, cs.noticePage)
	cs.handle(g, page{Method: http.MethodPost, Path: "/notices/:id/approve", Title: "审核通知", May: actor.Actor.MayApproveNotices}, cs.noticeApprove)
	cs.handle(g, page{Method: http.MethodPost, Path: "/notices/:id/cancel", Title: "撤销通知", May: may}, cs.noticeCancel)
	cs.handle(g, page{Method: http.MethodPost, Path: "/notices/:id/resend", Title: "重发推送", May: may}, cs.noticeResend)
}

// noticeStatuses are the states as staff call them, in the list's filter order.
var noticeStatuses = []category{{notice.StatusDraft, "待审核"}, {notice.StatusApproved, "已审核，待发送"},
	{notice.StatusSending, "发送中"}, {notice.StatusSent, "已发送"}, {notice.StatusCancelled, "已撤销"}}

// errSameReviewer is how the console says notice.ErrSameReviewer.
var errSameReviewer = &consoleError{Status: http.StatusConflict, Message: "起草人不能审核自己的通知，请由另一位区级管理员审核"}

type noticesData struct {
	Items    []notice.Notice
	Page     sqldb.Page[notice.Notice]
	Status   string
	Statuses []category
}

// noticesPageSize: a page of notices with their reports (counted in three queries).
const noticesPageSize = 20

func (cs *Console) noticesList(r *request) error {
	d := noticesData{Status: r.Query("status"), Statuses: noticeStatuses}
	pr := r.PageRequest()
	if r.Query("page_size") == "" {
		pr.PageSize = noticesPageSize
	}
	var err error
	if d.Page, err = cs.d.Notices.List(r.Ctx(), d.Status, pr); err != nil {
		return err
	}
	d.Items = d.Page.Items
	return r.OK("notices/list", "notice-results", "通知", d)
}

// noticeForm is the compose form.
type noticeForm struct {
	In       notice.Input
	Rule     string
	PolicyID int64
	SendAt   string
	Policies []policy.StaffItem
	Max      int
}

func (cs *Console) publishedPolicies(r *request) ([]policy.StaffItem, error) {
	p, err := cs.d.Policies.List(r.Ctx(), policy.StaffFilter{Status: policy.StatusPublished}, sqldb.PageRequest{Page: 1, PageSize: sqldb.MaxPageSize}.Norm())
	return p.Items, err
}

func (cs *Console) noticeNew(r *request) error {
	f := noticeForm{Max: notice.MaxPushSummary}
	var err error
	if f.Policies, err = cs.publishedPolicies(r); err != nil {
		return err
	}
	// 从政策发通知: /notices/new?policy=ID starts from that policy.
	if id, _ := strconv.ParseInt(r.Query("policy"), 10, 64); id > 0 {
		if p, err := cs.d.Policies.Get(r.Ctx(), id); err == nil && p.Status == policy.StatusPublished {
			f.PolicyID, f.In.Title, f.In.Body = p.ID, p.Title, p.Summary
			if len(p.Rule) > 0 {
				f.Rule = string(p.Rule)
			}
		}
	}
	return r.OK("notices/form", "", "写通知", f)
}

func (cs *Console) noticeCreate(r *request) error {
	in := notice.Input{Title: r.Form("title"), PushSummary: r.Form("push_summary"), Body: r.Form("body"), Page: r.Form("page")}
	if s := r.Form("policy_id"); s != "" {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return badInput("请从列表里选择关联的政策")
		}
		in.PolicyID = &id
	}
	var err error
	if in.Rule, _, err = ruleOf(r.c.PostForm("rule")); err != nil {
		return err
	}
	if s := r.Form("send_at"); s != "" {
		t, err := time.ParseInLocation("2006-01-02T15:04", s, cn.Zone)
		if err != nil {
			return badInput("定时发送请填写日期和时间，立即发送请留空")
		}
		in.SendAt = &t
	}
	n, err := cs.d.Notices.Draft(r.Ctx(), r.Actor().ID, in)
	if err != nil {
		return err
	}
	return r.Redirect(fmt.Sprintf("/notices/%d", n.ID), "通知已保存，等待区级管理员审核；审核通过后才会发送")
}

// noticeView is the detail page: the notice, its report and what the actor may do with it.
type noticeView struct {
	N           *notice.Notice
	StatusName  string
	PolicyTitle string
	RuleText    string
	Mine        bool // the actor drafted it
	MayApprove  bool
	MayCancel   bool
	// Live: the report changes (approved or sending, or pushes still going out): the page polls it.
	Live bool
	// MayResend: some pushes failed.
	MayResend bool
}

func (cs *Console) noticeView(r *request) (noticeView, error) {
	id, err := r.ID("id")
	if err != nil {
		return noticeView{}, err
	}
	n, err := cs.d.Notices.Get(r.Ctx(), id)
	if err != nil {
		return noticeView{}, err
	}
	v := noticeView{N: n, StatusName: categoryNameIn(noticeStatuses, n.Status), Mine: n.DraftedBy == r.Actor().ID,
		MayCancel: n.Status == notice.StatusDraft || n.Status == notice.StatusApproved,
		Live:      n.Status == notice.StatusApproved || n.Status == notice.StatusSending || n.Report.Pushes.Sending > 0,
		MayResend: n.Report.Pushes.Failed > 0}
	v.MayApprove = n.Status == notice.StatusDraft && r.Actor().MayApproveNotices()
	if _, node, err := ruleOf(string(n.Rule)); err == nil && node != nil {
		v.RuleText = cs.ruleText(r, node)
	}
	if n.PolicyID != nil {
		if p, err := cs.d.Policies.Get(r.Ctx(), *n.PolicyID); err == nil {
			v.PolicyTitle = p.Title
		}
	}
	return v, nil
}

// noticePage is the detail page; htmx's poll asks for the report fragment only.
func (cs *Console) noticePage(r *request) error {
	v, err := cs.noticeView(r)
	if err != nil {
		return err
	}
	return r.OK("notices/detail", "notice-report", v.N.Title, v)
}

func (cs *Console) noticeApprove(r *request) error {
	id, err := r.ID("id")
	if err != nil {
		return err
	}
	n, err := cs.d.Notices.Approve(r.Ctx(), r.Actor().ID, id)
	if errors.Is(err, notice.ErrSameReviewer) {
		return errSameReviewer
	}
	if err != nil {
		return err
	}
	msg := "已审核通过，马上开始发送"
	if n.SendAt != nil && n.SendAt.After(cs.d.Now()) {
		msg = "已审核通过，将于 " + n.SendAt.In(cn.Zone).Format("2006-01-02 15:04") + " 发送"
	}
	return r.Redirect(fmt.Sprintf("/notices/%d", n.ID), msg)
}

func (cs *Console) noticeCancel(r *request) error {
	id, err := r.ID("id")
	if err != nil {
		return err
	}
	n, err := cs.d.Notices.Cancel(r.Ctx(), r.Actor().ID, id)
	if err != nil {
		return err
	}
	return r.Redirect(fmt.Sprintf("/notices/%d", n.ID), "通知已撤销，不会发送")
}

func (cs *Console) noticeResend(r *request) error {
	id, err := r.ID("id")
	if err != nil {
		return err
	}
	n, err := cs.d.Notices.Resend(r.Ctx(), r.Actor(), id)
	if err != nil {
		return err
	}
	return r.Redirect(fmt.Sprintf("/notices/%d", id), fmt.Sprintf("已重新安排 %d 条推送，发送情况会自动刷新", n))
}

func categoryNameIn(list []category, code string) string {
	for _, c := range list {
		if c.Code == code {
			return c.Name
		}
	}
	return code
}
