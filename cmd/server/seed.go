package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"huixiang/internal/actor"
	"huixiang/internal/app"
	"huixiang/internal/region"
	"huixiang/internal/staff"
)

// demoStaff are the console accounts `make run` creates. Township codes starting 99 are demo
// codes, not official ones. They share the bootstrap password, which lives only in the
// environment (.env.dev in development).
var demoStaff = []staff.NewAccount{
	{Username: "demo_hrss", DisplayName: "区人社局（演示）", Role: actor.Department, Department: "区人社局"},
	{Username: "demo_guanbuqiao", DisplayName: "官埠桥镇（演示）", Role: actor.Township, TownshipCode: "990101"},
	{Username: "demo_heshengqiao", DisplayName: "贺胜桥镇（演示）", Role: actor.Township, TownshipCode: "990102"},
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

func seed(ctx context.Context, a *app.App, out io.Writer) error {
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
	for _, d := range demoStaff {
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
	return nil
}
