package httpapi_test

import (
	"fmt"
	"slices"
	"testing"
)

// Staff post an enterprise's need, change it at its version (a stale one is 409) and see the
// approved alumni ranked for it with reasons: the one who offers investment first for a need of
// capital. Township staff see and post only their township's needs.
func TestAlumniNeeds_crudAndMatches(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	seedRegions(t, e)
	admin := e.staffToken("admin", adminPasswd)
	_, investor := e.approvedAlumnus(admin, "o_need_investor", 841)
	_, coder := e.approvedAlumnus(admin, "o_need_coder", 842)
	for _, q := range []struct {
		id                      int64
		industry, title, offers string
	}{{investor, "食品", "投资总监", "investment"}, {coder, "软件", "工程师", "talent"}} {
		if _, err := e.db.Exec(`UPDATE alumni SET industry = ?, title = ?, expertise = '茶饮料渠道与品牌' WHERE person_id = ?`, q.industry, q.title, q.id); err != nil {
			t.Fatal(err)
		}
		if _, err := e.db.Exec(`DELETE FROM alumni_offers WHERE person_id = ?`, q.id); err != nil {
			t.Fatal(err)
		}
		if _, err := e.db.Exec(`INSERT INTO alumni_offers (person_id, code) VALUES (?, ?)`, q.id, q.offers); err != nil {
			t.Fatal(err)
		}
	}

	expect(t, e.do("POST", "/admin/api/v1/alumni-needs", admin, map[string]any{"enterprise": "咸安茶饮料有限公司", "kind": "money", "title": "扩产融资"}),
		422, "VALIDATION_FAILED")
	r := e.do("POST", "/admin/api/v1/alumni-needs", admin, map[string]any{"enterprise": "咸安茶饮料有限公司", "kind": "capital",
		"title": "扩产融资", "industry": "食品", "description": "茶饮料生产线扩产，需要资金 2000 万"})
	expect(t, r, 201, "")
	var need struct {
		ID       int64  `json:"id"`
		KindName string `json:"kind_name"`
		Status   string `json:"status"`
		Version  int    `json:"version"`
	}
	r.json(t, &need)
	if need.KindName != "资金" || need.Status != "open" || need.Version != 1 {
		t.Fatalf("need = %s", r.Body)
	}
	path := fmt.Sprintf("/admin/api/v1/alumni-needs/%d", need.ID)
	expect(t, e.do("GET", path, admin, nil), 200, "")
	expect(t, e.do("PATCH", path, admin, map[string]any{"version": 1, "title": "扩产融资 2000 万"}), 200, "")
	expect(t, e.do("PATCH", path, admin, map[string]any{"version": 1, "status": "closed"}), 409, "STALE_VERSION")

	r = e.do("GET", path+"/matches", admin, nil)
	expect(t, r, 200, "")
	var m struct {
		Items []struct {
			PersonID int64    `json:"person_id"`
			Score    int      `json:"score"`
			Reasons  []string `json:"reasons"`
		} `json:"items"`
	}
	r.json(t, &m)
	if len(m.Items) == 0 || m.Items[0].PersonID != investor || !slices.Contains(m.Items[0].Reasons, "可提供投资，企业需要资金") ||
		!slices.Contains(m.Items[0].Reasons, "同在食品行业") {
		t.Fatalf("matches = %s", r.Body)
	}
	for _, it := range m.Items[1:] {
		if it.Score >= m.Items[0].Score {
			t.Fatalf("not ranked: %s", r.Body)
		}
	}
	r = e.do("GET", "/admin/api/v1/alumni-needs?status=open", admin, nil)
	expect(t, r, 200, "")

	// township staff: their township's needs only; what they post is their township's
	town := e.staffOf("gbq_needs", "township", "990101")
	town2 := e.staffOf("hsq_needs", "township", "990102")
	total := func(token string) int {
		t.Helper()
		r := e.do("GET", "/admin/api/v1/alumni-needs", token, nil)
		expect(t, r, 200, "")
		var p struct {
			Total int `json:"total"`
		}
		r.json(t, &p)
		return p.Total
	}
	if n := total(town); n != 0 {
		t.Fatalf("township staff see %d district needs", n)
	}
	expect(t, e.do("GET", path, town, nil), 404, "NOT_FOUND")
	expect(t, e.do("GET", path+"/matches", town, nil), 404, "NOT_FOUND")
	r = e.do("POST", "/admin/api/v1/alumni-needs", town, map[string]any{"enterprise": "官埠桥茶厂", "kind": "channel",
		"title": "拓展线上渠道", "township_code": "990102"})
	expect(t, r, 201, "")
	var townNeed struct {
		ID       int64  `json:"id"`
		Township string `json:"township_code"`
	}
	r.json(t, &townNeed)
	if townNeed.Township != "990101" {
		t.Fatalf("township staff's need = %s", r.Body)
	}
	townPath := fmt.Sprintf("/admin/api/v1/alumni-needs/%d", townNeed.ID)
	expect(t, e.do("GET", townPath, town, nil), 200, "")
	expect(t, e.do("GET", townPath+"/matches", town, nil), 200, "")
	expect(t, e.do("PATCH", townPath, town, map[string]any{"version": 1, "status": "closed"}), 200, "")
	expect(t, e.do("GET", townPath, town2, nil), 404, "NOT_FOUND")
	expect(t, e.do("PATCH", townPath, town2, map[string]any{"version": 2, "status": "open"}), 404, "NOT_FOUND")
	expect(t, e.do("PATCH", path, town, map[string]any{"version": 2, "status": "closed"}), 404, "NOT_FOUND")
	if a, b, c := total(town), total(town2), total(admin); a != 1 || b != 0 || c != 2 {
		t.Fatalf("needs seen: township %d, another township %d, district %d", a, b, c)
	}
	expect(t, e.do("GET", "/admin/api/v1/alumni-needs/999999/matches", admin, nil), 404, "NOT_FOUND")
}
