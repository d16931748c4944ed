package console_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestLogin_wrongPasswordThenRightGoesWhereAsked(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.client()
	first := c.get("/console/password")
	if first.Status != http.StatusSeeOther || first.Header.Get("Location") != "/console/login?next=%2Fconsole%2Fpassword" {
		t.Fatalf("signed out: %d %q", first.Status, first.Header.Get("Location"))
	}
	login := c.get(first.Header.Get("Location"))
	login.mustShow(t, "工作人员登录", `name="next" value="/console/password"`)
	bad := c.postForm("/console/login", url.Values{"username": {"demo_hrss"}, "password": {"wrong-password-1"}, "next": {"/console/password"}})
	if bad.Status != http.StatusUnauthorized {
		t.Fatalf("wrong password: %d", bad.Status)
	}
	bad.mustShow(t, "用户名或密码错误", `value="demo_hrss"`)
	ok := c.postForm("/console/login", url.Values{"username": {"demo_hrss"}, "password": {demoPassword}, "next": {"/console/password"}})
	if ok.Status != http.StatusSeeOther || ok.Header.Get("Location") != "/console/password" {
		t.Fatalf("sign in: %d %q", ok.Status, ok.Header.Get("Location"))
	}
	var cookie *http.Cookie
	for _, ck := range ok.Header.Values("Set-Cookie") {
		if strings.HasPrefix(ck, "hx_console=") {
			cookie, _ = http.ParseSetCookie(ck)
		}
	}
	if cookie == nil || !cookie.HttpOnly || cookie.SameSite != http.SameSiteStrictMode || cookie.Path != "/" {
		t.Fatalf("session cookie %+v, want HttpOnly, SameSite=Strict, Path=/", cookie)
	}
	c.follow(ok).mustShow(t, "修改密码", "区直部门")
	// An address outside the console is never a destination after sign-in.
	for _, next := range []string{"https://evil.example/", "//evil.example/", "/console//evil.example", "/api/v1/me"} {
		c2 := e.client()
		got := c2.postForm("/console/login", url.Values{"username": {"demo_hrss"}, "password": {demoPassword}, "next": {next}})
		if got.Header.Get("Location") != "/console/" {
			t.Errorf("next=%s: redirected to %q", next, got.Header.Get("Location"))
		}
	}
}

func TestLogin_lockoutMessage(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(v map[string]string) { v["HX_STAFF_MAX_FAILURES"] = "3" })
	c := e.client()
	var last page
	for range 5 {
		last = c.postForm("/console/login", url.Values{"username": {"demo_hrss"}, "password": {"wrong-password-1"}})
	}
	if last.Status != http.StatusLocked {
		t.Fatalf("after 5 failures: %d", last.Status)
	}
	last.mustShow(t, "登录失败次数过多")
}

func TestSession_bearerTokenIsNotAccepted(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	// A staff token of the JSON API opens the API, never the console.
	c := e.client()
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/admin/api/v1/auth/login", strings.NewReader(`{"username":"admin","password":"`+demoPassword+`"}`))
	req.Header.Set("Content-Type", "application/json")
	res := c.do(req)
	tok := res.Body[strings.Index(res.Body, `"token":"`)+9:]
	tok = tok[:strings.Index(tok, `"`)]
	req, _ = http.NewRequest(http.MethodGet, e.srv.URL+"/console/", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	if got := c.do(req); got.Status != http.StatusSeeOther {
		t.Fatalf("console with a bearer token: %d, want 303 to sign in", got.Status)
	}
}

func TestSession_crossSiteFormIsRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.as(districtR)
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/console/logout", nil)
	req.Header.Set("Origin", "https://evil.example")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	got := c.do(req)
	if got.Status != http.StatusForbidden {
		t.Fatalf("cross-site post: %d", got.Status)
	}
	got.mustShow(t, "请求来源不被允许")
	if c.get("/console/").Status != http.StatusOK {
		t.Fatal("the cross-site post signed the user out")
	}
}

func TestSecurityHeaders_strictCSPAndHashedStatic(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.as(districtR)
	home := c.get("/console/")
	csp := home.Header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'self'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
		t.Errorf("CSP allows inline code: %q", csp)
	}
	for _, bad := range []string{"<script>", " style=", "<style", " onclick=", " onsubmit="} {
		if strings.Contains(home.Body, bad) {
			t.Errorf("page has inline %q", bad)
		}
	}
	i := strings.Index(home.Body, "/console/static/console.")
	if i < 0 {
		t.Fatal("no stylesheet link")
	}
	href := home.Body[i:]
	href = href[:strings.Index(href, `"`)]
	css := c.get(href)
	if css.Status != 200 || !strings.Contains(css.Header.Get("Cache-Control"), "max-age=31536000") || !strings.HasPrefix(css.Header.Get("Content-Type"), "text/css") {
		t.Fatalf("static %s: %d %v", href, css.Status, css.Header)
	}
}

func TestPassword_forcedChangeAfterReset(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	st, err := e.app.Staff.GetByUsername(t.Context(), "demo_hrss")
	if err != nil {
		t.Fatal(err)
	}
	temp, err := e.app.Staff.ResetPassword(t.Context(), adminActor(), st.ID)
	if err != nil {
		t.Fatal(err)
	}
	c := e.client()
	got := c.postForm("/console/login", url.Values{"username": {"demo_hrss"}, "password": {temp}})
	if got.Header.Get("Location") != "/console/password" {
		t.Fatalf("after a reset, sign-in goes to %q", got.Header.Get("Location"))
	}
	if home := c.get("/console/"); home.Header.Get("Location") != "/console/password" {
		t.Fatalf("before the change the work bench redirects to %q", home.Header.Get("Location"))
	}
	mismatch := c.postForm("/console/password", url.Values{"old_password": {temp}, "new_password": {"Fresh-Pass-2026"}, "confirm_password": {"Fresh-Pass-2027"}})
	mismatch.mustShow(t, "两次输入的新密码不一致")
	weak := c.postForm("/console/password", url.Values{"old_password": {temp}, "new_password": {"short1"}, "confirm_password": {"short1"}})
	weak.mustShow(t, "密码至少 10 位")
	done := c.postForm("/console/password", url.Values{"old_password": {temp}, "new_password": {"Fresh-Pass-2026"}, "confirm_password": {"Fresh-Pass-2026"}})
	c.follow(done).mustShow(t, "密码已修改", "工作台")
}

// An htmx request whose session ended is sent to the sign-in page with HX-Redirect (htmx then
// loads the whole page), not given the sign-in form inside a table.
func TestSession_expiredHTMXRequestRedirects(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	got := e.client().htmx("/console/")
	if got.Status != http.StatusUnauthorized || got.Header.Get("HX-Redirect") != "/console/login" {
		t.Fatalf("htmx without a session: %d %q", got.Status, got.Header.Get("HX-Redirect"))
	}
}

func TestNotFound_isAnHTMLPage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	got := e.client().get("/console/no-such-page")
	if got.Status != http.StatusNotFound || !strings.HasPrefix(got.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("unknown console page: %d %s", got.Status, got.Header.Get("Content-Type"))
	}
	got.mustShow(t, "找不到页面", "返回工作台")
	if api := e.client().get("/api/v1/no-such"); !strings.Contains(api.Body, `"NOT_FOUND"`) {
		t.Fatalf("API 404 changed: %s", api.Body)
	}
}
