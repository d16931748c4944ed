package console

import (
	"context"
	"encoding/json"
	"html"
	"net/http"
	"strings"
	"time"

	"huixiang/internal/audience"
	"huixiang/internal/cn"
	"huixiang/internal/person"
)

// audiencePreview is what the "检查人数" button shows under a rule: how many people it selects
// today, the rule in words and a masked sample (as POST /admin/api/v1/audiences/preview).
type audiencePreview struct {
	Empty  bool
	Count  int
	Text   string
	Sample []previewPerson
}

type previewPerson struct {
	Name, Gender, Township string
	Age                    int
}

// ruleOf reads a rule typed into a textarea: "" is no rule (nil), anything else must parse.
func ruleOf(text string) (json.RawMessage, *audience.Node, error) {
	text = strings.TrimSpace(text)
	if text == "" || text == "null" {
		return nil, nil, nil
	}
	n, err := audience.Parse([]byte(text))
	if err != nil {
		return nil, nil, err
	}
	return json.RawMessage(text), n, nil
}

// today is the date in Beijing as the audience language counts it (midnight UTC of that day).
func (cs *Console) today() time.Time {
	y, m, d := cs.d.Now().In(cn.Zone).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// audiencePreviewPage answers the rule of the posted form field "rule" with its count and a
// masked sample: a fragment for htmx (an invalid rule is a 422 naming every problem). With
// ?part=catalogue it answers the rule builder's catalogue instead (audienceCataloguePart).
func (cs *Console) audiencePreviewPage(r *request) error {
	if r.c.Query("part") == "catalogue" {
		return cs.audienceCataloguePart(r)
	}
	_, n, err := ruleOf(r.c.PostForm("rule"))
	if err != nil {
		return err
	}
	p := audiencePreview{Empty: n == nil}
	if n != nil {
		today := cs.today()
		if p.Count, err = audience.Count(r.Ctx(), cs.d.DB, n, today); err != nil {
			return err
		}
		members, err := audience.Sample(r.Ctx(), cs.d.DB, n, today, 5)
		if err != nil {
			return err
		}
		p.Text = cs.ruleText(r, n)
		for _, m := range members {
			pp := previewPerson{Name: person.MaskName(m.Name), Gender: genderName(m.Gender), Age: m.Age}
			if m.Township != nil {
				pp.Township = *m.Township
			}
			p.Sample = append(p.Sample, pp)
		}
	}
	return r.OK("policies/preview", "audience-preview", "检查人数", p)
}

func genderName(g string) string {
	switch g {
	case "M":
		return "男"
	case "F":
		return "女"
	}
	return g
}

// The rule builder (static/rulebuilder.js) on the notice and policy forms reads the audience
// catalogue from the page: each field with its type, operators and values in words. The
// closed lists come from the audience package, the open ones from the tables (regions, option
// lists, alumni grades), so nothing of it is written twice. The forms ask for it once when they
// load, from the preview route with ?part=catalogue (their handlers' data is not ours to extend).

// ruleCatalogue is the catalogue as the builder reads it.
type ruleCatalogue struct {
	Fields    []catalogueField    `json:"fields"`
	Townships []catalogueTownship `json:"townships"`
}

type catalogueField struct {
	Name  string        `json:"name"`
	Label string        `json:"label"`
	Type  string        `json:"type"` // enum, set, int, bool
	Ops   []catalogueOp `json:"ops"`
	// Closed: Values are all the codes the field takes (the schema's list). Otherwise Values are
	// today's codes of an open list, and an older code may still appear in a rule.
	Closed bool             `json:"closed"`
	Values []catalogueValue `json:"values"`
	// Region: "township" or "village" for the region fields (values grouped by township).
	Region string `json:"region,omitempty"`
}

type catalogueOp struct {
	Op    string `json:"op"`
	Label string `json:"label"`
}

type catalogueValue struct {
	Code  string `json:"code"`
	Label string `json:"label"`
	// Group is a village's township code.
	Group string `json:"group,omitempty"`
}

type catalogueTownship struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// optionKinds are the option lists (vocab) whose codes an open field takes.
var optionKinds = map[string]string{"education": "education", "intended_fields": "intended_field", "needs": "need"}

// audienceCatalogue builds the catalogue: every field of audience.Fields, in its order.
func (cs *Console) audienceCatalogue(r *request) (ruleCatalogue, error) {
	var c ruleCatalogue
	pk, err := cs.regPickers(r)
	if err != nil {
		return c, err
	}
	grades, err := cs.d.Alumni.Grades(r.Ctx())
	if err != nil {
		return c, err
	}
	for _, t := range pk.Townships {
		c.Townships = append(c.Townships, catalogueTownship{Code: t.Code, Name: t.Name})
	}
	for _, f := range audience.Fields {
		cf := catalogueField{Name: f.Name, Label: f.Label, Type: f.Type.String(), Closed: f.Values != nil, Values: []catalogueValue{}}
		for _, op := range f.Type.Ops() {
			cf.Ops = append(cf.Ops, catalogueOp{Op: op, Label: audience.OpWord(op)})
		}
		switch {
		case f.Values != nil:
			for _, code := range f.Values {
				w, _ := f.Word(code)
				cf.Values = append(cf.Values, catalogueValue{Code: code, Label: w})
			}
		case f.Name == "township":
			cf.Region = "township"
			for _, t := range pk.Townships {
				cf.Values = append(cf.Values, catalogueValue{Code: t.Code, Label: t.Name})
			}
		case f.Name == "village":
			cf.Region = "village"
			for _, g := range pk.Villages {
				for _, v := range g.Villages {
					cf.Values = append(cf.Values, catalogueValue{Code: v.Code, Label: v.Name, Group: g.Township.Code})
				}
			}
		case f.Name == "alumni_grade":
			for _, g := range grades {
				cf.Values = append(cf.Values, catalogueValue{Code: g.Code, Label: g.Name})
			}
		case optionKinds[f.Name] != "":
			for _, it := range pk.Lists[optionKinds[f.Name]] {
				cf.Values = append(cf.Values, catalogueValue{Code: it.Code, Label: it.Label})
			}
		}
		c.Fields = append(c.Fields, cf)
	}
	return c, nil
}

// audienceCataloguePart is the catalogue as the fragment the builder's loader swaps in: JSON in
// a data attribute of a hidden element, as the charts carry theirs (htmx drops every <script>
// of an answer: allowScriptTags is off).
func (cs *Console) audienceCataloguePart(r *request) error {
	c, err := cs.audienceCatalogue(r)
	if err != nil {
		return err
	}
	body, err := json.Marshal(c)
	if err != nil {
		return err
	}
	out := `<div id="audience-catalogue" hidden data-catalogue="` + html.EscapeString(string(body)) + `"></div>`
	r.c.Data(http.StatusOK, "text/html; charset=utf-8", []byte(out))
	return nil
}

// ruleWords names the codes of the open lists in a rule read in words: regions (all of them,
// whoever reads), option lists and alumni grades. A table it cannot read leaves its codes as
// codes: the words are a help, not the rule.
func (cs *Console) ruleWords(r *request) audience.Labels { return cs.RuleWords(r.Ctx()) }

// RuleWords is the lookup that reads a rule's codes as names: regions, option lists and alumni
// grades. The policy library uses it too, so people read the conditions as staff wrote them.
func (cs *Console) RuleWords(ctx context.Context) audience.Labels {
	regions, _ := cs.d.Regions.Names(ctx)
	lists, _ := cs.d.Returnees.Options(ctx)
	grades := map[string]string{}
	if gs, err := cs.d.Alumni.Grades(ctx); err == nil {
		for _, g := range gs {
			grades[g.Code] = g.Name
		}
	}
	return func(field, code string) (string, bool) {
		var w string
		switch field {
		case "township", "village":
			w = regions[code]
		case "alumni_grade":
			w = grades[code]
		default:
			if kind := optionKinds[field]; kind != "" && lists.Has(kind, code) {
				w = lists.Label(kind, code)
			}
		}
		return w, w != ""
	}
}

// ruleText is a rule in words with the open lists' codes named (the preview, the notice page).
func (cs *Console) ruleText(r *request, n *audience.Node) string {
	return n.TextWith(cs.ruleWords(r))
}
