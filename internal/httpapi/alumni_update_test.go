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
}
