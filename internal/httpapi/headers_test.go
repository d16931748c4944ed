package httpapi_test

import (
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// TestSecurityHeaders_staffAnswersAreNotCachedSniffedOrFramed: staff answers carry personal data;
// every answer, errors and unknown routes included, says no-store, nosniff, no-referrer, no frames.
func TestSecurityHeaders_staffAnswersAreNotCachedSniffedOrFramed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.staffToken("admin", adminPasswd)
	want := map[string]string{
		"Cache-Control":           "no-store",
		"X-Content-Type-Options":  "nosniff",
		"Referrer-Policy":         "no-referrer",
		"X-Frame-Options":         "DENY",
		"Content-Security-Policy": "frame-ancestors 'none'",
	}
	for _, c := range []struct {
		method, path, token string
		status              int
	}{
		{"GET", "/admin/api/v1/me", admin, 200},
		{"GET", "/admin/api/v1/returnees", admin, 200},
		{"GET", "/admin/api/v1/returnees?page=0", admin, 400},
		{"GET", "/admin/api/v1/me", "", 401},
		{"POST", "/admin/api/v1/auth/login", "", 401},
		{"GET", "/admin/api/v1/no-such-route", admin, 404},
		{"GET", "/api/v1/regions", "", 200},
		{"GET", "/healthz", "", 200},
	} {
		var body any
		if c.method == "POST" {
			body = map[string]string{"username": "admin", "password": "wrong-password-1"}
		}
		r := e.do(c.method, c.path, c.token, body)
		if r.Status != c.status {
			t.Fatalf("%s %s: status %d, want %d; %s", c.method, c.path, r.Status, c.status, r.Body)
		}
		for k, v := range want {
			if got := r.Header.Get(k); got != v {
				t.Errorf("%s %s: %s = %q, want %q", c.method, c.path, k, got, v)
			}
		}
	}
}

// TestRequestID_clientIDKeptOnlyWhenSane: the request ID goes into the logs and the audit log, so a
// client's is kept only when it is 1-64 characters of [A-Za-z0-9._-]; anything else is replaced.
func TestRequestID_clientIDKeptOnlyWhenSane(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, c := range []struct {
		sent string
		kept bool
	}{
		{"a", true},
		{"7", true},
		{"req-1.2_3", true},
		{strings.Repeat("x", 64), true},
		{strings.Repeat("x", 65), false},
		{"a b", false},
		{"abc/def", false},
		{"区区区区区区区区", false},
		{"<script>", false},
		{"id;drop", false},
	} {
		r := e.doHeaders("GET", "/healthz", "", map[string]string{"X-Request-ID": c.sent}, nil)
		got := r.Header.Get("X-Request-ID")
		switch {
		case c.kept && got != c.sent:
			t.Errorf("sent %q: answered %q, want it kept", c.sent, got)
		case !c.kept && (got == c.sent || got == ""):
			t.Errorf("sent %q: answered %q, want a new ID", c.sent, got)
		}
	}

	// What the audit log records is what the answer says.
	for _, sent := range []string{"q", "bad id with spaces"} {
		r := e.doHeaders("POST", "/admin/api/v1/auth/login", "", map[string]string{"X-Request-ID": sent},
			map[string]string{"username": "admin", "password": "wrong-password-1"})
		expect(t, r, 401, "INVALID_CREDENTIALS")
		id := r.Header.Get("X-Request-ID")
		var logged string
		if err := e.db.Get(&logged, `SELECT request_id FROM audit_log WHERE action = 'staff.login_failed' ORDER BY id DESC LIMIT 1`); err != nil {
			t.Fatal(err)
		}
		if logged != id || (sent == "q") != (id == sent) {
			t.Fatalf("sent %q: answered %q, audit log has %q", sent, id, logged)
		}
	}
}

// TestRequestID_generatedAreUniqueAndOfTheSameForm: the IDs the server makes (a per-process
// prefix and a counter) are 24 hex digits, like the random ones before, and never repeat, also
// under parallel requests.
func TestRequestID_generatedAreUniqueAndOfTheSameForm(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const n = 200
	ids := make(chan string, n)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			res, err := http.Get(e.srv.URL + "/healthz")
			if err != nil {
				t.Error(err)
				return
			}
			_ = res.Body.Close()
			ids <- res.Header.Get("X-Request-ID")
		})
	}
	wg.Wait()
	close(ids)
	form := regexp.MustCompile(`^[0-9a-f]{24}$`)
	seen := map[string]bool{}
	for id := range ids {
		if !form.MatchString(id) {
			t.Fatalf("request ID %q is not 24 hex digits", id)
		}
		if seen[id] {
			t.Fatalf("request ID %q given twice", id)
		}
		seen[id] = true
	}
	if len(seen) != n {
		t.Fatalf("%d IDs, want %d", len(seen), n)
	}
}
