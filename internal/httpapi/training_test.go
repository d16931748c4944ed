package httpapi_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"huixiang/internal/cn"
)

type trackAnswer struct {
	ID           int64   `json:"id"`
	PersonName   string  `json:"person_name"`
	Township     string  `json:"township"`
	Stage        string  `json:"stage"`
	StageName    string  `json:"stage_name"`
	EnrolledOn   string  `json:"enrolled_on"`
	TrainedOn    *string `json:"trained_on"`
	IncubatingOn *string `json:"incubating_on"`
	ParkName     *string `json:"park_name"`
	FollowedUpOn *string `json:"followed_up_on"`
	GraduatedOn  *string `json:"graduated_on"`
	Next         string  `json:"next"`
	NextOn       string  `json:"next_on"`
	Visits       int     `json:"visits"`
}

type trainingClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *trainingClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *trainingClock) day(d string) {
	t, err := time.ParseInLocation(time.DateOnly, d, cn.Zone)
	if err != nil {
		panic(err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t.Add(10 * time.Hour)
}

// createActivity creates an activity of kind starting at starts (2 hours long) crediting minutes
// of training and returns its id and the token of its QR code.
func (e *env) createActivity(admin, title, kind string, minutes int, starts time.Time, capacity *int) (int64, string) {
	e.t.Helper()
	body := map[string]any{"title": title, "kind": kind, "training_minutes": minutes, "starts_at": starts.Format(time.RFC3339),
		"ends_at": starts.Add(2 * time.Hour).Format(time.RFC3339), "points_rule": "event_attendance"}
	if capacity != nil {
		body["capacity"] = *capacity
	}
	r := e.do("POST", "/admin/api/v1/events", admin, body)
	expect(e.t, r, 201, "")
	var ev struct {
		ID              int64  `json:"id"`
		Token           string `json:"token"`
		Kind            string `json:"kind"`
		KindName        string `json:"kind_name"`
		TrainingMinutes int    `json:"training_minutes"`
	}
	r.json(e.t, &ev)
	if ev.Kind != kind || ev.KindName == "" || ev.TrainingMinutes != minutes {
		e.t.Fatalf("created activity = %s", r.Body)
	}
	return ev.ID, ev.Token
}

// A track runs from enrolment to graduation: each stage no earlier than the plan's months after
// the one before (TOO_EARLY names the date), incubation at a park of the service network,
// graduation only with a follow-up visit logged; the record shows the visits and the person's
// activities with the training time credited; every step is audited.
func TestTraining_trackFromEnrolmentToGraduation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	seedRegions(t, e)
	clock := &trainingClock{}
	clock.day("2031-01-10")
	e.app.Trainings.SetClock(clock.Now)
	admin := e.staffToken("admin", adminPasswd)
	tok, personID := e.alumnus("o_track_1", 301)

	r := e.do("POST", "/admin/api/v1/service-points", admin, map[string]any{"name": "咸安区返乡创业园", "kind": "park", "level": "district",
		"lat": 29.8529, "lng": 114.2985})
	expect(t, r, 201, "")
	var park struct{ ID int64 }
	r.json(t, &park)
	r = e.do("POST", "/admin/api/v1/service-points", admin, map[string]any{"name": "零工驿站", "kind": "gig_station", "level": "township",
		"township_code": "990101", "lat": 29.8, "lng": 114.3})
	expect(t, r, 201, "")
	var gig struct{ ID int64 }
	r.json(t, &gig)

	expect(t, e.do("POST", "/admin/api/v1/trainings", admin, map[string]any{"person_id": 999999}), 422, "VALIDATION_FAILED")
	expect(t, e.do("POST", "/admin/api/v1/trainings", admin, map[string]any{"person_id": personID, "on": "2031-01-11"}), 422, "VALIDATION_FAILED")
	r = e.do("POST", "/admin/api/v1/trainings", admin, map[string]any{"person_id": personID, "note": "第一期创业培训班"})
	expect(t, r, 201, "")
	var tr trackAnswer
	r.json(t, &tr)
	if tr.Stage != "enrolled" || tr.EnrolledOn != "2031-01-10" || tr.Next != "train" || tr.NextOn != "2031-02-10" || tr.Township == "" {
		t.Fatalf("enrolled = %s", r.Body)
	}
	expect(t, e.do("POST", "/admin/api/v1/trainings", admin, map[string]any{"person_id": personID}), 409, "ALREADY_ENROLLED")
	act := func(action string, body any) response {
		return e.do("POST", fmt.Sprintf("/admin/api/v1/trainings/%d/%s", tr.ID, action), admin, body)
	}

	r = act("train", nil)
	expect(t, r, 409, "TOO_EARLY")
	if !strings.Contains(string(r.Body), "2031年2月10日") {
		t.Fatalf("too early = %s", r.Body)
	}
	expect(t, act("incubate", map[string]any{"park_id": park.ID}), 409, "INVALID_TRANSITION")
	expect(t, act("visits", map[string]any{"mode": "visit", "note": "上门了解培训情况"}), 409, "INVALID_TRANSITION")
	clock.day("2031-02-12")
	r = act("train", map[string]any{"on": "2031-02-10"})
	expect(t, r, 200, "")
	r.json(t, &tr)
	if tr.Stage != "trained" || *tr.TrainedOn != "2031-02-10" || tr.Next != "incubate" {
		t.Fatalf("trained = %s", r.Body)
	}
	expect(t, act("incubate", nil), 422, "VALIDATION_FAILED")
	expect(t, act("incubate", map[string]any{"park_id": gig.ID}), 422, "VALIDATION_FAILED")
	expect(t, act("incubate", map[string]any{"park_id": park.ID, "on": "2031-02-09"}), 422, "VALIDATION_FAILED") // before trained
	r = act("incubate", map[string]any{"park_id": park.ID})
	expect(t, r, 200, "")
	r.json(t, &tr)
	if tr.Stage != "incubating" || tr.ParkName == nil || *tr.ParkName != "咸安区返乡创业园" || tr.NextOn != "2031-05-12" {
		t.Fatalf("incubating = %s", r.Body)
	}
	expect(t, act("visits", map[string]any{"mode": "visit", "note": "入园第一天，工位已落实"}), 201, "")
	expect(t, act("visits", map[string]any{"mode": "fax", "note": "走访"}), 422, "VALIDATION_FAILED")

	clock.day("2031-05-11")
	expect(t, act("follow-up", nil), 409, "TOO_EARLY")
	clock.day("2031-05-12")
	r = act("follow-up", nil)
	expect(t, r, 200, "")
	r.json(t, &tr)
	if tr.Stage != "followed_up" || tr.NextOn != "2032-05-12" {
		t.Fatalf("followed up = %s", r.Body)
	}
	clock.day("2032-05-12")
	expect(t, act("graduate", nil), 409, "FOLLOW_UP_VISITS_REQUIRED")
	expect(t, act("visits", map[string]any{"mode": "phone", "note": "电话回访：网店月销两万元"}), 201, "")
	r = act("graduate", nil)
	expect(t, r, 200, "")
	tr = trackAnswer{}
	r.json(t, &tr)
	if tr.Stage != "graduated" || *tr.GraduatedOn != "2032-05-12" || tr.Next != "" || tr.Visits != 2 {
		t.Fatalf("graduated = %s", r.Body)
	}
	expect(t, act("withdraw", map[string]any{"note": "外出务工"}), 409, "INVALID_TRANSITION")
	// Another person leaves the track while training: a reason is required; after it nothing moves.
	_, other := e.alumnus("o_track_2", 302)
	r = e.do("POST", "/admin/api/v1/trainings", admin, map[string]any{"person_id": other})
	expect(t, r, 201, "")
	var left trackAnswer
	r.json(t, &left)
	withdraw := fmt.Sprintf("/admin/api/v1/trainings/%d/withdraw", left.ID)
	expect(t, e.do("POST", withdraw, admin, map[string]any{"note": " "}), 422, "VALIDATION_FAILED")
	r = e.do("POST", withdraw, admin, map[string]any{"note": "外出务工"})
	expect(t, r, 200, "")
	left = trackAnswer{}
	r.json(t, &left)
	if left.Stage != "withdrawn" || left.Next != "" || !strings.Contains(string(r.Body), `"withdrawn_on":"2032-05-12"`) {
		t.Fatalf("withdrawn = %s", r.Body)
	}
	expect(t, e.do("POST", fmt.Sprintf("/admin/api/v1/trainings/%d/train", left.ID), admin, nil), 409, "INVALID_TRANSITION")

	// The person checked in at a training activity: the record shows it with its hours.
	ev, token := e.createActivity(admin, "电商创业培训班", "training", 180, time.Now().Add(30*time.Minute), nil)
	expect(t, e.checkIn(tok, ev, token), 200, "")
	r = e.do("GET", fmt.Sprintf("/admin/api/v1/trainings/%d", tr.ID), admin, nil)
	expect(t, r, 200, "")
	var rec struct {
		Track      trackAnswer
		Visits     []struct{ Mode, Note, StaffName string }
		Activities []struct {
			Title       string     `json:"title"`
			KindName    string     `json:"kind_name"`
			CheckedInAt *time.Time `json:"checked_in_at"`
		}
		TrainingMinutes int `json:"training_minutes"`
	}
	r.json(t, &rec)
	if rec.Track.ID != tr.ID || len(rec.Visits) != 2 || rec.Visits[0].Mode != "phone" || len(rec.Activities) != 1 ||
		rec.Activities[0].KindName != "创业培训" || rec.Activities[0].CheckedInAt == nil || rec.TrainingMinutes != 180 {
		t.Fatalf("record = %s", r.Body)
	}

	var actions []string
	if err := e.db.Select(&actions, `SELECT action FROM audit_log WHERE target_type = 'training_track' AND target_id = ? ORDER BY id`,
		fmt.Sprint(tr.ID)); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(actions, " "); got != "training.enrol training.train training.incubate training.visit training.follow_up training.visit training.graduate" {
		t.Fatalf("audit = %s", got)
	}
	// A township clerk does not run the track.
	town := e.staffOf("town_track", "township", "990101")
	expect(t, e.do("GET", "/admin/api/v1/trainings", town, nil), 403, "FORBIDDEN")
	r = e.do("GET", "/admin/api/v1/trainings?stage=graduated", admin, nil)
	expect(t, r, 200, "")
	if !strings.Contains(string(r.Body), `"total":1`) {
		t.Fatalf("list = %s", r.Body)
	}
	expect(t, e.do("GET", "/admin/api/v1/trainings?stage=done", admin, nil), 400, "")
}

// The year's counts: policy talks held and still planned, and the distinct people trained, by a
// training activity's check-in or the track's first stage (one person counted once).
func TestTraining_yearCountsTalksAndPeopleTrained(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	seedRegions(t, e)
	admin := e.staffToken("admin", adminPasswd)
	clock := &trainingClock{}
	clock.day("2031-06-01")
	e.app.Trainings.SetClock(clock.Now)
	at := func(d string) time.Time {
		t, _ := time.ParseInLocation("2006-01-02 15:04", d, cn.Zone)
		return t
	}
	e.createActivity(admin, "一次性创业补贴政策宣讲", "policy_talk", 0, at("2031-03-05 09:00"), nil)
	e.createActivity(admin, "担保贷款政策宣讲", "policy_talk", 0, at("2031-05-31 14:00"), nil)
	e.createActivity(admin, "秋季政策宣讲", "policy_talk", 0, at("2031-09-01 09:00"), nil)
	e.createActivity(admin, "跨年政策宣讲", "policy_talk", 0, at("2030-12-31 23:00"), nil)
	e.createActivity(admin, "返乡创业沙龙", "salon", 0, at("2031-04-01 09:00"), nil)

	// Two people check in at a training this year; one of them also completes the track's first
	// stage in 2031; a third completes it only; a fourth only enrols.
	now := time.Now()
	ev, token := e.createActivity(admin, "创业培训第一期", "training", 240, now.Add(30*time.Minute), nil)
	salon, salonToken := e.createActivity(admin, "沙龙", "salon", 0, now.Add(30*time.Minute), nil)
	var people []int64
	for i := range 4 {
		tok, pid := e.alumnus(fmt.Sprintf("o_count_%d", i), 310+i)
		people = append(people, pid)
		if i < 2 {
			expect(t, e.checkIn(tok, ev, token), 200, "")
		}
		expect(t, e.checkIn(tok, salon, salonToken), 200, "")
	}
	enrol := func(pid int64, on string) int64 {
		r := e.do("POST", "/admin/api/v1/trainings", admin, map[string]any{"person_id": pid, "on": on})
		expect(t, r, 201, "")
		var tr trackAnswer
		r.json(t, &tr)
		return tr.ID
	}
	for _, pid := range people[1:3] {
		id := enrol(pid, "2031-01-04")
		expect(t, e.do("POST", fmt.Sprintf("/admin/api/v1/trainings/%d/train", id), admin, map[string]any{"on": "2031-02-04"}), 200, "")
	}
	enrol(people[3], "2031-05-20")

	type yearStats struct {
		Counts struct {
			PolicyTalks        int `json:"policy_talks"`
			PolicyTalksPlanned int `json:"policy_talks_planned"`
			Trained            int `json:"trained"`
			Enrolled           int `json:"enrolled"`
		} `json:"counts"`
		Targets struct {
			PolicyTalks int `json:"policy_talks"`
			Trained     int `json:"trained"`
		} `json:"targets"`
	}
	stats := func(year int) yearStats {
		r := e.do("GET", fmt.Sprintf("/admin/api/v1/trainings/stats?year=%d", year), admin, nil)
		expect(t, r, 200, "")
		var out yearStats
		r.json(t, &out)
		return out
	}
	s := stats(2031)
	if s.Counts.PolicyTalks != 2 || s.Counts.PolicyTalksPlanned != 1 || s.Counts.Enrolled != 3 || s.Targets.PolicyTalks != 12 ||
		s.Targets.Trained != 1500 {
		t.Fatalf("2031 = %+v", s)
	}
	// The check-ins are today's; the track's first stages 2031's.
	this := now.In(cn.Zone).Year()
	if got := stats(this).Counts.Trained; got != 2 {
		t.Fatalf("trained in %d = %d, want 2 (two check-ins at a training)", this, got)
	}
	if got := s.Counts.Trained; got != 2 {
		t.Fatalf("trained in 2031 = %d, want 2 (two first stages)", got)
	}
	expect(t, e.do("GET", "/admin/api/v1/trainings/stats?year=99", admin, nil), 400, "")
}
