// Package privacy records which version of the privacy policy each mini-program user accepted
// and when, and says whether a user may send sensitive personal information (PIPL: ID numbers,
// bank accounts), which needs consent to the current version.
//
// users.privacy_version and privacy_accepted_at hold the latest acceptance; privacy_consents
// keeps every version a user accepted, with the first time. The write paths that take an ID
// number or a bank account read users.privacy_version in a statement they run anyway (the
// user's identity, the registry's locking read, the applicant) and call Check: consent only
// ever moves forward (no route withdraws it), so that read decides, without a statement more.
package privacy

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"huixiang/internal/sqldb"
)

// CurrentVersion is the version of the privacy policy the mini program shows
// (miniprogram/lib/privacy.js exports the same VERSION; a test compares them). A new version of
// the policy changes both: every user is then asked again before sending an ID number or a bank
// account.
const CurrentVersion = "2026-12-01"

// Errors callers branch on.
var (
	// ErrConsentRequired: the user has not accepted the current policy and sent an ID number or
	// a bank account.
	ErrConsentRequired = errors.New("privacy: consent to the current privacy policy required")
	// ErrVersionUnknown: the version accepted is not the current one.
	ErrVersionUnknown = errors.New("privacy: unknown privacy policy version")
)

// Check is nil when accepted (users.privacy_version) is the current version.
func Check(accepted sql.NullString) error {
	if accepted.Valid && accepted.String == CurrentVersion {
		return nil
	}
	return ErrConsentRequired
}

// State is what a user sees of their consent: the version accepted last (null when none), when,
// and the current version.
type State struct {
	Version    *string    `json:"version"`
	AcceptedAt *time.Time `json:"accepted_at"`
	Current    string     `json:"current"`
}

// StateOf builds the State from the users columns.
func StateOf(version sql.NullString, acceptedAt sql.NullTime) State {
	s := State{Current: CurrentVersion}
	if version.Valid {
		v := version.String
		s.Version = &v
	}
	if acceptedAt.Valid {
		t := acceptedAt.Time
		s.AcceptedAt = &t
	}
	return s
}

// Accept records that the user accepted version, which must be the current one. Accepting it
// again keeps the first time. It is false, nil when the user does not exist.
func Accept(ctx context.Context, db *sqlx.DB, userID int64, version string, now time.Time) (bool, error) {
	if version != CurrentVersion {
		return false, ErrVersionUnknown
	}
	now = now.UTC().Truncate(time.Millisecond)
	found := false
	err := sqldb.WithTx(ctx, db, func(tx *sqlx.Tx) error {
		// The users row first: it is locked, and the history row is for a user that exists.
		res, err := tx.ExecContext(ctx, `UPDATE users SET privacy_version = ?, privacy_accepted_at = ?, updated_at = ?
			WHERE id = ? AND (privacy_version IS NULL OR privacy_version <> ?)`, version, now, now, userID, version)
		if err != nil {
			return fmt.Errorf("privacy: accept: %w", sqldb.Classify(err))
		}
		if n, _ := res.RowsAffected(); n == 0 {
			var v sql.NullString
			err := tx.GetContext(ctx, &v, `SELECT privacy_version FROM users WHERE id = ?`, userID)
			if errors.Is(err, sql.ErrNoRows) {
				return nil
			}
			if err != nil {
				return fmt.Errorf("privacy: read: %w", sqldb.Classify(err))
			}
		}
		found = true
		if _, err := tx.ExecContext(ctx, `INSERT INTO privacy_consents (user_id, version, accepted_at) VALUES (?, ?, ?)
			ON DUPLICATE KEY UPDATE accepted_at = accepted_at`, userID, version, now); err != nil {
			return fmt.Errorf("privacy: history: %w", sqldb.Classify(err))
		}
		return nil
	})
	return found, err
}
