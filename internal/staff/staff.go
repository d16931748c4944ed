// Package staff holds staff accounts: district administrators, department staff and township
// staff, their password sign-in with lockout, and the bootstrap administrator.
package staff

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"huixiang/internal/audit"
	"huixiang/internal/config"
	"huixiang/internal/sqldb"
)

// Roles.
const (
	RoleDistrictAdmin = "district_admin"
	RoleDepartment    = "department"
	RoleTownship      = "township"
)

// Errors.
var (
	ErrInvalidCredentials = errors.New("staff: wrong username or password")
	ErrLocked             = errors.New("staff: account locked")
	ErrNotFound           = errors.New("staff: not found")
	ErrUsernameTaken      = errors.New("staff: username taken")
	ErrInvalid            = errors.New("staff: invalid account data")
	ErrWeakPassword       = errors.New("staff: weak password")
)

// LockedError says until when an account is locked.
type LockedError struct{ Until time.Time }

func (e *LockedError) Error() string { return "staff: locked until " + e.Until.Format(time.RFC3339) }

// Unwrap makes errors.Is(err, ErrLocked) true.
func (e *LockedError) Unwrap() error { return ErrLocked }

// Staff is a staff account, without its password hash.
type Staff struct {
	ID           int64      `json:"id"`
	Username     string     `json:"username"`
	DisplayName  string     `json:"display_name"`
	Role         string     `json:"role"`
	Department   string     `json:"department,omitempty"`
	TownshipCode string     `json:"township_code,omitempty"`
	LastLoginAt  *time.Time `json:"last_login_at,omitempty"`
	CreatedAt    time.Time  `json:"created_at"`
}

type row struct {
	ID             int64          `db:"id"`
	Username       string         `db:"username"`
	DisplayName    string         `db:"display_name"`
	PasswordHash   string         `db:"password_hash"`
	Role           string         `db:"role"`
	Department     sql.NullString `db:"department"`
	TownshipCode   sql.NullString `db:"township_code"`
	FailedAttempts int            `db:"failed_attempts"`
	LockedUntil    sql.NullTime   `db:"locked_until"`
	Disabled       bool           `db:"disabled"`
	LastLoginAt    sql.NullTime   `db:"last_login_at"`
	CreatedAt      time.Time      `db:"created_at"`
}

func (r row) staff() Staff {
	s := Staff{ID: r.ID, Username: r.Username, DisplayName: r.DisplayName, Role: r.Role,
		Department: r.Department.String, TownshipCode: r.TownshipCode.String, CreatedAt: r.CreatedAt}
	if r.LastLoginAt.Valid {
		t := r.LastLoginAt.Time
		s.LastLoginAt = &t
	}
	return s
}

const columns = `id, username, display_name, password_hash, role, department, township_code,
	failed_attempts, locked_until, disabled, last_login_at, created_at`

// Service signs staff in and manages accounts.
type Service struct {
	db          *sqlx.DB
	maxFailures int
	lockFor     time.Duration
	now         func() time.Time
	// dummyHash is verified for unknown usernames so that timing does not reveal which exist.
	dummyHash string
}

// NewService returns a Service; maxFailures wrong passwords in a row lock an account for lockFor.
func NewService(db *sqlx.DB, maxFailures int, lockFor time.Duration) *Service {
	h, _ := HashPassword("not-a-real-password-0")
	return &Service{db: db, maxFailures: maxFailures, lockFor: lockFor, now: time.Now, dummyHash: h}
}

// Login checks the password. The slow hash is computed before the row is locked, so a flood of
// guesses cannot hold connections and row locks; the outcome is then applied under the row lock
// against the account's current state, so parallel guesses are all counted and none slips past
// a lock. Every outcome is audited in the same transaction as the counter change.
func (s *Service) Login(ctx context.Context, username, password string) (Staff, error) {
	username = strings.TrimSpace(username)
	var pre struct {
		ID          int64        `db:"id"`
		Hash        string       `db:"password_hash"`
		LockedUntil sql.NullTime `db:"locked_until"`
	}
	err := s.db.GetContext(ctx, &pre, `SELECT id, password_hash, locked_until FROM staff WHERE username = ?`, username)
	if errors.Is(err, sql.ErrNoRows) {
		_, _ = VerifyPassword(s.dummyHash, password)
		err := audit.Write(ctx, s.db, audit.Entry{ActorType: audit.ActorAnonymous, ActorName: username,
			Action: "staff.login_failed", Detail: map[string]any{"reason": "unknown_user"}})
		if err != nil {
			return Staff{}, err
		}
		return Staff{}, ErrInvalidCredentials
	}
	if err != nil {
		return Staff{}, fmt.Errorf("staff: login: %w", err)
	}
	if pre.LockedUntil.Valid && s.now().Before(pre.LockedUntil.Time) {
		// Locked: refuse without spending a hash on it.
		err := audit.Write(ctx, s.db, audit.Entry{ActorType: audit.ActorStaff, ActorID: pre.ID, ActorName: username,
			Action: "staff.login_refused_locked", TargetType: "staff", TargetID: fmt.Sprint(pre.ID)})
		if err != nil {
			return Staff{}, err
		}
		return Staff{}, &LockedError{Until: pre.LockedUntil.Time}
	}
	hash := pre.Hash
	passwordOK, err := VerifyPassword(hash, password)
	if err != nil {
		return Staff{}, err
	}

	var out Staff
	var result error
	err = sqldb.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		var r row
		if err := tx.GetContext(ctx, &r, `SELECT `+columns+` FROM staff WHERE username = ? FOR UPDATE`, username); err != nil {
			return fmt.Errorf("staff: login: %w", err)
		}
		now := s.now().UTC()
		entry := audit.Entry{ActorType: audit.ActorStaff, ActorID: r.ID, ActorName: r.Username,
			TargetType: "staff", TargetID: fmt.Sprint(r.ID)}
		switch {
		case r.LockedUntil.Valid && now.Before(r.LockedUntil.Time):
			result = &LockedError{Until: r.LockedUntil.Time}
			entry.Action = "staff.login_refused_locked"
			return audit.Write(ctx, tx, entry)
		case r.PasswordHash != hash:
			// The password changed while we were hashing: treat as a failed attempt without counting.
			result = ErrInvalidCredentials
			entry.Action, entry.Detail = "staff.login_failed", map[string]any{"reason": "password_changed"}
			return audit.Write(ctx, tx, entry)
		case r.Disabled:
			result = ErrInvalidCredentials
			entry.Action, entry.Detail = "staff.login_failed", map[string]any{"reason": "disabled"}
			return audit.Write(ctx, tx, entry)
		case !passwordOK:
			failures := r.FailedAttempts + 1
			result = ErrInvalidCredentials
			entry.Action, entry.Detail = "staff.login_failed", map[string]any{"reason": "wrong_password", "failures": failures}
			if err := audit.Write(ctx, tx, entry); err != nil {
				return err
			}
			if failures < s.maxFailures {
				_, err := tx.ExecContext(ctx, `UPDATE staff SET failed_attempts = ?, updated_at = ? WHERE id = ?`, failures, now, r.ID)
				return err
			}
			until := now.Add(s.lockFor)
			result = &LockedError{Until: until}
			if _, err := tx.ExecContext(ctx, `UPDATE staff SET failed_attempts = 0, locked_until = ?, updated_at = ? WHERE id = ?`, until, now, r.ID); err != nil {
				return fmt.Errorf("staff: lock: %w", err)
			}
			entry.Action, entry.Detail = "staff.locked", map[string]any{"until": until, "failures": failures}
			return audit.Write(ctx, tx, entry)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE staff SET failed_attempts = 0, locked_until = NULL, last_login_at = ?, updated_at = ? WHERE id = ?`, now, now, r.ID); err != nil {
			return fmt.Errorf("staff: login: %w", err)
		}
		r.LastLoginAt = sql.NullTime{Time: now, Valid: true}
		out = r.staff()
		entry.Action = "staff.login"
		return audit.Write(ctx, tx, entry)
	})
	if err != nil {
		return Staff{}, err
	}
	return out, result
}

// Get returns one account.
func (s *Service) Get(ctx context.Context, id int64) (Staff, error) {
	var r row
	err := s.db.GetContext(ctx, &r, `SELECT `+columns+` FROM staff WHERE id = ?`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return Staff{}, ErrNotFound
	}
	if err != nil {
		return Staff{}, fmt.Errorf("staff: get: %w", err)
	}
	return r.staff(), nil
}

// GetByUsername returns one account by its username.
func (s *Service) GetByUsername(ctx context.Context, username string) (Staff, error) {
	var r row
	err := s.db.GetContext(ctx, &r, `SELECT `+columns+` FROM staff WHERE username = ?`, username)
	if errors.Is(err, sql.ErrNoRows) {
		return Staff{}, ErrNotFound
	}
	if err != nil {
		return Staff{}, fmt.Errorf("staff: get: %w", err)
	}
	return r.staff(), nil
}

// NewAccount is what Create needs.
type NewAccount struct {
	Username     string
	DisplayName  string
	Password     string
	Role         string
	Department   string
	TownshipCode string
}

var usernameRE = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9_.-]{2,63}$`)
var townshipRE = regexp.MustCompile(`^[0-9]{6,12}$`)

func (a NewAccount) validate() error {
	if !usernameRE.MatchString(a.Username) {
		return fmt.Errorf("%w: username must be 3-64 letters, digits, _ . - and start with a letter", ErrInvalid)
	}
	if err := config.CheckPassword(a.Password); err != nil {
		return fmt.Errorf("%w: password %v", ErrWeakPassword, err)
	}
	switch a.Role {
	case RoleDistrictAdmin:
		if a.TownshipCode != "" {
			return fmt.Errorf("%w: a district administrator has no township", ErrInvalid)
		}
	case RoleDepartment:
		if strings.TrimSpace(a.Department) == "" || a.TownshipCode != "" {
			return fmt.Errorf("%w: department staff need a department and no township", ErrInvalid)
		}
	case RoleTownship:
		if !townshipRE.MatchString(a.TownshipCode) {
			return fmt.Errorf("%w: township staff need a township code (6-12 digits)", ErrInvalid)
		}
	default:
		return fmt.Errorf("%w: role must be %s, %s or %s", ErrInvalid, RoleDistrictAdmin, RoleDepartment, RoleTownship)
	}
	return nil
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// Create adds an account; actor is who does it (audit).
func (s *Service) Create(ctx context.Context, actor audit.Entry, a NewAccount) (Staff, error) {
	if err := a.validate(); err != nil {
		return Staff{}, err
	}
	hash, err := HashPassword(a.Password)
	if err != nil {
		return Staff{}, err
	}
	var id int64
	err = sqldb.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		now := s.now().UTC()
		res, err := tx.ExecContext(ctx, `
			INSERT INTO staff (username, display_name, password_hash, role, department, township_code, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			a.Username, a.DisplayName, hash, a.Role, nullable(a.Department), nullable(a.TownshipCode), now, now)
		if err := sqldb.Classify(err); errors.Is(err, sqldb.ErrDuplicate) {
			return ErrUsernameTaken
		} else if err != nil {
			return fmt.Errorf("staff: create: %w", err)
		}
		if id, err = res.LastInsertId(); err != nil {
			return err
		}
		actor.Action, actor.TargetType, actor.TargetID = "staff.create", "staff", fmt.Sprint(id)
		actor.Detail = map[string]any{"username": a.Username, "role": a.Role, "department": a.Department, "township_code": a.TownshipCode}
		return audit.Write(ctx, tx, actor)
	})
	if err != nil {
		return Staff{}, err
	}
	return s.Get(ctx, id)
}

// BootstrapAdmin creates the district administrator "admin" with password when no account of
// that name exists. It is safe to call on every start of every replica. It reports whether it
// created the account.
func (s *Service) BootstrapAdmin(ctx context.Context, password string) (bool, error) {
	_, err := s.GetByUsername(ctx, "admin")
	if err == nil {
		return false, nil
	}
	if !errors.Is(err, ErrNotFound) {
		return false, err
	}
	_, err = s.Create(ctx, audit.Entry{ActorType: audit.ActorSystem, ActorName: "bootstrap"},
		NewAccount{Username: "admin", DisplayName: "系统管理员", Password: password, Role: RoleDistrictAdmin})
	if errors.Is(err, ErrUsernameTaken) {
		return false, nil // another replica won the race
	}
	return err == nil, err
}

// Count returns how many accounts exist.
func (s *Service) Count(ctx context.Context) (int, error) {
	var n int
	err := s.db.GetContext(ctx, &n, `SELECT COUNT(*) FROM staff`)
	return n, err
}

// RevokeSessions ends every session of account id through revoke, and audits it.
func (s *Service) RevokeSessions(ctx context.Context, actor audit.Entry, id int64, revoke func() (int, error)) (int, error) {
	if _, err := s.Get(ctx, id); err != nil {
		return 0, err
	}
	n, err := revoke()
	if err != nil {
		return n, err
	}
	actor.Action, actor.TargetType, actor.TargetID = "staff.sessions_revoked", "staff", fmt.Sprint(id)
	actor.Detail = map[string]any{"sessions": n}
	return n, audit.Write(ctx, s.db, actor)
}
