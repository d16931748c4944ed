package wxfake

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"
)

// maxOAValue is the longest template message value, in characters, the fake
// accepts.
const maxOAValue = 200

// Follower is a user as the official account knows them.
type Follower struct {
	OpenID  string `json:"openid"`
	UnionID string `json:"unionid,omitempty"`
	// Subscribed is whether the user follows the account now.
	Subscribed bool `json:"subscribed"`
	// SubscribeTime is when the user last followed.
	SubscribeTime time.Time `json:"subscribe_time"`
}

type follower struct {
	unionid    string
	subscribed bool
	since      time.Time
}

// OAMiniProgram is the mini program page a template message opens.
type OAMiniProgram struct {
	AppID    string `json:"appid"`
	PagePath string `json:"pagepath"`
}

// OATemplateMessage is an official account template message the fake
// accepted.
type OATemplateMessage struct {
	ToUser      string            `json:"touser"`
	TemplateID  string            `json:"template_id"`
	URL         string            `json:"url,omitempty"`
	MiniProgram *OAMiniProgram    `json:"miniprogram,omitempty"`
	ClientMsgID string            `json:"client_msg_id,omitempty"`
	Data        map[string]string `json:"data"`
	MsgID       int64             `json:"msgid"`
	Time        time.Time         `json:"time"`
}

// randomOAOpenID mimics an official account openid: 28 characters starting
// with "o", like a mini-program one, but with "OA" after the "o" so that a
// mix-up of the two kinds shows in logs.
func randomOAOpenID() string {
	return "oOA" + randomString(20)[:25]
}

// AddFollower makes a user follow the official account and returns their
// openid there. A unionid that already belongs to a follower names the same
// user, who follows again under the same openid; an empty unionid makes a new
// follower each time (an account not bound to the open platform).
func (s *Server) AddFollower(unionid string) (oaOpenID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.opts.Now()
	if id, ok := s.followerByUnion[unionid]; ok && unionid != "" {
		if f := s.followers[id]; !f.subscribed {
			f.subscribed, f.since = true, now
		}
		return id
	}
	oaOpenID = randomOAOpenID()
	s.followers[oaOpenID] = &follower{unionid: unionid, subscribed: true, since: now}
	s.followerOrder = append(s.followerOrder, oaOpenID)
	if unionid != "" {
		s.followerByUnion[unionid] = oaOpenID
	}
	return oaOpenID
}

// SetFollowing makes a follower follow (again) or unfollow the official
// account. It panics on an openid AddFollower did not return, because that is
// a bug in the calling test.
func (s *Server) SetFollowing(oaOpenID string, following bool) {
	if !s.setFollowing(oaOpenID, following) {
		panic("wxfake: unknown official account openid " + oaOpenID)
	}
}

func (s *Server) setFollowing(oaOpenID string, following bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, ok := s.followers[oaOpenID]
	if !ok {
		return false
	}
	if following && !f.subscribed {
		f.since = s.opts.Now()
	}
	f.subscribed = following
	return true
}

// Followers returns every user AddFollower created, followed or not, oldest
// first.
func (s *Server) Followers() []Follower {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Follower, len(s.followerOrder))
	for i, id := range s.followerOrder {
		f := s.followers[id]
		out[i] = Follower{OpenID: id, UnionID: f.unionid, Subscribed: f.subscribed, SubscribeTime: f.since}
	}
	return out
}

// RegisterOATemplate declares an official account template and its data
// keys, such as "thing1" or "time3". Registering an id again replaces its
// keys.
func (s *Server) RegisterOATemplate(id string, keys ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.oaTemplates[id] = append([]string(nil), keys...)
}

// OATemplates returns the registered official account templates and their
// keys.
func (s *Server) OATemplates() map[string][]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string][]string, len(s.oaTemplates))
	for id, keys := range s.oaTemplates {
		out[id] = append([]string(nil), keys...)
	}
	return out
}

// OASent returns a copy of the template messages accepted so far, oldest
// first.
func (s *Server) OASent() []OATemplateMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]OATemplateMessage, len(s.oaSent))
	for i, m := range s.oaSent {
		m.Data = cloneMap(m.Data)
		if m.MiniProgram != nil {
			mp := *m.MiniProgram
			m.MiniProgram = &mp
		}
		out[i] = m
	}
	return out
}

// handleOAUserInfo answers GET /cgi-bin/user/info. The fake knows no
// nicknames or avatars: WeChat stopped returning them in 2021.
func (s *Server) handleOAUserInfo(w http.ResponseWriter, r *http.Request) {
	if !s.checkToken(w, r, s.opts.OAAppID) {
		return
	}
	q := r.URL.Query()
	openid := q.Get("openid")
	switch q.Get("lang") {
	case "", "zh_CN", "zh_TW", "en":
	default:
		writeErr(w, ErrArgumentInvalid, "argument invalid! lang invalid")
		return
	}
	s.mu.Lock()
	f, ok := s.followers[openid]
	var info Follower
	if ok {
		info = Follower{OpenID: openid, UnionID: f.unionid, Subscribed: f.subscribed, SubscribeTime: f.since}
	}
	s.mu.Unlock()
	if !ok {
		writeErr(w, ErrInvalidOpenID, "")
		return
	}
	if !info.Subscribed {
		// The unionid stays: it comes from the open platform binding, not
		// from the subscription.
		writeJSON(w, struct {
			Subscribe int    `json:"subscribe"`
			OpenID    string `json:"openid"`
			UnionID   string `json:"unionid,omitempty"`
		}{0, info.OpenID, info.UnionID})
		return
	}
	writeJSON(w, struct {
		Subscribe      int    `json:"subscribe"`
		OpenID         string `json:"openid"`
		Language       string `json:"language"`
		SubscribeTime  int64  `json:"subscribe_time"`
		UnionID        string `json:"unionid,omitempty"`
		Remark         string `json:"remark"`
		GroupID        int    `json:"groupid"`
		TagIDList      []int  `json:"tagid_list"`
		SubscribeScene string `json:"subscribe_scene"`
		QRScene        int    `json:"qr_scene"`
		QRSceneStr     string `json:"qr_scene_str"`
	}{
		Subscribe: 1, OpenID: info.OpenID, Language: "zh_CN", SubscribeTime: info.SubscribeTime.Unix(),
		UnionID: info.UnionID, TagIDList: []int{}, SubscribeScene: "ADD_SCENE_SEARCH",
	})
}

// handleOATemplateSend answers POST /cgi-bin/message/template/send. The data
// must carry exactly the template's keys, each value at most 200 characters.
func (s *Server) handleOATemplateSend(w http.ResponseWriter, r *http.Request) {
	if !s.checkToken(w, r, s.opts.OAAppID) {
		return
	}
	var req struct {
		ToUser      string         `json:"touser"`
		TemplateID  string         `json:"template_id"`
		URL         string         `json:"url"`
		MiniProgram *OAMiniProgram `json:"miniprogram"`
		ClientMsgID string         `json:"client_msg_id"`
		Data        map[string]struct {
			Value json.RawMessage `json:"value"`
			Color string          `json:"color"`
		} `json:"data"`
	}
	if !decodeBody(w, r, &req) {
		return
	}

	s.mu.Lock()
	f, userOK := s.followers[req.ToUser]
	following := userOK && f.subscribed
	keys, tmplOK := s.oaTemplates[req.TemplateID]
	s.mu.Unlock()
	switch {
	case !userOK:
		writeErr(w, ErrInvalidOpenID, "")
		return
	case !following:
		writeErr(w, ErrRequireSubscribe, "")
		return
	case req.TemplateID == "" || !tmplOK:
		writeErr(w, ErrInvalidTemplateID, "")
		return
	}
	for _, k := range keys {
		if _, ok := req.Data[k]; !ok {
			writeErr(w, ErrArgumentInvalid, "argument invalid! data."+k+" missing")
			return
		}
	}
	allowed := make(map[string]bool, len(keys))
	for _, k := range keys {
		allowed[k] = true
	}
	data := make(map[string]string, len(req.Data))
	for _, k := range sortedKeys(req.Data) {
		v, ok := rawValue(req.Data[k].Value)
		if !allowed[k] || !ok || utf8.RuneCountInString(v) > maxOAValue {
			writeErr(w, ErrArgumentInvalid, "argument invalid! data."+k+".value invalid")
			return
		}
		data[k] = v
	}
	// The SDK always sends a miniprogram object; an empty one means none.
	mp := req.MiniProgram
	if mp != nil && strings.TrimSpace(mp.AppID) == "" && strings.TrimSpace(mp.PagePath) == "" {
		mp = nil
	}

	s.mu.Lock()
	s.nextMsgID++
	msgID := s.nextMsgID
	s.oaSent = append(s.oaSent, OATemplateMessage{
		ToUser:      req.ToUser,
		TemplateID:  req.TemplateID,
		URL:         req.URL,
		MiniProgram: mp,
		ClientMsgID: req.ClientMsgID,
		Data:        data,
		MsgID:       msgID,
		Time:        s.opts.Now(),
	})
	s.mu.Unlock()
	writeJSON(w, struct {
		errBody
		MsgID int64 `json:"msgid"`
	}{errBody{0, "ok"}, msgID})
}
