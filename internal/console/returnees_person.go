package console

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"huixiang/internal/cn"
	"huixiang/internal/person"
	"huixiang/internal/returnee"
	"huixiang/internal/training"
	"huixiang/internal/vocab"
)

// field is one labelled value of a person's page.
type regField struct{ Label, Value string }

// historyEntry is a change as the timeline shows it.
type regHistoryEntry struct {
	At       time.Time
	Action   string
	Who      string
	Fields   []string
	Identity []person.IdentityChange
}

type regDetailData struct {
	Record    returnee.Record
	Fields    []regField
	Business  []regField
	History   []regHistoryEntry
	MayWrite  bool
	MayReveal bool
	Revealed  *person.Revealed
	Labels    regLabels
	Reason    string
	// Training is the person's activities and training track; MayTrain whether the viewer runs
	// the track (enrols, marks stages).
	Training *training.Record
	MayTrain bool
	Today    string
}

// fieldLabel is the form's name of a stored field ("skills" → 技能).
func regFieldLabel(f string) string {
	switch f {
	case "content_review":
		return "内容审核"
	case "name":
		return "姓名"
	}
	return (&returnee.FieldError{Field: f}).Label()
}

func regLabelsOf(l vocab.Lists, kind string, codes []string) string {
	out := make([]string, 0, len(codes))
	for _, c := range codes {
		label := c
		for _, it := range l[kind] {
			if it.Code == c {
				label = it.Label
			}
		}
		out = append(out, label)
	}
	return strings.Join(out, "、")
}

func regDay(d *returnee.Date) string {
	if d == nil {
		return ""
	}
	return d.Format(time.DateOnly)
}

func regIntText(n *int) string {
	if n == nil {
		return ""
	}
	return strconv.Itoa(*n)
}

// shown is every field of in as the person's page and the conflict table show it, by field name.
func regShown(in returnee.Input, l vocab.Lists, townName, villageName string) map[string]string {
	m := map[string]string{
		"name": in.Name, "id_card": in.IDCard, "phone": in.Phone, "township_code": townName, "village_code": villageName,
		"status": regStatusLabels[in.Status], "left_on": regDay(in.LeftOn), "returned_on": regDay(in.ReturnedOn),
		"plan_return_on": regDay(in.PlanReturnOn), "work_province": in.WorkProvince, "work_city": in.WorkCity,
		"industry": in.Industry, "years_away": regIntText(in.YearsAway), "skills": regLabelsOf(l, "skill", in.Skills),
		"skills_text": in.SkillsText, "certificates": in.Certificates, "education": regLabelsOf(l, "education", regNonEmpty(in.Education)),
		"intention": regIntentionLabels[in.Intention], "intended_fields": regLabelsOf(l, "intended_field", in.IntendedFields),
		"intention_note": in.IntentionNote, "needs": regLabelsOf(l, "need", in.Needs),
	}
	if b := in.Business; b != nil {
		m["business.name"], m["business.type"], m["business.uscc"] = b.Name, regLabelsOf(l, "business_type", regNonEmpty(b.Type)), b.USCC
		m["business.started_on"], m["business.jobs_created"] = regDay(b.StartedOn), regIntText(b.JobsCreated)
	}
	return m
}

func regNonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

var (
	regDetailOrder   = []string{"status", "left_on", "returned_on", "plan_return_on", "work_province", "work_city", "industry", "years_away", "education", "skills", "skills_text", "certificates", "intention", "intended_fields", "needs", "intention_note"}
	regBusinessOrder = []string{"business.name", "business.type", "business.uscc", "business.started_on", "business.jobs_created"}
)

func (cs *Console) returneeDetail(r *request) error {
	d, err := cs.returneePerson(r)
	if err != nil {
		return err
	}
	return r.OK("returnees/detail", "", d.Record.Name, d)
}

// detail reads the person of the path with their history, for the person's page.
func (cs *Console) returneePerson(r *request) (regDetailData, error) {
	id, err := r.ID("id")
	if err != nil {
		return regDetailData{}, err
	}
	rec, err := cs.d.Returnees.Get(r.Ctx(), r.Actor(), id)
	if err != nil {
		return regDetailData{}, err
	}
	changes, err := cs.d.Returnees.History(r.Ctx(), r.Actor(), id)
	if err != nil {
		return regDetailData{}, err
	}
	lists, err := cs.d.Returnees.Options(r.Ctx())
	if err != nil {
		return regDetailData{}, err
	}
	d := regDetailData{Record: rec, MayWrite: r.Actor().MayWriteRegistry(), MayReveal: r.Actor().MayReveal(), Labels: regCodeLabels}
	vals := regShown(rec.Input, lists, rec.TownshipName, rec.VillageName)
	for _, f := range regDetailOrder {
		d.Fields = append(d.Fields, regField{regFieldLabel(f), vals[f]})
	}
	if rec.Business != nil {
		for _, f := range regBusinessOrder {
			d.Business = append(d.Business, regField{regFieldLabel(f), vals[f]})
		}
	}
	d.History = cs.returneeTimeline(r, changes)
	if d.Training, err = cs.d.Trainings.PersonRecord(r.Ctx(), rec.PersonID); err != nil {
		return regDetailData{}, err
	}
	d.MayTrain, d.Today = r.Actor().MayManagePolicies(), time.Now().In(cn.Zone).Format(time.DateOnly)
	return d, nil
}

// timeline turns the history into entries that name who changed what.
func (cs *Console) returneeTimeline(r *request, changes []returnee.Change) []regHistoryEntry {
	names := map[int64]string{}
	out := make([]regHistoryEntry, 0, len(changes))
	for _, c := range changes {
		e := regHistoryEntry{At: c.ChangedAt, Action: regActionLabels[c.Action], Identity: c.Identity}
		if e.Action == "" {
			e.Action = c.Action
		}
		switch {
		case c.ActorType == "user":
			e.Who = "本人（小程序）"
		case c.ActorType == "staff" && c.ActorID != nil:
			name, ok := names[*c.ActorID]
			if !ok {
				name = "工作人员 #" + strconv.FormatInt(*c.ActorID, 10)
				if s, err := cs.d.Staff.Get(r.Ctx(), *c.ActorID); err == nil {
					name = s.DisplayName
					if name == "" {
						name = s.Username
					}
				}
				names[*c.ActorID] = name
			}
			e.Who = name
		default:
			e.Who = "系统"
		}
		if c.ImportBatchID != nil {
			e.Who += "（批量导入 #" + strconv.FormatInt(*c.ImportBatchID, 10) + "）"
		}
		for _, f := range c.Fields {
			e.Fields = append(e.Fields, regFieldLabel(f))
		}
		for i := range e.Identity {
			e.Identity[i].Field = regFieldLabel(e.Identity[i].Field)
		}
		out = append(out, e)
	}
	return out
}

// returneeReveal shows the full ID number and phone (audited with the reason by the service):
// to htmx as the dialog's fragment, to a plain form post as the person's page.
func (cs *Console) returneeReveal(r *request) error {
	id, err := r.ID("id")
	if err != nil {
		return err
	}
	reason := r.Form("reason")
	v, err := cs.d.Returnees.Reveal(r.Ctx(), r.Actor(), id, reason)
	if err != nil {
		return err
	}
	if r.HTMX() {
		return r.OK("returnees/detail", "revealed", "查看完整信息", regDetailData{Revealed: &v, Reason: reason})
	}
	d, err := cs.returneePerson(r)
	if err != nil {
		return err
	}
	d.Revealed, d.Reason = &v, reason
	return r.OK("returnees/detail", "", d.Record.Name, d)
}

// formData is the entry and edit form.
type regForm struct {
	Edit     bool
	Action   string
	PersonID int64
	Name     string
	// V are the fields' values and Checked the ticked options ("skills:welder").
	V       map[string]string
	Checked map[string]bool
	// Masked are the stored ID number and phone (edit: empty fields keep them).
	MaskedID, MaskedPhone string
	Version               int
	ReadAt                int64
	Errors                map[string]string
	Problem               string
	Pickers               regPickers
	Conflict              *regConflict
}

// conflict is what another person saved since the clerk opened the edit form.
type regConflict struct {
	Changes []regHistoryEntry
	Diffs   []regDiff
}

type regDiff struct{ Label, Theirs, Yours string }

func (cs *Console) returneeForm(r *request) (regForm, error) {
	p, err := cs.regPickers(r)
	if err != nil {
		return regForm{}, err
	}
	return regForm{V: map[string]string{}, Checked: map[string]bool{}, Errors: map[string]string{}, Pickers: p}, nil
}

// fill puts in into the form.
func (f *regForm) fill(in returnee.Input) {
	f.V = map[string]string{"name": in.Name, "township_code": in.TownshipCode, "village_code": in.VillageCode,
		"status": in.Status, "left_on": regDay(in.LeftOn), "returned_on": regDay(in.ReturnedOn), "plan_return_on": regDay(in.PlanReturnOn),
		"work_province": in.WorkProvince, "work_city": in.WorkCity, "industry": in.Industry, "years_away": regIntText(in.YearsAway),
		"skills_text": in.SkillsText, "certificates": in.Certificates, "education": in.Education, "intention": in.Intention,
		"intention_note": in.IntentionNote}
	if b := in.Business; b != nil {
		f.V["business.name"], f.V["business.type"], f.V["business.uscc"] = b.Name, b.Type, b.USCC
		f.V["business.started_on"], f.V["business.jobs_created"] = regDay(b.StartedOn), regIntText(b.JobsCreated)
	}
	f.Checked = map[string]bool{}
	for kind, codes := range map[string][]string{"skills": in.Skills, "intended_fields": in.IntendedFields, "needs": in.Needs} {
		for _, c := range codes {
			f.Checked[kind+":"+c] = true
		}
	}
}

// formInput reads the posted form as an Input (ID number and phone as typed).
func regFormInput(r *request) (returnee.Input, error) {
	in := returnee.Input{Name: r.Form("name"), IDCard: r.Form("id_card"), Phone: r.Form("phone"),
		TownshipCode: r.Form("township_code"), VillageCode: r.Form("village_code"), Status: r.Form("status"),
		WorkProvince: r.Form("work_province"), WorkCity: r.Form("work_city"), Industry: r.Form("industry"),
		SkillsText: r.Form("skills_text"), Certificates: r.Form("certificates"), Education: r.Form("education"),
		Intention: r.Form("intention"), IntentionNote: r.Form("intention_note"),
		Skills: r.c.PostFormArray("skills"), IntendedFields: r.c.PostFormArray("intended_fields"), Needs: r.c.PostFormArray("needs")}
	for name, dst := range map[string]**returnee.Date{"left_on": &in.LeftOn, "returned_on": &in.ReturnedOn, "plan_return_on": &in.PlanReturnOn} {
		if err := regFormDate(r, name, dst); err != nil {
			return in, err
		}
	}
	if err := regFormInt(r, "years_away", &in.YearsAway); err != nil {
		return in, err
	}
	b := &returnee.Business{Name: r.Form("business.name"), Type: r.Form("business.type"), USCC: r.Form("business.uscc")}
	if err := regFormDate(r, "business.started_on", &b.StartedOn); err != nil {
		return in, err
	}
	if err := regFormInt(r, "business.jobs_created", &b.JobsCreated); err != nil {
		return in, err
	}
	if b.Name != "" || b.Type != "" || b.USCC != "" || b.StartedOn != nil || b.JobsCreated != nil {
		in.Business = b
	}
	return in, nil
}

func regFormDate(r *request, name string, dst **returnee.Date) error {
	v := r.Form(name)
	if v == "" {
		return nil
	}
	t, err := time.Parse(time.DateOnly, v)
	if err != nil {
		return &returnee.FieldError{Field: name, Problem: returnee.ProblemInvalid}
	}
	*dst = &returnee.Date{Time: t}
	return nil
}

func regFormInt(r *request, name string, dst **int) error {
	v := r.Form(name)
	if v == "" {
		return nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return &returnee.FieldError{Field: name, Problem: returnee.ProblemInvalid}
	}
	*dst = &n
	return nil
}

// showError puts err next to its field when it names one, else above the form; other errors
// (permission, not found) are returned to be shown as a page.
func (f *regForm) showError(err error) (int, error) {
	p := Problem(err)
	if p.Status != http.StatusUnprocessableEntity && p.Status != http.StatusConflict {
		return 0, err
	}
	if p.Field != "" && p.Field != "version" {
		f.Errors[p.Field] = p.Message
	}
	f.Problem = p.Message
	return p.Status, nil
}

func (cs *Console) returneeNew(r *request) error {
	f, err := cs.returneeForm(r)
	if err != nil {
		return err
	}
	f.Action = "/console/returnees/new"
	f.V["status"], f.V["intention"] = "returned", "none"
	if len(f.Pickers.Townships) == 1 {
		f.V["township_code"] = f.Pickers.Townships[0].Code
	}
	return r.OK("returnees/form", "", "代为登记", f)
}

func (cs *Console) returneeCreate(r *request) error {
	f, err := cs.returneeForm(r)
	if err != nil {
		return err
	}
	f.Action = "/console/returnees/new"
	in, err := regFormInput(r)
	f.fill(in)
	f.V["id_card"], f.V["phone"] = in.IDCard, in.Phone
	if err == nil {
		var rec returnee.Record
		rec, err = cs.d.Returnees.Create(r.Ctx(), r.Actor(), in)
		if err == nil {
			return r.Redirect("/returnees/"+strconv.FormatInt(rec.PersonID, 10), "已登记："+rec.Name)
		}
	}
	status, err := f.showError(err)
	if err != nil {
		return err
	}
	return r.Page(status, "returnees/form", "", "代为登记", f)
}

// editForm is the edit form of the path's person, filled with the stored record.
func (cs *Console) returneeEditForm(r *request) (regForm, returnee.Record, error) {
	id, err := r.ID("id")
	if err != nil {
		return regForm{}, returnee.Record{}, err
	}
	rec, err := cs.d.Returnees.Get(r.Ctx(), r.Actor(), id)
	if err != nil {
		return regForm{}, returnee.Record{}, err
	}
	f, err := cs.returneeForm(r)
	if err != nil {
		return regForm{}, returnee.Record{}, err
	}
	f.Edit, f.PersonID, f.Name = true, id, rec.Name
	f.Action = "/console/returnees/" + strconv.FormatInt(id, 10) + "/edit"
	f.MaskedID, f.MaskedPhone = rec.IDCard, rec.Phone
	f.Version, f.ReadAt = rec.Version, rec.UpdatedAt.UnixMilli()
	f.fill(rec.Input)
	return f, rec, nil
}

func (cs *Console) returneeEdit(r *request) error {
	f, rec, err := cs.returneeEditForm(r)
	if err != nil {
		return err
	}
	return r.OK("returnees/form", "", "修改："+rec.Name, f)
}

// returneeUpdate saves the edit at the version the clerk read. When someone else saved in
// between, the form comes back with what they changed next to what the clerk typed, and the
// current version, so that saving again applies the clerk's values over theirs.
func (cs *Console) returneeUpdate(r *request) error {
	f, cur, err := cs.returneeEditForm(r)
	if err != nil {
		return err
	}
	version, _ := strconv.Atoi(r.Form("version"))
	readAt, _ := strconv.ParseInt(r.Form("read_at"), 10, 64)
	in, err := regFormInput(r)
	f.fill(in)
	f.V["id_card"], f.V["phone"] = in.IDCard, in.Phone
	if err == nil && version <= 0 {
		err = badInput("表单缺少版本号，请重新打开修改页面")
	}
	if err == nil {
		_, err = cs.d.Returnees.Patch(r.Ctx(), r.Actor(), f.PersonID, version, func(stored *returnee.Input) error {
			mine := in
			if mine.IDCard == "" { // empty: keep the stored ID number and phone
				mine.IDCard = stored.IDCard
			}
			if mine.Phone == "" {
				mine.Phone = stored.Phone
			}
			*stored = mine
			return nil
		})
		if err == nil {
			return r.Redirect("/returnees/"+strconv.FormatInt(f.PersonID, 10), "已保存："+in.Name)
		}
	}
	if errors.Is(err, returnee.ErrStaleVersion) {
		if f.Conflict, err = cs.regConflict(r, cur, in, readAt); err != nil {
			return err
		}
		// The form now holds the current version: saving again applies the clerk's values.
		f.Problem = "保存前，其他人修改了这条记录。请核对下面列出的改动；确认无误后再次点击“保存”，将以您填写的内容为准。"
		return r.Page(http.StatusConflict, "returnees/form", "", "修改："+cur.Name, f)
	}
	f.Version, f.ReadAt = version, readAt
	status, err := f.showError(err)
	if err != nil {
		return err
	}
	return r.Page(status, "returnees/form", "", "修改："+cur.Name, f)
}

// conflict lists the changes saved since readAt (milliseconds) and, for each field they
// touched, the value now stored next to the clerk's.
func (cs *Console) regConflict(r *request, cur returnee.Record, mine returnee.Input, readAt int64) (*regConflict, error) {
	changes, err := cs.d.Returnees.History(r.Ctx(), r.Actor(), cur.PersonID)
	if err != nil {
		return nil, err
	}
	var since []returnee.Change
	var touched []string
	for _, c := range changes {
		if c.ChangedAt.UnixMilli() <= readAt || c.Action == "confirm" {
			continue
		}
		since = append(since, c)
		for _, fl := range c.Fields {
			if !slices.Contains(touched, fl) {
				touched = append(touched, fl)
			}
		}
	}
	lists, err := cs.d.Returnees.Options(r.Ctx())
	if err != nil {
		return nil, err
	}
	p, err := cs.regPickers(r)
	if err != nil {
		return nil, err
	}
	town, village := regRegionNames(p, mine.TownshipCode, mine.VillageCode)
	theirs := regShown(cur.Input, lists, cur.TownshipName, cur.VillageName)
	yours := regShown(mine, lists, town, village)
	if mine.IDCard == "" {
		yours["id_card"] = theirs["id_card"]
	}
	if mine.Phone == "" {
		yours["phone"] = theirs["phone"]
	}
	out := &regConflict{Changes: cs.returneeTimeline(r, since)}
	for _, fl := range touched {
		out.Diffs = append(out.Diffs, regDiff{Label: regFieldLabel(fl), Theirs: theirs[fl], Yours: yours[fl]})
	}
	return out, nil
}

func regRegionNames(p regPickers, township, village string) (string, string) {
	var t, v string
	for _, g := range p.Villages {
		if g.Township.Code == township {
			t = g.Township.Name
		}
		for _, vv := range g.Villages {
			if vv.Code == village {
				v = vv.Name
			}
		}
	}
	return t, v
}
