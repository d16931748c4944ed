package console_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"huixiang/internal/actor"
	"huixiang/internal/consultation"
	"huixiang/internal/mentor"
)

// consultFixture is what newConsultations sets up: three mentors of the tea field (one paused),
// an asker, and four consultations.
type consultFixture struct {
	m1, m2, paused int64
	m1Name, m2Name string
	askerName      string
	// overdue: m1's, assigned three days ago, no reply. done: m1's, answered two hours after
	// the assignment, closed and rated 4 stars. waiting: asked of the tea field. fresh: m2's,
	// assigned just now.
	overdue, done, waiting, fresh int64
}

var (
	fixturesMu sync.Mutex
	fixtures   = map[*env]consultFixture{}
)

// newConsultations sets up the consultations once per env (the page × role table asks more than
// once), on persons newMentor does not use (the last returnees).
func newConsultations(e *env) consultFixture {
	e.t.Helper()
	fixturesMu.Lock()
	defer fixturesMu.Unlock()
	if f, ok := fixtures[e]; ok {
		return f
	}
	ctx := context.Background()
	var persons []int64
	if err := e.app.DB.Select(&persons, `SELECT person_id FROM returnees ORDER BY person_id DESC LIMIT 4 OFFSET 1`); err != nil || len(persons) < 4 {
		e.t.Fatalf("persons: %v %v", persons, err)
	}
	by := actor.Staff(hrssID(e), "demo_hrss", actor.Department, "区人社局", "")
	mk := func(pid int64) *mentor.Mentor {
		m, err := e.app.Mentors.Create(ctx, by, mentor.Input{PersonID: pid, Profile: mentor.Profile{Fields: []string{"tea"},
			Organisation: "咸安茶业协会", Modes: []string{mentor.ModeOnline}, WeeklyCap: 5, SlotMinutes: 60}})
		if err != nil {
			e.t.Fatal(err)
		}
		return m
	}
	user := func(pid int64) int64 {
		now := time.Now().UTC()
		res, err := e.app.DB.Exec(`INSERT INTO users (openid, created_at, updated_at, last_login_at) VALUES (?, ?, ?, ?)`,
			fmt.Sprintf("o-consult-%d", pid), now, now, now)
		if err != nil {
			e.t.Fatal(err)
		}
		id, _ := res.LastInsertId()
		if _, err := e.app.DB.Exec(`UPDATE persons SET user_id = ? WHERE id = ?`, id, pid); err != nil {
			e.t.Fatal(err)
		}
		return id
	}
	m1, m2, p := mk(persons[0]), mk(persons[1]), mk(persons[2])
	if _, err := e.app.DB.Exec(`UPDATE mentors SET status = 'paused' WHERE id = ?`, p.ID); err != nil {
		e.t.Fatal(err)
	}
	m1User, asker := user(persons[0]), user(persons[3])
	f := consultFixture{m1: m1.ID, m2: m2.ID, paused: p.ID, m1Name: m1.Name, m2Name: m2.Name}
	if err := e.app.DB.Get(&f.askerName, `SELECT name FROM persons WHERE id = ?`, persons[3]); err != nil {
		e.t.Fatal(err)
	}
	svc := e.app.Consultations
	ask := func(in consultation.Input) int64 {
		c, err := svc.Create(ctx, asker, in)
		if err != nil {
			e.t.Fatal(err)
		}
		return c.ID
	}
	t0 := time.Now().Add(-72 * time.Hour)
	svc.SetClock(func() time.Time { return t0 })
	f.overdue = ask(consultation.Input{MentorID: &m1.ID, Question: "茶叶加工厂要办哪些证？食品生产许可证怎么申请，需要多长时间？"})
	f.done = ask(consultation.Input{MentorID: &m1.ID, Question: "春茶什么时候采摘最好"})
	svc.SetClock(func() time.Time { return t0.Add(2 * time.Hour) })
	if _, err := svc.Reply(ctx, m1User, f.done, consultation.MessageInput{Text: "清明前后，一芽一叶初展时。"}); err != nil {
		e.t.Fatal(err)
	}
	if _, err := svc.Close(ctx, asker, f.done, ""); err != nil {
		e.t.Fatal(err)
	}
	if _, err := svc.Rate(ctx, asker, f.done, consultation.RateInput{Stars: 4, Comment: "很有帮助"}); err != nil {
		e.t.Fatal(err)
	}
	svc.SetClock(nil)
	f.waiting = ask(consultation.Input{Field: "tea", Question: "茶园虫害怎么防治"})
	pic, err := e.app.Uploads.Create(ctx, asker, "", "shop.png", bytes.NewReader(picture(e.t, false)))
	if err != nil {
		e.t.Fatal(err)
	}
	f.fresh = ask(consultation.Input{MentorID: &m2.ID, Question: "想开网店卖茶叶，从哪里开始", Images: []string{pic.ID}})
	fixtures[e] = f
	e.t.Cleanup(func() {
		fixturesMu.Lock()
		delete(fixtures, e)
		fixturesMu.Unlock()
	})
	return f
}

func init() {
	may := map[role]int{dept: 200, districtR: 200}
	addPages(
		pageCase{Route: "GET /consultations", Want: may, Shows: map[role][]string{dept: {"线上问诊", "只看超时未回复", "导师服务统计"}}},
		pageCase{Route: "GET /consultations/stats", Want: may, Shows: map[role][]string{dept: {"导师服务统计", "导师预约"}}},
		pageCase{Route: "GET /consultations/:id", Path: func(e *env) string { return fmt.Sprintf("/consultations/%d", newConsultations(e).overdue) },
			Want: may, Shows: map[role][]string{dept: {"问诊 #", "茶叶加工厂要办哪些证", "超时未回复", "转给其他导师"}}},
	)
}

// TestConsultations_listFiltersAndOverdueMark: the list shows every consultation with the asker,
// the overdue one marked red and first, the waiting one with 分派; the filters narrow it.
func TestConsultations_listFiltersAndOverdueMark(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newConsultations(e)
	c := e.as(dept)
	all := c.get("/console/consultations")
	all.mustShow(t, "待分派 <strong>1</strong>", "超时未回复 <strong>1</strong>", f.askerName, f.m1Name,
		`class="row-overdue" id="consult-`+fmt.Sprint(f.overdue)+`"`, `<span class="badge badge-danger">超时未回复</span>`,
		"茶叶加工厂要办哪些证？食品生产许可证怎么申请，需…", "茶园虫害怎么防治", "已结束", "导师已回复")
	for _, id := range []int64{f.overdue, f.done, f.waiting, f.fresh} {
		all.mustShow(t, fmt.Sprintf(`href="/console/consultations/%d"`, id))
	}
	// Only the waiting and the overdue one can be (re)assigned; the overdue one not to m1 again.
	if n := strings.Count(all.Body, `class="assign-form"`); n != 2 {
		t.Fatalf("%d assign forms, want 2", n)
	}
	row := rowOf(t, all.Body, f.overdue)
	if strings.Contains(row, fmt.Sprintf(`<option value="%d">`, f.m1)) || !strings.Contains(row, fmt.Sprintf(`<option value="%d">%s（进行中 1 个）`, f.m2, f.m2Name)) ||
		strings.Contains(row, fmt.Sprintf(`<option value="%d">`, f.paused)) {
		t.Fatalf("overdue row's mentors:\n%s", row)
	}
	if w := rowOf(t, all.Body, f.waiting); !strings.Contains(w, `<optgroup label="擅长“茶叶”的导师">`) || strings.Contains(w, "其他在岗导师") {
		t.Fatalf("waiting row's mentors:\n%s", w)
	}
	overdue := c.get("/console/consultations?overdue=1")
	overdue.mustShow(t, `<input type="checkbox" id="c-filter-overdue" name="overdue" value="1" checked>`, "茶叶加工厂")
	for _, s := range []string{"茶园虫害", "春茶", "网店"} {
		if strings.Contains(overdue.Body, s) {
			t.Fatalf("overdue filter shows %q", s)
		}
	}
	waiting := c.get("/console/consultations?status=waiting&field=tea")
	waiting.mustShow(t, "茶园虫害怎么防治")
	if strings.Contains(waiting.Body, "茶叶加工厂") {
		t.Fatal("status filter shows an assigned consultation")
	}
	c.get("/console/consultations?field=ecommerce").mustShow(t, "没有符合筛选条件的问诊", "清除筛选")
	bad := c.get("/console/consultations?status=nonsense")
	if bad.Status != http.StatusUnprocessableEntity || !strings.Contains(bad.Body, "状态不正确") {
		t.Fatalf("bad status: %d", bad.Status)
	}
	c.get("/console/consultations?page_size=1&page=2").mustShow(t, "共 4 条", "第 2 / 4 页")
}

// rowOf is the table row of consultation id.
func rowOf(t testing.TB, body string, id int64) string {
	t.Helper()
	i := strings.Index(body, fmt.Sprintf(`id="consult-%d"`, id))
	if i < 0 {
		t.Fatalf("no row for consultation %d", id)
	}
	j := strings.Index(body[i:], "</tr>")
	return body[i : i+j]
}

// TestConsultations_assignAndRefusals: the waiting one is assigned and the overdue one
// reassigned (flash, audited, back to the same filter); a fresh one, a paused mentor and no
// mentor are refused with a clear message, never a 500.
func TestConsultations_assignAndRefusals(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newConsultations(e)
	c := e.as(dept)
	assign := func(id, mentorID int64, extra url.Values) page {
		form := url.Values{"mentor_id": {fmt.Sprint(mentorID)}}
		for k, v := range extra {
			form[k] = v
		}
		if mentorID == 0 {
			form.Set("mentor_id", "")
		}
		return c.postForm(fmt.Sprintf("/console/consultations/%d/assign", id), form)
	}
	res := assign(f.overdue, f.m2, url.Values{"from": {"list"}, "back": {"overdue=1&evil=https://x.example"}})
	if res.Status != http.StatusSeeOther || res.Header.Get("Location") != "/console/consultations?overdue=1" {
		t.Fatalf("reassign: %d %s", res.Status, res.Header.Get("Location"))
	}
	after := c.follow(res)
	after.mustShow(t, "已转给"+f.m2Name+"导师，首次回复截止", "没有符合筛选条件的问诊")
	var n int
	e.app.DB.Get(&n, `SELECT COUNT(*) FROM audit_log WHERE action = 'consultation.assign' AND target_id = ?`, fmt.Sprint(f.overdue))
	if n != 1 {
		t.Fatalf("%d audit entries", n)
	}
	waiting := c.follow(assign(f.waiting, f.m1, nil))
	waiting.mustShow(t, "已转给"+f.m1Name+"导师", "问诊 #"+fmt.Sprint(f.waiting), f.m1Name)
	for _, tc := range []struct {
		id, mentor int64
		want       string
	}{
		{f.fresh, f.m1, "只有“待分派”或“超时未回复”的问诊可以转给其他导师"},
		{f.waiting, f.m2, "只有“待分派”或“超时未回复”的问诊可以转给其他导师"}, // assigned just now
		{f.overdue, f.paused, "该导师不在岗"},
		{f.overdue, 0, "请先在下拉框里选择一位导师"},
	} {
		res := assign(tc.id, tc.mentor, nil)
		if res.Status != http.StatusSeeOther {
			t.Fatalf("refusal %d→%d: %d %s", tc.id, tc.mentor, res.Status, res.Body)
		}
		c.follow(res).mustShow(t, `flash-error`, tc.want)
	}
	if res := assign(999999, f.m1, nil); res.Status != http.StatusNotFound {
		t.Fatalf("unknown consultation: %d", res.Status)
	}
	town := e.as(townA).postForm(fmt.Sprintf("/console/consultations/%d/assign", f.fresh), url.Values{"mentor_id": {fmt.Sprint(f.m1)}})
	if town.Status != http.StatusForbidden {
		t.Fatalf("township clerk assigns: %d", town.Status)
	}
}

// TestConsultations_detail: the details of the rated one (reply time, messages, rating), and
// nothing of the asker but name and township.
func TestConsultations_detail(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newConsultations(e)
	c := e.as(districtR)
	p := c.get(fmt.Sprintf("/console/consultations/%d", f.done))
	p.mustShow(t, "春茶什么时候采摘最好", f.askerName, f.m1Name, "1 条", "4 星", "很有帮助", "已结束", "提问人结束")
	for _, s := range []string{"身份证", "手机", "转给其他导师", `name="mentor_id"`} {
		if strings.Contains(p.Body, s) {
			t.Fatalf("detail of a closed consultation shows %q", s)
		}
	}
	c.get(fmt.Sprintf("/console/consultations/%d", f.waiting)).mustShow(t, "分派导师", "茶园虫害怎么防治", "未分派", `name="mentor_id"`)
	fresh := c.get(fmt.Sprintf("/console/consultations/%d", f.fresh))
	fresh.mustShow(t, "想开网店卖茶叶", `alt="提问图片 1"`, "首次回复截止前不能转派")
	i := strings.Index(fresh.Body, `<img src="`) + len(`<img src="`)
	src := strings.ReplaceAll(fresh.Body[i:i+strings.Index(fresh.Body[i:], `"`)], "&amp;", "&")
	if img := c.get(src); img.Status != http.StatusOK || img.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("the question's picture %s: %d", src, img.Status)
	}
	if nf := c.get("/console/consultations/999999"); nf.Status != http.StatusNotFound {
		t.Fatalf("unknown: %d", nf.Status)
	}
}

// TestConsultations_stats: per mentor counts, the median first reply in hours and the stars.
func TestConsultations_stats(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newConsultations(e)
	p := e.as(dept).get("/console/consultations/stats")
	row := func(id int64) string {
		i := strings.Index(p.Body, fmt.Sprintf(`<a href="/console/mentors/%d">`, id))
		if i < 0 {
			t.Fatalf("no stats row for mentor %d:\n%s", id, p.Body)
		}
		return strings.Join(strings.Fields(p.Body[i:i+strings.Index(p.Body[i:], "</tr>")]), " ")
	}
	m1 := row(f.m1)
	for _, want := range []string{`<td class="num">2</td> <td class="num">1</td>`, `<span class="badge badge-danger">1</span>`, `<td class="num">2.0</td>`, `4.0 <span class="muted small">（1 人评价）`} {
		if !strings.Contains(m1, want) {
			t.Fatalf("m1's row lacks %q:\n%s", want, m1)
		}
	}
	m2 := row(f.m2)
	if !strings.Contains(m2, `<td class="num">1</td> <td class="num">1</td> <td class="num">0</td> <td class="num">0</td> <td class="num">—</td> <td class="num">—</td>`) {
		t.Fatalf("m2's row:\n%s", m2)
	}
	p.mustShow(t, "暂停", "合计")
}

// postMultipart posts form with the file (field photo) as a browser's multipart form does.
func (c *client) postMultipart(path string, form url.Values, name string, file []byte) page {
	c.e.t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	for k, vs := range form {
		for _, v := range vs {
			_ = w.WriteField(k, v)
		}
	}
	if name != "" {
		fw, _ := w.CreateFormFile("photo", name)
		_, _ = fw.Write(file)
	}
	_ = w.Close()
	req, _ := http.NewRequest(http.MethodPost, c.e.srv.URL+path, &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("Origin", c.e.srv.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return c.do(req)
}

// picture is a small PNG or JPEG.
func picture(t testing.TB, jpg bool) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 40, 40))
	for i := range img.Pix {
		img.Pix[i] = byte(i * 7)
	}
	var b bytes.Buffer
	var err error
	if jpg {
		err = jpeg.Encode(&b, img, nil)
	} else {
		err = png.Encode(&b, img)
	}
	if err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestMentors_photo: the mentor form takes a photo (JPEG or PNG by its bytes, 5 MB at most),
// shows it on the form and the list, keeps it when saved without one, replaces and removes it;
// a text file and an oversized file are refused with a clear message.
func TestMentors_photo(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.as(dept)
	var pid int64
	e.app.DB.Get(&pid, `SELECT person_id FROM returnees ORDER BY person_id DESC LIMIT 1`)
	form := url.Values{"person_id": {fmt.Sprint(pid)}, "organisation": {"湖北某农业公司"}, "fields": {"tea"}, "modes": {"online"},
		"weekly_cap": {"4"}, "slot_minutes": {"60"}, "start_1": {"14:00"}, "end_1": {"17:00"}}
	if res := c.postMultipart("/console/mentors", form, "notes.png", []byte("这不是图片，只是一段文字。")); res.Status != http.StatusUnsupportedMediaType ||
		!strings.Contains(res.Body, "照片只能是 JPG 或 PNG 图片") {
		t.Fatalf("a text file as the photo: %d", res.Status)
	}
	created := c.postMultipart("/console/mentors", form, "photo.png", picture(t, false))
	if created.Status != http.StatusSeeOther {
		t.Fatalf("add with a photo: %d %s", created.Status, created.Body)
	}
	c.follow(created).mustShow(t, "已添加导师", `class="mentor-photo-small">`, `<img src="/api/v1/files/`)
	var m struct {
		ID      int64          `db:"id"`
		Photo   sql.NullString `db:"photo_upload_id"`
		Version int            `db:"version"`
	}
	photo := func() {
		t.Helper()
		if err := e.app.DB.Get(&m, `SELECT id, photo_upload_id, version FROM mentors WHERE person_id = ?`, pid); err != nil {
			t.Fatal(err)
		}
	}
	photo()
	first := m.Photo.String
	var up struct {
		Owner int64  `db:"owner_user_id"`
		Type  string `db:"content_type"`
		Ref   string `db:"attached_to_type"`
		RefID int64  `db:"attached_to_id"`
	}
	if err := e.app.DB.Get(&up, `SELECT owner_user_id, content_type, attached_to_type, attached_to_id FROM uploads WHERE id = ?`, first); err != nil ||
		up.Owner != 0 || up.Type != "image/png" || up.Ref != "mentor" || up.RefID != m.ID {
		t.Fatalf("the photo's upload: %+v %v", up, err)
	}
	var audited int
	e.app.DB.Get(&audited, `SELECT COUNT(*) FROM audit_log WHERE action = 'mentor.update' AND target_id = ?`, fmt.Sprint(m.ID))
	if audited != 1 {
		t.Fatalf("%d mentor.update audit entries", audited)
	}
	edit := c.get(fmt.Sprintf("/console/mentors/%d", m.ID))
	edit.mustShow(t, `id="m-photo-current"`, `enctype="multipart/form-data"`, "换一张照片", "删除现在的照片")
	i := strings.Index(edit.Body, `<img src="`) + len(`<img src="`)
	src := strings.ReplaceAll(edit.Body[i:i+strings.Index(edit.Body[i:], `"`)], "&amp;", "&")
	if img := c.get(src); img.Status != http.StatusOK || img.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("the thumbnail %s: %d %s", src, img.Status, img.Header.Get("Content-Type"))
	}
	// Saved without a new photo (a plain form): the photo stays.
	form.Set("status", "active")
	form.Set("version", fmt.Sprint(m.Version))
	c.follow(c.postForm(fmt.Sprintf("/console/mentors/%d", m.ID), form)).mustShow(t, "已保存导师")
	photo()
	if m.Photo.String != first {
		t.Fatalf("photo after a save without one: %q, want %q", m.Photo.String, first)
	}
	// Refused: too large; a PDF.
	form.Set("version", fmt.Sprint(m.Version))
	big := append(picture(t, false), make([]byte, 6<<20)...)
	if res := c.postMultipart(fmt.Sprintf("/console/mentors/%d", m.ID), form, "big.png", big); res.Status != http.StatusRequestEntityTooLarge ||
		!strings.Contains(res.Body, "照片不能超过 5 MB") {
		t.Fatalf("a 6 MB photo: %d", res.Status)
	}
	if res := c.postMultipart(fmt.Sprintf("/console/mentors/%d", m.ID), form, "a.jpg", []byte("%PDF-1.4\n%âãÏÓ\n1 0 obj\n<<>>\nendobj\n")); res.Status != http.StatusUnsupportedMediaType {
		t.Fatalf("a PDF as the photo: %d", res.Status)
	}
	// Replaced by a JPEG: the old upload is removed.
	c.follow(c.postMultipart(fmt.Sprintf("/console/mentors/%d", m.ID), form, "new.jpg", picture(t, true))).mustShow(t, "已保存导师")
	photo()
	var gone bool
	e.app.DB.Get(&gone, `SELECT deleted_at IS NOT NULL FROM uploads WHERE id = ?`, first)
	if m.Photo.String == first || !m.Photo.Valid || !gone {
		t.Fatalf("replaced photo: %q (old removed: %v)", m.Photo.String, gone)
	}
	// Removed.
	form.Set("version", fmt.Sprint(m.Version))
	form.Set("remove_photo", "1")
	c.follow(c.postForm(fmt.Sprintf("/console/mentors/%d", m.ID), form)).mustShow(t, "已保存导师")
	photo()
	if m.Photo.Valid {
		t.Fatalf("photo after 删除: %q", m.Photo.String)
	}
	c.get(fmt.Sprintf("/console/mentors/%d", m.ID)).mustShow(t, "还没有照片", "上传照片")
}
