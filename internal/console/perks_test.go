package console_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"huixiang/internal/demo"
	"huixiang/internal/points"
)

// hrssPerk is the id of a demo perk of 区人社局.
func hrssPerk(e *env) int64 {
	e.t.Helper()
	ps, err := e.app.Points.AllPerks(context.Background(), adminActor())
	if err != nil {
		e.t.Fatal(err)
	}
	for _, p := range ps {
		if p.ProviderCode == "区人社局" {
			return p.ID
		}
	}
	e.t.Fatal("no demo perk of 区人社局")
	return 0
}

func init() {
	mayPoints := map[role]int{dept: 200, districtR: 200}
	addPages(
		pageCase{Route: "GET /perks", Want: mayPoints, Shows: map[role][]string{
			dept:      {"权益管理", "创业培训课程一期（演示）", "新建权益"},
			districtR: {"咸安博物馆年卡（演示）", "区文旅局"}}},
		pageCase{Route: "GET /perks/new", Want: mayPoints, Shows: map[role][]string{dept: {"新建权益", "区直部门只能管理本单位提供的权益"}}},
		pageCase{Route: "GET /perks/:id/edit", Path: func(e *env) string { return fmt.Sprintf("/perks/%d/edit", hrssPerk(e)) },
			Want: mayPoints, Shows: map[role][]string{dept: {"修改权益", "区人社局"}}},
		pageCase{Route: "GET /verify", Want: mayPoints, Shows: map[role][]string{dept: {"核销", "verify-input", "autofocus"}}},
	)
}

// TestPerks_departmentCreatesAndHidesAPerk: 区人社局 creates a perk (its own provider), sees it
// in the list, hides it, and cannot open another department's perk.
func TestPerks_departmentCreatesAndHidesAPerk(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.as(dept)
	if l := c.get("/console/perks"); strings.Contains(l.Body, "咸安博物馆年卡") {
		t.Fatal("区人社局 sees 区文旅局's perk")
	}
	form := url.Values{"name": {"技能培训补贴券"}, "category": {"education"}, "points_price": {"50"}, "stock": {"20"},
		"per_person_limit": {"1"}, "valid_from": {"2026-01-01"}, "valid_until": {"2030-12-31"}, "visible": {"visible"},
		"description": {"凭券到区人社局报名"}, "provider_code": {"区文旅局"}}
	list := c.follow(c.postForm("/console/perks", form))
	list.mustShow(t, "已新建权益“技能培训补贴券”", "技能培训补贴券", "教育培训", "2030-12-31", "兑换中")
	var id int64
	ps, _ := e.app.Points.AllPerks(t.Context(), adminActor())
	for _, p := range ps {
		if p.Name == "技能培训补贴券" {
			id = p.ID
			if p.ProviderCode != "区人社局" {
				t.Fatalf("provider %q, want the department's own", p.ProviderCode)
			}
		}
	}
	edit := c.get(fmt.Sprintf("/console/perks/%d/edit", id))
	edit.mustShow(t, `value="技能培训补贴券"`, `value="20"`, "2030-12-31")
	form.Set("visible", "hidden")
	form.Set("stock", "")
	list = c.follow(c.postForm(fmt.Sprintf("/console/perks/%d", id), form))
	list.mustShow(t, "已保存权益“技能培训补贴券”", "已隐藏", "不限")
	bad := c.postForm("/console/perks", url.Values{"name": {""}, "category": {"education"}, "points_price": {"10"}, "valid_from": {"2026-01-01"}, "valid_until": {"2026-12-31"}})
	if bad.Status != http.StatusUnprocessableEntity || !strings.Contains(bad.Body, "请填写权益名称") {
		t.Fatalf("a perk without a name: %d %s", bad.Status, bad.Body)
	}
	var museum int64
	for _, p := range ps {
		if p.ProviderCode == "区文旅局" {
			museum = p.ID
		}
	}
	if got := c.get(fmt.Sprintf("/console/perks/%d/edit", museum)); got.Status != http.StatusNotFound {
		t.Fatalf("another department's perk: %d", got.Status)
	}
}

// TestVerify_voucherOnceWithCodeOrQR: demo_hrss verifies a demo voucher by its QR payload, sees
// 核销成功 with the perk and the holder's masked name; the same code again is already used; a
// code that does not exist is not found.
func TestVerify_voucherOnceWithCodeOrQR(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	// Seeding the points demo again (newEnv seeded it once) adds nothing.
	var out strings.Builder
	vs, err := demo.PointsVouchers(t.Context(), e.app, &out)
	if err != nil {
		t.Fatal(err)
	}
	if out.String() != "" {
		t.Fatalf("the second seed created points data again:\n%s", out.String())
	}
	if len(vs) != 3 || vs[0].Code == vs[1].Code {
		t.Fatalf("demo vouchers: %+v", vs)
	}
	sum, err := e.app.Points.Summary(t.Context(), pointsPerson(e, "欧阳明"), 0)
	if err != nil || sum.Balance != 150-40 {
		t.Fatalf("欧阳明's balance after seeding twice: %d (%v), want 110", sum.Balance, err)
	}
	c := e.as(dept)
	ok := c.postForm("/console/verify", url.Values{"code": {points.QRPrefix + vs[0].Code}})
	if ok.Status != http.StatusOK {
		t.Fatalf("verify: %d %s", ok.Status, ok.Body)
	}
	ok.mustShow(t, "核销成功", vs[0].PerkName, "持券人：欧**", "verify-ok")
	again := c.postForm("/console/verify", url.Values{"code": {strings.ToLower(vs[0].Code)}})
	again.mustShow(t, "已使用", "不能重复使用", "verify-fail")
	none := c.postForm("/console/verify", url.Values{"code": {"ABCDEFGHJKMN"}})
	none.mustShow(t, "未找到该券")
	if got := e.as(townA).postForm("/console/verify", url.Values{"code": {vs[1].Code}}); got.Status != http.StatusForbidden {
		t.Fatalf("a township clerk verifies: %d", got.Status)
	}
}
