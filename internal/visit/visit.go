// Package visit keeps the visits out and delegations in of 叩门招商 (issue 14 §4): each visit out
// (走出去), delegation received (请进来) or investment event (招商活动), with its date, place,
// leader, participants, the merchants and enterprises met, the projects pitched, the outcome and
// the follow-ups with their owners and due dates; and the year's counts against the plan (≥ 50
// out, ≥ 20 in, ≥ 15 events) with the overdue follow-ups.
//
// Every staff role records visits (招商 is everyone's work); township staff record and see their
// township's visits only, a visit without a township is a district visit. Changes carry the
// version read (row lock, conditional UPDATE); every write is audited in its transaction. A
// signing recorded here never moves a project's status: staff move it on the project.
package visit

import (
	"errors"
	"regexp"
	"time"
)

// Kinds of visit.
const (
	KindOut   = "out"   // 走出去: a visit to merchants elsewhere
	KindIn    = "in"    // 请进来: a delegation received
	KindEvent = "event" // 招商活动: an investment event (推介会, 座谈会 …)
)

// Kinds are the kinds in their order.
var Kinds = []string{KindOut, KindIn, KindEvent}

// KindNames are the kinds as people read them.
var KindNames = map[string]string{KindOut: "走出去", KindIn: "请进来", KindEvent: "招商活动"}

// Results of a visit.
const (
	ResultContacted = "contacted"
	ResultIntent    = "intent"
	ResultSigned    = "signed"
	ResultNone      = "none"
)

// Results are the results in their order.
var Results = []string{ResultContacted, ResultIntent, ResultSigned, ResultNone}

// ResultNames are the results as people read them.
var ResultNames = map[string]string{ResultContacted: "初步接洽", ResultIntent: "达成意向", ResultSigned: "签约", ResultNone: "暂无进展"}

// The plan's yearly targets.
const (
	OutTarget   = 50
	InTarget    = 20
	EventTarget = 15
)

// Limits of a visit.
const (
	MaxMerchants   = 50
	MaxEnterprises = 20
	MaxProjects    = 20
)

// Errors callers branch on.
var (
	ErrNotFound = errors.New("visit: not found")
	// ErrForbidden: the actor is not staff.
	ErrForbidden = errors.New("visit: forbidden")
	// ErrOutOfScope: township staff recording a visit of another township (or of the district).
	ErrOutOfScope = errors.New("visit: township out of scope")
	// ErrStaleVersion: the visit changed since the caller read it.
	ErrStaleVersion = errors.New("visit: stale version")
	// ErrFollowupDone: the follow-up was marked done already.
	ErrFollowupDone = errors.New("visit: follow-up already done")
)

// FieldError names an invalid field (JSON name) with a Chinese message.
type FieldError struct {
	Field   string
	Message string
}

func (e *FieldError) Error() string { return "visit: " + e.Field + ": " + e.Message }

var townshipRE = regexp.MustCompile(`^[0-9]{6,12}$`)

// ValidTownshipCode says whether a filter value has the form of a township code.
func ValidTownshipCode(s string) bool { return townshipRE.MatchString(s) }

// MerchantRef is a merchant met on a visit. Hidden: the actor does not see the merchant's
// township, so the name is not shown.
type MerchantRef struct {
	VisitID      int64  `db:"visit_id" json:"-"`
	ID           int64  `db:"merchant_id" json:"id"`
	Name         string `db:"name" json:"name"`
	TownshipCode string `db:"township_code" json:"-"`
	TownshipName string `db:"township_name" json:"township_name"`
	Hidden       bool   `db:"-" json:"hidden,omitempty"`
}

// Enterprise is an enterprise met, by name and (when known) 统一社会信用代码.
type Enterprise struct {
	VisitID int64  `db:"visit_id" json:"-"`
	Name    string `db:"name" json:"name"`
	USCC    string `db:"uscc" json:"uscc"`
}

// ProjectRef is a project pitched on a visit.
type ProjectRef struct {
	VisitID    int64  `db:"visit_id" json:"-"`
	ID         int64  `db:"project_id" json:"id"`
	Name       string `db:"name" json:"name"`
	Status     string `db:"status" json:"status"`
	StatusName string `db:"-" json:"status_name"`
}

// Followup is a follow-up of a visit: a task, its owner (a staff account, a department or both),
// the due date and when it was done.
type Followup struct {
	ID              int64      `db:"id" json:"id"`
	VisitID         int64      `db:"visit_id" json:"visit_id"`
	Task            string     `db:"task" json:"task"`
	OwnerStaffID    *int64     `db:"owner_staff_id" json:"owner_staff_id"`
	OwnerName       *string    `db:"owner_name" json:"owner_name"`
	OwnerDepartment string     `db:"owner_department" json:"owner_department"`
	DueOn           string     `db:"due_on" json:"due_on"`
	DoneAt          *time.Time `db:"done_at" json:"done_at"`
	DoneNote        string     `db:"done_note" json:"done_note"`
	CreatedAt       time.Time  `db:"created_at" json:"created_at"`
	// Overdue: not done and the due date has passed (Beijing).
	Overdue bool `db:"-" json:"overdue"`
}

// Visit is a visit as staff see it. The lists carry the merchants, enterprises and projects and
// the counts of open and overdue follow-ups; the detail carries the follow-ups too.
type Visit struct {
	ID               int64         `db:"id" json:"id"`
	Kind             string        `db:"kind" json:"kind"`
	KindName         string        `db:"-" json:"kind_name"`
	Title            string        `db:"title" json:"title"`
	VisitedOn        string        `db:"visited_on" json:"visited_on"`
	Place            string        `db:"place" json:"place"`
	LeaderName       string        `db:"leader_name" json:"leader_name"`
	LeaderTitle      string        `db:"leader_title" json:"leader_title"`
	Participants     string        `db:"participants" json:"participants"`
	TownshipCode     *string       `db:"township_code" json:"township_code"`
	TownshipName     *string       `db:"township_name" json:"township_name"`
	Result           string        `db:"result" json:"result"`
	ResultName       string        `db:"-" json:"result_name"`
	Outcome          string        `db:"outcome" json:"outcome"`
	OpenFollowups    int           `db:"open_followups" json:"open_followups"`
	OverdueFollowups int           `db:"overdue_followups" json:"overdue_followups"`
	Version          int           `db:"version" json:"version"`
	CreatedBy        int64         `db:"created_by" json:"created_by"`
	CreatedAt        time.Time     `db:"created_at" json:"created_at"`
	UpdatedAt        time.Time     `db:"updated_at" json:"updated_at"`
	Merchants        []MerchantRef `db:"-" json:"merchants"`
	Enterprises      []Enterprise  `db:"-" json:"enterprises"`
	Projects         []ProjectRef  `db:"-" json:"projects"`
	Followups        []Followup    `db:"-" json:"followups,omitempty"`
}

// Input is a visit as a form sends it. On update a field left out (null) keeps its value; a
// list sent replaces the list.
type Input struct {
	Kind         *string       `json:"kind"`
	Title        *string       `json:"title"`
	VisitedOn    *string       `json:"visited_on"`
	Place        *string       `json:"place"`
	LeaderName   *string       `json:"leader_name"`
	LeaderTitle  *string       `json:"leader_title"`
	Participants *string       `json:"participants"`
	TownshipCode *string       `json:"township_code"` // "" = a district visit
	Result       *string       `json:"result"`
	Outcome      *string       `json:"outcome"`
	MerchantIDs  *[]int64      `json:"merchant_ids"`
	Enterprises  *[]Enterprise `json:"enterprises"`
	ProjectIDs   *[]int64      `json:"project_ids"`
	// Version is the version the caller read (update only).
	Version int `json:"version"`
}

// FollowupInput is a new follow-up.
type FollowupInput struct {
	Task            string `json:"task"`
	OwnerStaffID    *int64 `json:"owner_staff_id"`
	OwnerDepartment string `json:"owner_department"`
	DueOn           string `json:"due_on"`
}

// DoneInput marks a follow-up done, with what was done.
type DoneInput struct {
	Note string `json:"note"`
}

// Query filters a list of visits.
type Query struct {
	// Year is the Beijing year of the visit date (0 = every year).
	Year       int
	Kind       string
	Township   string
	MerchantID int64
	ProjectID  int64
	// Overdue: only visits with an overdue follow-up.
	Overdue bool
	// Mine: only visits with an open follow-up the actor owns (their account, or their
	// department by name).
	Mine bool
}

// YearStats are a year's counts against the plan (township staff: their township's), with the
// follow-ups open and overdue now (of every year).
type YearStats struct {
	Year             int `db:"-" json:"year"`
	Out              int `db:"out_count" json:"out"`
	In               int `db:"in_count" json:"in"`
	Event            int `db:"event_count" json:"event"`
	Signed           int `db:"signed_count" json:"signed"`
	OutTarget        int `db:"-" json:"out_target"`
	InTarget         int `db:"-" json:"in_target"`
	EventTarget      int `db:"-" json:"event_target"`
	OpenFollowups    int `db:"-" json:"open_followups"`
	OverdueFollowups int `db:"-" json:"overdue_followups"`
}

// OverdueItem is an overdue follow-up with its visit.
type OverdueItem struct {
	Followup
	VisitTitle string `db:"visit_title" json:"visit_title"`
	VisitKind  string `db:"visit_kind" json:"visit_kind"`
	VisitedOn  string `db:"visited_on" json:"visited_on"`
}

// Owner is a staff account a follow-up may be given to.
type Owner struct {
	ID   int64  `db:"id" json:"id"`
	Name string `db:"name" json:"name"`
}
