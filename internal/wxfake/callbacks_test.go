package wxfake_test

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"

	"huixiang/internal/wxfake"
)

const (
	cbToken = "cbtoken123"
	cbTime  = 1620963428
)

// pushServer plays our server's callback endpoint with its own signature check and decryption,
// written independently of the stand-in's, and records what it received.
type pushServer struct {
	t      *testing.T
	ts     *httptest.Server
	token  string
	aesKey string
	appID  string

	mu   sync.Mutex
	got  []received
	fail string // why the last request was rejected
}

type received struct {
	method, contentType string
	query               url.Values
	body                string
	plaintext           string // decrypted (or the body when plain)
}

func newPushServer(t *testing.T, token, aesKey, appID string) *pushServer {
	p := &pushServer{t: t, token: token, aesKey: aesKey, appID: appID}
	p.ts = httptest.NewServer(http.HandlerFunc(p.serve))
	t.Cleanup(p.ts.Close)
	return p
}

// sha1Sorted is WeChat's signature, computed here without the stand-in's helper.
func sha1Sorted(parts ...string) string {
	s := append([]string(nil), parts...)
	sort.Strings(s)
	h := sha1.New()
	for _, p := range s {
		io.WriteString(h, p)
	}
	return fmt.Sprintf("%x", h.Sum(nil))
}

func (p *pushServer) reject(w http.ResponseWriter, why string) {
	p.mu.Lock()
	p.fail = why
	p.mu.Unlock()
	http.Error(w, why, http.StatusForbidden)
}

func (p *pushServer) serve(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("signature") != sha1Sorted(p.token, q.Get("timestamp"), q.Get("nonce")) {
		p.reject(w, "bad signature")
		return
	}
	if !regexp.MustCompile(`^[0-9]+$`).MatchString(q.Get("nonce")) || !regexp.MustCompile(`^[0-9]{10}$`).MatchString(q.Get("timestamp")) {
		p.reject(w, "nonce or timestamp not digits")
		return
	}
	if r.Method == http.MethodGet {
		_, _ = io.WriteString(w, q.Get("echostr"))
		return
	}
	raw, _ := io.ReadAll(r.Body)
	rec := received{method: r.Method, contentType: r.Header.Get("Content-Type"), query: q, body: string(raw), plaintext: string(raw)}
	if q.Get("encrypt_type") == "aes" {
		var env struct {
			ToUserName string `xml:"ToUserName" json:"ToUserName"`
			Encrypt    string `xml:"Encrypt" json:"Encrypt"`
		}
		var err error
		if strings.HasPrefix(rec.contentType, "text/xml") {
			err = xml.Unmarshal(raw, &env)
		} else {
			err = json.Unmarshal(raw, &env)
		}
		if err != nil || env.Encrypt == "" {
			p.reject(w, fmt.Sprintf("envelope: %v", err))
			return
		}
		if q.Get("msg_signature") != sha1Sorted(p.token, q.Get("timestamp"), q.Get("nonce"), env.Encrypt) {
			p.reject(w, "bad msg_signature")
			return
		}
		plain, appID, err := decryptPush(p.aesKey, env.Encrypt)
		if err != nil {
			p.reject(w, err.Error())
			return
		}
		if appID != p.appID {
			p.reject(w, "appid "+appID)
			return
		}
		rec.plaintext = string(plain)
	}
	p.mu.Lock()
	p.got = append(p.got, rec)
	p.mu.Unlock()
	_, _ = io.WriteString(w, "success")
}

func (p *pushServer) last() received {
	p.t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.got) == 0 {
		p.t.Fatalf("nothing received (last rejection: %q)", p.fail)
	}
	return p.got[len(p.got)-1]
}

// decryptPush undoes WeChat's 安全模式 encryption: AES-256-CBC, IV the key's first 16 bytes,
// PKCS#7 to 32-byte blocks, then 16 random bytes, a big-endian length, the message, the appid.
func decryptPush(encodingAESKey, encrypted string) (msg []byte, appID string, err error) {
	key, err := base64.StdEncoding.DecodeString(encodingAESKey + "=")
	if err != nil {
		return nil, "", fmt.Errorf("key: %w", err)
	}
	if len(key) != 32 {
		return nil, "", fmt.Errorf("key: %d bytes, want 32", len(key))
	}
	ct, err := base64.StdEncoding.DecodeString(encrypted)
	if err != nil {
		return nil, "", err
	}
	if len(ct) == 0 || len(ct)%32 != 0 {
		return nil, "", fmt.Errorf("ciphertext length %d is not a multiple of 32", len(ct))
	}
	block, _ := aes.NewCipher(key)
	pt := make([]byte, len(ct))
	cipher.NewCBCDecrypter(block, key[:16]).CryptBlocks(pt, ct)
	pad := int(pt[len(pt)-1])
	if pad < 1 || pad > 32 || !bytes.Equal(pt[len(pt)-pad:], bytes.Repeat([]byte{byte(pad)}, pad)) {
		return nil, "", fmt.Errorf("bad padding %d", pad)
	}
	pt = pt[:len(pt)-pad]
	if len(pt) < 20 {
		return nil, "", fmt.Errorf("plaintext too short")
	}
	n := int(binary.BigEndian.Uint32(pt[16:20]))
	if 20+n > len(pt) {
		return nil, "", fmt.Errorf("length %d overruns", n)
	}
	return pt[20 : 20+n], string(pt[20+n:]), nil
}

func TestCallbackPlaintext(t *testing.T) {
	fixed := func(ev wxfake.Event) wxfake.Event {
		ev.CreateTime = cbTime
		ev.ToUserName = "gh_x"
		return ev
	}
	const head = `<xml><ToUserName><![CDATA[gh_x]]></ToUserName><FromUserName><![CDATA[o_user]]></FromUserName><CreateTime>1620963428</CreateTime><MsgType><![CDATA[event]]></MsgType>`
	const jsonHead = `{"ToUserName":"gh_x","FromUserName":"o_user","CreateTime":1620963428,"MsgType":"event",`
	tests := []struct {
		name      string
		ev        wxfake.Event
		xml, json string
	}{
		{
			"popup, one item",
			fixed(wxfake.PopupEvent("o_user", wxfake.PopupItem{TemplateID: "T", Status: "accept", Scene: "2"})),
			head + `<Event><![CDATA[subscribe_msg_popup_event]]></Event><SubscribeMsgPopupEvent><List><TemplateId><![CDATA[T]]></TemplateId><SubscribeStatusString><![CDATA[accept]]></SubscribeStatusString><PopupScene>2</PopupScene></List></SubscribeMsgPopupEvent></xml>`,
			jsonHead + `"Event":"subscribe_msg_popup_event","List":{"TemplateId":"T","SubscribeStatusString":"accept","PopupScene":"2"}}`,
		},
		{
			"popup, two items",
			fixed(wxfake.PopupEvent("o_user", wxfake.PopupItem{TemplateID: "T1", Status: "accept", Scene: "0"}, wxfake.PopupItem{TemplateID: "T2", Status: "reject", Scene: "0"})),
			head + `<Event><![CDATA[subscribe_msg_popup_event]]></Event><SubscribeMsgPopupEvent>` +
				`<List><TemplateId><![CDATA[T1]]></TemplateId><SubscribeStatusString><![CDATA[accept]]></SubscribeStatusString><PopupScene>0</PopupScene></List>` +
				`<List><TemplateId><![CDATA[T2]]></TemplateId><SubscribeStatusString><![CDATA[reject]]></SubscribeStatusString><PopupScene>0</PopupScene></List>` +
				`</SubscribeMsgPopupEvent></xml>`,
			jsonHead + `"Event":"subscribe_msg_popup_event","List":[{"TemplateId":"T1","SubscribeStatusString":"accept","PopupScene":"0"},{"TemplateId":"T2","SubscribeStatusString":"reject","PopupScene":"0"}]}`,
		},
		{
			"change",
			fixed(wxfake.ChangeEvent("o_user", wxfake.ChangeItem{TemplateID: "T", Status: "reject"})),
			head + `<Event><![CDATA[subscribe_msg_change_event]]></Event><SubscribeMsgChangeEvent><List><TemplateId><![CDATA[T]]></TemplateId><SubscribeStatusString><![CDATA[reject]]></SubscribeStatusString></List></SubscribeMsgChangeEvent></xml>`,
			jsonHead + `"Event":"subscribe_msg_change_event","List":{"TemplateId":"T","SubscribeStatusString":"reject"}}`,
		},
		{
			"sent, two items",
			fixed(wxfake.SentEvent("o_user",
				wxfake.SentItem{TemplateID: "T", MsgID: "1700827132819554304", ErrorCode: "0", ErrorStatus: "success"},
				wxfake.SentItem{TemplateID: "T", MsgID: "1700827132819554305", ErrorCode: "10004", ErrorStatus: "fail user refuse accept"})),
			head + `<Event><![CDATA[subscribe_msg_sent_event]]></Event><SubscribeMsgSentEvent>` +
				`<List><TemplateId><![CDATA[T]]></TemplateId><MsgID>1700827132819554304</MsgID><ErrorCode>0</ErrorCode><ErrorStatus><![CDATA[success]]></ErrorStatus></List>` +
				`<List><TemplateId><![CDATA[T]]></TemplateId><MsgID>1700827132819554305</MsgID><ErrorCode>10004</ErrorCode><ErrorStatus><![CDATA[fail user refuse accept]]></ErrorStatus></List>` +
				`</SubscribeMsgSentEvent></xml>`,
			jsonHead + `"Event":"subscribe_msg_sent_event","List":[{"TemplateId":"T","MsgID":"1700827132819554304","ErrorCode":"0","ErrorStatus":"success"},{"TemplateId":"T","MsgID":"1700827132819554305","ErrorCode":"10004","ErrorStatus":"fail user refuse accept"}]}`,
		},
		{
			"sent, one item",
			fixed(wxfake.SentEvent("o_user", wxfake.SentItem{TemplateID: "T", MsgID: "42", ErrorCode: "0", ErrorStatus: "success"})),
			head + `<Event><![CDATA[subscribe_msg_sent_event]]></Event><SubscribeMsgSentEvent><List><TemplateId><![CDATA[T]]></TemplateId><MsgID>42</MsgID><ErrorCode>0</ErrorCode><ErrorStatus><![CDATA[success]]></ErrorStatus></List></SubscribeMsgSentEvent></xml>`,
			jsonHead + `"Event":"subscribe_msg_sent_event","List":{"TemplateId":"T","MsgID":"42","ErrorCode":"0","ErrorStatus":"success"}}`,
		},
		{
			"follow",
			fixed(wxfake.FollowEvent("o_user")),
			head + `<Event><![CDATA[subscribe]]></Event><EventKey><![CDATA[]]></EventKey></xml>`,
			"",
		},
		{
			"unfollow",
			fixed(wxfake.UnfollowEvent("o_user")),
			head + `<Event><![CDATA[unsubscribe]]></Event><EventKey><![CDATA[]]></EventKey></xml>`,
			"",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.ev.Plaintext(wxfake.FormatXML)
			if err != nil || string(got) != tc.xml {
				t.Fatalf("xml (%v):\n got %s\nwant %s", err, got, tc.xml)
			}
			// What WeChat sends must be well-formed, whatever the text.
			if err := xml.Unmarshal(got, new(struct{})); err != nil {
				t.Fatalf("xml does not parse: %v", err)
			}
			got, err = tc.ev.Plaintext(wxfake.FormatJSON)
			if tc.json == "" {
				if err == nil {
					t.Fatalf("official account event rendered as JSON: %s", got)
				}
				return
			}
			if err != nil || string(got) != tc.json {
				t.Fatalf("json (%v):\n got %s\nwant %s", err, got, tc.json)
			}
		})
	}

	t.Run("defaults", func(t *testing.T) {
		ev := wxfake.PopupEvent("o_a")
		if ev.ToUserName != wxfake.DefaultMPOriginalID || ev.MsgType != "event" || ev.CreateTime == 0 || ev.OfficialAccount() {
			t.Fatalf("popup event: %+v", ev)
		}
		if ev := wxfake.FollowEvent("oOA_a"); ev.ToUserName != wxfake.DefaultOAOriginalID || !ev.OfficialAccount() {
			t.Fatalf("follow event: %+v", ev)
		}
		if !regexp.MustCompile(`^gh_[0-9a-f]{12}$`).MatchString(wxfake.DefaultMPOriginalID) || !regexp.MustCompile(`^gh_[0-9a-f]{12}$`).MatchString(wxfake.DefaultOAOriginalID) {
			t.Fatal("default original ids are not gh_ and 12 hex digits")
		}
	})
	t.Run("markup in values stays text", func(t *testing.T) {
		ev := fixed(wxfake.SentEvent("o_<&>", wxfake.SentItem{TemplateID: "a]]>b", MsgID: "1<2", ErrorCode: "0", ErrorStatus: "x&y"}))
		got, _ := ev.Plaintext(wxfake.FormatXML)
		var parsed struct {
			From string `xml:"FromUserName"`
			List struct {
				TemplateID string `xml:"TemplateId"`
				MsgID      string `xml:"MsgID"`
				Status     string `xml:"ErrorStatus"`
			} `xml:"SubscribeMsgSentEvent>List"`
		}
		if err := xml.Unmarshal(got, &parsed); err != nil {
			t.Fatalf("%v: %s", err, got)
		}
		if parsed.From != "o_<&>" || parsed.List.TemplateID != "a]]>b" || parsed.List.MsgID != "1<2" || parsed.List.Status != "x&y" {
			t.Fatalf("parsed %+v from %s", parsed, got)
		}
		js, _ := ev.Plaintext(wxfake.FormatJSON)
		if !strings.Contains(string(js), `"FromUserName":"o_<&>"`) {
			t.Fatalf("json escapes HTML: %s", js)
		}
	})
	if _, err := wxfake.PopupEvent("o").Plaintext("yaml"); err == nil {
		t.Fatal("unknown format accepted")
	}
}

// TestDeliver_roundTrip delivers every event kind in both modes and both formats to a server
// that checks the signatures and decrypts on its own, and compares what it decrypted with the
// event's plaintext.
func TestDeliver_roundTrip(t *testing.T) {
	ctx := context.Background()
	key := wxfake.NewEncodingAESKey()
	mp := newPushServer(t, cbToken, key, wxfake.DefaultAppID)
	oa := newPushServer(t, cbToken, key, wxfake.DefaultOAAppID)

	events := []wxfake.Event{
		wxfake.PopupEvent("o_user", wxfake.PopupItem{TemplateID: "TMPL_POLICY_NOTICE", Status: "accept", Scene: "0"}),
		wxfake.PopupEvent("o_user", wxfake.PopupItem{TemplateID: "T1", Status: "accept", Scene: "0"}, wxfake.PopupItem{TemplateID: "T2", Status: "reject", Scene: "0"}),
		wxfake.ChangeEvent("o_user", wxfake.ChangeItem{TemplateID: "T1", Status: "reject"}),
		wxfake.SentEvent("o_user", wxfake.SentItem{TemplateID: "T1", MsgID: "3000000001", ErrorCode: "10004", ErrorStatus: "fail user refuse accept"}),
		wxfake.FollowEvent("oOA_user"),
		wxfake.UnfollowEvent("oOA_user"),
	}
	for _, ev := range events {
		for _, encrypted := range []bool{false, true} {
			for _, format := range []string{wxfake.FormatXML, wxfake.FormatJSON} {
				if ev.OfficialAccount() && format == wxfake.FormatJSON {
					continue
				}
				name := fmt.Sprintf("%s/%s/encrypted=%v", ev.Event, format, encrypted)
				t.Run(name, func(t *testing.T) {
					srv, appID, path := mp, wxfake.DefaultAppID, "/wechat/callback"
					if ev.OfficialAccount() {
						srv, appID, path = oa, wxfake.DefaultOAAppID, "/wechat/oa/callback"
					}
					target := wxfake.CallbackTarget{URL: srv.ts.URL + path, Token: cbToken, EncodingAESKey: key, AppID: appID, Encrypted: encrypted, Format: format}
					status, body, err := wxfake.Deliver(ctx, target, ev)
					if err != nil || status != 200 || body != "success" {
						t.Fatalf("Deliver: %d %q %v", status, body, err)
					}
					got := srv.last()
					want, _ := ev.Plaintext(format)
					if got.plaintext != string(want) {
						t.Fatalf("plaintext\n got %s\nwant %s", got.plaintext, want)
					}
					wantType := "text/xml"
					if format == wxfake.FormatJSON {
						wantType = "application/json"
					}
					if got.method != "POST" || got.contentType != wantType {
						t.Fatalf("%s with Content-Type %q", got.method, got.contentType)
					}
					if ev.OfficialAccount() != (got.query.Get("openid") == ev.FromUserName) {
						t.Fatalf("openid in query = %q", got.query.Get("openid"))
					}
					if encrypted {
						if got.query.Get("encrypt_type") != "aes" || got.body == got.plaintext || strings.Contains(got.body, ev.FromUserName) {
							t.Fatalf("encrypted body %s, query %v", got.body, got.query)
						}
						// The envelope carries the original id in the clear, as WeChat's does.
						var wantEnv string
						if format == wxfake.FormatXML {
							wantEnv = `^<xml><ToUserName><!\[CDATA\[` + ev.ToUserName + `\]\]></ToUserName><Encrypt><!\[CDATA\[[A-Za-z0-9+/=]+\]\]></Encrypt></xml>$`
						} else {
							wantEnv = `^\{"ToUserName":"` + ev.ToUserName + `","Encrypt":"[A-Za-z0-9+/=]+"\}$`
						}
						if !regexp.MustCompile(wantEnv).MatchString(got.body) {
							t.Fatalf("envelope %s does not match %s", got.body, wantEnv)
						}
					} else if got.query.Has("encrypt_type") || got.query.Has("msg_signature") {
						t.Fatalf("plain delivery with %v", got.query)
					}
				})
			}
		}
	}

	t.Run("bad signature", func(t *testing.T) {
		for _, encrypted := range []bool{false, true} {
			target := wxfake.CallbackTarget{URL: mp.ts.URL, Token: cbToken, EncodingAESKey: key, AppID: wxfake.DefaultAppID, Encrypted: encrypted, BadSignature: true}
			status, body, err := wxfake.Deliver(ctx, target, events[0])
			if err != nil || status != http.StatusForbidden || !strings.Contains(body, "bad signature") {
				t.Fatalf("encrypted=%v: %d %q %v", encrypted, status, body, err)
			}
		}
		target := wxfake.CallbackTarget{URL: mp.ts.URL, Token: cbToken, EncodingAESKey: key, AppID: wxfake.DefaultAppID, Encrypted: true, BadMsgSignature: true}
		if status, body, _ := wxfake.Deliver(ctx, target, events[0]); status != http.StatusForbidden || !strings.Contains(body, "bad msg_signature") {
			t.Fatalf("BadMsgSignature: %d %q", status, body)
		}
		// A wrong token on our side is the same as a forged push.
		target = wxfake.CallbackTarget{URL: mp.ts.URL, Token: "other", Format: wxfake.FormatJSON}
		if status, _, _ := wxfake.Deliver(ctx, target, events[0]); status != http.StatusForbidden {
			t.Fatalf("wrong token: %d", status)
		}
	})
	t.Run("wrong appid or key", func(t *testing.T) {
		target := wxfake.CallbackTarget{URL: mp.ts.URL, Token: cbToken, EncodingAESKey: key, AppID: "wxsomeoneelse", Encrypted: true}
		if status, body, _ := wxfake.Deliver(ctx, target, events[0]); status != http.StatusForbidden || !strings.Contains(body, "appid") {
			t.Fatalf("foreign appid: %d %q", status, body)
		}
		target = wxfake.CallbackTarget{URL: mp.ts.URL, Token: cbToken, EncodingAESKey: wxfake.NewEncodingAESKey(), AppID: wxfake.DefaultAppID, Encrypted: true}
		if status, _, _ := wxfake.Deliver(ctx, target, events[0]); status != http.StatusForbidden {
			t.Fatalf("other key: %d", status)
		}
	})
	t.Run("timestamp knob", func(t *testing.T) {
		target := wxfake.CallbackTarget{URL: mp.ts.URL, Token: cbToken, Timestamp: 1600000000}
		if status, _, err := wxfake.Deliver(ctx, target, events[0]); status != 200 || err != nil {
			t.Fatalf("%d %v", status, err)
		}
		if got := mp.last().query.Get("timestamp"); got != "1600000000" {
			t.Fatalf("timestamp %q", got)
		}
	})
	t.Run("target errors", func(t *testing.T) {
		for name, target := range map[string]wxfake.CallbackTarget{
			"no url":           {Token: cbToken},
			"no token":         {URL: mp.ts.URL},
			"short key":        {URL: mp.ts.URL, Token: cbToken, Encrypted: true, AppID: "wx", EncodingAESKey: "abc"},
			"key not base64":   {URL: mp.ts.URL, Token: cbToken, Encrypted: true, AppID: "wx", EncodingAESKey: strings.Repeat("!", 43)},
			"no appid":         {URL: mp.ts.URL, Token: cbToken, Encrypted: true, EncodingAESKey: key},
			"unknown format":   {URL: mp.ts.URL, Token: cbToken, Format: "yaml"},
			"unreachable host": {URL: "http://127.0.0.1:1/cb", Token: cbToken},
		} {
			if _, _, err := wxfake.Deliver(ctx, target, events[0]); err == nil {
				t.Errorf("%s: no error", name)
			}
		}
		if _, _, err := wxfake.Deliver(ctx, wxfake.CallbackTarget{URL: oa.ts.URL, Token: cbToken, Format: wxfake.FormatJSON}, events[4]); err == nil {
			t.Error("official account event delivered as JSON")
		}
	})
	t.Run("keys", func(t *testing.T) {
		a, b := wxfake.NewEncodingAESKey(), wxfake.NewEncodingAESKey()
		raw, err := base64.StdEncoding.DecodeString(a + "=")
		if len(a) != 43 || err != nil || len(raw) != 32 || a == b {
			t.Fatalf("NewEncodingAESKey: %q %q (%v)", a, b, err)
		}
		enc, err := wxfake.Encrypt(a, "wxapp", []byte("hello"))
		if err != nil {
			t.Fatal(err)
		}
		msg, appID, err := decryptPush(a, enc)
		if err != nil || string(msg) != "hello" || appID != "wxapp" {
			t.Fatalf("decrypt: %q %q %v", msg, appID, err)
		}
		// A message filling whole blocks still gets a full block of padding.
		enc, _ = wxfake.Encrypt(a, "wx", make([]byte, 42))
		if ct, _ := base64.StdEncoding.DecodeString(enc); len(ct) != 96 {
			t.Fatalf("ciphertext of 64 bytes padded to %d, want 96", len(ct))
		}
		if got := wxfake.Signature("b", "a", "c"); got != sha1Sorted("a", "b", "c") {
			t.Fatalf("Signature = %s", got)
		}
	})
}

func TestVerifyURL(t *testing.T) {
	ctx := context.Background()
	srv := newPushServer(t, cbToken, "", "")
	if err := wxfake.VerifyURL(ctx, wxfake.CallbackTarget{URL: srv.ts.URL + "/wechat/callback", Token: cbToken}); err != nil {
		t.Fatal(err)
	}
	if err := wxfake.VerifyURL(ctx, wxfake.CallbackTarget{URL: srv.ts.URL, Token: cbToken, BadSignature: true}); err == nil {
		t.Fatal("verification with a bad signature passed")
	}
	if err := wxfake.VerifyURL(ctx, wxfake.CallbackTarget{URL: srv.ts.URL, Token: "wrong"}); err == nil {
		t.Fatal("verification with the wrong token passed")
	}
	// A server that answers anything but echostr exactly fails, even with 200.
	for name, h := range map[string]http.HandlerFunc{
		"success": func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "success") },
		"newline": func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.WriteString(w, r.URL.Query().Get("echostr")+"\n")
		},
		"json": func(w http.ResponseWriter, r *http.Request) {
			_ = json.NewEncoder(w).Encode(r.URL.Query().Get("echostr"))
		},
		"500 echo": func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(500)
			_, _ = io.WriteString(w, r.URL.Query().Get("echostr"))
		},
	} {
		ts := httptest.NewServer(h)
		if err := wxfake.VerifyURL(ctx, wxfake.CallbackTarget{URL: ts.URL, Token: cbToken}); err == nil {
			t.Errorf("%s: verification passed", name)
		}
		ts.Close()
	}
	// The query of a URL with one already is extended, not replaced.
	var got url.Values
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.URL.Query()
		_, _ = io.WriteString(w, got.Get("echostr"))
	}))
	defer ts.Close()
	if err := wxfake.VerifyURL(ctx, wxfake.CallbackTarget{URL: ts.URL + "/cb?env=dev", Token: cbToken}); err != nil {
		t.Fatal(err)
	}
	if got.Get("env") != "dev" || got.Get("signature") != sha1Sorted(cbToken, got.Get("timestamp"), got.Get("nonce")) {
		t.Fatalf("query %v", got)
	}
}

func TestAdminCallbacks(t *testing.T) {
	key := wxfake.NewEncodingAESKey()
	c := newClock()
	fake := wxfake.New(wxfake.Options{AppID: appID, Secret: secret, Now: c.Now, MPOriginalID: "gh_aaaaaaaaaaaa", OAOriginalID: "gh_bbbbbbbbbbbb"})
	ts := httptest.NewServer(fake)
	t.Cleanup(ts.Close)
	e := &env{t: t, fake: fake, ts: ts, clock: c}
	mp := newPushServer(t, cbToken, key, appID)
	oa := newPushServer(t, cbToken, key, wxfake.DefaultOAAppID)

	r := e.do("POST", "/__fake/callbacks/deliver", nil, map[string]any{
		"url": mp.ts.URL + "/wechat/callback", "token": cbToken, "encoding_aes_key": key, "encrypted": true, "format": "json",
		"event": map[string]any{"type": "popup", "openid": "o_u", "items": []map[string]string{{"template_id": "T", "status": "accept", "scene": "0"}}},
	})
	if r.status != 200 || r.body["status"] != float64(200) || r.str("body") != "success" {
		t.Fatalf("deliver popup: %d %s", r.status, r.raw)
	}
	var popup struct {
		ToUserName, FromUserName, Event string
		List                            struct{ TemplateId, SubscribeStatusString, PopupScene string }
	}
	if err := json.Unmarshal([]byte(mp.last().plaintext), &popup); err != nil || popup.ToUserName != "gh_aaaaaaaaaaaa" || popup.FromUserName != "o_u" ||
		popup.Event != "subscribe_msg_popup_event" || popup.List.TemplateId != "T" || popup.List.PopupScene != "0" {
		t.Fatalf("popup delivered as %s (%v)", mp.last().plaintext, err)
	}

	r = e.do("POST", "/__fake/callbacks/deliver", nil, map[string]any{
		"url": oa.ts.URL + "/wechat/oa/callback", "token": cbToken, "encoding_aes_key": key, "encrypted": true,
		"event": map[string]any{"type": "follow", "openid": "oOA_u"},
	})
	if r.status != 200 || r.body["status"] != float64(200) {
		t.Fatalf("deliver follow: %d %s", r.status, r.raw)
	}
	if got := oa.last(); !strings.Contains(got.plaintext, "<ToUserName><![CDATA[gh_bbbbbbbbbbbb]]></ToUserName>") || got.query.Get("openid") != "oOA_u" {
		t.Fatalf("follow delivered as %s %v", got.plaintext, got.query)
	}

	for _, kind := range []string{"change", "sent", "unfollow"} {
		target := mp
		if kind == "unfollow" {
			target = oa
		}
		r = e.do("POST", "/__fake/callbacks/deliver", nil, map[string]any{
			"url": target.ts.URL, "token": cbToken,
			"event": map[string]any{"type": kind, "openid": "o_k", "items": []map[string]string{{"template_id": "T", "status": "reject", "msg_id": "9", "error_code": "0", "error_status": "success"}}},
		})
		if r.status != 200 || r.body["status"] != float64(200) {
			t.Fatalf("deliver %s: %s", kind, r.raw)
		}
	}
	if got := mp.last().plaintext; !strings.Contains(got, "<MsgID>9</MsgID>") {
		t.Fatalf("sent delivered as %s", got)
	}

	r = e.do("POST", "/__fake/callbacks/deliver", nil, map[string]any{
		"url": mp.ts.URL, "token": cbToken, "bad_signature": true, "event": map[string]any{"type": "change", "openid": "o_u"},
	})
	if r.status != 200 || r.body["status"] != float64(403) || !strings.Contains(r.str("body"), "bad signature") {
		t.Fatalf("bad_signature: %s", r.raw)
	}

	for name, tc := range map[string]struct {
		body   map[string]any
		status int
	}{
		"empty":            {nil, 400},
		"unknown type":     {map[string]any{"url": mp.ts.URL, "token": cbToken, "event": map[string]any{"type": "wave", "openid": "o"}}, 400},
		"no openid":        {map[string]any{"url": mp.ts.URL, "token": cbToken, "event": map[string]any{"type": "popup"}}, 400},
		"oa as json":       {map[string]any{"url": oa.ts.URL, "token": cbToken, "format": "json", "event": map[string]any{"type": "follow", "openid": "o"}}, 400},
		"bad key":          {map[string]any{"url": mp.ts.URL, "token": cbToken, "encrypted": true, "encoding_aes_key": "short", "event": map[string]any{"type": "popup", "openid": "o"}}, 400},
		"unreachable host": {map[string]any{"url": "http://127.0.0.1:1/cb", "token": cbToken, "event": map[string]any{"type": "popup", "openid": "o"}}, 502},
	} {
		var body any
		if tc.body != nil {
			body = tc.body
		}
		if r := e.do("POST", "/__fake/callbacks/deliver", nil, body); r.status != tc.status || r.str("error") == "" {
			t.Errorf("%s: %d %s, want %d with an error", name, r.status, r.raw, tc.status)
		}
	}

	if r = e.do("POST", "/__fake/callbacks/verify", nil, map[string]string{"url": mp.ts.URL + "/wechat/callback", "token": cbToken}); r.status != 200 || r.body["ok"] != true {
		t.Fatalf("verify: %d %s", r.status, r.raw)
	}
	if r = e.do("POST", "/__fake/callbacks/verify", nil, map[string]string{"url": mp.ts.URL, "token": "wrong"}); r.status != 502 || !strings.Contains(r.str("error"), "verification failed") {
		t.Fatalf("verify with wrong token: %d %s", r.status, r.raw)
	}
	if r = e.do("POST", "/__fake/callbacks/verify", nil, nil); r.status != 400 {
		t.Fatalf("verify without url: %d %s", r.status, r.raw)
	}
	if r = e.do("GET", "/__fake/callbacks/deliver", nil, nil); r.status != 405 {
		t.Fatalf("GET deliver: %d", r.status)
	}
}
