package console_test

import (
	"bytes"
	"image/png"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"rsc.io/qr"

	"huixiang/internal/alumni"
	"huixiang/internal/cn"
	"huixiang/internal/wechat"
)

// demoEventTitle is the event internal/demo creates.
const demoEventTitle = "2026 咸安校友返乡座谈会（演示）"

func demoEvent(e *env) alumni.Event {
	e.t.Helper()
	list, err := e.app.Alumni.Events(e.t.Context())
	if err != nil {
		e.t.Fatal(err)
	}
	for _, ev := range list {
		if ev.Title == demoEventTitle {
			return ev
		}
	}
	e.t.Fatal("no demo event")
	return alumni.Event{}
}

func eventPath(e *env, suffix string) string {
	return "/events/" + strconv.FormatInt(demoEvent(e).ID, 10) + suffix
}

func init() {
	addPages(
		pageCase{Route: "GET /events", Want: grantorsOnly, Shows: map[role][]string{dept: {"活动管理", demoEventTitle, "签到中", "打印签到码", "报名 / 名额", "0 / 不限"}}},
		pageCase{Route: "GET /events/new", Want: grantorsOnly, Shows: map[role][]string{dept: {"新建活动", `type="datetime-local"`, "参加校友返校活动"}}},
		pageCase{Route: "GET /events/:id", Path: func(e *env) string { return eventPath(e, "") }, Want: grantorsOnly,
			Shows: map[role][]string{dept: {demoEventTitle, "报名名单", "名额", "签到名单", "程思远", "郑明轩", "高文博", "已发放"}}},
		pageCase{Route: "GET /events/:id/edit", Path: func(e *env) string { return eventPath(e, "/edit") }, Want: grantorsOnly,
			Shows: map[role][]string{dept: {"编辑活动", demoEventTitle, "积分规则不能再更换"}}},
		pageCase{Route: "GET /events/:id/qr", Path: func(e *env) string { return eventPath(e, "/qr") }, Want: grantorsOnly,
			Shows: map[role][]string{dept: {demoEventTitle, "/wxacode.png", "用微信扫一扫，直接签到", "/qr.png", "签到时间", "data-print"}}},
		pageCase{Route: "GET /events/:id/qr.png", Path: func(e *env) string { return eventPath(e, "/qr.png") }, Want: grantorsOnly},
		pageCase{Route: "GET /events/:id/wxacode.png", Path: func(e *env) string { return eventPath(e, "/wxacode.png") }, Want: grantorsOnly},
	)
}

func TestEvents_createEditAndPrintQR(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.as(dept)
	form := url.Values{"title": {"2027 春季招商推介会"}, "starts_at": {"2027-03-20T09:30"}, "ends_at": {"2027-03-20T09:00"},
		"checkin_opens_at": {""}, "checkin_closes_at": {""}, "points_rule": {"event_attendance"}, "kind": {"policy_talk"}}
	bad := c.postForm("/console/events", form)
	if bad.Status != http.StatusUnprocessableEntity {
		t.Fatalf("ends before start: %d", bad.Status)
	}
	bad.mustShow(t, "结束时间须晚于开始时间", `value="2027 春季招商推介会"`, `value="2027-03-20T09:30"`)
	form.Set("ends_at", "2027-03-20T12:00")
	created := c.postForm("/console/events", form)
	got := c.follow(created)
	got.mustShow(t, "已创建活动「2027 春季招商推介会」", "2027-03-20 09:30 至 2027-03-20 12:00",
		"2027-03-20 08:30 至 2027-03-20 12:00", "还没有人签到", "未开始")
	id, err := strconv.ParseInt(strings.TrimPrefix(created.Header.Get("Location"), "/console/events/"), 10, 64)
	if err != nil {
		t.Fatal(created.Header.Get("Location"))
	}
	ev, err := e.app.Alumni.Event(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	// Times typed are Beijing time.
	if want := time.Date(2027, 3, 20, 9, 30, 0, 0, cn.Zone); !ev.StartsAt.Equal(want) {
		t.Fatalf("starts_at = %v, want %v", ev.StartsAt, want)
	}
	path := "/console/events/" + strconv.FormatInt(id, 10)
	c.get(path+"/edit").mustShow(t, `value="2027-03-20T09:30"`, `value="2027-03-20T08:30"`)
	form.Set("title", "2027 春季招商推介会（改期）")
	form.Set("starts_at", "2027-03-27T09:30")
	form.Set("ends_at", "2027-03-27T12:00")
	form.Set("checkin_opens_at", "2027-03-27T09:00")
	form.Set("checkin_closes_at", "2027-03-27T11:00")
	// Its kind and the training hours each attendee is credited (quarter hours).
	form.Set("kind", "training")
	form.Set("training_hours", "两小时")
	c.postForm(path, form).mustShow(t, "培训学时请填写小时数")
	form.Set("training_hours", "3.5")
	got = c.follow(c.postForm(path, form))
	got.mustShow(t, "已保存活动「2027 春季招商推介会（改期）」，已打印的签到码仍然有效", "2027-03-27 09:00 至 2027-03-27 11:00",
		"创业培训，每位签到学员记 3.5 学时")
	after, err := e.app.Alumni.Event(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	if after.Token != ev.Token {
		t.Fatal("editing changed the QR token")
	}
	if after.Kind != "training" || after.TrainingMinutes != 210 || ev.Kind != "policy_talk" {
		t.Fatalf("kind %q → %q, minutes %d", ev.Kind, after.Kind, after.TrainingMinutes)
	}
	c.get(path+"/edit").mustShow(t, `value="3.5"`, `<option value="training" selected>创业培训</option>`)
	c.get("/console/events").mustShow(t, "创业培训", "3.5 学时")

	// The printable page and its QR code: the PNG is the code of the payload the mini program
	// scans (huixiang:event:<id>:<token>).
	c.get(path+"/qr").mustShow(t, "2027 春季招商推介会（改期）", `src="`+path+`/qr.png"`, "2027-03-27 09:30 至 2027-03-27 12:00")
	img := c.get(path + "/qr.png")
	if img.Status != http.StatusOK || img.Header.Get("Content-Type") != "image/png" || img.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("qr.png: %d %v", img.Status, img.Header)
	}
	decoded, err := png.Decode(strings.NewReader(img.Body))
	if err != nil || decoded.Bounds().Dx() < 300 {
		t.Fatalf("qr.png: %v %v", err, decoded)
	}
	want, err := qr.Encode(alumni.EventQRPrefix+strconv.FormatInt(id, 10)+":"+ev.Token, qr.M)
	if err != nil {
		t.Fatal(err)
	}
	want.Scale = 10
	if !bytes.Equal([]byte(img.Body), want.PNG()) {
		t.Fatal("qr.png does not encode the check-in payload")
	}
	if got := e.as(townA).get(path + "/qr.png"); got.Status != http.StatusForbidden {
		t.Fatalf("township qr: %d", got.Status)
	}
	if got := c.get("/console/events/99999999/qr.png"); got.Status != http.StatusNotFound {
		t.Fatalf("unknown event qr: %d", got.Status)
	}
}

func TestEvents_ruleLockedAfterCheckInAndRulesOfDepartment(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.as(dept)
	ev := demoEvent(e)
	path := "/console/events/" + strconv.FormatInt(ev.ID, 10)
	// 区人社局 may not use 区招商中心's rules: they are not offered.
	newForm := c.get("/console/events/new")
	newForm.mustShow(t, "引荐人才回归")
	if strings.Contains(newForm.Body, "投资项目落地") || strings.Contains(newForm.Body, "捐资助学") {
		t.Fatal("form offers rules the department may not grant or per-amount rules")
	}
	form := url.Values{"title": {ev.Title}, "starts_at": {ev.StartsAt.In(cn.Zone).Format("2006-01-02T15:04")},
		"ends_at": {ev.EndsAt.In(cn.Zone).Format("2006-01-02T15:04")}, "points_rule": {"talent_referral"}}
	got := c.postForm(path, form)
	if got.Status != http.StatusUnprocessableEntity {
		t.Fatalf("rule change after check-ins: %d", got.Status)
	}
	got.mustShow(t, "已有人签到，不能更换积分规则")
	form.Set("points_rule", "investment_landed")
	got = c.postForm(path, form)
	if got.Status != http.StatusForbidden {
		t.Fatalf("rule of another department: %d", got.Status)
	}
	form.Set("starts_at", "明天")
	got = c.postForm(path, form)
	if got.Status != http.StatusUnprocessableEntity {
		t.Fatalf("bad time: %d", got.Status)
	}
	got.mustShow(t, "开始时间格式不正确")
	if got := e.as(townB).postForm(path, form); got.Status != http.StatusForbidden {
		t.Fatalf("township edit: %d", got.Status)
	}
}

// The 名额 field sets the capacity; the detail page shows it with who signed up (phone masked)
// and the printable page shows the 小程序码 WeChat drew (through the SDK and the stand-in), a
// PNG served from the console's own origin, with the old QR code below it.
func TestEvents_capacitySignupsAndWXACode(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.as(dept)
	starts := time.Now().In(cn.Zone).Add(48 * time.Hour)
	form := url.Values{"title": {"返校日"}, "starts_at": {starts.Format("2006-01-02T15:04")},
		"ends_at": {starts.Add(3 * time.Hour).Format("2006-01-02T15:04")}, "points_rule": {"event_attendance"}, "capacity": {"两个"}}
	bad := c.postForm("/console/events", form)
	if bad.Status != http.StatusUnprocessableEntity {
		t.Fatalf("capacity not a number: %d", bad.Status)
	}
	bad.mustShow(t, "名额请填写整数", `value="两个"`)
	form.Set("capacity", "0")
	if bad = c.postForm("/console/events", form); bad.Status != http.StatusUnprocessableEntity {
		t.Fatalf("capacity 0: %d", bad.Status)
	}
	bad.mustShow(t, "名额须为 1 到 100000 之间的整数")
	form.Set("capacity", "2")
	created := c.postForm("/console/events", form)
	id, err := strconv.ParseInt(strings.TrimPrefix(created.Header.Get("Location"), "/console/events/"), 10, 64)
	if err != nil {
		t.Fatal(created.Header.Get("Location"), created.Body)
	}
	path := "/console/events/" + strconv.FormatInt(id, 10)
	c.follow(created).mustShow(t, "2 人", "报名名单（0 人）", "还没有人报名")
	c.get(path+"/edit").mustShow(t, `name="capacity"`, `value="2"`)

	var userID int64
	if err := e.app.DB.Get(&userID, `SELECT p.user_id FROM persons p JOIN returnees r ON r.person_id = p.id
		WHERE p.user_id IS NOT NULL AND p.phone_enc IS NOT NULL ORDER BY p.id LIMIT 1`); err != nil {
		t.Fatal(err)
	}
	if _, err := e.app.Alumni.SignUp(t.Context(), userID, id); err != nil {
		t.Fatal(err)
	}
	signups, err := e.app.Alumni.Signups(t.Context(), id)
	if err != nil || len(signups) != 1 || !strings.Contains(signups[0].Phone, "****") {
		t.Fatalf("signups = %+v, %v", signups, err)
	}
	c.get(path).mustShow(t, "已报名", "1 人", "报名名单（1 人）", signups[0].Name, signups[0].Phone, "未签到")

	form.Set("capacity", "")
	c.follow(c.postForm(path, form)).mustShow(t, "不限")

	page := c.get(path + "/qr")
	page.mustShow(t, `src="`+path+`/wxacode.png"`, "用微信扫一扫，直接签到", `src="`+path+`/qr.png"`)
	img := c.get(path + "/wxacode.png")
	if img.Status != http.StatusOK || img.Header.Get("Content-Type") != "image/png" || img.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("wxacode.png: %d %v %s", img.Status, img.Header, img.Body)
	}
	if _, err := png.Decode(strings.NewReader(img.Body)); err != nil {
		t.Fatalf("wxacode.png: %v", err)
	}
	ev, err := e.app.Alumni.Event(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	want, err := qr.Encode("pages/checkin/checkin?scene="+ev.Scene, qr.M)
	if err != nil {
		t.Fatal(err)
	}
	want.Scale = wechat.WXACodeWidth / (want.Size + 8)
	if !bytes.Equal([]byte(img.Body), want.PNG()) || len(ev.Scene) > 32 {
		t.Fatalf("wxacode.png is not the code of pages/checkin/checkin?scene=%s", ev.Scene)
	}
	if got := e.as(townA).get(path + "/wxacode.png"); got.Status != http.StatusForbidden {
		t.Fatalf("township wxacode: %d", got.Status)
	}
	if got := c.get("/console/events/99999999/wxacode.png"); got.Status != http.StatusNotFound {
		t.Fatalf("unknown event wxacode: %d", got.Status)
	}
}
