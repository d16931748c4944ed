package upload_test

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"huixiang/internal/testenv"
	"huixiang/internal/upload"
)

// TestSaveImage_staffPictures: a JPEG or PNG is recorded attached to the record (owner 0, kind
// other) and survives the sweep; a PDF is ErrNotImage; RemoveImage removes only that record's
// staff picture, once.
func TestSaveImage_staffPictures(t *testing.T) {
	t.Parallel()
	f := newFixture(t, testenv.MySQL(t))
	ctx := t.Context()
	receive := func(b []byte) *upload.Received {
		rec, err := f.svc.Receive(ctx, "photo", bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		return rec
	}
	u, err := f.svc.SaveImage(ctx, f.db, receive(jpegBytes(t)), "mentor", 7)
	if err != nil {
		t.Fatal(err)
	}
	if u.ContentType != upload.TypeJPEG || u.Kind != upload.KindOther || !u.Attached || u.URL == "" {
		t.Fatalf("saved: %+v", u)
	}
	var row struct {
		Owner int64  `db:"owner_user_id"`
		Ref   string `db:"attached_to_type"`
		RefID int64  `db:"attached_to_id"`
	}
	if err := f.db.Get(&row, `SELECT owner_user_id, attached_to_type, attached_to_id FROM uploads WHERE id = ?`, u.ID); err != nil ||
		row.Owner != 0 || row.Ref != "mentor" || row.RefID != 7 {
		t.Fatalf("row: %+v %v", row, err)
	}
	f.clock.advance(48 * time.Hour)
	if _, err := f.svc.Sweep(ctx, 24*time.Hour); err != nil {
		t.Fatal(err)
	}
	if list, _ := f.svc.ListAttached(ctx, f.db, "mentor", 7); len(list) != 1 {
		t.Fatalf("after the sweep: %d pictures", len(list))
	}
	pdf := receive(pdfBytes)
	if _, err := f.svc.SaveImage(ctx, f.db, pdf, "mentor", 7); !errors.Is(err, upload.ErrNotImage) {
		t.Fatalf("a PDF: %v", err)
	}
	f.svc.Discard(ctx, pdf)
	if err := f.svc.RemoveImage(ctx, f.db, u.ID, "mentor", 8); !errors.Is(err, upload.ErrNotFound) {
		t.Fatalf("another record's: %v", err)
	}
	if err := f.svc.RemoveImage(ctx, f.db, u.ID, "mentor", 7); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.RemoveImage(ctx, f.db, u.ID, "mentor", 7); !errors.Is(err, upload.ErrNotFound) {
		t.Fatalf("twice: %v", err)
	}
	mine, err := f.svc.Create(ctx, 5, "", "x.png", bytes.NewReader(pngBytes(t)))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.svc.RemoveImage(ctx, f.db, mine.ID, "mentor", 7); !errors.Is(err, upload.ErrNotFound) {
		t.Fatalf("a user's upload: %v", err)
	}
}
