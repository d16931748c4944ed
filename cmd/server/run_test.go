package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"huixiang/internal/sqldb"
	"huixiang/internal/testenv"
	"huixiang/internal/wxfake"
)

// syncBuffer is an io.Writer safe for the server goroutine and the test to share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func baseEnv(t *testing.T, dsn string) map[string]string {
	_, prefix := testenv.Redis(t)
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	fake := httptest.NewServer(wxfake.New(wxfake.Options{AppID: "wxrun", Secret: "runsecret"}))
	t.Cleanup(fake.Close)
	return map[string]string{
		"HX_HTTP_ADDR": freeAddr(t), "HX_MYSQL_DSN": dsn, "HX_REDIS_ADDR": testenv.RedisAddr(), "HX_REDIS_KEY_PREFIX": prefix,
		"HX_WECHAT_APPID": "wxrun", "HX_WECHAT_SECRET": "runsecret", "HX_WECHAT_API_BASE": fake.URL,
		"HX_PII_KEY": base64.StdEncoding.EncodeToString(key), "HX_ADMIN_BOOTSTRAP_PASSWORD": "Bootstrap12345",
		"HX_UPLOAD_DIR": t.TempDir(), "HX_METRICS_ADDR": freeAddr(t),
	}
}

func TestRun_servesUntilCancelledThenShutsDown(t *testing.T) {
	t.Parallel()
	vars := baseEnv(t, testenv.MySQLDSN(t))
	ctx, cancel := context.WithCancel(context.Background())
	var out syncBuffer
	done := make(chan error, 1)
	go func() { done <- run(ctx, nil, func(k string) string { return vars[k] }, &out, &out) }()

	url := "http://" + vars["HX_HTTP_ADDR"]
	var ready bool
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if res, err := http.Get(url + "/healthz"); err == nil {
			res.Body.Close()
			ready = res.StatusCode == 200
			break
		}
	}
	if !ready {
		t.Fatalf("server never became healthy:\n%s", out.String())
	}
	res, err := http.Get(url + "/readyz")
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("/readyz: %v %v", res, err)
	}
	res.Body.Close()
	res, err = http.Post(url+"/admin/api/v1/auth/login", "application/json", strings.NewReader(`{"username":"admin","password":"Bootstrap12345"}`))
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("bootstrap admin cannot sign in: %v %v", res, err)
	}
	res.Body.Close()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run returned %v", err)
		}
	case <-time.After(25 * time.Second):
		t.Fatal("run did not return after cancel")
	}
	logs := out.String()
	if !strings.Contains(logs, `"msg":"stopped"`) {
		t.Fatalf("no clean stop in logs:\n%s", logs)
	}
	for _, secret := range []string{vars["HX_PII_KEY"], "runsecret", "Bootstrap12345"} {
		if strings.Contains(logs, secret) {
			t.Fatalf("a secret reached the logs: %s", secret)
		}
	}
}

func TestRun_refusesOlderSchemaUnlessAutoMigrate(t *testing.T) {
	t.Parallel()
	dsn := testenv.MySQLDSN(t)
	db := testenv.MySQLAt(t, dsn)
	if _, err := db.Exec("DELETE FROM goose_db_version WHERE version_id > 0"); err != nil {
		t.Fatal(err)
	}
	vars := baseEnv(t, dsn)
	var out syncBuffer
	err := run(context.Background(), nil, func(k string) string { return vars[k] }, &out, &out)
	if !errors.Is(err, sqldb.ErrSchemaOutdated) || !strings.Contains(err.Error(), "HX_MYSQL_AUTO_MIGRATE") {
		t.Fatalf("run on an old schema = %v, want ErrSchemaOutdated naming the way out", err)
	}
}

func TestRun_configErrorsNameTheKey(t *testing.T) {
	t.Parallel()
	vars := map[string]string{"HX_MYSQL_DSN": "x:y@tcp(127.0.0.1:1)/z", "HX_WECHAT_APPID": "a", "HX_WECHAT_SECRET": "b"}
	err := run(context.Background(), nil, func(k string) string { return vars[k] }, &bytes.Buffer{}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "HX_PII_KEY") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("err = %v, want one line naming HX_PII_KEY", err)
	}
}

func TestRun_migrateSeedAndStaffCommands(t *testing.T) {
	t.Parallel()
	dsn := testenv.MySQLDSN(t)
	vars := baseEnv(t, dsn)
	get := func(k string) string { return vars[k] }
	var out bytes.Buffer
	ctx := context.Background()
	for _, args := range [][]string{{"migrate"}, {"seed"}, {"seed"}} {
		if err := run(ctx, args, get, &out, &out); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out.String())
		}
	}
	if strings.Count(out.String(), "created demo staff demo_guanbuqiao") != 1 {
		t.Fatalf("seed is not idempotent:\n%s", out.String())
	}
	vars["HX_STAFF_PASSWORD"] = "Ledger-2468-x"
	if err := run(ctx, []string{"staff", "create", "-username", "clerk", "-role", "department", "-department", "区教育局"}, get, &out, &out); err != nil {
		t.Fatal(err)
	}
	if err := run(ctx, []string{"staff", "revoke-sessions", "-username", "clerk"}, get, &out, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "revoked 0 sessions of clerk") {
		t.Fatalf("output:\n%s", out.String())
	}
	for _, sub := range []string{"unlock", "reset-password"} {
		if err := run(ctx, []string{"staff", sub, "-username", "clerk"}, get, &out, &out); err != nil {
			t.Fatalf("staff %s: %v", sub, err)
		}
	}
	if !strings.Contains(out.String(), "unlocked clerk") || !strings.Contains(out.String(), "one-time password of clerk (must be changed at the next sign-in): ") {
		t.Fatalf("output:\n%s", out.String())
	}
	vars["HX_STAFF_PASSWORD"] = "weak"
	if err := run(ctx, []string{"staff", "create", "-username", "clerk2", "-role", "department", "-department", "x"}, get, &out, &out); err == nil {
		t.Fatal("weak password accepted")
	}
	db := testenv.MySQLAt(t, dsn)
	var n int
	db.Get(&n, "SELECT COUNT(*) FROM audit_log WHERE action = 'staff.create' AND actor_name = 'cli'")
	if n != 1 {
		t.Fatalf("cli create audit rows = %d", n)
	}
}
