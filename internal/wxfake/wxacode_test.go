package wxfake_test

import (
	"bytes"
	"image/png"
	"strings"
	"testing"

	"huixiang/internal/wxfake"
)

// getwxacodeunlimit as WeChat answers it: JSON errors for the token, the scene (length 40169,
// characters 40129) and the page (41030 when check_path holds and the page is not released, or
// the page is malformed); otherwise an image labelled image/jpeg, here a PNG QR code of
// "<page>?scene=<scene>", listed at GET /__fake/wxacodes.
func TestWXACodeUnlimit(t *testing.T) {
	e := newEnv(t)
	tok := e.token()
	no := false
	cases := []struct {
		name string
		tok  string
		body map[string]any
		want int
	}{
		{"no token", "", map[string]any{"scene": "1.a"}, wxfake.ErrAccessTokenMissing},
		{"bad token", "nope", map[string]any{"scene": "1.a"}, wxfake.ErrInvalidCredential},
		{"no scene", tok, map[string]any{"page": "pages/checkin/checkin", "check_path": false}, wxfake.ErrInvalidSceneLength},
		{"scene of 33", tok, map[string]any{"scene": strings.Repeat("a", 33), "check_path": false}, wxfake.ErrInvalidSceneLength},
		{"scene with a space", tok, map[string]any{"scene": "1 a", "check_path": false}, wxfake.ErrInvalidScene},
		{"scene with Chinese", tok, map[string]any{"scene": "签到", "check_path": false}, wxfake.ErrInvalidScene},
		{"unreleased page checked", tok, map[string]any{"scene": "1.a", "page": "pages/new/new"}, wxfake.ErrInvalidPage},
		{"page with a slash", tok, map[string]any{"scene": "1.a", "page": "/pages/checkin/checkin", "check_path": no}, wxfake.ErrInvalidPage},
		{"page with a query", tok, map[string]any{"scene": "1.a", "page": "pages/checkin/checkin?x=1", "check_path": no}, wxfake.ErrInvalidPage},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if r := e.withToken(wxfake.PathWXACodeUnlimit, tc.tok, tc.body); r.errcode() != tc.want {
				t.Fatalf("answer %s, want errcode %d", r.raw, tc.want)
			}
		})
	}
	for _, body := range []map[string]any{
		{"scene": "12.abc-_~!", "page": "pages/checkin/checkin"},                      // released page, checked
		{"scene": strings.Repeat("Z", 32), "page": "pages/new/new", "check_path": no}, // unreleased, not checked
	} {
		r := e.withToken(wxfake.PathWXACodeUnlimit, tok, body)
		if r.status != 200 || r.body != nil {
			t.Fatalf("answer %d %.80q", r.status, r.raw)
		}
		if _, err := png.Decode(bytes.NewReader([]byte(r.raw))); err != nil {
			t.Fatalf("not a PNG: %v", err)
		}
	}
	codes := e.fake.WXACodes()
	if len(codes) != 2 || codes[0].Text != "pages/checkin/checkin?scene=12.abc-_~!" || !codes[0].CheckPath || codes[1].CheckPath ||
		codes[0].Width != 430 {
		t.Fatalf("codes = %+v", codes)
	}
	if r := e.do("GET", "/__fake/wxacodes", nil, nil); r.status != 200 || !strings.Contains(r.raw, `"scene":"12.abc-_~!"`) {
		t.Fatalf("/__fake/wxacodes = %d %s", r.status, r.raw)
	}
	if r := e.do("GET", "/__fake/", nil, nil); !strings.Contains(r.raw, "/__fake/wxacodes") {
		t.Fatalf("/__fake/ does not list wxacodes: %s", r.raw)
	}
}
