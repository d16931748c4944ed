package console_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"huixiang/internal/actor"
	"huixiang/internal/servicepoint"
	"huixiang/internal/training"
)

// firstReturnee is the person id of the first demo returnee.
func firstReturnee(e *env) int64 {
	e.t.Helper()
	var pid int64
	if err := e.app.DB.Get(&pid, `SELECT person_id FROM returnees ORDER BY person_id LIMIT 1`); err != nil {
		e.t.Fatal(err)
	}
	return pid
}

// trackOf is the training track of person pid, enrolled through the service when there is none.
func trackOf(e *env, pid int64) int64 {
	e.t.Helper()
	rec, err := e.app.Trainings.PersonRecord(context.Background(), pid)
	if err != nil {
		e.t.Fatal(err)
	}
	if rec.Track != nil {
		return rec.Track.ID
	}
	t, err := e.app.Trainings.Enrol(context.Background(), actor.Staff(hrssID(e), "demo_hrss", actor.Department, "区人社局", ""),
		training.EnrolInput{PersonID: pid, On: "2026-01-05"})
	if err != nil {
		e.t.Fatal(err)
	}
	return t.ID
}

func init() {
	may := map[role]int{dept: 200, districtR: 200}
	addPages(
		pageCase{Route: "GET /trainings", Want: may, Shows: map[role][]string{dept: {"创业培训", "年度目标", "政策宣讲", "培训人数"}}},
		pageCase{Route: "GET /trainings/:id", Path: func(e *env) string {
			return fmt.Sprintf("/trainings/%d", trackOf(e, firstReturnee(e)))
		}, Want: may, Shows: map[role][]string{dept: {"下一步：培训结业", "走访记录", "参加的活动", "退出培训"}}},
	)
}

// TestTrainings_enrolFromThePersonAndRunTheTrack: 区人社局 opens a returnee's page, enrols them,
// marks each stage (a stage too early is refused with the date it may be marked), incubation at
// the district's park, logs follow-up visits and graduates them; the person's page and the
// dashboard show it.
func TestTrainings_enrolFromThePersonAndRunTheTrack(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.as(dept)
	lat, lng := 29.85, 114.30
	park, err := e.app.ServicePoints.Create(context.Background(), servicepoint.Input{Name: "咸安区返乡创业园", Kind: "park", Level: "district",
		Lat: &lat, Lng: &lng, Address: "咸安区长安大道 1 号", Phone: "0715-8321234"})
	if err != nil {
		t.Fatal(err)
	}
	var pid int64
	if err := e.app.DB.Get(&pid, `SELECT person_id FROM returnees ORDER BY person_id DESC LIMIT 1`); err != nil {
		t.Fatal(err)
	}
	person := fmt.Sprintf("/console/returnees/%d", pid)
	c.get(person).mustShow(t, "创业培训", "还没有加入", "加入创业培训", "参加的活动")

	created := c.postForm("/console/trainings", url.Values{"person_id": {fmt.Sprint(pid)}, "on": {"2025-01-06"}, "note": {"2025 年第一期"}})
	if created.Status != http.StatusSeeOther {
		t.Fatalf("enrol: %d %s", created.Status, created.Body)
	}
	loc := created.Header.Get("Location")
	c.follow(created).mustShow(t, "已加入创业培训", "培训满一个月后（2025-02-06 起）可以标记结业", "下一步：培训结业")
	if again := c.postForm("/console/trainings", url.Values{"person_id": {fmt.Sprint(pid)}}); again.Status != http.StatusConflict ||
		!strings.Contains(again.Body, "已经在培训名单中") {
		t.Fatalf("enrolled twice: %d", again.Status)
	}
	id := strings.TrimPrefix(loc, "/console/trainings/")
	act := func(action string, form url.Values) page {
		return c.postForm("/console/trainings/"+id+"/act/"+action, form)
	}
	early := act("train", url.Values{"on": {"2025-02-05"}})
	if early.Status != http.StatusConflict || !strings.Contains(early.Body, "培训期为 1 个月，最早可在 2025年2月6日 标记") {
		t.Fatalf("too early: %d %s", early.Status, early.Body)
	}
	c.follow(act("train", url.Values{"on": {"2025-02-06"}})).mustShow(t, "已标记培训结业", "下一步：入园孵化", "咸安区返乡创业园")
	c.follow(act("incubate", url.Values{"on": {"2025-02-10"}, "park_id": {fmt.Sprint(park.ID)}})).mustShow(t, "已标记入园孵化",
		"2025-05-10 起可以标记转入跟踪服务", "记录走访")
	c.follow(c.postForm("/console/trainings/"+id+"/visits", url.Values{"on": {"2025-03-01"}, "mode": {"visit"},
		"note": {"入园一个月，网店已开张"}})).mustShow(t, "走访已记录", "入园一个月，网店已开张")
	c.follow(act("follow-up", url.Values{"on": {"2025-05-10"}})).mustShow(t, "已标记转入跟踪服务", "2026-05-10 起可以标记毕业")
	if no := act("graduate", url.Values{"on": {"2026-05-10"}}); no.Status != http.StatusConflict || !strings.Contains(no.Body, "请先记录走访") {
		t.Fatalf("graduate without a visit: %d", no.Status)
	}
	c.follow(c.postForm("/console/trainings/"+id+"/visits", url.Values{"on": {"2026-01-10"}, "mode": {"phone"},
		"note": {"电话回访：月销两万元"}})).mustShow(t, "走访已记录")
	c.follow(act("graduate", url.Values{"on": {"2026-05-10"}})).mustShow(t, "已标记毕业", "已毕业")
	c.get(person).mustShow(t, "已毕业", "2025-02-06 结业", "打开培训记录")
	c.get("/console/trainings?stage=graduated").mustShow(t, "咸安区返乡创业园", "2025-01-06")
	// The dashboard's targets of the year.
	c.get("/console/").mustShow(t, "政策宣讲（已举办）", "培训人数", "/ 1500</strong>", "/ 12</strong>",
		"招商项目（已包装）", "/ 30</strong>", "楚商信息库更新率（180 天内确认", "% / 90%</strong>")
	// A township clerk sees the person's activities but does not run the track.
	if got := e.as(townA).get("/console/trainings/" + id); got.Status != http.StatusForbidden {
		t.Fatalf("township: %d", got.Status)
	}
}
