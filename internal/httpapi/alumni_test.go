package httpapi_test

import (
	"fmt"
	"huixiang/internal/wxfake"
	"strings"
	"sync"
	"testing"
	"time"
)

type alumnusAnswer struct {
	PersonID         int64    `json:"person_id"`
	Name             string   `json:"name"`
	IDCard           string   `json:"id_card"`
	Phone            string   `json:"phone"`
	SchoolCode       string   `json:"school_code"`
	SchoolName       string   `json:"school_name"`
	EntryYear        int      `json:"entry_year"`
	GraduationYear   *int     `json:"graduation_year"`
	Title            string   `json:"title"`
	Offers           []string `json:"offers"`
	DirectoryConsent bool     `json:"directory_consent"`
	Status           string   `json:"status"`
	GradeCode        *string  `json:"grade_code"`
	GradeName        *string  `json:"grade_name"`
	Source           string   `json:"source"`
	Claimed          bool     `json:"claimed"`
	Version          int      `json:"version"`
}

func alumnusForm(seq int) map[string]any {
	return map[string]any{
		"name": "李四", "id_card": idNumber(seq), "school_code": "xa_shiyan_gz", "entry_year": 2005, "graduation_year": 2008,
		"current_city": "武汉市", "organization": "某科技公司", "industry": "软件", "title": "工程师", "expertise": "嵌入式开发",
		"offers": []string{"advice", "talent", "advice"}, "directory_consent": true,
	}
}

func (e *env) putAlumnus(tok string, body map[string]any) alumnusAnswer {
	e.t.Helper()
	r := e.do("PUT", "/api/v1/me/alumnus", tok, body)
	expect(e.t, r, 200, "")
	var a alumnusAnswer
	r.json(e.t, &a)
	return a
}

func (e *env) decide(admin string, pid int64, path string, body map[string]any) (alumnusAnswer, response) {
	e.t.Helper()
	r := e.do("POST", fmt.Sprintf("/admin/api/v1/alumni/%d/%s", pid, path), admin, body)
	var a alumnusAnswer
	if r.Status == 200 {
		r.json(e.t, &a)
	}
	return a, r
}

func TestAlumnus_registerPendingApproveGrade(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.staffToken("admin", adminPasswd)

	r := e.do("GET", "/api/v1/schools", "", nil)
	expect(t, r, 200, "")
	if !strings.Contains(string(r.Body), `"code":"xa_shiyan_gz","name":"咸安区实验高中"`) {
		t.Fatalf("schools = %s", r.Body)
	}

	tok := e.registrant("o_al1", "13822223333")
	expect(t, e.do("GET", "/api/v1/me/alumnus", tok, nil), 404, "NOT_REGISTERED")
	a := e.putAlumnus(tok, alumnusForm(1))
	if a.Status != "pending" || a.SchoolName != "咸安区实验高中" || a.Version != 1 || a.GradeCode != nil || a.Source != "self" ||
		!a.Claimed || strings.Join(a.Offers, ",") != "advice,talent" || a.IDCard == idNumber(1) || a.Phone != "138****3333" {
		t.Fatalf("registration = %+v", a)
	}
	if again := e.putAlumnus(tok, alumnusForm(1)); again.Version != 1 {
		t.Fatalf("identical PUT bumped the version: %+v", again)
	}

	r = e.do("GET", "/admin/api/v1/alumni?status=pending&school=xa_shiyan_gz", admin, nil)
	expect(t, r, 200, "")
	if !strings.Contains(string(r.Body), fmt.Sprintf(`"person_id":%d`, a.PersonID)) || strings.Contains(string(r.Body), idNumber(1)) {
		t.Fatalf("pending list = %s", r.Body)
	}
	_, r = e.decide(admin, a.PersonID, "grade", map[string]any{"grade": "expert", "version": 1})
	expect(t, r, 409, "NOT_APPROVED")
	_, r = e.decide(admin, a.PersonID, "review", map[string]any{"decision": "reject", "version": 1})
	expect(t, r, 422, "VALIDATION_FAILED")

	ap, r := e.decide(admin, a.PersonID, "review", map[string]any{"decision": "approve", "comment": "核实无误", "version": 1})
	expect(t, r, 200, "")
	if ap.Status != "approved" || ap.Version != 2 {
		t.Fatalf("approved = %+v", ap)
	}
	_, r = e.decide(admin, a.PersonID, "review", map[string]any{"decision": "approve", "version": 2})
	expect(t, r, 409, "INVALID_TRANSITION")
	_, r = e.decide(admin, a.PersonID, "grade", map[string]any{"grade": "no_such", "version": 2})
	expect(t, r, 422, "VALIDATION_FAILED")
	g, r := e.decide(admin, a.PersonID, "grade", map[string]any{"grade": "expert", "version": 2})
	expect(t, r, 200, "")
	if g.GradeCode == nil || *g.GradeCode != "expert" || g.GradeName == nil || *g.GradeName != "专家库成员" || g.Version != 3 {
		t.Fatalf("graded = %+v", g)
	}
	expect(t, e.do("GET", "/admin/api/v1/alumni?grade=expert&status=approved", admin, nil), 200, "")

	// A change of title keeps the review; a change of school sends it back.
	f := alumnusForm(1)
	f["title"] = "高级工程师"
	if u := e.putAlumnus(tok, f); u.Status != "approved" || u.Version != 4 {
		t.Fatalf("title edit = %+v", u)
	}
	f["school_code"] = "xa_yizhong"
	if u := e.putAlumnus(tok, f); u.Status != "pending" || u.SchoolName != "咸安区第一中学" || u.GradeCode == nil {
		t.Fatalf("school edit = %+v", u)
	}

	var n int
	e.db.Get(&n, `SELECT COUNT(*) FROM audit_log WHERE action IN ('alumni.review', 'alumni.grade') AND target_id = ?`, fmt.Sprint(a.PersonID))
	if n != 2 {
		t.Fatalf("audit rows = %d, want 2", n)
	}

	// Validation and the township staff's lack of access.
	bad := alumnusForm(1)
	bad["school_code"] = "nowhere"
	expect(t, e.do("PUT", "/api/v1/me/alumnus", tok, bad), 422, "VALIDATION_FAILED")
	bad = alumnusForm(1)
	bad["offers"] = []string{"money"}
	expect(t, e.do("PUT", "/api/v1/me/alumnus", tok, bad), 422, "VALIDATION_FAILED")
	noPhone := e.signIn("o_al_nophone").Token
	expect(t, e.do("PUT", "/api/v1/me/alumnus", noPhone, alumnusForm(2)), 422, "PHONE_NOT_BOUND")
}

func TestAlumnus_staffEnteredIsClaimed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.staffToken("admin", adminPasswd)
	body := alumnusForm(7)
	body["phone"] = "13933334444"
	r := e.do("POST", "/admin/api/v1/alumni", admin, body)
	expect(t, r, 201, "")
	var entered alumnusAnswer
	r.json(t, &entered)
	if entered.Status != "approved" || entered.Source != "grid" || entered.Claimed {
		t.Fatalf("entered = %s", r.Body)
	}
	expect(t, e.do("POST", "/admin/api/v1/alumni", admin, body), 409, "ALUMNUS_EXISTS")

	// Someone with another phone cannot take it.
	other := e.registrant("o_al_other", "13900000000")
	expect(t, e.do("PUT", "/api/v1/me/alumnus", other, alumnusForm(7)), 409, "PERSON_ALREADY_REGISTERED")

	tok := e.registrant("o_al_claim", "13933334444")
	mine := e.putAlumnus(tok, alumnusForm(7))
	if mine.PersonID != entered.PersonID || !mine.Claimed || mine.Status != "approved" {
		t.Fatalf("claimed = %+v", mine)
	}
	var persons, claims int
	e.db.Get(&persons, `SELECT COUNT(*) FROM persons`)
	e.db.Get(&claims, `SELECT COUNT(*) FROM audit_log WHERE action = 'person.claimed' AND target_id = ?`, fmt.Sprint(mine.PersonID))
	if persons != 1 || claims != 1 {
		t.Fatalf("persons = %d, claims = %d", persons, claims)
	}
}

func TestAlumnus_returneeIsOnePerson(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	seedRegions(t, e)
	tok, pid := e.alumnus("o_both", 12)
	a := e.putAlumnus(tok, alumnusForm(12))
	if a.PersonID != pid {
		t.Fatalf("alumnus person %d, returnee person %d", a.PersonID, pid)
	}
	var n int
	e.db.Get(&n, `SELECT COUNT(*) FROM persons`)
	if n != 1 {
		t.Fatalf("persons = %d, want 1", n)
	}
	expect(t, e.do("GET", "/api/v1/me/returnee", tok, nil), 200, "")
}

func TestAlumnusReview_staleVersionAndTwoReviewers_409(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.staffToken("admin", adminPasswd)
	a := e.putAlumnus(e.registrant("o_rev", "13855556666"), alumnusForm(3))
	_, r := e.decide(admin, a.PersonID, "review", map[string]any{"decision": "approve", "version": a.Version + 1})
	expect(t, r, 409, "STALE_VERSION")

	var wg sync.WaitGroup
	codes := make([]int, 2)
	for i, d := range []string{"approve", "reject"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, r := e.decide(admin, a.PersonID, "review", map[string]any{"decision": d, "comment": "意见", "version": a.Version})
			codes[i] = r.Status
		}()
	}
	wg.Wait()
	if codes[0]+codes[1] != 200+409 {
		t.Fatalf("statuses = %v, want one 200 and one 409", codes)
	}
	expect(t, e.do("GET", "/admin/api/v1/alumni/999999", admin, nil), 404, "NOT_FOUND")
}

type eventAnswer struct {
	ID           int64  `json:"id"`
	Token        string `json:"token"`
	QR           string `json:"qr"`
	Points       int64  `json:"points"`
	CheckinCount int    `json:"checkin_count"`
}

func (e *env) newEvent(admin string, opens, closes time.Time) eventAnswer {
	e.t.Helper()
	now := time.Now().UTC()
	r := e.do("POST", "/admin/api/v1/events", admin, map[string]any{"title": "2026 校友返乡座谈会",
		"starts_at": now.Format(time.RFC3339), "ends_at": now.Add(2 * time.Hour).Format(time.RFC3339),
		"checkin_opens_at": opens.Format(time.RFC3339), "checkin_closes_at": closes.Format(time.RFC3339), "points_rule": "event_attendance"})
	expect(e.t, r, 201, "")
	var ev eventAnswer
	r.json(e.t, &ev)
	if len(ev.Token) < 40 || ev.QR != fmt.Sprintf("huixiang:event:%d:%s", ev.ID, ev.Token) || ev.Points != 20 {
		e.t.Fatalf("event = %s", r.Body)
	}
	return ev
}

func (e *env) checkIn(tok string, id int64, token string) response {
	e.t.Helper()
	return e.do("POST", fmt.Sprintf("/api/v1/events/%d/checkin", id), tok, map[string]string{"token": token})
}

func TestCheckIn_windowTokenOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	seedRegions(t, e)
	admin := e.staffToken("admin", adminPasswd)
	now := time.Now().UTC()
	ev := e.newEvent(admin, now.Add(-time.Hour), now.Add(time.Hour))
	expect(t, e.do("POST", "/admin/api/v1/events", admin, map[string]any{"title": "捐赠活动", "starts_at": now.Format(time.RFC3339),
		"ends_at": now.Add(time.Hour).Format(time.RFC3339), "points_rule": "donation"}), 422, "VALIDATION_FAILED")

	stranger := e.signIn("o_ci_stranger").Token
	expect(t, e.checkIn(stranger, ev.ID, ev.Token), 404, "NOT_REGISTERED")

	tok, _ := e.alumnus("o_ci", 21)
	expect(t, e.checkIn(tok, ev.ID, "wrong-token"), 404, "NOT_FOUND")
	expect(t, e.checkIn(tok, ev.ID+1000, ev.Token), 404, "NOT_FOUND")
	r := e.checkIn(tok, ev.ID, ev.QR) // the whole QR payload works too
	expect(t, r, 200, "")
	var out struct {
		EventID     int64     `json:"event_id"`
		Title       string    `json:"title"`
		CheckedInAt time.Time `json:"checked_in_at"`
		Points      int64     `json:"points"`
	}
	r.json(t, &out)
	if out.EventID != ev.ID || out.Title != "2026 校友返乡座谈会" || out.Points != 20 || out.CheckedInAt.IsZero() {
		t.Fatalf("check-in = %s", r.Body)
	}
	expect(t, e.checkIn(tok, ev.ID, ev.Token), 409, "ALREADY_CHECKED_IN")
	if p := e.points(tok); p.Balance != 20 {
		t.Fatalf("balance = %d, want 20", p.Balance)
	}
	r = e.do("GET", fmt.Sprintf("/admin/api/v1/events/%d", ev.ID), admin, nil)
	expect(t, r, 200, "")
	var got eventAnswer
	r.json(t, &got)
	if got.CheckinCount != 1 {
		t.Fatalf("event = %s", r.Body)
	}
	expect(t, e.do("GET", "/admin/api/v1/events", admin, nil), 200, "")

	// An alumnus (no returnee record) may check in too.
	alum := e.registrant("o_ci_alum", "13866667777")
	e.putAlumnus(alum, alumnusForm(22))
	expect(t, e.checkIn(alum, ev.ID, ev.Token), 200, "")

	early := e.newEvent(admin, now.Add(time.Hour), now.Add(2*time.Hour))
	expect(t, e.checkIn(tok, early.ID, early.Token), 409, "CHECKIN_NOT_OPEN")
	late := e.newEvent(admin, now.Add(-2*time.Hour), now.Add(-time.Hour))
	expect(t, e.checkIn(tok, late.ID, late.Token), 409, "CHECKIN_CLOSED")
}

func TestCheckIn_20ParallelByOnePerson_onceAndPointsOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	seedRegions(t, e)
	admin := e.staffToken("admin", adminPasswd)
	now := time.Now().UTC()
	ev := e.newEvent(admin, now.Add(-time.Hour), now.Add(time.Hour))
	tok, pid := e.alumnus("o_par", 31)

	var wg sync.WaitGroup
	var mu sync.Mutex
	statuses := map[int]int{}
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := e.checkIn(tok, ev.ID, ev.Token)
			mu.Lock()
			statuses[r.Status]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if statuses[200] != 1 || statuses[409] != 19 {
		t.Fatalf("statuses = %v, want one 200 and 19 409", statuses)
	}
	if p := e.points(tok); p.Balance != 20 {
		t.Fatalf("balance = %d, want 20", p.Balance)
	}
	var entries int
	e.db.Get(&entries, `SELECT COUNT(*) FROM points_entries WHERE person_id = ? AND reference = ?`, pid, fmt.Sprintf("event:%d", ev.ID))
	if entries != 1 {
		t.Fatalf("entries = %d, want 1", entries)
	}
}

// A check-in whose points grant never happened (a crash between the two) gets its points on the
// next attempt once it is older than a request takes.
func TestCheckIn_lostGrantIsCompletedOnRetry(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	seedRegions(t, e)
	admin := e.staffToken("admin", adminPasswd)
	now := time.Now().UTC()
	ev := e.newEvent(admin, now.Add(-time.Hour), now.Add(time.Hour))
	tok, pid := e.alumnus("o_lost", 41)
	if _, err := e.db.Exec(`INSERT INTO event_checkins (event_id, person_id, checked_in_at) VALUES (?, ?, ?)`, ev.ID, pid, now.Add(-time.Minute)); err != nil {
		t.Fatal(err)
	}
	expect(t, e.checkIn(tok, ev.ID, ev.Token), 409, "ALREADY_CHECKED_IN")
	if p := e.points(tok); p.Balance != 20 {
		t.Fatalf("balance = %d, want 20", p.Balance)
	}
	expect(t, e.checkIn(tok, ev.ID, ev.Token), 409, "ALREADY_CHECKED_IN")
	if p := e.points(tok); p.Balance != 20 {
		t.Fatalf("balance after a second retry = %d, want 20", p.Balance)
	}
}

func TestSchools_adminCreateAndPatch(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.staffToken("admin", adminPasswd)
	expect(t, e.do("POST", "/admin/api/v1/schools", admin, map[string]any{"code": "xa_erzhong", "name": "咸安区第二中学", "sort": 60}), 201, "")
	expect(t, e.do("POST", "/admin/api/v1/schools", admin, map[string]any{"code": "xa_erzhong", "name": "别的名字"}), 409, "SCHOOL_EXISTS")
	expect(t, e.do("POST", "/admin/api/v1/schools", admin, map[string]any{"code": "Bad Code", "name": "某校"}), 422, "VALIDATION_FAILED")
	expect(t, e.do("PATCH", "/admin/api/v1/schools/xa_erzhong", admin, map[string]any{"active": false}), 200, "")
	expect(t, e.do("PATCH", "/admin/api/v1/schools/nope", admin, map[string]any{"active": false}), 404, "NOT_FOUND")
	r := e.do("GET", "/api/v1/schools", "", nil)
	if strings.Contains(string(r.Body), "xa_erzhong") {
		t.Fatalf("inactive school in the picker: %s", r.Body)
	}
	r = e.do("GET", "/admin/api/v1/schools", admin, nil)
	if !strings.Contains(string(r.Body), `"code":"xa_erzhong"`) || !strings.Contains(string(r.Body), `"is_demo":true`) {
		t.Fatalf("admin schools = %s", r.Body)
	}
	expect(t, e.do("GET", "/admin/api/v1/alumni/grades", admin, nil), 200, "")
}

func TestAlumnus_contentCheck_riskyRefused_unreachableSavedAndFlagged(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok := e.registrant("o_alum_text", "13722223333")
	e.wx.SetRiskyWords("赌博")
	f := alumnusForm(80)
	f["expertise"] = "网络赌博"
	expect(t, e.do("PUT", "/api/v1/me/alumnus", tok, f), 422, "CONTENT_REJECTED")
	expect(t, e.do("GET", "/api/v1/me/alumnus", tok, nil), 404, "NOT_REGISTERED")

	e.wx.SetOutage(wxfake.OutageHTTP502)
	r := e.do("PUT", "/api/v1/me/alumnus", tok, alumnusForm(80))
	e.wx.SetOutage(wxfake.OutageNone)
	expect(t, r, 200, "")
	var a struct {
		ContentReview string `json:"content_review"`
	}
	r.json(t, &a)
	if a.ContentReview != "pending" {
		t.Fatalf("WeChat down: content_review = %q, want pending (saved and flagged)", a.ContentReview)
	}
}
