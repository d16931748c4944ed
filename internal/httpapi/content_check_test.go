package httpapi_test

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"huixiang/internal/alumni"
	"huixiang/internal/application"
	"huixiang/internal/returnee"
	"huixiang/internal/survey"
)

// jsonStringFields lists the JSON names of the string fields (and string lists) of t, nested
// structs as "parent.child".
func jsonStringFields(t reflect.Type, prefix string) []string {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
		t = t.Elem()
	}
	var out []string
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		ft := f.Type
		for ft.Kind() == reflect.Pointer || ft.Kind() == reflect.Slice {
			ft = ft.Elem()
		}
		switch {
		case ft.Kind() == reflect.String:
			out = append(out, prefix+name)
		case ft.Kind() == reflect.Struct && ft.PkgPath() != "time" && ft.Name() != "Date":
			out = append(out, jsonStringFields(ft, prefix+name+".")...)
		}
	}
	return out
}

// contentClasses says, for every user input type of the mini program, which string fields pass
// WeChat's content check (checked) and which are not free text (exempt: codes, enum values, ID
// numbers and phones, which validation holds to a format).
var contentClasses = []struct {
	name    string
	typ     reflect.Type
	checked []string
	exempt  []string
}{
	{"returnee.Input", reflect.TypeFor[returnee.Input](),
		[]string{"name", "work_province", "work_city", "industry", "skills_text", "certificates", "intention_note", "business.name"},
		[]string{"id_card", "phone", "township_code", "village_code", "status", "skills", "education", "intention",
			"intended_fields", "needs", "business.type", "business.uscc"}},
	{"alumni.Input", reflect.TypeFor[alumni.Input](),
		[]string{"name", "current_city", "organization", "industry", "title", "expertise"},
		[]string{"id_card", "phone", "school_code", "offers"}},
	// Survey text answers are checked in survey.Service.checkText (TestSurvey_riskyTextRejected_wechatDownStillSaved
	// sends a risky one); question and option codes are validated against the survey.
	{"survey.Answer", reflect.TypeFor[survey.Answer](), []string{"text"}, []string{"question", "options"}},
	// Application text is checked in application.Service.checkText (TestContentCheck_applicationText_422).
	{"application.Input", reflect.TypeFor[application.Input](), []string{"enterprise_name", "purpose", "bank_name"},
		[]string{"policy", "borrower_type", "enterprise_uscc", "bank_account", "contact_phone", "attachments"}},
}

func TestContentCheck_everyStringFieldOfUserInputsIsClassified(t *testing.T) {
	t.Parallel()
	for _, c := range contentClasses {
		got := jsonStringFields(c.typ, "")
		for _, f := range got {
			if !slices.Contains(c.checked, f) && !slices.Contains(c.exempt, f) {
				t.Errorf("%s: string field %q is neither content-checked nor exempt: add it to the content check (userText) and to the checked list, or to the exempt list if it is not free text", c.name, f)
			}
		}
		for _, f := range append(slices.Clone(c.checked), c.exempt...) {
			if !slices.Contains(got, f) {
				t.Errorf("%s: listed field %q does not exist", c.name, f)
			}
		}
	}
}

// setPath puts v at a dotted JSON path of a form.
func setPath(form map[string]any, path, v string) {
	parent, child, nested := strings.Cut(path, ".")
	if !nested {
		form[path] = v
		return
	}
	m, _ := form[parent].(map[string]any)
	if m == nil {
		m = map[string]any{}
		form[parent] = m
	}
	m[child] = v
}

func TestContentCheck_riskyTextInEveryCheckedField_422(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	seedRegions(t, e)
	tok := e.registrant("o_risky", "13511110000")
	e.wx.SetRiskyWords("赌博")
	for _, c := range contentClasses[:2] {
		for _, field := range c.checked {
			t.Run(c.name+"/"+field, func(t *testing.T) {
				path, body := "/api/v1/me/returnee", form(52, "990101")
				if c.name == "alumni.Input" {
					path, body = "/api/v1/me/alumnus", alumnusForm(52)
				}
				if field == "business.name" {
					body["intention"] = "started"
				}
				setPath(body, field, "张赌博")
				expect(t, e.do("PUT", path, tok, body), 422, "CONTENT_REJECTED")
			})
		}
	}
	// The same forms without the risky word are accepted: the refusals were the content check.
	expect(t, e.do("PUT", "/api/v1/me/returnee", tok, form(52, "990101")), 200, "")
	expect(t, e.do("PUT", "/api/v1/me/alumnus", tok, alumnusForm(52)), 200, "")
}

func TestContentCheck_applicationText_422(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	seedRegions(t, e)
	tok := e.entrepreneur("o_risky_app", 74)
	e.wx.SetRiskyWords("赌博")
	for _, field := range contentClasses[3].checked {
		t.Run("create/"+field, func(t *testing.T) {
			body := loanForm(10000000)
			body[field] = "赌博资金"
			expect(t, e.do("POST", "/api/v1/applications", tok, body), 422, "CONTENT_REJECTED")
		})
	}
	a := e.createApp(tok, loanForm(10000000))
	for _, field := range contentClasses[3].checked {
		t.Run("update/"+field, func(t *testing.T) {
			body := map[string]any{"version": a.Version, field: "赌博资金"}
			expect(t, e.do("PATCH", fmt.Sprintf("/api/v1/applications/%d", a.ID), tok, body), 422, "CONTENT_REJECTED")
		})
	}
	// The refusals were the content check: clean text saves.
	expect(t, e.do("PATCH", fmt.Sprintf("/api/v1/applications/%d", a.ID), tok, map[string]any{"version": a.Version, "purpose": "扩大茶叶加工规模"}), 200, "")
}
