package wechat

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/silenceper/wechat/v2/cache"
	"github.com/silenceper/wechat/v2/miniprogram"
	mpconfig "github.com/silenceper/wechat/v2/miniprogram/config"
	mpmessage "github.com/silenceper/wechat/v2/miniprogram/message"
	"github.com/silenceper/wechat/v2/util"
)

// Errors of callbacks.
var (
	// ErrSignature: the request is not signed with our token, or its timestamp is stale.
	ErrSignature = errors.New("wechat: callback signature invalid")
	// ErrCallbackBody: the body could not be read, decrypted or parsed.
	ErrCallbackBody = errors.New("wechat: callback body invalid")
)

// callbackSkew is how far a callback's timestamp may be from our clock. WeChat retries a push
// three times within about 15 seconds with the same timestamp; five minutes leaves room for a
// slow clock while a captured request cannot be replayed for long.
const callbackSkew = 5 * time.Minute

// maxCallbackBody bounds a callback body; real events are well under 10 KiB.
const maxCallbackBody = 64 << 10

// CallbackKeys are what both sides of the message push (消息推送) share: the token that signs
// it and, in encrypted mode (安全模式), the EncodingAESKey and the app whose key encrypts.
type CallbackKeys struct {
	Token          string
	EncodingAESKey string
	AppID          string
}

// verifySignature checks signature = sha1(sort(token, timestamp, nonce)) and the timestamp.
func verifySignature(token string, q map[string]string, now time.Time) error {
	if token == "" {
		return ErrSignature
	}
	ts, err := strconv.ParseInt(q["timestamp"], 10, 64)
	if err != nil {
		return ErrSignature
	}
	if d := now.Sub(time.Unix(ts, 0)); d > callbackSkew || d < -callbackSkew {
		return fmt.Errorf("%w: timestamp %d is %s away", ErrSignature, ts, d.Round(time.Second))
	}
	if !sameSignature(q["signature"], util.Signature(token, q["timestamp"], q["nonce"])) {
		return ErrSignature
	}
	return nil
}

// sameSignature compares signatures in constant time.
func sameSignature(got, want string) bool {
	return subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

func queryOf(r *http.Request) map[string]string {
	q := r.URL.Query()
	out := map[string]string{}
	for _, k := range []string{"signature", "timestamp", "nonce", "echostr", "encrypt_type", "msg_signature", "openid"} {
		out[k] = q.Get(k)
	}
	return out
}

// VerifyURL answers WeChat's URL verification (a GET with echostr): the echostr to write back
// when the signature is ours.
func VerifyURL(r *http.Request, keys CallbackKeys, now time.Time) (string, error) {
	q := queryOf(r)
	if err := verifySignature(keys.Token, q, now); err != nil {
		return "", err
	}
	if q["echostr"] == "" {
		return "", ErrCallbackBody
	}
	return q["echostr"], nil
}

// Consent events: what the user did with a template.
const (
	ConsentAccept = "accept"
	ConsentReject = "reject"
)

// TemplateEvent is one template in a subscribe-message event: Status (accept/reject) for popup
// and change events; MsgID, ErrorCode and ErrorStatus for sent events.
type TemplateEvent struct {
	TemplateID  string
	Status      string
	PopupScene  string
	MsgID       string
	ErrorCode   string
	ErrorStatus string
}

// MiniProgramEvent is one message push of the mini program.
type MiniProgramEvent struct {
	// Event is subscribe_msg_popup_event, subscribe_msg_change_event, subscribe_msg_sent_event,
	// or another event (ignored by us).
	Event      string
	OpenID     string
	CreateTime int64
	Items      []TemplateEvent
}

// Mini-program events we act on.
const (
	EventSubscribePopup  = string(mpmessage.EventSubscribePopup)
	EventSubscribeChange = string(mpmessage.EventSubscribeMsgChange)
	EventSubscribeSent   = string(mpmessage.EventSubscribeMsgSent)
)

// MiniProgramPush reads the mini program's message push through the SDK's PushReceiver.
type MiniProgramPush struct {
	keys CallbackKeys
	recv *mpmessage.PushReceiver
}

// NewMiniProgramPush returns the reader of pushes signed (and encrypted) with keys.
func NewMiniProgramPush(keys CallbackKeys) *MiniProgramPush {
	// The receiver never calls WeChat: its token cache is never used.
	mp := miniprogram.NewMiniProgram(&mpconfig.Config{AppID: keys.AppID, Token: keys.Token, EncodingAESKey: keys.EncodingAESKey,
		Cache: cache.NewMemory()})
	return &MiniProgramPush{keys: keys, recv: mp.GetMessageReceiver()}
}

// On reports whether the push is configured (a token is set).
func (m *MiniProgramPush) On() bool { return m.keys.Token != "" }

// VerifyURL answers WeChat's URL verification of the push.
func (m *MiniProgramPush) VerifyURL(r *http.Request, now time.Time) (string, error) {
	return VerifyURL(r, m.keys, now)
}

// Parse checks and reads a message push of the mini program (POST /wechat/callback), plain or
// encrypted, XML or JSON. In encrypted mode it also checks msg_signature over the ciphertext,
// which the SDK leaves out.
func (m *MiniProgramPush) Parse(r *http.Request, now time.Time) (MiniProgramEvent, error) {
	keys := m.keys
	q := queryOf(r)
	if err := verifySignature(keys.Token, q, now); err != nil {
		return MiniProgramEvent{}, err
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxCallbackBody+1))
	if err != nil || len(body) > maxCallbackBody {
		return MiniProgramEvent{}, ErrCallbackBody
	}
	isXML := strings.HasPrefix(r.Header.Get("Content-Type"), "text/xml")
	if q["encrypt_type"] == "aes" {
		var env struct {
			Encrypt string `json:"Encrypt" xml:"Encrypt"`
		}
		if isXML {
			err = xml.Unmarshal(body, &env)
		} else {
			err = json.Unmarshal(body, &env)
		}
		if err != nil || env.Encrypt == "" {
			return MiniProgramEvent{}, ErrCallbackBody
		}
		if !sameSignature(q["msg_signature"], util.Signature(keys.Token, q["timestamp"], q["nonce"], env.Encrypt)) {
			return MiniProgramEvent{}, ErrSignature
		}
		if len(keys.EncodingAESKey) != 43 {
			return MiniProgramEvent{}, fmt.Errorf("%w: encrypted push but no EncodingAESKey is configured", ErrCallbackBody)
		}
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	_, event, data, err := m.recv.GetMsgData(r)
	if err != nil {
		return MiniProgramEvent{}, fmt.Errorf("%w: %s", ErrCallbackBody, Redact(err.Error()))
	}
	out := MiniProgramEvent{Event: string(event)}
	switch d := data.(type) {
	case *mpmessage.PushDataSubscribePopup:
		out.OpenID, out.CreateTime = d.FromUserName, d.CreateTime
		for _, it := range d.GetSubscribeMsgPopupEvents() {
			out.Items = append(out.Items, TemplateEvent{TemplateID: it.TemplateID, Status: it.SubscribeStatusString, PopupScene: it.PopupScene})
		}
	case *mpmessage.PushDataSubscribeMsgChange:
		out.OpenID, out.CreateTime = d.FromUserName, d.CreateTime
		for _, it := range d.GetSubscribeMsgChangeEvents() {
			out.Items = append(out.Items, TemplateEvent{TemplateID: it.TemplateID, Status: it.SubscribeStatusString})
		}
	case *mpmessage.PushDataSubscribeMsgSent:
		out.OpenID, out.CreateTime = d.FromUserName, d.CreateTime
		for _, it := range d.GetSubscribeMsgSentEvents() {
			out.Items = append(out.Items, TemplateEvent{TemplateID: it.TemplateID, MsgID: it.MsgID, ErrorCode: it.ErrorCode, ErrorStatus: it.ErrorStatus})
		}
	}
	return out, nil
}
