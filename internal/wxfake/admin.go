package wxfake

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// adminPrefix keeps the control endpoints out of WeChat's namespace so they
// can never shadow a real API path.
const adminPrefix = "/__fake/"

type adminError struct {
	Error string `json:"error"`
}

func writeAdmin(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":"encode failed"}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

// decodeAdmin reads an optional JSON body: curl users often send none.
func decodeAdmin(w http.ResponseWriter, r *http.Request, v any) bool {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		writeAdmin(w, http.StatusBadRequest, adminError{"cannot read body: " + err.Error()})
		return false
	}
	if len(body) == 0 {
		return true
	}
	if err := json.Unmarshal(body, v); err != nil {
		writeAdmin(w, http.StatusBadRequest, adminError{"invalid JSON: " + err.Error()})
		return false
	}
	return true
}

func allowMethods(w http.ResponseWriter, r *http.Request, methods ...string) bool {
	for _, m := range methods {
		if r.Method == m {
			return true
		}
	}
	w.Header().Set("Allow", strings.Join(methods, ", "))
	writeAdmin(w, http.StatusMethodNotAllowed, adminError{"method not allowed"})
	return false
}

type okBody struct {
	OK bool `json:"ok"`
}

// AdminEndpoint describes one control endpoint of the stand-in.
type AdminEndpoint struct {
	Path    string `json:"path"`
	Methods string `json:"methods"`
	Params  string `json:"params,omitempty"`
	What    string `json:"what"`
}

// AdminEndpoints lists the /__fake/ control API, served at GET /__fake/ so that a developer can
// find it without reading the source.
var AdminEndpoints = []AdminEndpoint{
	{"/__fake/", "GET", "", "this list, and whether consents are counted or automatic"},
	{"/__fake/healthz", "GET, HEAD", "", "liveness"},
	{"/__fake/login-code", "GET, POST", `openid, unionid (query or JSON; both optional)`, "a single-use wx.login code for POST /api/v1/auth/login"},
	{"/__fake/phone-code", "GET, POST", `phone (default ` + defaultPhone + `)`, "a single-use getPhoneNumber code for POST /api/v1/me/phone"},
	{"/__fake/consent", "GET, POST", `openid, template_id, count (POST; default 1)`, "read or grant subscribe consents (counted mode)"},
	{"/__fake/templates", "GET, POST", `id, keys (POST)`, "list or register subscribe templates"},
	{"/__fake/messages", "GET", "", "subscribe messages sent so far"},
	{"/__fake/outage", "GET, POST", `mode: "", busy, ratelimit, http502, hang`, "simulate WeChat being down"},
	{"/__fake/fail-next", "POST", `path, errcode, errmsg`, "make the next call to path fail with errcode"},
	{"/__fake/invalidate-tokens", "POST", "", "make every access token answer 40001"},
	{"/__fake/words", "POST", `risky, review (lists)`, "words that make msg_sec_check answer risky or review"},
	{"/__fake/active", "POST", `openid`, "mark openid as having opened the mini program (msg_sec_check needs it)"},
	{"/__fake/calls", "GET", "", "calls per WeChat API path"},
	{"/__fake/wxacodes", "GET", "", "小程序码 drawn so far (scene, page, the text each QR code carries)"},
	{"/__fake/reset", "POST", "", "lift the outage, drop fail-next errors, zero the call counters"},
	{"/__fake/followers", "GET, POST", `unionid (POST; optional)`, "list official account followers, or add one (answers its OA openid)"},
	{"/__fake/followers/follow", "POST", `openid`, "make a follower follow the official account again"},
	{"/__fake/followers/unfollow", "POST", `openid`, "make a follower unfollow the official account (template sends then answer 43004)"},
	{"/__fake/oa-templates", "GET, POST", `id, keys (POST)`, "list or register official account templates"},
	{"/__fake/oa-messages", "GET", "", "official account template messages sent so far"},
	{"/__fake/callbacks/deliver", "POST", `url, token, encoding_aes_key, appid, encrypted, format ("xml"/"json"), bad_signature, event {type: popup|change|sent|follow|unfollow, openid, items [{template_id, status, scene, msg_id, error_code, error_status}]}`, "push a signed (optionally encrypted) callback event to our server as WeChat does; answers its status and body"},
	{"/__fake/callbacks/verify", "POST", `url, token`, "verify a push URL as WeChat does (GET with echostr)"},
}

// serveAdmin implements the /__fake/ control API for dev use; tests call the
// Server methods directly.
func (s *Server) serveAdmin(w http.ResponseWriter, r *http.Request) {
	switch strings.TrimPrefix(strings.TrimPrefix(r.URL.Path, strings.TrimSuffix(adminPrefix, "/")), "/") {
	case "":
		if allowMethods(w, r, http.MethodGet, http.MethodHead) {
			consent := "counted"
			if s.opts.ConsentAuto {
				consent = "auto"
			}
			writeAdmin(w, http.StatusOK, struct {
				AppID        string          `json:"appid"`
				OAAppID      string          `json:"oa_appid"`
				MPOriginalID string          `json:"mp_original_id"`
				OAOriginalID string          `json:"oa_original_id"`
				Consent      string          `json:"consent"`
				Endpoints    []AdminEndpoint `json:"endpoints"`
			}{s.opts.AppID, s.opts.OAAppID, s.opts.MPOriginalID, s.opts.OAOriginalID, consent, AdminEndpoints})
		}

	case "healthz":
		if allowMethods(w, r, http.MethodGet, http.MethodHead) {
			writeAdmin(w, http.StatusOK, okBody{true})
		}

	case "login-code":
		if !allowMethods(w, r, http.MethodGet, http.MethodPost) {
			return
		}
		req := struct {
			OpenID  string `json:"openid"`
			UnionID string `json:"unionid"`
		}{r.URL.Query().Get("openid"), r.URL.Query().Get("unionid")}
		if r.Method == http.MethodPost && !decodeAdmin(w, r, &req) {
			return
		}
		code, openid := s.issueLoginCode(req.OpenID, req.UnionID)
		writeAdmin(w, http.StatusOK, struct {
			Code    string `json:"code"`
			OpenID  string `json:"openid"`
			UnionID string `json:"unionid,omitempty"`
		}{code, openid, req.UnionID})

	case "phone-code":
		if !allowMethods(w, r, http.MethodGet, http.MethodPost) {
			return
		}
		req := struct {
			Phone string `json:"phone"`
		}{r.URL.Query().Get("phone")}
		if r.Method == http.MethodPost && !decodeAdmin(w, r, &req) {
			return
		}
		if req.Phone == "" {
			req.Phone = defaultPhone
		}
		writeAdmin(w, http.StatusOK, struct {
			Code  string `json:"code"`
			Phone string `json:"phone"`
		}{s.IssuePhoneCode(req.Phone), req.Phone})

	case "outage":
		if !allowMethods(w, r, http.MethodGet, http.MethodPost) {
			return
		}
		if r.Method == http.MethodPost {
			var req struct {
				Mode string `json:"mode"`
			}
			if !decodeAdmin(w, r, &req) {
				return
			}
			if !validOutage(req.Mode) {
				writeAdmin(w, http.StatusBadRequest, adminError{`mode must be one of "", "busy", "ratelimit", "http502", "hang"`})
				return
			}
			s.SetOutage(req.Mode)
		}
		writeAdmin(w, http.StatusOK, struct {
			Mode string `json:"mode"`
		}{s.Outage()})

	case "invalidate-tokens":
		if allowMethods(w, r, http.MethodPost) {
			s.InvalidateTokens()
			writeAdmin(w, http.StatusOK, okBody{true})
		}

	case "templates":
		if !allowMethods(w, r, http.MethodGet, http.MethodPost) {
			return
		}
		if r.Method == http.MethodPost {
			var req struct {
				ID   string   `json:"id"`
				Keys []string `json:"keys"`
			}
			if !decodeAdmin(w, r, &req) {
				return
			}
			if req.ID == "" || len(req.Keys) == 0 {
				writeAdmin(w, http.StatusBadRequest, adminError{"id and keys are required"})
				return
			}
			s.RegisterTemplate(req.ID, req.Keys...)
		}
		writeAdmin(w, http.StatusOK, s.Templates())

	case "consent":
		if !allowMethods(w, r, http.MethodGet, http.MethodPost) {
			return
		}
		q := r.URL.Query()
		req := struct {
			OpenID     string `json:"openid"`
			TemplateID string `json:"template_id"`
			Count      *int   `json:"count"`
		}{OpenID: q.Get("openid"), TemplateID: q.Get("template_id")}
		if r.Method == http.MethodPost {
			if !decodeAdmin(w, r, &req) {
				return
			}
			if req.Count == nil {
				// A bare POST is one tap on "allow".
				one := 1
				req.Count = &one
			}
		}
		if req.OpenID == "" || req.TemplateID == "" {
			writeAdmin(w, http.StatusBadRequest, adminError{"openid and template_id are required"})
			return
		}
		if r.Method == http.MethodPost {
			s.GrantConsent(req.OpenID, req.TemplateID, *req.Count)
		}
		writeAdmin(w, http.StatusOK, struct {
			OpenID     string `json:"openid"`
			TemplateID string `json:"template_id"`
			Count      int    `json:"count"`
		}{req.OpenID, req.TemplateID, s.Consent(req.OpenID, req.TemplateID)})

	case "messages":
		if allowMethods(w, r, http.MethodGet) {
			writeAdmin(w, http.StatusOK, s.Sent())
		}

	case "fail-next":
		if !allowMethods(w, r, http.MethodPost) {
			return
		}
		var req struct {
			Path    string `json:"path"`
			ErrCode int    `json:"errcode"`
			ErrMsg  string `json:"errmsg"`
		}
		if !decodeAdmin(w, r, &req) {
			return
		}
		if req.Path == "" || req.ErrCode == 0 {
			writeAdmin(w, http.StatusBadRequest, adminError{"path and a non-zero errcode are required"})
			return
		}
		s.FailNext(req.Path, req.ErrCode, req.ErrMsg)
		writeAdmin(w, http.StatusOK, okBody{true})

	case "words":
		if !allowMethods(w, r, http.MethodPost) {
			return
		}
		var req struct {
			Risky  *[]string `json:"risky"`
			Review *[]string `json:"review"`
		}
		if !decodeAdmin(w, r, &req) {
			return
		}
		if req.Risky != nil {
			s.SetRiskyWords(*req.Risky...)
		}
		if req.Review != nil {
			s.SetReviewWords(*req.Review...)
		}
		writeAdmin(w, http.StatusOK, okBody{true})

	case "active":
		if !allowMethods(w, r, http.MethodPost) {
			return
		}
		req := struct {
			OpenID string `json:"openid"`
		}{r.URL.Query().Get("openid")}
		if !decodeAdmin(w, r, &req) {
			return
		}
		if req.OpenID == "" {
			writeAdmin(w, http.StatusBadRequest, adminError{"openid is required"})
			return
		}
		s.MarkActive(req.OpenID)
		writeAdmin(w, http.StatusOK, okBody{true})

	case "calls":
		if allowMethods(w, r, http.MethodGet) {
			writeAdmin(w, http.StatusOK, s.AllCalls())
		}

	case "wxacodes":
		if allowMethods(w, r, http.MethodGet) {
			writeAdmin(w, http.StatusOK, s.WXACodes())
		}

	case "reset":
		if allowMethods(w, r, http.MethodPost) {
			s.Reset()
			writeAdmin(w, http.StatusOK, okBody{true})
		}

	case "followers":
		if !allowMethods(w, r, http.MethodGet, http.MethodPost) {
			return
		}
		if r.Method == http.MethodPost {
			req := struct {
				UnionID string `json:"unionid"`
			}{r.URL.Query().Get("unionid")}
			if !decodeAdmin(w, r, &req) {
				return
			}
			openid := s.AddFollower(req.UnionID)
			writeAdmin(w, http.StatusOK, struct {
				OpenID  string `json:"openid"`
				UnionID string `json:"unionid,omitempty"`
			}{openid, req.UnionID})
			return
		}
		writeAdmin(w, http.StatusOK, s.Followers())

	case "followers/follow", "followers/unfollow":
		if !allowMethods(w, r, http.MethodPost) {
			return
		}
		req := struct {
			OpenID string `json:"openid"`
		}{r.URL.Query().Get("openid")}
		if !decodeAdmin(w, r, &req) {
			return
		}
		if req.OpenID == "" {
			writeAdmin(w, http.StatusBadRequest, adminError{"openid is required"})
			return
		}
		if !s.setFollowing(req.OpenID, strings.HasSuffix(r.URL.Path, "/follow")) {
			writeAdmin(w, http.StatusNotFound, adminError{"no follower with openid " + strconv.Quote(req.OpenID)})
			return
		}
		writeAdmin(w, http.StatusOK, okBody{true})

	case "oa-templates":
		if !allowMethods(w, r, http.MethodGet, http.MethodPost) {
			return
		}
		if r.Method == http.MethodPost {
			var req struct {
				ID   string   `json:"id"`
				Keys []string `json:"keys"`
			}
			if !decodeAdmin(w, r, &req) {
				return
			}
			if req.ID == "" || len(req.Keys) == 0 {
				writeAdmin(w, http.StatusBadRequest, adminError{"id and keys are required"})
				return
			}
			s.RegisterOATemplate(req.ID, req.Keys...)
		}
		writeAdmin(w, http.StatusOK, s.OATemplates())

	case "oa-messages":
		if allowMethods(w, r, http.MethodGet) {
			writeAdmin(w, http.StatusOK, s.OASent())
		}

	case "callbacks/deliver":
		if allowMethods(w, r, http.MethodPost) {
			s.adminDeliver(w, r)
		}

	case "callbacks/verify":
		if !allowMethods(w, r, http.MethodPost) {
			return
		}
		var req struct {
			URL   string `json:"url"`
			Token string `json:"token"`
		}
		if !decodeAdmin(w, r, &req) {
			return
		}
		if req.URL == "" || req.Token == "" {
			writeAdmin(w, http.StatusBadRequest, adminError{"url and token are required"})
			return
		}
		if err := VerifyURL(r.Context(), CallbackTarget{URL: req.URL, Token: req.Token}); err != nil {
			writeAdmin(w, deliveryErrorStatus(err), adminError{err.Error()})
			return
		}
		writeAdmin(w, http.StatusOK, okBody{true})

	default:
		writeAdmin(w, http.StatusNotFound, adminError{"unknown admin endpoint " + strconv.Quote(r.URL.Path)})
	}
}

// adminDeliver implements POST /__fake/callbacks/deliver: the event comes from
// this server's apps, so its ToUserName is their original id and the AppID
// defaults to theirs.
func (s *Server) adminDeliver(w http.ResponseWriter, r *http.Request) {
	type item struct {
		TemplateID  string `json:"template_id"`
		Status      string `json:"status"`
		Scene       string `json:"scene"`
		MsgID       string `json:"msg_id"`
		ErrorCode   string `json:"error_code"`
		ErrorStatus string `json:"error_status"`
	}
	var req struct {
		URL            string `json:"url"`
		Token          string `json:"token"`
		EncodingAESKey string `json:"encoding_aes_key"`
		AppID          string `json:"appid"`
		Encrypted      bool   `json:"encrypted"`
		Format         string `json:"format"`
		BadSignature   bool   `json:"bad_signature"`
		Event          struct {
			Type   string `json:"type"`
			OpenID string `json:"openid"`
			Items  []item `json:"items"`
		} `json:"event"`
	}
	if !decodeAdmin(w, r, &req) {
		return
	}
	if req.URL == "" || req.Token == "" || req.Event.OpenID == "" {
		writeAdmin(w, http.StatusBadRequest, adminError{"url, token and event.openid are required"})
		return
	}
	var ev Event
	switch req.Event.Type {
	case "popup":
		items := make([]PopupItem, len(req.Event.Items))
		for i, it := range req.Event.Items {
			items[i] = PopupItem{TemplateID: it.TemplateID, Status: it.Status, Scene: it.Scene}
		}
		ev = PopupEvent(req.Event.OpenID, items...)
	case "change":
		items := make([]ChangeItem, len(req.Event.Items))
		for i, it := range req.Event.Items {
			items[i] = ChangeItem{TemplateID: it.TemplateID, Status: it.Status}
		}
		ev = ChangeEvent(req.Event.OpenID, items...)
	case "sent":
		items := make([]SentItem, len(req.Event.Items))
		for i, it := range req.Event.Items {
			items[i] = SentItem{TemplateID: it.TemplateID, MsgID: it.MsgID, ErrorCode: it.ErrorCode, ErrorStatus: it.ErrorStatus}
		}
		ev = SentEvent(req.Event.OpenID, items...)
	case "follow":
		ev = FollowEvent(req.Event.OpenID)
	case "unfollow":
		ev = UnfollowEvent(req.Event.OpenID)
	default:
		writeAdmin(w, http.StatusBadRequest, adminError{`event.type must be one of "popup", "change", "sent", "follow", "unfollow"`})
		return
	}
	appID, original := s.opts.AppID, s.opts.MPOriginalID
	if ev.OfficialAccount() {
		appID, original = s.opts.OAAppID, s.opts.OAOriginalID
	}
	ev.ToUserName = original
	if req.AppID != "" {
		appID = req.AppID
	}
	status, body, err := Deliver(r.Context(), CallbackTarget{
		URL:            req.URL,
		Token:          req.Token,
		EncodingAESKey: req.EncodingAESKey,
		AppID:          appID,
		Encrypted:      req.Encrypted,
		Format:         req.Format,
		BadSignature:   req.BadSignature,
	}, ev)
	if err != nil {
		writeAdmin(w, deliveryErrorStatus(err), adminError{err.Error()})
		return
	}
	writeAdmin(w, http.StatusOK, struct {
		Status int    `json:"status"`
		Body   string `json:"body"`
	}{status, body})
}

// deliveryErrorStatus is 400 for a bad target or event, 502 when the target
// could not be reached or answered wrongly.
func deliveryErrorStatus(err error) int {
	var te targetError
	if errors.As(err, &te) {
		return http.StatusBadRequest
	}
	return http.StatusBadGateway
}
