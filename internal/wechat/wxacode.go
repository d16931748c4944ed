package wechat

import (
	"context"
	"errors"

	"github.com/silenceper/wechat/v2/miniprogram/qrcode"
)

// WXACodeWidth is the width in pixels of the 小程序码 we ask for: large enough to print.
const WXACodeWidth = 430

// WXACode asks WeChat for an unlimited-kind 小程序码 that opens page with scene (at most 32
// characters of [0-9A-Za-z] and !#$&'()*+,/:;=?@-._~, which the page reads as options.scene).
// Outside the released mini program ("formal" state) the page is not checked against the
// released version, and the code opens the version the state names. The image has a transparent
// background (WeChat sends that one as PNG). An errcode answer becomes an *APIError: 41030 (page
// invalid), 40129/40169 (scene) are ErrInvalidArgument, 45009/-1 ErrUnavailable.
func (c *Client) WXACode(ctx context.Context, scene, page string) ([]byte, error) {
	if scene == "" || len(scene) > 32 {
		return nil, errors.Join(ErrInvalidArgument, errors.New("wechat: scene must be 1-32 characters"))
	}
	released := c.state == "formal"
	env := map[string]string{"developer": "develop", "trial": "trial", "formal": "release"}[c.state]
	req := qrcode.QRCoder{Page: page, Scene: scene, CheckPath: &released, Width: WXACodeWidth, IsHyaline: true, EnvVersion: env}
	var img []byte
	err := c.withToken(ctx, "getwxacodeunlimit", func() error {
		var err error
		img, err = c.mp.GetQRCode().GetWXACodeUnlimit(req)
		return err
	})
	if err != nil {
		return nil, err
	}
	if len(img) == 0 {
		return nil, c.transportError("getwxacodeunlimit", errors.New("empty image"))
	}
	return img, nil
}
