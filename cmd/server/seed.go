package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"huixiang/internal/app"
	"huixiang/internal/audit"
	"huixiang/internal/staff"
)

// demoStaff are the console accounts `make run` creates. Township codes starting 99 are demo
// codes, not official ones. They share the bootstrap password, which lives only in the
// environment (.env.dev in development).
var demoStaff = []staff.NewAccount{
	{Username: "demo_hrss", DisplayName: "区人社局（演示）", Role: staff.RoleDepartment, Department: "区人社局"},
	{Username: "demo_guanbuqiao", DisplayName: "官埠桥镇（演示）", Role: staff.RoleTownship, TownshipCode: "990101"},
	{Username: "demo_heshengqiao", DisplayName: "贺胜桥镇（演示）", Role: staff.RoleTownship, TownshipCode: "990102"},
}

func seed(ctx context.Context, a *app.App, out io.Writer) error {
	if err := a.PrepareSchema(ctx, 0); err != nil {
		return err
	}
	pw := a.Config.Admin.BootstrapPassword
	if pw == "" {
		return errors.New("seed: HX_ADMIN_BOOTSTRAP_PASSWORD is needed (demo accounts use it)")
	}
	if err := a.Bootstrap(ctx); err != nil {
		return err
	}
	actor := audit.Entry{ActorType: audit.ActorSystem, ActorName: "seed"}
	for _, d := range demoStaff {
		d.Password = pw
		_, err := a.Staff.Create(ctx, actor, d)
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
