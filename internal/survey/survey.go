// Package survey holds versioned questionnaires defined as data (the first is the 返乡创业意愿调查,
// code return_intention), the users' answers to them, and the per-option counts staff read.
//
// A version's questions never change once created; a change is a new version. Publishing a
// version makes it the one active version of its code and closes the previous one. Each user has
// at most one response per version; answering again replaces it.
package survey

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"huixiang/internal/actor"
	"huixiang/internal/audit"
	"huixiang/internal/moderation"
	"huixiang/internal/sqldb"
	"huixiang/internal/wechat"
)

// CodeReturnIntention is the code of the return-intention survey the mini program shows.
const CodeReturnIntention = "return_intention"

// Version statuses.
const (
	StatusDraft  = "draft"
	StatusActive = "active"
	StatusClosed = "closed"
)

// Question types.
const (
	TypeSingle = "single" // exactly one option
	TypeMulti  = "multi"  // one or more options, at most MaxChoices when set
	TypeText   = "text"   // free text of at most MaxLength characters
)

// Errors.
var (
	ErrNotFound = errors.New("survey: not found")
	// ErrClosed means the version is no longer (or not yet) the active one: it takes no answers.
	ErrClosed = errors.New("survey: version is not active")
	// ErrConflict means another publish of the same code happened at the same time.
	ErrConflict = errors.New("survey: changed concurrently")
	// ErrInvalidTownship is a township filter that is not a township code.
	ErrInvalidTownship = errors.New("survey: invalid township code")

	// ErrInvalidAnswer is what every AnswerError unwraps to; the sentinels below say why.
	ErrInvalidAnswer   = errors.New("survey: invalid answer")
	ErrUnknownQuestion = fmt.Errorf("%w: unknown question", ErrInvalidAnswer)
	ErrUnknownOption   = fmt.Errorf("%w: unknown option", ErrInvalidAnswer)
	ErrMissingRequired = fmt.Errorf("%w: required question not answered", ErrInvalidAnswer)
	ErrTooManyChoices  = fmt.Errorf("%w: too many options chosen", ErrInvalidAnswer)
	ErrTextTooLong     = fmt.Errorf("%w: text too long", ErrInvalidAnswer)
	// ErrMalformedAnswer is an answer of the wrong shape: text for a choice question, options for
	// a text question, the same question or option twice.
	ErrMalformedAnswer = fmt.Errorf("%w: malformed answer", ErrInvalidAnswer)

	// ErrInvalidDefinition is what every DefinitionError unwraps to.
	ErrInvalidDefinition = errors.New("survey: invalid definition")
)

// AnswerError names the question an answer was refused for. It unwraps to one of the
// ErrUnknownQuestion ... ErrMalformedAnswer sentinels, which all wrap ErrInvalidAnswer.
type AnswerError struct {
	Question string // the question's code, as sent
	Title    string // the question's title; empty when the question is unknown
	Limit    int    // the maximum, for ErrTooManyChoices (options) and ErrTextTooLong (characters)
	Err      error
}

func (e *AnswerError) Error() string { return fmt.Sprintf("%v (question %q)", e.Err, e.Question) }

// Unwrap makes errors.Is(err, ErrTooManyChoices) and the like true.
func (e *AnswerError) Unwrap() error { return e.Err }

// DefinitionError says which part of a questionnaire definition is wrong.
type DefinitionError struct {
	Field  string // e.g. "questions[2].options[0].code"
	Reason string
}

func (e *DefinitionError) Error() string {
	return fmt.Sprintf("%v: %s: %s", ErrInvalidDefinition, e.Field, e.Reason)
}

// Unwrap makes errors.Is(err, ErrInvalidDefinition) true.
func (e *DefinitionError) Unwrap() error { return ErrInvalidDefinition }

// Option is one choice of a single or multi question.
type Option struct {
	Code  string `json:"code"`
	Label string `json:"label"`
}

// Question is one question of a version.
type Question struct {
	Code       string   `json:"code"`
	Title      string   `json:"title"`
	Type       string   `json:"type"`
	Required   bool     `json:"required"`
	Options    []Option `json:"options,omitempty"`
	MaxChoices int      `json:"max_choices,omitempty"` // multi only; 0 means any number
	MaxLength  int      `json:"max_length,omitempty"`  // text only, in characters
}

// Definition is what a new version is made of.
type Definition struct {
	Code        string
	Title       string
	Description string
	Questions   []Question
}

// Survey is one version of a questionnaire.
type Survey struct {
	ID          int64      `json:"id"`
	Code        string     `json:"code"`
	Version     int        `json:"version"`
	Title       string     `json:"title"`
	Description string     `json:"description"`
	Questions   []Question `json:"questions"`
	Status      string     `json:"status"`
	CreatedBy   *int64     `json:"created_by,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
	PublishedAt *time.Time `json:"published_at,omitempty"`
	ClosedAt    *time.Time `json:"closed_at,omitempty"`
}

// Answer is the answer to one question: options for single and multi, text for text.
type Answer struct {
	Question string   `json:"question"`
	Options  []string `json:"options,omitempty"`
	Text     string   `json:"text,omitempty"`
}

// Response is a user's stored answers to one version, in the version's question order.
type Response struct {
	SurveyID    int64     `json:"survey_id"`
	Version     int       `json:"version"`
	Answers     []Answer  `json:"answers"`
	SubmittedAt time.Time `json:"submitted_at"` // first answered
	UpdatedAt   time.Time `json:"updated_at"`   // last answered
}

// Current is the active version of a survey and, when the user has answered it, their answers.
type Current struct {
	Survey Survey
	Mine   *Response
}

// Stats are the counts of one version's answers.
type Stats struct {
	SurveyID int64  `json:"survey_id"`
	Code     string `json:"code"`
	Version  int    `json:"version"`
	Title    string `json:"title"`
	// Township is the filter applied; empty means every respondent, with or without a township.
	Township    string          `json:"township,omitempty"`
	Respondents int             `json:"respondents"`
	Questions   []QuestionStats `json:"questions"`
}

// QuestionStats counts one question: how many respondents answered it and how many chose each
// option (every option of the definition, zeros included, in its order).
type QuestionStats struct {
	Code        string        `json:"code"`
	Title       string        `json:"title"`
	Type        string        `json:"type"`
	Respondents int           `json:"respondents"`
	Options     []OptionCount `json:"options"`
}

// OptionCount is how many respondents chose an option.
type OptionCount struct {
	Code  string `json:"code"`
	Label string `json:"label"`
	Count int    `json:"count"`
}

// ContentChecker is WeChat's check of text a user typed.
type ContentChecker interface {
	CheckText(ctx context.Context, userID int64, text string) (wechat.Verdict, error)
}

// Service answers and counts surveys.
type Service struct {
	db      *sqlx.DB
	checker ContentChecker
	now     func() time.Time
}

// NewService returns a Service on db; free-text answers pass checker.
func NewService(db *sqlx.DB, checker ContentChecker) *Service {
	return &Service{db: db, checker: checker, now: time.Now}
}

// checkText refuses text answers that WeChat's content check calls risky. When WeChat cannot be
// reached the answer is kept: losing a respondent's answer is worse than storing it unchecked,
// and staff see only counts.
func (s *Service) checkText(ctx context.Context, userID int64, answers []Answer) error {
	var b strings.Builder
	for _, a := range answers {
		if a.Text != "" {
			b.WriteString(a.Text)
			b.WriteByte('\n')
		}
	}
	if b.Len() == 0 || s.checker == nil {
		return nil
	}
	v, err := s.checker.CheckText(ctx, userID, b.String())
	if err == nil && v == wechat.VerdictRisky {
		return moderation.ErrRejected
	}
	return nil
}

// submitAttempts bounds the retries of an answer that lost a deadlock (concurrent answers by one
// user contend for the same response row).
const submitAttempts = 6

// Get returns one version.
func (s *Service) Get(ctx context.Context, id int64) (Survey, error) {
	return getSurvey(ctx, s.db, id)
}

// List returns the versions of code (of every survey when code is empty), newest first.
func (s *Service) List(ctx context.Context, code string) ([]Survey, error) {
	return listSurveys(ctx, s.db, code)
}

// Current returns the active version of code and userID's answers to it, if any.
func (s *Service) Current(ctx context.Context, code string, userID int64) (Current, error) {
	sv, err := activeSurvey(ctx, s.db, code)
	if err != nil {
		return Current{}, err
	}
	out := Current{Survey: sv}
	r, err := findResponse(ctx, s.db, sv, userID)
	switch {
	case err == nil:
		out.Mine = &r
	case !errors.Is(err, ErrNotFound):
		return Current{}, err
	}
	return out, nil
}

// Submit validates answers against the version's definition and stores them as userID's
// response, replacing an earlier one in the same transaction. Submitting the same answers again
// changes nothing but updated_at. The respondent's returnee township is snapshotted with it.
func (s *Service) Submit(ctx context.Context, surveyID, userID int64, answers []Answer) (Response, error) {
	sv, err := getSurvey(ctx, s.db, surveyID)
	if err != nil {
		return Response{}, err
	}
	if sv.Status != StatusActive {
		return Response{}, ErrClosed
	}
	clean, err := sv.check(answers)
	if err != nil {
		return Response{}, err
	}
	if err := s.checkText(ctx, userID, clean); err != nil {
		return Response{}, err
	}
	who, err := respondentOf(ctx, s.db, userID)
	if err != nil {
		return Response{}, err
	}
	for attempt := 1; ; attempt++ {
		var stored responseRow
		err = sqldb.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
			now := s.now().UTC().Truncate(time.Millisecond)
			replaced, err := upsertResponse(ctx, tx, sv.ID, userID, who, now)
			if err != nil {
				return err
			}
			if stored, err = lockResponse(ctx, tx, sv.ID, userID); err != nil {
				return err
			}
			if replaced {
				if err := deleteItems(ctx, tx, stored.ID); err != nil {
					return err
				}
			}
			return insertItems(ctx, tx, stored.ID, sv.ID, who.Township, clean)
		})
		if err == nil {
			return Response{SurveyID: sv.ID, Version: sv.Version, Answers: clean,
				SubmittedAt: stored.SubmittedAt, UpdatedAt: stored.UpdatedAt}, nil
		}
		if !errors.Is(err, sqldb.ErrDeadlock) || attempt == submitAttempts {
			return Response{}, err
		}
		select {
		case <-ctx.Done():
			return Response{}, err
		case <-time.After(time.Duration(attempt*5+rand.IntN(20)) * time.Millisecond):
		}
	}
}

// Stats counts the answers to version id, of respondents in township when it is not empty.
func (s *Service) Stats(ctx context.Context, id int64, township string) (Stats, error) {
	if township != "" && !townshipRE.MatchString(township) {
		return Stats{}, ErrInvalidTownship
	}
	sv, err := getSurvey(ctx, s.db, id)
	if err != nil {
		return Stats{}, err
	}
	var c counts
	// One transaction so that the three counts come from the same snapshot.
	err = sqldb.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		var err error
		c, err = countAnswers(ctx, tx, id, township)
		return err
	})
	if err != nil {
		return Stats{}, err
	}
	out := Stats{SurveyID: sv.ID, Code: sv.Code, Version: sv.Version, Title: sv.Title, Township: township,
		Respondents: c.respondents, Questions: make([]QuestionStats, 0, len(sv.Questions))}
	for _, q := range sv.Questions {
		qs := QuestionStats{Code: q.Code, Title: q.Title, Type: q.Type, Respondents: c.perQuestion[q.Code],
			Options: make([]OptionCount, 0, len(q.Options))}
		for _, o := range q.Options {
			qs.Options = append(qs.Options, OptionCount{Code: o.Code, Label: o.Label, Count: c.perOption[[2]string{q.Code, o.Code}]})
		}
		out.Questions = append(out.Questions, qs)
	}
	return out, nil
}

// Create adds def as the next version of its code, created by actor (audited), and publishes
// it when publish is true, all in one transaction: a version is never left half made.
func (s *Service) Create(ctx context.Context, actor actor.Actor, def Definition, publish bool) (Survey, error) {
	def, err := def.normalize()
	if err != nil {
		return Survey{}, err
	}
	var id int64
	err = sqldb.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		now := s.now().UTC()
		var err error
		if id, err = insertSurvey(ctx, tx, def, actor.ID, now); err != nil {
			return err
		}
		e := actor.AuditID("survey.create", "survey", id)
		e.Detail = map[string]any{"code": def.Code, "questions": len(def.Questions)}
		if err := audit.Write(ctx, tx, e); err != nil {
			return err
		}
		if publish {
			return publishTx(ctx, tx, actor, id, def.Code, now)
		}
		return nil
	})
	if err != nil {
		return Survey{}, conflictOnRace(err)
	}
	return getSurvey(ctx, s.db, id)
}

// Publish makes draft version id the active one of its code and closes the previous active
// version, in one transaction. Publishing the active version again is a no-op; a closed version
// cannot be published again (ErrClosed).
func (s *Service) Publish(ctx context.Context, actor actor.Actor, id int64) (Survey, error) {
	sv, err := getSurvey(ctx, s.db, id)
	if err != nil {
		return Survey{}, err
	}
	switch sv.Status {
	case StatusActive:
		return sv, nil
	case StatusClosed:
		return Survey{}, ErrClosed
	}
	err = sqldb.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		return publishTx(ctx, tx, actor, id, sv.Code, s.now().UTC())
	})
	if err != nil {
		return Survey{}, conflictOnRace(err)
	}
	return getSurvey(ctx, s.db, id)
}

// publishTx closes the active version of code, if any, and activates draft id. Both updates are
// conditional on the state this transaction read, and uk_surveys_active_code admits one active
// version per code, so of two publishes at once one wins and the other gets ErrConflict.
func publishTx(ctx context.Context, tx *sqlx.Tx, actor actor.Actor, id int64, code string, now time.Time) error {
	prev, found, err := activeID(ctx, tx, code)
	if err != nil {
		return err
	}
	if found {
		ok, err := closeSurvey(ctx, tx, prev, now)
		if err != nil {
			return err
		}
		if !ok {
			return ErrConflict
		}
	}
	ok, err := activateSurvey(ctx, tx, id, now)
	if err != nil {
		return err
	}
	if !ok {
		return ErrConflict
	}
	e := actor.AuditID("survey.publish", "survey", id)
	e.Detail = map[string]any{"code": code}
	if found {
		e.Detail["closed"] = prev
	}
	return audit.Write(ctx, tx, e)
}

// conflictOnRace turns the database's verdicts on a concurrent publish (a duplicate version or
// active code, a deadlock) into ErrConflict.
func conflictOnRace(err error) error {
	if errors.Is(err, sqldb.ErrDuplicate) || errors.Is(err, sqldb.ErrDeadlock) {
		return fmt.Errorf("%w: %w", ErrConflict, err)
	}
	return err
}
