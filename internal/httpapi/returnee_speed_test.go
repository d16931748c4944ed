package httpapi_test

import (
	"fmt"
	"testing"

	"huixiang/internal/wxfake"
)

// sessionCounters reads the statement counters of the pool's one connection: Questions (every
// statement the client sent, this SHOW included) and the Com_* counters by kind.
func sessionCounters(t *testing.T, e *env) map[string]int {
	t.Helper()
	var rows []struct {
		Name  string `db:"Variable_name"`
		Value int    `db:"Value"`
	}
	if err := e.db.Select(&rows, `SHOW SESSION STATUS WHERE Variable_name IN ('Questions', 'Com_select', 'Com_insert',
		'Com_update', 'Com_delete', 'Com_begin', 'Com_commit', 'Com_rollback', 'Com_set_option')`); err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, r := range rows {
		out[r.Name] = r.Value
	}
	return out
}

// countStatements runs fn with the pool held to one connection and returns how many statements
// fn sent to MySQL, by kind ("Questions" is the total).
func countStatements(t *testing.T, e *env, fn func()) map[string]int {
	t.Helper()
	e.db.SetMaxOpenConns(1)
	defer e.db.SetMaxOpenConns(64)
	before := sessionCounters(t, e)
	fn()
	after := sessionCounters(t, e)
	out := map[string]int{}
	for k, v := range after {
		out[k] = v - before[k]
	}
	out["Questions"]-- // the first SHOW
	return out
}

// The mini program's save of one's own record is the hottest write path: count what one PUT
// /api/v1/me/returnee sends to MySQL and to WeChat's content check, for a first registration, an
// unchanged form (a confirmation), changed fields with the same text (what scripts/bench.sh
// sends), changed option lists, and changed text. The bounds hold the gains of issue 9 (option
// lists and regions cached, the content check skipped for text it passed, the record and its
// tags read once, one statement per join table).
func TestMyReturnee_putStatementCount(t *testing.T) {
	e := newEnv(t)
	seedRegions(t, e)
	tok := e.registrant("o_count", "13811119999")
	// Warm the caches as a running server would have them.
	expect(t, e.do("GET", "/api/v1/options", tok, nil), 200, "")
	expect(t, e.do("GET", "/api/v1/regions", tok, nil), 200, "")

	changed := func(edit func(f map[string]any)) func() map[string]any {
		return func() map[string]any {
			f := form(77, "990101")
			edit(f)
			return f
		}
	}
	cases := []struct {
		name   string
		form   func() map[string]any
		max    int
		checks int
	}{
		// New text (a first save, changed text): the transaction that finds no passed text for it
		// is rolled back before it writes (BEGIN, the locking reads, ROLLBACK), WeChat checks the
		// text, and a second transaction saves. A user with a person and a record has both locked
		// and read by one statement; a first save's look for them finds none, and each of its two
		// transactions takes the long way (person by user, by ID number, insert) after it: two
		// statements more, once per user.
		{"create", changed(func(map[string]any) {}), 16, 1},
		{"unchanged", changed(func(map[string]any) {}), 6, 0},
		{"changed years, same text", changed(func(f map[string]any) { f["years_away"] = 13 }), 6, 0},
		{"changed tags and village", changed(func(f map[string]any) {
			f["needs"] = []string{"mentor"}
			f["intended_fields"] = []string{"tea"}
			f["village_code"] = "990101002"
		}), 8, 0},
		{"changed text", changed(func(f map[string]any) { f["skills_text"] = "会电焊" }), 11, 1},
	}
	for _, c := range cases {
		before := e.wx.Calls(wxfake.PathMsgSecCheck)
		got := countStatements(t, e, func() {
			expect(t, e.do("PUT", "/api/v1/me/returnee", tok, c.form()), 200, "")
		})
		checks := e.wx.Calls(wxfake.PathMsgSecCheck) - before
		t.Logf("PUT /api/v1/me/returnee (%s): %d statements %v, %d content checks", c.name, got["Questions"], got, checks)
		if got["Questions"] > c.max {
			t.Errorf("%s: %d statements, want at most %d: %v", c.name, got["Questions"], c.max, got)
		}
		if checks != c.checks {
			t.Errorf("%s: %d content checks, want %d", c.name, checks, c.checks)
		}
	}
}

// A save whose text equals the text WeChat last passed is not checked again; new text is, and
// risky new text is refused even on a record whose earlier text passed. Text kept while WeChat
// was down (pending) is checked again on the next save.
func TestMyReturnee_contentCheckOnlyForNewText(t *testing.T) {
	e := newEnv(t)
	seedRegions(t, e)
	tok := e.registrant("o_hash", "13811118888")
	checks := func() int { return e.wx.Calls(wxfake.PathMsgSecCheck) }

	e.wx.SetOutage(wxfake.OutageHTTP502)
	expect(t, e.do("PUT", "/api/v1/me/returnee", tok, form(78, "990101")), 200, "")
	e.wx.SetOutage(wxfake.OutageNone)
	n := checks()
	var rec recordAnswer
	r := e.do("PUT", "/api/v1/me/returnee", tok, form(78, "990101"))
	expect(t, r, 200, "")
	r.json(t, &rec)
	if checks() != n+1 || rec.ContentReview != "ok" {
		t.Fatalf("pending text saved again: %d checks, content_review %q; want checked again and ok", checks()-n, rec.ContentReview)
	}
	n = checks()
	f := form(78, "990101")
	f["years_away"] = 3
	expect(t, e.do("PUT", "/api/v1/me/returnee", tok, f), 200, "")
	if checks() != n {
		t.Fatalf("unchanged text checked again")
	}
	e.wx.SetRiskyWords("赌博")
	f["skills_text"] = "擅长网络赌博"
	expect(t, e.do("PUT", "/api/v1/me/returnee", tok, f), 422, "CONTENT_REJECTED")
	if checks() != n+1 {
		t.Fatalf("new text not checked")
	}
	// A staff edit of the text clears the passed hash: the user's next save is checked again.
	admin := e.staffToken("admin", adminPasswd)
	get := e.do("GET", fmt.Sprintf("/admin/api/v1/returnees/%d", rec.PersonID), admin, nil)
	expect(t, get, 200, "")
	var cur recordAnswer
	get.json(t, &cur)
	expect(t, e.do("PATCH", fmt.Sprintf("/admin/api/v1/returnees/%d", rec.PersonID), admin,
		map[string]any{"version": cur.Version, "skills_text": "会开叉车"}), 200, "")
	n = checks()
	f = form(78, "990101")
	f["years_away"] = 3
	expect(t, e.do("PUT", "/api/v1/me/returnee", tok, f), 200, "")
	if checks() != n+1 {
		t.Fatalf("text after a staff edit not checked")
	}
}

// The answer of a save is the record as a read gives it, without reading it again.
func TestMyReturnee_putAnswersWhatGetReads(t *testing.T) {
	e := newEnv(t)
	seedRegions(t, e)
	tok := e.registrant("o_same", "13811117777")
	f := form(79, "990101")
	f["intention"] = "started"
	f["business"] = map[string]any{"name": "茶叶店", "type": "individual", "started_on": "2024-05-01", "jobs_created": 3}
	for i, edit := range []func(){func() {}, func() {}, func() { f["years_away"] = 2; f["needs"] = []string{"mentor"} }} {
		edit()
		put := e.do("PUT", "/api/v1/me/returnee", tok, f)
		expect(t, put, 200, "")
		get := e.do("GET", "/api/v1/me/returnee", tok, nil)
		if string(put.Body) != string(get.Body) {
			t.Fatalf("save %d answered\n%s\nbut a read gives\n%s", i, put.Body, get.Body)
		}
	}
}
