package application

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"huixiang/internal/audit"
	"huixiang/internal/cn"
	"huixiang/internal/cnid"
	"huixiang/internal/idempotency"
	"huixiang/internal/notify"
	"huixiang/internal/pii"
	"huixiang/internal/privacy"
	"huixiang/internal/sqldb"
	"huixiang/internal/upload"
)

// Uploads is what applications need from the attachment store.
type Uploads interface {
	Attach(ctx context.Context, tx sqlx.ExtContext, uploadIDs []string, ownerUserID int64, refType string, refID int64) error
	ListAttached(ctx context.Context, q sqlx.QueryerContext, refType string, refID int64) ([]upload.Upload, error)
}

// Notifier writes inbox messages and subscribe messages in the caller's transaction.
type Notifier interface {
	Enqueue(ctx context.Context, tx sqlx.ExtContext, n notify.Notification) error
	Progress(item, status, remark string, at time.Time) *notify.Subscribe
	ProgressTemplateID() string
}

// Service runs the applications.
type Service struct {
	db      *sqlx.DB
	box     *pii.Box
	uploads Uploads
	notify  Notifier
	text    TextCheck
	now     func() time.Time
}

// TextCheck passes what an applicant typed through WeChat's content check: risky text is
// moderation.ErrRejected. Text WeChat cannot judge is kept (every application is read by a
// reviewer anyway), so an outage never loses an application.
type TextCheck interface {
	CheckUserText(ctx context.Context, userID int64, text string) error
}

// NewService returns a Service.
func NewService(db *sqlx.DB, box *pii.Box, uploads Uploads, n Notifier, text TextCheck) *Service {
	return &Service{db: db, box: box, uploads: uploads, notify: n, text: text, now: time.Now}
}

// userText is the free text of an application, for the content check: every string field of
// Input that is not a code, an enum, a number or an account (a test in internal/httpapi
// classifies every string field of Input, so a new one cannot be forgotten).
func (in Input) userText() string {
	var parts []string
	for _, s := range []string{in.EnterpriseName, in.Purpose, in.BankName} {
		if s = strings.TrimSpace(s); s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, "\n")
}

// checkText checks the text fields of in, when there are any.
func (s *Service) checkText(ctx context.Context, userID int64, in Input) error {
	text := in.userText()
	if text == "" || s.text == nil {
		return nil
	}
	return s.text.CheckUserText(ctx, userID, text)
}

// Field names of the encrypted columns.
const (
	fieldBankAccount = "bank_account"
	fieldPhone       = "phone"
	refType          = "application"
)

// applicant returns the registered person behind a user, or errNotRegistered.
func (s *Service) applicant(ctx context.Context, q sqlx.QueryerContext, userID int64) (*applicant, error) {
	return getApplicant(ctx, q, userID)
}

// applicantOrNone is applicant with "not registered" as a nil applicant, for the callers that
// answer it with the eligibility reasons; any other error is returned.
func (s *Service) applicantOrNone(ctx context.Context, q sqlx.QueryerContext, userID int64) (*applicant, error) {
	a, err := s.applicant(ctx, q, userID)
	if errors.Is(err, errNotRegistered) {
		return nil, nil
	}
	return a, err
}

// mayGiveBankAccount is privacy.ErrConsentRequired when a bank account is sent by an applicant
// who has not accepted the current privacy policy (a bank account is sensitive personal
// information). The version was read with the applicant: no statement more.
func (a *applicant) mayGiveBankAccount(account string) error {
	if account == "" || a == nil {
		return nil
	}
	return privacy.Check(a.PrivacyVersion)
}

// ownsEnterprise reports whether uscc is the business on the applicant's returnee record.
func (a *applicant) ownsEnterprise(uscc string) bool {
	return a != nil && a.USCC.Valid && a.USCC.String == uscc
}

func (s *Service) policy(ctx context.Context, q sqlx.QueryerContext, code string) (Policy, error) {
	r, err := getPolicy(ctx, q, code)
	if err != nil {
		return Policy{}, err
	}
	return r.policy()
}

func personKey(personID int64) string { return "P:" + strconv.FormatInt(personID, 10) }

// eligibility says whether the applicant may apply for p now (as an individual for loans).
func (s *Service) eligibility(ctx context.Context, q sqlx.QueryerContext, p Policy, a *applicant) (Eligibility, error) {
	var used, live int
	if a != nil {
		var err error
		if used, err = personUsedTimes(ctx, q, p.Code, a.PersonID, 0); err != nil {
			return Eligibility{Reasons: []Reason{}}, err
		}
		if p.Kind == KindSubsidy {
			if live, err = countGrantKey(ctx, q, p.Code+":"+strconv.FormatInt(a.PersonID, 10)); err != nil {
				return Eligibility{Reasons: []Reason{}}, err
			}
		}
	}
	return s.eligibilityOf(p, a, used, live), nil
}

// eligibilityOf is eligibility from the counts read: used, the applicant's approved or
// disbursed applications of p (personUsedTimes); live, the live applications holding p's
// subsidy place (countGrantKey; subsidies only).
func (s *Service) eligibilityOf(p Policy, a *applicant, used, live int) Eligibility {
	el := Eligibility{Reasons: []Reason{}}
	if !p.Open {
		el.Reasons = append(el.Reasons, Reason{"POLICY_CLOSED", "该政策暂未开放申请"})
	}
	if a == nil {
		el.Reasons = append(el.Reasons, Reason{"NOT_REGISTERED", "请先完成返乡登记"})
		return el
	}
	el.UsedTimes = used
	switch p.Kind {
	case KindSubsidy:
		if a.Intention != "started" || !a.USCC.Valid {
			el.Reasons = append(el.Reasons, Reason{"BUSINESS_NOT_REGISTERED", "需先办理营业执照，并在返乡登记中填写经营主体和统一社会信用代码"})
		} else if p.WindowDays != nil && a.StartedOn != nil && s.now().Sub(*a.StartedOn) > time.Duration(*p.WindowDays)*24*time.Hour {
			el.Reasons = append(el.Reasons, Reason{"BUSINESS_TOO_OLD", fmt.Sprintf("营业执照取得已超过 %d 天，不在申请期限内", *p.WindowDays)})
		}
		if live > 0 {
			el.Reasons = append(el.Reasons, Reason{"ALREADY_GRANTED", "您已申请过该补贴，每人限一次"})
		}
	case KindLoan:
		if el.UsedTimes >= p.MaxTimes {
			el.Reasons = append(el.Reasons, Reason{"LOAN_LIMIT_REACHED", fmt.Sprintf("已获批 %d 次创业担保贷款，达到上限", el.UsedTimes)})
		}
	}
	el.Eligible = len(el.Reasons) == 0
	return el
}

// PolicyList is the open policies with the caller's eligibility.
type PolicyList struct {
	SubscribeTemplateID string       `json:"subscribe_template_id"`
	Items               []PolicyView `json:"items"`
}

// Policies lists the support types with the caller's eligibility.
func (s *Service) Policies(ctx context.Context, userID int64) (PolicyList, error) {
	rows, err := listPolicies(ctx, s.db)
	if err != nil {
		return PolicyList{}, err
	}
	a, err := s.applicantOrNone(ctx, s.db, userID)
	if err != nil {
		return PolicyList{}, err
	}
	out := PolicyList{SubscribeTemplateID: s.notify.ProgressTemplateID(), Items: []PolicyView{}}
	for _, r := range rows {
		p, err := r.policy()
		if err != nil {
			return PolicyList{}, err
		}
		el, err := s.eligibility(ctx, s.db, p, a)
		if err != nil {
			return PolicyList{}, err
		}
		out.Items = append(out.Items, PolicyView{Policy: p, Eligibility: el, UsedTimes: el.UsedTimes})
	}
	return out, nil
}

var (
	bankAccountRE = regexp.MustCompile(`^[0-9]{12,30}$`)
)

// form is a validated Input.
type form struct {
	BorrowerType   string
	EnterpriseName string
	USCC           *string
	BorrowerKey    string
	AmountFen      int64
	TermMonths     *int
	Purpose        string
	BankName       string
	BankAccount    string
	ContactPhone   string
	JobsCreated    *int
}

// check validates in for p. Incomplete forms are allowed for drafts (complete=false): only what
// is filled in must be right.
func (s *Service) check(p Policy, a *applicant, in Input, complete bool) (form, error) {
	f := form{BorrowerType: strings.TrimSpace(in.BorrowerType), Purpose: strings.TrimSpace(in.Purpose),
		BankName: strings.TrimSpace(in.BankName), BankAccount: strings.ReplaceAll(strings.TrimSpace(in.BankAccount), " ", ""),
		ContactPhone: strings.TrimSpace(in.ContactPhone), EnterpriseName: strings.TrimSpace(in.EnterpriseName),
		TermMonths: in.TermMonths, JobsCreated: in.JobsCreated}
	if f.BorrowerType == "" {
		f.BorrowerType = "individual"
	}
	f.BorrowerKey = personKey(a.PersonID)
	switch p.Kind {
	case KindSubsidy:
		f.BorrowerType, f.AmountFen, f.TermMonths, f.EnterpriseName = "individual", *p.AmountFen, nil, ""
	case KindLoan:
		switch f.BorrowerType {
		case "individual":
			f.EnterpriseName = "" // an individual loan names no enterprise (a patch may switch type)
		case "enterprise":
			if f.EnterpriseName == "" && complete {
				return f, &FieldError{"enterprise_name", "请填写企业名称"}
			}
			if utf8.RuneCountInString(f.EnterpriseName) > 100 {
				return f, &FieldError{"enterprise_name", "企业名称不能超过 100 字"}
			}
			u, err := cnid.NormalizeUSCC(in.EnterpriseUSCC)
			if err != nil {
				return f, &FieldError{"enterprise_uscc", "统一社会信用代码不正确"}
			}
			f.USCC, f.BorrowerKey = &u, "E:"+u
		default:
			return f, &FieldError{"borrower_type", "借款人类型应为个人或企业"}
		}
		f.AmountFen = in.AmountFen
		if f.AmountFen <= 0 {
			return f, &FieldError{"amount_fen", "请填写贷款金额"}
		}
		limit := p.CapIndividualFen
		if f.BorrowerType == "enterprise" {
			limit = p.CapEnterpriseFen
		}
		if limit != nil && f.AmountFen > *limit {
			return f, &CapError{CapFen: *limit}
		}
		if f.TermMonths == nil && complete {
			return f, &FieldError{"term_months", "请选择贷款期限"}
		}
		if f.TermMonths != nil && (*f.TermMonths < 1 || *f.TermMonths > 36) {
			return f, &FieldError{"term_months", "贷款期限应为 1-36 个月"}
		}
		if f.Purpose == "" && complete {
			return f, &FieldError{"purpose", "请填写贷款用途"}
		}
	}
	if utf8.RuneCountInString(f.Purpose) > 500 {
		return f, &FieldError{"purpose", "用途不能超过 500 字"}
	}
	if utf8.RuneCountInString(f.BankName) > 64 {
		return f, &FieldError{"bank_name", "开户行不能超过 64 字"}
	}
	if f.BankName == "" && complete {
		return f, &FieldError{"bank_name", "请填写开户银行"}
	}
	if f.BankAccount != "" && !bankAccountRE.MatchString(f.BankAccount) {
		return f, &FieldError{"bank_account", "银行账号应为 12-30 位数字"}
	}
	if f.BankAccount == "" && complete {
		return f, &FieldError{"bank_account", "请填写银行账号"}
	}
	if f.ContactPhone != "" && !cn.ValidMobile(f.ContactPhone) {
		return f, &FieldError{"contact_phone", "联系电话应为 11 位手机号"}
	}
	if f.JobsCreated != nil && (*f.JobsCreated < 0 || *f.JobsCreated > 100000) {
		return f, &FieldError{"jobs_created", "带动就业人数不正确"}
	}
	return f, nil
}

// CapError says what the cap is.
type CapError struct{ CapFen int64 }

func (e *CapError) Error() string { return fmt.Sprintf("application: amount over cap %d", e.CapFen) }

// Unwrap makes errors.Is(err, ErrAmountOverCap) true.
func (e *CapError) Unwrap() error { return ErrAmountOverCap }

func (s *Service) seal(field, v string) any {
	if v == "" {
		return nil
	}
	return s.box.Seal(field, v)
}

// createAttempts bounds the retries of a create that lost a race on its idempotency key.
const createAttempts = 3

// Create starts a draft and returns its JSON. With an idempotency key, a retry of the
// same request returns the first answer's JSON byte for byte (replayed is true), and the same key
// with another body is refused. The answer is built inside the transaction that creates the
// draft, from what that transaction wrote (attachments included), and the same bytes are both
// stored for replays and sent the first time.
func (s *Service) Create(ctx context.Context, userID int64, in Input, idemKey string, bodyHash []byte) (body []byte, replayed bool, err error) {
	p, err := s.policy(ctx, s.db, strings.TrimSpace(in.Policy))
	if err != nil {
		return nil, false, err
	}
	a, err := s.applicantOrNone(ctx, s.db, userID)
	if err != nil {
		return nil, false, err
	}
	el, err := s.eligibility(ctx, s.db, p, a)
	if err != nil {
		return nil, false, err
	}
	if a == nil || !p.Open {
		return nil, false, &NotEligibleError{Reasons: el.Reasons}
	}
	f, err := s.check(p, a, in, false)
	if err != nil {
		return nil, false, err
	}
	if err := a.mayGiveBankAccount(f.BankAccount); err != nil {
		return nil, false, err
	}
	if err := s.checkText(ctx, userID, in); err != nil {
		return nil, false, err
	}
	if f.ContactPhone == "" && a.PhoneEnc != nil {
		if f.ContactPhone, err = s.box.Open(fieldPhone, a.PhoneEnc); err != nil {
			return nil, false, fmt.Errorf("application: applicant phone: %w", err)
		}
	}
	err = sqldb.Retry(ctx, s.db, createAttempts, func(tx *sqlx.Tx) error {
		body, replayed = nil, false
		if idemKey != "" {
			r, err := idempotency.Claim(ctx, tx, "application.create", userID, idemKey, bodyHash)
			if err != nil {
				return err
			}
			if r != nil {
				body, replayed = r.Body, true
				return nil
			}
		}
		now := s.now().UTC()
		id, err := insertDraft(ctx, tx, p, userID, a, f, s.seal(fieldBankAccount, f.BankAccount), s.seal(fieldPhone, f.ContactPhone), now)
		if err != nil {
			return err
		}
		if len(in.Attachments) > 0 {
			if err := s.uploads.Attach(ctx, tx, in.Attachments, userID, refType, id); err != nil {
				return err
			}
		}
		if err := event(ctx, tx, id, audit.ActorUser, userID, roleApplicant, "", StatusDraft, "", nil, now); err != nil {
			return err
		}
		app, err := s.load(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if err := checkEnterprise(a, f, app.Attachments); err != nil {
			return err
		}
		if body, err = json.Marshal(app); err != nil {
			return err
		}
		if idemKey == "" {
			return nil
		}
		return idempotency.Complete(ctx, tx, "application.create", userID, idemKey, idempotency.Result{Status: 201, Body: body})
	})
	if err != nil {
		return nil, false, err
	}
	return body, replayed, nil
}

// checkEnterprise refuses an enterprise loan for an enterprise that is not the applicant's: its
// USCC must be the business on the applicant's returnee record, or a business licence must be
// attached, which the township reviewer then has to confirm (see Review).
func checkEnterprise(a *applicant, f form, atts []Attachment) error {
	if f.BorrowerType != "enterprise" || f.USCC == nil || a.ownsEnterprise(*f.USCC) {
		return nil
	}
	for _, att := range atts {
		if att.Kind == upload.KindBusinessLicence {
			return nil
		}
	}
	return ErrEnterpriseNotOwn
}

// inputOf is the form an application row holds, with the bank account and phone in clear.
func (s *Service) inputOf(r row) (Input, error) {
	in := Input{Policy: r.PolicyCode, BorrowerType: r.BorrowerType, EnterpriseName: r.EnterpriseName, EnterpriseUSCC: r.EnterpriseUSCC.String,
		AmountFen: r.AmountFen, TermMonths: r.TermMonths, Purpose: r.Purpose, BankName: r.BankName, JobsCreated: r.JobsCreated}
	var err error
	if r.BankAccountEnc != nil {
		if in.BankAccount, err = s.box.Open(fieldBankAccount, r.BankAccountEnc); err != nil {
			return Input{}, fmt.Errorf("application: bank account: %w", err)
		}
	}
	if r.PhoneEnc != nil {
		if in.ContactPhone, err = s.box.Open(fieldPhone, r.PhoneEnc); err != nil {
			return Input{}, fmt.Errorf("application: contact phone: %w", err)
		}
	}
	return in, nil
}

// Patch is a JSON merge patch (RFC 7396) of an application form: the fields present change, a
// field set to null is cleared, the fields absent keep their values. "attachments" adds the
// uploads it lists; "policy" and unknown keys are ignored.
type Patch map[string]json.RawMessage

// apply merges the patch into in.
func (p Patch) apply(in *Input) error {
	fields := map[string]any{
		"borrower_type": &in.BorrowerType, "enterprise_name": &in.EnterpriseName, "enterprise_uscc": &in.EnterpriseUSCC,
		"amount_fen": &in.AmountFen, "term_months": &in.TermMonths, "purpose": &in.Purpose, "bank_name": &in.BankName,
		"bank_account": &in.BankAccount, "contact_phone": &in.ContactPhone, "jobs_created": &in.JobsCreated,
	}
	in.Attachments = nil
	for key, raw := range p {
		if key == "attachments" {
			if err := json.Unmarshal(raw, &in.Attachments); err != nil {
				return &FieldError{key, "附件格式不正确"}
			}
			continue
		}
		dst, ok := fields[key]
		if !ok {
			continue
		}
		// null clears: the zero value (json.Unmarshal leaves a value untouched on null).
		switch d := dst.(type) {
		case *string:
			*d = ""
		case *int64:
			*d = 0
		case **int:
			*d = nil
		}
		if err := json.Unmarshal(raw, dst); err != nil {
			return &FieldError{key, "格式不正确"}
		}
	}
	return nil
}

// Update changes a draft or returned application of the user's; version must be current. Only
// the fields in the patch change (see Patch). The row is locked, merged and written in one
// transaction, so two saves cannot lose each other's fields.
func (s *Service) Update(ctx context.Context, userID, id int64, version int, patch Patch) (Application, error) {
	a, err := s.applicant(ctx, s.db, userID)
	if errors.Is(err, errNotRegistered) {
		return Application{}, &NotEligibleError{Reasons: []Reason{{"NOT_REGISTERED", "请先完成返乡登记"}}}
	}
	if err != nil {
		return Application{}, err
	}
	// Only the text this save sends is checked, outside the transaction (a WeChat call must not
	// hold the row lock); what the patch does not send was checked when it was sent.
	var sent Input
	if err := patch.apply(&sent); err != nil {
		return Application{}, err
	}
	if err := a.mayGiveBankAccount(strings.TrimSpace(sent.BankAccount)); err != nil {
		return Application{}, err
	}
	if err := s.checkText(ctx, userID, sent); err != nil {
		return Application{}, err
	}
	err = sqldb.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		cur, err := lockOwn(ctx, tx, id, userID)
		if err != nil {
			return err
		}
		if cur.Version != version {
			return ErrStaleVersion
		}
		if !editable(cur.Status) {
			return ErrInvalidTransition
		}
		r, err := s.ownRow(ctx, tx, userID, id)
		if err != nil {
			return err
		}
		p, err := s.policy(ctx, tx, r.PolicyCode)
		if err != nil {
			return err
		}
		in, err := s.inputOf(r)
		if err != nil {
			return err
		}
		if err := patch.apply(&in); err != nil {
			return err
		}
		f, err := s.check(p, a, in, false)
		if err != nil {
			return err
		}
		if err := updateForm(ctx, tx, id, userID, version, f, s.seal(fieldBankAccount, f.BankAccount), s.seal(fieldPhone, f.ContactPhone), s.now().UTC()); err != nil {
			return err
		}
		if len(in.Attachments) > 0 {
			if err := s.uploads.Attach(ctx, tx, in.Attachments, userID, refType, id); err != nil {
				return err
			}
		}
		if f.BorrowerType != "enterprise" {
			return nil
		}
		atts, err := s.attachments(ctx, tx, id)
		if err != nil {
			return err
		}
		return checkEnterprise(a, f, atts)
	})
	if err != nil {
		return Application{}, err
	}
	return s.load(ctx, s.db, id, true)
}

// whyNot tells a lost conditional update apart: a newer version, a status that does not allow
// it, or (notBy names a reviewer column) the actor who decided the previous stage.
func (s *Service) whyNot(ctx context.Context, q sqlx.QueryerContext, id int64, version int, t Transition) error {
	cur, err := currentVersionStatus(ctx, q, id)
	if err != nil {
		return err
	}
	if cur.Version != version {
		return ErrStaleVersion
	}
	if !t.allows(cur.Status) {
		return ErrInvalidTransition
	}
	if t.NotBy != "" {
		// The only condition left: the actor decided the previous stage (or nobody is on
		// record for it, which cannot prove two people looked at it either).
		return ErrSameReviewer
	}
	return ErrInvalidTransition
}
