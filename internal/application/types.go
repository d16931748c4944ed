// Package application is the startup subsidy (一次性创业补贴) and guaranteed loan (创业担保贷款)
// path: policies as data, applications from the phone, review by township and district,
// disbursement, with the limits enforced by MySQL and every transition on the timeline.
package application

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Statuses.
const (
	StatusDraft            = "draft"
	StatusSubmitted        = "submitted"
	StatusTownshipApproved = "township_approved"
	StatusApproved         = "approved"
	StatusDisbursed        = "disbursed"
	StatusReturned         = "returned"
	StatusRejected         = "rejected"
	StatusWithdrawn        = "withdrawn"
)

// Policy kinds.
const (
	KindSubsidy = "subsidy"
	KindLoan    = "loan"
)

// Errors.
var (
	ErrNotFound          = errors.New("application: not found")
	ErrPolicyUnknown     = errors.New("application: unknown policy")
	ErrAmountOverCap     = errors.New("application: amount over the cap")
	ErrLoanLimitReached  = errors.New("application: loan limit reached")
	ErrAlreadyGranted    = errors.New("application: subsidy already applied for")
	ErrInvalidTransition = errors.New("application: transition not allowed from the current status")
	ErrStaleVersion      = errors.New("application: changed since it was read")
	ErrForbidden         = errors.New("application: role may not act at this stage")
	ErrMaterialsMissing  = errors.New("application: required materials missing")
	// ErrSameReviewer: the district decision must come from another account than the township
	// decision, and the disbursement from another account than the district decision.
	ErrSameReviewer = errors.New("application: the same account decided the previous stage")
	// ErrEnterpriseNotOwn: an enterprise loan for a USCC that is not the business on the
	// applicant's record, without a business licence attached to prove it.
	ErrEnterpriseNotOwn = errors.New("application: enterprise is not the applicant's")
	// ErrLicenceUnconfirmed: the township approves an enterprise loan whose USCC is not on the
	// applicant's record without confirming the attached business licence.
	ErrLicenceUnconfirmed = errors.New("application: business licence not confirmed")
	// errNotRegistered: the user has no returnee record (the eligibility reasons say so).
	errNotRegistered = errors.New("application: applicant not registered")
)

// NotEligibleError lists why the applicant may not apply.
type NotEligibleError struct{ Reasons []Reason }

func (e *NotEligibleError) Error() string {
	return fmt.Sprintf("application: not eligible: %v", e.Reasons)
}

// FieldError names an invalid field of an application form.
type FieldError struct {
	Field   string
	Message string // Chinese, for the form
}

func (e *FieldError) Error() string { return "application: " + e.Field + ": " + e.Message }

// Material is a kind of attachment a policy asks for.
type Material struct {
	Kind     string `json:"kind"`
	Label    string `json:"label"`
	Required bool   `json:"required"`
}

// Policy is a support type.
type Policy struct {
	Code             string     `json:"code"`
	Kind             string     `json:"kind"`
	Name             string     `json:"name"`
	Description      string     `json:"description"`
	AmountFen        *int64     `json:"amount_fen"`
	CapIndividualFen *int64     `json:"cap_individual_fen"`
	CapEnterpriseFen *int64     `json:"cap_enterprise_fen"`
	MaxTimes         int        `json:"max_times"`
	WindowDays       *int       `json:"window_days"`
	Materials        []Material `json:"materials"`
	Open             bool       `json:"open"`
}

// Reason is one reason a person may not apply, with what to do about it.
type Reason struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Eligibility is a policy's answer for one applicant.
type Eligibility struct {
	Eligible bool     `json:"eligible"`
	Reasons  []Reason `json:"reasons"`
	// UsedTimes counts the applicant's approved or disbursed applications of the policy.
	UsedTimes int `json:"used_times"`
}

// PolicyView is a policy with the caller's eligibility.
type PolicyView struct {
	Policy
	Eligibility Eligibility `json:"eligibility"`
	UsedTimes   int         `json:"used_times"`
}

// Input is an application form. Amounts are integer fen.
type Input struct {
	Policy         string   `json:"policy"`
	BorrowerType   string   `json:"borrower_type"`
	EnterpriseName string   `json:"enterprise_name"`
	EnterpriseUSCC string   `json:"enterprise_uscc"`
	AmountFen      int64    `json:"amount_fen"`
	TermMonths     *int     `json:"term_months"`
	Purpose        string   `json:"purpose"`
	BankName       string   `json:"bank_name"`
	BankAccount    string   `json:"bank_account"`
	ContactPhone   string   `json:"contact_phone"`
	JobsCreated    *int     `json:"jobs_created"`
	Attachments    []string `json:"attachments"`
}

// Attachment is a file attached to an application, with a short-lived URL.
type Attachment struct {
	ID          string    `json:"id"`
	Kind        string    `json:"kind"`
	ContentType string    `json:"content_type"`
	Name        string    `json:"name"`
	URL         string    `json:"url"`
	URLExpires  time.Time `json:"url_expires_at"`
}

// Event is one step of the timeline.
type Event struct {
	At            time.Time         `json:"at"`
	From          string            `json:"from"`
	To            string            `json:"to"`
	Actor         string            `json:"actor"`
	ActorType     string            `json:"actor_type"`
	Comment       string            `json:"comment"`
	FieldComments map[string]string `json:"field_comments,omitempty"`
}

// Disbursement is the record of the money paid.
type Disbursement struct {
	AmountFen     int64  `json:"amount_fen"`
	PaidOn        string `json:"paid_on"`
	BankReference string `json:"bank_reference"`
}

// Application is an application as shown (bank account and phone masked).
type Application struct {
	ID             int64             `json:"id"`
	Policy         string            `json:"policy"`
	PolicyName     string            `json:"policy_name"`
	Kind           string            `json:"kind"`
	Status         string            `json:"status"`
	Version        int               `json:"version"`
	BorrowerType   string            `json:"borrower_type"`
	EnterpriseName string            `json:"enterprise_name"`
	EnterpriseUSCC string            `json:"enterprise_uscc"`
	AmountFen      int64             `json:"amount_fen"`
	TermMonths     *int              `json:"term_months"`
	Purpose        string            `json:"purpose"`
	BankName       string            `json:"bank_name"`
	BankAccount    string            `json:"bank_account"`
	ContactPhone   string            `json:"contact_phone"`
	JobsCreated    *int              `json:"jobs_created"`
	FieldComments  map[string]string `json:"field_comments,omitempty"`
	TownshipCode   string            `json:"township_code"`
	ApplicantName  string            `json:"applicant_name,omitempty"`
	PersonID       int64             `json:"person_id,omitempty"`
	// EnterpriseOnRecord (staff views of enterprise loans): whether the USCC is the business on
	// the applicant's returnee record; when false the township approval must confirm the
	// attached business licence (licence_confirmed).
	EnterpriseOnRecord *bool `json:"enterprise_on_record,omitempty"`
	// LicenceConfirmed (staff views of enterprise loans): a township reviewer confirmed the licence.
	LicenceConfirmed *bool         `json:"licence_confirmed,omitempty"`
	Disbursement     *Disbursement `json:"disbursement,omitempty"`
	Attachments      []Attachment  `json:"attachments"`
	Timeline         []Event       `json:"timeline,omitempty"`
	CreatedAt        time.Time     `json:"created_at"`
	SubmittedAt      *time.Time    `json:"submitted_at"`
	UpdatedAt        time.Time     `json:"updated_at"`
}

func decodeComments(b []byte) map[string]string {
	if len(b) == 0 {
		return nil
	}
	var m map[string]string
	if json.Unmarshal(b, &m) != nil {
		return nil
	}
	return m
}
