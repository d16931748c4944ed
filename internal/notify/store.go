package notify

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"huixiang/internal/sqldb"
)

// The store of the inbox, the consents and the outbox: every statement of the Service and the
// Worker as functions of ctx and a sqlx.ExtContext, with their row structs. lockOutboxRow takes
// a *sqlx.Tx: a row lock outside a transaction would end with the statement.

func userOpenID(ctx context.Context, q sqlx.ExtContext, userID int64) (string, error) {
	var openid string
	err := sqlx.GetContext(ctx, q, &openid, `SELECT openid FROM users WHERE id = ?`, userID)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("%w: no user %d", ErrInvalid, userID)
	}
	if err != nil {
		return "", fmt.Errorf("notify: enqueue: user: %w", err)
	}
	return openid, nil
}

// insertInboxMessage writes n's inbox message. ON DUPLICATE KEY UPDATE id = id: a second enqueue
// of the same event changes nothing and, unlike INSERT IGNORE, does not turn other errors into
// warnings.
func insertInboxMessage(ctx context.Context, q sqlx.ExtContext, n Notification, now time.Time) error {
	var refID any
	if n.RefID > 0 {
		refID = n.RefID
	}
	if _, err := q.ExecContext(ctx, `
		INSERT INTO inbox_messages (user_id, kind, title, body, page, ref_type, ref_id, dedup_key, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON DUPLICATE KEY UPDATE id = id`,
		n.UserID, n.Kind, n.Title, n.Body, n.Page, n.RefType, refID, n.DedupKey, now); err != nil {
		return fmt.Errorf("notify: enqueue: inbox: %w", sqldb.Classify(err))
	}
	return nil
}

// insertOutboxRow writes n's outbox row with its payload; next_attempt_at is on the database's
// clock, as every lease and due time the workers compare.
func insertOutboxRow(ctx context.Context, q sqlx.ExtContext, n Notification, payload []byte, now time.Time) error {
	if _, err := q.ExecContext(ctx, `
		INSERT INTO outbox (kind, dedup_key, user_id, payload, status, attempts, next_attempt_at, created_at, updated_at)
		VALUES (?, ?, ?, ?, 'pending', 0, UTC_TIMESTAMP(3), ?, ?)
		ON DUPLICATE KEY UPDATE id = id`,
		KindWeChatSubscribe, n.DedupKey, n.UserID, string(payload), now, now); err != nil {
		return fmt.Errorf("notify: enqueue: outbox: %w", sqldb.Classify(err))
	}
	return nil
}

// addConsent counts one consent of the user for the template, up to limit.
func addConsent(ctx context.Context, q sqlx.ExtContext, userID int64, templateID string, limit int, now time.Time) error {
	if _, err := q.ExecContext(ctx, `
		INSERT INTO subscription_consents (user_id, template_id, remaining, updated_at) VALUES (?, ?, 1, ?)
		ON DUPLICATE KEY UPDATE remaining = LEAST(remaining + 1, ?), updated_at = VALUES(updated_at)`,
		userID, templateID, now, limit); err != nil {
		return fmt.Errorf("notify: add consent: %w", err)
	}
	return nil
}

// consentRow is a user's remaining consents for a template.
type consentRow struct {
	TemplateID string `db:"template_id"`
	Remaining  int    `db:"remaining"`
}

func consentsOf(ctx context.Context, q sqlx.ExtContext, userID int64) ([]consentRow, error) {
	var rows []consentRow
	if err := sqlx.SelectContext(ctx, q, &rows,
		`SELECT template_id, remaining FROM subscription_consents WHERE user_id = ?`, userID); err != nil {
		return nil, fmt.Errorf("notify: consents: %w", err)
	}
	return rows, nil
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

// inboxCount is how many messages a user has and how many of them are unread.
type inboxCount struct {
	Total  int `db:"total"`
	Unread int `db:"unread"`
}

func inboxCounts(ctx context.Context, q sqlx.ExtContext, userID int64) (inboxCount, error) {
	var c inboxCount
	if err := sqlx.GetContext(ctx, q, &c, `
		SELECT COUNT(*) AS total, COALESCE(SUM(read_at IS NULL), 0) AS unread
		FROM inbox_messages WHERE user_id = ?`, userID); err != nil {
		return inboxCount{}, fmt.Errorf("notify: inbox counts: %w", err)
	}
	return c, nil
}

// pageInbox is a page of the user's messages, newest first.
func pageInbox(ctx context.Context, q sqlx.ExtContext, userID int64, page sqldb.PageRequest) ([]Message, error) {
	var rows []messageRow
	if err := sqlx.SelectContext(ctx, q, &rows, `
		SELECT id, kind, title, body, page, ref_type, ref_id, read_at, created_at
		FROM inbox_messages WHERE user_id = ?
		ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`, userID, page.Limit(), page.Offset()); err != nil {
		return nil, fmt.Errorf("notify: inbox: %w", err)
	}
	out := make([]Message, len(rows))
	for i, r := range rows {
		out[i] = r.message()
	}
	return out, nil
}

// markRead marks the user's unread message read; false when there was none to mark.
func markRead(ctx context.Context, q sqlx.ExtContext, userID, id int64, now time.Time) (bool, error) {
	res, err := q.ExecContext(ctx, `UPDATE inbox_messages SET read_at = ? WHERE id = ? AND user_id = ? AND read_at IS NULL`,
		now, id, userID)
	if err != nil {
		return false, fmt.Errorf("notify: mark read: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

func messageExists(ctx context.Context, q sqlx.ExtContext, userID, id int64) (bool, error) {
	var one int
	err := sqlx.GetContext(ctx, q, &one, `SELECT 1 FROM inbox_messages WHERE id = ? AND user_id = ?`, id, userID)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("notify: mark read: %w", err)
	}
	return true, nil
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

// pageOutbox is a page of outbox rows with the status (all when empty), newest first, and
// their total.
func pageOutbox(ctx context.Context, q sqlx.ExtContext, status string, page sqldb.PageRequest) ([]OutboxItem, int, error) {
	where, args := "", []any{}
	if status != "" {
		where, args = "WHERE status = ?", append(args, status)
	}
	var total int
	if err := sqlx.GetContext(ctx, q, &total, `SELECT COUNT(*) FROM outbox `+where, args...); err != nil {
		return nil, 0, fmt.Errorf("notify: outbox count: %w", err)
	}
	var rows []outboxRow
	if err := sqlx.SelectContext(ctx, q, &rows, `SELECT `+outboxColumns+` FROM outbox `+where+`
		ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`, append(args, page.Limit(), page.Offset())...); err != nil {
		return nil, 0, fmt.Errorf("notify: outbox: %w", err)
	}
	out := make([]OutboxItem, len(rows))
	for i, r := range rows {
		out[i] = r.item()
	}
	return out, total, nil
}

// lockOutboxRow reads an outbox row under its row lock.
func lockOutboxRow(ctx context.Context, tx *sqlx.Tx, id int64) (outboxRow, error) {
	var r outboxRow
	err := sqlx.GetContext(ctx, tx, &r, `SELECT `+outboxColumns+` FROM outbox WHERE id = ? FOR UPDATE`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return outboxRow{}, ErrNotFound
	}
	if err != nil {
		return outboxRow{}, fmt.Errorf("notify: retry: %w", err)
	}
	return r, nil
}

// requeueDead puts a dead row back to pending with a fresh count of attempts. Clearing
// lease_owner fences off the claim that gave up: a late answer of its WeChat call can no longer
// change the row.
func requeueDead(ctx context.Context, q sqlx.ExtContext, id int64, now time.Time) error {
	if _, err := q.ExecContext(ctx, `
		UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = UTC_TIMESTAMP(3), lease_owner = NULL,
			lease_until = NULL, send_started_at = NULL, updated_at = ?
		WHERE id = ? AND status = 'dead'`, now, id); err != nil {
		return fmt.Errorf("notify: retry: %w", err)
	}
	return nil
}

// --- the worker's outbox protocol (see Worker) ----------------------------------------------

// dbNow is the database's clock: every lease and due time is compared on it.
const dbNow = "UTC_TIMESTAMP(3)"

// expiredLease is a row in sending whose lease has expired, and whether its send had started.
type expiredLease struct {
	ID      int64 `db:"id"`
	Started bool  `db:"started"`
}

func expiredLeases(ctx context.Context, q sqlx.ExtContext, limit int) ([]expiredLease, error) {
	var rows []expiredLease
	if err := sqlx.SelectContext(ctx, q, &rows, `
		SELECT id, send_started_at IS NOT NULL AS started FROM outbox
		WHERE status = 'sending' AND next_attempt_at < `+dbNow+`
		ORDER BY next_attempt_at LIMIT ?`, limit); err != nil {
		return nil, fmt.Errorf("notify: expired leases: %w", err)
	}
	return rows, nil
}

// giveUpUnknown marks dead the rows of ids whose send started and whose lease expired. lease_owner
// stays: should the late claimer's call come back after all, its fenced "sent" (or "pending"
// after a known failure) still lands.
func giveUpUnknown(ctx context.Context, q sqlx.ExtContext, ids []int64) (int64, error) {
	query, args, err := sqlx.In(`
		UPDATE outbox SET status = 'dead', lease_until = NULL, updated_at = `+dbNow+`,
			last_error = 'outcome unknown: the worker stopped during the WeChat call; not resent to avoid a duplicate'
		WHERE id IN (?) AND status = 'sending' AND send_started_at IS NOT NULL AND lease_until < `+dbNow, ids)
	if err != nil {
		return 0, err
	}
	res, err := q.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, fmt.Errorf("notify: give up unknown: %w", err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}

// pendingDue are up to limit pending rows whose time has come, oldest first.
func pendingDue(ctx context.Context, q sqlx.ExtContext, limit int) ([]int64, error) {
	var ids []int64
	if err := sqlx.SelectContext(ctx, q, &ids, `
		SELECT id FROM outbox WHERE status = 'pending' AND next_attempt_at <= `+dbNow+`
		ORDER BY next_attempt_at LIMIT ?`, limit); err != nil {
		return nil, fmt.Errorf("notify: due: %w", err)
	}
	return ids, nil
}

// claimRows takes those of ids still claimable under token for lease, with one conditional
// UPDATE, and returns how many it took.
func claimRows(ctx context.Context, q sqlx.ExtContext, ids []int64, token string, lease time.Duration) (int64, error) {
	us := lease.Microseconds()
	query, args, err := sqlx.In(`
		UPDATE outbox SET status = 'sending', lease_owner = ?,
			lease_until = DATE_ADD(`+dbNow+`, INTERVAL ? MICROSECOND),
			next_attempt_at = DATE_ADD(`+dbNow+`, INTERVAL ? MICROSECOND),
			attempts = attempts + 1, updated_at = `+dbNow+`
		WHERE id IN (?) AND send_started_at IS NULL AND (
			(status = 'pending' AND next_attempt_at <= `+dbNow+`) OR
			(status = 'sending' AND lease_until < `+dbNow+`))`, token, us, us, ids)
	if err != nil {
		return 0, err
	}
	res, err := q.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, fmt.Errorf("notify: claim: %w", err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}

// readClaim reads back the rows of ids that token claimed.
func readClaim(ctx context.Context, q sqlx.ExtContext, ids []int64, token string) ([]claimed, error) {
	query, args, err := sqlx.In(`SELECT id, kind, user_id, dedup_key, payload, attempts FROM outbox
		WHERE id IN (?) AND lease_owner = ? AND status = 'sending' ORDER BY next_attempt_at, id`, ids, token)
	if err != nil {
		return nil, err
	}
	var rows []claimed
	if err := sqlx.SelectContext(ctx, q, &rows, query, args...); err != nil {
		return nil, fmt.Errorf("notify: read claim: %w", err)
	}
	for i := range rows {
		rows[i].token = token
	}
	return rows, nil
}

// releaseClaim hands a claimed, unstarted row back to pending without counting the attempt.
func releaseClaim(ctx context.Context, q sqlx.ExtContext, id int64, token string) error {
	_, err := q.ExecContext(ctx, `
		UPDATE outbox SET status = 'pending', attempts = attempts - 1, next_attempt_at = `+dbNow+`,
			lease_owner = NULL, lease_until = NULL, updated_at = `+dbNow+`
		WHERE id = ? AND lease_owner = ? AND status = 'sending' AND send_started_at IS NULL`, id, token)
	return err
}

// startSend marks the claimed row's send started when token still holds it with more than
// minLeft of its lease to go; false when it does not.
func startSend(ctx context.Context, q sqlx.ExtContext, id int64, token string, minLeft time.Duration) (bool, error) {
	res, err := q.ExecContext(ctx, `
		UPDATE outbox SET send_started_at = `+dbNow+`, updated_at = `+dbNow+`
		WHERE id = ? AND lease_owner = ? AND status = 'sending' AND send_started_at IS NULL
			AND lease_until > DATE_ADD(`+dbNow+`, INTERVAL ? MICROSECOND)`, id, token, minLeft.Microseconds())
	if err != nil {
		return false, fmt.Errorf("notify: start send: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// spendConsent takes one of the user's consents for the template; false when none is left.
func spendConsent(ctx context.Context, q sqlx.ExtContext, userID int64, templateID string) (bool, error) {
	res, err := q.ExecContext(ctx, `
		UPDATE subscription_consents SET remaining = remaining - 1, updated_at = `+dbNow+`
		WHERE user_id = ? AND template_id = ? AND remaining > 0`, userID, templateID)
	if err != nil {
		return false, fmt.Errorf("notify: spend consent: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// adjustConsent sets the user's consent count for the template with set (a fixed assignment of
// this package, its arguments in args).
func adjustConsent(ctx context.Context, q sqlx.ExtContext, userID int64, templateID, set string, args ...any) error {
	args = append(args, userID, templateID)
	_, err := q.ExecContext(ctx, `UPDATE subscription_consents SET `+set+`, updated_at = `+dbNow+`
		WHERE user_id = ? AND template_id = ?`, args...)
	return err
}

// recordOutcome records the claimed row's outcome, fenced on token: sent; pending again after
// delay; or skipped or dead. It returns the rows changed (0: the row was reset meanwhile).
func recordOutcome(ctx context.Context, q sqlx.ExtContext, id int64, token, status string, lastErr any, delay time.Duration) (int64, error) {
	var (
		query string
		args  []any
	)
	switch status {
	case StatusSent:
		query = `UPDATE outbox SET status = 'sent', sent_at = ` + dbNow + `, lease_until = NULL, updated_at = ` + dbNow + `
			WHERE id = ? AND lease_owner = ?`
		args = []any{id, token}
	case StatusPending:
		query = `UPDATE outbox SET status = 'pending', next_attempt_at = DATE_ADD(` + dbNow + `, INTERVAL ? MICROSECOND),
				lease_owner = NULL, lease_until = NULL, send_started_at = NULL, last_error = ?, updated_at = ` + dbNow + `
			WHERE id = ? AND lease_owner = ?`
		args = []any{delay.Microseconds(), lastErr, id, token}
	default: // skipped, dead
		query = `UPDATE outbox SET status = ?, lease_until = NULL, last_error = ?, updated_at = ` + dbNow + `
			WHERE id = ? AND lease_owner = ?`
		args = []any{status, lastErr, id, token}
	}
	res, err := q.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	n, _ := res.RowsAffected()
	return n, nil
}
