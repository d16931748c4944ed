package staff

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/jmoiron/sqlx"

	"huixiang/internal/actor"
	"huixiang/internal/audit"
	"huixiang/internal/ratelimit"
	"huixiang/internal/sqldb"
)

// ChangePassword replaces the password of account id, which must know its current one. It
// clears a reset's must-change flag. The caller ends the account's other sessions.
func (s *Service) ChangePassword(ctx context.Context, by actor.Actor, id int64, oldPassword, newPassword string) error {
	// Guessing the current password through this form is limited like signing in.
	rule := ratelimit.Rule{Name: "staffpw", Limit: s.opt.LoginPerUsername, Window: s.opt.LoginWindow}
	if err := s.limiter.Allow(ctx, rule, ratelimit.IDKey(id)); err != nil {
		return err
	}
	r, err := s.getRow(ctx, s.db, id, false)
	if err != nil {
		return err
	}
	ok, err := s.verify(ctx, r.PasswordHash, oldPassword)
	if err != nil {
		return err
	}
	if !ok {
		e := by.AuditID("staff.password_change_failed", "staff", id)
		if err := audit.Write(ctx, s.db, e); err != nil {
			return err
		}
		return ErrWrongPassword
	}
	if err := CheckPassword(newPassword, r.Username); err != nil {
		return err
	}
	if newPassword == oldPassword {
		return &WeakPasswordError{Reason: WeakSame}
	}
	hash, err := s.hash(ctx, newPassword)
	if err != nil {
		return err
	}
	return sqldb.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		now := s.now().UTC()
		// Conditional on the hash just verified: a concurrent change or reset wins, this one fails.
		res, err := tx.ExecContext(ctx, `UPDATE staff SET password_hash = ?, must_change_password = FALSE,
			password_changed_at = ?, updated_at = ? WHERE id = ? AND password_hash = ?`, hash, now, now, id, r.PasswordHash)
		if err != nil {
			return fmt.Errorf("staff: change password: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return ErrWrongPassword
		}
		e := by.AuditID("staff.password_changed", "staff", id)
		return audit.Write(ctx, tx, e)
	})
}

// oneTimeAlphabet leaves out characters that are easy to misread (0/O, 1/l/I).
const oneTimeAlphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"

// oneTimePassword returns 16 random characters (≈ 93 bits) that satisfy the policy.
func oneTimePassword() string {
	for {
		b := make([]byte, 16)
		_, _ = rand.Read(b)
		for i := range b {
			b[i] = oneTimeAlphabet[int(b[i])%len(oneTimeAlphabet)]
		}
		if CheckPassword(string(b), "") == nil {
			return string(b)
		}
	}
}

// ResetPassword gives account id a one-time password, returned once and never stored in clear,
// that must be changed at the next sign-in. It also lifts an account lock. The caller ends the
// account's sessions.
func (s *Service) ResetPassword(ctx context.Context, by actor.Actor, id int64) (string, error) {
	pw := oneTimePassword()
	hash, err := s.hash(ctx, pw)
	if err != nil {
		return "", err
	}
	var uname string
	err = sqldb.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		r, err := s.getRow(ctx, tx, id, true)
		if err != nil {
			return err
		}
		uname = r.Username
		now := s.now().UTC()
		if _, err := tx.ExecContext(ctx, `UPDATE staff SET password_hash = ?, must_change_password = TRUE, password_changed_at = ?,
			locked_until = NULL, failed_attempts = 0, updated_at = ? WHERE id = ?`, hash, now, now, id); err != nil {
			return fmt.Errorf("staff: reset password: %w", err)
		}
		e := by.AuditID("staff.password_reset", "staff", id)
		e.Detail = map[string]any{"username": r.Username}
		return audit.Write(ctx, tx, e)
	})
	if err != nil {
		return "", err
	}
	return pw, s.clearLocks(ctx, strings.ToLower(uname))
}

// Unlock lifts the account-wide lock of account id and forgets the failures and address locks
// of its username, audited.
func (s *Service) Unlock(ctx context.Context, by actor.Actor, id int64) error {
	var uname string
	err := sqldb.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		r, err := s.getRow(ctx, tx, id, true)
		if err != nil {
			return err
		}
		uname = r.Username
		now := s.now().UTC()
		if _, err := tx.ExecContext(ctx, `UPDATE staff SET locked_until = NULL, failed_attempts = 0, updated_at = ? WHERE id = ?`, now, id); err != nil {
			return fmt.Errorf("staff: unlock: %w", err)
		}
		e := by.AuditID("staff.unlocked", "staff", id)
		e.Detail = map[string]any{"was_locked_until": nullTime(r.LockedUntil)}
		return audit.Write(ctx, tx, e)
	})
	if err != nil {
		return err
	}
	return s.clearLocks(ctx, strings.ToLower(uname))
}

func nullTime(t sql.NullTime) any {
	if !t.Valid {
		return nil
	}
	return t.Time
}

// Patch is a change to an account; nil fields stay as they are. An empty Department or
// TownshipCode clears it (a district administrator has neither).
type Patch struct {
	DisplayName  *string
	Role         *actor.Role
	Department   *string
	TownshipCode *string
	Disabled     *bool
}

// Update applies p to account id under its row lock, audited with the old and new values. It
// reports whether the account's scope changed (role, department, township, disabled): then the
// caller must end its sessions, which carry the old scope.
func (s *Service) Update(ctx context.Context, by actor.Actor, id int64, p Patch) (Staff, bool, error) {
	var out Staff
	var scopeChanged bool
	err := sqldb.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		r, err := s.getRow(ctx, tx, id, true)
		if err != nil {
			return err
		}
		changes := map[string]any{}
		set := func(name string, old *string, v *string, scope bool) {
			if v != nil && *v != *old {
				changes[name] = map[string]any{"from": *old, "to": *v}
				*old = *v
				scopeChanged = scopeChanged || scope
			}
		}
		name, role, dept, town := r.DisplayName, string(r.Role), r.Department.String, r.TownshipCode.String
		set("display_name", &name, p.DisplayName, false)
		set("role", &role, (*string)(p.Role), true)
		set("department", &dept, p.Department, true)
		set("township_code", &town, p.TownshipCode, true)
		disabled := r.Disabled
		if p.Disabled != nil && *p.Disabled != disabled {
			changes["disabled"] = map[string]any{"from": disabled, "to": *p.Disabled}
			disabled = *p.Disabled
			scopeChanged = true
		}
		if len(changes) == 0 {
			out = r.staff(s.now())
			return nil
		}
		if len([]rune(name)) > 64 {
			return fmt.Errorf("%w: display name too long", ErrInvalid)
		}
		if err := validateScope(actor.Role(role), dept, town); err != nil {
			return err
		}
		// An administrator cannot lock themselves out (and the district keep no administrator).
		if by.IsStaff() && by.ID == id && (actor.Role(role) != r.Role || disabled) {
			return ErrSelf
		}
		now := s.now().UTC()
		if _, err := tx.ExecContext(ctx, `UPDATE staff SET display_name = ?, role = ?, department = ?, township_code = ?,
			disabled = ?, updated_at = ? WHERE id = ?`, name, role, nullable(dept), nullable(town), disabled, now, id); err != nil {
			return fmt.Errorf("staff: update: %w", err)
		}
		e := by.AuditID("staff.update", "staff", id)
		e.Detail = map[string]any{"username": r.Username, "changes": changes}
		if err := audit.Write(ctx, tx, e); err != nil {
			return err
		}
		r.DisplayName, r.Role, r.Disabled = name, actor.Role(role), disabled
		r.Department = sql.NullString{String: dept, Valid: dept != ""}
		r.TownshipCode = sql.NullString{String: town, Valid: town != ""}
		out = r.staff(s.now())
		return nil
	})
	if errors.Is(err, ErrNotFound) {
		return Staff{}, false, ErrNotFound
	}
	return out, scopeChanged, err
}
