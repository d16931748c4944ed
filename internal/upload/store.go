package upload

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jmoiron/sqlx"

	"huixiang/internal/sqldb"
)

type uploadRow struct {
	ID             string         `db:"id"`
	OwnerUserID    int64          `db:"owner_user_id"`
	Kind           string         `db:"kind"`
	ContentType    string         `db:"content_type"`
	Size           int64          `db:"size"`
	SHA256         string         `db:"sha256"`
	StorageKey     string         `db:"storage_key"`
	OriginalName   string         `db:"original_name"`
	CreatedAt      time.Time      `db:"created_at"`
	AttachedToType sql.NullString `db:"attached_to_type"`
	AttachedToID   sql.NullInt64  `db:"attached_to_id"`
}

const uploadColumns = `id, owner_user_id, kind, content_type, size, sha256, storage_key, original_name, created_at,
	attached_to_type, attached_to_id`

func (r uploadRow) upload() Upload {
	return Upload{
		ID: r.ID, Kind: r.Kind, ContentType: r.ContentType, Size: r.Size, SHA256: r.SHA256, Name: r.OriginalName,
		CreatedAt: r.CreatedAt, Attached: r.AttachedToType.Valid, OwnerUserID: r.OwnerUserID,
		AttachedToType: r.AttachedToType.String, AttachedToID: r.AttachedToID.Int64, storageKey: r.StorageKey,
	}
}

func insert(ctx context.Context, db sqlx.ExtContext, u Upload) error {
	_, err := db.ExecContext(ctx, `
		INSERT INTO uploads (id, owner_user_id, kind, content_type, size, sha256, storage_key, original_name, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		u.ID, u.OwnerUserID, u.Kind, u.ContentType, u.Size, u.SHA256, u.storageKey, u.Name, u.CreatedAt)
	if err != nil {
		return fmt.Errorf("upload: insert: %w", sqldb.Classify(err))
	}
	return nil
}

// getUpload returns a live (not deleted) upload.
func getUpload(ctx context.Context, db sqlx.QueryerContext, id string) (Upload, error) {
	var r uploadRow
	err := sqlx.GetContext(ctx, db, &r, `SELECT `+uploadColumns+` FROM uploads WHERE id = ? AND deleted_at IS NULL`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return Upload{}, ErrNotFound
	}
	if err != nil {
		return Upload{}, fmt.Errorf("upload: get: %w", err)
	}
	return r.upload(), nil
}

func listAttached(ctx context.Context, db sqlx.QueryerContext, refType string, refID int64) ([]Upload, error) {
	var rows []uploadRow
	err := sqlx.SelectContext(ctx, db, &rows, `SELECT `+uploadColumns+` FROM uploads
		WHERE attached_to_type = ? AND attached_to_id = ? AND deleted_at IS NULL
		ORDER BY created_at, id`, refType, refID)
	if err != nil {
		return nil, fmt.Errorf("upload: list attached: %w", err)
	}
	out := make([]Upload, len(rows))
	for i, r := range rows {
		out[i] = r.upload()
	}
	return out, nil
}

// attach claims each upload with a conditional UPDATE; one that matches nothing is either
// already attached to this very record (fine: the caller saved the same list again) or not the
// caller's to attach. Ids are taken in sorted order so that two transactions lock rows in the
// same order.
func attach(ctx context.Context, db sqlx.ExtContext, ids []string, owner int64, refType string, refID int64, now time.Time) error {
	ids = slices.Compact(slices.Sorted(slices.Values(ids)))
	for _, id := range ids {
		if !idRE.MatchString(id) {
			return fmt.Errorf("%w: %q", ErrNotAttachable, id)
		}
		res, err := db.ExecContext(ctx, `
			UPDATE uploads SET attached_to_type = ?, attached_to_id = ?, attached_at = ?
			WHERE id = ? AND owner_user_id = ? AND deleted_at IS NULL AND attached_to_type IS NULL`,
			refType, refID, now, id, owner)
		if err != nil {
			return fmt.Errorf("upload: attach: %w", sqldb.Classify(err))
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("upload: attach: %w", err)
		} else if n == 1 {
			continue
		}
		var one int
		err = sqlx.GetContext(ctx, db, &one, `SELECT 1 FROM uploads
			WHERE id = ? AND owner_user_id = ? AND deleted_at IS NULL AND attached_to_type = ? AND attached_to_id = ?`,
			id, owner, refType, refID)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("%w: %q", ErrNotAttachable, id)
		}
		if err != nil {
			return fmt.Errorf("upload: attach: %w", err)
		}
	}
	return nil
}

// --- quota ---------------------------------------------------------------------------------

// quotaUsage is what a user uploaded on a day.
type quotaUsage struct {
	Files int64 `db:"files"`
	Bytes int64 `db:"bytes"`
}

// quotaUsed is the user's usage of the day (zero when there is none).
func quotaUsed(ctx context.Context, db sqlx.ExtContext, ownerUserID int64, day string) (quotaUsage, error) {
	var used quotaUsage
	err := sqlx.GetContext(ctx, db, &used, `SELECT files, bytes FROM upload_quota_days WHERE owner_user_id = ? AND day = ?`, ownerUserID, day)
	if errors.Is(err, sql.ErrNoRows) {
		return quotaUsage{}, nil
	}
	if err != nil {
		return quotaUsage{}, fmt.Errorf("upload: quota: %w", err)
	}
	return used, nil
}

// chargeQuota counts one file of size bytes on the user's day, creating the counter row when
// missing, with one conditional UPDATE; false when that would pass maxFiles or maxBytes.
func chargeQuota(ctx context.Context, tx sqlx.ExtContext, ownerUserID int64, day string, size, maxFiles, maxBytes int64) (bool, error) {
	if _, err := tx.ExecContext(ctx, `INSERT INTO upload_quota_days (owner_user_id, day, files, bytes) VALUES (?, ?, 0, 0)
		ON DUPLICATE KEY UPDATE files = files`, ownerUserID, day); err != nil {
		return false, fmt.Errorf("upload: quota: %w", sqldb.Classify(err))
	}
	res, err := tx.ExecContext(ctx, `UPDATE upload_quota_days SET files = files + 1, bytes = bytes + ?
		WHERE owner_user_id = ? AND day = ? AND files + 1 <= ? AND bytes + ? <= ?`,
		size, ownerUserID, day, maxFiles, size, maxBytes)
	if err != nil {
		return false, fmt.Errorf("upload: quota: %w", sqldb.Classify(err))
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("upload: quota: %w", err)
	}
	return n > 0, nil
}

// deleteQuotaDaysBefore removes the counters of days before day.
func deleteQuotaDaysBefore(ctx context.Context, db sqlx.ExtContext, day string) (int64, error) {
	res, err := db.ExecContext(ctx, `DELETE FROM upload_quota_days WHERE day < ?`, day)
	if err != nil {
		return 0, fmt.Errorf("upload: sweep quota: %w", err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}

// --- sweep ---------------------------------------------------------------------------------

// storedUpload is an upload's id and where its file is.
type storedUpload struct {
	ID         string `db:"id"`
	StorageKey string `db:"storage_key"`
}

// unattachedBefore are up to limit uploads never attached and created before cutoff, oldest first.
func unattachedBefore(ctx context.Context, db sqlx.ExtContext, cutoff time.Time, limit int) ([]storedUpload, error) {
	var rows []storedUpload
	err := sqlx.SelectContext(ctx, db, &rows, `SELECT id, storage_key FROM uploads
		WHERE attached_to_type IS NULL AND created_at < ? ORDER BY created_at LIMIT ?`, cutoff, limit)
	if err != nil {
		return nil, fmt.Errorf("upload: sweep: %w", err)
	}
	return rows, nil
}

// deleteUnattached deletes the upload's row unless it was attached meanwhile; false when kept.
func deleteUnattached(ctx context.Context, db sqlx.ExtContext, id string, cutoff time.Time) (bool, error) {
	res, err := db.ExecContext(ctx, `DELETE FROM uploads WHERE id = ? AND attached_to_type IS NULL AND created_at < ?`, id, cutoff)
	if err != nil {
		return false, fmt.Errorf("upload: sweep: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("upload: sweep: %w", err)
	}
	return n > 0, nil
}

// keyNamed says whether any upload row names the stored file key.
func keyNamed(ctx context.Context, db sqlx.ExtContext, key string) (bool, error) {
	var n int
	if err := sqlx.GetContext(ctx, db, &n, `SELECT COUNT(*) FROM uploads WHERE storage_key = ?`, key); err != nil {
		return false, err
	}
	return n > 0, nil
}
