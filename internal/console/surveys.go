package console

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"huixiang/internal/actor"
	"huixiang/internal/region"
	"huixiang/internal/survey"
)

func (cs *Console) registerSurveys(g *gin.RouterGroup) {
	cs.handle(g, page{Path: "/surveys", Title: "问卷版本", Menu: "意愿调查"}, cs.surveyList)
	cs.handle(g, page{Path: "/surveys/:id", Title: "问卷统计"}, cs.surveyStats)
	cs.handle(g, page{Path: "/surveys/:id/new", Title: "发布新版本", May: actor.Actor.MayManageStaff}, cs.surveyNew)
	cs.handle(g, page{Method: http.MethodPost, Path: "/surveys/:id/new", Title: "发布新版本", May: actor.Actor.MayManageStaff}, cs.surveyCreate)
}

// surveyStatusLabels are the version statuses as staff read them, with their badge.
var surveyStatusLabels = map[string]struct{ Label, Badge string }{
	survey.StatusActive: {"使用中", "badge-ok"},
	survey.StatusDraft:  {"草稿", "badge-info"},
	survey.StatusClosed: {"已停用", ""},
}

type surveyRow struct {
	survey.Survey
	StatusLabel, StatusBadge string
}

// surveyList is the versions of every questionnaire, newest first (GET /admin/api/v1/surveys).
func (cs *Console) surveyList(r *request) error {
	list, err := cs.d.Surveys.List(r.Ctx(), "")
	if err != nil {
		return err
	}
	rows := make([]surveyRow, 0, len(list))
	for _, s := range list {
		l := surveyStatusLabels[s.Status]
		rows = append(rows, surveyRow{Survey: s, StatusLabel: l.Label, StatusBadge: l.Badge})
	}
	return r.OK("surveys/list", "", "问卷版本", rows)
}

type surveyQuestion struct {
	survey.QuestionStats
	Chart map[string]any // nil: a text question, or nobody answered it
	Max   int
}

type surveyStatsData struct {
	Survey    survey.Survey
	Stats     survey.Stats
	Questions []surveyQuestion
	// Township is the filter; Locked when the actor's scope fixes it (township staff).
	Township     string
	TownshipName string
	Locked       bool
	Townships    []region.Region
}

// surveyStats counts one version's answers per question and option (GET
// /admin/api/v1/surveys/:id/stats): township staff always their own township, other staff any
// township or all of them.
func (cs *Console) surveyStats(r *request) error {
	id, err := r.ID("id")
	if err != nil {
		return err
	}
	a := r.Actor()
	d := surveyStatsData{Township: r.Query("township")}
	if a.Role == actor.Township {
		if a.Township == "" {
			return errForbidden
		}
		d.Township, d.Locked = a.Township, true
	}
	if d.Survey, err = cs.d.Surveys.Get(r.Ctx(), id); err != nil {
		return err
	}
	if d.Stats, err = cs.d.Surveys.Stats(r.Ctx(), id, d.Township); err != nil {
		return err
	}
	regions, err := cs.d.Regions.Active(r.Ctx())
	if err != nil {
		return err
	}
	for _, rg := range regions {
		if rg.Level != region.LevelTownship {
			continue
		}
		if rg.Code == d.Township {
			d.TownshipName = rg.Name
		}
		if !d.Locked {
			d.Townships = append(d.Townships, rg)
		}
	}
	for _, q := range d.Stats.Questions {
		sq := surveyQuestion{QuestionStats: q}
		if q.Type != survey.TypeText && q.Respondents > 0 {
			sq.Chart = optionChart(q)
		}
		d.Questions = append(d.Questions, sq)
	}
	title := d.Survey.Title + "（第 " + strconv.Itoa(d.Survey.Version) + " 版）"
	return r.OK("surveys/stats", "survey-stats", title, d)
}

// optionChart is a horizontal bar chart of how many respondents chose each option.
func optionChart(q survey.QuestionStats) map[string]any {
	labels := make([]string, 0, len(q.Options))
	counts := make([]int, 0, len(q.Options))
	for _, o := range q.Options {
		labels = append(labels, o.Label)
		counts = append(counts, o.Count)
	}
	return map[string]any{
		"tooltip": map[string]any{"trigger": "axis", "axisPointer": map[string]any{"type": "shadow"}},
		"grid":    map[string]any{"left": 8, "right": 40, "top": 8, "bottom": 8, "containLabel": true},
		"xAxis":   map[string]any{"type": "value", "minInterval": 1},
		"yAxis":   map[string]any{"type": "category", "data": labels, "inverse": true, "axisLabel": map[string]any{"width": 160, "overflow": "truncate"}},
		"series":  []map[string]any{{"name": "人数", "type": "bar", "data": counts, "label": map[string]any{"show": true, "position": "right"}}},
	}
}

// The questions of a new survey version are typed as text, one question per block:
//
//	[单选] q1 您是否有返乡创业的打算？ *
//	- started 已经在创业
//	- none 暂无打算
//	[多选3] q3 您打算从事哪个领域？
//	- tea 茶叶
//	[填空200] q8 您还有哪些建议？
//
// The bracket is the type (单选, 多选 with an optional most-choices number, 填空 with an
// optional length), then the question's code and title; a trailing * makes it required. Each
// "- " line below is an option: its code, then its label. The page starts from the version it
// copies, so a change is an edit, and codes stay those the statistics and the option lists know.

// questionsText writes qs in that format.
func questionsText(qs []survey.Question) string {
	var b strings.Builder
	for _, q := range qs {
		kind := map[string]string{survey.TypeSingle: "单选", survey.TypeMulti: "多选", survey.TypeText: "填空"}[q.Type]
		if q.Type == survey.TypeMulti && q.MaxChoices > 0 {
			kind += strconv.Itoa(q.MaxChoices)
		}
		if q.Type == survey.TypeText && q.MaxLength > 0 {
			kind += strconv.Itoa(q.MaxLength)
		}
		fmt.Fprintf(&b, "[%s] %s %s", kind, q.Code, q.Title)
		if q.Required {
			b.WriteString(" *")
		}
		b.WriteByte('\n')
		for _, o := range q.Options {
			fmt.Fprintf(&b, "- %s %s\n", o.Code, o.Label)
		}
	}
	return b.String()
}

// parseQuestions reads the format above; the error names the line.
func parseQuestions(text string) ([]survey.Question, error) {
	var out []survey.Question
	for n, line := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		line = strings.TrimSpace(line)
		bad := func(why string) error { return badInput(fmt.Sprintf("第 %d 行：%s", n+1, why)) }
		switch {
		case line == "":
		case strings.HasPrefix(line, "["):
			kind, rest, ok := strings.Cut(line[1:], "]")
			if !ok {
				return nil, bad("题型要写在 [ ] 里，如 [单选]")
			}
			q := survey.Question{}
			var num string
			switch {
			case strings.HasPrefix(kind, "单选"):
				q.Type, num = survey.TypeSingle, strings.TrimPrefix(kind, "单选")
			case strings.HasPrefix(kind, "多选"):
				q.Type, num = survey.TypeMulti, strings.TrimPrefix(kind, "多选")
			case strings.HasPrefix(kind, "填空"):
				q.Type, num = survey.TypeText, strings.TrimPrefix(kind, "填空")
			default:
				return nil, bad("题型应为 单选、多选 或 填空")
			}
			if num != "" {
				v, err := strconv.Atoi(num)
				if err != nil || v <= 0 || q.Type == survey.TypeSingle {
					return nil, bad("题型后的数字应为正整数（多选：最多选几项；填空：最多几个字）")
				}
				if q.Type == survey.TypeMulti {
					q.MaxChoices = v
				} else {
					q.MaxLength = v
				}
			}
			rest = strings.TrimSpace(rest)
			if strings.HasSuffix(rest, "*") {
				q.Required, rest = true, strings.TrimSpace(strings.TrimSuffix(rest, "*"))
			}
			code, title, _ := strings.Cut(rest, " ")
			q.Code, q.Title = code, strings.TrimSpace(title)
			if q.Code == "" || q.Title == "" {
				return nil, bad("题型后应写题目代码和题目，如 [单选] q1 您是否有创业打算？")
			}
			if q.Type == survey.TypeText && q.MaxLength == 0 {
				q.MaxLength = 200
			}
			out = append(out, q)
		case strings.HasPrefix(line, "-"):
			if len(out) == 0 || out[len(out)-1].Type == survey.TypeText {
				return nil, bad("选项要写在单选或多选题的下面")
			}
			code, label, _ := strings.Cut(strings.TrimSpace(strings.TrimPrefix(line, "-")), " ")
			if code == "" || strings.TrimSpace(label) == "" {
				return nil, bad("选项应写成 “- 代码 选项文字”")
			}
			q := &out[len(out)-1]
			q.Options = append(q.Options, survey.Option{Code: code, Label: strings.TrimSpace(label)})
		default:
			return nil, bad("每行应以 [题型] 开始一道题，或以 - 开始一个选项")
		}
	}
	if len(out) == 0 {
		return nil, badInput("请至少写一道题")
	}
	return out, nil
}

type surveyFormData struct {
	From                                survey.Survey
	Code, Title, Description, Questions string
	Error                               string
}

// surveyNew shows the form of a new version of the questionnaire that version from belongs to,
// filled with that version (district administrators: the API's POST /surveys).
func (cs *Console) surveyNew(r *request) error {
	id, err := r.ID("id")
	if err != nil {
		return err
	}
	from, err := cs.d.Surveys.Get(r.Ctx(), id)
	if err != nil {
		return err
	}
	d := surveyFormData{From: from, Code: from.Code, Title: from.Title, Description: from.Description, Questions: questionsText(from.Questions)}
	return r.OK("surveys/new", "", "发布新版本", d)
}

// surveyCreate creates and publishes the new version; the previous active one is closed.
func (cs *Console) surveyCreate(r *request) error {
	id, err := r.ID("id")
	if err != nil {
		return err
	}
	from, err := cs.d.Surveys.Get(r.Ctx(), id)
	if err != nil {
		return err
	}
	d := surveyFormData{From: from, Code: from.Code, Title: r.Form("title"), Description: r.Form("description"), Questions: r.c.PostForm("questions")}
	again := func(err error) error {
		p := Problem(err)
		if p.Status != http.StatusUnprocessableEntity {
			return err
		}
		d.Error = p.Message
		return r.Page(p.Status, "surveys/new", "", "发布新版本", d)
	}
	qs, err := parseQuestions(d.Questions)
	if err != nil {
		return again(err)
	}
	s, err := cs.d.Surveys.Create(r.Ctx(), r.Actor(), survey.Definition{Code: from.Code, Title: d.Title, Description: d.Description, Questions: qs}, true)
	if err != nil {
		return again(err)
	}
	return r.Redirect("/surveys/"+strconv.FormatInt(s.ID, 10), fmt.Sprintf("已发布“%s”第 %d 版，之前的版本已停用", s.Title, s.Version))
}
