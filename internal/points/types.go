// Package points is the alumni contribution points system (校友贡献积分): an append-only ledger
// with a balance that never goes below zero, earning rules as data, the perks catalogue, and
// vouchers that are redeemed in one transaction and verified at the venue exactly once.
//
// The rules live in MySQL: a UNIQUE idempotency key per entry (the same grant reference cannot
// earn twice), conditional updates for the balance, the stock and the voucher status, and the
// account row lock (SELECT ... FOR UPDATE) for the read-modify-write of a person's points.
package points

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"huixiang/internal/actor"
)

// Errors.
var (
	ErrNotFound           = errors.New("points: not found")
	ErrNotRegistered      = errors.New("points: user has no person record")
	ErrPersonNotFound     = errors.New("points: person not found")
	ErrRuleUnknown        = errors.New("points: unknown or inactive rule")
	ErrDuplicateReference = errors.New("points: reference already earned points under this rule")
	ErrInsufficientPoints = errors.New("points: insufficient points")
	ErrOutOfStock         = errors.New("points: perk out of stock")
	ErrLimitReached       = errors.New("points: per-person limit reached")
	ErrPerkUnavailable    = errors.New("points: perk not in its validity window")
	ErrVoucherExpired     = errors.New("points: voucher expired")
	ErrVoucherCancelled   = errors.New("points: voucher cancelled")
	ErrNotCancellable     = errors.New("points: voucher cannot be cancelled")
	ErrNotReversible      = errors.New("points: only a grant can be reversed")
	ErrAlreadyReversed    = errors.New("points: entry already reversed")
	ErrForbidden          = errors.New("points: not allowed for this staff role")
	ErrIdempotencyKey     = errors.New("points: Idempotency-Key required")
	// ErrRuleNotAllowed: the staff member's department may not grant under this rule.
	ErrRuleNotAllowed = errors.New("points: rule not granted by this department")
	// ErrNotAnAlumnus: the rule gives points to approved alumni (or registered persons) only.
	ErrNotAnAlumnus = errors.New("points: person may not receive points under this rule")
	// ErrNothingToReverse: all of the grant has expired or been spent.
	ErrNothingToReverse = errors.New("points: nothing of the grant is left to reverse")
)

// Hard bounds of a grant, whatever a rule says (the rules' own limits are lower).
const (
	// MaxGrantPoints is the most one grant may give.
	MaxGrantPoints = 1_000_000
	// MaxAmountFen is the largest amount a per-amount rule accepts: 10 billion yuan.
	MaxAmountFen = 1_000_000_000_000
)

// LimitError: a grant would exceed its rule's maximum per grant or per person and year.
type LimitError struct {
	Rule    string
	PerYear bool  // false: the maximum per grant
	Limit   int64 // points
	Used    int64 // points the person earned under the rule this year (PerYear only)
	Asked   int64 // points of this grant
}

func (e *LimitError) Error() string {
	if e.PerYear {
		return fmt.Sprintf("points: rule %s: %d earned this year + %d exceeds %d a year", e.Rule, e.Used, e.Asked, e.Limit)
	}
	return fmt.Sprintf("points: rule %s: %d exceeds %d per grant", e.Rule, e.Asked, e.Limit)
}

// AmountError: the amount of a per-amount grant is outside [Min, Max] fen.
type AmountError struct {
	Min, Max int64
}

func (e *AmountError) Error() string {
	return fmt.Sprintf("points: amount_fen outside [%d, %d]", e.Min, e.Max)
}

// UsedError says when and by whom a voucher was verified.
type UsedError struct {
	At time.Time
	By string
}

func (e *UsedError) Error() string {
	return fmt.Sprintf("points: voucher already used at %s by %s", e.At.Format(time.RFC3339), e.By)
}

// FieldError names an invalid input field.
type FieldError struct {
	Field   string
	Message string // Chinese, for the form
}

func (e *FieldError) Error() string { return "points: " + e.Field + ": " + e.Message }

// Reason codes of entries.
const (
	ReasonGrant   = "grant"
	ReasonReverse = "reverse"
	ReasonRedeem  = "redeem"
	ReasonRefund  = "refund"
	ReasonExpire  = "expire"
)

// Voucher statuses.
const (
	VoucherIssued    = "issued"
	VoucherUsed      = "used"
	VoucherCancelled = "cancelled"
	VoucherExpired   = "expired"
)

// Perk categories.
var Categories = []string{"education", "culture_tourism", "startup_space", "procurement", "other"}

// Rule is an earning rule with its limits (data: rows of points_rules).
type Rule struct {
	Code         string `json:"code"`
	Name         string `json:"name"`
	Description  string `json:"description"`
	Points       int64  `json:"points"`
	PerAmountFen *int64 `json:"per_amount_fen"`
	Active       bool   `json:"active"`
	// MaxPerGrant is the most one grant gives; MaxPerPersonYear the most one person earns under
	// the rule in a calendar year (Asia/Shanghai), net of reversals.
	MaxPerGrant      int64 `json:"max_per_grant"`
	MaxPerPersonYear int64 `json:"max_per_person_year"`
	// Departments whose staff may grant the rule (and use it for their events); empty: any
	// department. District administrators grant every rule.
	Departments []string `json:"departments"`
	// Recipients: RecipientsAlumni or RecipientsRegistered.
	Recipients string `json:"recipients"`
}

// Who may receive a rule's points.
const (
	// RecipientsAlumni: approved alumni only.
	RecipientsAlumni = "alumni"
	// RecipientsRegistered: returnees and alumni not rejected (event attendance).
	RecipientsRegistered = "registered"
)

// GrantableBy says whether the staff member may grant under the rule (and create events with
// it): a district administrator every rule, department staff a rule open to every department or
// naming theirs, nobody else.
func (r Rule) GrantableBy(a actor.Actor) bool {
	if !a.MayManagePoints() {
		return false
	}
	if a.Role == actor.DistrictAdmin {
		return true
	}
	return a.Department != "" && (len(r.Departments) == 0 || slices.Contains(r.Departments, a.Department))
}

// providerScope is the provider whose perks and vouchers the staff member manages: every
// provider ("", true) for a district administrator, their own department's for department staff,
// none (ok false) for anyone else. The one place that says who manages which perks.
func providerScope(a actor.Actor) (provider string, ok bool) {
	switch {
	case !a.MayManagePoints():
		return "", false
	case a.Role == actor.DistrictAdmin:
		return "", true
	}
	return a.Department, a.Department != ""
}

// managesProvider: a district administrator manages every perk, department staff their provider's.
func managesProvider(a actor.Actor, provider string) bool {
	scope, ok := providerScope(a)
	return ok && (scope == "" || scope == provider)
}

// GrantInput is a staff grant under a rule. AmountFen is needed by rules per amount (donations).
type GrantInput struct {
	PersonID  int64  `json:"person_id"`
	Rule      string `json:"rule"`
	Reference string `json:"reference"`
	Note      string `json:"note"`
	AmountFen int64  `json:"amount_fen"`
}

// Entry is a ledger entry.
type Entry struct {
	ID              int64      `json:"id"`
	PersonID        int64      `json:"person_id"`
	Delta           int64      `json:"delta"`
	ReasonCode      string     `json:"reason_code"`
	RuleCode        *string    `json:"rule_code"`
	Reference       string     `json:"reference"`
	Note            string     `json:"note"`
	ActorType       string     `json:"actor_type"`
	CreatedAt       time.Time  `json:"created_at"`
	BalanceAfter    int64      `json:"balance_after"`
	ExpiresAt       *time.Time `json:"expires_at"`
	Remaining       *int64     `json:"remaining"`
	ReversesEntryID *int64     `json:"reverses_entry_id"`
}

// Expiring is an amount that expires at a time.
type Expiring struct {
	Points    int64     `json:"points"`
	ExpiresAt time.Time `json:"expires_at"`
}

// Summary is a person's balance with what expires soon.
type Summary struct {
	PersonID int64      `json:"person_id"`
	Balance  int64      `json:"balance"`
	Expiring []Expiring `json:"expiring"`
	// ExpiringTotal is the sum of Expiring (within the window asked for, 90 days by default).
	ExpiringTotal int64 `json:"expiring_total"`
}

// Perk is a catalogue item.
type Perk struct {
	ID             int64     `json:"id"`
	Name           string    `json:"name"`
	Category       string    `json:"category"`
	ProviderCode   string    `json:"provider_code"`
	PointsPrice    int64     `json:"points_price"`
	Stock          *int64    `json:"stock"`
	PerPersonLimit *int      `json:"per_person_limit"`
	ValidFrom      time.Time `json:"valid_from"`
	ValidUntil     time.Time `json:"valid_until"`
	Description    string    `json:"description"`
	PictureURL     string    `json:"picture_url"`
	Visible        bool      `json:"visible"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
}

// PerkInput creates a perk or, with nil fields left alone, patches one. ClearStock makes the
// stock unlimited; ClearLimit removes the per-person limit.
type PerkInput struct {
	Name           *string    `json:"name"`
	Category       *string    `json:"category"`
	ProviderCode   *string    `json:"provider_code"`
	PointsPrice    *int64     `json:"points_price"`
	Stock          *int64     `json:"stock"`
	ClearStock     bool       `json:"unlimited_stock"`
	PerPersonLimit *int       `json:"per_person_limit"`
	ClearLimit     bool       `json:"no_person_limit"`
	ValidFrom      *time.Time `json:"valid_from"`
	ValidUntil     *time.Time `json:"valid_until"`
	Description    *string    `json:"description"`
	PictureURL     *string    `json:"picture_url"`
	Visible        *bool      `json:"visible"`
}

// Voucher is an issued voucher. QR is the payload to draw as a QR code.
type Voucher struct {
	ID           int64      `json:"id"`
	Code         string     `json:"code"`
	QR           string     `json:"qr"`
	PerkID       int64      `json:"perk_id"`
	PerkName     string     `json:"perk_name"`
	ProviderCode string     `json:"provider_code"`
	PersonID     int64      `json:"person_id"`
	Status       string     `json:"status"`
	PointsSpent  int64      `json:"points_spent"`
	IssuedAt     time.Time  `json:"issued_at"`
	ExpiresAt    time.Time  `json:"expires_at"`
	UsedAt       *time.Time `json:"used_at"`
	UsedBy       *int64     `json:"used_by_staff_id"`
	CancelledAt  *time.Time `json:"cancelled_at"`
}

// QRPrefix starts every voucher QR payload.
const QRPrefix = "huixiang:voucher:"

// Mismatch is an account whose balance differs from the sum of its ledger.
type Mismatch struct {
	PersonID  int64 `json:"person_id"`
	Balance   int64 `json:"balance"`
	LedgerSum int64 `json:"ledger_sum"`
}

// ExpiryResult says what ExpireDue did.
type ExpiryResult struct {
	Entries  int   `json:"entries"`
	Points   int64 `json:"points"`
	Vouchers int64 `json:"vouchers"`
}

// MonthFigures are the points issued, spent, refunded, reversed and expired in a month
// (Asia/Shanghai), as positive numbers.
type MonthFigures struct {
	Month    string `json:"month"`
	Issued   int64  `json:"issued"`
	Spent    int64  `json:"spent"`
	Refunded int64  `json:"refunded"`
	Reversed int64  `json:"reversed"`
	Expired  int64  `json:"expired"`
}

// Contributor is a person with the points they earned (net of reversals).
type Contributor struct {
	PersonID int64  `json:"person_id"`
	Name     string `json:"name"`
	Earned   int64  `json:"earned"`
}

// PerkFigures are the vouchers of a perk by status.
type PerkFigures struct {
	PerkID    int64  `json:"perk_id"`
	Name      string `json:"name"`
	Issued    int64  `json:"issued"`
	Used      int64  `json:"used"`
	Cancelled int64  `json:"cancelled"`
	Expired   int64  `json:"expired"`
}

// Stats are the dashboard figures.
type Stats struct {
	Months          []MonthFigures `json:"months"`
	TopContributors []Contributor  `json:"top_contributors"`
	Perks           []PerkFigures  `json:"perks"`
}
