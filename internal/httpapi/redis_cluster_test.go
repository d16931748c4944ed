package httpapi_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"huixiang/internal/config"
	"huixiang/internal/wxfake"
)

// redisCluster starts a real three-master Redis Cluster on 127.0.0.1 (Debian's redis-server
// with cluster-enabled, joined by redis-cli --cluster create) and returns its addresses joined
// by commas, the form HX_REDIS_ADDR takes. The servers are stopped when the test ends. Missing
// binaries fail the test: scripts/services.sh installs redis-server (which ships redis-cli)
// before make test, so a missing one is a broken setup, not a reason to skip.
func redisCluster(t *testing.T) string {
	t.Helper()
	server, err := exec.LookPath("redis-server")
	if err != nil {
		t.Fatalf("redis-server not found (run scripts/services.sh, or apt-get install redis-server): %v", err)
	}
	cli, err := exec.LookPath("redis-cli")
	if err != nil {
		t.Fatalf("redis-cli not found (run scripts/services.sh, or apt-get install redis-tools): %v", err)
	}
	addrs := make([]string, 3)
	for i := range addrs {
		port := freePort(t)
		dir := t.TempDir()
		cmd := exec.Command(server, "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
			"--cluster-enabled", "yes", "--cluster-config-file", filepath.Join(dir, "nodes.conf"),
			"--cluster-node-timeout", "5000", "--save", "", "--appendonly", "no", "--dir", dir,
			"--daemonize", "no", "--logfile", filepath.Join(dir, "redis.log"))
		if err := cmd.Start(); err != nil {
			t.Fatalf("start %s: %v", server, err)
		}
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		addrs[i] = "127.0.0.1:" + strconv.Itoa(port)
		waitRedis(t, addrs[i], filepath.Join(dir, "redis.log"))
	}
	args := append([]string{"--cluster", "create"}, addrs...)
	args = append(args, "--cluster-replicas", "0", "--cluster-yes")
	if out, err := exec.Command(cli, args...).CombinedOutput(); err != nil {
		t.Fatalf("redis-cli --cluster create: %v\n%s", err, out)
	}
	// Every node must agree the cluster is whole before clients use it.
	deadline := time.Now().Add(15 * time.Second)
	for _, a := range addrs {
		c := redis.NewClient(&redis.Options{Addr: a})
		for {
			info, err := c.ClusterInfo(context.Background()).Result()
			if err == nil && strings.Contains(info, "cluster_state:ok") {
				break
			}
			if time.Now().After(deadline) {
				c.Close()
				t.Fatalf("cluster not ok on %s: %v %s", a, err, info)
			}
			time.Sleep(100 * time.Millisecond)
		}
		c.Close()
	}
	return strings.Join(addrs, ",")
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func waitRedis(t *testing.T, addr, logFile string) {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: addr})
	defer c.Close()
	for range 100 {
		if c.Ping(context.Background()).Err() == nil {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	log, _ := os.ReadFile(logFile)
	t.Fatalf("redis-server on %s did not answer PING:\n%s", addr, log)
}

// TestRedisCluster_signInSessionsTokenCacheAndLimits runs the server against a real Redis
// Cluster (HX_REDIS_ADDR with three addresses): every Redis use of the sign-in path must work
// when its keys live in different slots on different masters, and every multi-key operation
// must keep its keys in one slot (hash tags), or Redis answers CROSSSLOT.
func TestRedisCluster_signInSessionsTokenCacheAndLimits(t *testing.T) {
	addrs := redisCluster(t)
	e := newEnv(t, func(c *config.Config) { c.Redis.Addr = addrs })
	if _, ok := e.app.Redis.(*redis.ClusterClient); !ok {
		t.Fatalf("HX_REDIS_ADDR=%s made a %T, want *redis.ClusterClient", addrs, e.app.Redis)
	}
	ctx := t.Context()

	// keysPerMaster lists the test's keys matching pattern on each master (KEYS on a
	// ClusterClient asks one node only).
	keysPerMaster := func(pattern string) map[string][]string {
		var mu sync.Mutex
		out := map[string][]string{}
		err := e.app.Redis.(*redis.ClusterClient).ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error {
			keys, err := c.Keys(ctx, e.cfg.Redis.KeyPrefix+pattern).Result()
			mu.Lock()
			out[c.Options().Addr] = keys
			mu.Unlock()
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}

	t.Run("mini-program sign-in, session lookup and logout", func(t *testing.T) {
		var tokens []string
		for i := range 6 {
			a := e.signIn(fmt.Sprintf("o_cluster_%d", i))
			expect(t, e.do("GET", "/api/v1/me", a.Token, nil), 200, "")
			tokens = append(tokens, a.Token)
		}
		// One user signing in twice holds two sessions in one index.
		again := e.signIn("o_cluster_0")
		expect(t, e.do("GET", "/api/v1/me", again.Token, nil), 200, "")
		expect(t, e.do("POST", "/api/v1/auth/logout", tokens[0], nil), 204, "")
		expect(t, e.do("GET", "/api/v1/me", tokens[0], nil), 401, "SESSION_EXPIRED")
		expect(t, e.do("GET", "/api/v1/me", again.Token, nil), 200, "")
		expect(t, e.do("GET", "/api/v1/me", tokens[1], nil), 200, "")
		masters := 0
		spread := keysPerMaster("*")
		for _, keys := range spread {
			if len(keys) > 0 {
				masters++
			}
		}
		if masters < 2 {
			t.Fatalf("the test's keys sit on %d master(s) (%v); the cluster is not exercised", masters, spread)
		}
	})

	t.Run("WeChat access token cached in the cluster, stale token refreshed once", func(t *testing.T) {
		a := e.signIn("o_cluster_phone")
		before := e.wx.Calls(wxfake.PathStableToken)
		expect(t, e.do("POST", "/api/v1/me/phone", a.Token, map[string]string{"code": e.wx.IssuePhoneCode("13800000011")}), 200, "")
		expect(t, e.do("POST", "/api/v1/me/phone", a.Token, map[string]string{"code": e.wx.IssuePhoneCode("13800000012")}), 200, "")
		if got := e.wx.Calls(wxfake.PathStableToken) - before; got != 1 {
			t.Fatalf("token fetches for two phone bindings = %d, want 1 (the second from the cache)", got)
		}
		found := 0
		for _, keys := range keysPerMaster("*access_token*") {
			found += len(keys)
		}
		if found == 0 {
			t.Fatalf("no access token key under %s in the cluster", e.cfg.Redis.KeyPrefix)
		}
		e.wx.InvalidateTokens()
		before = e.wx.Calls(wxfake.PathStableToken)
		expect(t, e.do("POST", "/api/v1/me/phone", a.Token, map[string]string{"code": e.wx.IssuePhoneCode("13800000013")}), 200, "")
		if got := e.wx.Calls(wxfake.PathStableToken) - before; got != 1 {
			t.Fatalf("token fetches after 40001 = %d, want 1", got)
		}
	})

	t.Run("staff sign-in, sessions and revoke-all", func(t *testing.T) {
		admin := e.staffToken("admin", adminPasswd)
		r := e.do("POST", "/admin/api/v1/staff", admin, map[string]string{
			"username": "cluster_town", "password": "Township12345", "role": "township", "township_code": "990101"})
		expect(t, r, 201, "")
		var created struct {
			ID int64 `json:"id"`
		}
		r.json(t, &created)
		var town []string
		for range 3 {
			town = append(town, e.staffToken("cluster_town", "Township12345"))
		}
		for _, tok := range town {
			expect(t, e.do("GET", "/admin/api/v1/me", tok, nil), 200, "")
		}
		expect(t, e.do("POST", "/admin/api/v1/auth/logout", town[0], nil), 204, "")
		expect(t, e.do("GET", "/admin/api/v1/me", town[0], nil), 401, "SESSION_EXPIRED")
		r = e.do("POST", fmt.Sprintf("/admin/api/v1/staff/%d/revoke-sessions", created.ID), admin, nil)
		expect(t, r, 200, "")
		if string(r.Body) != `{"revoked":2}` {
			t.Fatalf("revoke = %s", r.Body)
		}
		for _, tok := range town {
			expect(t, e.do("GET", "/admin/api/v1/me", tok, nil), 401, "SESSION_EXPIRED")
		}
		expect(t, e.do("GET", "/admin/api/v1/me", admin, nil), 200, "")
		// Wrong passwords: the lockout counters work in the cluster too.
		for range 4 {
			expect(t, e.staffLogin("cluster_town", "Wrong-password-9"), 401, "INVALID_CREDENTIALS")
		}
		if r := e.staffLogin("cluster_town", "Wrong-password-9"); r.Status != 423 && r.Status != 429 {
			t.Fatalf("fifth wrong password: status %d, want 423 (or 429); body %s", r.Status, r.Body)
		}
	})

	// Rate limits (internal/ratelimit, issue #8): many wrong sign-ins from one address, each for
	// another username so that no per-username lock answers first, end in 429 RATE_LIMITED.
	// The limiter's counters are Redis keys, here spread over the cluster's masters. The test
	// harness raises the limits out of the way (every test request comes from 127.0.0.1), so
	// this subtest sets the per-address staff limit itself, on a server of its own.
	t.Run("rate limit: repeated staff sign-ins from one address get 429 RATE_LIMITED", func(t *testing.T) {
		const limit = 8
		e := newEnv(t, func(c *config.Config) {
			c.Redis.Addr = addrs
			c.Staff.LoginPerIP = limit
		})
		for i := range limit + 1 {
			r := e.staffLogin(fmt.Sprintf("nobody_%d", i), "Whatever12345")
			if i < limit {
				expect(t, r, 401, "INVALID_CREDENTIALS")
				continue
			}
			expect(t, r, 429, "RATE_LIMITED")
			if r.Header.Get("Retry-After") == "" {
				t.Fatal("429 without Retry-After")
			}
		}
	})
}
