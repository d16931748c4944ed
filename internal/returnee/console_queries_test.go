package returnee_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"huixiang/internal/actor"
	"huixiang/internal/person"
	"huixiang/internal/pii"
	"huixiang/internal/region"
	"huixiang/internal/returnee"
	"huixiang/internal/sqldb"
	"huixiang/internal/testenv"
)

// sortedService is a registry on a fresh database with two townships of two villages each.
func sortedService(t *testing.T) *returnee.Service {
	t.Helper()
	db := testenv.MySQL(t)
	ctx := context.Background()
	district := "990100"
	if err := region.Upsert(ctx, db, region.Region{Code: district, Level: 1, Name: "咸安区"}, 0); err != nil {
		t.Fatal(err)
	}
	for _, tw := range []string{"990101", "990102"} {
		if err := region.Upsert(ctx, db, region.Region{Code: tw, ParentCode: &district, Level: 2, Name: "镇" + tw}, 0); err != nil {
			t.Fatal(err)
		}
		for j := 1; j <= 2; j++ {
			if err := region.Upsert(ctx, db, region.Region{Code: fmt.Sprintf("%s%03d", tw, j), ParentCode: &tw, Level: 3, Name: "村"}, j); err != nil {
				t.Fatal(err)
			}
		}
	}
	box, err := pii.New(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	return returnee.NewService(db, person.NewStore(box), region.NewService(db, time.Minute), noUsers{}, passAll{},
		slog.New(slog.NewTextHandler(io.Discard, nil)), 180, 1000, time.Minute)
}

func TestListSorted_ordersFiltersAndCounts(t *testing.T) {
	t.Parallel()
	svc := sortedService(t)
	admin := actor.Staff(1, "admin", actor.DistrictAdmin, "", "")
	ctx := t.Context()
	back := returnee.Date{Time: time.Date(2025, 2, 1, 0, 0, 0, 0, time.UTC)}
	for i, p := range []struct{ name, town string }{{"赵六", "990101"}, {"陈二", "990101"}, {"王五", "990102"}} {
		in := returnee.Input{Name: p.name, IDCard: idNumber(900 + i), Phone: fmt.Sprintf("1390715%04d", i), TownshipCode: p.town,
			VillageCode: p.town + "001", Status: "returned", ReturnedOn: &back, Intention: "none"}
		if _, err := svc.Create(ctx, admin, in); err != nil {
			t.Fatalf("%s: %v", p.name, err)
		}
		time.Sleep(2 * time.Millisecond) // distinct updated_at
	}
	names := func(p returnee.Page) (out []string) {
		for _, r := range p.Items {
			out = append(out, r.Name)
		}
		return out
	}
	cases := []struct {
		sort   string
		filter returnee.Filter
		who    actor.Actor
		want   []string
	}{
		{"", returnee.Filter{}, admin, []string{"王五", "陈二", "赵六"}}, // newest change first
		{"-updated", returnee.Filter{}, admin, []string{"王五", "陈二", "赵六"}},
		{"confirmed", returnee.Filter{}, admin, []string{"赵六", "陈二", "王五"}},
		{"updated", returnee.Filter{Township: "990101"}, admin, []string{"赵六", "陈二"}},
		{"-confirmed", returnee.Filter{}, actor.Staff(2, "t", actor.Township, "", "990101"), []string{"陈二", "赵六"}},
		{"name; DROP TABLE persons", returnee.Filter{Name: "王"}, admin, []string{"王五"}}, // unknown: the default order
		{"name", returnee.Filter{Status: "returned"}, admin, []string{"王五", "陈二", "赵六"}},
	}
	for _, c := range cases {
		p, err := svc.ListSorted(ctx, c.who, c.filter, c.sort)
		if err != nil {
			t.Fatalf("%q: %v", c.sort, err)
		}
		if got := names(p); fmt.Sprint(got) != fmt.Sprint(c.want) || p.Total != len(c.want) {
			t.Errorf("sort %q filter %+v: %v (total %d), want %v", c.sort, c.filter, got, p.Total, c.want)
		}
		if len(p.Items) > 0 && (p.Items[0].IDCard == "" || p.Items[0].IDCard == idNumber(900)) {
			t.Errorf("not masked: %q", p.Items[0].IDCard)
		}
	}
	// Paging: the second page of one row each.
	p, err := svc.ListSorted(ctx, admin, returnee.Filter{PageRequest: sqldb.PageRequest{Page: 2, PageSize: 1}}, "confirmed")
	if err != nil || len(p.Items) != 1 || p.Items[0].Name != "陈二" || p.Total != 3 {
		t.Errorf("page 2: %v %+v", err, names(p))
	}
}
