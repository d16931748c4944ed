// Package staff holds staff accounts: district administrators, department staff and township
// staff, their password sign-in (rate limits, lockout per username and client address, a
// bounded number of password hashes at once), password changes and resets, and the bootstrap
// administrator.
package staff

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/redis/go-redis/v9"

	"huixiang/internal/actor"
	"huixiang/internal/audit"
	"huixiang/internal/ratelimit"
	"huixiang/internal/sqldb"
)

// Errors.
var (
	ErrInvalidCredentials = errors.New("staff: wrong username or password")
	ErrLocked             = errors.New("staff: sign-in locked")
	ErrNotFound           = errors.New("staff: not found")
	ErrUsernameTaken      = errors.New("staff: username taken")
	ErrInvalid            = errors.New("staff: invalid account data")
	ErrWeakPassword       = errors.New("staff: weak password")
	// ErrBusy: no password-hashing slot came free in time; the client may retry shortly.
	ErrBusy = errors.New("staff: too many sign-ins at once")
	// ErrWrongPassword: the current password given to change it is not the account's.
	ErrWrongPassword = errors.New("staff: current password is wrong")
	// ErrSelf: an administrator may not demote or disable their own account.
	ErrSelf = errors.New("staff: cannot change own role or disable own account")
)

// LockedError refuses a sign-in for RetryAfter. Its answer is the same whether the username
// exists or not, and whether the lock is on one client address or on the whole account.
type LockedError struct{ RetryAfter time.Duration }

func (e *LockedError) Error() string { return "staff: sign-in locked for " + e.RetryAfter.String() }

// Unwrap makes errors.Is(err, ErrLocked) true.
func (e *LockedError) Unwrap() error { return ErrLocked }

// Staff is a staff account, without its password hash.
type Staff struct {
	ID           int64      `json:"id"`
	Username     string     `json:"username"`
	DisplayName  string     `json:"display_name"`
	Role         actor.Role `json:"role"`
	Department   string     `json:"department,omitempty"`
	TownshipCode string     `json:"township_code,omitempty"`
	Disabled     bool       `json:"disabled"`
	LockedUntil  *time.Time `json:"locked_until,omitempty"`
	// MustChangePassword: the password is a one-time password from a reset; until it is
	// changed the account's sessions may only change it, read /me and sign out.
	MustChangePassword bool       `json:"must_change_password"`
	LastLoginAt        *time.Time `json:"last_login_at,omitempty"`
	CreatedAt          time.Time  `json:"created_at"`
}

type row struct {
	ID                 int64          `db:"id"`
	Username           string         `db:"username"`
	DisplayName        string         `db:"display_name"`
	PasswordHash       string         `db:"password_hash"`
	Role               actor.Role     `db:"role"`
	Department         sql.NullString `db:"department"`
	TownshipCode       sql.NullString `db:"township_code"`
	LockedUntil        sql.NullTime   `db:"locked_until"`
	Disabled           bool           `db:"disabled"`
	MustChangePassword bool           `db:"must_change_password"`
	LastLoginAt        sql.NullTime   `db:"last_login_at"`
	CreatedAt          time.Time      `db:"created_at"`
}

func (r row) staff(now time.Time) Staff {
	s := Staff{ID: r.ID, Username: r.Username, DisplayName: r.DisplayName, Role: r.Role,
		Department: r.Department.String, TownshipCode: r.TownshipCode.String, Disabled: r.Disabled,
		MustChangePassword: r.MustChangePassword, CreatedAt: r.CreatedAt}
	if r.LastLoginAt.Valid {
		t := r.LastLoginAt.Time
		s.LastLoginAt = &t
	}
	if r.LockedUntil.Valid && now.Before(r.LockedUntil.Time) {
		t := r.LockedUntil.Time
		s.LockedUntil = &t
	}
	return s
}

const columns = `id, username, display_name, password_hash, role, department, township_code,
	locked_until, disabled, must_change_password, last_login_at, created_at`

// Options are the sign-in limits.
type Options struct {
	// MaxFailures wrong passwords for one username from one client address within LockFor lock
	// that pair (not the account) for LockFor.
	MaxFailures int
	LockFor     time.Duration
	// The account as a whole locks for AccountLockFor after AccountMaxFailures failures within
	// AccountWindow coming from at least AccountMinIPs addresses. 0 failures: never.
	AccountMaxFailures int
	AccountMinIPs      int
	AccountWindow      time.Duration
	AccountLockFor     time.Duration
	// Sign-in attempts per client address and per username within LoginWindow (sliding).
	LoginPerIP       int
	LoginPerUsername int
	LoginWindow      time.Duration
	// HashSlots bounds the argon2id hashes computed at once (each takes 19 MiB); a request waits
	// at most HashWait for a slot, then gets ErrBusy.
	HashSlots int
	HashWait  time.Duration
}

// Service signs staff in and manages accounts.
type Service struct {
	db      *sqlx.DB
	rdb     redis.UniversalClient
	prefix  string
	limiter *ratelimit.Limiter
	opt     Options
	now     func() time.Time
	// slots is the hashing semaphore; hashing and peak count hashes in progress (for tests and
	// to show the bound holds).
	slots   chan struct{}
	hashing atomic.Int32
	peak    atomic.Int32
	// cost is the argon2id cost of new hashes (SetHashCost).
	cost HashCost
	// dummyHash is verified for unknown usernames so that timing does not reveal which exist:
	// made at the first such sign-in, of the cost new hashes have.
	dummyOnce sync.Once
	dummyHash string
	dummyErr  error
}

// NewService returns a Service keeping its counters in rdb under prefix.
func NewService(db *sqlx.DB, rdb redis.UniversalClient, prefix string, opt Options) *Service {
	opt.HashSlots = max(opt.HashSlots, 1)
	if opt.HashWait <= 0 {
		opt.HashWait = time.Second
	}
	return &Service{db: db, rdb: rdb, prefix: prefix, limiter: ratelimit.New(rdb, prefix), opt: opt,
		now: time.Now, slots: make(chan struct{}, opt.HashSlots)}
}

// SetHashCost sets the argon2id cost of the hashes made from now on (MinHashCost() in tests).
// Hashes already stored keep theirs. Call it before other goroutines use the service.
func (s *Service) SetHashCost(c HashCost) { s.cost = c }

// dummy is the hash verified for unknown usernames, made once.
func (s *Service) dummy() (string, error) {
	s.dummyOnce.Do(func() { s.dummyHash, s.dummyErr = hashPassword("not-a-real-password-0", s.cost) })
	return s.dummyHash, s.dummyErr
}

// withSlot runs fn (an argon2id hash) in one of the bounded slots, or returns ErrBusy when none
// frees up within HashWait.
func (s *Service) withSlot(ctx context.Context, fn func()) error {
	t := time.NewTimer(s.opt.HashWait)
	defer t.Stop()
	select {
	case s.slots <- struct{}{}:
	case <-t.C:
		return ErrBusy
	case <-ctx.Done():
		return ErrBusy
	}
	defer func() { <-s.slots }()
	n := s.hashing.Add(1)
	defer s.hashing.Add(-1)
	for p := s.peak.Load(); n > p && !s.peak.CompareAndSwap(p, n); p = s.peak.Load() {
	}
	fn()
	return nil
}

func (s *Service) verify(ctx context.Context, hash, pw string) (ok bool, err error) {
	if slotErr := s.withSlot(ctx, func() { ok, err = VerifyPassword(hash, pw) }); slotErr != nil {
		return false, slotErr
	}
	return ok, err
}

func (s *Service) hash(ctx context.Context, pw string) (h string, err error) {
	if slotErr := s.withSlot(ctx, func() { h, err = hashPassword(pw, s.cost) }); slotErr != nil {
		return "", slotErr
	}
	return h, err
}

// Login checks a sign-in from clientIP. In order, and the same for existing and unknown
// usernames: the rate limits per address and per username (429, before any hash or audit row),
// the lock of this username from this address or of the username as a whole (423), a bounded
// hashing slot (503), then the password. A wrong password counts against the pair and the
// username in Redis; enough of them lock the pair, and enough from many addresses the account.
func (s *Service) Login(ctx context.Context, username, password, clientIP string) (Staff, error) {
	uname := strings.ToLower(strings.TrimSpace(username))
	if clientIP == "" {
		clientIP = "-"
	}
	k := s.lockKeys(uname, clientIP)
	win := s.opt.LoginWindow
	if err := s.limiter.Allow(ctx, ratelimit.Rule{Name: "stafflogin-ip", Limit: s.opt.LoginPerIP, Window: win}, clientIP); err != nil {
		return Staff{}, err
	}
	// A name no account can have (every account passed usernameRE) is a wrong username at once:
	// no hash, no lock counters, and no SQL, where non-ASCII text against the ascii column fails.
	// Checked before lowering: strings.ToLower turns "ADMİN" (dotted capital I) into "admin".
	if !usernameRE.MatchString(strings.TrimSpace(username)) {
		return Staff{}, ErrInvalidCredentials
	}
	if err := s.limiter.Allow(ctx, ratelimit.Rule{Name: "stafflogin-user", Limit: s.opt.LoginPerUsername, Window: win}, k.tag); err != nil {
		return Staff{}, err
	}
	member, wait, err := s.beginAttempt(ctx, k)
	if err != nil {
		return Staff{}, err
	}
	if wait > 0 {
		return Staff{}, &LockedError{RetryAfter: wait}
	}
	st, err := s.checkPassword(ctx, k, member, uname, password)
	if err != nil && !errors.Is(err, ErrInvalidCredentials) && !errors.Is(err, ErrLocked) {
		// Not an answer about the password (busy, a database error): the attempt does not count.
		s.rdb.ZRem(context.WithoutCancel(ctx), k.pairFails, member)
	}
	return st, err
}

// checkPassword is the part of Login after the attempt was reserved.
func (s *Service) checkPassword(ctx context.Context, k lockKeys, member, uname, password string) (Staff, error) {
	var pre struct {
		ID       int64  `db:"id"`
		Hash     string `db:"password_hash"`
		Disabled bool   `db:"disabled"`
	}
	err := s.db.GetContext(ctx, &pre, `SELECT id, password_hash, disabled FROM staff WHERE username = ?`, uname)
	found := err == nil
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return Staff{}, fmt.Errorf("staff: login: %w", err)
	}
	hash := pre.Hash
	if !found {
		if hash, err = s.dummy(); err != nil {
			return Staff{}, fmt.Errorf("staff: login: %w", err)
		}
	}
	passwordOK, err := s.verify(ctx, hash, password)
	if err != nil {
		return Staff{}, err
	}
	if !found || !passwordOK || pre.Disabled {
		reason := "wrong_password"
		switch {
		case !found:
			reason = "unknown_user"
		case pre.Disabled:
			reason = "disabled"
		}
		return Staff{}, s.failed(ctx, k, member, uname, pre.ID, reason)
	}

	var out Staff
	var result error
	err = sqldb.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		var r row
		if err := tx.GetContext(ctx, &r, `SELECT `+columns+` FROM staff WHERE id = ? FOR UPDATE`, pre.ID); err != nil {
			return fmt.Errorf("staff: login: %w", err)
		}
		now := s.now().UTC()
		entry := audit.Entry{ActorType: audit.ActorStaff, ActorID: r.ID, ActorName: r.Username,
			TargetType: "staff", TargetID: fmt.Sprint(r.ID)}
		switch {
		case r.LockedUntil.Valid && now.Before(r.LockedUntil.Time):
			// The account-wide lock as kept in MySQL (Redis normally refused this earlier).
			result = &LockedError{RetryAfter: r.LockedUntil.Time.Sub(now)}
			return nil
		case r.PasswordHash != hash || r.Disabled:
			// Changed while we were hashing: not a wrong guess.
			result = ErrInvalidCredentials
			entry.Action, entry.Detail = "staff.login_failed", map[string]any{"reason": "changed_meanwhile"}
			return audit.Write(ctx, tx, entry)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE staff SET failed_attempts = 0, last_login_at = ?, updated_at = ? WHERE id = ?`, now, now, r.ID); err != nil {
			return fmt.Errorf("staff: login: %w", err)
		}
		r.LastLoginAt = sql.NullTime{Time: now, Valid: true}
		out = r.staff(now)
		entry.Action = "staff.login"
		if r.MustChangePassword {
			entry.Detail = map[string]any{"must_change_password": true}
		}
		return audit.Write(ctx, tx, entry)
	})
	if err != nil {
		return Staff{}, err
	}
	if result != nil {
		s.rdb.ZRem(ctx, k.pairFails, member) // not a wrong guess: not counted
		return Staff{}, result
	}
	s.rdb.Del(ctx, k.pairFails) // a success from this address forgets its failures
	return out, nil
}

// failed counts a failed sign-in, audits it, and applies the locks it triggers.
func (s *Service) failed(ctx context.Context, k lockKeys, member, uname string, id int64, reason string) error {
	res, err := s.recordFailure(ctx, k, member)
	if err != nil {
		return err
	}
	entry := audit.Entry{ActorType: audit.ActorAnonymous, ActorName: uname}
	if id != 0 {
		entry = audit.Entry{ActorType: audit.ActorStaff, ActorID: id, ActorName: uname, TargetType: "staff", TargetID: fmt.Sprint(id)}
	}
	entry.Action, entry.Detail = "staff.login_failed", map[string]any{"reason": reason, "failures": res.pairFailures}
	if err := audit.Write(ctx, s.db, entry); err != nil {
		return err
	}
	if res.pairLocked {
		entry.Action, entry.Detail = "staff.locked", map[string]any{"scope": "client_ip", "for_seconds": int(s.opt.LockFor.Seconds())}
		if err := audit.Write(ctx, s.db, entry); err != nil {
			return err
		}
	}
	if res.accountLocked {
		until := s.now().UTC().Add(s.opt.AccountLockFor)
		if id != 0 {
			if _, err := s.db.ExecContext(ctx, `UPDATE staff SET locked_until = ?, updated_at = ? WHERE id = ?`, until, s.now().UTC(), id); err != nil {
				return fmt.Errorf("staff: lock: %w", err)
			}
		}
		entry.Action, entry.Detail = "staff.locked", map[string]any{"scope": "account", "until": until}
		if err := audit.Write(ctx, s.db, entry); err != nil {
			return err
		}
		return &LockedError{RetryAfter: s.opt.AccountLockFor}
	}
	if res.pairLocked {
		return &LockedError{RetryAfter: s.opt.LockFor}
	}
	return ErrInvalidCredentials
}

// Get returns one account.
func (s *Service) Get(ctx context.Context, id int64) (Staff, error) {
	r, err := s.getRow(ctx, s.db, id, false)
	if err != nil {
		return Staff{}, err
	}
	return r.staff(s.now()), nil
}

func (s *Service) getRow(ctx context.Context, q sqlx.QueryerContext, id int64, forUpdate bool) (row, error) {
	query := `SELECT ` + columns + ` FROM staff WHERE id = ?`
	if forUpdate {
		query += ` FOR UPDATE`
	}
	var r row
	err := sqlx.GetContext(ctx, q, &r, query, id)
	if errors.Is(err, sql.ErrNoRows) {
		return row{}, ErrNotFound
	}
	if err != nil {
		return row{}, fmt.Errorf("staff: get: %w", err)
	}
	return r, nil
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
	return r.staff(s.now()), nil
}

// List returns every account, by ID (there are tens to hundreds of them).
func (s *Service) List(ctx context.Context) ([]Staff, error) {
	var rows []row
	if err := s.db.SelectContext(ctx, &rows, `SELECT `+columns+` FROM staff ORDER BY id`); err != nil {
		return nil, fmt.Errorf("staff: list: %w", err)
	}
	now := s.now()
	out := make([]Staff, 0, len(rows))
	for _, r := range rows {
		out = append(out, r.staff(now))
	}
	return out, nil
}

// NewAccount is what Create needs.
type NewAccount struct {
	Username     string
	DisplayName  string
	Password     string
	Role         actor.Role
	Department   string
	TownshipCode string
}

var usernameRE = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9_.-]{2,63}$`)
var townshipRE = regexp.MustCompile(`^[0-9]{6,12}$`)

func (a NewAccount) validate() error {
	if !usernameRE.MatchString(a.Username) {
		return fmt.Errorf("%w: username must be 3-64 letters, digits, _ . - and start with a letter", ErrInvalid)
	}
	if err := CheckPassword(a.Password, a.Username); err != nil {
		return err
	}
	return validateScope(a.Role, a.Department, a.TownshipCode)
}

// validateScope checks that a role comes with the department or township it needs.
func validateScope(role actor.Role, department, township string) error {
	switch role {
	case actor.DistrictAdmin:
		if township != "" {
			return fmt.Errorf("%w: a district administrator has no township", ErrInvalid)
		}
	case actor.Department:
		if strings.TrimSpace(department) == "" || township != "" {
			return fmt.Errorf("%w: department staff need a department and no township", ErrInvalid)
		}
	case actor.Township:
		if !townshipRE.MatchString(township) {
			return fmt.Errorf("%w: township staff need a township code (6-12 digits)", ErrInvalid)
		}
	default:
		return fmt.Errorf("%w: role must be %s, %s or %s", ErrInvalid, actor.DistrictAdmin, actor.Department, actor.Township)
	}
	if len([]rune(department)) > 64 {
		return fmt.Errorf("%w: department name too long", ErrInvalid)
	}
	return nil
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// Create adds an account; by is who does it (audit).
func (s *Service) Create(ctx context.Context, by actor.Actor, a NewAccount) (Staff, error) {
	if err := a.validate(); err != nil {
		return Staff{}, err
	}
	hash, err := s.hash(ctx, a.Password)
	if err != nil {
		return Staff{}, err
	}
	var id int64
	err = sqldb.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		now := s.now().UTC()
		res, err := tx.ExecContext(ctx, `
			INSERT INTO staff (username, display_name, password_hash, role, department, township_code, password_changed_at, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			a.Username, a.DisplayName, hash, a.Role, nullable(a.Department), nullable(a.TownshipCode), now, now, now)
		if err := sqldb.Classify(err); errors.Is(err, sqldb.ErrDuplicate) {
			return ErrUsernameTaken
		} else if err != nil {
			return fmt.Errorf("staff: create: %w", err)
		}
		if id, err = res.LastInsertId(); err != nil {
			return err
		}
		e := by.AuditID("staff.create", "staff", id)
		e.Detail = map[string]any{"username": a.Username, "role": a.Role, "department": a.Department, "township_code": a.TownshipCode}
		return audit.Write(ctx, tx, e)
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
	_, err = s.Create(ctx, actor.System("bootstrap"),
		NewAccount{Username: "admin", DisplayName: "系统管理员", Password: password, Role: actor.DistrictAdmin})
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
func (s *Service) RevokeSessions(ctx context.Context, by actor.Actor, id int64, revoke func() (int, error)) (int, error) {
	if _, err := s.Get(ctx, id); err != nil {
		return 0, err
	}
	n, err := revoke()
	if err != nil {
		return n, err
	}
	e := by.AuditID("staff.sessions_revoked", "staff", id)
	e.Detail = map[string]any{"sessions": n}
	return n, audit.Write(ctx, s.db, e)
}
