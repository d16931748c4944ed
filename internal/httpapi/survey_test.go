package httpapi_test

import (
	"crypto/rand"
	"fmt"
	"huixiang/internal/wxfake"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	surveyTownA = "990100001"
	surveyTownB = "990100002"
)

type surveyAnswer struct {
	Question string   `json:"question"`
	Options  []string `json:"options,omitempty"`
	Text     string   `json:"text,omitempty"`
}

type surveyCurrent struct {
	ID         int64 `json:"id"`
	Version    int   `json:"version"`
	Title      string
	Questions  []struct{ Code, Title, Type string }
	MyResponse *struct {
		Answers []surveyAnswer `json:"answers"`
	} `json:"my_response"`
}

type surveyStats struct {
	Township    string `json:"township"`
	Respondents int    `json:"respondents"`
	Questions   []struct {
		Code        string `json:"code"`
		Respondents int    `json:"respondents"`
		Options     []struct {
			Code  string `json:"code"`
			Count int    `json:"count"`
		} `json:"options"`
	} `json:"questions"`
}

// count returns how many chose option o of question q, or answered q when o is empty.
func (s surveyStats) count(q, o string) int {
	for _, qs := range s.Questions {
		if qs.Code != q {
			continue
		}
		if o == "" {
			return qs.Respondents
		}
		for _, oc := range qs.Options {
			if oc.Code == o {
				return oc.Count
			}
		}
	}
	return -1
}

func surveyFullAnswers() []surveyAnswer {
	return []surveyAnswer{
		{Question: "q1", Options: []string{"planned"}},
		{Question: "q2", Options: []string{"within_1y"}},
		{Question: "q3", Options: []string{"tea", "ecommerce"}},
		{Question: "q4", Options: []string{"100k_300k"}},
		{Question: "q5", Options: []string{"funds", "market"}},
		{Question: "q6", Options: []string{"loan", "training"}},
		{Question: "q7", Options: []string{"online"}},
		{Question: "q8", Text: "希望多组织电商直播培训"},
	}
}

// surveyAnswersWith replaces question q's answer with a, or drops it when a is nil.
func surveyAnswersWith(q string, a *surveyAnswer) []surveyAnswer {
	var out []surveyAnswer
	for _, x := range surveyFullAnswers() {
		if x.Question != q {
			out = append(out, x)
		} else if a != nil {
			out = append(out, *a)
		}
	}
	return out
}

// surveyUser signs a user in; with a township it also gives them a claimed returnee record there.
func (e *env) surveyUser(township string) loginAnswer {
	e.t.Helper()
	a := e.signIn("o_survey_" + rand.Text())
	if township == "" {
		return a
	}
	now := time.Now().UTC()
	idx := make([]byte, 32)
	_, _ = rand.Read(idx)
	res, err := e.db.Exec(`INSERT INTO persons (id_card_enc, id_card_idx, name, gender, birth_date, user_id, created_source, claimed_at, created_at, updated_at)
		VALUES (?, ?, '测试', 'F', '1990-02-03', ?, 'self', ?, ?, ?)`, []byte("not-really-ciphertext"), idx, a.User.ID, now, now, now)
	if err != nil {
		e.t.Fatal(err)
	}
	pid, _ := res.LastInsertId()
	if _, err := e.db.Exec(`INSERT INTO returnees (person_id, township_code, village_code, status, confirmed_at, created_at, updated_at)
		VALUES (?, ?, ?, 'returned', ?, ?, ?)`, pid, township, township+"001", now, now, now); err != nil {
		e.t.Fatal(err)
	}
	return a
}

func (e *env) surveyCurrent(token string) surveyCurrent {
	e.t.Helper()
	r := e.do("GET", "/api/v1/surveys/current", token, nil)
	expect(e.t, r, 200, "")
	var cur surveyCurrent
	r.json(e.t, &cur)
	return cur
}

func (e *env) answerSurvey(token string, id int64, answers []surveyAnswer) response {
	e.t.Helper()
	return e.do("POST", fmt.Sprintf("/api/v1/surveys/%d/answers", id), token, map[string]any{"answers": answers})
}

func (e *env) surveyStats(token string, id int64, query string) surveyStats {
	e.t.Helper()
	r := e.do("GET", fmt.Sprintf("/admin/api/v1/surveys/%d/stats%s", id, query), token, nil)
	expect(e.t, r, 200, "")
	var st surveyStats
	r.json(e.t, &st)
	return st
}

func TestSurvey_answerThenResubmit_replacesAnswers(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u := e.surveyUser(surveyTownA)
	cur := e.surveyCurrent(u.Token)
	if cur.Version != 1 || cur.Title != "返乡创业意愿调查" || len(cur.Questions) != 8 || cur.MyResponse != nil {
		t.Fatalf("current = %+v", cur)
	}
	r := e.answerSurvey(u.Token, cur.ID, surveyFullAnswers())
	expect(t, r, 200, "")
	var stored struct {
		SurveyID int64          `json:"survey_id"`
		Answers  []surveyAnswer `json:"answers"`
	}
	r.json(t, &stored)
	if stored.SurveyID != cur.ID || len(stored.Answers) != 8 || strings.Join(stored.Answers[2].Options, ",") != "ecommerce,tea" {
		t.Fatalf("stored = %s", r.Body)
	}
	if mine := e.surveyCurrent(u.Token).MyResponse; mine == nil || fmt.Sprint(mine.Answers) != fmt.Sprint(stored.Answers) {
		t.Fatalf("my_response = %+v", mine)
	}

	second := surveyAnswersWith("q3", &surveyAnswer{Question: "q3", Options: []string{"bamboo"}})
	second = second[:len(second)-1] // and no suggestion this time
	expect(t, e.answerSurvey(u.Token, cur.ID, second), 200, "")
	mine := e.surveyCurrent(u.Token).MyResponse
	if mine == nil || len(mine.Answers) != 7 || strings.Join(mine.Answers[2].Options, ",") != "bamboo" {
		t.Fatalf("after resubmission = %+v", mine)
	}
	var n, items int
	e.db.Get(&n, `SELECT COUNT(*) FROM survey_responses WHERE user_id = ?`, u.User.ID)
	e.db.Get(&items, `SELECT COUNT(*) FROM survey_response_items`)
	if n != 1 || items != 9 {
		t.Fatalf("responses = %d, items = %d; want 1 and 9", n, items)
	}
	// Another user's view is their own.
	if other := e.surveyCurrent(e.surveyUser("").Token); other.MyResponse != nil {
		t.Fatal("another user sees these answers")
	}
	expect(t, e.do("GET", "/api/v1/surveys/current", "", nil), 401, "SESSION_EXPIRED")
}

func TestSurvey_invalidAnswers_422NamesTheQuestion(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u := e.surveyUser("")
	cur := e.surveyCurrent(u.Token)
	cases := []struct {
		name    string
		answers []surveyAnswer
		field   string
		message string
	}{
		{"unknown question", append(surveyFullAnswers(), surveyAnswer{Question: "q42", Options: []string{"x"}}), "q42", "问卷中没有问题 q42"},
		{"unknown option", surveyAnswersWith("q4", &surveyAnswer{Question: "q4", Options: []string{"one_billion"}}), "q4", "「创业启动资金大约需要多少？」的选项不存在"},
		{"required missing", surveyAnswersWith("q1", nil), "q1", "「您是否有返乡创业的打算？」为必答题"},
		{"too many on single", surveyAnswersWith("q7", &surveyAnswer{Question: "q7", Options: []string{"online", "classroom"}}), "q7", "只能选择一项"},
		{"too many on multi", surveyAnswersWith("q5", &surveyAnswer{Question: "q5", Options: []string{"funds", "site", "skills", "risk"}}), "q5", "最多选择 3 项"},
		{"text too long", surveyAnswersWith("q8", &surveyAnswer{Question: "q8", Text: strings.Repeat("好", 501)}), "q8", "不能超过 500 字"},
		{"text on a choice", surveyAnswersWith("q2", &surveyAnswer{Question: "q2", Text: "明年"}), "q2", "答案格式不正确"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := e.answerSurvey(u.Token, cur.ID, tc.answers)
			expect(t, r, 422, "ANSWER_INVALID")
			var body struct {
				Error struct{ Code, Message, Field string } `json:"error"`
			}
			r.json(t, &body)
			if body.Error.Field != tc.field || !strings.Contains(body.Error.Message, tc.message) {
				t.Fatalf("error = %+v, want field %s and a message with %q", body.Error, tc.field, tc.message)
			}
		})
	}
	t.Run("malformed JSON 400", func(t *testing.T) {
		expect(t, e.do("POST", fmt.Sprintf("/api/v1/surveys/%d/answers", cur.ID), u.Token, `{"answers":[{"question":"q1","options":"planned"}]}`), 400, "BAD_REQUEST")
	})
	var n int
	e.db.Get(&n, `SELECT COUNT(*) FROM survey_responses`)
	if n != 0 {
		t.Fatalf("%d responses stored from invalid answers", n)
	}
}

func TestSurvey_closedVersion_409_unknown_404(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u := e.surveyUser(surveyTownA)
	v1 := e.surveyCurrent(u.Token)
	admin := e.staffToken("admin", adminPasswd)
	r := e.do("GET", "/admin/api/v1/surveys?code=return_intention", admin, nil)
	expect(t, r, 200, "")
	var list struct {
		Surveys []map[string]any `json:"surveys"`
	}
	r.json(t, &list)
	if len(list.Surveys) != 1 {
		t.Fatalf("list = %s", r.Body)
	}
	def := list.Surveys[0]
	def["title"] = "返乡创业意愿调查（第二版）"
	expect(t, e.do("POST", "/admin/api/v1/surveys", admin, def), 201, "")

	expect(t, e.answerSurvey(u.Token, v1.ID, surveyFullAnswers()), 409, "SURVEY_CLOSED")
	expect(t, e.answerSurvey(u.Token, 987654, surveyFullAnswers()), 404, "NOT_FOUND")
	expect(t, e.do("POST", "/api/v1/surveys/abc/answers", u.Token, map[string]any{"answers": surveyFullAnswers()}), 404, "NOT_FOUND")
	v2 := e.surveyCurrent(u.Token)
	if v2.Version != 2 || v2.ID == v1.ID {
		t.Fatalf("current after a new version = %+v", v2)
	}
	expect(t, e.answerSurvey(u.Token, v2.ID, surveyFullAnswers()), 200, "")
}

func TestSurvey_stats_townshipFilter_townshipStaffForcedToOwn(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.staffToken("admin", adminPasswd)
	for _, acct := range []map[string]string{
		{"username": "survey_town_a", "password": "Township12345", "role": "township", "township_code": surveyTownA},
		{"username": "survey_dept", "password": "Department12345", "role": "department", "department": "区人社局"},
	} {
		expect(t, e.do("POST", "/admin/api/v1/staff", admin, acct), 201, "")
	}
	town := e.staffToken("survey_town_a", "Township12345")
	dept := e.staffToken("survey_dept", "Department12345")

	var id int64
	for _, s := range []struct {
		township string
		answers  []surveyAnswer
	}{
		{surveyTownA, surveyFullAnswers()},
		{surveyTownA, surveyAnswersWith("q1", &surveyAnswer{Question: "q1", Options: []string{"considering"}})},
		{surveyTownB, surveyAnswersWith("q8", nil)},
		{"", surveyAnswersWith("q3", &surveyAnswer{Question: "q3", Options: []string{"health"}})},
	} {
		u := e.surveyUser(s.township)
		id = e.surveyCurrent(u.Token).ID
		expect(t, e.answerSurvey(u.Token, id, s.answers), 200, "")
	}

	check := func(name string, st surveyStats, township string, want []int) {
		t.Helper()
		got := []int{st.Respondents, st.count("q1", "planned"), st.count("q1", "considering"), st.count("q3", "tea"), st.count("q3", "health"), st.count("q8", "")}
		if fmt.Sprint(got) != fmt.Sprint(want) || st.Township != township {
			t.Fatalf("%s: counts %v township %q, want %v %q", name, got, st.Township, want, township)
		}
	}
	//                                                       respondents planned considering tea health q8
	check("all", e.surveyStats(admin, id, ""), "", []int{4, 3, 1, 3, 1, 3})
	check("town A", e.surveyStats(admin, id, "?township="+surveyTownA), surveyTownA, []int{2, 1, 1, 2, 0, 2})
	check("town B", e.surveyStats(dept, id, "?township="+surveyTownB), surveyTownB, []int{1, 1, 0, 1, 0, 0})
	check("department, all", e.surveyStats(dept, id, ""), "", []int{4, 3, 1, 3, 1, 3})
	check("township staff", e.surveyStats(town, id, ""), surveyTownA, []int{2, 1, 1, 2, 0, 2})
	check("township staff asking for B", e.surveyStats(town, id, "?township="+surveyTownB), surveyTownA, []int{2, 1, 1, 2, 0, 2})

	expect(t, e.do("GET", fmt.Sprintf("/admin/api/v1/surveys/%d/stats?township=x'--", id), admin, nil), 400, "VALIDATION_FAILED")
	expect(t, e.do("GET", "/admin/api/v1/surveys/424242/stats", admin, nil), 404, "NOT_FOUND")
	expect(t, e.do("GET", fmt.Sprintf("/admin/api/v1/surveys/%d/stats", id), "", nil), 401, "SESSION_EXPIRED")
	u := e.surveyUser("")
	expect(t, e.do("GET", fmt.Sprintf("/admin/api/v1/surveys/%d/stats", id), u.Token, nil), 401, "SESSION_EXPIRED")
}

func TestSurvey_20ParallelAnswersByOneUser_oneResponse(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u := e.surveyUser(surveyTownB)
	id := e.surveyCurrent(u.Token).ID
	statuses := make([]int, 20)
	var wg sync.WaitGroup
	for i := range statuses {
		wg.Go(func() {
			answers := surveyFullAnswers()
			answers[6].Options = []string{[]string{"classroom", "online", "field_trip", "mentoring", "none"}[i%5]}
			statuses[i] = e.answerSurvey(u.Token, id, answers).Status
		})
	}
	wg.Wait()
	for i, s := range statuses {
		if s != 200 {
			t.Fatalf("submission %d: status %d", i, s)
		}
	}
	var c struct {
		Responses int `db:"responses"`
		Q7        int `db:"q7"`
	}
	e.db.Get(&c, `SELECT (SELECT COUNT(*) FROM survey_responses) AS responses,
		(SELECT COUNT(*) FROM survey_response_items WHERE question_code = 'q7') AS q7`)
	if c.Responses != 1 || c.Q7 != 1 {
		t.Fatalf("%+v, want one response with one q7 answer", c)
	}
	if st := e.surveyStats(e.staffToken("admin", adminPasswd), id, ""); st.Respondents != 1 || st.count("q7", "") != 1 {
		t.Fatalf("stats after parallel answers = %+v", st)
	}
}

func TestSurvey_createVersion_publishClosesOld_rolesAndValidation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.staffToken("admin", adminPasswd)
	expect(t, e.do("POST", "/admin/api/v1/staff", admin, map[string]string{
		"username": "survey_town", "password": "Township12345", "role": "township", "township_code": surveyTownA}), 201, "")
	town := e.staffToken("survey_town", "Township12345")
	def := map[string]any{
		"code": "return_intention", "title": "返乡创业意愿调查（简版）", "description": "两道题",
		"questions": []map[string]any{
			{"code": "intend", "title": "您是否打算创业？", "type": "single", "required": true,
				"options": []map[string]string{{"code": "yes", "label": "是"}, {"code": "no", "label": "否"}}},
			{"code": "note", "title": "其他想法", "type": "text", "max_length": 100},
		},
	}
	expect(t, e.do("POST", "/admin/api/v1/surveys", town, def), 403, "FORBIDDEN")

	t.Run("invalid definition 422 names the field", func(t *testing.T) {
		bad := map[string]any{"code": "return_intention", "title": "坏的", "questions": []map[string]any{
			{"code": "q1", "title": "只有一个选项", "type": "single", "options": []map[string]string{{"code": "a", "label": "甲"}}}}}
		r := e.do("POST", "/admin/api/v1/surveys", admin, bad)
		expect(t, r, 422, "VALIDATION_FAILED")
		if !strings.Contains(string(r.Body), `"field":"questions[0].options"`) {
			t.Fatalf("body = %s", r.Body)
		}
	})

	r := e.do("POST", "/admin/api/v1/surveys", admin, def)
	expect(t, r, 201, "")
	var v2 struct {
		ID        int64  `json:"id"`
		Version   int    `json:"version"`
		Status    string `json:"status"`
		CreatedBy int64  `json:"created_by"`
	}
	r.json(t, &v2)
	if v2.Version != 2 || v2.Status != "active" || v2.CreatedBy == 0 {
		t.Fatalf("created = %s", r.Body)
	}
	r = e.do("GET", "/admin/api/v1/surveys", town, nil)
	expect(t, r, 200, "")
	var list struct {
		Surveys []struct {
			Version int    `json:"version"`
			Status  string `json:"status"`
		} `json:"surveys"`
	}
	r.json(t, &list)
	if len(list.Surveys) != 2 || list.Surveys[0].Status != "active" || list.Surveys[1].Status != "closed" {
		t.Fatalf("list = %s", r.Body)
	}
	u := e.surveyUser("")
	cur := e.surveyCurrent(u.Token)
	if cur.ID != v2.ID || len(cur.Questions) != 2 {
		t.Fatalf("current = %+v", cur)
	}
	expect(t, e.answerSurvey(u.Token, cur.ID, []surveyAnswer{{Question: "intend", Options: []string{"yes"}}}), 200, "")
	var audited int
	e.db.Get(&audited, `SELECT COUNT(*) FROM audit_log WHERE action IN ('survey.create', 'survey.publish') AND actor_name = 'admin'`)
	if audited != 2 {
		t.Fatalf("audit rows = %d", audited)
	}
}

func TestSurvey_twoParallelPublishes_exactlyOneActive(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.staffToken("admin", adminPasswd)
	def := func(title string) map[string]any {
		return map[string]any{"code": "return_intention", "title": title, "questions": []map[string]any{
			{"code": "q1", "title": "您是否打算创业？", "type": "single", "required": true,
				"options": []map[string]string{{"code": "yes", "label": "是"}, {"code": "no", "label": "否"}}}}}
	}
	for round := range 5 {
		var wg sync.WaitGroup
		var ra, rb response
		wg.Go(func() { ra = e.do("POST", "/admin/api/v1/surveys", admin, def(fmt.Sprintf("第 %d 轮甲", round))) })
		wg.Go(func() { rb = e.do("POST", "/admin/api/v1/surveys", admin, def(fmt.Sprintf("第 %d 轮乙", round))) })
		wg.Wait()
		created := 0
		for _, r := range []response{ra, rb} {
			switch r.Status {
			case 201:
				created++
			case 409:
				expect(t, r, 409, "SURVEY_CONFLICT")
			default:
				t.Fatalf("round %d: %d %s", round, r.Status, r.Body)
			}
		}
		var active int
		e.db.Get(&active, `SELECT COUNT(*) FROM surveys WHERE code = 'return_intention' AND status = 'active'`)
		if created == 0 || active != 1 {
			t.Fatalf("round %d: %d created, %d active; want at least 1 and exactly 1", round, created, active)
		}
	}
}

func TestSurvey_riskyTextRejected_wechatDownStillSaved(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u := e.surveyUser(surveyTownA)
	cur := e.surveyCurrent(u.Token)
	e.wx.SetRiskyWords("赌博")
	risky := surveyAnswersWith("q8", &surveyAnswer{Question: "q8", Text: "希望开放网络赌博"})
	expect(t, e.answerSurvey(u.Token, cur.ID, risky), 422, "CONTENT_REJECTED")
	if e.surveyCurrent(u.Token).MyResponse != nil {
		t.Fatal("a rejected answer was stored")
	}
	e.wx.SetOutage(wxfake.OutageHTTP502)
	defer e.wx.SetOutage(wxfake.OutageNone)
	expect(t, e.answerSurvey(u.Token, cur.ID, surveyFullAnswers()), 200, "")
}
