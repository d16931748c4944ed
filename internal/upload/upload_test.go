package upload_test

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"huixiang/internal/sqldb"
	"huixiang/internal/testenv"
	"huixiang/internal/upload"
)

const maxBytes = 10 << 20

// clock is a settable test clock.
type clock struct{ t atomic.Int64 }

func (c *clock) now() time.Time          { return time.Unix(0, c.t.Load()) }
func (c *clock) advance(d time.Duration) { c.t.Add(int64(d)) }

type fixture struct {
	svc   *upload.Service
	dir   string
	clock *clock
	db    *sqlx.DB
}

// newFixture builds a service over a temporary directory; with db nil only Receive and the URL
// checks can be used.
func newFixture(t *testing.T, db *sqlx.DB, opts ...func(*upload.Options)) fixture {
	t.Helper()
	dir := t.TempDir()
	local, err := upload.NewLocal(dir)
	if err != nil {
		t.Fatal(err)
	}
	// The service runs over encrypted storage, as in the server.
	fileKey := make([]byte, 32)
	_, _ = rand.Read(fileKey)
	st, err := upload.NewEncrypted(local, fileKey)
	if err != nil {
		t.Fatal(err)
	}
	clk := &clock{}
	clk.t.Store(time.Now().UnixNano())
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	o := upload.Options{Storage: st, MaxBytes: maxBytes, URLKey: key, URLTTL: 10 * time.Minute, Now: clk.now}
	for _, opt := range opts {
		opt(&o)
	}
	svc, err := upload.NewService(db, o)
	if err != nil {
		t.Fatal(err)
	}
	return fixture{svc: svc, dir: dir, clock: clk, db: db}
}

func pngBytes(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 16, 16))
	img.Set(3, 3, color.RGBA{R: 200, A: 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func jpegBytes(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 16, 16))
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

var pdfBytes = []byte("%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")

func TestReceive_sniffsTheBytes(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	pngB := pngBytes(t)
	cases := []struct {
		name     string
		filename string
		body     []byte
		wantType string
		wantErr  error
	}{
		{"jpeg", "身份证正面.jpg", jpegBytes(t), upload.TypeJPEG, nil},
		{"png", "licence.png", pngB, upload.TypePNG, nil},
		{"pdf", "材料.pdf", pdfBytes, upload.TypePDF, nil},
		{"png named pdf", "licence.pdf", pngB, upload.TypePNG, nil},
		{"html named jpg", "photo.jpg", []byte("<!DOCTYPE html><html><script>alert(1)</script></html>"), "", upload.ErrUnsupportedType},
		{"svg", "x.png", []byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"></svg>`), "", upload.ErrUnsupportedType},
		{"exe", "setup.pdf", append([]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff"), make([]byte, 200)...), "", upload.ErrUnsupportedType},
		{"zip", "docs.pdf", append([]byte("PK\x03\x04\x14\x00\x00\x00\x08\x00"), make([]byte, 100)...), "", upload.ErrUnsupportedType},
		{"gif", "a.png", []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;"), "", upload.ErrUnsupportedType},
		{"text", "note.jpg", []byte("just some text"), "", upload.ErrUnsupportedType},
		{"pdf after whitespace", "x.pdf", append([]byte("  \n"), pdfBytes...), "", upload.ErrUnsupportedType},
		{"empty", "empty.jpg", nil, "", upload.ErrEmpty},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec, err := f.svc.Receive(t.Context(), tc.filename, bytes.NewReader(tc.body))
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer f.svc.Discard(t.Context(), rec)
			if rec.ContentType() != tc.wantType {
				t.Fatalf("type = %s, want %s", rec.ContentType(), tc.wantType)
			}
		})
	}
	if got := files(t, f.dir); len(got) != 0 {
		t.Fatalf("refused or discarded files left behind: %v", got)
	}
}

// zeros is an endless reader of zero bytes.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

func sized(t *testing.T, n int64) io.Reader {
	head := pngBytes(t)
	return io.MultiReader(bytes.NewReader(head), io.LimitReader(zeros{}, n-int64(len(head))))
}

func TestReceive_sizeLimit(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	t.Run("exactly the limit is accepted", func(t *testing.T) {
		rec, err := f.svc.Receive(t.Context(), "big.png", sized(t, maxBytes))
		if err != nil {
			t.Fatal(err)
		}
		f.svc.Discard(t.Context(), rec)
	})
	t.Run("one byte more is refused and leaves nothing", func(t *testing.T) {
		_, err := f.svc.Receive(t.Context(), "big.png", sized(t, maxBytes+1))
		var se *upload.SizeError
		if !errors.Is(err, upload.ErrTooLarge) || !errors.As(err, &se) || se.Max != maxBytes {
			t.Fatalf("err = %v, want a SizeError of %d", err, maxBytes)
		}
	})
	t.Run("a body that breaks off is incomplete and leaves nothing", func(t *testing.T) {
		broken := errors.New("connection reset")
		r := io.MultiReader(sized(t, 1<<20), &failing{err: broken})
		_, err := f.svc.Receive(t.Context(), "cut.png", r)
		if !errors.Is(err, upload.ErrIncomplete) || !errors.Is(err, broken) {
			t.Fatalf("err = %v, want ErrIncomplete wrapping the cause", err)
		}
	})
	if got := files(t, f.dir); len(got) != 0 {
		t.Fatalf("files left behind: %v", got)
	}
}

type failing struct{ err error }

func (f *failing) Read([]byte) (int, error) { return 0, f.err }

// parseURL splits a signed URL into id, exp and sig.
func parseURL(t *testing.T, raw string) (id, exp, sig string) {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	id, ok := strings.CutPrefix(u.Path, upload.FilePath)
	if !ok {
		t.Fatalf("url %s not under %s", raw, upload.FilePath)
	}
	return id, u.Query().Get("exp"), u.Query().Get("sig")
}

func TestSignedURL_tamperingAndExpiry(t *testing.T) {
	t.Parallel()
	f := newFixture(t, testenv.MySQL(t))
	ctx := t.Context()
	body := pngBytes(t)
	u, err := f.svc.Create(ctx, 7, upload.KindIDFront, "front.png", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	id, exp, sig := parseURL(t, u.URL)
	if u.URLExpiresAt == nil || exp != strconv.FormatInt(u.URLExpiresAt.Unix(), 10) {
		t.Fatalf("url %s, expires %v", u.URL, u.URLExpiresAt)
	}
	if d := u.URLExpiresAt.Sub(f.clock.now()); d < 9*time.Minute || d > 10*time.Minute {
		t.Fatalf("url lives %v, want 10 minutes", d)
	}
	file, err := f.svc.OpenSigned(ctx, id, exp, sig)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(file.Body)
	file.Body.Close()
	if !bytes.Equal(got, body) || file.ContentType != upload.TypePNG || file.Size != int64(len(body)) {
		t.Fatalf("served %d bytes of %s", len(got), file.ContentType)
	}
	sum := sha256.Sum256(body)
	if file.SHA256 != hex.EncodeToString(sum[:]) {
		t.Fatalf("sha256 = %s", file.SHA256)
	}

	e, _ := strconv.ParseInt(exp, 10, 64)
	flip := []byte(sig)
	flip[3] ^= 1
	other, err := f.svc.Create(ctx, 7, "", "x.pdf", bytes.NewReader(pdfBytes))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, id, exp, sig string }{
		{"later expiry", id, strconv.FormatInt(e+3600, 10), sig},
		{"earlier expiry", id, strconv.FormatInt(e-1, 10), sig},
		{"flipped signature", id, exp, string(flip)},
		{"truncated signature", id, exp, sig[:20]},
		{"no signature", id, exp, ""},
		{"no expiry", id, "", sig},
		{"another file's id", other.ID, exp, sig},
		{"junk expiry", id, exp + "0", sig},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := f.svc.OpenSigned(ctx, tc.id, tc.exp, tc.sig); !errors.Is(err, upload.ErrBadSignature) {
				t.Fatalf("err = %v, want ErrBadSignature", err)
			}
		})
	}
	t.Run("another key", func(t *testing.T) {
		g := newFixture(t, f.db)
		if _, err := g.svc.OpenSigned(ctx, id, exp, sig); !errors.Is(err, upload.ErrBadSignature) {
			t.Fatalf("err = %v, want ErrBadSignature", err)
		}
	})
	t.Run("expired", func(t *testing.T) {
		f.clock.advance(10*time.Minute + time.Second)
		if _, err := f.svc.OpenSigned(ctx, id, exp, sig); !errors.Is(err, upload.ErrURLExpired) {
			t.Fatalf("err = %v, want ErrURLExpired", err)
		}
		// A fresh URL works again.
		mine, err := f.svc.Mine(ctx, 7, id)
		if err != nil {
			t.Fatal(err)
		}
		if _, exp2, sig2 := parseURL(t, mine.URL); exp2 == exp {
			t.Fatal("fresh URL has the old expiry")
		} else if file, err := f.svc.OpenSigned(ctx, id, exp2, sig2); err != nil {
			t.Fatal(err)
		} else {
			file.Body.Close()
		}
	})
}

func TestCreate_recordsAndNames(t *testing.T) {
	t.Parallel()
	f := newFixture(t, testenv.MySQL(t))
	ctx := t.Context()
	long := strings.Repeat("营", 150) + ".png"
	for _, tc := range []struct{ sent, stored, download string }{
		{`C:\Users\me\Desktop\营业执照.JPG`, "营业执照.JPG", "营业执照.png"},
		{"../../etc/passwd", "passwd", "passwd.png"},
		{"a\u202egnp.exe", "agnp.exe", "agnp.exe.png"},
		{"licence.pdf", "licence.pdf", "licence.png"},
		{"say \"hi\"; x=1.png", "say hi; x=1.png", "say hi; x=1.png"},
		{"", "", "other.png"},
		{long, strings.Repeat("营", 96) + ".png", strings.Repeat("营", 96) + ".png"},
	} {
		u, err := f.svc.Create(ctx, 1, "", tc.sent, bytes.NewReader(pngBytes(t)))
		if err != nil {
			t.Fatal(err)
		}
		if u.Name != tc.stored || u.FileName() != tc.download || u.Kind != upload.KindOther || len(u.ID) != 22 {
			t.Errorf("%q: stored %q, download %q, kind %s, id %q", tc.sent, u.Name, u.FileName(), u.Kind, u.ID)
		}
		var name, ct string
		if err := f.db.QueryRow("SELECT original_name, content_type FROM uploads WHERE id = ?", u.ID).Scan(&name, &ct); err != nil {
			t.Fatal(err)
		}
		if name != tc.stored || ct != upload.TypePNG {
			t.Errorf("row: %q %s", name, ct)
		}
	}
	if _, err := f.svc.Create(ctx, 1, "passport", "x.png", bytes.NewReader(pngBytes(t))); !errors.Is(err, upload.ErrInvalidKind) {
		t.Fatalf("bad kind: %v", err)
	}
	// Save with a bad kind removes the stored bytes.
	before := len(files(t, f.dir))
	rec, err := f.svc.Receive(ctx, "x.png", bytes.NewReader(pngBytes(t)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Save(ctx, rec, 1, "nope"); !errors.Is(err, upload.ErrInvalidKind) {
		t.Fatalf("Save bad kind: %v", err)
	}
	if after := len(files(t, f.dir)); after != before {
		t.Fatalf("files %d → %d", before, after)
	}
}

func TestMine_othersUploads_notFound(t *testing.T) {
	t.Parallel()
	f := newFixture(t, testenv.MySQL(t))
	ctx := t.Context()
	u, err := f.svc.Create(ctx, 1, upload.KindIDBack, "back.jpg", bytes.NewReader(jpegBytes(t)))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := f.svc.Mine(ctx, 1, u.ID); err != nil || got.URL == "" || got.Kind != upload.KindIDBack {
		t.Fatalf("owner: %+v %v", got, err)
	}
	for _, tc := range []struct {
		owner int64
		id    string
	}{{2, u.ID}, {1, swapCase(u.ID)}, {1, "short"}, {1, strings.Repeat("A", 22)}} {
		if tc.id == u.ID && tc.owner == 1 {
			continue // no letter to swap
		}
		if _, err := f.svc.Mine(ctx, tc.owner, tc.id); !errors.Is(err, upload.ErrNotFound) {
			t.Errorf("Mine(%d, %q) = %v, want ErrNotFound", tc.owner, tc.id, err)
		}
	}
}

// swapCase changes the case of the id's first letter: ids are case-sensitive.
func swapCase(id string) string {
	for i, r := range id {
		switch {
		case r >= 'a' && r <= 'z':
			return id[:i] + strings.ToUpper(string(r)) + id[i+1:]
		case r >= 'A' && r <= 'Z':
			return id[:i] + strings.ToLower(string(r)) + id[i+1:]
		}
	}
	return id
}

func TestAttach_onceAndOnlyOwn(t *testing.T) {
	t.Parallel()
	db := testenv.MySQL(t)
	f := newFixture(t, db)
	ctx := t.Context()
	mk := func(owner int64) string {
		u, err := f.svc.Create(ctx, owner, upload.KindBusinessLicence, "l.png", bytes.NewReader(pngBytes(t)))
		if err != nil {
			t.Fatal(err)
		}
		return u.ID
	}
	attach := func(ids []string, owner int64, refID int64) error {
		return sqldb.WithTx(ctx, db, func(tx *sqlx.Tx) error {
			return f.svc.Attach(ctx, tx, ids, owner, "application", refID)
		})
	}
	a, b, c, theirs := mk(1), mk(1), mk(1), mk(2)
	if err := attach([]string{a, b, a}, 1, 10); err != nil {
		t.Fatal(err)
	}
	t.Run("again to the same record", func(t *testing.T) {
		if err := attach([]string{b, a}, 1, 10); err != nil {
			t.Fatal(err)
		}
	})
	for _, tc := range []struct {
		name  string
		ids   []string
		owner int64
		ref   int64
	}{
		{"to another record", []string{a}, 1, 11},
		{"someone else's", []string{theirs}, 1, 10},
		{"unknown id", []string{"AAAAAAAAAAAAAAAAAAAAAA"}, 1, 10},
		{"malformed id", []string{"../x"}, 1, 10},
		{"one bad among good", []string{c, theirs}, 1, 12},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := attach(tc.ids, tc.owner, tc.ref); !errors.Is(err, upload.ErrNotAttachable) {
				t.Fatalf("err = %v, want ErrNotAttachable", err)
			}
		})
	}
	t.Run("a refused attach rolls back with the caller's transaction", func(t *testing.T) {
		if got, _ := f.svc.Mine(ctx, 1, c); got.Attached {
			t.Fatal("c was attached by a failed transaction")
		}
	})
	list, err := f.svc.ListAttached(ctx, f.db, "application", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].URL == "" || list[1].URL == "" || !list[0].Attached {
		t.Fatalf("attached list: %+v", list)
	}
	t.Run("two records racing for one upload: one wins", func(t *testing.T) {
		id := mk(1)
		var wg sync.WaitGroup
		var won atomic.Int32
		for ref := int64(100); ref < 108; ref++ {
			wg.Go(func() {
				err := attach([]string{id}, 1, ref)
				switch {
				case err == nil:
					won.Add(1)
				case !errors.Is(err, upload.ErrNotAttachable):
					t.Errorf("ref %d: %v", ref, err)
				}
			})
		}
		wg.Wait()
		if won.Load() != 1 {
			t.Fatalf("%d records won the upload", won.Load())
		}
	})
}

func TestStaffView_onlyAttachedAndAllowed(t *testing.T) {
	t.Parallel()
	db := testenv.MySQL(t)
	f := newFixture(t, db)
	ctx := t.Context()
	u, err := f.svc.Create(ctx, 1, upload.KindIDFront, "f.png", bytes.NewReader(pngBytes(t)))
	if err != nil {
		t.Fatal(err)
	}
	allow := func(string, int64) (bool, error) { return true, nil }
	if _, err := f.svc.StaffView(ctx, u.ID, allow); !errors.Is(err, upload.ErrNotFound) {
		t.Fatalf("unattached: %v", err)
	}
	if err := sqldb.WithTx(ctx, db, func(tx *sqlx.Tx) error { return f.svc.Attach(ctx, tx, []string{u.ID}, 1, "application", 5) }); err != nil {
		t.Fatal(err)
	}
	var asked string
	v, err := f.svc.StaffView(ctx, u.ID, func(typ string, id int64) (bool, error) {
		asked = typ + "/" + strconv.FormatInt(id, 10)
		return true, nil
	})
	if err != nil || v.URL == "" || asked != "application/5" {
		t.Fatalf("allowed: %+v %v (asked %s)", v, err, asked)
	}
	if _, err := f.svc.StaffView(ctx, u.ID, func(string, int64) (bool, error) { return false, nil }); !errors.Is(err, upload.ErrNotFound) {
		t.Fatalf("refused: %v", err)
	}
	boom := errors.New("db down")
	if _, err := f.svc.StaffView(ctx, u.ID, func(string, int64) (bool, error) { return false, boom }); !errors.Is(err, boom) {
		t.Fatalf("mayView error: %v", err)
	}
}
