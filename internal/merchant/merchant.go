// Package merchant is the merchant and talent database (楚商人才信息库): one record per person
// (person.Store finds or creates the person by ID number), classified three ways — industry
// (GB/T 4754 sections and divisions, the industries table), region (where they do business, and
// their hometown township) and investment intention (fields, amount band) — with the
// enterprises they own, and the date each record was last confirmed (the update rate).
//
// Township staff see and write only merchants whose hometown is their township; district
// administrators and department staff (招商中心 is a department) see all. Reveal of the ID
// number and phone is for the roles actor.MayReveal names, with a reason, audited. Every staff
// write is audited in its transaction; a stale version is ErrStaleVersion.
package merchant

import (
	"errors"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"huixiang/internal/cn"
	"huixiang/internal/cnid"
	"huixiang/internal/person"
	"huixiang/internal/vocab"
)

// Errors callers branch on.
var (
	ErrNotFound = errors.New("merchant: not found")
	// ErrNotRegistered: the signed-in user has no merchant record (or no person).
	ErrNotRegistered = errors.New("merchant: not registered")
	// ErrExists: the person has a merchant record already.
	ErrExists = errors.New("merchant: already exists")
	// ErrStaleVersion: the record changed since the caller read it.
	ErrStaleVersion = errors.New("merchant: stale version")
	// ErrForbidden: the actor may not write merchants.
	ErrForbidden = errors.New("merchant: forbidden")
	// ErrOutOfScope: township staff writing a merchant of another township.
	ErrOutOfScope = errors.New("merchant: township out of scope")
	// ErrRevealNotAllowed: the actor's role may not see full ID numbers and phones.
	ErrRevealNotAllowed = person.ErrRevealNotAllowed
	// ErrRevealReason: a reveal needs a reason of 2–200 characters.
	ErrRevealReason = person.ErrRevealReason
	// ErrPhoneNotBound: a user saving their own record has not bound a phone.
	ErrPhoneNotBound = errors.New("merchant: phone not bound")
	// ErrUSCCTaken: an enterprise's 统一社会信用代码 belongs to another merchant's enterprise.
	ErrUSCCTaken = errors.New("merchant: uscc taken")
)

// FieldError names an invalid field of the input (JSON name) with a Chinese message.
type FieldError struct {
	Field   string
	Message string
}

func (e *FieldError) Error() string { return "merchant: " + e.Field + ": " + e.Message }

// FilterError is an invalid list filter (a query parameter).
type FilterError struct {
	Field   string
	Message string
}

func (e *FilterError) Error() string { return "merchant: filter " + e.Field + ": " + e.Message }

// Sources of a record.
const (
	SourceSelf    = "self"
	SourceStaff   = "staff"
	SourceImport  = "import"
	SourceChamber = "chamber"
)

// Bands are the code lists of the record, each code with its Chinese name. The migration's
// CHECK constraints hold the same codes.
var Bands = map[string][]Option{
	"size_band": {{"micro", "微型"}, {"small", "小型"}, {"medium", "中型"}, {"large", "大型"}},
	"revenue_band": {{"lt_500", "500 万元以下"}, {"500_2000", "500–2000 万元"}, {"2000_10000", "2000 万–1 亿元"},
		{"10000_40000", "1–4 亿元"}, {"ge_40000", "4 亿元以上"}},
	"operating_status": {{"operating", "正常经营"}, {"suspended", "停业"}, {"closed", "注销"}},
	"amount_band": {{"lt_100", "100 万元以下"}, {"100_1000", "100–1000 万元"}, {"1000_5000", "1000–5000 万元"},
		{"5000_10000", "5000 万–1 亿元"}, {"ge_10000", "1 亿元以上"}},
	"timing":            {{"within_6m", "半年内"}, {"within_1y", "一年内"}, {"within_3y", "三年内"}, {"undecided", "暂不确定"}},
	"source":            {{SourceSelf, "本人填报"}, {SourceStaff, "工作人员录入"}, {SourceImport, "批量导入"}, {SourceChamber, "商会提供"}},
	"enterprise_status": {{"operating", "正常经营"}, {"suspended", "停业"}, {"closed", "注销"}},
}

// Option is one code of a band with its name.
type Option struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// BandName is the name of code in band kind ("" when unknown).
func BandName(kind, code string) string {
	for _, o := range Bands[kind] {
		if o.Code == code {
			return o.Name
		}
	}
	return ""
}

func inBand(kind, code string) bool { return BandName(kind, code) != "" }

// Enterprise is an enterprise a merchant owns.
type Enterprise struct {
	Name         string `json:"name" db:"name"`
	USCC         string `json:"uscc" db:"uscc"`
	IndustryCode string `json:"industry_code" db:"industry_code"`
	Province     string `json:"province" db:"province"`
	City         string `json:"city" db:"city"`
	SizeBand     string `json:"size_band" db:"size_band"`
	RevenueBand  string `json:"revenue_band" db:"revenue_band"`
	Status       string `json:"status" db:"status"`
}

// Input is a record as a form sends it. Name, ID number and phone name the person (staff entry;
// a user's own save takes the phone bound through WeChat).
type Input struct {
	Name              string       `json:"name"`
	IDCard            string       `json:"id_card"`
	Phone             string       `json:"phone"`
	TownshipCode      string       `json:"township_code"`
	BizProvince       string       `json:"biz_province"`
	BizCity           string       `json:"biz_city"`
	IndustryCode      string       `json:"industry_code"`
	SizeBand          string       `json:"size_band"`
	RevenueBand       string       `json:"revenue_band"`
	OperatingStatus   string       `json:"operating_status"`
	ChamberRoles      string       `json:"chamber_roles"`
	IntendedFields    []string     `json:"intended_fields"`
	AmountBand        string       `json:"amount_band"`
	Timing            string       `json:"timing"`
	PreferredTownship string       `json:"preferred_township"`
	Source            string       `json:"source"`
	Enterprises       []Enterprise `json:"enterprises"`
	// Version, when not 0, must be the stored version (optimistic lock).
	Version int `json:"version"`
}

// Limits of a record.
const (
	MaxEnterprises = 20
	MaxFields      = 10
	// DefaultFreshDays is the update-rate window when none is configured.
	DefaultFreshDays = 180
	// FreshTarget is the plan's update rate (≥ 90 %).
	FreshTarget = 0.9
)

var (
	nameRE     = regexp.MustCompile(`^[\p{Han}A-Za-z·•. ]{2,32}$`)
	townshipRE = regexp.MustCompile(`^[0-9]{1,12}$`)
	// industryRE: a section letter or a division, group or class code.
	industryRE = regexp.MustCompile(`^([A-T]|[0-9]{2,4})$`)
	codeRE     = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)
)

// clean trims s and folds runs of whitespace.
func clean(s string) string { return strings.Join(strings.Fields(s), " ") }

// text checks a free-text field of at most max characters.
func text(field, s string, max int) (string, error) {
	s = clean(s)
	if !utf8.ValidString(s) || utf8.RuneCountInString(s) > max || strings.ContainsRune(s, 0) {
		return "", &FieldError{Field: field, Message: "不能超过 " + strconv.Itoa(max) + " 字"}
	}
	return s, nil
}

// identity is the person part of an input, checked.
type identity struct {
	Name   string
	IDCard cnid.IDCard
	Phone  string
}

// checkIdentity checks name, ID number and phone; requireName for a new person.
func checkIdentity(in Input, now time.Time) (identity, error) {
	var id identity
	id.Name = clean(in.Name)
	if id.Name == "" {
		return id, &FieldError{Field: "name", Message: "请填写姓名"}
	}
	if !nameRE.MatchString(id.Name) {
		return id, &FieldError{Field: "name", Message: "姓名应为 2-32 个汉字或字母"}
	}
	if strings.TrimSpace(in.IDCard) == "" {
		return id, &FieldError{Field: "id_card", Message: "请填写身份证号"}
	}
	card, err := cnid.ParseIDCard(in.IDCard, now)
	if err != nil {
		return id, &FieldError{Field: "id_card", Message: "身份证号不正确，请核对"}
	}
	id.IDCard = card
	id.Phone = strings.TrimPrefix(strings.ReplaceAll(strings.TrimSpace(in.Phone), " ", ""), "+86")
	if id.Phone != "" && !cn.ValidMobile(id.Phone) {
		return id, &FieldError{Field: "phone", Message: "手机号应为 11 位中国大陆手机号"}
	}
	return id, nil
}

// profile is a merchant record, checked and normalised (person fields apart).
type profile struct {
	TownshipCode      string
	BizProvince       string
	BizCity           string
	IndustryCode      string
	IndustrySection   string
	SizeBand          string
	RevenueBand       string
	OperatingStatus   string
	ChamberRoles      string
	Fields            []string
	AmountBand        string
	Timing            string
	PreferredTownship string
	Source            string
	Enterprises       []Enterprise
}

// lookups answers the questions validation asks of the database.
type lookups struct {
	lists vocab.Lists
	// township reports whether code is an active township.
	township func(code string) (bool, error)
	// section is the section (level 1) of an industries code ("" when the code is unknown).
	section func(code string) (string, error)
}

func band(field, kind, code string, required bool) (string, error) {
	code = strings.TrimSpace(code)
	if code == "" && !required {
		return "", nil
	}
	if !inBand(kind, code) {
		return "", &FieldError{Field: field, Message: "选项不正确，请重新选择"}
	}
	return code, nil
}

// validate checks in (the record part) and returns its profile. staffSource is the source
// staff may name (self-service passes SourceSelf).
func validate(in Input, l lookups, source string) (profile, error) {
	var p profile
	var err error
	p.TownshipCode = strings.TrimSpace(in.TownshipCode)
	if p.TownshipCode == "" {
		return p, &FieldError{Field: "township_code", Message: "请选择籍贯乡镇（街道）"}
	}
	if ok, err := checkTownship(p.TownshipCode, l); err != nil {
		return p, err
	} else if !ok {
		return p, &FieldError{Field: "township_code", Message: "乡镇（街道）不存在，请重新选择"}
	}
	if p.BizProvince, err = text("biz_province", in.BizProvince, 32); err != nil {
		return p, err
	}
	if p.BizCity, err = text("biz_city", in.BizCity, 32); err != nil {
		return p, err
	}
	if p.BizProvince == "" {
		return p, &FieldError{Field: "biz_province", Message: "请填写经营所在省份"}
	}
	p.IndustryCode = strings.TrimSpace(in.IndustryCode)
	if p.IndustryCode == "" {
		return p, &FieldError{Field: "industry_code", Message: "请选择所属行业"}
	}
	if p.IndustrySection, err = checkIndustry("industry_code", p.IndustryCode, l); err != nil {
		return p, err
	}
	if p.SizeBand, err = band("size_band", "size_band", in.SizeBand, false); err != nil {
		return p, err
	}
	if p.RevenueBand, err = band("revenue_band", "revenue_band", in.RevenueBand, false); err != nil {
		return p, err
	}
	if strings.TrimSpace(in.OperatingStatus) == "" {
		in.OperatingStatus = "operating"
	}
	if p.OperatingStatus, err = band("operating_status", "operating_status", in.OperatingStatus, true); err != nil {
		return p, err
	}
	if p.ChamberRoles, err = text("chamber_roles", in.ChamberRoles, 200); err != nil {
		return p, err
	}
	if len(in.IntendedFields) > MaxFields {
		return p, &FieldError{Field: "intended_fields", Message: "意向领域最多选择 " + strconv.Itoa(MaxFields) + " 项"}
	}
	p.Fields = []string{}
	for _, f := range in.IntendedFields {
		f = strings.TrimSpace(f)
		if !codeRE.MatchString(f) || !l.lists.Has("intended_field", f) {
			return p, &FieldError{Field: "intended_fields", Message: "意向领域选项不正确，请重新选择"}
		}
		if !slices.Contains(p.Fields, f) {
			p.Fields = append(p.Fields, f)
		}
	}
	slices.Sort(p.Fields)
	if p.AmountBand, err = band("amount_band", "amount_band", in.AmountBand, false); err != nil {
		return p, err
	}
	if p.Timing, err = band("timing", "timing", in.Timing, false); err != nil {
		return p, err
	}
	p.PreferredTownship = strings.TrimSpace(in.PreferredTownship)
	if p.PreferredTownship != "" {
		if ok, err := checkTownship(p.PreferredTownship, l); err != nil {
			return p, err
		} else if !ok {
			return p, &FieldError{Field: "preferred_township", Message: "意向投资乡镇（街道）不存在，请重新选择"}
		}
	}
	p.Source = source
	if source != SourceSelf {
		p.Source = strings.TrimSpace(in.Source)
		if p.Source == "" {
			p.Source = SourceStaff
		}
		if p.Source != SourceStaff && p.Source != SourceImport && p.Source != SourceChamber {
			return p, &FieldError{Field: "source", Message: "来源应为 staff、import 或 chamber"}
		}
	}
	if len(in.Enterprises) > MaxEnterprises {
		return p, &FieldError{Field: "enterprises", Message: "企业最多填写 " + strconv.Itoa(MaxEnterprises) + " 家"}
	}
	p.Enterprises = []Enterprise{}
	seen := map[string]bool{}
	for _, e := range in.Enterprises {
		ent, err := checkEnterprise(e, l)
		if err != nil {
			return p, err
		}
		if ent.USCC != "" {
			if seen[ent.USCC] {
				return p, &FieldError{Field: "enterprises", Message: "统一社会信用代码重复：" + ent.USCC}
			}
			seen[ent.USCC] = true
		}
		p.Enterprises = append(p.Enterprises, ent)
	}
	return p, nil
}

func checkTownship(code string, l lookups) (bool, error) {
	if !townshipRE.MatchString(code) {
		return false, nil
	}
	return l.township(code)
}

func checkIndustry(field, code string, l lookups) (string, error) {
	if !industryRE.MatchString(code) {
		return "", &FieldError{Field: field, Message: "行业代码不正确，请按国民经济行业分类选择"}
	}
	sec, err := l.section(code)
	if err != nil {
		return "", err
	}
	if sec == "" {
		return "", &FieldError{Field: field, Message: "行业代码不存在，请按国民经济行业分类选择"}
	}
	return sec, nil
}

func checkEnterprise(e Enterprise, l lookups) (Enterprise, error) {
	var out Enterprise
	var err error
	const f = "enterprises"
	if out.Name, err = text(f, e.Name, 100); err != nil {
		return out, &FieldError{Field: f, Message: "企业名称不能超过 100 字"}
	}
	if utf8.RuneCountInString(out.Name) < 2 {
		return out, &FieldError{Field: f, Message: "请填写企业名称"}
	}
	if strings.TrimSpace(e.USCC) != "" {
		if out.USCC, err = cnid.NormalizeUSCC(e.USCC); err != nil {
			return out, &FieldError{Field: f, Message: "统一社会信用代码不正确（18 位，含校验码）：" + clip(e.USCC, 20)}
		}
	}
	if out.IndustryCode = strings.TrimSpace(e.IndustryCode); out.IndustryCode != "" {
		if _, err := checkIndustry(f, out.IndustryCode, l); err != nil {
			return out, err
		}
	}
	if out.Province, err = text(f, e.Province, 32); err != nil {
		return out, err
	}
	if out.City, err = text(f, e.City, 32); err != nil {
		return out, err
	}
	if out.SizeBand, err = band(f, "size_band", e.SizeBand, false); err != nil {
		return out, err
	}
	if out.RevenueBand, err = band(f, "revenue_band", e.RevenueBand, false); err != nil {
		return out, err
	}
	if strings.TrimSpace(e.Status) == "" {
		e.Status = "operating"
	}
	if out.Status, err = band(f, "enterprise_status", e.Status, true); err != nil {
		return out, err
	}
	return out, nil
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return string(r[:n]) + "…"
	}
	return string(r)
}

// values flattens a profile for comparison (person.Diff).
func (p profile) values() map[string]string {
	ents := make([]string, len(p.Enterprises))
	for i, e := range p.Enterprises {
		ents[i] = strings.Join([]string{e.Name, e.USCC, e.IndustryCode, e.Province, e.City, e.SizeBand, e.RevenueBand, e.Status}, "|")
	}
	return map[string]string{
		"township_code": p.TownshipCode, "biz_province": p.BizProvince, "biz_city": p.BizCity, "industry_code": p.IndustryCode,
		"size_band": p.SizeBand, "revenue_band": p.RevenueBand, "operating_status": p.OperatingStatus,
		"chamber_roles": p.ChamberRoles, "intended_fields": strings.Join(p.Fields, ","), "amount_band": p.AmountBand,
		"timing": p.Timing, "preferred_township": p.PreferredTownship, "enterprises": strings.Join(ents, "\n"),
	}
}

// userText is the text a user typed, for WeChat's content check.
func (p profile) userText() string {
	parts := []string{p.ChamberRoles, p.BizProvince, p.BizCity}
	for _, e := range p.Enterprises {
		parts = append(parts, e.Name)
	}
	return strings.TrimSpace(strings.Join(parts, "\n"))
}
