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
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"huixiang/internal/actor"
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
	openid, err := userOpenID(ctx, tx, n.UserID)
	if err != nil {
		return err
	}
	now := time.Now().UTC()
	if err := insertInboxMessage(ctx, tx, n, now); err != nil {
		return err
	}
	if n.Template == nil {
		return nil
	}
	p, err := json.Marshal(payload{OpenID: openid, TemplateID: n.Template.TemplateID, Page: n.Page, Data: n.Template.Data})
	if err != nil {
		return fmt.Errorf("notify: enqueue: payload: %w", err)
	}
	return insertOutboxRow(ctx, tx, n, p, now)
}

// Options configures a Service.
type Options struct {
	// ProgressTemplateID is the "申请进度通知" template (HX_NOTIFY_PROGRESS_TEMPLATE_ID).
	ProgressTemplateID string
	// ConsentCap bounds counted consents per user and template (DefaultConsentCap when 0).
	ConsentCap int
	// NoticeTemplateID is the subscribe template of notices (HX_NOTIFY_NOTICE_TEMPLATE_ID); a
	// long-term one (NoticeLongTerm: 长期订阅, which government services may use) keeps its
	// consent until the user turns it off.
	NoticeTemplateID string
	NoticeLongTerm   bool
	// ConsentFromWeChat: consents come only from WeChat's message push (subscribe_msg_popup_event
	// at /wechat/callback); the mini program's own report is then answered but not counted, so
	// one tap never counts twice. Set when the callback is configured.
	ConsentFromWeChat bool
	// Cap, Window and Quiet are shown in the settings (the Worker enforces them).
	Cap    int
	Window time.Duration
	Quiet  Quiet
}

// Service serves the inbox, the consent counts and the staff view of the outbox.
type Service struct {
	db       *sqlx.DB
	progress string
	known    []string // sorted: consents are upserted in this order, so two reports never deadlock
	cap      int
	o        Options
}

// NewService returns a Service.
func NewService(db *sqlx.DB, o Options) *Service {
	if o.ConsentCap <= 0 {
		o.ConsentCap = DefaultConsentCap
	}
	known := []string{o.ProgressTemplateID}
	if o.NoticeTemplateID != "" && o.NoticeTemplateID != o.ProgressTemplateID {
		known = append(known, o.NoticeTemplateID)
	}
	slices.Sort(known)
	po := PushOptions{Cap: o.Cap, Window: o.Window, Quiet: o.Quiet}.withDefaults()
	o.Cap, o.Window, o.Quiet = po.Cap, po.Window, po.Quiet
	return &Service{db: db, progress: o.ProgressTemplateID, known: known, cap: o.ConsentCap, o: o}
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
	if s.o.ConsentFromWeChat {
		accepted = nil // WeChat's own event counts them
	}
	err := sqldb.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		now := time.Now().UTC()
		for _, id := range accepted {
			if err := s.grant(ctx, tx, userID, id, now); err != nil {
				return err
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
	rows, err := consentsOf(ctx, s.db, userID)
	if err != nil {
		return nil, err
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

// Inbox is one page of a user's messages, newest first, with how many of all are unread.
type Inbox struct {
	sqldb.Page[Message]
	Unread int `json:"unread"`
}

// Inbox returns a page of the user's messages, newest first, with the total and unread counts.
func (s *Service) Inbox(ctx context.Context, userID int64, page sqldb.PageRequest) (Inbox, error) {
	page = page.Norm()
	out := Inbox{Page: sqldb.NewPage[Message](page, nil, 0)}
	counts, err := inboxCounts(ctx, s.db, userID)
	if err != nil {
		return out, err
	}
	out.Total, out.Unread = counts.Total, counts.Unread
	items, err := pageInbox(ctx, s.db, userID, page)
	if err != nil {
		return out, err
	}
	out.Items = items
	return out, nil
}

// MarkRead marks the user's message read; marking it again is fine. Another user's message is
// ErrNotFound.
func (s *Service) MarkRead(ctx context.Context, userID, id int64) error {
	marked, err := markRead(ctx, s.db, userID, id, time.Now().UTC())
	if err != nil || marked {
		return err
	}
	exists, err := messageExists(ctx, s.db, userID, id)
	if err != nil {
		return err
	}
	if !exists {
		return ErrNotFound
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

func validStatus(s string) bool {
	switch s {
	case StatusPending, StatusSending, StatusSent, StatusSkipped, StatusDead:
		return true
	}
	return false
}

// ListOutbox returns outbox rows with the status (all when empty), newest first.
func (s *Service) ListOutbox(ctx context.Context, status string, page sqldb.PageRequest) (sqldb.Page[OutboxItem], error) {
	if status != "" && !validStatus(status) {
		return sqldb.Page[OutboxItem]{}, ErrInvalidStatus
	}
	page = page.Norm()
	out := sqldb.NewPage[OutboxItem](page, nil, 0)
	items, total, err := pageOutbox(ctx, s.db, status, page)
	if err != nil {
		return out, err
	}
	return sqldb.NewPage(page, items, total), nil
}

// RetryDead puts a dead outbox row back to pending with a fresh count of attempts, and audits it
// in the same transaction. Other rows are ErrNotDead; a missing one ErrNotFound.
func (s *Service) RetryDead(ctx context.Context, by actor.Actor, id int64) (OutboxItem, error) {
	var it OutboxItem
	err := sqldb.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		r, err := lockOutboxRow(ctx, tx, id)
		if err != nil {
			return err
		}
		if r.Status != StatusDead {
			return ErrNotDead
		}
		now := time.Now().UTC()
		if err := requeueDead(ctx, tx, id, now); err != nil {
			return err
		}
		e := by.AuditID("outbox.retry", "outbox", id)
		detail := map[string]any{"dedup_key": r.DedupKey, "attempts": r.Attempts}
		if r.LastError.Valid {
			detail["last_error"] = r.LastError.String
		}
		e.Detail = detail
		if err := audit.Write(ctx, tx, e); err != nil {
			return err
		}
		r.Status, r.Attempts, r.NextAttemptAt, r.UpdatedAt = StatusPending, 0, now, now
		it = r.item()
		return nil
	})
	return it, err
}

// EnqueueInbox writes the inbox messages of ns (no WeChat push) in one multi-row statement, for
// fan-outs to many people; dedup keys already written are kept as they are. Call it with the
// transaction that records the batch.
func EnqueueInbox(ctx context.Context, tx sqlx.ExtContext, ns []Notification) error {
	if len(ns) == 0 {
		return nil
	}
	now := time.Now().UTC()
	args := make([]any, 0, 9*len(ns))
	for _, n := range ns {
		if n.Template != nil {
			return fmt.Errorf("%w: EnqueueInbox takes no template", ErrInvalid)
		}
		if err := n.validate(); err != nil {
			return err
		}
		var refID any
		if n.RefID > 0 {
			refID = n.RefID
		}
		args = append(args, n.UserID, n.Kind, n.Title, n.Body, n.Page, n.RefType, refID, n.DedupKey, now)
	}
	values := strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, ?, ?, ?, ?), ", len(ns)), ", ")
	if _, err := tx.ExecContext(ctx, `INSERT INTO inbox_messages (user_id, kind, title, body, page, ref_type, ref_id, dedup_key, created_at)
		VALUES `+values+` ON DUPLICATE KEY UPDATE id = id`, args...); err != nil {
		return fmt.Errorf("notify: enqueue inbox batch: %w", sqldb.Classify(err))
	}
	return nil
}
