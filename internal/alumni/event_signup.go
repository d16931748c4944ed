package alumni

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jmoiron/sqlx"

	"huixiang/internal/person"
	"huixiang/internal/sqldb"
	"huixiang/internal/wechat"
)

// MaxCapacity bounds an event's capacity.
const MaxCapacity = 100000

// maxUpcoming bounds the events the mini program lists.
const maxUpcoming = 100

// CheckinPage is the mini-program page the 小程序码 opens; it reads the scene "<id>.<code>".
const CheckinPage = "pages/checkin/checkin"

// CodeMaker draws 小程序码 (internal/wechat.Client).
type CodeMaker interface {
	WXACode(ctx context.Context, scene, page string) ([]byte, error)
}

const userEventColumns = `e.id, e.title, e.starts_at, e.ends_at, e.checkin_opens_at, e.checkin_closes_at, r.points AS rule_points,
	e.kind, e.training_minutes, e.capacity, e.signups,
	EXISTS (SELECT 1 FROM event_signups s WHERE s.event_id = e.id AND s.person_id = ?) AS signed_up,
	(SELECT c.checked_in_at FROM event_checkins c WHERE c.event_id = e.id AND c.person_id = ?) AS checked_in_at
	FROM events e JOIN points_rules r ON r.code = e.points_rule`

func (s *Service) userEvent(e *UserEvent, now time.Time) {
	e.KindName = KindName(e.Kind)
	if e.Capacity != nil {
		left := max(0, *e.Capacity-e.Signups)
		e.PlacesLeft = &left
	}
	e.CheckedIn = e.CheckedInAt != nil
	e.SignupOpen = now.Before(e.StartsAt)
	e.CheckinOpen = !now.Before(e.CheckinOpensAt) && now.Before(e.CheckinClosesAt)
}

// personOrZero is the caller's registered person, or 0 when they have none (they see events,
// never as signed up or checked in).
func (s *Service) personOrZero(ctx context.Context, userID int64) (int64, error) {
	pid, err := registeredPerson(ctx, s.db, userID)
	if errors.Is(err, ErrNoPerson) {
		return 0, nil
	}
	return pid, err
}

// UpcomingEvents lists the events that have not ended, soonest first (up to 100), with the
// caller's sign-up and check-in state.
func (s *Service) UpcomingEvents(ctx context.Context, userID int64) ([]UserEvent, error) {
	pid, err := s.personOrZero(ctx, userID)
	if err != nil {
		return nil, err
	}
	now := s.now().UTC()
	out := []UserEvent{}
	if err := sqlx.SelectContext(ctx, s.db, &out, `SELECT `+userEventColumns+` WHERE e.ends_at > ?
		ORDER BY e.starts_at, e.id LIMIT ?`, pid, pid, now, maxUpcoming); err != nil {
		return nil, fmt.Errorf("alumni: upcoming events: %w", sqldb.Classify(err))
	}
	for i := range out {
		s.userEvent(&out[i], now)
	}
	return out, nil
}

// userEventOf is one event with the state of the caller's registered person pid.
func (s *Service) userEventOf(ctx context.Context, q sqlx.QueryerContext, id, pid int64) (UserEvent, error) {
	var e UserEvent
	err := sqlx.GetContext(ctx, q, &e, `SELECT `+userEventColumns+` WHERE e.id = ?`, pid, pid, id)
	if errors.Is(err, sql.ErrNoRows) {
		return UserEvent{}, ErrEventNotFound
	}
	if err != nil {
		return UserEvent{}, fmt.Errorf("alumni: event: %w", sqldb.Classify(err))
	}
	s.userEvent(&e, s.now().UTC())
	return e, nil
}

// SignUp signs the caller (a registered returnee or alumnus) up for an event before it starts.
// The sign-up row and the count move together in one transaction: the row first (the PRIMARY KEY
// makes a second sign-up a no-op answered 200), then the count by a conditional UPDATE that
// holds the capacity (capacity IS NULL OR signups < capacity) and the start, so parallel
// sign-ups queue on the event's row and never exceed it: 0 rows is ErrEventFull or
// ErrSignupClosed, and the row goes with the rollback.
func (s *Service) SignUp(ctx context.Context, userID, eventID int64) (UserEvent, error) {
	pid, err := registeredPerson(ctx, s.db, userID)
	if err != nil {
		return UserEvent{}, err
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	err = sqldb.Retry(ctx, s.db, retries, func(tx *sqlx.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO event_signups (event_id, person_id, signed_up_at) VALUES (?, ?, ?)`, eventID, pid, now)
		if err := sqldb.Classify(err); errors.Is(err, sqldb.ErrDuplicate) {
			return nil // signed up already: nothing changes
		} else if err != nil {
			return fmt.Errorf("alumni: sign up: %w", err)
		}
		res, err := tx.ExecContext(ctx, `UPDATE events SET signups = signups + 1
			WHERE id = ? AND starts_at > ? AND (capacity IS NULL OR signups < capacity)`, eventID, now)
		if err != nil {
			return fmt.Errorf("alumni: count sign-up: %w", sqldb.Classify(err))
		}
		if n, _ := res.RowsAffected(); n == 1 {
			return nil
		}
		return s.whyNoPlace(ctx, tx, eventID, now)
	})
	if err != nil {
		return UserEvent{}, err
	}
	return s.userEventOf(ctx, s.db, eventID, pid)
}

// whyNoPlace tells why the sign-up count did not move: no such event, started, or full.
func (s *Service) whyNoPlace(ctx context.Context, q sqlx.QueryerContext, eventID int64, now time.Time) error {
	var ev struct {
		StartsAt time.Time `db:"starts_at"`
	}
	err := sqlx.GetContext(ctx, q, &ev, `SELECT starts_at FROM events WHERE id = ?`, eventID)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return ErrEventNotFound
	case err != nil:
		return fmt.Errorf("alumni: event: %w", sqldb.Classify(err))
	case !now.Before(ev.StartsAt):
		return ErrSignupClosed
	}
	return ErrEventFull
}

// CancelSignup takes the caller's sign-up back before the event starts, freeing the place; with
// no sign-up it changes nothing (200). The row is deleted and the count lowered in one
// transaction.
func (s *Service) CancelSignup(ctx context.Context, userID, eventID int64) (UserEvent, error) {
	pid, err := registeredPerson(ctx, s.db, userID)
	if err != nil {
		return UserEvent{}, err
	}
	now := s.now().UTC()
	ev, err := getEvent(ctx, s.db, eventID)
	if err != nil {
		return UserEvent{}, err
	}
	if !now.Before(ev.StartsAt) {
		return UserEvent{}, ErrSignupClosed
	}
	err = sqldb.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM event_signups WHERE event_id = ? AND person_id = ?`, eventID, pid)
		if err != nil {
			return fmt.Errorf("alumni: cancel sign-up: %w", sqldb.Classify(err))
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE events SET signups = signups - 1 WHERE id = ? AND signups > 0`, eventID); err != nil {
			return fmt.Errorf("alumni: count cancel: %w", sqldb.Classify(err))
		}
		return nil
	})
	if err != nil {
		return UserEvent{}, err
	}
	return s.userEventOf(ctx, s.db, eventID, pid)
}

// MaxSignups bounds the sign-up list staff see for one event.
const MaxSignups = 2000

// Signups lists who signed up for event id, earliest first (up to MaxSignups), with masked
// phones and whether they checked in.
func (s *Service) Signups(ctx context.Context, id int64) ([]Signup, error) {
	if _, err := getEvent(ctx, s.db, id); err != nil {
		return nil, err
	}
	out := []Signup{}
	err := sqlx.SelectContext(ctx, s.db, &out, `SELECT s.person_id, p.name, p.id_card_enc, p.phone_enc, s.signed_up_at,
			EXISTS (SELECT 1 FROM event_checkins c WHERE c.event_id = s.event_id AND c.person_id = s.person_id) AS checked_in
		FROM event_signups s JOIN persons p ON p.id = s.person_id
		WHERE s.event_id = ? ORDER BY s.signed_up_at, s.person_id LIMIT ?`, id, MaxSignups)
	if err != nil {
		return nil, fmt.Errorf("alumni: sign-ups: %w", sqldb.Classify(err))
	}
	for i := range out {
		m, err := s.persons.Masked(person.Row{ID: out[i].PersonID, IDCardEnc: out[i].IDCardEnc, PhoneEnc: out[i].PhoneEnc})
		if err != nil {
			return nil, err
		}
		out[i].Phone = m.Phone
	}
	return out, nil
}

// EventWXACode draws the event's 小程序码: WeChat's unlimited-kind code that opens
// pages/checkin/checkin with the scene "<id>.<code>". An event created before check-in codes
// existed gets its code here, once (a conditional UPDATE; a parallel request's code wins). WeChat
// unreachable is wechat.ErrUnavailable; WeChat refusing the page or scene is ErrCodeRefused.
func (s *Service) EventWXACode(ctx context.Context, id int64) ([]byte, error) {
	if s.codes == nil {
		return nil, fmt.Errorf("%w: no code maker", ErrCodeRefused)
	}
	ev, err := s.Event(ctx, id)
	if err != nil {
		return nil, err
	}
	if !ev.CheckinCode.Valid {
		code, err := newCheckinCode()
		if err != nil {
			return nil, err
		}
		if _, err := s.db.ExecContext(ctx, `UPDATE events SET checkin_code = ? WHERE id = ? AND checkin_code IS NULL`, code, id); err != nil {
			return nil, fmt.Errorf("alumni: check-in code: %w", sqldb.Classify(err))
		}
		if ev, err = s.Event(ctx, id); err != nil {
			return nil, err
		}
	}
	img, err := s.codes.WXACode(ctx, strconv.FormatInt(ev.ID, 10)+SceneSeparator+ev.CheckinCode.String, CheckinPage)
	if err != nil && !errors.Is(err, wechat.ErrUnavailable) {
		return nil, fmt.Errorf("%w: %w", ErrCodeRefused, err)
	}
	return img, err
}
