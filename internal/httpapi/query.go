package httpapi

import (
	"fmt"
	"regexp"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"huixiang/internal/sqldb"
)

// Limits of the query parameters every list and report shares.
const (
	// maxPage bounds ?page: nobody pages 10,000 deep by hand, and offsets stay small.
	maxPage     = sqldb.MaxPage
	maxPageSize = sqldb.MaxPageSize
	// maxFreshDays bounds the freshness window (?days): ten years.
	maxFreshDays = 3650
	maxMonths    = 60
	// maxTextQuery bounds free-text filters (?name), in characters.
	maxTextQuery = 64
)

var (
	// regionCodeRE: township, village and parent region codes are digits (columns are ascii).
	regionCodeRE = regexp.MustCompile(`^[0-9]{1,12}$`)
	// codeRE: status, type, policy, school, grade and option codes, and path codes. Anything
	// else cannot match a row of an ascii code column, and would make MySQL refuse the comparison.
	codeRE = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)
	// pathIDRE: numeric ids and the 22-character upload ids.
	pathIDRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
)

// queryKind is how a query parameter is checked.
type queryKind int

const (
	qInt queryKind = iota
	qRegion
	qCode
	qDate
	qText
)

type queryRule struct {
	kind     queryKind
	min, max int // qInt range; qText max length
	label    string
}

// queryRules is every query parameter the API reads whose form is known, by name: one table, so
// no list handler can forget a bound. A parameter means the same thing on every route.
var queryRules = map[string]queryRule{
	"page":           {kind: qInt, min: 1, max: maxPage, label: "页码"},
	"page_size":      {kind: qInt, min: 1, max: maxPageSize, label: "每页条数"},
	"days":           {kind: qInt, min: 1, max: maxFreshDays, label: "天数"},
	"months":         {kind: qInt, min: 1, max: maxMonths, label: "月数"},
	"parent":         {kind: qRegion, label: "上级区划代码"},
	"township":       {kind: qRegion, label: "乡镇（街道）代码"},
	"village":        {kind: qRegion, label: "村（社区）代码"},
	"status":         {kind: qCode, label: "状态"},
	"type":           {kind: qCode, label: "类型"},
	"policy":         {kind: qCode, label: "政策代码"},
	"school":         {kind: qCode, label: "学校代码"},
	"grade":          {kind: qCode, label: "等级"},
	"intention":      {kind: qCode, label: "创业意向"},
	"field":          {kind: qCode, label: "意向领域"},
	"need":           {kind: qCode, label: "需求"},
	"skill":          {kind: qCode, label: "技能"},
	"content_review": {kind: qCode, label: "内容审核状态"},
	"code":           {kind: qCode, label: "代码"},
	"kind":           {kind: qCode, label: "类别"},
	"updated_before": {kind: qDate, label: "更新时间"},
	"name":           {kind: qText, max: maxTextQuery, label: "姓名"},
}

// checkRequest refuses, before any handler or SQL runs, a query parameter out of range or not of
// its form (400 VALIDATION_FAILED naming it) and a path parameter that cannot name anything (404).
// An empty value means "not given", as the handlers read it.
func checkRequest(now func() time.Time) gin.HandlerFunc {
	return func(c *gin.Context) {
		for _, p := range c.Params {
			re := codeRE
			if p.Key == "id" {
				re = pathIDRE
			}
			if !re.MatchString(p.Value) {
				respondError(c, errNotFound)
				return
			}
		}
		if c.Request.URL.RawQuery == "" { // most requests: nothing to parse
			c.Next()
			return
		}
		for name, values := range c.Request.URL.Query() {
			rule, ok := queryRules[name]
			if !ok {
				continue
			}
			for _, v := range values {
				if v == "" {
					continue
				}
				if err := rule.check(name, v, now()); err != nil {
					respondError(c, err)
					return
				}
			}
		}
		c.Next()
	}
}

func (r queryRule) check(name, v string, now time.Time) error {
	switch r.kind {
	case qInt:
		n, err := strconv.Atoi(v)
		if err != nil || n < r.min || n > r.max {
			return badQuery(name, fmt.Sprintf("%s（%s）应为 %d 到 %d 之间的整数", r.label, name, r.min, r.max))
		}
	case qRegion:
		if !regionCodeRE.MatchString(v) {
			return badQuery(name, fmt.Sprintf("%s（%s）应为 1-12 位数字", r.label, name))
		}
	case qCode:
		if !codeRE.MatchString(v) {
			return badQuery(name, fmt.Sprintf("%s（%s）格式不正确", r.label, name))
		}
	case qDate:
		t, err := parseTimeParam(v)
		if err != nil {
			return badQuery(name, fmt.Sprintf("%s（%s）应为日期（2025-01-31）或时间（RFC 3339）", r.label, name))
		}
		if t.Before(earliestDate) || t.After(now.Add(24*time.Hour)) {
			return badQuery(name, fmt.Sprintf("%s（%s）应在 2000-01-01 到明天之间", r.label, name))
		}
	case qText:
		if utf8.RuneCountInString(v) > r.max || !utf8.ValidString(v) {
			return badQuery(name, fmt.Sprintf("%s（%s）不能超过 %d 字", r.label, name, r.max))
		}
	}
	return nil
}

// earliestDate is the earliest date a date filter accepts: the registry holds nothing older.
var earliestDate = time.Date(2000, 1, 1, 0, 0, 0, 0, chinaTime)
