package audience

import (
	"fmt"
	"strings"
	"time"
)

// SQL is the rule as a parameterized condition over From. Rows where it is NULL (unknown) are
// not selected, as Eval's Unknown is not a match. today is the date in Beijing that ages and
// months are counted to.
func (n *Node) SQL(today time.Time) (string, []any) {
	var b strings.Builder
	var args []any
	n.sql(&b, &args, today.Format(time.DateOnly))
	return b.String(), args
}

func (n *Node) sql(b *strings.Builder, args *[]any, today string) {
	switch n.kind {
	case kindAll, kindAny:
		join := " AND "
		if n.kind == kindAny {
			join = " OR "
		}
		b.WriteString("(")
		for i, k := range n.kids {
			if i > 0 {
				b.WriteString(join)
			}
			k.sql(b, args, today)
		}
		b.WriteString(")")
		return
	case kindNot:
		b.WriteString("(NOT ")
		n.kids[0].sql(b, args, today)
		b.WriteString(")")
		return
	}
	f := n.field
	switch {
	case f.Name == "role":
		n.roleSQL(b)
		return
	case f.tagKind != "":
		n.tagSQL(b, args)
		return
	}
	expr := f.sql
	if strings.Contains(expr, "?") {
		*args = append(*args, today)
	}
	switch n.op {
	case "eq", "ne", "gte", "lte":
		op := map[string]string{"eq": "=", "ne": "<>", "gte": ">=", "lte": "<="}[n.op]
		fmt.Fprintf(b, "(%s %s ?)", expr, op)
		if f.Type == Int {
			*args = append(*args, n.ints[0])
		} else {
			*args = append(*args, n.strs[0])
		}
	case "between":
		fmt.Fprintf(b, "(%s BETWEEN ? AND ?)", expr)
		*args = append(*args, n.ints[0], n.ints[1])
	case "in", "not_in":
		not := ""
		if n.op == "not_in" {
			not = "NOT "
		}
		fmt.Fprintf(b, "(%s %sIN (%s))", expr, not, placeholders(len(n.strs)))
		for _, s := range n.strs {
			*args = append(*args, s)
		}
	case "is":
		fmt.Fprintf(b, "((%s) = ?)", expr)
		*args = append(*args, n.bool)
	}
}

// roleSQL: a person is a returnee when they have a returnee record, an alumnus when they have
// an alumnus record (whatever its review status: alumnus_approved says that). Never unknown.
func (n *Node) roleSQL(b *strings.Builder) {
	has := map[string]string{"returnee": "r.person_id IS NOT NULL", "alumnus": "a.person_id IS NOT NULL"}
	parts := make([]string, len(n.strs))
	for i, s := range n.strs {
		parts[i] = has[s]
	}
	switch n.op {
	case "has_any":
		fmt.Fprintf(b, "(%s)", strings.Join(parts, " OR "))
	case "has_all":
		fmt.Fprintf(b, "(%s)", strings.Join(parts, " AND "))
	case "has_none":
		fmt.Fprintf(b, "(NOT (%s))", strings.Join(parts, " OR "))
	}
}

// tagSQL: the returnee's tags of the field's kind (returnee_tags, keyed by person, kind, code);
// unknown for someone without a returnee record.
func (n *Node) tagSQL(b *strings.Builder, args *[]any) {
	codes := distinct(n.strs)
	sub := "FROM returnee_tags t WHERE t.person_id = p.id AND t.kind = ? AND t.code IN (" + placeholders(len(codes)) + ")"
	*args = append(*args, n.field.tagKind)
	for _, c := range codes {
		*args = append(*args, c)
	}
	b.WriteString("(CASE WHEN r.person_id IS NULL THEN NULL ELSE ")
	switch n.op {
	case "has_any":
		b.WriteString("EXISTS (SELECT 1 " + sub + ")")
	case "has_none":
		b.WriteString("NOT EXISTS (SELECT 1 " + sub + ")")
	case "has_all":
		b.WriteString("(SELECT COUNT(DISTINCT t.code) " + sub + ") = ?")
		*args = append(*args, len(codes))
	}
	b.WriteString(" END)")
}

func placeholders(n int) string { return strings.TrimSuffix(strings.Repeat("?, ", n), ", ") }

func distinct(list []string) []string {
	seen := make(map[string]bool, len(list))
	var out []string
	for _, s := range list {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// Truth is a rule's answer for one person.
type Truth int8

// The three answers. Unknown is SQL's NULL: the person has not told us what the rule needs.
const (
	False Truth = iota
	True
	Unknown
)

func (t Truth) String() string { return [...]string{"false", "true", "unknown"}[t] }

// Eval is the rule for one person, with SQL's three-valued logic (a false condition decides an
// all, a true one an any, whatever the unknown ones are).
func (n *Node) Eval(f *Facts, today time.Time) Truth {
	switch n.kind {
	case kindAll:
		out := True
		for _, k := range n.kids {
			switch k.Eval(f, today) {
			case False:
				return False
			case Unknown:
				out = Unknown
			}
		}
		return out
	case kindAny:
		out := False
		for _, k := range n.kids {
			switch k.Eval(f, today) {
			case True:
				return True
			case Unknown:
				out = Unknown
			}
		}
		return out
	case kindNot:
		switch t := n.kids[0].Eval(f, today); t {
		case True:
			return False
		case False:
			return True
		default:
			return t
		}
	}
	v, known := n.field.get(f, today)
	if !known {
		return Unknown
	}
	return truth(n.leaf(v))
}

func truth(b bool) Truth {
	if b {
		return True
	}
	return False
}

func (n *Node) leaf(v value) bool {
	switch n.field.Type {
	case Bool:
		return v.yes == n.bool
	case Int:
		switch n.op {
		case "eq":
			return v.num == n.ints[0]
		case "ne":
			return v.num != n.ints[0]
		case "gte":
			return v.num >= n.ints[0]
		case "lte":
			return v.num <= n.ints[0]
		default: // between
			return v.num >= n.ints[0] && v.num <= n.ints[1]
		}
	case Enum:
		switch n.op {
		case "eq", "in":
			return contains(n.strs, v.str)
		default: // ne, not_in
			return !contains(n.strs, v.str)
		}
	}
	// Set
	hits := 0
	for _, s := range distinct(n.strs) {
		if contains(v.strs, s) {
			hits++
		}
	}
	switch n.op {
	case "has_any":
		return hits > 0
	case "has_all":
		return hits == len(distinct(n.strs))
	default: // has_none
		return hits == 0
	}
}

// Condition is one condition of a rule with its answer for a person: the list a policy's page
// shows with ✓ (True), ✗ (False) or 待补充信息 (Unknown).
type Condition struct {
	Text  string `json:"text"`
	Truth Truth  `json:"-"`
	State string `json:"state"` // "met", "unmet" or "unknown"
}

// Explain answers each top-level condition of the rule (the children of a top-level all, or
// the rule itself) for one person.
func (n *Node) Explain(f *Facts, today time.Time) []Condition { return n.ExplainWith(f, today, nil) }

// ExplainWith is Explain with the conditions' codes named by labels (see TextWith).
func (n *Node) ExplainWith(f *Facts, today time.Time, labels Labels) []Condition {
	parts := []*Node{n}
	if n.kind == kindAll {
		parts = n.kids
	}
	out := make([]Condition, len(parts))
	for i, p := range parts {
		t := p.Eval(f, today)
		out[i] = Condition{Text: p.TextWith(labels), Truth: t, State: [...]string{"unmet", "met", "unknown"}[t]}
	}
	return out
}

// Text is the rule in words, for staff reading a rule and for people reading a condition.
// Codes of open lists (regions, option codes, grades) stay codes: TextWith names them.
func (n *Node) Text() string { return n.TextWith(nil) }

// Labels names a code of a field's list, for the lists that are data (regions, option lists,
// grades): ok is false when it does not know the code. The console builds one from its tables.
type Labels func(field, code string) (label string, ok bool)

// TextWith is Text with codes named by labels first (nil: only the closed lists' words).
func (n *Node) TextWith(labels Labels) string {
	switch n.kind {
	case kindAll, kindAny:
		join := "，并且"
		if n.kind == kindAny {
			join = "，或者"
		}
		parts := make([]string, len(n.kids))
		for i, k := range n.kids {
			parts[i] = k.TextWith(labels)
		}
		return "（" + strings.Join(parts, join) + "）"
	case kindNot:
		return "不满足" + n.kids[0].TextWith(labels)
	}
	label := n.field.Label
	switch n.op {
	case "is":
		if n.bool {
			return label + "：是"
		}
		return label + "：否"
	case "eq":
		if n.field.Type == Int {
			return fmt.Sprintf("%s等于 %d", label, n.ints[0])
		}
		return label + "为 " + n.words(labels)[0]
	case "ne":
		if n.field.Type == Int {
			return fmt.Sprintf("%s不等于 %d", label, n.ints[0])
		}
		return label + "不是 " + n.words(labels)[0]
	case "gte":
		return fmt.Sprintf("%s不少于 %d", label, n.ints[0])
	case "lte":
		return fmt.Sprintf("%s不超过 %d", label, n.ints[0])
	case "between":
		return fmt.Sprintf("%s在 %d 到 %d 之间", label, n.ints[0], n.ints[1])
	case "in", "has_any":
		return label + "为 " + strings.Join(n.words(labels), "、") + " 之一"
	case "not_in", "has_none":
		return label + "不是 " + strings.Join(n.words(labels), "、") + " 中的任何一个"
	default: // has_all
		return label + "包括 " + strings.Join(n.words(labels), "、")
	}
}

// codeWords are the words of the closed lists' codes; open lists (regions, option codes,
// grades) are data and keep their codes here.
var codeWords = map[string]map[string]string{
	"role":              {"returnee": "返乡人员", "alumnus": "校友"},
	"gender":            {"M": "男", "F": "女"},
	"returnee_status":   {"away": "在外务工", "returned": "已返乡", "planning": "计划返乡"},
	"startup_intention": {"none": "暂无打算", "considering": "正在考虑", "preparing": "正在筹备", "started": "已经创业"},
}

// words are the leaf's values in words: the closed lists' own words, then what labels knows,
// else the code itself.
func (n *Node) words(labels Labels) []string {
	out := make([]string, len(n.strs))
	for i, s := range n.strs {
		out[i] = s
		if w, ok := n.field.Word(s); ok {
			out[i] = w
		} else if labels != nil {
			if w, ok := labels(n.field.Name, s); ok && w != "" {
				out[i] = w
			}
		}
	}
	return out
}
