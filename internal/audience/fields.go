package audience

import "time"

// Type is what a field holds, and so which operators it takes.
type Type int

// The field types.
const (
	Enum Type = iota // one code: eq, ne, in, not_in
	Set              // several codes: has_any, has_all, has_none
	Int              // a whole number: eq, ne, gte, lte, between
	Bool             // yes or no: is
)

var typeOps = map[Type][]string{
	Enum: {"eq", "ne", "in", "not_in"},
	Set:  {"has_any", "has_all", "has_none"},
	Int:  {"eq", "ne", "gte", "lte", "between"},
	Bool: {"is"},
}

func (t Type) ops() []string { return typeOps[t] }

// Ops are the operators a field of this type takes (a copy, in the documented order).
func (t Type) Ops() []string { return append([]string(nil), typeOps[t]...) }

// String is the type's name in docs/audience.md: enum, set, int or bool.
func (t Type) String() string {
	switch t {
	case Enum:
		return "enum"
	case Set:
		return "set"
	case Int:
		return "int"
	case Bool:
		return "bool"
	}
	return "unknown"
}

// opWords are the operators as the console's rule builder offers them.
var opWords = map[string]string{
	"eq": "等于", "ne": "不等于", "in": "是其中之一", "not_in": "不是其中任何一个",
	"has_any": "包含任一", "has_all": "全部包含", "has_none": "都不包含",
	"gte": "大于等于", "lte": "小于等于", "between": "在…之间", "is": "为",
}

// OpWord is an operator in words ("" for an operator the language does not have).
func OpWord(op string) string { return opWords[op] }

// Word is a code of the field's closed list in words; ok is false for a code it does not
// know or a field whose list is open (data: Labels names those).
func (f *Field) Word(code string) (string, bool) {
	w, ok := codeWords[f.Name][code]
	return w, ok
}

// Lookup is the catalogue's field of that name (nil when there is none).
func Lookup(name string) *Field { return fieldsByName[name] }

func (t Type) allows(op string) bool { return contains(typeOps[t], op) }

// Field is one entry of the catalogue.
type Field struct {
	Name  string
	Label string // the field in words, for staff and for the ✓ / ✗ / 待补充信息 list
	Type  Type
	// Values, when not nil, are the only codes the field takes (a closed list fixed by the
	// schema). Open lists (regions, tags, grades) are data: any well-formed code is accepted.
	Values []string
	// sql is the expression over From; NULL when the person has not told us. A "?" in it is
	// today's date (Beijing), passed as a parameter.
	sql string
	// tagKind, for Set fields read from returnee_tags.
	tagKind string
	// get is the same value for one person in Go; known is false where sql is NULL.
	get func(f *Facts, today time.Time) (v value, known bool)
}

type value struct {
	str  string
	strs []string
	num  int
	yes  bool
}

// From is the rows an audience selects from: one per person, with their returnee and alumnus
// records when they have them. Compile's condition uses the aliases p, r and a.
const From = `persons p
	LEFT JOIN returnees r ON r.person_id = p.id
	LEFT JOIN alumni a ON a.person_id = p.id`

// Fields is the catalogue, in the order docs/audience.md lists it.
var Fields = []*Field{
	{Name: "role", Label: "身份", Type: Set, Values: []string{"returnee", "alumnus"},
		get: func(f *Facts, _ time.Time) (value, bool) {
			var roles []string
			if f.Returnee {
				roles = append(roles, "returnee")
			}
			if f.Alumnus {
				roles = append(roles, "alumnus")
			}
			return value{strs: roles}, true
		}},
	{Name: "gender", Label: "性别", Type: Enum, Values: []string{"M", "F"}, sql: "p.gender",
		get: func(f *Facts, _ time.Time) (value, bool) { return value{str: f.Gender}, f.Person }},
	{Name: "age", Label: "年龄（周岁）", Type: Int, sql: "TIMESTAMPDIFF(YEAR, p.birth_date, ?)",
		get: func(f *Facts, today time.Time) (value, bool) { return value{num: years(f.BirthDate, today)}, f.Person }},
	{Name: "township", Label: "所在镇（街道）", Type: Enum, sql: "r.township_code",
		get: returneeStr(func(f *Facts) string { return f.Township })},
	{Name: "village", Label: "所在村（社区）", Type: Enum, sql: "r.village_code",
		get: returneeStr(func(f *Facts) string { return f.Village })},
	{Name: "returnee_status", Label: "返乡状态", Type: Enum, Values: []string{"away", "returned", "planning"}, sql: "r.status",
		get: returneeStr(func(f *Facts) string { return f.Status })},
	{Name: "startup_intention", Label: "创业意向", Type: Enum, Values: []string{"none", "considering", "preparing", "started"}, sql: "r.intention",
		get: returneeStr(func(f *Facts) string { return f.Intention })},
	{Name: "education", Label: "学历", Type: Enum, sql: "NULLIF(r.education, '')",
		get: func(f *Facts, _ time.Time) (value, bool) {
			return value{str: f.Education}, f.Returnee && f.Education != ""
		}},
	{Name: "intended_fields", Label: "意向领域", Type: Set, tagKind: "intended_field",
		get: returneeTags(func(f *Facts) []string { return f.IntendedFields })},
	{Name: "needs", Label: "需要的帮助", Type: Set, tagKind: "need",
		get: returneeTags(func(f *Facts) []string { return f.Needs })},
	{Name: "has_business", Label: "已办经营主体", Type: Bool, sql: "CASE WHEN r.person_id IS NULL THEN NULL ELSE r.uscc IS NOT NULL END",
		get: func(f *Facts, _ time.Time) (value, bool) { return value{yes: f.HasBusiness}, f.Returnee }},
	{Name: "months_since_business_registration", Label: "经营主体登记至今（月）", Type: Int,
		sql: "TIMESTAMPDIFF(MONTH, r.business_started_on, ?)",
		get: func(f *Facts, today time.Time) (value, bool) {
			if !f.Returnee || f.BusinessStartedOn.IsZero() {
				return value{}, false
			}
			return value{num: months(f.BusinessStartedOn, today)}, true
		}},
	{Name: "alumnus_approved", Label: "校友身份已审核通过", Type: Bool, sql: "a.status = 'approved'",
		get: func(f *Facts, _ time.Time) (value, bool) { return value{yes: f.AlumnusStatus == "approved"}, f.Alumnus }},
	{Name: "alumni_grade", Label: "校友类别", Type: Enum, sql: "CASE WHEN a.person_id IS NULL THEN NULL ELSE COALESCE(a.grade_code, '') END",
		get: func(f *Facts, _ time.Time) (value, bool) { return value{str: f.Grade}, f.Alumnus }},
}

var fieldsByName = func() map[string]*Field {
	m := make(map[string]*Field, len(Fields))
	for _, f := range Fields {
		m[f.Name] = f
	}
	return m
}()

func returneeStr(get func(*Facts) string) func(*Facts, time.Time) (value, bool) {
	return func(f *Facts, _ time.Time) (value, bool) { return value{str: get(f)}, f.Returnee }
}

func returneeTags(get func(*Facts) []string) func(*Facts, time.Time) (value, bool) {
	return func(f *Facts, _ time.Time) (value, bool) { return value{strs: get(f)}, f.Returnee }
}

// Facts is what the catalogue reads of one person (LoadFacts fills it from the database).
type Facts struct {
	// Person is false for a user who has registered nothing yet: no returnee or alumnus
	// record, gender and age unknown (audiences, over persons, never select them).
	Person    bool
	PersonID  uint64
	Gender    string
	BirthDate time.Time // a date: year, month, day in UTC

	Returnee          bool // the returnee fields below are known only when true
	Township          string
	Village           string
	Status            string
	Intention         string
	Education         string // "" when not given
	IntendedFields    []string
	Needs             []string
	HasBusiness       bool
	BusinessStartedOn time.Time // zero when not given

	Alumnus       bool // the alumnus fields below are known only when true
	AlumnusStatus string
	Grade         string // "" when not graded
}

// years is MySQL's TIMESTAMPDIFF(YEAR, from, to) for dates.
func years(from, to time.Time) int { return months(from, to) / 12 }

// months is MySQL's TIMESTAMPDIFF(MONTH, from, to) for dates: whole months, counted toward zero.
func months(from, to time.Time) int {
	if to.Before(from) {
		return -months(to, from)
	}
	n := (to.Year()-from.Year())*12 + int(to.Month()) - int(from.Month())
	if to.Day() < from.Day() {
		n--
	}
	return n
}
