package returnee

import (
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"huixiang/internal/cn"
	"huixiang/internal/cnid"
	"huixiang/internal/region"
	"huixiang/internal/vocab"
)

// profile is a validated Input, ready for the database.
type profile struct {
	Name          string
	IDCard        cnid.IDCard
	Phone         string
	TownshipCode  string
	VillageCode   string
	Status        string
	LeftOn        *time.Time
	ReturnedOn    *time.Time
	PlanReturnOn  *time.Time
	WorkProvince  string
	WorkCity      string
	Industry      string
	YearsAway     *int
	Skills        []string
	SkillsText    string
	Certificates  string
	Education     string
	Intention     string
	Fields        []string
	IntentionNote string
	Needs         []string
	BizName       string
	BizType       string
	USCC          *string
	BizStartedOn  *time.Time
	JobsCreated   *int
	// place is the township and village resolved, with their names.
	place region.Place
}

var (
	nameRE = regexp.MustCompile(`^[\p{Han}A-Za-z·•. ]{2,32}$`)
)

// clean trims s and folds runs of whitespace, so that what is stored is what the form meant.
func clean(s string) string { return strings.Join(strings.Fields(s), " ") }

// cleanText trims a multi-line text without folding its line breaks.
func cleanText(s string) string { return strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n")) }

func limit(field, v string, n int) error {
	if utf8.RuneCountInString(v) > n {
		return &FieldError{Field: field, Problem: ProblemTooLong, Limit: n}
	}
	return nil
}

func codes(field, kind string, in []string, lists vocab.Lists) ([]string, error) {
	out := make([]string, 0, len(in))
	for _, c := range in {
		c = strings.TrimSpace(c)
		if !lists.Has(kind, c) {
			return nil, &FieldError{Field: field, Problem: ProblemInvalid}
		}
		if !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	if len(out) > 20 {
		return nil, &FieldError{Field: field, Problem: ProblemTooLong, Limit: 20}
	}
	slices.Sort(out)
	return out, nil
}

func day(d *Date) *time.Time {
	if d == nil || d.IsZero() {
		return nil
	}
	t := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.UTC)
	return &t
}

// validate checks in and returns the profile, or the first FieldError. Regions are checked by
// the caller against the region table. requirePhone is for staff entry and imports, where the
// phone comes with the record rather than from WeChat.
func validate(in Input, lists vocab.Lists, now time.Time, requirePhone bool) (profile, error) {
	var p profile
	p.Name = clean(in.Name)
	if p.Name == "" {
		return p, &FieldError{Field: "name", Problem: ProblemRequired}
	}
	if !nameRE.MatchString(p.Name) {
		return p, &FieldError{Field: "name", Problem: ProblemInvalid}
	}
	id, err := cnid.ParseIDCard(in.IDCard, now)
	if strings.TrimSpace(in.IDCard) == "" {
		return p, &FieldError{Field: "id_card", Problem: ProblemRequired}
	}
	if err != nil {
		return p, &FieldError{Field: "id_card", Problem: ProblemIDCard}
	}
	p.IDCard = id
	p.Phone = strings.TrimPrefix(strings.ReplaceAll(strings.TrimSpace(in.Phone), " ", ""), "+86")
	if p.Phone != "" && !cn.ValidMobile(p.Phone) {
		return p, &FieldError{Field: "phone", Problem: ProblemInvalid}
	}
	if requirePhone && p.Phone == "" {
		return p, &FieldError{Field: "phone", Problem: ProblemRequired}
	}
	p.TownshipCode, p.VillageCode = strings.TrimSpace(in.TownshipCode), strings.TrimSpace(in.VillageCode)
	if p.TownshipCode == "" {
		return p, &FieldError{Field: "township_code", Problem: ProblemRequired}
	}
	if p.VillageCode == "" {
		return p, &FieldError{Field: "village_code", Problem: ProblemRequired}
	}
	p.Status = strings.TrimSpace(in.Status)
	if p.Status == "" {
		return p, &FieldError{Field: "status", Problem: ProblemRequired}
	}
	if !slices.Contains(statuses, p.Status) {
		return p, &FieldError{Field: "status", Problem: ProblemInvalid}
	}
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	p.LeftOn, p.ReturnedOn, p.PlanReturnOn = day(in.LeftOn), day(in.ReturnedOn), day(in.PlanReturnOn)
	for field, d := range map[string]*time.Time{"left_on": p.LeftOn, "returned_on": p.ReturnedOn} {
		if d != nil && (d.After(today) || d.Before(id.BirthDate)) {
			return p, &FieldError{Field: field, Problem: ProblemInvalid}
		}
	}
	if p.LeftOn != nil && p.ReturnedOn != nil && p.ReturnedOn.Before(*p.LeftOn) {
		return p, &FieldError{Field: "returned_on", Problem: ProblemInvalid}
	}
	switch p.Status {
	case "returned":
		if p.ReturnedOn == nil {
			return p, &FieldError{Field: "returned_on", Problem: ProblemRequired}
		}
		p.PlanReturnOn = nil
	case "planning":
		if p.PlanReturnOn != nil && p.PlanReturnOn.Before(today) {
			return p, &FieldError{Field: "plan_return_on", Problem: ProblemInvalid}
		}
		p.ReturnedOn = nil
	case "away":
		p.ReturnedOn, p.PlanReturnOn = nil, nil
	}
	p.WorkProvince, p.WorkCity, p.Industry = clean(in.WorkProvince), clean(in.WorkCity), clean(in.Industry)
	p.SkillsText, p.Certificates, p.IntentionNote = cleanText(in.SkillsText), cleanText(in.Certificates), cleanText(in.IntentionNote)
	for _, f := range []struct {
		field, v string
		n        int
	}{
		{"work_province", p.WorkProvince, 32}, {"work_city", p.WorkCity, 32}, {"industry", p.Industry, 64},
		{"skills_text", p.SkillsText, 500}, {"certificates", p.Certificates, 500}, {"intention_note", p.IntentionNote, 500},
	} {
		if err := limit(f.field, f.v, f.n); err != nil {
			return p, err
		}
	}
	if in.YearsAway != nil {
		if *in.YearsAway < 0 || *in.YearsAway > 80 {
			return p, &FieldError{Field: "years_away", Problem: ProblemInvalid}
		}
		p.YearsAway = in.YearsAway
	}
	if p.Skills, err = codes("skills", "skill", in.Skills, lists); err != nil {
		return p, err
	}
	if p.Education = strings.TrimSpace(in.Education); p.Education != "" && !lists.Has("education", p.Education) {
		return p, &FieldError{Field: "education", Problem: ProblemInvalid}
	}
	p.Intention = strings.TrimSpace(in.Intention)
	if p.Intention == "" {
		p.Intention = "none"
	}
	if !slices.Contains(intentions, p.Intention) {
		return p, &FieldError{Field: "intention", Problem: ProblemInvalid}
	}
	if p.Fields, err = codes("intended_fields", "intended_field", in.IntendedFields, lists); err != nil {
		return p, err
	}
	if p.Needs, err = codes("needs", "need", in.Needs, lists); err != nil {
		return p, err
	}
	if p.Intention == "started" && in.Business != nil {
		b := in.Business
		p.BizName = clean(b.Name)
		if err := limit("business.name", p.BizName, 100); err != nil {
			return p, err
		}
		if p.BizType = strings.TrimSpace(b.Type); p.BizType != "" && !lists.Has("business_type", p.BizType) {
			return p, &FieldError{Field: "business.type", Problem: ProblemInvalid}
		}
		if strings.TrimSpace(b.USCC) != "" {
			u, err := cnid.NormalizeUSCC(b.USCC)
			if err != nil {
				return p, &FieldError{Field: "business.uscc", Problem: ProblemUSCC}
			}
			p.USCC = &u
		}
		if p.BizStartedOn = day(b.StartedOn); p.BizStartedOn != nil && p.BizStartedOn.After(today) {
			return p, &FieldError{Field: "business.started_on", Problem: ProblemInvalid}
		}
		if b.JobsCreated != nil {
			if *b.JobsCreated < 0 || *b.JobsCreated > 100000 {
				return p, &FieldError{Field: "business.jobs_created", Problem: ProblemInvalid}
			}
			p.JobsCreated = b.JobsCreated
		}
	}
	return p, nil
}

// userText is the text a user typed, for WeChat's content check: every free-text field of Input
// (codes, enums, dates, the ID number and the phone are checked by validate instead). A test in
// internal/httpapi classifies every string field of Input, so a new one cannot be forgotten.
func (p profile) userText() string {
	parts := []string{p.Name, p.WorkProvince, p.WorkCity, p.Industry, p.SkillsText, p.Certificates, p.IntentionNote, p.BizName}
	var b strings.Builder
	for _, s := range parts {
		if s != "" {
			b.WriteString(s)
			b.WriteByte('\n')
		}
	}
	return strings.TrimSpace(b.String())
}
