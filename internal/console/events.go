package console

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"rsc.io/qr"

	"huixiang/internal/actor"
	"huixiang/internal/alumni"
	"huixiang/internal/cn"
	"huixiang/internal/points"
)

// The event pages mirror the JSON API's event routes (internal/httpapi/alumni.go) and add editing
// and the printable check-in QR code. Like the API's "grantors" group they are for district
// administrators and department staff.

func (cs *Console) registerEvents(g *gin.RouterGroup) {
	may := actor.Actor.MayManagePoints
	cs.handle(g, page{Path: "/events", Title: "活动管理", Menu: "活动", May: may}, cs.eventsList)
	cs.handle(g, page{Path: "/events/new", Title: "新建活动", May: may}, cs.eventNew)
	cs.handle(g, page{Method: http.MethodPost, Path: "/events", Title: "新建活动", May: may}, cs.eventCreate)
	cs.handle(g, page{Path: "/events/:id", Title: "活动详情", May: may}, cs.eventPage)
	cs.handle(g, page{Path: "/events/:id/edit", Title: "编辑活动", May: may}, cs.eventEdit)
	cs.handle(g, page{Method: http.MethodPost, Path: "/events/:id", Title: "编辑活动", May: may}, cs.eventUpdate)
	cs.handle(g, page{Path: "/events/:id/qr", Title: "打印签到码", May: may}, cs.eventQRPage)
	cs.handle(g, page{Path: "/events/:id/qr.png", Title: "签到二维码", May: may}, cs.eventQRImage)
	cs.handle(g, page{Path: "/events/:id/wxacode.png", Title: "签到小程序码", May: may}, cs.eventWXACodeImage)
}

// eventRow is an event with its check-in state now.
type eventRow struct {
	alumni.Event
	// State: upcoming (check-in not open), open, closed.
	State string
}

func (cs *Console) eventRow(e alumni.Event) eventRow {
	now := cs.d.Now()
	state := "open"
	switch {
	case now.Before(e.CheckinOpensAt):
		state = "upcoming"
	case !now.Before(e.CheckinClosesAt):
		state = "closed"
	}
	return eventRow{Event: e, State: state}
}

func (cs *Console) eventsList(r *request) error {
	list, err := cs.d.Alumni.Events(r.Ctx())
	if err != nil {
		return err
	}
	rows := make([]eventRow, len(list))
	for i, e := range list {
		rows[i] = cs.eventRow(e)
	}
	return r.OK("events/list", "", "活动管理", rows)
}

// event reads the event of the path's :id.
func (cs *Console) event(r *request) (alumni.Event, error) {
	id, err := r.ID("id")
	if err != nil {
		return alumni.Event{}, err
	}
	return cs.d.Alumni.Event(r.Ctx(), id)
}

type eventDetail struct {
	Event     eventRow
	Attendees []alumni.Attendee
	Max       int
	Signups   []alumni.Signup
	MaxSign   int
}

func (cs *Console) eventPage(r *request) error {
	ev, err := cs.event(r)
	if err != nil {
		return err
	}
	att, err := cs.d.Alumni.Attendees(r.Ctx(), ev.ID)
	if err != nil {
		return err
	}
	signups, err := cs.d.Alumni.Signups(r.Ctx(), ev.ID)
	if err != nil {
		return err
	}
	return r.OK("events/detail", "", ev.Title+" · 活动详情", eventDetail{Event: cs.eventRow(ev), Attendees: att, Max: alumni.MaxAttendees,
		Signups: signups, MaxSign: alumni.MaxSignups})
}

// eventForm is the create and edit form: values as typed (datetime-local, Asia/Shanghai).
type eventForm struct {
	ID                                 int64
	Title, Starts, Ends, Opens, Closes string
	Rule                               string
	// Capacity is the 名额 as typed ("" is no limit).
	Capacity string
	// Kind is the activity's kind; Hours the training hours credited to each attendee as typed
	// ("" or 0: not a training).
	Kind, Hours  string
	Kinds        []alumni.EventKind
	Rules        []eventRuleOption
	CheckinCount int
	Error, Field string
}

// localLayout is the value format of <input type="datetime-local">.
const localLayout = "2006-01-02T15:04"

func localValue(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(cn.Zone).Format(localLayout)
}

// parseLocal reads a datetime-local value as Asia/Shanghai time (seconds allowed).
func parseLocal(v string) (time.Time, bool) {
	for _, layout := range []string{localLayout, "2006-01-02T15:04:05"} {
		if t, err := time.ParseInLocation(layout, v, cn.Zone); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// eventRuleOption is a points rule as the form's select offers it.
type eventRuleOption struct{ Code, Label string }

// rulesFor are the rules the signed-in staff member may let an event's check-ins earn.
func (cs *Console) rulesFor(r *request) ([]eventRuleOption, error) {
	all, err := cs.d.Points.Rules(r.Ctx())
	if err != nil {
		return nil, err
	}
	out := []eventRuleOption{}
	for _, rule := range all {
		if alumni.UsableForEvents(rule, r.Actor()) {
			out = append(out, eventRuleOption{Code: rule.Code, Label: ruleLabel(rule)})
		}
	}
	return out, nil
}

func (cs *Console) renderEventForm(r *request, status int, f eventForm) error {
	rules, err := cs.rulesFor(r)
	if err != nil {
		return err
	}
	f.Rules = rules
	f.Kinds = alumni.EventKinds
	title := "新建活动"
	if f.ID > 0 {
		title = "编辑活动"
	}
	return r.Page(status, "events/form", "", title, f)
}

func (cs *Console) eventNew(r *request) error {
	kind := r.Query("kind")
	if alumni.KindName(kind) == "" {
		kind = alumni.KindPolicyTalk
	}
	return cs.renderEventForm(r, http.StatusOK, eventForm{Rule: "event_attendance", Kind: kind})
}

func (cs *Console) eventEdit(r *request) error {
	ev, err := cs.event(r)
	if err != nil {
		return err
	}
	capacity := ""
	if ev.Capacity != nil {
		capacity = strconv.Itoa(*ev.Capacity)
	}
	return cs.renderEventForm(r, http.StatusOK, eventForm{ID: ev.ID, Title: ev.Title, Starts: localValue(ev.StartsAt), Ends: localValue(ev.EndsAt),
		Opens: localValue(ev.CheckinOpensAt), Closes: localValue(ev.CheckinClosesAt), Rule: ev.PointsRule, Capacity: capacity,
		Kind: ev.Kind, Hours: hoursValue(ev.TrainingMinutes), CheckinCount: ev.CheckinCount})
}

// hoursValue is training minutes as the form shows hours ("" for none): 90 → "1.5".
func hoursValue(minutes int) string {
	if minutes == 0 {
		return ""
	}
	return strconv.FormatFloat(float64(minutes)/60, 'f', -1, 64)
}

// parseHours reads hours as typed (quarter hours at most: 1.25) into minutes.
func parseHours(v string) (int, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, true
	}
	h, err := strconv.ParseFloat(v, 64)
	if err != nil || h < 0 || h > alumni.MaxTrainingMinutes/60 {
		return 0, false
	}
	m := h * 60
	if m != float64(int(m)) {
		return 0, false
	}
	return int(m), true
}

// eventInput reads the posted form; a time that is not one is a badInput naming its field.
func eventInput(r *request) (eventForm, alumni.EventInput, error) {
	f := eventForm{Title: r.Form("title"), Starts: r.Form("starts_at"), Ends: r.Form("ends_at"), Opens: r.Form("checkin_opens_at"),
		Closes: r.Form("checkin_closes_at"), Rule: r.Form("points_rule"), Capacity: strings.TrimSpace(r.Form("capacity")),
		Kind: r.Form("kind"), Hours: strings.TrimSpace(r.Form("training_hours"))}
	in := alumni.EventInput{Title: f.Title, PointsRule: f.Rule, Kind: f.Kind}
	minutes, ok := parseHours(f.Hours)
	if !ok {
		f.Field = "training_hours"
		return f, in, badInput("培训学时请填写小时数，如 3 或 1.5；不是培训请留空")
	}
	in.TrainingMinutes = minutes
	if f.Capacity != "" {
		n, err := strconv.Atoi(f.Capacity)
		if err != nil {
			f.Field = "capacity"
			return f, in, badInput("名额请填写整数，不限名额请留空")
		}
		in.Capacity = &n
	}
	for _, t := range []struct {
		v, field, label string
		to              *time.Time
		opt             **time.Time
	}{
		{f.Starts, "starts_at", "开始时间", &in.StartsAt, nil},
		{f.Ends, "ends_at", "结束时间", &in.EndsAt, nil},
		{f.Opens, "checkin_opens_at", "签到开始时间", nil, &in.CheckinOpensAt},
		{f.Closes, "checkin_closes_at", "签到截止时间", nil, &in.CheckinClosesAt},
	} {
		if t.v == "" {
			if t.to != nil {
				f.Field = t.field
				return f, in, badInput("请填写" + t.label)
			}
			continue
		}
		at, ok := parseLocal(t.v)
		if !ok {
			f.Field = t.field
			return f, in, badInput(t.label + "格式不正确，请按「年-月-日 时:分」填写")
		}
		if t.to != nil {
			*t.to = at
		} else {
			*t.opt = &at
		}
	}
	return f, in, nil
}

// eventFormFailed shows the form again with the error (a server error is shown as such).
func (cs *Console) eventFormFailed(r *request, f eventForm, err error) error {
	p := Problem(err)
	if p.Status >= 500 || p.Status == http.StatusNotFound {
		return err
	}
	f.Error = p.Message
	if f.Field == "" {
		f.Field = p.Field
	}
	if f.Field == "" && p.Status == http.StatusForbidden {
		f.Field = "points_rule"
	}
	return cs.renderEventForm(r, p.Status, f)
}

func (cs *Console) eventCreate(r *request) error {
	f, in, err := eventInput(r)
	if err != nil {
		return cs.eventFormFailed(r, f, err)
	}
	ev, err := cs.d.Alumni.CreateEvent(r.Ctx(), r.Actor(), in)
	if err != nil {
		return cs.eventFormFailed(r, f, err)
	}
	return r.Redirect("/events/"+strconv.FormatInt(ev.ID, 10), "已创建活动「"+ev.Title+"」，可以打印签到码了")
}

func (cs *Console) eventUpdate(r *request) error {
	id, err := r.ID("id")
	if err != nil {
		return err
	}
	f, in, err := eventInput(r)
	f.ID = id
	if err != nil {
		return cs.eventFormFailed(r, f, err)
	}
	ev, err := cs.d.Alumni.UpdateEvent(r.Ctx(), r.Actor(), id, in)
	if err != nil {
		if cur, cerr := cs.d.Alumni.Event(r.Ctx(), id); cerr == nil {
			f.CheckinCount = cur.CheckinCount
		}
		return cs.eventFormFailed(r, f, err)
	}
	return r.Redirect("/events/"+strconv.FormatInt(ev.ID, 10), "已保存活动「"+ev.Title+"」，已打印的签到码仍然有效")
}

func (cs *Console) eventQRPage(r *request) error {
	ev, err := cs.event(r)
	if err != nil {
		return err
	}
	return r.OK("events/qr", "", ev.Title+" · 签到码", ev)
}

// qrScale is the PNG's pixels per QR module: about 400 px for an event's payload, sharp when
// printed at 12 cm.
const qrScale = 10

// eventQRImage is the check-in QR code as a PNG: the payload the mini program's scan sends to
// POST /api/v1/events/:id/checkin (alumni.Event.QR, huixiang:event:<id>:<token>).
func (cs *Console) eventQRImage(r *request) error {
	ev, err := cs.event(r)
	if err != nil {
		return err
	}
	code, err := qr.Encode(ev.QR, qr.M)
	if err != nil {
		return err
	}
	code.Scale = qrScale
	r.c.Header("Content-Disposition", `inline; filename="event-`+strconv.FormatInt(ev.ID, 10)+`-checkin.png"`)
	r.c.Data(http.StatusOK, "image/png", code.PNG())
	return nil
}

// eventWXACodeImage is the event's 小程序码 as WeChat drew it (alumni.EventWXACode): WeChat's
// own scanner opens the mini program's check-in page with it. Served from our origin, so the
// page's img-src 'self' holds.
func (cs *Console) eventWXACodeImage(r *request) error {
	id, err := r.ID("id")
	if err != nil {
		return err
	}
	img, err := cs.d.Alumni.EventWXACode(r.Ctx(), id)
	if err != nil {
		return err
	}
	r.c.Header("Content-Disposition", `inline; filename="event-`+strconv.FormatInt(id, 10)+`-wxacode.png"`)
	r.c.Data(http.StatusOK, http.DetectContentType(img), img)
	return nil
}

// ruleLabel is a rule as the form's options show it.
func ruleLabel(rule points.Rule) string {
	return strings.TrimSpace(rule.Name) + "（每人 " + strconv.FormatInt(rule.Points, 10) + " 分）"
}
