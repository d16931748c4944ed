package alumni

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"huixiang/internal/actor"
	"huixiang/internal/audit"
	"huixiang/internal/points"
	"huixiang/internal/sqldb"
)

func (e *Event) fill() {
	e.KindName = KindName(e.Kind)
	e.QR = EventQRPrefix + strconv.FormatInt(e.ID, 10) + ":" + e.Token
	if e.CheckinCode.Valid {
		e.Scene = strconv.FormatInt(e.ID, 10) + SceneSeparator + e.CheckinCode.String
	}
}

// newCheckinCode is 16 bytes from crypto/rand, base64url (22 characters, 128 bits): the short
// check-in code the 小程序码's scene carries.
func newCheckinCode() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// newToken is 32 bytes from crypto/rand, base64url: what the event's QR code carries.
func newToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// CreateEvent creates an event with an earning rule (audited). The rule must be active, give
// fixed points (not per amount) and be one the creator's department may grant. The check-in window defaults to an hour before the start until
// the end.
func (s *Service) CreateEvent(ctx context.Context, actor actor.Actor, in EventInput) (Event, error) {
	ev, err := s.checkEvent(ctx, actor, in)
	if err != nil {
		return Event{}, err
	}
	title, opens, closes, rule := ev.title, ev.opens, ev.closes, ev.rule
	token, err := newToken()
	if err != nil {
		return Event{}, err
	}
	code, err := newCheckinCode()
	if err != nil {
		return Event{}, err
	}
	var id int64
	err = sqldb.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		var err error
		if id, err = insertEvent(ctx, tx, title, ev.kind, in.TrainingMinutes, in.StartsAt.UTC(), in.EndsAt.UTC(), opens.UTC(), closes.UTC(),
			rule.Code, token, code, in.Capacity, actor.ID, s.now().UTC()); err != nil {
			return err
		}
		e := actor.AuditID("event.create", "event", id)
		e.Detail = map[string]any{"title": title, "kind": ev.kind, "training_minutes": in.TrainingMinutes, "points_rule": rule.Code,
			"capacity": in.Capacity}
		return audit.Write(ctx, tx, e)
	})
	if err != nil {
		return Event{}, err
	}
	return s.Event(ctx, id)
}

// Event returns one event with its check-in count.
func (s *Service) Event(ctx context.Context, id int64) (Event, error) {
	e, err := getEvent(ctx, s.db, id)
	if err != nil {
		return Event{}, err
	}
	e.fill()
	return e, nil
}

// Events lists the latest events (up to 200), latest start first.
func (s *Service) Events(ctx context.Context) ([]Event, error) {
	out, err := listEvents(ctx, s.db)
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].fill()
	}
	return out, nil
}

// CheckIn checks the caller in to an event with the token of its QR code (or the whole QR
// payload), or the check-in code of its 小程序码 (or the whole scene "<id>.<code>"), and grants
// the event's points.
//
// The PRIMARY KEY (event, person) makes the check-in happen once. The points ledger commits in
// its own transaction (points.Service.Grant takes no caller transaction), so the grant runs right
// after the check-in commits, under the reference "event:<id>", which the ledger accepts once per
// rule and person: no path can grant twice. When the grant fails, the check-in is taken back so
// that the user's retry starts afresh. When the process dies in between (or taking it back
// fails), the check-in stands with points_granted_at NULL, and an attempt healAfter later —
// answered ALREADY_CHECKED_IN — grants the points first. Younger check-ins are left to the
// request that made them, so parallel duplicates do not all call the ledger.
func (s *Service) CheckIn(ctx context.Context, userID, eventID int64, token string) (CheckIn, error) {
	token = strings.TrimSpace(token)
	if rest, ok := strings.CutPrefix(token, EventQRPrefix); ok {
		idPart, tok, _ := strings.Cut(rest, ":")
		if idPart != strconv.FormatInt(eventID, 10) {
			return CheckIn{}, ErrEventNotFound
		}
		token = tok
	} else if idPart, code, ok := strings.Cut(token, SceneSeparator); ok {
		if idPart != strconv.FormatInt(eventID, 10) {
			return CheckIn{}, ErrEventNotFound
		}
		token = code
	}
	ev, err := s.Event(ctx, eventID)
	if err != nil {
		return CheckIn{}, err
	}
	// Both compares run whatever the first answers: the time says nothing about which matched.
	byToken := subtle.ConstantTimeCompare([]byte(token), []byte(ev.Token))
	byCode := subtle.ConstantTimeCompare([]byte(token), []byte(ev.CheckinCode.String))
	if token == "" || byToken|byCode != 1 {
		return CheckIn{}, ErrEventNotFound
	}
	pid, err := registeredPerson(ctx, s.db, userID)
	if err != nil {
		return CheckIn{}, err
	}
	now := s.now().UTC()
	if now.Before(ev.CheckinOpensAt) {
		return CheckIn{}, ErrCheckinNotOpen
	}
	if !now.Before(ev.CheckinClosesAt) {
		return CheckIn{}, ErrCheckinClosed
	}
	err = insertCheckIn(ctx, s.db, ev.ID, pid, now)
	if errors.Is(err, sqldb.ErrDuplicate) {
		s.finishGrant(ctx, ev, pid, userID)
		return CheckIn{}, ErrAlreadyCheckedIn
	}
	if err != nil {
		return CheckIn{}, err
	}
	pts, err := s.grant(ctx, ev, pid, userID)
	if err != nil {
		// Not cancellable: the request may be gone, the check-in must still be taken back.
		if derr := takeBackCheckIn(context.WithoutCancel(ctx), s.db, ev.ID, pid); derr != nil {
			s.log.WarnContext(ctx, "event check-in: taking back a check-in without points failed", "event", ev.ID, "person", pid, "error", derr)
		}
		return CheckIn{}, err
	}
	return CheckIn{EventID: ev.ID, Title: ev.Title, CheckedInAt: now, Points: pts}, nil
}

// grant gives the event's points for the check-in and marks the check-in granted. A grant the
// ledger has already (ErrDuplicateReference) counts as done.
func (s *Service) grant(ctx context.Context, ev Event, personID, userID int64) (int64, error) {
	note := "活动签到：" + ev.Title
	e, err := s.points.Grant(ctx, actor.Actor{Kind: actor.KindUser, ID: userID, Name: "event_checkin"},
		points.GrantInput{PersonID: personID, Rule: ev.PointsRule, Reference: "event:" + strconv.FormatInt(ev.ID, 10), Note: note})
	pts := e.Delta
	if errors.Is(err, points.ErrDuplicateReference) {
		pts, err = ev.Points, nil
	}
	if err != nil {
		return 0, err
	}
	if err := markGranted(ctx, s.db, ev.ID, personID, s.now().UTC()); err != nil {
		// The points are granted; a later attempt sees NULL and finds the grant there already.
		s.log.WarnContext(ctx, "event check-in: marking points granted failed", "event", ev.ID, "person", personID, "error", err)
	}
	return pts, nil
}

// healAfter is how old a check-in without points must be before another attempt grants them:
// longer than a request that is still granting them takes.
const healAfter = 30 * time.Second

// finishGrant grants the points of a check-in whose grant did not complete.
func (s *Service) finishGrant(ctx context.Context, ev Event, personID, userID int64) {
	c, err := getCheckIn(ctx, s.db, ev.ID, personID)
	if err != nil {
		if !errors.Is(err, sql.ErrNoRows) {
			s.log.WarnContext(ctx, "event check-in: reading the check-in to complete its grant failed", "event", ev.ID, "person", personID, "error", err)
		}
		return
	}
	if c.GrantedAt.Valid || s.now().Sub(c.CheckedInAt) < healAfter {
		return
	}
	if _, err := s.grant(ctx, ev, personID, userID); err != nil {
		s.log.WarnContext(ctx, "event check-in: completing the points grant failed", "event", ev.ID, "person", personID, "error", err)
	}
}

// checkedEvent is an event's input after checkEvent: the title cleaned, the check-in window with
// its defaults, the rule looked up.
type checkedEvent struct {
	title, kind   string
	opens, closes time.Time
	rule          points.Rule
}

// checkEvent checks an event's input for CreateEvent and UpdateEvent: a title of 2–100
// characters, the end after the start, a check-in window (by default an hour before the start
// until the end) that closes after it opens, and an active fixed-points rule the actor may grant
// (check-ins earn it without a staff member choosing it).
func (s *Service) checkEvent(ctx context.Context, actor actor.Actor, in EventInput) (checkedEvent, error) {
	title := clean(in.Title)
	if n := utf8.RuneCountInString(title); n < 2 || n > 100 {
		return checkedEvent{}, &FieldError{"title", "活动名称为 2-100 字"}
	}
	if in.StartsAt.IsZero() {
		return checkedEvent{}, &FieldError{"starts_at", "请填写开始时间"}
	}
	if !in.EndsAt.After(in.StartsAt) {
		return checkedEvent{}, &FieldError{"ends_at", "结束时间须晚于开始时间"}
	}
	opens, closes := in.StartsAt.Add(-time.Hour), in.EndsAt
	if in.CheckinOpensAt != nil {
		opens = *in.CheckinOpensAt
	}
	if in.CheckinClosesAt != nil {
		closes = *in.CheckinClosesAt
	}
	if !closes.After(opens) {
		return checkedEvent{}, &FieldError{"checkin_closes_at", "签到截止时间须晚于签到开始时间"}
	}
	rule, err := points.GetRule(ctx, s.db, strings.TrimSpace(in.PointsRule))
	if errors.Is(err, points.ErrRuleUnknown) || (err == nil && (!rule.Active || rule.PerAmountFen != nil)) {
		return checkedEvent{}, &FieldError{"points_rule", "积分规则不存在、已停用或按金额计分，不能用于活动签到"}
	}
	if err != nil {
		return checkedEvent{}, fmt.Errorf("alumni: rule: %w", err)
	}
	if in.Capacity != nil && (*in.Capacity < 1 || *in.Capacity > MaxCapacity) {
		return checkedEvent{}, &FieldError{"capacity", "名额须为 1 到 100000 之间的整数；不限名额请留空"}
	}
	kind := strings.TrimSpace(in.Kind)
	if kind == "" {
		kind = KindAlumni
	}
	if KindName(kind) == "" {
		return checkedEvent{}, &FieldError{"kind", "请选择活动类型"}
	}
	if in.TrainingMinutes < 0 || in.TrainingMinutes > MaxTrainingMinutes {
		return checkedEvent{}, &FieldError{"training_minutes", "培训学时须在 0 到 1666 小时之间"}
	}
	if !rule.GrantableBy(actor) {
		return checkedEvent{}, points.ErrRuleNotAllowed
	}
	return checkedEvent{title: title, kind: kind, opens: opens, closes: closes, rule: rule}, nil
}
