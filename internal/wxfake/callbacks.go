package wxfake

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Callback formats. WeChat lets a mini program choose either for message push
// (消息推送); an official account always gets XML.
const (
	FormatXML  = "xml"
	FormatJSON = "json"
)

// Event names of the callback events the fake can deliver.
const (
	EventSubscribeMsgPopup  = "subscribe_msg_popup_event"
	EventSubscribeMsgChange = "subscribe_msg_change_event"
	EventSubscribeMsgSent   = "subscribe_msg_sent_event"
	EventSubscribe          = "subscribe"
	EventUnsubscribe        = "unsubscribe"
)

const (
	// callbackTimeout bounds one delivery; WeChat itself gives up after 5 s,
	// but a test server under -race on a loaded machine deserves more.
	callbackTimeout = 15 * time.Second
	// aesBlock is the PKCS#7 block size WeChat pads to: 32, not AES's 16.
	aesBlock = 32
)

// targetError is a problem with the target or the event rather than with
// the delivery, so an admin caller gets 400 for it, not 502.
type targetError string

func (e targetError) Error() string { return "wxfake: " + string(e) }

// CallbackTarget is where and how events are delivered.
type CallbackTarget struct {
	URL            string // e.g. http://127.0.0.1:8080/wechat/callback
	Token          string // the 令牌(Token) configured on both sides
	EncodingAESKey string // 43 chars base64 (std alphabet, no padding): set for encrypted ("安全模式") delivery
	AppID          string // the app whose key encrypts: mini-program appid or OA appid
	Encrypted      bool
	Format         string // "json" or "xml" (mini program may choose; OA is always xml); empty means xml

	// BadSignature spoils every signature the request carries (signature,
	// and msg_signature when encrypted), as a forged push would.
	BadSignature bool
	// BadMsgSignature spoils only msg_signature, leaving signature right.
	BadMsgSignature bool
	// Timestamp, when not zero, is sent instead of the current unix time, so
	// that a server's check against replays can be tested.
	Timestamp int64
	// Client sends the request; nil means a client with a 15 s timeout that
	// does not follow redirects.
	Client *http.Client
}

// PopupItem is one template of a subscribe_msg_popup_event: what the user
// chose in the subscribe popup.
type PopupItem struct {
	TemplateID string `json:"template_id"`
	Status     string `json:"status"` // "accept" or "reject"
	// Scene is "0" for the popup of wx.requestSubscribeMessage inside the
	// mini program, "1" or "2" for the others (payment, service notice).
	Scene string `json:"scene"`
}

// ChangeItem is one template of a subscribe_msg_change_event: the user
// changed the subscription in WeChat's settings.
type ChangeItem struct {
	TemplateID string `json:"template_id"`
	Status     string `json:"status"` // "accept" or "reject"
}

// SentItem is one message of a subscribe_msg_sent_event: the outcome of a
// subscribe message send.
type SentItem struct {
	TemplateID  string `json:"template_id"`
	MsgID       string `json:"msg_id"`
	ErrorCode   string `json:"error_code"`   // "0" ok, "10004" blocked by the user, …
	ErrorStatus string `json:"error_status"` // "success", "fail user refuse accept", …
}

// Event is a callback event as WeChat pushes it. Build one with PopupEvent,
// ChangeEvent, SentEvent, FollowEvent or UnfollowEvent; the fields may be
// adjusted before delivery (a fixed CreateTime makes the payload
// predictable, ToUserName must match a non-default original id).
type Event struct {
	ToUserName   string // the app's original id (原始ID)
	FromUserName string // the user's openid in that app
	CreateTime   int64  // unix seconds
	MsgType      string // "event"
	Event        string // EventSubscribeMsgPopup, …, EventUnsubscribe

	// Exactly one of these is set for the subscribe message events.
	Popup  []PopupItem
	Change []ChangeItem
	Sent   []SentItem
}

// PopupEvent is the mini program's subscribe_msg_popup_event for openid.
func PopupEvent(openid string, items ...PopupItem) Event {
	ev := newEvent(DefaultMPOriginalID, openid, EventSubscribeMsgPopup)
	ev.Popup = append([]PopupItem{}, items...)
	return ev
}

// ChangeEvent is the mini program's subscribe_msg_change_event for openid.
func ChangeEvent(openid string, items ...ChangeItem) Event {
	ev := newEvent(DefaultMPOriginalID, openid, EventSubscribeMsgChange)
	ev.Change = append([]ChangeItem{}, items...)
	return ev
}

// SentEvent is the mini program's subscribe_msg_sent_event for openid.
func SentEvent(openid string, items ...SentItem) Event {
	ev := newEvent(DefaultMPOriginalID, openid, EventSubscribeMsgSent)
	ev.Sent = append([]SentItem{}, items...)
	return ev
}

// FollowEvent is the official account's subscribe event: oaOpenID followed.
func FollowEvent(oaOpenID string) Event {
	return newEvent(DefaultOAOriginalID, oaOpenID, EventSubscribe)
}

// UnfollowEvent is the official account's unsubscribe event.
func UnfollowEvent(oaOpenID string) Event {
	return newEvent(DefaultOAOriginalID, oaOpenID, EventUnsubscribe)
}

func newEvent(to, from, name string) Event {
	return Event{ToUserName: to, FromUserName: from, CreateTime: time.Now().Unix(), MsgType: "event", Event: name}
}

// OfficialAccount reports whether the event is one an official account
// receives (follow, unfollow) rather than a mini program.
func (ev Event) OfficialAccount() bool {
	return ev.Event == EventSubscribe || ev.Event == EventUnsubscribe
}

// Plaintext renders the event as WeChat writes it in format (FormatXML or
// FormatJSON), before any encryption.
func (ev Event) Plaintext(format string) ([]byte, error) {
	switch format {
	case FormatXML, "":
		return ev.xml(), nil
	case FormatJSON:
		if ev.OfficialAccount() {
			return nil, targetError("official account events are XML only")
		}
		return ev.json()
	}
	return nil, targetError(fmt.Sprintf("unknown callback format %q", format))
}

// cdata wraps s in a CDATA section; a "]]>" inside is split across two.
func cdata(s string) string {
	return "<![CDATA[" + strings.ReplaceAll(s, "]]>", "]]]]><![CDATA[>") + "]]>"
}

func xmlText(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

func (ev Event) xml() []byte {
	var b strings.Builder
	el := func(name, inner string) { b.WriteString("<" + name + ">" + inner + "</" + name + ">") }
	b.WriteString("<xml>")
	el("ToUserName", cdata(ev.ToUserName))
	el("FromUserName", cdata(ev.FromUserName))
	el("CreateTime", strconv.FormatInt(ev.CreateTime, 10))
	el("MsgType", cdata(ev.MsgType))
	el("Event", cdata(ev.Event))
	switch ev.Event {
	case EventSubscribeMsgPopup:
		b.WriteString("<SubscribeMsgPopupEvent>")
		for _, it := range ev.Popup {
			b.WriteString("<List>")
			el("TemplateId", cdata(it.TemplateID))
			el("SubscribeStatusString", cdata(it.Status))
			el("PopupScene", xmlText(it.Scene))
			b.WriteString("</List>")
		}
		b.WriteString("</SubscribeMsgPopupEvent>")
	case EventSubscribeMsgChange:
		b.WriteString("<SubscribeMsgChangeEvent>")
		for _, it := range ev.Change {
			b.WriteString("<List>")
			el("TemplateId", cdata(it.TemplateID))
			el("SubscribeStatusString", cdata(it.Status))
			b.WriteString("</List>")
		}
		b.WriteString("</SubscribeMsgChangeEvent>")
	case EventSubscribeMsgSent:
		b.WriteString("<SubscribeMsgSentEvent>")
		for _, it := range ev.Sent {
			b.WriteString("<List>")
			el("TemplateId", cdata(it.TemplateID))
			el("MsgID", xmlText(it.MsgID))
			el("ErrorCode", xmlText(it.ErrorCode))
			el("ErrorStatus", cdata(it.ErrorStatus))
			b.WriteString("</List>")
		}
		b.WriteString("</SubscribeMsgSentEvent>")
	case EventSubscribe, EventUnsubscribe:
		el("EventKey", cdata(""))
	}
	b.WriteString("</xml>")
	return []byte(b.String())
}

type jsonPopupItem struct {
	TemplateID string `json:"TemplateId"`
	Status     string `json:"SubscribeStatusString"`
	Scene      string `json:"PopupScene"`
}

type jsonChangeItem struct {
	TemplateID string `json:"TemplateId"`
	Status     string `json:"SubscribeStatusString"`
}

type jsonSentItem struct {
	TemplateID  string `json:"TemplateId"`
	MsgID       string `json:"MsgID"`
	ErrorCode   string `json:"ErrorCode"`
	ErrorStatus string `json:"ErrorStatus"`
}

// jsonList is WeChat's "List": an object for one item, an array for several.
func jsonList[T any](items []T) any {
	if len(items) == 1 {
		return items[0]
	}
	return items
}

func (ev Event) json() ([]byte, error) {
	var list any
	switch ev.Event {
	case EventSubscribeMsgPopup:
		items := make([]jsonPopupItem, len(ev.Popup))
		for i, it := range ev.Popup {
			items[i] = jsonPopupItem(it)
		}
		list = jsonList(items)
	case EventSubscribeMsgChange:
		items := make([]jsonChangeItem, len(ev.Change))
		for i, it := range ev.Change {
			items[i] = jsonChangeItem(it)
		}
		list = jsonList(items)
	case EventSubscribeMsgSent:
		items := make([]jsonSentItem, len(ev.Sent))
		for i, it := range ev.Sent {
			items[i] = jsonSentItem(it)
		}
		list = jsonList(items)
	}
	return marshalPlain(struct {
		ToUserName   string
		FromUserName string
		CreateTime   int64
		MsgType      string
		Event        string
		List         any `json:",omitempty"`
	}{ev.ToUserName, ev.FromUserName, ev.CreateTime, ev.MsgType, ev.Event, list})
}

// marshalPlain is json.Marshal without the HTML escaping WeChat does not do.
func marshalPlain(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// NewEncodingAESKey returns a random EncodingAESKey: 43 characters of
// standard base64 without the padding, as WeChat's console generates.
func NewEncodingAESKey() string {
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	return strings.TrimSuffix(base64.StdEncoding.EncodeToString(key), "=")
}

// aesKey decodes an EncodingAESKey into the 32-byte AES key.
func aesKey(encodingAESKey string) ([]byte, error) {
	if len(encodingAESKey) != 43 {
		return nil, targetError(fmt.Sprintf("EncodingAESKey must be 43 characters, not %d", len(encodingAESKey)))
	}
	key, err := base64.StdEncoding.DecodeString(encodingAESKey + "=")
	if err != nil || len(key) != 32 {
		return nil, targetError("EncodingAESKey is not base64 of 32 bytes")
	}
	return key, nil
}

// Encrypt encrypts msg for appid the way WeChat encrypts pushes in 安全模式:
// base64(AES-256-CBC(PKCS#7 to 32 bytes(16 random bytes ‖ big-endian uint32
// len(msg) ‖ msg ‖ appid))), keyed by the decoded EncodingAESKey with its
// first 16 bytes as the IV.
func Encrypt(encodingAESKey, appid string, msg []byte) (string, error) {
	key, err := aesKey(encodingAESKey)
	if err != nil {
		return "", err
	}
	plain := make([]byte, 20, 20+len(msg)+len(appid)+aesBlock)
	_, _ = rand.Read(plain[:16])
	binary.BigEndian.PutUint32(plain[16:20], uint32(len(msg)))
	plain = append(plain, msg...)
	plain = append(plain, appid...)
	pad := aesBlock - len(plain)%aesBlock
	plain = append(plain, bytes.Repeat([]byte{byte(pad)}, pad)...)

	block, err := aes.NewCipher(key)
	if err != nil {
		return "", err
	}
	out := make([]byte, len(plain))
	cipher.NewCBCEncrypter(block, key[:16]).CryptBlocks(out, plain)
	return base64.StdEncoding.EncodeToString(out), nil
}

// Signature is WeChat's push signature: the hex SHA-1 of parts sorted and
// concatenated. signature signs (token, timestamp, nonce); msg_signature
// signs (token, timestamp, nonce, encrypt).
func Signature(parts ...string) string {
	sorted := append([]string(nil), parts...)
	sort.Strings(sorted)
	sum := sha1.Sum([]byte(strings.Join(sorted, "")))
	return hex.EncodeToString(sum[:])
}

// randomDigits returns n random decimal digits, WeChat's nonce and echostr.
func randomDigits(n int) string {
	b := make([]byte, n)
	ten := big.NewInt(10)
	for i := range b {
		d, _ := rand.Int(rand.Reader, ten)
		b[i] = byte('0' + d.Int64())
	}
	return string(b)
}

// spoil returns a different signature of the same shape.
func spoil(sig string) string {
	return Signature(sig, "forged")
}

var defaultCallbackClient = &http.Client{
	Timeout: callbackTimeout,
	// WeChat does not follow redirects from a push URL; the caller sees the
	// 3xx instead.
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

func (t CallbackTarget) client() *http.Client {
	if t.Client != nil {
		return t.Client
	}
	return defaultCallbackClient
}

// signedQuery is the query WeChat puts on every push and verification:
// signature, timestamp and nonce.
func (t CallbackTarget) signedQuery() (q []string, timestamp, nonce string) {
	ts := t.Timestamp
	if ts == 0 {
		ts = time.Now().Unix()
	}
	timestamp, nonce = strconv.FormatInt(ts, 10), randomDigits(10)
	sig := Signature(t.Token, timestamp, nonce)
	if t.BadSignature {
		sig = spoil(sig)
	}
	return []string{"signature=" + sig, "timestamp=" + timestamp, "nonce=" + nonce}, timestamp, nonce
}

func (t CallbackTarget) withQuery(query []string) (string, error) {
	if t.URL == "" {
		return "", targetError("callback target has no URL")
	}
	if t.Token == "" {
		return "", targetError("callback target has no Token")
	}
	sep := "?"
	if strings.Contains(t.URL, "?") {
		sep = "&"
	}
	return t.URL + sep + strings.Join(query, "&"), nil
}

func readAnswer(res *http.Response) (string, error) {
	defer res.Body.Close()
	b, err := io.ReadAll(io.LimitReader(res.Body, maxBody))
	return string(b), err
}

// VerifyURL does what WeChat does when the developer saves the push URL: a
// GET with signature, timestamp, nonce and echostr, which the server must
// answer 200 with echostr exactly.
func VerifyURL(ctx context.Context, t CallbackTarget) error {
	q, _, _ := t.signedQuery()
	echostr := randomDigits(19)
	u, err := t.withQuery(append(q, "echostr="+echostr))
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return targetError(err.Error())
	}
	res, err := t.client().Do(req)
	if err != nil {
		return err
	}
	body, err := readAnswer(res)
	if err != nil {
		return err
	}
	if res.StatusCode != http.StatusOK || body != echostr {
		return fmt.Errorf("wxfake: URL verification failed: HTTP %d, body %q, want echostr %q", res.StatusCode, clip(body), echostr)
	}
	return nil
}

func clip(s string) string {
	if len(s) > 200 {
		return s[:200] + "…"
	}
	return s
}

// Deliver pushes ev to the target as WeChat does and returns the server's
// answer. err is set only when nothing could be delivered (a bad target, a
// transport failure); a rejection by the server is a status and body.
//
// The query carries signature, timestamp and nonce, plus openid for an
// official account event, plus encrypt_type=aes and msg_signature when
// encrypted. The body is the event (Event.Plaintext) or, encrypted,
// <xml><ToUserName/><Encrypt/></xml> or {"ToUserName","Encrypt"}.
func Deliver(ctx context.Context, t CallbackTarget, ev Event) (status int, body string, err error) {
	format := t.Format
	if format == "" {
		format = FormatXML
	}
	plain, err := ev.Plaintext(format)
	if err != nil {
		return 0, "", err
	}
	q, timestamp, nonce := t.signedQuery()
	if ev.OfficialAccount() {
		q = append(q, "openid="+url.QueryEscape(ev.FromUserName))
	}
	payload := plain
	if t.Encrypted {
		if t.AppID == "" {
			return 0, "", targetError("encrypted delivery needs the AppID")
		}
		enc, err := Encrypt(t.EncodingAESKey, t.AppID, plain)
		if err != nil {
			return 0, "", err
		}
		msgSig := Signature(t.Token, timestamp, nonce, enc)
		if t.BadSignature || t.BadMsgSignature {
			msgSig = spoil(msgSig)
		}
		q = append(q, "encrypt_type=aes", "msg_signature="+msgSig)
		if format == FormatJSON {
			payload, err = marshalPlain(struct {
				ToUserName string
				Encrypt    string
			}{ev.ToUserName, enc})
			if err != nil {
				return 0, "", err
			}
		} else {
			payload = []byte("<xml><ToUserName>" + cdata(ev.ToUserName) + "</ToUserName><Encrypt>" + cdata(enc) + "</Encrypt></xml>")
		}
	}
	u, err := t.withQuery(q)
	if err != nil {
		return 0, "", err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(payload))
	if err != nil {
		return 0, "", targetError(err.Error())
	}
	if format == FormatJSON {
		req.Header.Set("Content-Type", "application/json")
	} else {
		req.Header.Set("Content-Type", "text/xml")
	}
	res, err := t.client().Do(req)
	if err != nil {
		return 0, "", err
	}
	body, err = readAnswer(res)
	return res.StatusCode, body, err
}
