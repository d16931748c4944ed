package alumni

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"huixiang/internal/actor"
	"huixiang/internal/audit"
	"huixiang/internal/points"
	"huixiang/internal/sqldb"
)

// UsableForEvents reports whether check-ins may earn rule at an event a creates or edits: the
// rule is active, gives fixed points (not per amount) and a may grant it.
func UsableForEvents(rule points.Rule, a actor.Actor) bool {
	return rule.Active && rule.PerAmountFen == nil && rule.GrantableBy(a)
}

// UpdateEvent changes an event's title, times, check-in window and points rule (audited), with
// the checks of CreateEvent. The token stays, so QR codes printed already keep working. Once
// someone has checked in, the points rule cannot change: those people earned the old rule under
// the event's reference, and a new rule would let them earn again.
func (s *Service) UpdateEvent(ctx context.Context, actor actor.Actor, id int64, in EventInput) (Event, error) {
	// Changing the times extends or moves the time in which check-ins earn the rule: the editor
	// must be one who may grant it, as its creator had to be (checkEvent asks).
	ev, err := s.checkEvent(ctx, actor, in)
	if err != nil {
		return Event{}, err
	}
	title, opens, closes, rule := ev.title, ev.opens, ev.closes, ev.rule
	err = sqldb.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		var cur struct {
			Title    string    `db:"title"`
			Rule     string    `db:"points_rule"`
			StartsAt time.Time `db:"starts_at"`
			EndsAt   time.Time `db:"ends_at"`
			Opens    time.Time `db:"checkin_opens_at"`
			Closes   time.Time `db:"checkin_closes_at"`
			Capacity *int      `db:"capacity"`
			Kind     string    `db:"kind"`
			Minutes  int       `db:"training_minutes"`
		}
		err := tx.GetContext(ctx, &cur, `SELECT title, points_rule, starts_at, ends_at, checkin_opens_at, checkin_closes_at, capacity,
			kind, training_minutes FROM events WHERE id = ? FOR UPDATE`, id)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrEventNotFound
		}
		if err != nil {
			return fmt.Errorf("alumni: lock event: %w", sqldb.Classify(err))
		}
		if cur.Rule != rule.Code {
			var n int
			if err := tx.GetContext(ctx, &n, `SELECT COUNT(*) FROM event_checkins WHERE event_id = ?`, id); err != nil {
				return fmt.Errorf("alumni: count check-ins: %w", sqldb.Classify(err))
			}
			if n > 0 {
				return &FieldError{"points_rule", "已有人签到，不能更换积分规则"}
			}
		}
		// A capacity below the sign-ups already made takes no one's place away: it only stops
		// new sign-ups until enough cancel.
		if _, err := tx.ExecContext(ctx, `UPDATE events SET title = ?, kind = ?, training_minutes = ?, starts_at = ?, ends_at = ?,
				checkin_opens_at = ?, checkin_closes_at = ?, points_rule = ?, capacity = ? WHERE id = ?`,
			title, ev.kind, in.TrainingMinutes, in.StartsAt.UTC(), in.EndsAt.UTC(), opens.UTC(), closes.UTC(), rule.Code, in.Capacity, id); err != nil {
			return fmt.Errorf("alumni: update event: %w", sqldb.Classify(err))
		}
		e := actor.AuditID("event.update", "event", id)
		e.Detail = map[string]any{
			"from": map[string]any{"title": cur.Title, "points_rule": cur.Rule, "starts_at": cur.StartsAt, "ends_at": cur.EndsAt,
				"checkin_opens_at": cur.Opens, "checkin_closes_at": cur.Closes, "capacity": cur.Capacity, "kind": cur.Kind,
				"training_minutes": cur.Minutes},
			"to": map[string]any{"title": title, "points_rule": rule.Code, "starts_at": in.StartsAt.UTC(), "ends_at": in.EndsAt.UTC(),
				"checkin_opens_at": opens.UTC(), "checkin_closes_at": closes.UTC(), "capacity": in.Capacity, "kind": ev.kind,
				"training_minutes": in.TrainingMinutes},
		}
		return audit.Write(ctx, tx, e)
	})
	if err != nil {
		return Event{}, err
	}
	return s.Event(ctx, id)
}
