// Package account holds mini-program users: WeChat sign-in (one user per openid) and the phone
// number bound through WeChat, stored encrypted.
package account

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"huixiang/internal/pii"
	"huixiang/internal/privacy"
	"huixiang/internal/sqldb"
	"huixiang/internal/wechat"
)

// ErrNotFound means no such user.
var ErrNotFound = errors.New("account: user not found")

// WeChat is what this package needs from WeChat.
type WeChat interface {
	Code2Session(ctx context.Context, code string) (wechat.Session, error)
	PhoneNumber(ctx context.Context, code string) (string, error)
	CheckText(ctx context.Context, openID, text string) (wechat.Verdict, error)
}

// CheckText asks WeChat's content check about text the user typed (msg_sec_check needs the
// user's openid).
func (s *Service) CheckText(ctx context.Context, userID int64, text string) (wechat.Verdict, error) {
	var openID string
	if err := s.db.GetContext(ctx, &openID, `SELECT openid FROM users WHERE id = ?`, userID); err != nil {
		return "", fmt.Errorf("account: openid: %w", err)
	}
	return s.wx.CheckText(ctx, openID, text)
}

// User is a mini-program user as shown to the user: the phone is masked.
type User struct {
	ID        int64     `json:"id"`
	Phone     *string   `json:"phone"`
	Roles     []string  `json:"roles"`
	CreatedAt time.Time `json:"created_at"`
	// Privacy is the privacy-policy version the user accepted last, when, and the current one.
	Privacy privacy.State `json:"privacy"`
	// Mentor is whether the user is an active mentor (创业导师): the mini program shows the
	// mentor's pages. Set by Get (GET /me) only; absent elsewhere.
	Mentor bool `json:"mentor,omitempty"`
	// OpenID is kept for server-side use (notifications); never serialised.
	OpenID string `json:"-"`
}

type row struct {
	ID                int64          `db:"id"`
	OpenID            string         `db:"openid"`
	PhoneEnc          []byte         `db:"phone_enc"`
	CreatedAt         time.Time      `db:"created_at"`
	PrivacyVersion    sql.NullString `db:"privacy_version"`
	PrivacyAcceptedAt sql.NullTime   `db:"privacy_accepted_at"`
}

// Service signs users in and binds phones.
type Service struct {
	db  *sqlx.DB
	wx  WeChat
	box *pii.Box
}

// NewService returns a Service.
func NewService(db *sqlx.DB, wx WeChat, box *pii.Box) *Service {
	return &Service{db: db, wx: wx, box: box}
}

// Login exchanges a wx.login code for our user, creating the user on first sign-in. A repeat
// sign-in is one read (and a write only when last_login_at is stale or the unionid changed), since
// most sign-ins are repeats; a first sign-in is that read and one insert. Parallel first sign-ins
// of one openid create one user: the openid is UNIQUE and the insert is an upsert.
func (s *Service) Login(ctx context.Context, code string) (User, error) {
	ws, err := s.wx.Code2Session(ctx, code)
	if err != nil {
		return User{}, err
	}
	// DATETIME(3): the time kept is the time answered, on first sign-in as on every later read.
	now := time.Now().UTC().Truncate(time.Millisecond)
	r, err := s.loadByOpenID(ctx, ws.OpenID)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		if r, err = s.insertUser(ctx, ws, now); err != nil {
			return User{}, err
		}
	case err != nil:
		return User{}, fmt.Errorf("account: load: %w", err)
	case now.Sub(r.LastLoginAt) > lastLoginGranularity || (ws.UnionID != "" && r.UnionID.String != ws.UnionID):
		if _, err := s.db.ExecContext(ctx, `UPDATE users SET last_login_at = ?, unionid = COALESCE(?, unionid) WHERE id = ?`,
			now, nullString(ws.UnionID), r.ID); err != nil {
			return User{}, fmt.Errorf("account: touch: %w", err)
		}
	}
	// WeChat's session_key (ws.SessionKey) is dropped here on purpose: it would only serve to
	// decrypt data the client sends (wx.getUserInfo and the like), which no feature uses, and a
	// key that is not kept cannot leak. Keep it (encrypted, with the session) only when one does.
	return s.user(r.row)
}

// lastLoginGranularity: last_login_at is kept to within an hour, not rewritten on every sign-in.
const lastLoginGranularity = time.Hour

type loginRow struct {
	row
	UnionID     sql.NullString `db:"unionid"`
	LastLoginAt time.Time      `db:"last_login_at"`
}

func nullString(v string) any {
	if v == "" {
		return nil
	}
	return v
}

// insertUser creates the user of a first sign-in. The row it inserted is known without reading
// it back; only when a parallel sign-in of the same openid inserted first (the upsert updated
// instead: 2 or 0 rows affected) is that row read.
func (s *Service) insertUser(ctx context.Context, ws wechat.Session, now time.Time) (loginRow, error) {
	res, err := s.db.ExecContext(ctx, `
		INSERT INTO users (openid, unionid, created_at, updated_at, last_login_at) VALUES (?, ?, ?, ?, ?)
		ON DUPLICATE KEY UPDATE last_login_at = VALUES(last_login_at), unionid = COALESCE(VALUES(unionid), unionid)`,
		ws.OpenID, nullString(ws.UnionID), now, now, now)
	if err != nil {
		return loginRow{}, fmt.Errorf("account: upsert: %w", sqldb.Classify(err))
	}
	if n, err := res.RowsAffected(); err == nil && n == 1 {
		id, err := res.LastInsertId()
		if err == nil && id > 0 {
			return loginRow{row: row{ID: id, OpenID: ws.OpenID, CreatedAt: now},
				UnionID: sql.NullString{String: ws.UnionID, Valid: ws.UnionID != ""}, LastLoginAt: now}, nil
		}
	}
	r, err := s.loadByOpenID(ctx, ws.OpenID)
	if err != nil {
		return loginRow{}, fmt.Errorf("account: load: %w", err)
	}
	return r, nil
}

// loadByOpenID reads the sign-in's row, scanned by hand rather than by sqlx's reflection: every
// sign-in runs it.
func (s *Service) loadByOpenID(ctx context.Context, openID string) (loginRow, error) {
	var r loginRow
	err := s.db.QueryRowContext(ctx, `SELECT id, openid, phone_enc, created_at, unionid, last_login_at, privacy_version, privacy_accepted_at
		FROM users WHERE openid = ?`, openID).
		Scan(&r.ID, &r.OpenID, &r.PhoneEnc, &r.CreatedAt, &r.UnionID, &r.LastLoginAt, &r.PrivacyVersion, &r.PrivacyAcceptedAt)
	return r, err
}

// Get returns the user.
func (s *Service) Get(ctx context.Context, id int64) (User, error) {
	var r row
	var mentor bool
	// Scanned by hand, not by sqlx's reflection: GET /me runs this on every call, one primary-key
	// read of one table (is_mentor is kept by person.RefreshMentorFlag: the same answer read
	// through persons and mentors doubled MariaDB's work for /me).
	err := s.db.QueryRowContext(ctx, `SELECT u.id, u.openid, u.phone_enc, u.created_at, u.privacy_version, u.privacy_accepted_at,
		u.is_mentor FROM users u WHERE u.id = ?`, id).
		Scan(&r.ID, &r.OpenID, &r.PhoneEnc, &r.CreatedAt, &r.PrivacyVersion, &r.PrivacyAcceptedAt, &mentor)
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, ErrNotFound
	}
	if err != nil {
		return User{}, fmt.Errorf("account: get: %w", err)
	}
	u, err := s.user(r)
	if err == nil && mentor {
		u.Mentor, u.Roles = true, []string{"mentor"}
	}
	return u, err
}

// BindPhone asks WeChat for the phone behind code and stores it encrypted with its blind index.
// It returns the masked phone.
func (s *Service) BindPhone(ctx context.Context, userID int64, code string) (string, error) {
	phone, err := s.wx.PhoneNumber(ctx, code)
	if err != nil {
		return "", err
	}
	res, err := s.db.ExecContext(ctx, `UPDATE users SET phone_enc = ?, phone_idx = ?, updated_at = ? WHERE id = ?`,
		s.box.Seal("phone", phone), s.box.Index("phone", phone), time.Now().UTC(), userID)
	if err != nil {
		return "", fmt.Errorf("account: bind phone: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		// Either the user is gone or the phone was already this one; tell them apart.
		if _, err := s.Get(ctx, userID); err != nil {
			return "", err
		}
	}
	return pii.MaskPhone(phone), nil
}

func (s *Service) user(r row) (User, error) {
	u := User{ID: r.ID, Roles: []string{}, CreatedAt: r.CreatedAt, OpenID: r.OpenID,
		Privacy: privacy.StateOf(r.PrivacyVersion, r.PrivacyAcceptedAt)}
	if r.PhoneEnc != nil {
		p, err := s.box.Open("phone", r.PhoneEnc)
		if err != nil {
			return User{}, fmt.Errorf("account: user %d phone: %w", r.ID, err)
		}
		m := pii.MaskPhone(p)
		u.Phone = &m
	}
	return u, nil
}

// Identity is what other features need to act for a user: the openid (WeChat calls) and the
// bound phone (registration, claims). It never leaves the server.
type Identity struct {
	UserID   int64
	OpenID   string
	Phone    string
	PhoneIdx []byte
	// PrivacyVersion is the privacy-policy version the user accepted last (privacy.Check).
	PrivacyVersion sql.NullString
}

// Identity returns the user's openid and bound phone (empty when not bound).
func (s *Service) Identity(ctx context.Context, id int64) (Identity, error) {
	var r struct {
		OpenID         string         `db:"openid"`
		PhoneEnc       []byte         `db:"phone_enc"`
		PhoneIdx       []byte         `db:"phone_idx"`
		PrivacyVersion sql.NullString `db:"privacy_version"`
	}
	err := s.db.GetContext(ctx, &r, `SELECT openid, phone_enc, phone_idx, privacy_version FROM users WHERE id = ?`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return Identity{}, ErrNotFound
	}
	if err != nil {
		return Identity{}, fmt.Errorf("account: identity: %w", err)
	}
	out := Identity{UserID: id, OpenID: r.OpenID, PhoneIdx: r.PhoneIdx, PrivacyVersion: r.PrivacyVersion}
	if r.PhoneEnc != nil {
		if out.Phone, err = s.box.Open("phone", r.PhoneEnc); err != nil {
			return Identity{}, fmt.Errorf("account: user %d phone: %w", id, err)
		}
	}
	return out, nil
}

// AcceptPrivacy records that the user accepted version of the privacy policy, which must be
// privacy.CurrentVersion (else privacy.ErrVersionUnknown).
func (s *Service) AcceptPrivacy(ctx context.Context, userID int64, version string) error {
	found, err := privacy.Accept(ctx, s.db, userID, version, time.Now())
	if err == nil && !found {
		return ErrNotFound
	}
	return err
}
