package httpapi_test

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"huixiang/internal/app"
	"huixiang/internal/config"
	"huixiang/internal/privacy"
	"huixiang/internal/region"
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
		"HX_LIMITS_WECHAT_PER_IP":       "100000000",
		"HX_LIMITS_WECHAT_PER_USER":     "100000000",
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

// reportCPU reports the test process's CPU time (user + system: the server's work, the driver's
// and the kernel's for its sockets, not MariaDB's or Redis') per operation as "cpu-µs/op", the
// number to compare when changing a hot path: ns/op also moves with the other processes.
// Call it after the set-up; call what it returns when the timed loop is done.
func reportCPU(b *testing.B) (done func()) {
	b.Helper()
	start := processCPU()
	return func() {
		if b.N > 0 {
			b.ReportMetric(float64((processCPU()-start).Microseconds())/float64(b.N), "cpu-µs/op")
		}
	}
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func BenchmarkMe(b *testing.B) {
	a, fake := benchApp(b)
	token := benchLogin(b, a.Handler, fake.IssueLoginCode("o_bench_me", ""))
	b.ReportAllocs()
	b.SetParallelism(16) // many requests in flight, as under load
	defer reportCPU(b)()
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

// BenchmarkRegister times PUT /api/v1/me/returnee as scripts/bench.sh's register scenario sends
// it: 16 registered users in parallel, each PUT changing years_away (the update path with its
// history row; the text is unchanged, so WeChat's content check is not asked again).
func BenchmarkRegister(b *testing.B) {
	a, fake := benchApp(b)
	ctx := b.Context()
	district := "990100"
	must := func(err error) {
		if err != nil {
			b.Fatal(err)
		}
	}
	must(region.Upsert(ctx, a.DB, region.Region{Code: district, Level: 1, Name: "咸安区", IsDemo: true}, 0))
	town := "990101"
	must(region.Upsert(ctx, a.DB, region.Region{Code: town, ParentCode: &district, Level: 2, Name: "官埠桥镇", IsDemo: true}, 0))
	must(region.Upsert(ctx, a.DB, region.Region{Code: town + "001", ParentCode: &town, Level: 3, Name: "官埠桥镇1村", IsDemo: true}, 1))
	do := func(method, path, token string, body any) *httptest.ResponseRecorder {
		bs, _ := json.Marshal(body)
		req := httptest.NewRequest(method, path, bytes.NewReader(bs))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		req.RemoteAddr = "127.0.0.1:40000"
		rec := httptest.NewRecorder()
		a.Handler.ServeHTTP(rec, req)
		return rec
	}
	const users = 16
	tokens := make([]string, users)
	base := int(time.Now().UnixNano()/1e6) % 100000 * 20
	form := func(i, rev int) map[string]any {
		return map[string]any{"name": "测试", "id_card": idNumber(base + i), "township_code": town, "village_code": town + "001",
			"status": "returned", "returned_on": "2025-03-01", "work_province": "广东省", "work_city": "东莞市",
			"industry": "电子制造", "years_away": rev % 40, "skills": []string{"electrician"}, "skills_text": "会电焊",
			"intention": "preparing", "intended_fields": []string{"tea"}, "needs": []string{"funds", "training"}}
	}
	for i := range tokens {
		tokens[i] = benchLogin(b, a.Handler, fake.IssueLoginCode("o_bench_reg_"+strconv.Itoa(base+i), ""))
		if rec := do("POST", "/api/v1/me/privacy-consent", tokens[i], map[string]string{"version": privacy.CurrentVersion}); rec.Code != 204 {
			b.Fatalf("privacy consent: %d %s", rec.Code, rec.Body)
		}
		if rec := do("POST", "/api/v1/me/phone", tokens[i], map[string]string{"code": fake.IssuePhoneCode(fmt.Sprintf("138%08d", base+i))}); rec.Code != 200 {
			b.Fatalf("phone: %d %s", rec.Code, rec.Body)
		}
		if rec := do("PUT", "/api/v1/me/returnee", tokens[i], form(i, 0)); rec.Code != 200 {
			b.Fatalf("register: %d %s", rec.Code, rec.Body)
		}
	}
	var next atomic.Int64
	b.ReportAllocs()
	b.SetParallelism(users / runtime.GOMAXPROCS(0))
	b.RunParallel(func(pb *testing.PB) {
		i := int(next.Add(1)-1) % users
		for rev := 1; pb.Next(); rev++ {
			if rec := do("PUT", "/api/v1/me/returnee", tokens[i], form(i, rev)); rec.Code != 200 {
				b.Errorf("register: %d %s", rec.Code, rec.Body)
				return
			}
		}
	})
}
