package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"huixiang/internal/testenv"
)

// `server jobs run` runs the last nightly slot's jobs once: a second call (another cron host)
// finds them done. Manual runs (`server points expire`) are recorded too, and `server jobs`
// lists all of them.
func TestJobsCommands_runClaimsTheSlotOnce_listShowsEveryRun(t *testing.T) {
	dsn := testenv.MySQLDSN(t)
	vars := baseEnv(t, dsn)
	getenv := func(k string) string { return vars[k] }
	ctx := context.Background()
	var out bytes.Buffer
	if err := run(ctx, []string{"jobs"}, getenv, &out, &out); err != nil || !strings.Contains(out.String(), "no job runs yet") {
		t.Fatalf("empty list: %v\n%s", err, out.String())
	}
	out.Reset()
	if err := run(ctx, []string{"jobs", "run"}, getenv, &out, &out); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(out.String(), ": ran: "); n != 3 {
		t.Fatalf("first `jobs run`:\n%s", out.String())
	}
	out.Reset()
	if err := run(ctx, []string{"jobs", "run"}, getenv, &out, &out); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(out.String(), "done by another run (ok)"); n != 3 {
		t.Fatalf("second `jobs run` ran again:\n%s", out.String())
	}
	out.Reset()
	if err := run(ctx, []string{"points", "expire"}, getenv, &out, &out); err != nil || !strings.Contains(out.String(), "expired 0 points") {
		t.Fatalf("points expire: %v\n%s", err, out.String())
	}
	out.Reset()
	if err := run(ctx, []string{"jobs", "-n", "5"}, getenv, &out, &out); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 5 || !strings.HasPrefix(lines[0], "JOB") || !strings.Contains(lines[1], "manual") ||
		strings.Count(out.String(), "nightly") != 3 || strings.Count(out.String(), " ok ") != 4 {
		t.Fatalf("jobs list:\n%s", out.String())
	}
	if err := run(ctx, []string{"jobs", "frobnicate"}, getenv, &out, &out); err == nil {
		t.Fatal("unknown subcommand accepted")
	}
}
