package demo

import (
	"context"
	"errors"
	"fmt"
	"io"

	"huixiang/internal/alumni"
	"huixiang/internal/app"
	"huixiang/internal/points"
)

// pointsPeople are demo alumni who signed in through the mini program (demo openids, no
// WeChat), registered, were approved, earned points and redeemed 区人社局 perks: their unused
// vouchers are what demo_hrss verifies on the 核销 page.
var pointsPeople = []struct {
	openID, name, birth, phone string
	grants                     []pointsGrant
	redeem                     []string // perk names, one voucher each
}{
	{"demo-points-1", "欧阳明", "19830405", "13907169001",
		[]pointsGrant{{"talent_referral", "DEMO-YJ-2026-001", "引荐 2 名电商人才回乡创业"}, {"expert_consultation", "DEMO-ZJ-2026-014", "为茶叶合作社提供技术咨询"}},
		[]string{"创业培训课程一期（演示）", "创业培训课程一期（演示）"}},
	{"demo-points-2", "司马兰", "19870919", "13907169002",
		[]pointsGrant{{"talent_referral", "DEMO-YJ-2026-002", "引荐软件工程师回乡就业"}, {"talent_referral", "DEMO-YJ-2026-003", "引荐护理人员回乡就业"}, {"event_attendance", "DEMO-HD-2026-001", "参加 2026 年校友返乡座谈会"}},
		[]string{"创业园工位三个月（演示）"}},
	{"demo-points-3", "诸葛亮平", "19900228", "13907169003",
		[]pointsGrant{{"expert_consultation", "DEMO-ZJ-2026-021", "为返乡创业项目提供法律咨询"}}, nil},
}

type pointsGrant struct{ rule, reference, note string }

// seedPoints creates the demo alumni above with their points and vouchers. Everything is keyed
// (openid, ID number, grant reference, redemption key), so seeding twice adds nothing; the
// voucher codes are printed every time so a demo user can verify one.
func seedPoints(ctx context.Context, a *app.App, out io.Writer) error {
	vs, err := PointsVouchers(ctx, a, out)
	if err != nil {
		return err
	}
	for _, v := range vs {
		fmt.Fprintf(out, "seed: demo voucher %s (%s, %s) for demo_hrss to verify at /console/verify\n", v.Code, v.PerkName, v.Status)
	}
	return nil
}

// PointsVouchers seeds the demo points people (when needed) and returns their vouchers in the
// order above (a repeated redemption returns the first one again). Tests use it to find a code
// to verify.
func PointsVouchers(ctx context.Context, a *app.App, out io.Writer) ([]points.Voucher, error) {
	perks, err := a.Points.AllPerks(ctx, seedActor)
	if err != nil {
		return nil, err
	}
	perkID := map[string]int64{}
	for _, p := range perks {
		perkID[p.Name] = p.ID
	}
	var vouchers []points.Voucher
	for i, d := range pointsPeople {
		uid, err := a.Accounts.DemoPointsUser(ctx, d.openID, d.phone)
		if err != nil {
			return nil, err
		}
		rec, err := a.Alumni.Mine(ctx, uid)
		if errors.Is(err, alumni.ErrNotRegistered) || errors.Is(err, alumni.ErrNoPerson) {
			rec, err = a.Alumni.SaveMine(ctx, uid, alumni.Input{Name: d.name, IDCard: demoIDNumber(d.birth, 50+i),
				SchoolCode: "xa_yizhong", EntryYear: 1998 + i*4, Offers: []string{"talent"}})
			if err == nil {
				fmt.Fprintf(out, "seed: created demo alumnus %s (signed in as %s)\n", d.name, d.openID)
			}
		}
		if err != nil {
			return nil, fmt.Errorf("alumnus %s: %w", d.name, err)
		}
		if rec.Status == alumni.StatusPending {
			if rec, err = a.Alumni.Review(ctx, seedActor, rec.PersonID, alumni.Review{Decision: "approve", Version: rec.Version}); err != nil {
				return nil, fmt.Errorf("approve %s: %w", d.name, err)
			}
		}
		for _, g := range d.grants {
			_, err := a.Points.Grant(ctx, seedActor, points.GrantInput{PersonID: rec.PersonID, Rule: g.rule, Reference: g.reference, Note: g.note})
			switch {
			case errors.Is(err, points.ErrDuplicateReference):
			case err != nil:
				return nil, fmt.Errorf("grant %s to %s: %w", g.rule, d.name, err)
			default:
				fmt.Fprintf(out, "seed: granted %s points to %s\n", g.rule, d.name)
			}
		}
		for j, name := range d.redeem {
			id, ok := perkID[name]
			if !ok {
				return nil, fmt.Errorf("demo perk %s missing", name)
			}
			v, _, err := a.Points.Redeem(ctx, rec.PersonID, id, fmt.Sprintf("%s-redeem-%d", d.openID, j+1))
			if err != nil {
				return nil, fmt.Errorf("redeem %s for %s: %w", name, d.name, err)
			}
			vouchers = append(vouchers, v)
		}
	}
	return vouchers, nil
}
