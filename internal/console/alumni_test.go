package console_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"huixiang/internal/alumni"
)

// grantorsOnly is Want for the alumni and event pages: district administrators and department
// staff (the JSON API's "grantors"); township staff get 403.
var grantorsOnly = map[role]int{dept: 200, districtR: 200}

// alumnusID is the person id of the demo alumnus name.
func alumnusID(e *env, name string) int64 {
	e.t.Helper()
	p, err := e.app.Alumni.Search(e.t.Context(), alumni.SearchFilter{Name: name})
	if err != nil || len(p.Items) != 1 {
		e.t.Fatalf("demo alumnus %s: %v %d", name, err, len(p.Items))
	}
	return p.Items[0].PersonID
}

func alumnus(e *env, name string) alumni.Record {
	e.t.Helper()
	rec, err := e.app.Alumni.Get(e.t.Context(), alumnusID(e, name))
	if err != nil {
		e.t.Fatal(err)
	}
	return rec
}

func init() {
	addPages(
		pageCase{Route: "GET /alumni", Want: grantorsOnly, Shows: map[role][]string{
			dept: {"校友名录", "程思远", "高文博", "杰出校友", "待审核"}, districtR: {"校友名录", "郑明轩"}}},
		pageCase{Route: "GET /alumni/new", Want: grantorsOnly, Shows: map[role][]string{dept: {"代为登记校友", "身份证号", "咸安区温泉中学（演示）"}}},
		pageCase{Route: "GET /alumni/:id", Path: func(e *env) string { return "/alumni/" + strconv.FormatInt(alumnusID(e, "高文博"), 10) },
			Want: grantorsOnly, Shows: map[role][]string{dept: {"高文博", "杰出校友", "已通过", "修改等级", "设为创业导师"}}},
		pageCase{Route: "GET /alumni/schools", Want: grantorsOnly, Shows: map[role][]string{
			dept: {"学校管理", "咸安区温泉中学（演示）", "咸安区原第三中学（演示，已撤并）", "已停用"}}},
	)
}

func TestAlumni_listFiltersByStatusNameAndSchool(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.as(dept)
	pending := c.get("/console/alumni?status=pending")
	pending.mustShow(t, "程思远", "方雅琴")
	if strings.Contains(pending.Body, "郑明轩") || strings.Contains(pending.Body, "谢国栋") {
		t.Fatal("pending list shows reviewed alumni")
	}
	// htmx asks for the results only: no page around them.
	frag := c.htmx("/console/alumni?name=%E9%AB%98&grade=distinguished")
	frag.mustShow(t, "高文博")
	if strings.Contains(frag.Body, "<html") || strings.Contains(frag.Body, "程思远") {
		t.Fatalf("fragment: %s", frag.Body)
	}
	school := c.get("/console/alumni?school=demo_wenquan_zx")
	school.mustShow(t, "林晓燕", "专家库成员")
	if strings.Contains(school.Body, "高文博") {
		t.Fatal("school filter shows another school's alumnus")
	}
	none := c.get("/console/alumni?name=" + url.QueryEscape("不存在的人"))
	none.mustShow(t, "没有符合条件的校友", "清除条件")
	if got := e.as(townA).get("/console/alumni?status=pending"); got.Status != http.StatusForbidden {
		t.Fatalf("township: %d", got.Status)
	}
}

func TestAlumni_reviewApproveRejectAndGrade(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.as(dept)
	fang := alumnus(e, "方雅琴")
	path := "/console/alumni/" + strconv.FormatInt(fang.PersonID, 10)
	c.get(path).mustShow(t, "审核通过", "驳回原因")
	got := c.follow(c.postForm(path+"/review", url.Values{"decision": {"approve"}, "version": {strconv.Itoa(fang.Version)}}))
	got.mustShow(t, "已通过 方雅琴 的校友登记", "已通过", "评定等级")
	// The same (now stale) form again: someone got there first.
	got = c.follow(c.postForm(path+"/review", url.Values{"decision": {"approve"}, "version": {strconv.Itoa(fang.Version)}}))
	got.mustShow(t, "flash-error", "校友信息已被他人处理或修改，请刷新后重试")

	fang = alumnus(e, "方雅琴")
	got = c.follow(c.postForm(path+"/grade", url.Values{"grade": {"expert"}, "version": {strconv.Itoa(fang.Version)}}))
	got.mustShow(t, "方雅琴 的校友等级已评定为「专家库成员」", "修改等级")
	if rec := alumnus(e, "方雅琴"); rec.GradeCode == nil || *rec.GradeCode != "expert" {
		t.Fatalf("grade = %v", rec.GradeCode)
	}

	cheng := alumnus(e, "程思远")
	cpath := "/console/alumni/" + strconv.FormatInt(cheng.PersonID, 10)
	got = c.follow(c.postForm(cpath+"/review", url.Values{"decision": {"reject"}, "version": {strconv.Itoa(cheng.Version)}}))
	got.mustShow(t, "驳回时请填写原因")
	if alumnus(e, "程思远").Status != alumni.StatusPending {
		t.Fatal("rejected without a reason")
	}
	got = c.follow(c.postForm(cpath+"/review", url.Values{"decision": {"reject"}, "comment": {"入学年份与学校记录不符"}, "version": {strconv.Itoa(cheng.Version)}}))
	got.mustShow(t, "已驳回 程思远 的校友登记，原因：入学年份与学校记录不符", "已驳回", "审核通过后才能评定等级")

	// A township clerk may not review.
	if got := e.as(townA).postForm(cpath+"/review", url.Values{"decision": {"approve"}, "version": {"1"}}); got.Status != http.StatusForbidden {
		t.Fatalf("township review: %d", got.Status)
	}
	if got := c.get("/console/alumni/99999999"); got.Status != http.StatusNotFound {
		t.Fatalf("unknown alumnus: %d", got.Status)
	}
}

func TestAlumni_staffEntry(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.as(districtR)
	form := url.Values{"name": {"罗建华"}, "id_card": {"42120219800101123"}, "phone": {"13907169999"}, "school_code": {"xa_yizhong"},
		"entry_year": {"1995"}, "graduation_year": {"1998"}, "current_city": {"武汉市"}, "offers": {"investment", "advice"},
		"directory_consent": {"on"}}
	bad := c.postForm("/console/alumni", form)
	if bad.Status != http.StatusUnprocessableEntity {
		t.Fatalf("bad id card: %d", bad.Status)
	}
	bad.mustShow(t, "身份证号码不正确", `value="罗建华"`, `aria-invalid="true"`)
	form.Set("id_card", fixID("42120219800101123"))
	got := c.follow(c.postForm("/console/alumni", form))
	got.mustShow(t, "已登记校友 罗建华（已通过审核）", "工作人员代为登记", "咨询建议、投资", "尚未认领")
	again := c.postForm("/console/alumni", form)
	if again.Status != http.StatusConflict {
		t.Fatalf("second entry: %d", again.Status)
	}
	again.mustShow(t, "该人员已有校友登记")
}

// fixID completes a 17-digit ID number with its check character.
func fixID(s17 string) string {
	w := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i := range 17 {
		sum += int(s17[i]-'0') * w[i]
	}
	return s17 + string("10X98765432"[sum%11])
}

func TestAlumni_schools(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.as(dept)
	got := c.follow(c.postForm("/console/alumni/schools", url.Values{"code": {"xa_gaotie"}, "name": {"咸安区高铁中学"}, "sort": {"60"}}))
	got.mustShow(t, "已添加学校「咸安区高铁中学」", "xa_gaotie")
	dup := c.postForm("/console/alumni/schools", url.Values{"code": {"xa_gaotie2"}, "name": {"咸安区高铁中学"}})
	if dup.Status != http.StatusConflict {
		t.Fatalf("duplicate: %d", dup.Status)
	}
	dup.mustShow(t, "学校代码或名称已存在", `value="xa_gaotie2"`)
	bad := c.postForm("/console/alumni/schools", url.Values{"code": {"Bad Code"}, "name": {"某中学"}})
	if bad.Status != http.StatusUnprocessableEntity {
		t.Fatalf("bad code: %d", bad.Status)
	}
	bad.mustShow(t, "学校代码为 2-32 位小写字母、数字或下划线")
	// Unticked "active" retires the school: it leaves the mini program's picker.
	got = c.follow(c.postForm("/console/alumni/schools/xa_gaotie", url.Values{"name": {"咸安区高铁中学"}, "sort": {"60"}}))
	got.mustShow(t, "已保存学校「咸安区高铁中学」，已停用")
	list, err := e.app.Alumni.Schools(t.Context(), true)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range list {
		if s.Code == "xa_gaotie" {
			t.Fatal("retired school still offered")
		}
	}
	if got := c.postForm("/console/alumni/schools/nope", url.Values{"name": {"某中学"}}); got.Status != http.StatusNotFound {
		t.Fatalf("unknown school: %d", got.Status)
	}
	if got := e.as(townB).postForm("/console/alumni/schools", url.Values{"code": {"xa_x"}, "name": {"某某中学"}}); got.Status != http.StatusForbidden {
		t.Fatalf("township: %d", got.Status)
	}
}
