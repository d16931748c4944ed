package demo

import (
	"context"
	"fmt"
	"io"
	"time"

	"huixiang/internal/actor"
	"huixiang/internal/app"
	"huixiang/internal/appeal"
	"huixiang/internal/match"
	"huixiang/internal/sqldb"
	"huixiang/internal/visit"
)

// demoMatchMoves are the pairs staff have moved along 推荐 → 已联系 → 有意向 → 考察, each move with
// its note.
var demoMatchMoves = []struct {
	project, merchant string
	moves             [][2]string // status, note
}{
	{"贺胜桥镇青砖茶精深加工项目", "陈国华", [][2]string{{match.Contacted, "电话联系，对青砖茶深加工很感兴趣"},
		{match.Interested, "随深圳湖北商会考察团来咸，有投资意向"}, {match.Visiting, "已到贺胜桥镇实地考察茶园和厂房选址"}}},
	{"汀泗桥镇智能终端电子元器件配套项目", "刘建平", [][2]string{{match.Contacted, "赴深圳拜访时当面推介"}}},
	{"向阳湖镇生物医药中间体项目", "张德明", [][2]string{{match.Contacted, "赴上海拜访时推介，约定下月来咸考察"}}},
}

// seedMatches makes the demo match moves of the pairs nobody moved yet, and the self-registered
// merchant's 感兴趣 in the tea project (said once: a second time changes nothing).
func seedMatches(ctx context.Context, a *app.App, admin actor.Actor, merchants, projects map[string]int64, out io.Writer) error {
	for _, d := range demoMatchMoves {
		pid, mid := projects[d.project], merchants[d.merchant]
		if pid == 0 || mid == 0 {
			return fmt.Errorf("no demo project %s or merchant %s", d.project, d.merchant)
		}
		h, err := a.Matches.History(ctx, pid, mid)
		if err != nil {
			return err
		}
		if len(h) > 0 {
			continue
		}
		for _, mv := range d.moves {
			if _, err := a.Matches.Move(ctx, admin, pid, mid, match.MoveInput{Status: mv[0], Note: mv[1]}); err != nil {
				return fmt.Errorf("%s × %s: %s: %w", d.project, d.merchant, mv[0], err)
			}
		}
		fmt.Fprintf(out, "seed: moved the demo match %s × %s\n", d.project, d.merchant)
	}
	uid, err := a.Accounts.DemoUser(ctx, selfMerchantOpenID, "13907179999")
	if err != nil {
		return err
	}
	created, err := a.Matches.Interest(ctx, uid, projects[demoProjects[0].name])
	if err != nil {
		return fmt.Errorf("interest: %w", err)
	}
	if created {
		fmt.Fprintf(out, "seed: demo merchant %s is interested in %s\n", selfMerchant.name, demoProjects[0].name)
	}
	return nil
}

// demoFollowup is a follow-up of a demo visit: open and due days after the seed, or overdue
// (due two days before the seed), or done (it was due days after the visit).
type demoFollowup struct {
	task    string
	due     int
	overdue bool
	done    string // the note when done
}

// demoVisit is a visit out, a delegation in or an event of the demo, at fraction at of the
// demo's span.
type demoVisit struct {
	kind, title, place, leader, leaderTitle, participants, result, outcome string
	at                                                                     float64
	merchants, projects                                                    []string
	followups                                                              []demoFollowup
}

var demoVisits = []demoVisit{
	{visit.KindOut, "赴深圳拜访咸安籍企业家（演示）", "广东省深圳市", "陈志勇", "区委常委、常务副区长", "区招商服务中心、贺胜桥镇、汀泗桥镇",
		visit.ResultIntent, "拜访深圳湖北商会和 3 位咸安籍企业家，推介青砖茶精深加工、电子元器件配套项目，陈国华表示有投资意向。", 0.15,
		[]string{"陈国华", "刘建平", "孙卫东"}, []string{"贺胜桥镇青砖茶精深加工项目", "汀泗桥镇智能终端电子元器件配套项目"},
		[]demoFollowup{{task: "寄送青砖茶项目可研报告和用地资料", due: 7, done: "已寄送，陈国华已收到"},
			{task: "邀请深圳湖北商会组团来咸考察", due: 20, done: "商会考察团已来咸"}}},
	{visit.KindIn, "深圳湖北商会考察团来咸考察（演示）", "咸安区贺胜桥镇", "陈志勇", "区委常委、常务副区长", "区招商服务中心、贺胜桥镇",
		visit.ResultSigned, "考察团参观茶园和标准厂房，青砖茶精深加工项目现场签约。", 0.3,
		[]string{"陈国华"}, []string{"贺胜桥镇青砖茶精深加工项目"},
		[]demoFollowup{{task: "组建项目服务专班，办理立项手续", due: 10, done: "服务专班已组建，立项已办结"}}},
	{visit.KindOut, "赴杭州对接纺织服装企业（演示）", "浙江省杭州市", "刘晓东", "副区长", "区招商服务中心、汀泗桥镇",
		visit.ResultContacted, "走访杭州湖北商会和 2 家纺织企业，推介汀泗桥镇纺织服装产业园。", 0.45,
		[]string{"王春梅", "周丽华"}, []string{"汀泗桥镇纺织服装产业园项目"},
		[]demoFollowup{{task: "提供产业园招商政策和厂房租金方案", due: 14}}},
	{visit.KindOut, "赴上海拜访生物医药企业（演示）", "上海市", "刘晓东", "副区长", "区招商服务中心、向阳湖镇",
		visit.ResultIntent, "拜访上海康源医药等 2 家企业，推介生物医药中间体项目，约定来咸考察。", 0.55,
		[]string{"张德明", "郑晓光"}, []string{"向阳湖镇生物医药中间体项目"},
		[]demoFollowup{{task: "落实生物医药项目环评前期条件并反馈企业", overdue: true}}},
	{visit.KindIn, "北京咸宁企业商会来咸座谈（演示）", "咸安区", "陈志勇", "区委常委、常务副区长", "区招商服务中心",
		visit.ResultContacted, "座谈回乡投资意向，介绍“3+2”产业链和重点招商项目。", 0.65,
		[]string{"李志刚", "何建军"}, []string{"向阳湖镇生物医药中间体项目", "汀泗桥镇纺织服装产业园项目"},
		[]demoFollowup{{task: "整理商会企业投资意向清单", due: 21}}},
	{visit.KindEvent, "楚商回乡恳谈会（演示）", "咸安区", "陈志勇", "区委常委、常务副区长", "各乡镇、区直相关部门",
		visit.ResultIntent, "120 余位在外咸安籍企业家参会，集中推介 5 个招商项目，3 位企业家现场表达投资意向。", 0.8,
		[]string{"陈国华", "王春梅", "唐秀珍", "邓志远", "韩立新"},
		[]string{"咸安通用设备零部件配套项目", "汀泗桥镇纺织服装产业园项目", "向阳湖镇生物医药中间体项目"},
		[]demoFollowup{{task: "逐一回访有意向的企业家", due: 30}}},
}

// seedVisits records the demo visits that do not exist yet (by title) with their follow-ups.
func seedVisits(ctx context.Context, a *app.App, admin actor.Actor, merchants, projects map[string]int64, out io.Writer) error {
	have := map[string]bool{}
	for page := 1; ; page++ {
		p, err := a.Visits.List(ctx, admin, visit.Query{}, sqldb.PageRequest{Page: page, PageSize: sqldb.MaxPageSize})
		if err != nil {
			return err
		}
		for _, v := range p.Items {
			have[v.Title] = true
		}
		if page*sqldb.MaxPageSize >= p.Total {
			break
		}
	}
	cadre, err := staffActor(ctx, a, "demo_invest")
	if err != nil {
		return err
	}
	now := time.Now()
	today := demoDay(now, 1)
	for _, d := range demoVisits {
		if have[d.title] {
			continue
		}
		on := demoDay(now, d.at)
		overdue := false
		for _, f := range d.followups {
			overdue = overdue || f.overdue
		}
		if early := today.AddDate(0, 0, -10); overdue && on.After(early) {
			on = early // an overdue follow-up needs a visit some days ago
		}
		var mids, pids []int64
		for _, n := range d.merchants {
			mids = append(mids, merchants[n])
		}
		for _, n := range d.projects {
			pids = append(pids, projects[n])
		}
		v, err := a.Visits.Create(ctx, admin, visit.Input{Kind: &d.kind, Title: &d.title, VisitedOn: ptr(isoDay(on)), Place: &d.place,
			LeaderName: &d.leader, LeaderTitle: &d.leaderTitle, Participants: &d.participants, Result: &d.result, Outcome: &d.outcome,
			MerchantIDs: &mids, ProjectIDs: &pids})
		if err != nil {
			return fmt.Errorf("%s: %w", d.title, err)
		}
		for _, f := range d.followups {
			due := today.AddDate(0, 0, f.due) // open: due in f.due days
			switch {
			case f.done != "":
				due = on.AddDate(0, 0, f.due)
			case f.overdue:
				due = today.AddDate(0, 0, -2)
			}
			fu, err := a.Visits.AddFollowup(ctx, admin, v.ID, visit.FollowupInput{Task: f.task, OwnerStaffID: &cadre.ID,
				OwnerDepartment: investDepartment, DueOn: isoDay(due)})
			if err != nil {
				return fmt.Errorf("%s: follow-up: %w", d.title, err)
			}
			if f.done != "" {
				if _, err := a.Visits.Done(ctx, cadre, v.ID, fu.ID, visit.DoneInput{Note: f.done}); err != nil {
					return fmt.Errorf("%s: follow-up done: %w", d.title, err)
				}
			}
		}
		fmt.Fprintf(out, "seed: recorded demo visit %s\n", d.title)
	}
	return nil
}

// demoRequest is a request of a demo user (openid), submitted days ago and taken to stage:
// submitted, assigned (overdue: its due date has passed), replied, or closed and rated.
type demoRequest struct {
	openID, phone, township, category, text, stage string
	days                                           int
}

var demoRequests = []demoRequest{
	{selfMerchantOpenID, "13907179999", "", "land_labor", "计划在贺胜桥镇投资青砖茶加工厂，想了解工业用地的供地方式和价格，以及招工方面有哪些支持。", "closed", 40},
	{"demo-alumnus-03", "13907161002", "990104", "permit", "在向阳湖镇筹建生物医药研发中心，环评和施工许可办理进度较慢，希望协调加快。", "overdue", 20},
	{"demo-alumnus-04", "13907161003", "990101", "finance", "返乡创办电子配件企业，需要 300 万元流动资金贷款，想了解贴息和担保政策。", "replied", 12},
	{"demo-alumnus-05", "13907161004", "990103", "policy", "想在桂花镇发展桂花深加工，请问有哪些农产品加工扶持政策？", "submitted", 2},
}

// seedRequests submits the demo requests whose user has not submitted that text, and takes
// each to its stage. The steps run on a request service whose clock is set to the day of each
// step (no content check: the text is the demo's own), so the timeline and the overdue one
// are as a real request's would be.
func seedRequests(ctx context.Context, a *app.App, admin actor.Actor, out io.Writer) error {
	handler, err := staffActor(ctx, a, "demo_invest")
	if err != nil {
		return err
	}
	clock := time.Now()
	svc := appeal.NewService(a.DB, a.Uploads, a.Notify, nil)
	svc.SetClock(func() time.Time { return clock })
	for _, d := range demoRequests {
		uid, err := a.Accounts.DemoUser(ctx, d.openID, d.phone)
		if err != nil {
			return err
		}
		mine, err := svc.Mine(ctx, uid)
		if err != nil {
			return err
		}
		seen := false
		for _, r := range mine {
			seen = seen || r.Text == d.text
		}
		if seen {
			continue
		}
		now := time.Now()
		at := func(day int, hour time.Duration) time.Time {
			return now.AddDate(0, 0, -d.days+day).Add(-6*time.Hour + hour)
		}
		clock = at(0, 0)
		r, err := svc.Create(ctx, uid, appeal.Input{Category: d.category, Text: d.text, TownshipCode: d.township})
		if err != nil {
			return fmt.Errorf("%s: %w", d.openID, err)
		}
		if d.stage != "submitted" {
			clock = at(0, time.Hour)
			due := d.days / 2
			if d.stage == "overdue" {
				due = 7
			}
			if _, err = svc.Assign(ctx, admin, r.ID, appeal.AssignInput{Department: investDepartment,
				DueDate: isoDay(clock.AddDate(0, 0, due)), Note: "请区招商服务中心牵头办理"}); err != nil {
				return fmt.Errorf("%s: assign: %w", d.openID, err)
			}
		}
		if d.stage == "replied" || d.stage == "closed" {
			clock = at(d.days/3, 0)
			if _, err = svc.Reply(ctx, handler, r.ID, "已会同相关部门研究，具体政策和办理路径已电话告知，详见附件说明。"); err != nil {
				return fmt.Errorf("%s: reply: %w", d.openID, err)
			}
		}
		if d.stage == "closed" {
			clock = at(d.days/3+1, 0)
			if _, err = svc.Close(ctx, handler, r.ID, "诉求已办结"); err != nil {
				return fmt.Errorf("%s: close: %w", d.openID, err)
			}
			clock = at(d.days/3+2, 0)
			if _, err = svc.Rate(ctx, uid, r.ID, appeal.RateInput{Rating: appeal.RatingSatisfied, Comment: "办理及时，很满意"}); err != nil {
				return fmt.Errorf("%s: rate: %w", d.openID, err)
			}
		}
		fmt.Fprintf(out, "seed: submitted demo request of %s (%s)\n", d.openID, d.stage)
	}
	return nil
}
