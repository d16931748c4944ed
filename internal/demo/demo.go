// Package demo seeds the demo data of `make run`, the console's screenshots and its tests: demo
// staff of every role, the district's townships (demo codes starting 99), returnees in two
// townships, applications at every stage, alumni, perks and an event. Every record goes through
// the feature services, so the demo obeys the same rules as real data. Seeding twice adds nothing.
package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"huixiang/internal/actor"
	"huixiang/internal/alumni"
	"huixiang/internal/app"
	"huixiang/internal/points"
	"huixiang/internal/region"
	"huixiang/internal/staff"
)

// Staff are the console accounts `make run` creates. Township codes starting 99 are demo
// codes, not official ones. They share the bootstrap password, which lives only in the
// environment (.env.dev in development).
var Staff = []staff.NewAccount{
	{Username: "demo_hrss", DisplayName: "区人社局（演示）", Role: actor.Department, Department: "区人社局"},
	{Username: "demo_guanbuqiao", DisplayName: "官埠桥镇（演示）", Role: actor.Township, TownshipCode: "990101"},
	{Username: "demo_heshengqiao", DisplayName: "贺胜桥镇（演示）", Role: actor.Township, TownshipCode: "990102"},
	{Username: "demo_invest", DisplayName: "区招商服务中心（演示）", Role: actor.Department, Department: "区招商服务中心"},
}

// demoRegions are the district's townships named in the plans and a few others, each with
// three villages. Every code here is a demo code (starting 99), marked is_demo: official codes
// are loaded by staff through the region CSV import.
var demoRegions = []struct {
	code, name string
	villages   []string
}{
	{"990101", "官埠桥镇", []string{"官埠桥村", "鸣水泉村", "东凤村"}},
	{"990102", "贺胜桥镇", []string{"贺胜村", "新屋村", "石门村"}},
	{"990103", "桂花镇", []string{"桂花村", "刘家桥村", "石城村"}},
	{"990104", "向阳湖镇", []string{"向阳湖村", "坳上村", "大屋村"}},
	{"990105", "汀泗桥镇", []string{"汀泗村", "古塘村", "黄荆村"}},
}

func seedRegions(ctx context.Context, a *app.App) error {
	district := "990100"
	if err := region.Upsert(ctx, a.DB, region.Region{Code: district, Level: region.LevelDistrict, Name: "咸安区", IsDemo: true}, 0); err != nil {
		return err
	}
	for i, t := range demoRegions {
		if err := region.Upsert(ctx, a.DB, region.Region{Code: t.code, ParentCode: &district, Level: region.LevelTownship, Name: t.name, IsDemo: true}, i); err != nil {
			return err
		}
		for j, v := range t.villages {
			if err := region.Upsert(ctx, a.DB, region.Region{Code: fmt.Sprintf("%s%03d", t.code, j+1), ParentCode: &t.code,
				Level: region.LevelVillage, Name: v, IsDemo: true}, j); err != nil {
				return err
			}
		}
	}
	return nil
}

// Seed creates the demo data that does not exist yet and prints what it created to out.
func Seed(ctx context.Context, a *app.App, out io.Writer) error {
	if err := a.PrepareSchema(ctx, 0); err != nil {
		return err
	}
	if err := seedRegions(ctx, a); err != nil {
		return fmt.Errorf("seed regions: %w", err)
	}
	pw := a.Config.Admin.BootstrapPassword
	if pw == "" {
		return errors.New("seed: HX_ADMIN_BOOTSTRAP_PASSWORD is needed (demo accounts use it)")
	}
	if err := a.Bootstrap(ctx); err != nil {
		return err
	}
	by := actor.System("seed")
	for _, d := range Staff {
		d.Password = pw
		_, err := a.Staff.Create(ctx, by, d)
		switch {
		case errors.Is(err, staff.ErrUsernameTaken):
		case err != nil:
			return fmt.Errorf("seed %s: %w", d.Username, err)
		default:
			fmt.Fprintf(out, "seed: created demo staff %s (%s)\n", d.Username, d.DisplayName)
		}
	}
	if err := seedPerks(ctx, a, out); err != nil {
		return fmt.Errorf("seed perks: %w", err)
	}
	if err := seedEvent(ctx, a, out); err != nil {
		return fmt.Errorf("seed event: %w", err)
	}
	for _, f := range []struct {
		name string
		fn   func(context.Context, *app.App, io.Writer) error
	}{
		{"returnees", seedReturnees},
		{"applications", seedApplications},
		{"alumni", seedAlumni},
		{"points", seedPoints},
		{"chushang", seedChushang},
	} {
		if err := f.fn(ctx, a, out); err != nil {
			return fmt.Errorf("seed %s: %w", f.name, err)
		}
	}
	return nil
}

// Perks are what alumni can spend points on in a demo; the 区人社局 ones are verified by
// demo_hrss. A perk of that name that exists already is left as it is.
var Perks = []struct {
	name, category, provider, description string
	price                                 int64
	stock                                 *int64
}{
	{"咸安博物馆年卡（演示）", "culture_tourism", "区文旅局", "凭券到咸安博物馆服务台领取年卡", 30, nil},
	{"创业培训课程一期（演示）", "education", "区人社局", "凭券报名区人社局 SYB 创业培训一期", 20, ptr[int64](100)},
	{"创业园工位三个月（演示）", "startup_space", "区人社局", "凭券到创业园管委会办理入驻", 200, ptr[int64](10)},
}

func ptr[T any](v T) *T { return &v }

// seedActor is the seed command, acting with a district administrator's rights (recorded in the
// audit log as the system).
var seedActor = actor.Actor{Kind: actor.KindSystem, Name: "seed", Role: actor.DistrictAdmin}

// seedPerks creates the demo perks that do not exist yet (by name). The seed command runs alone,
// so looking before creating is enough here.
func seedPerks(ctx context.Context, a *app.App, out io.Writer) error {
	have, err := a.Points.AllPerks(ctx, seedActor)
	if err != nil {
		return err
	}
	names := map[string]bool{}
	for _, p := range have {
		names[p.Name] = true
	}
	from, until := time.Now().UTC().Add(-time.Hour), time.Now().UTC().AddDate(1, 0, 0)
	for _, d := range Perks {
		if names[d.name] {
			continue
		}
		in := points.PerkInput{Name: &d.name, Category: &d.category, ProviderCode: &d.provider, PointsPrice: &d.price,
			Stock: d.stock, ValidFrom: &from, ValidUntil: &until, Description: &d.description}
		if _, err := a.Points.CreatePerk(ctx, seedActor, in); err != nil {
			return fmt.Errorf("%s: %w", d.name, err)
		}
		fmt.Fprintf(out, "seed: created demo perk %s\n", d.name)
	}
	return nil
}

// demoEvent is a homecoming day whose check-in is open for 30 days from the seed, worth the
// event_attendance points.
const demoEvent = "2026 咸安校友返乡座谈会（演示）"

func seedEvent(ctx context.Context, a *app.App, out io.Writer) error {
	events, err := a.Alumni.Events(ctx)
	if err != nil {
		return err
	}
	for _, e := range events {
		if e.Title == demoEvent {
			return nil
		}
	}
	now := time.Now().UTC().Truncate(time.Minute)
	opens, closes := now.Add(-time.Hour), now.AddDate(0, 0, 30)
	_, err = a.Alumni.CreateEvent(ctx, seedActor, alumni.EventInput{
		Title: demoEvent, StartsAt: now.AddDate(0, 0, 7), EndsAt: now.AddDate(0, 0, 7).Add(3 * time.Hour),
		CheckinOpensAt: &opens, CheckinClosesAt: &closes, PointsRule: "event_attendance"})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "seed: created demo event %s\n", demoEvent)
	return nil
}
