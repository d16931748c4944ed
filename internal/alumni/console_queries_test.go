package alumni

import (
	"errors"
	"testing"
	"time"

	"huixiang/internal/actor"
	"huixiang/internal/points"
)

func TestUpdateEvent_changesTimesKeepsTokenAndLocksRuleAfterCheckIn(t *testing.T) {
	t.Parallel()
	s, _ := newTestService(t, 0)
	ctx := t.Context()
	admin := actor.Staff(1, "admin", actor.DistrictAdmin, "", "")
	start := time.Date(2030, 6, 1, 2, 0, 0, 0, time.UTC)
	ev, err := s.CreateEvent(ctx, admin, EventInput{Title: "返校日", StartsAt: start, EndsAt: start.Add(2 * time.Hour), PointsRule: "event_attendance"})
	if err != nil {
		t.Fatal(err)
	}
	later := start.Add(24 * time.Hour)
	opens, closes := later.Add(-30*time.Minute), later.Add(4*time.Hour)
	up, err := s.UpdateEvent(ctx, admin, ev.ID, EventInput{Title: " 返校日（改期） ", StartsAt: later, EndsAt: later.Add(3 * time.Hour),
		CheckinOpensAt: &opens, CheckinClosesAt: &closes, PointsRule: "expert_consultation"})
	if err != nil {
		t.Fatal(err)
	}
	if up.Title != "返校日（改期）" || !up.StartsAt.Equal(later) || !up.CheckinOpensAt.Equal(opens) || !up.CheckinClosesAt.Equal(closes) ||
		up.PointsRule != "expert_consultation" || up.Token != ev.Token || up.QR != ev.QR {
		t.Fatalf("updated = %+v", up)
	}
	// Invalid input is a FieldError and changes nothing.
	var fe *FieldError
	if _, err := s.UpdateEvent(ctx, admin, ev.ID, EventInput{Title: "返校日", StartsAt: later, EndsAt: later, PointsRule: "event_attendance"}); !errors.As(err, &fe) || fe.Field != "ends_at" {
		t.Fatalf("ends before start: %v", err)
	}
	if _, err := s.UpdateEvent(ctx, admin, ev.ID, EventInput{Title: "返校日", StartsAt: later, EndsAt: later.Add(time.Hour), PointsRule: "donation"}); !errors.As(err, &fe) || fe.Field != "points_rule" {
		t.Fatalf("per-amount rule: %v", err)
	}
	// A department that may not grant the rule may not edit the event.
	hrss := actor.Staff(2, "hrss", actor.Department, "区人社局", "")
	if _, err := s.UpdateEvent(ctx, hrss, ev.ID, EventInput{Title: "返校日", StartsAt: later, EndsAt: later.Add(time.Hour), PointsRule: "project_referral"}); !errors.Is(err, points.ErrRuleNotAllowed) {
		t.Fatalf("rule not grantable: %v", err)
	}
	if _, err := s.UpdateEvent(ctx, admin, 999999, EventInput{Title: "返校日", StartsAt: later, EndsAt: later.Add(time.Hour), PointsRule: "event_attendance"}); !errors.Is(err, ErrEventNotFound) {
		t.Fatalf("unknown event: %v", err)
	}
	// Before anyone checked in the rule may change back.
	if _, err := s.UpdateEvent(ctx, admin, ev.ID, EventInput{Title: "返校日", StartsAt: later, EndsAt: later.Add(3 * time.Hour), PointsRule: "event_attendance"}); err != nil {
		t.Fatal(err)
	}
	// After a check-in the rule stays; the times may still change.
	if _, err := s.SaveMine(ctx, 21, input(21)); err != nil {
		t.Fatal(err)
	}
	s.now = func() time.Time { return later }
	if _, err := s.CheckIn(ctx, 21, ev.ID, up.QR); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UpdateEvent(ctx, admin, ev.ID, EventInput{Title: "返校日", StartsAt: later, EndsAt: later.Add(time.Hour), PointsRule: "expert_consultation"}); !errors.As(err, &fe) || fe.Field != "points_rule" {
		t.Fatalf("rule change after check-in: %v", err)
	}
	if _, err := s.UpdateEvent(ctx, admin, ev.ID, EventInput{Title: "返校日", StartsAt: later, EndsAt: later.Add(5 * time.Hour), PointsRule: "event_attendance"}); err != nil {
		t.Fatalf("times after check-in: %v", err)
	}
	att, err := s.Attendees(ctx, ev.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(att) != 1 || att[0].Name != "王五" || att[0].SchoolName != "咸安区实验高中" || att[0].AlumnusStatus != StatusPending || att[0].PointsGranted == nil {
		t.Fatalf("attendees = %+v", att)
	}
	if _, err := s.Attendees(ctx, 999999); !errors.Is(err, ErrEventNotFound) {
		t.Fatalf("attendees of unknown event: %v", err)
	}
}

func TestSearch_byNamePartAndStatus(t *testing.T) {
	t.Parallel()
	s, _ := newTestService(t, 0)
	ctx := t.Context()
	for i, name := range []string{"欧阳娜娜", "欧阳修", "李白"} {
		in := input(30 + i)
		in.Name = name
		if _, err := s.SaveMine(ctx, int64(30+i), in); err != nil {
			t.Fatal(err)
		}
	}
	names := func(f SearchFilter) []string {
		t.Helper()
		f.PageRequest.PageSize = 50
		p, err := s.Search(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range p.Items {
			out = append(out, r.Name)
		}
		return out
	}
	if got := names(SearchFilter{Name: "欧阳"}); len(got) != 2 {
		t.Fatalf("欧阳: %v", got)
	}
	if got := names(SearchFilter{Name: "%"}); len(got) != 0 {
		t.Fatalf("a wildcard is text: %v", got)
	}
	if got := names(SearchFilter{Name: "李", Filter: Filter{Status: StatusApproved}}); len(got) != 0 {
		t.Fatalf("pending 李白 listed as approved: %v", got)
	}
	if got := names(SearchFilter{Name: "李", Filter: Filter{Status: StatusPending}}); len(got) != 1 || got[0] != "李白" {
		t.Fatalf("李 pending: %v", got)
	}
}

func TestUsableForEvents(t *testing.T) {
	per := int64(100000)
	hrss := actor.Staff(2, "hrss", actor.Department, "区人社局", "")
	for _, c := range []struct {
		rule points.Rule
		want bool
	}{
		{points.Rule{Code: "a", Active: true}, true},
		{points.Rule{Code: "b", Active: false}, false},
		{points.Rule{Code: "c", Active: true, PerAmountFen: &per}, false},
		{points.Rule{Code: "d", Active: true, Departments: []string{"区招商中心"}}, false},
		{points.Rule{Code: "e", Active: true, Departments: []string{"区人社局"}}, true},
	} {
		if got := UsableForEvents(c.rule, hrss); got != c.want {
			t.Errorf("%s: %v, want %v", c.rule.Code, got, c.want)
		}
	}
}
