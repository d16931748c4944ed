package demo

import (
	"context"
	"fmt"
	"io"
	"time"

	"huixiang/internal/actor"
	"huixiang/internal/app"
	"huixiang/internal/project"
	"huixiang/internal/projectteam"
	"huixiang/internal/sqldb"
)

// demoProject is an investment project of the demo (none in 官埠桥镇, so that its township
// account shows the empty list, as the console's page tests expect): entered (策划) at fraction from of the
// demo's span and taken one step at a time to status at fraction to (see demoDay).
type demoProject struct {
	name, industry, chain, link, township, stage, partner, desc string
	wan, mu                                                     int64
	status                                                      string
	from, to                                                    float64
	publish                                                     bool
}

var demoProjects = []demoProject{
	{"贺胜桥镇青砖茶精深加工项目", "C15", "food", "精深加工", "990102", "已完成可研，厂房选址已定",
		"有茶叶加工或茶饮经营经验的企业", "依托贺胜桥镇万亩茶园，建设青砖茶、茶饮料精深加工生产线和茶叶仓储中心，年加工茶叶 5000 吨。",
		3000, 50, project.Signed, 0.05, 0.3, true},
	{"汀泗桥镇智能终端电子元器件配套项目", "C39", "electronics", "零部件配套", "990105", "标准厂房已建成",
		"电子元器件、智能终端制造企业", "在汀泗桥镇工业园建设电子元器件、连接器和智能终端配套生产线，服务武汉、深圳电子信息产业链。",
		8000, 80, project.Started, 0.0, 0.2, true},
	{"桂花镇桂花食品深加工项目", "C13", "food", "上游原料", "990103", "已投产",
		"食品加工、农副产品经营企业", "以桂花镇桂花种植基地为原料，建设桂花糕、桂花酒、桂花茶等食品深加工生产线。",
		2000, 30, project.Producing, 0.0, 0.5, true},
	{"向阳湖镇生物医药中间体项目", "C27", "biomedicine", "原料药与中间体", "990104", "环评前期工作中",
		"医药制造、生物制药企业", "建设生物医药中间体和中药提取生产基地，配套质量检测中心，打造区生物医药产业链的上游环节。",
		12000, 120, project.Negotiating, 0.2, 0.6, true},
	{"汀泗桥镇纺织服装产业园项目", "C18", "textile", "成衣加工", "990105", "园区规划已批复",
		"服装加工、纺织品贸易企业", "建设纺织服装产业园，引进成衣加工、服饰设计和电商直播企业，吸纳返乡人员就业。",
		5000, 100, project.Promoting, 0.4, 0.7, true},
	{"咸安通用设备零部件配套项目", "C34", "equipment", "零部件配套", "990103", "项目包装中",
		"通用设备、机械加工企业", "为区内装备制造龙头企业配套生产通用设备零部件，建设精密机械加工车间。",
		4000, 60, project.Packaging, 0.6, 0.8, true},
	{"贺胜桥镇苎麻纺织项目", "C17", "textile", "上游原料", "990102", "项目策划中",
		"纺织企业、苎麻种植合作社", "利用咸安苎麻资源，建设苎麻脱胶、纺纱和麻纺织品生产线。",
		1500, 40, project.Planning, 0.85, 0.85, false},
	{"向阳湖镇农产品冷链物流项目", "F51", "", "冷链仓储", "990104", "已终止",
		"农产品批发、冷链物流企业", "建设农产品冷链仓储和批发交易中心，服务向阳湖镇蔬菜、水产品外销。",
		3000, 45, project.Terminated, 0.1, 0.5, false},
}

// path is the statuses a demo project passes after 策划, in order (a terminated one is ended
// while 推介).
func (d demoProject) path() []string {
	if d.status == project.Terminated {
		return []string{project.Packaging, project.Promoting, project.Terminated}
	}
	var out []string
	for _, s := range project.Statuses[1:] {
		if s == project.Terminated {
			break
		}
		out = append(out, s)
		if s == d.status {
			break
		}
	}
	if d.status == project.Planning {
		return nil
	}
	return out
}

// demoBaselines are the approval times (days from signing) before the plan, as staff entered them.
var demoBaselines = map[string]int{projectteam.Approval: 30, projectteam.Land: 90, projectteam.PlanningPermit: 120,
	projectteam.ConstructionPermit: 150, projectteam.Start: 180, projectteam.Production: 365}

// reachedMilestones is how many milestones a project of status has reached.
var reachedMilestones = map[string]int{project.Signed: 2, project.Started: 5, project.Producing: 6}

// seedProjects creates the demo projects that do not exist yet (by name), takes them to their
// status on their dates, publishes them, and gives the signed ones their service team and
// milestones (when they have none). It returns the projects' ids by name.
func seedProjects(ctx context.Context, a *app.App, admin actor.Actor, out io.Writer) (map[string]int64, error) {
	now := time.Now()
	clock := now
	svc := project.NewService(a.DB, func() time.Time { return clock })
	ids := map[string]int64{}
	for _, d := range demoProjects {
		page, err := a.Projects.List(ctx, admin, project.Query{Name: d.name}, sqldb.PageRequest{PageSize: sqldb.MaxPageSize})
		if err != nil {
			return nil, err
		}
		for _, p := range page.Items {
			if p.Name == d.name {
				ids[d.name] = p.ID
			}
		}
		if ids[d.name] != 0 {
			continue
		}
		fen, mu := d.wan*10000*100, d.mu*100
		in := project.Input{Name: &d.name, IndustryCode: &d.industry, ChainLink: &d.link, TownshipCode: &d.township,
			InvestmentFen: &fen, LandMuHundredths: &mu, Stage: &d.stage, PartnerWanted: &d.partner,
			ContactDepartment: ptr(investDepartment), ContactPerson: ptr("招商服务中心项目组"), Description: &d.desc}
		if d.chain != "" {
			in.ChainCode = &d.chain
		}
		clock = demoDay(now, d.from).Add(12 * time.Hour)
		p, err := svc.Create(ctx, admin, in)
		clock = now
		if err != nil {
			return nil, fmt.Errorf("%s: %w", d.name, err)
		}
		ids[d.name] = p.ID
		steps := d.path()
		for k, to := range steps {
			on := demoDay(now, d.from+(d.to-d.from)*float64(k+1)/float64(len(steps)))
			mv := project.MoveInput{To: to, On: isoDay(on)}
			if to == project.Terminated {
				mv.Note = "投资方资金链调整，项目终止"
			}
			if p, err = svc.Move(ctx, admin, p.ID, mv); err != nil {
				return nil, fmt.Errorf("%s: move to %s: %w", d.name, to, err)
			}
		}
		if d.publish {
			if _, err := svc.Publish(ctx, admin, p.ID); err != nil {
				return nil, fmt.Errorf("%s: publish: %w", d.name, err)
			}
		}
		fmt.Fprintf(out, "seed: created demo project %s (%s)\n", d.name, project.StatusNames[d.status])
	}
	if err := seedTeams(ctx, a, admin, ids, out); err != nil {
		return nil, err
	}
	return ids, nil
}

// seedTeams sets the approval baselines (when none is set), and each signed demo project's team
// (admin leads, 区招商服务中心 serves, demo_invest is the cadre) and milestones, where missing.
func seedTeams(ctx context.Context, a *app.App, admin actor.Actor, ids map[string]int64, out io.Writer) error {
	bs, err := a.ProjectTeams.Baselines(ctx, admin)
	if err != nil {
		return err
	}
	var in projectteam.BaselinesInput
	for _, b := range bs {
		if b.Days == nil {
			in.Baselines = append(in.Baselines, projectteam.BaselineInput{Milestone: b.Milestone, Days: ptr(demoBaselines[b.Milestone])})
		}
	}
	if len(in.Baselines) == len(projectteam.Milestones) {
		if _, err := a.ProjectTeams.SetBaselines(ctx, admin, in); err != nil {
			return fmt.Errorf("baselines: %w", err)
		}
		fmt.Fprintln(out, "seed: set the demo approval baselines")
	}
	cadre, err := staffActor(ctx, a, "demo_invest")
	if err != nil {
		return err
	}
	today := demoDay(time.Now(), 1)
	for _, d := range demoProjects {
		reached, ok := reachedMilestones[d.status]
		if !ok {
			continue
		}
		id := ids[d.name]
		v, err := a.ProjectTeams.Team(ctx, admin, id)
		if err != nil {
			return fmt.Errorf("%s: team: %w", d.name, err)
		}
		if v.Team == nil {
			if _, err := a.ProjectTeams.SetTeam(ctx, admin, id, projectteam.TeamInput{LeaderID: admin.ID, Department: investDepartment,
				CadreID: cadre.ID}); err != nil {
				return fmt.Errorf("%s: team: %w", d.name, err)
			}
			fmt.Fprintf(out, "seed: set the service team of demo project %s\n", d.name)
		}
		ms, err := a.ProjectTeams.Milestones(ctx, admin, id)
		if err != nil {
			return fmt.Errorf("%s: milestones: %w", d.name, err)
		}
		set := false
		for _, m := range ms.Items {
			set = set || m.PlannedOn != nil || m.ActualOn != nil
		}
		if set || ms.SignedOn == nil {
			continue
		}
		signed, err := time.ParseInLocation(time.DateOnly, *ms.SignedOn, today.Location())
		if err != nil {
			return err
		}
		span := int(today.Sub(signed).Hours() / 24)
		var list []projectteam.MilestoneInput
		for i, code := range projectteam.Milestones {
			m := projectteam.MilestoneInput{Milestone: code}
			if i < reached {
				// Reached: 立项 on the day of the signing, the others spread between signing and
				// today, in order.
				m.ActualOn = ptr(isoDay(signed.AddDate(0, 0, span*i/reached)))
				m.PlannedOn = ptr(isoDay(signed.AddDate(0, 0, demoBaselines[code]*3/4)))
			} else if i == reached && span >= 3 {
				// The next one was planned for a few days ago: overdue.
				m.PlannedOn = ptr(isoDay(today.AddDate(0, 0, -2)))
			} else {
				m.PlannedOn = ptr(isoDay(today.AddDate(0, 0, 30*(i-reached+1))))
			}
			list = append(list, m)
		}
		if _, err := a.ProjectTeams.SetMilestones(ctx, admin, id, projectteam.MilestonesInput{Milestones: list}); err != nil {
			return fmt.Errorf("%s: milestones: %w", d.name, err)
		}
		fmt.Fprintf(out, "seed: set the approval milestones of demo project %s\n", d.name)
	}
	return nil
}
