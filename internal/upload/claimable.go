package upload

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/jmoiron/sqlx"

	"huixiang/internal/sqldb"
)

// PictureIDs is ids trimmed, blanks dropped and repeats removed, in the order given: the
// pictures a form lists.
func PictureIDs(ids []string) []string {
	out := []string{}
	for _, id := range ids {
		if id = strings.TrimSpace(id); id != "" && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// OwnUnclaimedPictures reports whether every one of ids is a JPEG or PNG picture userID uploaded,
// not deleted and not yet claimed by a record (Attach claims it in the record's transaction).
// A form checks this before its transaction, to name the field; Attach's conditional UPDATE
// still decides.
func OwnUnclaimedPictures(ctx context.Context, q sqlx.QueryerContext, userID int64, ids []string) (bool, error) {
	if len(ids) == 0 {
		return true, nil
	}
	query, args, err := sqlx.In(`SELECT COUNT(*) FROM uploads WHERE id IN (?) AND owner_user_id = ? AND deleted_at IS NULL
		AND attached_to_type IS NULL AND content_type IN ('image/jpeg', 'image/png')`, ids, userID)
	if err != nil {
		return false, err
	}
	var n int
	if err := sqlx.GetContext(ctx, q, &n, query, args...); err != nil {
		return false, fmt.Errorf("upload: own pictures: %w", sqldb.Classify(err))
	}
	return n == len(ids), nil
}
