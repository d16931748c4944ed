package console

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"huixiang/internal/actor"
	"huixiang/internal/match"
	"huixiang/internal/sqldb"
)

// 校友需求与资源清单: district administrators and departments post enterprises' needs and see the
// approved alumni ranked for each (the same service as /admin/api/v1/alumni-needs).
func (cs *Console) registerAlumniNeeds(g *gin.RouterGroup) {
	may := actor.Actor.MayManagePolicies
	cs.handle(g, page{Path: "/alumni-needs", Title: "校友需求与资源清单", Menu: "校友", May: may}, cs.alumniNeedsList)
	cs.handle(g, page{Method: http.MethodPost, Path: "/alumni-needs", Title: "发布企业需求", May: may}, cs.alumniNeedCreate)
	cs.handle(g, page{Path: "/alumni-needs/:id", Title: "企业需求", May: may}, cs.alumniNeedPage)
	cs.handle(g, page{Method: http.MethodPost, Path: "/alumni-needs/:id/status", Title: "企业需求状态", May: may}, cs.alumniNeedStatus)
}

type needKind struct{ Code, Name string }

func needKinds() []needKind {
	out := []needKind{}
	for _, c := range []string{"technology", "capital", "channel", "talent"} {
		out = append(out, needKind{c, match.NeedKinds[c]})
	}
	return out
}

type alumniNeedsView struct {
	Page  sqldb.Page[match.Need]
	Kinds []needKind
}

func (cs *Console) alumniNeedsList(r *request) error {
	p, err := cs.d.Matches.ListNeeds(r.Ctx(), r.Actor(), "", r.PageRequest())
	if err != nil {
		return err
	}
	return r.OK("alumni_needs/list", "", "校友需求与资源清单", alumniNeedsView{Page: p, Kinds: needKinds()})
}

func (cs *Console) alumniNeedCreate(r *request) error {
	str := func(name string) *string { v := r.Form(name); return &v }
	n, err := cs.d.Matches.CreateNeed(r.Ctx(), r.Actor(), match.NeedInput{Enterprise: str("enterprise"), Kind: str("kind"),
		Title: str("title"), Industry: str("industry"), Description: str("description")})
	if err != nil {
		return err
	}
	return r.Redirect(fmt.Sprintf("/alumni-needs/%d", n.ID), fmt.Sprintf("已发布“%s”的需求，下面是匹配的校友", n.Enterprise))
}

func (cs *Console) alumniNeedPage(r *request) error {
	id, err := r.ID("id")
	if err != nil {
		return err
	}
	m, err := cs.d.Matches.ForNeed(r.Ctx(), r.Actor(), id, 0)
	if err != nil {
		return err
	}
	return r.OK("alumni_needs/detail", "", m.Need.Title, m)
}

func (cs *Console) alumniNeedStatus(r *request) error {
	id, err := r.ID("id")
	if err != nil {
		return err
	}
	version, _ := strconv.Atoi(r.Form("version"))
	status := r.Form("status")
	n, err := cs.d.Matches.UpdateNeed(r.Ctx(), r.Actor(), id, match.NeedInput{Status: &status, Version: version})
	if err != nil {
		return err
	}
	msg := "需求已关闭"
	if n.Status == "open" {
		msg = "需求已重新打开"
	}
	return r.Redirect(fmt.Sprintf("/alumni-needs/%d", id), msg)
}
