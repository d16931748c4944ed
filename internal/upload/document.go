package upload

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"huixiang/internal/sqldb"
)

// KindDocument is a document staff attach to a record people read (a policy's PDF). Users
// cannot upload this kind (CheckKind refuses it).
const KindDocument = "policy_document"

// MaxDocuments is how many documents one record keeps.
const MaxDocuments = 10

// SaveDocument records a received PDF as a document of the record refType/refID, in the caller's
// transaction (which also writes the audit entry). Anything but a PDF is ErrNotPDF; a
// record with MaxDocuments already is ErrTooManyDocuments. On error the caller Discards rec.
func (s *Service) SaveDocument(ctx context.Context, tx sqlx.ExtContext, rec *Received, refType string, refID int64) (Upload, error) {
	if rec.contentType != TypePDF {
		return Upload{}, fmt.Errorf("%w: %s", ErrNotPDF, rec.contentType)
	}
	var n int
	if err := sqlx.GetContext(ctx, tx, &n, `SELECT COUNT(*) FROM uploads WHERE attached_to_type = ? AND attached_to_id = ? AND deleted_at IS NULL`,
		refType, refID); err != nil {
		return Upload{}, fmt.Errorf("upload: documents: %w", err)
	}
	if n >= MaxDocuments {
		return Upload{}, ErrTooManyDocuments
	}
	id, err := newID()
	if err != nil {
		return Upload{}, err
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	u := Upload{ID: id, Kind: KindDocument, ContentType: rec.contentType, Size: rec.size, SHA256: rec.sha256, Name: rec.name,
		CreatedAt: now, Attached: true, AttachedToType: refType, AttachedToID: refID, storageKey: rec.key}
	if err := insert(ctx, tx, u); err != nil {
		return Upload{}, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE uploads SET attached_to_type = ?, attached_to_id = ?, attached_at = ? WHERE id = ?`,
		refType, refID, now, id); err != nil {
		return Upload{}, fmt.Errorf("upload: attach document: %w", sqldb.Classify(err))
	}
	s.withURL(&u)
	return u, nil
}

// RemoveDocument marks the record's document id deleted in the caller's transaction; another
// record's, or one already removed, is ErrNotFound.
func (s *Service) RemoveDocument(ctx context.Context, tx sqlx.ExtContext, id, refType string, refID int64) (Upload, error) {
	if !idRE.MatchString(id) {
		return Upload{}, ErrNotFound
	}
	u, err := getUpload(ctx, tx, id)
	if err != nil {
		return Upload{}, err
	}
	if u.Kind != KindDocument || u.AttachedToType != refType || u.AttachedToID != refID {
		return Upload{}, ErrNotFound
	}
	if _, err := tx.ExecContext(ctx, `UPDATE uploads SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL`, s.now().UTC(), id); err != nil {
		return Upload{}, fmt.Errorf("upload: remove document: %w", err)
	}
	return u, nil
}
