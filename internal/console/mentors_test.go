package console_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"huixiang/internal/actor"
	"huixiang/internal/mentor"
)

// newMentor makes the first demo returnee a mentor through the service (test setup).
func newMentor(e *env) int64 {
	e.t.Helper()
	var pid int64
	if err := e.app.DB.Get(&pid, `SELECT person_id FROM returnees ORDER BY person_id LIMIT 1`); err != nil {
		e.t.Fatal(err)
	}
	m, err := e.app.Mentors.Create(context.Background(), actor.Staff(hrssID(e), "demo_hrss", actor.Department, "区人社局", ""),
		mentor.Input{PersonID: pid, Profile: mentor.Profile{Fields: []string{"tea"}, Organisation: "咸安茶业协会", Title: "会长",
			Modes: []string{mentor.ModeOnline}, WeeklyCap: 5, SlotMinutes: 60}})
	if err != nil {
		e.t.Fatal(err)
	}
	return m.ID
}

func init() {
	may := map[role]int{dept: 200, districtR: 200}
	addPages(
		pageCase{Route: "GET /mentors", Want: may, Shows: map[role][]string{dept: {"创业导师", "添加导师", "导师预约"}}},
		pageCase{Route: "GET /mentors/new", Want: may, Shows: map[role][]string{dept: {"添加导师", "人员编号", "每周可约时间", "周一", "擅长领域"}}},
		pageCase{Route: "GET /mentors/:id", Path: func(e *env) string { return fmt.Sprintf("/mentors/%d", newMentor(e)) },
			Want: may, Shows: map[role][]string{dept: {"导师资料", "咸安茶业协会", "在岗", `name="version"`}}},
		pageCase{Route: "GET /appointments", Want: may, Shows: map[role][]string{dept: {"导师预约", "没有预约"}}},
	)
}

// TestMentors_addEditPause: 区人社局 adds a mentor in the form (fields, modes, Monday and
// Wednesday afternoons, a holiday), sees the profile read back, and pauses them.
func TestMentors_addEditPause(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.as(dept)
	var pid int64
	e.app.DB.Get(&pid, `SELECT person_id FROM returnees ORDER BY person_id DESC LIMIT 1`)
	form := url.Values{"person_id": {fmt.Sprint(pid)}, "organisation": {"湖北某农业公司"}, "title": {"总经理"}, "bio": {"种茶二十年"},
		"fields": {"tea"}, "modes": {"online", "phone"}, "weekly_cap": {"4"}, "slot_minutes": {"60"},
		"start_1": {"14:00"}, "end_1": {"17:00"}, "start_3": {"14:00"}, "end_3": {"16:00"},
		"exceptions": {"2027-01-28 2027-02-04 春节"}}
	// From a person's page (an alumnus of the expert pool: 设为创业导师) the form starts with them.
	c.get(fmt.Sprintf("/console/mentors/new?person=%d", pid)).mustShow(t, fmt.Sprintf(`value="%d"`, pid))
	created := c.postForm("/console/mentors", form)
	if created.Status != http.StatusSeeOther {
		t.Fatalf("add: %d %s", created.Status, created.Body)
	}
	c.follow(created).mustShow(t, "已添加导师", "湖北某农业公司", "在岗")
	var id int64
	e.app.DB.Get(&id, `SELECT id FROM mentors WHERE person_id = ?`, pid)
	page := c.get(fmt.Sprintf("/console/mentors/%d", id))
	page.mustShow(t, `value="14:00"`, `value="17:00"`, "2027-01-28 2027-02-04 春节", `value="online" checked`)
	again := c.postForm("/console/mentors", form)
	if again.Status == http.StatusSeeOther || !strings.Contains(again.Body, "导师") {
		t.Fatalf("the same person twice: %d %s", again.Status, again.Body)
	}
	m, _ := e.app.Mentors.Get(context.Background(), id)
	form.Set("status", "paused")
	form.Set("version", fmt.Sprint(m.Version))
	saved := c.follow(c.postForm(fmt.Sprintf("/console/mentors/%d", id), form))
	saved.mustShow(t, "已保存导师", "暂停")
}
