package console_test

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"huixiang/internal/cn"
	"huixiang/internal/demo"
)

var onlyAdmin = map[role]int{districtR: 200}

func init() {
	addPages(
		pageCase{Route: "GET /system/staff", Want: onlyAdmin, Shows: map[role][]string{
			districtR: {"工作人员账号", "demo_guanbuqiao", "官埠桥镇", "新建账号"}}},
		pageCase{Route: "GET /system/staff/new", Want: onlyAdmin, Shows: map[role][]string{
			districtR: {"新建账号", "贺胜桥镇（990102）", "一次性密码"}}},
		pageCase{Route: "GET /system/staff/:id", Path: func(e *env) string { return "/system/staff/" + staffID(e, "demo_hrss") },
			Want: onlyAdmin, Shows: map[role][]string{districtR: {"demo_hrss", "区人社局", "重置密码", "强制下线", "停用账号"}}},
		pageCase{Route: "GET /system/regions", Want: onlyAdmin, Shows: map[role][]string{
			districtR: {"导入行政区划", "官埠桥镇", "990105", "code,parent_code,level,name"}}},
		pageCase{Route: "GET /system/options", Want: onlyAdmin, Shows: map[role][]string{
			districtR: {"意向创业领域", "农产品加工", "agri_processing", "新增选项"}}},
		pageCase{Route: "GET /system/audit", Want: onlyAdmin, Shows: map[role][]string{
			districtR: {"审计日志", "staff.login", "最近 31 天", "导出 Excel"}}},
	)
}

// staffID is the ID of the demo account username.
func staffID(e *env, username string) string {
	e.t.Helper()
	st, err := e.app.Staff.GetByUsername(e.t.Context(), username)
	if err != nil {
		e.t.Fatal(err)
	}
	return strconv.FormatInt(st.ID, 10)
}

// signIn signs a new browser in with username and password and returns it and the answer.
func signIn(e *env, username, password string) (*client, page) {
	c := e.client()
	return c, c.postForm("/console/login", url.Values{"username": {username}, "password": {password}})
}

var oneTimeRE = regexp.MustCompile(`id="one-time-password">([^<]+)<`)

func TestSystem_staffAccountLifecycle(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.as(districtR)

	// The form refuses what the service refuses, keeping what was typed.
	bad := admin.postForm("/console/system/staff", url.Values{"username": {"9bad"}, "display_name": {"坏账号"},
		"role": {"township"}, "township_code": {"990101"}, "password_mode": {"typed"}, "password": {"Strong-pass-123"}, "password_confirm": {"Strong-pass-123"}})
	if bad.Status != http.StatusUnprocessableEntity {
		t.Fatalf("bad username: %d", bad.Status)
	}
	bad.mustShow(t, "账号信息不完整或格式不正确", `value="坏账号"`)
	mismatch := admin.postForm("/console/system/staff", url.Values{"username": {"gbq_li"}, "role": {"township"},
		"township_code": {"990101"}, "password_mode": {"typed"}, "password": {"Strong-pass-123"}, "password_confirm": {"Strong-pass-124"}})
	mismatch.mustShow(t, "两次输入的初始密码不一致")

	// A township account with a typed password.
	res := admin.postForm("/console/system/staff", url.Values{"username": {"gbq_li"}, "display_name": {"李文书"},
		"role": {"township"}, "township_code": {"990101"}, "department": {"should be dropped"},
		"password_mode": {"typed"}, "password": {"Strong-pass-123"}, "password_confirm": {"Strong-pass-123"}})
	show := admin.follow(res)
	show.mustShow(t, "账号 gbq_li 已创建", "李文书", "官埠桥镇", "镇（街道）")
	id := staffID(e, "gbq_li")
	li, login := signIn(e, "gbq_li", "Strong-pass-123")
	if login.Status != http.StatusSeeOther {
		t.Fatalf("new account cannot sign in: %d", login.Status)
	}
	if home := li.get("/console/"); home.Status != 200 || strings.Contains(home.Body, "工作人员账号") {
		t.Fatalf("township home: %d, shows the system menu: %v", home.Status, strings.Contains(home.Body, "工作人员账号"))
	}

	// Moving the account to another township ends its sessions.
	res = admin.postForm("/console/system/staff/"+id, url.Values{"display_name": {"李文书"}, "role": {"township"}, "township_code": {"990102"}})
	admin.follow(res).mustShow(t, "角色或范围已变更，该账号需重新登录", "贺胜桥镇")
	if got := li.get("/console/"); got.Status != http.StatusSeeOther {
		t.Fatalf("old session after a scope change: %d, want 303 to the sign-in page", got.Status)
	}
	// A name change alone keeps the sessions.
	li, _ = signIn(e, "gbq_li", "Strong-pass-123")
	res = admin.postForm("/console/system/staff/"+id, url.Values{"display_name": {"李文书（贺胜桥）"}, "role": {"township"}, "township_code": {"990102"}})
	admin.follow(res).mustShow(t, "已保存", "李文书（贺胜桥）")
	if got := li.get("/console/"); got.Status != http.StatusOK {
		t.Fatalf("session after a name change: %d", got.Status)
	}
	// A department account needs a department: the form says so.
	res = admin.postForm("/console/system/staff/"+id, url.Values{"display_name": {"李文书"}, "role": {"department"}})
	if res.Status != http.StatusUnprocessableEntity {
		t.Fatalf("department without a department: %d", res.Status)
	}
	res.mustShow(t, "账号信息不完整或格式不正确")

	// Reset: the one-time password is shown once; signing in with it leads to the password page.
	reset := admin.postForm("/console/system/staff/"+id+"/reset-password", nil)
	reset.mustShow(t, "密码已重置", "只显示这一次", "首次登录时必须修改密码")
	if reset.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("reset page Cache-Control %q", reset.Header.Get("Cache-Control"))
	}
	m := oneTimeRE.FindStringSubmatch(reset.Body)
	if m == nil {
		t.Fatal("no one-time password on the page")
	}
	if got := li.get("/console/"); got.Status != http.StatusSeeOther {
		t.Fatalf("session after a reset: %d", got.Status)
	}
	li, login = signIn(e, "gbq_li", m[1])
	if login.Status != http.StatusSeeOther {
		t.Fatalf("sign in with the one-time password: %d %s", login.Status, login.Body)
	}
	if got := li.get("/console/"); got.Status != http.StatusSeeOther || got.Header.Get("Location") != "/console/password" {
		t.Fatalf("one-time password session: %d %s, want the password page", got.Status, got.Header.Get("Location"))
	}
	if again := admin.get("/console/system/staff/" + id); strings.Contains(again.Body, m[1]) {
		t.Fatal("the one-time password is shown again")
	}

	// Revoke, disable, enable, unlock.
	admin.follow(admin.postForm("/console/system/staff/"+id+"/revoke-sessions", nil)).mustShow(t, "已强制下线：1 个会话已结束")
	admin.follow(admin.postForm("/console/system/staff/"+id+"/disable", nil)).mustShow(t, "账号已停用", "已停用", "启用账号")
	if _, login := signIn(e, "gbq_li", m[1]); login.Status == http.StatusSeeOther {
		t.Fatal("a disabled account signs in")
	}
	admin.follow(admin.postForm("/console/system/staff/"+id+"/enable", nil)).mustShow(t, "账号已启用", "停用账号")
	admin.follow(admin.postForm("/console/system/staff/"+id+"/unlock", nil)).mustShow(t, "已解除登录锁定")

	// The administrator cannot disable themselves; the page offers no button for it.
	self := staffID(e, "admin")
	admin.get("/console/system/staff/"+self).mustShow(t, "这是您自己的账号")
	admin.follow(admin.postForm("/console/system/staff/"+self+"/disable", nil)).mustShow(t, "不能修改自己的角色，也不能停用自己的账号")

	// Everything above is in the audit log, under the administrator's name.
	log := admin.get("/console/system/audit?actor=admin&target_type=staff&target_id=" + id)
	log.mustShow(t, "staff.create", "staff.update", "staff.password_reset", "staff.sessions_revoked", "staff.unlocked")

	// Unknown accounts are 404; other roles 403.
	if got := admin.get("/console/system/staff/999999"); got.Status != http.StatusNotFound {
		t.Errorf("unknown account: %d", got.Status)
	}
	if got := e.as(townA).postForm("/console/system/staff/"+id+"/reset-password", nil); got.Status != http.StatusForbidden {
		t.Errorf("township resets a password: %d", got.Status)
	}
}

func TestSystem_staffCreateWithGeneratedPassword(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.as(districtR)
	res := admin.postForm("/console/system/staff", url.Values{"username": {"hrss_wang"}, "display_name": {"王审核"},
		"role": {"department"}, "department": {"区人社局"}, "township_code": {"990101"}, "password_mode": {"generated"}})
	if res.Status != http.StatusOK {
		t.Fatalf("create: %d %s", res.Status, res.Body)
	}
	res.mustShow(t, "账号已创建", "hrss_wang", "只显示这一次")
	m := oneTimeRE.FindStringSubmatch(res.Body)
	if m == nil {
		t.Fatal("no one-time password")
	}
	c, login := signIn(e, "hrss_wang", m[1])
	if login.Status != http.StatusSeeOther {
		t.Fatalf("sign in: %d", login.Status)
	}
	if got := c.get("/console/"); got.Header.Get("Location") != "/console/password" {
		t.Fatalf("a generated password must be changed first: %d %s", got.Status, got.Header.Get("Location"))
	}
	admin.get("/console/system/staff?role=department").mustShow(t, "hrss_wang", "区人社局", "待修改初始密码")
	list := admin.htmx("/console/system/staff?role=township&q=guanbu")
	if strings.Contains(list.Body, "<html") || !strings.Contains(list.Body, "demo_guanbuqiao") || strings.Contains(list.Body, "hrss_wang") {
		t.Fatalf("htmx filter fragment: %s", list.Body)
	}
}

// postFile posts a multipart form with one file as a same-origin browser does.
func (c *client) postFile(path, field, name string, body []byte) page {
	c.e.t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	fw, _ := w.CreateFormFile(field, name)
	_, _ = fw.Write(body)
	_ = w.Close()
	req, _ := http.NewRequest(http.MethodPost, c.e.srv.URL+path, &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("Origin", c.e.srv.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return c.do(req)
}

func TestSystem_regionsImport(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.as(districtR)
	csv := "\ufeffcode,parent_code,level,name\n990106,990100,2,双溪桥镇\n990106001,990106,3,双溪村\n"
	got := admin.follow(admin.postFile("/console/system/regions/import", "file", "regions.csv", []byte(csv)))
	got.mustShow(t, "导入成功：共导入或更新 2 个行政区划", "双溪桥镇", "990106")
	admin.get("/console/system/staff/new").mustShow(t, "双溪桥镇（990106）")

	bad := admin.follow(admin.postFile("/console/system/regions/import", "file", "bad.csv",
		[]byte("code,parent_code,level,name\n990107,990100,2,马桥镇\n12,990100,2,坏编码\n")))
	bad.mustShow(t, "导入失败，未做任何修改。第 3 行")
	if strings.Contains(bad.Body, "马桥镇") {
		t.Fatal("a file with a bad line imported its good lines")
	}
	noFile := admin.follow(admin.postForm("/console/system/regions/import", nil))
	noFile.mustShow(t, "请选择要导入的 CSV 文件")
	admin.get("/console/system/audit?action=region.import").mustShow(t, "导入行政区划", `&#34;rows&#34;:2`)
}

func TestSystem_optionLists(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.as(districtR)
	ctx := t.Context()
	labels := func(kind string) []string {
		lists, err := e.app.Returnees.Options(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, it := range lists[kind] {
			out = append(out, it.Label)
		}
		return out
	}
	_ = labels("need") // the registry keeps the lists now; a change must show at once
	got := admin.follow(admin.postForm("/console/system/options", url.Values{"kind": {"need"}, "label": {"物流"}, "code": {"logistics"}}))
	got.mustShow(t, "已新增选项“物流”", "logistics", "需求")
	if !strings.Contains(strings.Join(labels("need"), ","), "物流") {
		t.Fatalf("the registry's lists do not have the new option: %v", labels("need"))
	}
	dup := admin.follow(admin.postForm("/console/system/options", url.Values{"kind": {"need"}, "label": {"物流"}}))
	dup.mustShow(t, "已有相同名称或代码的选项")

	got = admin.follow(admin.postForm("/console/system/options/need/logistics", url.Values{"label": {"物流运输"}}))
	got.mustShow(t, "已将选项名称改为“物流运输”")
	if !strings.Contains(strings.Join(labels("need"), ","), "物流运输") {
		t.Fatalf("rename not seen: %v", labels("need"))
	}
	got = admin.follow(admin.postForm("/console/system/options/need/logistics/active", url.Values{"active": {"false"}}))
	got.mustShow(t, "已停用选项“物流运输”", "已停用", "重新启用")
	if strings.Contains(strings.Join(labels("need"), ","), "物流") {
		t.Fatalf("a deactivated option is still offered: %v", labels("need"))
	}
	admin.follow(admin.postForm("/console/system/options/need/logistics/active", url.Values{"active": {"true"}})).mustShow(t, "已重新启用选项“物流运输”")

	// Generated codes; unknown kinds and codes are 404; the log has every change.
	admin.follow(admin.postForm("/console/system/options", url.Values{"kind": {"skill"}, "label": {"无人机飞手"}})).mustShow(t, "opt_", "无人机飞手")
	if r := admin.postForm("/console/system/options/education/bachelor", url.Values{"label": {"学士"}}); r.Status != http.StatusNotFound {
		t.Errorf("a fixed list: %d", r.Status)
	}
	if r := admin.postForm("/console/system/options/need/nope", url.Values{"label": {"无"}}); r.Status != http.StatusNotFound {
		t.Errorf("unknown code: %d", r.Status)
	}
	if r := admin.get("/console/system/options?kind=education"); r.Status != http.StatusNotFound {
		t.Errorf("a fixed list's page: %d", r.Status)
	}
	admin.get("/console/system/audit?target_type=option").mustShow(t, "option.add", "option.rename", "option.deactivate", "option.reactivate")
	if r := e.as(dept).postForm("/console/system/options", url.Values{"kind": {"need"}, "label": {"越权"}}); r.Status != http.StatusForbidden {
		t.Errorf("department adds an option: %d", r.Status)
	}
}

func TestSystem_auditLogFilterAndExport(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.as(districtR)
	today := time.Now().In(cn.Zone).Format("2006-01-02")

	all := admin.get("/console/system/audit")
	all.mustShow(t, "staff.create", "staff.login", "最近 31 天")
	byAction := admin.htmx("/console/system/audit?action=staff.login&from=" + today + "&to=" + today)
	if strings.Contains(byAction.Body, "<html") || !strings.Contains(byAction.Body, "staff.login") || strings.Contains(byAction.Body, "staff.create") {
		t.Fatalf("action filter fragment: %s", byAction.Body)
	}
	old := admin.get("/console/system/audit?from=2020-01-01&to=2020-01-31")
	old.mustShow(t, "没有符合条件的日志")
	if r := admin.get("/console/system/audit?from=2020-01-01&to=2026-01-31"); r.Status != http.StatusUnprocessableEntity {
		t.Errorf("a range over a year: %d", r.Status)
	}
	if r := admin.get("/console/system/audit?from=yesterday"); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "开始日期须为日期") {
		t.Errorf("a bad date: %d", r.Status)
	}

	exp := admin.postForm("/console/system/audit/export", url.Values{"action": {"staff.create"}, "from": {today}})
	if exp.Status != http.StatusOK || !strings.Contains(exp.Header.Get("Content-Type"), "spreadsheetml") {
		t.Fatalf("export: %d %s", exp.Status, exp.Header.Get("Content-Type"))
	}
	if exp.Header.Get("Cache-Control") != "no-store" || !strings.Contains(exp.Header.Get("Content-Disposition"), "attachment") {
		t.Errorf("export headers: %v", exp.Header)
	}
	x, err := excelize.OpenReader(strings.NewReader(exp.Body))
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := x.GetRows("审计日志")
	created := 1 + len(demo.Staff) // the administrator and the demo accounts
	if len(rows) != 1+created || rows[0][0] != "时间" || rows[1][4] != "staff.create" {
		t.Fatalf("export rows: %v", rows)
	}
	admin.get("/console/system/audit?action=audit.export").mustShow(t, "导出审计日志", fmt.Sprintf(`&#34;rows&#34;:%d`, created))
}
