package httpapi_test

import (
	"fmt"
	"testing"
	"time"
)

// 十大杰出校友: the district opens the selection, two alumni nominate themselves in the mini
// program, a third is nominated by staff; review stays within the quota; publishing shows the
// list to people and gives the winners the 杰出校友 grade and their points once.
func TestSelections_nominateReviewPublish_winnersGraded(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	seedRegions(t, e)
	admin := e.staffToken("admin", adminPasswd)
	// A window around today wherever the test runs (Beijing's date may be tomorrow's in UTC).
	opens, closes := time.Now().AddDate(0, 0, -1).Format(time.DateOnly), time.Now().AddDate(0, 0, 1).Format(time.DateOnly)
	in := map[string]any{"year": time.Now().Year(), "kind": "outstanding_alumni", "title": "年度十大杰出校友", "quota": 1,
		"opens_on": opens, "closes_on": closes, "grade_code": "distinguished", "points_rule": "outstanding_alumnus"}
	r := e.do("POST", "/admin/api/v1/selections", admin, in)
	expect(t, r, 201, "")
	var sel struct {
		ID   int64 `json:"id"`
		Open bool  `json:"nominations_open"`
	}
	r.json(t, &sel)
	expect(t, e.do("POST", "/admin/api/v1/selections", admin, in), 409, "DUPLICATE")

	tokA, pidA := e.approvedAlumnus(admin, "o_sel_a", 301)
	tokB, _ := e.approvedAlumnus(admin, "o_sel_b", 302)
	_, pidC := e.alumnus("o_sel_c", 303)
	nominate := fmt.Sprintf("/api/v1/selections/%d/nominations", sel.ID)
	r = e.do("POST", nominate, tokA, map[string]any{"statement": "返乡创办茶叶合作社，带动 30 户增收。"})
	expect(t, r, 201, "")
	var nA struct {
		ID int64 `json:"id"`
	}
	r.json(t, &nA)
	expect(t, e.do("POST", nominate, tokA, map[string]any{"statement": "再报一次"}), 409, "DUPLICATE")
	expect(t, e.do("POST", nominate, tokB, map[string]any{"statement": ""}), 422, "VALIDATION_FAILED")
	r = e.do("POST", nominate, tokB, map[string]any{"statement": "捐资助学十年。"})
	expect(t, r, 201, "")
	var nB struct {
		ID int64 `json:"id"`
	}
	r.json(t, &nB)
	stranger := e.signIn("o_sel_stranger").Token
	expect(t, e.do("POST", nominate, stranger, map[string]any{"statement": "我也想参加"}), 422, "NOT_REGISTERED")
	expect(t, e.do("POST", fmt.Sprintf("/admin/api/v1/selections/%d/nominations", sel.ID), admin,
		map[string]any{"person_id": pidC, "statement": "镇里推荐"}), 201, "")

	review := func(nid int64, status string) response {
		return e.do("POST", fmt.Sprintf("/admin/api/v1/selections/%d/nominations/%d/review", sel.ID, nid), admin, map[string]any{"status": status})
	}
	expect(t, review(nA.ID, "selected"), 200, "")
	expect(t, review(nB.ID, "selected"), 409, "QUOTA_FULL")
	expect(t, review(nB.ID, "rejected"), 200, "")

	var list struct {
		Items []struct {
			ID      int64 `json:"id"`
			Winners []struct {
				Name string `json:"name"`
			} `json:"winners"`
		} `json:"items"`
	}
	e.do("GET", "/api/v1/selections", tokB, nil).json(t, &list)
	if len(list.Items) != 1 || len(list.Items[0].Winners) != 0 {
		t.Fatalf("before publication: %+v", list)
	}
	for range 2 { // publishing again gives nothing twice
		expect(t, e.do("POST", fmt.Sprintf("/admin/api/v1/selections/%d/publish", sel.ID), admin, nil), 200, "")
	}
	e.do("GET", "/api/v1/selections", tokB, nil).json(t, &list)
	if len(list.Items) != 1 || len(list.Items[0].Winners) != 1 {
		t.Fatalf("published list: %+v", list)
	}
	expect(t, review(nB.ID, "selected"), 409, "NOMINATIONS_CLOSED")
	var grade string
	e.db.Get(&grade, `SELECT COALESCE(grade_code, '') FROM alumni WHERE person_id = ?`, pidA)
	var earned int
	e.db.Get(&earned, `SELECT COUNT(*) FROM points_entries WHERE person_id = ? AND rule_code = 'outstanding_alumnus'`, pidA)
	if grade != "distinguished" || earned != 1 {
		t.Fatalf("winner: grade %q, %d points entries", grade, earned)
	}
}
