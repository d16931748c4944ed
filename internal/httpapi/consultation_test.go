package httpapi_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// consultClock is the consultation service's clock in these tests: the real time plus however
// far the test has moved it.
type consultClock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *consultClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

func (c *consultClock) add(d time.Duration) {
	c.mu.Lock()
	c.offset += d
	c.mu.Unlock()
}

// newConsultEnv is a server with regions, a movable consultation clock and the admin's token.
func newConsultEnv(t *testing.T) (*env, *consultClock, string) {
	t.Helper()
	e := newEnv(t)
	seedRegions(t, e)
	clock := &consultClock{}
	e.app.Consultations.SetClock(clock.Now)
	return e, clock, e.staffToken("admin", adminPasswd)
}

// asker signs in a registered returnee of 官埠桥镇 (phone and ID number known to the server)
// and returns the token.
func (e *env) asker(openid string, seq int) string {
	e.t.Helper()
	tok := e.registrant(openid, fmt.Sprintf("1390000%04d", seq))
	expect(e.t, e.do("PUT", "/api/v1/me/returnee", tok, form(seq, "990101")), 200, "")
	return tok
}

type consultAnswer struct {
	ID           int64      `json:"id"`
	MentorID     *int64     `json:"mentor_id"`
	MentorName   string     `json:"mentor_name"`
	Field        *string    `json:"field"`
	Status       string     `json:"status"`
	DueAt        *time.Time `json:"due_at"`
	Overdue      bool       `json:"overdue"`
	FirstReplyAt *time.Time `json:"first_reply_at"`
	Summary      string     `json:"summary"`
	Stars        *int       `json:"stars"`
	Role         string     `json:"role"`
	Images       []struct{ ID, URL string }
	Asker        *struct {
		Name           string   `json:"name"`
		Township       string   `json:"township"`
		ReturneeStatus string   `json:"returnee_status"`
		Intention      string   `json:"intention"`
		Fields         []string `json:"fields"`
		Needs          []string `json:"needs"`
	} `json:"asker"`
	Messages []struct {
		Author string `json:"author"`
		Text   string `json:"text"`
		Images []struct{ ID, URL string }
	} `json:"messages"`
}

func (e *env) consult(method, path, token string, body any, status int) consultAnswer {
	e.t.Helper()
	r := e.do(method, path, token, body)
	expect(e.t, r, status, "")
	var c consultAnswer
	r.json(e.t, &c)
	return c
}

func (e *env) consultList(path, token string) []consultAnswer {
	e.t.Helper()
	r := e.do("GET", path, token, nil)
	expect(e.t, r, 200, "")
	var l struct{ Items []consultAnswer }
	r.json(e.t, &l)
	return l.Items
}

type inboxItem struct {
	Kind, Title, Body, Page string
}

// consultInbox is the user's inbox messages of kind consultation, newest first.
func (e *env) consultInbox(token string) []inboxItem {
	e.t.Helper()
	r := e.do("GET", "/api/v1/me/messages?page_size=100", token, nil)
	expect(e.t, r, 200, "")
	var in struct{ Items []inboxItem }
	r.json(e.t, &in)
	var out []inboxItem
	for _, m := range in.Items {
		if m.Kind == "consultation" {
			out = append(out, m)
		}
	}
	return out
}

func consultPath(id int64, tail string) string {
	return fmt.Sprintf("/api/v1/consultations/%d%s", id, tail)
}

func TestConsult_askChosenMentor_threadBothWays_askerPrivacy(t *testing.T) {
	t.Parallel()
	e, _, admin := newConsultEnv(t)
	mentorID, mentorTok := e.makeMentor(admin, "consult-mentor", 10)
	asker := e.asker("consult-asker", 31)
	stranger := e.signIn("consult-stranger").Token
	img := e.uploadKind(asker, "other")

	c := e.consult("POST", "/api/v1/consultations", asker, map[string]any{"mentor_id": mentorID,
		"question": "想在村里开网店卖茶叶，怎么起步？", "images": []string{img}}, 201)
	if c.Status != "assigned" || c.MentorID == nil || *c.MentorID != mentorID || c.DueAt == nil || c.Role != "asker" {
		t.Fatalf("asked = %+v", c)
	}
	if d := time.Until(*c.DueAt); d < 47*time.Hour || d > 49*time.Hour {
		t.Errorf("due in %v, want 48h", d)
	}
	if len(c.Images) != 1 || c.Images[0].ID != img || !strings.Contains(c.Images[0].URL, "sig=") {
		t.Errorf("images = %+v, want the signed picture", c.Images)
	}
	// The same upload cannot be attached twice.
	expect(t, e.do("POST", "/api/v1/consultations", asker, map[string]any{"mentor_id": mentorID, "question": "再问", "images": []string{img}}), 422, "")
	// The mentor is told.
	in := e.consultInbox(mentorTok)
	if len(in) != 1 || in[0].Page != fmt.Sprintf("pages/consultations/detail?id=%d", c.ID) {
		t.Fatalf("mentor inbox = %+v", in)
	}

	// The mentor's view: name, township and registration summary; never the phone or ID number.
	r := e.do("GET", consultPath(c.ID, ""), mentorTok, nil)
	expect(t, r, 200, "")
	body := string(r.Body)
	for _, secret := range []string{"13900000031", idNumber(31), "phone", "id_card"} {
		if strings.Contains(body, secret) {
			t.Errorf("the mentor's view holds %q: %s", secret, body)
		}
	}
	var mv consultAnswer
	r.json(t, &mv)
	if mv.Role != "mentor" || mv.Asker == nil || mv.Asker.Name != "张三" || mv.Asker.Township != "官埠桥镇" ||
		mv.Asker.ReturneeStatus != "returned" || mv.Asker.Intention != "preparing" ||
		strings.Join(mv.Asker.Fields, ",") != "ecommerce,tea" || strings.Join(mv.Asker.Needs, ",") != "funds,training" {
		t.Fatalf("mentor view = %+v / %+v", mv, mv.Asker)
	}
	// The asker's own view has no summary of themselves.
	if av := e.consult("GET", consultPath(c.ID, ""), asker, nil, 200); av.Asker != nil {
		t.Errorf("asker's view has the asker summary: %+v", av.Asker)
	}
	list := e.consultList("/api/v1/mentor/consultations", mentorTok)
	if len(list) != 1 || list[0].ID != c.ID || list[0].Asker == nil || list[0].Asker.Name != "张三" {
		t.Fatalf("mentor list = %+v", list)
	}
	expect(t, e.do("GET", "/api/v1/mentor/consultations", asker, nil), 403, "FORBIDDEN")

	// Strangers see nothing and cannot write.
	expect(t, e.do("GET", consultPath(c.ID, ""), stranger, nil), 404, "NOT_FOUND")
	expect(t, e.do("POST", consultPath(c.ID, "/messages"), stranger, map[string]any{"text": "路过"}), 404, "NOT_FOUND")
	expect(t, e.do("POST", consultPath(c.ID, "/close"), stranger, nil), 404, "NOT_FOUND")
	expect(t, e.do("POST", consultPath(c.ID, "/rate"), stranger, map[string]any{"stars": 1}), 404, "NOT_FOUND")
	if l := e.consultList("/api/v1/consultations", stranger); len(l) != 0 {
		t.Errorf("stranger's list = %+v", l)
	}

	// The thread, both ways; each message tells the other side.
	m := e.consult("POST", consultPath(c.ID, "/messages"), mentorTok, map[string]any{"text": "先去区电商中心参加培训。"}, 201)
	if m.Status != "answered" || m.FirstReplyAt == nil || len(m.Messages) != 1 || m.Messages[0].Author != "mentor" {
		t.Fatalf("after the mentor's reply = %+v", m)
	}
	first := *m.FirstReplyAt
	if in := e.consultInbox(asker); len(in) != 1 || in[0].Body != "先去区电商中心参加培训。" || !strings.Contains(in[0].Page, fmt.Sprint(c.ID)) {
		t.Fatalf("asker inbox = %+v", in)
	}
	img2 := e.uploadKind(asker, "other")
	a := e.consult("POST", consultPath(c.ID, "/messages"), asker, map[string]any{"text": "好的，谢谢！", "images": []string{img2}}, 201)
	if len(a.Messages) != 2 || a.Messages[1].Author != "asker" || len(a.Messages[1].Images) != 1 || !strings.Contains(a.Messages[1].Images[0].URL, "sig=") {
		t.Fatalf("after the asker's message = %+v", a.Messages)
	}
	if in := e.consultInbox(mentorTok); len(in) != 2 || in[0].Body != "好的，谢谢！" {
		t.Fatalf("mentor inbox = %+v", in)
	}
	// Each message is also a personal push (within consent, out of the quiet hours) opening the thread.
	var pushes []struct {
		Key     string `db:"dedup_key"`
		Payload string `db:"payload"`
	}
	if err := e.db.Select(&pushes, `SELECT dedup_key, payload FROM outbox WHERE kind = 'notice_push' AND dedup_key LIKE 'consult:%' ORDER BY id`); err != nil {
		t.Fatal(err)
	}
	if len(pushes) != 3 || !strings.Contains(pushes[1].Payload, `"personal":true`) ||
		!strings.Contains(pushes[1].Payload, fmt.Sprintf("pages/consultations/detail?id=%d", c.ID)) {
		t.Fatalf("pushes = %+v, want one per message told (ask, reply, reply)", pushes)
	}
	m = e.consult("POST", consultPath(c.ID, "/messages"), mentorTok, map[string]any{"text": "不客气"}, 201)
	if !m.FirstReplyAt.Equal(first) {
		t.Errorf("first_reply_at moved: %v → %v", first, *m.FirstReplyAt)
	}
	// Someone else's picture cannot be sent.
	other := e.uploadKind(stranger, "other")
	expect(t, e.do("POST", consultPath(c.ID, "/messages"), asker, map[string]any{"text": "图", "images": []string{other}}), 422, "VALIDATION_FAILED")
	// Empty and oversized text.
	expect(t, e.do("POST", consultPath(c.ID, "/messages"), asker, map[string]any{"text": "  "}), 422, "VALIDATION_FAILED")
	expect(t, e.do("POST", consultPath(c.ID, "/messages"), asker, map[string]any{"text": strings.Repeat("问", 1001)}), 422, "VALIDATION_FAILED")
	if l := e.consultList("/api/v1/consultations", asker); len(l) != 1 || l[0].ID != c.ID {
		t.Errorf("asker's list = %+v", l)
	}
}

func TestConsult_fieldQuestionWaits_dispatcherAssigns_overdueReassigned(t *testing.T) {
	t.Parallel()
	e, clock, admin := newConsultEnv(t)
	m1, m1Tok := e.makeMentor(admin, "consult-m1", 10)
	m2, m2Tok := e.makeMentor(admin, "consult-m2", 10)
	asker := e.asker("consult-field-asker", 32)

	expect(t, e.do("POST", "/api/v1/consultations", asker, map[string]any{"question": "没有对象"}), 422, "VALIDATION_FAILED")
	expect(t, e.do("POST", "/api/v1/consultations", asker, map[string]any{"field": "no_such_field", "question": "问"}), 422, "VALIDATION_FAILED")
	expect(t, e.do("POST", "/api/v1/consultations", asker, map[string]any{"mentor_id": 999999, "question": "问"}), 422, "VALIDATION_FAILED")

	// A paused mentor can be neither asked nor assigned.
	paused, _ := e.makeMentor(admin, "consult-paused", 10)
	expect(t, e.do("PATCH", fmt.Sprintf("/admin/api/v1/mentors/%d", paused), admin, map[string]any{"version": 1, "status": "paused"}), 200, "")
	expect(t, e.do("POST", "/api/v1/consultations", asker, map[string]any{"mentor_id": paused, "question": "问"}), 422, "VALIDATION_FAILED")

	c := e.consult("POST", "/api/v1/consultations", asker, map[string]any{"field": "ecommerce", "question": "直播带货要办什么证？"}, 201)
	if c.Status != "waiting" || c.MentorID != nil || c.DueAt != nil || c.Field == nil || *c.Field != "ecommerce" {
		t.Fatalf("field question = %+v", c)
	}
	// No mentor sees it yet, and the asker may add to it while it waits.
	expect(t, e.do("GET", consultPath(c.ID, ""), m1Tok, nil), 404, "NOT_FOUND")
	e.consult("POST", consultPath(c.ID, "/messages"), asker, map[string]any{"text": "补充：在咸安区"}, 201)
	waiting := e.consultList("/admin/api/v1/consultations?status=waiting", admin)
	if len(waiting) != 1 || waiting[0].ID != c.ID || waiting[0].Asker == nil || waiting[0].Asker.Name != "张三" {
		t.Fatalf("waiting = %+v", waiting)
	}
	expect(t, e.do("GET", "/admin/api/v1/consultations?status=nope", admin, nil), 400, "VALIDATION_FAILED")
	expect(t, e.do("GET", "/admin/api/v1/consultations?overdue=yes", admin, nil), 400, "VALIDATION_FAILED")
	expect(t, e.do("GET", "/admin/api/v1/consultations", asker, nil), 401, "")

	// The dispatcher assigns it; both are told.
	assignPath := fmt.Sprintf("/admin/api/v1/consultations/%d/assign", c.ID)
	expect(t, e.do("POST", assignPath, admin, map[string]any{"mentor_id": 999999}), 422, "VALIDATION_FAILED")
	expect(t, e.do("POST", assignPath, admin, map[string]any{"mentor_id": paused}), 422, "VALIDATION_FAILED")
	a := e.consult("POST", assignPath, admin, map[string]any{"mentor_id": m1}, 200)
	if a.Status != "assigned" || a.MentorID == nil || *a.MentorID != m1 || a.DueAt == nil || a.Overdue {
		t.Fatalf("assigned = %+v", a)
	}
	firstDue := *a.DueAt
	if len(e.consultInbox(m1Tok)) != 1 || len(e.consultInbox(asker)) != 1 {
		t.Fatalf("inboxes: mentor %+v, asker %+v", e.consultInbox(m1Tok), e.consultInbox(asker))
	}
	if v := e.consult("GET", consultPath(c.ID, ""), m1Tok, nil, 200); len(v.Messages) != 1 || v.Role != "mentor" {
		t.Fatalf("m1's view = %+v", v)
	}
	// Not overdue yet: no reassignment.
	expect(t, e.do("POST", assignPath, admin, map[string]any{"mentor_id": m2}), 409, "INVALID_TRANSITION")
	if o := e.consultList("/admin/api/v1/consultations?overdue=1", admin); len(o) != 0 {
		t.Fatalf("overdue before 48 h = %+v", o)
	}

	// 49 hours later, with no reply, it is overdue.
	clock.add(49 * time.Hour)
	o := e.consultList("/admin/api/v1/consultations?overdue=1", admin)
	if len(o) != 1 || o[0].ID != c.ID || !o[0].Overdue || o[0].MentorName != "王导师" {
		t.Fatalf("overdue = %+v", o)
	}
	if one := e.consult("GET", fmt.Sprintf("/admin/api/v1/consultations/%d", c.ID), admin, nil, 200); !one.Overdue || len(one.Messages) != 0 {
		t.Fatalf("one for the dispatcher = %+v (overdue, and no thread)", one)
	}
	expect(t, e.do("GET", "/admin/api/v1/consultations/999999", admin, nil), 404, "NOT_FOUND")
	r := e.consult("POST", assignPath, admin, map[string]any{"mentor_id": m2}, 200)
	if r.Status != "assigned" || *r.MentorID != m2 || r.Overdue || !r.DueAt.After(firstDue) {
		t.Fatalf("reassigned = %+v", r)
	}
	var audits int
	if err := e.db.Get(&audits, `SELECT COUNT(*) FROM audit_log WHERE action = 'consultation.assign' AND target_id = ?`, fmt.Sprint(c.ID)); err != nil {
		t.Fatal(err)
	}
	if audits != 2 {
		t.Errorf("audit rows = %d, want 2", audits)
	}
	// The old mentor is out of the thread; the new one is in and told.
	expect(t, e.do("GET", consultPath(c.ID, ""), m1Tok, nil), 404, "NOT_FOUND")
	expect(t, e.do("POST", consultPath(c.ID, "/messages"), m1Tok, map[string]any{"text": "迟到的回复"}), 404, "NOT_FOUND")
	if len(e.consultInbox(m2Tok)) != 1 || len(e.consultInbox(asker)) != 2 {
		t.Fatalf("inboxes after reassign: m2 %+v, asker %+v", e.consultInbox(m2Tok), e.consultInbox(asker))
	}
	e.consult("POST", consultPath(c.ID, "/messages"), m2Tok, map[string]any{"text": "需要食品经营许可证。"}, 201)
	if o := e.consultList("/admin/api/v1/consultations?overdue=1", admin); len(o) != 0 {
		t.Fatalf("overdue after the reply = %+v", o)
	}
	// Answered: no more reassignment.
	expect(t, e.do("POST", assignPath, admin, map[string]any{"mentor_id": m1}), 409, "INVALID_TRANSITION")
	expect(t, e.do("POST", "/admin/api/v1/consultations/999999/assign", admin, map[string]any{"mentor_id": m1}), 404, "NOT_FOUND")
}

func TestConsult_closeAndRateOnce_stats(t *testing.T) {
	t.Parallel()
	e, clock, admin := newConsultEnv(t)
	mentorID, mentorTok := e.makeMentor(admin, "consult-stats-mentor", 10)
	asker := e.asker("consult-rater", 33)

	ask := func(q string) consultAnswer {
		return e.consult("POST", "/api/v1/consultations", asker, map[string]any{"mentor_id": mentorID, "question": q}, 201)
	}
	c1 := ask("第一个问题")
	expect(t, e.do("POST", consultPath(c1.ID, "/rate"), asker, map[string]any{"stars": 5}), 409, "INVALID_TRANSITION")
	clock.add(30 * time.Minute)
	e.consult("POST", consultPath(c1.ID, "/messages"), mentorTok, map[string]any{"text": "回复一"}, 201)
	// Only the mentor writes a summary.
	expect(t, e.do("POST", consultPath(c1.ID, "/close"), asker, map[string]any{"summary": "我来总结"}), 422, "VALIDATION_FAILED")
	cl := e.consult("POST", consultPath(c1.ID, "/close"), mentorTok, map[string]any{"summary": "建议先参加电商培训。"}, 200)
	if cl.Status != "closed" || cl.Summary != "建议先参加电商培训。" {
		t.Fatalf("closed = %+v", cl)
	}
	if in := e.consultInbox(asker); len(in) != 2 || !strings.Contains(in[0].Title, "评价") {
		t.Fatalf("asker inbox = %+v", in)
	}
	expect(t, e.do("POST", consultPath(c1.ID, "/close"), asker, nil), 409, "INVALID_TRANSITION")
	expect(t, e.do("POST", consultPath(c1.ID, "/messages"), asker, map[string]any{"text": "还在吗"}), 409, "INVALID_TRANSITION")
	expect(t, e.do("POST", consultPath(c1.ID, "/rate"), mentorTok, map[string]any{"stars": 5}), 404, "NOT_FOUND")
	expect(t, e.do("POST", consultPath(c1.ID, "/rate"), asker, map[string]any{"stars": 6}), 422, "VALIDATION_FAILED")
	rated := e.consult("POST", consultPath(c1.ID, "/rate"), asker, map[string]any{"stars": 5, "comment": "很有帮助"}, 200)
	if rated.Stars == nil || *rated.Stars != 5 {
		t.Fatalf("rated = %+v", rated)
	}
	expect(t, e.do("POST", consultPath(c1.ID, "/rate"), asker, map[string]any{"stars": 1}), 409, "ALREADY_RATED")

	c2 := ask("第二个问题")
	clock.add(90 * time.Minute)
	e.consult("POST", consultPath(c2.ID, "/messages"), mentorTok, map[string]any{"text": "回复二"}, 201)
	e.consult("POST", consultPath(c2.ID, "/close"), asker, nil, 200) // the asker closes; no summary
	e.consult("POST", consultPath(c2.ID, "/rate"), asker, map[string]any{"stars": 4}, 200)
	ask("第三个问题") // open, unanswered

	// The mentor's list: the open one first.
	if l := e.consultList("/api/v1/mentor/consultations", mentorTok); len(l) != 3 || l[0].Status != "assigned" {
		t.Fatalf("mentor list = %+v", l)
	}
	r := e.do("GET", "/admin/api/v1/consultations/stats", admin, nil)
	expect(t, r, 200, "")
	var st struct {
		Items []struct {
			MentorID     int64    `json:"mentor_id"`
			MentorName   string   `json:"mentor_name"`
			Count        int      `json:"count"`
			Answered     int      `json:"answered"`
			Open         int      `json:"open"`
			Median       *float64 `json:"median_first_reply_minutes"`
			AverageStars *float64 `json:"average_stars"`
		}
	}
	r.json(t, &st)
	if len(st.Items) != 1 {
		t.Fatalf("stats = %s", r.Body)
	}
	s := st.Items[0]
	if s.MentorID != mentorID || s.Count != 3 || s.Answered != 2 || s.Open != 1 || s.Median == nil || *s.Median != 60 ||
		s.AverageStars == nil || *s.AverageStars != 4.5 {
		t.Fatalf("stats = %s", r.Body)
	}
}

func TestConsult_riskyTextRefusedByContentCheck(t *testing.T) {
	t.Parallel()
	e, _, admin := newConsultEnv(t)
	mentorID, mentorTok := e.makeMentor(admin, "consult-risky-mentor", 10)
	asker := e.asker("consult-risky", 34)
	e.wx.SetRiskyWords("赌博")
	expect(t, e.do("POST", "/api/v1/consultations", asker, map[string]any{"mentor_id": mentorID, "question": "网上赌博能赚钱吗"}), 422, "CONTENT_REJECTED")
	if l := e.consultList("/api/v1/consultations", asker); len(l) != 0 {
		t.Fatalf("a refused question was kept: %+v", l)
	}
	c := e.consult("POST", "/api/v1/consultations", asker, map[string]any{"mentor_id": mentorID, "question": "怎么申请创业贷款"}, 201)
	expect(t, e.do("POST", consultPath(c.ID, "/messages"), mentorTok, map[string]any{"text": "去赌博吧"}), 422, "CONTENT_REJECTED")
	expect(t, e.do("POST", consultPath(c.ID, "/close"), mentorTok, map[string]any{"summary": "赌博"}), 422, "CONTENT_REJECTED")
	if v := e.consult("GET", consultPath(c.ID, ""), asker, nil, 200); len(v.Messages) != 0 || v.Status != "assigned" {
		t.Fatalf("after refusals = %+v", v)
	}
}
