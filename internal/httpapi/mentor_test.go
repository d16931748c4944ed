package httpapi_test

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"huixiang/internal/cn"
	"huixiang/internal/config"
)

// mentorClock is the mentor service's clock in these tests: Monday 2031-03-03 08:00 Beijing
// time until a test moves it.
type mentorClock struct {
	mu sync.Mutex
	t  time.Time
}

var mentorBase = time.Date(2031, 3, 3, 0, 0, 0, 0, cn.Zone) // a Monday

func (c *mentorClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *mentorClock) set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// slotAt is the start of a slot day days after mentorBase at hour:00, as the API writes it.
func slotAt(days, hour int) string {
	return mentorBase.AddDate(0, 0, days).Add(time.Duration(hour) * time.Hour).Format(time.RFC3339)
}

func newMentorEnv(t *testing.T) (*env, *mentorClock, string) {
	t.Helper()
	// Parallel bookings queue on the booker's and the mentor's rows; on a loaded 2-core machine
	// the last ones wait for seconds, which the server's default query timeout answers with 503.
	// These tests are about who gets the slot, not the wait.
	e := newEnv(t, func(c *config.Config) { c.MySQL.QueryTimeout = 60 * time.Second })
	clock := &mentorClock{t: mentorBase.Add(8 * time.Hour)}
	e.app.Mentors.SetClock(clock.Now)
	return e, clock, e.staffToken("admin", adminPasswd)
}

// everyDay is 09:00-12:00 and 14:00-17:00 every day: hourly slots at 9, 10, 11, 14, 15 and 16.
func everyDay() []map[string]any {
	var w []map[string]any
	for d := 1; d <= 7; d++ {
		w = append(w, map[string]any{"weekday": d, "start": "09:00", "end": "12:00"}, map[string]any{"weekday": d, "start": "14:00", "end": "17:00"})
	}
	return w
}

// personOf registers a person for the signed-in user userID and returns the person's id.
func (e *env) personOf(userID int64, name string) int64 {
	e.t.Helper()
	idx := make([]byte, 32)
	_, _ = rand.Read(idx)
	now := time.Now().UTC()
	res, err := e.db.Exec(`INSERT INTO persons (id_card_enc, id_card_idx, name, gender, birth_date, user_id, created_source, claimed_at, created_at, updated_at)
		VALUES (?, ?, ?, 'M', '1975-06-01', ?, 'self', ?, ?, ?)`, []byte("not-really-ciphertext"), idx, name, userID, now, now, now)
	if err != nil {
		e.t.Fatal(err)
	}
	id, _ := res.LastInsertId()
	return id
}

type mentorAnswer struct {
	ID      int64  `json:"id"`
	Version int    `json:"version"`
	Status  string `json:"status"`
	Name    string `json:"name"`
}

// makeMentor signs a user in, registers their person and makes them a mentor with weekly cap
// limit, available every day; it returns the mentor's id and the mentor's user token.
func (e *env) makeMentor(admin, openid string, limit int, exceptions ...map[string]any) (int64, string) {
	e.t.Helper()
	u := e.signIn(openid)
	pid := e.personOf(u.User.ID, "王导师")
	if exceptions == nil {
		exceptions = []map[string]any{}
	}
	r := e.do("POST", "/admin/api/v1/mentors", admin, map[string]any{"person_id": pid, "fields": []string{"ecommerce", "agri_processing"},
		"organisation": "咸安区电商协会", "title": "会长", "bio": "十年农村电商经验", "modes": []string{"online", "phone"},
		"weekly_cap": limit, "availability": map[string]any{"weekly": everyDay(), "exceptions": exceptions}})
	expect(e.t, r, 201, "")
	var m mentorAnswer
	r.json(e.t, &m)
	return m.ID, u.Token
}

type apptAnswer struct {
	ID            int64   `json:"id"`
	Status        string  `json:"status"`
	Start         string  `json:"start"`
	Note          string  `json:"note"`
	CancelledBy   *string `json:"cancelled_by"`
	CancelMessage string  `json:"cancel_message"`
	Stars         *int    `json:"stars"`
}

func (e *env) book(token string, mentorID int64, start string) response {
	e.t.Helper()
	return e.do("POST", "/api/v1/appointments", token, map[string]any{"mentor_id": mentorID, "start": start, "mode": "online", "topic": "网店怎么起步"})
}

func (e *env) booked(token string, mentorID int64, start string) apptAnswer {
	e.t.Helper()
	r := e.book(token, mentorID, start)
	expect(e.t, r, 201, "")
	var a apptAnswer
	r.json(e.t, &a)
	return a
}

// rawPost is a POST safe to call from many goroutines (it never fails the test itself): the
// status and the error code, if any.
func rawPost(url, token string, body any) (int, string, error) {
	b, _ := json.Marshal(body)
	req, err := http.NewRequest("POST", url, bytes.NewReader(b))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var env struct {
		Error struct{ Code string } `json:"error"`
	}
	_ = json.Unmarshal(raw, &env)
	return res.StatusCode, env.Error.Code, nil
}

// parallelBookings books starts[i] with tokens[i] all at once and counts the answers by
// status and code ("201", "409 SLOT_TAKEN").
func parallelBookings(t *testing.T, e *env, mentorID int64, tokens, starts []string) map[string]int {
	t.Helper()
	var mu sync.Mutex
	counts := map[string]int{}
	var wg sync.WaitGroup
	gate := make(chan struct{})
	errs := make(chan error, len(tokens))
	for i := range tokens {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-gate
			status, code, err := rawPost(e.srv.URL+"/api/v1/appointments", tokens[i],
				map[string]any{"mentor_id": mentorID, "start": starts[i], "mode": "online", "topic": "同一时段"})
			if err != nil {
				errs <- err
				return
			}
			mu.Lock()
			counts[strings.TrimSpace(fmt.Sprint(status, " ", code))]++
			mu.Unlock()
		}()
	}
	close(gate)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	return counts
}

func TestAppointment_fiftyParallelBookingsOfOneSlot(t *testing.T) {
	t.Parallel()
	e, _, admin := newMentorEnv(t)
	mentorID, _ := e.makeMentor(admin, "mentor-50", 100)
	tokens, starts := make([]string, 50), make([]string, 50)
	for i := range tokens {
		tokens[i] = e.signIn(fmt.Sprintf("booker-%02d", i)).Token
		starts[i] = slotAt(2, 10)
	}
	counts := parallelBookings(t, e, mentorID, tokens, starts)
	if counts["201"] != 1 || counts["409 SLOT_TAKEN"] != 49 || len(counts) != 2 {
		t.Fatalf("answers = %v, want exactly one 201 and 49 × 409 SLOT_TAKEN", counts)
	}
	var claims, live int
	if err := e.db.Get(&claims, `SELECT COUNT(*) FROM appointment_slots WHERE mentor_id = ?`, mentorID); err != nil {
		t.Fatal(err)
	}
	if err := e.db.Get(&live, `SELECT COUNT(*) FROM appointments WHERE mentor_id = ?`, mentorID); err != nil {
		t.Fatal(err)
	}
	if claims != 1 || live != 1 {
		t.Fatalf("claims = %d, appointments = %d, want 1 and 1", claims, live)
	}
}

func TestAppointment_tooManyUpcoming(t *testing.T) {
	t.Parallel()
	e, _, admin := newMentorEnv(t)
	mentorID, _ := e.makeMentor(admin, "mentor-many", 100)
	u := e.signIn("booker-seq")
	e.booked(u.Token, mentorID, slotAt(1, 9))
	e.booked(u.Token, mentorID, slotAt(1, 10))
	expect(t, e.book(u.Token, mentorID, slotAt(1, 11)), 409, "TOO_MANY_APPOINTMENTS")

	// Five different slots at once by one person: exactly two succeed.
	p := e.signIn("booker-par").Token
	tokens := []string{p, p, p, p, p}
	starts := []string{slotAt(2, 9), slotAt(2, 10), slotAt(2, 11), slotAt(2, 14), slotAt(2, 15)}
	counts := parallelBookings(t, e, mentorID, tokens, starts)
	if counts["201"] != 2 || counts["409 TOO_MANY_APPOINTMENTS"] != 3 {
		t.Fatalf("answers = %v, want 2 × 201 and 3 × 409 TOO_MANY_APPOINTMENTS", counts)
	}
}

func TestAppointment_mentorWeeklyCap(t *testing.T) {
	t.Parallel()
	e, _, admin := newMentorEnv(t)
	mentorID, _ := e.makeMentor(admin, "mentor-cap", 2)
	a, b, c := e.signIn("cap-a").Token, e.signIn("cap-b").Token, e.signIn("cap-c").Token
	e.booked(a, mentorID, slotAt(1, 10))
	e.booked(b, mentorID, slotAt(3, 10))
	expect(t, e.book(c, mentorID, slotAt(2, 14)), 409, "MENTOR_FULL")
	// The next ISO week is another week.
	e.booked(c, mentorID, slotAt(8, 10))
}

func TestAppointment_cancelTooLateAndSlotFreed(t *testing.T) {
	t.Parallel()
	e, clock, admin := newMentorEnv(t)
	mentorID, mentorTok := e.makeMentor(admin, "mentor-cancel", 100)
	u := e.signIn("cancel-u")
	early := e.booked(u.Token, mentorID, slotAt(1, 10))
	late := e.booked(u.Token, mentorID, slotAt(1, 14))

	r := e.do("POST", fmt.Sprintf("/api/v1/appointments/%d/cancel", early.ID), u.Token, nil)
	expect(t, r, 200, "")
	var got apptAnswer
	r.json(t, &got)
	if got.Status != "cancelled" || got.CancelledBy == nil || *got.CancelledBy != "booker" {
		t.Fatalf("cancelled = %+v", got)
	}
	// The slot is open again, and someone else books it.
	e.booked(e.signIn("cancel-v").Token, mentorID, slotAt(1, 10))

	// 90 minutes before the start: too late, for either side.
	clock.set(mentorBase.AddDate(0, 0, 1).Add(12*time.Hour + 30*time.Minute))
	expect(t, e.do("POST", fmt.Sprintf("/api/v1/appointments/%d/cancel", late.ID), u.Token, nil), 409, "TOO_LATE_TO_CANCEL")
	expect(t, e.do("POST", fmt.Sprintf("/api/v1/mentor/appointments/%d/cancel", late.ID), mentorTok, map[string]string{"message": "临时有事"}),
		409, "TOO_LATE_TO_CANCEL")
	// Someone else's appointment is not found.
	expect(t, e.do("POST", fmt.Sprintf("/api/v1/appointments/%d/cancel", late.ID), e.signIn("cancel-w").Token, nil), 404, "NOT_FOUND")
}

type openAnswer struct {
	ID    int64  `json:"id"`
	Name  string `json:"name"`
	Slots []struct {
		Start string `json:"start"`
		End   string `json:"end"`
	} `json:"slots"`
}

func TestMentor_openSlots(t *testing.T) {
	t.Parallel()
	e, _, admin := newMentorEnv(t)
	// Day 3 (Thursday) is off.
	off := mentorBase.AddDate(0, 0, 3).Format(time.DateOnly)
	mentorID, _ := e.makeMentor(admin, "mentor-slots", 100, map[string]any{"from": off, "to": off, "note": "出差"})
	u := e.signIn("slots-u")
	e.booked(u.Token, mentorID, slotAt(1, 10))

	r := e.do("GET", fmt.Sprintf("/api/v1/mentors/%d", mentorID), u.Token, nil)
	expect(t, r, 200, "")
	var o openAnswer
	r.json(t, &o)
	starts := map[string]bool{}
	for _, s := range o.Slots {
		starts[s.Start] = true
		if !strings.HasSuffix(s.Start, "+08:00") || !strings.HasSuffix(s.End, "+08:00") {
			t.Fatalf("slot %+v not in Beijing time", s)
		}
		if strings.HasPrefix(s.Start, off) {
			t.Fatalf("slot %s on the day off", s.Start)
		}
	}
	switch {
	case starts[slotAt(0, 9)]:
		t.Fatal("09:00 today is within 2 hours of 08:00 and listed")
	case !starts[slotAt(0, 10)]:
		t.Fatal("10:00 today is not listed")
	case starts[slotAt(1, 10)]:
		t.Fatal("a booked slot is listed")
	case !starts[slotAt(1, 11)] || !starts[slotAt(13, 16)]:
		t.Fatal("an open slot is missing")
	case starts[slotAt(14, 9)]:
		t.Fatal("a slot beyond 14 days is listed")
	}
	// 14 days × 6 slots, minus 09:00 today (within 2 hours), the booked one and the day off.
	if want := 14*6 - 1 - 1 - 6; len(o.Slots) != want {
		t.Fatalf("%d slots, want %d", len(o.Slots), want)
	}

	for _, start := range []string{
		slotAt(0, 9), // within 2 hours
		mentorBase.AddDate(0, 0, 1).Add(9*time.Hour + 30*time.Minute).Format(time.RFC3339), // not on the grid
		slotAt(1, 12),  // outside the windows
		slotAt(3, 10),  // the day off
		slotAt(15, 10), // beyond 14 days
		mentorBase.Add(-24 * time.Hour).Add(10 * time.Hour).Format(time.RFC3339), // past
	} {
		if r := e.book(u.Token, mentorID, start); r.Status != 422 || r.errCode(t) != "SLOT_INVALID" {
			t.Fatalf("booking %s: %d %s, want 422 SLOT_INVALID", start, r.Status, r.Body)
		}
	}
	expect(t, e.book(e.signIn("slots-v").Token, mentorID, slotAt(1, 10)), 409, "SLOT_TAKEN")

	// The public list: active mentors by field, public fields only.
	r = e.do("GET", "/api/v1/mentors?field=ecommerce", u.Token, nil)
	expect(t, r, 200, "")
	if strings.Contains(string(r.Body), "weekly_cap") || strings.Contains(string(r.Body), "person_id") || !strings.Contains(string(r.Body), "王导师") {
		t.Fatalf("public list = %s", r.Body)
	}
	r = e.do("GET", "/api/v1/mentors?field=bamboo", u.Token, nil)
	expect(t, r, 200, "")
	if strings.Contains(string(r.Body), "王导师") {
		t.Fatalf("field filter ignored: %s", r.Body)
	}
}

func inboxCount(t *testing.T, e *env, userID int64) int {
	t.Helper()
	var n int
	if err := e.db.Get(&n, `SELECT COUNT(*) FROM inbox_messages WHERE user_id = ? AND kind = 'appointment'
		AND page LIKE 'pages/appointments/detail?id=%'`, userID); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestAppointment_transitionsAndRateOnce(t *testing.T) {
	t.Parallel()
	e, clock, admin := newMentorEnv(t)
	mentorID, mentorTok := e.makeMentor(admin, "mentor-flow", 100)
	u := e.signIn("flow-u")
	a := e.booked(u.Token, mentorID, slotAt(1, 10))
	path := func(who string, id int64, action string) string {
		if who == "mentor" {
			return fmt.Sprintf("/api/v1/mentor/appointments/%d/%s", id, action)
		}
		return fmt.Sprintf("/api/v1/appointments/%d/%s", id, action)
	}
	// The mentor sees it; a returnee cannot use the mentor's routes.
	r := e.do("GET", "/api/v1/mentor/appointments?status=requested", mentorTok, nil)
	expect(t, r, 200, "")
	if !strings.Contains(string(r.Body), "网店怎么起步") {
		t.Fatalf("mentor's list = %s", r.Body)
	}
	expect(t, e.do("POST", path("mentor", a.ID, "confirm"), u.Token, nil), 403, "FORBIDDEN")
	// Both sides open the one appointment (a message's page does); a stranger cannot; /me tells
	// the mini program who is a mentor.
	for tok, want := range map[string]string{u.Token: `"viewer":"booker"`, mentorTok: `"viewer":"mentor"`} {
		r = e.do("GET", fmt.Sprintf("/api/v1/appointments/%d", a.ID), tok, nil)
		expect(t, r, 200, "")
		if !strings.Contains(string(r.Body), want) {
			t.Fatalf("appointment = %s, want %s", r.Body, want)
		}
	}
	expect(t, e.do("GET", fmt.Sprintf("/api/v1/appointments/%d", a.ID), e.signIn("flow-stranger").Token, nil), 404, "NOT_FOUND")
	if r = e.do("GET", "/api/v1/me", mentorTok, nil); !strings.Contains(string(r.Body), `"mentor":true`) ||
		!strings.Contains(string(r.Body), `"roles":["mentor"]`) {
		t.Fatalf("mentor's /me = %s", r.Body)
	}
	if r = e.do("GET", "/api/v1/me", u.Token, nil); strings.Contains(string(r.Body), `"mentor"`) {
		t.Fatalf("returnee's /me = %s", r.Body)
	}

	expect(t, e.do("POST", path("mentor", a.ID, "attended"), mentorTok, nil), 409, "INVALID_TRANSITION") // not confirmed
	expect(t, e.do("POST", path("mentor", a.ID, "confirm"), mentorTok, nil), 200, "")
	expect(t, e.do("POST", path("mentor", a.ID, "confirm"), mentorTok, nil), 409, "INVALID_TRANSITION")
	expect(t, e.do("POST", path("mentor", a.ID, "decline"), mentorTok, nil), 409, "INVALID_TRANSITION")
	expect(t, e.do("POST", path("mentor", a.ID, "attended"), mentorTok, nil), 409, "TOO_EARLY")
	expect(t, e.do("POST", path("user", a.ID, "rate"), u.Token, map[string]any{"stars": 5}), 409, "INVALID_TRANSITION")

	clock.set(mentorBase.AddDate(0, 0, 1).Add(11 * time.Hour))
	r = e.do("POST", path("mentor", a.ID, "attended"), mentorTok, map[string]string{"note": "讨论了选品和物流"})
	expect(t, r, 200, "")
	var got apptAnswer
	r.json(t, &got)
	if got.Status != "attended" || got.Note != "讨论了选品和物流" {
		t.Fatalf("attended = %+v", got)
	}
	expect(t, e.do("POST", path("mentor", a.ID, "no-show"), mentorTok, nil), 409, "INVALID_TRANSITION")
	expect(t, e.do("POST", path("user", a.ID, "rate"), u.Token, map[string]any{"stars": 6}), 422, "VALIDATION_FAILED")
	r = e.do("POST", path("user", a.ID, "rate"), u.Token, map[string]any{"stars": 5, "comment": "很有帮助"})
	expect(t, r, 200, "")
	r.json(t, &got)
	if got.Stars == nil || *got.Stars != 5 {
		t.Fatalf("rated = %s", r.Body)
	}
	expect(t, e.do("POST", path("user", a.ID, "rate"), u.Token, map[string]any{"stars": 1}), 409, "ALREADY_RATED")

	// Decline frees the slot; no-show after the start.
	b := e.booked(u.Token, mentorID, slotAt(2, 10))
	expect(t, e.do("POST", path("mentor", b.ID, "decline"), mentorTok, nil), 200, "")
	expect(t, e.do("POST", path("user", b.ID, "cancel"), u.Token, nil), 409, "INVALID_TRANSITION")
	c := e.booked(e.signIn("flow-v").Token, mentorID, slotAt(2, 10))
	expect(t, e.do("POST", path("mentor", c.ID, "confirm"), mentorTok, nil), 200, "")
	clock.set(mentorBase.AddDate(0, 0, 2).Add(10*time.Hour + 20*time.Minute))
	expect(t, e.do("POST", path("mentor", c.ID, "no-show"), mentorTok, nil), 200, "")

	// Each change told the other side: the booker heard of confirm, attended and decline; the
	// mentor of the bookings and the rating.
	if n := inboxCount(t, e, u.User.ID); n != 3 {
		t.Fatalf("booker's inbox has %d appointment messages, want 3", n)
	}
	var mentorUser int64
	if err := e.db.Get(&mentorUser, `SELECT p.user_id FROM mentors m JOIN persons p ON p.id = m.person_id WHERE m.id = ?`, mentorID); err != nil {
		t.Fatal(err)
	}
	if n := inboxCount(t, e, mentorUser); n != 4 {
		t.Fatalf("mentor's inbox has %d appointment messages, want 4", n)
	}
	r = e.do("GET", "/api/v1/me/appointments", u.Token, nil)
	expect(t, r, 200, "")
	var mine struct{ Items []apptAnswer }
	r.json(t, &mine)
	if len(mine.Items) != 2 || !strings.HasSuffix(mine.Items[0].Start, "+08:00") {
		t.Fatalf("my appointments = %s", r.Body)
	}
	r = e.do("GET", fmt.Sprintf("/admin/api/v1/appointments?mentor_id=%d&status=no_show", mentorID), admin, nil)
	expect(t, r, 200, "")
	var page struct {
		Items []apptAnswer
		Total int
	}
	r.json(t, &page)
	if page.Total != 1 || page.Items[0].ID != c.ID {
		t.Fatalf("admin list = %s", r.Body)
	}
}

func TestMentor_availabilityChangeListsAffected(t *testing.T) {
	t.Parallel()
	e, _, admin := newMentorEnv(t)
	mentorID, mentorTok := e.makeMentor(admin, "mentor-avail", 100)
	u := e.signIn("avail-u")
	tue := e.booked(u.Token, mentorID, slotAt(1, 10)) // Tuesday
	wed := e.booked(u.Token, mentorID, slotAt(2, 15)) // Wednesday

	// Mornings only, and Wednesday off.
	var weekly []map[string]any
	for d := 1; d <= 7; d++ {
		weekly = append(weekly, map[string]any{"weekday": d, "start": "08:00", "end": "12:00"})
	}
	day := mentorBase.AddDate(0, 0, 2).Format(time.DateOnly)
	r := e.do("PUT", "/api/v1/mentor/availability", mentorTok, map[string]any{"weekly": weekly,
		"exceptions": []map[string]any{{"from": day, "to": day, "note": "开会"}}})
	expect(t, r, 200, "")
	var res struct {
		Affected []apptAnswer `json:"affected"`
	}
	r.json(t, &res)
	if len(res.Affected) != 1 || res.Affected[0].ID != wed.ID || res.Affected[0].Status != "requested" {
		t.Fatalf("affected = %s", r.Body)
	}
	// Kept, not dropped: the mentor cancels it with a message.
	expect(t, e.do("POST", fmt.Sprintf("/api/v1/mentor/appointments/%d/cancel", wed.ID), mentorTok, nil), 422, "VALIDATION_FAILED")
	r = e.do("POST", fmt.Sprintf("/api/v1/mentor/appointments/%d/cancel", wed.ID), mentorTok, map[string]string{"message": "当天要开会，请改约"})
	expect(t, r, 200, "")
	var got apptAnswer
	r.json(t, &got)
	if got.Status != "cancelled" || got.CancelledBy == nil || *got.CancelledBy != "mentor" || got.CancelMessage != "当天要开会，请改约" {
		t.Fatalf("mentor's cancel = %s", r.Body)
	}
	var body string
	if err := e.db.Get(&body, `SELECT body FROM inbox_messages WHERE user_id = ? AND dedup_key = ?`, u.User.ID,
		fmt.Sprintf("appt:%d:mentor_cancel", wed.ID)); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(body, "当天要开会") {
		t.Fatalf("returnee's message = %q", body)
	}
	var status string
	if err := e.db.Get(&status, `SELECT status FROM appointments WHERE id = ?`, tue.ID); err != nil || status != "requested" {
		t.Fatalf("Tuesday's appointment: %s, %v", status, err)
	}
	// The new availability holds: an afternoon is no longer a slot; a morning is.
	expect(t, e.book(e.signIn("avail-v").Token, mentorID, slotAt(4, 15)), 422, "SLOT_INVALID")
	e.booked(e.signIn("avail-w").Token, mentorID, slotAt(4, 8))
	r = e.do("GET", "/api/v1/mentor/availability", mentorTok, nil)
	expect(t, r, 200, "")
	if !strings.Contains(string(r.Body), `"08:00"`) || strings.Contains(string(r.Body), `"14:00"`) {
		t.Fatalf("availability = %s", r.Body)
	}
	expect(t, e.do("PUT", "/api/v1/mentor/availability", mentorTok, map[string]any{"weekly": []map[string]any{{"weekday": 8, "start": "08:00", "end": "09:00"}}}),
		422, "VALIDATION_FAILED")
}

func TestMentor_routesForbiddenToNonMentors(t *testing.T) {
	t.Parallel()
	e, _, admin := newMentorEnv(t)
	mentorID, mentorTok := e.makeMentor(admin, "mentor-403", 100)
	u := e.signIn("plain-user")
	for _, r := range []response{
		e.do("GET", "/api/v1/mentor/appointments", u.Token, nil),
		e.do("GET", "/api/v1/mentor/availability", u.Token, nil),
		e.do("PUT", "/api/v1/mentor/availability", u.Token, map[string]any{"weekly": []any{}}),
		e.do("POST", "/api/v1/mentor/appointments/1/confirm", u.Token, nil),
	} {
		expect(t, r, 403, "FORBIDDEN")
	}
	expect(t, e.do("GET", "/api/v1/mentor/appointments", mentorTok, nil), 200, "")
	// A paused mentor loses the routes and leaves the lists.
	r := e.do("GET", fmt.Sprintf("/admin/api/v1/mentors/%d", mentorID), admin, nil)
	expect(t, r, 200, "")
	var m mentorAnswer
	r.json(t, &m)
	expect(t, e.do("PATCH", fmt.Sprintf("/admin/api/v1/mentors/%d", mentorID), admin, map[string]any{"version": m.Version, "status": "paused"}), 200, "")
	expect(t, e.do("GET", "/api/v1/mentor/appointments", mentorTok, nil), 403, "FORBIDDEN")
	expect(t, e.do("GET", fmt.Sprintf("/api/v1/mentors/%d", mentorID), u.Token, nil), 404, "NOT_FOUND")
}

func TestMentor_staffCRUDAudited(t *testing.T) {
	t.Parallel()
	e, _, admin := newMentorEnv(t)
	u := e.signIn("crud-mentor")
	pid := e.personOf(u.User.ID, "李专家")
	base := map[string]any{"person_id": pid, "fields": []string{"health"}, "organisation": "区人民医院", "title": "主任医师",
		"modes": []string{"phone"}, "weekly_cap": 3}
	bad := map[string]any{}
	for k, v := range base {
		bad[k] = v
	}
	bad["fields"] = []string{"no_such_field"}
	r := e.do("POST", "/admin/api/v1/mentors", admin, bad)
	expect(t, r, 422, "VALIDATION_FAILED")
	bad["fields"], bad["modes"] = []string{"health"}, []string{"in_person"}
	expect(t, e.do("POST", "/admin/api/v1/mentors", admin, bad), 422, "VALIDATION_FAILED")
	bad["modes"], bad["person_id"] = []string{"phone"}, pid+1_000_000 // no such person
	if r = e.do("POST", "/admin/api/v1/mentors", admin, bad); r.Status != 422 || !strings.Contains(string(r.Body), "没有这个人员") {
		t.Fatalf("a mentor of no person: %d %s", r.Status, r.Body)
	}
	expect(t, e.do("POST", "/admin/api/v1/mentors", u.Token, base), 401, "")

	r = e.do("POST", "/admin/api/v1/mentors", admin, base)
	expect(t, r, 201, "")
	var m mentorAnswer
	r.json(t, &m)
	if m.Name != "李专家" || m.Status != "active" {
		t.Fatalf("created = %s", r.Body)
	}
	expect(t, e.do("POST", "/admin/api/v1/mentors", admin, base), 409, "ALREADY_MENTOR")

	r = e.do("PATCH", fmt.Sprintf("/admin/api/v1/mentors/%d", m.ID), admin, map[string]any{"version": m.Version, "status": "retired", "title": "副院长",
		"availability": map[string]any{"weekly": []map[string]any{{"weekday": 2, "start": "09:00", "end": "11:00"}}}})
	expect(t, r, 200, "")
	if !strings.Contains(string(r.Body), `"end":"11:00"`) {
		t.Fatalf("availability not saved: %s", r.Body)
	}
	var after struct {
		mentorAnswer
		Title  string   `json:"title"`
		Fields []string `json:"fields"`
	}
	r.json(t, &after)
	if after.Status != "retired" || after.Title != "副院长" || len(after.Fields) != 1 || after.Version != m.Version+1 {
		t.Fatalf("patched = %s", r.Body)
	}
	expect(t, e.do("PATCH", fmt.Sprintf("/admin/api/v1/mentors/%d", m.ID), admin, map[string]any{"version": m.Version, "status": "active"}), 409, "STALE_VERSION")
	expect(t, e.do("PATCH", fmt.Sprintf("/admin/api/v1/mentors/%d", m.ID), admin, map[string]any{"version": after.Version, "status": "gone"}), 422, "VALIDATION_FAILED")
	expect(t, e.do("PATCH", fmt.Sprintf("/admin/api/v1/mentors/%d", m.ID+1_000_000), admin, map[string]any{"version": 1, "status": "paused"}), 404, "NOT_FOUND")

	r = e.do("GET", "/admin/api/v1/mentors?status=retired", admin, nil)
	expect(t, r, 200, "")
	if !strings.Contains(string(r.Body), "李专家") {
		t.Fatalf("list = %s", r.Body)
	}
	var actions []string
	if err := e.db.Select(&actions, `SELECT action FROM audit_log WHERE target_type = 'mentor' AND target_id = ? ORDER BY id`, fmt.Sprint(m.ID)); err != nil {
		t.Fatal(err)
	}
	if strings.Join(actions, ",") != "mentor.create,mentor.update" {
		t.Fatalf("audit = %v", actions)
	}
}

// Confirming writes the reminders, to the returnee and to the mentor, due a day and an hour
// before the start and opening the appointment; cancelling skips those not sent.
func TestAppointment_confirmSchedulesRemindersCancelSkipsThem(t *testing.T) {
	t.Parallel()
	e, _, admin := newMentorEnv(t)
	mentorID, mentorTok := e.makeMentor(admin, "mentor-remind", 100)
	u := e.signIn("remind-u")
	a := e.booked(u.Token, mentorID, slotAt(2, 10)) // Wednesday 10:00
	expect(t, e.do("POST", fmt.Sprintf("/api/v1/mentor/appointments/%d/confirm", a.ID), mentorTok, nil), 200, "")
	type row struct {
		Key     string    `db:"dedup_key"`
		User    int64     `db:"user_id"`
		Due     time.Time `db:"next_attempt_at"`
		Status  string    `db:"status"`
		Skip    *string   `db:"skip_reason"`
		Payload string    `db:"payload"`
	}
	rows := func() map[string]row {
		var rs []row
		if err := e.db.Select(&rs, `SELECT dedup_key, user_id, next_attempt_at, status, skip_reason, payload FROM outbox
			WHERE dedup_key LIKE ? ORDER BY dedup_key`, fmt.Sprintf("appt:%d:remind:%%", a.ID)); err != nil {
			t.Fatal(err)
		}
		out := map[string]row{}
		for _, r := range rs {
			out[strings.TrimPrefix(r.Key, fmt.Sprintf("appt:%d:remind:", a.ID))] = r
		}
		return out
	}
	got := rows()
	start := mentorBase.AddDate(0, 0, 2).Add(10 * time.Hour)
	want := map[string]time.Time{"day:booker": start.Add(-24 * time.Hour), "day:mentor": start.Add(-24 * time.Hour),
		"hour:booker": start.Add(-time.Hour), "hour:mentor": start.Add(-time.Hour)}
	if len(got) != 4 {
		t.Fatalf("reminders = %v", got)
	}
	for k, due := range want {
		r := got[k]
		if !r.Due.Equal(due.UTC()) || r.Status != "pending" || !strings.Contains(r.Payload, `"personal":true`) ||
			!strings.Contains(r.Payload, fmt.Sprintf(`pages/appointments/detail?id=%d`, a.ID)) {
			t.Errorf("%s = %+v, want due %v", k, r, due.UTC())
		}
	}
	if got["day:booker"].User != u.User.ID || !strings.Contains(got["day:booker"].Payload, "王导师") {
		t.Errorf("the returnee's reminder = %+v", got["day:booker"])
	}
	expect(t, e.do("POST", fmt.Sprintf("/api/v1/appointments/%d/cancel", a.ID), u.Token, nil), 200, "")
	for k, r := range rows() {
		if r.Status != "skipped" || r.Skip == nil || *r.Skip != "cancelled" {
			t.Errorf("after cancel %s = %+v", k, r)
		}
	}
}

// staffEnteredMentor has staff enter a returnee (ID number of seq, phone) and make that person a
// mentor before they ever sign in; it returns the mentor.
func (e *env) staffEnteredMentor(admin string, seq int, phone string) mentorAnswer {
	e.t.Helper()
	f := form(seq, "990101")
	f["phone"] = phone
	r := e.do("POST", "/admin/api/v1/returnees", admin, f)
	expect(e.t, r, 201, "")
	var staffRec recordAnswer
	r.json(e.t, &staffRec)
	r = e.do("POST", "/admin/api/v1/mentors", admin, map[string]any{"person_id": staffRec.PersonID, "fields": []string{"ecommerce"},
		"organisation": "咸安区电商协会", "title": "会长", "bio": "十年农村电商经验", "modes": []string{"online"}, "weekly_cap": 5})
	expect(e.t, r, 201, "")
	var m mentorAnswer
	r.json(e.t, &m)
	return m
}

// mentorFlagsAgree fails the test when a user's is_mentor differs from what persons and mentors
// say.
func (e *env) mentorFlagsAgree(when string) {
	e.t.Helper()
	var wrong int
	if err := e.db.Get(&wrong, `SELECT COUNT(*) FROM users u WHERE u.is_mentor <> EXISTS (SELECT 1 FROM persons p
		JOIN mentors m ON m.person_id = p.id WHERE p.user_id = u.id AND m.status = 'active')`); err != nil || wrong != 0 {
		e.t.Fatalf("%s: users whose is_mentor is not what mentors says: %d (%v)", when, wrong, err)
	}
}

// TestMe_mentorFlagFollowsTheMentorRecord: /me's mentor flag is a copy kept on the user's row;
// it follows a mentor made before the person signed in (then claimed), a pause and a return,
// and always equals what persons and mentors say.
func TestMe_mentorFlagFollowsTheMentorRecord(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	seedRegions(t, e)
	admin := e.staffToken("admin", adminPasswd)
	m := e.staffEnteredMentor(admin, 31, "13677778888")

	mentorFlag := func(when string, tok string) bool {
		t.Helper()
		r := e.do("GET", "/api/v1/me", tok, nil)
		expect(t, r, 200, "")
		var me struct {
			Mentor bool     `json:"mentor"`
			Roles  []string `json:"roles"`
		}
		r.json(t, &me)
		if me.Mentor != (len(me.Roles) == 1 && me.Roles[0] == "mentor") {
			t.Fatalf("%s: /me = %s: mentor and roles disagree", when, r.Body)
		}
		e.mentorFlagsAgree(when)
		return me.Mentor
	}
	me := e.registrant("o_mentor_later", "13677778888")
	if mentorFlag("before the claim", me) {
		t.Fatal("a user who has not claimed the mentor's person is a mentor")
	}
	expect(t, e.do("PUT", "/api/v1/me/returnee", me, form(31, "990101")), 200, "")
	if !mentorFlag("after the claim", me) {
		t.Fatal("the person made a mentor before signing in is not a mentor after claiming")
	}
	for _, step := range []struct {
		status string
		want   bool
	}{{"paused", false}, {"active", true}, {"retired", false}} {
		r := e.do("PATCH", fmt.Sprintf("/admin/api/v1/mentors/%d", m.ID), admin, map[string]any{"version": m.Version, "status": step.status})
		expect(t, r, 200, "")
		r.json(t, &m)
		if got := mentorFlag("mentor "+step.status, me); got != step.want {
			t.Fatalf("mentor %s: /me mentor = %v, want %v", step.status, got, step.want)
		}
	}
}

// TestMe_mentorFlagWhenAClaimRacesAPause: a staff member pauses a mentor at the moment that
// person claims their record. Both succeed (the two transactions lock the person first, so they
// wait for each other rather than deadlock), and the flag ends as the mentor record says.
func TestMe_mentorFlagWhenAClaimRacesAPause(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	seedRegions(t, e)
	admin := e.staffToken("admin", adminPasswd)
	for i := range 6 {
		seq, phone := 40+i, fmt.Sprintf("1367777%04d", i)
		m := e.staffEnteredMentor(admin, seq, phone)
		tok := e.registrant(fmt.Sprintf("o_race_%d", i), phone)

		var claim, pause response
		var wg sync.WaitGroup
		wg.Go(func() { claim = e.do("PUT", "/api/v1/me/returnee", tok, form(seq, "990101")) })
		wg.Go(func() {
			pause = e.do("PATCH", fmt.Sprintf("/admin/api/v1/mentors/%d", m.ID), admin, map[string]any{"version": m.Version, "status": "paused"})
		})
		wg.Wait()
		expect(t, claim, 200, "")
		expect(t, pause, 200, "")
		if r := e.do("GET", "/api/v1/me", tok, nil); strings.Contains(string(r.Body), `"mentor"`) {
			t.Fatalf("round %d: a paused mentor's /me = %s", i, r.Body)
		}
		e.mentorFlagsAgree(fmt.Sprintf("round %d", i))
	}
}
