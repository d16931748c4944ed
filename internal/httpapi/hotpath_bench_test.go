package httpapi_test

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"huixiang/internal/app"
	"huixiang/internal/config"
	"huixiang/internal/testenv"
	"huixiang/internal/wxfake"
)

// The hot paths' benchmarks: the real router and middleware chain on real MariaDB and Redis,
// called in-process (no sockets), so that `go test -bench Me -cpuprofile` shows where the
// server's CPU per request goes (scripts/bench.sh measures the same paths over the network):
//
//	go test -run '^$' -bench 'BenchmarkMe|BenchmarkUserLogin' -benchmem -cpuprofile /tmp/cpu.out ./internal/httpapi/
//	go tool pprof -top /tmp/cpu.out

// benchApp is a server of the real stack for a benchmark: warn-level logs, as in production.
func benchApp(b *testing.B) (*app.App, *wxfake.Server) {
	b.Helper()
	fake := wxfake.New(wxfake.Options{AppID: "wxbench0000000001", Secret: testSecret})
	fakeSrv := httptest.NewServer(fake)
	b.Cleanup(fakeSrv.Close)
	_, prefix := testenv.Redis(b)
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	vars := map[string]string{
		"HX_MYSQL_DSN":                  testenv.MySQLDSN(b),
		"HX_REDIS_ADDR":                 testenv.RedisAddr(),
		"HX_REDIS_KEY_PREFIX":           prefix,
		"HX_WECHAT_APPID":               "wxbench0000000001",
		"HX_WECHAT_SECRET":              testSecret,
		"HX_WECHAT_API_BASE":            fakeSrv.URL,
		"HX_PII_KEY":                    base64.StdEncoding.EncodeToString(key),
		"HX_ADMIN_BOOTSTRAP_PASSWORD":   adminPasswd,
		"HX_LOG_LEVEL":                  "warn",
		"HX_UPLOAD_DIR":                 b.TempDir(),
		"HX_LIMITS_WECHAT_LOGIN_PER_IP": "100000000",
	}
	cfg, err := config.Load("", func(k string) string { return vars[k] })
	if err != nil {
		b.Fatal(err)
	}
	a, err := app.New(cfg, slog.New(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelWarn})))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(a.Close)
	if err := a.PrepareSchema(b.Context(), 5*time.Second); err != nil {
		b.Fatal(err)
	}
	return a, fake
}

func benchLogin(b *testing.B, h http.Handler, code string) string {
	b.Helper()
	req := httptest.NewRequest("POST", "/api/v1/auth/login", strings.NewReader(`{"code":"`+code+`"}`))
	req.Header.Set("Content-Type", "application/json")
	req.RemoteAddr = "127.0.0.1:40000"
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 200 {
		b.Fatalf("login: %d %s", rec.Code, rec.Body)
	}
	var a struct{ Token string }
	_ = json.Unmarshal(rec.Body.Bytes(), &a)
	return a.Token
}

func BenchmarkMe(b *testing.B) {
	a, fake := benchApp(b)
	token := benchLogin(b, a.Handler, fake.IssueLoginCode("o_bench_me", ""))
	b.ReportAllocs()
	b.SetParallelism(16) // many requests in flight, as under load
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req := httptest.NewRequest("GET", "/api/v1/me", nil)
			req.Header.Set("Authorization", "Bearer "+token)
			req.RemoteAddr = "127.0.0.1:40000"
			rec := httptest.NewRecorder()
			a.Handler.ServeHTTP(rec, req)
			if rec.Code != 200 {
				b.Errorf("me: %d %s", rec.Code, rec.Body)
				return
			}
		}
	})
}

// BenchmarkUserLogin signs in repeat users (the common case); the codes are minted untimed.
func BenchmarkUserLogin(b *testing.B) {
	a, fake := benchApp(b)
	const users = 200
	openids := make([]string, users)
	for i := range openids {
		openids[i] = "o_bench_login_" + base64.RawURLEncoding.EncodeToString([]byte{byte(i)})
		benchLogin(b, a.Handler, fake.IssueLoginCode(openids[i], ""))
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		b.StopTimer()
		code := fake.IssueLoginCode(openids[i%users], "")
		i++
		b.StartTimer()
		benchLogin(b, a.Handler, code)
	}
}
