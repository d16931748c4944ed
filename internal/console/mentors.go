package console

import (
	"errors"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"huixiang/internal/actor"
	"huixiang/internal/mentor"
	"huixiang/internal/servicepoint"
	"huixiang/internal/sqldb"
	"huixiang/internal/upload"
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
	// Photos are the signed URLs of the mentors' photos, by mentor id.
	Photos map[int64]string
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
	d.Photos = map[int64]string{}
	for _, m := range d.Items {
		if m.PhotoUploadID != nil {
			d.Photos[m.ID], _ = cs.d.Uploads.SignedURL(*m.PhotoUploadID)
		}
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
	// PhotoURL is the signed URL of the mentor's photo ("" for none); MaxPhotoMB the limit.
	PhotoURL   string
	MaxPhotoMB int64
}

// mentorDay is one weekday's window in the form (one per day; more through the API).
type mentorDay struct {
	Weekday    int
	Name       string
	Start, End string
}

func (cs *Console) mentorForm(r *request, m *mentor.Mentor, p mentor.Profile, av mentor.Availability) (mentorForm, error) {
	f := mentorForm{M: m, P: p, Modes: mentorModes, Statuses: mentorStatuses, Status: mentor.StatusActive, Has: map[string]bool{},
		MaxPhotoMB: maxPhotoBytes >> 20}
	if m != nil {
		f.Status, f.PersonID = m.Status, strconv.FormatInt(m.PersonID, 10)
	}
	if p.PhotoUploadID != nil {
		f.PhotoURL, _ = cs.d.Uploads.SignedURL(*p.PhotoUploadID)
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

// maxPhotoBytes bounds a mentor's photo.
const maxPhotoBytes = 5 << 20

// mentorPhotoRef is the record a mentor's photo is attached to (upload.SaveImage).
const mentorPhotoRef = "mentor"

// readMentorForm parses the mentor form (multipart when it carries a photo; the whole request
// bounded) and receives the photo, when one was chosen, into storage: a JPEG or PNG by its
// bytes, at most maxPhotoBytes. The caller saves or discards the received photo.
func (cs *Console) readMentorForm(r *request) (*upload.Received, error) {
	req := r.c.Request
	req.Body = http.MaxBytesReader(r.c.Writer, req.Body, maxPhotoBytes+256<<10)
	err := req.ParseMultipartForm(1 << 20)
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return nil, &consoleError{Status: http.StatusRequestEntityTooLarge, Message: fmt.Sprintf("照片不能超过 %d MB，请换一张小一些的照片", maxPhotoBytes>>20)}
	case errors.Is(err, http.ErrNotMultipart):
		if err := req.ParseForm(); err != nil {
			return nil, badInput("表单没有传完整，请重新提交")
		}
		return nil, nil
	case err != nil:
		return nil, badInput("表单没有传完整，请重新提交")
	}
	files := req.MultipartForm.File["photo"]
	if len(files) == 0 || files[0].Filename == "" || files[0].Size == 0 {
		return nil, nil
	}
	return cs.receivePhoto(r, files[0])
}

func (cs *Console) receivePhoto(r *request, fh *multipart.FileHeader) (*upload.Received, error) {
	if fh.Size > maxPhotoBytes {
		return nil, &consoleError{Status: http.StatusRequestEntityTooLarge, Message: fmt.Sprintf("照片不能超过 %d MB，请换一张小一些的照片", maxPhotoBytes>>20)}
	}
	file, err := fh.Open()
	if err != nil {
		return nil, badInput("照片没有传完整，请重新选择")
	}
	defer file.Close()
	rec, err := cs.d.Uploads.Receive(r.Ctx(), fh.Filename, file)
	switch {
	case errors.Is(err, upload.ErrUnsupportedType):
		return nil, &consoleError{Status: http.StatusUnsupportedMediaType, Message: "照片只能是 JPG 或 PNG 图片，请重新选择"}
	case err != nil:
		return nil, err
	}
	if ct := rec.ContentType(); ct != upload.TypeJPEG && ct != upload.TypePNG {
		cs.d.Uploads.Discard(r.Ctx(), rec)
		return nil, &consoleError{Status: http.StatusUnsupportedMediaType, Message: "照片只能是 JPG 或 PNG 图片，请重新选择"}
	}
	return rec, nil
}

// savePhoto records the received photo for mentor id and writes it to the mentor through the
// mentor update (audited), read at version with status and p; the previous photo the console
// uploaded is removed. On error nothing is kept.
func (cs *Console) savePhoto(r *request, rec *upload.Received, id int64, version int, status string, p mentor.Profile, av *mentor.Availability) (*mentor.Mentor, error) {
	u, err := cs.d.Uploads.SaveImage(r.Ctx(), cs.d.DB, rec, mentorPhotoRef, id)
	if err != nil {
		cs.d.Uploads.Discard(r.Ctx(), rec)
		return nil, err
	}
	before := p.PhotoUploadID
	p.PhotoUploadID = &u.ID
	m, err := cs.d.Mentors.Update(r.Ctx(), r.Actor(), id, version, status, p, av)
	if err != nil {
		_ = cs.d.Uploads.RemoveImage(r.Ctx(), cs.d.DB, u.ID, mentorPhotoRef, id)
		return nil, err
	}
	if before != nil && *before != u.ID {
		_ = cs.d.Uploads.RemoveImage(r.Ctx(), cs.d.DB, *before, mentorPhotoRef, id) // a photo set through the API stays
	}
	return m, nil
}

func (cs *Console) mentorCreate(r *request) error {
	photo, err := cs.readMentorForm(r)
	if err != nil {
		return err
	}
	discard := func() { cs.d.Uploads.Discard(r.Ctx(), photo) }
	p, av, err := mentorInput(r)
	if err != nil {
		discard()
		return err
	}
	pid, err := strconv.ParseInt(r.Form("person_id"), 10, 64)
	if err != nil || pid <= 0 {
		discard()
		return badInput("请填写人员编号（人员清单或校友名录里每人的编号）")
	}
	m, err := cs.d.Mentors.Create(r.Ctx(), r.Actor(), mentor.Input{PersonID: pid, Profile: p, Availability: &av})
	if err != nil {
		discard()
		return err
	}
	if photo != nil {
		if _, err := cs.savePhoto(r, photo, m.ID, m.Version, m.Status, m.Profile, nil); err != nil {
			r.setFlash(flash{Kind: "error", Message: fmt.Sprintf("已添加导师 %s，但照片没有保存（%s），请在这里重新上传", m.Name, Problem(err).Message)})
			return r.Redirect(fmt.Sprintf("/mentors/%d", m.ID), "")
		}
	}
	return r.Redirect("/mentors", fmt.Sprintf("已添加导师 %s，返乡人员可以按可约时间预约了", m.Name))
}

func (cs *Console) mentorUpdate(r *request) error {
	id, err := r.ID("id")
	if err != nil {
		return err
	}
	photo, err := cs.readMentorForm(r)
	if err != nil {
		return err
	}
	fail := func(err error) error {
		cs.d.Uploads.Discard(r.Ctx(), photo)
		return err
	}
	v, err := formVersion(r)
	if err != nil {
		return fail(err)
	}
	p, av, err := mentorInput(r)
	if err != nil {
		return fail(err)
	}
	old, err := cs.d.Mentors.Get(r.Ctx(), id)
	if err != nil {
		return fail(err)
	}
	// The photo stays unless a new one is chosen or 删除照片 is ticked.
	if r.Form("remove_photo") != "1" {
		p.PhotoUploadID = old.PhotoUploadID
	}
	var m *mentor.Mentor
	if photo != nil {
		m, err = cs.savePhoto(r, photo, id, v, r.Form("status"), p, &av)
	} else {
		m, err = cs.d.Mentors.Update(r.Ctx(), r.Actor(), id, v, r.Form("status"), p, &av)
		if err == nil && old.PhotoUploadID != nil && p.PhotoUploadID == nil {
			_ = cs.d.Uploads.RemoveImage(r.Ctx(), cs.d.DB, *old.PhotoUploadID, mentorPhotoRef, id)
		}
	}
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
