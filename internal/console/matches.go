package console

import (
	"context"
	"fmt"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"huixiang/internal/actor"
	"huixiang/internal/match"
	"huixiang/internal/merchant"
)

// The matching pages (招商匹配) mirror the JSON API (internal/httpapi/match.go): every staff
// member who sees a project sees the merchants ranked for it (township staff their township's)
// and moves a match along 推荐 → 已联系 → 有意向 → 考察 → 签约 with notes.
func (cs *Console) registerMatches(g *gin.RouterGroup) {
	cs.handle(g, page{Path: "/projects/:id/matches", Title: "匹配楚商"}, cs.projectMatches)
	cs.handle(g, page{Method: http.MethodPost, Path: "/projects/:id/matches/:merchant_id", Title: "对接进度"}, cs.projectMatchMove)
	cs.handle(g, page{Path: "/merchants/:id/matches", Title: "推荐项目"}, cs.merchantMatches)
}

// matchStatus is one status of the select.
type matchStatus struct {
	Code, Name string
}

type projectMatchesView struct {
	M        match.ProjectMatches
	Statuses []matchStatus
	Bands    map[string]string
}

func matchStatuses() []matchStatus {
	out := make([]matchStatus, len(match.Statuses))
	for i, s := range match.Statuses {
		out[i] = matchStatus{Code: s, Name: match.StatusNames[s]}
	}
	return out
}

func amountBands() map[string]string {
	out := map[string]string{}
	for _, o := range merchant.Bands["amount_band"] {
		out[o.Code] = o.Name
	}
	return out
}

func (cs *Console) projectMatches(r *request) error {
	id, err := r.ID("id")
	if err != nil {
		return err
	}
	limit := 0
	if n, err := strconv.Atoi(r.Query("limit")); err == nil && n > 0 && n <= match.MaxLimit {
		limit = n
	}
	m, err := cs.d.Matches.ForProject(r.Ctx(), r.Actor(), id, limit)
	if err != nil {
		return err
	}
	return r.OK("projects/matches", "", m.Project.Name+" · 匹配楚商", projectMatchesView{M: m, Statuses: matchStatuses(), Bands: amountBands()})
}

func (cs *Console) projectMatchMove(r *request) error {
	id, err := r.ID("id")
	if err != nil {
		return err
	}
	merchantID, err := r.ID("merchant_id")
	if err != nil {
		return err
	}
	version, _ := strconv.Atoi(r.Form("version"))
	m, err := cs.d.Matches.Move(r.Ctx(), r.Actor(), id, merchantID, match.MoveInput{Status: r.Form("status"), Note: r.Form("note"),
		Version: version})
	if err != nil {
		return err
	}
	return r.Redirect(fmt.Sprintf("/projects/%d/matches", id), fmt.Sprintf("对接进度已更新为“%s”", m.StatusName))
}

type merchantMatchesView struct {
	M match.MerchantMatches
}

func (cs *Console) merchantMatches(r *request) error {
	id, err := r.ID("id")
	if err != nil {
		return err
	}
	m, err := cs.d.Matches.ForMerchant(r.Ctx(), r.Actor(), id, 0)
	if err != nil {
		return err
	}
	return r.OK("projects/merchant_matches", "", m.Name+" · 推荐项目", merchantMatchesView{M: m})
}

// matchTodos is the home page's number of merchants who said 感兴趣 in the last 30 days to the
// projects of the signed-in person's department (township: the township's projects; district
// administrators: all). A failure leaves the tile out (logged): the home page still opens.
func (cs *Console) matchTodos(ctx context.Context, a actor.Actor) []todo {
	if cs.d.Matches == nil {
		return nil
	}
	n, err := cs.d.Matches.InterestCount(ctx, a, cs.d.Now().AddDate(0, 0, -30))
	if err != nil {
		cs.d.Log.WarnContext(ctx, "console: interest count", "error", err.Error())
		return nil
	}
	return []todo{{Label: "楚商感兴趣的项目", Hint: "近 30 天楚商在小程序点了“感兴趣”（本单位联系的项目）", Count: n, Href: "/console/projects"}}
}
