package httpapi_test

import (
	"context"
	"net"
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

func (c *costCounter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		c.roundTrips.Add(1)
		c.commands.Add(1)
		return next(ctx, cmd)
	}
}

func (c *costCounter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		c.roundTrips.Add(1)
		c.commands.Add(int64(len(cmds)))
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
		check(t, "first sign-in", want{2, 2}, func() { first = e.signIn("cost-user") })
	})
	t.Run("repeat sign-in: one read", func(t *testing.T) {
		var again loginAnswer
		check(t, "repeat sign-in", want{1, 2}, func() { again = e.signIn("cost-user") })
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
		check(t, "sign-in at the cap", want{1, 3}, func() { e.signIn("cost-cap") })
		n := e.app.Redis.ZCard(t.Context(), e.cfg.Redis.KeyPrefix+"sessz:user:"+strconv.FormatInt(e.signIn("cost-cap").User.ID, 10)).Val()
		if n != session.MaxPerSubject {
			t.Fatalf("index holds %d sessions, want %d", n, session.MaxPerSubject)
		}
	})
}
