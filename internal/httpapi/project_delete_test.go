package httpapi_test

import (
	"fmt"
	"sync"
	"testing"
)

// A project entered by mistake is deleted while it is still being planned and nothing names it
// (204, audited, then 404); a packaged one, one a visit names and one with a match move are kept
// (409 PROJECT_IN_USE: terminate it instead); township staff may not delete; of parallel deletes
// exactly one succeeds.
func TestProjects_deleteOnlyWhilePlanningAndUnused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	seedRegions(t, e)
	admin := e.staffToken("admin", adminPasswd)
	town := e.staffOf("del-town", "township", "990101")
	path := func(id int64) string { return fmt.Sprintf("/admin/api/v1/projects/%d", id) }

	p := e.createProject(admin, projectForm("录错的项目", "C15", "food", "990101", 0))
	expect(t, e.do("DELETE", path(p.ID), town, nil), 403, "FORBIDDEN")
	expect(t, e.do("DELETE", path(p.ID), admin, nil), 204, "")
	expect(t, e.do("GET", path(p.ID), admin, nil), 404, "NOT_FOUND")
	expect(t, e.do("DELETE", path(p.ID), admin, nil), 404, "NOT_FOUND")
	var audited int
	if err := e.db.Get(&audited, `SELECT COUNT(*) FROM audit_log WHERE action = 'project.delete' AND target_type = 'project'
		AND target_id = ?`, fmt.Sprint(p.ID)); err != nil || audited != 1 {
		t.Fatalf("audited deletes = %d, %v", audited, err)
	}

	packaged := e.createProject(admin, projectForm("已包装的项目", "C15", "food", "990101", 0))
	expect(t, e.moveProject(admin, packaged.ID, "packaging", nil), 200, "")
	expect(t, e.do("DELETE", path(packaged.ID), admin, nil), 409, "PROJECT_IN_USE")

	visited := e.createProject(admin, projectForm("走访推介过的项目", "C15", "food", "990101", 0))
	v := visitForm("out", "推介项目", "2026-01-05", "")
	v["project_ids"] = []int64{visited.ID}
	e.createVisit(admin, v)
	expect(t, e.do("DELETE", path(visited.ID), admin, nil), 409, "PROJECT_IN_USE")

	matched := e.createProject(admin, projectForm("已对接的项目", "C13", "food", "990101", 0))
	m := e.createMerchant(admin, merchantForm(651, "990101", "13", "广东省", "1000_5000", "tea"))
	expect(t, e.do("PATCH", fmt.Sprintf("/admin/api/v1/projects/%d/matches/%d", matched.ID, m.PersonID), admin,
		map[string]any{"status": "contacted", "note": "电话联系"}), 200, "")
	expect(t, e.do("DELETE", path(matched.ID), admin, nil), 409, "PROJECT_IN_USE")
	for _, id := range []int64{packaged.ID, visited.ID, matched.ID} {
		expect(t, e.do("GET", path(id), admin, nil), 200, "")
	}

	racy := e.createProject(admin, projectForm("同时删除", "C15", "food", "990101", 0))
	const n = 8
	codes := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { codes[i] = e.do("DELETE", path(racy.ID), admin, nil).Status })
	}
	wg.Wait()
	deleted := 0
	for _, c := range codes {
		switch c {
		case 204:
			deleted++
		case 404:
		default:
			t.Fatalf("parallel delete answered %d (%v)", c, codes)
		}
	}
	if deleted != 1 {
		t.Fatalf("parallel deletes: %d succeeded (%v)", deleted, codes)
	}
}
