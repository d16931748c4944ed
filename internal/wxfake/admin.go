package wxfake

import (
	"encoding/json"
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
				AppID     string          `json:"appid"`
				Consent   string          `json:"consent"`
				Endpoints []AdminEndpoint `json:"endpoints"`
			}{s.opts.AppID, consent, AdminEndpoints})
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

	default:
		writeAdmin(w, http.StatusNotFound, adminError{"unknown admin endpoint " + strconv.Quote(r.URL.Path)})
	}
}
