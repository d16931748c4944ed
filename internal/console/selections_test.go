package console_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"huixiang/internal/actor"
	"huixiang/internal/selection"
)

// openSelection opens a selection of kind through the service (test setup) and returns its id.
func openSelection(e *env, kind string, quota int) int64 {
	e.t.Helper()
	s, err := e.app.Selections.Create(context.Background(), actor.Staff(hrssID(e), "demo_hrss", actor.Department, "区人社局", ""),
		selection.Input{Year: 2026, Kind: kind, Title: "2026 年度优秀创业者", Quota: quota, OpensOn: "2026-01-01", ClosesOn: "2099-12-31"})
	if err != nil {
		e.t.Fatal(err)
	}
	return s.ID
}

func init() {
	may := map[role]int{dept: 200, districtR: 200}
	addPages(
		pageCase{Route: "GET /selections", Want: may, Shows: map[role][]string{dept: {"评选", "设立评选"}}},
		pageCase{Route: "GET /selections/new", Want: may, Shows: map[role][]string{dept: {"设立评选", "入选名额", "十大杰出校友", "自荐截止"}}},
		pageCase{Route: "GET /selections/:id", Path: func(e *env) string {
			return fmt.Sprintf("/selections/%d", openSelection(e, selection.KindOutstandingEntrepreneur, 2))
		}, Want: may, Shows: map[role][]string{dept: {"2026 年度优秀创业者", "公布入选名单", "推荐一位人选", "推荐中"}}},
	)
}

// TestSelections_openNominateReviewPublish: 区人社局 opens a selection in the form, nominates two
// registered people, selects one (the second is refused: one place), and publishes the list.
func TestSelections_openNominateReviewPublish(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.as(dept)
	year := fmt.Sprint(time.Now().Year())
	created := c.postForm("/console/selections", url.Values{"year": {year}, "kind": {"demo_enterprise"}, "title": {"返乡创业示范企业"},
		"quota": {"1"}, "department": {"区人社局"}, "opens_on": {"2026-01-01"}, "closes_on": {"2099-12-31"}, "description": {"带动就业 10 人以上"}})
	if created.Status != http.StatusSeeOther {
		t.Fatalf("create: %d %s", created.Status, created.Body)
	}
	loc := created.Header.Get("Location")
	c.get(loc).mustShow(t, "返乡创业示范企业", "还没有推荐人选", "0</strong> / 1")
	again := c.postForm("/console/selections", url.Values{"year": {year}, "kind": {"demo_enterprise"}, "title": {"再设一次"},
		"quota": {"1"}, "opens_on": {"2026-01-01"}, "closes_on": {"2099-12-31"}})
	if again.Status != http.StatusConflict {
		t.Fatalf("second of the kind and year: %d", again.Status)
	}
	var people []int64
	e.app.DB.Select(&people, `SELECT person_id FROM returnees ORDER BY person_id LIMIT 2`)
	if len(people) != 2 {
		t.Fatalf("demo returnees: %v", people)
	}
	for _, p := range people {
		c.follow(c.postForm(loc+"/nominations", url.Values{"person_id": {fmt.Sprint(p)}, "statement": {"返乡办厂，带动 20 人就业。"}})).mustShow(t, "等待评审")
	}
	var ids []int64
	e.app.DB.Select(&ids, `SELECT id FROM selection_nominations ORDER BY id`)
	c.follow(c.postForm(fmt.Sprintf("%s/nominations/%d/review", loc, ids[0]), url.Values{"status": {"selected"}})).mustShow(t, "入选", "1</strong> / 1")
	full := c.postForm(fmt.Sprintf("%s/nominations/%d/review", loc, ids[1]), url.Values{"status": {"selected"}})
	if full.Status != http.StatusConflict || !strings.Contains(full.Body, "名额已满") {
		t.Fatalf("over the quota: %d %s", full.Status, full.Body)
	}
	done := c.follow(c.postForm(loc+"/publish", nil))
	done.mustShow(t, "已公布", "入选名单（1 人）")
	// The dashboard's yearly target counts published outstanding alumni only (this is 示范企业).
	c.get("/console/").mustShow(t, "年度目标", "十大杰出校友（已公布）", "<strong>0 / 10</strong>")
	if strings.Contains(done.Body, "推荐一位人选") {
		t.Fatal("a published selection still takes nominations")
	}
}
