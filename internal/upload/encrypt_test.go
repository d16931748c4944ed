package upload_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"huixiang/internal/upload"
)

func newEncrypted(t *testing.T) (*upload.Encrypted, *upload.Local, string) {
	t.Helper()
	dir := t.TempDir()
	local, err := upload.NewLocal(dir)
	if err != nil {
		t.Fatal(err)
	}
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	enc, err := upload.NewEncrypted(local, key)
	if err != nil {
		t.Fatal(err)
	}
	return enc, local, dir
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

func readAll(st upload.Storage, key string) ([]byte, error) {
	rc, err := st.Open(context.Background(), key)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

// Issue #8 item 13: ID photos and licences lay in clear under var/uploads. What reaches the disk
// now is ciphertext: no JPEG signature, no run of the plaintext; reading through the storage
// gives the bytes back, for every length around the segment size.
func TestEncrypted_onDiskNoPlaintext_roundTrip(t *testing.T) {
	t.Parallel()
	enc, _, dir := newEncrypted(t)
	photo := jpegBytes(t)
	if err := enc.Put(t.Context(), "2026/07/photo", bytes.NewReader(photo)); err != nil {
		t.Fatal(err)
	}
	disk, err := os.ReadFile(filepath.Join(dir, "2026", "07", "photo"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.HasPrefix(disk, []byte{0xFF, 0xD8, 0xFF}) || bytes.Contains(disk, photo[:64]) || bytes.Contains(disk, []byte("JFIF")) {
		t.Fatal("the JPEG is on disk in clear")
	}
	if got, err := readAll(enc, "2026/07/photo"); err != nil || !bytes.Equal(got, photo) {
		t.Fatalf("read back %d bytes, %v", len(got), err)
	}
	const seg = 64 << 10
	for _, n := range []int{0, 1, seg - 1, seg, seg + 1, 3 * seg, 3*seg + 17} {
		body := randomBytes(n)
		if err := enc.Put(t.Context(), "k/v", bytes.NewReader(body)); err != nil {
			t.Fatal(err)
		}
		got, err := readAll(enc, "k/v")
		if err != nil || !bytes.Equal(got, body) {
			t.Fatalf("%d bytes: read back %d, %v", n, len(got), err)
		}
	}
}

// Files stored in clear before encryption was turned on are still served as they are.
func TestEncrypted_legacyClearFile_servedAsIs(t *testing.T) {
	t.Parallel()
	enc, local, _ := newEncrypted(t)
	for _, body := range [][]byte{jpegBytes(t), pngBytes(t), pdfBytes, []byte("%P")} {
		if err := local.Put(t.Context(), "old/file", bytes.NewReader(body)); err != nil {
			t.Fatal(err)
		}
		if got, err := readAll(enc, "old/file"); err != nil || !bytes.Equal(got, body) {
			t.Fatalf("legacy file: %d bytes, %v", len(got), err)
		}
	}
}

// A flipped bit, a file cut at a segment boundary or in the middle, a file moved to another key,
// and another master key are all ErrCorrupt, never wrong bytes.
func TestEncrypted_tamperingDetected(t *testing.T) {
	t.Parallel()
	enc, local, dir := newEncrypted(t)
	const seg = 64 << 10
	body := randomBytes(3*seg + 100)
	put := func() []byte {
		if err := enc.Put(t.Context(), "t/f", bytes.NewReader(body)); err != nil {
			t.Fatal(err)
		}
		b, _ := os.ReadFile(filepath.Join(dir, "t", "f"))
		return b
	}
	disk := put()
	header := 4 + 32
	for name, altered := range map[string][]byte{
		"bit flipped in the last segment": func() []byte { b := bytes.Clone(disk); b[len(b)-40] ^= 1; return b }(),
		"bit flipped in the first":        func() []byte { b := bytes.Clone(disk); b[header+5] ^= 1; return b }(),
		"cut at a segment boundary":       disk[:header+3*(seg+16)],
		"cut mid-segment":                 disk[:header+seg+500],
		"moved to another key":            disk,
		"salt changed":                    func() []byte { b := bytes.Clone(disk); b[6] ^= 1; return b }(),
		"segments swapped": func() []byte {
			b := bytes.Clone(disk[:header])
			s1, s2 := disk[header:header+seg+16], disk[header+seg+16:header+2*(seg+16)]
			b = append(append(append(b, s2...), s1...), disk[header+2*(seg+16):]...)
			return b
		}(),
	} {
		t.Run(name, func(t *testing.T) {
			if err := local.Put(t.Context(), "t/g", bytes.NewReader(altered)); err != nil {
				t.Fatal(err)
			}
			if got, err := readAll(enc, "t/g"); !errors.Is(err, upload.ErrCorrupt) {
				t.Fatalf("read %d bytes, err %v; want ErrCorrupt", len(got), err)
			}
		})
	}
	t.Run("another master key", func(t *testing.T) {
		other, _ := upload.NewEncrypted(local, randomBytes(32))
		if _, err := other.Open(t.Context(), "t/f"); !errors.Is(err, upload.ErrCorrupt) {
			t.Fatalf("err %v, want ErrCorrupt", err)
		}
	})
}
