// Package audience is the one language in which policy conditions, notice audiences and
// matching say who they are for: a small JSON rule over a documented catalogue of a person's
// fields (docs/audience.md).
//
//	{"all": [
//	  {"field": "role", "op": "has_any", "value": ["returnee"]},
//	  {"field": "has_business", "op": "is", "value": true},
//	  {"field": "months_since_business_registration", "op": "lte", "value": 36}
//	]}
//
// A parsed rule compiles to a parameterized SQL condition over From (an audience: everyone it
// selects) and evaluates in Go for one person (a policy's page: does it fit me?), with the same
// answer. Both use three-valued logic: a condition on something the person has not told us
// (no returnee record, no business date, no education) is unknown — SQL's NULL, shown to the
// person as 待补充信息 — and only a rule that is true for the person selects them. A property test
// runs both on random people and random rules.
package audience

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
)

// Limits on one rule: enough for any policy, small enough that a rule can't make a slow query.
const (
	MaxDepth  = 6
	MaxLeaves = 40
	MaxValues = 200
)

// Rule is the JSON form. Exactly one of All, Any, Not or Field is set.
type Rule struct {
	All   []Rule          `json:"all,omitempty"`
	Any   []Rule          `json:"any,omitempty"`
	Not   *Rule           `json:"not,omitempty"`
	Field string          `json:"field,omitempty"`
	Op    string          `json:"op,omitempty"`
	Value json.RawMessage `json:"value,omitempty"`
}

// Problem is one thing wrong with a rule: where (a path like all[2].value), and what, in words
// for the staff who wrote it.
type Problem struct {
	Path    string `json:"path"`
	Message string `json:"message"`
}

// InvalidError lists every problem found in a rule, not only the first.
type InvalidError struct{ Problems []Problem }

func (e *InvalidError) Error() string {
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		parts[i] = p.Path + ": " + p.Message
	}
	return "audience: invalid rule: " + strings.Join(parts, "; ")
}

// Node is a parsed, checked rule: values are typed by their field. Build one with Parse.
type Node struct {
	kind  nodeKind
	kids  []*Node
	field *Field
	op    string
	strs  []string // enum and set values
	ints  []int    // int values: one, or two for between
	bool  bool
}

type nodeKind int

const (
	kindAll nodeKind = iota
	kindAny
	kindNot
	kindLeaf
)

// Parse reads and checks a rule. Unknown fields, unknown operators, values of the wrong type and
// rules over the limits are an *InvalidError naming each of them.
func Parse(data []byte) (*Node, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var r Rule
	if err := dec.Decode(&r); err != nil {
		return nil, &InvalidError{[]Problem{{Path: "$", Message: "规则不是正确的 JSON：" + err.Error()}}}
	}
	return Check(r)
}

// Check checks a rule already decoded.
func Check(r Rule) (*Node, error) {
	p := parser{}
	n := p.node(r, "$", 1)
	if p.leaves > MaxLeaves {
		p.add("$", fmt.Sprintf("条件太多（%d 个），最多 %d 个", p.leaves, MaxLeaves))
	}
	if len(p.problems) > 0 {
		return nil, &InvalidError{p.problems}
	}
	return n, nil
}

type parser struct {
	problems []Problem
	leaves   int
}

func (p *parser) add(path, msg string) { p.problems = append(p.problems, Problem{path, msg}) }

func (p *parser) node(r Rule, path string, depth int) *Node {
	set := 0
	for _, b := range []bool{r.All != nil, r.Any != nil, r.Not != nil, r.Field != "" || r.Op != "" || r.Value != nil} {
		if b {
			set++
		}
	}
	if set != 1 {
		p.add(path, "每一层只能是 all、any、not 或一个条件（field/op/value）之一")
		return nil
	}
	if depth > MaxDepth {
		p.add(path, fmt.Sprintf("嵌套太深，最多 %d 层", MaxDepth))
		return nil
	}
	switch {
	case r.All != nil || r.Any != nil:
		kind, list, name := kindAll, r.All, "all"
		if r.Any != nil {
			kind, list, name = kindAny, r.Any, "any"
		}
		if len(list) == 0 {
			p.add(path+"."+name, "至少要有一个条件")
			return nil
		}
		n := &Node{kind: kind}
		for i, k := range list {
			n.kids = append(n.kids, p.node(k, fmt.Sprintf("%s.%s[%d]", path, name, i), depth+1))
		}
		return n
	case r.Not != nil:
		return &Node{kind: kindNot, kids: []*Node{p.node(*r.Not, path+".not", depth+1)}}
	}
	p.leaves++
	f, ok := fieldsByName[r.Field]
	if !ok {
		p.add(path+".field", fmt.Sprintf("没有“%s”这个字段", r.Field))
		return nil
	}
	if !f.Type.allows(r.Op) {
		p.add(path+".op", fmt.Sprintf("字段 %s 不能用“%s”，可用：%s", f.Name, r.Op, strings.Join(f.Type.ops(), "、")))
		return nil
	}
	n := &Node{kind: kindLeaf, field: f, op: r.Op}
	if msg := n.value(r.Value); msg != "" {
		p.add(path+".value", msg)
		return nil
	}
	return n
}

var codePattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,32}$`)

// value reads the leaf's value for its field's type and operator; "" when it is right.
func (n *Node) value(raw json.RawMessage) string {
	f := n.field
	if len(raw) == 0 {
		return "缺少 value"
	}
	switch f.Type {
	case Bool:
		if err := json.Unmarshal(raw, &n.bool); err != nil {
			return fmt.Sprintf("字段 %s 的值应为 true 或 false", f.Name)
		}
		return ""
	case Int:
		if n.op == "between" {
			if err := json.Unmarshal(raw, &n.ints); err != nil || len(n.ints) != 2 || n.ints[0] > n.ints[1] {
				return fmt.Sprintf("字段 %s 的 between 需要两个整数 [下限, 上限]，下限不大于上限", f.Name)
			}
		} else {
			var v int
			if err := json.Unmarshal(raw, &v); err != nil {
				return fmt.Sprintf("字段 %s 的值应为整数", f.Name)
			}
			n.ints = []int{v}
		}
		if n.ints[0] < -10000 || n.ints[len(n.ints)-1] > 10000 {
			return fmt.Sprintf("字段 %s 的值超出范围", f.Name)
		}
		return ""
	}
	// Enum and Set: a string for eq/ne, a list otherwise.
	if n.op == "eq" || n.op == "ne" {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return fmt.Sprintf("字段 %s 的值应为一个代码（字符串）", f.Name)
		}
		n.strs = []string{s}
	} else {
		if err := json.Unmarshal(raw, &n.strs); err != nil || len(n.strs) == 0 {
			return fmt.Sprintf("字段 %s 的值应为至少一个代码的列表", f.Name)
		}
		if len(n.strs) > MaxValues {
			return fmt.Sprintf("字段 %s 的值太多，最多 %d 个", f.Name, MaxValues)
		}
	}
	var bad []string
	for _, s := range n.strs {
		if !codePattern.MatchString(s) || (f.Values != nil && !contains(f.Values, s)) {
			bad = append(bad, s)
		}
	}
	if len(bad) > 0 {
		msg := fmt.Sprintf("字段 %s 没有这些值：%s", f.Name, strings.Join(bad, "、"))
		if f.Values != nil {
			msg += "；可用：" + strings.Join(f.Values, "、")
		}
		return msg
	}
	return ""
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
