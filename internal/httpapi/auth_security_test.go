package httpapi_test

import (
	"bytes"
	"fmt"
	"strconv"
	"testing"
	"time"

	"huixiang/internal/config"
	"huixiang/internal/wxfake"
)

// retryAfter reads the Retry-After header in seconds (0 when absent).
func retryAfter(r response) int {
	n, _ := strconv.Atoi(r.Header.Get("Retry-After"))
	return n
}

// The answers to an existing and to an unknown username are the same, attempt by attempt,
// including the lock: 423 no longer tells which usernames exist.
func TestStaffLogin_unknownUserLocksPairLikeKnown_sameAnswers(t *testing.T) {
	t.Parallel()
	e := newEnv(t, trustProxy)
	const ip = "203.0.113.20"
	var maxGap time.Duration
	for i := 1; i <= 6; i++ {
		start := time.Now()
		real := e.staffLoginFrom(ip, "admin", "Wrong-password-3")
		ghost := e.staffLoginFrom(ip, "ghost", "Wrong-password-3")
		// The two locks start one request apart (at the attempt that locked them): their
		// Retry-After may differ by that long (seconds on a loaded machine), never by more.
		maxGap = max(maxGap, time.Since(start))
		slack := int(maxGap.Seconds()) + 1
		if real.Status != ghost.Status || !bytes.Equal(real.Body, ghost.Body) {
			t.Fatalf("attempt %d: admin %d %s, ghost %d %s", i, real.Status, real.Body, ghost.Status, ghost.Body)
		}
		if d := retryAfter(real) - retryAfter(ghost); d < -slack || d > slack || (real.Header.Get("Retry-After") == "") != (ghost.Header.Get("Retry-After") == "") {
			t.Fatalf("attempt %d: Retry-After %q vs %q", i, real.Header.Get("Retry-After"), ghost.Header.Get("Retry-After"))
		}
		want := 401
		if i >= 5 {
			want = 423
		}
		expect(t, real, want, "")
		if i >= 5 && (retryAfter(real) < 800 || retryAfter(real) > 900) {
			t.Fatalf("attempt %d: Retry-After = %d, want about 15 min", i, retryAfter(real))
		}
	}
}

// Failures from many addresses lock the account as a whole; a district administrator sees the
// lock and lifts it (audited), which also clears the locked pairs.
func TestStaffLogin_manyAddressesLockAccount_districtAdminUnlocks(t *testing.T) {
	t.Parallel()
	e := newEnv(t, trustProxy, func(c *config.Config) {
		c.Staff.MaxFailures, c.Staff.AccountMaxFailures, c.Staff.AccountMinIPs = 3, 7, 3
	})
	admin := e.staffToken("admin", adminPasswd)
	expect(t, e.do("POST", "/admin/api/v1/staff", admin, map[string]string{"username": "chief2", "password": "Second-Chief-77",
		"role": "district_admin", "display_name": "副管理员"}), 201, "")
	chief := e.staffToken("chief2", "Second-Chief-77")
	for _, f := range []struct {
		ip string
		n  int
	}{{"203.0.113.1", 3}, {"203.0.113.2", 2}, {"203.0.113.3", 1}} {
		for range f.n {
			e.staffLoginFrom(f.ip, "admin", "Wrong-password-4")
		}
	}
	// The 7th failure, from a third address, locks the account.
	expect(t, e.staffLoginFrom("203.0.113.3", "admin", "Wrong-password-4"), 423, "ACCOUNT_LOCKED")
	expect(t, e.staffLoginFrom("198.51.100.1", "admin", adminPasswd), 423, "ACCOUNT_LOCKED")

	var list struct {
		Items []struct {
			ID          int64      `json:"id"`
			Username    string     `json:"username"`
			LockedUntil *time.Time `json:"locked_until"`
		} `json:"items"`
	}
	r := e.do("GET", "/admin/api/v1/staff", chief, nil)
	expect(t, r, 200, "")
	r.json(t, &list)
	var adminID int64
	for _, it := range list.Items {
		if it.Username == "admin" {
			adminID = it.ID
			if it.LockedUntil == nil || time.Until(*it.LockedUntil) < 50*time.Minute {
				t.Fatalf("admin's lock not visible: %s", r.Body)
			}
		}
	}
	expect(t, e.do("POST", fmt.Sprintf("/admin/api/v1/staff/%d/unlock", adminID), chief, nil), 204, "")
	// The account lock and the pair lock of 203.0.113.1 are both gone.
	expect(t, e.staffLoginFrom("203.0.113.1", "admin", adminPasswd), 200, "")
	var n int
	e.db.Get(&n, "SELECT COUNT(*) FROM audit_log WHERE action = 'staff.unlocked' AND actor_name = 'chief2' AND target_id = ?", fmt.Sprint(adminID))
	if n != 1 {
		t.Fatalf("unlock audit rows = %d", n)
	}
	var locked *time.Time
	e.db.Get(&locked, "SELECT locked_until FROM staff WHERE id = ?", adminID)
	if locked != nil {
		t.Fatalf("locked_until still %v", locked)
	}
	expect(t, e.do("POST", "/admin/api/v1/staff/999999/unlock", chief, nil), 404, "NOT_FOUND")
}

func TestStaffLogin_overLimitPerAddressAndPerUsername_429(t *testing.T) {
	t.Parallel()
	e := newEnv(t, trustProxy, func(c *config.Config) {
		c.Staff.LoginPerIP, c.Staff.LoginPerUsername, c.Staff.LoginWindow = 3, 4, time.Minute
	})
	for i := range 3 {
		expect(t, e.staffLoginFrom("203.0.113.30", fmt.Sprintf("user%d", i), "Wrong-password-5"), 401, "INVALID_CREDENTIALS")
	}
	r := e.staffLoginFrom("203.0.113.30", "admin", adminPasswd)
	expect(t, r, 429, "RATE_LIMITED")
	if ra := retryAfter(r); ra < 1 || ra > 60 {
		t.Fatalf("Retry-After = %q", r.Header.Get("Retry-After"))
	}
	// Per username, across addresses.
	for i := range 4 {
		expect(t, e.staffLoginFrom(fmt.Sprintf("198.51.100.%d", i+1), "target", "Wrong-password-5"), 401, "INVALID_CREDENTIALS")
	}
	expect(t, e.staffLoginFrom("198.51.100.99", "target", "Wrong-password-5"), 429, "RATE_LIMITED")
	// Refused attempts are neither hashed nor audited.
	var n int
	e.db.Get(&n, "SELECT COUNT(*) FROM audit_log WHERE action LIKE 'staff.login%'")
	if n != 7 {
		t.Fatalf("audit rows = %d, want 7 (one per checked attempt)", n)
	}
}

type staffAnswer struct {
	ID                 int64  `json:"id"`
	Role               string `json:"role"`
	TownshipCode       string `json:"township_code"`
	Department         string `json:"department"`
	Disabled           bool   `json:"disabled"`
	MustChangePassword bool   `json:"must_change_password"`
}

func (e *env) createStaff(admin string, body map[string]string) staffAnswer {
	e.t.Helper()
	r := e.do("POST", "/admin/api/v1/staff", admin, body)
	expect(e.t, r, 201, "")
	var s staffAnswer
	r.json(e.t, &s)
	return s
}

// Changing an account's role, township or disabled flag ends its sessions at once: the old
// token carried the old scope.
func TestStaffPatch_scopeChangesEndSessions_401(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.staffToken("admin", adminPasswd)
	town := e.createStaff(admin, map[string]string{"username": "town1", "password": "Township12345", "role": "township", "township_code": "990101"})
	path := fmt.Sprintf("/admin/api/v1/staff/%d", town.ID)

	t.Run("township", func(t *testing.T) {
		tok := e.staffToken("town1", "Township12345")
		r := e.do("PATCH", path, admin, map[string]any{"township_code": "990102"})
		expect(t, r, 200, "")
		var s staffAnswer
		r.json(t, &s)
		if s.TownshipCode != "990102" {
			t.Fatalf("patched = %s", r.Body)
		}
		expect(t, e.do("GET", "/admin/api/v1/me", tok, nil), 401, "SESSION_EXPIRED")
	})
	t.Run("role", func(t *testing.T) {
		tok := e.staffToken("town1", "Township12345")
		r := e.do("PATCH", path, admin, map[string]any{"role": "department", "department": "区人社局", "township_code": ""})
		expect(t, r, 200, "")
		expect(t, e.do("GET", "/admin/api/v1/me", tok, nil), 401, "SESSION_EXPIRED")
		var me staffAnswer
		e.do("GET", "/admin/api/v1/me", e.staffToken("town1", "Township12345"), nil).json(t, &me)
		if me.Role != "department" || me.TownshipCode != "" || me.Department != "区人社局" {
			t.Fatalf("after the role change: %+v", me)
		}
	})
	t.Run("name only keeps sessions", func(t *testing.T) {
		tok := e.staffToken("town1", "Township12345")
		expect(t, e.do("PATCH", path, admin, map[string]any{"display_name": "人社局张三"}), 200, "")
		expect(t, e.do("GET", "/admin/api/v1/me", tok, nil), 200, "")
	})
	t.Run("disable", func(t *testing.T) {
		tok := e.staffToken("town1", "Township12345")
		r := e.do("PATCH", path, admin, map[string]any{"disabled": true})
		expect(t, r, 200, "")
		expect(t, e.do("GET", "/admin/api/v1/me", tok, nil), 401, "SESSION_EXPIRED")
		expect(t, e.staffLogin("town1", "Township12345"), 401, "INVALID_CREDENTIALS")
		expect(t, e.do("PATCH", path, admin, map[string]any{"disabled": false}), 200, "")
		e.staffToken("town1", "Township12345")
	})
	t.Run("invalid scope 422", func(t *testing.T) {
		expect(t, e.do("PATCH", path, admin, map[string]any{"role": "township"}), 422, "VALIDATION_FAILED")
	})
	t.Run("own role 409", func(t *testing.T) {
		var me staffAnswer
		e.do("GET", "/admin/api/v1/me", admin, nil).json(t, &me)
		expect(t, e.do("PATCH", fmt.Sprintf("/admin/api/v1/staff/%d", me.ID), admin, map[string]any{"disabled": true}), 409, "CANNOT_CHANGE_SELF")
	})
	t.Run("not a district admin 403", func(t *testing.T) {
		tok := e.staffToken("town1", "Township12345")
		expect(t, e.do("PATCH", path, tok, map[string]any{"role": "district_admin", "township_code": ""}), 403, "FORBIDDEN")
		expect(t, e.do("GET", "/admin/api/v1/staff", tok, nil), 403, "FORBIDDEN")
	})
	var n int
	e.db.Get(&n, "SELECT COUNT(*) FROM audit_log WHERE action = 'staff.update' AND actor_name = 'admin'")
	if n != 5 {
		t.Fatalf("staff.update audit rows = %d, want 5 (township, role, name, disable, enable)", n)
	}
}

// A reset gives a one-time password that signs in only to change it.
func TestStaffResetPassword_oneTimePasswordForcesChange(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.staffToken("admin", adminPasswd)
	town := e.createStaff(admin, map[string]string{"username": "town1", "password": "Township12345", "role": "township", "township_code": "990101"})
	old := e.staffToken("town1", "Township12345")
	r := e.do("POST", fmt.Sprintf("/admin/api/v1/staff/%d/reset-password", town.ID), admin, nil)
	expect(t, r, 200, "")
	var reset struct {
		Password           string `json:"password"`
		MustChangePassword bool   `json:"must_change_password"`
	}
	r.json(t, &reset)
	if len(reset.Password) < 12 || !reset.MustChangePassword || r.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("reset answer = %s (%v)", r.Body, r.Header)
	}
	expect(t, e.do("GET", "/admin/api/v1/me", old, nil), 401, "SESSION_EXPIRED")
	expect(t, e.staffLogin("town1", "Township12345"), 401, "INVALID_CREDENTIALS")

	login := e.staffLogin("town1", reset.Password)
	expect(t, login, 200, "")
	var a struct {
		Token string      `json:"token"`
		Staff staffAnswer `json:"staff"`
	}
	login.json(t, &a)
	if !a.Staff.MustChangePassword {
		t.Fatalf("login answer does not say the password must change: %s", login.Body)
	}
	expect(t, e.do("GET", "/admin/api/v1/returnees", a.Token, nil), 403, "PASSWORD_CHANGE_REQUIRED")
	expect(t, e.do("GET", "/admin/api/v1/applications", a.Token, nil), 403, "PASSWORD_CHANGE_REQUIRED")
	expect(t, e.do("GET", "/admin/api/v1/me", a.Token, nil), 200, "")
	pw := "/admin/api/v1/me/password"
	expect(t, e.do("POST", pw, a.Token, map[string]string{"old_password": "nope-12345x", "new_password": "Fresh-Start-2468"}), 422, "WRONG_PASSWORD")
	expect(t, e.do("POST", pw, a.Token, map[string]string{"old_password": reset.Password, "new_password": "woaini1314"}), 422, "WEAK_PASSWORD")
	expect(t, e.do("POST", pw, a.Token, map[string]string{"old_password": reset.Password, "new_password": "Town1-is-mine-9"}), 422, "WEAK_PASSWORD")
	expect(t, e.do("POST", pw, a.Token, map[string]string{"old_password": reset.Password, "new_password": "Fresh-Start-2468"}), 204, "")
	// The same session now opens the console; the one-time password is spent.
	expect(t, e.do("GET", "/admin/api/v1/returnees", a.Token, nil), 200, "")
	expect(t, e.staffLogin("town1", reset.Password), 401, "INVALID_CREDENTIALS")
	e.staffToken("town1", "Fresh-Start-2468")
	var actions int
	e.db.Get(&actions, "SELECT COUNT(*) FROM audit_log WHERE action IN ('staff.password_reset', 'staff.password_changed')")
	if actions != 2 {
		t.Fatalf("audit rows = %d, want reset + change", actions)
	}
	expect(t, e.do("POST", "/admin/api/v1/staff/999999/reset-password", admin, nil), 404, "NOT_FOUND")
}

func TestChangeMyPassword_endsOtherSessions_keepsThisOne(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	here := e.staffToken("admin", adminPasswd)
	there := e.staffToken("admin", adminPasswd)
	expect(t, e.do("POST", "/admin/api/v1/me/password", here, map[string]string{"old_password": adminPasswd, "new_password": adminPasswd}), 422, "WEAK_PASSWORD")
	expect(t, e.do("POST", "/admin/api/v1/me/password", here, map[string]string{"old_password": adminPasswd, "new_password": "New-Console-1357"}), 204, "")
	expect(t, e.do("GET", "/admin/api/v1/me", there, nil), 401, "SESSION_EXPIRED")
	expect(t, e.do("GET", "/admin/api/v1/me", here, nil), 200, "")
	expect(t, e.staffLogin("admin", adminPasswd), 401, "INVALID_CREDENTIALS")
	e.staffToken("admin", "New-Console-1357")
}

func TestStaffCreate_commonOrUsernamePassword_422(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.staffToken("admin", adminPasswd)
	for _, pw := range []string{"Password123", "qq123456789", "Aa123456789", "xiaoli-2024-pw"} {
		expect(t, e.do("POST", "/admin/api/v1/staff", admin, map[string]string{
			"username": "xiaoli", "password": pw, "role": "department", "department": "区人社局"}), 422, "WEAK_PASSWORD")
	}
}

// A mini-program session slides for 7 days but ends at its absolute lifetime however used.
func TestUserSession_pastAbsoluteLifetime_401(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *config.Config) { c.Session.UserMax = 3 * time.Hour })
	a := e.signIn("o_max")
	if a.ExpiresIn > 3*3600 {
		t.Fatalf("expires_in = %d, want the absolute end", a.ExpiresIn)
	}
	for range 3 {
		expect(t, e.do("GET", "/api/v1/me", a.Token, nil), 200, "")
		e.advance(45 * time.Minute)
	}
	e.advance(46 * time.Minute)
	expect(t, e.do("GET", "/api/v1/me", a.Token, nil), 401, "SESSION_EXPIRED")
}

// The calls that spend WeChat quota are limited per user and per address; refused calls do
// not reach WeChat.
func TestWeChatQuota_overLimit_429(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *config.Config) {
		c.Limits.WeChatLoginPerIP, c.Limits.WeChatPerUser, c.Limits.WeChatPerIP = 3, 2, 5
	})
	t.Run("login per address", func(t *testing.T) {
		for i := range 3 {
			e.signIn(fmt.Sprintf("o_quota%d", i))
		}
		before := e.wx.Calls(wxfake.PathJSCode2Session)
		r := e.do("POST", "/api/v1/auth/login", "", map[string]string{"code": e.wx.IssueLoginCode("o_quota9", "")})
		expect(t, r, 429, "RATE_LIMITED")
		if retryAfter(r) < 1 {
			t.Fatal("no Retry-After")
		}
		if e.wx.Calls(wxfake.PathJSCode2Session) != before {
			t.Fatal("a refused sign-in reached WeChat")
		}
	})
	e.app.Redis.Del(t.Context(), e.cfg.Redis.KeyPrefix+"rl:ip:/api/v1/auth/login:127.0.0.1")
	tok := e.signIn("o_phone").Token
	t.Run("phone binding per user", func(t *testing.T) {
		for i := range 2 {
			expect(t, e.do("POST", "/api/v1/me/phone", tok, map[string]string{"code": e.wx.IssuePhoneCode(fmt.Sprintf("1390000000%d", i))}), 200, "")
		}
		before := e.wx.Calls(wxfake.PathPhoneNumber)
		r := e.do("POST", "/api/v1/me/phone", tok, map[string]string{"code": e.wx.IssuePhoneCode("13900000009")})
		expect(t, r, 429, "RATE_LIMITED")
		if retryAfter(r) < 1 || e.wx.Calls(wxfake.PathPhoneNumber) != before {
			t.Fatalf("Retry-After %q; WeChat calls %d → %d", r.Header.Get("Retry-After"), before, e.wx.Calls(wxfake.PathPhoneNumber))
		}
	})
	t.Run("content-checked saves per user", func(t *testing.T) {
		for _, path := range []string{"/api/v1/me/returnee", "/api/v1/me/alumnus"} {
			for range 2 {
				e.do("PUT", path, tok, map[string]any{})
			}
			expect(t, e.do("PUT", path, tok, map[string]any{}), 429, "RATE_LIMITED")
		}
	})
	t.Run("per address across users", func(t *testing.T) {
		// 2 phone bindings from 127.0.0.1 counted so far (the one refused per user was not):
		// the address limit of 5 stops a script that signs in as many users.
		var last response
		for i := range 4 {
			e.app.Redis.Del(t.Context(), e.cfg.Redis.KeyPrefix+"rl:ip:/api/v1/auth/login:127.0.0.1")
			other := e.signIn(fmt.Sprintf("o_phone_other%d", i)).Token
			last = e.do("POST", "/api/v1/me/phone", other, map[string]string{"code": e.wx.IssuePhoneCode("13700000001")})
		}
		expect(t, last, 429, "RATE_LIMITED")
	})
}
