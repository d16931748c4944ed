package console_test

import (
	"net/http"
	"net/url"
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
			districtR: {`<label for="survey-township">乡镇（街道）</label>`, "全区答卷人数", "修改问卷（发布新版本）"},
		}},
		pageCase{Route: "GET /surveys/:id/new", Path: func(*env) string { return "/surveys/" + surveyID + "/new" },
			Want: map[role]int{districtR: 200}, Shows: map[role][]string{districtR: {"发布新版本", "[单选] q1 您是否有返乡创业的打算？ *"}}},
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

// TestSurveyNewVersion_publishesAndClosesTheOld: the district administrator edits the current
// version's text and publishes it: the new version is active with the changed question, the old
// one is closed; a malformed line is named and the typed text kept; others may not publish.
func TestSurveyNewVersion_publishesAndClosesTheOld(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.as(districtR)
	form := admin.get("/console/surveys/1/new")
	form.mustShow(t, `<label for="survey-questions">题目</label>`, "- started 已经在创业")

	bad := admin.postForm("/console/surveys/1/new", url.Values{"title": {"返乡创业意愿调查"}, "questions": {"[单选] q1 您是否有打算？ *\n已经在创业"}})
	if bad.Status != http.StatusUnprocessableEntity {
		t.Fatalf("malformed questions: %d", bad.Status)
	}
	bad.mustShow(t, "第 2 行：每行应以 [题型] 开始一道题，或以 - 开始一个选项", "已经在创业</textarea>")

	text := "[单选] q1 您是否有返乡创业的打算？ *\n- started 已经在创业\n- none 暂无打算\n[多选2] q3 您打算从事哪个领域？\n- tea 茶叶\n- bamboo 竹艺\n- other 其他\n[填空100] q8 您的建议\n"
	res := admin.postForm("/console/surveys/1/new", url.Values{"title": {"返乡创业意愿调查（2027）"}, "description": {"新一年的调查"}, "questions": {text}})
	if res.Status != http.StatusSeeOther {
		t.Fatalf("publish: %d %s", res.Status, res.Body)
	}
	next := admin.follow(res)
	next.mustShow(t, "已发布“返乡创业意愿调查（2027）”第 2 版，之前的版本已停用", "返乡创业意愿调查（2027）（第 2 版）", "还没有答卷")
	versions, err := e.app.Surveys.List(t.Context(), "return_intention")
	if err != nil || len(versions) != 2 {
		t.Fatalf("versions %d (%v)", len(versions), err)
	}
	if q := versions[0].Questions; len(q) != 3 || q[1].Type != "multi" || q[1].MaxChoices != 2 || len(q[1].Options) != 3 || !q[0].Required || q[2].MaxLength != 100 {
		t.Errorf("the published questions: %+v", q)
	}
	list := admin.get("/console/surveys")
	list.mustShow(t, "已停用", "使用中", "返乡创业意愿调查（2027）")

	if got := e.as(dept).postForm("/console/surveys/1/new", url.Values{"title": {"x"}, "questions": {text}}); got.Status != http.StatusForbidden {
		t.Errorf("department publishes: %d", got.Status)
	}
	if got := admin.postForm("/console/surveys/1/new", url.Values{"title": {""}, "questions": {text}}); got.Status != http.StatusUnprocessableEntity {
		t.Errorf("empty title: %d", got.Status)
	} else {
		got.mustShow(t, "问卷定义不正确")
	}
}
