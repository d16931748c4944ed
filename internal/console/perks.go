package console

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"huixiang/internal/actor"
	"huixiang/internal/cn"
	"huixiang/internal/points"
)

// The perks pages mirror handleAdminPerks, handleCreatePerk and handleUpdatePerk; the
// verification page mirrors handleVoucherVerify (internal/httpapi/points.go).
func (cs *Console) registerPerks(g *gin.RouterGroup) {
	may := actor.Actor.MayManagePoints
	cs.handle(g, page{Path: "/perks", Title: "权益管理", Menu: "权益", May: may}, cs.perksList)
	cs.handle(g, page{Path: "/perks/new", Title: "新建权益", May: may}, cs.perkNew)
	cs.handle(g, page{Method: http.MethodPost, Path: "/perks", Title: "新建权益", May: may}, cs.perkCreate)
	cs.handle(g, page{Path: "/perks/:id/edit", Title: "修改权益", May: may}, cs.perkEdit)
	cs.handle(g, page{Method: http.MethodPost, Path: "/perks/:id", Title: "修改权益", May: may}, cs.perkUpdate)
	cs.handle(g, page{Path: "/verify", Title: "核销", Menu: "权益", May: may}, cs.verifyPage)
	cs.handle(g, page{Method: http.MethodPost, Path: "/verify", Title: "核销", May: may}, cs.verify)
}

// category is a perk category with its Chinese name.
type category struct{ Code, Name string }

var categories = []category{
	{"education", "教育培训"}, {"culture_tourism", "文化旅游"}, {"startup_space", "创业空间"},
	{"procurement", "采购优惠"}, {"other", "其他"},
}

func categoryName(code string) string {
	for _, c := range categories {
		if c.Code == code {
			return c.Name
		}
	}
	return code
}

type perkRow struct {
	points.Perk
	CategoryName string
	// Until is the last valid day (ValidUntil is the first instant after it).
	Until time.Time
}

func showPerk(p points.Perk) perkRow {
	return perkRow{Perk: p, CategoryName: categoryName(p.Category), Until: p.ValidUntil.Add(-time.Second)}
}

func (cs *Console) perksList(r *request) error {
	ps, err := cs.d.Points.AllPerks(r.Ctx(), r.Actor())
	if err != nil {
		return err
	}
	rows := make([]perkRow, 0, len(ps))
	for _, p := range ps {
		rows = append(rows, showPerk(p))
	}
	return r.OK("perks/list", "", "权益管理", map[string]any{"Perks": rows, "Now": cs.d.Now()})
}

// perkForm is what the create and edit forms show.
type perkForm struct {
	ID                                    int64
	Name, Category, Provider, Description string
	Price, Stock, Limit, From, Until      string
	Visible                               bool
	Categories                            []category
	// ProviderFixed: department staff create perks of their own department only.
	ProviderFixed bool
}

func (cs *Console) newPerkForm(a actor.Actor) perkForm {
	now := cs.d.Now().In(cn.Zone)
	f := perkForm{Visible: true, Categories: categories, Category: "other",
		From: now.Format("2006-01-02"), Until: now.AddDate(1, 0, 0).Format("2006-01-02")}
	if a.Role == actor.Department {
		f.Provider, f.ProviderFixed = a.Department, true
	}
	return f
}

func (cs *Console) perkNew(r *request) error {
	return r.OK("perks/form", "", "新建权益", cs.newPerkForm(r.Actor()))
}

func (cs *Console) perkEdit(r *request) error {
	id, err := r.ID("id")
	if err != nil {
		return err
	}
	p, err := cs.d.Points.Perk(r.Ctx(), r.Actor(), id)
	if err != nil {
		return err
	}
	f := perkForm{ID: p.ID, Name: p.Name, Category: p.Category, Provider: p.ProviderCode, Description: p.Description,
		Price: strconv.FormatInt(p.PointsPrice, 10), Visible: p.Visible, Categories: categories,
		From: p.ValidFrom.In(cn.Zone).Format("2006-01-02"), Until: showPerk(p).Until.In(cn.Zone).Format("2006-01-02"),
		ProviderFixed: r.Actor().Role == actor.Department}
	if p.Stock != nil {
		f.Stock = strconv.FormatInt(*p.Stock, 10)
	}
	if p.PerPersonLimit != nil {
		f.Limit = strconv.Itoa(*p.PerPersonLimit)
	}
	return r.OK("perks/form", "", "修改权益", f)
}

// perkInput reads the form: every field set (the edit form shows them all); an empty stock is
// unlimited, an empty limit none. The dates are days in Asia/Shanghai, the last one included.
func perkInput(r *request) (points.PerkInput, error) {
	in := points.PerkInput{}
	str := func(name string) *string { v := r.Form(name); return &v }
	in.Name, in.Category, in.Description = str("name"), str("category"), str("description")
	if r.Actor().Role != actor.Department {
		in.ProviderCode = str("provider_code")
	}
	price, err := strconv.ParseInt(r.Form("points_price"), 10, 64)
	if err != nil {
		return in, badInput("所需积分请填写正整数")
	}
	in.PointsPrice = &price
	if s := r.Form("stock"); s == "" {
		in.ClearStock = true
	} else {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return in, badInput("库存请填写整数，不限库存请留空")
		}
		in.Stock = &n
	}
	if s := r.Form("per_person_limit"); s == "" {
		in.ClearLimit = true
	} else {
		n, err := strconv.Atoi(s)
		if err != nil {
			return in, badInput("每人限兑次数请填写整数，不限请留空")
		}
		in.PerPersonLimit = &n
	}
	from, err1 := time.ParseInLocation("2006-01-02", r.Form("valid_from"), cn.Zone)
	until, err2 := time.ParseInLocation("2006-01-02", r.Form("valid_until"), cn.Zone)
	if err1 != nil || err2 != nil {
		return in, badInput("请填写有效期的开始和结束日期")
	}
	until = until.AddDate(0, 0, 1)
	in.ValidFrom, in.ValidUntil = &from, &until
	visible := r.Form("visible") != "hidden"
	in.Visible = &visible
	return in, nil
}

func (cs *Console) perkCreate(r *request) error {
	in, err := perkInput(r)
	if err != nil {
		return err
	}
	p, err := cs.d.Points.CreatePerk(r.Ctx(), r.Actor(), in)
	if err != nil {
		return err
	}
	return r.Redirect("/perks", fmt.Sprintf("已新建权益“%s”", p.Name))
}

func (cs *Console) perkUpdate(r *request) error {
	id, err := r.ID("id")
	if err != nil {
		return err
	}
	in, err := perkInput(r)
	if err != nil {
		return err
	}
	p, err := cs.d.Points.UpdatePerk(r.Ctx(), r.Actor(), id, in)
	if err != nil {
		return err
	}
	return r.Redirect("/perks", fmt.Sprintf("已保存权益“%s”", p.Name))
}

// verifyResult is what the verification page shows in large text.
type verifyResult struct {
	OK       bool
	Title    string // 核销成功, 已使用, 已过期, 未找到…
	Message  string
	PerkName string
	Holder   string
	Code     string
}

func (cs *Console) verifyPage(r *request) error {
	return r.OK("perks/verify", "", "核销", (*verifyResult)(nil))
}

// verify marks a voucher used (points.Service.Verify): the code as typed or the QR payload of
// the mini program's voucher (points.QRPrefix + code). The answer is the result in large text.
func (cs *Console) verify(r *request) error {
	code := points.NormalizeCode(r.Form("code"))
	if code == "" {
		return cs.showVerify(r, http.StatusUnprocessableEntity, &verifyResult{Title: "请输入券码", Message: "请输入或扫描券码后再核销"})
	}
	v, err := cs.d.Points.Verify(r.Ctx(), r.Actor(), code)
	if err == nil {
		holder, herr := cs.d.Points.HolderName(r.Ctx(), r.Actor(), v)
		if herr != nil {
			return herr
		}
		return cs.showVerify(r, http.StatusOK, &verifyResult{OK: true, Title: "核销成功", PerkName: v.PerkName, Holder: holder, Code: v.Code})
	}
	p := Problem(err)
	res := &verifyResult{Code: code, Message: p.Message}
	var used *points.UsedError
	switch {
	case errors.As(err, &used):
		res.Title = "已使用"
	case errors.Is(err, points.ErrVoucherExpired):
		res.Title, res.Message = "已过期", "该券已过期，不能核销"
	case errors.Is(err, points.ErrVoucherCancelled):
		res.Title = "已取消"
	case errors.Is(err, points.ErrNotFound):
		res.Title, res.Message = "未找到该券", "请核对券码；不是本单位提供的权益的券也不能在此核销"
	default:
		if p.Status >= http.StatusInternalServerError {
			return err
		}
		res.Title = "不能核销"
	}
	return cs.showVerify(r, http.StatusOK, res)
}

// showVerify answers the result: 200 also for a voucher that cannot be verified, since the
// verification was made and its answer is the page (a phone's browser shows it, htmx swaps it).
func (cs *Console) showVerify(r *request, status int, res *verifyResult) error {
	return r.Page(status, "perks/verify", "verify-result", "核销", res)
}
