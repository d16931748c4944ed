// Package wxfake is an in-memory stand-in for the WeChat server API at
// https://api.weixin.qq.com, as used by one mini program and one official
// account (公众号).
//
// It answers on WeChat's real paths with WeChat's real query parameters, JSON
// bodies and error codes, so that github.com/silenceper/wechat/v2 pointed at it
// cannot tell it from the real service. Dev setups and tests use it to log in,
// fetch phone numbers, send subscribe and template messages and check content
// without a real app, and to inject the failures WeChat is known for. It also
// plays WeChat's side of message push (消息推送): Deliver posts signed, optionally
// encrypted callback events to our server (see callbacks.go).
package wxfake

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"
)

// Defaults used when Options leaves a field zero. The app ids and secrets are
// the ones the dev configuration uses, so a zero Options matches a dev backend.
const (
	DefaultAppID    = "wxdev000000000000"
	DefaultSecret   = "devsecret"
	DefaultOAAppID  = "wxoadev00000000000"
	DefaultOASecret = "devoasecret"
	// DefaultMPOriginalID and DefaultOAOriginalID are the apps' original ids
	// (原始ID, "gh_" and 12 hex digits), which callback events carry as
	// ToUserName.
	DefaultMPOriginalID = "gh_0d0e0f000001"
	DefaultOAOriginalID = "gh_0a0c0c000002"
	DefaultTokenTTL     = 7200 * time.Second
	DefaultCodeTTL      = 5 * time.Minute
)

// Outage modes accepted by SetOutage.
const (
	OutageNone      = ""
	OutageBusy      = "busy"
	OutageRateLimit = "ratelimit"
	OutageHTTP502   = "http502"
	OutageHang      = "hang"
)

// WeChat API paths served by the fake; they are also the keys for Calls and
// FailNext.
const (
	PathJSCode2Session = "/sns/jscode2session"
	PathToken          = "/cgi-bin/token"
	PathStableToken    = "/cgi-bin/stable_token"
	PathPhoneNumber    = "/wxa/business/getuserphonenumber"
	PathSubscribeSend  = "/cgi-bin/message/subscribe/send"
	PathMsgSecCheck    = "/wxa/msg_sec_check"
	PathWXACodeUnlimit = "/wxa/getwxacodeunlimit"
	// Official account paths.
	PathOAUserInfo     = "/cgi-bin/user/info"
	PathOATemplateSend = "/cgi-bin/message/template/send"
)

// WeChat error codes the fake answers with.
const (
	ErrSystemBusy         = -1
	ErrInvalidCredential  = 40001
	ErrInvalidGrantType   = 40002
	ErrInvalidOpenID      = 40003
	ErrInvalidAppID       = 40013
	ErrInvalidCode        = 40029
	ErrInvalidTemplateID  = 40037
	ErrInvalidScene       = 40129
	ErrInvalidSceneLength = 40169
	ErrInvalidURL         = 40066
	ErrInvalidAppSecret   = 40125
	ErrCodeUsed           = 40163
	ErrAccessTokenMissing = 41001
	ErrAppIDMissing       = 41002
	ErrAppSecretMissing   = 41004
	ErrCodeMissing        = 41008
	ErrAccessTokenExpired = 42001
	ErrRequireGET         = 43001
	ErrRequirePOST        = 43002
	ErrRequireSubscribe   = 43004
	ErrUserRefused        = 43101
	ErrInvalidPage        = 41030
	ErrEmptyPostData      = 44002
	ErrEmptyContent       = 44004
	ErrRateLimited        = 45011
	ErrDataFormat         = 47001
	ErrArgumentInvalid    = 47003
	ErrUserInvalid        = 61010
)

// errMsgs holds WeChat's wording, so FailNext callers may omit the message.
var errMsgs = map[int]string{
	ErrSystemBusy:         "system error",
	ErrInvalidCredential:  "invalid credential, access_token is invalid or not latest",
	ErrInvalidGrantType:   "invalid grant_type",
	ErrInvalidOpenID:      "invalid openid",
	ErrInvalidAppID:       "invalid appid",
	ErrInvalidCode:        "invalid code",
	ErrInvalidTemplateID:  "invalid template_id",
	ErrInvalidScene:       "invalid scene",
	ErrInvalidSceneLength: "invalid length for scene, or the data is not json",
	ErrInvalidPage:        "invalid page rid: 0",
	ErrInvalidURL:         "invalid url",
	ErrInvalidAppSecret:   "invalid appsecret",
	ErrCodeUsed:           "code been used",
	ErrAccessTokenMissing: "access_token missing",
	ErrAppIDMissing:       "appid missing",
	ErrAppSecretMissing:   "appsecret missing",
	ErrCodeMissing:        "missing code",
	ErrAccessTokenExpired: "access_token expired",
	ErrRequireGET:         "require GET method",
	ErrRequirePOST:        "require POST method",
	ErrRequireSubscribe:   "require subscribe",
	ErrUserRefused:        "user refuse to accept the msg",
	ErrEmptyPostData:      "empty post data",
	ErrEmptyContent:       "empty content",
	ErrRateLimited:        "api minute-quota reach limit mustslower retry next minute",
	ErrDataFormat:         "data format error",
	ErrArgumentInvalid:    "argument invalid!",
	ErrUserInvalid:        "user is not valid",
}

const (
	// tokenGrace is how long WeChat keeps honouring a token after a newer one
	// has been minted, so that callers mid-flight are not broken by a refresh.
	tokenGrace = 5 * time.Minute
	// activeWindow is how recently a user must have opened the mini program for
	// msg_sec_check to accept their openid.
	activeWindow = 2 * time.Hour
	// defaultMaxHang bounds the "hang" outage so a client without a timeout
	// cannot pin a handler forever.
	defaultMaxHang = 60 * time.Second
	// maxBody bounds request bodies; real payloads are a few KiB at most.
	maxBody = 1 << 20
	// defaultPhone is handed out when a phone code is issued without a number.
	defaultPhone = "13800138000"
)

// Options configures a Server. Zero fields take the Default* values.
type Options struct {
	// AppID and Secret are the mini program's credentials.
	AppID, Secret string
	// OAAppID and OASecret are the official account's credentials. They and
	// the mini program's are the only ones the fake accepts; a token belongs
	// to the app it was issued for.
	OAAppID, OASecret string
	// MPOriginalID and OAOriginalID are the apps' original ids (原始ID), the
	// ToUserName of the callback events the fake builds for them.
	MPOriginalID, OAOriginalID string
	// TokenTTL is the lifetime of access tokens (WeChat: 7200 s).
	TokenTTL time.Duration
	// CodeTTL is the lifetime of login and phone codes (WeChat: 5 min).
	CodeTTL time.Duration
	// Now is the clock every expiry is judged by; tests inject a fake one.
	Now func() time.Time
	// ConsentAuto accepts every subscribe send to a known user for a registered template, as if
	// the user had tapped "allow" each time, and never spends or answers 43101 for want of
	// consent. A real user's consent reaches WeChat through the phone's WeChat client, which
	// the stand-in never sees (the mini program reports it to our server only), so in dev
	// (`make run`) the stand-in would otherwise refuse the first send and the server would zero
	// the consents it holds. Off, consents are counted (GrantConsent, POST /__fake/consent),
	// which is what tests of 43101 need.
	ConsentAuto bool
}

// SentMessage is a subscribe message the fake accepted.
type SentMessage struct {
	ToUser     string            `json:"touser"`
	TemplateID string            `json:"template_id"`
	Page       string            `json:"page,omitempty"`
	Data       map[string]string `json:"data"`
	State      string            `json:"miniprogram_state,omitempty"`
	Lang       string            `json:"lang,omitempty"`
	MsgID      int64             `json:"msgid"`
	Time       time.Time         `json:"time"`
}

type loginCode struct {
	openid, unionid string
	expires         time.Time
	used            bool
}

type phoneCode struct {
	phone   string
	expires time.Time
	used    bool
}

type accessToken struct {
	// app is the app id the token was issued for.
	app    string
	stable bool
	// expires is pulled forward to the end of the grace period once a newer
	// token of the same kind exists.
	expires    time.Time
	superseded bool
	invalid    bool
}

type consentKey struct{ openid, templateID string }

type failure struct {
	code int
	msg  string
}

// Server is the fake WeChat API. It implements http.Handler and is safe for
// concurrent use.
type Server struct {
	opts    Options
	maxHang time.Duration
	routes  map[string]route

	mu         sync.Mutex
	loginCodes map[string]*loginCode
	phoneCodes map[string]*phoneCode
	// loginSweepAt and phoneSweepAt are the map sizes at which expired codes are next swept.
	loginSweepAt, phoneSweepAt int
	tokens                     map[string]*accessToken
	// plainToken and stableToken hold each app's newest token of each kind,
	// keyed by app id.
	plainToken, stableToken map[string]string
	users                   map[string]bool
	active                  map[string]time.Time
	templates               map[string][]string
	consent                 map[consentKey]int
	risky                   []string
	review                  []string
	sent                    []SentMessage
	nextMsgID               int64
	calls                   map[string]int
	outage                  string
	// release is closed whenever the outage mode changes, waking requests
	// parked by the "hang" outage.
	release  chan struct{}
	failures map[string][]failure
	wxaCodes []WXACode

	followers       map[string]*follower // by OA openid
	followerOrder   []string
	followerByUnion map[string]string // unionid → OA openid
	oaTemplates     map[string][]string
	oaSent          []OATemplateMessage
}

type route struct {
	method  string
	handler func(http.ResponseWriter, *http.Request)
}

// New returns a Server with no templates, consents or tokens.
func New(opts Options) *Server {
	if opts.AppID == "" {
		opts.AppID = DefaultAppID
	}
	if opts.Secret == "" {
		opts.Secret = DefaultSecret
	}
	if opts.OAAppID == "" {
		opts.OAAppID = DefaultOAAppID
	}
	if opts.OASecret == "" {
		opts.OASecret = DefaultOASecret
	}
	if opts.MPOriginalID == "" {
		opts.MPOriginalID = DefaultMPOriginalID
	}
	if opts.OAOriginalID == "" {
		opts.OAOriginalID = DefaultOAOriginalID
	}
	if opts.TokenTTL <= 0 {
		opts.TokenTTL = DefaultTokenTTL
	}
	if opts.CodeTTL <= 0 {
		opts.CodeTTL = DefaultCodeTTL
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Server{
		opts:       opts,
		maxHang:    defaultMaxHang,
		loginCodes: map[string]*loginCode{}, loginSweepAt: 1024, phoneSweepAt: 1024,
		phoneCodes: map[string]*phoneCode{},
		tokens:     map[string]*accessToken{},
		plainToken: map[string]string{}, stableToken: map[string]string{},
		users:     map[string]bool{},
		active:    map[string]time.Time{},
		templates: map[string][]string{},
		consent:   map[consentKey]int{},
		calls:     map[string]int{},
		release:   make(chan struct{}),
		failures:  map[string][]failure{},
		nextMsgID: 3000000000,
		followers: map[string]*follower{}, followerByUnion: map[string]string{},
		oaTemplates: map[string][]string{},
	}
	s.routes = map[string]route{
		PathJSCode2Session: {http.MethodGet, s.handleJSCode2Session},
		PathToken:          {http.MethodGet, s.handleToken},
		PathStableToken:    {http.MethodPost, s.handleStableToken},
		PathPhoneNumber:    {http.MethodPost, s.handlePhoneNumber},
		PathSubscribeSend:  {http.MethodPost, s.handleSubscribeSend},
		PathMsgSecCheck:    {http.MethodPost, s.handleMsgSecCheck},
		PathWXACodeUnlimit: {http.MethodPost, s.handleWXACodeUnlimit},
		PathOAUserInfo:     {http.MethodGet, s.handleOAUserInfo},
		PathOATemplateSend: {http.MethodPost, s.handleOATemplateSend},
	}
	return s
}

// ServeHTTP dispatches admin requests under /__fake/ and WeChat API requests.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, adminPrefix) || r.URL.Path == strings.TrimSuffix(adminPrefix, "/") {
		s.serveAdmin(w, r)
		return
	}
	path := r.URL.Path
	s.mu.Lock()
	s.calls[path]++
	s.mu.Unlock()

	if !s.passOutage(w, r) {
		return
	}
	if f, ok := s.takeFailure(path); ok {
		writeErr(w, f.code, f.msg)
		return
	}
	rt, ok := s.routes[path]
	if !ok {
		// The SDK reports any non-200 as a transport error, which is what a
		// typo in a path deserves.
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(http.StatusNotFound)
		_, _ = io.WriteString(w, `{"errcode":40066,"errmsg":"invalid url"}`)
		return
	}
	if r.Method != rt.method {
		if rt.method == http.MethodGet {
			writeErr(w, ErrRequireGET, "")
		} else {
			writeErr(w, ErrRequirePOST, "")
		}
		return
	}
	rt.handler(w, r)
}

// passOutage applies the current outage mode and reports whether the request
// may proceed to normal handling.
func (s *Server) passOutage(w http.ResponseWriter, r *http.Request) bool {
	for {
		s.mu.Lock()
		mode, release := s.outage, s.release
		s.mu.Unlock()
		switch mode {
		case OutageBusy:
			writeErr(w, ErrSystemBusy, "")
			return false
		case OutageRateLimit:
			writeErr(w, ErrRateLimited, "")
			return false
		case OutageHTTP502:
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusBadGateway)
			_, _ = io.WriteString(w, "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n")
			return false
		case OutageHang:
			timer := time.NewTimer(s.maxHang)
			select {
			case <-r.Context().Done():
				// Usually the client is gone and this goes nowhere; at server
				// shutdown it tells a still-waiting client the truth.
				timer.Stop()
				w.Header().Set("Content-Type", "text/html")
				w.WriteHeader(http.StatusServiceUnavailable)
				_, _ = io.WriteString(w, "<html><head><title>503 Service Unavailable</title></head><body><center><h1>503 Service Unavailable</h1></center></body></html>\r\n")
				return false
			case <-timer.C:
				w.Header().Set("Content-Type", "text/html")
				w.WriteHeader(http.StatusGatewayTimeout)
				_, _ = io.WriteString(w, "<html><head><title>504 Gateway Time-out</title></head><body><center><h1>504 Gateway Time-out</h1></center></body></html>\r\n")
				return false
			case <-release:
				// The mode changed while parked: behave as the new mode says,
				// which makes a lifted hang look like a slow answer.
				timer.Stop()
				continue
			}
		default:
			return true
		}
	}
}

func (s *Server) takeFailure(path string) (failure, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.failures[path]
	if len(q) == 0 {
		return failure{}, false
	}
	f := q[0]
	if len(q) == 1 {
		delete(s.failures, path)
	} else {
		s.failures[path] = q[1:]
	}
	return f, true
}

// SetOutage switches every WeChat endpoint into a failure mode: OutageNone,
// OutageBusy, OutageRateLimit, OutageHTTP502 or OutageHang. It panics on any
// other mode because that is a bug in the calling test.
func (s *Server) SetOutage(mode string) {
	if !validOutage(mode) {
		panic("wxfake: unknown outage mode " + mode)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.setOutageLocked(mode)
}

// Outage reports the current outage mode.
func (s *Server) Outage() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.outage
}

func (s *Server) setOutageLocked(mode string) {
	if mode == s.outage {
		return
	}
	s.outage = mode
	close(s.release)
	s.release = make(chan struct{})
}

func validOutage(mode string) bool {
	switch mode {
	case OutageNone, OutageBusy, OutageRateLimit, OutageHTTP502, OutageHang:
		return true
	}
	return false
}

// InvalidateTokens makes every access token issued so far, stable or not, of
// either app, answer 40001, as WeChat does after the secret is reset in the
// console.
func (s *Server) InvalidateTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range s.tokens {
		t.invalid = true
	}
	clear(s.plainToken)
	clear(s.stableToken)
}

// FailNext makes the next request to path answer errcode/errmsg once. Calls
// queue up per path. An empty errmsg takes WeChat's usual wording.
func (s *Server) FailNext(path string, errcode int, errmsg string) {
	if errmsg == "" {
		errmsg = errMsgs[errcode]
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures[path] = append(s.failures[path], failure{errcode, errmsg})
}

// IssueLoginCode returns a fresh single-use js_code that jscode2session turns
// into openid (and unionid, when not empty). An empty openid gets a random one.
func (s *Server) IssueLoginCode(openid, unionid string) string {
	code, _ := s.issueLoginCode(openid, unionid)
	return code
}

func (s *Server) issueLoginCode(openid, unionid string) (code, resolvedOpenID string) {
	if openid == "" {
		openid = randomOpenID()
	}
	code = randomString(24)
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.opts.Now()
	if len(s.loginCodes) > s.loginSweepAt {
		for k, c := range s.loginCodes {
			if !now.Before(c.expires) {
				delete(s.loginCodes, k)
			}
		}
		// The next sweep waits until the map doubles, so minting stays O(1) amortised.
		s.loginSweepAt = max(1024, 2*len(s.loginCodes))
	}
	s.loginCodes[code] = &loginCode{openid: openid, unionid: unionid, expires: now.Add(s.opts.CodeTTL)}
	s.users[openid] = true
	return code, openid
}

// IssuePhoneCode returns a fresh single-use code for getuserphonenumber. The
// phone may carry a country code as "+CC rest" or "+CC-rest"; without one it
// is taken as a mainland number. An empty phone means 13800138000.
func (s *Server) IssuePhoneCode(phone string) string {
	if phone == "" {
		phone = defaultPhone
	}
	code := randomString(24)
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.opts.Now()
	if len(s.phoneCodes) > s.phoneSweepAt {
		for k, c := range s.phoneCodes {
			if !now.Before(c.expires) {
				delete(s.phoneCodes, k)
			}
		}
		s.phoneSweepAt = max(1024, 2*len(s.phoneCodes))
	}
	s.phoneCodes[code] = &phoneCode{phone: phone, expires: now.Add(s.opts.CodeTTL)}
	return code
}

// RegisterTemplate declares a subscribe template and its data keys, such as
// "thing1" or "time3". Registering an id again replaces its keys.
func (s *Server) RegisterTemplate(id string, keys ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.templates[id] = append([]string(nil), keys...)
}

// Templates returns the registered templates and their keys.
func (s *Server) Templates() map[string][]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string][]string, len(s.templates))
	for id, keys := range s.templates {
		out[id] = append([]string(nil), keys...)
	}
	return out
}

// GrantConsent adds n one-time subscriptions of openid to templateID, as if
// the user had tapped "allow" n times; it also makes openid a known user.
func (s *Server) GrantConsent(openid, templateID string, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[openid] = true
	k := consentKey{openid, templateID}
	s.consent[k] = max(s.consent[k]+n, 0)
}

// Consent reports how many subscriptions of openid to templateID are left.
func (s *Server) Consent(openid, templateID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.consent[consentKey{openid, templateID}]
}

// MarkActive records openid as having just opened the mini program, which
// msg_sec_check requires, without going through a login.
func (s *Server) MarkActive(openid string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[openid] = true
	s.active[openid] = s.opts.Now()
}

// SetRiskyWords replaces the words that make msg_sec_check answer "risky".
func (s *Server) SetRiskyWords(words ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.risky = normalizeWords(words)
}

// SetReviewWords replaces the words that make msg_sec_check answer "review".
func (s *Server) SetReviewWords(words ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.review = normalizeWords(words)
}

func normalizeWords(words []string) []string {
	var out []string
	for _, w := range words {
		if w = strings.ToLower(strings.TrimSpace(w)); w != "" {
			out = append(out, w)
		}
	}
	return out
}

// Sent returns a copy of the subscribe messages accepted so far, oldest first.
func (s *Server) Sent() []SentMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]SentMessage, len(s.sent))
	for i, m := range s.sent {
		m.Data = cloneMap(m.Data)
		out[i] = m
	}
	return out
}

// Calls reports how many requests path received since New or the last Reset,
// including those answered by an outage or FailNext.
func (s *Server) Calls(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[path]
}

// AllCalls returns the request count of every WeChat path seen.
func (s *Server) AllCalls() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return cloneMap(s.calls)
}

// Reset lifts the outage, drops pending FailNext errors and zeroes the call
// counters. Tokens, codes, templates, consents, sent messages, followers, OA
// templates and OA messages survive, so a test can reset fault state
// mid-scenario.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.setOutageLocked(OutageNone)
	s.failures = map[string][]failure{}
	s.calls = map[string]int{}
}

func cloneMap[V any](m map[string]V) map[string]V {
	out := make(map[string]V, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// randomString returns n random bytes as unpadded base64url, long enough to
// be unguessable for codes and tokens.
func randomString(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// randomOpenID mimics WeChat's 28-character openids starting with "o".
func randomOpenID() string {
	return "o" + randomString(20)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// writeJSON answers HTTP 200 like WeChat does for successes and errors alike.
func writeJSON(w http.ResponseWriter, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_, _ = w.Write(b)
}

type errBody struct {
	ErrCode int    `json:"errcode"`
	ErrMsg  string `json:"errmsg"`
}

func writeErr(w http.ResponseWriter, code int, msg string) {
	if msg == "" {
		msg = errMsgs[code]
	}
	writeJSON(w, errBody{code, msg})
}

// decodeBody reads a JSON request body, answering WeChat's errors for an
// empty or malformed one.
func decodeBody(w http.ResponseWriter, r *http.Request, v any) bool {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeErr(w, ErrDataFormat, "")
		}
		return false
	}
	if len(strings.TrimSpace(string(body))) == 0 {
		writeErr(w, ErrEmptyPostData, "")
		return false
	}
	if err := json.Unmarshal(body, v); err != nil {
		writeErr(w, ErrDataFormat, "")
		return false
	}
	return true
}
