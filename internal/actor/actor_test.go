package actor_test

import (
	"testing"

	"huixiang/internal/actor"
)

func TestQuestions_denyByDefault(t *testing.T) {
	admin := actor.Staff(1, "admin", actor.DistrictAdmin, "", "")
	dept := actor.Staff(2, "hrss", actor.Department, "区人社局", "990101") // a township attribute is dropped
	town := actor.Staff(3, "gbq", actor.Township, "区人社局", "990101")    // a department attribute is dropped
	user := actor.User(4)
	odd := actor.Staff(5, "x", actor.Role("superuser"), "", "")
	cases := []struct {
		name string
		q    func(actor.Actor) bool
		want [5]bool // admin, dept, town, user, odd
	}{
		{"MayWriteRegistry", actor.Actor.MayWriteRegistry, [5]bool{true, false, true, false, false}},
		{"MayReveal", actor.Actor.MayReveal, [5]bool{true, false, true, false, false}},
		{"MayDecideTownship", actor.Actor.MayDecideTownship, [5]bool{true, false, true, false, false}},
		{"MayDecideDistrict", actor.Actor.MayDecideDistrict, [5]bool{true, true, false, false, false}},
		{"MayDisburse", actor.Actor.MayDisburse, [5]bool{true, true, false, false, false}},
		{"MayManageStaff", actor.Actor.MayManageStaff, [5]bool{true, false, false, false, false}},
		{"MayManagePoints", actor.Actor.MayManagePoints, [5]bool{true, true, false, false, false}},
		{"SeesTownship(990101)", func(a actor.Actor) bool { return a.SeesTownship("990101") }, [5]bool{true, true, true, false, false}},
		{"SeesTownship(990102)", func(a actor.Actor) bool { return a.SeesTownship("990102") }, [5]bool{true, true, false, false, false}},
	}
	for _, c := range cases {
		for i, a := range []actor.Actor{admin, dept, town, user, odd} {
			if got := c.q(a); got != c.want[i] {
				t.Errorf("%s(%s %s) = %v, want %v", c.name, a.Kind, a.Role, got, c.want[i])
			}
		}
	}
	seed := actor.Actor{Kind: actor.KindSystem, Name: "seed", Role: actor.DistrictAdmin}
	if !seed.MayManagePoints() || actor.System("job").MayManagePoints() {
		t.Fatal("a system actor acts with the role it is given, and with none without one")
	}
	if dept.Township != "" || town.Department != "" {
		t.Fatalf("scope attributes of another role kept: %+v %+v", dept, town)
	}
	if actor.Staff(6, "t", actor.Township, "", "").ScopeTownship() != actor.NoTownship {
		t.Fatal("township staff without a township must see nothing")
	}
	if town.ScopeTownship() != "990101" || admin.ScopeTownship() != "" || dept.ScopeTownship() != "" {
		t.Fatal("ScopeTownship")
	}
}
