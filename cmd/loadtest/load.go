package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// loadOptions are the flags of "run".
type loadOptions struct {
	url         string
	scenario    string
	concurrency int
	duration    time.Duration
	warmup      time.Duration
	fake        string
	users       int
	maxRequests int64
	timeout     time.Duration
	rateGuess   float64
	maxCodes    int
	mintWorkers int
	cpuProfile  string
	cpuComms    []string
	verbose     bool
	// mysqlDSN and redisAddr, when set, are read before and after each timed phase for the
	// statements and Redis commands per request.
	mysqlDSN  string
	redisAddr string
}

func parseLoadFlags(args []string, out io.Writer) (loadOptions, error) {
	var o loadOptions
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.StringVar(&o.url, "url", "http://127.0.0.1:8080", "base URL of the server under test (loopback only)")
	fs.StringVar(&o.scenario, "scenario", "", "login, me, floor, register (PUT /api/v1/me/returnee) or submit (application submissions)")
	fs.IntVar(&o.concurrency, "c", 64, "concurrent clients")
	fs.DurationVar(&o.duration, "d", 20*time.Second, "length of the timed phase")
	fs.DurationVar(&o.warmup, "warmup", 3*time.Second, "untimed load before the timed phase")
	fs.StringVar(&o.fake, "fake", "http://127.0.0.1:9099", "base URL of the WeChat stand-in (login, me)")
	fs.IntVar(&o.users, "users", 10000, "distinct openids the login codes are spread over")
	fs.Int64Var(&o.maxRequests, "max-requests", 5_000_000, "safety cap on the requests of one phase")
	fs.DurationVar(&o.timeout, "timeout", 10*time.Second, "timeout of one request")
	fs.Float64Var(&o.rateGuess, "rate-guess", 3000, "login: requests/s assumed to size the warm-up's codes")
	fs.IntVar(&o.maxCodes, "max-codes", 400_000, "login: most codes minted for the timed phase")
	fs.IntVar(&o.mintWorkers, "mint-workers", 16, "login, me: concurrent requests minting codes")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write the load generator's own CPU profile to this file")
	fs.BoolVar(&o.verbose, "v", false, "also print progress lines (starting with #) as the phases start")
	fs.StringVar(&o.mysqlDSN, "mysql", "", "DSN of the server's MariaDB: read its global Questions counter around each timed phase (statements per request)")
	fs.StringVar(&o.redisAddr, "redis", "", "address of the server's Redis: read total_commands_processed around each timed phase (commands per request)")
	comms := fs.String("cpu-comms", defaultCPUComms, "process names whose CPU time per request is reported (from /proc)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("run: unexpected arguments %q", fs.Args())
	}
	switch o.scenario {
	case "login", "me", "floor", "register", "submit":
	default:
		return o, fmt.Errorf("run: -scenario must be login, me, floor, register or submit, not %q", o.scenario)
	}
	if o.concurrency < 1 || o.duration <= 0 || o.warmup < 0 || o.users < 1 || o.maxRequests < 1 ||
		o.timeout <= 0 || o.rateGuess <= 0 || o.maxCodes < 1 || o.mintWorkers < 1 {
		return o, errors.New("run: -c, -d, -users, -max-requests, -timeout, -rate-guess, -max-codes and -mint-workers must be positive")
	}
	for _, c := range strings.Split(*comms, ",") {
		if c = strings.TrimSpace(c); c != "" {
			o.cpuComms = append(o.cpuComms, c)
		}
	}
	o.url = strings.TrimRight(o.url, "/")
	o.fake = strings.TrimRight(o.fake, "/")
	if err := requireLoopback(o.url); err != nil {
		return o, err
	}
	if o.scenario != "floor" {
		if err := requireLoopback(o.fake); err != nil {
			return o, err
		}
	}
	return o, nil
}

// requireLoopback refuses any target that is not this machine: a load test never leaves it.
func requireLoopback(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("bad URL %q: %w", raw, err)
	}
	if u.Scheme != "http" {
		return fmt.Errorf("URL %q: only http:// is supported", raw)
	}
	host := u.Hostname()
	if host == "localhost" {
		return nil
	}
	if ip, err := netip.ParseAddr(host); err == nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("URL %q: the load generator only targets loopback addresses (127.0.0.0/8, ::1, localhost)", raw)
}

func runLoad(ctx context.Context, args []string, stdout io.Writer) error {
	o, err := parseLoadFlags(args, stdout)
	if err != nil {
		return err
	}
	if o.cpuProfile != "" {
		f, err := os.Create(o.cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	l := newLoader(o, stdout)
	if o.mysqlDSN != "" || o.redisAddr != "" {
		if l.counters, err = openCounters(o.mysqlDSN, o.redisAddr); err != nil {
			return err
		}
		defer l.counters.close()
	}
	res, err := l.run(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, res.human())
	line, err := json.Marshal(res)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(stdout, string(line))
	return err
}

type loader struct {
	o      loadOptions
	client *http.Client
	// progress gets "# ..." lines as the phases start (with -v); report skips them.
	progress io.Writer
	// counters, when set, measure the statements and Redis commands of each timed phase.
	counters *serverCounters
}

func (l *loader) logf(format string, args ...any) {
	if !l.o.verbose {
		return
	}
	fmt.Fprintf(l.progress, "# %s %s: "+format+"\n", append([]any{time.Now().Format("15:04:05.000"), l.o.scenario}, args...)...)
}

// newLoader builds the one shared client: enough idle keep-alive connections per host for every
// worker, no compression, no proxy, no redirects.
func newLoader(o loadOptions, progress io.Writer) *loader {
	idle := 2*o.concurrency + o.mintWorkers
	tr := &http.Transport{
		Proxy:                 nil,
		DialContext:           (&net.Dialer{Timeout: 3 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:          idle,
		MaxIdleConnsPerHost:   idle,
		IdleConnTimeout:       90 * time.Second,
		ResponseHeaderTimeout: o.timeout,
		DisableCompression:    true,
	}
	return &loader{o: o, progress: progress, client: &http.Client{
		Transport:     tr,
		Timeout:       o.timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// A target makes the next request of a phase; ok is false when it has none left (login codes
// used up). worker is the caller's index, for targets that give each worker its own identity.
type target func(ctx context.Context, worker int) (req *http.Request, ok bool)

func (l *loader) run(ctx context.Context) (*result, error) {
	defer l.client.CloseIdleConnections()
	res := &result{Scenario: l.o.scenario, URL: l.o.url, Concurrency: l.o.concurrency,
		WarmupS: l.o.warmup.Seconds(), PlannedS: l.o.duration.Seconds()}
	var tgt target
	switch l.o.scenario {
	case "floor":
		tgt = l.getTarget(l.o.url+"/floor", nil)
	case "me":
		tokens, err := l.signIn(ctx, l.o.concurrency)
		if err != nil {
			return nil, err
		}
		tgt = l.getTarget(l.o.url+"/api/v1/me", tokens)
	case "login":
		return l.runLogin(ctx, res)
	case "register":
		return l.runRegister(ctx, res)
	case "submit":
		return l.runSubmit(ctx, res)
	}
	if l.o.warmup > 0 {
		l.logf("warm-up %s", l.o.warmup)
		warm := l.phase(ctx, l.o.warmup, tgt, false)
		res.WarmupRequests = warm.requests
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	l.logf("timed phase %s", l.o.duration)
	res.fill(l.phase(ctx, l.o.duration, tgt, true))
	l.logf("done")
	return res, ctx.Err()
}

// runLogin mints codes for a warm-up, measures the warm-up's rate, mints rate × duration × 1.5
// codes, then times only the sign-ins. The codes' openids are drawn from -users openids of this
// run, so the run mixes first and repeat sign-ins.
func (l *loader) runLogin(ctx context.Context, res *result) (*result, error) {
	prefix := "lt" + strconv.FormatInt(time.Now().UnixNano(), 36)
	openid := func(int) string { return prefix + "-" + strconv.Itoa(rand.IntN(l.o.users)) }
	rate := l.o.rateGuess
	if l.o.warmup > 0 {
		n := max(int(math.Ceil(rate*l.o.warmup.Seconds()*1.5)), 4*l.o.concurrency)
		codes, took, err := l.mint(ctx, n, openid)
		if err != nil {
			return nil, err
		}
		l.logf("minted %d codes in %.1fs; warm-up %s", n, took.Seconds(), l.o.warmup)
		warm := l.phase(ctx, l.o.warmup, l.loginTarget(codes), false)
		res.WarmupRequests = warm.requests
		if warm.requests > 0 && warm.elapsed > 0 {
			rate = float64(warm.requests) / warm.elapsed.Seconds()
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	n := int(math.Ceil(rate * l.o.duration.Seconds() * 1.5))
	n = min(max(n, 10*l.o.concurrency), l.o.maxCodes)
	codes, took, err := l.mint(ctx, n, openid)
	if err != nil {
		return nil, err
	}
	res.CodesMinted, res.MintS = len(codes), took.Seconds()
	l.logf("warm-up ran at %.0f req/s; minted %d codes in %.1fs; timed phase %s", rate, n, took.Seconds(), l.o.duration)
	p := l.phase(ctx, l.o.duration, l.loginTarget(codes), true)
	l.logf("done")
	res.fill(p)
	res.CodesExhausted = p.exhausted
	return res, ctx.Err()
}

func (l *loader) loginTarget(codes []string) target {
	var next atomic.Int64
	return func(ctx context.Context, _ int) (*http.Request, bool) {
		i := next.Add(1) - 1
		if i >= int64(len(codes)) {
			return nil, false
		}
		body, _ := json.Marshal(struct {
			Code string `json:"code"`
		}{codes[i]})
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, l.o.url+"/api/v1/auth/login", bytes.NewReader(body))
		if err != nil {
			return nil, false
		}
		req.Header.Set("Content-Type", "application/json")
		return req, true
	}
}

// getTarget GETs u; with tokens, worker i sends tokens[i % len] as its bearer token.
func (l *loader) getTarget(u string, tokens []string) target {
	return func(ctx context.Context, worker int) (*http.Request, bool) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return nil, false
		}
		if len(tokens) > 0 {
			req.Header.Set("Authorization", "Bearer "+tokens[worker%len(tokens)])
		}
		return req, true
	}
}

// mint asks the stand-in for n single-use login codes, openid(i) being the i-th code's user.
func (l *loader) mint(ctx context.Context, n int, openid func(int) string) ([]string, time.Duration, error) {
	start := time.Now()
	codes := make([]string, n)
	var next atomic.Int64
	var once sync.Once
	var firstErr error
	var wg sync.WaitGroup
	mctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for range min(l.o.mintWorkers, n) {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n || mctx.Err() != nil {
					return
				}
				code, err := l.mintOne(mctx, openid(i))
				if err != nil {
					once.Do(func() { firstErr = err; cancel() })
					return
				}
				codes[i] = code
			}
		})
	}
	wg.Wait()
	if firstErr == nil {
		firstErr = ctx.Err()
	}
	if firstErr != nil {
		return nil, 0, fmt.Errorf("minting login codes at %s: %w", l.o.fake, firstErr)
	}
	return codes, time.Since(start), nil
}

func (l *loader) mintOne(ctx context.Context, openid string) (string, error) {
	body, _ := json.Marshal(map[string]string{"openid": openid, "unionid": ""})
	var out struct {
		Code string `json:"code"`
	}
	if err := l.postJSON(ctx, l.o.fake+"/__fake/login-code", body, &out); err != nil {
		return "", err
	}
	if out.Code == "" {
		return "", errors.New("the stand-in answered without a code")
	}
	return out.Code, nil
}

// signIn signs n distinct users in and returns their tokens.
func (l *loader) signIn(ctx context.Context, n int) ([]string, error) {
	prefix := "ltme" + strconv.FormatInt(time.Now().UnixNano(), 36)
	codes, _, err := l.mint(ctx, n, func(i int) string { return prefix + "-" + strconv.Itoa(i) })
	if err != nil {
		return nil, err
	}
	l.logf("signing %d users in", n)
	tokens := make([]string, n)
	for i, code := range codes {
		body, _ := json.Marshal(map[string]string{"code": code})
		var out struct {
			Token string `json:"token"`
		}
		if err := l.postJSON(ctx, l.o.url+"/api/v1/auth/login", body, &out); err != nil {
			return nil, fmt.Errorf("signing user %d in: %w", i, err)
		}
		if out.Token == "" {
			return nil, fmt.Errorf("signing user %d in: no token in the answer", i)
		}
		tokens[i] = out.Token
	}
	return tokens, nil
}

func (l *loader) postJSON(ctx context.Context, u string, body []byte, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := l.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("POST %s: %s: %s", u, resp.Status, snippet(b))
	}
	return json.Unmarshal(b, out)
}

// phaseResult is what one phase measured. Latencies cover every request that got a response
// (non-2xx included) and started inside the phase; requests started before the phase's end are
// waited for.
type phaseResult struct {
	requests  int64 // responses, any status
	non2xx    int64
	transport int64 // no response: refused, reset, timed out
	statuses  map[int]int64
	errors    []string
	latencies []time.Duration
	elapsed   time.Duration
	exhausted bool
	cpu       *cpuUsage  // timed phases only, where /proc exists
	work      serverWork // timed phases only, with -mysql or -redis
}

const maxErrorSamples = 5

// phase runs the workers for d (or until the target runs dry, maxRequests is reached or ctx
// ends). Nothing is recorded but counts when record is false.
func (l *loader) phase(ctx context.Context, d time.Duration, tgt target, record bool) phaseResult {
	start := time.Now()
	end := start.Add(d)
	var issued atomic.Int64
	var exhausted atomic.Bool
	var mu sync.Mutex
	out := phaseResult{statuses: map[int]int64{}}
	lastEnd := start
	var before *cpuSnap
	var countersBefore counterSnap
	if record {
		if l.counters.enabled() {
			countersBefore = l.counters.snap(ctx)
		}
		before = takeCPUSnap()
	}
	var wg sync.WaitGroup
	for w := range l.o.concurrency {
		wg.Go(func() {
			var lat []time.Duration
			if record {
				lat = make([]time.Duration, 0, 4096)
			}
			var n, non2xx, transport int64
			statuses := map[int]int64{}
			var errs []string
			var last time.Time
			for ctx.Err() == nil && time.Now().Before(end) && issued.Add(1) <= l.o.maxRequests {
				req, ok := tgt(ctx, w)
				if !ok {
					exhausted.Store(true)
					break
				}
				t0 := time.Now()
				status, errText := l.do(req)
				t1 := time.Now()
				last = t1
				if status == 0 {
					if ctx.Err() != nil {
						break // interrupted, not the server's fault
					}
					transport++
					if len(errs) < maxErrorSamples {
						errs = append(errs, errText)
					}
					continue
				}
				n++
				statuses[status]++
				if status/100 != 2 {
					non2xx++
					if len(errs) < maxErrorSamples {
						errs = append(errs, errText)
					}
				}
				if record {
					lat = append(lat, t1.Sub(t0))
				}
			}
			mu.Lock()
			defer mu.Unlock()
			out.requests += n
			out.non2xx += non2xx
			out.transport += transport
			for s, c := range statuses {
				out.statuses[s] += c
			}
			for _, e := range errs {
				if len(out.errors) < maxErrorSamples {
					out.errors = append(out.errors, e)
				}
			}
			out.latencies = append(out.latencies, lat...)
			if last.After(lastEnd) {
				lastEnd = last
			}
		})
	}
	wg.Wait()
	if record {
		out.cpu = usageBetween(before, takeCPUSnap(), l.o.cpuComms, out.requests)
		if l.counters.enabled() {
			out.work = perRequest(countersBefore, l.counters.snap(context.WithoutCancel(ctx)), out.requests)
		}
	}
	out.elapsed = lastEnd.Sub(start)
	out.exhausted = exhausted.Load()
	return out
}

// do sends req and reads the whole answer. status is 0 when there was no response; errText
// describes a failure (non-2xx status with the start of its body, or the transport error).
func (l *loader) do(req *http.Request) (status int, errText string) {
	resp, err := l.client.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 == 2 {
		if _, err := io.Copy(io.Discard, resp.Body); err != nil {
			return 0, "reading body: " + err.Error()
		}
		return resp.StatusCode, ""
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, fmt.Sprintf("%s %s: %d %s", req.Method, req.URL.Path, resp.StatusCode, snippet(b))
}

func snippet(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}
