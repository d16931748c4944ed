package upload_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"huixiang/internal/sqldb"
	"huixiang/internal/testenv"
	"huixiang/internal/upload"
)

func TestSweep_removesOldUnattachedUploadsAndOrphans_keepsAttachedAndYoung(t *testing.T) {
	t.Parallel()
	db := testenv.MySQL(t)
	f := newFixture(t, db)
	ctx := t.Context()
	mk := func() upload.Upload {
		u, err := f.svc.Create(ctx, 1, upload.KindIDFront, "f.png", bytes.NewReader(pngBytes(t)))
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	old, attached := mk(), mk()
	if err := sqldb.WithTx(ctx, db, func(tx *sqlx.Tx) error {
		return f.svc.Attach(ctx, tx, []string{attached.ID}, 1, "application", 7)
	}); err != nil {
		t.Fatal(err)
	}
	f.clock.advance(25 * time.Hour)
	young := mk()
	// A file whose row is gone (a crash between the row's delete and the file's) and the
	// temporary file of an interrupted write, both older than a day.
	st, _ := upload.NewLocal(f.dir)
	if err := st.Put(ctx, "2020/01/deadbeef", bytes.NewReader([]byte("orphan"))); err != nil {
		t.Fatal(err)
	}
	tmp := filepath.Join(f.dir, "2020", "01", ".tmp-123")
	if err := os.WriteFile(tmp, []byte("half"), 0o600); err != nil {
		t.Fatal(err)
	}
	longAgo := time.Now().Add(-48 * time.Hour)
	for _, p := range []string{tmp, filepath.Join(f.dir, "2020", "01", "deadbeef")} {
		if err := os.Chtimes(p, longAgo, longAgo); err != nil {
			t.Fatal(err)
		}
	}
	before := len(files(t, f.dir))

	r, err := f.svc.Sweep(ctx, 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if r.Uploads != 1 || r.Orphans != 1 {
		t.Fatalf("sweep: %+v, want 1 upload and 1 orphan", r)
	}
	var ids []string
	if err := db.Select(&ids, `SELECT id FROM uploads ORDER BY created_at`); err != nil {
		t.Fatal(err)
	}
	if strings.Join(ids, ",") != attached.ID+","+young.ID {
		t.Fatalf("rows left %v, want the attached and the young one", ids)
	}
	left := files(t, f.dir)
	if len(left) != before-3 || len(left) != 2 {
		t.Fatalf("files left %v", left)
	}
	for _, u := range []upload.Upload{attached, young} {
		if _, err := f.svc.Mine(ctx, 1, u.ID); err != nil {
			t.Fatalf("kept upload: %v", err)
		}
	}
	// An old upload is gone for good: it cannot be attached any more.
	err = sqldb.WithTx(ctx, db, func(tx *sqlx.Tx) error { return f.svc.Attach(ctx, tx, []string{old.ID}, 1, "application", 8) })
	if err == nil {
		t.Fatal("swept upload attached")
	}
	// Idempotent.
	if r, err := f.svc.Sweep(ctx, 24*time.Hour); err != nil || r.Uploads != 0 || r.Orphans != 0 {
		t.Fatalf("second sweep: %+v %v", r, err)
	}
}
