package console

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"huixiang/internal/session"
	"huixiang/internal/staff"
)

// cookieName is the session cookie's name: with the __Host- prefix (which the browser accepts
// only with Secure, Path=/ and no Domain) when the console is served over HTTPS.
func (cs *Console) cookieName() string {
	if cs.d.SecureCookies {
		return "__Host-hx_console"
	}
	return "hx_console"
}

func (cs *Console) setSessionCookie(c *gin.Context, token string, maxAge int) {
	http.SetCookie(c.Writer, &http.Cookie{Name: cs.cookieName(), Value: token, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: cs.d.SecureCookies, SameSite: http.SameSiteStrictMode})
}

// authenticate finds the staff session of the cookie (never the API's bearer token). Without
// one it sends the browser to the sign-in page and answers false; a session on a one-time
// password may only reach the password page and sign out.
func (cs *Console) authenticate(r *request) (bool, error) {
	ck, err := r.c.Request.Cookie(cs.cookieName())
	if err != nil || ck.Value == "" {
		cs.toLogin(r)
		return false, nil
	}
	sess, err := cs.d.Sessions.Lookup(r.Ctx(), session.KindStaff, ck.Value)
	if errors.Is(err, session.ErrExpired) {
		cs.setSessionCookie(r.c, "", -1)
		cs.toLogin(r)
		return false, nil
	}
	if err != nil {
		return false, err
	}
	r.sess, r.token = sess, ck.Value
	r.actor = staff.SessionActor(sess.SubjectID, sess.Attrs)
	if sess.Attrs[staff.AttrMustChangePassword] != "" && r.page.Path != "/password" && r.page.Path != "/logout" {
		r.setFlash(flash{Kind: "error", Message: "密码已被重置，请先设置新密码"})
		r.c.Redirect(http.StatusSeeOther, "/console/password")
		r.c.Abort()
		return false, nil
	}
	return true, nil
}

// toLogin sends the browser to the sign-in page, coming back to this page afterwards (GET only).
func (cs *Console) toLogin(r *request) {
	to := "/console/login"
	if r.c.Request.Method == http.MethodGet && !r.HTMX() {
		to += "?next=" + url.QueryEscape(r.c.Request.URL.RequestURI())
	}
	r.c.Abort()
	if r.HTMX() {
		r.c.Header("HX-Redirect", to)
		r.c.Status(http.StatusUnauthorized)
		return
	}
	r.c.Redirect(http.StatusSeeOther, to)
}

// safeNext keeps a post-sign-in destination inside the console (no open redirect).
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/console/") || strings.HasPrefix(next, "/console//") || strings.ContainsAny(next, "\\\r\n") {
		return "/console/"
	}
	return next
}

func (cs *Console) registerAuth(g *gin.RouterGroup) {
	cs.handle(g, page{Path: "/login", Title: "登录", Public: true}, cs.loginPage)
	cs.handle(g, page{Method: http.MethodPost, Path: "/login", Title: "登录", Public: true}, cs.login)
	cs.handle(g, page{Method: http.MethodPost, Path: "/logout", Title: "退出登录"}, cs.logout)
	cs.handle(g, page{Path: "/password", Title: "修改密码"}, cs.passwordPage)
	cs.handle(g, page{Method: http.MethodPost, Path: "/password", Title: "修改密码"}, cs.changePassword)
}

type loginData struct {
	Username string
	Next     string
	Error    string
}

func (cs *Console) loginPage(r *request) error {
	return r.OK("login", "", "登录", loginData{Next: safeNext(r.Query("next"))})
}

func (cs *Console) login(r *request) error {
	username, password := r.Form("username"), r.c.PostForm("password")
	data := loginData{Username: username, Next: safeNext(r.Form("next"))}
	if username == "" || password == "" || len(username) > 64 || len(password) > 256 {
		data.Error = "请输入用户名和密码"
		return r.Page(http.StatusUnprocessableEntity, "login", "", "登录", data)
	}
	st, err := cs.d.Staff.Login(r.Ctx(), username, password, r.c.ClientIP())
	if err != nil {
		p := Problem(err)
		if p.Status >= 500 && p.Status != http.StatusServiceUnavailable {
			return err
		}
		data.Error = p.Message // wrong password, locked, rate-limited, busy: the API's words
		return r.Page(p.Status, "login", "", "登录", data)
	}
	// A fresh session for every sign-in (no fixation); the old cookie's session ends.
	if ck, err := r.c.Request.Cookie(cs.cookieName()); err == nil && ck.Value != "" {
		_ = cs.d.Sessions.Delete(r.Ctx(), session.KindStaff, ck.Value)
	}
	token, ttl, err := cs.d.Sessions.Create(r.Ctx(), session.KindStaff, st.ID, staff.SessionAttrs(st))
	if err != nil {
		return err
	}
	cs.setSessionCookie(r.c, token, int(ttl.Seconds()))
	if st.MustChangePassword {
		r.setFlash(flash{Kind: "error", Message: "这是管理员重置的临时密码，请先设置新密码"})
		r.c.Redirect(http.StatusSeeOther, "/console/password")
		return nil
	}
	r.c.Redirect(http.StatusSeeOther, data.Next)
	return nil
}

func (cs *Console) logout(r *request) error {
	if err := cs.d.Sessions.Delete(r.Ctx(), session.KindStaff, r.token); err != nil {
		return err
	}
	cs.setSessionCookie(r.c, "", -1)
	r.c.Redirect(http.StatusSeeOther, "/console/login")
	return nil
}

type passwordData struct {
	Forced bool
	Error  string
	Field  string
}

func (cs *Console) passwordPage(r *request) error {
	return r.OK("password", "", "修改密码", passwordData{Forced: r.sess.Attrs[staff.AttrMustChangePassword] != ""})
}

func (cs *Console) changePassword(r *request) error {
	oldPw, newPw, confirm := r.c.PostForm("old_password"), r.c.PostForm("new_password"), r.c.PostForm("confirm_password")
	data := passwordData{Forced: r.sess.Attrs[staff.AttrMustChangePassword] != ""}
	switch {
	case oldPw == "" || newPw == "":
		data.Error, data.Field = "请填写原密码和新密码", "old_password"
	case len(oldPw) > 256 || len(newPw) > 512:
		data.Error, data.Field = "密码过长", "new_password"
	case newPw != confirm:
		data.Error, data.Field = "两次输入的新密码不一致", "confirm_password"
	}
	if data.Error != "" {
		return r.Page(http.StatusUnprocessableEntity, "password", "", "修改密码", data)
	}
	err := cs.d.Staff.ChangePassword(r.Ctx(), r.actor, r.sess.SubjectID, oldPw, newPw)
	if err != nil {
		p := Problem(err)
		if p.Status >= 500 {
			return err
		}
		data.Error, data.Field = p.Message, p.Field
		if data.Field == "" {
			data.Field = "new_password"
		}
		return r.Page(p.Status, "password", "", "修改密码", data)
	}
	if _, err := cs.d.Sessions.RevokeOthers(r.Ctx(), session.KindStaff, r.sess.SubjectID, r.token); err != nil {
		return err
	}
	if err := cs.d.Sessions.SetAttr(r.Ctx(), session.KindStaff, r.token, staff.AttrMustChangePassword, ""); err != nil {
		return err
	}
	return r.Redirect("/", "密码已修改，其他设备上的登录已退出")
}
