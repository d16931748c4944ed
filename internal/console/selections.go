package console

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"huixiang/internal/actor"
	"huixiang/internal/cn"
	"huixiang/internal/selection"
)

// The selection pages mirror the JSON API's admin routes (internal/httpapi/selection.go):
// district administrators and departments open a selection, nominate, review within the quota
// and publish the list.
func (cs *Console) registerSelections(g *gin.RouterGroup) {
	may := actor.Actor.MayManagePolicies
	cs.handle(g, page{Path: "/selections", Title: "评选", Menu: "评选", May: may}, cs.selectionsList)
	cs.handle(g, page{Path: "/selections/new", Title: "设立评选", May: may}, cs.selectionNew)
	cs.handle(g, page{Method: http.MethodPost, Path: "/selections", Title: "设立评选", May: may}, cs.selectionCreate)
	cs.handle(g, page{Path: "/selections/:id", Title: "评选详情", May: may}, cs.selectionPage)
	cs.handle(g, page{Method: http.MethodPost, Path: "/selections/:id/nominations", Title: "推荐人选", May: may}, cs.selectionNominate)
	cs.handle(g, page{Method: http.MethodPost, Path: "/selections/:id/nominations/:nid/review", Title: "评审", May: may}, cs.selectionReview)
	cs.handle(g, page{Method: http.MethodPost, Path: "/selections/:id/publish", Title: "公布评选结果", May: may}, cs.selectionPublish)
}

// selectionKinds are the kinds in the form's order.
var selectionKinds = []category{{selection.KindDemoEnterprise, "返乡创业示范企业"}, {selection.KindOutstandingEntrepreneur, "优秀创业者"},
	{selection.KindOutstandingAlumni, "十大杰出校友"}}

type selectionsData struct {
	Items []selection.Selection
}

func (cs *Console) selectionsList(r *request) error {
	items, err := cs.d.Selections.List(r.Ctx(), false)
	if err != nil {
		return err
	}
	return r.OK("selections/list", "", "评选", selectionsData{Items: items})
}

type selectionForm struct {
	In    selection.Input
	Kinds []category
}

func (cs *Console) selectionNew(r *request) error {
	now := time.Now().In(cn.Zone)
	in := selection.Input{Year: now.Year(), Kind: r.Query("kind"), Quota: 10, Department: r.Actor().Department,
		OpensOn: now.Format(time.DateOnly), ClosesOn: now.AddDate(0, 1, 0).Format(time.DateOnly)}
	return r.OK("selections/form", "", "设立评选", selectionForm{In: in, Kinds: selectionKinds})
}

func (cs *Console) selectionCreate(r *request) error {
	in := selection.Input{Kind: r.Form("kind"), Title: r.Form("title"), Description: r.Form("description"),
		Department: r.Form("department"), OpensOn: r.Form("opens_on"), ClosesOn: r.Form("closes_on")}
	var err error
	if in.Year, err = strconv.Atoi(r.Form("year")); err != nil {
		return badInput("请填写评选年度，例如 2026")
	}
	if in.Quota, err = strconv.Atoi(r.Form("quota")); err != nil {
		return badInput("请填写入选名额（整数）")
	}
	if in.Kind == selection.KindOutstandingAlumni {
		// The winners become 杰出校友 and earn its points, as the plan asks.
		in.GradeCode, in.PointsRule = "distinguished", "outstanding_alumnus"
	}
	s, err := cs.d.Selections.Create(r.Ctx(), r.Actor(), in)
	if err != nil {
		return err
	}
	return r.Redirect(fmt.Sprintf("/selections/%d", s.ID), fmt.Sprintf("已设立“%s”，%s 至 %s 可以在小程序里自荐", s.Title, s.OpensOn, s.ClosesOn))
}

type selectionView struct {
	S           *selection.Selection
	Nominations []selection.Nomination
	Status      string
	Counts      map[string]int
}

func (cs *Console) selectionPage(r *request) error {
	id, err := r.ID("id")
	if err != nil {
		return err
	}
	s, err := cs.d.Selections.Get(r.Ctx(), id)
	if err != nil {
		return err
	}
	all, err := cs.d.Selections.Nominations(r.Ctx(), id, "")
	if err != nil {
		return err
	}
	v := selectionView{S: s, Status: r.Query("status"), Counts: map[string]int{}}
	for _, n := range all {
		v.Counts[n.Status]++
		if v.Status == "" || v.Status == n.Status {
			v.Nominations = append(v.Nominations, n)
		}
	}
	return r.OK("selections/detail", "", s.Title, v)
}

func (cs *Console) selectionNominate(r *request) error {
	id, err := r.ID("id")
	if err != nil {
		return err
	}
	pid, err := strconv.ParseInt(strings.TrimSpace(r.Form("person_id")), 10, 64)
	if err != nil || pid <= 0 {
		return badInput("请填写人员编号（人员清单里每人的编号）")
	}
	n, err := cs.d.Selections.Nominate(r.Ctx(), r.Actor(), id, pid, r.Form("statement"), nil)
	if err != nil {
		return err
	}
	return r.Redirect(fmt.Sprintf("/selections/%d", id), fmt.Sprintf("已推荐 %s，等待评审", n.Name))
}

var reviewWords = map[string]string{selection.NominationSelected: "入选", selection.NominationRejected: "不入选", selection.NominationPending: "待定"}

func (cs *Console) selectionReview(r *request) error {
	id, err := r.ID("id")
	if err != nil {
		return err
	}
	nid, err := r.ID("nid")
	if err != nil {
		return err
	}
	n, err := cs.d.Selections.Review(r.Ctx(), r.Actor(), id, nid, r.Form("status"), r.Form("note"))
	if err != nil {
		return err
	}
	return r.Redirect(fmt.Sprintf("/selections/%d", id), fmt.Sprintf("%s：%s", n.Name, reviewWords[n.Status]))
}

func (cs *Console) selectionPublish(r *request) error {
	id, err := r.ID("id")
	if err != nil {
		return err
	}
	s, err := cs.d.Selections.Publish(r.Ctx(), r.Actor(), id)
	if err != nil {
		return err
	}
	return r.Redirect(fmt.Sprintf("/selections/%d", id), fmt.Sprintf("已公布“%s”入选名单（%d 人），小程序里可以看到了", s.Title, s.Selected))
}
