package application

import (
	"slices"
	"testing"

	"huixiang/internal/actor"
)

func TestStaffActionsAndWorkStates(t *testing.T) {
	town := actor.Staff(2, "t", actor.Township, "", "990101")
	dept := actor.Staff(3, "d", actor.Department, "区人社局", "")
	admin := actor.Staff(1, "admin", actor.DistrictAdmin, "", "")
	names := func(ts []Transition) []Action {
		var out []Action
		for _, t := range ts {
			out = append(out, t.Action)
		}
		return out
	}
	for _, c := range []struct {
		a      actor.Actor
		status string
		want   []Action
	}{
		{town, StatusSubmitted, []Action{ActTownshipApprove, ActTownshipReturn, ActTownshipReject}},
		{town, StatusTownshipApproved, nil},
		{dept, StatusSubmitted, nil},
		{dept, StatusTownshipApproved, []Action{ActDistrictApprove, ActDistrictReturn, ActDistrictReject}},
		{dept, StatusApproved, []Action{ActDisburse}},
		{admin, StatusApproved, []Action{ActDisburse}},
		{admin, StatusDisbursed, nil},
		{town, StatusReturned, nil},
	} {
		if got := names(StaffActions(c.a, c.status)); !slices.Equal(got, c.want) {
			t.Errorf("%s on %s: %v, want %v", c.a.Role, c.status, got, c.want)
		}
	}
	if got := WorkStates(town); !slices.Equal(got, []string{StatusSubmitted}) {
		t.Errorf("township work states %v", got)
	}
	if got := WorkStates(dept); !slices.Equal(got, []string{StatusTownshipApproved, StatusApproved}) {
		t.Errorf("department work states %v", got)
	}
	if got := WorkStates(admin); !slices.Equal(got, []string{StatusSubmitted, StatusTownshipApproved, StatusApproved}) {
		t.Errorf("admin work states %v", got)
	}
	if got := QueueStates(dept); !slices.Equal(got, []string{StatusTownshipApproved}) {
		t.Errorf("department queue %v", got)
	}
}
