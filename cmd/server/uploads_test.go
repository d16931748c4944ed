package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"huixiang/internal/testenv"
)

// `server uploads sweep` deletes the uploads nobody attached within a day (row and file) and
// keeps attached and young ones; a second run finds nothing.
func TestUploadsSweep_deletesOldUnattached_keepsAttachedAndYoung(t *testing.T) {
	t.Parallel()
	dsn := testenv.MySQLDSN(t)
	vars := baseEnv(t, dsn)
	getenv := func(k string) string { return vars[k] }
	db := testenv.MySQLAt(t, dsn)
	dir := vars["HX_UPLOAD_DIR"]
	now := time.Now().UTC()
	for _, u := range []struct {
		id, key  string
		age      time.Duration
		attached bool
	}{
		{"old_unattached_0000000", "2026/01/aa", 48 * time.Hour, false},
		{"old_attached_000000000", "2026/01/bb", 48 * time.Hour, true},
		{"young_unattached_00000", "2026/01/cc", time.Hour, false},
	} {
		var typ, ref any
		if u.attached {
			typ, ref = "application", 5
		}
		if _, err := db.Exec(`INSERT INTO uploads (id, owner_user_id, kind, content_type, size, sha256, storage_key, created_at,
			attached_to_type, attached_to_id) VALUES (?, 1, 'other', 'image/png', 3, REPEAT('0', 64), ?, ?, ?, ?)`,
			u.id, u.key, now.Add(-u.age), typ, ref); err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, filepath.FromSlash(u.key))
		if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("png"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"uploads", "sweep"}, getenv, &out, &out); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "deleted 1 unattached uploads") {
		t.Fatalf("output: %s", out.String())
	}
	var ids []string
	if err := db.Select(&ids, `SELECT id FROM uploads ORDER BY id`); err != nil {
		t.Fatal(err)
	}
	if strings.Join(ids, ",") != "old_attached_000000000,young_unattached_00000" {
		t.Fatalf("rows left: %v", ids)
	}
	for key, want := range map[string]bool{"2026/01/aa": false, "2026/01/bb": true, "2026/01/cc": true} {
		if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(key))); (err == nil) != want {
			t.Errorf("file %s: exists %v, want %v", key, err == nil, want)
		}
	}
	out.Reset()
	if err := run(context.Background(), []string{"uploads", "sweep"}, getenv, &out, &out); err != nil || !strings.Contains(out.String(), "deleted 0 unattached uploads") {
		t.Fatalf("second run: %v %s", err, out.String())
	}
}
