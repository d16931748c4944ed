package console

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"huixiang/internal/match"
	"huixiang/internal/region"
	"huixiang/internal/sqldb"
)

// 校友需求与资源清单: district administrators and departments post enterprises' needs and see the
// approved alumni ranked for each; township staff their township's (the same service as
// /admin/api/v1/alumni-needs, which scopes them).
func (cs *Console) registerAlumniNeeds(g *gin.RouterGroup) {
	may := match.MayNeeds
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

// needForm is the need form as typed (kept when the service refuses it), with the message
// shown beside the field it names (Field "" : above the form).
type needForm struct {
	Enterprise, Kind, Title, Industry, Description, Township string
	Error, Field                                             string
}

type alumniNeedsView struct {
	Page  sqldb.Page[match.Need]
	Kinds []needKind
	Form  needForm
	// Townships are offered to district-level staff; township staff post for their own (Scoped).
	Townships []region.Region
	Scoped    bool
	// Towns name each listed need's township by need id (absent: a district-level need).
	Towns map[int64]string
}

func (cs *Console) renderAlumniNeeds(r *request, status int, f needForm) error {
	a := r.Actor()
	v := alumniNeedsView{Kinds: needKinds(), Form: f, Scoped: a.ScopeTownship() != "", Towns: map[int64]string{}}
	var err error
	if v.Page, err = cs.d.Matches.ListNeeds(r.Ctx(), a, "", r.PageRequest()); err != nil {
		return err
	}
	if v.Townships, err = cs.d.Regions.Children(r.Ctx(), ""); err != nil {
		return err
	}
	names := map[string]string{}
	for _, t := range v.Townships {
		names[t.Code] = t.Name
	}
	for _, n := range v.Page.Items {
		if n.TownshipCode != nil {
			v.Towns[n.ID] = names[*n.TownshipCode]
			if v.Towns[n.ID] == "" {
				v.Towns[n.ID] = *n.TownshipCode
			}
		}
	}
	if v.Scoped {
		v.Townships = nil
	}
	return r.Page(status, "alumni_needs/list", "", "校友需求与资源清单", v)
}

func (cs *Console) alumniNeedsList(r *request) error {
	return cs.renderAlumniNeeds(r, http.StatusOK, needForm{})
}

func (cs *Console) alumniNeedCreate(r *request) error {
	f := needForm{Enterprise: r.Form("enterprise"), Kind: r.Form("kind"), Title: r.Form("title"), Industry: r.Form("industry"),
		Description: r.Form("description"), Township: r.Form("township_code")}
	in := match.NeedInput{Enterprise: &f.Enterprise, Kind: &f.Kind, Title: &f.Title, Industry: &f.Industry, Description: &f.Description}
	if r.Actor().ScopeTownship() == "" {
		in.TownshipCode = &f.Township
	}
	n, err := cs.d.Matches.CreateNeed(r.Ctx(), r.Actor(), in)
	if err != nil {
		// A refusal comes back as the form with the values typed and the message beside the
		// field; a server error, a forbidden caller or a missing record is shown as such.
		p := Problem(err)
		if p.Status >= 500 || p.Status == http.StatusNotFound || p.Status == http.StatusForbidden {
			return err
		}
		f.Error, f.Field = p.Message, p.Field
		return cs.renderAlumniNeeds(r, p.Status, f)
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
