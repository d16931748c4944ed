// Package console is the staff console: server-rendered HTML pages under /console/ for township
// clerks and district reviewers, with htmx for partial updates and ECharts for charts. It calls
// the same feature services as the JSON admin API (internal/httpapi) with the same actor and the
// same permission questions, so no rule exists twice; it shows errors in the API's words
// (httpapi.Explain).
//
// Security: the staff session lives in an HttpOnly, SameSite=Strict cookie (Secure with the
// __Host- prefix when HX_HTTP_SECURE_COOKIES=true) and the bearer token of the JSON API is never
// read here; cross-origin writes are refused (http.CrossOriginProtection); every page carries a
// strict Content-Security-Policy with no inline script or style, and no-store.
package console

import (
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/jmoiron/sqlx"

	"huixiang/internal/actor"
	"huixiang/internal/alumni"
	"huixiang/internal/appeal"
	"huixiang/internal/application"
	"huixiang/internal/consultation"
	"huixiang/internal/match"
	"huixiang/internal/mentor"
	"huixiang/internal/merchant"
	"huixiang/internal/notice"
	"huixiang/internal/notify"
	"huixiang/internal/points"
	"huixiang/internal/policy"
	"huixiang/internal/project"
	"huixiang/internal/projectteam"
	"huixiang/internal/region"
	"huixiang/internal/returnee"
	"huixiang/internal/selection"
	"huixiang/internal/servicepoint"
	"huixiang/internal/session"
	"huixiang/internal/staff"
	"huixiang/internal/survey"
	"huixiang/internal/training"
	"huixiang/internal/upload"
	"huixiang/internal/visit"
)

// Deps is what the console's handlers use; internal/app wires it from the same services as the
// JSON API.
type Deps struct {
	Log          *slog.Logger
	DB           *sqlx.DB
	Sessions     *session.Store
	Staff        *staff.Service
	Regions      *region.Service
	Returnees    *returnee.Service
	Applications *application.Service
	Points       *points.Service
	Alumni       *alumni.Service
	Surveys      *survey.Service
	Notify       *notify.Service
	Uploads      *upload.Service
	// Policies is the policy library; Notices the staff notices; ServicePoints the service network.
	Policies      *policy.Service
	Notices       *notice.Service
	ServicePoints *servicepoint.Service
	// Selections are the yearly selections (评选).
	Selections *selection.Service
	// Mentors are the mentor team and their appointments.
	Mentors *mentor.Service
	// Trainings are the training tracks and the year's counts of talks and people trained.
	Trainings *training.Service
	// Consultations are the online consultations with mentors (导师线上问诊).
	Consultations *consultation.Service
	// Merchants is the merchant and talent database (楚商人才信息库).
	Merchants *merchant.Service
	// Projects are the investment projects (招商项目清单) and the year's count.
	Projects *project.Service
	// ProjectTeams are the service teams and approval milestones of signed projects (一对一帮办).
	ProjectTeams *projectteam.Service
	// Appeals are the requests (诉求清单化办理).
	Appeals *appeal.Service
	// Visits are the visits out and delegations in (叩门招商).
	Visits *visit.Service
	// Matches is the explainable matching of merchants and projects (招商匹配).
	Matches *match.Service
	// SecureCookies: the console is served over HTTPS (Secure cookie, __Host- prefix).
	SecureCookies bool
	// MaxUploadBytes bounds spreadsheet uploads (imports).
	MaxUploadBytes int64
	// Now is the clock (time.Now outside tests).
	Now func() time.Time
}

// Console serves the staff console.
type Console struct {
	d      Deps
	tpl    *templates
	assets *assets
	pages  []page
	cop    *http.CrossOriginProtection
}

// page is one console route: who may use it and, for menu entries, where it sits in the menu.
type page struct {
	Method string
	Path   string // under /console, e.g. "/returnees/:id"
	Title  string
	// Menu, when set, is the left menu's group ("" = not in the menu).
	Menu string
	// May answers whether the signed-in actor may use the page; nil = every staff member.
	May func(actor.Actor) bool
	// Public pages need no session (sign-in, static files).
	Public bool
}

// New parses the templates and hashes the static files; it fails on a broken template.
func New(d Deps) (*Console, error) {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	b, err := built()
	if err != nil {
		return nil, err
	}
	return &Console{d: d, assets: b.assets, tpl: b.tpl, cop: http.NewCrossOriginProtection()}, nil
}

// parsed is what New makes of the embedded static files and templates. It depends on nothing
// but them, so it is made once per process and shared by every Console (a parsed template is
// safe for concurrent use): a server builds one Console, but a test binary builds hundreds,
// and parsing ~100 templates and hashing the static files cost ~30 ms of CPU each time
// (10% of internal/httpapi's test CPU).
type parsed struct {
	assets *assets
	tpl    *templates
}

var built = sync.OnceValues(func() (parsed, error) {
	as, err := loadAssets()
	if err != nil {
		return parsed{}, err
	}
	tpl, err := parseTemplates(templateFuncs(as))
	if err != nil {
		return parsed{}, err
	}
	return parsed{assets: as, tpl: tpl}, nil
})

// handler is a console handler: it renders its answer or returns an error, which the console
// shows once (as a page, or as a message inside the fragment htmx asked for).
type handler func(r *request) error

// Mount registers the console's routes on g (the engine's /console group).
func (cs *Console) Mount(g *gin.RouterGroup) {
	g.Use(cs.headers(), cs.crossOrigin())
	g.GET("/static/:file", cs.serveStatic)
	cs.routes(g)
}

// routes lists every page. Each feature adds its pages in its own file's register function.
func (cs *Console) routes(g *gin.RouterGroup) {
	cs.registerAuth(g)
	cs.registerHome(g)
	cs.registerReturnees(g)
	cs.registerSurveys(g)
	cs.registerApplications(g)
	cs.registerAlumni(g)
	cs.registerEvents(g)
	cs.registerPoints(g)
	cs.registerPerks(g)
	cs.registerPolicies(g)
	cs.registerNotices(g)
	cs.registerServicePoints(g)
	cs.registerSelections(g)
	cs.registerMentors(g)
	cs.registerTrainings(g)
	cs.registerConsultations(g)
	cs.registerMerchants(g)
	cs.registerMerchantSheets(g)
	cs.registerProjects(g)
	cs.registerProjectTeams(g)
	cs.registerAppeals(g)
	cs.registerVisits(g)
	cs.registerMatches(g)
	cs.registerAlumniNeeds(g)
	cs.registerOutbox(g)
	cs.registerSystem(g)
}

// NotFound answers an unknown address under /console/ with the console's error page.
func (cs *Console) NotFound(c *gin.Context) {
	h := c.Writer.Header()
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("Cache-Control", "no-store")
	cs.fail(&request{c: c, cs: cs, page: page{Public: true}}, errNotFound)
}

// handle registers a page with its permission question and wraps h with the session check.
func (cs *Console) handle(g *gin.RouterGroup, p page, h handler) {
	if p.Method == "" {
		p.Method = http.MethodGet
	}
	cs.pages = append(cs.pages, p)
	g.Handle(p.Method, p.Path, func(c *gin.Context) {
		r := &request{c: c, cs: cs, page: p}
		if !p.Public {
			ok, err := cs.authenticate(r)
			if err != nil {
				cs.fail(r, err)
				return
			}
			if !ok {
				return // redirected to the sign-in or password page
			}
			if p.May != nil && !p.May(r.actor) {
				cs.fail(r, errForbidden)
				return
			}
		}
		if err := h(r); err != nil {
			cs.fail(r, err)
		}
	})
}

// Pages lists the registered routes (method, path under /console, title, menu group, public),
// for the page × role test that makes a page without a test entry fail.
func (cs *Console) Pages() []PageInfo {
	out := make([]PageInfo, 0, len(cs.pages))
	for _, p := range cs.pages {
		out = append(out, PageInfo{Method: p.Method, Path: p.Path, Title: p.Title, Menu: p.Menu, Public: p.Public})
	}
	return out
}

// PageInfo describes a console route.
type PageInfo struct {
	Method, Path, Title, Menu string
	Public                    bool
}

// menuGroups orders the left menu.
var menuGroups = []string{"工作台", "返乡人员", "意愿调查", "申请审核", "校友", "积分", "权益", "活动", "政策", "通知", "服务网点", "导师", "评选", "招商", "消息", "系统"}

type menuItem struct {
	Title, Href string
	Active      bool
}

type menuGroup struct {
	Title string
	Items []menuItem
}

// menu is the left menu for a: only the pages a may use, grouped.
func (cs *Console) menu(a actor.Actor, current string) []menuGroup {
	var out []menuGroup
	for _, g := range menuGroups {
		var items []menuItem
		for _, p := range cs.pages {
			if p.Menu != g || p.Method != http.MethodGet || (p.May != nil && !p.May(a)) {
				continue
			}
			href := "/console" + strings.TrimSuffix(p.Path, "/")
			if p.Path == "/" {
				href = "/console/"
			}
			items = append(items, menuItem{Title: p.Title, Href: href, Active: p.Path == cs.activeMenu(a, current)})
		}
		if len(items) > 0 {
			out = append(out, menuGroup{Title: g, Items: items})
		}
	}
	return out
}

// activeMenu is the menu page that current (a route path) belongs to: itself, or the menu page
// with the longest path that current lies under (/returnees/:id → /returnees).
func (cs *Console) activeMenu(a actor.Actor, current string) string {
	best := ""
	for _, p := range cs.pages {
		if p.Menu == "" || p.Method != http.MethodGet || (p.May != nil && !p.May(a)) {
			continue
		}
		if p.Path == current {
			return p.Path
		}
		if p.Path != "/" && strings.HasPrefix(current, p.Path+"/") && len(p.Path) > len(best) {
			best = p.Path
		}
	}
	return best
}

// contentSecurityPolicy: scripts, styles, images and requests from this origin only; no inline
// script or style (htmx's indicator styles are turned off in the layout's htmx-config), no
// plugins, no framing, forms post only here.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; " +
	"connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// headers sets the console's security headers over the API's defaults (which already say
// no-store, nosniff, no-referrer and DENY).
func (cs *Console) headers() gin.HandlerFunc {
	return func(c *gin.Context) {
		h := c.Writer.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("Cache-Control", "no-store")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Referrer-Policy", "same-origin")
		c.Next()
	}
}

// crossOrigin refuses cross-site writes (a form on another site posting here): Go's
// CrossOriginProtection reads Sec-Fetch-Site and Origin; the SameSite=Strict cookie is the
// second wall.
func (cs *Console) crossOrigin() gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := cs.cop.Check(c.Request); err != nil {
			c.Abort()
			r := &request{c: c, cs: cs}
			cs.fail(r, errCrossOrigin)
			return
		}
		c.Next()
	}
}

// consoleError is an error the console itself raises, with its status and Chinese message.
type consoleError struct {
	Status  int
	Message string
}

func (e *consoleError) Error() string { return fmt.Sprintf("console: %d %s", e.Status, e.Message) }

var (
	errForbidden   = &consoleError{Status: http.StatusForbidden, Message: "没有权限访问此页面"}
	errNotFound    = &consoleError{Status: http.StatusNotFound, Message: "页面不存在或已被删除"}
	errCrossOrigin = &consoleError{Status: http.StatusForbidden, Message: "请求来源不被允许：请从控制台页面内操作"}
)

// badInput is a 422 for a form value the console checks itself.
func badInput(msg string) error { //nolint:unused // for the feature pages' own form checks
	return &consoleError{Status: http.StatusUnprocessableEntity, Message: msg}
}
