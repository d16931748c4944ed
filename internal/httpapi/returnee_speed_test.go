package httpapi_test

import (
	"testing"
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
// /api/v1/me/returnee sends to MySQL, for a first registration, an unchanged form (a
// confirmation), a changed form, and a changed form whose user text is unchanged. The bounds
// hold the gains of issue 9 (option lists and regions cached, no second read, one multi-row
// statement per join table).
func TestMyReturnee_putStatementCount(t *testing.T) {
	e := newEnv(t)
	seedRegions(t, e)
	tok := e.registrant("o_count", "13811119999")
	// Warm the caches as a running server would have them.
	expect(t, e.do("GET", "/api/v1/options", tok, nil), 200, "")

	cases := []struct {
		name string
		form func() map[string]any
		max  int
	}{
		{"create", func() map[string]any { return form(77, "990101") }, 14},
		{"unchanged", func() map[string]any { return form(77, "990101") }, 10},
		{"changed tags and village", func() map[string]any {
			f := form(77, "990101")
			f["needs"] = []string{"mentor"}
			f["village_code"] = "990101002"
			return f
		}, 13},
		{"changed text", func() map[string]any {
			f := form(77, "990101")
			f["needs"] = []string{"mentor"}
			f["village_code"] = "990101002"
			f["skills_text"] = "会电焊"
			return f
		}, 13},
	}
	for _, c := range cases {
		got := countStatements(t, e, func() {
			expect(t, e.do("PUT", "/api/v1/me/returnee", tok, c.form()), 200, "")
		})
		t.Logf("PUT /api/v1/me/returnee (%s): %d statements %v", c.name, got["Questions"], got)
		if got["Questions"] > c.max {
			t.Errorf("%s: %d statements, want at most %d: %v", c.name, got["Questions"], c.max, got)
		}
	}
}
