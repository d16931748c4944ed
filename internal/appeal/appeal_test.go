package appeal

import (
	"errors"
	"testing"
	"time"

	"huixiang/internal/actor"
	"huixiang/internal/cn"
)

func TestDueAt_endOfTheBeijingDay_todayTo90Days(t *testing.T) {
	now := time.Date(2026, 12, 4, 15, 0, 0, 0, time.UTC) // 23:00 in Beijing
	end, err := dueAt("2026-12-04", now)
	if err != nil {
		t.Fatal(err)
	}
	if got := end.In(cn.Zone).Format("2006-01-02 15:04:05.000"); got != "2026-12-04 23:59:59.999" {
		t.Errorf("due = %s, want the end of that Beijing day", got)
	}
	for _, bad := range []string{"2026-12-03", "2027-03-05", "", "12/05/2026"} {
		var fe *FieldError
		if _, err := dueAt(bad, now); !errors.As(err, &fe) || fe.Field != "due_date" {
			t.Errorf("dueAt(%q) = %v, want a due_date field error", bad, err)
		}
	}
	if _, err := dueAt("2027-03-04", now); err != nil {
		t.Errorf("90 days ahead: %v", err)
	}
}

func TestTransitions_whoMayDoWhat(t *testing.T) {
	cases := []struct {
		act    Action
		status string
		want   bool
	}{
		{ActAssign, StatusSubmitted, true}, {ActAssign, StatusAssigned, true}, {ActAssign, StatusReplied, false},
		{ActReply, StatusSubmitted, false}, {ActReply, StatusAssigned, true}, {ActReply, StatusClosed, false},
		{ActClose, StatusReplied, true}, {ActClose, StatusClosed, false},
		{ActRate, StatusClosed, true}, {ActRate, StatusReplied, false},
		{ActReopen, StatusClosed, true}, {ActReopen, StatusAssigned, false},
	}
	for _, c := range cases {
		if got := Can(c.act, c.status); got != c.want {
			t.Errorf("Can(%s, %s) = %v, want %v", c.act, c.status, got, c.want)
		}
	}
	if !IsDispatcher(actor.Staff(1, "admin", actor.DistrictAdmin, "", "")) ||
		IsDispatcher(actor.Staff(2, "hrss", actor.Department, "区人社局", "")) ||
		IsDispatcher(actor.Staff(3, "town", actor.Township, "", "990101")) || IsDispatcher(actor.User(4)) {
		t.Error("only district administrators dispatch")
	}
	dept := actor.Staff(2, "hrss", actor.Department, "区人社局", "")
	if !handles(dept, "区人社局") || handles(dept, "区自然资源局") || handles(dept, "") {
		t.Error("department staff handle only their department's requests")
	}
}
