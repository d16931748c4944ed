package returnee_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"huixiang/internal/actor"
	"huixiang/internal/cn"
	"huixiang/internal/person"
	"huixiang/internal/pii"
	"huixiang/internal/region"
	"huixiang/internal/returnee"
	"huixiang/internal/testenv"
)

func dashboardService(t *testing.T) (*returnee.Service, *sqlx.DB) {
	t.Helper()
	db := testenv.MySQL(t)
	ctx := context.Background()
	district := "990100"
	if err := region.Upsert(ctx, db, region.Region{Code: district, Level: 1, Name: "咸安区"}, 0); err != nil {
		t.Fatal(err)
	}
	for _, tw := range []struct{ code, name string }{{"990101", "官埠桥镇"}, {"990102", "贺胜桥镇"}} {
		if err := region.Upsert(ctx, db, region.Region{Code: tw.code, ParentCode: &district, Level: 2, Name: tw.name}, 0); err != nil {
			t.Fatal(err)
		}
		if err := region.Upsert(ctx, db, region.Region{Code: tw.code + "001", ParentCode: &tw.code, Level: 3, Name: "村"}, 1); err != nil {
			t.Fatal(err)
		}
	}
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	box, _ := pii.New(key)
	svc := returnee.NewService(db, person.NewStore(box), region.NewService(db, 0), noUsers{}, passAll{},
		slog.New(slog.NewTextHandler(io.Discard, nil)), 180, 1000, 0)
	return svc, db
}

// TestDashboard_countsInTheActorsScope: township staff get their township's registrations,
// intentions, intended fields (with the option lists' Chinese labels), stale records and claims;
// the district gets every township's.
func TestDashboard_countsInTheActorsScope(t *testing.T) {
	t.Parallel()
	svc, db := dashboardService(t)
	ctx := t.Context()
	admin := actor.Staff(1, "admin", actor.DistrictAdmin, "", "")
	people := []struct {
		township, intention string
		fields              []string
	}{
		{"990101", "started", []string{"tea", "ecommerce"}},
		{"990101", "preparing", []string{"tea"}},
		{"990101", "started", nil},
		{"990102", "considering", []string{"bamboo"}},
		{"990102", "none", nil},
	}
	ids := make([]int64, len(people))
	for i, p := range people {
		left := returnee.Date{Time: time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC)}
		back := returnee.Date{Time: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
		rec, err := svc.Create(ctx, admin, returnee.Input{Name: names[i], IDCard: idNumber(500 + i), Phone: fmt.Sprintf("139%08d", 500+i),
			TownshipCode: p.township, VillageCode: p.township + "001", Status: "returned", LeftOn: &left, ReturnedOn: &back,
			Intention: p.intention, IntendedFields: p.fields})
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = rec.PersonID
	}
	// One record of each township not confirmed for 200 days; one claimed by a WeChat user.
	old := time.Now().UTC().Add(-200 * 24 * time.Hour)
	db.MustExec(`UPDATE returnees SET confirmed_at = ? WHERE person_id IN (?, ?)`, old, ids[1], ids[3])
	db.MustExec(`UPDATE persons SET claimed_at = UTC_TIMESTAMP(3), user_id = 777 WHERE id = ?`, ids[0])

	townA := actor.Staff(2, "clerk", actor.Township, "", "990101")
	d, err := svc.Dashboard(ctx, townA)
	if err != nil {
		t.Fatal(err)
	}
	if d.Stale != 1 || d.RecentClaims != 1 || d.StaleDays != 180 {
		t.Errorf("township A: stale %d claims %d days %d, want 1 1 180", d.Stale, d.RecentClaims, d.StaleDays)
	}
	month := time.Now().In(cn.Zone).Format("2006-01")
	if len(d.Months) != returnee.DashboardMonths || d.Months[len(d.Months)-1] != month {
		t.Fatalf("months %v, want 12 ending with %s", d.Months, month)
	}
	if len(d.Registrations) != 1 || d.Registrations[0].TownshipName != "官埠桥镇" || d.Registrations[0].Counts[11] != 3 {
		t.Errorf("township A registrations %+v, want 官埠桥镇 with 3 this month", d.Registrations)
	}
	wantIntent := []returnee.LabelCount{{Code: "started", Label: "已创业", Count: 2}, {Code: "preparing", Label: "筹备中", Count: 1}}
	if fmt.Sprint(d.Intentions) != fmt.Sprint(wantIntent) {
		t.Errorf("township A intentions %v, want %v", d.Intentions, wantIntent)
	}
	wantFields := []returnee.LabelCount{{Code: "ecommerce", Label: "农村电商", Count: 1}, {Code: "tea", Label: "茶叶", Count: 2}}
	if fmt.Sprint(d.Fields) != fmt.Sprint(wantFields) {
		t.Errorf("township A fields %v, want %v", d.Fields, wantFields)
	}

	all, err := svc.Dashboard(ctx, admin)
	if err != nil {
		t.Fatal(err)
	}
	if all.Stale != 2 || all.RecentClaims != 1 || len(all.Registrations) != 2 || len(all.Intentions) != 4 || len(all.Fields) != 3 {
		t.Errorf("district: %+v", all)
	}

	// Township staff without a township see nothing, never everything.
	none, err := svc.Dashboard(ctx, actor.Staff(3, "nobody", actor.Township, "", ""))
	if err != nil {
		t.Fatal(err)
	}
	if none.Stale != 0 || len(none.Registrations) != 0 || len(none.Intentions) != 0 || len(none.Fields) != 0 {
		t.Errorf("township staff without a township: %+v", none)
	}
}
