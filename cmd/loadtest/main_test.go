package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	var lat []time.Duration
	for i := 1; i <= 100; i++ {
		lat = append(lat, time.Duration(i)*time.Millisecond)
	}
	for _, tc := range []struct {
		p    float64
		want time.Duration
	}{{50, 50 * time.Millisecond}, {90, 90 * time.Millisecond}, {99, 99 * time.Millisecond}, {100, 100 * time.Millisecond}, {0.1, time.Millisecond}} {
		if got := percentile(lat, tc.p); got != tc.want {
			t.Errorf("percentile(1..100ms, %v) = %v, want %v", tc.p, got, tc.want)
		}
	}
	if got := percentile(nil, 99); got != 0 {
		t.Errorf("percentile(nil) = %v, want 0", got)
	}
	if got := percentile([]time.Duration{7}, 99); got != 7 {
		t.Errorf("percentile of one sample = %v, want 7", got)
	}
}

func TestMedian(t *testing.T) {
	if got := median([]float64{3, 1, 2}); got != 2 {
		t.Errorf("median(3,1,2) = %v", got)
	}
	if got := median([]float64{4, 1, 3, 2}); got != 2.5 {
		t.Errorf("median(4,1,3,2) = %v", got)
	}
}

func TestRequireLoopback(t *testing.T) {
	for _, ok := range []string{"http://127.0.0.1:8080", "http://127.9.9.9", "http://localhost:1", "http://[::1]:80"} {
		if err := requireLoopback(ok); err != nil {
			t.Errorf("requireLoopback(%q) = %v, want nil", ok, err)
		}
	}
	for _, bad := range []string{"http://10.0.0.1:8080", "http://192.168.1.2", "http://example.com", "https://127.0.0.1", "http://0.0.0.0:80"} {
		if err := requireLoopback(bad); err == nil {
			t.Errorf("requireLoopback(%q) = nil, want an error", bad)
		}
	}
}

// fakeAPI is a stand-in for the server and the WeChat stand-in at once: it mints codes, signs
// them in once each, and answers /api/v1/me and /floor; every tenth /floor answers 503.
type fakeAPI struct {
	mu     sync.Mutex
	codes  map[string]bool // code -> used
	n      atomic.Int64
	logins atomic.Int64
}

func (f *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/__fake/login-code":
		code := "c" + time.Now().Format("150405.000000000") + string(rune('a'+f.n.Add(1)%26))
		f.mu.Lock()
		f.codes[code] = false
		f.mu.Unlock()
		_ = json.NewEncoder(w).Encode(map[string]string{"code": code})
	case "/api/v1/auth/login":
		var req struct{ Code string }
		_ = json.NewDecoder(r.Body).Decode(&req)
		f.mu.Lock()
		used, ok := f.codes[req.Code]
		f.codes[req.Code] = true
		f.mu.Unlock()
		if !ok || used {
			http.Error(w, `{"error":{"code":"WECHAT_CODE_INVALID"}}`, http.StatusUnauthorized)
			return
		}
		f.logins.Add(1)
		_ = json.NewEncoder(w).Encode(map[string]any{"token": "tok-" + req.Code, "expires_in": 604800})
	case "/api/v1/me":
		if !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer tok-") {
			http.Error(w, "no session", http.StatusUnauthorized)
			return
		}
		_, _ = io.WriteString(w, `{"id":1}`)
	case "/floor":
		if f.n.Add(1)%10 == 0 {
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		_, _ = io.WriteString(w, `{"row":{}}`)
	default:
		http.NotFound(w, r)
	}
}

func runCmd(t *testing.T, args ...string) (result, string) {
	t.Helper()
	var out bytes.Buffer
	if err := run(context.Background(), args, func(string) string { return "" }, &out); err != nil {
		t.Fatalf("run %v: %v\n%s", args, err, out.String())
	}
	var res result
	for _, line := range strings.Split(out.String(), "\n") {
		if strings.HasPrefix(line, "{") {
			if err := json.Unmarshal([]byte(line), &res); err != nil {
				t.Fatalf("bad JSON line %q: %v", line, err)
			}
		}
	}
	return res, out.String()
}

func TestRunScenarios(t *testing.T) {
	api := &fakeAPI{codes: map[string]bool{}}
	srv := httptest.NewServer(api)
	defer srv.Close()
	common := []string{"-url", srv.URL, "-fake", srv.URL, "-c", "4", "-d", "300ms", "-warmup", "100ms"}

	floor, out := runCmd(t, append([]string{"run", "-scenario", "floor"}, common...)...)
	if floor.Requests == 0 || floor.Non2xx == 0 || floor.Statuses["503"] != floor.Non2xx || len(floor.ErrorSamples) == 0 {
		t.Errorf("floor: want requests with some 503s and error samples, got %+v", floor)
	}
	if floor.RPS <= 0 || floor.P50Ms <= 0 || floor.P50Ms > floor.P99Ms || floor.P99Ms > floor.MaxMs {
		t.Errorf("floor: inconsistent rates or percentiles: %+v", floor)
	}
	if !strings.Contains(out, "floor: ") || !strings.Contains(out, "req/s") {
		t.Errorf("floor: no human line in %q", out)
	}

	me, _ := runCmd(t, append([]string{"run", "-scenario", "me"}, common...)...)
	if me.Requests == 0 || me.Non2xx != 0 || me.TransportErrors != 0 {
		t.Errorf("me: want only 2xx, got %+v", me)
	}

	before := api.logins.Load()
	login, _ := runCmd(t, append([]string{"run", "-scenario", "login", "-rate-guess", "200", "-users", "10"}, common...)...)
	if login.Requests == 0 || login.Non2xx != 0 || int64(login.CodesMinted) < login.Requests {
		t.Errorf("login: want only 2xx sign-ins with fresh codes, got %+v", login)
	}
	if got := api.logins.Load() - before; got != login.Requests+login.WarmupRequests {
		t.Errorf("login: server saw %d sign-ins, the tool counted %d + %d warm-up", got, login.Requests, login.WarmupRequests)
	}

	// The report of these three runs.
	dir := t.TempDir()
	file := filepath.Join(dir, "results.jsonl")
	var lines []string
	for _, r := range []result{floor, me, login} {
		b, _ := json.Marshal(r)
		lines = append(lines, "# progress line", string(b))
	}
	if err := os.WriteFile(file, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var rep bytes.Buffer
	if err := run(context.Background(), []string{"report", "-rss-kb", "51200", file}, nil, &rep); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"| floor (`GET /floor`) | 1 |", "`GET /api/v1/me`", "`POST /api/v1/auth/login`",
		"/me ÷ floor", "50.0 MiB", "| `POST /api/v1/auth/login` ≥ 0.40 × the floor's requests/s |",
		"| `GET /api/v1/me` p99 ≤ 1.5 × the floor's p99"} {
		if !strings.Contains(rep.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, rep.String())
		}
	}
}

func TestLoginRunsOutOfCodes(t *testing.T) {
	api := &fakeAPI{codes: map[string]bool{}}
	srv := httptest.NewServer(api)
	defer srv.Close()
	// No warm-up: the guess sizes the codes (10/s × 1 s × 1.5, at least 10 × c), far fewer than
	// the fake serves in a second.
	res, out := runCmd(t, "run", "-scenario", "login", "-url", srv.URL, "-fake", srv.URL, "-c", "2", "-d", "1s",
		"-warmup", "0s", "-rate-guess", "10")
	if !res.CodesExhausted || res.Requests != int64(res.CodesMinted) || res.ElapsedS >= 1 {
		t.Errorf("want the phase to end early when the codes run out, got %+v", res)
	}
	if !strings.Contains(out, "ran out of codes") {
		t.Errorf("human line does not say the codes ran out: %q", out)
	}
}

func TestRunRefusesRemoteTargets(t *testing.T) {
	var out bytes.Buffer
	err := run(context.Background(), []string{"run", "-scenario", "floor", "-url", "http://192.0.2.1:8080"}, nil, &out)
	if err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Fatalf("want a loopback error, got %v", err)
	}
}
