package console_test

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"huixiang/internal/application"
	"huixiang/internal/demo"
	"huixiang/internal/sqldb"
)

func init() {
	addPages(
		pageCase{Route: "GET /applications", Want: every, Shows: map[role][]string{
			townA:     {"审核队列", "待乡镇审核", "张建国", "李秀英"},
			townB:     {"审核队列", "周涛"},
			dept:      {"待区级审核", "王志强", "黄敏"},
			districtR: {"待乡镇审核", "待区级审核", "已批准待发放", "王志强"},
		}},
		pageCase{Route: "GET /applications/stats", Want: every, Shows: map[role][]string{
			townA:     {"申请统计", "申请总数", "待乡镇审核", "data-chart"},
			districtR: {"申请统计", "官埠桥镇", "贺胜桥镇", "data-chart"},
		}},
		pageCase{Route: "GET /applications/:id", Path: func(e *env) string { return fmt.Sprintf("/applications/%d", e.appOf("张建国")) },
			Want: map[role]int{townA: 200, townB: 404, dept: 200, districtR: 200},
			Shows: map[role][]string{
				townA:     {"张建国", "乡镇审核", "审核通过", "退回修改", "不通过", "身份证人像面", "营业执照", "办理记录", "提交申请"},
				dept:      {"张建国", "没有需要您办理的事项"},
				districtR: {"审核通过"},
			}},
	)
}

// appOf is the id of the demo application of the demo person name.
func (e *env) appOf(name string) int64 {
	e.t.Helper()
	page, err := e.app.Applications.List(e.t.Context(), adminActor(), application.Filter{Status: "all",
		PageRequest: sqldb.PageRequest{Page: 1, PageSize: 100}})
	if err != nil {
		e.t.Fatal(err)
	}
	for _, a := range page.Items {
		if a.ApplicantName == name {
			return a.ID
		}
	}
	e.t.Fatalf("no demo application of %s", name)
	return 0
}

var versionRE = regexp.MustCompile(`name="version" value="(\d+)"`)

// version is the version the application's page carries in its forms.
func version(t testing.TB, p page) string {
	t.Helper()
	m := versionRE.FindStringSubmatch(p.Body)
	if m == nil {
		t.Fatalf("no version on the page:\n%s", p.Body)
	}
	return m[1]
}

func TestApplications_townshipThenDistrictApproveThenDisburse(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.appOf("张建国")
	path := fmt.Sprintf("/console/applications/%d", id)

	clerk := e.as(townA)
	p := clerk.get(path)
	p.mustShow(t, "张建国", "待乡镇审核", "4212**********", "139****1000", "身份证人像面", "<img src=\"/api/v1/files/")
	got := clerk.follow(clerk.postForm(path+"/review", url.Values{"decision": {"approve"}, "comment": {"材料齐全，同意"}, "version": {version(t, p)}}))
	got.mustShow(t, fmt.Sprintf("申请 #%d 已审核通过，当前状态：待区级审核", id), "乡镇审核通过", "材料齐全，同意", "没有需要您办理的事项")
	if strings.Contains(clerk.get("/console/applications").Body, path) {
		t.Error("the approved application is still in the township queue")
	}

	reviewer := e.as(dept)
	queue := reviewer.get("/console/applications")
	queue.mustShow(t, path, "张建国")
	p = reviewer.get(path)
	p.mustShow(t, "区级审核")
	got = reviewer.follow(reviewer.postForm(path+"/review", url.Values{"decision": {"approve"}, "comment": {"同意"}, "version": {version(t, p)}}))
	got.mustShow(t, "已审核通过，当前状态：已批准待发放", "区级审核通过", "乡镇审核通过")
	// demo_hrss decided the district stage: the disbursement is another account's (four eyes).
	got.mustShow(t, "登记发放")
	refused := reviewer.postForm(path+"/disburse", url.Values{"amount_yuan": {"5000"}, "paid_on": {"2026-11-30"}, "bank_reference": {"XA1"}, "version": {version(t, got)}})
	if refused.Status != http.StatusConflict {
		t.Fatalf("disbursement by the district reviewer: %d, want 409", refused.Status)
	}
	refused.mustShow(t, "本环节须由其他工作人员办理", `value="XA1"`)

	admin := e.as(districtR)
	p = admin.get(path)
	bad := admin.postForm(path+"/disburse", url.Values{"amount_yuan": {"5千"}, "paid_on": {"2026-11-30"}, "bank_reference": {"XA1"}, "version": {version(t, p)}})
	if bad.Status != http.StatusUnprocessableEntity {
		t.Fatalf("amount 5千: %d", bad.Status)
	}
	bad.mustShow(t, "发放金额应为数字")
	got = admin.follow(admin.postForm(path+"/disburse", url.Values{"amount_yuan": {"5000"}, "paid_on": {"2026-11-30"},
		"bank_reference": {"XA20261130001"}, "version": {version(t, p)}}))
	got.mustShow(t, fmt.Sprintf("申请 #%d 已登记发放 5,000 元", id), "发放记录", "XA20261130001", "2026-11-30", "资金已发放", "已发放 5,000 元")
}

func TestApplications_returnWithFieldComments_rejectNeedsAReason(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	clerk := e.as(townA)

	path := fmt.Sprintf("/console/applications/%d", e.appOf("李秀英"))
	p := clerk.get(path)
	got := clerk.follow(clerk.postForm(path+"/review", url.Values{"decision": {"return"}, "version": {version(t, p)},
		"fc_bank_account": {"账号与开户名不一致"}, "fc_attachments": {"身份证照片不清楚"}}))
	got.mustShow(t, "已退回申请人修改", "已退回修改", "银行账号：账号与开户名不一致", "申请材料：身份证照片不清楚")

	path = fmt.Sprintf("/console/applications/%d", e.appOf("张建国"))
	p = clerk.get(path)
	p.mustShow(t, `data-confirm="确定作出「不通过」决定吗`)
	noReason := clerk.postForm(path+"/review", url.Values{"decision": {"reject"}, "version": {version(t, p)}})
	if noReason.Status != http.StatusUnprocessableEntity {
		t.Fatalf("reject without a reason: %d", noReason.Status)
	}
	noReason.mustShow(t, "退回或不通过时请填写意见", "待乡镇审核")
	got = clerk.follow(clerk.postForm(path+"/review", url.Values{"decision": {"reject"}, "comment": {"营业执照已注销"}, "version": {version(t, p)}}))
	got.mustShow(t, "已作出不通过决定", "审核不通过", "营业执照已注销")

	// A second decision on the same version: someone acted since.
	stale := clerk.postForm(path+"/review", url.Values{"decision": {"approve"}, "version": {version(t, p)}})
	if stale.Status != http.StatusConflict {
		t.Fatalf("stale decision: %d", stale.Status)
	}
	stale.mustShow(t, "申请已被他人处理或修改")
}

func TestApplications_scopeAndRoles(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	pathA := fmt.Sprintf("/console/applications/%d", e.appOf("张建国"))
	p := e.as(districtR).get(pathA)
	v := version(t, p)

	// Township B neither sees nor decides township A's application.
	b := e.as(townB)
	if got := b.postForm(pathA+"/review", url.Values{"decision": {"approve"}, "version": {v}}); got.Status != http.StatusNotFound {
		t.Errorf("township B deciding A's application: %d, want 404", got.Status)
	}
	// The department takes no township decision.
	d := e.as(dept)
	got := d.postForm(pathA+"/review", url.Values{"decision": {"approve"}, "version": {v}})
	if got.Status != http.StatusForbidden {
		t.Errorf("department deciding the township stage: %d, want 403", got.Status)
	}
	if strings.Contains(d.get(pathA).Body, `name="decision"`) {
		t.Error("the department sees decision buttons on a submitted application")
	}
	// The district administrator may decide both stages, but not both of one application.
	pathB := fmt.Sprintf("/console/applications/%d", e.appOf("周涛"))
	admin := e.as(districtR)
	p = admin.get(pathB)
	p = admin.follow(admin.postForm(pathB+"/review", url.Values{"decision": {"approve"}, "version": {version(t, p)}}))
	same := admin.postForm(pathB+"/review", url.Values{"decision": {"approve"}, "version": {version(t, p)}})
	if same.Status != http.StatusConflict {
		t.Fatalf("same account at both stages: %d", same.Status)
	}
	same.mustShow(t, "上一环节由您本人审核")
	if got := admin.get("/console/applications/999999"); got.Status != http.StatusNotFound {
		t.Errorf("missing application: %d", got.Status)
	}
}

func TestApplications_queueStagesFiltersAndFragment(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	clerk := e.as(townA)
	returned := clerk.get("/console/applications?stage=returned")
	returned.mustShow(t, "赵军", `aria-current="page"`)
	if strings.Contains(returned.Body, "张建国") {
		t.Error("the returned tab shows a submitted application")
	}
	all := clerk.get("/console/applications?stage=all")
	all.mustShow(t, "张建国", "赵军", "杨丽", "陈伟")
	if got := clerk.get("/console/applications?stage=nonsense"); got.Status != http.StatusUnprocessableEntity {
		t.Errorf("unknown stage: %d", got.Status)
	}

	admin := e.as(districtR)
	frag := admin.htmx("/console/applications?stage=all&township=990102&type=loan")
	if strings.Contains(frag.Body, "<html") {
		t.Error("htmx got a whole page")
	}
	frag.mustShow(t, "周涛", "吴静", "孙娟")
	for _, s := range []string{"张建国", "黄敏"} { // another township; a subsidy
		if strings.Contains(frag.Body, s) {
			t.Errorf("filtered list shows %s", s)
		}
	}
	loans := admin.get("/console/applications?stage=disbursed&policy=guaranteed_loan")
	loans.mustShow(t, "孙娟")
	if strings.Contains(loans.Body, "杨丽") {
		t.Error("policy filter lets a subsidy through")
	}
	paged := admin.get("/console/applications?stage=all&page_size=2")
	paged.mustShow(t, "共 11 条，第 1–2 条", "下一页")

	stats := admin.get("/console/applications/stats?township=990101")
	stats.mustShow(t, "官埠桥镇", "<strong>6</strong>申请总数")
	if strings.Contains(stats.Body, "<td>贺胜桥镇</td>") {
		t.Error("stats filtered to 990101 show 贺胜桥镇")
	}
}

func TestApplications_seedTwiceAddsNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	count := func() int {
		p, err := e.app.Applications.List(t.Context(), adminActor(), application.Filter{Status: "all"})
		if err != nil {
			t.Fatal(err)
		}
		return p.Total
	}
	before := count()
	if err := demo.SeedApplications(t.Context(), e.app, io.Discard); err != nil {
		t.Fatal(err)
	}
	if after := count(); after != before || before != 11 {
		t.Fatalf("applications %d, then %d after seeding again; want 11", before, after)
	}
}
