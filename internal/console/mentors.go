package console

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"huixiang/internal/actor"
	"huixiang/internal/mentor"
	"huixiang/internal/servicepoint"
	"huixiang/internal/sqldb"
	"huixiang/internal/vocab"
)

// The mentor pages mirror the JSON API's admin routes (internal/httpapi/mentor.go): district
// administrators and departments keep the mentor team and see the appointments.
func (cs *Console) registerMentors(g *gin.RouterGroup) {
	may := actor.Actor.MayManagePolicies
	cs.handle(g, page{Path: "/mentors", Title: "创业导师", Menu: "导师", May: may}, cs.mentorsList)
	cs.handle(g, page{Path: "/mentors/new", Title: "添加导师", May: may}, cs.mentorNew)
	cs.handle(g, page{Method: http.MethodPost, Path: "/mentors", Title: "添加导师", May: may}, cs.mentorCreate)
	cs.handle(g, page{Path: "/mentors/:id", Title: "导师资料", May: may}, cs.mentorEdit)
	cs.handle(g, page{Method: http.MethodPost, Path: "/mentors/:id", Title: "导师资料", May: may}, cs.mentorUpdate)
	cs.handle(g, page{Path: "/appointments", Title: "导师预约", Menu: "导师", May: may}, cs.appointmentsList)
}

var mentorStatuses = []category{{mentor.StatusActive, "在岗"}, {mentor.StatusPaused, "暂停"}, {mentor.StatusRetired, "已退出"}}

var mentorModes = []category{{mentor.ModeOnline, "线上"}, {mentor.ModePhone, "电话"}, {mentor.ModeInPerson, "到服务网点面谈"}}

var appointmentStatuses = []category{{mentor.Requested, "待导师确认"}, {mentor.Confirmed, "已确认"}, {mentor.Attended, "已完成"},
	{mentor.NoShow, "未到"}, {mentor.Declined, "导师婉拒"}, {mentor.Cancelled, "已取消"}}

var weekdayNames = []string{"周日", "周一", "周二", "周三", "周四", "周五", "周六"}

type mentorsData struct {
	Items      []mentor.Mentor
	Status     string
	Statuses   []category
	FieldNames map[string]string
}

func (cs *Console) fieldNames(r *request) (vocab.Lists, map[string]string, error) {
	lists, err := cs.d.Returnees.Options(r.Ctx())
	if err != nil {
		return nil, nil, err
	}
	names := map[string]string{}
	for _, it := range lists["intended_field"] {
		names[it.Code] = it.Label
	}
	return lists, names, nil
}

func (cs *Console) mentorsList(r *request) error {
	d := mentorsData{Status: r.Query("status"), Statuses: mentorStatuses}
	var err error
	if _, d.FieldNames, err = cs.fieldNames(r); err != nil {
		return err
	}
	if d.Items, err = cs.d.Mentors.List(r.Ctx(), d.Status); err != nil {
		return err
	}
	return r.OK("mentors/list", "", "创业导师", d)
}

// mentorForm is the new and edit form.
type mentorForm struct {
	M          *mentor.Mentor // nil for a new mentor
	PersonID   string
	P          mentor.Profile
	Status     string
	Fields     []vocab.Item
	Modes      []category
	Statuses   []category
	Points     []servicepoint.Point
	Days       []mentorDay
	Exceptions string
	Has        map[string]bool
	// PointID is the chosen service point ("" for none).
	PointID int64
}

// mentorDay is one weekday's window in the form (one per day; more through the API).
type mentorDay struct {
	Weekday    int
	Name       string
	Start, End string
}

func (cs *Console) mentorForm(r *request, m *mentor.Mentor, p mentor.Profile, av mentor.Availability) (mentorForm, error) {
	f := mentorForm{M: m, P: p, Modes: mentorModes, Statuses: mentorStatuses, Status: mentor.StatusActive, Has: map[string]bool{}}
	if m != nil {
		f.Status, f.PersonID = m.Status, strconv.FormatInt(m.PersonID, 10)
	}
	for _, c := range p.Fields {
		f.Has["field:"+c] = true
	}
	for _, c := range p.Modes {
		f.Has["mode:"+c] = true
	}
	if p.ServicePointID != nil {
		f.PointID = *p.ServicePointID
	}
	lists, _, err := cs.fieldNames(r)
	if err != nil {
		return f, err
	}
	f.Fields = lists["intended_field"]
	if f.Points, err = cs.d.ServicePoints.List(r.Ctx(), servicepoint.Query{}); err != nil {
		return f, err
	}
	for wd := 1; wd <= 7; wd++ {
		d := mentorDay{Weekday: wd % 7, Name: weekdayNames[wd%7]}
		for _, w := range av.Weekly {
			if w.Weekday == d.Weekday && d.Start == "" {
				d.Start, d.End = w.Start, w.End
			}
		}
		f.Days = append(f.Days, d)
	}
	var lines []string
	for _, e := range av.Exceptions {
		lines = append(lines, strings.TrimSpace(e.From+" "+e.To+" "+e.Note))
	}
	f.Exceptions = strings.Join(lines, "\n")
	return f, nil
}

func (cs *Console) mentorNew(r *request) error {
	f, err := cs.mentorForm(r, nil, mentor.Profile{WeeklyCap: 5, SlotMinutes: mentor.DefaultSlotMinutes, Modes: []string{mentor.ModeOnline}}, mentor.Availability{})
	if err != nil {
		return err
	}
	f.PersonID = r.Query("person")
	return r.OK("mentors/form", "", "添加导师", f)
}

func (cs *Console) mentorEdit(r *request) error {
	id, err := r.ID("id")
	if err != nil {
		return err
	}
	m, err := cs.d.Mentors.Get(r.Ctx(), id)
	if err != nil {
		return err
	}
	f, err := cs.mentorForm(r, m, m.Profile, m.Availability)
	if err != nil {
		return err
	}
	return r.OK("mentors/form", "", m.Name, f)
}

// mentorInput reads the form's profile and availability.
func mentorInput(r *request) (mentor.Profile, mentor.Availability, error) {
	_ = r.c.Request.ParseForm()
	p := mentor.Profile{Fields: r.c.PostFormArray("fields"), Organisation: r.Form("organisation"), Title: r.Form("title"),
		Bio: r.Form("bio"), Modes: r.c.PostFormArray("modes")}
	var err error
	if p.WeeklyCap, err = strconv.Atoi(r.Form("weekly_cap")); err != nil {
		return p, mentor.Availability{}, badInput("每周最多预约次数请填写整数")
	}
	if p.SlotMinutes, err = strconv.Atoi(r.Form("slot_minutes")); err != nil {
		return p, mentor.Availability{}, badInput("每次时长请填写分钟数")
	}
	if sp := r.Form("service_point_id"); sp != "" {
		v, err := strconv.ParseInt(sp, 10, 64)
		if err != nil {
			return p, mentor.Availability{}, badInput("请选择服务网点")
		}
		p.ServicePointID = &v
	}
	av := mentor.Availability{Weekly: []mentor.Window{}, Exceptions: []mentor.Exception{}}
	for wd := range 7 {
		start, end := r.Form(fmt.Sprintf("start_%d", wd)), r.Form(fmt.Sprintf("end_%d", wd))
		if start == "" && end == "" {
			continue
		}
		av.Weekly = append(av.Weekly, mentor.Window{Weekday: wd, Start: start, End: end})
	}
	for _, line := range strings.Split(strings.ReplaceAll(r.Form("exceptions"), "\r", ""), "\n") {
		parts := strings.Fields(line)
		if len(parts) == 0 {
			continue
		}
		e := mentor.Exception{From: parts[0], To: parts[0]}
		rest := parts[1:]
		if len(rest) > 0 && len(rest[0]) == 10 && strings.Count(rest[0], "-") == 2 {
			e.To, rest = rest[0], rest[1:]
		}
		e.Note = strings.Join(rest, " ")
		av.Exceptions = append(av.Exceptions, e)
	}
	return p, av, nil
}

func (cs *Console) mentorCreate(r *request) error {
	p, av, err := mentorInput(r)
	if err != nil {
		return err
	}
	pid, err := strconv.ParseInt(r.Form("person_id"), 10, 64)
	if err != nil || pid <= 0 {
		return badInput("请填写人员编号（人员清单或校友名录里每人的编号）")
	}
	m, err := cs.d.Mentors.Create(r.Ctx(), r.Actor(), mentor.Input{PersonID: pid, Profile: p, Availability: &av})
	if err != nil {
		return err
	}
	return r.Redirect("/mentors", fmt.Sprintf("已添加导师 %s，返乡人员可以按可约时间预约了", m.Name))
}

func (cs *Console) mentorUpdate(r *request) error {
	id, err := r.ID("id")
	if err != nil {
		return err
	}
	v, err := formVersion(r)
	if err != nil {
		return err
	}
	p, av, err := mentorInput(r)
	if err != nil {
		return err
	}
	m, err := cs.d.Mentors.Update(r.Ctx(), r.Actor(), id, v, r.Form("status"), p, &av)
	if err != nil {
		return err
	}
	return r.Redirect("/mentors", fmt.Sprintf("已保存导师 %s 的资料", m.Name))
}

type appointmentsData struct {
	Page     sqldb.Page[mentor.Appointment]
	Status   string
	MentorID string
	Statuses []category
	Mentors  []mentor.Mentor
	Names    map[string]string
	Pager    pager
}

func (cs *Console) appointmentsList(r *request) error {
	d := appointmentsData{Status: r.Query("status"), MentorID: r.Query("mentor_id"), Statuses: appointmentStatuses, Names: map[string]string{}}
	for _, s := range appointmentStatuses {
		d.Names[s.Code] = s.Name
	}
	var q mentor.AdminQuery
	q.Status = d.Status
	if d.MentorID != "" {
		id, err := strconv.ParseInt(d.MentorID, 10, 64)
		if err != nil {
			return badInput("导师编号不正确")
		}
		q.MentorID = id
	}
	var err error
	if d.Mentors, err = cs.d.Mentors.List(r.Ctx(), ""); err != nil {
		return err
	}
	if d.Page, err = cs.d.Mentors.AdminList(r.Ctx(), q, r.PageRequest()); err != nil {
		return err
	}
	d.Pager = newPager(url.Values{"mentor_id": {d.MentorID}, "status": {d.Status}}, d.Page.Total, d.Page.Page, d.Page.PageSize)
	return r.OK("mentors/appointments", "", "导师预约", d)
}
