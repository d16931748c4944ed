package upload

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Lister is a Storage that can enumerate its objects, which lets Sweep find files no row refers
// to (left by a crash between a row's delete and its file's, or between a write and its row).
type Lister interface {
	// List calls fn with the key of every object last written before before. It may also clean
	// up its own leftovers older than before (temporary files of interrupted writes).
	List(ctx context.Context, before time.Time, fn func(key string) error) error
}

// SweepResult says what a sweep removed.
type SweepResult struct {
	// Uploads is the number of unattached uploads removed (row and file).
	Uploads int
	// Orphans is the number of stored files removed because no row refers to them.
	Orphans int
	// QuotaDays is the number of daily quota counters of past weeks removed.
	QuotaDays int64
}

// sweepBatch bounds the rows one query of Sweep reads.
const sweepBatch = 200

// Sweep deletes the uploads never attached to a record and created more than olderThan ago:
// first the row, by a conditional DELETE (an upload attached meanwhile is kept, and an attach
// after the delete finds nothing and fails), then the file. A crash between the two leaves a file
// without a row: the second pass removes stored files older than olderThan that no row names.
// Quota counters older than a week go too. It is idempotent; the nightly job in serve and
// `server uploads sweep` run it.
func (s *Service) Sweep(ctx context.Context, olderThan time.Duration) (SweepResult, error) {
	var r SweepResult
	if olderThan <= 0 {
		return r, errors.New("upload: sweep: olderThan must be positive")
	}
	now := s.now()
	cutoff := now.Add(-olderThan).UTC()
	for {
		rows, err := unattachedBefore(ctx, s.db, cutoff, sweepBatch)
		if err != nil {
			return r, err
		}
		for _, row := range rows {
			deleted, err := deleteUnattached(ctx, s.db, row.ID, cutoff)
			if err != nil {
				return r, err
			}
			if !deleted {
				continue // attached meanwhile
			}
			if err := s.o.Storage.Delete(ctx, row.StorageKey); err != nil {
				return r, fmt.Errorf("upload: sweep: %w", err)
			}
			r.Uploads++
		}
		if len(rows) < sweepBatch {
			break
		}
	}
	if l, ok := s.o.Storage.(Lister); ok {
		err := l.List(ctx, cutoff, func(key string) error {
			named, err := keyNamed(ctx, s.db, key)
			if err != nil || named {
				return err
			}
			if err := s.o.Storage.Delete(ctx, key); err != nil {
				return err
			}
			r.Orphans++
			return nil
		})
		if err != nil {
			return r, fmt.Errorf("upload: sweep files: %w", err)
		}
	}
	day, _ := quotaDay(now.AddDate(0, 0, -7))
	n, err := deleteQuotaDaysBefore(ctx, s.db, day)
	r.QuotaDays = n
	return r, err
}
