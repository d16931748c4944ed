package console

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"huixiang/internal/actor"
	"huixiang/internal/httpapi"
	"huixiang/internal/session"
	"huixiang/internal/sqldb"
)

// request is one console request: the gin context, the signed-in actor and the page.
type request struct {
	c     *gin.Context
	cs    *Console
	page  page
	actor actor.Actor
	sess  session.Session
	token string
	// flash is the message of the previous action (read once from its cookie).
	flash *flash
}

// Ctx is the request's context for service calls.
func (r *request) Ctx() context.Context { return r.c.Request.Context() }

// Actor is the signed-in staff member.
func (r *request) Actor() actor.Actor { return r.actor }

// HTMX reports whether htmx sent the request (it wants a fragment, not a page).
func (r *request) HTMX() bool { return r.c.GetHeader("HX-Request") == "true" }

// Query returns the query parameter name, trimmed.
func (r *request) Query(name string) string { return strings.TrimSpace(r.c.Query(name)) }

// Form returns the posted form value name, trimmed.
func (r *request) Form(name string) string { return strings.TrimSpace(r.c.PostForm(name)) }

// Param is the path parameter name.
func (r *request) Param(name string) string { return r.c.Param(name) }

// ID is the path parameter name as a positive integer; anything else is a 404.
func (r *request) ID(name string) (int64, error) {
	id, err := strconv.ParseInt(r.c.Param(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, errNotFound
	}
	return id, nil
}

// PageRequest reads page and page_size (defaults 1 and 50; bounded by sqldb.MaxPageSize).
func (r *request) PageRequest() sqldb.PageRequest {
	p, _ := strconv.Atoi(r.Query("page"))
	n, _ := strconv.Atoi(r.Query("page_size"))
	if n <= 0 {
		n = 50
	}
	return sqldb.PageRequest{Page: p, PageSize: n}.Norm()
}

// view is what every template gets: the page's own data under .Data.
type view struct {
	Actor actor.Actor
	// Who is the signed-in person's display name (the username when there is none).
	Who   string
	Title string
	Menu  []menuGroup
	Flash *flash
	Path  string
	// Query is the current URL's query, for links that keep the filters (paging, sorting).
	Query url.Values
	Data  any
}

// Page renders the full page tmpl (a file under templates/, without .html) with data, or, when
// htmx asked and fragment is not empty, only that fragment of it.
func (r *request) Page(status int, tmpl, fragment, title string, data any) error {
	who := r.sess.Attrs["display_name"]
	if who == "" {
		who = r.actor.Name
	}
	v := view{Actor: r.actor, Who: who, Title: title, Path: r.c.Request.URL.Path, Query: r.c.Request.URL.Query(), Data: data, Flash: r.takeFlash()}
	name := "layout"
	if r.HTMX() && fragment != "" {
		name = fragment
	} else if !r.page.Public || r.actor.IsStaff() {
		v.Menu = r.cs.menu(r.actor, r.page.Path)
	}
	if r.page.Public && !r.actor.IsStaff() {
		name = "bare"
		if r.HTMX() && fragment != "" {
			name = fragment
		}
	}
	var buf bytes.Buffer
	if err := r.cs.tpl.execute(&buf, tmpl, name, v); err != nil {
		return err
	}
	r.c.Data(status, "text/html; charset=utf-8", buf.Bytes())
	return nil
}

// OK renders the page with 200.
func (r *request) OK(tmpl, fragment, title string, data any) error {
	return r.Page(http.StatusOK, tmpl, fragment, title, data)
}

// Redirect answers a form post with 303 to path (under /console) and a message shown on the
// next page: the post/redirect/get pattern, so the back button and a reload never post twice.
// htmx follows the redirect itself; HX-Location makes it a full navigation.
func (r *request) Redirect(path, message string) error {
	if message != "" {
		r.setFlash(flash{Kind: "ok", Message: message})
	}
	to := "/console" + path
	if r.HTMX() {
		r.c.Header("HX-Redirect", to)
		r.c.Status(http.StatusNoContent)
		return nil
	}
	r.c.Redirect(http.StatusSeeOther, to)
	return nil
}

// flash is a one-time message after an action.
type flash struct {
	Kind    string // ok | error
	Message string
}

const flashCookie = "hx_flash"

func (r *request) setFlash(f flash) {
	v := base64.RawURLEncoding.EncodeToString([]byte(f.Kind + "|" + f.Message))
	http.SetCookie(r.c.Writer, &http.Cookie{Name: flashCookie, Value: v, Path: "/console", MaxAge: 60,
		HttpOnly: true, Secure: r.cs.d.SecureCookies, SameSite: http.SameSiteStrictMode})
}

func (r *request) takeFlash() *flash {
	if r.flash != nil {
		return r.flash
	}
	ck, err := r.c.Request.Cookie(flashCookie)
	if err != nil {
		return nil
	}
	http.SetCookie(r.c.Writer, &http.Cookie{Name: flashCookie, Value: "", Path: "/console", MaxAge: -1,
		HttpOnly: true, Secure: r.cs.d.SecureCookies, SameSite: http.SameSiteStrictMode})
	raw, err := base64.RawURLEncoding.DecodeString(ck.Value)
	if err != nil {
		return nil
	}
	kind, msg, ok := strings.Cut(string(raw), "|")
	if !ok || (kind != "ok" && kind != "error") {
		return nil
	}
	r.flash = &flash{Kind: kind, Message: msg}
	return r.flash
}

// Problem is how an error reads to the person: the console's own errors, or the API's words.
func Problem(err error) httpapi.Problem {
	var ce *consoleError
	if errors.As(err, &ce) {
		return httpapi.Problem{Status: ce.Status, Message: ce.Message}
	}
	return httpapi.Explain(err)
}

// errorData is what the error page and the error fragment show.
type errorData struct {
	Status  int
	Message string
}

// fail shows err once: a full error page, or, for htmx, a message fragment (htmx swaps 4xx/5xx
// answers only when told to: the layout's htmx-config lets it swap error answers into the
// target so the message appears where the result would have).
func (cs *Console) fail(r *request, err error) {
	p := Problem(err)
	if p.Status >= 500 {
		cs.d.Log.ErrorContext(r.Ctx(), "console request failed", "path", r.c.Request.URL.Path, "status", p.Status, "error", err.Error())
	}
	if p.RetryAfter > 0 {
		r.c.Header("Retry-After", strconv.Itoa(int(max(p.RetryAfter.Round(time.Second), time.Second)/time.Second)))
	}
	r.c.Abort()
	if p.Status == http.StatusUnauthorized {
		cs.toLogin(r)
		return
	}
	data := errorData{Status: p.Status, Message: p.Message}
	if rerr := r.Page(p.Status, "error", "error-message", "出错了", data); rerr != nil {
		cs.d.Log.ErrorContext(r.Ctx(), "console error page failed", "error", rerr.Error())
		r.c.String(p.Status, p.Message)
	}
}
