package httpapi_test

import (
	"bytes"
	"fmt"
	"image/png"
	"strings"
	"sync"
	"testing"
	"time"

	"rsc.io/qr"

	"huixiang/internal/config"
	"huixiang/internal/wechat"
	"huixiang/internal/wxfake"
)

type userEventAnswer struct {
	ID          int64      `json:"id"`
	Title       string     `json:"title"`
	StartsAt    time.Time  `json:"starts_at"`
	Capacity    *int       `json:"capacity"`
	Signups     int        `json:"signups"`
	PlacesLeft  *int       `json:"places_left"`
	SignedUp    bool       `json:"signed_up"`
	CheckedIn   bool       `json:"checked_in"`
	CheckedInAt *time.Time `json:"checked_in_at"`
	SignupOpen  bool       `json:"signup_open"`
	CheckinOpen bool       `json:"checkin_open"`
}

// createEvent creates an event starting at starts (2 hours long) with capacity (nil: no limit).
func (e *env) createEvent(admin, title string, starts time.Time, capacity *int) int64 {
	e.t.Helper()
	body := map[string]any{"title": title, "starts_at": starts.Format(time.RFC3339),
		"ends_at": starts.Add(2 * time.Hour).Format(time.RFC3339), "points_rule": "event_attendance"}
	if capacity != nil {
		body["capacity"] = *capacity
	}
	r := e.do("POST", "/admin/api/v1/events", admin, body)
	expect(e.t, r, 201, "")
	var ev struct {
		ID       int64  `json:"id"`
		Capacity *int   `json:"capacity"`
		Scene    string `json:"scene"`
	}
	r.json(e.t, &ev)
	if (capacity == nil) != (ev.Capacity == nil) || (capacity != nil && *ev.Capacity != *capacity) || len(ev.Scene) > 32 ||
		!strings.HasPrefix(ev.Scene, fmt.Sprintf("%d.", ev.ID)) {
		e.t.Fatalf("created event = %s", r.Body)
	}
	return ev.ID
}

func (e *env) userEvents(tok string) []userEventAnswer {
	e.t.Helper()
	r := e.do("GET", "/api/v1/events", tok, nil)
	expect(e.t, r, 200, "")
	var out struct{ Items []userEventAnswer }
	r.json(e.t, &out)
	return out.Items
}

// Upcoming events are listed soonest first with my state; sign-up is idempotent, cancel frees
// the place, a started event takes no sign-up or cancel, an unregistered user gets
// NOT_REGISTERED as at check-in, and a check-in shows in the list.
func TestEvents_listSignUpCancel(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	seedRegions(t, e)
	admin := e.staffToken("admin", adminPasswd)
	now := time.Now().UTC()
	two := 2
	later := e.createEvent(admin, "返校日（下午场）", now.Add(48*time.Hour), nil)
	soon := e.createEvent(admin, "返校日（上午场）", now.Add(24*time.Hour), &two)
	running := e.createEvent(admin, "正在进行的座谈会", now.Add(-30*time.Minute), nil)
	e.createEvent(admin, "已经结束的活动", now.Add(-5*time.Hour), nil)
	expect(t, e.do("POST", "/admin/api/v1/events", admin, map[string]any{"title": "名额不对", "starts_at": now.Format(time.RFC3339),
		"ends_at": now.Add(time.Hour).Format(time.RFC3339), "points_rule": "event_attendance", "capacity": 0}), 422, "VALIDATION_FAILED")

	stranger := e.signIn("o_ev_stranger").Token
	list := e.userEvents(stranger)
	if len(list) != 3 || list[0].ID != running || list[1].ID != soon || list[2].ID != later {
		t.Fatalf("upcoming = %+v", list)
	}
	if l := list[1]; *l.Capacity != 2 || *l.PlacesLeft != 2 || l.SignedUp || !l.SignupOpen || l.CheckinOpen || list[2].PlacesLeft != nil {
		t.Fatalf("soon = %+v", l)
	}
	expect(t, e.do("POST", fmt.Sprintf("/api/v1/events/%d/signup", soon), stranger, nil), 404, "NOT_REGISTERED")

	a, _ := e.alumnus("o_ev_a", 51)
	signup := func(tok string, id int64) response {
		return e.do("POST", fmt.Sprintf("/api/v1/events/%d/signup", id), tok, nil)
	}
	cancel := func(tok string, id int64) response {
		return e.do("POST", fmt.Sprintf("/api/v1/events/%d/cancel-signup", id), tok, nil)
	}
	for range 2 { // twice: the second changes nothing
		r := signup(a, soon)
		expect(t, r, 200, "")
		var ev userEventAnswer
		r.json(t, &ev)
		if !ev.SignedUp || ev.Signups != 1 || *ev.PlacesLeft != 1 {
			t.Fatalf("after sign-up = %s", r.Body)
		}
	}
	b, _ := e.alumnus("o_ev_b", 52)
	c, _ := e.alumnus("o_ev_c", 53)
	expect(t, signup(b, soon), 200, "")
	r := signup(c, soon)
	expect(t, r, 409, "EVENT_FULL")
	if !strings.Contains(string(r.Body), "名额已满") {
		t.Fatalf("full = %s", r.Body)
	}
	for range 2 {
		r = cancel(a, soon)
		expect(t, r, 200, "")
		var ev userEventAnswer
		r.json(t, &ev)
		if ev.SignedUp || ev.Signups != 1 {
			t.Fatalf("after cancel = %s", r.Body)
		}
	}
	expect(t, signup(c, soon), 200, "")
	expect(t, signup(a, soon), 409, "EVENT_FULL")
	expect(t, signup(a, running), 409, "SIGNUP_CLOSED")
	expect(t, cancel(a, running), 409, "SIGNUP_CLOSED")
	expect(t, signup(a, 999999), 404, "NOT_FOUND")
	expect(t, e.do("POST", "/api/v1/events/abc/signup", a, nil), 404, "")

	// A check-in shows in my list.
	var token string
	if err := e.db.Get(&token, `SELECT token FROM events WHERE id = ?`, running); err != nil {
		t.Fatal(err)
	}
	expect(t, e.checkIn(a, running, token), 200, "")
	list = e.userEvents(a)
	if !list[0].CheckedIn || list[0].CheckedInAt == nil || !list[0].CheckinOpen || list[1].SignedUp {
		t.Fatalf("a's list = %+v", list)
	}
	if list = e.userEvents(c); !list[1].SignedUp || *list[1].PlacesLeft != 0 {
		t.Fatalf("c's list = %+v", list)
	}
	var rows, counted int
	if err := e.db.Get(&rows, `SELECT COUNT(*) FROM event_signups WHERE event_id = ?`, soon); err != nil {
		t.Fatal(err)
	}
	if err := e.db.Get(&counted, `SELECT signups FROM events WHERE id = ?`, soon); err != nil {
		t.Fatal(err)
	}
	if rows != 2 || counted != 2 {
		t.Fatalf("rows = %d, signups = %d", rows, counted)
	}
}

// Capacity 5 and 40 people signing up at once: exactly 5 get a place, 35 hear EVENT_FULL, and
// the count equals the rows. A cancel frees a place for one more.
func TestEvents_capacityHoldsUnder100ParallelSignUps(t *testing.T) {
	t.Parallel()
	// 100 sign-ups queue on the event's row; on a loaded 2-core machine the last ones wait for
	// seconds, which the server's default query timeout answers with 503. This test is about
	// the capacity, not the wait.
	e := newEnv(t, func(c *config.Config) { c.MySQL.QueryTimeout = 60 * time.Second })
	seedRegions(t, e)
	admin := e.staffToken("admin", adminPasswd)
	seats := 30
	id, _ := e.createActivity(admin, "电商创业培训班", "training", 180, time.Now().UTC().Add(24*time.Hour), &seats)
	toks := make([]string, 100)
	for i := range toks {
		toks[i], _ = e.alumnus(fmt.Sprintf("o_cap_%d", i), 100+i)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	got := map[string]int{}
	var winners []string
	for _, tok := range toks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := e.do("POST", fmt.Sprintf("/api/v1/events/%d/signup", id), tok, nil)
			key := fmt.Sprint(r.Status)
			if r.Status != 200 {
				key += " " + r.errCode(t)
			}
			mu.Lock()
			defer mu.Unlock()
			got[key]++
			if r.Status == 200 {
				winners = append(winners, tok)
			}
		}()
	}
	wg.Wait()
	if got["200"] != 30 || got["409 EVENT_FULL"] != 70 {
		t.Fatalf("answers = %v", got)
	}
	count := func() (rows, counted int) {
		t.Helper()
		if err := e.db.Get(&rows, `SELECT COUNT(*) FROM event_signups WHERE event_id = ?`, id); err != nil {
			t.Fatal(err)
		}
		if err := e.db.Get(&counted, `SELECT signups FROM events WHERE id = ?`, id); err != nil {
			t.Fatal(err)
		}
		return rows, counted
	}
	if rows, counted := count(); rows != 30 || counted != 30 {
		t.Fatalf("rows = %d, signups = %d", rows, counted)
	}
	expect(t, e.do("POST", fmt.Sprintf("/api/v1/events/%d/cancel-signup", id), winners[0], nil), 200, "")
	var loser string
	for _, tok := range toks {
		if !strings.Contains(strings.Join(winners, " "), tok) {
			loser = tok
			break
		}
	}
	expect(t, e.do("POST", fmt.Sprintf("/api/v1/events/%d/signup", id), loser, nil), 200, "")
	if rows, counted := count(); rows != 30 || counted != 30 {
		t.Fatalf("after cancel and sign-up: rows = %d, signups = %d", rows, counted)
	}
}

// The console's 小程序码: the admin route answers a PNG drawn by WeChat (the stand-in) for
// pages/checkin/checkin with the scene "<id>.<code>", and that scene checks in. An event made
// before check-in codes gets one on its first code. WeChat refusing or down is a clear error.
func TestEventWXACode_pngWhoseSceneChecksIn(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	seedRegions(t, e)
	admin := e.staffToken("admin", adminPasswd)
	now := time.Now().UTC()
	ev := e.newEvent(admin, now.Add(-time.Hour), now.Add(time.Hour))
	// As an event created before migration 00025.
	if _, err := e.db.Exec(`UPDATE events SET checkin_code = NULL WHERE id = ?`, ev.ID); err != nil {
		t.Fatal(err)
	}
	path := fmt.Sprintf("/admin/api/v1/events/%d/wxacode", ev.ID)
	r := e.do("GET", path, admin, nil)
	expect(t, r, 200, "")
	if ct := r.Header.Get("Content-Type"); ct != "image/png" {
		t.Fatalf("Content-Type = %q", ct)
	}
	if _, err := png.Decode(bytes.NewReader(r.Body)); err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	codes := e.wx.WXACodes()
	if len(codes) != 1 {
		t.Fatalf("codes drawn = %+v", codes)
	}
	scene := codes[0].Scene
	if codes[0].Page != "pages/checkin/checkin" || len(scene) > 32 || !strings.HasPrefix(scene, fmt.Sprintf("%d.", ev.ID)) ||
		len(scene)-len(fmt.Sprint(ev.ID))-1 < 22 || codes[0].Text != "pages/checkin/checkin?scene="+scene {
		t.Fatalf("code = %+v", codes[0])
	}
	want, err := qr.Encode(codes[0].Text, qr.M)
	if err != nil {
		t.Fatal(err)
	}
	want.Scale = wechat.WXACodeWidth / (want.Size + 8)
	if !bytes.Equal(r.Body, want.PNG()) {
		t.Fatal("the PNG is not the QR code of pages/checkin/checkin?scene=…")
	}
	// The code stays: a second drawing carries the same scene.
	expect(t, e.do("GET", path, admin, nil), 200, "")
	if again := e.wx.WXACodes(); again[1].Scene != scene {
		t.Fatalf("scene changed: %s → %s", scene, again[1].Scene)
	}

	tok, _ := e.alumnus("o_wxacode", 61)
	_, code, _ := strings.Cut(scene, ".")
	wrong := code[:len(code)-1] + "A" // one character off
	if strings.HasSuffix(code, "A") {
		wrong = code[:len(code)-1] + "B"
	}
	expect(t, e.checkIn(tok, ev.ID, wrong), 404, "NOT_FOUND")
	expect(t, e.checkIn(tok, ev.ID+1, scene), 404, "NOT_FOUND")
	expect(t, e.checkIn(tok, ev.ID, scene), 200, "")
	tok2, _ := e.alumnus("o_wxacode2", 62)
	expect(t, e.checkIn(tok2, ev.ID, code), 200, "") // the code alone works too

	e.wx.FailNext(wxfake.PathWXACodeUnlimit, 41030, "")
	expect(t, e.do("GET", path, admin, nil), 502, "WXACODE_REFUSED")
	e.wx.FailNext(wxfake.PathWXACodeUnlimit, 45009, "")
	expect(t, e.do("GET", path, admin, nil), 503, "WECHAT_UNAVAILABLE")
	expect(t, e.do("GET", "/admin/api/v1/events/999999/wxacode", admin, nil), 404, "NOT_FOUND")
	expect(t, e.do("GET", path, "", nil), 401, "SESSION_EXPIRED")
}
