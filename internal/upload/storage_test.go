package upload_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"huixiang/internal/upload"
)

// files lists the regular files under dir (temporary ones included).
func files(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			out = append(out, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func readKey(t *testing.T, st upload.Storage, key string) []byte {
	t.Helper()
	rc, err := st.Open(t.Context(), key)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestLocal_putOpenDelete(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "not", "yet")
	st, err := upload.NewLocal(dir)
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		t.Fatalf("directory not created: %v", err)
	}
	ctx := t.Context()
	if err := st.Put(ctx, "2026/07/abc123", bytes.NewReader([]byte("hello"))); err != nil {
		t.Fatal(err)
	}
	if got := readKey(t, st, "2026/07/abc123"); string(got) != "hello" {
		t.Fatalf("read %q", got)
	}
	if err := st.Delete(ctx, "2026/07/abc123"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Open(ctx, "2026/07/abc123"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("open after delete: %v, want fs.ErrNotExist", err)
	}
	if err := st.Delete(ctx, "2026/07/abc123"); err != nil {
		t.Fatalf("deleting a missing key: %v", err)
	}
}

func TestLocal_badKeys_refused(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	st, _ := upload.NewLocal(filepath.Join(dir, "store"))
	for _, key := range []string{"", "../escape", "a/../../escape", "/abs", "a//b", "A/B", "a/b/", "a\\b", "a.b"} {
		if err := st.Put(t.Context(), key, bytes.NewReader([]byte("x"))); err == nil {
			t.Errorf("Put(%q) accepted", key)
		}
		if _, err := st.Open(t.Context(), key); err == nil || errors.Is(err, fs.ErrNotExist) {
			t.Errorf("Open(%q) = %v, want a key error", key, err)
		}
	}
	if got := files(t, dir); len(got) != 0 {
		t.Fatalf("files written: %v", got)
	}
}

// A reader sees the old content or the new one, never a part; a failed write leaves the old one
// and no temporary file.
func TestLocal_put_isAtomic(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	st, _ := upload.NewLocal(dir)
	ctx := t.Context()
	if err := st.Put(ctx, "k/v", bytes.NewReader([]byte("version one"))); err != nil {
		t.Fatal(err)
	}
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- st.Put(ctx, "k/v", pr) }()
	if _, err := pw.Write([]byte("version two, first half ")); err != nil {
		t.Fatal(err)
	}
	// Half written: the key still holds the old bytes, whole.
	if got := readKey(t, st, "k/v"); string(got) != "version one" {
		t.Fatalf("mid-write read %q", got)
	}
	broken := errors.New("client went away")
	pw.CloseWithError(broken)
	if err := <-done; !errors.Is(err, broken) {
		t.Fatalf("Put = %v, want the reader's error", err)
	}
	if got := readKey(t, st, "k/v"); string(got) != "version one" {
		t.Fatalf("after failed write %q", got)
	}
	if got := files(t, dir); len(got) != 1 {
		t.Fatalf("files left: %v", got)
	}
	// A cancelled context stops a write too, leaving nothing.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := st.Put(cctx, "k/w", bytes.NewReader([]byte("x"))); !errors.Is(err, context.Canceled) {
		t.Fatalf("Put with cancelled ctx = %v", err)
	}
	if got := files(t, dir); len(got) != 1 {
		t.Fatalf("files left: %v", got)
	}
}
