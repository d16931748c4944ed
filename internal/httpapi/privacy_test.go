package httpapi_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"huixiang/internal/privacy"
)

type meAnswer struct {
	ID      int64 `json:"id"`
	Privacy struct {
		Version    *string    `json:"version"`
		AcceptedAt *time.Time `json:"accepted_at"`
		Current    string     `json:"current"`
	} `json:"privacy"`
}

func (e *env) me(tok string) meAnswer {
	e.t.Helper()
	r := e.do("GET", "/api/v1/me", tok, nil)
	expect(e.t, r, 200, "")
	var m meAnswer
	r.json(e.t, &m)
	return m
}

// A user who has not accepted the current privacy policy cannot send an ID number (returnee or
// alumnus registration) or a bank account (application create, patch, submit): 422
// PRIVACY_CONSENT_REQUIRED, with nothing written; after accepting, the same requests go through.
// GET /me shows what was accepted and when; an unknown version is refused; history is kept.
func TestPrivacyConsent_requiredForIDNumbersAndBankAccounts(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	seedRegions(t, e)
	tok := e.signInOnly("o_privacy").Token
	expect(t, e.do("POST", "/api/v1/me/phone", tok, map[string]string{"code": e.wx.IssuePhoneCode("13800001111")}), 200, "")

	m := e.me(tok)
	if m.Privacy.Version != nil || m.Privacy.AcceptedAt != nil || m.Privacy.Current != privacy.CurrentVersion {
		t.Fatalf("privacy before consent = %+v", m.Privacy)
	}
	r := e.do("PUT", "/api/v1/me/returnee", tok, form(41, "990101"))
	expect(t, r, 422, "PRIVACY_CONSENT_REQUIRED")
	if !strings.Contains(string(r.Body), "请先阅读并同意《隐私政策》，再填写身份证号码或银行账号") {
		t.Fatalf("body = %s", r.Body)
	}
	expect(t, e.do("PUT", "/api/v1/me/alumnus", tok, alumnusForm(41)), 422, "PRIVACY_CONSENT_REQUIRED")
	var n int
	if err := e.db.Get(&n, `SELECT COUNT(*) FROM persons`); err != nil || n != 0 {
		t.Fatalf("persons = %d, %v", n, err)
	}

	expect(t, e.do("POST", "/api/v1/me/privacy-consent", tok, map[string]string{"version": "2025-01-01"}), 422, "PRIVACY_VERSION_UNKNOWN")
	expect(t, e.do("POST", "/api/v1/me/privacy-consent", tok, map[string]string{}), 422, "PRIVACY_VERSION_UNKNOWN")
	before := time.Now().Add(-time.Second)
	e.acceptPrivacy(tok)
	m = e.me(tok)
	if m.Privacy.Version == nil || *m.Privacy.Version != privacy.CurrentVersion || m.Privacy.AcceptedAt == nil || m.Privacy.AcceptedAt.Before(before) {
		t.Fatalf("privacy after consent = %+v", m.Privacy)
	}
	first := *m.Privacy.AcceptedAt
	e.acceptPrivacy(tok) // again: the first time stays
	if m = e.me(tok); !m.Privacy.AcceptedAt.Equal(first) {
		t.Fatalf("accepted_at moved: %v → %v", first, m.Privacy.AcceptedAt)
	}
	if err := e.db.Get(&n, `SELECT COUNT(*) FROM privacy_consents WHERE user_id = ? AND version = ?`, m.ID, privacy.CurrentVersion); err != nil || n != 1 {
		t.Fatalf("history rows = %d, %v", n, err)
	}
	expect(t, e.do("PUT", "/api/v1/me/returnee", tok, form(41, "990101")), 200, "")

	// Applications: a draft without a bank account needs no consent, one with it does.
	other := e.entrepreneur("o_privacy_bank", 43)
	withdraw := func() { // as a new policy version would leave the user
		t.Helper()
		if _, err := e.db.Exec(`UPDATE users SET privacy_version = '2020-01-01' WHERE openid = 'o_privacy_bank'`); err != nil {
			t.Fatal(err)
		}
	}
	withdraw()
	expect(t, e.do("POST", "/api/v1/applications", other, subsidyForm()), 422, "PRIVACY_CONSENT_REQUIRED")
	noBank := subsidyForm()
	delete(noBank, "bank_account")
	r = e.do("POST", "/api/v1/applications", other, noBank)
	expect(t, r, 201, "")
	var app struct {
		ID      int64 `json:"id"`
		Version int   `json:"version"`
	}
	r.json(t, &app)
	path := fmt.Sprintf("/api/v1/applications/%d", app.ID)
	expect(t, e.do("PATCH", path, other, map[string]any{"version": app.Version, "bank_account": "6222021234567890123"}), 422, "PRIVACY_CONSENT_REQUIRED")
	r = e.do("PATCH", path, other, map[string]any{"version": app.Version, "jobs_created": 4})
	expect(t, r, 200, "")
	r.json(t, &app)
	// The registry's save with the ID number is refused as well.
	expect(t, e.do("PUT", "/api/v1/me/returnee", other, form(43, "990101")), 422, "PRIVACY_CONSENT_REQUIRED")
	e.acceptPrivacy(other)
	r = e.do("PATCH", path, other, map[string]any{"version": app.Version, "bank_account": "6222021234567890123"})
	expect(t, r, 200, "")
	r.json(t, &app)
	// Submit reads the consent with the application: withdrawn, the bank account stops it.
	withdraw()
	expect(t, e.do("POST", path+"/submit", other, map[string]any{"version": app.Version}), 422, "PRIVACY_CONSENT_REQUIRED")
	e.acceptPrivacy(other)
	r = e.do("POST", path+"/submit", other, map[string]any{"version": app.Version})
	if r.Status == 422 && r.errCode(t) == "PRIVACY_CONSENT_REQUIRED" {
		t.Fatalf("submit after consent = %s", r.Body)
	}
}

// The mini program's lib/privacy.js exports the version its policy page shows; it must be the
// server's CurrentVersion, or every user would be refused after agreeing.
func TestPrivacyVersion_sameAsMiniProgram(t *testing.T) {
	path := filepath.Join("..", "..", "miniprogram", "lib", "privacy.js")
	src, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		t.Skip("miniprogram/lib/privacy.js does not exist yet (the mini-program side of issue 11 adds it)")
	}
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`VERSION\s*[:=]\s*['"]([^'"]+)['"]`).FindSubmatch(src)
	if m == nil {
		t.Fatalf("%s exports no VERSION = '...'", path)
	}
	if string(m[1]) != privacy.CurrentVersion {
		t.Fatalf("miniprogram VERSION = %q, server privacy.CurrentVersion = %q", m[1], privacy.CurrentVersion)
	}
}
