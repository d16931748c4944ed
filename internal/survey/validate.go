package survey

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"
)

// Limits of a definition; the columns are sized for them.
const (
	maxTitle         = 100  // surveys.title
	maxDescription   = 1000 // surveys.description
	maxQuestions     = 50
	maxQuestionTitle = 200
	maxOptions       = 50
	maxOptionLabel   = 50
	// MaxTextLength is the longest a text question may allow (survey_response_items.text_value).
	MaxTextLength = 1000
	// defaultTextLength is a text question's limit when its definition sets none.
	defaultTextLength = 500
)

var (
	codeRE       = regexp.MustCompile(`^[a-z][a-z0-9_]{0,31}$`)
	optionCodeRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_]{0,31}$`)
	townshipRE   = regexp.MustCompile(`^[0-9]{6,12}$`)
)

// normalize trims def, fills in defaults and checks it, returning the first problem as a
// *DefinitionError.
func (def Definition) normalize() (Definition, error) {
	bad := func(field, format string, a ...any) (Definition, error) {
		return Definition{}, &DefinitionError{Field: field, Reason: fmt.Sprintf(format, a...)}
	}
	def.Code = strings.TrimSpace(def.Code)
	def.Title = strings.TrimSpace(def.Title)
	def.Description = strings.TrimSpace(def.Description)
	if !codeRE.MatchString(def.Code) {
		return bad("code", "must be 1-32 lower-case letters, digits or _, starting with a letter")
	}
	if n := utf8.RuneCountInString(def.Title); n == 0 || n > maxTitle {
		return bad("title", "must be 1-%d characters", maxTitle)
	}
	if utf8.RuneCountInString(def.Description) > maxDescription {
		return bad("description", "must be at most %d characters", maxDescription)
	}
	if len(def.Questions) == 0 || len(def.Questions) > maxQuestions {
		return bad("questions", "must have 1-%d questions", maxQuestions)
	}
	qs := make([]Question, len(def.Questions))
	seen := map[string]bool{}
	for i, q := range def.Questions {
		f := fmt.Sprintf("questions[%d]", i)
		q.Code = strings.TrimSpace(q.Code)
		q.Title = strings.TrimSpace(q.Title)
		if !codeRE.MatchString(q.Code) {
			return bad(f+".code", "must be 1-32 lower-case letters, digits or _, starting with a letter")
		}
		if seen[q.Code] {
			return bad(f+".code", "%s is used twice", q.Code)
		}
		seen[q.Code] = true
		if n := utf8.RuneCountInString(q.Title); n == 0 || n > maxQuestionTitle {
			return bad(f+".title", "must be 1-%d characters", maxQuestionTitle)
		}
		switch q.Type {
		case TypeSingle, TypeMulti:
			if q.MaxLength != 0 {
				return bad(f+".max_length", "only text questions have a length")
			}
			if len(q.Options) < 2 || len(q.Options) > maxOptions {
				return bad(f+".options", "a choice question needs 2-%d options", maxOptions)
			}
			opts := make([]Option, len(q.Options))
			seenOpt := map[string]bool{}
			for j, o := range q.Options {
				of := fmt.Sprintf("%s.options[%d]", f, j)
				o.Code, o.Label = strings.TrimSpace(o.Code), strings.TrimSpace(o.Label)
				if !optionCodeRE.MatchString(o.Code) {
					return bad(of+".code", "must be 1-32 lower-case letters, digits or _")
				}
				if seenOpt[o.Code] {
					return bad(of+".code", "%s is used twice", o.Code)
				}
				seenOpt[o.Code] = true
				if n := utf8.RuneCountInString(o.Label); n == 0 || n > maxOptionLabel {
					return bad(of+".label", "must be 1-%d characters", maxOptionLabel)
				}
				opts[j] = o
			}
			q.Options = opts
			if q.Type == TypeSingle && q.MaxChoices != 0 {
				return bad(f+".max_choices", "a single-choice question takes one option")
			}
			if q.MaxChoices < 0 || q.MaxChoices > len(q.Options) {
				return bad(f+".max_choices", "must be 0 (any) or 1-%d", len(q.Options))
			}
		case TypeText:
			if len(q.Options) > 0 || q.MaxChoices != 0 {
				return bad(f+".options", "a text question has no options")
			}
			if q.MaxLength == 0 {
				q.MaxLength = defaultTextLength
			}
			if q.MaxLength < 1 || q.MaxLength > MaxTextLength {
				return bad(f+".max_length", "must be 1-%d", MaxTextLength)
			}
		default:
			return bad(f+".type", "must be %s, %s or %s", TypeSingle, TypeMulti, TypeText)
		}
		qs[i] = q
	}
	def.Questions = qs
	return def, nil
}

// check validates answers against the version's questions and returns them normalized: in
// question order, options in definition order, text trimmed, unanswered optional questions
// dropped. The first problem comes back as an *AnswerError.
func (sv Survey) check(answers []Answer) ([]Answer, error) {
	index := make(map[string]int, len(sv.Questions))
	for i, q := range sv.Questions {
		index[q.Code] = i
	}
	given := make(map[string]Answer, len(answers))
	seen := make(map[string]bool, len(answers))
	for _, a := range answers {
		i, ok := index[a.Question]
		if !ok {
			return nil, &AnswerError{Question: clip(a.Question, 64), Err: ErrUnknownQuestion}
		}
		q := sv.Questions[i]
		fail := func(err error, limit int) ([]Answer, error) {
			return nil, &AnswerError{Question: q.Code, Title: q.Title, Limit: limit, Err: err}
		}
		if seen[q.Code] {
			return fail(ErrMalformedAnswer, 0)
		}
		seen[q.Code] = true
		switch q.Type {
		case TypeSingle, TypeMulti:
			if a.Text != "" {
				return fail(ErrMalformedAnswer, 0)
			}
			chosen := make(map[string]bool, len(a.Options))
			for _, o := range a.Options {
				if !slices.ContainsFunc(q.Options, func(d Option) bool { return d.Code == o }) {
					return fail(ErrUnknownOption, 0)
				}
				if chosen[o] {
					return fail(ErrMalformedAnswer, 0)
				}
				chosen[o] = true
			}
			if len(chosen) == 0 {
				continue // not answered; required questions are checked below
			}
			if q.Type == TypeSingle && len(chosen) > 1 {
				return fail(ErrTooManyChoices, 1)
			}
			if q.Type == TypeMulti && q.MaxChoices > 0 && len(chosen) > q.MaxChoices {
				return fail(ErrTooManyChoices, q.MaxChoices)
			}
			norm := Answer{Question: q.Code, Options: make([]string, 0, len(chosen))}
			for _, o := range q.Options {
				if chosen[o.Code] {
					norm.Options = append(norm.Options, o.Code)
				}
			}
			given[q.Code] = norm
		case TypeText:
			if len(a.Options) > 0 || !utf8.ValidString(a.Text) {
				return fail(ErrMalformedAnswer, 0)
			}
			text := strings.TrimSpace(a.Text)
			if text == "" {
				continue
			}
			if utf8.RuneCountInString(text) > q.MaxLength {
				return fail(ErrTextTooLong, q.MaxLength)
			}
			given[q.Code] = Answer{Question: q.Code, Text: text}
		}
	}
	out := make([]Answer, 0, len(given))
	for _, q := range sv.Questions {
		a, ok := given[q.Code]
		if !ok {
			if q.Required {
				return nil, &AnswerError{Question: q.Code, Title: q.Title, Err: ErrMissingRequired}
			}
			continue
		}
		out = append(out, a)
	}
	return out, nil
}

// assemble turns stored items back into answers in question order.
func (sv Survey) assemble(items []itemRow) []Answer {
	byQuestion := map[string][]itemRow{}
	for _, it := range items {
		byQuestion[it.Question] = append(byQuestion[it.Question], it)
	}
	out := []Answer{}
	for _, q := range sv.Questions {
		its := byQuestion[q.Code]
		if len(its) == 0 {
			continue
		}
		a := Answer{Question: q.Code}
		if q.Type == TypeText {
			a.Text = its[0].Text.String
		} else {
			for _, o := range q.Options {
				if slices.ContainsFunc(its, func(it itemRow) bool { return it.Option == o.Code }) {
					a.Options = append(a.Options, o.Code)
				}
			}
		}
		out = append(out, a)
	}
	return out
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}
