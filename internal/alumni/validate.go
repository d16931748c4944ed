package alumni

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"huixiang/internal/cn"
	"huixiang/internal/cnid"
)

// profile is a validated Input, ready for the database.
type profile struct {
	Name             string
	IDCard           cnid.IDCard
	Phone            string
	SchoolCode       string
	EntryYear        int
	GraduationYear   *int
	CurrentCity      string
	Organization     string
	Industry         string
	Title            string
	Expertise        string
	Offers           []string
	DirectoryConsent bool
}

var (
	nameRE = regexp.MustCompile(`^[\p{Han}A-Za-z·•. ]{2,32}$`)
)

// clean trims s and folds runs of whitespace.
func clean(s string) string { return strings.Join(strings.Fields(s), " ") }

// validate checks in and returns the profile, or the first FieldError. The school must be an
// active row of schools. requirePhone is for staff entry, where the phone comes with the record.
func validate(ctx context.Context, db sqlx.QueryerContext, in Input, now time.Time, requirePhone bool) (profile, error) {
	var p profile
	p.Name = clean(in.Name)
	if p.Name == "" {
		return p, &FieldError{"name", "请填写姓名"}
	}
	if !nameRE.MatchString(p.Name) {
		return p, &FieldError{"name", "姓名格式不正确"}
	}
	if strings.TrimSpace(in.IDCard) == "" {
		return p, &FieldError{"id_card", "请填写身份证号"}
	}
	id, err := cnid.ParseIDCard(in.IDCard, now)
	if err != nil {
		return p, &FieldError{"id_card", "身份证号码不正确，请核对（18 位，校验位须正确）"}
	}
	p.IDCard = id
	p.Phone = strings.TrimPrefix(strings.ReplaceAll(strings.TrimSpace(in.Phone), " ", ""), "+86")
	if p.Phone != "" && !cn.ValidMobile(p.Phone) {
		return p, &FieldError{"phone", "手机号格式不正确"}
	}
	if requirePhone && p.Phone == "" {
		return p, &FieldError{"phone", "请填写手机号"}
	}
	p.SchoolCode = strings.TrimSpace(in.SchoolCode)
	if p.SchoolCode == "" {
		return p, &FieldError{"school_code", "请选择毕业学校"}
	}
	var active bool
	err = sqlx.GetContext(ctx, db, &active, `SELECT active FROM schools WHERE code = ?`, p.SchoolCode)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !active) {
		return p, &FieldError{"school_code", "学校不存在或已停用，请重新选择"}
	}
	if err != nil {
		return p, fmt.Errorf("alumni: school: %w", err)
	}
	year := now.Year()
	if in.EntryYear == 0 {
		return p, &FieldError{"entry_year", "请填写入学年份"}
	}
	if in.EntryYear < id.BirthDate.Year()+3 || in.EntryYear > year {
		return p, &FieldError{"entry_year", "入学年份不正确"}
	}
	p.EntryYear = in.EntryYear
	if g := in.GraduationYear; g != nil && *g != 0 {
		if *g < p.EntryYear || *g > p.EntryYear+12 || *g > year+6 {
			return p, &FieldError{"graduation_year", "毕业年份不正确（不早于入学年份）"}
		}
		p.GraduationYear = g
	}
	p.CurrentCity, p.Organization, p.Industry, p.Title = clean(in.CurrentCity), clean(in.Organization), clean(in.Industry), clean(in.Title)
	p.Expertise = strings.TrimSpace(strings.ReplaceAll(in.Expertise, "\r\n", "\n"))
	for _, f := range []struct {
		field, label, v string
		n               int
	}{
		{"current_city", "现居城市", p.CurrentCity, 32}, {"organization", "工作单位", p.Organization, 100},
		{"industry", "从事行业", p.Industry, 64}, {"title", "职务职称", p.Title, 64}, {"expertise", "专长", p.Expertise, 500},
	} {
		if utf8.RuneCountInString(f.v) > f.n {
			return p, &FieldError{f.field, fmt.Sprintf("「%s」不能超过 %d 字", f.label, f.n)}
		}
	}
	p.Offers = []string{}
	for _, o := range in.Offers {
		o = strings.TrimSpace(o)
		if !slices.Contains(Offers, o) {
			return p, &FieldError{"offers", "可提供的支持只能是人才、投资、项目、咨询建议"}
		}
		if !slices.Contains(p.Offers, o) {
			p.Offers = append(p.Offers, o)
		}
	}
	slices.Sort(p.Offers)
	p.DirectoryConsent = in.DirectoryConsent
	return p, nil
}

// userText is the text a user typed, for WeChat's content check: every free-text field of Input,
// the name included (codes, the ID number and the phone are checked by validate instead). A test
// in internal/httpapi classifies every string field of Input, so a new one cannot be forgotten.
func (p profile) userText() string {
	var b strings.Builder
	for _, s := range []string{p.Name, p.CurrentCity, p.Organization, p.Industry, p.Title, p.Expertise} {
		if s != "" {
			b.WriteString(s)
			b.WriteByte('\n')
		}
	}
	return strings.TrimSpace(b.String())
}
