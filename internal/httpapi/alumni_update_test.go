package httpapi_test

import (
	"fmt"
	"testing"
)

func TestAlumnusUpdate_savesStaleVersionAndIdentityKept(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.staffToken("admin", adminPasswd)
	a := e.putAlumnus(e.registrant("o_upd", "13855557777"), alumnusForm(7))
	path := fmt.Sprintf("/admin/api/v1/alumni/%d", a.PersonID)

	body := alumnusForm(7)
	delete(body, "name")
	delete(body, "id_card")
	body["title"] = "高级工程师"
	body["version"] = a.Version
	r := e.do("PUT", path, admin, body)
	expect(t, r, 200, "")
	var got alumnusAnswer
	r.json(t, &got)
	if got.Title != "高级工程师" || got.Version != a.Version+1 || got.Name != "李四" || got.Status != a.Status {
		t.Fatalf("updated = %+v", got)
	}
	// The version read before is stale now.
	expect(t, e.do("PUT", path, admin, body), 409, "STALE_VERSION")
	// Another name is refused: staff edit never changes a person's identity.
	body["version"] = got.Version
	body["name"] = "王八"
	expect(t, e.do("PUT", path, admin, body), 409, "PERSON_EXISTS")
	body["name"] = "李四"
	body["school_code"] = "nowhere"
	expect(t, e.do("PUT", path, admin, body), 422, "VALIDATION_FAILED")
	expect(t, e.do("PUT", "/admin/api/v1/alumni/999999", admin, body), 404, "NOT_FOUND")

	// Self-registered: no claim listed.
	r = e.do("GET", "/admin/api/v1/alumni/claims", admin, nil)
	expect(t, r, 200, "")
	var claims struct {
		Items []struct {
			PersonID int64 `json:"person_id"`
		} `json:"items"`
		Total int `json:"total"`
	}
	r.json(t, &claims)
	for _, c := range claims.Items {
		if c.PersonID == a.PersonID {
			t.Fatalf("a self-registration listed as a claim: %+v", claims)
		}
	}
}

func TestAlumniClaims_listsStaffEntryClaimed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.staffToken("admin", adminPasswd)
	body := alumnusForm(8)
	body["phone"] = "13933335555"
	expect(t, e.do("POST", "/admin/api/v1/alumni", admin, body), 201, "")
	mine := e.putAlumnus(e.registrant("o_al_claims", "13933335555"), alumnusForm(8))
	r := e.do("GET", "/admin/api/v1/alumni/claims", admin, nil)
	expect(t, r, 200, "")
	var claims struct {
		Items []struct {
			PersonID   int64  `json:"person_id"`
			IDCard     string `json:"id_card"`
			SchoolName string `json:"school_name"`
			UserID     int64  `json:"user_id"`
		} `json:"items"`
		Total int `json:"total"`
	}
	r.json(t, &claims)
	if claims.Total != 1 || len(claims.Items) != 1 || claims.Items[0].PersonID != mine.PersonID || claims.Items[0].UserID == 0 ||
		claims.Items[0].SchoolName == "" || claims.Items[0].IDCard == idNumber(8) {
		t.Fatalf("claims = %s", r.Body)
	}
}
