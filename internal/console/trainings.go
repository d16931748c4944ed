package console

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"huixiang/internal/actor"
	"huixiang/internal/cn"
	"huixiang/internal/servicepoint"
	"huixiang/internal/sqldb"
	"huixiang/internal/training"
)

// The training pages mirror the JSON API's admin routes (internal/httpapi/training.go): district
// administrators and departments enrol people in the track (from the person's page), mark each
// stage, log the visits of the follow-up, and see the year's counts against the plan.
func (cs *Console) registerTrainings(g *gin.RouterGroup) {
	may := actor.Actor.MayManagePolicies
	cs.handle(g, page{Path: "/trainings", Title: "创业培训", Menu: "活动", May: may}, cs.trainingsList)
	cs.handle(g, page{Method: http.MethodPost, Path: "/trainings", Title: "加入创业培训", May: may}, cs.trainingEnrol)
	cs.handle(g, page{Path: "/trainings/:id", Title: "培训记录", May: may}, cs.trainingPage)
	cs.handle(g, page{Method: http.MethodPost, Path: "/trainings/:id/visits", Title: "记录走访", May: may}, cs.trainingVisit)
	cs.handle(g, page{Method: http.MethodPost, Path: "/trainings/:id/act/:action", Title: "培训阶段", May: may}, cs.trainingAct)
}

// trainingStages are the stages in the filter's order.
var trainingStages = []category{{training.Enrolled, "培训中"}, {training.Trained, "已结业待入园"}, {training.Incubating, "孵化中"},
	{training.FollowedUp, "跟踪服务中"}, {training.Graduated, "已毕业"}, {training.Withdrawn, "已退出"}}

// actionWords name each action on its button and in the flash.
var actionWords = map[training.Action]string{
	training.ActTrain: "培训结业", training.ActIncubate: "入园孵化", training.ActFollowUp: "转入跟踪服务", training.ActGraduate: "毕业",
	training.ActWithdraw: "退出培训",
}

type trainingsData struct {
	Page   sqldb.Page[training.Track]
	Stage  string
	Name   string
	Stages []category
	Year   training.YearCounts
	Goals  [2]int
	Pager  pager
}

func (cs *Console) trainingsList(r *request) error {
	q := training.Query{Stage: r.Query("stage"), Name: r.Query("name")}
	if !slices.Contains(training.Stages, q.Stage) {
		q.Stage = ""
	}
	p, err := cs.d.Trainings.List(r.Ctx(), q, r.PageRequest())
	if err != nil {
		return err
	}
	year, err := cs.d.Trainings.Year(r.Ctx(), time.Now().In(cn.Zone).Year())
	if err != nil {
		return err
	}
	return r.OK("trainings/list", "", "创业培训", trainingsData{Page: p, Stage: q.Stage, Name: q.Name, Stages: trainingStages, Year: year,
		Goals: [2]int{training.PolicyTalkTarget, training.TrainedTarget},
		Pager: newPager(url.Values{"stage": {q.Stage}, "name": {q.Name}}, p.Total, p.Page, p.PageSize)})
}

func (cs *Console) trainingEnrol(r *request) error {
	pid, err := strconv.ParseInt(r.Form("person_id"), 10, 64)
	if err != nil || pid <= 0 {
		return badInput("请从人员详情页加入创业培训")
	}
	t, err := cs.d.Trainings.Enrol(r.Ctx(), r.Actor(), training.EnrolInput{PersonID: pid, On: r.Form("on"), Note: r.Form("note")})
	if err != nil {
		return err
	}
	return r.Redirect(fmt.Sprintf("/trainings/%d", t.ID), fmt.Sprintf("%s 已加入创业培训，培训满一个月后（%s 起）可以标记结业", t.PersonName, t.NextOn))
}

type trainingView struct {
	Rec        *training.Record
	Today      string
	Parks      []servicepoint.Point
	Modes      []category
	NextWord   string
	StageSteps []trainingStep
}

// trainingStep is one stage of the track as the page's steps show it.
type trainingStep struct {
	Label, On string
	Done, Now bool
}

func (cs *Console) trainingPage(r *request) error {
	id, err := r.ID("id")
	if err != nil {
		return err
	}
	rec, err := cs.d.Trainings.Get(r.Ctx(), id)
	if err != nil {
		return err
	}
	parks, err := cs.d.ServicePoints.List(r.Ctx(), servicepoint.Query{Kind: "park"})
	if err != nil {
		return err
	}
	t := rec.Track
	v := trainingView{Rec: rec, Today: time.Now().In(cn.Zone).Format(time.DateOnly), Parks: parks,
		Modes: []category{{"visit", "上门走访"}, {"phone", "电话回访"}, {"online", "线上回访"}}, NextWord: actionWords[training.Action(t.Next)]}
	str := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	for _, s := range []struct{ label, on string }{{"报名培训", t.EnrolledOn}, {"培训结业（1 个月）", str(t.TrainedOn)},
		{"入园孵化（3 个月）", str(t.IncubatingOn)}, {"跟踪服务（1 年）", str(t.FollowedUpOn)}, {"毕业", str(t.GraduatedOn)}} {
		v.StageSteps = append(v.StageSteps, trainingStep{Label: s.label, On: s.on, Done: s.on != ""})
	}
	for i := len(v.StageSteps) - 1; i >= 0; i-- {
		if v.StageSteps[i].Done {
			v.StageSteps[i].Now = t.Stage != training.Withdrawn
			break
		}
	}
	return r.OK("trainings/detail", "", t.PersonName+" · 创业培训", v)
}

func (cs *Console) trainingAct(r *request) error {
	id, err := r.ID("id")
	if err != nil {
		return err
	}
	action := training.Action(r.Param("action"))
	word, ok := actionWords[action]
	if !ok {
		return errNotFound
	}
	in := training.ActInput{On: r.Form("on"), Note: r.Form("note")}
	if v := r.Form("park_id"); v != "" {
		if in.ParkID, err = strconv.ParseInt(v, 10, 64); err != nil {
			return badInput("请选择孵化园区")
		}
	}
	t, err := cs.d.Trainings.Act(r.Ctx(), r.Actor(), id, action, in)
	if err != nil {
		return err
	}
	msg := fmt.Sprintf("%s：已标记%s", t.PersonName, word)
	if t.NextOn != "" {
		msg += fmt.Sprintf("，%s 起可以标记%s", t.NextOn, actionWords[training.Action(t.Next)])
	}
	return r.Redirect(fmt.Sprintf("/trainings/%d", id), msg)
}

func (cs *Console) trainingVisit(r *request) error {
	id, err := r.ID("id")
	if err != nil {
		return err
	}
	if _, err := cs.d.Trainings.AddVisit(r.Ctx(), r.Actor(), id, training.VisitInput{On: r.Form("on"), Mode: r.Form("mode"),
		Note: r.Form("note")}); err != nil {
		return err
	}
	return r.Redirect(fmt.Sprintf("/trainings/%d#visits", id), "走访已记录")
}
