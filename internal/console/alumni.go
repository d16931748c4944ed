package console

import (
	"errors"
	"net/http"
	"slices"
	"strconv"

	"github.com/gin-gonic/gin"

	"huixiang/internal/actor"
	"huixiang/internal/alumni"
)

// The alumni pages mirror the JSON API's alumni routes (internal/httpapi/alumni.go): the list,
// one alumnus with review and grading, entry on someone's behalf, and the schools. Like the API's
// "grantors" group they are for district administrators and department staff.

func (cs *Console) registerAlumni(g *gin.RouterGroup) {
	may := actor.Actor.MayManagePoints
	cs.handle(g, page{Path: "/alumni", Title: "校友名录", Menu: "校友", May: may}, cs.alumniList)
	cs.handle(g, page{Path: "/alumni/new", Title: "代为登记校友", May: may}, cs.alumnusNew)
	cs.handle(g, page{Method: http.MethodPost, Path: "/alumni", Title: "代为登记校友", May: may}, cs.alumnusCreate)
	cs.handle(g, page{Path: "/alumni/claims", Title: "认领记录", Menu: "校友", May: may}, cs.alumniClaims)
	cs.handle(g, page{Path: "/alumni/:id", Title: "校友详情", May: may}, cs.alumnusPage)
	cs.handle(g, page{Path: "/alumni/:id/edit", Title: "修改校友信息", May: may}, cs.alumnusEdit)
	cs.handle(g, page{Method: http.MethodPost, Path: "/alumni/:id/edit", Title: "修改校友信息", May: may}, cs.alumnusSave)
	cs.handle(g, page{Method: http.MethodPost, Path: "/alumni/:id/review", Title: "审核校友登记", May: may}, cs.alumnusReview)
	cs.handle(g, page{Method: http.MethodPost, Path: "/alumni/:id/grade", Title: "评定校友等级", May: may}, cs.alumnusGrade)
	cs.handle(g, page{Path: "/alumni/schools", Title: "学校管理", Menu: "校友", May: may}, cs.schoolsPage)
	cs.handle(g, page{Method: http.MethodPost, Path: "/alumni/schools", Title: "添加学校", May: may}, cs.schoolCreate)
	cs.handle(g, page{Method: http.MethodPost, Path: "/alumni/schools/:code", Title: "修改学校", May: may}, cs.schoolUpdate)
}

// alumniStatuses are the review statuses as staff call them, in the filter's order.
var alumniStatuses = []struct{ Code, Name string }{
	{alumni.StatusPending, "待审核"}, {alumni.StatusApproved, "已通过"}, {alumni.StatusRejected, "已驳回"},
}

// offerNames are the kinds of support an alumnus may offer.
var offerNames = map[string]string{"talent": "人才", "investment": "投资", "projects": "项目", "advice": "咨询建议"}

type alumniListData struct {
	Items                       []alumni.Record
	Total, PageNo, PageSize     int
	Status, School, Grade, Name string
	Statuses                    []struct{ Code, Name string }
	Schools                     []alumni.School
	Grades                      []alumni.Grade
	Filtered                    bool
}

func (cs *Console) alumniList(r *request) error {
	f := alumni.SearchFilter{Filter: alumni.Filter{Status: r.Query("status"), School: r.Query("school"), Grade: r.Query("grade"),
		PageRequest: r.PageRequest()}, Name: r.Query("name")}
	res, err := cs.d.Alumni.Search(r.Ctx(), f)
	if err != nil {
		return err
	}
	schools, err := cs.d.Alumni.Schools(r.Ctx(), false)
	if err != nil {
		return err
	}
	grades, err := cs.d.Alumni.Grades(r.Ctx())
	if err != nil {
		return err
	}
	data := alumniListData{Items: res.Items, Total: res.Total, PageNo: res.Page, PageSize: res.PageSize,
		Status: f.Status, School: f.School, Grade: f.Grade, Name: f.Name, Statuses: alumniStatuses, Schools: schools, Grades: grades,
		Filtered: f.Status != "" || f.School != "" || f.Grade != "" || f.Name != ""}
	return r.OK("alumni/list", "alumni-results", "校友名录", data)
}

// alumnusForm is the staff entry form: the values typed and the error to show.
type offerOption struct {
	Code, Name string
	Checked    bool
}

type alumnusForm struct {
	In      alumni.Input
	Entry   string
	Grad    string
	Schools []alumni.School
	Offers  []offerOption
	Error   string
	Field   string
}

func (cs *Console) newAlumnusForm(r *request, in alumni.Input) (alumnusForm, error) {
	schools, err := cs.d.Alumni.Schools(r.Ctx(), true)
	if err != nil {
		return alumnusForm{}, err
	}
	f := alumnusForm{In: in, Schools: schools}
	for _, o := range alumni.Offers {
		f.Offers = append(f.Offers, offerOption{Code: o, Name: offerNames[o], Checked: slices.Contains(in.Offers, o)})
	}
	if in.EntryYear > 0 {
		f.Entry = strconv.Itoa(in.EntryYear)
	}
	if in.GraduationYear != nil {
		f.Grad = strconv.Itoa(*in.GraduationYear)
	}
	return f, nil
}

func (cs *Console) alumnusNew(r *request) error {
	f, err := cs.newAlumnusForm(r, alumni.Input{DirectoryConsent: true})
	if err != nil {
		return err
	}
	return r.OK("alumni/new", "", "代为登记校友", f)
}

// alumnusInput reads the alumnus form; err is a 422 for a year that is no number.
func (r *request) alumnusInput() (alumni.Input, error) {
	in := alumni.Input{Name: r.Form("name"), IDCard: r.Form("id_card"), Phone: r.Form("phone"), SchoolCode: r.Form("school_code"),
		CurrentCity: r.Form("current_city"), Organization: r.Form("organization"), Industry: r.Form("industry"),
		Title: r.Form("title"), Expertise: r.Form("expertise"), Offers: r.c.PostFormArray("offers"),
		DirectoryConsent: r.Form("directory_consent") == "on"}
	entry, entryErr := strconv.Atoi(r.Form("entry_year"))
	in.EntryYear = entry
	if g := r.Form("graduation_year"); g != "" {
		if y, err := strconv.Atoi(g); err == nil {
			in.GraduationYear = &y
		} else {
			entryErr = err
		}
	}
	if entryErr != nil && r.Form("entry_year") != "" {
		return in, badInput("入学年份、毕业年份请填写四位数字年份")
	}
	return in, nil
}

func (cs *Console) alumnusCreate(r *request) error {
	in, err := r.alumnusInput()
	var rec alumni.Record
	if err == nil {
		rec, err = cs.d.Alumni.Create(r.Ctx(), r.Actor(), in)
	}
	if err != nil {
		p := Problem(err)
		if p.Status >= 500 {
			return err
		}
		f, ferr := cs.newAlumnusForm(r, in)
		if ferr != nil {
			return ferr
		}
		f.Error, f.Field = p.Message, p.Field
		return r.Page(p.Status, "alumni/new", "", "代为登记校友", f)
	}
	return r.Redirect("/alumni/"+strconv.FormatInt(rec.PersonID, 10), "已登记校友 "+rec.Name+"（已通过审核）")
}

type alumnusData struct {
	Rec        alumni.Record
	StatusName string
	Offers     []string
	Grades     []alumni.Grade
	// Grade is the alumnus' grade code ("" when not graded).
	Grade string
}

func statusName(code string) string {
	for _, s := range alumniStatuses {
		if s.Code == code {
			return s.Name
		}
	}
	return code
}

func (cs *Console) alumnusPage(r *request) error {
	id, err := r.ID("id")
	if err != nil {
		return err
	}
	rec, err := cs.d.Alumni.Get(r.Ctx(), id)
	if err != nil {
		return err
	}
	grades, err := cs.d.Alumni.Grades(r.Ctx())
	if err != nil {
		return err
	}
	data := alumnusData{Rec: rec, StatusName: statusName(rec.Status), Grades: grades}
	if rec.GradeCode != nil {
		data.Grade = *rec.GradeCode
	}
	for _, o := range rec.Offers {
		data.Offers = append(data.Offers, offerNames[o])
	}
	return r.OK("alumni/detail", "", rec.Name+" · 校友详情", data)
}

func (cs *Console) alumnusReview(r *request) error {
	id, err := r.ID("id")
	if err != nil {
		return err
	}
	version, _ := strconv.Atoi(r.Form("version"))
	decision := r.Form("decision")
	rec, err := cs.d.Alumni.Review(r.Ctx(), r.Actor(), id, alumni.Review{Decision: decision, Comment: r.Form("comment"), Version: version})
	if err != nil {
		return r.alumniBack("/alumni/"+strconv.FormatInt(id, 10), err)
	}
	msg := "已通过 " + rec.Name + " 的校友登记"
	if rec.Status == alumni.StatusRejected {
		msg = "已驳回 " + rec.Name + " 的校友登记，原因：" + rec.ReviewComment
	}
	return r.Redirect("/alumni/"+strconv.FormatInt(id, 10), msg)
}

func (cs *Console) alumnusGrade(r *request) error {
	id, err := r.ID("id")
	if err != nil {
		return err
	}
	version, _ := strconv.Atoi(r.Form("version"))
	rec, err := cs.d.Alumni.SetGrade(r.Ctx(), r.Actor(), id, r.Form("grade"), version)
	if err != nil {
		return r.alumniBack("/alumni/"+strconv.FormatInt(id, 10), err)
	}
	grade := ""
	if rec.GradeName != nil {
		grade = *rec.GradeName
	}
	return r.Redirect("/alumni/"+strconv.FormatInt(id, 10), rec.Name+" 的校友等级已评定为「"+grade+"」")
}

type schoolsData struct {
	Schools []alumni.School
	// New is the add form's values and error.
	Code, Name, Sort string
	Error, Field     string
}

func (cs *Console) schoolsPage(r *request) error {
	return cs.renderSchools(r, http.StatusOK, schoolsData{Sort: "0"})
}

func (cs *Console) renderSchools(r *request, status int, data schoolsData) error {
	list, err := cs.d.Alumni.Schools(r.Ctx(), false)
	if err != nil {
		return err
	}
	data.Schools = list
	return r.Page(status, "alumni/schools", "", "学校管理", data)
}

// formSort reads a school's sort order (a blank one is 0).
func formSort(v string) (int, error) {
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < -1000000 || n > 1000000 {
		return 0, badInput("排序请填写整数")
	}
	return n, nil
}

func (cs *Console) schoolCreate(r *request) error {
	data := schoolsData{Code: r.Form("code"), Name: r.Form("name"), Sort: r.Form("sort")}
	sort, err := formSort(data.Sort)
	if err == nil {
		active := true
		_, err = cs.d.Alumni.CreateSchool(r.Ctx(), r.Actor(), alumni.SchoolInput{Code: data.Code, Name: &data.Name, Active: &active, Sort: &sort})
	}
	if err != nil {
		p := Problem(err)
		if p.Status >= 500 {
			return err
		}
		data.Error, data.Field = p.Message, p.Field
		if data.Field == "" && p.Status == http.StatusConflict {
			data.Field = "code"
		}
		return cs.renderSchools(r, p.Status, data)
	}
	return r.Redirect("/alumni/schools", "已添加学校「"+data.Name+"」")
}

func (cs *Console) schoolUpdate(r *request) error {
	code := r.Param("code")
	name := r.Form("name")
	active := r.Form("active") == "on"
	sort, err := formSort(r.Form("sort"))
	if err != nil {
		return r.alumniBack("/alumni/schools", err)
	}
	sc, err := cs.d.Alumni.UpdateSchool(r.Ctx(), r.Actor(), code, alumni.SchoolInput{Name: &name, Active: &active, Sort: &sort})
	if err != nil {
		return r.alumniBack("/alumni/schools", err)
	}
	state := "已启用"
	if !sc.Active {
		state = "已停用（小程序不再列出，已选的校友保留）"
	}
	return r.Redirect("/alumni/schools", "已保存学校「"+sc.Name+"」，"+state)
}

// alumniBack answers a failed form post on a page with several forms (a detail page) by
// going back to it with the error as its message: the page shows it above its forms. Not found
// and server errors are shown as such.
func (r *request) alumniBack(path string, err error) error {
	p := Problem(err)
	if p.Status >= 500 || p.Status == http.StatusNotFound || p.Status == http.StatusForbidden {
		return err
	}
	r.setFlash(flash{Kind: "error", Message: p.Message})
	return r.Redirect(path, "")
}

// alumnusEditForm is the edit form: the record (identity shown masked, not editable), the
// values typed, the version they were read at, and the error to show.
type alumnusEditForm struct {
	alumnusForm
	Rec     alumni.Record
	Version int
	// Stale: the record changed since the form was read; the form shows the current values.
	Stale bool
}

// recordInput is the Input that keeps rec as it is (identity left blank: the person's).
func recordInput(rec alumni.Record) alumni.Input {
	return alumni.Input{SchoolCode: rec.SchoolCode, EntryYear: rec.EntryYear, GraduationYear: rec.GraduationYear,
		CurrentCity: rec.CurrentCity, Organization: rec.Organization, Industry: rec.Industry, Title: rec.Title,
		Expertise: rec.Expertise, Offers: rec.Offers, DirectoryConsent: rec.DirectoryConsent}
}

func (cs *Console) editForm(r *request, rec alumni.Record, in alumni.Input, version int) (alumnusEditForm, error) {
	f, err := cs.newAlumnusForm(r, in)
	if err != nil {
		return alumnusEditForm{}, err
	}
	return alumnusEditForm{alumnusForm: f, Rec: rec, Version: version}, nil
}

func (cs *Console) alumnusEdit(r *request) error {
	id, err := r.ID("id")
	if err != nil {
		return err
	}
	rec, err := cs.d.Alumni.Get(r.Ctx(), id)
	if err != nil {
		return err
	}
	f, err := cs.editForm(r, rec, recordInput(rec), rec.Version)
	if err != nil {
		return err
	}
	return r.OK("alumni/edit", "", "修改校友信息 · "+rec.Name, f)
}

func (cs *Console) alumnusSave(r *request) error {
	id, err := r.ID("id")
	if err != nil {
		return err
	}
	version, _ := strconv.Atoi(r.Form("version"))
	in, err := r.alumnusInput()
	var rec alumni.Record
	if err == nil {
		rec, err = cs.d.Alumni.Update(r.Ctx(), r.Actor(), id, version, in)
	}
	if err == nil {
		return r.Redirect("/alumni/"+strconv.FormatInt(id, 10), "已保存 "+rec.Name+" 的校友信息")
	}
	p := Problem(err)
	if p.Status >= 500 || p.Status == http.StatusNotFound || p.Status == http.StatusForbidden {
		return err
	}
	cur, gerr := cs.d.Alumni.Get(r.Ctx(), id)
	if gerr != nil {
		return gerr
	}
	if errors.Is(err, alumni.ErrStaleVersion) {
		// Someone saved first: show what is stored now, at its version, to change again.
		f, ferr := cs.editForm(r, cur, recordInput(cur), cur.Version)
		if ferr != nil {
			return ferr
		}
		f.Stale = true
		f.Error = "保存失败：这条校友信息在您打开后已被他人修改。下面已换成最新内容，请核对后重新修改并保存。"
		return r.Page(p.Status, "alumni/edit", "", "修改校友信息 · "+cur.Name, f)
	}
	f, ferr := cs.editForm(r, cur, in, version)
	if ferr != nil {
		return ferr
	}
	f.Error, f.Field = p.Message, p.Field
	return r.Page(p.Status, "alumni/edit", "", "修改校友信息 · "+cur.Name, f)
}

type alumniClaimsData struct {
	Result alumni.ClaimPage
	Pager  pager
}

func (cs *Console) alumniClaims(r *request) error {
	res, err := cs.d.Alumni.Claims(r.Ctx(), r.Actor(), r.PageRequest())
	if err != nil {
		return err
	}
	return r.OK("alumni/claims", "", "认领记录", alumniClaimsData{Result: res, Pager: newPager(r.c.Request.URL.Query(), res.Total, res.Page, res.PageSize)})
}
