package survey_test

import (
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"huixiang/internal/actor"
	"huixiang/internal/survey"
	"huixiang/internal/testenv"
)

const (
	townA = "990100001"
	townB = "990100002"
)

var admin = actor.Staff(1, "admin", actor.DistrictAdmin, "", "")

// newUser adds a mini-program user; with a township, also the person and returnee record the
// survey takes the township from.
func newUser(t *testing.T, db *sqlx.DB, township string) int64 {
	t.Helper()
	now := time.Now().UTC()
	res, err := db.Exec(`INSERT INTO users (openid, created_at, updated_at, last_login_at) VALUES (?, ?, ?, ?)`,
		"o_"+rand.Text(), now, now, now)
	if err != nil {
		t.Fatal(err)
	}
	uid, _ := res.LastInsertId()
	if township == "" {
		return uid
	}
	idx := make([]byte, 32)
	_, _ = rand.Read(idx)
	res, err = db.Exec(`INSERT INTO persons (id_card_enc, id_card_idx, name, gender, birth_date, user_id, created_source, created_at, updated_at)
		VALUES (?, ?, '测试', 'M', '1985-06-01', ?, 'self', ?, ?)`, []byte("ciphertext"), idx, uid, now, now)
	if err != nil {
		t.Fatal(err)
	}
	pid, _ := res.LastInsertId()
	if _, err := db.Exec(`INSERT INTO returnees (person_id, township_code, village_code, status, confirmed_at, created_at, updated_at)
		VALUES (?, ?, ?, 'returned', ?, ?, ?)`, pid, township, township+"001", now, now, now); err != nil {
		t.Fatal(err)
	}
	return uid
}

func fullAnswers() []survey.Answer {
	return []survey.Answer{
		{Question: "q1", Options: []string{"planned"}},
		{Question: "q2", Options: []string{"within_1y"}},
		{Question: "q3", Options: []string{"tea", "ecommerce"}},
		{Question: "q4", Options: []string{"100k_300k"}},
		{Question: "q5", Options: []string{"funds", "market"}},
		{Question: "q6", Options: []string{"loan", "training", "subsidy"}},
		{Question: "q7", Options: []string{"online"}},
		{Question: "q8", Text: "  希望多组织电商培训  "},
	}
}

// with returns fullAnswers with question q's answer replaced by a (or removed when a is nil).
func with(q string, a *survey.Answer) []survey.Answer {
	var out []survey.Answer
	for _, x := range fullAnswers() {
		if x.Question != q {
			out = append(out, x)
		} else if a != nil {
			out = append(out, *a)
		}
	}
	return out
}

func current(t *testing.T, svc *survey.Service, userID int64) survey.Current {
	t.Helper()
	cur, err := svc.Current(t.Context(), survey.CodeReturnIntention, userID)
	if err != nil {
		t.Fatal(err)
	}
	return cur
}

func TestMigration_shipsActiveReturnIntentionV1_withValidDefinition(t *testing.T) {
	t.Parallel()
	db := testenv.MySQL(t)
	svc := survey.NewService(db, nil)
	cur := current(t, svc, 0)
	sv := cur.Survey
	if sv.Version != 1 || sv.Status != survey.StatusActive || len(sv.Questions) != 8 || cur.Mine != nil || sv.PublishedAt == nil {
		t.Fatalf("current = %+v", cur)
	}
	var types []string
	for _, q := range sv.Questions {
		types = append(types, q.Type)
	}
	if got := strings.Join(types, ","); got != "single,single,multi,single,multi,multi,single,text" {
		t.Fatalf("question types = %s", got)
	}
	// The shipped definition passes the same checks as a staff-made one.
	v2, err := svc.Create(t.Context(), admin, survey.Definition{Code: sv.Code, Title: sv.Title, Description: sv.Description, Questions: sv.Questions}, false)
	if err != nil {
		t.Fatal(err)
	}
	if v2.Version != 2 || v2.Status != survey.StatusDraft || !slices.EqualFunc(v2.Questions, sv.Questions, func(a, b survey.Question) bool {
		return a.Code == b.Code && a.MaxChoices == b.MaxChoices && a.MaxLength == b.MaxLength && len(a.Options) == len(b.Options)
	}) {
		t.Fatalf("v2 = %+v", v2)
	}
}

func TestSubmit_storesNormalized_resubmitReplaces(t *testing.T) {
	t.Parallel()
	db := testenv.MySQL(t)
	svc := survey.NewService(db, nil)
	uid := newUser(t, db, townA)
	sv := current(t, svc, uid).Survey

	first, err := svc.Submit(t.Context(), sv.ID, uid, fullAnswers())
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(first.Answers); got != "[{q1 [planned] } {q2 [within_1y] } {q3 [ecommerce tea] } {q4 [100k_300k] } {q5 [funds market] } {q6 [subsidy loan training] } {q7 [online] } {q8 [] 希望多组织电商培训}]" {
		t.Fatalf("stored answers = %s", got)
	}
	if mine := current(t, svc, uid).Mine; mine == nil || fmt.Sprint(mine.Answers) != fmt.Sprint(first.Answers) {
		t.Fatalf("current answers = %+v", mine)
	}

	time.Sleep(5 * time.Millisecond)
	second := []survey.Answer{
		{Question: "q1", Options: []string{"none"}},
		{Question: "q2", Options: []string{"undecided"}},
		{Question: "q3", Options: []string{"other"}},
		{Question: "q4", Options: []string{"unsure"}},
		{Question: "q5", Options: []string{"risk"}},
		{Question: "q6", Options: []string{"policy"}},
		{Question: "q7", Options: []string{"none"}},
	}
	again, err := svc.Submit(t.Context(), sv.ID, uid, second)
	if err != nil {
		t.Fatal(err)
	}
	if !again.SubmittedAt.Equal(first.SubmittedAt) || !again.UpdatedAt.After(first.UpdatedAt) {
		t.Fatalf("times: first %v/%v, again %v/%v", first.SubmittedAt, first.UpdatedAt, again.SubmittedAt, again.UpdatedAt)
	}
	mine := current(t, svc, uid).Mine
	if fmt.Sprint(mine.Answers) != fmt.Sprint(again.Answers) || len(mine.Answers) != 7 {
		t.Fatalf("after resubmission = %+v", mine.Answers)
	}
	var row struct {
		N        int    `db:"n"`
		Revision int    `db:"revision"`
		Township string `db:"township_code"`
		Items    int    `db:"items"`
	}
	if err := db.Get(&row, `SELECT COUNT(*) AS n, MAX(revision) AS revision, MAX(township_code) AS township_code,
		(SELECT COUNT(*) FROM survey_response_items) AS items FROM survey_responses`); err != nil {
		t.Fatal(err)
	}
	if row.N != 1 || row.Revision != 2 || row.Township != townA || row.Items != 7 {
		t.Fatalf("stored = %+v, want one response (revision 2, township %s) with 7 items", row, townA)
	}
}

func TestSubmit_invalidAnswers_nameTheQuestion(t *testing.T) {
	t.Parallel()
	db := testenv.MySQL(t)
	svc := survey.NewService(db, nil)
	uid := newUser(t, db, "")
	sv := current(t, svc, uid).Survey
	cases := []struct {
		name     string
		answers  []survey.Answer
		want     error
		question string
		limit    int
	}{
		{"unknown question", append(fullAnswers(), survey.Answer{Question: "q99", Options: []string{"a"}}), survey.ErrUnknownQuestion, "q99", 0},
		{"unknown option", with("q4", &survey.Answer{Question: "q4", Options: []string{"a_million"}}), survey.ErrUnknownOption, "q4", 0},
		{"required missing", with("q2", nil), survey.ErrMissingRequired, "q2", 0},
		{"required empty", with("q6", &survey.Answer{Question: "q6", Options: []string{}}), survey.ErrMissingRequired, "q6", 0},
		{"nothing at all", nil, survey.ErrMissingRequired, "q1", 0},
		{"two options on single", with("q1", &survey.Answer{Question: "q1", Options: []string{"planned", "none"}}), survey.ErrTooManyChoices, "q1", 1},
		{"over max choices", with("q3", &survey.Answer{Question: "q3", Options: []string{"tea", "bamboo", "ramie", "osmanthus"}}), survey.ErrTooManyChoices, "q3", 3},
		{"text too long", with("q8", &survey.Answer{Question: "q8", Text: strings.Repeat("字", 501)}), survey.ErrTextTooLong, "q8", 500},
		{"same option twice", with("q5", &survey.Answer{Question: "q5", Options: []string{"funds", "funds"}}), survey.ErrMalformedAnswer, "q5", 0},
		{"question twice", append(fullAnswers(), survey.Answer{Question: "q7", Options: []string{"online"}}), survey.ErrMalformedAnswer, "q7", 0},
		{"text on a choice question", with("q7", &survey.Answer{Question: "q7", Options: []string{"online"}, Text: "x"}), survey.ErrMalformedAnswer, "q7", 0},
		{"options on a text question", with("q8", &survey.Answer{Question: "q8", Options: []string{"x"}}), survey.ErrMalformedAnswer, "q8", 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := svc.Submit(t.Context(), sv.ID, uid, tc.answers)
			var ae *survey.AnswerError
			if !errors.As(err, &ae) || !errors.Is(err, tc.want) || !errors.Is(err, survey.ErrInvalidAnswer) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if ae.Question != tc.question || ae.Limit != tc.limit {
				t.Fatalf("AnswerError = %+v, want question %s limit %d", ae, tc.question, tc.limit)
			}
		})
	}
	t.Run("optional text may be left out or blank", func(t *testing.T) {
		for _, answers := range [][]survey.Answer{with("q8", nil), with("q8", &survey.Answer{Question: "q8", Text: "   "})} {
			r, err := svc.Submit(t.Context(), sv.ID, uid, answers)
			if err != nil || len(r.Answers) != 7 {
				t.Fatalf("%v %+v", err, r)
			}
		}
	})
	var n int
	db.Get(&n, `SELECT COUNT(*) FROM survey_response_items WHERE question_code = 'q8'`)
	if n != 0 {
		t.Fatalf("%d q8 items stored", n)
	}
}

func TestSubmit_closedDraftOrUnknownVersion(t *testing.T) {
	t.Parallel()
	db := testenv.MySQL(t)
	svc := survey.NewService(db, nil)
	uid := newUser(t, db, townA)
	v1 := current(t, svc, uid).Survey
	def := survey.Definition{Code: v1.Code, Title: v1.Title, Questions: v1.Questions}
	draft, err := svc.Create(t.Context(), admin, def, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Submit(t.Context(), draft.ID, uid, fullAnswers()); !errors.Is(err, survey.ErrClosed) {
		t.Fatalf("answer to a draft: %v", err)
	}
	if _, err := svc.Submit(t.Context(), v1.ID, uid, fullAnswers()); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Publish(t.Context(), admin, draft.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Submit(t.Context(), v1.ID, uid, fullAnswers()); !errors.Is(err, survey.ErrClosed) {
		t.Fatalf("answer to a closed version: %v", err)
	}
	if _, err := svc.Submit(t.Context(), 999999, uid, fullAnswers()); !errors.Is(err, survey.ErrNotFound) {
		t.Fatalf("answer to an unknown survey: %v", err)
	}
	// The new version has no answers yet; the old one keeps its own.
	if cur := current(t, svc, uid); cur.Survey.ID != draft.ID || cur.Mine != nil {
		t.Fatalf("current after publish = %+v", cur)
	}
}

func TestSubmit_20ParallelByOneUser_oneResponse(t *testing.T) {
	t.Parallel()
	db := testenv.MySQL(t)
	svc := survey.NewService(db, nil)
	uid := newUser(t, db, townB)
	sv := current(t, svc, uid).Survey
	var wg sync.WaitGroup
	errs := make([]error, 20)
	for i := range errs {
		wg.Go(func() {
			answers := fullAnswers()
			answers[0].Options = []string{[]string{"started", "planned", "considering", "none"}[i%4]}
			_, errs[i] = svc.Submit(t.Context(), sv.ID, uid, answers)
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("submission %d: %v", i, err)
		}
	}
	var c struct {
		Responses int `db:"responses"`
		Revision  int `db:"revision"`
		Q1        int `db:"q1"`
		Items     int `db:"items"`
	}
	if err := db.Get(&c, `SELECT (SELECT COUNT(*) FROM survey_responses) AS responses, (SELECT MAX(revision) FROM survey_responses) AS revision,
		(SELECT COUNT(*) FROM survey_response_items WHERE question_code = 'q1') AS q1, (SELECT COUNT(*) FROM survey_response_items) AS items`); err != nil {
		t.Fatal(err)
	}
	if c.Responses != 1 || c.Revision != 20 || c.Q1 != 1 || c.Items != 12 {
		t.Fatalf("after 20 parallel submissions: %+v, want 1 response, revision 20, one q1 answer, 12 items", c)
	}
}

func TestStats_countsPerOption_andByTownship(t *testing.T) {
	t.Parallel()
	db := testenv.MySQL(t)
	svc := survey.NewService(db, nil)
	sv := current(t, svc, 0).Survey
	submit := func(township string, answers []survey.Answer) {
		t.Helper()
		if _, err := svc.Submit(t.Context(), sv.ID, newUser(t, db, township), answers); err != nil {
			t.Fatal(err)
		}
	}
	submit(townA, fullAnswers())
	submit(townA, with("q3", &survey.Answer{Question: "q3", Options: []string{"tea"}}))
	submit(townB, with("q8", nil))
	submit("", with("q1", &survey.Answer{Question: "q1", Options: []string{"none"}})) // no returnee record

	count := func(st survey.Stats, q, o string) int {
		for _, qs := range st.Questions {
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
		t.Fatalf("no %s/%s in stats", q, o)
		return 0
	}
	cases := []struct {
		township                                           string
		respondents, planned, none, tea, ecommerce, q3, q8 int
	}{
		{"", 4, 3, 1, 4, 3, 4, 3},
		{townA, 2, 2, 0, 2, 1, 2, 2},
		{townB, 1, 1, 0, 1, 1, 1, 0},
		{"990199999", 0, 0, 0, 0, 0, 0, 0},
	}
	for _, tc := range cases {
		t.Run("township "+tc.township, func(t *testing.T) {
			st, err := svc.Stats(t.Context(), sv.ID, tc.township)
			if err != nil {
				t.Fatal(err)
			}
			got := []int{st.Respondents, count(st, "q1", "planned"), count(st, "q1", "none"), count(st, "q3", "tea"),
				count(st, "q3", "ecommerce"), count(st, "q3", ""), count(st, "q8", "")}
			want := []int{tc.respondents, tc.planned, tc.none, tc.tea, tc.ecommerce, tc.q3, tc.q8}
			if !slices.Equal(got, want) {
				t.Fatalf("counts = %v, want %v", got, want)
			}
			if len(st.Questions) != 8 || len(st.Questions[0].Options) != 4 || st.Questions[0].Options[0].Label != "已经在创业" || st.Township != tc.township {
				t.Fatalf("stats shape = %+v", st)
			}
		})
	}
	if _, err := svc.Stats(t.Context(), sv.ID, "abc' OR 1=1"); !errors.Is(err, survey.ErrInvalidTownship) {
		t.Fatalf("bad township: %v", err)
	}
	if _, err := svc.Stats(t.Context(), 424242, ""); !errors.Is(err, survey.ErrNotFound) {
		t.Fatalf("unknown survey: %v", err)
	}
}

func TestCreate_publishClosesPrevious_audited(t *testing.T) {
	t.Parallel()
	db := testenv.MySQL(t)
	svc := survey.NewService(db, nil)
	v1 := current(t, svc, 0).Survey
	v2, err := svc.Create(t.Context(), admin, survey.Definition{Code: v1.Code, Title: "返乡创业意愿调查（2026 版）", Questions: v1.Questions[:2]}, true)
	if err != nil {
		t.Fatal(err)
	}
	if v2.Version != 2 || v2.Status != survey.StatusActive || v2.CreatedBy == nil || *v2.CreatedBy != admin.ID {
		t.Fatalf("v2 = %+v", v2)
	}
	old, err := svc.Get(t.Context(), v1.ID)
	if err != nil || old.Status != survey.StatusClosed || old.ClosedAt == nil {
		t.Fatalf("v1 after publish = %+v, %v", old, err)
	}
	if cur := current(t, svc, 0).Survey; cur.ID != v2.ID {
		t.Fatalf("current = %d, want v2 %d", cur.ID, v2.ID)
	}
	list, err := svc.List(t.Context(), survey.CodeReturnIntention)
	if err != nil || len(list) != 2 || list[0].Version != 2 || list[1].Version != 1 {
		t.Fatalf("list = %+v, %v", list, err)
	}
	var actions []string
	db.Select(&actions, `SELECT action FROM audit_log WHERE target_type = 'survey' ORDER BY id`)
	if strings.Join(actions, ",") != "survey.create,survey.publish" {
		t.Fatalf("audit = %v", actions)
	}
	t.Run("a closed version cannot be published again", func(t *testing.T) {
		if _, err := svc.Publish(t.Context(), admin, v1.ID); !errors.Is(err, survey.ErrClosed) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("publishing the active version is a no-op", func(t *testing.T) {
		if again, err := svc.Publish(t.Context(), admin, v2.ID); err != nil || again.Status != survey.StatusActive {
			t.Fatalf("%+v %v", again, err)
		}
	})
	t.Run("a new code starts at version 1", func(t *testing.T) {
		s, err := svc.Create(t.Context(), admin, survey.Definition{Code: "training_needs", Title: "培训需求调查", Questions: v1.Questions[6:]}, true)
		if err != nil || s.Version != 1 || s.Status != survey.StatusActive {
			t.Fatalf("%+v %v", s, err)
		}
		if cur := current(t, svc, 0).Survey; cur.ID != v2.ID {
			t.Fatal("another code's publish closed return_intention")
		}
	})
}

func activeCount(t *testing.T, db *sqlx.DB, code string) int {
	t.Helper()
	var n int
	if err := db.Get(&n, `SELECT COUNT(*) FROM surveys WHERE code = ? AND status = 'active'`, code); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestPublish_twoDraftsAtOnce_exactlyOneActive(t *testing.T) {
	t.Parallel()
	db := testenv.MySQL(t)
	svc := survey.NewService(db, nil)
	v1 := current(t, svc, 0).Survey
	def := survey.Definition{Code: v1.Code, Title: v1.Title, Questions: v1.Questions}
	for round := range 5 {
		a, err := svc.Create(t.Context(), admin, def, false)
		if err != nil {
			t.Fatal(err)
		}
		b, err := svc.Create(t.Context(), admin, def, false)
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		var errA, errB error
		wg.Go(func() { _, errA = svc.Publish(t.Context(), admin, a.ID) })
		wg.Go(func() { _, errB = svc.Publish(t.Context(), admin, b.ID) })
		wg.Wait()
		for _, err := range []error{errA, errB} {
			if err != nil && !errors.Is(err, survey.ErrConflict) {
				t.Fatalf("round %d: %v", round, err)
			}
		}
		if errA != nil && errB != nil {
			t.Fatalf("round %d: both publishes failed: %v / %v", round, errA, errB)
		}
		if n := activeCount(t, db, v1.Code); n != 1 {
			t.Fatalf("round %d: %d active versions", round, n)
		}
	}
}

func TestPublish_firstVersionsOfNewCodeAtOnce_exactlyOneActive(t *testing.T) {
	t.Parallel()
	db := testenv.MySQL(t)
	svc := survey.NewService(db, nil)
	qs := current(t, svc, 0).Survey.Questions
	for round := range 5 {
		code := fmt.Sprintf("pulse_%d", round)
		var wg sync.WaitGroup
		errs := make([]error, 4)
		for i := range errs {
			wg.Go(func() {
				_, errs[i] = svc.Create(t.Context(), admin, survey.Definition{Code: code, Title: "快速调查", Questions: qs}, true)
			})
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			if err == nil {
				ok++
			} else if !errors.Is(err, survey.ErrConflict) {
				t.Fatalf("round %d: %v", round, err)
			}
		}
		if ok == 0 {
			t.Fatalf("round %d: every publish failed: %v", round, errs)
		}
		if n := activeCount(t, db, code); n != 1 {
			t.Fatalf("round %d: %d active versions", round, n)
		}
	}
}

func TestCreate_invalidDefinition(t *testing.T) {
	t.Parallel()
	db := testenv.MySQL(t)
	svc := survey.NewService(db, nil)
	choice := func(code string) survey.Question {
		return survey.Question{Code: code, Title: "题目", Type: survey.TypeSingle, Options: []survey.Option{{Code: "a", Label: "甲"}, {Code: "b", Label: "乙"}}}
	}
	ok := survey.Definition{Code: "x", Title: "调查", Questions: []survey.Question{choice("q1")}}
	mod := func(f func(d *survey.Definition)) survey.Definition {
		d := ok
		d.Questions = slices.Clone(ok.Questions)
		f(&d)
		return d
	}
	cases := []struct {
		name  string
		def   survey.Definition
		field string
	}{
		{"bad code", mod(func(d *survey.Definition) { d.Code = "Return-Intention" }), "code"},
		{"no title", mod(func(d *survey.Definition) { d.Title = " " }), "title"},
		{"no questions", mod(func(d *survey.Definition) { d.Questions = nil }), "questions"},
		{"duplicate question", mod(func(d *survey.Definition) { d.Questions = append(d.Questions, choice("q1")) }), "questions[1].code"},
		{"unknown type", mod(func(d *survey.Definition) { d.Questions[0].Type = "rating" }), "questions[0].type"},
		{"one option", mod(func(d *survey.Definition) { d.Questions[0].Options = d.Questions[0].Options[:1] }), "questions[0].options"},
		{"duplicate option", mod(func(d *survey.Definition) {
			d.Questions[0].Options = []survey.Option{{Code: "a", Label: "甲"}, {Code: "a", Label: "乙"}}
		}), "questions[0].options[1].code"},
		{"empty label", mod(func(d *survey.Definition) {
			d.Questions[0].Options = []survey.Option{{Code: "a", Label: "甲"}, {Code: "b", Label: ""}}
		}), "questions[0].options[1].label"},
		{"max choices on single", mod(func(d *survey.Definition) { d.Questions[0].MaxChoices = 1 }), "questions[0].max_choices"},
		{"max choices over options", mod(func(d *survey.Definition) {
			d.Questions[0].Type, d.Questions[0].MaxChoices = survey.TypeMulti, 3
		}), "questions[0].max_choices"},
		{"text with options", mod(func(d *survey.Definition) { d.Questions[0].Type = survey.TypeText }), "questions[0].options"},
		{"text too long a limit", mod(func(d *survey.Definition) {
			d.Questions[0] = survey.Question{Code: "t", Title: "建议", Type: survey.TypeText, MaxLength: 5000}
		}), "questions[0].max_length"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := svc.Create(t.Context(), admin, tc.def, true)
			var de *survey.DefinitionError
			if !errors.As(err, &de) || !errors.Is(err, survey.ErrInvalidDefinition) || de.Field != tc.field {
				t.Fatalf("err = %v, want a definition error on %s", err, tc.field)
			}
		})
	}
	if s, err := svc.Create(t.Context(), admin, ok, true); err != nil || s.Version != 1 {
		t.Fatalf("valid definition: %+v %v", s, err)
	}
	var n int
	db.Get(&n, `SELECT COUNT(*) FROM surveys WHERE code = 'x'`)
	if n != 1 {
		t.Fatalf("%d surveys of code x, want only the valid one", n)
	}
}
