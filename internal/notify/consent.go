package notify

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"huixiang/internal/sqldb"
	"huixiang/internal/wechat"
)

// grant records one accepted consent: a long-term template is held until turned off, a one-time
// template counts one more send, up to the cap.
func (s *Service) grant(ctx context.Context, tx sqlx.ExtContext, userID int64, templateID string, now time.Time) error {
	if s.longTerm(templateID) {
		_, err := tx.ExecContext(ctx, `INSERT INTO subscription_consents (user_id, template_id, remaining, long_term, updated_at) VALUES (?, ?, 0, TRUE, ?)
			ON DUPLICATE KEY UPDATE long_term = TRUE, updated_at = VALUES(updated_at)`, userID, templateID, now)
		if err != nil {
			return fmt.Errorf("notify: long-term consent: %w", err)
		}
		return nil
	}
	return addConsent(ctx, tx, userID, templateID, s.cap, now)
}

func (s *Service) longTerm(templateID string) bool {
	return s.o.NoticeLongTerm && templateID != "" && templateID == s.o.NoticeTemplateID
}

// Settings are a person's push settings as 我的 → 消息推送 shows them.
type Settings struct {
	PushesEnabled    bool   `json:"pushes_enabled"`
	NoticeTemplateID string `json:"notice_template_id"`
	// NoticeConsent is long_term, one_time (NoticeRemaining sends left) or none.
	NoticeConsent   string     `json:"notice_consent"`
	NoticeRemaining int        `json:"notice_remaining"`
	QuietHours      QuietHours `json:"quiet_hours"`
	WeeklyCap       int        `json:"weekly_cap"`
}

// QuietHours are the hours without pushes, Beijing time ("22:00", "08:00").
type QuietHours struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// Settings returns the user's push settings.
func (s *Service) Settings(ctx context.Context, userID int64) (Settings, error) {
	out := Settings{PushesEnabled: true, NoticeTemplateID: s.o.NoticeTemplateID, NoticeConsent: "none",
		QuietHours: QuietHours{From: fmt.Sprintf("%02d:00", s.o.Quiet.From), To: fmt.Sprintf("%02d:00", s.o.Quiet.To)},
		WeeklyCap:  int(float64(s.o.Cap) * (7 * 24 * time.Hour).Hours() / s.o.Window.Hours())}
	err := s.db.GetContext(ctx, &out.PushesEnabled, `SELECT pushes_enabled FROM notification_settings WHERE user_id = ?`, userID)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return out, fmt.Errorf("notify: settings: %w", err)
	}
	if s.o.NoticeTemplateID == "" {
		return out, nil
	}
	var c struct {
		LongTerm  bool `db:"long_term"`
		Remaining int  `db:"remaining"`
	}
	err = s.db.GetContext(ctx, &c, `SELECT long_term, remaining FROM subscription_consents WHERE user_id = ? AND template_id = ?`,
		userID, s.o.NoticeTemplateID)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return out, fmt.Errorf("notify: settings consent: %w", err)
	case c.LongTerm:
		out.NoticeConsent = "long_term"
	case c.Remaining > 0:
		out.NoticeConsent, out.NoticeRemaining = "one_time", c.Remaining
	}
	return out, nil
}

// SetPushes turns the user's broadcast pushes on or off and returns the settings. Pushes
// already claimed by a worker finish; every later one is skipped as turned_off.
func (s *Service) SetPushes(ctx context.Context, userID int64, enabled bool) (Settings, error) {
	if _, err := s.db.ExecContext(ctx, `INSERT INTO notification_settings (user_id, pushes_enabled, updated_at) VALUES (?, ?, ?)
		ON DUPLICATE KEY UPDATE pushes_enabled = VALUES(pushes_enabled), updated_at = VALUES(updated_at)`,
		userID, enabled, time.Now().UTC()); err != nil {
		return Settings{}, fmt.Errorf("notify: set pushes: %w", sqldb.Classify(err))
	}
	return s.Settings(ctx, userID)
}

// eventKey names a mini-program event by what WeChat advises (FromUserName, CreateTime), its
// name and a digest of its items: a retry is the same push, two taps in one second are not.
func eventKey(ev wechat.MiniProgramEvent) string {
	h := sha256.New()
	for _, it := range ev.Items {
		fmt.Fprintf(h, "%s|%s|%s|%s|%s\n", it.TemplateID, it.Status, it.MsgID, it.ErrorCode, it.ErrorStatus)
	}
	return fmt.Sprintf("mp:%s:%d:%x:%s", ev.Event, ev.CreateTime, h.Sum(nil)[:8], ev.OpenID)
}

// firstTime records a callback event's dedup key in tx; false when it was seen before.
func firstTime(ctx context.Context, tx *sqlx.Tx, key string, now time.Time) (bool, error) {
	if len(key) > 160 {
		key = key[:160]
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO wechat_callback_events (dedup_key, received_at) VALUES (?, ?)
		ON DUPLICATE KEY UPDATE dedup_key = dedup_key`, key, now)
	if err != nil {
		return false, fmt.Errorf("notify: callback dedup: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// HandleMiniProgramEvent records what WeChat pushed about subscribe messages, once per event:
// popup and change events set consents (accept grants, reject withdraws a long-term consent;
// a one-time consent is not withdrawn by a later refusal of another popup); sent events mark
// the pushes WeChat could not deliver. Events of users we do not know, templates we do not
// send, and other events are acknowledged and ignored.
func (s *Service) HandleMiniProgramEvent(ctx context.Context, ev wechat.MiniProgramEvent) error {
	switch ev.Event {
	case wechat.EventSubscribePopup, wechat.EventSubscribeChange, wechat.EventSubscribeSent:
	default:
		return nil
	}
	now := time.Now().UTC()
	return sqldb.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		first, err := firstTime(ctx, tx, eventKey(ev), now)
		if err != nil || !first {
			return err
		}
		var userID int64
		err = tx.GetContext(ctx, &userID, `SELECT id FROM users WHERE openid = ?`, ev.OpenID)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("notify: callback user: %w", err)
		}
		items := slices.Clone(ev.Items)
		slices.SortFunc(items, func(a, b wechat.TemplateEvent) int { return strings.Compare(a.TemplateID, b.TemplateID) })
		for _, it := range items {
			if !slices.Contains(s.known, it.TemplateID) {
				continue
			}
			switch {
			case ev.Event == wechat.EventSubscribeSent:
				if it.ErrorCode == "0" || it.MsgID == "" {
					continue
				}
				if err := s.undelivered(ctx, tx, userID, it); err != nil {
					return err
				}
			case it.Status == wechat.ConsentAccept:
				if ev.Event == wechat.EventSubscribeChange && !s.longTerm(it.TemplateID) {
					continue // turning a one-time template back on in settings grants no send
				}
				if err := s.grant(ctx, tx, userID, it.TemplateID, now); err != nil {
					return err
				}
			case it.Status == wechat.ConsentReject:
				set := `long_term = FALSE`
				if ev.Event == wechat.EventSubscribeChange {
					set = `long_term = FALSE, remaining = 0` // turned off in WeChat's settings: nothing may be sent
				}
				if err := adjustConsent(ctx, tx, userID, it.TemplateID, set); err != nil {
					return fmt.Errorf("notify: withdraw consent: %w", err)
				}
			}
		}
		return nil
	})
}

// undelivered marks the push WeChat reported it could not deliver: failed in the report, its
// place under the cap given back, and, when the user refused it, the consent gone.
func (s *Service) undelivered(ctx context.Context, tx *sqlx.Tx, userID int64, it wechat.TemplateEvent) error {
	status := it.ErrorStatus
	if status == "" {
		status = "errcode " + it.ErrorCode
	}
	var id int64
	err := tx.GetContext(ctx, &id, `SELECT id FROM outbox WHERE wx_msgid = ? AND user_id = ?`, it.MsgID, userID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("notify: sent event: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE outbox SET delivery_error = ?, updated_at = ? WHERE id = ?`, cut(status, 64), time.Now().UTC(), id); err != nil {
		return fmt.Errorf("notify: sent event: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM broadcast_pushes WHERE user_id = ? AND outbox_id = ?`, userID, id); err != nil {
		return fmt.Errorf("notify: sent event: %w", err)
	}
	if strings.Contains(status, "refuse") {
		if err := adjustConsent(ctx, tx, userID, it.TemplateID, `remaining = 0, long_term = FALSE`); err != nil {
			return fmt.Errorf("notify: sent event: %w", err)
		}
	}
	return nil
}

// HandleOAEvent keeps the follower ↔ unionid map from the official account's follow and
// unfollow events, once per event. A follow asks WeChat for the follower's unionid (lookup);
// when that fails the follow is still recorded and the error returned, so WeChat pushes the
// event again.
func (s *Service) HandleOAEvent(ctx context.Context, ev wechat.OAEvent, lookup func(context.Context, string) (wechat.Follower, error)) error {
	if ev.OpenID == "" || (ev.Event != wechat.EventFollow && ev.Event != wechat.EventUnfollow) {
		return nil
	}
	now := time.Now().UTC()
	if ev.Event == wechat.EventUnfollow {
		return sqldb.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
			if first, err := firstTime(ctx, tx, fmt.Sprintf("oa:%s:%s:%d", ev.Event, ev.OpenID, ev.CreateTime), now); err != nil || !first {
				return err
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO wechat_followers (oa_openid, unionid, following, updated_at) VALUES (?, NULL, FALSE, ?)
				ON DUPLICATE KEY UPDATE following = FALSE, updated_at = VALUES(updated_at)`, ev.OpenID, now)
			return err
		})
	}
	f, lookupErr := lookup(ctx, ev.OpenID)
	var unionid any
	if lookupErr == nil && f.UnionID != "" {
		unionid = f.UnionID
	}
	err := sqldb.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		if lookupErr == nil {
			if first, err := firstTime(ctx, tx, fmt.Sprintf("oa:%s:%s:%d", ev.Event, ev.OpenID, ev.CreateTime), now); err != nil || !first {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO wechat_followers (oa_openid, unionid, following, updated_at) VALUES (?, ?, TRUE, ?)
			ON DUPLICATE KEY UPDATE unionid = COALESCE(VALUES(unionid), unionid), following = TRUE, updated_at = VALUES(updated_at)`,
			ev.OpenID, unionid, now)
		return err
	})
	if err != nil {
		return fmt.Errorf("notify: follower: %w", err)
	}
	if lookupErr != nil {
		return fmt.Errorf("notify: follower's unionid: %w", lookupErr)
	}
	return nil
}

// PruneResult is what Prune deleted.
type PruneResult struct {
	CallbackEvents  int64
	BroadcastPushes int64
}

// pruneBatch bounds one DELETE, so that no transaction holds many locks for long.
const pruneBatch = 5000

// Prune deletes what no rule needs any more: dedup keys of WeChat's callback events older than
// 7 days (WeChat repeats an event within minutes) and broadcast pushes older than the cap's
// window (they no longer count). Nightly; idempotent.
func (s *Service) Prune(ctx context.Context, now time.Time) (PruneResult, error) {
	var r PruneResult
	del := func(query string, before time.Time, n *int64) error {
		for {
			res, err := s.db.ExecContext(ctx, query, before.UTC(), pruneBatch)
			if err != nil {
				return fmt.Errorf("notify: prune: %w", err)
			}
			k, _ := res.RowsAffected()
			*n += k
			if k < pruneBatch {
				return nil
			}
		}
	}
	if err := del(`DELETE FROM wechat_callback_events WHERE received_at < ? LIMIT ?`, now.Add(-7*24*time.Hour), &r.CallbackEvents); err != nil {
		return r, err
	}
	err := del(`DELETE FROM broadcast_pushes WHERE sent_at < ? LIMIT ?`, now.Add(-s.o.Window), &r.BroadcastPushes)
	return r, err
}
