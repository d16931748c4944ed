// Package appeal is the handling of requests (诉求清单化办理): a signed-in mini-program user — a
// merchant, an alumnus or a returnee — submits a request (category, text, photos, township); a
// district dispatcher assigns it to a department with a due date; that department's staff reply
// and close it; the requester rates the close (满意 / 基本满意 / 不满意) and may reopen it once,
// which sends it back to the same department with a new due date. Overdue requests (due date
// passed, not replied) are marked for the department and counted on the dashboard. Each step
// tells the requester (inbox message, and a push within their consent).
//
// The API calls them "requests"; the package is appeal so as not to be confused with HTTP
// requests. Where each rule is held (see docs/requests.md): statuses change only through the
// transition table, in one transaction that locks the row (SELECT … FOR UPDATE), checks who may
// act, and then UPDATEs conditionally on the status; every step is a row of appeal_events in the
// same transaction; the database holds "reopen once" (CHECK reopens IN (0, 1)) and "rate once
// per close" (UPDATE … WHERE rating IS NULL); photos are claimed by upload.Attach in the
// request's transaction; the inbox message and the push are written in the same transaction.
package appeal

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"huixiang/internal/actor"
	"huixiang/internal/audit"
	"huixiang/internal/cn"
	"huixiang/internal/notify"
	"huixiang/internal/sqldb"
	"huixiang/internal/upload"
)

// Statuses.
const (
	StatusSubmitted = "submitted"
	StatusAssigned  = "assigned"
	StatusReplied   = "replied"
	StatusClosed    = "closed"
)

// Statuses is every status, in order.
var Statuses = []string{StatusSubmitted, StatusAssigned, StatusReplied, StatusClosed}

// StatusNames are the statuses as people read them.
var StatusNames = map[string]string{StatusSubmitted: "待交办", StatusAssigned: "办理中", StatusReplied: "已答复", StatusClosed: "已办结"}

// Category is one of the fixed categories of requests.
type Category struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// Categories is the fixed list of categories (issue 14 §6).
var Categories = []Category{{"policy", "政策咨询"}, {"permit", "审批办证"}, {"land_labor", "用地用工"},
	{"finance", "融资信贷"}, {"infrastructure", "基础设施"}, {"other", "其他"}}

// CategoryName is the Chinese name of category code (the code itself when unknown).
func CategoryName(code string) string {
	for _, c := range Categories {
		if c.Code == code {
			return c.Name
		}
	}
	return code
}

// Ratings.
const (
	RatingSatisfied   = "satisfied"
	RatingBasic       = "basic"
	RatingUnsatisfied = "unsatisfied"
)

// Ratings is every rating, best first.
var Ratings = []string{RatingSatisfied, RatingBasic, RatingUnsatisfied}

// RatingNames are the ratings as people read them.
var RatingNames = map[string]string{RatingSatisfied: "满意", RatingBasic: "基本满意", RatingUnsatisfied: "不满意"}

// Limits.
const (
	MaxText   = 1000
	MaxReply  = 2000
	MaxNote   = 500
	MaxImages = 6
	// MaxDueDays bounds how far ahead a due date may be set.
	MaxDueDays = 90
	// DefaultReopenDays is the new due date after a reopen when the first assignment gives no span.
	DefaultReopenDays = 7
)

// Errors callers branch on.
var (
	ErrNotFound          = errors.New("appeal: not found")
	ErrInvalidTransition = errors.New("appeal: invalid transition")
	ErrAlreadyRated      = errors.New("appeal: rated already")
	ErrAlreadyReopened   = errors.New("appeal: reopened already")
	ErrForbidden         = errors.New("appeal: not allowed for this staff member")
)

// FieldError names an invalid field.
type FieldError struct {
	Field   string
	Message string // Chinese, for the form
}

func (e *FieldError) Error() string { return "appeal: " + e.Field + ": " + e.Message }

// Action is a step of a request.
type Action string

// Actions of the transition table and the events.
const (
	ActSubmit Action = "submit"
	ActAssign Action = "assign" // the dispatcher assigns (or reassigns) to a department with a due date
	ActReply  Action = "reply"  // the department replies (again)
	ActClose  Action = "close"  // the department (after replying) or the dispatcher closes
	ActRate   Action = "rate"   // the requester rates the close, once per close
	ActReopen Action = "reopen" // the requester reopens a closed request, once ever
)

// transitions is the one table of status changes: action → the statuses it starts from and the
// status it leads to (reopen leads to submitted instead when no department was ever assigned).
// Every UPDATE of a status is conditional on the from-statuses here, under the row lock.
var transitions = map[Action]struct {
	From []string
	To   string
}{
	ActAssign: {From: []string{StatusSubmitted, StatusAssigned}, To: StatusAssigned},
	ActReply:  {From: []string{StatusAssigned, StatusReplied}, To: StatusReplied},
	ActClose:  {From: []string{StatusSubmitted, StatusAssigned, StatusReplied}, To: StatusClosed},
	ActRate:   {From: []string{StatusClosed}, To: StatusClosed},
	ActReopen: {From: []string{StatusClosed}, To: StatusAssigned},
}

// Can reports whether action may start from status (the console shows its forms by it).
func Can(action Action, status string) bool {
	return slices.Contains(transitions[action].From, status)
}

// IsDispatcher reports whether a may assign requests to departments and close any open one: the
// district administrators (区级管理员), who run the district's dispatch desk. Department staff
// only handle what is assigned to them; township staff only read their township's requests.
func IsDispatcher(a actor.Actor) bool { return a.IsStaff() && a.Role == actor.DistrictAdmin }

// handles reports whether a is staff of the department a request is assigned to.
func handles(a actor.Actor, department string) bool {
	return a.IsStaff() && a.Role == actor.Department && a.Department != "" && a.Department == department
}

// Files claims a user's uploads for a record in the caller's transaction and signs their URLs;
// *upload.Service is one.
type Files interface {
	Attach(ctx context.Context, tx sqlx.ExtContext, uploadIDs []string, ownerUserID int64, refType string, refID int64) error
	SignedURL(id string) (string, time.Time)
}

// Notifier writes inbox messages in the caller's transaction; *notify.Service is one.
type Notifier interface {
	Enqueue(ctx context.Context, tx sqlx.ExtContext, n notify.Notification) error
}

// TextCheck is WeChat's content check of a user's text (moderation.UserText is one).
type TextCheck interface {
	CheckUserText(ctx context.Context, userID int64, text string) error
}

// Service keeps requests.
type Service struct {
	db     *sqlx.DB
	files  Files
	notify Notifier
	text   TextCheck
	now    atomic.Pointer[func() time.Time]
	quiet  notify.Quiet
	pushes bool
}

// NewService returns requests on db; files, n and text may be nil (no photos, no messages, no
// content check).
func NewService(db *sqlx.DB, files Files, n Notifier, text TextCheck) *Service {
	s := &Service{db: db, files: files, notify: n, text: text}
	s.SetClock(nil)
	return s
}

// WithPushes makes each message to the requester a push too (a subscribe message within their
// consent), waiting out the quiet hours q; personal, so the weekly cap does not hold them.
func (s *Service) WithPushes(q notify.Quiet) *Service {
	s.quiet, s.pushes = q, true
	return s
}

// SetClock replaces the service's clock (tests; nil: time.Now).
func (s *Service) SetClock(now func() time.Time) {
	if now == nil {
		now = time.Now
	}
	s.now.Store(&now)
}

func (s *Service) clock() time.Time { return (*s.now.Load())().UTC().Truncate(time.Millisecond) }

// Now is the service's clock (the console shows overdue marks by it).
func (s *Service) Now() time.Time { return s.clock() }

// Image is a photo with a signed URL.
type Image struct {
	ID  string `json:"id"`
	URL string `json:"url"`
}

// Event is one step of a request's timeline.
type Event struct {
	ID         int64      `json:"id"`
	Action     string     `json:"action"`
	ActionName string     `json:"action_name"`
	ActorType  string     `json:"actor_type"`
	ActorName  string     `json:"actor_name,omitempty"`
	Department string     `json:"department,omitempty"`
	DueAt      *time.Time `json:"due_at,omitempty"`
	Note       string     `json:"note"`
	CreatedAt  time.Time  `json:"created_at"`
}

// ActionNames are the steps as people read them.
var ActionNames = map[string]string{"submit": "提交诉求", "assign": "交办部门", "reply": "部门答复", "close": "办结",
	"rate": "评价", "reopen": "重新办理"}

// Appeal is a request as its requester and staff see it.
type Appeal struct {
	ID           int64      `json:"id"`
	Category     string     `json:"category"`
	CategoryName string     `json:"category_name"`
	Text         string     `json:"text"`
	Images       []Image    `json:"images"`
	TownshipCode string     `json:"township_code"`
	Township     string     `json:"township"`
	Status       string     `json:"status"`
	StatusName   string     `json:"status_name"`
	Department   string     `json:"department"`
	AssignedAt   *time.Time `json:"assigned_at"`
	DueAt        *time.Time `json:"due_at"`
	Overdue      bool       `json:"overdue"`
	Reply        string     `json:"reply"`
	RepliedAt    *time.Time `json:"replied_at"`
	ClosedAt     *time.Time `json:"closed_at"`
	Rating       *string    `json:"rating"`
	RatingName   string     `json:"rating_name"`
	RatedAt      *time.Time `json:"rated_at"`
	Reopened     bool       `json:"reopened"`
	// CanRate and CanReopen say what the requester may do now.
	CanRate   bool      `json:"can_rate"`
	CanReopen bool      `json:"can_reopen"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	// Requester is the requester's registered name, for staff only.
	Requester string `json:"requester,omitempty"`
	// Events are the timeline, oldest first, on the one-request views.
	Events []Event `json:"events,omitempty"`
}

type row struct {
	ID           int64          `db:"id"`
	UserID       int64          `db:"user_id"`
	Category     string         `db:"category"`
	Text         string         `db:"text"`
	Images       []byte         `db:"images"`
	TownshipCode string         `db:"township_code"`
	Township     sql.NullString `db:"township"`
	Status       string         `db:"status"`
	Department   sql.NullString `db:"department"`
	AssignedAt   sql.NullTime   `db:"assigned_at"`
	DueAt        sql.NullTime   `db:"due_at"`
	Reply        string         `db:"reply"`
	RepliedAt    sql.NullTime   `db:"replied_at"`
	ClosedAt     sql.NullTime   `db:"closed_at"`
	Rating       sql.NullString `db:"rating"`
	RatedAt      sql.NullTime   `db:"rated_at"`
	Reopens      int            `db:"reopens"`
	CreatedAt    time.Time      `db:"created_at"`
	UpdatedAt    time.Time      `db:"updated_at"`
	Requester    sql.NullString `db:"requester"`
}

const selectAppeals = `SELECT a.id, a.user_id, a.category, a.text, a.images, a.township_code, tw.name AS township, a.status,
	a.department, a.assigned_at, a.due_at, a.reply, a.replied_at, a.closed_at, a.rating, a.rated_at, a.reopens,
	a.created_at, a.updated_at, (SELECT p.name FROM persons p WHERE p.user_id = a.user_id LIMIT 1) AS requester
	FROM appeals a LEFT JOIN regions tw ON tw.code = a.township_code`

// overdueSQL is the condition of an overdue request (one argument: now).
const overdueSQL = `(a.status = 'assigned' AND a.due_at <= ?)`

func ptrTime(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	v := t.Time.UTC()
	return &v
}

func (r *row) overdue(now time.Time) bool {
	return r.Status == StatusAssigned && r.DueAt.Valid && !r.DueAt.Time.After(now)
}

func (s *Service) images(raw []byte) []Image {
	var ids []string
	_ = json.Unmarshal(raw, &ids)
	out := make([]Image, 0, len(ids))
	for _, id := range ids {
		im := Image{ID: id}
		if s.files != nil {
			im.URL, _ = s.files.SignedURL(id)
		}
		out = append(out, im)
	}
	return out
}

func (s *Service) view(r *row, now time.Time, staff bool) Appeal {
	a := Appeal{ID: r.ID, Category: r.Category, CategoryName: CategoryName(r.Category), Text: r.Text, Images: s.images(r.Images),
		TownshipCode: r.TownshipCode, Township: r.Township.String, Status: r.Status, StatusName: StatusNames[r.Status],
		Department: r.Department.String, AssignedAt: ptrTime(r.AssignedAt), DueAt: ptrTime(r.DueAt), Overdue: r.overdue(now),
		Reply: r.Reply, RepliedAt: ptrTime(r.RepliedAt), ClosedAt: ptrTime(r.ClosedAt), RatedAt: ptrTime(r.RatedAt),
		Reopened: r.Reopens > 0, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
	if r.Rating.Valid {
		a.Rating, a.RatingName = &r.Rating.String, RatingNames[r.Rating.String]
	}
	a.CanRate = r.Status == StatusClosed && !r.Rating.Valid
	a.CanReopen = r.Status == StatusClosed && r.Reopens == 0
	if staff {
		a.Requester = r.Requester.String
	}
	return a
}

// Input is a new request.
type Input struct {
	Category     string   `json:"category"`
	Text         string   `json:"text"`
	Images       []string `json:"images"`
	TownshipCode string   `json:"township_code"`
}

// checkText trims text and checks its length.
func checkText(field, name string, text *string, max int, allowEmpty bool) error {
	*text = strings.TrimSpace(*text)
	n := utf8.RuneCountInString(*text)
	switch {
	case n == 0 && !allowEmpty:
		return &FieldError{field, "请填写" + name}
	case n > max:
		return &FieldError{field, fmt.Sprintf("%s最多 %d 个字，现在 %d 个", name, max, n)}
	}
	return nil
}

// checkImages dedups ids and checks they are at most 6 pictures of userID's no record has claimed.
func (s *Service) checkImages(ctx context.Context, userID int64, ids []string) ([]string, error) {
	out := upload.PictureIDs(ids)
	if len(out) > MaxImages {
		return nil, &FieldError{"images", fmt.Sprintf("照片最多 %d 张", MaxImages)}
	}
	if len(out) == 0 {
		return out, nil
	}
	if s.files == nil {
		return nil, &FieldError{"images", "暂不支持上传照片"}
	}
	ok, err := upload.OwnUnclaimedPictures(ctx, s.db, userID, out)
	if err != nil {
		return nil, fmt.Errorf("appeal: check images: %w", err)
	}
	if !ok {
		return nil, &FieldError{"images", "照片不存在或不是您上传的照片，请重新上传"}
	}
	return out, nil
}

// township is the township the request is about: the chosen one (an active level-2 region), or
// the one on the user's record (returnee, then merchant).
func (s *Service) township(ctx context.Context, userID int64, code string) (string, error) {
	code = strings.TrimSpace(code)
	if code == "" {
		err := sqlx.GetContext(ctx, s.db, &code, `SELECT COALESCE(
			(SELECT r.township_code FROM persons p JOIN returnees r ON r.person_id = p.id WHERE p.user_id = ? LIMIT 1),
			(SELECT m.township_code FROM persons p JOIN merchants m ON m.person_id = p.id WHERE p.user_id = ? LIMIT 1), '')`, userID, userID)
		if err != nil {
			return "", fmt.Errorf("appeal: township of user %d: %w", userID, sqldb.Classify(err))
		}
		if code == "" {
			return "", &FieldError{"township_code", "请选择诉求所在的乡镇（街道）"}
		}
		return code, nil
	}
	var ok bool
	if err := sqlx.GetContext(ctx, s.db, &ok, `SELECT EXISTS (SELECT 1 FROM regions WHERE code = ? AND level = 2 AND active)`, code); err != nil {
		return "", fmt.Errorf("appeal: township %q: %w", code, sqldb.Classify(err))
	}
	if !ok {
		return "", &FieldError{"township_code", "乡镇（街道）不存在，请重新选择"}
	}
	return code, nil
}

func jsonIDs(ids []string) string {
	b, _ := json.Marshal(ids)
	return string(b)
}

// Page is the mini-program page of request id.
func Page(id int64) string { return "pages/request/request?id=" + strconv.FormatInt(id, 10) }

// tell writes an inbox message (and a push) to the requester about request id.
func (s *Service) tell(ctx context.Context, tx sqlx.ExtContext, userID, id int64, title, body, key string) error {
	if s.notify == nil || userID <= 0 {
		return nil
	}
	if r := []rune(body); len(r) > 200 {
		body = string(r[:200]) + "…"
	}
	if err := s.notify.Enqueue(ctx, tx, notify.Notification{UserID: userID, Kind: "request", Title: title, Body: body,
		Page: Page(id), RefType: "appeal", RefID: id, DedupKey: key}); err != nil {
		return err
	}
	if !s.pushes {
		return nil
	}
	now := s.clock()
	return notify.EnqueuePushes(ctx, tx, []notify.Push{{UserID: userID, DedupKey: key + ":push", Page: Page(id), Title: title,
		Summary: body, Personal: true}}, now, s.quiet.Next(now))
}

// event appends a step to the timeline.
func event(ctx context.Context, tx sqlx.ExtContext, id int64, act Action, by actor.Actor, department string, due *time.Time, note string, now time.Time) error {
	kind, name := "user", ""
	if by.Kind == actor.KindStaff {
		kind, name = "staff", by.Name
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO appeal_events (appeal_id, action, actor_type, actor_id, actor_name, department, due_at, note, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, string(act), kind, by.ID, name, department, due, note, now)
	if err != nil {
		return fmt.Errorf("appeal: event %s of %d: %w", act, id, sqldb.Classify(err))
	}
	return nil
}

// Create is userID submitting a request: content-checked, photos claimed, the requester told.
func (s *Service) Create(ctx context.Context, userID int64, in Input) (*Appeal, error) {
	in.Category = strings.TrimSpace(in.Category)
	if !slices.ContainsFunc(Categories, func(c Category) bool { return c.Code == in.Category }) {
		return nil, &FieldError{"category", "请选择诉求类别"}
	}
	if err := checkText("text", "诉求内容", &in.Text, MaxText, false); err != nil {
		return nil, err
	}
	township, err := s.township(ctx, userID, in.TownshipCode)
	if err != nil {
		return nil, err
	}
	imgs, err := s.checkImages(ctx, userID, in.Images)
	if err != nil {
		return nil, err
	}
	if s.text != nil {
		if err := s.text.CheckUserText(ctx, userID, in.Text); err != nil {
			return nil, err
		}
	}
	now := s.clock()
	var id int64
	err = sqldb.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO appeals (user_id, category, text, images, township_code, status, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, userID, in.Category, in.Text, jsonIDs(imgs), township, StatusSubmitted, now, now)
		if err != nil {
			return fmt.Errorf("appeal: create: %w", sqldb.Classify(err))
		}
		if id, err = res.LastInsertId(); err != nil {
			return err
		}
		if len(imgs) > 0 {
			if err := s.files.Attach(ctx, tx, imgs, userID, "appeal", id); err != nil {
				return err
			}
		}
		if err := event(ctx, tx, id, ActSubmit, actor.User(userID), "", nil, "", now); err != nil {
			return err
		}
		return s.tell(ctx, tx, userID, id, "诉求已提交", "您的"+CategoryName(in.Category)+"诉求已提交，区里将尽快交办相关部门。",
			fmt.Sprintf("appeal:%d:submit", id))
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, userID, id)
}

func (s *Service) events(ctx context.Context, id int64, staff bool) ([]Event, error) {
	var rows []struct {
		ID         int64        `db:"id"`
		Action     string       `db:"action"`
		ActorType  string       `db:"actor_type"`
		ActorName  string       `db:"actor_name"`
		Department string       `db:"department"`
		DueAt      sql.NullTime `db:"due_at"`
		Note       string       `db:"note"`
		CreatedAt  time.Time    `db:"created_at"`
	}
	if err := sqlx.SelectContext(ctx, s.db, &rows, `SELECT id, action, actor_type, actor_name, department, due_at, note, created_at
		FROM appeal_events WHERE appeal_id = ? ORDER BY id LIMIT 200`, id); err != nil {
		return nil, fmt.Errorf("appeal: events of %d: %w", id, sqldb.Classify(err))
	}
	out := make([]Event, len(rows))
	for i, r := range rows {
		out[i] = Event{ID: r.ID, Action: r.Action, ActionName: ActionNames[r.Action], ActorType: r.ActorType, Department: r.Department,
			DueAt: ptrTime(r.DueAt), Note: r.Note, CreatedAt: r.CreatedAt.UTC()}
		if staff {
			out[i].ActorName = r.ActorName
		}
	}
	return out, nil
}

// Get is request id for its requester userID (anyone else: ErrNotFound), with the timeline.
func (s *Service) Get(ctx context.Context, userID, id int64) (*Appeal, error) {
	var r row
	err := sqlx.GetContext(ctx, s.db, &r, selectAppeals+` WHERE a.id = ? AND a.user_id = ?`, id, userID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("appeal: get %d: %w", id, sqldb.Classify(err))
	}
	a := s.view(&r, s.clock(), false)
	if a.Events, err = s.events(ctx, id, false); err != nil {
		return nil, err
	}
	return &a, nil
}

func (s *Service) list(ctx context.Context, where, order string, staff bool, args ...any) ([]Appeal, error) {
	var rows []row
	if err := sqlx.SelectContext(ctx, s.db, &rows, selectAppeals+` WHERE `+where+` ORDER BY `+order+` LIMIT 500`, args...); err != nil {
		return nil, fmt.Errorf("appeal: list: %w", sqldb.Classify(err))
	}
	now := s.clock()
	out := make([]Appeal, len(rows))
	for i := range rows {
		out[i] = s.view(&rows[i], now, staff)
	}
	return out, nil
}

// Mine is userID's requests, the latest first.
func (s *Service) Mine(ctx context.Context, userID int64) ([]Appeal, error) {
	return s.list(ctx, `a.user_id = ?`, `a.id DESC`, false, userID)
}

// scope is the condition limiting requests to what staff member by may see: township staff
// their township's, department staff what is assigned to their department, administrators all.
func scope(by actor.Actor) (string, []any) {
	switch {
	case !by.IsStaff():
		return "FALSE", nil
	case by.Role == actor.Township:
		return "a.township_code = ?", []any{by.ScopeTownship()}
	case by.Role == actor.Department:
		return "a.department = ?", []any{by.Department}
	}
	return "TRUE", nil
}

// AdminQuery filters the staff list.
type AdminQuery struct {
	Status     string
	Department string
	Category   string
	Township   string
	Overdue    bool
}

// AdminList is the requests staff member by may see, filtered: overdue first, then those
// waiting for a department, then the latest.
func (s *Service) AdminList(ctx context.Context, by actor.Actor, q AdminQuery) ([]Appeal, error) {
	now := s.clock()
	cond, args := scope(by)
	where := []string{cond}
	add := func(c string, v any) { where, args = append(where, c), append(args, v) }
	if q.Status != "" {
		add("a.status = ?", q.Status)
	}
	if q.Department != "" {
		add("a.department = ?", q.Department)
	}
	if q.Category != "" {
		add("a.category = ?", q.Category)
	}
	if q.Township != "" {
		add("a.township_code = ?", q.Township)
	}
	if q.Overdue {
		add(overdueSQL, now)
	}
	args = append(args, now)
	return s.list(ctx, strings.Join(where, " AND "), `NOT `+overdueSQL+`, a.status <> 'submitted', a.id DESC`, true, args...)
}

// AdminGet is request id with its timeline, if by may see it (else ErrNotFound).
func (s *Service) AdminGet(ctx context.Context, by actor.Actor, id int64) (*Appeal, error) {
	cond, args := scope(by)
	list, err := s.list(ctx, `a.id = ? AND `+cond, `a.id`, true, append([]any{id}, args...)...)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, ErrNotFound
	}
	a := list[0]
	if a.Events, err = s.events(ctx, id, true); err != nil {
		return nil, err
	}
	return &a, nil
}

// OverdueCount is how many requests by may see are overdue (the dashboard's escalation tile).
func (s *Service) OverdueCount(ctx context.Context, by actor.Actor) (int, error) {
	cond, args := scope(by)
	var n int
	if err := sqlx.GetContext(ctx, s.db, &n, `SELECT COUNT(*) FROM appeals a WHERE `+cond+` AND `+overdueSQL,
		append(args, s.clock())...); err != nil {
		return 0, fmt.Errorf("appeal: overdue count: %w", sqldb.Classify(err))
	}
	return n, nil
}

// Departments are the departments requests may be assigned to: those of enabled department staff.
func (s *Service) Departments(ctx context.Context) ([]string, error) {
	var out []string
	if err := sqlx.SelectContext(ctx, s.db, &out, `SELECT DISTINCT department FROM staff
		WHERE role = 'department' AND NOT disabled AND department IS NOT NULL AND department <> '' ORDER BY department`); err != nil {
		return nil, fmt.Errorf("appeal: departments: %w", sqldb.Classify(err))
	}
	return out, nil
}

// locked is request id read under the row lock in tx.
func locked(ctx context.Context, tx *sqlx.Tx, id int64) (*row, error) {
	var r row
	err := sqlx.GetContext(ctx, tx, &r, `SELECT a.id, a.user_id, a.category, a.text, a.images, a.township_code, a.status,
		a.department, a.assigned_at, a.due_at, a.reply, a.replied_at, a.closed_at, a.rating, a.rated_at, a.reopens,
		a.created_at, a.updated_at FROM appeals a WHERE a.id = ? FOR UPDATE`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("appeal: lock %d: %w", id, sqldb.Classify(err))
	}
	return &r, nil
}

// move is the conditional UPDATE of a transition: set (with its args) on request id, only
// while its status is one of act's from-statuses (and cond holds). One row or ErrInvalidTransition.
func move(ctx context.Context, tx *sqlx.Tx, id int64, act Action, set string, setArgs []any, cond string, condArgs ...any) error {
	t := transitions[act]
	args := append(append(setArgs, id), condArgs...)
	q, args, err := sqlx.In(`UPDATE appeals SET `+set+` WHERE id = ? AND `+cond+` AND status IN (?)`, append(args, t.From)...)
	if err != nil {
		return err
	}
	res, err := tx.ExecContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("appeal: %s %d: %w", act, id, sqldb.Classify(err))
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return ErrInvalidTransition
	}
	return nil
}

// staffSees reports whether staff member by may see request r at all.
func staffSees(by actor.Actor, r *row) bool {
	switch {
	case !by.IsStaff():
		return false
	case by.Role == actor.Township:
		return by.SeesTownship(r.TownshipCode)
	case by.Role == actor.Department:
		return handles(by, r.Department.String)
	}
	return true
}

// AssignInput is the dispatcher's assignment: a department and the due date (YYYY-MM-DD, Asia/Shanghai).
type AssignInput struct {
	Department string `json:"department"`
	DueDate    string `json:"due_date"`
	Note       string `json:"note"`
}

// dueAt is the end of day date (Asia/Shanghai) as UTC: today at the earliest, MaxDueDays at most.
func dueAt(date string, now time.Time) (time.Time, error) {
	d, err := time.ParseInLocation("2006-01-02", strings.TrimSpace(date), cn.Zone)
	if err != nil {
		return time.Time{}, &FieldError{"due_date", "请选择办理期限（日期）"}
	}
	end := d.AddDate(0, 0, 1).Add(-time.Millisecond).UTC()
	if end.Before(now) {
		return time.Time{}, &FieldError{"due_date", "办理期限不能早于今天"}
	}
	if end.After(now.AddDate(0, 0, MaxDueDays+1)) {
		return time.Time{}, &FieldError{"due_date", fmt.Sprintf("办理期限最多 %d 天", MaxDueDays)}
	}
	return end, nil
}

// Assign is a dispatcher assigning request id (submitted, or reassigning an assigned one) to a
// department with a due date; the requester is told.
func (s *Service) Assign(ctx context.Context, by actor.Actor, id int64, in AssignInput) (*Appeal, error) {
	if !IsDispatcher(by) {
		return nil, ErrForbidden
	}
	in.Department = strings.TrimSpace(in.Department)
	if in.Department == "" {
		return nil, &FieldError{"department", "请选择承办部门"}
	}
	if err := checkText("note", "交办说明", &in.Note, MaxNote, true); err != nil {
		return nil, err
	}
	now := s.clock()
	due, err := dueAt(in.DueDate, now)
	if err != nil {
		return nil, err
	}
	deps, err := s.Departments(ctx)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(deps, in.Department) {
		return nil, &FieldError{"department", "没有这个部门的工作人员账号，请从列表里选择"}
	}
	err = sqldb.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		r, err := locked(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := move(ctx, tx, id, ActAssign, `status = ?, department = ?, assigned_at = ?, due_at = ?, updated_at = ?`,
			[]any{StatusAssigned, in.Department, now, due, now}, "TRUE"); err != nil {
			return err
		}
		if err := event(ctx, tx, id, ActAssign, by, in.Department, &due, in.Note, now); err != nil {
			return err
		}
		e := by.AuditID("appeal.assign", "appeal", id)
		e.Detail = map[string]any{"department": in.Department, "department_before": r.Department.String, "status_before": r.Status, "due_at": due}
		if err := audit.Write(ctx, tx, e); err != nil {
			return err
		}
		return s.tell(ctx, tx, r.UserID, id, "诉求已交办"+in.Department, fmt.Sprintf("您的诉求已交由%s办理，办理期限 %s。",
			in.Department, due.In(cn.Zone).Format("2006-01-02")), fmt.Sprintf("appeal:%d:assign:%d", id, now.UnixMilli()))
	})
	if err != nil {
		return nil, err
	}
	return s.AdminGet(ctx, by, id)
}

// Reply is the staff of the assigned department replying to request id; the requester is told.
func (s *Service) Reply(ctx context.Context, by actor.Actor, id int64, text string) (*Appeal, error) {
	if err := checkText("reply", "答复内容", &text, MaxReply, false); err != nil {
		return nil, err
	}
	now := s.clock()
	err := sqldb.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		r, err := locked(ctx, tx, id)
		if err != nil {
			return err
		}
		if !staffSees(by, r) {
			return ErrNotFound
		}
		if !handles(by, r.Department.String) {
			return ErrForbidden
		}
		if err := move(ctx, tx, id, ActReply, `status = ?, reply = ?, replied_at = ?, updated_at = ?`,
			[]any{StatusReplied, text, now, now}, "department = ?", by.Department); err != nil {
			return err
		}
		if err := event(ctx, tx, id, ActReply, by, by.Department, nil, text, now); err != nil {
			return err
		}
		return s.tell(ctx, tx, r.UserID, id, by.Department+"答复了您的诉求", text, fmt.Sprintf("appeal:%d:reply:%d", id, now.UnixMilli()))
	})
	if err != nil {
		return nil, err
	}
	return s.AdminGet(ctx, by, id)
}

// Close is the assigned department (once it has replied) or a dispatcher (any open request;
// then a note is required unless it was replied) closing request id; the requester is asked to rate.
func (s *Service) Close(ctx context.Context, by actor.Actor, id int64, note string) (*Appeal, error) {
	if err := checkText("note", "办结说明", &note, MaxNote, true); err != nil {
		return nil, err
	}
	now := s.clock()
	err := sqldb.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		r, err := locked(ctx, tx, id)
		if err != nil {
			return err
		}
		if !staffSees(by, r) {
			return ErrNotFound
		}
		cond, condArgs := "TRUE", []any{}
		switch {
		case IsDispatcher(by):
			if r.Status != StatusReplied && Can(ActClose, r.Status) && note == "" {
				return &FieldError{"note", "部门还没有答复，直接办结请填写办结说明"}
			}
		case handles(by, r.Department.String):
			// The department closes what it has replied to.
			cond, condArgs = "department = ? AND status = 'replied'", []any{by.Department}
		default:
			return ErrForbidden
		}
		if err := move(ctx, tx, id, ActClose, `status = ?, closed_at = ?, rating = NULL, rated_at = NULL, updated_at = ?`,
			[]any{StatusClosed, now, now}, cond, condArgs...); err != nil {
			return err
		}
		if err := event(ctx, tx, id, ActClose, by, r.Department.String, nil, note, now); err != nil {
			return err
		}
		e := by.AuditID("appeal.close", "appeal", id)
		e.Detail = map[string]any{"status_before": r.Status}
		if err := audit.Write(ctx, tx, e); err != nil {
			return err
		}
		body := "您的诉求已办结，请对办理结果进行评价。"
		if note != "" {
			body = note
		}
		return s.tell(ctx, tx, r.UserID, id, "诉求已办结，请评价", body, fmt.Sprintf("appeal:%d:close:%d", id, now.UnixMilli()))
	})
	if err != nil {
		return nil, err
	}
	return s.AdminGet(ctx, by, id)
}

// RateInput is the requester's rating.
type RateInput struct {
	Rating  string `json:"rating"`
	Comment string `json:"comment"`
}

// Rate is the requester rating closed request id, once per close (ErrAlreadyRated).
func (s *Service) Rate(ctx context.Context, userID, id int64, in RateInput) (*Appeal, error) {
	if !slices.Contains(Ratings, in.Rating) {
		return nil, &FieldError{"rating", "请选择满意、基本满意或不满意"}
	}
	if err := checkText("comment", "评价", &in.Comment, MaxNote, true); err != nil {
		return nil, err
	}
	if s.text != nil && in.Comment != "" {
		if err := s.text.CheckUserText(ctx, userID, in.Comment); err != nil {
			return nil, err
		}
	}
	now := s.clock()
	err := sqldb.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		r, err := locked(ctx, tx, id)
		if err != nil {
			return err
		}
		if r.UserID != userID {
			return ErrNotFound
		}
		if r.Status == StatusClosed && r.Rating.Valid {
			return ErrAlreadyRated
		}
		if err := move(ctx, tx, id, ActRate, `rating = ?, rated_at = ?, updated_at = ?`, []any{in.Rating, now, now},
			"user_id = ? AND rating IS NULL", userID); err != nil {
			return err
		}
		note := RatingNames[in.Rating]
		if in.Comment != "" {
			note += "：" + in.Comment
		}
		return event(ctx, tx, id, ActRate, actor.User(userID), r.Department.String, nil, note, now)
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, userID, id)
}

// ReopenInput is the requester's reason to reopen.
type ReopenInput struct {
	Reason string `json:"reason"`
}

// Reopen is the requester reopening closed request id, once ever (ErrAlreadyReopened): back to
// the same department with a new due date (the first assignment's span from now), the rating
// cleared; a request closed before any assignment goes back to the dispatcher.
func (s *Service) Reopen(ctx context.Context, userID, id int64, in ReopenInput) (*Appeal, error) {
	if err := checkText("reason", "重新办理的理由", &in.Reason, MaxNote, false); err != nil {
		return nil, err
	}
	if s.text != nil {
		if err := s.text.CheckUserText(ctx, userID, in.Reason); err != nil {
			return nil, err
		}
	}
	now := s.clock()
	err := sqldb.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		r, err := locked(ctx, tx, id)
		if err != nil {
			return err
		}
		if r.UserID != userID {
			return ErrNotFound
		}
		if r.Reopens > 0 {
			return ErrAlreadyReopened
		}
		to, due := StatusAssigned, sql.NullTime{}
		if !r.Department.Valid {
			to = StatusSubmitted
		} else {
			span := time.Duration(DefaultReopenDays) * 24 * time.Hour
			if r.AssignedAt.Valid && r.DueAt.Valid && r.DueAt.Time.Sub(r.AssignedAt.Time) > time.Hour {
				span = r.DueAt.Time.Sub(r.AssignedAt.Time)
			}
			due = sql.NullTime{Time: now.Add(span), Valid: true}
		}
		// reopens = reopens + 1: the CHECK (reopens IN (0, 1)) refuses a second reopen even if
		// this condition were ever lost.
		if err := move(ctx, tx, id, ActReopen, `status = ?, due_at = ?, assigned_at = IF(? , ?, assigned_at), replied_at = NULL,
			closed_at = NULL, rating = NULL, rated_at = NULL, reopens = reopens + 1, reopened_at = ?, updated_at = ?`,
			[]any{to, due, due.Valid, now, now, now}, "user_id = ? AND reopens = 0", userID); err != nil {
			return err
		}
		var duePtr *time.Time
		if due.Valid {
			duePtr = &due.Time
		}
		if err := event(ctx, tx, id, ActReopen, actor.User(userID), r.Department.String, duePtr, in.Reason, now); err != nil {
			return err
		}
		body := "您的诉求已重新提交，区里将重新交办。"
		if due.Valid {
			body = fmt.Sprintf("您的诉求已重新交由%s办理，办理期限 %s。", r.Department.String, due.Time.In(cn.Zone).Format("2006-01-02"))
		}
		return s.tell(ctx, tx, userID, id, "诉求已重新办理", body, fmt.Sprintf("appeal:%d:reopen", id))
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, userID, id)
}
