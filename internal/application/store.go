package application

// The SQL of applications, in one place: functions of a sqlx.ExtContext (or QueryerContext), so
// one function works in and out of a transaction; FOR UPDATE helpers take a *sqlx.Tx. Rows scan
// into the row structs here and are converted to the JSON types in one function each (row:
// Service.view, policyRow.policy, bucketRow.bucket, events).

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"huixiang/internal/cn"
	"huixiang/internal/sqldb"
)

// row is an applications row.
type row struct {
	ID             int64          `db:"id"`
	PolicyCode     string         `db:"policy_code"`
	PolicyKind     string         `db:"policy_kind"`
	PolicyName     string         `db:"policy_name"`
	UserID         int64          `db:"user_id"`
	PersonID       int64          `db:"person_id"`
	ApplicantName  string         `db:"applicant_name"`
	TownshipCode   string         `db:"township_code"`
	Status         string         `db:"status"`
	Version        int            `db:"version"`
	BorrowerType   string         `db:"borrower_type"`
	EnterpriseName string         `db:"enterprise_name"`
	EnterpriseUSCC sql.NullString `db:"enterprise_uscc"`
	BorrowerKey    string         `db:"borrower_key"`
	AmountFen      int64          `db:"amount_fen"`
	TermMonths     *int           `db:"term_months"`
	Purpose        string         `db:"purpose"`
	BankName       string         `db:"bank_name"`
	BankAccountEnc []byte         `db:"bank_account_enc"`
	PhoneEnc       []byte         `db:"contact_phone_enc"`
	JobsCreated    *int           `db:"jobs_created"`
	FieldComments  []byte         `db:"field_comments"`
	DisbursedFen   *int64         `db:"disbursed_fen"`
	PaidOn         *time.Time     `db:"paid_on"`
	BankReference  string         `db:"bank_reference"`
	LicenceBy      sql.NullInt64  `db:"licence_confirmed_by"`
	SubmittedAt    *time.Time     `db:"submitted_at"`
	CreatedAt      time.Time      `db:"created_at"`
	UpdatedAt      time.Time      `db:"updated_at"`
}

const selectApp = `SELECT ` + appColumns + appFrom

// appColumns and appFrom are the columns and joins of a row.
const appColumns = `a.id, a.policy_code, a.policy_kind, sp.name AS policy_name, a.user_id, a.person_id, p.name AS applicant_name,
	a.township_code, a.status, a.version, a.borrower_type, a.enterprise_name, a.enterprise_uscc, a.borrower_key, a.amount_fen,
	a.term_months, a.purpose, a.bank_name, a.bank_account_enc, a.contact_phone_enc, a.jobs_created, a.field_comments,
	a.disbursed_fen, a.paid_on, a.bank_reference, a.licence_confirmed_by, a.submitted_at, a.created_at, a.updated_at`

const appFrom = ` FROM applications a JOIN support_policies sp ON sp.code = a.policy_code JOIN persons p ON p.id = a.person_id`

func getRow(ctx context.Context, q sqlx.QueryerContext, where string, args ...any) (row, error) {
	var r row
	err := sqlx.GetContext(ctx, q, &r, selectApp+` WHERE `+where, args...)
	if errors.Is(err, sql.ErrNoRows) {
		return row{}, ErrNotFound
	}
	if err != nil {
		return row{}, fmt.Errorf("application: get: %w", err)
	}
	return r, nil
}

func events(ctx context.Context, q sqlx.QueryerContext, id int64) ([]Event, error) {
	var rows []struct {
		At       time.Time `db:"at"`
		Type     string    `db:"actor_type"`
		Role     string    `db:"actor_role"`
		From     string    `db:"from_status"`
		To       string    `db:"to_status"`
		Comment  string    `db:"comment"`
		Comments []byte    `db:"field_comments"`
	}
	err := sqlx.SelectContext(ctx, q, &rows, `SELECT at, actor_type, actor_role, from_status, to_status, comment, field_comments
		FROM application_events WHERE application_id = ? ORDER BY at, id`, id)
	if err != nil {
		return nil, fmt.Errorf("application: timeline: %w", err)
	}
	out := make([]Event, 0, len(rows))
	for _, r := range rows {
		out = append(out, Event{At: r.At, From: r.From, To: r.To, Actor: roleLabels[r.Role], ActorType: r.Type, Comment: r.Comment,
			FieldComments: decodeComments(r.Comments)})
	}
	return out, nil
}

func event(ctx context.Context, tx sqlx.ExtContext, id int64, actorType string, actorID int64, role, from, to, comment string, fieldComments map[string]string, at time.Time) error {
	var fc any
	if len(fieldComments) > 0 {
		b, _ := json.Marshal(fieldComments)
		fc = string(b)
	}
	var aid any
	if actorID != 0 {
		aid = actorID
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO application_events (application_id, at, actor_type, actor_id, actor_role, from_status, to_status, comment, field_comments)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, at, actorType, aid, role, from, to, comment, fc)
	if err != nil {
		return fmt.Errorf("application: event: %w", err)
	}
	return nil
}

// listMine lists a user's applications, newest first.
func listMine(ctx context.Context, q sqlx.QueryerContext, userID int64) ([]row, error) {
	var rows []row
	if err := sqlx.SelectContext(ctx, q, &rows, selectApp+` WHERE a.user_id = ? ORDER BY a.created_at DESC, a.id DESC`, userID); err != nil {
		return nil, fmt.Errorf("application: mine: %w", err)
	}
	return rows, nil
}

// updateStatus is a transition's conditional UPDATE: from one of t.From at version to t.To,
// setting sets, and (t.NotBy) only when the previous stage's decider is not byID. It returns
// the rows changed (0: the condition failed).
func updateStatus(ctx context.Context, x sqlx.ExtContext, id int64, version int, t Transition, now time.Time, fieldComments any, sets []assign, byID int64) (int64, error) {
	set := ""
	args := []any{t.To, now, fieldComments}
	for _, a := range sets {
		set += ", " + a.Col + " = ?"
		args = append(args, a.Val)
	}
	args = append(args, id, version)
	for _, f := range t.From {
		args = append(args, f)
	}
	guard := ""
	if t.NotBy != "" {
		guard = ` AND ` + t.NotBy + ` <> ?`
		args = append(args, byID)
	}
	res, err := x.ExecContext(ctx, `UPDATE applications SET status = ?, updated_at = ?, field_comments = ?, version = version + 1`+set+`
		WHERE id = ? AND version = ? AND status IN (`+placeholders(len(t.From))+`)`+guard, args...)
	if err != nil {
		return 0, fmt.Errorf("application: transition: %w", sqldb.Classify(err))
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("application: transition: %w", err)
	}
	return n, nil
}

// placeholders is "?, ?, ?" for n values.
func placeholders(n int) string { return strings.TrimSuffix(strings.Repeat("?, ", n), ", ") }

// recordUSCC is the USCC of the business on a person's returnee record (NULL: none, or no record).
func recordUSCC(ctx context.Context, q sqlx.QueryerContext, personID int64) (sql.NullString, error) {
	var uscc sql.NullString
	err := sqlx.GetContext(ctx, q, &uscc, `SELECT uscc FROM returnees WHERE person_id = ?`, personID)
	if errors.Is(err, sql.ErrNoRows) {
		return sql.NullString{}, nil
	}
	if err != nil {
		return sql.NullString{}, fmt.Errorf("application: record uscc: %w", err)
	}
	return uscc, nil
}

// lockBorrower creates the borrower's lock row when missing and locks it until tx ends. It
// takes a *sqlx.Tx: a FOR UPDATE lock outside a transaction would be released at once.
func lockBorrower(ctx context.Context, tx *sqlx.Tx, key string, now time.Time) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO loan_borrowers (borrower_key, created_at) VALUES (?, ?)
		ON DUPLICATE KEY UPDATE borrower_key = borrower_key`, key, now); err != nil {
		return fmt.Errorf("application: borrower: %w", sqldb.Classify(err))
	}
	var k string
	if err := tx.GetContext(ctx, &k, `SELECT borrower_key FROM loan_borrowers WHERE borrower_key = ? FOR UPDATE`, key); err != nil {
		return fmt.Errorf("application: borrower lock: %w", sqldb.Classify(err))
	}
	return nil
}

// submissionRow is what a submit reads, in one statement: the user's application, its policy,
// the applicant behind the user (PersonID NULL: not registered) and the counts of the limits.
type submissionRow struct {
	row
	Policy    policyRow         `db:"pol"`
	Applicant nullableApplicant `db:"ap"`
	// PersonUsed is personUsedTimes(policy, applicant, 0); GrantLive is countGrantKey of the
	// applicant's subsidy key (subsidies only, else 0); BorrowerUsed is usedTimes(policy,
	// borrower key, this application) when the borrower is not the applicant (else 0).
	PersonUsed   int `db:"person_used"`
	GrantLive    int `db:"grant_live"`
	BorrowerUsed int `db:"borrower_used"`
}

// nullableApplicant is applicant read through LEFT JOINs.
type nullableApplicant struct {
	PersonID     sql.NullInt64  `db:"person_id"`
	Name         sql.NullString `db:"name"`
	TownshipCode sql.NullString `db:"township_code"`
	Intention    sql.NullString `db:"intention"`
	USCC         sql.NullString `db:"uscc"`
	StartedOn    *time.Time     `db:"business_started_on"`
	PhoneEnc     []byte         `db:"phone_enc"`
	// PrivacyVersion is the user's accepted privacy-policy version (privacy.Check).
	PrivacyVersion sql.NullString `db:"privacy_version"`
}

// applicant is the registered person, or nil when the user has none (getApplicant's
// errNotRegistered).
func (n nullableApplicant) applicant() *applicant {
	if !n.PersonID.Valid {
		return nil
	}
	return &applicant{PersonID: n.PersonID.Int64, Name: n.Name.String, TownshipCode: n.TownshipCode.String,
		Intention: n.Intention.String, USCC: n.USCC, StartedOn: n.StartedOn, PhoneEnc: n.PhoneEnc, PrivacyVersion: n.PrivacyVersion}
}

// getSubmission reads the user's application with everything its submit checks, in one
// statement: the same values as ownRow, getPolicy, getApplicant, personUsedTimes, countGrantKey
// and usedTimes would read one by one (the applicant is the person behind the user, as in
// getApplicant; the subqueries use the same indexes as those functions).
func getSubmission(ctx context.Context, q sqlx.QueryerContext, userID, id int64) (submissionRow, error) {
	in, states := grantedIn()
	var args []any
	args = append(args, states...)
	args = append(args, KindSubsidy)
	args = append(args, states...)
	args = append(args, id, userID)
	var r submissionRow
	err := sqlx.GetContext(ctx, q, &r, `SELECT `+appColumns+`,
		sp.code AS "pol.code", sp.kind AS "pol.kind", sp.name AS "pol.name", sp.description AS "pol.description",
		sp.amount_fen AS "pol.amount_fen", sp.cap_individual_fen AS "pol.cap_individual_fen",
		sp.cap_enterprise_fen AS "pol.cap_enterprise_fen", sp.max_times AS "pol.max_times", sp.window_days AS "pol.window_days",
		sp.materials AS "pol.materials", sp.is_open AS "pol.is_open",
		ar.person_id AS "ap.person_id", ap.name AS "ap.name", ar.township_code AS "ap.township_code", ar.intention AS "ap.intention",
		ar.uscc AS "ap.uscc", ar.business_started_on AS "ap.business_started_on", ap.phone_enc AS "ap.phone_enc",
		au.privacy_version AS "ap.privacy_version",
		(SELECT COUNT(*) FROM applications x WHERE x.person_id = ar.person_id AND x.policy_code = a.policy_code
			AND x.status IN (`+in+`)) AS person_used,
		CASE WHEN sp.kind = ? THEN (SELECT COUNT(*) FROM applications x
			WHERE x.grant_key = CONCAT(a.policy_code, ':', ar.person_id)) ELSE 0 END AS grant_live,
		CASE WHEN a.borrower_key <> CONCAT('P:', ar.person_id) THEN (SELECT COUNT(*) FROM applications x
			WHERE x.policy_code = a.policy_code AND x.borrower_key = a.borrower_key AND x.status IN (`+in+`) AND x.id <> a.id)
			ELSE 0 END AS borrower_used`+appFrom+`
		LEFT JOIN persons ap ON ap.user_id = a.user_id LEFT JOIN returnees ar ON ar.person_id = ap.id
		LEFT JOIN users au ON au.id = a.user_id
		WHERE a.id = ? AND a.user_id = ?`, args...)
	if errors.Is(err, sql.ErrNoRows) {
		return submissionRow{}, ErrNotFound
	}
	if err != nil {
		return submissionRow{}, fmt.Errorf("application: submission: %w", err)
	}
	return r, nil
}

// getApplicant returns the registered person behind a user, or errNotRegistered.
func getApplicant(ctx context.Context, q sqlx.QueryerContext, userID int64) (*applicant, error) {
	var a applicant
	err := sqlx.GetContext(ctx, q, &a, `SELECT p.id AS person_id, p.name, r.township_code, r.intention, r.uscc, r.business_started_on, p.phone_enc,
		u.privacy_version
		FROM persons p JOIN returnees r ON r.person_id = p.id JOIN users u ON u.id = p.user_id WHERE p.user_id = ?`, userID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNotRegistered
	}
	if err != nil {
		return nil, fmt.Errorf("application: applicant: %w", err)
	}
	return &a, nil
}

// applicant is the registered person behind a user.
type applicant struct {
	PersonID     int64          `db:"person_id"`
	Name         string         `db:"name"`
	TownshipCode string         `db:"township_code"`
	Intention    string         `db:"intention"`
	USCC         sql.NullString `db:"uscc"`
	StartedOn    *time.Time     `db:"business_started_on"`
	PhoneEnc     []byte         `db:"phone_enc"`
	// PrivacyVersion is the user's accepted privacy-policy version: a bank account needs the
	// current one (privacy.Check).
	PrivacyVersion sql.NullString `db:"privacy_version"`
}

const policyColumns = `code, kind, name, description, amount_fen, cap_individual_fen, cap_enterprise_fen, max_times, window_days, materials, is_open`

type policyRow struct {
	Code             string `db:"code"`
	Kind             string `db:"kind"`
	Name             string `db:"name"`
	Description      string `db:"description"`
	AmountFen        *int64 `db:"amount_fen"`
	CapIndividualFen *int64 `db:"cap_individual_fen"`
	CapEnterpriseFen *int64 `db:"cap_enterprise_fen"`
	MaxTimes         int    `db:"max_times"`
	WindowDays       *int   `db:"window_days"`
	Materials        []byte `db:"materials"`
	Open             bool   `db:"is_open"`
}

// policy converts the row; unreadable materials are an error, never "no materials required".
func (r policyRow) policy() (Policy, error) {
	p := Policy{Code: r.Code, Kind: r.Kind, Name: r.Name, Description: r.Description, AmountFen: r.AmountFen,
		CapIndividualFen: r.CapIndividualFen, CapEnterpriseFen: r.CapEnterpriseFen, MaxTimes: r.MaxTimes,
		WindowDays: r.WindowDays, Open: r.Open, Materials: []Material{}}
	if err := json.Unmarshal(r.Materials, &p.Materials); err != nil {
		return Policy{}, fmt.Errorf("application: policy %s: materials: %w", r.Code, err)
	}
	return p, nil
}

func getPolicy(ctx context.Context, q sqlx.QueryerContext, code string) (policyRow, error) {
	var r policyRow
	err := sqlx.GetContext(ctx, q, &r, `SELECT `+policyColumns+` FROM support_policies WHERE code = ?`, code)
	if errors.Is(err, sql.ErrNoRows) {
		return policyRow{}, ErrPolicyUnknown
	}
	if err != nil {
		return policyRow{}, fmt.Errorf("application: policy: %w", err)
	}
	return r, nil
}

func listPolicies(ctx context.Context, q sqlx.QueryerContext) ([]policyRow, error) {
	var rows []policyRow
	if err := sqlx.SelectContext(ctx, q, &rows, `SELECT `+policyColumns+` FROM support_policies ORDER BY sort_order, code`); err != nil {
		return nil, fmt.Errorf("application: policies: %w", err)
	}
	return rows, nil
}

// usedTimes counts the approved or disbursed applications of a policy by a borrower (an
// enterprise's key E:<USCC>, whoever applied for it).
func usedTimes(ctx context.Context, q sqlx.QueryerContext, policy, borrowerKey string, exceptID int64) (int, error) {
	var n int
	in, states := grantedIn()
	err := sqlx.GetContext(ctx, q, &n, `SELECT COUNT(*) FROM applications WHERE policy_code = ? AND borrower_key = ?
		AND status IN (`+in+`) AND id <> ?`, append(append([]any{policy, borrowerKey}, states...), exceptID)...)
	if err != nil {
		return 0, fmt.Errorf("application: used times: %w", err)
	}
	return n, nil
}

// personUsedTimes counts the approved or disbursed applications of a policy by a person, as an
// individual or for any enterprise: inventing enterprises does not lift a person's limit.
func personUsedTimes(ctx context.Context, q sqlx.QueryerContext, policy string, personID, exceptID int64) (int, error) {
	var n int
	in, states := grantedIn()
	err := sqlx.GetContext(ctx, q, &n, `SELECT COUNT(*) FROM applications WHERE person_id = ? AND policy_code = ?
		AND status IN (`+in+`) AND id <> ?`, append(append([]any{personID, policy}, states...), exceptID)...)
	if err != nil {
		return 0, fmt.Errorf("application: used times: %w", err)
	}
	return n, nil
}

// grantedIn is the placeholders and arguments of "status IN (...)" for the granted states.
func grantedIn() (string, []any) {
	states := GrantedStates()
	args := make([]any, len(states))
	for i, v := range states {
		args[i] = v
	}
	return placeholders(len(states)), args
}

// countGrantKey counts the live applications holding a subsidy's once-per-person place.
func countGrantKey(ctx context.Context, q sqlx.QueryerContext, grantKey string) (int, error) {
	var n int
	if err := sqlx.GetContext(ctx, q, &n, `SELECT COUNT(*) FROM applications WHERE grant_key = ?`, grantKey); err != nil {
		return 0, fmt.Errorf("application: live subsidies: %w", err)
	}
	return n, nil
}

// insertDraft adds a draft application and returns its id.
func insertDraft(ctx context.Context, x sqlx.ExtContext, p Policy, userID int64, a *applicant, f form, bankEnc, phoneEnc any, now time.Time) (int64, error) {
	res, err := x.ExecContext(ctx, `INSERT INTO applications (policy_code, policy_kind, user_id, person_id, township_code, status,
		borrower_type, enterprise_name, enterprise_uscc, borrower_key, amount_fen, term_months, purpose, bank_name,
		bank_account_enc, contact_phone_enc, jobs_created, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, 'draft', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		p.Code, p.Kind, userID, a.PersonID, a.TownshipCode, f.BorrowerType, f.EnterpriseName, f.USCC, f.BorrowerKey,
		f.AmountFen, f.TermMonths, f.Purpose, f.BankName, bankEnc, phoneEnc,
		f.JobsCreated, now, now)
	if err != nil {
		return 0, fmt.Errorf("application: create: %w", err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, fmt.Errorf("application: create: %w", err)
	}
	return id, nil
}

// versionStatus is an application's version and status.
type versionStatus struct {
	Version int    `db:"version"`
	Status  string `db:"status"`
}

// lockOwn locks the user's application until tx ends (a *sqlx.Tx: FOR UPDATE needs one) and
// returns its version and status.
func lockOwn(ctx context.Context, tx *sqlx.Tx, id, userID int64) (versionStatus, error) {
	var cur versionStatus
	err := tx.GetContext(ctx, &cur, `SELECT version, status FROM applications WHERE id = ? AND user_id = ? FOR UPDATE`, id, userID)
	if errors.Is(err, sql.ErrNoRows) {
		return versionStatus{}, ErrNotFound
	}
	if err != nil {
		return versionStatus{}, fmt.Errorf("application: lock: %w", err)
	}
	return cur, nil
}

// currentVersionStatus reads an application's version and status.
func currentVersionStatus(ctx context.Context, q sqlx.QueryerContext, id int64) (versionStatus, error) {
	var cur versionStatus
	err := sqlx.GetContext(ctx, q, &cur, `SELECT version, status FROM applications WHERE id = ?`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return versionStatus{}, ErrNotFound
	}
	if err != nil {
		return versionStatus{}, fmt.Errorf("application: why not: %w", err)
	}
	return cur, nil
}

// updateForm writes a validated form over the user's application at version.
func updateForm(ctx context.Context, x sqlx.ExtContext, id, userID int64, version int, f form, bankEnc, phoneEnc any, now time.Time) error {
	_, err := x.ExecContext(ctx, `UPDATE applications SET borrower_type = ?, enterprise_name = ?, enterprise_uscc = ?, borrower_key = ?,
		amount_fen = ?, term_months = ?, purpose = ?, bank_name = ?, bank_account_enc = ?, contact_phone_enc = ?, jobs_created = ?,
		updated_at = ?, version = version + 1
		WHERE id = ? AND user_id = ? AND version = ?`,
		f.BorrowerType, f.EnterpriseName, f.USCC, f.BorrowerKey, f.AmountFen, f.TermMonths, f.Purpose, f.BankName,
		bankEnc, phoneEnc, f.JobsCreated, now, id, userID, version)
	if err != nil {
		return fmt.Errorf("application: update: %w", err)
	}
	return nil
}

// listQueue counts the applications matching where and returns page pr of them, oldest
// submission first.
func listQueue(ctx context.Context, x sqlx.QueryerContext, where string, args []any, pr sqldb.PageRequest) (int, []row, error) {
	var total int
	if err := sqlx.GetContext(ctx, x, &total, `SELECT COUNT(*) FROM applications a WHERE `+where, args...); err != nil {
		return 0, nil, fmt.Errorf("application: count: %w", err)
	}
	var rows []row
	err := sqlx.SelectContext(ctx, x, &rows, selectApp+` WHERE `+where+` ORDER BY a.submitted_at, a.id LIMIT ? OFFSET ?`,
		append(slices.Clip(args), pr.Limit(), pr.Offset())...)
	if err != nil {
		return 0, nil, fmt.Errorf("application: list: %w", err)
	}
	return total, rows, nil
}

// bucketRow is one group of the statistics.
type bucketRow struct {
	Key          string `db:"k"`
	Status       string `db:"status"`
	Count        int    `db:"n"`
	AmountFen    int64  `db:"amount"`
	DisbursedFen int64  `db:"disbursed"`
}

func (r bucketRow) bucket() Bucket {
	return Bucket{Key: r.Key, Status: r.Status, Count: r.Count, AmountFen: r.AmountFen, DisbursedFen: r.DisbursedFen}
}

// statsOf counts and sums the applications matching where by policy and status, by township
// and by month of submission in Beijing time.
func statsOf(ctx context.Context, x sqlx.QueryerContext, where string, args []any) (Stats, error) {
	const sums = `COUNT(*) AS n, COALESCE(SUM(a.amount_fen), 0) AS amount, COALESCE(SUM(a.disbursed_fen), 0) AS disbursed`
	out := Stats{}
	for _, q := range []struct {
		dst *[]Bucket
		sql string
	}{
		{&out.ByPolicyStatus, `SELECT a.policy_code AS k, a.status, ` + sums + ` FROM applications a WHERE ` + where + ` GROUP BY a.policy_code, a.status ORDER BY a.policy_code, a.status`},
		{&out.ByTownship, `SELECT a.township_code AS k, '' AS status, ` + sums + ` FROM applications a WHERE ` + where + ` GROUP BY a.township_code ORDER BY a.township_code`},
		{&out.ByMonth, `SELECT DATE_FORMAT(CONVERT_TZ(a.submitted_at, '+00:00', '` + cn.ZoneOffset + `'), '%Y-%m') AS k, '' AS status, ` + sums +
			` FROM applications a WHERE ` + where + ` AND a.submitted_at IS NOT NULL GROUP BY k ORDER BY k`},
	} {
		var rows []bucketRow
		if err := sqlx.SelectContext(ctx, x, &rows, q.sql, args...); err != nil {
			return Stats{}, fmt.Errorf("application: stats: %w", err)
		}
		*q.dst = make([]Bucket, 0, len(rows))
		for _, r := range rows {
			*q.dst = append(*q.dst, r.bucket())
		}
	}
	return out, nil
}
