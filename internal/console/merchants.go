package console

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"huixiang/internal/merchant"
	"huixiang/internal/person"
	"huixiang/internal/region"
	"huixiang/internal/vocab"
)

// The merchant pages mirror the JSON API's staff routes (internal/httpapi/merchant.go): every
// staff role lists, enters and edits merchants (楚商人才信息库) — township staff only those whose
// hometown is their township, as the service decides — and reads the update rate; the roles
// actor.MayReveal names see the full ID number and phone with a reason, audited.
func (cs *Console) registerMerchants(g *gin.RouterGroup) {
	cs.handle(g, page{Path: "/merchants", Title: "楚商人才信息库", Menu: "招商"}, cs.merchantsList)
	cs.handle(g, page{Path: "/merchants/new", Title: "登记楚商"}, cs.merchantNew)
	cs.handle(g, page{Method: http.MethodPost, Path: "/merchants/new", Title: "登记楚商"}, cs.merchantCreate)
	cs.handle(g, page{Path: "/merchants/freshness", Title: "楚商信息更新率", Menu: "招商"}, cs.merchantFreshness)
	cs.handle(g, page{Path: "/merchants/:id", Title: "楚商信息"}, cs.merchantPage)
	cs.handle(g, page{Path: "/merchants/:id/edit", Title: "修改楚商信息"}, cs.merchantEdit)
	cs.handle(g, page{Method: http.MethodPost, Path: "/merchants/:id/edit", Title: "修改楚商信息"}, cs.merchantUpdate)
	cs.handle(g, page{Method: http.MethodPost, Path: "/merchants/:id/reveal", Title: "查看完整信息"}, cs.merchantReveal)
}

// industryOption is an industries row (a section or a division) for the selects.
type industryOption struct {
	Code  string `db:"code"`
	Name  string `db:"name"`
	Level int    `db:"level"`
}

// merchantPickers are the options of the filters and the form.
type merchantPickers struct {
	Industries []industryOption
	Townships  []region.Region
	// AllTownships are every township (the intended place of investment is any of them).
	AllTownships []region.Region
	Fields       []vocab.Item
	Bands        map[string][]merchant.Option
	// Names are the bands' names by kind and code.
	Names map[string]map[string]string
}

func (cs *Console) merchantPickers(r *request) (merchantPickers, error) {
	p := merchantPickers{Bands: merchant.Bands, Names: map[string]map[string]string{}}
	for kind, opts := range merchant.Bands {
		p.Names[kind] = map[string]string{}
		for _, o := range opts {
			p.Names[kind][o.Code] = o.Name
		}
	}
	if err := cs.d.DB.SelectContext(r.Ctx(), &p.Industries, `SELECT code, name, level FROM industries WHERE level <= 2
		ORDER BY COALESCE(parent_code, code), level, code`); err != nil {
		return p, err
	}
	towns, err := cs.d.Regions.Children(r.Ctx(), "")
	if err != nil {
		return p, err
	}
	p.AllTownships = towns
	for _, t := range towns {
		if r.Actor().SeesTownship(t.Code) {
			p.Townships = append(p.Townships, t)
		}
	}
	lists, err := cs.d.Returnees.Options(r.Ctx())
	if err != nil {
		return p, err
	}
	p.Fields = lists["intended_field"]
	return p, nil
}

// fieldName is the label of an intended field code.
func (p merchantPickers) fieldName(code string) string {
	for _, it := range p.Fields {
		if it.Code == code {
			return it.Label
		}
	}
	return code
}

type merchantsData struct {
	Result  merchant.ListPage
	Filter  url.Values
	Pickers merchantPickers
	Pager   pager
	// Filtered: some filter is set (the empty state then says to clear them).
	Filtered bool
	Problem  string
}

var merchantFilterKeys = []string{"industry", "province", "city", "township", "field", "amount_band"}

func (cs *Console) merchantsList(r *request) error {
	p, err := cs.merchantPickers(r)
	if err != nil {
		return err
	}
	d := merchantsData{Filter: url.Values{}, Pickers: p}
	for _, k := range merchantFilterKeys {
		if v := r.Query(k); v != "" {
			d.Filter.Set(k, v)
			d.Filtered = true
		}
	}
	f := merchant.Filter{Industry: d.Filter.Get("industry"), Province: d.Filter.Get("province"), City: d.Filter.Get("city"),
		Township: d.Filter.Get("township"), Field: d.Filter.Get("field"), AmountBand: d.Filter.Get("amount_band")}
	res, err := cs.d.Merchants.List(r.Ctx(), r.Actor(), f, r.PageRequest())
	status := http.StatusOK
	if err != nil {
		var fe *merchant.FilterError
		if !errors.As(err, &fe) {
			return err
		}
		// A bad filter shows next to the filters, with the values kept.
		status, d.Problem = Problem(err).Status, Problem(err).Message
	}
	d.Result = res
	d.Pager = newPager(d.Filter, res.Total, res.Page.Page, res.PageSize)
	return r.Page(status, "merchants/list", "", "楚商人才信息库", d)
}

func (cs *Console) merchantFreshness(r *request) error {
	days, _ := strconv.Atoi(r.Query("days"))
	if days < 0 || days > 3650 {
		days = 0
	}
	rep, err := cs.d.Merchants.Freshness(r.Ctx(), r.Actor(), days)
	if err != nil {
		return err
	}
	d := merchantFreshData{Report: rep, DayChoices: []int{30, 90, 180, 365}, Target: merchant.FreshTarget,
		TargetText: strconv.Itoa(int(merchant.FreshTarget*100)) + "%"}
	if !slices.Contains(d.DayChoices, rep.Days) {
		d.DayChoices = append(d.DayChoices, rep.Days)
		slices.Sort(d.DayChoices)
	}
	if t, err := time.Parse(time.RFC3339, rep.Since); err == nil {
		d.Since = t
	}
	return r.OK("merchants/freshness", "", "楚商信息更新率", d)
}

type merchantFreshData struct {
	Report     merchant.Freshness
	DayChoices []int
	Since      time.Time
	Target     float64
	TargetText string
}

type merchantDetail struct {
	Record    merchant.Record
	Fields    []string
	Names     map[string]map[string]string
	Preferred string
	MayReveal bool
	Revealed  *person.Revealed
	Reason    string
}

func (cs *Console) merchantDetail(r *request) (merchantDetail, error) {
	id, err := r.ID("id")
	if err != nil {
		return merchantDetail{}, err
	}
	rec, err := cs.d.Merchants.Get(r.Ctx(), r.Actor(), id)
	if err != nil {
		return merchantDetail{}, err
	}
	p, err := cs.merchantPickers(r)
	if err != nil {
		return merchantDetail{}, err
	}
	d := merchantDetail{Record: rec, MayReveal: r.Actor().MayReveal(), Names: p.Names}
	for _, f := range rec.IntendedFields {
		d.Fields = append(d.Fields, p.fieldName(f))
	}
	if rec.PreferredTownship != "" {
		d.Preferred = rec.PreferredTownship
		towns, err := cs.d.Regions.Children(r.Ctx(), "")
		if err != nil {
			return merchantDetail{}, err
		}
		for _, t := range towns {
			if t.Code == rec.PreferredTownship {
				d.Preferred = t.Name
			}
		}
	}
	return d, nil
}

func (cs *Console) merchantPage(r *request) error {
	d, err := cs.merchantDetail(r)
	if err != nil {
		return err
	}
	return r.OK("merchants/detail", "", d.Record.Name+" · 楚商信息", d)
}

// merchantReveal shows the full ID number and phone (audited with the reason by the service):
// to htmx as the dialog's fragment, to a plain form post as the merchant's page.
func (cs *Console) merchantReveal(r *request) error {
	id, err := r.ID("id")
	if err != nil {
		return err
	}
	reason := r.Form("reason")
	v, err := cs.d.Merchants.Reveal(r.Ctx(), r.Actor(), id, reason)
	if err != nil {
		return err
	}
	if r.HTMX() {
		return r.OK("merchants/detail", "revealed", "查看完整信息", merchantDetail{Revealed: &v, Reason: reason})
	}
	d, err := cs.merchantDetail(r)
	if err != nil {
		return err
	}
	d.Revealed, d.Reason = &v, reason
	return r.OK("merchants/detail", "", d.Record.Name+" · 楚商信息", d)
}

// merchantEnterpriseRows is how many empty enterprise rows the form offers below the stored ones.
const merchantEnterpriseRows = 2

// merchantForm is the entry and edit form.
type merchantForm struct {
	Edit     bool
	Action   string
	PersonID int64
	Name     string
	V        map[string]string
	Checked  map[string]bool
	// Enterprises are the rows of the enterprise table (stored or typed, then empty ones).
	Enterprises           []merchant.Enterprise
	MaskedID, MaskedPhone string
	Version               int
	Errors                map[string]string
	Problem               string
	// Stale: someone saved the record since it was opened.
	Stale   bool
	Pickers merchantPickers
}

func (cs *Console) merchantForm(r *request) (merchantForm, error) {
	p, err := cs.merchantPickers(r)
	if err != nil {
		return merchantForm{}, err
	}
	return merchantForm{V: map[string]string{}, Checked: map[string]bool{}, Errors: map[string]string{}, Pickers: p}, nil
}

// fill puts in into the form, with empty enterprise rows to add more.
func (f *merchantForm) fill(in merchant.Input) {
	f.V = map[string]string{"name": in.Name, "township_code": in.TownshipCode, "biz_province": in.BizProvince,
		"biz_city": in.BizCity, "industry_code": in.IndustryCode, "size_band": in.SizeBand, "revenue_band": in.RevenueBand,
		"operating_status": in.OperatingStatus, "chamber_roles": in.ChamberRoles, "amount_band": in.AmountBand,
		"timing": in.Timing, "preferred_township": in.PreferredTownship, "source": in.Source}
	f.Checked = map[string]bool{}
	for _, c := range in.IntendedFields {
		f.Checked[c] = true
	}
	f.Enterprises = append([]merchant.Enterprise{}, in.Enterprises...)
	for range merchantEnterpriseRows {
		f.Enterprises = append(f.Enterprises, merchant.Enterprise{})
	}
}

// merchantFormInput reads the posted form; enterprise rows left empty are dropped.
func merchantFormInput(r *request) merchant.Input {
	in := merchant.Input{Name: r.Form("name"), IDCard: r.Form("id_card"), Phone: r.Form("phone"),
		TownshipCode: r.Form("township_code"), BizProvince: r.Form("biz_province"), BizCity: r.Form("biz_city"),
		IndustryCode: r.Form("industry_code"), SizeBand: r.Form("size_band"), RevenueBand: r.Form("revenue_band"),
		OperatingStatus: r.Form("operating_status"), ChamberRoles: r.Form("chamber_roles"),
		IntendedFields: r.c.PostFormArray("intended_fields"), AmountBand: r.Form("amount_band"), Timing: r.Form("timing"),
		PreferredTownship: r.Form("preferred_township"), Source: r.Form("source"), Enterprises: []merchant.Enterprise{}}
	col := func(name string, i int) string {
		vs := r.c.PostFormArray(name)
		if i < len(vs) {
			return vs[i]
		}
		return ""
	}
	for i := range r.c.PostFormArray("ent_name") {
		e := merchant.Enterprise{Name: col("ent_name", i), USCC: col("ent_uscc", i), IndustryCode: col("ent_industry", i),
			Province: col("ent_province", i), City: col("ent_city", i), SizeBand: col("ent_size", i),
			RevenueBand: col("ent_revenue", i), Status: col("ent_status", i)}
		if e.Name == "" && e.USCC == "" && e.IndustryCode == "" && e.Province == "" && e.City == "" && e.SizeBand == "" &&
			e.RevenueBand == "" {
			continue
		}
		in.Enterprises = append(in.Enterprises, e)
	}
	return in
}

// showError puts err next to its field when it names one, else above the form; other errors
// (permission, not found) are returned to be shown as a page.
func (f *merchantForm) showError(err error) (int, error) {
	p := Problem(err)
	if p.Status != http.StatusUnprocessableEntity && p.Status != http.StatusConflict &&
		!errors.Is(err, merchant.ErrOutOfScope) {
		return 0, err
	}
	if p.Field != "" && p.Field != "version" {
		f.Errors[p.Field] = p.Message
	}
	f.Problem = p.Message
	return p.Status, nil
}

func (cs *Console) merchantNew(r *request) error {
	f, err := cs.merchantForm(r)
	if err != nil {
		return err
	}
	f.Action = "/console/merchants/new"
	f.fill(merchant.Input{OperatingStatus: "operating", Source: merchant.SourceStaff})
	if len(f.Pickers.Townships) == 1 {
		f.V["township_code"] = f.Pickers.Townships[0].Code
	}
	return r.OK("merchants/form", "", "登记楚商", f)
}

func (cs *Console) merchantCreate(r *request) error {
	f, err := cs.merchantForm(r)
	if err != nil {
		return err
	}
	f.Action = "/console/merchants/new"
	in := merchantFormInput(r)
	f.fill(in)
	f.V["id_card"], f.V["phone"] = in.IDCard, in.Phone
	rec, err := cs.d.Merchants.Create(r.Ctx(), r.Actor(), in)
	if err == nil {
		return r.Redirect("/merchants/"+strconv.FormatInt(rec.PersonID, 10), "已登记楚商："+rec.Name)
	}
	status, err := f.showError(err)
	if err != nil {
		return err
	}
	return r.Page(status, "merchants/form", "", "登记楚商", f)
}

// merchantEditForm is the edit form of the path's merchant, filled with the stored record.
func (cs *Console) merchantEditForm(r *request) (merchantForm, merchant.Record, error) {
	id, err := r.ID("id")
	if err != nil {
		return merchantForm{}, merchant.Record{}, err
	}
	rec, err := cs.d.Merchants.Get(r.Ctx(), r.Actor(), id)
	if err != nil {
		return merchantForm{}, merchant.Record{}, err
	}
	f, err := cs.merchantForm(r)
	if err != nil {
		return merchantForm{}, merchant.Record{}, err
	}
	f.Edit, f.PersonID, f.Name = true, id, rec.Name
	f.Action = "/console/merchants/" + strconv.FormatInt(id, 10) + "/edit"
	f.MaskedID, f.MaskedPhone, f.Version = rec.IDCard, rec.Phone, rec.Version
	f.fill(merchant.Input{Name: rec.Name, TownshipCode: rec.TownshipCode, BizProvince: rec.BizProvince, BizCity: rec.BizCity,
		IndustryCode: rec.IndustryCode, SizeBand: rec.SizeBand, RevenueBand: rec.RevenueBand, OperatingStatus: rec.OperatingStatus,
		ChamberRoles: rec.ChamberRoles, IntendedFields: rec.IntendedFields, AmountBand: rec.AmountBand, Timing: rec.Timing,
		PreferredTownship: rec.PreferredTownship, Source: rec.Source, Enterprises: rec.Enterprises})
	return f, rec, nil
}

func (cs *Console) merchantEdit(r *request) error {
	f, rec, err := cs.merchantEditForm(r)
	if err != nil {
		return err
	}
	return r.OK("merchants/form", "", "修改："+rec.Name, f)
}

// merchantUpdate saves the edit at the version the clerk read; a stale version keeps what the
// clerk typed and says to reopen the record (saving unchanged confirms the record).
func (cs *Console) merchantUpdate(r *request) error {
	f, cur, err := cs.merchantEditForm(r)
	if err != nil {
		return err
	}
	version, _ := strconv.Atoi(r.Form("version"))
	in := merchantFormInput(r)
	f.fill(in)
	f.V["id_card"], f.V["phone"] = in.IDCard, in.Phone
	f.Version = version
	if version <= 0 {
		err = badInput("表单缺少版本号，请重新打开修改页面")
	} else {
		_, err = cs.d.Merchants.Patch(r.Ctx(), r.Actor(), f.PersonID, version, func(stored *merchant.Input) error {
			mine := in
			if mine.IDCard == "" { // empty: keep the stored ID number and phone
				mine.IDCard = stored.IDCard
			}
			if mine.Phone == "" {
				mine.Phone = stored.Phone
			}
			if mine.Source == "" {
				mine.Source = stored.Source
			}
			*stored = mine
			return nil
		})
		if err == nil {
			return r.Redirect("/merchants/"+strconv.FormatInt(f.PersonID, 10), "已保存："+in.Name)
		}
	}
	if errors.Is(err, merchant.ErrStaleVersion) {
		f.Stale = true
		f.Problem = "保存前，其他人修改了这条记录（现为第 " + strconv.Itoa(cur.Version) + " 版），您的修改没有保存。请打开最新的记录核对后重新修改；下面保留了您填写的内容，可对照参考。"
		return r.Page(http.StatusConflict, "merchants/form", "", "修改："+cur.Name, f)
	}
	status, err := f.showError(err)
	if err != nil {
		return err
	}
	return r.Page(status, "merchants/form", "", "修改："+cur.Name, f)
}
