package console_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"huixiang/internal/demo"
)

// pageCase is one row of the page × role table: a console page (as registered: method and
// path pattern), the address to open (with the demo data's IDs), and for each role the status
// and the text it must show. A role left out of Want must get 403 (staff) — anonymous visitors
// are always sent to the sign-in page.
type pageCase struct {
	Route string              // "GET /returnees/:id"
	Path  func(e *env) string // the address under /console; nil = the route's path
	Want  map[role]int
	Shows map[role][]string
}

// pageCases is filled by each feature's test file (addPages in an init function), so that a
// feature's pages and their table live together.
var pageCases []pageCase

func addPages(cs ...pageCase) { pageCases = append(pageCases, cs...) }

// every is Want for a page every staff role may open.
var every = map[role]int{townA: 200, townB: 200, dept: 200, districtR: 200}

func init() {
	addPages(
		pageCase{Route: "GET /", Want: every, Shows: map[role][]string{
			townA: {"工作台", "官埠桥镇（演示）", "镇（街道）"}, districtR: {"工作台", "区级管理员"}}},
		pageCase{Route: "GET /password", Want: every, Shows: map[role][]string{townA: {"修改密码", "再次输入新密码"}}},
	)
}

// TestPages_everyPageForEveryRole opens every console page as every role and checks the status
// and what is shown; a page without a row fails. Township A never sees township B's people on
// any page, nor B A's.
func TestPages_everyPageForEveryRole(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	clients := map[role]*client{}
	for _, r := range allRoles {
		clients[r] = e.as(r)
	}
	byRoute := map[string]pageCase{}
	for _, pc := range pageCases {
		byRoute[pc.Route] = pc
	}
	for _, p := range e.app.Console.Pages() {
		if p.Method != http.MethodGet || p.Public {
			continue
		}
		if _, ok := byRoute[p.Method+" "+p.Path]; !ok {
			t.Errorf("console page %s %s (%s) has no row in the page × role table (addPages)", p.Method, p.Path, p.Title)
		}
	}
	namesOf := func(township string) []string { return demo.PeopleOf(township) }
	hidden := map[role][]string{townA: namesOf("990102"), townB: namesOf("990101")}
	for _, pc := range pageCases {
		path := strings.TrimPrefix(pc.Route, "GET ")
		if pc.Path != nil {
			path = pc.Path(e)
		}
		for _, r := range allRoles {
			got := clients[r].get("/console" + path)
			want, ok := pc.Want[r]
			switch {
			case r == anon:
				if got.Status != http.StatusSeeOther || !strings.HasPrefix(got.Header.Get("Location"), "/console/login") {
					t.Errorf("%s as %s: %d %s, want 303 to the sign-in page", path, r, got.Status, got.Header.Get("Location"))
				}
				continue
			case !ok:
				want = http.StatusForbidden
			}
			if got.Status != want {
				t.Errorf("%s as %s: status %d, want %d", path, r, got.Status, want)
				continue
			}
			for _, s := range pc.Shows[r] {
				if !strings.Contains(got.Body, s) {
					t.Errorf("%s as %s does not show %q", path, r, s)
				}
			}
			for _, s := range hidden[r] {
				if strings.Contains(got.Body, s) {
					t.Errorf("%s as %s shows %q, a person of another township", path, r, s)
				}
			}
			if got.Status == http.StatusOK && got.Header.Get("Cache-Control") != "no-store" {
				t.Errorf("%s: Cache-Control %q, want no-store", path, got.Header.Get("Cache-Control"))
			}
		}
	}
}

// TestMenu_showsOnlyPagesTheRoleMayOpen: every menu link of every role opens with 200.
func TestMenu_showsOnlyPagesTheRoleMayOpen(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, r := range allRoles[1:] {
		c := e.as(r)
		home := c.get("/console/")
		for _, href := range menuLinks(home.Body) {
			if got := c.get(href); got.Status != http.StatusOK {
				t.Errorf("%s: menu link %s answers %d", r, href, got.Status)
			}
		}
	}
}

// menuLinks are the hrefs inside the page's <nav class="sidebar">.
func menuLinks(body string) []string {
	start := strings.Index(body, `<nav class="sidebar"`)
	end := strings.Index(body[max(start, 0):], "</nav>")
	if start < 0 || end < 0 {
		return nil
	}
	var out []string
	for _, part := range strings.Split(body[start:start+end], `href="`)[1:] {
		href, _, _ := strings.Cut(part, `"`)
		if !slices.Contains(out, href) {
			out = append(out, href)
		}
	}
	return out
}
