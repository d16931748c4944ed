package console

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"huixiang/internal/actor"
	"huixiang/internal/region"
	"huixiang/internal/servicepoint"
)

// The service network pages mirror the JSON API's admin routes (internal/httpapi/servicepoint.go):
// district administrators and department staff keep the points the mini program lists.
func (cs *Console) registerServicePoints(g *gin.RouterGroup) {
	may := actor.Actor.MayManagePolicies
	cs.handle(g, page{Path: "/service-points", Title: "服务网点", Menu: "服务网点", May: may}, cs.servicePointsList)
	cs.handle(g, page{Path: "/service-points/new", Title: "新建服务网点", May: may}, cs.servicePointNew)
	cs.handle(g, page{Method: http.MethodPost, Path: "/service-points", Title: "新建服务网点", May: may}, cs.servicePointCreate)
	cs.handle(g, page{Path: "/service-points/:id", Title: "修改服务网点", May: may}, cs.servicePointEdit)
	cs.handle(g, page{Method: http.MethodPost, Path: "/service-points/:id", Title: "修改服务网点", May: may}, cs.servicePointUpdate)
	cs.handle(g, page{Method: http.MethodPost, Path: "/service-points/:id/remove", Title: "删除服务网点", May: may}, cs.servicePointRemove)
}

type servicePointsData struct {
	Items          []servicepoint.Point
	Kind, Township string
	Kinds, Levels  []servicepoint.Label
	Townships      []region.Region
}

func (cs *Console) servicePointsList(r *request) error {
	d := servicePointsData{Kind: r.Query("kind"), Township: r.Query("township"), Kinds: servicepoint.Kinds, Levels: servicepoint.Levels}
	var err error
	if d.Townships, err = cs.d.Regions.Children(r.Ctx(), ""); err != nil {
		return err
	}
	if d.Items, err = cs.d.ServicePoints.List(r.Ctx(), servicepoint.Query{Kind: d.Kind, Township: d.Township}); err != nil {
		return err
	}
	return r.OK("servicepoints/list", "service-point-results", "服务网点", d)
}

// servicePointForm is the new and edit form, as text.
type servicePointForm struct {
	P                          *servicepoint.Point // nil for a new point
	In                         servicepoint.Input
	Township, Lat, Lng, Hosted string
	Kinds, Levels              []servicepoint.Label
	Townships                  []region.Region
}

func (cs *Console) servicePointForm(r *request, p *servicepoint.Point, in servicepoint.Input) (servicePointForm, error) {
	f := servicePointForm{P: p, In: in, Kinds: servicepoint.Kinds, Levels: servicepoint.Levels}
	if in.TownshipCode != nil {
		f.Township = *in.TownshipCode
	}
	if in.Lat != nil && in.Lng != nil {
		f.Lat, f.Lng = strconv.FormatFloat(*in.Lat, 'f', -1, 64), strconv.FormatFloat(*in.Lng, 'f', -1, 64)
	}
	if in.BusinessesHosted != nil {
		f.Hosted = strconv.Itoa(*in.BusinessesHosted)
	}
	var err error
	f.Townships, err = cs.d.Regions.Children(r.Ctx(), "")
	return f, err
}

func (cs *Console) servicePointNew(r *request) error {
	f, err := cs.servicePointForm(r, nil, servicepoint.Input{Kind: r.Query("kind"), Level: "township"})
	if err != nil {
		return err
	}
	return r.OK("servicepoints/form", "", "新建服务网点", f)
}

func (cs *Console) servicePointEdit(r *request) error {
	id, err := r.ID("id")
	if err != nil {
		return err
	}
	p, err := cs.d.ServicePoints.Get(r.Ctx(), id)
	if err != nil {
		return err
	}
	if !p.Active {
		return errNotFound
	}
	f, err := cs.servicePointForm(r, p, p.Input)
	if err != nil {
		return err
	}
	return r.OK("servicepoints/form", "", p.Name, f)
}

// servicePointInput reads the form: an empty township, coordinates or count is none.
func servicePointInput(r *request) (servicepoint.Input, error) {
	in := servicepoint.Input{Name: r.Form("name"), Kind: r.Form("kind"), Level: r.Form("level"), Address: r.Form("address"),
		OpeningHours: r.Form("opening_hours"), Phone: r.Form("phone"), Services: r.Form("services")}
	if t := r.Form("township_code"); t != "" {
		in.TownshipCode = &t
	}
	num := func(name, msg string) (*float64, error) {
		s := r.Form(name)
		if s == "" {
			return nil, nil
		}
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, badInput(msg)
		}
		return &v, nil
	}
	var err error
	if in.Lat, err = num("lat", "纬度请填写数字，例如 29.8529"); err != nil {
		return in, err
	}
	if in.Lng, err = num("lng", "经度请填写数字，例如 114.2985"); err != nil {
		return in, err
	}
	if s := r.Form("businesses_hosted"); s != "" && in.Kind == "park" {
		n, err := strconv.Atoi(s)
		if err != nil {
			return in, badInput("入驻企业数请填写整数")
		}
		in.BusinessesHosted = &n
	}
	return in, nil
}

func (cs *Console) servicePointCreate(r *request) error {
	in, err := servicePointInput(r)
	if err != nil {
		return err
	}
	p, err := cs.d.ServicePoints.Create(r.Ctx(), in)
	if err != nil {
		return err
	}
	return r.Redirect("/service-points", fmt.Sprintf("已新建服务网点“%s”，小程序“服务网点”里可以看到了", p.Name))
}

func (cs *Console) servicePointUpdate(r *request) error {
	id, err := r.ID("id")
	if err != nil {
		return err
	}
	v, err := formVersion(r)
	if err != nil {
		return err
	}
	in, err := servicePointInput(r)
	if err != nil {
		return err
	}
	p, err := cs.d.ServicePoints.Update(r.Ctx(), id, v, in)
	if err != nil {
		return err
	}
	return r.Redirect("/service-points", fmt.Sprintf("已保存服务网点“%s”", p.Name))
}

func (cs *Console) servicePointRemove(r *request) error {
	id, err := r.ID("id")
	if err != nil {
		return err
	}
	p, err := cs.d.ServicePoints.Get(r.Ctx(), id)
	if err != nil {
		return err
	}
	if err := cs.d.ServicePoints.Remove(r.Ctx(), id); err != nil {
		return err
	}
	return r.Redirect("/service-points", fmt.Sprintf("已删除服务网点“%s”，小程序里不再显示", p.Name))
}
