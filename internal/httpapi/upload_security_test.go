package httpapi_test

import (
	"bytes"
	"image"
	"image/jpeg"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"huixiang/internal/config"
)

// Issue #8 item 11: one user could fill the disk with uploads. Six uploads at once against a
// quota of four files a day: exactly four are stored, two get 429 RATE_LIMITED with Retry-After
// (seconds until midnight in Beijing), and a later upload is turned away too.
func TestUpload_parallelOverDailyQuota_429RateLimitedWithRetryAfter(t *testing.T) {
	t.Parallel()
	const n, quota = 6, 4
	e := newEnv(t, func(c *config.Config) { c.Upload.DailyFiles = quota })
	alice := e.signIn("o_up_quota")
	img := testPNG(t)
	results := make([]response, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { results[i] = e.uploadParts(alice.Token, formPart{field: "file", filename: "a.png", body: img}) })
	}
	wg.Wait()
	created, limited := 0, 0
	for _, r := range results {
		switch r.Status {
		case 201:
			created++
		case 429:
			limited++
			if code := r.errCode(t); code != "RATE_LIMITED" {
				t.Fatalf("code %s", code)
			}
			secs, err := strconv.Atoi(r.Header.Get("Retry-After"))
			if err != nil || secs < 1 || secs > int((24*time.Hour)/time.Second)+1 {
				t.Fatalf("Retry-After %q", r.Header.Get("Retry-After"))
			}
		default:
			t.Fatalf("status %d: %s", r.Status, r.Body)
		}
	}
	if created != quota || limited != n-quota {
		t.Fatalf("%d created, %d limited; want %d and %d", created, limited, quota, n-quota)
	}
	if got := e.storedFiles(); got != quota {
		t.Fatalf("%d files on disk, want %d", got, quota)
	}
	expect(t, e.uploadParts(alice.Token, formPart{field: "file", filename: "a.png", body: img}), 429, "RATE_LIMITED")
	bob := e.signIn("o_up_quota_bob")
	expect(t, e.uploadParts(bob.Token, formPart{field: "file", filename: "b.png", body: img}), 201, "")
}

// slowReader yields its data in chunks with a pause before each, like a weak mobile link.
type slowReader struct {
	data  []byte
	chunk int
	pause time.Duration
}

func (s *slowReader) Read(p []byte) (int, error) {
	if len(s.data) == 0 {
		return 0, io.EOF
	}
	time.Sleep(s.pause)
	n := copy(p[:min(len(p), s.chunk)], s.data)
	s.data = s.data[n:]
	return n, nil
}

// realServer serves e's handler through the http.Server the app builds for serve, with its
// timeouts (httptest's own server has none).
func realServer(t *testing.T, e *env) string {
	t.Helper()
	srv := httptest.NewUnstartedServer(e.app.Handler)
	srv.Config = e.app.HTTPServer()
	srv.Start()
	t.Cleanup(srv.Close)
	return srv.URL
}

// postSlow sends body over a real TCP connection at the reader's pace; an error means the
// server cut the connection.
func postSlow(base, method, path, token, ctype string, body *slowReader) (int, []byte, error) {
	req, err := http.NewRequest(method, base+path, body)
	if err != nil {
		return 0, nil, err
	}
	req.ContentLength = int64(len(body.data))
	req.Header.Set("Content-Type", ctype)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := (&http.Client{Transport: &http.Transport{DisableKeepAlives: true}}).Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return res.StatusCode, b, err
}

// Issue #8 item 12: the server's read timeout cut a 1 MiB photo sent at 52 KB/s. Scaled down:
// with a read timeout of 300 ms and a write timeout (the request deadline) of 800 ms, a 1 MiB
// upload and a spreadsheet import sent over about 1.3 s go through, while the same slowness on
// an ordinary route is cut.
func TestUpload_slowNetwork_uploadRoutesOutlastTheReadTimeout_otherRoutesCut(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *config.Config) {
		c.HTTP.ReadTimeout, c.HTTP.WriteTimeout = 300*time.Millisecond, 800*time.Millisecond
	})
	base := realServer(t, e)
	alice := e.signIn("o_up_slow")

	photo := append(testPNG(t), make([]byte, 1<<20)...)
	ctype, body := multipartBody(t, formPart{field: "file", filename: "licence.png", body: photo})
	start := time.Now()
	status, b, err := postSlow(base, "POST", "/api/v1/uploads", alice.Token, ctype, &slowReader{data: body, chunk: 32 << 10, pause: 40 * time.Millisecond})
	if err != nil || status != 201 {
		t.Fatalf("slow upload: %d %s %v", status, b, err)
	}
	if took := time.Since(start); took < time.Second {
		t.Fatalf("upload took %v: not slow enough to prove anything", took)
	}
	var a uploadAnswer
	response{Status: status, Body: b}.json(t, &a)
	if a.Size != int64(len(photo)) {
		t.Fatalf("stored %d bytes, sent %d", a.Size, len(photo))
	}

	seedRegions(t, e)
	admin := e.staffToken("admin", adminPasswd)
	ctype, body = multipartBody(t, formPart{field: "file", filename: "名单.xlsx", body: sheet(t, importHeader, []map[string]string{importRow(40, "990101")})})
	status, b, err = postSlow(base, "POST", "/admin/api/v1/returnees/import", admin, ctype, &slowReader{data: body, chunk: max(len(body)/25, 1), pause: 50 * time.Millisecond})
	if err != nil || status != 200 {
		t.Fatalf("slow import: %d %s %v", status, b, err)
	}

	// An ordinary JSON route sent as slowly is cut by the 300 ms read timeout.
	js := []byte(`{"name":"` + strings.Repeat("王", 2000) + `"}`)
	status, b, err = postSlow(base, "PUT", "/api/v1/me/returnee", alice.Token, "application/json", &slowReader{data: js, chunk: len(js) / 25, pause: 50 * time.Millisecond})
	if err == nil && status < 400 {
		t.Fatalf("slow ordinary request was not cut: %d %s", status, b)
	}
}

// Issue #8 item 13: an ID photo sent through the API lies encrypted under HX_UPLOAD_DIR (no JPEG
// signature, no run of its bytes), and its signed URL serves the original bytes.
func TestUpload_fileEncryptedAtRest_servedDecrypted(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	alice := e.signIn("o_up_enc")
	var b bytes.Buffer
	if err := jpeg.Encode(&b, image.NewRGBA(image.Rect(0, 0, 64, 64)), nil); err != nil {
		t.Fatal(err)
	}
	photo := b.Bytes()
	r := e.uploadParts(alice.Token, formPart{field: "kind", body: []byte("id_front")}, formPart{field: "file", filename: "身份证.jpg", body: photo})
	expect(t, r, 201, "")
	var a uploadAnswer
	r.json(t, &a)
	var stored [][]byte
	filepath.WalkDir(e.cfg.Upload.Dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			data, _ := os.ReadFile(p)
			stored = append(stored, data)
		}
		return err
	})
	if len(stored) != 1 {
		t.Fatalf("%d files stored", len(stored))
	}
	if bytes.HasPrefix(stored[0], []byte{0xFF, 0xD8, 0xFF}) || bytes.Contains(stored[0], photo[:32]) || bytes.Contains(stored[0], []byte("JFIF")) {
		t.Fatal("the photo is stored in clear")
	}
	f := e.fetch(a.URL)
	expect(t, f, 200, "")
	if !bytes.Equal(f.Body, photo) || f.Header.Get("Content-Type") != "image/jpeg" {
		t.Fatalf("served %d bytes of %s", len(f.Body), f.Header.Get("Content-Type"))
	}
}

// Issue #8 item 16: a PDF polyglot (a valid PDF header with HTML and script after it) must never
// render inline in a staff member's browser at the API's origin: it is served as a download,
// sandboxed by CSP and not sniffed. Images stay viewable inline, sandboxed the same way.
func TestFile_pdfPolyglot_servedAsSandboxedAttachment(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	alice := e.signIn("o_up_polyglot")
	polyglot := []byte("%PDF-1.4\n<html><body><script>fetch('/admin/api/v1/returnees/export')</script></body></html>\n%%EOF\n")
	for _, tc := range []struct {
		name, file, ctype, disposition string
		body                           []byte
	}{
		{"pdf", "营业执照.pdf", "application/pdf", "attachment", polyglot},
		{"png", "照片.png", "image/png", "inline", testPNG(t)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.uploadParts(alice.Token, formPart{field: "file", filename: tc.file, body: tc.body})
			expect(t, r, 201, "")
			var a uploadAnswer
			r.json(t, &a)
			f := e.fetch(a.URL)
			expect(t, f, 200, "")
			h := f.Header
			if h.Get("Content-Type") != tc.ctype || h.Get("X-Content-Type-Options") != "nosniff" {
				t.Fatalf("headers %v", h)
			}
			enc, ok := strings.CutPrefix(h.Get("Content-Disposition"), tc.disposition+"; filename*=UTF-8''")
			if name, err := url.PathUnescape(enc); !ok || err != nil || name != tc.file {
				t.Fatalf("Content-Disposition %q", h.Get("Content-Disposition"))
			}
			csp := h.Get("Content-Security-Policy")
			if !strings.Contains(csp, "sandbox") || !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "script-src") {
				t.Fatalf("Content-Security-Policy %q", csp)
			}
		})
	}
}
