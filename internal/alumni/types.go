// Package alumni is the alumni side of 校友回归: registration on the same person record as the
// returnee registry (one person may be both), staff review and grading, the schools and grades
// staff keep as data, and events whose attendees check in with a QR code and earn contribution
// points through the points ledger.
package alumni

import (
	"database/sql"
	"errors"
	"time"

	"huixiang/internal/sqldb"
)

// Errors.
var (
	ErrNotRegistered = errors.New("alumni: caller has no alumnus record")
	// ErrNoPerson: the caller registered neither as a returnee nor as an alumnus.
	ErrNoPerson      = errors.New("alumni: caller has no person record")
	ErrNotFound      = errors.New("alumni: not found")
	ErrPhoneNotBound = errors.New("alumni: bind a phone first")
	ErrStaleVersion  = errors.New("alumni: record changed since it was read")
	ErrNotPending    = errors.New("alumni: record is not pending review")
	ErrNotApproved   = errors.New("alumni: only approved alumni can be graded")
	ErrAlreadyExists = errors.New("alumni: the person has an alumnus record already")
	ErrSchoolExists  = errors.New("alumni: school code or name exists already")

	ErrEventNotFound    = errors.New("alumni: event not found")
	ErrCheckinNotOpen   = errors.New("alumni: check-in not open yet")
	ErrCheckinClosed    = errors.New("alumni: check-in closed")
	ErrAlreadyCheckedIn = errors.New("alumni: already checked in")
	// ErrEventFull: the event's capacity is taken.
	ErrEventFull = errors.New("alumni: event full")
	// ErrSignupClosed: the event has started (or ended); sign-ups and cancels are closed.
	ErrSignupClosed = errors.New("alumni: sign-up closed")
	// ErrCodeRefused: WeChat refused to draw the event's 小程序码 (page or scene refused).
	ErrCodeRefused = errors.New("alumni: wechat refused the mini-program code")
)

// FieldError names an invalid input field with a message for the form (Chinese).
type FieldError struct {
	Field   string
	Message string
}

func (e *FieldError) Error() string { return "alumni: " + e.Field + ": " + e.Message }

// Statuses.
const (
	StatusPending  = "pending"
	StatusApproved = "approved"
	StatusRejected = "rejected"
)

// Offers are what an alumnus may offer the district.
var Offers = []string{"talent", "investment", "projects", "advice"}

// Input is an alumnus registration as the form gives it. Phone is read only from staff entry;
// in the mini program the phone is the one bound through WeChat.
type Input struct {
	Name             string   `json:"name"`
	IDCard           string   `json:"id_card"`
	Phone            string   `json:"phone,omitempty"`
	SchoolCode       string   `json:"school_code"`
	EntryYear        int      `json:"entry_year"`
	GraduationYear   *int     `json:"graduation_year"`
	CurrentCity      string   `json:"current_city"`
	Organization     string   `json:"organization"`
	Industry         string   `json:"industry"`
	Title            string   `json:"title"`
	Expertise        string   `json:"expertise"`
	Offers           []string `json:"offers"`
	DirectoryConsent bool     `json:"directory_consent"`
}

// Record is an alumnus as shown: ID number and phone masked.
type Record struct {
	PersonID         int64      `json:"person_id"`
	Name             string     `json:"name"`
	IDCard           string     `json:"id_card"`
	Phone            string     `json:"phone"`
	SchoolCode       string     `json:"school_code"`
	SchoolName       string     `json:"school_name"`
	EntryYear        int        `json:"entry_year"`
	GraduationYear   *int       `json:"graduation_year"`
	CurrentCity      string     `json:"current_city"`
	Organization     string     `json:"organization"`
	Industry         string     `json:"industry"`
	Title            string     `json:"title"`
	Expertise        string     `json:"expertise"`
	Offers           []string   `json:"offers"`
	DirectoryConsent bool       `json:"directory_consent"`
	Status           string     `json:"status"`
	GradeCode        *string    `json:"grade_code"`
	GradeName        *string    `json:"grade_name"`
	ContentReview    string     `json:"content_review"`
	Source           string     `json:"source"`
	Claimed          bool       `json:"claimed"`
	ReviewedBy       *int64     `json:"reviewed_by"`
	ReviewedAt       *time.Time `json:"reviewed_at"`
	ReviewComment    string     `json:"review_comment"`
	CreatedAt        time.Time  `json:"created_at"`
	UpdatedAt        time.Time  `json:"updated_at"`
	Version          int        `json:"version"`
}

// Filter selects alumni for the staff list.
type Filter struct {
	Status string
	School string
	Grade  string
	sqldb.PageRequest
}

// Page is a page of alumni.
type Page = sqldb.Page[Record]

// School is a school alumni pick from.
type School struct {
	Code      string    `db:"code" json:"code"`
	Name      string    `db:"name" json:"name"`
	Active    bool      `db:"active" json:"active"`
	Sort      int       `db:"sort_order" json:"sort"`
	IsDemo    bool      `db:"is_demo" json:"is_demo"`
	CreatedAt time.Time `db:"created_at" json:"created_at"`
	UpdatedAt time.Time `db:"updated_at" json:"updated_at"`
}

// SchoolInput creates a school or, with nil fields left alone, patches one.
type SchoolInput struct {
	Code   string  `json:"code"`
	Name   *string `json:"name"`
	Active *bool   `json:"active"`
	Sort   *int    `json:"sort"`
}

// Grade is an alumni grade.
type Grade struct {
	Code string `db:"code" json:"code"`
	Name string `db:"name" json:"name"`
	Sort int    `db:"sort_order" json:"sort"`
}

// Review is a staff decision on a pending registration.
type Review struct {
	Decision string `json:"decision"` // approve or reject
	Comment  string `json:"comment"`
	Version  int    `json:"version"`
}

// EventInput creates an event. The check-in window defaults to an hour before the start until
// the end.
type EventInput struct {
	Title           string     `json:"title"`
	StartsAt        time.Time  `json:"starts_at"`
	EndsAt          time.Time  `json:"ends_at"`
	CheckinOpensAt  *time.Time `json:"checkin_opens_at"`
	CheckinClosesAt *time.Time `json:"checkin_closes_at"`
	PointsRule      string     `json:"points_rule"`
	// Capacity is how many people may sign up; nil (or absent) is no limit.
	Capacity *int `json:"capacity"`
	// Kind is one of EventKinds ("" is KindAlumni, as before kinds existed).
	Kind string `json:"kind"`
	// TrainingMinutes is what each attendee who checks in is credited (0: not training).
	TrainingMinutes int `json:"training_minutes"`
}

// Activity kinds (活动类型). Events made before kinds existed are alumni events.
const (
	KindAlumni     = "alumni"
	KindPolicyTalk = "policy_talk"
	KindTraining   = "training"
	KindSalon      = "salon"
	KindRoadshow   = "roadshow"
	KindContest    = "contest"
	KindCamp       = "camp"
	KindHomecoming = "homecoming"
)

// EventKind is a kind of activity and its name.
type EventKind struct {
	Code, Name string
}

// EventKinds are the kinds in the order the forms offer them.
var EventKinds = []EventKind{
	{KindPolicyTalk, "政策宣讲"}, {KindTraining, "创业培训"}, {KindSalon, "创业沙龙"}, {KindRoadshow, "项目路演"},
	{KindContest, "创业大赛"}, {KindCamp, "训练营"}, {KindHomecoming, "返校日"}, {KindAlumni, "校友活动"},
}

// TrainingKinds are the kinds whose attendance counts as completing a training (the dashboard's
// people trained).
var TrainingKinds = []string{KindTraining, KindCamp}

// KindName is the name of kind code ("" when unknown).
func KindName(code string) string {
	for _, k := range EventKinds {
		if k.Code == code {
			return k.Name
		}
	}
	return ""
}

// MaxTrainingMinutes bounds an activity's credited training time (a month of full days).
const MaxTrainingMinutes = 100000

// Event is an event as staff see it, with the token and the QR payload to print.
type Event struct {
	ID              int64     `db:"id" json:"id"`
	Title           string    `db:"title" json:"title"`
	StartsAt        time.Time `db:"starts_at" json:"starts_at"`
	EndsAt          time.Time `db:"ends_at" json:"ends_at"`
	CheckinOpensAt  time.Time `db:"checkin_opens_at" json:"checkin_opens_at"`
	CheckinClosesAt time.Time `db:"checkin_closes_at" json:"checkin_closes_at"`
	PointsRule      string    `db:"points_rule" json:"points_rule"`
	PointsRuleName  string    `db:"rule_name" json:"points_rule_name"`
	Points          int64     `db:"rule_points" json:"points"`
	Token           string    `db:"token" json:"token"`
	QR              string    `db:"-" json:"qr"`
	CreatedBy       int64     `db:"created_by" json:"created_by"`
	CreatedAt       time.Time `db:"created_at" json:"created_at"`
	CheckinCount    int       `db:"checkin_count" json:"checkin_count"`
	// Capacity is the sign-up limit (nil: none); Signups how many signed up.
	Capacity *int `db:"capacity" json:"capacity"`
	Signups  int  `db:"signups" json:"signups"`
	// Kind is the activity's kind (EventKinds), KindName its name; TrainingMinutes what each
	// attendee is credited.
	Kind            string `db:"kind" json:"kind"`
	KindName        string `db:"-" json:"kind_name"`
	TrainingMinutes int    `db:"training_minutes" json:"training_minutes"`
	// CheckinCode is the short code of the 小程序码 (empty until one is drawn for an event older
	// than the code); Scene is "<id>.<code>", what the 小程序码 carries.
	CheckinCode sql.NullString `db:"checkin_code" json:"-"`
	Scene       string         `db:"-" json:"scene,omitempty"`
}

// UserEvent is an upcoming event as a mini-program user sees it, with their own sign-up and
// check-in state. PlacesLeft is nil when there is no limit.
type UserEvent struct {
	ID              int64      `db:"id" json:"id"`
	Title           string     `db:"title" json:"title"`
	StartsAt        time.Time  `db:"starts_at" json:"starts_at"`
	EndsAt          time.Time  `db:"ends_at" json:"ends_at"`
	CheckinOpensAt  time.Time  `db:"checkin_opens_at" json:"checkin_opens_at"`
	CheckinClosesAt time.Time  `db:"checkin_closes_at" json:"checkin_closes_at"`
	Points          int64      `db:"rule_points" json:"points"`
	Kind            string     `db:"kind" json:"kind"`
	KindName        string     `db:"-" json:"kind_name"`
	TrainingMinutes int        `db:"training_minutes" json:"training_minutes"`
	Capacity        *int       `db:"capacity" json:"capacity"`
	Signups         int        `db:"signups" json:"signups"`
	PlacesLeft      *int       `db:"-" json:"places_left"`
	SignedUp        bool       `db:"signed_up" json:"signed_up"`
	CheckedIn       bool       `db:"-" json:"checked_in"`
	CheckedInAt     *time.Time `db:"checked_in_at" json:"checked_in_at"`
	// SignupOpen: the event has not started (sign-up and cancel possible); CheckinOpen: now is
	// in the check-in window.
	SignupOpen  bool `db:"-" json:"signup_open"`
	CheckinOpen bool `db:"-" json:"checkin_open"`
}

// Signup is a person who signed up for an event, for staff: the name and the masked phone.
type Signup struct {
	PersonID   int64     `db:"person_id" json:"person_id"`
	Name       string    `db:"name" json:"name"`
	Phone      string    `db:"-" json:"phone"`
	SignedUpAt time.Time `db:"signed_up_at" json:"signed_up_at"`
	CheckedIn  bool      `db:"checked_in" json:"checked_in"`
	IDCardEnc  []byte    `db:"id_card_enc" json:"-"`
	PhoneEnc   []byte    `db:"phone_enc" json:"-"`
}

// SceneSeparator joins an event's id and check-in code in the 小程序码's scene: "<id>.<code>"
// (at most 32 characters: a 22-character code and an id of up to 9 digits).
const SceneSeparator = "."

// EventQRPrefix starts every event QR payload: huixiang:event:<id>:<token>.
const EventQRPrefix = "huixiang:event:"

// CheckIn is what a successful check-in answers.
type CheckIn struct {
	EventID     int64     `json:"event_id"`
	Title       string    `json:"title"`
	CheckedInAt time.Time `json:"checked_in_at"`
	Points      int64     `json:"points"`
}
