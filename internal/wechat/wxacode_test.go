package wechat_test

import (
	"bytes"
	"errors"
	"image/png"
	"testing"

	"rsc.io/qr"

	"huixiang/internal/wechat"
	"huixiang/internal/wxfake"
)

func TestWXACode_pngOfTheSceneAndWeChatErrors(t *testing.T) {
	c := client(t, nil)
	ctx := t.Context()
	img, err := c.WXACode(ctx, "12.abcDEF_-123", "pages/checkin/checkin")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := png.Decode(bytes.NewReader(img)); err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	codes := fake.WXACodes()
	last := codes[len(codes)-1]
	if last.Scene != "12.abcDEF_-123" || last.Page != "pages/checkin/checkin" || last.CheckPath || last.Width != wechat.WXACodeWidth {
		t.Fatalf("asked %+v", last)
	}
	// The image is the QR code of the text the stand-in says it carries.
	want, err := qr.Encode("pages/checkin/checkin?scene=12.abcDEF_-123", qr.M)
	if err != nil {
		t.Fatal(err)
	}
	want.Scale = wechat.WXACodeWidth / (want.Size + 8)
	if !bytes.Equal(img, want.PNG()) {
		t.Fatal("the image is not the QR code of pages/checkin/checkin?scene=…")
	}

	cases := map[string]struct {
		scene, page string
		fail        int
		want        error
	}{
		"scene with a space": {"12 ab", "pages/checkin/checkin", 0, wechat.ErrInvalidArgument},
		"scene too long":     {"123456789012345678901234567890123", "pages/checkin/checkin", 0, wechat.ErrInvalidArgument},
		"page with a slash":  {"12.ab", "/pages/checkin/checkin", 0, wechat.ErrInvalidArgument},
		"page invalid":       {"12.ab", "pages/checkin/checkin", 41030, wechat.ErrInvalidArgument},
		"too frequent":       {"12.ab", "pages/checkin/checkin", 45009, wechat.ErrUnavailable},
		"busy":               {"12.ab", "pages/checkin/checkin", -1, wechat.ErrUnavailable},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if tc.fail != 0 {
				fake.FailNext(wxfake.PathWXACodeUnlimit, tc.fail, "")
			}
			img, err := c.WXACode(ctx, tc.scene, tc.page)
			if !errors.Is(err, tc.want) || img != nil {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}

	// A stale access token is refreshed once, as for every other call.
	fake.InvalidateTokens()
	if _, err := c.WXACode(ctx, "12.ab", "pages/checkin/checkin"); err != nil {
		t.Fatalf("after invalidated tokens: %v", err)
	}
	// Released: the page is checked against the released mini program.
	formal := client(t, nil, func(o *wechat.Options) { o.State = "formal" })
	if _, err := formal.WXACode(ctx, "12.ab", "pages/nope/nope"); !errors.Is(err, wechat.ErrInvalidArgument) {
		t.Fatalf("unreleased page in formal: %v", err)
	}
}
