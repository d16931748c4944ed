// Package notify tells users what happened to their business with us: every notification is a
// message in the user's in-app inbox and, when it names a subscribe template, a WeChat subscribe
// message sent through a MySQL outbox by a background Worker.
//
// Features call Enqueue inside the transaction that makes the change, so the change, its inbox
// message and its outbox row commit together or not at all. The mini program reports the
// templates a user accepted in wx.requestSubscribeMessage; each accepted template is one
// one-time consent, counted in subscription_consents and spent by one send.
package notify

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"huixiang/internal/audit"
	"huixiang/internal/cn"
	"huixiang/internal/sqldb"
)

// Errors.
var (
	// ErrNotFound: no such inbox message of this user, or no such outbox row.
	ErrNotFound = errors.New("notify: not found")
	// ErrInvalid: a Notification a feature built is malformed (a programming error).
	ErrInvalid = errors.New("notify: invalid notification")
	// ErrTooManyTemplates: a consent report names more templates than the mini program can ask for.
	ErrTooManyTemplates = errors.New("notify: too many templates")
	// ErrInvalidStatus: an outbox status filter that is not a status.
	ErrInvalidStatus = errors.New("notify: invalid outbox status")
	// ErrNotDead: only dead outbox rows can be retried by staff.
	ErrNotDead = errors.New("notify: outbox row is not dead")
)

// KindWeChatSubscribe is the outbox kind of WeChat subscribe messages.
const KindWeChatSubscribe = "wechat_subscribe"

// Outbox statuses.
const (
	StatusPending = "pending" // waiting for next_attempt_at
	StatusSending = "sending" // claimed by a worker until lease_until
	StatusSent    = "sent"    // WeChat accepted it
	StatusSkipped = "skipped" // the user has no consent left; the inbox message is all they get
	StatusDead    = "dead"    // given up; staff may retry
)

// DefaultConsentCap bounds the consents counted per user and template, so a script that reports
// "accepted" in a loop cannot buy unlimited pushes (WeChat itself counts real taps).
const DefaultConsentCap = 100

// maxTemplatesPerReport: wx.requestSubscribeMessage asks for at most 3 templates at once; a
// little slack for future versions, but a report is never a bulk call.
const maxTemplatesPerReport = 10

// Subscribe is the WeChat subscribe message that goes with a notification.
type Subscribe struct {
	TemplateID string
	// Data maps template keys (thing1, phrase2, time3...) to values within WeChat's limits.
	Data map[string]string
}

// Notification is one thing a user should know about.
type Notification struct {
	UserID int64
	// Kind groups messages for the mini program (e.g. application_status); [a-z0-9_], ≤ 32.
	Kind  string
	Title string // ≤ 100 characters
	Body  string // ≤ 1000 characters
	// Page is the mini-program page the message opens (pages/applications/detail?id=42).
	Page    string
	RefType string // e.g. application
	RefID   int64
	// DedupKey names the event ("app:42:status:approved:v3"): enqueueing it again is a no-op.
	DedupKey string
	// Template, when set, also sends a WeChat subscribe message (if the user has consent).
	Template *Subscribe
}

var (
	kindRE  = regexp.MustCompile(`^[a-z][a-z0-9_]{0,31}$`)
	asciiRE = regexp.MustCompile(`^[\x21-\x7e]+$`)
)

func (n Notification) validate() error {
	bad := func(what string) error { return fmt.Errorf("%w: %s", ErrInvalid, what) }
	switch {
	case n.UserID <= 0:
		return bad("user id")
	case !kindRE.MatchString(n.Kind):
		return bad("kind")
	case n.Title == "" || utf8.RuneCountInString(n.Title) > 100:
		return bad("title")
	case utf8.RuneCountInString(n.Body) > 1000:
		return bad("body")
	case len(n.Page) > 255:
		return bad("page")
	case n.RefType != "" && !kindRE.MatchString(n.RefType):
		return bad("ref type")
	case n.RefID < 0:
		return bad("ref id")
	case len(n.DedupKey) > 128 || !asciiRE.MatchString(n.DedupKey):
		return bad("dedup key (1-128 printable ASCII characters)")
	}
	if t := n.Template; t != nil {
		if len(t.TemplateID) > 128 || !asciiRE.MatchString(t.TemplateID) || len(t.Data) == 0 {
			return bad("subscribe template")
		}
	}
	return nil
}

// payload is what the worker needs to send; it is the outbox row's JSON.
type payload struct {
	OpenID     string            `json:"openid"`
	TemplateID string            `json:"template_id"`
	Page       string            `json:"page,omitempty"`
	Data       map[string]string `json:"data"`
}

// Enqueue writes n's inbox message and, when n has a template, its outbox row. Call it with the
// transaction that makes the change n is about, so both commit together. A DedupKey already
// enqueued is silently kept as it is.
func Enqueue(ctx context.Context, tx sqlx.ExtContext, n Notification) error {
	if err := n.validate(); err != nil {
		return err
	}
	var openid string
	err := sqlx.GetContext(ctx, tx, &openid, `SELECT openid FROM users WHERE id = ?`, n.UserID)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%w: no user %d", ErrInvalid, n.UserID)
	}
	if err != nil {
		return fmt.Errorf("notify: enqueue: user: %w", err)
	}
	now := time.Now().UTC()
	var refID any
	if n.RefID > 0 {
		refID = n.RefID
	}
	// next_attempt_at is on the database's clock, as every lease and due time the workers compare.
	// ON DUPLICATE KEY UPDATE id = id: a second enqueue of the same event changes nothing and,
	// unlike INSERT IGNORE, does not turn other errors into warnings.
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO inbox_messages (user_id, kind, title, body, page, ref_type, ref_id, dedup_key, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON DUPLICATE KEY UPDATE id = id`,
		n.UserID, n.Kind, n.Title, n.Body, n.Page, n.RefType, refID, n.DedupKey, now); err != nil {
		return fmt.Errorf("notify: enqueue: inbox: %w", sqldb.Classify(err))
	}
	if n.Template == nil {
		return nil
	}
	p, err := json.Marshal(payload{OpenID: openid, TemplateID: n.Template.TemplateID, Page: n.Page, Data: n.Template.Data})
	if err != nil {
		return fmt.Errorf("notify: enqueue: payload: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO outbox (kind, dedup_key, user_id, payload, status, attempts, next_attempt_at, created_at, updated_at)
		VALUES (?, ?, ?, ?, 'pending', 0, UTC_TIMESTAMP(3), ?, ?)
		ON DUPLICATE KEY UPDATE id = id`,
		KindWeChatSubscribe, n.DedupKey, n.UserID, string(p), now, now); err != nil {
		return fmt.Errorf("notify: enqueue: outbox: %w", sqldb.Classify(err))
	}
	return nil
}

// Options configures a Service.
type Options struct {
	// ProgressTemplateID is the "申请进度通知" template (HX_NOTIFY_PROGRESS_TEMPLATE_ID).
	ProgressTemplateID string
	// ConsentCap bounds counted consents per user and template (DefaultConsentCap when 0).
	ConsentCap int
}

// Service serves the inbox, the consent counts and the staff view of the outbox.
type Service struct {
	db       *sqlx.DB
	progress string
	known    []string // sorted: consents are upserted in this order, so two reports never deadlock
	cap      int
}

// NewService returns a Service.
func NewService(db *sqlx.DB, o Options) *Service {
	if o.ConsentCap <= 0 {
		o.ConsentCap = DefaultConsentCap
	}
	return &Service{db: db, progress: o.ProgressTemplateID, known: []string{o.ProgressTemplateID}, cap: o.ConsentCap}
}

// Enqueue is the package's Enqueue, for callers that hold a Service.
func (s *Service) Enqueue(ctx context.Context, tx sqlx.ExtContext, n Notification) error {
	return Enqueue(ctx, tx, n)
}

// ProgressTemplateID is the configured "申请进度通知" template.
func (s *Service) ProgressTemplateID() string { return s.progress }

// Progress builds the "申请进度通知" subscribe message: thing1 the item (申请事项), phrase2 the
// status in at most 5 Chinese characters (已通过), time3 when (shown in Beijing time), thing4 a
// remark. Values are cut to WeChat's limits; an empty remark points to the mini program.
func (s *Service) Progress(item, status, remark string, at time.Time) *Subscribe {
	if remark == "" {
		remark = "请进入小程序查看详情"
	}
	return &Subscribe{TemplateID: s.progress, Data: map[string]string{
		"thing1":  cut(item, 20),
		"phrase2": cut(status, 5),
		"time3":   at.In(cn.Zone).Format("2006-01-02 15:04"),
		"thing4":  cut(remark, 20),
	}}
}

// cut keeps at most n characters, ending with "…" when it had to cut.
func cut(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// Consents is the answer to a consent report.
type Consents struct {
	// Consents are the caller's remaining consents per known template.
	Consents map[string]int `json:"consents"`
	// Ignored are the reported template IDs the server does not send.
	Ignored []string `json:"ignored"`
}

// AddConsents counts one consent for each known template in templateIDs (a template named twice
// counts once), up to the cap, and returns the caller's counts. Unknown IDs are ignored and
// reported back.
func (s *Service) AddConsents(ctx context.Context, userID int64, templateIDs []string) (Consents, error) {
	if len(templateIDs) > maxTemplatesPerReport {
		return Consents{}, ErrTooManyTemplates
	}
	out := Consents{Consents: map[string]int{}, Ignored: []string{}}
	var accepted []string
	for _, id := range templateIDs {
		switch {
		case slices.Contains(s.known, id):
			if !slices.Contains(accepted, id) {
				accepted = append(accepted, id)
			}
		case !slices.Contains(out.Ignored, id):
			out.Ignored = append(out.Ignored, id)
		}
	}
	slices.Sort(accepted)
	err := sqldb.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		now := time.Now().UTC()
		for _, id := range accepted {
			if _, err := tx.ExecContext(ctx, `
				INSERT INTO subscription_consents (user_id, template_id, remaining, updated_at) VALUES (?, ?, 1, ?)
				ON DUPLICATE KEY UPDATE remaining = LEAST(remaining + 1, ?), updated_at = VALUES(updated_at)`,
				userID, id, now, s.cap); err != nil {
				return fmt.Errorf("notify: add consent: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return Consents{}, err
	}
	out.Consents, err = s.consents(ctx, userID)
	return out, err
}

// consents returns the user's remaining consents for every known template.
func (s *Service) consents(ctx context.Context, userID int64) (map[string]int, error) {
	var rows []struct {
		TemplateID string `db:"template_id"`
		Remaining  int    `db:"remaining"`
	}
	if err := sqlx.SelectContext(ctx, s.db, &rows,
		`SELECT template_id, remaining FROM subscription_consents WHERE user_id = ?`, userID); err != nil {
		return nil, fmt.Errorf("notify: consents: %w", err)
	}
	out := make(map[string]int, len(s.known))
	for _, id := range s.known {
		out[id] = 0
	}
	for _, r := range rows {
		if _, ok := out[r.TemplateID]; ok {
			out[r.TemplateID] = r.Remaining
		}
	}
	return out, nil
}

// Message is an inbox message as its owner sees it.
type Message struct {
	ID        int64      `json:"id"`
	Kind      string     `json:"kind"`
	Title     string     `json:"title"`
	Body      string     `json:"body"`
	Page      string     `json:"page"`
	RefType   string     `json:"ref_type"`
	RefID     *int64     `json:"ref_id"`
	Read      bool       `json:"read"`
	ReadAt    *time.Time `json:"read_at"`
	CreatedAt time.Time  `json:"created_at"`
}

type messageRow struct {
	ID        int64         `db:"id"`
	Kind      string        `db:"kind"`
	Title     string        `db:"title"`
	Body      string        `db:"body"`
	Page      string        `db:"page"`
	RefType   string        `db:"ref_type"`
	RefID     sql.NullInt64 `db:"ref_id"`
	ReadAt    sql.NullTime  `db:"read_at"`
	CreatedAt time.Time     `db:"created_at"`
}

func (r messageRow) message() Message {
	m := Message{ID: r.ID, Kind: r.Kind, Title: r.Title, Body: r.Body, Page: r.Page, RefType: r.RefType,
		Read: r.ReadAt.Valid, CreatedAt: r.CreatedAt}
	if r.RefID.Valid {
		m.RefID = &r.RefID.Int64
	}
	if r.ReadAt.Valid {
		m.ReadAt = &r.ReadAt.Time
	}
	return m
}

// Inbox is one page of a user's messages, newest first.
type Inbox struct {
	Items    []Message `json:"items"`
	Total    int       `json:"total"`
	Unread   int       `json:"unread"`
	Page     int       `json:"page"`
	PageSize int       `json:"page_size"`
}

// pageBounds turns page/pageSize into sane values: page ≥ 1, 1 ≤ size ≤ 100, 20 by default.
func pageBounds(page, size int) (int, int) {
	if page < 1 {
		page = 1
	}
	if size < 1 {
		size = 20
	}
	return page, min(size, 100)
}

// Inbox returns a page of the user's messages, newest first, with the total and unread counts.
func (s *Service) Inbox(ctx context.Context, userID int64, page, pageSize int) (Inbox, error) {
	page, pageSize = pageBounds(page, pageSize)
	out := Inbox{Items: []Message{}, Page: page, PageSize: pageSize}
	var counts struct {
		Total  int `db:"total"`
		Unread int `db:"unread"`
	}
	if err := sqlx.GetContext(ctx, s.db, &counts, `
		SELECT COUNT(*) AS total, COALESCE(SUM(read_at IS NULL), 0) AS unread
		FROM inbox_messages WHERE user_id = ?`, userID); err != nil {
		return out, fmt.Errorf("notify: inbox counts: %w", err)
	}
	out.Total, out.Unread = counts.Total, counts.Unread
	var rows []messageRow
	if err := sqlx.SelectContext(ctx, s.db, &rows, `
		SELECT id, kind, title, body, page, ref_type, ref_id, read_at, created_at
		FROM inbox_messages WHERE user_id = ?
		ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`, userID, pageSize, sqldb.Offset(page, pageSize)); err != nil {
		return out, fmt.Errorf("notify: inbox: %w", err)
	}
	for _, r := range rows {
		out.Items = append(out.Items, r.message())
	}
	return out, nil
}

// MarkRead marks the user's message read; marking it again is fine. Another user's message is
// ErrNotFound.
func (s *Service) MarkRead(ctx context.Context, userID, id int64) error {
	res, err := s.db.ExecContext(ctx, `UPDATE inbox_messages SET read_at = ? WHERE id = ? AND user_id = ? AND read_at IS NULL`,
		time.Now().UTC(), id, userID)
	if err != nil {
		return fmt.Errorf("notify: mark read: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return nil
	}
	var one int
	err = sqlx.GetContext(ctx, s.db, &one, `SELECT 1 FROM inbox_messages WHERE id = ? AND user_id = ?`, id, userID)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("notify: mark read: %w", err)
	}
	return nil
}

// OutboxItem is an outbox row as staff see it. The openid is left out: staff need the user id.
type OutboxItem struct {
	ID            int64             `json:"id"`
	Kind          string            `json:"kind"`
	DedupKey      string            `json:"dedup_key"`
	UserID        int64             `json:"user_id"`
	TemplateID    string            `json:"template_id"`
	Page          string            `json:"page"`
	Data          map[string]string `json:"data"`
	Status        string            `json:"status"`
	Attempts      int               `json:"attempts"`
	NextAttemptAt time.Time         `json:"next_attempt_at"`
	LastError     *string           `json:"last_error"`
	CreatedAt     time.Time         `json:"created_at"`
	UpdatedAt     time.Time         `json:"updated_at"`
	SentAt        *time.Time        `json:"sent_at"`
}

type outboxRow struct {
	ID            int64          `db:"id"`
	Kind          string         `db:"kind"`
	DedupKey      string         `db:"dedup_key"`
	UserID        int64          `db:"user_id"`
	Payload       []byte         `db:"payload"`
	Status        string         `db:"status"`
	Attempts      int            `db:"attempts"`
	NextAttemptAt time.Time      `db:"next_attempt_at"`
	LastError     sql.NullString `db:"last_error"`
	CreatedAt     time.Time      `db:"created_at"`
	UpdatedAt     time.Time      `db:"updated_at"`
	SentAt        sql.NullTime   `db:"sent_at"`
}

const outboxColumns = `id, kind, dedup_key, user_id, payload, status, attempts, next_attempt_at, last_error, created_at, updated_at, sent_at`

func (r outboxRow) item() OutboxItem {
	it := OutboxItem{ID: r.ID, Kind: r.Kind, DedupKey: r.DedupKey, UserID: r.UserID, Status: r.Status,
		Attempts: r.Attempts, NextAttemptAt: r.NextAttemptAt, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
	var p payload
	if json.Unmarshal(r.Payload, &p) == nil {
		it.TemplateID, it.Page, it.Data = p.TemplateID, p.Page, p.Data
	}
	if r.LastError.Valid {
		it.LastError = &r.LastError.String
	}
	if r.SentAt.Valid {
		it.SentAt = &r.SentAt.Time
	}
	return it
}

// OutboxPage is one page of outbox rows, newest first.
type OutboxPage struct {
	Items    []OutboxItem `json:"items"`
	Total    int          `json:"total"`
	Page     int          `json:"page"`
	PageSize int          `json:"page_size"`
}

func validStatus(s string) bool {
	switch s {
	case StatusPending, StatusSending, StatusSent, StatusSkipped, StatusDead:
		return true
	}
	return false
}

// ListOutbox returns outbox rows with the status (all when empty), newest first.
func (s *Service) ListOutbox(ctx context.Context, status string, page, pageSize int) (OutboxPage, error) {
	if status != "" && !validStatus(status) {
		return OutboxPage{}, ErrInvalidStatus
	}
	page, pageSize = pageBounds(page, pageSize)
	out := OutboxPage{Items: []OutboxItem{}, Page: page, PageSize: pageSize}
	where, args := "", []any{}
	if status != "" {
		where, args = "WHERE status = ?", append(args, status)
	}
	if err := sqlx.GetContext(ctx, s.db, &out.Total, `SELECT COUNT(*) FROM outbox `+where, args...); err != nil {
		return out, fmt.Errorf("notify: outbox count: %w", err)
	}
	var rows []outboxRow
	if err := sqlx.SelectContext(ctx, s.db, &rows, `SELECT `+outboxColumns+` FROM outbox `+where+`
		ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`, append(args, pageSize, sqldb.Offset(page, pageSize))...); err != nil {
		return out, fmt.Errorf("notify: outbox: %w", err)
	}
	for _, r := range rows {
		out.Items = append(out.Items, r.item())
	}
	return out, nil
}

// RetryDead puts a dead outbox row back to pending with a fresh count of attempts, and audits it
// in the same transaction. Other rows are ErrNotDead; a missing one ErrNotFound.
func (s *Service) RetryDead(ctx context.Context, actor audit.Entry, id int64) (OutboxItem, error) {
	var it OutboxItem
	err := sqldb.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		var r outboxRow
		err := sqlx.GetContext(ctx, tx, &r, `SELECT `+outboxColumns+` FROM outbox WHERE id = ? FOR UPDATE`, id)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("notify: retry: %w", err)
		}
		if r.Status != StatusDead {
			return ErrNotDead
		}
		now := time.Now().UTC()
		// Clearing lease_owner fences off the claim that gave up: a late answer of its WeChat call
		// can no longer change the row.
		if _, err := tx.ExecContext(ctx, `
			UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = UTC_TIMESTAMP(3), lease_owner = NULL,
				lease_until = NULL, send_started_at = NULL, updated_at = ?
			WHERE id = ? AND status = 'dead'`, now, id); err != nil {
			return fmt.Errorf("notify: retry: %w", err)
		}
		actor.Action, actor.TargetType, actor.TargetID = "outbox.retry", "outbox", fmt.Sprint(id)
		detail := map[string]any{"dedup_key": r.DedupKey, "attempts": r.Attempts}
		if r.LastError.Valid {
			detail["last_error"] = r.LastError.String
		}
		actor.Detail = detail
		if err := audit.Write(ctx, tx, actor); err != nil {
			return err
		}
		r.Status, r.Attempts, r.NextAttemptAt, r.UpdatedAt = StatusPending, 0, now, now
		it = r.item()
		return nil
	})
	return it, err
}
