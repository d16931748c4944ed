package httpapi_test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"regexp"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/redis/go-redis/v9"

	"huixiang/internal/config"
	"huixiang/internal/session"
)

// costCounter counts what requests cost: the statements MariaDB executed (the session Questions
// counter of the pool's one connection: the env runs with one connection, so every statement of
// the server goes through it) and the Redis round trips and commands (a hook on the app's
// client: one round trip per command sent alone, one per pipeline).
type costCounter struct {
	e          *env
	roundTrips atomic.Int64
	commands   atomic.Int64
}

func (c *costCounter) DialHook(next redis.DialHook) redis.DialHook {
	return func(ctx context.Context, network, addr string) (net.Conn, error) { return next(ctx, network, addr) }
}

// handshake is a new connection's setup (HELLO, then CLIENT SETINFO pipelined): the pool's
// work, not a request's; the pool may open a connection in any request.
func handshake(cmd redis.Cmder) bool { return cmd.Name() == "hello" || cmd.Name() == "client" }

func (c *costCounter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if !handshake(cmd) {
			c.roundTrips.Add(1)
			c.commands.Add(1)
		}
		return next(ctx, cmd)
	}
}

func (c *costCounter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if !handshake(cmds[0]) {
			c.roundTrips.Add(1)
			c.commands.Add(int64(len(cmds)))
		}
		return next(ctx, cmds)
	}
}

// questions reads the connection's statement counter (the SHOW itself counts one).
func (c *costCounter) questions() int64 {
	c.e.t.Helper()
	var name, v string
	if err := c.e.db.QueryRowx(`SHOW SESSION STATUS LIKE 'Questions'`).Scan(&name, &v); err != nil {
		c.e.t.Fatal(err)
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		c.e.t.Fatal(err)
	}
	return n
}

// cost is what fn cost: statements, Redis round trips, Redis commands.
func (c *costCounter) cost(fn func()) (statements, roundTrips, commands int64) {
	q0 := c.questions()
	r0, c0 := c.roundTrips.Load(), c.commands.Load()
	fn()
	r1, c1 := c.roundTrips.Load(), c.commands.Load()
	return c.questions() - q0 - 1, r1 - r0, c1 - c0
}

func newCostEnv(t *testing.T) (*env, *costCounter) {
	e := newEnv(t, func(c *config.Config) { c.MySQL.MaxOpenConns, c.MySQL.MaxIdleConns = 1, 1 })
	cc := &costCounter{e: e}
	e.app.Redis.AddHook(cc)
	// The counter's own reading is one statement, on the same connection.
	if s, _, _ := cc.cost(func() {}); s != 0 {
		t.Fatalf("counting overhead %d statements, want 0", s)
	}
	return e, cc
}

// The write paths of issue 9: a sign-in and GET /me, counted in statements and round trips. The
// numbers are the design: a repeat sign-in reads the user once; the rate limit is one Lua call;
// the session and its index are one pipeline; /me is one session read and one primary-key read.
func TestLoginAndMe_statementsAndRedisRoundTripsPerRequest(t *testing.T) {
	e, cc := newCostEnv(t)
	e.signIn("cost-warm") // loads the rate limit's script into Redis (EVALSHA from here on)

	type want struct{ statements, roundTrips int64 }
	check := func(t *testing.T, name string, w want, fn func()) {
		t.Helper()
		s, rt, cmds := cc.cost(fn)
		t.Logf("%s: %d statements, %d Redis round trips (%d commands)", name, s, rt, cmds)
		if s != w.statements || rt != w.roundTrips {
			t.Fatalf("%s: %d statements and %d Redis round trips, want %d and %d", name, s, rt, w.statements, w.roundTrips)
		}
	}
	var first loginAnswer
	t.Run("first sign-in: one read, one insert; rate limit + session pipeline", func(t *testing.T) {
		check(t, "first sign-in", want{2, 2}, func() { first = e.signInOnly("cost-user") })
	})
	t.Run("repeat sign-in: one read", func(t *testing.T) {
		var again loginAnswer
		check(t, "repeat sign-in", want{1, 2}, func() { again = e.signInOnly("cost-user") })
		if again.User.ID != first.User.ID || again.User.ID == 0 {
			t.Fatalf("repeat sign-in user %d, first %d", again.User.ID, first.User.ID)
		}
	})
	t.Run("GET /me: one session read, one user read", func(t *testing.T) {
		check(t, "GET /me", want{1, 1}, func() { expect(t, e.do("GET", "/api/v1/me", first.Token, nil), 200, "") })
	})
	t.Run("sign-in beyond the session cap: one more round trip ends the oldest", func(t *testing.T) {
		for range session.MaxPerSubject {
			e.signIn("cost-cap")
		}
		check(t, "sign-in at the cap", want{1, 3}, func() { e.signInOnly("cost-cap") })
		n := e.app.Redis.ZCard(t.Context(), e.cfg.Redis.KeyPrefix+"sessz:user:"+strconv.FormatInt(e.signIn("cost-cap").User.ID, 10)).Val()
		if n != session.MaxPerSubject {
			t.Fatalf("index holds %d sessions, want %d", n, session.MaxPerSubject)
		}
	})
}

// The submit of issue 9: one POST /api/v1/applications/{id}/submit of an individual loan with its
// two ID photos, counted in statements.
func TestSubmit_statementsPerRequest(t *testing.T) {
	e, cc := newCostEnv(t)
	seedRegions(t, e)
	tok := e.entrepreneur("o_cost_submit", 91)
	mk := func() appAnswer {
		f := loanForm(10000000)
		f["attachments"] = []string{e.uploadKind(tok, "id_front"), e.uploadKind(tok, "id_back")}
		return e.createApp(tok, f)
	}
	// A first submit warms whatever is loaded once.
	warm := mk()
	expect(t, e.act(tok, fmt.Sprintf("/api/v1/applications/%d/submit", warm.ID), warm.Version, nil), 200, "")
	a := mk()
	s, _, _ := cc.cost(func() {
		expect(t, e.act(tok, fmt.Sprintf("/api/v1/applications/%d/submit", a.ID), a.Version, nil), 200, "")
	})
	t.Logf("submit: %d statements", s)
	const most = 8
	if s > most {
		t.Fatalf("submit: %d statements, want at most %d", s, most)
	}
}

// signedURLs are the attachments' short-lived signed URLs and their expiries, which a later
// read may sign anew.
var signedURLs = regexp.MustCompile(`"url":"[^"]*","url_expires_at":"[^"]*"`)

// The submit's answer is built from what the submit read and wrote, not read back: it must be
// byte for byte the GET that follows (signed URLs aside), for a draft and for a returned
// application resubmitted (its reviewer's field comments cleared).
func TestSubmit_answerEqualsFollowingGet(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	seedRegions(t, e)
	tok := e.entrepreneur("o_submit_same", 92)
	same := func(t *testing.T, id int64, submit response) {
		t.Helper()
		expect(t, submit, 200, "")
		get := e.do("GET", fmt.Sprintf("/api/v1/applications/%d", id), tok, nil)
		expect(t, get, 200, "")
		a, b := signedURLs.ReplaceAll(submit.Body, nil), signedURLs.ReplaceAll(get.Body, nil)
		if !bytes.Equal(a, b) {
			t.Fatalf("submit answered\n%s\nGET answers\n%s", submit.Body, get.Body)
		}
		if bytes.Count(submit.Body, []byte(`"url_expires_at"`)) != bytes.Count(get.Body, []byte(`"url_expires_at"`)) {
			t.Fatalf("attachments differ:\n%s\n%s", submit.Body, get.Body)
		}
	}
	t.Run("loan draft", func(t *testing.T) {
		f := loanForm(10000000)
		f["attachments"] = []string{e.uploadKind(tok, "id_front"), e.uploadKind(tok, "id_back")}
		a := e.createApp(tok, f)
		same(t, a.ID, e.act(tok, fmt.Sprintf("/api/v1/applications/%d/submit", a.ID), a.Version, nil))
	})
	t.Run("subsidy returned and resubmitted", func(t *testing.T) {
		a := e.submitted(tok, subsidyForm(), "business_licence", "id_front", "id_back")
		town := e.staffOf("town_same", "township", "990101")
		r := e.act(town, fmt.Sprintf("/admin/api/v1/applications/%d/review", a.ID), a.Version, map[string]any{"decision": "return",
			"comment": "请核对", "field_comments": map[string]string{"bank_account": "账号不对"}})
		expect(t, r, 200, "")
		r.json(t, &a)
		same(t, a.ID, e.act(tok, fmt.Sprintf("/api/v1/applications/%d/submit", a.ID), a.Version, nil))
	})
}
