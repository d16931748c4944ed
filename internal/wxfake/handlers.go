package wxfake

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"
)

// checkApp validates the credentials every credential-exchanging endpoint
// takes, in the order WeChat reports problems with them. The mini program is
// always accepted, the official account only when oaToo is set (it has no
// wx.login codes to exchange).
func (s *Server) checkApp(grantType, wantGrant, appid, secret string, oaToo bool) (int, bool) {
	want, known := s.opts.Secret, appid == s.opts.AppID
	if !known && oaToo && appid == s.opts.OAAppID {
		want, known = s.opts.OASecret, true
	}
	switch {
	case grantType != wantGrant:
		return ErrInvalidGrantType, false
	case appid == "":
		return ErrAppIDMissing, false
	case !known:
		return ErrInvalidAppID, false
	case secret == "":
		return ErrAppSecretMissing, false
	case secret != want:
		return ErrInvalidAppSecret, false
	}
	return 0, true
}

func (s *Server) handleJSCode2Session(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if code, ok := s.checkApp(q.Get("grant_type"), "authorization_code", q.Get("appid"), q.Get("secret"), false); !ok {
		writeErr(w, code, "")
		return
	}
	jsCode := q.Get("js_code")
	if jsCode == "" {
		writeErr(w, ErrCodeMissing, "")
		return
	}

	s.mu.Lock()
	now := s.opts.Now()
	c, ok := s.loginCodes[jsCode]
	switch {
	case !ok || !now.Before(c.expires):
		s.mu.Unlock()
		writeErr(w, ErrInvalidCode, "")
		return
	case c.used:
		s.mu.Unlock()
		writeErr(w, ErrCodeUsed, "")
		return
	}
	c.used = true
	openid, unionid := c.openid, c.unionid
	s.users[openid] = true
	s.active[openid] = now
	s.mu.Unlock()

	key := make([]byte, 16)
	_, _ = rand.Read(key)
	writeJSON(w, struct {
		OpenID     string `json:"openid"`
		SessionKey string `json:"session_key"`
		UnionID    string `json:"unionid,omitempty"`
	}{openid, base64.StdEncoding.EncodeToString(key), unionid})
}

type tokenResponse struct {
	AccessToken string `json:"access_token"`
	ExpiresIn   int64  `json:"expires_in"`
}

func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	appid := q.Get("appid")
	if code, ok := s.checkApp(q.Get("grant_type"), "client_credential", appid, q.Get("secret"), true); !ok {
		writeErr(w, code, "")
		return
	}
	s.mu.Lock()
	tok := s.mintLocked(appid, false)
	s.mu.Unlock()
	writeJSON(w, tokenResponse{tok, int64(s.opts.TokenTTL / time.Second)})
}

func (s *Server) handleStableToken(w http.ResponseWriter, r *http.Request) {
	var req struct {
		GrantType    string `json:"grant_type"`
		AppID        string `json:"appid"`
		Secret       string `json:"secret"`
		ForceRefresh bool   `json:"force_refresh"`
	}
	if !decodeBody(w, r, &req) {
		return
	}
	if code, ok := s.checkApp(req.GrantType, "client_credential", req.AppID, req.Secret, true); !ok {
		writeErr(w, code, "")
		return
	}
	s.mu.Lock()
	now := s.opts.Now()
	if !req.ForceRefresh {
		cur := s.stableToken[req.AppID]
		if t, ok := s.tokens[cur]; ok && !t.invalid && !t.superseded {
			if left := t.expires.Sub(now) / time.Second; left > 0 {
				tok := cur
				s.mu.Unlock()
				writeJSON(w, tokenResponse{tok, int64(left)})
				return
			}
		}
	}
	tok := s.mintLocked(req.AppID, true)
	s.mu.Unlock()
	writeJSON(w, tokenResponse{tok, int64(s.opts.TokenTTL / time.Second)})
}

// mintLocked issues app a new token of one kind, leaving app's previous one of
// that kind valid for the grace period only.
func (s *Server) mintLocked(app string, stable bool) string {
	now := s.opts.Now()
	for k, t := range s.tokens {
		// Expired tokens linger a day so they keep answering 42001 rather
		// than 40001, then go so a long-lived dev server does not grow.
		if now.After(t.expires.Add(24 * time.Hour)) {
			delete(s.tokens, k)
		}
	}
	cur := s.plainToken
	if stable {
		cur = s.stableToken
	}
	if old, ok := s.tokens[cur[app]]; ok && !old.superseded {
		old.superseded = true
		if g := now.Add(tokenGrace); g.Before(old.expires) {
			old.expires = g
		}
	}
	tok := randomString(96)
	s.tokens[tok] = &accessToken{app: app, stable: stable, expires: now.Add(s.opts.TokenTTL)}
	cur[app] = tok
	return tok
}

// checkToken answers the access_token error, if any, and reports whether the
// request may go on. A token issued to the other app is as unknown as a
// forged one (40001), which is what WeChat answers for a foreign token.
func (s *Server) checkToken(w http.ResponseWriter, r *http.Request, app string) bool {
	tok := r.URL.Query().Get("access_token")
	if tok == "" {
		writeErr(w, ErrAccessTokenMissing, "")
		return false
	}
	s.mu.Lock()
	now := s.opts.Now()
	var code int
	switch t, ok := s.tokens[tok]; {
	case !ok || t.invalid || t.app != app:
		code = ErrInvalidCredential
	case !now.Before(t.expires) && t.superseded:
		code = ErrInvalidCredential
	case !now.Before(t.expires):
		code = ErrAccessTokenExpired
	}
	s.mu.Unlock()
	if code != 0 {
		writeErr(w, code, "")
		return false
	}
	return true
}

func (s *Server) handlePhoneNumber(w http.ResponseWriter, r *http.Request) {
	if !s.checkToken(w, r, s.opts.AppID) {
		return
	}
	var req struct {
		Code string `json:"code"`
	}
	if !decodeBody(w, r, &req) {
		return
	}
	if req.Code == "" {
		writeErr(w, ErrDataFormat, "")
		return
	}
	s.mu.Lock()
	now := s.opts.Now()
	c, ok := s.phoneCodes[req.Code]
	if !ok || c.used || !now.Before(c.expires) {
		s.mu.Unlock()
		writeErr(w, ErrInvalidCode, "")
		return
	}
	c.used = true
	phone := c.phone
	s.mu.Unlock()

	country, pure := splitPhone(phone)
	type watermark struct {
		Timestamp int64  `json:"timestamp"`
		AppID     string `json:"appid"`
	}
	type phoneInfo struct {
		PhoneNumber     string    `json:"phoneNumber"`
		PurePhoneNumber string    `json:"purePhoneNumber"`
		CountryCode     string    `json:"countryCode"`
		Watermark       watermark `json:"watermark"`
	}
	writeJSON(w, struct {
		errBody
		PhoneInfo phoneInfo `json:"phone_info"`
	}{
		errBody{0, "ok"},
		phoneInfo{phone, pure, country, watermark{now.Unix(), s.opts.AppID}},
	})
}

// splitPhone separates "+CC rest" into its country code and national number;
// numbers without a "+" are mainland ones.
func splitPhone(phone string) (country, pure string) {
	if !strings.HasPrefix(phone, "+") {
		return "86", phone
	}
	rest := phone[1:]
	if i := strings.IndexAny(rest, " -"); i > 0 {
		return rest[:i], strings.NewReplacer(" ", "", "-", "").Replace(rest[i+1:])
	}
	return "", rest
}

func (s *Server) handleSubscribeSend(w http.ResponseWriter, r *http.Request) {
	if !s.checkToken(w, r, s.opts.AppID) {
		return
	}
	var req struct {
		ToUser     string `json:"touser"`
		TemplateID string `json:"template_id"`
		Page       string `json:"page"`
		Data       map[string]struct {
			Value json.RawMessage `json:"value"`
		} `json:"data"`
		MiniprogramState string `json:"miniprogram_state"`
		Lang             string `json:"lang"`
	}
	if !decodeBody(w, r, &req) {
		return
	}

	s.mu.Lock()
	keys, tmplOK := s.templates[req.TemplateID]
	userOK := s.users[req.ToUser]
	s.mu.Unlock()
	switch {
	case req.TemplateID == "" || !tmplOK:
		writeErr(w, ErrInvalidTemplateID, "")
		return
	case req.ToUser == "" || !userOK:
		writeErr(w, ErrInvalidOpenID, "")
		return
	}
	switch req.MiniprogramState {
	case "", "developer", "trial", "formal":
	default:
		writeErr(w, ErrArgumentInvalid, "argument invalid! miniprogram_state invalid")
		return
	}
	switch req.Lang {
	case "", "zh_CN", "en_US", "zh_HK", "zh_TW":
	default:
		writeErr(w, ErrArgumentInvalid, "argument invalid! lang invalid")
		return
	}
	if len(req.Data) == 0 {
		writeErr(w, ErrArgumentInvalid, "argument invalid! data is empty")
		return
	}
	allowed := make(map[string]bool, len(keys))
	for _, k := range keys {
		allowed[k] = true
	}
	data := make(map[string]string, len(req.Data))
	for _, k := range sortedKeys(req.Data) {
		v, ok := rawValue(req.Data[k].Value)
		if !allowed[k] || !ok || !ValidValue(k, v) {
			writeErr(w, ErrArgumentInvalid, "argument invalid! data."+k+".value invalid")
			return
		}
		data[k] = v
	}

	s.mu.Lock()
	ck := consentKey{req.ToUser, req.TemplateID}
	if !s.opts.ConsentAuto {
		if s.consent[ck] <= 0 {
			s.mu.Unlock()
			writeErr(w, ErrUserRefused, "")
			return
		}
		s.consent[ck]--
	}
	s.nextMsgID++
	msgID := s.nextMsgID
	s.sent = append(s.sent, SentMessage{
		ToUser:     req.ToUser,
		TemplateID: req.TemplateID,
		Page:       req.Page,
		Data:       data,
		State:      req.MiniprogramState,
		Lang:       req.Lang,
		MsgID:      msgID,
		Time:       s.opts.Now(),
	})
	s.mu.Unlock()
	writeJSON(w, struct {
		errBody
		MsgID int64 `json:"msgid"`
	}{errBody{0, "ok"}, msgID})
}

// rawValue turns a data item's value into the text WeChat would render: a
// string as is, a number as written; anything else is not a value.
func rawValue(raw json.RawMessage) (string, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "", false
	}
	switch c := raw[0]; {
	case c == '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", false
		}
		return s, true
	case c == '-' || (c >= '0' && c <= '9'):
		var n json.Number
		if err := json.Unmarshal(raw, &n); err != nil {
			return "", false
		}
		return n.String(), true
	}
	return "", false
}

const (
	labelNormal   = 100
	labelPolitics = 20001
	labelOther    = 21000
	maxContent    = 2500
)

type secDetail struct {
	Strategy string `json:"strategy"`
	ErrCode  int    `json:"errcode"`
	Suggest  string `json:"suggest"`
	Label    int    `json:"label"`
	Prob     int    `json:"prob,omitempty"`
	Level    int    `json:"level,omitempty"`
	Keyword  string `json:"keyword,omitempty"`
}

func (s *Server) handleMsgSecCheck(w http.ResponseWriter, r *http.Request) {
	if !s.checkToken(w, r, s.opts.AppID) {
		return
	}
	var req struct {
		OpenID    string `json:"openid"`
		Scene     int    `json:"scene"`
		Version   int    `json:"version"`
		Content   string `json:"content"`
		Nickname  string `json:"nickname"`
		Title     string `json:"title"`
		Signature string `json:"signature"`
	}
	if !decodeBody(w, r, &req) {
		return
	}
	switch {
	case req.Version != 2, req.Scene < 1 || req.Scene > 4:
		writeErr(w, ErrDataFormat, "")
		return
	case req.Content == "":
		writeErr(w, ErrEmptyContent, "")
		return
	case utf8.RuneCountInString(req.Content) > maxContent:
		writeErr(w, ErrDataFormat, "")
		return
	}

	s.mu.Lock()
	last, seen := s.active[req.OpenID]
	recent := seen && s.opts.Now().Sub(last) < activeWindow
	risky, review := s.risky, s.review
	s.mu.Unlock()
	if req.OpenID == "" || !recent {
		writeErr(w, ErrUserInvalid, "")
		return
	}

	text := strings.ToLower(strings.Join([]string{req.Content, req.Nickname, req.Title, req.Signature}, "\n"))
	suggest, label, hit := "pass", labelNormal, ""
	if word := firstHit(text, risky); word != "" {
		suggest, label, hit = "risky", labelPolitics, word
	} else if word := firstHit(text, review); word != "" {
		suggest, label, hit = "review", labelOther, word
	}
	details := []secDetail{{Strategy: "content_model", Suggest: suggest, Label: label, Prob: 90}}
	if hit != "" {
		details = append(details, secDetail{Strategy: "keyword", Suggest: suggest, Label: label, Level: 90, Keyword: hit})
	}
	type result struct {
		Suggest string `json:"suggest"`
		Label   int    `json:"label"`
	}
	writeJSON(w, struct {
		errBody
		Result  result      `json:"result"`
		Detail  []secDetail `json:"detail"`
		TraceID string      `json:"trace_id"`
	}{errBody{0, "ok"}, result{suggest, label}, details, randomHex(12)})
}

func firstHit(text string, words []string) string {
	for _, w := range words {
		if strings.Contains(text, w) {
			return w
		}
	}
	return ""
}
