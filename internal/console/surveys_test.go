package console_test

import (
	"net/http"
	"strings"
	"testing"
)

// surveyID is the return-intention survey's first version, which the migrations ship active.
const surveyID = "1"

func init() {
	addPages(
		pageCase{Route: "GET /surveys", Want: every, Shows: map[role][]string{
			townA: {"问卷版本", "返乡创业意愿调查", "使用中", `href="/console/surveys/1"`}, districtR: {"返乡创业意愿调查"}}},
		pageCase{Route: "GET /surveys/:id", Path: func(*env) string { return "/surveys/" + surveyID }, Want: every, Shows: map[role][]string{
			townA:     {"返乡创业意愿调查（第 1 版）", "统计范围：官埠桥镇的答卷"},
			townB:     {"统计范围：贺胜桥镇的答卷"},
			districtR: {`<label for="survey-township">乡镇（街道）</label>`, "全区答卷人数"},
		}},
	)
}

// answer stores a response to q1 (and q2) as the mini program's answers would, for a user of
// township (the service snapshots the township with the response).
func answer(e *env, userID int, township, q1, q2 string) {
	e.t.Helper()
	res := e.app.DB.MustExec(`INSERT INTO survey_responses (survey_id, user_id, township_code, submitted_at, updated_at)
		VALUES (1, ?, ?, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3))`, userID, township)
	id, _ := res.LastInsertId()
	for q, o := range map[string]string{"q1": q1, "q2": q2} {
		e.app.DB.MustExec(`INSERT INTO survey_response_items (response_id, survey_id, township_code, question_code, option_code)
			VALUES (?, 1, ?, ?, ?)`, id, township, q, o)
	}
}

// TestSurveyStats_perQuestionChartsFilteredByTownship: the district sees every answer and can
// narrow them to a township (the filter is in the URL, htmx swaps only the counts); township
// staff see only their township's answers, whatever the URL asks for.
func TestSurveyStats_perQuestionChartsFilteredByTownship(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	answer(e, 9001, "990101", "started", "already")
	answer(e, 9002, "990101", "considering", "within_1y")
	answer(e, 9003, "990102", "started", "already")

	admin := e.as(districtR)
	all := admin.get("/console/surveys/1")
	all.mustShow(t, "<strong>3</strong>全区答卷人数", "您是否有返乡创业的打算？", "已经在创业", "66.7%")
	if ch := charts(all.Body); ch["q1"] == "" || !strings.Contains(ch["q1"], `"data":[2,0,1,0]`) {
		t.Errorf("q1 chart: %q", ch["q1"])
	}

	frag := admin.htmx("/console/surveys/1?township=990102")
	if frag.Status != http.StatusOK || strings.Contains(frag.Body, "<html") {
		t.Fatalf("htmx filter: %d, want the fragment only", frag.Status)
	}
	frag.mustShow(t, "<strong>1</strong>贺胜桥镇答卷人数")
	if ch := charts(frag.Body); !strings.Contains(ch["q1"], `"data":[1,0,0,0]`) {
		t.Errorf("q1 chart for 贺胜桥镇: %q", ch["q1"])
	}

	// Township staff are locked to their township: the filter is ignored and not offered.
	town := e.as(townA).get("/console/surveys/1?township=990102")
	town.mustShow(t, "统计范围：官埠桥镇的答卷", "<strong>2</strong>官埠桥镇答卷人数")
	if strings.Contains(town.Body, `name="township"`) {
		t.Error("township staff are offered the township filter")
	}

	// A township without answers gets an empty state, an unknown version a 404.
	admin.get("/console/surveys/1?township=990105").mustShow(t, "还没有答卷")
	if got := admin.get("/console/surveys/999"); got.Status != http.StatusNotFound {
		t.Errorf("unknown survey: %d", got.Status)
	}
	if got := admin.get("/console/surveys/1?township=abc"); got.Status < 400 || got.Status >= 500 {
		t.Errorf("malformed township: %d", got.Status)
	}
}
