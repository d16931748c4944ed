package demo

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"huixiang/internal/appeal"
	"huixiang/internal/cn"
	"huixiang/internal/merchant"
	"huixiang/internal/sqldb"
	"huixiang/internal/visit"
)

// TestSeedChushang_twiceAddsNothing: the 楚商回乡 demo fills what the dashboard shows — an update
// rate near the 90 % target, the year's projects, visits out, delegations in and events with an
// overdue follow-up, approval times against the baseline, requests with an overdue one — and a
// second seed adds nothing.
func TestSeedChushang_twiceAddsNothing(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	ctx := t.Context()
	admin, err := staffActor(ctx, a, "admin")
	if err != nil {
		t.Fatal(err)
	}
	year := time.Now().In(cn.Zone).Year()
	type figures struct {
		merchants, fresh, packaged, signed, out, in, event, overdueFollowups, approvalProjects, requests, overdueRequests, interests int
	}
	count := func() figures {
		t.Helper()
		var f figures
		fr, err := a.Merchants.Freshness(ctx, admin, 0)
		if err != nil {
			t.Fatal(err)
		}
		f.merchants, f.fresh = fr.Total, fr.Fresh
		y, err := a.Projects.Year(ctx, admin, year)
		if err != nil {
			t.Fatal(err)
		}
		f.packaged, f.signed = y.Packaged, y.Signed
		vs, err := a.Visits.Stats(ctx, admin, year)
		if err != nil {
			t.Fatal(err)
		}
		f.out, f.in, f.event, f.overdueFollowups = vs.Out, vs.In, vs.Event, vs.OverdueFollowups
		at, err := a.ProjectTeams.ApprovalTime(ctx, admin, year)
		if err != nil {
			t.Fatal(err)
		}
		if at.OverallChange == nil {
			t.Error("approval time: no change against the baseline")
		}
		f.approvalProjects = at.Projects
		rs, err := a.Appeals.AdminList(ctx, admin, appeal.AdminQuery{})
		if err != nil {
			t.Fatal(err)
		}
		f.requests = len(rs)
		if f.overdueRequests, err = a.Appeals.OverdueCount(ctx, admin); err != nil {
			t.Fatal(err)
		}
		if f.interests, err = a.Matches.InterestCount(ctx, admin, time.Time{}); err != nil {
			t.Fatal(err)
		}
		return f
	}
	first := count()
	want := figures{merchants: len(demoMerchants) + 1, packaged: 7, signed: 3, out: 3, in: 2, event: 1, overdueFollowups: 1,
		approvalProjects: 3, requests: len(demoRequests), overdueRequests: 1, interests: 1}
	want.fresh = first.fresh
	if first != want {
		t.Errorf("figures after the seed:\n got %+v\nwant %+v", first, want)
	}
	if rate := float64(first.fresh) / float64(first.merchants); rate < 0.85 || rate > 0.92 {
		t.Errorf("update rate %.2f, want 0.85–0.92", rate)
	}
	// A merchant's phone is stored sealed and shown masked.
	p, err := a.Merchants.List(ctx, admin, merchant.Filter{Industry: "15"}, sqldb.PageRequest{PageSize: 100})
	if err != nil || p.Total == 0 {
		t.Fatalf("tea merchants: %d %v", p.Total, err)
	}
	rec, err := a.Merchants.Get(ctx, admin, p.Items[0].PersonID)
	if err != nil || !strings.Contains(rec.Phone, "*") || len(rec.Enterprises) == 0 {
		t.Errorf("merchant %s: phone %q, %d enterprises, %v", rec.Name, rec.Phone, len(rec.Enterprises), err)
	}
	// The signed tea project has its team and an overdue milestone.
	projects, err := seedProjects(ctx, a, admin, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	ms, err := a.ProjectTeams.Milestones(ctx, admin, projects[demoProjects[0].name])
	if err != nil {
		t.Fatal(err)
	}
	overdue := 0
	for _, m := range ms.Items {
		if m.Overdue {
			overdue++
		}
	}
	if overdue != 1 {
		t.Errorf("tea project: %d overdue milestones, want 1: %+v", overdue, ms.Items)
	}
	list, err := a.Visits.List(ctx, admin, visit.Query{Overdue: true}, sqldb.PageRequest{PageSize: 10})
	if err != nil || list.Total != 1 {
		t.Errorf("visits with an overdue follow-up: %d %v", list.Total, err)
	}

	var out bytes.Buffer
	if err := seedChushang(ctx, a, &out); err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(out.String()) != "" {
		t.Errorf("second seed says it created: %s", out.String())
	}
	if again := count(); again != first {
		t.Errorf("second seed: %+v, was %+v", again, first)
	}
}
