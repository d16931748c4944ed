// Package consultation is the online consultation with mentors (导师线上问诊): a returnee asks a
// chosen mentor, or any mentor of an intended field (a district dispatcher then assigns one); the
// consultation is a thread of messages with text and pictures between the asker and the assigned
// mentor, each content-checked and told to the other side in the inbox. A first reply is due
// within 48 hours of the assignment; dispatchers see the overdue ones and reassign them. The
// asker rates a closed consultation once; the mentor may leave a summary when closing.
//
// Where each rule is held (see docs/consultations.md): statuses change only through the
// transition table, by UPDATEs conditional on the status (and on the mentor, for the mentor's
// messages), so a reassignment and the old mentor's reply cannot both win; pictures are claimed
// for the record by upload.Attach in the record's transaction; the inbox message is written in
// the same transaction.
package consultation

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
	"huixiang/internal/notify"
	"huixiang/internal/sqldb"
	"huixiang/internal/upload"
)

// Statuses.
const (
	StatusWaiting  = "waiting"
	StatusAssigned = "assigned"
	StatusAnswered = "answered"
	StatusClosed   = "closed"
)

// Statuses is every status, in order.
var Statuses = []string{StatusWaiting, StatusAssigned, StatusAnswered, StatusClosed}

// Sides of a thread.
const (
	SideAsker  = "asker"
	SideMentor = "mentor"
)

// Limits.
const (
	// DefaultReplyWithin is how long after the assignment the mentor's first reply is due.
	DefaultReplyWithin = 48 * time.Hour
	MaxText            = 1000
	MaxImages          = 9
	MaxSummary         = 500
	MaxComment         = 500
)

// Errors callers branch on.
var (
	ErrNotFound          = errors.New("consultation: not found")
	ErrInvalidTransition = errors.New("consultation: invalid transition")
	ErrAlreadyRated      = errors.New("consultation: rated already")
)

// FieldError names an invalid field.
type FieldError struct {
	Field   string
	Message string // Chinese, for the form
}

func (e *FieldError) Error() string { return "consultation: " + e.Field + ": " + e.Message }

// Action is a change of status.
type Action string

// Actions of the transition table.
const (
	ActAssign Action = "assign" // a dispatcher assigns a waiting one, or reassigns an overdue one
	ActReply  Action = "reply"  // the mentor writes in the thread
	ActClose  Action = "close"  // the asker or the mentor closes
)

// transitions is the one table of status changes: action → the statuses it starts from and the
// status it leads to. Every UPDATE of a status is conditional on the from-statuses here.
var transitions = map[Action]struct {
	From []string
	To   string
}{
	ActAssign: {From: []string{StatusWaiting, StatusAssigned}, To: StatusAssigned}, // assigned: only when overdue
	ActReply:  {From: []string{StatusAssigned, StatusAnswered}, To: StatusAnswered},
	ActClose:  {From: []string{StatusWaiting, StatusAssigned, StatusAnswered}, To: StatusClosed},
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

// TextCheck is WeChat's content check of a user's text (moderation.UserText is one): risky text
// is moderation.ErrRejected.
type TextCheck interface {
	CheckUserText(ctx context.Context, userID int64, text string) error
}

// Service keeps consultations.
type Service struct {
	db          *sqlx.DB
	files       Files
	notify      Notifier
	text        TextCheck
	replyWithin atomic.Int64
	now         atomic.Pointer[func() time.Time]
	// quiet are the hours pushes wait out; pushes is whether each message is also pushed.
	quiet  notify.Quiet
	pushes bool
}

// NewService returns consultations on db; files, n and text may be nil (no pictures, no inbox
// messages, no content check: tests of other packages).
func NewService(db *sqlx.DB, files Files, n Notifier, text TextCheck) *Service {
	s := &Service{db: db, files: files, notify: n, text: text}
	s.replyWithin.Store(int64(DefaultReplyWithin))
	s.SetClock(nil)
	return s
}

// WithReplyWithin sets how long after the assignment a first reply is due (d > 0).
func (s *Service) WithReplyWithin(d time.Duration) *Service {
	if d > 0 {
		s.replyWithin.Store(int64(d))
	}
	return s
}

// WithPushes makes each message told to the other side a push too (a subscribe message within
// their consent, else the official account), waiting out the quiet hours q. Pushes about one's
// own question are personal: the weekly cap of broadcast pushes does not hold them.
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

func (s *Service) due(from time.Time) time.Time {
	return from.Add(time.Duration(s.replyWithin.Load()))
}

// Image is a picture with a signed URL.
type Image struct {
	ID  string `json:"id"`
	URL string `json:"url"`
}

// Asker is what the mentor and the dispatcher see of the asker: the registered name, township
// and registration summary — never the phone or the ID number.
type Asker struct {
	Name           string   `json:"name"`
	Township       string   `json:"township"`
	ReturneeStatus string   `json:"returnee_status"`
	Intention      string   `json:"intention"`
	Fields         []string `json:"fields"`
	Needs          []string `json:"needs"`
}

// Message is one message of the thread.
type Message struct {
	ID        int64     `json:"id"`
	Author    string    `json:"author"`
	Text      string    `json:"text"`
	Images    []Image   `json:"images"`
	CreatedAt time.Time `json:"created_at"`
}

// Consultation is a consultation as its two sides and the dispatchers see it.
type Consultation struct {
	ID           int64      `json:"id"`
	MentorID     *int64     `json:"mentor_id"`
	MentorName   string     `json:"mentor_name"`
	Field        *string    `json:"field"`
	Question     string     `json:"question"`
	Images       []Image    `json:"images"`
	Status       string     `json:"status"`
	AssignedAt   *time.Time `json:"assigned_at"`
	DueAt        *time.Time `json:"due_at"`
	Overdue      bool       `json:"overdue"`
	FirstReplyAt *time.Time `json:"first_reply_at"`
	ClosedAt     *time.Time `json:"closed_at"`
	ClosedBy     *string    `json:"closed_by"`
	Summary      string     `json:"summary"`
	Stars        *int       `json:"stars"`
	Comment      string     `json:"comment"`
	RatedAt      *time.Time `json:"rated_at"`
	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
	// Role is the caller's side (asker or mentor); empty for staff.
	Role string `json:"role,omitempty"`
	// Asker is set for the mentor and for staff.
	Asker *Asker `json:"asker,omitempty"`
	// Messages are set on the one-consultation view, oldest first.
	Messages []Message `json:"messages,omitempty"`
}

// row is a consultations row with the names joined.
type row struct {
	ID           int64          `db:"id"`
	UserID       int64          `db:"user_id"`
	MentorID     sql.NullInt64  `db:"mentor_id"`
	MentorName   sql.NullString `db:"mentor_name"`
	MentorUserID sql.NullInt64  `db:"mentor_user_id"`
	Field        sql.NullString `db:"field_code"`
	Question     string         `db:"question"`
	Images       []byte         `db:"images"`
	Status       string         `db:"status"`
	AssignedAt   sql.NullTime   `db:"assigned_at"`
	DueAt        sql.NullTime   `db:"due_at"`
	FirstReplyAt sql.NullTime   `db:"first_reply_at"`
	ClosedAt     sql.NullTime   `db:"closed_at"`
	ClosedBy     sql.NullString `db:"closed_by"`
	Summary      string         `db:"summary"`
	Stars        sql.NullInt64  `db:"stars"`
	Comment      string         `db:"comment"`
	RatedAt      sql.NullTime   `db:"rated_at"`
	CreatedAt    time.Time      `db:"created_at"`
	UpdatedAt    time.Time      `db:"updated_at"`
}

const selectConsultations = `SELECT c.id, c.user_id, c.mentor_id, mp.name AS mentor_name, mp.user_id AS mentor_user_id, c.field_code,
	c.question, c.images, c.status, c.assigned_at, c.due_at, c.first_reply_at, c.closed_at, c.closed_by, c.summary, c.stars,
	c.comment, c.rated_at, c.created_at, c.updated_at
	FROM consultations c LEFT JOIN mentors m ON m.id = c.mentor_id LEFT JOIN persons mp ON mp.id = m.person_id`

// overdueSQL is the condition of an overdue consultation (one argument: now).
const overdueSQL = `(c.status = 'assigned' AND c.first_reply_at IS NULL AND c.due_at <= ?)`

func ptrTime(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	v := t.Time.UTC()
	return &v
}

func (r *row) overdue(now time.Time) bool {
	return r.Status == StatusAssigned && !r.FirstReplyAt.Valid && r.DueAt.Valid && !r.DueAt.Time.After(now)
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

func (s *Service) view(r *row, now time.Time) Consultation {
	c := Consultation{ID: r.ID, MentorName: r.MentorName.String, Question: r.Question, Images: s.images(r.Images),
		Status: r.Status, AssignedAt: ptrTime(r.AssignedAt), DueAt: ptrTime(r.DueAt), Overdue: r.overdue(now),
		FirstReplyAt: ptrTime(r.FirstReplyAt), ClosedAt: ptrTime(r.ClosedAt), Summary: r.Summary, Comment: r.Comment,
		RatedAt: ptrTime(r.RatedAt), CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
	if r.MentorID.Valid {
		c.MentorID = &r.MentorID.Int64
	}
	if r.Field.Valid {
		c.Field = &r.Field.String
	}
	if r.ClosedBy.Valid {
		c.ClosedBy = &r.ClosedBy.String
	}
	if r.Stars.Valid {
		n := int(r.Stars.Int64)
		c.Stars = &n
	}
	return c
}

// Input is a new consultation: a chosen mentor or a field, the question and its pictures.
type Input struct {
	MentorID *int64   `json:"mentor_id"`
	Field    string   `json:"field"`
	Question string   `json:"question"`
	Images   []string `json:"images"`
}

// MessageInput is a message of the thread.
type MessageInput struct {
	Text   string   `json:"text"`
	Images []string `json:"images"`
}

// checkText trims text and checks its length; empty is allowed when allowEmpty.
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

// checkImages dedups ids and checks they are at most 9 pictures (JPEG or PNG) of userID's that
// no record has claimed yet; Attach claims them in the transaction.
func (s *Service) checkImages(ctx context.Context, userID int64, ids []string) ([]string, error) {
	out := upload.PictureIDs(ids)
	if len(out) > MaxImages {
		return nil, &FieldError{"images", fmt.Sprintf("图片最多 %d 张", MaxImages)}
	}
	if len(out) == 0 {
		return out, nil
	}
	if s.files == nil {
		return nil, &FieldError{"images", "暂不支持上传图片"}
	}
	ok, err := upload.OwnUnclaimedPictures(ctx, s.db, userID, out)
	if err != nil {
		return nil, fmt.Errorf("consultation: check images: %w", err)
	}
	if !ok {
		return nil, &FieldError{"images", "图片不存在或不是您上传的图片，请重新上传"}
	}
	return out, nil
}

func (s *Service) check(ctx context.Context, userID int64, text string) error {
	if s.text == nil || text == "" {
		return nil
	}
	return s.text.CheckUserText(ctx, userID, text)
}

func jsonIDs(ids []string) string {
	b, _ := json.Marshal(ids)
	return string(b)
}

func page(id int64) string { return "pages/consultations/detail?id=" + strconv.FormatInt(id, 10) }

// tell writes an inbox message to userID about consultation id (no-op without a notifier or a user).
func (s *Service) tell(ctx context.Context, tx sqlx.ExtContext, userID, id int64, title, body, key string) error {
	if s.notify == nil || userID <= 0 {
		return nil
	}
	if r := []rune(body); len(r) > 200 {
		body = string(r[:200]) + "…"
	}
	if err := s.notify.Enqueue(ctx, tx, notify.Notification{UserID: userID, Kind: "consultation", Title: title, Body: body,
		Page: page(id), RefType: "consultation", RefID: id, DedupKey: key}); err != nil {
		return err
	}
	if !s.pushes {
		return nil
	}
	now := s.clock()
	return notify.EnqueuePushes(ctx, tx, []notify.Push{{UserID: userID, DedupKey: key + ":push", Page: page(id), Title: title,
		Summary: body, Personal: true}}, now, s.quiet.Next(now))
}

// activeMentor is the user id of active mentor id's person (0 when the person has no user), under
// a share lock, or a FieldError.
func activeMentor(ctx context.Context, tx *sqlx.Tx, id int64) (int64, error) {
	var uid sql.NullInt64
	err := sqlx.GetContext(ctx, tx, &uid, `SELECT p.user_id FROM mentors m JOIN persons p ON p.id = m.person_id
		WHERE m.id = ? AND m.status = 'active' LOCK IN SHARE MODE`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, &FieldError{"mentor_id", "该导师不在岗，请选择其他导师"}
	}
	if err != nil {
		return 0, fmt.Errorf("consultation: mentor %d: %w", id, sqldb.Classify(err))
	}
	return uid.Int64, nil
}

// Create is userID asking a question: of a chosen active mentor (assigned, due in 48 hours) or of
// a field (waiting for a dispatcher). The pictures are claimed and the mentor told in the same
// transaction.
func (s *Service) Create(ctx context.Context, userID int64, in Input) (*Consultation, error) {
	if err := checkText("question", "问题", &in.Question, MaxText, false); err != nil {
		return nil, err
	}
	in.Field = strings.TrimSpace(in.Field)
	if in.MentorID == nil && in.Field == "" {
		return nil, &FieldError{"mentor_id", "请选择导师或咨询领域"}
	}
	if in.MentorID != nil && *in.MentorID <= 0 {
		return nil, &FieldError{"mentor_id", "该导师不在岗，请选择其他导师"}
	}
	if in.Field != "" {
		var ok bool
		if err := sqlx.GetContext(ctx, s.db, &ok, `SELECT EXISTS (SELECT 1 FROM option_items WHERE kind = 'intended_field' AND active AND code = ?)`, in.Field); err != nil {
			return nil, fmt.Errorf("consultation: check field: %w", sqldb.Classify(err))
		}
		if !ok {
			return nil, &FieldError{"field", "咨询领域不在可选列表中，请重新选择"}
		}
	}
	imgs, err := s.checkImages(ctx, userID, in.Images)
	if err != nil {
		return nil, err
	}
	if err := s.check(ctx, userID, in.Question); err != nil {
		return nil, err
	}
	now := s.clock()
	var id int64
	err = sqldb.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		status, mentorUser := StatusWaiting, int64(0)
		var assignedAt, dueAt *time.Time
		var field *string
		if in.Field != "" {
			field = &in.Field
		}
		if in.MentorID != nil {
			var err error
			if mentorUser, err = activeMentor(ctx, tx, *in.MentorID); err != nil {
				return err
			}
			d := s.due(now)
			status, assignedAt, dueAt = StatusAssigned, &now, &d
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO consultations (user_id, mentor_id, field_code, question, images, status, assigned_at,
				due_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			userID, in.MentorID, field, in.Question, jsonIDs(imgs), status, assignedAt, dueAt, now, now)
		if err != nil {
			return fmt.Errorf("consultation: insert: %w", sqldb.Classify(err))
		}
		if id, err = res.LastInsertId(); err != nil {
			return err
		}
		if len(imgs) > 0 {
			if err := s.files.Attach(ctx, tx, imgs, userID, "consultation", id); err != nil {
				return err
			}
		}
		if status == StatusAssigned {
			return s.tell(ctx, tx, mentorUser, id, "您收到一个新的线上问诊", in.Question, fmt.Sprintf("consult:%d:assign:%d", id, now.UnixMilli()))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, userID, id)
}

// side is consultation id as user userID sees it: the row and the user's side (asker or the
// assigned mentor); anyone else gets ErrNotFound.
func (s *Service) side(ctx context.Context, q sqlx.QueryerContext, userID, id int64) (*row, string, error) {
	var r row
	err := sqlx.GetContext(ctx, q, &r, selectConsultations+` WHERE c.id = ?`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, "", ErrNotFound
	}
	if err != nil {
		return nil, "", fmt.Errorf("consultation: get %d: %w", id, sqldb.Classify(err))
	}
	switch {
	case r.UserID == userID:
		return &r, SideAsker, nil
	case r.MentorUserID.Valid && r.MentorUserID.Int64 == userID:
		return &r, SideMentor, nil
	}
	return nil, "", ErrNotFound
}

// Get is consultation id with its messages, for the asker or the assigned mentor (the mentor
// also sees the asker's summary).
func (s *Service) Get(ctx context.Context, userID, id int64) (*Consultation, error) {
	r, side, err := s.side(ctx, s.db, userID, id)
	if err != nil {
		return nil, err
	}
	c := s.view(r, s.clock())
	c.Role = side
	if side == SideMentor {
		askers, err := s.askers(ctx, []int64{r.UserID})
		if err != nil {
			return nil, err
		}
		c.Asker = askers[r.UserID]
	}
	var msgs []struct {
		ID        int64     `db:"id"`
		Author    string    `db:"author"`
		Text      string    `db:"text"`
		Images    []byte    `db:"images"`
		CreatedAt time.Time `db:"created_at"`
	}
	if err := sqlx.SelectContext(ctx, s.db, &msgs, `SELECT id, author, text, images, created_at FROM consultation_messages
		WHERE consultation_id = ? ORDER BY id LIMIT 1000`, id); err != nil {
		return nil, fmt.Errorf("consultation: messages of %d: %w", id, sqldb.Classify(err))
	}
	c.Messages = make([]Message, len(msgs))
	for i, m := range msgs {
		c.Messages[i] = Message{ID: m.ID, Author: m.Author, Text: m.Text, Images: s.images(m.Images), CreatedAt: m.CreatedAt.UTC()}
	}
	return &c, nil
}

// askers are the summaries of the askers userIDs (a user with no registered person has an empty
// one). Only non-identifying columns are read: name, township, status, intention and tags.
func (s *Service) askers(ctx context.Context, userIDs []int64) (map[int64]*Asker, error) {
	out := map[int64]*Asker{}
	if len(userIDs) == 0 {
		return out, nil
	}
	q, args, err := sqlx.In(`SELECT p.user_id, p.id, p.name, COALESCE(tw.name, '') AS township, COALESCE(r.status, '') AS status,
			COALESCE(r.intention, '') AS intention
		FROM persons p LEFT JOIN returnees r ON r.person_id = p.id LEFT JOIN regions tw ON tw.code = r.township_code
		WHERE p.user_id IN (?)`, userIDs)
	if err != nil {
		return nil, err
	}
	var rows []struct {
		UserID    int64  `db:"user_id"`
		PersonID  int64  `db:"id"`
		Name      string `db:"name"`
		Township  string `db:"township"`
		Status    string `db:"status"`
		Intention string `db:"intention"`
	}
	if err := sqlx.SelectContext(ctx, s.db, &rows, q, args...); err != nil {
		return nil, fmt.Errorf("consultation: askers: %w", sqldb.Classify(err))
	}
	byPerson := map[int64]*Asker{}
	var persons []int64
	for _, r := range rows {
		a := &Asker{Name: r.Name, Township: r.Township, ReturneeStatus: r.Status, Intention: r.Intention, Fields: []string{}, Needs: []string{}}
		out[r.UserID], byPerson[r.PersonID] = a, a
		persons = append(persons, r.PersonID)
	}
	for _, u := range userIDs {
		if out[u] == nil {
			out[u] = &Asker{Fields: []string{}, Needs: []string{}}
		}
	}
	if len(persons) == 0 {
		return out, nil
	}
	q, args, err = sqlx.In(`SELECT person_id, kind, code FROM returnee_tags WHERE person_id IN (?) AND kind IN ('field', 'need')
		ORDER BY person_id, kind, code`, persons)
	if err != nil {
		return nil, err
	}
	var tags []struct {
		PersonID int64  `db:"person_id"`
		Kind     string `db:"kind"`
		Code     string `db:"code"`
	}
	if err := sqlx.SelectContext(ctx, s.db, &tags, q, args...); err != nil {
		return nil, fmt.Errorf("consultation: asker tags: %w", sqldb.Classify(err))
	}
	for _, t := range tags {
		a := byPerson[t.PersonID]
		if t.Kind == "field" {
			a.Fields = append(a.Fields, t.Code)
		} else {
			a.Needs = append(a.Needs, t.Code)
		}
	}
	return out, nil
}

func (s *Service) list(ctx context.Context, where, order string, withAskers bool, args ...any) ([]Consultation, error) {
	var rows []row
	if err := sqlx.SelectContext(ctx, s.db, &rows, selectConsultations+` WHERE `+where+` ORDER BY `+order+` LIMIT 500`, args...); err != nil {
		return nil, fmt.Errorf("consultation: list: %w", sqldb.Classify(err))
	}
	now := s.clock()
	out := make([]Consultation, len(rows))
	var users []int64
	for i := range rows {
		out[i] = s.view(&rows[i], now)
		if !slices.Contains(users, rows[i].UserID) {
			users = append(users, rows[i].UserID)
		}
	}
	if withAskers {
		askers, err := s.askers(ctx, users)
		if err != nil {
			return nil, err
		}
		for i := range rows {
			out[i].Asker = askers[rows[i].UserID]
		}
	}
	return out, nil
}

// Mine is userID's consultations, the latest first.
func (s *Service) Mine(ctx context.Context, userID int64) ([]Consultation, error) {
	list, err := s.list(ctx, `c.user_id = ?`, `c.id DESC`, false, userID)
	for i := range list {
		list[i].Role = SideAsker
	}
	return list, err
}

// ForMentor is the consultations assigned to the mentor who is user userID, open ones first
// (the earliest due first), then the closed, the latest first.
func (s *Service) ForMentor(ctx context.Context, userID int64) ([]Consultation, error) {
	list, err := s.list(ctx, `mp.user_id = ?`, `c.status = 'closed', c.due_at, c.id DESC`, true, userID)
	for i := range list {
		list[i].Role = SideMentor
	}
	return list, err
}

// AdminGet is consultation id as dispatchers see it (the asker's summary, due and overdue), or
// ErrNotFound.
func (s *Service) AdminGet(ctx context.Context, id int64) (*Consultation, error) {
	list, err := s.list(ctx, `c.id = ?`, `c.id`, true, id)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, ErrNotFound
	}
	return &list[0], nil
}

// AdminQuery filters the dispatchers' list.
type AdminQuery struct {
	Status  string
	Overdue bool
}

// AdminList is the consultations for dispatchers, with mentor and asker names, due and overdue:
// waiting and overdue ones first.
func (s *Service) AdminList(ctx context.Context, q AdminQuery) ([]Consultation, error) {
	now := s.clock()
	where, args := []string{"TRUE"}, []any{}
	if q.Status != "" {
		where, args = append(where, "c.status = ?"), append(args, q.Status)
	}
	if q.Overdue {
		where, args = append(where, overdueSQL), append(args, now)
	}
	args = append(args, now)
	return s.list(ctx, strings.Join(where, " AND "), `NOT (c.status = 'waiting' OR `+overdueSQL+`), c.id DESC`, true, args...)
}

// Reply is a message in the thread by the asker or the assigned mentor (others ErrNotFound),
// content-checked; the other side is told. The mentor's first message answers the consultation.
func (s *Service) Reply(ctx context.Context, userID, id int64, in MessageInput) (*Consultation, error) {
	if err := checkText("text", "内容", &in.Text, MaxText, len(in.Images) > 0); err != nil {
		return nil, err
	}
	r, side, err := s.side(ctx, s.db, userID, id)
	if err != nil {
		return nil, err
	}
	imgs, err := s.checkImages(ctx, userID, in.Images)
	if err != nil {
		return nil, err
	}
	if err := s.check(ctx, userID, in.Text); err != nil {
		return nil, err
	}
	now := s.clock()
	err = sqldb.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		var res sql.Result
		var err error
		if side == SideMentor {
			t := transitions[ActReply]
			q, args, _ := sqlx.In(`UPDATE consultations SET status = ?, first_reply_at = COALESCE(first_reply_at, ?), updated_at = ?
				WHERE id = ? AND mentor_id = ? AND status IN (?)`, t.To, now, now, id, r.MentorID.Int64, t.From)
			res, err = tx.ExecContext(ctx, q, args...)
		} else {
			res, err = tx.ExecContext(ctx, `UPDATE consultations SET updated_at = ? WHERE id = ? AND user_id = ? AND status <> 'closed'`, now, id, userID)
		}
		if err != nil {
			return fmt.Errorf("consultation: reply %d: %w", id, sqldb.Classify(err))
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return ErrInvalidTransition
		}
		mres, err := tx.ExecContext(ctx, `INSERT INTO consultation_messages (consultation_id, author, author_user_id, text, images, created_at)
			VALUES (?, ?, ?, ?, ?, ?)`, id, side, userID, in.Text, jsonIDs(imgs), now)
		if err != nil {
			return fmt.Errorf("consultation: message of %d: %w", id, sqldb.Classify(err))
		}
		mid, err := mres.LastInsertId()
		if err != nil {
			return err
		}
		if len(imgs) > 0 {
			if err := s.files.Attach(ctx, tx, imgs, userID, "consultation_message", mid); err != nil {
				return err
			}
		}
		body := in.Text
		if body == "" {
			body = "[图片]"
		}
		key := fmt.Sprintf("consult:%d:msg:%d", id, mid)
		if side == SideMentor {
			return s.tell(ctx, tx, r.UserID, id, "导师回复了您的问诊", body, key)
		}
		return s.tell(ctx, tx, r.MentorUserID.Int64, id, "问诊有新的留言", body, key)
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, userID, id)
}

// Close is the asker or the assigned mentor closing consultation id; the mentor may leave a
// summary (content-checked). The other side is told (the asker: to rate it).
func (s *Service) Close(ctx context.Context, userID, id int64, summary string) (*Consultation, error) {
	if err := checkText("summary", "总结", &summary, MaxSummary, true); err != nil {
		return nil, err
	}
	r, side, err := s.side(ctx, s.db, userID, id)
	if err != nil {
		return nil, err
	}
	if side == SideAsker && summary != "" {
		return nil, &FieldError{"summary", "只有导师可以填写总结"}
	}
	if err := s.check(ctx, userID, summary); err != nil {
		return nil, err
	}
	now := s.clock()
	err = sqldb.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		t := transitions[ActClose]
		cond, cargs := `user_id = ?`, []any{userID}
		if side == SideMentor {
			cond, cargs = `mentor_id = ?`, []any{r.MentorID.Int64}
		}
		args := append([]any{t.To, now, side, summary, now, id}, cargs...)
		q, args, _ := sqlx.In(`UPDATE consultations SET status = ?, closed_at = ?, closed_by = ?, summary = ?, updated_at = ?
			WHERE id = ? AND `+cond+` AND status IN (?)`, append(args, t.From)...)
		res, err := tx.ExecContext(ctx, q, args...)
		if err != nil {
			return fmt.Errorf("consultation: close %d: %w", id, sqldb.Classify(err))
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return ErrInvalidTransition
		}
		key := fmt.Sprintf("consult:%d:closed", id)
		if side == SideMentor {
			return s.tell(ctx, tx, r.UserID, id, "导师已结束问诊，请为本次服务评价", summary, key)
		}
		return s.tell(ctx, tx, r.MentorUserID.Int64, id, "提问人已结束问诊", r.Question, key)
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, userID, id)
}

// RateInput is the asker's rating.
type RateInput struct {
	Stars   int    `json:"stars"`
	Comment string `json:"comment"`
}

// Rate is the asker rating closed consultation id, once (ErrAlreadyRated).
func (s *Service) Rate(ctx context.Context, userID, id int64, in RateInput) (*Consultation, error) {
	if in.Stars < 1 || in.Stars > 5 {
		return nil, &FieldError{"stars", "请选择 1 到 5 星"}
	}
	if err := checkText("comment", "评价", &in.Comment, MaxComment, true); err != nil {
		return nil, err
	}
	r, side, err := s.side(ctx, s.db, userID, id)
	if err != nil {
		return nil, err
	}
	if side != SideAsker {
		return nil, ErrNotFound
	}
	if err := s.check(ctx, userID, in.Comment); err != nil {
		return nil, err
	}
	now := s.clock()
	res, err := s.db.ExecContext(ctx, `UPDATE consultations SET stars = ?, comment = ?, rated_at = ?, updated_at = ?
		WHERE id = ? AND user_id = ? AND status = 'closed' AND mentor_id IS NOT NULL AND stars IS NULL`, in.Stars, in.Comment, now, now, id, userID)
	if err != nil {
		return nil, fmt.Errorf("consultation: rate %d: %w", id, sqldb.Classify(err))
	}
	if n, _ := res.RowsAffected(); n != 1 {
		var stars sql.NullInt64
		if err := s.db.GetContext(ctx, &stars, `SELECT stars FROM consultations WHERE id = ?`, r.ID); err != nil {
			return nil, fmt.Errorf("consultation: rate %d: %w", id, sqldb.Classify(err))
		}
		if stars.Valid {
			return nil, ErrAlreadyRated
		}
		return nil, ErrInvalidTransition
	}
	return s.Get(ctx, userID, id)
}

// Assign is a dispatcher assigning waiting consultation id, or reassigning an overdue one, to
// active mentor mentorID: a new due time, audited, the asker and the mentor told.
func (s *Service) Assign(ctx context.Context, by actor.Actor, id, mentorID int64) (*Consultation, error) {
	if mentorID <= 0 {
		return nil, &FieldError{"mentor_id", "请选择导师"}
	}
	now := s.clock()
	var asker int64
	err := sqldb.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		var old struct {
			UserID   int64         `db:"user_id"`
			MentorID sql.NullInt64 `db:"mentor_id"`
			Status   string        `db:"status"`
		}
		err := sqlx.GetContext(ctx, tx, &old, `SELECT user_id, mentor_id, status FROM consultations WHERE id = ?`, id)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("consultation: get %d: %w", id, sqldb.Classify(err))
		}
		asker = old.UserID
		mentorUser, err := activeMentor(ctx, tx, mentorID)
		if err != nil {
			return err
		}
		t := transitions[ActAssign]
		q, args, _ := sqlx.In(`UPDATE consultations c SET c.status = ?, c.mentor_id = ?, c.assigned_at = ?, c.due_at = ?, c.updated_at = ?
			WHERE c.id = ? AND c.status IN (?) AND (c.status = 'waiting' OR `+overdueSQL+`)`,
			t.To, mentorID, now, s.due(now), now, id, t.From, now)
		res, err := tx.ExecContext(ctx, q, args...)
		if err != nil {
			return fmt.Errorf("consultation: assign %d: %w", id, sqldb.Classify(err))
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return ErrInvalidTransition
		}
		e := by.AuditID("consultation.assign", "consultation", id)
		e.Detail = map[string]any{"mentor_id": mentorID, "mentor_before": old.MentorID.Int64, "status_before": old.Status}
		if err := audit.Write(ctx, tx, e); err != nil {
			return err
		}
		key := fmt.Sprintf("consult:%d:assign:%d", id, now.UnixMilli())
		// Dedup keys are unique across users: one for each side.
		if err := s.tell(ctx, tx, mentorUser, id, "您收到一个新的线上问诊", fmt.Sprintf("区里为您分派了一个问诊，请在 %d 小时内回复。", int(time.Duration(s.replyWithin.Load()).Hours())), key+":mentor"); err != nil {
			return err
		}
		return s.tell(ctx, tx, old.UserID, id, "您的问诊已安排导师", "已为您安排导师，导师将尽快回复。", key+":asker")
	})
	if err != nil {
		return nil, err
	}
	list, err := s.list(ctx, `c.id = ?`, `c.id`, true, id)
	if err != nil {
		return nil, err
	}
	if len(list) != 1 || asker == 0 {
		return nil, ErrNotFound
	}
	return &list[0], nil
}
