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
