package notify

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"huixiang/internal/cn"
	"huixiang/internal/sqldb"
	"huixiang/internal/wechat"
)

// KindNoticePush is the outbox kind of broadcast pushes: notices staff send and policies a
// person newly meets. Its channel is chosen when it is sent (see Worker.processPush).
const KindNoticePush = "notice_push"

// Channels a push went by.
const (
	ChannelSubscribe = "subscribe"
	ChannelOA        = "oa"
)

// Why a push was skipped (the inbox message is all the person gets).
const (
	SkipNoConsent = "no_consent" // no subscribe consent and not a follower of the account
	SkipCap       = "cap"        // the weekly number of broadcast pushes was reached
	SkipTurnedOff = "turned_off" // the person turned pushes off in 我的
	SkipCancelled = "cancelled"  // what it was about was called off (a cancelled appointment)
)

// Quiet is the night without pushes, in Beijing hours: from From:00 to To:00 (From > To: over
// midnight). From == To: no quiet hours (the zero value takes DefaultQuiet where options are
// defaulted; say 8 to 8 for none).
type Quiet struct{ From, To int }

// DefaultQuiet is 22:00–08:00.
var DefaultQuiet = Quiet{From: 22, To: 8}

// In reports whether t falls in the quiet hours.
func (q Quiet) In(t time.Time) bool {
	if q.From == q.To {
		return false
	}
	h := t.In(cn.Zone).Hour()
	if q.From > q.To {
		return h >= q.From || h < q.To
	}
	return h >= q.From && h < q.To
}

// Next is t when pushes may go at t, else the end of the quiet hours after t.
func (q Quiet) Next(t time.Time) time.Time {
	if !q.In(t) {
		return t
	}
	l := t.In(cn.Zone)
	end := time.Date(l.Year(), l.Month(), l.Day(), q.To, 0, 0, 0, cn.Zone)
	if !end.After(l) {
		end = end.AddDate(0, 0, 1)
	}
	return end.UTC()
}

// PushOptions configures broadcast pushes. Zero fields take the defaults in brackets.
type PushOptions struct {
	// TemplateID is the subscribe template of notices (keys thing1 title, thing2 summary, time3
	// when); empty: no subscribe messages.
	TemplateID string
	// OA sends official-account template messages; nil: none. OATemplateID has the same keys.
	OA           OASender
	OATemplateID string
	// Cap is how many broadcast pushes one person gets per Window [3 per 7 days].
	Cap    int
	Window time.Duration
	// Quiet are the hours without pushes [DefaultQuiet].
	Quiet Quiet
	// Now is the clock quiet hours and the cap are judged by [time.Now].
	Now func() time.Time
}

func (o PushOptions) withDefaults() PushOptions {
	if o.Cap <= 0 {
		o.Cap = 3
	}
	if o.Window <= 0 {
		o.Window = 7 * 24 * time.Hour
	}
	if o.Quiet == (Quiet{}) {
		o.Quiet = DefaultQuiet
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// OASender sends a template message of the official account; *wechat.OA is one.
type OASender interface {
	SendTemplate(ctx context.Context, m wechat.OAMessage) (int64, error)
}

// Push is a broadcast push of something already in the person's inbox.
type Push struct {
	UserID   int64
	NoticeID int64 // 0 when it is not a notice (a policy match)
	// DedupKey names the push ("notice:7:42"): enqueueing it again is a no-op.
	DedupKey string
	Page     string
	Title    string // thing1: cut to 20 characters
	Summary  string // thing2: cut to 20 characters
	// At is time3, the time the push is about (zero: when it is enqueued).
	At time.Time
	// Personal marks a push about the person's own business (an appointment's reminder): it
	// neither counts against nor waits for the weekly cap of broadcast pushes. Consent, the
	// person's switch and the quiet hours hold as for every push.
	Personal bool
}

type pushPayload struct {
	Page     string    `json:"page"`
	Title    string    `json:"title"`
	Summary  string    `json:"summary"`
	At       time.Time `json:"at"`
	Personal bool      `json:"personal,omitempty"`
}

// EnqueuePushes writes the pushes' outbox rows in one statement, due at notBefore (the end of
// the quiet hours when written at night). Call it with the transaction that writes their inbox
// messages; dedup keys already written are kept as they are.
func EnqueuePushes(ctx context.Context, tx sqlx.ExtContext, ps []Push, now, notBefore time.Time) error {
	if len(ps) == 0 {
		return nil
	}
	args := make([]any, 0, 7*len(ps))
	for _, p := range ps {
		if p.UserID <= 0 || len(p.DedupKey) > 128 || !asciiRE.MatchString(p.DedupKey) || len(p.Page) > 255 {
			return fmt.Errorf("%w: push %q", ErrInvalid, p.DedupKey)
		}
		at := now
		if !p.At.IsZero() {
			at = p.At
		}
		b, err := json.Marshal(pushPayload{Page: p.Page, Title: cut(p.Title, 20), Summary: cut(p.Summary, 20), At: at, Personal: p.Personal})
		if err != nil {
			return err
		}
		var notice any
		if p.NoticeID > 0 {
			notice = p.NoticeID
		}
		args = append(args, p.DedupKey, p.UserID, string(b), notBefore.UTC(), notice, now, now)
	}
	values := strings.TrimSuffix(strings.Repeat("('"+KindNoticePush+"', ?, ?, ?, 'pending', 0, ?, ?, ?, ?), ", len(ps)), ", ")
	if _, err := tx.ExecContext(ctx, `INSERT INTO outbox (kind, dedup_key, user_id, payload, status, attempts, next_attempt_at, notice_id, created_at, updated_at)
		VALUES `+values+` ON DUPLICATE KEY UPDATE id = id`, args...); err != nil {
		return fmt.Errorf("notify: enqueue pushes: %w", sqldb.Classify(err))
	}
	return nil
}

// CancelPushes skips the pushes named by keys that are still waiting, in the caller's
// transaction (the change that calls them off). A push a worker is sending at that moment goes.
func CancelPushes(ctx context.Context, tx sqlx.ExtContext, keys []string) error {
	if len(keys) == 0 {
		return nil
	}
	args := make([]any, 0, len(keys)+1)
	args = append(args, SkipCancelled)
	for _, k := range keys {
		args = append(args, k)
	}
	_, err := tx.ExecContext(ctx, `UPDATE outbox SET status = 'skipped', skip_reason = ?, updated_at = `+dbNow+`
		WHERE kind = '`+KindNoticePush+`' AND status = 'pending' AND dedup_key IN (`+strings.TrimSuffix(strings.Repeat("?, ", len(keys)), ", ")+`)`,
		args...)
	if err != nil {
		return fmt.Errorf("notify: cancel pushes: %w", sqldb.Classify(err))
	}
	return nil
}

// pushPlan is what one claimed push will do, decided under the locks of begin.
type pushPlan struct {
	channel string
	skip    string
	openID  string // the mini program's or the account's, by channel
	spent   bool   // a one-time consent was spent
}

// processPush sends one claimed broadcast push by the first channel the person allows.
func (w *Worker) processPush(ctx context.Context, log *slog.Logger, c claimed) {
	po := w.o.Push
	var p pushPayload
	if err := json.Unmarshal(c.Payload, &p); err != nil {
		w.finish(ctx, log, c, StatusDead, "malformed payload", 0)
		return
	}
	now := po.Now()
	if po.Quiet.In(now) {
		// Claimed at night (a row written by day and retried late): it waits for the morning.
		if err := deferClaim(ctx, w.db, c.ID, c.token, po.Quiet.Next(now)); err != nil {
			log.Warn("push: not deferred; the lease will expire", "error", err.Error())
		}
		return
	}
	if c.Attempts > w.o.MaxAttempts {
		w.finish(ctx, log, c, StatusDead, fmt.Sprintf("gave up after %d claims without an answer", c.Attempts-1), 0)
		return
	}
	plan, err := w.beginPush(ctx, c, now, p.Personal)
	switch {
	case errors.Is(err, errLost):
		w.release(ctx, []claimed{c})
		return
	case err != nil:
		log.Warn("push: could not start the send", "error", err.Error())
		return
	case plan.skip != "":
		return // recorded by beginPush
	}
	data := map[string]string{"thing1": p.Title, "thing2": p.Summary, "time3": p.At.In(cn.Zone).Format("2006-01-02 15:04")}
	var msgID int64
	switch plan.channel {
	case ChannelSubscribe:
		msgID, err = w.wx.SendSubscribeID(ctx, wechat.Message{ToOpenID: plan.openID, TemplateID: po.TemplateID, Page: p.Page, Data: data})
	case ChannelOA:
		msgID, err = po.OA.SendTemplate(ctx, wechat.OAMessage{ToOpenID: plan.openID, TemplateID: po.OATemplateID, PagePath: p.Page, Data: data})
	}
	if err == nil {
		if err := finishPush(ctx, w.db, c.ID, c.token, fmt.Sprint(msgID)); err != nil {
			log.Warn("push: sent but not recorded; the lease will expire as outcome unknown", "error", err.Error())
		}
		return
	}
	msg := wechat.Redact(err.Error())
	// Nothing reached the person: the place under the cap and a spent one-time consent go back.
	w.undoPush(ctx, log, c, plan, po.TemplateID)
	switch {
	case errors.Is(err, wechat.ErrNoConsent):
		// WeChat holds no consent, whatever we counted: forget ours and choose again at once
		// (the account, or skip).
		w.consent(ctx, log, c.UserID, po.TemplateID, `remaining = 0, long_term = FALSE`)
		w.finish(ctx, log, c, StatusPending, msg, 0)
	case errors.Is(err, wechat.ErrNotFollowing):
		if err := setFollowing(ctx, w.db, plan.openID, false); err != nil {
			log.Warn("push: follower not updated", "error", err.Error())
		}
		w.finish(ctx, log, c, StatusPending, msg, 0)
	case errors.Is(err, wechat.ErrInvalidArgument):
		w.finish(ctx, log, c, StatusDead, msg, 0)
	case c.Attempts >= w.o.MaxAttempts:
		w.finish(ctx, log, c, StatusDead, fmt.Sprintf("after %d attempts: %s", c.Attempts, msg), 0)
	default:
		w.finish(ctx, log, c, StatusPending, msg, w.backoff(c.Attempts))
	}
}

// beginPush decides the channel and marks the send started, in one transaction under the
// claim's fence and the person's settings row lock (lock order: outbox row, settings row,
// consent row). A skip is recorded in the same transaction.
func (w *Worker) beginPush(ctx context.Context, c claimed, now time.Time, personal bool) (pushPlan, error) {
	po := w.o.Push
	var plan pushPlan
	err := sqldb.WithTx(ctx, w.db, func(tx *sqlx.Tx) error {
		started, err := startSend(ctx, tx, c.ID, c.token, w.o.Lease/2)
		if err != nil {
			return err
		}
		if !started {
			return errLost
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO notification_settings (user_id, pushes_enabled, updated_at) VALUES (?, TRUE, ?)
			ON DUPLICATE KEY UPDATE user_id = user_id`, c.UserID, now.UTC()); err != nil {
			return fmt.Errorf("notify: settings row: %w", err)
		}
		var enabled bool
		if err := tx.GetContext(ctx, &enabled, `SELECT pushes_enabled FROM notification_settings WHERE user_id = ? FOR UPDATE`, c.UserID); err != nil {
			return fmt.Errorf("notify: settings: %w", err)
		}
		if !enabled {
			plan.skip = SkipTurnedOff
			return skipPush(ctx, tx, c, plan.skip)
		}
		var sent int
		if !personal {
			if err := tx.GetContext(ctx, &sent, `SELECT COUNT(*) FROM broadcast_pushes WHERE user_id = ? AND sent_at > ?`,
				c.UserID, now.Add(-po.Window).UTC()); err != nil {
				return fmt.Errorf("notify: cap: %w", err)
			}
		}
		if !personal && sent >= po.Cap {
			plan.skip = SkipCap
			return skipPush(ctx, tx, c, plan.skip)
		}
		if po.TemplateID != "" {
			var cs struct {
				LongTerm  bool   `db:"long_term"`
				Remaining int    `db:"remaining"`
				OpenID    string `db:"openid"`
			}
			err := tx.GetContext(ctx, &cs, `SELECT s.long_term, s.remaining, u.openid FROM subscription_consents s JOIN users u ON u.id = s.user_id
				WHERE s.user_id = ? AND s.template_id = ? FOR UPDATE`, c.UserID, po.TemplateID)
			switch {
			case errors.Is(err, sql.ErrNoRows):
			case err != nil:
				return fmt.Errorf("notify: consent: %w", err)
			case cs.LongTerm:
				plan.channel, plan.openID = ChannelSubscribe, cs.OpenID
			case cs.Remaining > 0:
				if _, err := tx.ExecContext(ctx, `UPDATE subscription_consents SET remaining = remaining - 1, updated_at = ?
					WHERE user_id = ? AND template_id = ?`, now.UTC(), c.UserID, po.TemplateID); err != nil {
					return fmt.Errorf("notify: spend consent: %w", err)
				}
				plan.channel, plan.openID, plan.spent = ChannelSubscribe, cs.OpenID, true
			}
		}
		if plan.channel == "" && po.OA != nil && po.OATemplateID != "" {
			var oaOpenID string
			err := tx.GetContext(ctx, &oaOpenID, `SELECT f.oa_openid FROM users u JOIN wechat_followers f ON f.unionid = u.unionid AND f.following
				WHERE u.id = ? ORDER BY f.updated_at DESC LIMIT 1`, c.UserID)
			switch {
			case errors.Is(err, sql.ErrNoRows):
			case err != nil:
				return fmt.Errorf("notify: follower: %w", err)
			default:
				plan.channel, plan.openID = ChannelOA, oaOpenID
			}
		}
		if plan.channel == "" {
			plan.skip = SkipNoConsent
			return skipPush(ctx, tx, c, plan.skip)
		}
		if !personal {
			if _, err := tx.ExecContext(ctx, `INSERT INTO broadcast_pushes (user_id, outbox_id, sent_at) VALUES (?, ?, ?)
				ON DUPLICATE KEY UPDATE sent_at = VALUES(sent_at)`, c.UserID, c.ID, now.UTC()); err != nil {
				return fmt.Errorf("notify: count push: %w", err)
			}
		}
		_, err = tx.ExecContext(ctx, `UPDATE outbox SET channel = ? WHERE id = ?`, plan.channel, c.ID)
		return err
	})
	return plan, err
}

// skipPush records a skip in the claim's transaction.
func skipPush(ctx context.Context, tx *sqlx.Tx, c claimed, reason string) error {
	_, err := tx.ExecContext(ctx, `UPDATE outbox SET status = 'skipped', skip_reason = ?, channel = NULL, lease_until = NULL,
			updated_at = `+dbNow+` WHERE id = ? AND lease_owner = ?`, reason, c.ID, c.token)
	return err
}

// undoPush gives back what beginPush took when nothing was sent.
func (w *Worker) undoPush(ctx context.Context, log *slog.Logger, c claimed, plan pushPlan, templateID string) {
	if _, err := w.db.ExecContext(ctx, `DELETE FROM broadcast_pushes WHERE user_id = ? AND outbox_id = ?`, c.UserID, c.ID); err != nil {
		log.Warn("push: place under the cap not given back", "error", err.Error())
	}
	if _, err := w.db.ExecContext(ctx, `UPDATE outbox SET channel = NULL WHERE id = ?`, c.ID); err != nil {
		log.Warn("push: channel not cleared", "error", err.Error())
	}
	if plan.spent {
		w.consent(ctx, log, c.UserID, templateID, `remaining = LEAST(remaining + 1, ?)`, DefaultConsentCap)
	}
}

// finishPush records a sent push with WeChat's msgid, fenced on the claim.
func finishPush(ctx context.Context, db *sqlx.DB, id int64, token, msgID string) error {
	_, err := db.ExecContext(ctx, `UPDATE outbox SET status = 'sent', wx_msgid = NULLIF(?, '0'), sent_at = `+dbNow+`, lease_until = NULL,
			last_error = NULL, updated_at = `+dbNow+` WHERE id = ? AND lease_owner = ?`, msgID, id, token)
	return err
}

// deferClaim hands a claimed, unstarted row back to pending until at, not counting the claim.
func deferClaim(ctx context.Context, db *sqlx.DB, id int64, token string, at time.Time) error {
	_, err := db.ExecContext(ctx, `UPDATE outbox SET status = 'pending', attempts = attempts - 1, next_attempt_at = ?,
			lease_owner = NULL, lease_until = NULL, updated_at = `+dbNow+`
		WHERE id = ? AND lease_owner = ? AND status = 'sending' AND send_started_at IS NULL`, at.UTC(), id, token)
	return err
}

func setFollowing(ctx context.Context, q sqlx.ExtContext, oaOpenID string, following bool) error {
	_, err := q.ExecContext(ctx, `UPDATE wechat_followers SET following = ?, updated_at = `+dbNow+` WHERE oa_openid = ?`, following, oaOpenID)
	return err
}
