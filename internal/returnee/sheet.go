package returnee

import (
	"strconv"
	"strings"
	"time"

	"huixiang/internal/vocab"
)

// column is one column of the spreadsheet template, import and export.
type column struct {
	Header   string // Chinese header, as in the template
	Field    string // Input field (FieldError.Field names)
	Required bool
	Text     bool // formatted as text in the template (ID numbers, phones, codes)
	Width    float64
	Note     string // shown in the template's note row
	get      func(r Record, lists vocab.Lists) string
	set      func(in *Input, v string, ctx *rowContext) error
}

// rowContext resolves names to codes while a row is read.
type rowContext struct {
	lists     vocab.Lists
	townships map[string]string // name or code → township code
	villages  map[string]string // township code + "/" + name or code → village code
}

func joinLabels(lists vocab.Lists, kind string, codes []string) string {
	out := make([]string, len(codes))
	for i, c := range codes {
		out[i] = lists.Label(kind, c)
	}
	return strings.Join(out, "、")
}

// splitCodes reads "茶叶、农村电商" (labels or codes, separated by 、 , ， ; or spaces).
func splitCodes(v, kind string, lists vocab.Lists) ([]string, bool) {
	f := strings.FieldsFunc(v, func(r rune) bool { return strings.ContainsRune("、,，;； /", r) })
	out := make([]string, 0, len(f))
	for _, s := range f {
		code, ok := optionCode(s, kind, lists)
		if !ok {
			return nil, false
		}
		out = append(out, code)
	}
	return out, true
}

func optionCode(s, kind string, lists vocab.Lists) (string, bool) {
	s = strings.TrimSpace(s)
	for _, it := range lists[kind] {
		if it.Label == s || it.Code == s {
			return it.Code, true
		}
	}
	return "", false
}

var statusLabels = map[string]string{"away": "在外务工", "returned": "已返乡", "planning": "计划返乡"}
var intentionLabels = map[string]string{"none": "暂无", "considering": "有意向", "preparing": "筹备中", "started": "已创业"}

func fromLabel(m map[string]string, v string) string {
	v = strings.TrimSpace(v)
	for code, label := range m {
		if v == label || v == code {
			return code
		}
	}
	return v // let validation name it
}

// parseDate reads what clerks type: 2025-02-01, 2025/2/1, 2025.2.1, 2025年2月1日, or an Excel
// date serial number.
func parseDate(v string) (*Date, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return nil, true
	}
	for _, layout := range []string{"2006-01-02", "2006/1/2", "2006-1-2", "2006.1.2", "2006年1月2日", "20060102"} {
		if t, err := time.Parse(layout, v); err == nil {
			return &Date{t}, true
		}
	}
	if f, err := strconv.ParseFloat(v, 64); err == nil && f > 1 && f < 80000 {
		// Excel's serial day number: days since 1899-12-30.
		t := time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC).AddDate(0, 0, int(f))
		return &Date{t}, true
	}
	return nil, false
}

func fmtDay(d *Date) string {
	if d == nil {
		return ""
	}
	return d.Format(time.DateOnly)
}

func intPtrString(n *int) string {
	if n == nil {
		return ""
	}
	return strconv.Itoa(*n)
}

func parseInt(v string) (*int, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return nil, true
	}
	n, err := strconv.Atoi(strings.TrimSuffix(v, ".0"))
	if err != nil {
		return nil, false
	}
	return &n, true
}

func biz(in *Input) *Business {
	if in.Business == nil {
		in.Business = &Business{}
	}
	return in.Business
}

func bizGet(r Record, f func(*Business) string) string {
	if r.Business == nil {
		return ""
	}
	return f(r.Business)
}

// columns lists the spreadsheet's columns in order.
var columns = []column{
	{Header: "姓名", Field: "name", Required: true, Width: 10,
		get: func(r Record, _ vocab.Lists) string { return r.Name },
		set: func(in *Input, v string, _ *rowContext) error { in.Name = v; return nil }},
	{Header: "身份证号", Field: "id_card", Required: true, Text: true, Width: 21, Note: "18 位，设为文本格式",
		get: func(r Record, _ vocab.Lists) string { return r.IDCard },
		set: func(in *Input, v string, _ *rowContext) error { in.IDCard = v; return nil }},
	{Header: "手机号", Field: "phone", Required: true, Text: true, Width: 14,
		get: func(r Record, _ vocab.Lists) string { return r.Phone },
		set: func(in *Input, v string, _ *rowContext) error { in.Phone = v; return nil }},
	{Header: "乡镇（街道）", Field: "township_code", Required: true, Width: 12, Note: "名称或代码",
		get: func(r Record, _ vocab.Lists) string { return r.TownshipName },
		set: func(in *Input, v string, c *rowContext) error {
			if code, ok := c.townships[strings.TrimSpace(v)]; ok {
				in.TownshipCode = code
			} else {
				in.TownshipCode = strings.TrimSpace(v)
			}
			return nil
		}},
	{Header: "村（社区）", Field: "village_code", Required: true, Width: 12, Note: "名称或代码",
		get: func(r Record, _ vocab.Lists) string { return r.VillageName },
		set: func(in *Input, v string, c *rowContext) error {
			if code, ok := c.villages[in.TownshipCode+"/"+strings.TrimSpace(v)]; ok {
				in.VillageCode = code
			} else {
				in.VillageCode = strings.TrimSpace(v)
			}
			return nil
		}},
	{Header: "当前状态", Field: "status", Required: true, Width: 10, Note: "在外务工/已返乡/计划返乡",
		get: func(r Record, _ vocab.Lists) string { return statusLabels[r.Status] },
		set: func(in *Input, v string, _ *rowContext) error { in.Status = fromLabel(statusLabels, v); return nil }},
	{Header: "外出时间", Field: "left_on", Width: 12, Note: "2015-03-01",
		get: func(r Record, _ vocab.Lists) string { return fmtDay(r.LeftOn) },
		set: func(in *Input, v string, _ *rowContext) error { return setDate(&in.LeftOn, v, "left_on") }},
	{Header: "返乡时间", Field: "returned_on", Width: 12, Note: "已返乡必填",
		get: func(r Record, _ vocab.Lists) string { return fmtDay(r.ReturnedOn) },
		set: func(in *Input, v string, _ *rowContext) error { return setDate(&in.ReturnedOn, v, "returned_on") }},
	{Header: "计划返乡时间", Field: "plan_return_on", Width: 12,
		get: func(r Record, _ vocab.Lists) string { return fmtDay(r.PlanReturnOn) },
		set: func(in *Input, v string, _ *rowContext) error { return setDate(&in.PlanReturnOn, v, "plan_return_on") }},
	{Header: "务工省份", Field: "work_province", Width: 10,
		get: func(r Record, _ vocab.Lists) string { return r.WorkProvince },
		set: func(in *Input, v string, _ *rowContext) error { in.WorkProvince = v; return nil }},
	{Header: "务工城市", Field: "work_city", Width: 10,
		get: func(r Record, _ vocab.Lists) string { return r.WorkCity },
		set: func(in *Input, v string, _ *rowContext) error { in.WorkCity = v; return nil }},
	{Header: "从事行业", Field: "industry", Width: 12,
		get: func(r Record, _ vocab.Lists) string { return r.Industry },
		set: func(in *Input, v string, _ *rowContext) error { in.Industry = v; return nil }},
	{Header: "外出年限", Field: "years_away", Width: 8,
		get: func(r Record, _ vocab.Lists) string { return intPtrString(r.YearsAway) },
		set: func(in *Input, v string, _ *rowContext) error { return setInt(&in.YearsAway, v, "years_away") }},
	{Header: "技能", Field: "skills", Width: 16, Note: "多个用顿号分隔",
		get: func(r Record, l vocab.Lists) string { return joinLabels(l, "skill", r.Skills) },
		set: func(in *Input, v string, c *rowContext) error { return setCodes(&in.Skills, v, "skill", "skills", c) }},
	{Header: "技能描述", Field: "skills_text", Width: 20,
		get: func(r Record, _ vocab.Lists) string { return r.SkillsText },
		set: func(in *Input, v string, _ *rowContext) error { in.SkillsText = v; return nil }},
	{Header: "证书", Field: "certificates", Width: 14,
		get: func(r Record, _ vocab.Lists) string { return r.Certificates },
		set: func(in *Input, v string, _ *rowContext) error { in.Certificates = v; return nil }},
	{Header: "学历", Field: "education", Width: 10,
		get: func(r Record, l vocab.Lists) string { return optionLabel(l, "education", r.Education) },
		set: func(in *Input, v string, c *rowContext) error {
			return setOption(&in.Education, v, "education", "education", c)
		}},
	{Header: "创业意向", Field: "intention", Width: 10, Note: "暂无/有意向/筹备中/已创业",
		get: func(r Record, _ vocab.Lists) string { return intentionLabels[r.Intention] },
		set: func(in *Input, v string, _ *rowContext) error {
			if strings.TrimSpace(v) != "" {
				in.Intention = fromLabel(intentionLabels, v)
			}
			return nil
		}},
	{Header: "意向领域", Field: "intended_fields", Width: 16, Note: "多个用顿号分隔",
		get: func(r Record, l vocab.Lists) string { return joinLabels(l, "intended_field", r.IntendedFields) },
		set: func(in *Input, v string, c *rowContext) error {
			return setCodes(&in.IntendedFields, v, "intended_field", "intended_fields", c)
		}},
	{Header: "意向说明", Field: "intention_note", Width: 20,
		get: func(r Record, _ vocab.Lists) string { return r.IntentionNote },
		set: func(in *Input, v string, _ *rowContext) error { in.IntentionNote = v; return nil }},
	{Header: "需求", Field: "needs", Width: 16, Note: "资金、场地、培训…",
		get: func(r Record, l vocab.Lists) string { return joinLabels(l, "need", r.Needs) },
		set: func(in *Input, v string, c *rowContext) error { return setCodes(&in.Needs, v, "need", "needs", c) }},
	{Header: "经营主体名称", Field: "business.name", Width: 16,
		get: func(r Record, _ vocab.Lists) string { return bizGet(r, func(b *Business) string { return b.Name }) },
		set: func(in *Input, v string, _ *rowContext) error {
			if v != "" {
				biz(in).Name = v
			}
			return nil
		}},
	{Header: "主体类型", Field: "business.type", Width: 12,
		get: func(r Record, l vocab.Lists) string {
			return bizGet(r, func(b *Business) string { return optionLabel(l, "business_type", b.Type) })
		},
		set: func(in *Input, v string, c *rowContext) error {
			if v == "" {
				return nil
			}
			return setOption(&biz(in).Type, v, "business_type", "business.type", c)
		}},
	{Header: "统一社会信用代码", Field: "business.uscc", Text: true, Width: 21,
		get: func(r Record, _ vocab.Lists) string { return bizGet(r, func(b *Business) string { return b.USCC }) },
		set: func(in *Input, v string, _ *rowContext) error {
			if v != "" {
				biz(in).USCC = v
			}
			return nil
		}},
	{Header: "成立日期", Field: "business.started_on", Width: 12,
		get: func(r Record, _ vocab.Lists) string {
			return bizGet(r, func(b *Business) string { return fmtDay(b.StartedOn) })
		},
		set: func(in *Input, v string, _ *rowContext) error {
			if v == "" {
				return nil
			}
			return setDate(&biz(in).StartedOn, v, "business.started_on")
		}},
	{Header: "带动就业人数", Field: "business.jobs_created", Width: 10,
		get: func(r Record, _ vocab.Lists) string {
			return bizGet(r, func(b *Business) string { return intPtrString(b.JobsCreated) })
		},
		set: func(in *Input, v string, _ *rowContext) error {
			if v == "" {
				return nil
			}
			return setInt(&biz(in).JobsCreated, v, "business.jobs_created")
		}},
}

func optionLabel(l vocab.Lists, kind, code string) string {
	if code == "" {
		return ""
	}
	return l.Label(kind, code)
}

func setDate(dst **Date, v, field string) error {
	d, ok := parseDate(v)
	if !ok {
		return &FieldError{Field: field, Problem: ProblemInvalid}
	}
	*dst = d
	return nil
}

func setInt(dst **int, v, field string) error {
	n, ok := parseInt(v)
	if !ok {
		return &FieldError{Field: field, Problem: ProblemInvalid}
	}
	*dst = n
	return nil
}

func setCodes(dst *[]string, v, kind, field string, c *rowContext) error {
	codes, ok := splitCodes(v, kind, c.lists)
	if !ok {
		return &FieldError{Field: field, Problem: ProblemInvalid}
	}
	*dst = codes
	return nil
}

func setOption(dst *string, v, kind, field string, c *rowContext) error {
	if strings.TrimSpace(v) == "" {
		*dst = ""
		return nil
	}
	code, ok := optionCode(v, kind, c.lists)
	if !ok {
		return &FieldError{Field: field, Problem: ProblemInvalid}
	}
	*dst = code
	return nil
}

// headerOf returns the column's Chinese header for a field name.
func headerOf(field string) string {
	for _, c := range columns {
		if c.Field == field {
			return c.Header
		}
	}
	return ""
}
