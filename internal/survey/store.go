package survey

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"huixiang/internal/sqldb"
)

type surveyRow struct {
	ID          int64         `db:"id"`
	Code        string        `db:"code"`
	Version     int           `db:"version"`
	Title       string        `db:"title"`
	Description string        `db:"description"`
	Questions   []byte        `db:"questions"`
	Status      string        `db:"status"`
	CreatedBy   sql.NullInt64 `db:"created_by"`
	CreatedAt   time.Time     `db:"created_at"`
	PublishedAt sql.NullTime  `db:"published_at"`
	ClosedAt    sql.NullTime  `db:"closed_at"`
}

const surveyColumns = `id, code, version, title, description, questions, status, created_by, created_at, published_at, closed_at`

func (r surveyRow) survey() (Survey, error) {
	s := Survey{ID: r.ID, Code: r.Code, Version: r.Version, Title: r.Title, Description: r.Description,
		Status: r.Status, CreatedAt: r.CreatedAt}
	if err := json.Unmarshal(r.Questions, &s.Questions); err != nil {
		return Survey{}, fmt.Errorf("survey: %d: questions: %w", r.ID, err)
	}
	if r.CreatedBy.Valid {
		s.CreatedBy = &r.CreatedBy.Int64
	}
	if r.PublishedAt.Valid {
		s.PublishedAt = &r.PublishedAt.Time
	}
	if r.ClosedAt.Valid {
		s.ClosedAt = &r.ClosedAt.Time
	}
	return s, nil
}

func oneSurvey(ctx context.Context, q sqlx.QueryerContext, where string, arg any) (Survey, error) {
	var r surveyRow
	err := sqlx.GetContext(ctx, q, &r, `SELECT `+surveyColumns+` FROM surveys WHERE `+where, arg)
	if errors.Is(err, sql.ErrNoRows) {
		return Survey{}, ErrNotFound
	}
	if err != nil {
		return Survey{}, fmt.Errorf("survey: get: %w", err)
	}
	return r.survey()
}

func getSurvey(ctx context.Context, q sqlx.QueryerContext, id int64) (Survey, error) {
	return oneSurvey(ctx, q, `id = ?`, id)
}

func activeSurvey(ctx context.Context, q sqlx.QueryerContext, code string) (Survey, error) {
	return oneSurvey(ctx, q, `active_code = ?`, code)
}

func listSurveys(ctx context.Context, q sqlx.QueryerContext, code string) ([]Survey, error) {
	var rows []surveyRow
	var err error
	if code == "" {
		err = sqlx.SelectContext(ctx, q, &rows, `SELECT `+surveyColumns+` FROM surveys ORDER BY code, version DESC`)
	} else {
		err = sqlx.SelectContext(ctx, q, &rows, `SELECT `+surveyColumns+` FROM surveys WHERE code = ? ORDER BY version DESC`, code)
	}
	if err != nil {
		return nil, fmt.Errorf("survey: list: %w", err)
	}
	out := make([]Survey, 0, len(rows))
	for _, r := range rows {
		s, err := r.survey()
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// insertSurvey adds def as a draft with the next version number of its code. Two creations at
// once pick the same number; uk_surveys_code_version refuses the second (ErrDuplicate).
func insertSurvey(ctx context.Context, e sqlx.ExtContext, def Definition, createdBy int64, now time.Time) (int64, error) {
	var next int
	if err := sqlx.GetContext(ctx, e, &next, `SELECT COALESCE(MAX(version), 0) + 1 FROM surveys WHERE code = ?`, def.Code); err != nil {
		return 0, fmt.Errorf("survey: next version: %w", sqldb.Classify(err))
	}
	questions, err := json.Marshal(def.Questions)
	if err != nil {
		return 0, fmt.Errorf("survey: questions: %w", err)
	}
	var by sql.NullInt64
	if createdBy != 0 {
		by = sql.NullInt64{Int64: createdBy, Valid: true}
	}
	res, err := e.ExecContext(ctx, `
		INSERT INTO surveys (code, version, title, description, questions, status, created_by, created_at)
		VALUES (?, ?, ?, ?, ?, 'draft', ?, ?)`,
		def.Code, next, def.Title, def.Description, questions, by, now)
	if err != nil {
		return 0, fmt.Errorf("survey: create: %w", sqldb.Classify(err))
	}
	return res.LastInsertId()
}

// activeID returns the active version of code, if there is one.
func activeID(ctx context.Context, q sqlx.QueryerContext, code string) (int64, bool, error) {
	var id int64
	err := sqlx.GetContext(ctx, q, &id, `SELECT id FROM surveys WHERE active_code = ?`, code)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("survey: active version: %w", sqldb.Classify(err))
	}
	return id, true, nil
}

// closeSurvey closes version id if it is still active; false means it no longer was.
func closeSurvey(ctx context.Context, e sqlx.ExecerContext, id int64, now time.Time) (bool, error) {
	res, err := e.ExecContext(ctx, `UPDATE surveys SET status = 'closed', closed_at = ? WHERE id = ? AND status = 'active'`, now, id)
	return oneRow(res, err, "close")
}

// activateSurvey makes draft id active; false means it was not a draft any more. A second
// active version of the code fails with ErrDuplicate (uk_surveys_active_code).
func activateSurvey(ctx context.Context, e sqlx.ExecerContext, id int64, now time.Time) (bool, error) {
	res, err := e.ExecContext(ctx, `UPDATE surveys SET status = 'active', published_at = ? WHERE id = ? AND status = 'draft'`, now, id)
	return oneRow(res, err, "publish")
}

func oneRow(res sql.Result, err error, what string) (bool, error) {
	if err != nil {
		return false, fmt.Errorf("survey: %s: %w", what, sqldb.Classify(err))
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("survey: %s: %w", what, err)
	}
	return n == 1, nil
}

// respondent is the returnee record a user's answers are attributed to.
type respondent struct {
	PersonID sql.NullInt64  `db:"person_id"`
	Township sql.NullString `db:"township_code"`
}

// respondentOf looks up userID's person and returnee township; both are NULL for a user who has
// not claimed a record.
func respondentOf(ctx context.Context, q sqlx.QueryerContext, userID int64) (respondent, error) {
	var r respondent
	err := sqlx.GetContext(ctx, q, &r, `
		SELECT p.id AS person_id, r.township_code
		FROM persons p LEFT JOIN returnees r ON r.person_id = p.id
		WHERE p.user_id = ?`, userID)
	if errors.Is(err, sql.ErrNoRows) {
		return respondent{}, nil
	}
	if err != nil {
		return respondent{}, fmt.Errorf("survey: respondent: %w", err)
	}
	return r, nil
}

// upsertResponse creates or refreshes userID's response row to survey id, but only while the
// survey is active: the INSERT ... SELECT reads the survey row with a shared lock, so an answer
// and the closing of its version are serialised. It reports whether a row existed (so its items
// must be replaced); ErrClosed when the survey is not active.
func upsertResponse(ctx context.Context, e sqlx.ExecerContext, surveyID, userID int64, who respondent, now time.Time) (bool, error) {
	res, err := e.ExecContext(ctx, `
		INSERT INTO survey_responses (survey_id, user_id, person_id, township_code, submitted_at, updated_at)
		SELECT id, ?, ?, ?, ?, ? FROM surveys WHERE id = ? AND status = 'active'
		ON DUPLICATE KEY UPDATE person_id = ?, township_code = ?, updated_at = ?,
			revision = survey_responses.revision + 1`,
		userID, who.PersonID, who.Township, now, now, surveyID, who.PersonID, who.Township, now)
	if err != nil {
		return false, fmt.Errorf("survey: answer: %w", sqldb.Classify(err))
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("survey: answer: %w", err)
	}
	switch n {
	case 0:
		return false, ErrClosed
	case 1:
		return false, nil
	}
	return true, nil // 2: the existing row was updated (revision always changes)
}

type responseRow struct {
	ID          int64     `db:"id"`
	SubmittedAt time.Time `db:"submitted_at"`
	UpdatedAt   time.Time `db:"updated_at"`
}

// lockResponse reads the response row the transaction has just written (and locked).
func lockResponse(ctx context.Context, q sqlx.QueryerContext, surveyID, userID int64) (responseRow, error) {
	var r responseRow
	err := sqlx.GetContext(ctx, q, &r, `
		SELECT id, submitted_at, updated_at FROM survey_responses WHERE survey_id = ? AND user_id = ? FOR UPDATE`,
		surveyID, userID)
	if err != nil {
		return responseRow{}, fmt.Errorf("survey: answer: %w", sqldb.Classify(err))
	}
	return r, nil
}

func deleteItems(ctx context.Context, e sqlx.ExecerContext, responseID int64) error {
	if _, err := e.ExecContext(ctx, `DELETE FROM survey_response_items WHERE response_id = ?`, responseID); err != nil {
		return fmt.Errorf("survey: replace answer: %w", sqldb.Classify(err))
	}
	return nil
}

// insertItems writes one row per chosen option, and one per text answer (option_code ”).
func insertItems(ctx context.Context, e sqlx.ExecerContext, responseID, surveyID int64, township sql.NullString, answers []Answer) error {
	var rows []string
	var args []any
	for _, a := range answers {
		if len(a.Options) == 0 {
			rows = append(rows, "(?, ?, ?, ?, '', ?)")
			args = append(args, responseID, surveyID, township, a.Question, a.Text)
			continue
		}
		for _, o := range a.Options {
			rows = append(rows, "(?, ?, ?, ?, ?, NULL)")
			args = append(args, responseID, surveyID, township, a.Question, o)
		}
	}
	if len(rows) == 0 {
		return nil
	}
	_, err := e.ExecContext(ctx, `
		INSERT INTO survey_response_items (response_id, survey_id, township_code, question_code, option_code, text_value)
		VALUES `+strings.Join(rows, ", "), args...)
	if err != nil {
		return fmt.Errorf("survey: answer items: %w", sqldb.Classify(err))
	}
	return nil
}

type itemRow struct {
	Question string         `db:"question_code"`
	Option   string         `db:"option_code"`
	Text     sql.NullString `db:"text_value"`
}

// findResponse returns userID's answers to sv; ErrNotFound when there are none.
func findResponse(ctx context.Context, q sqlx.QueryerContext, sv Survey, userID int64) (Response, error) {
	var r responseRow
	err := sqlx.GetContext(ctx, q, &r, `SELECT id, submitted_at, updated_at FROM survey_responses WHERE survey_id = ? AND user_id = ?`, sv.ID, userID)
	if errors.Is(err, sql.ErrNoRows) {
		return Response{}, ErrNotFound
	}
	if err != nil {
		return Response{}, fmt.Errorf("survey: response: %w", err)
	}
	var items []itemRow
	if err := sqlx.SelectContext(ctx, q, &items, `
		SELECT question_code, option_code, text_value FROM survey_response_items WHERE response_id = ?`, r.ID); err != nil {
		return Response{}, fmt.Errorf("survey: response items: %w", err)
	}
	return Response{SurveyID: sv.ID, Version: sv.Version, Answers: sv.assemble(items),
		SubmittedAt: r.SubmittedAt, UpdatedAt: r.UpdatedAt}, nil
}

type counts struct {
	respondents int
	perQuestion map[string]int
	perOption   map[[2]string]int
}

// countAnswers counts survey id's respondents, respondents per question and choices per option,
// of township when it is not empty. Each is a GROUP BY over an index of survey_response_items
// (idx_survey_items_counts, or idx_survey_items_township with the filter).
func countAnswers(ctx context.Context, q sqlx.QueryerContext, id int64, township string) (counts, error) {
	filter, args := "", []any{id}
	if township != "" {
		filter, args = " AND township_code = ?", append(args, township)
	}
	c := counts{perQuestion: map[string]int{}, perOption: map[[2]string]int{}}
	if err := sqlx.GetContext(ctx, q, &c.respondents,
		`SELECT COUNT(*) FROM survey_responses WHERE survey_id = ?`+filter, args...); err != nil {
		return counts{}, fmt.Errorf("survey: count respondents: %w", err)
	}
	var perQuestion []struct {
		Question string `db:"question_code"`
		N        int    `db:"n"`
	}
	if err := sqlx.SelectContext(ctx, q, &perQuestion, `
		SELECT question_code, COUNT(DISTINCT response_id) AS n FROM survey_response_items
		WHERE survey_id = ?`+filter+` GROUP BY question_code`, args...); err != nil {
		return counts{}, fmt.Errorf("survey: count per question: %w", err)
	}
	for _, r := range perQuestion {
		c.perQuestion[r.Question] = r.N
	}
	var perOption []struct {
		Question string `db:"question_code"`
		Option   string `db:"option_code"`
		N        int    `db:"n"`
	}
	if err := sqlx.SelectContext(ctx, q, &perOption, `
		SELECT question_code, option_code, COUNT(*) AS n FROM survey_response_items
		WHERE survey_id = ?`+filter+` AND option_code <> '' GROUP BY question_code, option_code`, args...); err != nil {
		return counts{}, fmt.Errorf("survey: count per option: %w", err)
	}
	for _, r := range perOption {
		c.perOption[[2]string{r.Question, r.Option}] = r.N
	}
	return c, nil
}
