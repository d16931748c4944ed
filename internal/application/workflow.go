package application

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"huixiang/internal/actor"
	"huixiang/internal/audit"
	"huixiang/internal/cn"
	"huixiang/internal/notify"
	"huixiang/internal/pii"
	"huixiang/internal/sqldb"
)

// ownRow returns the user's application; others' answer ErrNotFound.
func (s *Service) ownRow(ctx context.Context, q sqlx.QueryerContext, userID, id int64) (row, error) {
	return getRow(ctx, q, `a.id = ? AND a.user_id = ?`, id, userID)
}

func maskAccount(v string) string {
	if len(v) <= 8 {
		return strings.Repeat("*", len(v))
	}
	return v[:4] + strings.Repeat("*", len(v)-8) + v[len(v)-4:]
}

func (s *Service) view(r row) Application {
	a := Application{ID: r.ID, Policy: r.PolicyCode, PolicyName: r.PolicyName, Kind: r.PolicyKind, Status: r.Status,
		Version: r.Version, BorrowerType: r.BorrowerType, EnterpriseName: r.EnterpriseName, EnterpriseUSCC: r.EnterpriseUSCC.String,
		AmountFen: r.AmountFen, TermMonths: r.TermMonths, Purpose: r.Purpose, BankName: r.BankName, JobsCreated: r.JobsCreated,
		FieldComments: decodeComments(r.FieldComments), TownshipCode: r.TownshipCode, Attachments: []Attachment{},
		CreatedAt: r.CreatedAt, SubmittedAt: r.SubmittedAt, UpdatedAt: r.UpdatedAt}
	if r.BankAccountEnc != nil {
		if v, err := s.box.Open(fieldBankAccount, r.BankAccountEnc); err == nil {
			a.BankAccount = maskAccount(v)
		}
	}
	if r.PhoneEnc != nil {
		if v, err := s.box.Open(fieldPhone, r.PhoneEnc); err == nil {
			a.ContactPhone = pii.MaskPhone(v)
		}
	}
	if r.DisbursedFen != nil && r.PaidOn != nil {
		a.Disbursement = &Disbursement{AmountFen: *r.DisbursedFen, PaidOn: r.PaidOn.Format(time.DateOnly), BankReference: r.BankReference}
	}
	return a
}

// load returns the application with attachments and, when timeline, its events.
func (s *Service) load(ctx context.Context, q sqlx.QueryerContext, id int64, timeline bool) (Application, error) {
	r, err := getRow(ctx, q, `a.id = ?`, id)
	if err != nil {
		return Application{}, err
	}
	return s.full(ctx, q, r, timeline)
}

// attachments lists the application's attachments through q (a transaction sees its own).
func (s *Service) attachments(ctx context.Context, q sqlx.QueryerContext, id int64) ([]Attachment, error) {
	ups, err := s.uploads.ListAttached(ctx, q, refType, id)
	if err != nil {
		return nil, err
	}
	out := make([]Attachment, 0, len(ups))
	for _, u := range ups {
		att := Attachment{ID: u.ID, Kind: u.Kind, ContentType: u.ContentType, Name: u.Name, URL: u.URL}
		if u.URLExpiresAt != nil {
			att.URLExpires = *u.URLExpiresAt
		}
		out = append(out, att)
	}
	return out, nil
}

func (s *Service) full(ctx context.Context, q sqlx.QueryerContext, r row, timeline bool) (Application, error) {
	a := s.view(r)
	var err error
	if a.Attachments, err = s.attachments(ctx, q, r.ID); err != nil {
		return Application{}, err
	}
	if timeline {
		if a.Timeline, err = events(ctx, q, r.ID); err != nil {
			return Application{}, err
		}
	}
	return a, nil
}

// roleLabels name the roles of the timeline (application_events.actor_role) for the applicant.
var roleLabels = map[string]string{roleApplicant: "申请人", string(actor.Township): "乡镇审核", string(actor.DistrictAdmin): "区级审核",
	string(actor.Department): "区级审核", "system": "系统"}

// Mine lists the user's applications, newest first.
func (s *Service) Mine(ctx context.Context, userID int64) ([]Application, error) {
	rows, err := listMine(ctx, s.db, userID)
	if err != nil {
		return nil, err
	}
	out := make([]Application, 0, len(rows))
	for _, r := range rows {
		out = append(out, s.view(r))
	}
	return out, nil
}

// Get returns one of the user's applications with its timeline.
func (s *Service) Get(ctx context.Context, userID, id int64) (Application, error) {
	r, err := s.ownRow(ctx, s.db, userID, id)
	if err != nil {
		return Application{}, err
	}
	return s.full(ctx, s.db, r, true)
}

// statusWords are the ≤ 5 Chinese characters the subscribe message's phrase field takes.
var statusWords = map[string]string{StatusTownshipApproved: "乡镇已通过", StatusApproved: "已批准", StatusDisbursed: "已发放",
	StatusReturned: "已退回", StatusRejected: "未通过", StatusSubmitted: "已提交"}

// notifyApplicant writes the inbox message and queues the subscribe message of a status change,
// in the transaction of the change.
func (s *Service) notifyApplicant(ctx context.Context, tx sqlx.ExtContext, r row, to, comment string, version int, at time.Time) error {
	word := statusWords[to]
	title := r.PolicyName + "申请" + word
	body := comment
	if body == "" {
		body = map[string]string{StatusTownshipApproved: "乡镇审核已通过，等待区级审核。", StatusApproved: "申请已批准。",
			StatusDisbursed: "资金已发放，请留意银行到账。", StatusReturned: "申请被退回，请按意见修改后重新提交。",
			StatusRejected: "申请未通过。"}[to]
	}
	return s.notify.Enqueue(ctx, tx, notify.Notification{
		UserID: r.UserID, Kind: "application_status", Title: title, Body: body,
		Page:    "pages/application/application?id=" + strconv.FormatInt(r.ID, 10),
		RefType: refType, RefID: r.ID,
		DedupKey: fmt.Sprintf("app:%d:v%d:%s", r.ID, version, to),
		Template: s.notify.Progress(r.PolicyName, word, comment, at),
	})
}

// change is what one transition writes besides the state: the reviewer's words and the
// action's own columns (column name → value; names are constants of this package).
type change struct {
	Comment       string
	FieldComments map[string]string
	Set           []assign
	// At is when the transition happens (its updated_at and timeline time); zero: now.
	At time.Time
}

// assign is one column the transition's UPDATE sets.
type assign struct {
	Col string
	Val any
}

// transition takes action t on application r (read at version) in tx for by: one conditional
// UPDATE (version, from-states and, when the row says so, another account than the previous
// stage's), the timeline event, the audit row and, when the row says so, the applicant's
// notification.
//
// The UPDATE's condition is the one check of version and state; when it matches nothing, whyNot
// says which part failed.
func (s *Service) transition(ctx context.Context, tx *sqlx.Tx, r row, version int, by actor.Actor, t Transition, ch change) error {
	now := ch.At
	if now.IsZero() {
		now = s.now().UTC()
	}
	var fc any
	if t.To == StatusReturned && len(ch.FieldComments) > 0 {
		b, _ := json.Marshal(ch.FieldComments)
		fc = string(b)
	}
	sets := slices.Clone(ch.Set)
	if t.By != "" {
		sets = append(sets, assign{t.By, by.ID})
	}
	if t.Decides {
		sets = append(sets, assign{"decided_at", now})
	}
	n, err := updateStatus(ctx, tx, r.ID, version, t, now, fc, sets, by.ID)
	if err != nil {
		return err
	}
	if n == 0 {
		return s.whyNot(ctx, tx, r.ID, version, t)
	}
	role := t.EventRole
	if role == "" {
		role = string(by.Role)
	}
	if err := event(ctx, tx, r.ID, string(by.Kind), by.ID, role, r.Status, t.To, ch.Comment, ch.FieldComments, now); err != nil {
		return err
	}
	e := by.AuditID("application."+t.To, "application", r.ID)
	e.Detail = map[string]any{"from": r.Status, "to": t.To, "version": version}
	if ch.Comment != "" {
		e.Detail["comment"] = ch.Comment
	}
	if err := audit.Write(ctx, tx, e); err != nil {
		return err
	}
	if t.Notifies {
		return s.notifyApplicant(ctx, tx, r, t.To, ch.Comment, version+1, now)
	}
	return nil
}

// Submit sends a draft or returned application for review after checking eligibility, the form
// and the materials. The subsidy's once-per-person rule is a UNIQUE key: of parallel submissions
// by one person exactly one gets through.
//
// The application, its policy, the applicant and the counts of the limits are one read
// (getSubmission), the attachments another; the checks judge that row, so a version other than
// the one read is stale, and the transition's UPDATE (on that version) holds the row to what was
// checked. The answer is that row as the UPDATE changed it, with the attachments already read
// and the timeline read in the transaction after its event: the same as a GET that follows.
func (s *Service) Submit(ctx context.Context, userID, id int64, version int) (Application, error) {
	sr, err := getSubmission(ctx, s.db, userID, id)
	if err != nil {
		return Application{}, err
	}
	r := sr.row
	if r.Version != version {
		return Application{}, ErrStaleVersion
	}
	p, err := sr.Policy.policy()
	if err != nil {
		return Application{}, err
	}
	a := sr.Applicant.applicant()
	el := s.eligibilityOf(p, a, sr.PersonUsed, sr.GrantLive)
	for _, rs := range el.Reasons {
		switch rs.Code {
		case "ALREADY_GRANTED":
			if r.Status != StatusReturned { // a returned one is the live one itself
				return Application{}, ErrAlreadyGranted
			}
		case "LOAN_LIMIT_REACHED": // the person's loans, individual or for any enterprise
			return Application{}, ErrLoanLimitReached
		default:
			return Application{}, &NotEligibleError{Reasons: el.Reasons}
		}
	}
	if r.BorrowerKey != personKey(a.PersonID) && sr.BorrowerUsed >= p.MaxTimes {
		return Application{}, ErrLoanLimitReached
	}
	in, err := s.inputOf(r)
	if err != nil {
		return Application{}, err
	}
	f, err := s.check(p, a, in, true)
	if err != nil {
		return Application{}, err
	}
	if err := a.mayGiveBankAccount(f.BankAccount); err != nil {
		return Application{}, err
	}
	atts, err := s.attachments(ctx, s.db, r.ID)
	if err != nil {
		return Application{}, err
	}
	if err := checkMaterials(p, r, atts); err != nil {
		return Application{}, err
	}
	if err := checkEnterprise(a, f, atts); err != nil {
		return Application{}, err
	}
	// DATETIME(3) keeps milliseconds: the answer carries the times as stored.
	now := s.now().UTC().Truncate(time.Millisecond)
	t := transitionOf(ActSubmit)
	var timeline []Event
	err = sqldb.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		err := s.transition(ctx, tx, r, version, actor.User(userID), t,
			change{Set: []assign{{"submitted_at", now}, {"township_code", a.TownshipCode}}, At: now})
		if err != nil {
			return err
		}
		timeline, err = events(ctx, tx, r.ID)
		return err
	})
	if errors.Is(err, sqldb.ErrDuplicate) {
		return Application{}, ErrAlreadyGranted
	}
	if err != nil {
		return Application{}, err
	}
	// The row as the UPDATE left it (see transition and updateStatus).
	r.Status, r.Version, r.UpdatedAt, r.FieldComments = t.To, version+1, now, nil
	r.SubmittedAt, r.TownshipCode = &now, a.TownshipCode
	app := s.view(r)
	app.Attachments, app.Timeline = atts, timeline
	return app, nil
}

// MissingMaterials lists the labels of required materials not attached.
type MissingMaterials struct{ Labels []string }

func (e *MissingMaterials) Error() string {
	return "application: missing " + strings.Join(e.Labels, ", ")
}

// Unwrap makes errors.Is(err, ErrMaterialsMissing) true.
func (e *MissingMaterials) Unwrap() error { return ErrMaterialsMissing }

func checkMaterials(p Policy, r row, atts []Attachment) error {
	have := map[string]bool{}
	for _, a := range atts {
		have[a.Kind] = true
	}
	var missing []string
	for _, m := range p.Materials {
		need := m.Required || (m.Kind == "business_licence" && r.BorrowerType == "enterprise")
		if need && !have[m.Kind] {
			missing = append(missing, m.Label)
		}
	}
	if len(missing) > 0 {
		return &MissingMaterials{Labels: missing}
	}
	return nil
}

// Withdraw takes back a draft, a returned application, or a submitted one before review.
func (s *Service) Withdraw(ctx context.Context, userID, id int64, version int) (Application, error) {
	r, err := s.ownRow(ctx, s.db, userID, id)
	if err != nil {
		return Application{}, err
	}
	err = sqldb.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		return s.transition(ctx, tx, r, version, actor.User(userID), transitionOf(ActWithdraw), change{})
	})
	if err != nil {
		return Application{}, err
	}
	return s.load(ctx, s.db, id, true)
}

// StaffGet returns an application the staff member may see (township staff: their township).
func (s *Service) StaffGet(ctx context.Context, st actor.Actor, id int64) (Application, error) {
	r, err := s.staffRow(ctx, s.db, st, id)
	if err != nil {
		return Application{}, err
	}
	a, err := s.full(ctx, s.db, r, true)
	if err != nil {
		return Application{}, err
	}
	a.ApplicantName, a.PersonID = r.ApplicantName, r.PersonID
	if r.PolicyKind == KindLoan && r.BorrowerType == "enterprise" {
		owns, err := s.ownsOnRecord(ctx, s.db, r)
		if err != nil {
			return Application{}, err
		}
		confirmed := r.LicenceBy.Valid
		a.EnterpriseOnRecord, a.LicenceConfirmed = &owns, &confirmed
	}
	if len(a.Attachments) > 0 {
		// The attachments (ID photos, licences) are personal information handed out through
		// signed URLs: every staff view that hands them out is audited.
		e := st.AuditID("application.view_attachments", "application", id)
		e.Detail = map[string]any{"attachments": len(a.Attachments)}
		if err := audit.Write(ctx, s.db, e); err != nil {
			return Application{}, err
		}
	}
	return a, nil
}

func (s *Service) staffRow(ctx context.Context, q sqlx.QueryerContext, st actor.Actor, id int64) (row, error) {
	r, err := getRow(ctx, q, `a.id = ? AND a.status <> ?`, id, StatusDraft) // staff never see drafts
	if err != nil {
		return row{}, err
	}
	if !st.SeesTownship(r.TownshipCode) {
		return row{}, ErrNotFound
	}
	return r, nil
}

// Decision is a reviewer's decision.
type Decision struct {
	Decision      string            `json:"decision"` // approve, return, reject
	Comment       string            `json:"comment"`
	FieldComments map[string]string `json:"field_comments"`
	Version       int               `json:"version"`
	// LicenceConfirmed: the township reviewer checked the attached business licence and it is
	// the applicant's enterprise. Required to approve an enterprise loan whose USCC is not the
	// business on the applicant's returnee record.
	LicenceConfirmed bool `json:"licence_confirmed"`
}

// reviewAttempts bounds the retries of a decision that lost a race on a borrower's lock row.
const reviewAttempts = 3

// Review applies a decision at the application's current stage: township staff (or a district
// administrator) on submitted ones, district staff on township-approved ones. The district
// decision must come from another account than the township decision (ErrSameReviewer), a
// condition of the UPDATE itself. Approving a loan locks the borrowers' rows (the person's and
// the enterprise's) and counts their approved loans in the same transaction.
func (s *Service) Review(ctx context.Context, st actor.Actor, id int64, d Decision) (Application, error) {
	d.Comment = strings.TrimSpace(d.Comment)
	if utf8.RuneCountInString(d.Comment) > 500 {
		return Application{}, &FieldError{"comment", "意见不能超过 500 字"}
	}
	if (d.Decision == "return" || d.Decision == "reject") && d.Comment == "" && len(d.FieldComments) == 0 {
		return Application{}, &FieldError{"comment", "退回或不通过时请填写意见"}
	}
	for k, v := range d.FieldComments {
		if utf8.RuneCountInString(k) > 64 || utf8.RuneCountInString(v) > 200 {
			return Application{}, &FieldError{"field_comments", "字段意见过长"}
		}
	}
	r, err := s.staffRow(ctx, s.db, st, id)
	if err != nil {
		return Application{}, err
	}
	if r.Version != d.Version {
		return Application{}, ErrStaleVersion // someone acted since this reviewer read it
	}
	open := decisions(r.Status) // the decisions of the stage the application is at
	if len(open) == 0 {
		return Application{}, ErrInvalidTransition
	}
	i := slices.IndexFunc(open, func(t Transition) bool { return t.Decision == d.Decision })
	if i < 0 {
		if !slices.ContainsFunc(open, func(t Transition) bool { return t.permits(st) }) {
			return Application{}, ErrForbidden // no decision of this stage is theirs
		}
		return Application{}, &FieldError{"decision", "决定应为 approve、return 或 reject"}
	}
	t := open[i]
	if !t.permits(st) {
		return Application{}, ErrForbidden
	}
	enterprise := r.PolicyKind == KindLoan && r.BorrowerType == "enterprise" && r.EnterpriseUSCC.Valid
	err = sqldb.Retry(ctx, s.db, reviewAttempts, func(tx *sqlx.Tx) error {
		ch := change{Comment: d.Comment, FieldComments: d.FieldComments}
		if t.To == StatusTownshipApproved && enterprise {
			owns, err := s.ownsOnRecord(ctx, tx, r)
			if err != nil {
				return err
			}
			var by any // who confirmed the licence, when it needed confirming
			if !owns {
				if !d.LicenceConfirmed {
					return ErrLicenceUnconfirmed
				}
				by = st.ID
			}
			ch.Set = append(ch.Set, assign{"licence_confirmed_by", by})
		}
		if t.Grants && r.PolicyKind == KindLoan {
			if enterprise && !r.LicenceBy.Valid {
				owns, err := s.ownsOnRecord(ctx, tx, r)
				if err != nil {
					return err
				}
				if !owns {
					return ErrLicenceUnconfirmed
				}
			}
			if err := s.checkLoanLimit(ctx, tx, r); err != nil {
				return err
			}
		}
		return s.transition(ctx, tx, r, d.Version, st, t, ch)
	})
	if err != nil {
		return Application{}, err
	}
	return s.StaffGet(ctx, st, id)
}

// ownsOnRecord reports whether the application's enterprise is the business on the applicant's
// returnee record as it stands now.
func (s *Service) ownsOnRecord(ctx context.Context, q sqlx.QueryerContext, r row) (bool, error) {
	uscc, err := recordUSCC(ctx, q, r.PersonID)
	if err != nil {
		return false, err
	}
	return uscc.Valid && r.EnterpriseUSCC.Valid && uscc.String == r.EnterpriseUSCC.String, nil
}

// checkLoanLimit serialises approvals per borrower on the loan_borrowers rows and refuses one
// beyond the policy's limit, counted for the person (individual loans and loans for any of
// their enterprises) and for the enterprise (whoever applied for it). The person's and the
// enterprise's rows are locked in key order, so two approvals never wait on each other in a cycle.
func (s *Service) checkLoanLimit(ctx context.Context, tx *sqlx.Tx, r row) error {
	keys := []string{personKey(r.PersonID)}
	if r.BorrowerKey != keys[0] {
		keys = append(keys, r.BorrowerKey)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if err := lockBorrower(ctx, tx, k, s.now().UTC()); err != nil {
			return err
		}
	}
	p, err := s.policy(ctx, tx, r.PolicyCode)
	if err != nil {
		return err
	}
	n, err := personUsedTimes(ctx, tx, r.PolicyCode, r.PersonID, r.ID)
	if err != nil {
		return err
	}
	if n >= p.MaxTimes {
		return ErrLoanLimitReached
	}
	if r.BorrowerKey != personKey(r.PersonID) {
		if n, err = usedTimes(ctx, tx, r.PolicyCode, r.BorrowerKey, r.ID); err != nil {
			return err
		}
		if n >= p.MaxTimes {
			return ErrLoanLimitReached
		}
	}
	return nil
}

// DisburseInput records money paid.
type DisburseInput struct {
	AmountFen     int64  `json:"amount_fen"`
	PaidOn        string `json:"paid_on"`
	BankReference string `json:"bank_reference"`
	Version       int    `json:"version"`
}

// Disburse records the payment of an approved application (district staff, another account than
// the one that approved it: ErrSameReviewer).
func (s *Service) Disburse(ctx context.Context, st actor.Actor, id int64, in DisburseInput) (Application, error) {
	t := transitionOf(ActDisburse)
	if !t.permits(st) {
		return Application{}, ErrForbidden
	}
	r, err := s.staffRow(ctx, s.db, st, id)
	if err != nil {
		return Application{}, err
	}
	if in.AmountFen <= 0 || in.AmountFen > r.AmountFen {
		return Application{}, &FieldError{"amount_fen", "发放金额应大于 0 且不超过批准金额"}
	}
	paid, err := time.Parse(time.DateOnly, in.PaidOn)
	if err != nil || paid.After(s.now()) {
		return Application{}, &FieldError{"paid_on", "发放日期应为 YYYY-MM-DD，且不晚于今天"}
	}
	ref := strings.TrimSpace(in.BankReference)
	if ref == "" || utf8.RuneCountInString(ref) > 64 {
		return Application{}, &FieldError{"bank_reference", "请填写银行流水号（64 字以内）"}
	}
	err = sqldb.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		return s.transition(ctx, tx, r, in.Version, st, t, change{Comment: fmt.Sprintf("已发放 %s 元", cn.Yuan(in.AmountFen)),
			Set: []assign{{"disbursed_fen", in.AmountFen}, {"paid_on", paid}, {"bank_reference", ref}}})
	})
	if err != nil {
		return Application{}, err
	}
	return s.StaffGet(ctx, st, id)
}
