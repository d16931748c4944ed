package upload

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/jmoiron/sqlx"

	"huixiang/internal/cn"
)

// ErrQuotaExceeded means the user has uploaded as many files or bytes today (Beijing calendar
// day) as the quota allows. It is returned as a *QuotaError that says when to try again.
var ErrQuotaExceeded = errors.New("upload: daily upload quota exceeded")

// QuotaError is an upload over the daily quota; it unwraps to ErrQuotaExceeded.
type QuotaError struct {
	// Files and Bytes are the daily limits (0: none).
	Files, Bytes int64
	// RetryAfter is the time until the quota resets (midnight in Beijing).
	RetryAfter time.Duration
}

func (e *QuotaError) Error() string {
	return fmt.Sprintf("%v (%d files, %d bytes a day; retry in %v)", ErrQuotaExceeded, e.Files, e.Bytes, e.RetryAfter)
}

// Unwrap makes errors.Is(err, ErrQuotaExceeded) true.
func (e *QuotaError) Unwrap() error { return ErrQuotaExceeded }

// quotaDay is the Beijing calendar day of now ("2026-07-01") and how long until it ends.
func quotaDay(now time.Time) (string, time.Duration) {
	local := now.In(cn.Zone) // the quota resets at midnight in China
	next := time.Date(local.Year(), local.Month(), local.Day()+1, 0, 0, 0, 0, cn.Zone)
	return local.Format(time.DateOnly), next.Sub(now)
}

func (s *Service) quotaOn() bool { return s.o.DailyFiles > 0 || s.o.DailyBytes > 0 }

func limitOrMax(n int64) int64 {
	if n <= 0 {
		return math.MaxInt64 / 2
	}
	return n
}

func (s *Service) quotaError(now time.Time) *QuotaError {
	_, left := quotaDay(now)
	return &QuotaError{Files: s.o.DailyFiles, Bytes: s.o.DailyBytes, RetryAfter: left.Truncate(time.Second) + time.Second}
}

// CheckQuota is a cheap early answer before a file is received: it fails with a *QuotaError when
// the user has already used up today's files or bytes, so that a user over quota is turned away
// before sending 10 MB. It reserves nothing: Save charges the quota for good.
func (s *Service) CheckQuota(ctx context.Context, ownerUserID int64) error {
	if !s.quotaOn() {
		return nil
	}
	now := s.now()
	day, _ := quotaDay(now)
	used, err := quotaUsed(ctx, s.db, ownerUserID, day)
	if err != nil {
		return err
	}
	if used.Files >= limitOrMax(s.o.DailyFiles) || used.Bytes >= limitOrMax(s.o.DailyBytes) {
		return s.quotaError(now)
	}
	return nil
}

// charge counts one file of size bytes against the user's quota of today inside tx, or fails
// with a *QuotaError. The counter row is created when missing and then moved by one conditional
// UPDATE: the row lock it takes is held until tx ends, so parallel uploads of one user queue
// there and can never pass the limit together; a rolled-back upload gives its share back.
func (s *Service) charge(ctx context.Context, tx sqlx.ExtContext, ownerUserID, size int64, now time.Time) error {
	if !s.quotaOn() {
		return nil
	}
	day, _ := quotaDay(now)
	ok, err := chargeQuota(ctx, tx, ownerUserID, day, size, limitOrMax(s.o.DailyFiles), limitOrMax(s.o.DailyBytes))
	if err != nil {
		return err
	}
	if !ok {
		return s.quotaError(now)
	}
	return nil
}
