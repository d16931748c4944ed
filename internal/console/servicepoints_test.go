package console_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"huixiang/internal/servicepoint"
)

// liaisonStation creates a service point through the service (test setup).
func liaisonStation(e *env, name string) int64 {
	e.t.Helper()
	t := "990102"
	p, err := e.app.ServicePoints.Create(context.Background(), servicepoint.Input{Name: name, Kind: "liaison_station",
		Level: "township", TownshipCode: &t, Address: "贺胜桥镇人民路 1 号", Phone: "0715-8321234"})
	if err != nil {
		e.t.Fatal(err)
	}
	return p.ID
}

func init() {
	may := map[role]int{dept: 200, districtR: 200}
	addPages(
		pageCase{Route: "GET /service-points", Want: may, Shows: map[role][]string{dept: {"服务网点", "新建服务网点", "零工驿站"}}},
		pageCase{Route: "GET /service-points/new", Want: may, Shows: map[role][]string{
			dept: {"新建服务网点", "GCJ-02", "坐标拾取器", "贺胜桥镇", "入驻企业数"}}},
		pageCase{Route: "GET /service-points/:id", Path: func(e *env) string {
			return fmt.Sprintf("/service-points/%d", liaisonStation(e, "页面测试联络站"))
		},
			Want: may, Shows: map[role][]string{dept: {"修改服务网点", "页面测试联络站", `name="version" value="1"`, "删除这个网点"}}},
	)
}

func spForm() url.Values {
	return url.Values{"name": {"咸安区返乡创业园"}, "kind": {"park"}, "level": {"district"}, "township_code": {""},
		"address": {"咸安区长江产业园 8 号"}, "lat": {"29.8529"}, "lng": {"114.2985"}, "opening_hours": {"周一至周五 8:30-17:30"},
		"phone": {"0715-8321234"}, "services": {"孵化场地、创业辅导"}, "businesses_hosted": {"36"}}
}

// TestServicePoints_createEditFilterRemove: a department clerk adds a park (district level,
// coordinates, businesses hosted), finds it by kind, edits it, a stale edit is refused, and it
// is removed.
func TestServicePoints_createEditFilterRemove(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.as(dept)
	list := c.follow(c.postForm("/console/service-points", spForm()))
	list.mustShow(t, "已新建服务网点“咸安区返乡创业园”", "咸安区返乡创业园", "入驻企业 36 家", "区级", "已标注")
	parks := c.get("/console/service-points?kind=park")
	parks.mustShow(t, "咸安区返乡创业园")
	if got := c.get("/console/service-points?kind=gig_station"); strings.Contains(got.Body, "咸安区返乡创业园") {
		t.Fatal("the kind filter lists a park as 零工驿站")
	}
	ps, err := e.app.ServicePoints.List(t.Context(), servicepoint.Query{Kind: "park"})
	if err != nil || len(ps) == 0 {
		t.Fatalf("%v %v", ps, err)
	}
	loc := fmt.Sprintf("/console/service-points/%d", ps[0].ID)
	c.get(loc).mustShow(t, `value="29.8529"`, `value="114.2985"`, `value="36"`)
	form := spForm()
	form.Set("version", "1")
	form.Set("businesses_hosted", "40")
	c.follow(c.postForm(loc, form)).mustShow(t, "已保存服务网点", "入驻企业 40 家")
	if got := c.postForm(loc, form); got.Status != http.StatusConflict {
		t.Fatalf("stale edit: %d %s", got.Status, got.Body)
	}
	removed := c.follow(c.postForm(loc+"/remove", nil))
	removed.mustShow(t, "已删除服务网点“咸安区返乡创业园”")
	if strings.Contains(c.get("/console/service-points").Body, "入驻企业 40 家") {
		t.Fatal("a removed point is still listed")
	}
	if got := c.get(loc); got.Status != http.StatusNotFound {
		t.Fatalf("a removed point's page: %d", got.Status)
	}
}

// TestServicePoints_formErrors: each mistake a clerk can make is a 422 that says what to fix.
func TestServicePoints_formErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.as(dept)
	for _, tc := range []struct{ field, value, want string }{
		{"name", "", "请填写名称"},
		{"level", "township", "请选择所在镇（街道）"},
		{"lat", "北纬29度", "纬度请填写数字"},
		{"lng", "", "经纬度要一起填写"},
		{"phone", "电话", "电话只能是数字"},
		{"businesses_hosted", "很多", "入驻企业数请填写整数"},
	} {
		form := spForm()
		form.Set(tc.field, tc.value)
		got := c.postForm("/console/service-points", form)
		if got.Status != http.StatusUnprocessableEntity || !strings.Contains(got.Body, tc.want) {
			t.Errorf("%s=%q: %d, want 422 with %q: %s", tc.field, tc.value, got.Status, tc.want, got.Body)
		}
	}
	form := spForm()
	form.Set("lat", "114.2985")
	form.Set("lng", "29.8529")
	if got := c.postForm("/console/service-points", form); got.Status != http.StatusUnprocessableEntity || !strings.Contains(got.Body, "经纬度不在中国境内") {
		t.Errorf("swapped lat/lng: %d %s", got.Status, got.Body)
	}
}
