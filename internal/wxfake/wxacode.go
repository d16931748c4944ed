package wxfake

import (
	"net/http"
	"slices"
	"strings"

	"rsc.io/qr"
)

// WeChat's rules for getwxacodeunlimit (小程序码, unlimited kind): scene is at most 32 visible
// characters from [0-9A-Za-z] and !#$&'()*+,/:;=?@-._~; page is a page path of the released
// mini program without a leading slash or query (check_path true), or any such path while the
// mini program is unreleased (check_path false); width is 280–1280 px (430 by default).
const (
	maxScene      = 32
	sceneSymbols  = "!#$&'()*+,/:;=?@-._~"
	defaultWidth  = 430
	minWidth      = 280
	maxWidth      = 1280
	maxPagelength = 128
	maxKeptCodes  = 100
)

// ReleasedPages are the pages check_path true accepts: the stand-in's idea of the released
// mini program.
var ReleasedPages = []string{"pages/index/index", "pages/checkin/checkin"}

// WXACode is a 小程序码 the stand-in drew: what was asked and the text its QR code carries,
// "<page>?scene=<scene>" — what WeChat's scanner hands the page as options.scene.
type WXACode struct {
	Scene     string `json:"scene"`
	Page      string `json:"page"`
	CheckPath bool   `json:"check_path"`
	Width     int    `json:"width"`
	Text      string `json:"text"`
}

// WXACodeText is the text the stand-in's 小程序码 for page and scene encodes.
func WXACodeText(page, scene string) string {
	if page == "" {
		page = ReleasedPages[0]
	}
	return page + "?scene=" + scene
}

func validScene(s string) bool {
	for _, c := range []byte(s) {
		ok := c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || strings.IndexByte(sceneSymbols, c) >= 0
		if !ok {
			return false
		}
	}
	return true
}

// handleWXACodeUnlimit answers POST /wxa/getwxacodeunlimit as WeChat does: errors as JSON, an
// image otherwise. WeChat labels the image image/jpeg (the SDK accepts nothing else); the
// stand-in's is a real, scannable PNG QR code (what WeChat sends for is_hyaline), whose text is
// WXACodeText(page, scene).
func (s *Server) handleWXACodeUnlimit(w http.ResponseWriter, r *http.Request) {
	if !s.checkToken(w, r, s.opts.AppID) {
		return
	}
	var req struct {
		Scene     string `json:"scene"`
		Page      string `json:"page"`
		CheckPath *bool  `json:"check_path"`
		Width     int    `json:"width"`
		IsHyaline bool   `json:"is_hyaline"`
	}
	if !decodeBody(w, r, &req) {
		return
	}
	checkPath := req.CheckPath == nil || *req.CheckPath
	switch {
	case req.Scene == "" || len(req.Scene) > maxScene:
		writeErr(w, ErrInvalidSceneLength, "")
		return
	case !validScene(req.Scene):
		writeErr(w, ErrInvalidScene, "")
		return
	case strings.HasPrefix(req.Page, "/") || strings.ContainsAny(req.Page, "?# ") || len(req.Page) > maxPagelength,
		checkPath && req.Page != "" && !slices.Contains(ReleasedPages, req.Page):
		writeErr(w, ErrInvalidPage, "")
		return
	}
	width := req.Width
	if width == 0 {
		width = defaultWidth
	}
	width = min(max(width, minWidth), maxWidth)
	text := WXACodeText(req.Page, req.Scene)
	code, err := qr.Encode(text, qr.M)
	if err != nil {
		writeErr(w, ErrSystemBusy, "")
		return
	}
	code.Scale = max(1, width/(code.Size+8))
	s.mu.Lock()
	s.wxaCodes = append(s.wxaCodes, WXACode{Scene: req.Scene, Page: req.Page, CheckPath: checkPath, Width: width, Text: text})
	if len(s.wxaCodes) > maxKeptCodes { // a long-lived dev server keeps the latest only
		s.wxaCodes = slices.Delete(s.wxaCodes, 0, len(s.wxaCodes)-maxKeptCodes)
	}
	s.mu.Unlock()
	w.Header().Set("Content-Type", "image/jpeg")
	_, _ = w.Write(code.PNG())
}

// WXACodes returns the 小程序码 drawn so far, oldest first.
func (s *Server) WXACodes() []WXACode {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.wxaCodes)
}
