package httpapi_test

import (
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"huixiang/internal/config"
	"huixiang/internal/testenv"
)

// waitStatus polls until path answers want, since pools notice a restored link on a later use.
func waitStatus(t *testing.T, e *env, path, token string, want int) response {
	t.Helper()
	var r response
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if r = e.do("GET", path, token, nil); r.Status == want {
			return r
		}
	}
	t.Fatalf("%s never answered %d; last %d %s", path, want, r.Status, r.Body)
	return r
}

func TestRedisDown_503ThenRecovers(t *testing.T) {
	t.Parallel()
	proxy := testenv.NewProxy(t, testenv.RedisAddr())
	// Cut closes every connection, so the outage answers at once; the timeout only has to
	// outlast a slow Redis call on a loaded machine around it.
	e := newEnv(t, func(c *config.Config) { c.Redis.Addr = proxy.Addr(); c.Redis.Timeout = 2 * time.Second })
	tok := e.signIn("o_jack").Token
	admin := e.staffToken("admin", adminPasswd)

	proxy.Cut()
	for _, req := range []struct{ method, path, token string }{
		{"GET", "/api/v1/me", tok},
		{"GET", "/admin/api/v1/me", admin},
		{"POST", "/api/v1/auth/logout", tok},
	} {
		r := e.do(req.method, req.path, req.token, nil)
		expect(t, r, 503, "DEPENDENCY_UNAVAILABLE")
		if r.Header.Get("Retry-After") == "" {
			t.Fatalf("%s: no Retry-After", req.path)
		}
	}
	expect(t, e.do("POST", "/api/v1/auth/login", "", map[string]string{"code": e.wx.IssueLoginCode("o_jack", "")}), 503, "DEPENDENCY_UNAVAILABLE")
	expect(t, e.staffLogin("admin", adminPasswd), 503, "DEPENDENCY_UNAVAILABLE")
	r := e.do("GET", "/readyz", "", nil)
	if r.Status != 503 || string(r.Body) != `{"mysql":"ok","redis":"unavailable"}` {
		t.Fatalf("/readyz = %d %s", r.Status, r.Body)
	}
	expect(t, e.do("GET", "/healthz", "", nil), 200, "")

	proxy.Restore()
	waitStatus(t, e, "/api/v1/me", tok, 200) // the session survived in Redis
	waitStatus(t, e, "/readyz", "", 200)
}

func TestMySQLDown_503ThenRecovers(t *testing.T) {
	t.Parallel()
	dsn := testenv.MySQLDSN(t)
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	proxy := testenv.NewProxy(t, cfg.Addr)
	cfg.Addr = proxy.Addr()
	e := newEnv(t, func(c *config.Config) {
		c.MySQL.DSN = cfg.FormatDSN()
		// Cut closes every connection, so the outage answers at once; the timeout only has to
		// outlast a slow query on a loaded machine after the restore (500 ms did not in CI).
		c.MySQL.QueryTimeout = 3 * time.Second
	})
	tok := e.signIn("o_kim").Token

	proxy.Cut()
	expect(t, e.do("GET", "/api/v1/me", tok, nil), 503, "DEPENDENCY_UNAVAILABLE")
	expect(t, e.do("POST", "/api/v1/auth/login", "", map[string]string{"code": e.wx.IssueLoginCode("o_kim", "")}), 503, "DEPENDENCY_UNAVAILABLE")
	expect(t, e.staffLogin("admin", adminPasswd), 503, "DEPENDENCY_UNAVAILABLE")
	r := e.do("GET", "/readyz", "", nil)
	if r.Status != 503 || string(r.Body) != `{"mysql":"unavailable","redis":"ok"}` {
		t.Fatalf("/readyz = %d %s", r.Status, r.Body)
	}

	proxy.Restore()
	waitStatus(t, e, "/api/v1/me", tok, 200)
	e.signIn("o_kim")
	e.staffToken("admin", adminPasswd)
}
