package console

import (
	"strconv"

	"github.com/gin-gonic/gin"

	"huixiang/internal/actor"
	"huixiang/internal/region"
	"huixiang/internal/survey"
)

func (cs *Console) registerSurveys(g *gin.RouterGroup) {
	cs.handle(g, page{Path: "/surveys", Title: "问卷版本", Menu: "意愿调查"}, cs.surveyList)
	cs.handle(g, page{Path: "/surveys/:id", Title: "问卷统计"}, cs.surveyStats)
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
