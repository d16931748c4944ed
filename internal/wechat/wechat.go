// Package wechat is the only place that talks to WeChat, always through the
// github.com/silenceper/wechat/v2 SDK. It turns WeChat's answers into our sentinel errors, keeps
// the access token in Redis, and holds no business rules.
package wechat

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/silenceper/wechat/v2/credential"
	"github.com/silenceper/wechat/v2/miniprogram"
	mpconfig "github.com/silenceper/wechat/v2/miniprogram/config"
	"github.com/silenceper/wechat/v2/miniprogram/security"
	"github.com/silenceper/wechat/v2/miniprogram/subscribe"
	"github.com/silenceper/wechat/v2/util"
)

// Errors that callers branch on.
var (
	// ErrCodeInvalid: the wx.login or getPhoneNumber code is unknown, expired or already used.
	ErrCodeInvalid = errors.New("wechat: code invalid or used")
	// ErrUnavailable: WeChat is unreachable, busy, rate-limiting us, or refused our credentials.
	ErrUnavailable = errors.New("wechat: unavailable")
	// ErrNoConsent: the user has no subscribe-message consent left for the template (43101).
	ErrNoConsent = errors.New("wechat: no subscription consent")
	// ErrInvalidArgument: WeChat rejected a value we sent (47003, 40003, 40037...).
	ErrInvalidArgument = errors.New("wechat: invalid argument")
	// ErrUserInactive: msg_sec_check needs a user who used the mini program in the last 2 hours.
	ErrUserInactive = errors.New("wechat: user not recently active")
)

// APIError is an errcode WeChat answered with; it wraps one of the sentinels above.
type APIError struct {
	API     string
	Code    int64
	Message string
	kind    error
}

func (e *APIError) Error() string {
	return fmt.Sprintf("wechat %s: errcode=%d errmsg=%s", e.API, e.Code, Redact(e.Message))
}

// Unwrap returns the sentinel the code maps to.
func (e *APIError) Unwrap() error { return e.kind }

// Options configures a Client.
type Options struct {
	AppID     string
	Secret    string
	APIBase   string
	Timeout   time.Duration
	State     string // miniprogram_state of subscribe messages: developer, trial or formal
	Redis     redis.UniversalClient
	KeyPrefix string
	Log       *slog.Logger
}

// Client calls WeChat for one mini program.
type Client struct {
	mp    *miniprogram.MiniProgram
	cache *redisCache
	appID string
	state string
	log   *slog.Logger
	// tokenKeyFn names the cached token when it is not the mini program's (the official account).
	tokenKeyFn func() string
}

// New returns a Client and points the SDK's HTTP client at opts.APIBase (see InstallHTTPClient).
func New(opts Options) *Client {
	InstallHTTPClient(opts.APIBase, opts.Timeout)
	cache := &redisCache{rdb: opts.Redis, prefix: opts.KeyPrefix + "wx:", log: opts.Log}
	mp := miniprogram.NewMiniProgram(&mpconfig.Config{AppID: opts.AppID, AppSecret: opts.Secret, Cache: cache, UseStableAK: true})
	return &Client{mp: mp, cache: cache, appID: opts.AppID, state: opts.State, log: opts.Log}
}

// Session is the answer of code2session. SessionKey must never leave the server.
type Session struct {
	OpenID     string
	UnionID    string
	SessionKey string
}

// Code2Session exchanges a wx.login code for the user's openid and session key.
func (c *Client) Code2Session(ctx context.Context, code string) (Session, error) {
	if code == "" || len(code) > 128 {
		return Session{}, ErrCodeInvalid
	}
	res, err := c.mp.GetAuth().Code2SessionContext(ctx, code)
	if res.ErrCode != 0 {
		return Session{}, c.apiError("jscode2session", res.ErrCode, res.ErrMsg)
	}
	if err != nil {
		return Session{}, c.transportError("jscode2session", err)
	}
	if res.OpenID == "" {
		return Session{}, c.transportError("jscode2session", errors.New("empty openid"))
	}
	return Session{OpenID: res.OpenID, UnionID: res.UnionID, SessionKey: res.SessionKey}, nil
}

// PhoneNumber exchanges a getPhoneNumber code for the user's phone number (without country code
// for mainland numbers).
func (c *Client) PhoneNumber(ctx context.Context, code string) (string, error) {
	if code == "" || len(code) > 128 {
		return "", ErrCodeInvalid
	}
	var phone string
	err := c.withToken(ctx, "getuserphonenumber", func() error {
		res, err := c.mp.GetAuth().GetPhoneNumberContext(ctx, code)
		if err != nil {
			return err
		}
		phone = res.PhoneInfo.PurePhoneNumber
		if res.PhoneInfo.CountryCode != "" && res.PhoneInfo.CountryCode != "86" {
			phone = "+" + res.PhoneInfo.CountryCode + phone
		}
		return nil
	})
	return phone, err
}

// Message is a subscribe message. Data maps a template key (thing1, time2...) to its value.
type Message struct {
	ToOpenID   string
	TemplateID string
	Page       string
	Data       map[string]string
}

// SendSubscribe sends a subscribe message. miniprogram_state and lang are always set: the SDK
// sends them even when empty, and WeChat rejects empty ones.
func (c *Client) SendSubscribe(ctx context.Context, m Message) error {
	data := make(map[string]*subscribe.DataItem, len(m.Data))
	for k, v := range m.Data {
		data[k] = &subscribe.DataItem{Value: v}
	}
	msg := &subscribe.Message{ToUser: m.ToOpenID, TemplateID: m.TemplateID, Page: m.Page, Data: data,
		MiniprogramState: c.state, Lang: "zh_CN"}
	return c.withToken(ctx, "subscribe.send", func() error { return c.mp.GetSubscribe().Send(msg) })
}

// SendSubscribeID sends a subscribe message like SendSubscribe and returns WeChat's msgid,
// which subscribe_msg_sent_event later reports the delivery of.
func (c *Client) SendSubscribeID(ctx context.Context, m Message) (int64, error) {
	data := make(map[string]*subscribe.DataItem, len(m.Data))
	for k, v := range m.Data {
		data[k] = &subscribe.DataItem{Value: v}
	}
	msg := &subscribe.Message{ToUser: m.ToOpenID, TemplateID: m.TemplateID, Page: m.Page, Data: data,
		MiniprogramState: c.state, Lang: "zh_CN"}
	var id int64
	err := c.withToken(ctx, "subscribe.send", func() error {
		var err error
		id, err = c.mp.GetSubscribe().SendGetMsgID(msg)
		return err
	})
	return id, err
}

// Verdict is msg_sec_check's suggestion: pass, review or risky.
type Verdict string

// Verdicts.
const (
	VerdictPass   Verdict = "pass"
	VerdictReview Verdict = "review"
	VerdictRisky  Verdict = "risky"
)

// CheckText asks msg_sec_check (v2) about text a user typed. WeChat answers errcode 0 even for
// risky text: the decision is in the verdict.
func (c *Client) CheckText(ctx context.Context, openID, text string) (Verdict, error) {
	var v Verdict
	err := c.withToken(ctx, "msg_sec_check", func() error {
		res, err := c.mp.GetSecurity().MsgCheckContext(ctx, &security.MsgCheckRequest{OpenID: openID, Scene: 1, Content: text})
		if err != nil {
			return err
		}
		v = Verdict(res.Result.Suggest)
		return nil
	})
	if err == nil && v != VerdictPass && v != VerdictReview && v != VerdictRisky {
		return VerdictReview, nil
	}
	return v, err
}

// staleToken are the errcodes that mean our cached access token is no longer accepted.
func staleToken(code int64) bool { return code == 40001 || code == 42001 || code == 40014 }

// withToken runs an access-token call; when WeChat says the token is stale it drops the cached
// token and tries once more, since the SDK itself never does.
func (c *Client) withToken(ctx context.Context, api string, call func() error) error {
	for attempt := 0; ; attempt++ {
		err := call()
		if err == nil {
			return nil
		}
		var ce *util.CommonError
		if !errors.As(err, &ce) {
			if code, msg, ok := parseErrcode(err.Error()); ok {
				ce = util.NewCommonError(api, code, msg)
			} else {
				return c.transportError(api, err)
			}
		}
		if staleToken(ce.ErrCode) && attempt == 0 {
			c.log.WarnContext(ctx, "wechat access token rejected; refreshing", "api", api, "errcode", ce.ErrCode)
			if err := c.cache.DeleteContext(ctx, c.tokenKey()); err != nil {
				c.log.WarnContext(ctx, "wechat stale access token not deleted from the cache; the retry may reuse it", "api", api, "err", err)
			}
			continue
		}
		return c.apiError(api, ce.ErrCode, ce.ErrMsg)
	}
}

// tokenKey is the cache key the SDK's stable-token handle uses.
func (c *Client) tokenKey() string {
	if c.tokenKeyFn != nil {
		return c.tokenKeyFn()
	}
	return fmt.Sprintf("%s_stable_access_token_%s", credential.CacheKeyMiniProgramPrefix, c.appID)
}

// errcodeRE reads errcodes out of the SDK errors that are plain fmt.Errorf (token fetch,
// SendGetMsgID): "errcode=40013 , errmsg=invalid appid".
var errcodeRE = regexp.MustCompile(`errcode=(-?\d+)\s*,\s*(?:errmsg|errormsg)=(.*)$`)

func parseErrcode(s string) (int64, string, bool) {
	m := errcodeRE.FindStringSubmatch(s)
	if m == nil {
		return 0, "", false
	}
	code, err := strconv.ParseInt(m[1], 10, 64)
	if err != nil {
		return 0, "", false
	}
	return code, strings.TrimSpace(m[2]), true
}

func (c *Client) apiError(api string, code int64, msg string) error {
	var kind error
	switch code {
	case 40029, 40163, 40226, 40079:
		kind = ErrCodeInvalid
	case 43101:
		kind = ErrNoConsent
	case 47003, 47001, 40003, 40037, 41030, 40129, 40169, 40097:
		kind = ErrInvalidArgument
	case 61010:
		kind = ErrUserInactive
	case 43004:
		kind = ErrNotFollowing
	default:
		// -1 system busy, 45009/45011 quota, 40013/40125/40164 our own credentials or IP: none is
		// the user's fault, and none is fixed by the user retrying the same code.
		kind = ErrUnavailable
	}
	e := &APIError{API: api, Code: code, Message: msg, kind: kind}
	level := slog.LevelWarn
	if code == 40013 || code == 40125 || code == 40164 || code == 41002 || code == 41004 {
		level = slog.LevelError // misconfiguration: someone must act
	}
	c.log.Log(context.Background(), level, "wechat api error", "api", api, "errcode", code, "errmsg", Redact(msg))
	return e
}

func (c *Client) transportError(api string, err error) error {
	msg := Redact(err.Error())
	c.log.Warn("wechat unreachable", "api", api, "error", msg)
	return fmt.Errorf("%w: %s: %s", ErrUnavailable, api, msg)
}

var secretRE = regexp.MustCompile(`((?:secret|access_token|js_code|appsecret|session_key)=)[^&\s"]*`)

// Redact hides credentials that the SDK puts into URLs and error messages.
func Redact(s string) string { return secretRE.ReplaceAllString(s, "${1}REDACTED") }
