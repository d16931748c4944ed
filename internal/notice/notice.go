// Package notice is staff notices (通知) pushed to an audience: a department drafts one — title,
// push summary, body, linked policy or page, and an audience rule (internal/audience) — a
// district administrator approves it (another account: MySQL refuses the same one), and the
// fan-out writes one inbox message per person in batches that resume where they stopped.
package notice

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"huixiang/internal/actor"
	"huixiang/internal/audience"
	"huixiang/internal/audit"
	"huixiang/internal/cn"
	"huixiang/internal/notify"
	"huixiang/internal/sqldb"
)

// Statuses.
const (
	StatusDraft     = "draft"
	StatusApproved  = "approved"
	StatusSending   = "sending"
	StatusSent      = "sent"
	StatusCancelled = "cancelled"
)

// Errors callers branch on.
var (
	ErrNotFound = errors.New("notice: not found")
	// ErrSameReviewer: the account that drafted a notice tried to approve it.
	ErrSameReviewer = errors.New("notice: the drafter cannot approve")
	// ErrNotDraft: approving a notice that is not a draft.
	ErrNotDraft = errors.New("notice: not a draft")
	// ErrTooLate: cancelling a notice whose sending has begun.
	ErrTooLate = errors.New("notice: sending has begun")
)

// FieldError names an invalid field of the form.
type FieldError struct {
	Field   string
	Message string // Chinese, for the form
}

func (e *FieldError) Error() string { return "notice: " + e.Field + ": " + e.Message }

// Input is what a clerk drafts.
type Input struct {
	Title       string          `json:"title"`
	PushSummary string          `json:"push_summary"`
	Body        string          `json:"body"`
	PolicyID    *int64          `json:"policy_id"`
	Page        string          `json:"page"`
	Rule        json.RawMessage `json:"rule"`
	SendAt      *time.Time      `json:"send_at"`
}

// Limits of the form: a subscribe message's thing field holds 20 characters.
const (
	MaxTitle       = 40
	MaxPushSummary = 20
	MaxBody        = 1000
	// BatchSize is how many people one fan-out transaction writes.
	BatchSize = 500
)

// PolicyPage is the mini-program page a notice about a policy opens.
const PolicyPage = "pages/policy/policy?id=%d"

// Notice is a notice with its delivery report.
type Notice struct {
	ID          int64           `json:"id"`
	Status      string          `json:"status"`
	Title       string          `json:"title"`
	PushSummary string          `json:"push_summary"`
	Body        string          `json:"body"`
	PolicyID    *int64          `json:"policy_id"`
	Page        string          `json:"page"`
	Rule        json.RawMessage `json:"rule"`
	SendAt      *time.Time      `json:"send_at"`
	DraftedBy   int64           `json:"drafted_by"`
	ApprovedBy  *int64          `json:"approved_by"`
	ApprovedAt  *time.Time      `json:"approved_at"`
	Version     int             `json:"version"`
	CreatedAt   time.Time       `json:"created_at"`
	Report      Report          `json:"report"`
}

// Report is how a notice reached its audience, live while it is sent.
type Report struct {
	// Audience is how many people the rule selected when it was approved.
	Audience *int `json:"audience"`
	// Inbox: messages written; NoAccount: people without a mini-program account yet; Read: of
	// the inbox messages, those opened.
	Inbox      int        `json:"inbox_written"`
	NoAccount  int        `json:"no_account"`
	Read       int        `json:"read"`
	StartedAt  *time.Time `json:"started_at"`
	FinishedAt *time.Time `json:"finished_at"`
	// Pushes is how the WeChat pushes went (the inbox message is written whatever they do).
	Pushes PushReport `json:"pushes"`
}

// PushReport counts a notice's WeChat pushes.
type PushReport struct {
	// SubscribeSent and OASent: accepted by WeChat as a subscribe message or an official-account
	// template message (and not reported undelivered since).
	SubscribeSent int `json:"subscribe_sent"`
	OASent        int `json:"oa_sent"`
	// Sending: due now and waiting for the send rate, or in flight.
	Sending int        `json:"sending"`
	Skipped SkipReport `json:"skipped"`
	// Failed: WeChat refused them, gave no answer, or reported them undelivered. Resend retries.
	Failed int `json:"failed"`
}

// SkipReport counts the pushes not sent, by reason.
type SkipReport struct {
	// NoConsent: no subscribe consent and not a follower of the official account.
	NoConsent int `json:"no_consent"`
	// QuietHours: waiting for the end of the quiet hours (they go then).
	QuietHours int `json:"quiet_hours"`
	// Cap: the person had the week's number of pushes already.
	Cap int `json:"cap"`
	// TurnedOff: the person turned pushes off.
	TurnedOff int `json:"turned_off"`
}

// Service keeps notices.
type Service struct {
	db  *sqlx.DB
	now func() time.Time
	// push: the fan-out also writes WeChat pushes, due after quiet (see WithPushes).
	push  bool
	quiet notify.Quiet
}

// WithPushes makes the fan-out write a WeChat push beside each inbox message, due outside the
// quiet hours q; the notify Worker sends them.
func (s *Service) WithPushes(q notify.Quiet) *Service {
	s.push, s.quiet = true, q
	return s
}

// NewService returns notices on db (now: time.Now when nil).
func NewService(db *sqlx.DB, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{db: db, now: now}
}

func (s *Service) check(ctx context.Context, in *Input) error {
	in.Title, in.PushSummary, in.Body, in.Page = strings.TrimSpace(in.Title), strings.TrimSpace(in.PushSummary),
		strings.TrimSpace(in.Body), strings.TrimSpace(in.Page)
	switch {
	case in.Title == "":
		return &FieldError{"title", "请填写标题"}
	case utf8.RuneCountInString(in.Title) > MaxTitle:
		return &FieldError{"title", fmt.Sprintf("标题最多 %d 个字", MaxTitle)}
	case in.PushSummary == "":
		return &FieldError{"push_summary", "请填写推送摘要（微信消息里显示的一句话）"}
	case utf8.RuneCountInString(in.PushSummary) > MaxPushSummary:
		return &FieldError{"push_summary", fmt.Sprintf("推送摘要最多 %d 个字（微信的限制）", MaxPushSummary)}
	case utf8.RuneCountInString(in.Body) > MaxBody:
		return &FieldError{"body", fmt.Sprintf("正文最多 %d 个字", MaxBody)}
	case in.Page != "" && (len(in.Page) > 255 || !strings.HasPrefix(in.Page, "pages/")):
		return &FieldError{"page", "小程序页面应以 pages/ 开头"}
	case len(in.Rule) == 0 || string(in.Rule) == "null":
		return &FieldError{"rule", "请设定发送对象"}
	case in.SendAt != nil && in.SendAt.Before(s.now().Add(-time.Minute)):
		return &FieldError{"send_at", "定时发送的时间已经过了"}
	}
	if _, err := audience.Parse(in.Rule); err != nil {
		return err
	}
	if in.PolicyID != nil {
		var ok bool
		if err := sqlx.GetContext(ctx, s.db, &ok, `SELECT EXISTS (SELECT 1 FROM policies WHERE id = ? AND status = 'published')`, *in.PolicyID); err != nil {
			return fmt.Errorf("notice: check policy: %w", err)
		}
		if !ok {
			return &FieldError{"policy_id", "关联的政策不存在或没有发布"}
		}
		if in.Page == "" {
			in.Page = fmt.Sprintf(PolicyPage, *in.PolicyID)
		}
	}
	return nil
}

// Draft saves a new notice as a draft by staff member staffID.
func (s *Service) Draft(ctx context.Context, staffID int64, in Input) (*Notice, error) {
	if err := s.check(ctx, &in); err != nil {
		return nil, err
	}
	now := s.now().UTC()
	var sendAt any
	if in.SendAt != nil {
		sendAt = in.SendAt.UTC()
	}
	res, err := s.db.ExecContext(ctx, `INSERT INTO notices (title, push_summary, body, policy_id, page, rule, send_at,
			drafted_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		in.Title, in.PushSummary, in.Body, in.PolicyID, in.Page, string(in.Rule), sendAt, staffID, now, now)
	if err != nil {
		return nil, fmt.Errorf("notice: insert: %w", err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, id)
}

type row struct {
	ID          int64        `db:"id"`
	Status      string       `db:"status"`
	Title       string       `db:"title"`
	PushSummary string       `db:"push_summary"`
	Body        string       `db:"body"`
	PolicyID    *int64       `db:"policy_id"`
	Page        string       `db:"page"`
	Rule        []byte       `db:"rule"`
	SendAt      sql.NullTime `db:"send_at"`
	DraftedBy   int64        `db:"drafted_by"`
	ApprovedBy  *int64       `db:"approved_by"`
	ApprovedAt  sql.NullTime `db:"approved_at"`
	Audience    *int         `db:"audience_count"`
	Cursor      uint64       `db:"cursor_person_id"`
	StartedAt   sql.NullTime `db:"fanout_started_at"`
	FinishedAt  sql.NullTime `db:"fanout_done_at"`
	Version     int          `db:"version"`
	CreatedAt   time.Time    `db:"created_at"`
}

const columns = `id, status, title, push_summary, body, policy_id, page, rule, send_at, drafted_by, approved_by, approved_at,
	audience_count, cursor_person_id, fanout_started_at, fanout_done_at, version, created_at`

func timeOf(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	return &t.Time
}

func (r *row) notice() *Notice {
	return &Notice{ID: r.ID, Status: r.Status, Title: r.Title, PushSummary: r.PushSummary, Body: r.Body, PolicyID: r.PolicyID,
		Page: r.Page, Rule: json.RawMessage(r.Rule), SendAt: timeOf(r.SendAt), DraftedBy: r.DraftedBy, ApprovedBy: r.ApprovedBy,
		ApprovedAt: timeOf(r.ApprovedAt), Version: r.Version, CreatedAt: r.CreatedAt,
		Report: Report{Audience: r.Audience, StartedAt: timeOf(r.StartedAt), FinishedAt: timeOf(r.FinishedAt)}}
}

func getRow(ctx context.Context, db sqlx.QueryerContext, id int64, lock string) (*row, error) {
	var r row
	err := sqlx.GetContext(ctx, db, &r, `SELECT `+columns+` FROM notices WHERE id = ?`+lock, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("notice: get %d: %w", id, err)
	}
	return &r, nil
}

// Get is a notice with its report.
func (s *Service) Get(ctx context.Context, id int64) (*Notice, error) {
	r, err := getRow(ctx, s.db, id, "")
	if err != nil {
		return nil, err
	}
	n := r.notice()
	if err := s.fillReports(ctx, []*Notice{n}); err != nil {
		return nil, err
	}
	return n, nil
}

// fillReports counts the reports of ns in three queries, whatever their number.
func (s *Service) fillReports(ctx context.Context, ns []*Notice) error {
	if len(ns) == 0 {
		return nil
	}
	byID := make(map[int64]*Notice, len(ns))
	ids := make([]int64, 0, len(ns))
	for _, n := range ns {
		byID[n.ID] = n
		ids = append(ids, n.ID)
	}
	var counts []struct {
		ID     int64  `db:"notice_id"`
		Status string `db:"status"`
		N      int    `db:"n"`
	}
	q, args, err := sqlx.In(`SELECT notice_id, status, COUNT(*) AS n FROM notice_deliveries WHERE notice_id IN (?) GROUP BY notice_id, status`, ids)
	if err != nil {
		return err
	}
	if err := sqlx.SelectContext(ctx, s.db, &counts, q, args...); err != nil {
		return fmt.Errorf("notice: reports: %w", err)
	}
	for _, c := range counts {
		switch c.Status {
		case "inbox":
			byID[c.ID].Report.Inbox = c.N
		case "no_account":
			byID[c.ID].Report.NoAccount = c.N
		}
	}
	var reads []struct {
		ID int64 `db:"ref_id"`
		N  int   `db:"n"`
	}
	q, args, err = sqlx.In(`SELECT ref_id, COUNT(*) AS n FROM inbox_messages
		WHERE ref_type = 'notice' AND ref_id IN (?) AND read_at IS NOT NULL GROUP BY ref_id`, ids)
	if err != nil {
		return err
	}
	if err := sqlx.SelectContext(ctx, s.db, &reads, q, args...); err != nil {
		return fmt.Errorf("notice: read counts: %w", err)
	}
	for _, r := range reads {
		byID[r.ID].Report.Read = r.N
	}
	return s.pushReports(ctx, ids, byID)
}

// pushReports counts the notices' pushes by outcome.
func (s *Service) pushReports(ctx context.Context, ids []int64, byID map[int64]*Notice) error {
	var rows []struct {
		ID          int64  `db:"notice_id"`
		Status      string `db:"status"`
		Channel     string `db:"channel"`
		Skip        string `db:"skip_reason"`
		Undelivered bool   `db:"undelivered"`
		Later       bool   `db:"later"`
		N           int    `db:"n"`
	}
	q, args, err := sqlx.In(`SELECT notice_id, status, COALESCE(channel, '') AS channel, COALESCE(skip_reason, '') AS skip_reason,
			delivery_error IS NOT NULL AS undelivered, (status = 'pending' AND next_attempt_at > ? AND last_error IS NULL) AS later, COUNT(*) AS n
		FROM outbox WHERE notice_id IN (?) GROUP BY 1, 2, 3, 4, 5, 6`, s.now().UTC(), ids)
	if err != nil {
		return err
	}
	if err := sqlx.SelectContext(ctx, s.db, &rows, q, args...); err != nil {
		return fmt.Errorf("notice: push reports: %w", err)
	}
	for _, c := range rows {
		r := &byID[c.ID].Report.Pushes
		switch {
		case c.Status == "dead" || c.Undelivered:
			r.Failed += c.N
		case c.Status == "sent" && c.Channel == notify.ChannelOA:
			r.OASent += c.N
		case c.Status == "sent":
			r.SubscribeSent += c.N
		case c.Status == "skipped" && c.Skip == notify.SkipCap:
			r.Skipped.Cap += c.N
		case c.Status == "skipped" && c.Skip == notify.SkipTurnedOff:
			r.Skipped.TurnedOff += c.N
		case c.Status == "skipped":
			r.Skipped.NoConsent += c.N
		case c.Later: // written or claimed at night, not yet due; a retry after a failure has a last error
			r.Skipped.QuietHours += c.N
		default:
			r.Sending += c.N
		}
	}
	return nil
}

// Resend puts the notice's failed pushes back to be sent (outside the quiet hours) and writes
// the audit entry, in one transaction; it returns how many. A missing notice is ErrNotFound.
func (s *Service) Resend(ctx context.Context, by actor.Actor, id int64) (int, error) {
	now := s.now().UTC()
	var n int64
	err := sqldb.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		if _, err := getRow(ctx, tx, id, " FOR UPDATE"); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = ?, channel = NULL,
				skip_reason = NULL, delivery_error = NULL, wx_msgid = NULL, last_error = NULL, lease_owner = NULL, lease_until = NULL,
				send_started_at = NULL, sent_at = NULL, updated_at = ?
			WHERE notice_id = ? AND (status = 'dead' OR delivery_error IS NOT NULL)`, s.quiet.Next(now), now, id)
		if err != nil {
			return fmt.Errorf("notice: resend %d: %w", id, err)
		}
		n, _ = res.RowsAffected()
		e := by.AuditID("notice.resend", "notice", id)
		e.Detail = map[string]any{"pushes": n}
		return audit.Write(ctx, tx, e)
	})
	return int(n), err
}

// List is the notices, the newest first.
func (s *Service) List(ctx context.Context, status string, page sqldb.PageRequest) (sqldb.Page[Notice], error) {
	cond, args := "", []any{}
	if status != "" {
		cond, args = " WHERE status = ?", append(args, status)
	}
	var total int
	if err := sqlx.GetContext(ctx, s.db, &total, `SELECT COUNT(*) FROM notices`+cond, args...); err != nil {
		return sqldb.Page[Notice]{}, fmt.Errorf("notice: count: %w", err)
	}
	var rows []row
	if err := sqlx.SelectContext(ctx, s.db, &rows, `SELECT `+columns+` FROM notices`+cond+`
		ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`, append(args, page.Limit(), page.Offset())...); err != nil {
		return sqldb.Page[Notice]{}, fmt.Errorf("notice: list: %w", err)
	}
	items := make([]Notice, len(rows))
	ptrs := make([]*Notice, len(rows))
	for i := range rows {
		items[i] = *rows[i].notice()
		ptrs[i] = &items[i]
	}
	if err := s.fillReports(ctx, ptrs); err != nil {
		return sqldb.Page[Notice]{}, err
	}
	return sqldb.NewPage(page, items, total), nil
}

func today(t time.Time) time.Time {
	y, m, d := t.In(cn.Zone).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// Approve approves a draft for sending (at its send_at, or at once) by staff member staffID,
// who must not be the one who drafted it: the UPDATE's condition and the table's CHECK both
// refuse that. The audience is counted for the report.
func (s *Service) Approve(ctx context.Context, staffID, id int64) (*Notice, error) {
	r, err := getRow(ctx, s.db, id, "")
	if err != nil {
		return nil, err
	}
	if r.DraftedBy == staffID {
		return nil, ErrSameReviewer
	}
	rule, err := audience.Parse(r.Rule)
	if err != nil {
		return nil, fmt.Errorf("notice: rule of %d: %w", id, err)
	}
	count, err := audience.Count(ctx, s.db, rule, today(s.now()))
	if err != nil {
		return nil, err
	}
	res, err := s.db.ExecContext(ctx, `UPDATE notices SET status = 'approved', approved_by = ?, approved_at = ?, audience_count = ?,
			version = version + 1, updated_at = ?
		WHERE id = ? AND status = 'draft' AND drafted_by <> ?`, staffID, s.now().UTC(), count, s.now().UTC(), id, staffID)
	if err != nil {
		return nil, fmt.Errorf("notice: approve %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil, ErrNotDraft
	}
	return s.Get(ctx, id)
}

// Cancel stops a notice before its sending begins.
func (s *Service) Cancel(ctx context.Context, staffID, id int64) (*Notice, error) {
	res, err := s.db.ExecContext(ctx, `UPDATE notices SET status = 'cancelled', cancelled_by = ?, version = version + 1, updated_at = ?
		WHERE id = ? AND status IN ('draft', 'approved')`, staffID, s.now().UTC(), id)
	if err != nil {
		return nil, fmt.Errorf("notice: cancel %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		r, err := getRow(ctx, s.db, id, "")
		if err != nil {
			return nil, err
		}
		if r.Status != StatusCancelled {
			return nil, ErrTooLate
		}
	}
	return s.Get(ctx, id)
}

// StartDue marks the approved notices whose time has come as sending and returns their ids
// with those already sending (a fan-out a crash interrupted): the ones to fan out.
func (s *Service) StartDue(ctx context.Context) ([]int64, error) {
	now := s.now().UTC()
	if _, err := s.db.ExecContext(ctx, `UPDATE notices SET status = 'sending', fanout_started_at = ?, updated_at = ?
		WHERE status = 'approved' AND (send_at IS NULL OR send_at <= ?)`, now, now, now); err != nil {
		return nil, fmt.Errorf("notice: start due: %w", err)
	}
	ids := []int64{}
	if err := sqlx.SelectContext(ctx, s.db, &ids, `SELECT id FROM notices WHERE status = 'sending' ORDER BY id`); err != nil {
		return nil, fmt.Errorf("notice: sending: %w", err)
	}
	return ids, nil
}

// Fanout writes a sending notice to its audience, batch by batch from where it stopped, until
// done (then the notice is sent). afterBatch, when set, runs after each committed batch; its
// error stops the fan-out there (tests use it to stop one midway).
func (s *Service) Fanout(ctx context.Context, id int64, batch int, afterBatch func() error) error {
	for {
		done, err := s.fanoutBatch(ctx, id, batch)
		if err != nil || done {
			return err
		}
		if afterBatch != nil {
			if err := afterBatch(); err != nil {
				return err
			}
		}
	}
}

// fanoutBatch writes the next batch in one transaction under the notice's row lock: replicas
// running the same notice take turns and never write a batch twice.
func (s *Service) fanoutBatch(ctx context.Context, id int64, batch int) (done bool, err error) {
	err = sqldb.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		r, err := getRow(ctx, tx, id, " FOR UPDATE")
		if err != nil {
			return err
		}
		if r.Status != StatusSending {
			done = true
			return nil
		}
		rule, err := audience.Parse(r.Rule)
		if err != nil {
			return fmt.Errorf("notice: rule of %d: %w", id, err)
		}
		started := r.CreatedAt
		if r.StartedAt.Valid {
			started = r.StartedAt.Time
		}
		reach, err := audience.Reaches(ctx, tx, rule, today(started), r.Cursor, batch)
		if err != nil {
			return err
		}
		now := s.now().UTC()
		if len(reach) > 0 {
			var msgs []notify.Notification
			var pushes []notify.Push
			args := make([]any, 0, 5*len(reach))
			for _, p := range reach {
				status := "no_account"
				var user any
				if p.UserID > 0 {
					status, user = "inbox", p.UserID
					msgs = append(msgs, notify.Notification{UserID: p.UserID, Kind: "notice", Title: r.Title, Body: r.Body, Page: r.Page,
						RefType: "notice", RefID: id, DedupKey: fmt.Sprintf("notice:%d:%d", id, p.PersonID)})
					pushes = append(pushes, notify.Push{UserID: p.UserID, NoticeID: id, DedupKey: fmt.Sprintf("notice:%d:%d", id, p.PersonID),
						Page: r.Page, Title: r.Title, Summary: r.PushSummary})
				}
				args = append(args, id, p.PersonID, user, status, now)
			}
			if err := notify.EnqueueInbox(ctx, tx, msgs); err != nil {
				return err
			}
			if s.push {
				if err := notify.EnqueuePushes(ctx, tx, pushes, now, s.quiet.Next(now)); err != nil {
					return err
				}
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO notice_deliveries (notice_id, person_id, user_id, status, created_at) VALUES `+
				strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?), ", len(reach)), ", ")+` ON DUPLICATE KEY UPDATE status = status`, args...); err != nil {
				return fmt.Errorf("notice: deliveries: %w", err)
			}
		}
		done = len(reach) < batch
		if done {
			_, err = tx.ExecContext(ctx, `UPDATE notices SET status = 'sent', fanout_done_at = ?, updated_at = ? WHERE id = ?`, now, now, id)
		} else {
			_, err = tx.ExecContext(ctx, `UPDATE notices SET cursor_person_id = ? WHERE id = ?`, reach[len(reach)-1].PersonID, id)
		}
		if err != nil {
			return fmt.Errorf("notice: move cursor: %w", err)
		}
		return nil
	})
	return done, err
}

// Loop fans out the due notices every interval until ctx ends: every replica may run it (the
// batches take turns under the notice's row lock).
func (s *Service) Loop(ctx context.Context, every time.Duration, log *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		ids, err := s.StartDue(ctx)
		if err != nil && ctx.Err() == nil {
			log.Warn("notices: due", "error", err.Error())
		}
		for _, id := range ids {
			if err := s.Fanout(ctx, id, BatchSize, nil); err != nil && ctx.Err() == nil {
				log.Warn("notices: fan-out stopped; it resumes at the next round", "notice", id, "error", err.Error())
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// ProposeForPolicy drafts, in the transaction that first publishes a policy, a notice of it to
// the people its rule selects, for a district administrator to approve (政策找人): drafted by
// the publisher, so another account approves it.
func ProposeForPolicy(ctx context.Context, tx sqlx.ExtContext, staffID, policyID int64, title, summary string, rule json.RawMessage, now time.Time) error {
	if len(rule) == 0 || string(rule) == "null" {
		return nil // no audience to propose to
	}
	push := []rune(strings.TrimSpace(summary))
	if len(push) == 0 {
		push = []rune(title)
	}
	if len(push) > MaxPushSummary {
		push = append(push[:MaxPushSummary-1], '…')
	}
	t := []rune(title)
	if len(t) > MaxTitle {
		t = append(t[:MaxTitle-1], '…')
	}
	body := []rune("新政策：" + title + "。" + summary)
	if len(body) > MaxBody {
		body = body[:MaxBody]
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO notices (title, push_summary, body, policy_id, page, rule, drafted_by, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, string(t), string(push), string(body), policyID, fmt.Sprintf(PolicyPage, policyID),
		string(rule), staffID, now, now); err != nil {
		return fmt.Errorf("notice: propose for policy %d: %w", policyID, err)
	}
	return nil
}
