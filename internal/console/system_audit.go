package console

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"huixiang/internal/audit"
	"huixiang/internal/cn"
)

// auditForm is the filter as typed (dates as 2006-01-02, Asia/Shanghai, both days included).
type auditForm struct {
	Actor, Action, TargetType, TargetID, From, To string
}

func (f auditForm) values() url.Values {
	v := url.Values{}
	for k, s := range map[string]string{"actor": f.Actor, "action": f.Action, "target_type": f.TargetType,
		"target_id": f.TargetID, "from": f.From, "to": f.To} {
		if s != "" {
			v.Set(k, s)
		}
	}
	return v
}

// auditRow is a log row with its action's name and a short detail.
type auditRow struct {
	audit.Record
	ActionName string
	DetailText string
}

type auditData struct {
	Form    auditForm
	Result  audit.Result
	Rows    []auditRow
	From    time.Time // the range shown, [From, To)
	To      time.Time
	Actions []string
	Actors  []string
	Query   url.Values
}

// auditFilter reads the filter from get (query or form values).
func (cs *Console) auditFilter(get func(string) string) (auditForm, audit.Filter, error) {
	f := auditForm{Actor: get("actor"), Action: get("action"), TargetType: get("target_type"), TargetID: get("target_id"),
		From: get("from"), To: get("to")}
	flt := audit.Filter{ActorName: f.Actor, Action: f.Action, TargetType: f.TargetType, TargetID: f.TargetID}
	day := func(s, name string) (time.Time, error) {
		if s == "" {
			return time.Time{}, nil
		}
		t, err := time.ParseInLocation("2006-01-02", s, cn.Zone)
		if err != nil {
			return t, badInput(name + "须为日期，例如 2026-01-31")
		}
		return t, nil
	}
	var err error
	if flt.From, err = day(f.From, "开始日期"); err != nil {
		return f, flt, err
	}
	to, err := day(f.To, "结束日期")
	if err != nil {
		return f, flt, err
	}
	if !to.IsZero() {
		flt.To = to.AddDate(0, 0, 1) // the whole last day
	}
	if flt.To.IsZero() && !flt.From.IsZero() {
		flt.To = flt.From.Add(audit.MaxSpan - 24*time.Hour)
		if now := cs.d.Now(); flt.To.After(now) {
			flt.To = now
		}
	}
	flt, err = flt.Norm(cs.d.Now())
	if errors.Is(err, audit.ErrBadFilter) {
		return f, flt, badInput("筛选条件有误：时间范围须在一年以内且结束不早于开始，操作类型和对象类型须为英文代码")
	}
	return f, flt, err
}

// auditPage shows the log, filtered and paged, newest first.
func (cs *Console) auditPage(r *request) error {
	form, flt, err := cs.auditFilter(r.Query)
	if err != nil {
		return err
	}
	res, err := audit.Query(r.Ctx(), cs.d.DB, flt, r.PageRequest())
	if err != nil {
		return err
	}
	d := auditData{Form: form, Result: res, From: flt.From, To: flt.To.Add(-time.Millisecond), Query: r.c.Request.URL.Query()}
	for _, rec := range res.Items {
		row := auditRow{Record: rec, ActionName: actionNames[rec.Action]}
		if rec.Detail != nil {
			row.DetailText = *rec.Detail
			if rs := []rune(row.DetailText); len(rs) > 300 {
				row.DetailText = string(rs[:300]) + "…"
			}
		}
		d.Rows = append(d.Rows, row)
	}
	if !r.HTMX() {
		if d.Actions, err = audit.Actions(r.Ctx(), cs.d.DB); err != nil {
			return err
		}
		list, err := cs.d.Staff.List(r.Ctx())
		if err != nil {
			return err
		}
		for _, s := range list {
			d.Actors = append(d.Actors, s.Username)
		}
	}
	return r.OK("system/audit", "audit-results", "审计日志", d)
}

const xlsxContentType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// auditExport downloads the filtered log as .xlsx; the export is itself written to the log.
func (cs *Console) auditExport(r *request) error {
	form, flt, err := cs.auditFilter(r.Form)
	if err != nil {
		return r.redirectError("/system/audit"+withQuery(form.values()), err)
	}
	a := r.Actor()
	b, n, err := audit.Export(r.Ctx(), cs.d.DB, flt, cn.Zone, a.Audit("audit.export", "audit_log", ""))
	if err != nil {
		return err
	}
	name := "审计日志_" + cs.d.Now().In(cn.Zone).Format("20060102_150405") + ".xlsx"
	r.c.Header("Content-Disposition", "attachment; filename=\"audit.xlsx\"; filename*=UTF-8''"+url.PathEscape(name))
	r.c.Header("Cache-Control", "no-store")
	r.c.Header("X-Rows", strconv.Itoa(n))
	r.c.Data(http.StatusOK, xlsxContentType, b)
	return nil
}

// actionNames are the audit actions as staff call them (the code is shown beside).
var actionNames = map[string]string{
	"staff.create": "创建账号", "staff.login": "登录", "staff.login_failed": "登录失败", "staff.locked": "登录锁定",
	"staff.update": "修改账号", "staff.password_reset": "重置密码",
	"staff.password_changed": "修改密码", "staff.password_change_failed": "修改密码失败", "staff.unlocked": "解除锁定",
	"staff.sessions_revoked": "结束登录会话", "region.import": "导入行政区划", "option.add": "新增选项",
	"option.rename": "选项改名", "option.deactivate": "停用选项", "option.reactivate": "启用选项",
	"outbox.retry": "重新发送消息", "audit.export": "导出审计日志", "returnee.create": "新增返乡人员",
	"returnee.update": "修改返乡人员", "returnee.import": "导入返乡人员", "returnee.export": "导出返乡人员",
	"returnee.reveal": "查看完整证件号/手机号", "survey.create": "创建调查", "survey.publish": "发布调查",
	"points.grant": "发放积分", "points.reverse": "冲正积分", "points.voucher_verify": "核销权益券",
	"points.perk_create": "新增权益", "points.perk_update": "修改权益", "alumni.create": "新增校友",
	"alumni.review": "审核校友", "alumni.grade": "校友分级", "event.create": "创建活动",
	"alumni.school.create": "新增学校", "alumni.school.update": "修改学校", "person.claimed": "认领档案",
	"application.create": "创建申请", "application.submitted": "提交申请", "application.withdrawn": "撤回申请",
	"application.township_approved": "镇级审核通过", "application.approved": "审核通过", "application.rejected": "审核驳回",
	"application.returned": "退回修改", "application.disbursed": "登记拨付", "application.view_attachments": "查看申请附件",
}
