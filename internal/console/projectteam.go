package console

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"huixiang/internal/actor"
	"huixiang/internal/cn"
	"huixiang/internal/projectteam"
)

// The service team pages (一对一帮办) mirror the admin API (internal/httpapi/projectteam.go) and
// call the same projectteam.Service, so the same scope and permission rules apply: the team page
// is 404 to whoever does not see the team; the service refuses what the caller may not change.
func (cs *Console) registerProjectTeams(g *gin.RouterGroup) {
	cs.handle(g, page{Path: "/projects/approval-time", Title: "审批提速", Menu: "招商"}, cs.approvalTime)
	cs.handle(g, page{Method: http.MethodPost, Path: "/projects/approval-time", Title: "审批基线", May: actor.Actor.MayManagePolicies},
		cs.approvalBaselinesSave)
	cs.handle(g, page{Path: "/projects/:id/team", Title: "帮办团队"}, cs.projectTeam)
	cs.handle(g, page{Method: http.MethodPost, Path: "/projects/:id/team", Title: "帮办团队"}, cs.projectTeamSave)
	cs.handle(g, page{Method: http.MethodPost, Path: "/projects/:id/milestones", Title: "审批节点"}, cs.projectMilestonesSave)
}

type teamPageData struct {
	V         *projectteam.TeamView
	M         *projectteam.MilestonesView
	Leaders   []projectteam.StaffOption
	Cadres    []projectteam.StaffOption
	Depts     []string
	Today     string
	Error     string
	Field     string
	TeamError bool
	// Typed are the milestone dates as typed, when the service refused them.
	Typed map[string]string
}

func (cs *Console) renderTeam(r *request, status int, d teamPageData) error {
	id, err := r.ID("id")
	if err != nil {
		return err
	}
	if d.V, err = cs.d.ProjectTeams.Team(r.Ctx(), r.Actor(), id); err != nil {
		return err
	}
	if d.M, err = cs.d.ProjectTeams.Milestones(r.Ctx(), r.Actor(), id); err != nil {
		return err
	}
	if d.V.MaySet {
		if d.Leaders, d.Cadres, d.Depts, err = cs.d.ProjectTeams.Options(r.Ctx(), r.Actor()); err != nil {
			return err
		}
	}
	if d.Typed != nil {
		for i, m := range d.M.Items {
			p, a := d.Typed["planned_"+m.Milestone], d.Typed["actual_"+m.Milestone]
			d.M.Items[i].PlannedOn = &p
			// A date following the project's status stays shown beside an empty box.
			if !m.FromStatus || a != "" {
				d.M.Items[i].ActualOn, d.M.Items[i].FromStatus = &a, false
			}
		}
	}
	d.Today = time.Now().In(cn.Zone).Format(time.DateOnly)
	return r.Page(status, "projects/team", "", d.V.ProjectName+" · 帮办团队", d)
}

func (cs *Console) projectTeam(r *request) error {
	return cs.renderTeam(r, http.StatusOK, teamPageData{})
}

// formFailed shows the page again with the message (a server error, a refusal or a missing
// project is shown as such).
func (cs *Console) teamFormFailed(r *request, d teamPageData, err error) error {
	p := Problem(err)
	if p.Status >= 500 || p.Status == http.StatusNotFound || p.Status == http.StatusForbidden {
		return err
	}
	d.Error, d.Field = p.Message, p.Field
	return cs.renderTeam(r, p.Status, d)
}

func formID(r *request, name string) int64 {
	v, err := strconv.ParseInt(r.Form(name), 10, 64)
	if err != nil || v < 0 {
		return 0
	}
	return v
}

func (cs *Console) projectTeamSave(r *request) error {
	id, err := r.ID("id")
	if err != nil {
		return err
	}
	version, _ := strconv.Atoi(r.Form("version"))
	in := projectteam.TeamInput{LeaderID: formID(r, "leader_id"), Department: r.Form("department"), CadreID: formID(r, "cadre_id"),
		Version: version}
	v, err := cs.d.ProjectTeams.SetTeam(r.Ctx(), r.Actor(), id, in)
	if err != nil {
		return cs.teamFormFailed(r, teamPageData{TeamError: true}, err)
	}
	return r.Redirect(fmt.Sprintf("/projects/%d/team", id), fmt.Sprintf("已保存“%s”的帮办团队：%s · %s · %s", v.ProjectName,
		v.Team.LeaderName, v.Team.Department, v.Team.CadreName))
}

func (cs *Console) projectMilestonesSave(r *request) error {
	id, err := r.ID("id")
	if err != nil {
		return err
	}
	var in projectteam.MilestonesInput
	typed := map[string]string{}
	for _, code := range projectteam.Milestones {
		p, a := r.Form("planned_"+code), r.Form("actual_"+code)
		typed["planned_"+code], typed["actual_"+code] = p, a
		if p != "" || a != "" {
			in.Milestones = append(in.Milestones, projectteam.MilestoneInput{Milestone: code, PlannedOn: &p, ActualOn: &a})
		}
	}
	if _, err := cs.d.ProjectTeams.SetMilestones(r.Ctx(), r.Actor(), id, in); err != nil {
		return cs.teamFormFailed(r, teamPageData{Typed: typed}, err)
	}
	return r.Redirect(fmt.Sprintf("/projects/%d/team", id), "已保存审批节点")
}

type approvalPageData struct {
	A         projectteam.ApprovalTime
	Rows      []approvalRow
	Overall   string
	Baselines []projectteam.Baseline
	Years     []int
	Manage    bool
	Scoped    bool
}

func (cs *Console) approvalTime(r *request) error {
	year := time.Now().In(cn.Zone).Year()
	d := approvalPageData{Manage: r.Actor().MayManagePolicies(), Scoped: r.Actor().ScopeTownship() != ""}
	for y := year; y >= year-4; y-- {
		d.Years = append(d.Years, y)
	}
	if y, err := strconv.Atoi(r.Query("year")); err == nil && y >= 2000 && y <= 2100 {
		year = y
	}
	var err error
	if d.A, err = cs.d.ProjectTeams.ApprovalTime(r.Ctx(), r.Actor(), year); err != nil {
		return err
	}
	if d.Baselines, err = cs.d.ProjectTeams.Baselines(r.Ctx(), r.Actor()); err != nil {
		return err
	}
	d.Overall = signedPercent(d.A.OverallChange)
	for _, m := range d.A.Items {
		row := approvalRow{Name: m.Name, N: m.N, Change: signedPercent(m.ChangePercent), Met: m.Met}
		if m.MedianDays != nil {
			row.Median = strconv.FormatFloat(*m.MedianDays, 'f', 1, 64)
		}
		if m.BaselineDays != nil {
			row.Baseline = strconv.Itoa(*m.BaselineDays)
		}
		d.Rows = append(d.Rows, row)
	}
	return r.OK("projects/approval", "", "审批提速", d)
}

// approvalRow is one milestone's figures as the page shows them ("" when missing).
type approvalRow struct {
	Name                     string
	N                        int
	Median, Baseline, Change string
	Met                      *bool
}

// signedPercent shows a change with its sign: "-20.0%", "+5.5%" ("" for none).
func signedPercent(v *float64) string {
	if v == nil {
		return ""
	}
	return fmt.Sprintf("%+.1f%%", *v)
}

func (cs *Console) approvalBaselinesSave(r *request) error {
	var in projectteam.BaselinesInput
	for _, code := range projectteam.Milestones {
		v := r.Form("days_" + code)
		b := projectteam.BaselineInput{Milestone: code}
		if v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				return badInput("“" + projectteam.MilestoneNames[code] + "”的基线天数请填写 1 到 3650 之间的整数，不设置请留空")
			}
			b.Days = &n
		}
		in.Baselines = append(in.Baselines, b)
	}
	if _, err := cs.d.ProjectTeams.SetBaselines(r.Ctx(), r.Actor(), in); err != nil {
		return err
	}
	return r.Redirect("/projects/approval-time", "已保存审批基线")
}

// addApprovalTarget adds the 审批提速 tile to the home page's yearly targets: the year's overall
// change of the approval medians against the baselines, shown as the speed-up (−12% change =
// 12% faster) against the plan's 20%. A failure is logged and shown on the tile: the home page
// stays up.
func (cs *Console) addApprovalTarget(ctx context.Context, a actor.Actor, d *homeData) {
	if !a.MayManagePolicies() {
		return
	}
	year := d.Year
	if year == 0 {
		year = time.Now().In(cn.Zone).Year()
	}
	t := target{Label: "审批提速（尚无可比数据：请设置基线并记录审批节点）", Goal: -projectteam.TargetChangePercent, Unit: "%",
		Href: "/console/projects/approval-time"}
	at, err := cs.d.ProjectTeams.ApprovalTime(ctx, a, year)
	switch {
	case err != nil:
		cs.d.Log.ErrorContext(ctx, "home: approval time", "err", err)
		t.Label = "审批提速（暂时无法计算，请稍后刷新）"
	case at.OverallChange != nil:
		t.Count = int(math.Round(-*at.OverallChange))
		t.Label = fmt.Sprintf("审批提速（用时中位数较基线 %s，目标 %d%%）", signedPercent(at.OverallChange), projectteam.TargetChangePercent)
	}
	d.Targets = append(d.Targets, t)
}
