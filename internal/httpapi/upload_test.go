package httpapi_test

import (
	"bytes"
	"image"
	"image/png"
	"io"
	"io/fs"
	"mime/multipart"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

type formPart struct {
	field, filename string
	body            []byte
}

// multipartBody encodes the parts in order; a part with a filename is a file.
func multipartBody(t *testing.T, parts ...formPart) (string, []byte) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for _, p := range parts {
		var pw io.Writer
		var err error
		if p.filename != "" {
			pw, err = w.CreateFormFile(p.field, p.filename)
		} else {
			pw, err = w.CreateFormField(p.field)
		}
		if err != nil {
			t.Fatal(err)
		}
		pw.Write(p.body)
	}
	w.Close()
	return w.FormDataContentType(), b.Bytes()
}

// send posts body with the content type; length -1 sends it chunked (no Content-Length).
func (e *env) send(method, path, token, ctype string, body io.Reader, length int64) response {
	e.t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, body)
	if err != nil {
		e.t.Fatal(err)
	}
	req.ContentLength = length
	req.Header.Set("Content-Type", ctype)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{Status: res.StatusCode, Header: res.Header, Body: b}
}

func (e *env) uploadParts(token string, parts ...formPart) response {
	e.t.Helper()
	ctype, body := multipartBody(e.t, parts...)
	return e.send("POST", "/api/v1/uploads", token, ctype, bytes.NewReader(body), int64(len(body)))
}

type uploadAnswer struct {
	ID           string    `json:"id"`
	URL          string    `json:"url"`
	URLExpiresAt time.Time `json:"url_expires_at"`
	Kind         string    `json:"kind"`
	ContentType  string    `json:"content_type"`
	Size         int64     `json:"size"`
	Name         string    `json:"name"`
	Attached     bool      `json:"attached"`
}

func testPNG(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, 12, 12))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// storedFiles counts the files in the server's upload directory.
func (e *env) storedFiles() int {
	e.t.Helper()
	n := 0
	filepath.WalkDir(e.cfg.Upload.Dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			n++
		}
		return err
	})
	return n
}

// fetch GETs a signed URL without a token.
func (e *env) fetch(u string) response {
	e.t.Helper()
	return e.do("GET", u, "", nil)
}

func TestUpload_roundTrip_201_urlServesTheSameBytes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	alice, bob := e.signIn("o_up_alice"), e.signIn("o_up_bob")
	img := testPNG(t)
	r := e.uploadParts(alice.Token, formPart{field: "kind", body: []byte("id_front")}, formPart{field: "file", filename: "身份证 正面.png", body: img})
	expect(t, r, 201, "")
	var a uploadAnswer
	r.json(t, &a)
	if len(a.ID) != 22 || a.Kind != "id_front" || a.ContentType != "image/png" || a.Size != int64(len(img)) || a.Name != "身份证 正面.png" || a.Attached {
		t.Fatalf("answer: %s", r.Body)
	}
	if !strings.HasPrefix(a.URL, "/api/v1/files/"+a.ID+"?exp=") || time.Until(a.URLExpiresAt) > 10*time.Minute || time.Until(a.URLExpiresAt) < 9*time.Minute {
		t.Fatalf("url %s expires %v", a.URL, a.URLExpiresAt)
	}

	f := e.fetch(a.URL)
	expect(t, f, 200, "")
	if !bytes.Equal(f.Body, img) {
		t.Fatalf("served %d bytes, uploaded %d", len(f.Body), len(img))
	}
	h := f.Header
	if h.Get("Content-Type") != "image/png" || h.Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("headers: %v", h)
	}
	cd := h.Get("Content-Disposition")
	enc, ok := strings.CutPrefix(cd, "inline; filename*=UTF-8''")
	if name, err := url.PathUnescape(enc); !ok || err != nil || name != "身份证 正面.png" {
		t.Fatalf("Content-Disposition %q", cd)
	}
	cc, ok := strings.CutPrefix(h.Get("Cache-Control"), "private, max-age=")
	if age, err := strconv.Atoi(cc); !ok || err != nil || age < 590 || age > 600 {
		t.Fatalf("Cache-Control %q", h.Get("Cache-Control"))
	}

	t.Run("owner gets metadata and a fresh URL", func(t *testing.T) {
		g := e.do("GET", "/api/v1/uploads/"+a.ID, alice.Token, nil)
		expect(t, g, 200, "")
		var again uploadAnswer
		g.json(t, &again)
		if again.ID != a.ID || again.URL == "" {
			t.Fatalf("GET: %s", g.Body)
		}
		expect(t, e.fetch(again.URL), 200, "")
	})
	t.Run("another user gets 404", func(t *testing.T) {
		expect(t, e.do("GET", "/api/v1/uploads/"+a.ID, bob.Token, nil), 404, "NOT_FOUND")
		expect(t, e.do("GET", "/api/v1/uploads/nonexistent", bob.Token, nil), 404, "NOT_FOUND")
	})
	t.Run("no token gets 401", func(t *testing.T) {
		expect(t, e.do("GET", "/api/v1/uploads/"+a.ID, "", nil), 401, "SESSION_EXPIRED")
		expect(t, e.uploadParts("", formPart{field: "file", filename: "x.png", body: img}), 401, "SESSION_EXPIRED")
	})
	t.Run("a PNG named .pdf is a PNG, kind after the file counts", func(t *testing.T) {
		r := e.uploadParts(alice.Token, formPart{field: "file", filename: "licence.pdf", body: img}, formPart{field: "kind", body: []byte("business_licence")})
		expect(t, r, 201, "")
		var b uploadAnswer
		r.json(t, &b)
		if b.ContentType != "image/png" || b.Kind != "business_licence" {
			t.Fatalf("answer: %s", r.Body)
		}
		f := e.fetch(b.URL)
		if f.Header.Get("Content-Type") != "image/png" || !strings.HasSuffix(f.Header.Get("Content-Disposition"), "licence.png") {
			t.Fatalf("served as %v", f.Header)
		}
	})
	t.Run("kind in the query", func(t *testing.T) {
		ctype, body := multipartBody(t, formPart{field: "file", filename: "back.png", body: img})
		r := e.send("POST", "/api/v1/uploads?kind=id_back", alice.Token, ctype, bytes.NewReader(body), int64(len(body)))
		expect(t, r, 201, "")
		var b uploadAnswer
		r.json(t, &b)
		if b.Kind != "id_back" {
			t.Fatalf("kind %s", b.Kind)
		}
	})
}

func TestUpload_signedURL_expired403_tampered404(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	alice := e.signIn("o_up_exp")
	r := e.uploadParts(alice.Token, formPart{field: "file", filename: "a.png", body: testPNG(t)})
	expect(t, r, 201, "")
	var a uploadAnswer
	r.json(t, &a)

	expired := e.app.Uploads.URLUntil(a.ID, time.Now().Add(-time.Second))
	expect(t, e.fetch(expired), 403, "URL_EXPIRED")

	u, _ := url.Parse(a.URL)
	q := u.Query()
	q.Set("exp", strconv.FormatInt(time.Now().Add(time.Hour).Unix(), 10))
	u.RawQuery = q.Encode()
	expect(t, e.fetch(u.String()), 404, "NOT_FOUND") // a longer life is not for sale
	expect(t, e.fetch("/api/v1/files/"+a.ID), 404, "NOT_FOUND")
	expect(t, e.fetch(strings.Replace(a.URL, "sig=", "sig=x", 1)), 404, "NOT_FOUND")
}

func TestUpload_wrongType_415(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	alice := e.signIn("o_up_type")
	for name, body := range map[string][]byte{
		"photo.jpg": []byte("<html><body>not a photo</body></html>"),
		"doc.pdf":   append([]byte("PK\x03\x04\x14\x00"), make([]byte, 64)...),
		"setup.png": append([]byte("MZ\x90\x00\x03\x00"), make([]byte, 64)...),
	} {
		expect(t, e.uploadParts(alice.Token, formPart{field: "file", filename: name, body: body}), 415, "UNSUPPORTED_MEDIA_TYPE")
	}
	expect(t, e.uploadParts(alice.Token, formPart{field: "file", filename: "empty.png"}), 422, "VALIDATION_FAILED")
	if n := e.storedFiles(); n != 0 {
		t.Fatalf("%d refused files left in storage", n)
	}
}

func TestUpload_tooLarge_413(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	alice := e.signIn("o_up_big")
	head := testPNG(t)
	big := func(n int) []byte { return append(append([]byte{}, head...), make([]byte, n-len(head))...) }
	limit := int(e.cfg.Upload.MaxBytes)
	t.Run("11 MB, refused by its Content-Length", func(t *testing.T) {
		expect(t, e.uploadParts(alice.Token, formPart{field: "file", filename: "big.png", body: big(11 << 20)}), 413, "BODY_TOO_LARGE")
	})
	t.Run("11 MB chunked, refused while reading", func(t *testing.T) {
		ctype, body := multipartBody(t, formPart{field: "file", filename: "big.png", body: big(11 << 20)})
		r := e.send("POST", "/api/v1/uploads", alice.Token, ctype, io.MultiReader(bytes.NewReader(body)), -1)
		expect(t, r, 413, "BODY_TOO_LARGE")
	})
	t.Run("one byte over the file limit", func(t *testing.T) {
		r := e.uploadParts(alice.Token, formPart{field: "file", filename: "big.png", body: big(limit + 1)})
		expect(t, r, 413, "BODY_TOO_LARGE")
		if !strings.Contains(string(r.Body), "10 MB") {
			t.Fatalf("message does not say the limit: %s", r.Body)
		}
	})
	if n := e.storedFiles(); n != 0 {
		t.Fatalf("%d partial files left in storage", n)
	}
	t.Run("exactly the limit is accepted", func(t *testing.T) {
		expect(t, e.uploadParts(alice.Token, formPart{field: "file", filename: "big.png", body: big(limit)}), 201, "")
	})
}

func TestUpload_badRequests(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	alice := e.signIn("o_up_bad")
	img := testPNG(t)
	t.Run("no file field 400", func(t *testing.T) {
		expect(t, e.uploadParts(alice.Token, formPart{field: "kind", body: []byte("other")}), 400, "BAD_REQUEST")
		expect(t, e.uploadParts(alice.Token, formPart{field: "photo", filename: "x.png", body: img}), 400, "BAD_REQUEST")
	})
	t.Run("not multipart 400", func(t *testing.T) {
		expect(t, e.do("POST", "/api/v1/uploads", alice.Token, map[string]string{"file": "x"}), 400, "BAD_REQUEST")
	})
	t.Run("two files 400", func(t *testing.T) {
		expect(t, e.uploadParts(alice.Token, formPart{field: "file", filename: "a.png", body: img}, formPart{field: "file", filename: "b.png", body: img}), 400, "BAD_REQUEST")
	})
	t.Run("unknown kind 422", func(t *testing.T) {
		r := e.uploadParts(alice.Token, formPart{field: "kind", body: []byte("passport")}, formPart{field: "file", filename: "a.png", body: img})
		expect(t, r, 422, "VALIDATION_FAILED")
		r = e.uploadParts(alice.Token, formPart{field: "file", filename: "a.png", body: img}, formPart{field: "kind", body: []byte("passport")})
		expect(t, r, 422, "VALIDATION_FAILED")
	})
	if n := e.storedFiles(); n != 0 {
		t.Fatalf("%d refused files left in storage", n)
	}
}
