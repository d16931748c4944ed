package console

import (
	"encoding/json"
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
// masked sample: a fragment for htmx (an invalid rule is a 422 naming every problem).
func (cs *Console) audiencePreviewPage(r *request) error {
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
		p.Text = n.Text()
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
