// Package returnee is the returnee registry (返乡人员数据清单): self-registration in the mini
// program, entry on someone's behalf by grid workers, spreadsheet imports and exports, change
// history and the freshness of records per township.
package returnee

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"huixiang/internal/person"
)

// Errors.
var (
	ErrNotRegistered    = errors.New("returnee: caller has no record")
	ErrNotFound         = errors.New("returnee: not found")
	ErrPhoneNotBound    = errors.New("returnee: bind a phone first")
	ErrStaleVersion     = errors.New("returnee: record changed since it was read")
	ErrOutOfScope       = errors.New("returnee: township outside the staff member's scope")
	ErrAlreadyExists    = errors.New("returnee: record exists already")
	ErrRevealReason     = person.ErrRevealReason
	ErrRevealNotAllowed = person.ErrRevealNotAllowed
	// ErrForbidden: the staff member's role may read the registry but not write it.
	ErrForbidden = errors.New("returnee: role may not write the registry")
)

// FieldError says which field is wrong and why, for an inline message in the form.
type FieldError struct {
	Field string
	// Problem is one of ProblemRequired, ProblemTooLong, ProblemInvalid, ProblemIDCard,
	// ProblemUSCC, ProblemRegion.
	Problem string
	Limit   int
}

// Problems.
const (
	ProblemRequired = "required"
	ProblemTooLong  = "too_long"
	ProblemInvalid  = "invalid"
	ProblemIDCard   = "id_card"
	ProblemUSCC     = "uscc"
	ProblemRegion   = "region"
)

func (e *FieldError) Error() string {
	return fmt.Sprintf("returnee: %s: %s", e.Field, e.Problem)
}

// Label is the field's name as the form shows it.
func (e *FieldError) Label() string {
	if l, ok := fieldLabels[e.Field]; ok {
		return l
	}
	return e.Field
}

var fieldLabels = map[string]string{
	"name": "姓名", "id_card": "身份证号", "phone": "手机号", "township_code": "乡镇（街道）", "village_code": "村（社区）",
	"status": "当前状态", "left_on": "外出时间", "returned_on": "返乡时间", "plan_return_on": "计划返乡时间",
	"work_province": "务工省份", "work_city": "务工城市", "industry": "从事行业", "years_away": "外出年限",
	"skills": "技能", "skills_text": "技能描述", "certificates": "证书", "education": "学历",
	"intention": "创业意向", "intended_fields": "意向领域", "intention_note": "意向说明", "needs": "需求",
	"business": "经营主体", "business.name": "经营主体名称", "business.type": "主体类型", "business.uscc": "统一社会信用代码",
	"business.started_on": "成立日期", "business.jobs_created": "带动就业人数",
}

// Date is a calendar date, "2006-01-02" in JSON.
type Date struct{ time.Time }

// MarshalJSON writes the date as "YYYY-MM-DD".
func (d Date) MarshalJSON() ([]byte, error) { return json.Marshal(d.Format(time.DateOnly)) }

// UnmarshalJSON reads "YYYY-MM-DD".
func (d *Date) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	t, err := time.Parse(time.DateOnly, strings.TrimSpace(s))
	if err != nil {
		return fmt.Errorf("date must be YYYY-MM-DD: %q", s)
	}
	d.Time = t
	return nil
}

func datePtr(t *time.Time) *Date {
	if t == nil {
		return nil
	}
	return &Date{t.UTC()}
}

// Business is the entity a returnee started.
type Business struct {
	Name        string `json:"name"`
	Type        string `json:"type"`
	USCC        string `json:"uscc"`
	StartedOn   *Date  `json:"started_on"`
	JobsCreated *int   `json:"jobs_created"`
}

// Input is a returnee record as a form or a spreadsheet row gives it.
type Input struct {
	Name           string    `json:"name"`
	IDCard         string    `json:"id_card"`
	Phone          string    `json:"phone,omitempty"`
	TownshipCode   string    `json:"township_code"`
	VillageCode    string    `json:"village_code"`
	Status         string    `json:"status"`
	LeftOn         *Date     `json:"left_on"`
	ReturnedOn     *Date     `json:"returned_on"`
	PlanReturnOn   *Date     `json:"plan_return_on"`
	WorkProvince   string    `json:"work_province"`
	WorkCity       string    `json:"work_city"`
	Industry       string    `json:"industry"`
	YearsAway      *int      `json:"years_away"`
	Skills         []string  `json:"skills"`
	SkillsText     string    `json:"skills_text"`
	Certificates   string    `json:"certificates"`
	Education      string    `json:"education"`
	Intention      string    `json:"intention"`
	IntendedFields []string  `json:"intended_fields"`
	IntentionNote  string    `json:"intention_note"`
	Needs          []string  `json:"needs"`
	Business       *Business `json:"business"`
}

// Record is a returnee record as shown: the form's fields (ID number and phone masked) and what
// the registry adds.
type Record struct {
	Input
	PersonID      int64     `json:"person_id"`
	Gender        string    `json:"gender"`
	BirthDate     Date      `json:"birth_date"`
	TownshipName  string    `json:"township_name"`
	VillageName   string    `json:"village_name"`
	ContentReview string    `json:"content_review"`
	Source        string    `json:"source"`
	Claimed       bool      `json:"claimed"`
	ConfirmedAt   time.Time `json:"confirmed_at"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
	Version       int       `json:"version"`
}

// Statuses and intentions.
var (
	statuses   = []string{"away", "returned", "planning"}
	intentions = []string{"none", "considering", "preparing", "started"}
)

// Tag kinds in returnee_tags, and the option-list kind each draws from.
const (
	tagSkill = "skill"
	tagField = "field"
	tagNeed  = "need"
)
