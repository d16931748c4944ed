package httpapi_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"huixiang/internal/actor"
	"huixiang/internal/cn"
)

// hrssActor is department staff of 区人社局, for the service's own questions.
func hrssActor() actor.Actor { return actor.Staff(1, "req-hrss", actor.Department, "区人社局", "") }

type requestAnswer struct {
	ID         int64      `json:"id"`
	Category   string     `json:"category"`
	Text       string     `json:"text"`
	Township   string     `json:"township"`
	Status     string     `json:"status"`
	Department string     `json:"department"`
	DueAt      *time.Time `json:"due_at"`
	Overdue    bool       `json:"overdue"`
	Reply      string     `json:"reply"`
	Rating     *string    `json:"rating"`
	Reopened   bool       `json:"reopened"`
	CanRate    bool       `json:"can_rate"`
	CanReopen  bool       `json:"can_reopen"`
	Requester  string     `json:"requester"`
	Images     []struct{ ID, URL string }
	Events     []struct {
		Action     string `json:"action"`
		ActorType  string `json:"actor_type"`
		ActorName  string `json:"actor_name"`
		Department string `json:"department"`
		Note       string `json:"note"`
	} `json:"events"`
}

func (e *env) request(method, path, token string, body any, status int) requestAnswer {
	e.t.Helper()
	r := e.do(method, path, token, body)
	expect(e.t, r, status, "")
	var a requestAnswer
	r.json(e.t, &a)
	return a
}

func (e *env) requestList(path, token string) []requestAnswer {
	e.t.Helper()
	r := e.do("GET", path, token, nil)
	expect(e.t, r, 200, "")
	var l struct{ Items []requestAnswer }
	r.json(e.t, &l)
	return l.Items
}

// requestInbox is the user's inbox messages about requests, newest first.
func (e *env) requestInbox(token string) []inboxItem {
	e.t.Helper()
	r := e.do("GET", "/api/v1/me/messages?page_size=100", token, nil)
	expect(e.t, r, 200, "")
	var in struct{ Items []inboxItem }
	r.json(e.t, &in)
	var out []inboxItem
	for _, m := range in.Items {
		if m.Kind == "request" {
			out = append(out, m)
		}
	}
	return out
}

func reqPath(admin bool, id int64, tail string) string {
	if admin {
		return fmt.Sprintf("/admin/api/v1/requests/%d%s", id, tail)
	}
	return fmt.Sprintf("/api/v1/requests/%d%s", id, tail)
}

// dueIn is the due date n days from today, Asia/Shanghai, as the assign form sends it.
func dueIn(n int) string { return time.Now().In(cn.Zone).AddDate(0, 0, n).Format(time.DateOnly) }

// newRequestEnv is a server with regions, the admin's token, and department staff of two
// departments and township staff of both townships.
type requestStaff struct {
	admin, hrss, land, townA, townB string
}

func newRequestEnv(t *testing.T) (*env, *consultClock, requestStaff) {
	t.Helper()
	e := newEnv(t)
	seedRegions(t, e)
	clock := &consultClock{}
	e.app.Appeals.SetClock(clock.Now)
	admin := e.staffToken("admin", adminPasswd)
	s := requestStaff{admin: admin, hrss: e.staffOf("req-hrss", "department", "")}
	e.createStaff(admin, map[string]string{"username": "req-land", "password": "Reviewer12345", "role": "department", "department": "区自然资源局"})
	s.land = e.staffToken("req-land", "Reviewer12345")
	s.townA = e.staffOf("req-town-a", "township", "990101")
	s.townB = e.staffOf("req-town-b", "township", "990102")
	return e, clock, s
}

// TestRequests_submitAssignReplyCloseRate_reopenOnce: the whole path of a request, who sees it
// at each step, what the requester is told, and the one reopen.
func TestRequests_submitAssignReplyCloseRate_reopenOnce(t *testing.T) {
	t.Parallel()
	e, _, s := newRequestEnv(t)
	asker := e.asker("req-asker", 41)
	stranger := e.signIn("req-stranger").Token
	img := e.uploadKind(asker, "other")

	expect(t, e.do("POST", "/api/v1/requests", asker, map[string]any{"category": "nope", "text": "路灯坏了"}), 422, "VALIDATION_FAILED")
	expect(t, e.do("POST", "/api/v1/requests", asker, map[string]any{"category": "infrastructure", "text": "  "}), 422, "VALIDATION_FAILED")
	expect(t, e.do("POST", "/api/v1/requests", asker, map[string]any{"category": "infrastructure", "text": "路灯", "township_code": "999999"}), 422, "VALIDATION_FAILED")
	// A user with no record must choose the township.
	expect(t, e.do("POST", "/api/v1/requests", stranger, map[string]any{"category": "other", "text": "问"}), 422, "VALIDATION_FAILED")
	// Someone else's photo cannot be attached.
	other := e.uploadKind(stranger, "other")
	expect(t, e.do("POST", "/api/v1/requests", asker, map[string]any{"category": "other", "text": "问", "images": []string{other}}), 422, "VALIDATION_FAILED")

	a := e.request("POST", "/api/v1/requests", asker, map[string]any{"category": "land_labor",
		"text": "厂房扩建需要用地指标，不知道找哪个部门。", "images": []string{img}}, 201)
	if a.Status != "submitted" || a.Township != "官埠桥镇" || a.Category != "land_labor" || len(a.Images) != 1 ||
		!strings.Contains(a.Images[0].URL, "sig=") || a.Requester != "" || len(a.Events) != 1 || a.Events[0].Action != "submit" {
		t.Fatalf("submitted = %+v", a)
	}
	// The requester only: others get 404 and an empty list.
	expect(t, e.do("GET", reqPath(false, a.ID, ""), stranger, nil), 404, "NOT_FOUND")
	expect(t, e.do("POST", reqPath(false, a.ID, "/reopen"), stranger, map[string]any{"reason": "再看看"}), 404, "NOT_FOUND")
	if l := e.requestList("/api/v1/requests", stranger); len(l) != 0 {
		t.Errorf("stranger's list = %+v", l)
	}
	if l := e.requestList("/api/v1/requests", asker); len(l) != 1 || l[0].ID != a.ID {
		t.Errorf("asker's list = %+v", l)
	}

	// Before the assignment: the administrator and township A see it; no department, not township B.
	if l := e.requestList("/admin/api/v1/requests?status=submitted", s.admin); len(l) != 1 || l[0].Requester != "张三" {
		t.Fatalf("admin list = %+v", l)
	}
	if l := e.requestList("/admin/api/v1/requests", s.townA); len(l) != 1 {
		t.Errorf("township A list = %+v", l)
	}
	for _, tok := range []string{s.townB, s.hrss} {
		if l := e.requestList("/admin/api/v1/requests", tok); len(l) != 0 {
			t.Errorf("list = %+v, want nothing", l)
		}
		expect(t, e.do("GET", reqPath(true, a.ID, ""), tok, nil), 404, "NOT_FOUND")
	}
	expect(t, e.do("GET", "/admin/api/v1/requests?status=nope", s.admin, nil), 400, "VALIDATION_FAILED")
	expect(t, e.do("GET", "/admin/api/v1/requests?overdue=yes", s.admin, nil), 400, "VALIDATION_FAILED")

	// Only the dispatcher assigns, to a department that has staff, within 90 days.
	assign := reqPath(true, a.ID, "/assign")
	expect(t, e.do("POST", assign, s.hrss, map[string]any{"department": "区人社局", "due_date": dueIn(7)}), 403, "FORBIDDEN")
	expect(t, e.do("POST", assign, s.townA, map[string]any{"department": "区人社局", "due_date": dueIn(7)}), 403, "FORBIDDEN")
	expect(t, e.do("POST", assign, s.admin, map[string]any{"department": "区外星局", "due_date": dueIn(7)}), 422, "VALIDATION_FAILED")
	expect(t, e.do("POST", assign, s.admin, map[string]any{"department": "区人社局", "due_date": dueIn(-1)}), 422, "VALIDATION_FAILED")
	expect(t, e.do("POST", assign, s.admin, map[string]any{"department": "区人社局", "due_date": dueIn(120)}), 422, "VALIDATION_FAILED")
	as := e.request("POST", assign, s.admin, map[string]any{"department": "区人社局", "due_date": dueIn(7), "note": "请人社局牵头"}, 200)
	if as.Status != "assigned" || as.Department != "区人社局" || as.DueAt == nil || as.Overdue {
		t.Fatalf("assigned = %+v", as)
	}
	if got := as.DueAt.In(cn.Zone).Format(time.DateOnly); got != dueIn(7) {
		t.Errorf("due %s, want %s", got, dueIn(7))
	}

	// Now the department sees it; the other department does not and cannot reply.
	if l := e.requestList("/admin/api/v1/requests", s.hrss); len(l) != 1 || l[0].ID != a.ID {
		t.Fatalf("department list = %+v", l)
	}
	expect(t, e.do("GET", reqPath(true, a.ID, ""), s.land, nil), 404, "NOT_FOUND")
	expect(t, e.do("POST", reqPath(true, a.ID, "/reply"), s.land, map[string]any{"reply": "不归我们"}), 404, "NOT_FOUND")
	// Township staff read but do not handle; the department cannot close before replying.
	expect(t, e.do("POST", reqPath(true, a.ID, "/reply"), s.townA, map[string]any{"reply": "我们来答"}), 403, "FORBIDDEN")
	expect(t, e.do("POST", reqPath(true, a.ID, "/close"), s.hrss, nil), 409, "INVALID_TRANSITION")
	// Nothing to rate or reopen yet.
	expect(t, e.do("POST", reqPath(false, a.ID, "/rate"), asker, map[string]any{"rating": "satisfied"}), 409, "INVALID_TRANSITION")
	expect(t, e.do("POST", reqPath(false, a.ID, "/reopen"), asker, map[string]any{"reason": "太慢"}), 409, "INVALID_TRANSITION")

	rp := e.request("POST", reqPath(true, a.ID, "/reply"), s.hrss, map[string]any{"reply": "已联系区自然资源局，下周一现场踏勘。"}, 200)
	if rp.Status != "replied" || rp.Reply == "" {
		t.Fatalf("replied = %+v", rp)
	}
	cl := e.request("POST", reqPath(true, a.ID, "/close"), s.hrss, map[string]any{"note": "已落实用地指标"}, 200)
	if cl.Status != "closed" {
		t.Fatalf("closed = %+v", cl)
	}
	expect(t, e.do("POST", reqPath(true, a.ID, "/close"), s.admin, map[string]any{"note": "再关"}), 409, "INVALID_TRANSITION")

	// The requester was told at each step, each message opening the request.
	in := e.requestInbox(asker)
	if len(in) != 4 || !strings.Contains(in[0].Title, "办结") || !strings.Contains(in[1].Title, "区人社局") ||
		!strings.Contains(in[2].Title, "交办区人社局") || in[3].Title != "诉求已提交" || in[0].Page != fmt.Sprintf("pages/request/request?id=%d", a.ID) {
		t.Fatalf("inbox = %+v", in)
	}
	var pushes []string
	if err := e.db.Select(&pushes, `SELECT payload FROM outbox WHERE kind = 'notice_push' AND dedup_key LIKE ? ORDER BY id`,
		fmt.Sprintf("appeal:%d:%%", a.ID)); err != nil {
		t.Fatal(err)
	}
	if len(pushes) != 4 || !strings.Contains(pushes[1], `"personal":true`) || !strings.Contains(pushes[1], fmt.Sprintf("pages/request/request?id=%d", a.ID)) {
		t.Fatalf("pushes = %v, want one personal push per step", pushes)
	}

	// Rate once per close.
	expect(t, e.do("POST", reqPath(false, a.ID, "/rate"), asker, map[string]any{"rating": "great"}), 422, "VALIDATION_FAILED")
	rt := e.request("POST", reqPath(false, a.ID, "/rate"), asker, map[string]any{"rating": "unsatisfied", "comment": "还没动工"}, 200)
	if rt.Rating == nil || *rt.Rating != "unsatisfied" || rt.CanRate || !rt.CanReopen {
		t.Fatalf("rated = %+v", rt)
	}
	expect(t, e.do("POST", reqPath(false, a.ID, "/rate"), asker, map[string]any{"rating": "satisfied"}), 409, "ALREADY_RATED")

	// Reopen: back to the same department with a new due date, the rating cleared.
	expect(t, e.do("POST", reqPath(false, a.ID, "/reopen"), asker, map[string]any{"reason": ""}), 422, "VALIDATION_FAILED")
	ro := e.request("POST", reqPath(false, a.ID, "/reopen"), asker, map[string]any{"reason": "用地指标还没批下来"}, 200)
	if ro.Status != "assigned" || ro.Department != "区人社局" || ro.Rating != nil || !ro.Reopened || ro.CanReopen || ro.DueAt == nil ||
		time.Until(*ro.DueAt) < 6*24*time.Hour {
		t.Fatalf("reopened = %+v", ro)
	}
	expect(t, e.do("POST", reqPath(false, a.ID, "/reopen"), asker, map[string]any{"reason": "再来"}), 409, "ALREADY_REOPENED")
	e.request("POST", reqPath(true, a.ID, "/reply"), s.hrss, map[string]any{"reply": "指标已批复。"}, 200)
	e.request("POST", reqPath(true, a.ID, "/close"), s.hrss, nil, 200)
	expect(t, e.do("POST", reqPath(false, a.ID, "/reopen"), asker, map[string]any{"reason": "再来"}), 409, "ALREADY_REOPENED")
	final := e.request("POST", reqPath(false, a.ID, "/rate"), asker, map[string]any{"rating": "satisfied"}, 200)
	var steps []string
	for _, ev := range final.Events {
		steps = append(steps, ev.Action)
	}
	if got := strings.Join(steps, ","); got != "submit,assign,reply,close,rate,reopen,reply,close,rate" {
		t.Errorf("timeline = %s", got)
	}
	// Staff see who acted; the requester does not.
	if final.Events[1].ActorName != "" {
		t.Errorf("the requester sees the staff username: %+v", final.Events[1])
	}
	adm := e.request("GET", reqPath(true, a.ID, ""), s.admin, nil, 200)
	if adm.Events[1].ActorName != "admin" || adm.Events[1].Department != "区人社局" || adm.Events[1].Note != "请人社局牵头" {
		t.Errorf("staff timeline = %+v", adm.Events[1])
	}

	// Counts and satisfaction by department.
	r := e.do("GET", "/admin/api/v1/requests/stats", s.admin, nil)
	expect(t, r, 200, "")
	var st struct {
		Items []struct {
			Department              string
			Total, Closed, Reopened int
			Satisfied, Unsatisfied  int
			Satisfaction            *float64
		}
	}
	r.json(t, &st)
	if len(st.Items) != 1 || st.Items[0].Department != "区人社局" || st.Items[0].Total != 1 || st.Items[0].Closed != 1 ||
		st.Items[0].Reopened != 1 || st.Items[0].Satisfied != 1 || st.Items[0].Satisfaction == nil || *st.Items[0].Satisfaction != 100 {
		t.Errorf("stats = %+v", st.Items)
	}
	expect(t, e.do("GET", "/admin/api/v1/requests", asker, nil), 401, "")
}

// TestRequests_parallelReopens_exactlyOneWins: N reopens of the same closed request at once —
// one succeeds, the others are refused, and the request is reopened once.
func TestRequests_parallelReopens_exactlyOneWins(t *testing.T) {
	t.Parallel()
	e, _, s := newRequestEnv(t)
	asker := e.asker("req-race", 42)
	a := e.request("POST", "/api/v1/requests", asker, map[string]any{"category": "finance", "text": "贷款审批太慢"}, 201)
	e.request("POST", reqPath(true, a.ID, "/assign"), s.admin, map[string]any{"department": "区人社局", "due_date": dueIn(5)}, 200)
	e.request("POST", reqPath(true, a.ID, "/reply"), s.hrss, map[string]any{"reply": "已协调银行"}, 200)
	e.request("POST", reqPath(true, a.ID, "/close"), s.hrss, nil, 200)

	const n = 8
	var wg sync.WaitGroup
	codes := make([]int, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i] = e.do("POST", reqPath(false, a.ID, "/reopen"), asker, map[string]any{"reason": fmt.Sprintf("第 %d 次", i)}).Status
		}()
	}
	wg.Wait()
	ok := 0
	for _, c := range codes {
		switch c {
		case http.StatusOK:
			ok++
		case http.StatusConflict:
		default:
			t.Errorf("reopen answered %d", c)
		}
	}
	if ok != 1 {
		t.Fatalf("%d reopens succeeded (%v), want exactly one", ok, codes)
	}
	var reopens, events int
	if err := e.db.Get(&reopens, `SELECT reopens FROM appeals WHERE id = ?`, a.ID); err != nil {
		t.Fatal(err)
	}
	if err := e.db.Get(&events, `SELECT COUNT(*) FROM appeal_events WHERE appeal_id = ? AND action = 'reopen'`, a.ID); err != nil {
		t.Fatal(err)
	}
	if reopens != 1 || events != 1 {
		t.Errorf("reopens = %d, reopen events = %d, want 1 and 1", reopens, events)
	}
	// The database itself refuses a second reopen.
	if _, err := e.db.Exec(`UPDATE appeals SET reopens = reopens + 1 WHERE id = ?`, a.ID); err == nil {
		t.Error("the database accepted reopens = 2")
	}
}

// TestRequests_overdueMarkedForDepartmentUntilReplied: past its due date and not replied, a
// request is overdue — first in the lists, on the overdue filter — until the department replies.
func TestRequests_overdueMarkedForDepartmentUntilReplied(t *testing.T) {
	t.Parallel()
	e, clock, s := newRequestEnv(t)
	asker := e.asker("req-late", 43)
	late := e.request("POST", "/api/v1/requests", asker, map[string]any{"category": "permit", "text": "营业执照变更办了一个月"}, 201)
	fresh := e.request("POST", "/api/v1/requests", asker, map[string]any{"category": "policy", "text": "返乡创业补贴怎么申请",
		"township_code": "990102"}, 201)
	e.request("POST", reqPath(true, late.ID, "/assign"), s.admin, map[string]any{"department": "区人社局", "due_date": dueIn(0)}, 200)
	e.request("POST", reqPath(true, fresh.ID, "/assign"), s.admin, map[string]any{"department": "区人社局", "due_date": dueIn(30)}, 200)
	if l := e.requestList("/admin/api/v1/requests?overdue=1", s.hrss); len(l) != 0 {
		t.Fatalf("overdue before the due date = %+v", l)
	}
	clock.add(48 * time.Hour)
	l := e.requestList("/admin/api/v1/requests", s.hrss)
	if len(l) != 2 || l[0].ID != late.ID || !l[0].Overdue || l[1].Overdue {
		t.Fatalf("department list = %+v, want the overdue one first and marked", l)
	}
	if l := e.requestList("/admin/api/v1/requests?overdue=1", s.admin); len(l) != 1 || l[0].ID != late.ID {
		t.Fatalf("overdue filter = %+v", l)
	}
	// Township B sees only its own (the fresh one), so no overdue one.
	if l := e.requestList("/admin/api/v1/requests?overdue=1", s.townB); len(l) != 0 {
		t.Errorf("township B overdue = %+v", l)
	}
	if n, err := e.app.Appeals.OverdueCount(t.Context(), hrssActor()); err != nil || n != 1 {
		t.Errorf("overdue count = %d, %v", n, err)
	}
	if got := e.request("GET", reqPath(false, late.ID, ""), asker, nil, 200); !got.Overdue {
		t.Errorf("the requester's view is not overdue: %+v", got)
	}
	e.request("POST", reqPath(true, late.ID, "/reply"), s.hrss, map[string]any{"reply": "已办好，请到窗口领取"}, 200)
	if l := e.requestList("/admin/api/v1/requests?overdue=1", s.admin); len(l) != 0 {
		t.Errorf("overdue after the reply = %+v", l)
	}
	r := e.do("GET", "/admin/api/v1/requests/stats", s.hrss, nil)
	expect(t, r, 200, "")
	if !strings.Contains(string(r.Body), `"overdue":0`) {
		t.Errorf("stats = %s", r.Body)
	}
}

// TestRequests_riskyTextRefusedByContentCheck: a request, a rating comment or a reopen reason
// that WeChat calls risky is refused and nothing is kept.
func TestRequests_riskyTextRefusedByContentCheck(t *testing.T) {
	t.Parallel()
	e, _, s := newRequestEnv(t)
	asker := e.asker("req-risky", 44)
	e.wx.SetRiskyWords("赌博")
	expect(t, e.do("POST", "/api/v1/requests", asker, map[string]any{"category": "finance", "text": "开赌博场子要什么手续"}), 422, "CONTENT_REJECTED")
	if l := e.requestList("/api/v1/requests", asker); len(l) != 0 {
		t.Fatalf("a refused request was kept: %+v", l)
	}
	a := e.request("POST", "/api/v1/requests", asker, map[string]any{"category": "finance", "text": "创业贷款怎么申请"}, 201)
	e.request("POST", reqPath(true, a.ID, "/assign"), s.admin, map[string]any{"department": "区人社局", "due_date": dueIn(3)}, 200)
	e.request("POST", reqPath(true, a.ID, "/reply"), s.hrss, map[string]any{"reply": "请到人社窗口"}, 200)
	e.request("POST", reqPath(true, a.ID, "/close"), s.hrss, nil, 200)
	expect(t, e.do("POST", reqPath(false, a.ID, "/rate"), asker, map[string]any{"rating": "basic", "comment": "赌博"}), 422, "CONTENT_REJECTED")
	expect(t, e.do("POST", reqPath(false, a.ID, "/reopen"), asker, map[string]any{"reason": "赌博"}), 422, "CONTENT_REJECTED")
	if v := e.request("GET", reqPath(false, a.ID, ""), asker, nil, 200); v.Status != "closed" || v.Rating != nil || !v.CanReopen {
		t.Fatalf("after refusals = %+v", v)
	}
}
