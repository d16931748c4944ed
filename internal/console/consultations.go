package console

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"huixiang/internal/actor"
	"huixiang/internal/consultation"
	"huixiang/internal/mentor"
	"huixiang/internal/sqldb"
)

// The consultation pages mirror the JSON API's admin routes (internal/httpapi/consultation.go):
// district administrators and departments see the online consultations (导师线上问诊), the
// overdue ones first, assign a waiting one or reassign an overdue one to an active mentor
// (consultation.Service.Assign decides and audits), and read the per-mentor statistics.
func (cs *Console) registerConsultations(g *gin.RouterGroup) {
	may := actor.Actor.MayManagePolicies
	cs.handle(g, page{Path: "/consultations", Title: "线上问诊", Menu: "导师", May: may}, cs.consultationsList)
	cs.handle(g, page{Path: "/consultations/stats", Title: "导师服务统计", Menu: "导师", May: may}, cs.consultationStats)
	cs.handle(g, page{Path: "/consultations/:id", Title: "问诊详情", May: may}, cs.consultationPage)
	cs.handle(g, page{Method: http.MethodPost, Path: "/consultations/:id/assign", Title: "分派导师", May: may}, cs.consultationAssign)
}

var consultationStatuses = []category{{consultation.StatusWaiting, "待分派"}, {consultation.StatusAssigned, "待导师回复"},
	{consultation.StatusAnswered, "导师已回复"}, {consultation.StatusClosed, "已结束"}}

func consultationStatusName(s string) string {
	for _, c := range consultationStatuses {
		if c.Code == s {
			return c.Name
		}
	}
	return s
}

// consultationRow is a consultation as the list and the detail page show it.
type consultationRow struct {
	consultation.Consultation
	FieldName  string
	StatusName string
	// Short is the question cut to a line.
	Short string
	// Reassignable: waiting, or overdue (the only ones Assign accepts).
	Reassignable bool
	// Options are the mentors it may go to: Matching (their fields include the consultation's)
	// and Others, each the least loaded first.
	Options, Matching, Others []mentorOption
	// ClosedByName says who closed it (提问人 or 导师).
	ClosedByName string
}

// mentorOption is an active mentor in the assign select, with the open consultations they have.
type mentorOption struct {
	ID      int64
	Name    string
	Open    int
	Matches bool // the mentor's fields include the consultation's field
}

// shorten cuts s to n characters with an ellipsis.
func shorten(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

// assignOptions are the active mentors (and their open load) the assign selects offer.
type assignOptions struct {
	mentors []mentor.Mentor
	open    map[int64]int
}

func (cs *Console) assignOptions(r *request) (assignOptions, error) {
	var o assignOptions
	var err error
	if o.mentors, err = cs.d.Mentors.List(r.Ctx(), mentor.StatusActive); err != nil {
		return o, err
	}
	stats, err := cs.d.Consultations.Stats(r.Ctx())
	if err != nil {
		return o, err
	}
	o.open = map[int64]int{}
	for _, s := range stats {
		o.open[s.MentorID] = s.Open
	}
	return o, nil
}

// forRow is the options for c: every active mentor but the current one, those whose fields
// include c's field first, then the least loaded.
func (o assignOptions) forRow(c consultation.Consultation) []mentorOption {
	var out []mentorOption
	for _, m := range o.mentors {
		if c.MentorID != nil && *c.MentorID == m.ID {
			continue
		}
		out = append(out, mentorOption{ID: m.ID, Name: m.Name, Open: o.open[m.ID], Matches: c.Field != nil && slices.Contains(m.Fields, *c.Field)})
	}
	slices.SortStableFunc(out, func(a, b mentorOption) int {
		if a.Matches != b.Matches {
			if a.Matches {
				return -1
			}
			return 1
		}
		return cmp.Compare(a.Open, b.Open)
	})
	return out
}

func (cs *Console) consultationRow(c consultation.Consultation, names map[string]string, o *assignOptions) consultationRow {
	row := consultationRow{Consultation: c, StatusName: consultationStatusName(c.Status), Short: shorten(c.Question, 24),
		Reassignable: c.Status == consultation.StatusWaiting || c.Overdue}
	if c.Field != nil {
		row.FieldName = cmp.Or(names[*c.Field], *c.Field)
	}
	if row.Reassignable && o != nil {
		row.Options = o.forRow(c)
		for _, m := range row.Options {
			if m.Matches {
				row.Matching = append(row.Matching, m)
			} else {
				row.Others = append(row.Others, m)
			}
		}
	}
	switch {
	case c.ClosedBy == nil:
	case *c.ClosedBy == consultation.SideMentor:
		row.ClosedByName = "导师"
	default:
		row.ClosedByName = "提问人"
	}
	return row
}

type consultationsData struct {
	Items    []consultationRow
	Page     sqldb.Page[consultation.Consultation]
	Pager    pager
	Status   string
	Overdue  bool
	Field    string
	Statuses []category
	Fields   []category
	// Counts are the waiting and overdue consultations (whatever the filters).
	Waiting, OverdueCount int
	// Back is the list's query, for the assign forms to come back to the same filters.
	Back string
}

// consultationsQuery reads the list's filters from q: status, overdue and field.
func consultationsQuery(q url.Values) (consultation.AdminQuery, string, error) {
	aq := consultation.AdminQuery{Status: q.Get("status")}
	if aq.Status != "" && !slices.Contains(consultation.Statuses, aq.Status) {
		return aq, "", badInput("状态不正确，请从列表上方的筛选里选择")
	}
	switch q.Get("overdue") {
	case "", "0":
	case "1":
		aq.Overdue = true
	default:
		return aq, "", badInput("“只看超时”的值不正确")
	}
	return aq, q.Get("field"), nil
}

func (cs *Console) consultationsList(r *request) error {
	aq, field, err := consultationsQuery(r.c.Request.URL.Query())
	if err != nil {
		return err
	}
	d := consultationsData{Status: aq.Status, Overdue: aq.Overdue, Field: field, Statuses: consultationStatuses}
	lists, names, err := cs.fieldNames(r)
	if err != nil {
		return err
	}
	for _, it := range lists["intended_field"] {
		d.Fields = append(d.Fields, category{it.Code, it.Label})
	}
	// The service's list is bounded (the 500 latest, waiting and overdue first); the field
	// filter and the paging are the console's.
	all, err := cs.d.Consultations.AdminList(r.Ctx(), aq)
	if err != nil {
		return err
	}
	var items []consultation.Consultation
	for _, c := range all {
		if field == "" || (c.Field != nil && *c.Field == field) {
			items = append(items, c)
		}
	}
	counts := all
	if aq != (consultation.AdminQuery{}) {
		if counts, err = cs.d.Consultations.AdminList(r.Ctx(), consultation.AdminQuery{}); err != nil {
			return err
		}
	}
	for _, c := range counts {
		switch {
		case c.Status == consultation.StatusWaiting:
			d.Waiting++
		case c.Overdue:
			d.OverdueCount++
		}
	}
	pr := r.PageRequest()
	from := min((pr.Page-1)*pr.PageSize, len(items))
	to := min(from+pr.PageSize, len(items))
	d.Page = sqldb.Page[consultation.Consultation]{Items: items[from:to], Total: len(items), Page: pr.Page, PageSize: pr.PageSize}
	opts, err := cs.assignOptions(r)
	if err != nil {
		return err
	}
	for _, c := range d.Page.Items {
		d.Items = append(d.Items, cs.consultationRow(c, names, &opts))
	}
	keep := url.Values{}
	for k, v := range map[string]string{"status": aq.Status, "field": field, "page": r.Query("page")} {
		if v != "" {
			keep.Set(k, v)
		}
	}
	if aq.Overdue {
		keep.Set("overdue", "1")
	}
	d.Back = keep.Encode()
	keep.Del("page")
	d.Pager = newPager(keep, d.Page.Total, d.Page.Page, d.Page.PageSize)
	return r.OK("consultations/list", "", "线上问诊", d)
}

type consultationView struct {
	C        consultationRow
	Messages int
}

// consultationByID is consultation id as staff see it.
func (cs *Console) consultationByID(r *request, id int64) (*consultation.Consultation, error) {
	return cs.d.Consultations.AdminGet(r.Ctx(), id)
}

func (cs *Console) consultationPage(r *request) error {
	id, err := r.ID("id")
	if err != nil {
		return err
	}
	c, err := cs.consultationByID(r, id)
	if err != nil {
		return err
	}
	_, names, err := cs.fieldNames(r)
	if err != nil {
		return err
	}
	opts, err := cs.assignOptions(r)
	if err != nil {
		return err
	}
	v := consultationView{C: cs.consultationRow(*c, names, &opts)}
	// How many messages the thread has (the service shows the thread to its two sides only).
	if err := cs.d.DB.GetContext(r.Ctx(), &v.Messages, `SELECT COUNT(*) FROM consultation_messages WHERE consultation_id = ?`, id); err != nil {
		return fmt.Errorf("console: messages of consultation %d: %w", id, err)
	}
	return r.OK("consultations/detail", "", fmt.Sprintf("问诊 #%d", id), v)
}

// assignBack is where the assign form comes back to: the list with its filters (from the
// form's back field, only the list's own parameters kept), or the consultation's page.
func assignBack(r *request, id int64) string {
	if r.Form("from") != "list" {
		return fmt.Sprintf("/consultations/%d", id)
	}
	q, _ := url.ParseQuery(r.Form("back"))
	keep := url.Values{}
	for _, k := range []string{"status", "overdue", "field", "page"} {
		if v := q.Get(k); v != "" {
			keep.Set(k, v)
		}
	}
	if len(keep) == 0 {
		return "/consultations"
	}
	return "/consultations?" + keep.Encode()
}

func (cs *Console) consultationAssign(r *request) error {
	id, err := r.ID("id")
	if err != nil {
		return err
	}
	back := assignBack(r, id)
	mid, err := strconv.ParseInt(r.Form("mentor_id"), 10, 64)
	if err != nil || mid <= 0 {
		return r.refuse(back, "请先在下拉框里选择一位导师")
	}
	c, err := cs.d.Consultations.Assign(r.Ctx(), r.Actor(), id, mid)
	var fe *consultation.FieldError
	switch {
	case errors.Is(err, consultation.ErrInvalidTransition):
		return r.refuse(back, fmt.Sprintf("问诊 #%d 没有转派：只有“待分派”或“超时未回复”的问诊可以转给其他导师，这条的状态已经变了（导师可能刚刚回复）。", id))
	case errors.As(err, &fe):
		return r.refuse(back, fmt.Sprintf("问诊 #%d 没有转派：%s", id, fe.Message))
	case err != nil:
		return err
	}
	return r.Redirect(back, fmt.Sprintf("已转给%s导师，首次回复截止 %s", c.MentorName, showTime(c.DueAt, "2006-01-02 15:04")))
}

// refuse answers a refused form post with a redirect to path and the reason as an error flash.
func (r *request) refuse(path, message string) error {
	r.setFlash(flash{Kind: "error", Message: message})
	return r.Redirect(path, "")
}

// statsRow is one mentor's line of the statistics.
type statsRow struct {
	MentorID                     int64
	Name                         string
	Status                       string
	Count, Answered, Open        int
	Overdue, Rated               int
	ReplyHours                   string // median, "—" without replies
	Stars                        string // average, "—" without ratings
	Appointments, ApptsCompleted int
}

type statsData struct {
	Rows []statsRow
	// Total is the sum over the mentors.
	Total statsRow
	AsOf  time.Time
}

func (cs *Console) consultationStats(r *request) error {
	stats, err := cs.d.Consultations.Stats(r.Ctx())
	if err != nil {
		return err
	}
	mentors, err := cs.d.Mentors.List(r.Ctx(), "")
	if err != nil {
		return err
	}
	byID := map[int64]consultation.MentorStats{}
	for _, s := range stats {
		byID[s.MentorID] = s
	}
	d := statsData{AsOf: cs.d.Now()}
	for _, m := range mentors {
		s := byID[m.ID]
		row := statsRow{MentorID: m.ID, Name: m.Name, Status: m.Status, Count: s.Count, Answered: s.Answered, Open: s.Open,
			Overdue: s.Overdue, Rated: s.Rated, ReplyHours: "—", Stars: "—"}
		if s.MedianReplyMinutes != nil {
			row.ReplyHours = strconv.FormatFloat(math.Round(*s.MedianReplyMinutes/6)/10, 'f', 1, 64)
		}
		if s.AverageStars != nil {
			row.Stars = strconv.FormatFloat(*s.AverageStars, 'f', 1, 64)
		}
		all, err := cs.d.Mentors.AdminList(r.Ctx(), mentor.AdminQuery{MentorID: m.ID}, sqldb.PageRequest{Page: 1, PageSize: 1})
		if err != nil {
			return err
		}
		done, err := cs.d.Mentors.AdminList(r.Ctx(), mentor.AdminQuery{MentorID: m.ID, Status: mentor.Attended}, sqldb.PageRequest{Page: 1, PageSize: 1})
		if err != nil {
			return err
		}
		row.Appointments, row.ApptsCompleted = all.Total, done.Total
		d.Rows = append(d.Rows, row)
		t := &d.Total
		t.Count, t.Answered, t.Open, t.Overdue, t.Rated = t.Count+row.Count, t.Answered+row.Answered, t.Open+row.Open, t.Overdue+row.Overdue, t.Rated+row.Rated
		t.Appointments, t.ApptsCompleted = t.Appointments+row.Appointments, t.ApptsCompleted+row.ApptsCompleted
	}
	// The busiest first: overdue, then open, then all.
	slices.SortStableFunc(d.Rows, func(a, b statsRow) int {
		return cmp.Or(cmp.Compare(b.Overdue, a.Overdue), cmp.Compare(b.Open, a.Open), cmp.Compare(b.Count, a.Count))
	})
	return r.OK("consultations/stats", "", "导师服务统计", d)
}
