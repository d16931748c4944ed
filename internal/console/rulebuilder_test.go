package console_test

import (
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"huixiang/internal/audience"
)

// catalogueOf reads the rule builder's catalogue as a form's loader asks for it.
func catalogueOf(t *testing.T, c *client) map[string]any {
	t.Helper()
	p := c.postForm("/console/audiences/preview?part=catalogue", url.Values{})
	if p.Status != http.StatusOK {
		t.Fatalf("catalogue: %d %s", p.Status, p.Body)
	}
	m := regexp.MustCompile(`^<div id="audience-catalogue" hidden data-catalogue="([^"]*)"></div>$`).FindStringSubmatch(p.Body)
	if m == nil {
		t.Fatalf("catalogue fragment: %s", p.Body)
	}
	var cat map[string]any
	if err := json.Unmarshal([]byte(html.UnescapeString(m[1])), &cat); err != nil {
		t.Fatal(err)
	}
	return cat
}

// TestRuleBuilder_catalogueIsComplete: every field of the audience catalogue is in the page's
// catalogue, in order, with its type's operators in words and, for the closed lists, exactly
// their codes in words; the open lists carry today's regions, options and grades.
func TestRuleBuilder_catalogueIsComplete(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	cat := catalogueOf(t, e.as(dept))
	fields := cat["fields"].([]any)
	if len(fields) != len(audience.Fields) {
		t.Fatalf("%d fields, the catalogue has %d", len(fields), len(audience.Fields))
	}
	byName := map[string]map[string]any{}
	for i, x := range fields {
		f := x.(map[string]any)
		want := audience.Fields[i]
		if f["name"] != want.Name || f["label"] != want.Label || f["type"] != want.Type.String() {
			t.Fatalf("field %d: %v, want %s %s %s", i, f, want.Name, want.Label, want.Type)
		}
		var ops []string
		for _, o := range f["ops"].([]any) {
			op := o.(map[string]any)
			if op["label"] == "" || op["label"] != audience.OpWord(op["op"].(string)) {
				t.Fatalf("%s: operator %v has no words", want.Name, op)
			}
			ops = append(ops, op["op"].(string))
		}
		if !slices.Equal(ops, want.Type.Ops()) {
			t.Fatalf("%s: ops %v, want %v", want.Name, ops, want.Type.Ops())
		}
		var codes []string
		for _, v := range f["values"].([]any) {
			val := v.(map[string]any)
			if val["label"] == "" {
				t.Fatalf("%s: value %v has no label", want.Name, val)
			}
			codes = append(codes, val["code"].(string))
		}
		if f["closed"] != (want.Values != nil) {
			t.Fatalf("%s: closed = %v", want.Name, f["closed"])
		}
		if want.Values != nil && !slices.Equal(codes, want.Values) {
			t.Fatalf("%s: values %v, want %v", want.Name, codes, want.Values)
		}
		byName[want.Name] = f
	}
	has := func(field, code, label string) {
		t.Helper()
		for _, v := range byName[field]["values"].([]any) {
			val := v.(map[string]any)
			if val["code"] == code && val["label"] == label {
				return
			}
		}
		t.Fatalf("%s has no %s %s: %v", field, code, label, byName[field]["values"])
	}
	has("township", "990102", "贺胜桥镇")
	has("returnee_status", "returned", "已返乡")
	has("education", "senior", "高中/中专")
	for _, name := range []string{"village", "intended_fields", "needs"} {
		if len(byName[name]["values"].([]any)) == 0 {
			t.Fatalf("%s: no values", name)
		}
	}
	for _, v := range byName["village"]["values"].([]any) {
		if v.(map[string]any)["group"] == "" {
			t.Fatalf("village without its township: %v", v)
		}
	}
	if byName["township"]["region"] != "township" || byName["village"]["region"] != "village" {
		t.Fatalf("region fields: %v %v", byName["township"]["region"], byName["village"]["region"])
	}
	if n := len(cat["townships"].([]any)); n == 0 {
		t.Fatal("no townships")
	}
}

// TestRuleBuilder_previewReadsNames: "检查人数" reads a rule's codes as names: the township,
// a village and an option, not 990102.
func TestRuleBuilder_previewReadsNames(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var village string
	if err := e.app.DB.Get(&village, `SELECT code FROM regions WHERE parent_code = '990102' ORDER BY sort_order, code LIMIT 1`); err != nil {
		t.Fatal(err)
	}
	var villageName string
	if err := e.app.DB.Get(&villageName, `SELECT name FROM regions WHERE code = ?`, village); err != nil {
		t.Fatal(err)
	}
	rule := `{"any":[` + strings.TrimSuffix(strings.TrimPrefix(returnedInHeshengqiao, `{"all":[`), `]}`) +
		`,{"field":"village","op":"in","value":["` + village + `"]},{"field":"education","op":"eq","value":"senior"}]}`
	got := e.as(dept).postForm("/console/audiences/preview", url.Values{"rule": {rule}})
	if got.Status != http.StatusOK {
		t.Fatalf("preview: %d %s", got.Status, got.Body)
	}
	got.mustShow(t, "返乡状态为 已返乡", "创业意向为 正在考虑、正在筹备 之一", "所在镇（街道）为 贺胜桥镇",
		"所在村（社区）为 "+villageName+" 之一", "学历为 高中/中专")
	if strings.Contains(got.Body, "为 990102") {
		t.Fatalf("the township is still a code: %s", got.Body)
	}
}
