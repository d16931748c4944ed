package policy

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/microcosm-cc/bluemonday"

	"huixiang/internal/audience"
)

// Limits of the form (the columns' sizes; the OpenAPI file says the same).
const (
	MaxTitle      = 100
	MaxDocNo      = 64
	MaxIssuer     = 64
	MaxSummary    = 300
	MaxBody       = 100000
	MaxConditions = 2000
	MaxBenefits   = 2000
	MaxListItems  = 30
	MaxListItem   = 200
	MaxContact    = 64
	MaxSourceURL  = 300
)

var phonePattern = regexp.MustCompile(`^[0-9][0-9 -]{5,30}$`)

// bodyPolicy keeps the formatting a policy's text needs — paragraphs, emphasis, lists,
// headings, tables, links — and drops everything else (scripts, styles, images, event
// attributes). The mini program shows the result in a rich-text component.
func bodyPolicy() *bluemonday.Policy {
	p := bluemonday.NewPolicy()
	p.AllowElements("p", "br", "strong", "b", "em", "i", "u", "ol", "ul", "li", "h3", "h4", "blockquote",
		"table", "thead", "tbody", "tr", "th", "td")
	p.AllowAttrs("href").OnElements("a")
	p.AllowURLSchemes("http", "https")
	p.RequireNoFollowOnLinks(true)
	p.AllowAttrs("colspan", "rowspan").Matching(regexp.MustCompile(`^[0-9]{1,2}$`)).OnElements("td", "th")
	return p
}

// normalize trims the form, sanitizes the text and checks every field; the first problem is a
// *FieldError. Whether the category and the application type exist is the store's to check.
func (s *Service) normalize(c *Content) error {
	trim := func(p *string) { *p = strings.TrimSpace(*p) }
	for _, p := range []*string{&c.Title, &c.DocNo, &c.Issuer, &c.Category, &c.Summary, &c.ConditionsText, &c.Benefits,
		&c.ContactDept, &c.ContactPhone, &c.SourceURL} {
		trim(p)
	}
	c.BodyHTML = strings.TrimSpace(s.sanitizer.Sanitize(c.BodyHTML))
	for _, l := range []struct {
		field, value, name string
		max                int
	}{
		{"title", c.Title, "标题", MaxTitle},
		{"doc_no", c.DocNo, "文号", MaxDocNo},
		{"issuer", c.Issuer, "发文单位", MaxIssuer},
		{"summary", c.Summary, "摘要", MaxSummary},
		{"body_html", c.BodyHTML, "正文", MaxBody},
		{"conditions_text", c.ConditionsText, "申请条件", MaxConditions},
		{"benefits", c.Benefits, "扶持内容", MaxBenefits},
		{"contact_dept", c.ContactDept, "咨询部门", MaxContact},
		{"source_url", c.SourceURL, "原文链接", MaxSourceURL},
	} {
		if n := utf8.RuneCountInString(l.value); n > l.max {
			return &FieldError{l.field, fmt.Sprintf("%s最多 %d 个字，现在 %d 个", l.name, l.max, n)}
		}
	}
	if c.Title == "" {
		return &FieldError{"title", "请填写标题"}
	}
	if c.Category == "" {
		return &FieldError{"category", "请选择政策类别"}
	}
	if len(c.Targets) == 0 {
		return &FieldError{"targets", "请选择政策面向的人群"}
	}
	slices.Sort(c.Targets)
	c.Targets = slices.Compact(c.Targets)
	for _, t := range c.Targets {
		if !slices.Contains(Targets, t) {
			return &FieldError{"targets", fmt.Sprintf("没有“%s”这类人群", t)}
		}
	}
	for _, l := range []struct {
		field, name string
		list        *[]string
	}{{"materials", "所需材料", &c.Materials}, {"steps", "办理流程", &c.Steps}} {
		var kept []string
		for _, item := range *l.list {
			if item = strings.TrimSpace(item); item != "" {
				kept = append(kept, item)
			}
		}
		if len(kept) > MaxListItems {
			return &FieldError{l.field, fmt.Sprintf("%s最多 %d 项", l.name, MaxListItems)}
		}
		for i, item := range kept {
			if utf8.RuneCountInString(item) > MaxListItem {
				return &FieldError{l.field, fmt.Sprintf("%s第 %d 项最多 %d 个字", l.name, i+1, MaxListItem)}
			}
		}
		if kept == nil {
			kept = []string{}
		}
		*l.list = kept
	}
	if c.ContactPhone != "" && !phonePattern.MatchString(c.ContactPhone) {
		return &FieldError{"contact_phone", "咨询电话只能是数字和“-”，例如 0715-8321234"}
	}
	if c.SourceURL != "" {
		u, err := url.Parse(c.SourceURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return &FieldError{"source_url", "原文链接应以 http:// 或 https:// 开头"}
		}
	}
	if c.EffectiveOn != nil && c.ExpiresOn != nil && c.ExpiresOn.Before(c.EffectiveOn.Time) {
		return &FieldError{"expires_on", "失效日期不能早于生效日期"}
	}
	if c.ApplicationCode != nil && strings.TrimSpace(*c.ApplicationCode) == "" {
		c.ApplicationCode = nil
	}
	if len(c.Rule) > 0 && string(c.Rule) != "null" {
		if _, err := audience.Parse(c.Rule); err != nil {
			return err // *audience.InvalidError: every problem named
		}
	} else {
		c.Rule = nil
	}
	return nil
}
