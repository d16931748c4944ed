package httpapi_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"huixiang/internal/config"
	"huixiang/internal/wxfake"
)

func TestUserLogin_goodCode_200_andTokenOpensMe(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.do("POST", "/api/v1/auth/login", "", map[string]string{"code": e.wx.IssueLoginCode("o_alice", "u_alice")})
	expect(t, r, 200, "")
	var a loginAnswer
	r.json(t, &a)
	if len(a.Token) < 43 || a.ExpiresIn != 604800 || a.User.ID == 0 || a.User.Phone != nil || a.User.Roles == nil {
		t.Fatalf("login answer = %s", r.Body)
	}
	if bytes.Contains(r.Body, []byte("session_key")) || bytes.Contains(r.Body, []byte("o_alice")) {
		t.Fatalf("login answer leaks WeChat identifiers: %s", r.Body)
	}
	me := e.do("GET", "/api/v1/me", a.Token, nil)
	expect(t, me, 200, "")
	var u struct {
		ID    int64   `json:"id"`
		Phone *string `json:"phone"`
	}
	me.json(t, &u)
	if u.ID != a.User.ID || u.Phone != nil {
		t.Fatalf("/me = %s", me.Body)
	}
	// WeChat's session key is not kept at all while no feature needs it.
	if keys, _ := e.app.Redis.Keys(t.Context(), e.cfg.Redis.KeyPrefix+"wxsk:*").Result(); len(keys) != 0 {
		t.Fatalf("session key kept in Redis: %v", keys)
	}
	var unionid string
	e.db.Get(&unionid, "SELECT unionid FROM users WHERE id = ?", a.User.ID)
	if unionid != "u_alice" {
		t.Fatalf("unionid = %q", unionid)
	}
	// Signing in again is the same user.
	if again := e.signIn("o_alice"); again.User.ID != a.User.ID {
		t.Fatalf("second sign-in made user %d, want %d", again.User.ID, a.User.ID)
	}
}

func TestUserLogin_badCodes_401(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	code := e.wx.IssueLoginCode("o_bob", "")
	expect(t, e.do("POST", "/api/v1/auth/login", "", map[string]string{"code": code}), 200, "")
	t.Run("same code twice", func(t *testing.T) {
		expect(t, e.do("POST", "/api/v1/auth/login", "", map[string]string{"code": code}), 401, "WECHAT_CODE_INVALID")
	})
	t.Run("unknown code", func(t *testing.T) {
		expect(t, e.do("POST", "/api/v1/auth/login", "", map[string]string{"code": "never-issued"}), 401, "WECHAT_CODE_INVALID")
	})
	t.Run("missing code", func(t *testing.T) {
		expect(t, e.do("POST", "/api/v1/auth/login", "", map[string]string{}), 422, "VALIDATION_FAILED")
	})
}

func TestUserLogin_wechatDown_503WithRetryAfter(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, mode := range []string{wxfake.OutageBusy, wxfake.OutageRateLimit, wxfake.OutageHTTP502, wxfake.OutageHang} {
		t.Run(mode, func(t *testing.T) {
			e.wx.SetOutage(mode)
			defer e.wx.SetOutage(wxfake.OutageNone)
			r := e.do("POST", "/api/v1/auth/login", "", map[string]string{"code": e.wx.IssueLoginCode("o_carol", "")})
			expect(t, r, 503, "WECHAT_UNAVAILABLE")
			if r.Header.Get("Retry-After") == "" {
				t.Fatal("no Retry-After")
			}
		})
	}
	t.Run("recovers", func(t *testing.T) { e.signIn("o_carol") })
}

func TestUserLogin_100ParallelFirstSignIns_oneUser(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	codes := make([]string, 100)
	for i := range codes {
		codes[i] = e.wx.IssueLoginCode("o_same_person", "")
	}
	var wg sync.WaitGroup
	statuses := make([]int, len(codes))
	ids := make([]int64, len(codes))
	for i, code := range codes {
		wg.Go(func() {
			r := e.do("POST", "/api/v1/auth/login", "", map[string]string{"code": code})
			statuses[i] = r.Status
			if r.Status == 200 {
				var a loginAnswer
				r.json(t, &a)
				ids[i] = a.User.ID
			}
		})
	}
	wg.Wait()
	for i, s := range statuses {
		if s != 200 || ids[i] != ids[0] {
			t.Fatalf("request %d: status %d user %d, want 200 and user %d", i, s, ids[i], ids[0])
		}
	}
	var n int
	if err := e.db.Get(&n, "SELECT COUNT(*) FROM users WHERE openid = 'o_same_person'"); err != nil || n != 1 {
		t.Fatalf("users = %d (%v), want 1", n, err)
	}
}

func TestBindPhone_encryptedAtRest_maskedInAnswers(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.signIn("o_dan")
	r := e.do("POST", "/api/v1/me/phone", a.Token, map[string]string{"code": e.wx.IssuePhoneCode("13812345678")})
	expect(t, r, 200, "")
	if string(r.Body) != `{"phone":"138****5678"}` {
		t.Fatalf("bind answer = %s", r.Body)
	}
	me := e.do("GET", "/api/v1/me", a.Token, nil)
	if !strings.Contains(string(me.Body), `"phone":"138****5678"`) || strings.Contains(string(me.Body), "13812345678") {
		t.Fatalf("/me = %s", me.Body)
	}
	var raw struct {
		Enc []byte `db:"phone_enc"`
		Idx []byte `db:"phone_idx"`
	}
	if err := e.db.Get(&raw, "SELECT phone_enc, phone_idx FROM users WHERE id = ?", a.User.ID); err != nil {
		t.Fatal(err)
	}
	for _, col := range [][]byte{raw.Enc, raw.Idx} {
		if len(col) == 0 || bytes.Contains(col, []byte("13812345678")) || bytes.Contains(col, []byte("5678")) {
			t.Fatalf("phone readable in MySQL: %x", col)
		}
	}
	var viaCast int
	e.db.Get(&viaCast, "SELECT COUNT(*) FROM users WHERE CAST(phone_enc AS CHAR) LIKE '%12345678%'")
	if viaCast != 0 {
		t.Fatal("a SELECT of the raw column shows the phone")
	}
	t.Run("used phone code is 422, not a sign-out", func(t *testing.T) {
		expect(t, e.do("POST", "/api/v1/me/phone", a.Token, map[string]string{"code": "used-or-unknown"}), 422, "WECHAT_CODE_INVALID")
	})
}

func TestBindPhone_staleAccessToken_refreshedOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.signIn("o_erin")
	expect(t, e.do("POST", "/api/v1/me/phone", a.Token, map[string]string{"code": e.wx.IssuePhoneCode("13900000001")}), 200, "")
	e.wx.InvalidateTokens() // the cached token now answers 40001
	before := e.wx.Calls(wxfake.PathStableToken)
	phoneCalls := e.wx.Calls(wxfake.PathPhoneNumber)
	r := e.do("POST", "/api/v1/me/phone", a.Token, map[string]string{"code": e.wx.IssuePhoneCode("13900000002")})
	expect(t, r, 200, "")
	if got := e.wx.Calls(wxfake.PathStableToken) - before; got != 1 {
		t.Fatalf("token fetches = %d, want exactly 1", got)
	}
	if got := e.wx.Calls(wxfake.PathPhoneNumber) - phoneCalls; got != 2 {
		t.Fatalf("phone calls = %d, want 2 (the stale one and the retry)", got)
	}
	t.Run("42001 expired token too", func(t *testing.T) {
		e.wx.FailNext(wxfake.PathPhoneNumber, 42001, "")
		expect(t, e.do("POST", "/api/v1/me/phone", a.Token, map[string]string{"code": e.wx.IssuePhoneCode("13900000003")}), 200, "")
	})
	t.Run("stale twice is not retried forever", func(t *testing.T) {
		e.wx.FailNext(wxfake.PathPhoneNumber, 40001, "")
		e.wx.FailNext(wxfake.PathPhoneNumber, 40001, "")
		expect(t, e.do("POST", "/api/v1/me/phone", a.Token, map[string]string{"code": e.wx.IssuePhoneCode("13900000004")}), 503, "WECHAT_UNAVAILABLE")
	})
}

func TestUserSession_logoutAndUnknownTokens_401(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.signIn("o_fay")
	expect(t, e.do("GET", "/api/v1/me", "", nil), 401, "SESSION_EXPIRED")
	expect(t, e.do("GET", "/api/v1/me", "not-a-token", nil), 401, "SESSION_EXPIRED")
	expect(t, e.do("GET", "/admin/api/v1/me", a.Token, nil), 401, "SESSION_EXPIRED") // a user token is not a staff token
	r := e.do("POST", "/api/v1/auth/logout", a.Token, nil)
	expect(t, r, 204, "")
	expect(t, e.do("GET", "/api/v1/me", a.Token, nil), 401, "SESSION_EXPIRED")
	// Redis holds the token's hash, never the token.
	keys, _ := e.app.Redis.Keys(t.Context(), e.cfg.Redis.KeyPrefix+"*").Result()
	for _, k := range keys {
		if strings.Contains(k, a.Token) {
			t.Fatalf("token stored in a Redis key: %s", k)
		}
	}
}

func TestUserSession_expiresAfterIdleTTL(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *config.Config) { c.Session.UserTTL = time.Hour })
	a := e.signIn("o_gus")
	for range 3 { // use keeps it alive past its TTL
		e.advance(40 * time.Minute)
		expect(t, e.do("GET", "/api/v1/me", a.Token, nil), 200, "")
	}
	e.advance(61 * time.Minute)
	expect(t, e.do("GET", "/api/v1/me", a.Token, nil), 401, "SESSION_EXPIRED")
}

func TestStaffSession_idleAndAbsoluteExpiry(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *config.Config) {
		c.Session.StaffIdle = time.Hour
		c.Session.StaffMax = 3 * time.Hour
	})
	t.Run("idle", func(t *testing.T) {
		tok := e.staffToken("admin", adminPasswd)
		expect(t, e.do("GET", "/admin/api/v1/me", tok, nil), 200, "")
		e.advance(61 * time.Minute)
		expect(t, e.do("GET", "/admin/api/v1/me", tok, nil), 401, "SESSION_EXPIRED")
	})
	t.Run("absolute", func(t *testing.T) {
		tok := e.staffToken("admin", adminPasswd)
		deadline := e.clock.Now().Add(3 * time.Hour)
		for e.clock.Now().Before(deadline.Add(-50 * time.Minute)) { // used every 40 minutes
			expect(t, e.do("GET", "/admin/api/v1/me", tok, nil), 200, "")
			e.advance(40 * time.Minute)
		}
		e.advance(deadline.Sub(e.clock.Now()) + time.Second)
		expect(t, e.do("GET", "/admin/api/v1/me", tok, nil), 401, "SESSION_EXPIRED")
	})
	t.Run("logout", func(t *testing.T) {
		tok := e.staffToken("admin", adminPasswd)
		expect(t, e.do("POST", "/admin/api/v1/auth/logout", tok, nil), 204, "")
		expect(t, e.do("GET", "/admin/api/v1/me", tok, nil), 401, "SESSION_EXPIRED")
	})
}

type auditRow struct {
	Action   string  `db:"action"`
	ActorID  *int64  `db:"actor_id"`
	ClientIP string  `db:"client_ip"`
	ReqID    string  `db:"request_id"`
	Detail   *string `db:"detail"`
}

// trustProxy makes the test server believe X-Forwarded-For from 127.0.0.1, so that a test can
// sign in from several client addresses.
func trustProxy(c *config.Config) { c.HTTP.TrustedProxies = "127.0.0.1" }

// staffLoginFrom signs in as if from client address ip (needs trustProxy).
func (e *env) staffLoginFrom(ip, username, password string) response {
	e.t.Helper()
	return e.doHeaders("POST", "/admin/api/v1/auth/login", "", map[string]string{"X-Forwarded-For": ip},
		map[string]string{"username": username, "password": password})
}

func TestStaffLogin_fiveFailuresLockThePairNotTheAccount_audited(t *testing.T) {
	t.Parallel()
	// The lock (and the window the five failures must fall in) lasts an hour, so that a slow,
	// busy machine still counts all five; the end of the lock is reached by the test's clock.
	e := newEnv(t, trustProxy, func(c *config.Config) { c.Staff.LockDuration = time.Hour })
	const wrong, ipA, ipB = "Wrong-password-1", "203.0.113.7", "198.51.100.9"
	for i := 1; i <= 4; i++ {
		expect(t, e.staffLoginFrom(ipA, "admin", wrong), 401, "INVALID_CREDENTIALS")
	}
	r := e.staffLoginFrom(ipA, "admin", wrong)
	expect(t, r, 423, "ACCOUNT_LOCKED")
	if r.Header.Get("Retry-After") == "" {
		t.Fatal("no Retry-After on lockout")
	}
	// The right password does not open the locked pair...
	expect(t, e.staffLoginFrom(ipA, "admin", adminPasswd), 423, "ACCOUNT_LOCKED")
	// ...but the administrator still signs in from another address.
	expect(t, e.staffLoginFrom(ipB, "admin", adminPasswd), 200, "")

	var rows []auditRow
	if err := e.db.Select(&rows, "SELECT action, actor_id, client_ip, request_id, detail FROM audit_log WHERE actor_name = 'admin' AND (action LIKE 'staff.login%' OR action = 'staff.locked') ORDER BY id"); err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, row := range rows {
		actions = append(actions, row.Action)
		if row.ClientIP == "" || row.ReqID == "" || row.ActorID == nil {
			t.Errorf("audit row without actor, IP or request ID: %+v", row)
		}
		if row.Detail != nil && (strings.Contains(*row.Detail, wrong) || strings.Contains(*row.Detail, adminPasswd)) {
			t.Fatalf("audit row holds a password: %s", *row.Detail)
		}
	}
	// The refusal while locked costs no hash and writes no row: a flood cannot grow the log.
	want := "staff.login_failed staff.login_failed staff.login_failed staff.login_failed staff.login_failed staff.locked staff.login"
	if got := strings.Join(actions, " "); got != want {
		t.Fatalf("audit actions:\n got %s\nwant %s", got, want)
	}
	if rows[0].ClientIP != ipA || rows[len(rows)-1].ClientIP != ipB {
		t.Fatalf("audit client IPs = %s … %s", rows[0].ClientIP, rows[len(rows)-1].ClientIP)
	}

	e.advance(time.Hour + time.Minute)
	expect(t, e.staffLoginFrom(ipA, "admin", adminPasswd), 200, "")
}

func TestStaffLogin_parallelGuessesAllCounted(t *testing.T) {
	t.Parallel()
	e := newEnv(t, trustProxy)
	var wg sync.WaitGroup
	for range 12 {
		wg.Go(func() { e.staffLoginFrom("203.0.113.8", "admin", "Wrong-password-2") })
	}
	wg.Wait()
	// 12 parallel wrong guesses from one address: each reserved its attempt before hashing, so
	// exactly 5 were checked and the rest refused.
	expect(t, e.staffLoginFrom("203.0.113.8", "admin", adminPasswd), 423, "ACCOUNT_LOCKED")
	var failed int
	e.db.Get(&failed, "SELECT COUNT(*) FROM audit_log WHERE action = 'staff.login_failed' AND actor_name = 'admin'")
	if failed != 5 {
		t.Fatalf("login_failed rows = %d, want 5 (the rest refused while locked)", failed)
	}
}

func TestStaffLogin_unknownUserAudited(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	expect(t, e.staffLogin("nobody", "Whatever12345"), 401, "INVALID_CREDENTIALS")
	var n int
	e.db.Get(&n, "SELECT COUNT(*) FROM audit_log WHERE action = 'staff.login_failed' AND actor_name = 'nobody' AND actor_type = 'anonymous'")
	if n != 1 {
		t.Fatalf("audit rows for unknown user = %d", n)
	}
}

func TestStaffRoles_createAccountsAndRevokeSessions(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.staffToken("admin", adminPasswd)
	r := e.do("POST", "/admin/api/v1/staff", admin, map[string]string{
		"username": "town1", "password": "Township12345", "role": "township", "township_code": "990101", "display_name": "官埠桥镇"})
	expect(t, r, 201, "")
	var created struct {
		ID           int64  `json:"id"`
		Role         string `json:"role"`
		TownshipCode string `json:"township_code"`
	}
	r.json(t, &created)
	if created.Role != "township" || created.TownshipCode != "990101" || strings.Contains(string(r.Body), `"password"`) || strings.Contains(string(r.Body), "argon2") {
		t.Fatalf("created = %s", r.Body)
	}
	town := e.staffToken("town1", "Township12345")

	t.Run("wrong role 403", func(t *testing.T) {
		expect(t, e.do("POST", "/admin/api/v1/staff", town, map[string]string{"username": "x"}), 403, "FORBIDDEN")
	})
	t.Run("duplicate username 409", func(t *testing.T) {
		expect(t, e.do("POST", "/admin/api/v1/staff", admin, map[string]string{
			"username": "TOWN1", "password": "Township12345", "role": "township", "township_code": "990101"}), 409, "USERNAME_TAKEN")
	})
	t.Run("weak password 422", func(t *testing.T) {
		expect(t, e.do("POST", "/admin/api/v1/staff", admin, map[string]string{
			"username": "dept1", "password": "short", "role": "department", "department": "区人社局"}), 422, "WEAK_PASSWORD")
	})
	t.Run("township without code 422", func(t *testing.T) {
		expect(t, e.do("POST", "/admin/api/v1/staff", admin, map[string]string{
			"username": "town2", "password": "Township12345", "role": "township"}), 422, "VALIDATION_FAILED")
	})
	t.Run("revoke all sessions", func(t *testing.T) {
		other := e.staffToken("town1", "Township12345")
		r := e.do("POST", fmt.Sprintf("/admin/api/v1/staff/%d/revoke-sessions", created.ID), admin, nil)
		expect(t, r, 200, "")
		if string(r.Body) != `{"revoked":2}` {
			t.Fatalf("revoke = %s", r.Body)
		}
		expect(t, e.do("GET", "/admin/api/v1/me", town, nil), 401, "SESSION_EXPIRED")
		expect(t, e.do("GET", "/admin/api/v1/me", other, nil), 401, "SESSION_EXPIRED")
		expect(t, e.do("GET", "/admin/api/v1/me", admin, nil), 200, "")
		expect(t, e.do("POST", "/admin/api/v1/staff/999999/revoke-sessions", admin, nil), 404, "NOT_FOUND")
		var n int
		e.db.Get(&n, "SELECT COUNT(*) FROM audit_log WHERE action IN ('staff.create', 'staff.sessions_revoked') AND actor_name = 'admin'")
		if n != 2 {
			t.Fatalf("audit rows = %d, want create + revoke", n)
		}
	})
}

func TestBadRequests(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok := e.signIn("o_hal").Token
	t.Run("malformed JSON 400", func(t *testing.T) {
		expect(t, e.do("POST", "/api/v1/auth/login", "", `{"code":`), 400, "BAD_REQUEST")
		expect(t, e.do("POST", "/api/v1/me/phone", tok, `not json`), 400, "BAD_REQUEST")
	})
	t.Run("body over 1 MiB 413", func(t *testing.T) {
		big := `{"code":"` + strings.Repeat("a", 1<<20) + `"}`
		expect(t, e.do("POST", "/api/v1/auth/login", "", big), 413, "BODY_TOO_LARGE")
	})
	t.Run("chunked body over 1 MiB 413", func(t *testing.T) {
		pr, pw := ioPipe()
		go func() {
			pw.Write([]byte(`{"code":"`))
			for range 130 {
				pw.Write(bytes.Repeat([]byte("a"), 8192))
			}
			pw.Write([]byte(`"}`))
			pw.Close()
		}()
		req, _ := http.NewRequest("POST", e.srv.URL+"/api/v1/auth/login", pr)
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 413 {
			t.Fatalf("status = %d, want 413", res.StatusCode)
		}
	})
	t.Run("unknown route 404", func(t *testing.T) {
		r := e.do("GET", "/api/v1/nothing-here", tok, nil)
		expect(t, r, 404, "NOT_FOUND")
		if r.Header.Get("X-Request-ID") == "" {
			t.Fatal("no X-Request-ID on a 404")
		}
	})
	t.Run("request ID echoed", func(t *testing.T) {
		req, _ := http.NewRequestWithContext(context.Background(), "GET", e.srv.URL+"/healthz", nil)
		req.Header.Set("X-Request-ID", "client-req-12345")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.Header.Get("X-Request-ID") != "client-req-12345" {
			t.Fatalf("X-Request-ID = %q", res.Header.Get("X-Request-ID"))
		}
	})
}

func TestObservability_healthReadyMetricsOpenAPI(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	expect(t, e.do("GET", "/healthz", "", nil), 200, "")
	r := e.do("GET", "/readyz", "", nil)
	expect(t, r, 200, "")
	if string(r.Body) != `{"mysql":"ok","redis":"ok"}` {
		t.Fatalf("/readyz = %s", r.Body)
	}
	e.signIn("o_ivy")
	// /metrics is not on the public port (issue #8 item 25): the app serves it on its own listener.
	expect(t, e.do("GET", "/metrics", "", nil), 404, "NOT_FOUND")
	ms := httptest.NewServer(e.app.MetricsHandler)
	defer ms.Close()
	res, err := http.Get(ms.URL + "/metrics")
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("metrics listener: %v %v", res, err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	m := response{Status: res.StatusCode, Body: body}
	for _, want := range []string{
		`huixiang_http_requests_total{method="POST",route="/api/v1/auth/login",status="200"} 1`,
		`huixiang_http_request_duration_seconds_bucket{method="POST",route="/api/v1/auth/login"`,
		`go_goroutines`, `go_sql_max_open_connections{db_name="huixiang"}`,
	} {
		if !strings.Contains(string(m.Body), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	o := e.do("GET", "/openapi.yaml", "", nil)
	expect(t, o, 200, "")
	if !strings.HasPrefix(string(o.Body), "openapi: 3") {
		t.Fatalf("/openapi.yaml = %.40s", o.Body)
	}
}
