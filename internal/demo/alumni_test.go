package demo

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"huixiang/internal/alumni"
	"huixiang/internal/app"
	"huixiang/internal/config" //nolint:depguard // the test builds the whole app, as cmd does, to seed it
	"huixiang/internal/sqldb"
	"huixiang/internal/staff"
	"huixiang/internal/testenv"
	"huixiang/internal/wxfake"
)

// newApp is the app on a fresh database with the demo data (Seed once).
func newApp(t *testing.T) *app.App {
	t.Helper()
	const secret = "test-secret-0123456789abcdef"
	fake := httptest.NewServer(wxfake.New(wxfake.Options{AppID: "wxdemotest000001", Secret: secret, ConsentAuto: true}))
	t.Cleanup(fake.Close)
	_, prefix := testenv.Redis(t)
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	vars := map[string]string{
		"HX_MYSQL_DSN": testenv.MySQLDSN(t), "HX_REDIS_ADDR": testenv.RedisAddr(), "HX_REDIS_KEY_PREFIX": prefix,
		"HX_WECHAT_APPID": "wxdemotest000001", "HX_WECHAT_SECRET": secret, "HX_WECHAT_API_BASE": fake.URL, "HX_WECHAT_TIMEOUT": "1s",
		"HX_PII_KEY": base64.StdEncoding.EncodeToString(key), "HX_ADMIN_BOOTSTRAP_PASSWORD": "Demo-Seed-Key-1357",
		"HX_LOG_LEVEL": "error", "HX_UPLOAD_DIR": t.TempDir(),
	}
	cfg, err := config.Load("", func(k string) string { return vars[k] })
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.New(cfg, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	a.Staff.SetHashCost(staff.MinHashCost()) // staff hashes in a thousandth of the time (see staff.HashCost)
	if err := Seed(t.Context(), a, io.Discard); err != nil {
		t.Fatal(err)
	}
	return a
}

// TestSeedAlumni_twiceAddsNothing: the demo schools, alumni, their reviews and grades and their
// check-ins are made once.
func TestSeedAlumni_twiceAddsNothing(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	ctx := t.Context()
	count := func() (alumniN, checkins int) {
		p, err := a.Alumni.Search(ctx, alumni.SearchFilter{Filter: alumni.Filter{PageRequest: sqldb.PageRequest{PageSize: 100}}})
		if err != nil {
			t.Fatal(err)
		}
		id, err := demoEventID(ctx, a)
		if err != nil || id == 0 {
			t.Fatalf("demo event: %d %v", id, err)
		}
		att, err := a.Alumni.Attendees(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return p.Total, len(att)
	}
	// Every demo alumnus is at the stage it is meant to be.
	for _, d := range demoAlumni {
		p, err := a.Alumni.Search(ctx, alumni.SearchFilter{Name: d.name})
		if err != nil || len(p.Items) != 1 {
			t.Fatalf("%s: %v %d", d.name, err, len(p.Items))
		}
		r := p.Items[0]
		grade := ""
		if r.GradeCode != nil {
			grade = *r.GradeCode
		}
		if r.Status != d.status || grade != d.grade || !r.Claimed {
			t.Errorf("%s: %s %q claimed=%v, want %s %q", d.name, r.Status, grade, r.Claimed, d.status, d.grade)
		}
	}
	n1, c1 := count()
	if c1 != 3 {
		t.Fatalf("demo event: %d check-ins", c1)
	}
	var out bytes.Buffer
	if err := seedAlumni(ctx, a, &out); err != nil {
		t.Fatal(err)
	}
	if n2, c2 := count(); n2 != n1 || c2 != c1 {
		t.Fatalf("second seed: %d alumni (was %d), %d check-ins (was %d)", n2, n1, c2, c1)
	}
	if strings.TrimSpace(out.String()) != "" {
		t.Fatalf("second seed says it created: %s", out.String())
	}
}
