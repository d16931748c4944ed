package upload

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"huixiang/internal/sqldb"
)

// ErrNotImage: a picture staff put on a record (a mentor's photo) that is not a JPEG or PNG.
var ErrNotImage = errors.New("upload: not a JPEG or PNG picture")

// SaveImage records a received JPEG or PNG that staff put on a record (a mentor's photo), in tx:
// owned by no user (owner 0, as documents are), kind other, and attached to refType/refID at
// once, so the sweep of unclaimed uploads keeps it. Anything but a picture is ErrNotImage. On
// error the caller Discards rec.
func (s *Service) SaveImage(ctx context.Context, tx sqlx.ExtContext, rec *Received, refType string, refID int64) (Upload, error) {
	if rec.contentType != TypeJPEG && rec.contentType != TypePNG {
		return Upload{}, fmt.Errorf("%w: %s", ErrNotImage, rec.contentType)
	}
	if refType == "" || len(refType) > 32 || refID <= 0 {
		return Upload{}, fmt.Errorf("upload: save image: invalid record %q/%d", refType, refID)
	}
	id, err := newID()
	if err != nil {
		return Upload{}, err
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	u := Upload{ID: id, Kind: KindOther, ContentType: rec.contentType, Size: rec.size, SHA256: rec.sha256, Name: rec.name,
		CreatedAt: now, Attached: true, AttachedToType: refType, AttachedToID: refID, storageKey: rec.key}
	if err := insert(ctx, tx, u); err != nil {
		return Upload{}, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE uploads SET attached_to_type = ?, attached_to_id = ?, attached_at = ? WHERE id = ?`,
		refType, refID, now, id); err != nil {
		return Upload{}, fmt.Errorf("upload: attach image: %w", sqldb.Classify(err))
	}
	s.withURL(&u)
	return u, nil
}

// RemoveImage marks the staff picture id of the record refType/refID deleted, in tx (a replaced
// or unused mentor photo); a user's upload, another record's, or one removed already is
// ErrNotFound.
func (s *Service) RemoveImage(ctx context.Context, tx sqlx.ExtContext, id, refType string, refID int64) error {
	if !idRE.MatchString(id) {
		return ErrNotFound
	}
	res, err := tx.ExecContext(ctx, `UPDATE uploads SET deleted_at = ? WHERE id = ? AND owner_user_id = 0 AND kind = ?
		AND attached_to_type = ? AND attached_to_id = ? AND deleted_at IS NULL`, s.now().UTC(), id, KindOther, refType, refID)
	if err != nil {
		return fmt.Errorf("upload: remove image: %w", sqldb.Classify(err))
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return ErrNotFound
	}
	return nil
}
