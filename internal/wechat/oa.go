package wechat

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/silenceper/wechat/v2/credential"
	"github.com/silenceper/wechat/v2/officialaccount"
	oaconfig "github.com/silenceper/wechat/v2/officialaccount/config"
	oamessage "github.com/silenceper/wechat/v2/officialaccount/message"
)

// ErrNotFollowing: the official account's template message went to someone who no longer
// follows the account (43004).
var ErrNotFollowing = errors.New("wechat: not following the official account")

// OAOptions configures the district's official account (公众号). An empty AppID means there is
// none: NewOA returns nil and notices go without official-account messages.
type OAOptions struct {
	AppID, Secret string
	// Token and EncodingAESKey sign and encrypt its message push (/wechat/oa/callback).
	Token, EncodingAESKey string
	// MiniProgramAppID is the mini program a template message opens (bound to the account).
	MiniProgramAppID string
	Redis            redis.UniversalClient
	KeyPrefix        string
	Log              *slog.Logger
}

// OA calls WeChat for the official account, through the SDK's officialaccount package. The
// HTTP client and base address are the ones New installed.
type OA struct {
	oa    *officialaccount.OfficialAccount
	inner *Client // token handling shared with the mini program's client
	appID string
	mpApp string
	keys  CallbackKeys
}

// NewOA returns the official account's client, or nil when o.AppID is empty.
func NewOA(o OAOptions) *OA {
	if o.AppID == "" {
		return nil
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	cache := &redisCache{rdb: o.Redis, prefix: o.KeyPrefix + "wx:", log: o.Log}
	oa := officialaccount.NewOfficialAccount(&oaconfig.Config{AppID: o.AppID, AppSecret: o.Secret, Token: o.Token,
		EncodingAESKey: o.EncodingAESKey, Cache: cache, UseStableAK: true})
	inner := &Client{cache: cache, appID: o.AppID, log: o.Log,
		tokenKeyFn: func() string {
			return fmt.Sprintf("%s_stable_access_token_%s", credential.CacheKeyOfficialAccountPrefix, o.AppID)
		}}
	return &OA{oa: oa, inner: inner, appID: o.AppID, mpApp: o.MiniProgramAppID,
		keys: CallbackKeys{Token: o.Token, EncodingAESKey: o.EncodingAESKey, AppID: o.AppID}}
}

// OAMessage is a template message of the official account that opens a mini-program page.
type OAMessage struct {
	ToOpenID   string
	TemplateID string
	PagePath   string
	Data       map[string]string
}

// SendTemplate sends a template message and returns WeChat's msgid.
func (o *OA) SendTemplate(ctx context.Context, m OAMessage) (int64, error) {
	data := make(map[string]*oamessage.TemplateDataItem, len(m.Data))
	for k, v := range m.Data {
		data[k] = &oamessage.TemplateDataItem{Value: v}
	}
	msg := &oamessage.TemplateMessage{ToUser: m.ToOpenID, TemplateID: m.TemplateID, Data: data}
	if m.PagePath != "" && o.mpApp != "" {
		msg.MiniProgram.AppID, msg.MiniProgram.PagePath = o.mpApp, m.PagePath
	}
	var id int64
	err := o.inner.withToken(ctx, "template.send", func() error {
		var err error
		id, err = o.oa.GetTemplate().Send(msg)
		return err
	})
	return id, err
}

// Follower is what the account knows of one of its users.
type Follower struct {
	OpenID    string
	UnionID   string
	Following bool
}

// UserInfo asks who the account's openid is: the unionid that links them to the mini program.
func (o *OA) UserInfo(ctx context.Context, openID string) (Follower, error) {
	var f Follower
	err := o.inner.withToken(ctx, "user.info", func() error {
		info, err := o.oa.GetUser().GetUserInfo(openID)
		if err != nil {
			return err
		}
		f = Follower{OpenID: info.OpenID, UnionID: info.UnionID, Following: info.Subscribe == 1}
		return nil
	})
	return f, err
}

// OAEvent is a follow or unfollow of the official account.
type OAEvent struct {
	Event      string // subscribe, unsubscribe, or another event (ignored)
	OpenID     string
	CreateTime int64
}

// Official-account events we act on.
const (
	EventFollow   = string(oamessage.EventSubscribe)
	EventUnfollow = string(oamessage.EventUnsubscribe)
)

// CallbackKeys are the account's message-push keys.
func (o *OA) CallbackKeys() CallbackKeys { return o.keys }

// ServeCallback serves the account's message push through the SDK's server (signature,
// encrypted mode, URL verification), calling handle for each event. When handle fails, WeChat
// gets a 503 and pushes the event again.
func (o *OA) ServeCallback(w http.ResponseWriter, r *http.Request, now time.Time, handle func(OAEvent) error) error {
	q := queryOf(r)
	if err := verifySignature(o.keys.Token, q, now); err != nil {
		return err
	}
	if r.Method == http.MethodPost {
		r.Body = http.MaxBytesReader(w, r.Body, maxCallbackBody)
	}
	buf := &bufferedWriter{header: http.Header{}}
	srv := o.oa.GetServer(r, buf)
	var handleErr error
	srv.SetMessageHandler(func(m *oamessage.MixMessage) *oamessage.Reply {
		if m.MsgType == oamessage.MsgTypeEvent {
			handleErr = handle(OAEvent{Event: string(m.Event), OpenID: string(m.FromUserName), CreateTime: m.CreateTime})
		}
		return nil
	})
	if err := srv.Serve(); err != nil {
		return fmt.Errorf("%w: %s", ErrCallbackBody, Redact(err.Error()))
	}
	if handleErr != nil {
		return handleErr
	}
	for k, v := range buf.header {
		w.Header()[k] = v
	}
	if buf.buf.Len() == 0 {
		_, _ = w.Write([]byte("success"))
		return nil
	}
	_, _ = w.Write(buf.buf.Bytes())
	return nil
}

// bufferedWriter holds what the SDK's server writes until we know the handler succeeded.
type bufferedWriter struct {
	header http.Header
	buf    bytes.Buffer
}

func (b *bufferedWriter) Header() http.Header         { return b.header }
func (b *bufferedWriter) Write(p []byte) (int, error) { return b.buf.Write(p) }
func (b *bufferedWriter) WriteHeader(int)             {}
