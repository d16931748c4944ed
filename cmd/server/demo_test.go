package main

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"huixiang/internal/demo"
	"huixiang/internal/testenv"
)

// TestDemoScript_walksEveryJourney seeds a database twice (the demo perks and event once), starts
// the server in-process next to a WeChat stand-in and runs scripts/demo.sh against them, so that
// the walk-through in the README never rots. Not parallel: the stand-in's address is process-wide
// (see internal/wechat), and parallel tests start after this one ends.
func TestDemoScript_walksEveryJourney(t *testing.T) {
	for _, tool := range []string{"bash", "curl", "base64"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("scripts/demo.sh needs %s: %v", tool, err)
		}
	}
	dsn := testenv.MySQLDSN(t)
	vars := baseEnv(t, dsn)
	get := func(k string) string { return vars[k] }
	var seedOut syncBuffer
	for range 2 {
		if err := run(t.Context(), []string{"seed"}, get, &seedOut, &seedOut); err != nil {
			t.Fatalf("seed: %v\n%s", err, seedOut.String())
		}
	}
	if n := strings.Count(seedOut.String(), "created demo perk "); n != len(demo.Perks) {
		t.Fatalf("seed created %d perks over two runs, want %d:\n%s", n, len(demo.Perks), seedOut.String())
	}
	if n := strings.Count(seedOut.String(), "created demo event "); n != 1 {
		t.Fatalf("seed created %d events over two runs, want 1:\n%s", n, seedOut.String())
	}

	ctx, cancel := context.WithCancel(context.Background())
	var out syncBuffer
	done := make(chan error, 1)
	go func() { done <- run(ctx, nil, get, &out, &out) }()
	defer func() {
		cancel()
		select {
		case <-done:
		case <-time.After(25 * time.Second):
			t.Error("server did not stop")
		}
	}()
	url := "http://" + vars["HX_HTTP_ADDR"]
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if res, err := http.Get(url + "/healthz"); err == nil {
			res.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("server never became healthy:\n%s", out.String())
		}
	}

	for run := 1; run <= 2; run++ { // a second run on the same database works too
		cmd := exec.CommandContext(t.Context(), "bash", "../../scripts/demo.sh")
		cmd.Env = append(os.Environ(), "HX_DEMO_URL="+url, "HX_DEMO_WXFAKE_URL="+vars["HX_WECHAT_API_BASE"],
			"HX_ADMIN_BOOTSTRAP_PASSWORD="+vars["HX_ADMIN_BOOTSTRAP_PASSWORD"])
		script, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("demo.sh run %d: %v\n%s\nserver log:\n%s", run, err, script, out.String())
		}
		t.Logf("demo.sh run %d:\n%s", run, script)
		for _, want := range []string{"phone bound", "application", ": submitted", ": township_approved", ": approved",
			": disbursed", "the applicant sees: disbursed", "alumnus: approved", "checked in at event", "balance: 70 points",
			"balance: 50 points", "verified once", "demo: all journeys done"} {
			if !strings.Contains(string(script), want) {
				t.Fatalf("demo.sh run %d output lacks %q:\n%s", run, want, script)
			}
		}
	}
}
