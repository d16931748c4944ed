package main

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"huixiang/internal/jobs"
	"huixiang/internal/notify"
	"huixiang/internal/sqldb"
	"huixiang/internal/testenv"
	"huixiang/internal/wxfake"
)

// replica is one `serve` started in-process by run, with its own listen addresses and logs.
type replica struct {
	url  string
	out  *syncBuffer
	done chan error
}

func startReplica(t *testing.T, ctx context.Context, vars map[string]string) *replica {
	t.Helper()
	r := &replica{url: "http://" + vars["HX_HTTP_ADDR"], out: &syncBuffer{}, done: make(chan error, 1)}
	go func() { r.done <- run(ctx, []string{"serve"}, func(k string) string { return vars[k] }, r.out, r.out) }()
	return r
}

func (r *replica) waitHealthy(t *testing.T) {
	t.Helper()
	// A deadline, not a wait: a replica is healthy in well under a second on a quiet machine, but
	// make test starts it while two cores run every other package's tests (it once took over 20 s).
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if res, err := http.Get(r.url + "/healthz"); err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return
			}
		}
	}
	t.Fatalf("%s never became healthy:\n%s", r.url, r.out.String())
}

func (r *replica) stop(t *testing.T) {
	t.Helper()
	select {
	case err := <-r.done:
		if err != nil {
			t.Errorf("%s: run returned %v", r.url, err)
		}
	case <-time.After(30 * time.Second):
		t.Errorf("%s: run did not return after cancel", r.url)
	}
}

// TestServe_twoReplicasOnOneDatabase_bothAnswer_nightlyJobsRunOnce_outboxSendsOnce starts two
// serve processes (in-process run calls, separate HTTP and metrics listeners) on one database,
// one Redis prefix and one WeChat stand-in, as two replicas behind a load balancer:
//   - both answer /healthz, and a staff session made on one works on the other (sessions are in
//     Redis, not in the process);
//   - both start their nightly schedule at once, which begins by catching up the last 00:10 slot:
//     each job runs once (one job_runs row each, one "job started" across both logs) and its
//     effect happens once (one expiry entry for the expired points);
//   - the outbox workers of both send every queued message exactly once to the stand-in.
func TestServe_twoReplicasOnOneDatabase_bothAnswer_nightlyJobsRunOnce_outboxSendsOnce(t *testing.T) {
	dsn := testenv.MySQLDSN(t)
	db := testenv.MySQLAt(t, dsn)
	now := time.Now().UTC()
	// Points earned long ago and expired an hour ago: the night's expiry must write one entry.
	db.MustExec(`INSERT INTO persons (id, id_card_enc, id_card_idx, name, gender, birth_date, created_source, created_at, updated_at)
		VALUES (7, 'x', REPEAT('a', 32), '校友', 'F', '1990-01-01', 'import', ?, ?)`, now, now)
	db.MustExec(`INSERT INTO points_accounts (person_id, balance, version, created_at, updated_at) VALUES (7, 20, 1, ?, ?)`, now, now)
	db.MustExec(`INSERT INTO points_entries (person_id, delta, reason_code, rule_code, reference, idempotency_key, actor_type,
		created_at, balance_after, expires_at, remaining) VALUES (7, 20, 'grant', 'event_attendance', 'E', 'grant:event_attendance:7:E', 'staff', ?, 20, ?, 20)`,
		now.Add(-3*365*24*time.Hour), now.Add(-time.Hour))

	fake := wxfake.New(wxfake.Options{AppID: "wxrun", Secret: "runsecret"})
	fake.RegisterTemplate("TMPL_APPLICATION_PROGRESS", "thing1", "phrase2", "time3", "thing4")
	wx := httptest.NewServer(fake)
	t.Cleanup(wx.Close)

	varsA := baseEnv(t, dsn)
	varsA["HX_WECHAT_API_BASE"] = wx.URL
	varsB := maps.Clone(varsA)
	varsB["HX_HTTP_ADDR"], varsB["HX_METRICS_ADDR"] = freeAddr(t), freeAddr(t)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a, b := startReplica(t, ctx, varsA), startReplica(t, ctx, varsB)
	a.waitHealthy(t)
	b.waitHealthy(t)

	// A session made on A answers on B and on A.
	res, err := http.Post(a.url+"/admin/api/v1/auth/login", "application/json", strings.NewReader(`{"username":"admin","password":"Bootstrap12345"}`))
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("login on A: %v %v", res, err)
	}
	var login struct {
		Token string `json:"token"`
	}
	json.NewDecoder(res.Body).Decode(&login)
	res.Body.Close()
	for _, r := range []*replica{b, a} {
		req, _ := http.NewRequest("GET", r.url+"/admin/api/v1/me", nil)
		req.Header.Set("Authorization", "Bearer "+login.Token)
		res, err := http.DefaultClient.Do(req)
		if err != nil || res.StatusCode != 200 {
			t.Fatalf("GET /admin/api/v1/me on %s: %v %v", r.url, res, err)
		}
		res.Body.Close()
	}

	// The nightly slot: both replicas tried it at start; each job ran once.
	slot := jobs.Nightly.Prev(time.Now())
	var runs []struct {
		Job     string    `db:"job"`
		Slot    time.Time `db:"slot"`
		Status  string    `db:"status"`
		Attempt int       `db:"attempt"`
		Replica string    `db:"replica"`
	}
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		runs = runs[:0]
		if err := db.Select(&runs, `SELECT job, slot, status, attempt, replica FROM job_runs ORDER BY job`); err != nil {
			t.Fatal(err)
		}
		if len(runs) == 3 && runs[0].Status == jobs.StatusOK && runs[1].Status == jobs.StatusOK && runs[2].Status == jobs.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("job runs %+v\nA:\n%s\nB:\n%s", runs, a.out.String(), b.out.String())
		}
	}
	for i, name := range []string{jobNotifyPrune, jobPointsExpiry, jobUploadSweep} {
		if r := runs[i]; r.Job != name || !r.Slot.Equal(slot) || r.Attempt != 1 {
			t.Fatalf("run %d = %+v, want %s of slot %v, first attempt", i, r, name, slot)
		}
	}
	// Both replicas tried each job: one ran it, the other found the claim and skipped.
	count := func(msg, job string) (n int) {
		for _, line := range strings.Split(a.out.String()+b.out.String(), "\n") {
			if strings.Contains(line, `"msg":"`+msg) && strings.Contains(line, `"job":"`+job+`"`) {
				n++
			}
		}
		return n
	}
	for _, name := range []string{jobNotifyPrune, jobPointsExpiry, jobUploadSweep} {
		for deadline := time.Now().Add(10 * time.Second); count("job skipped", name) < 1 && time.Now().Before(deadline); {
			time.Sleep(50 * time.Millisecond)
		}
		if started, skipped := count("job started", name), count("job skipped", name); started != 1 || skipped != 1 {
			t.Fatalf("%s: started %d and skipped %d times across the replicas, want 1 and 1\nA:\n%s\nB:\n%s",
				name, started, skipped, a.out.String(), b.out.String())
		}
	}
	var expiries int
	db.Get(&expiries, `SELECT COUNT(*) FROM points_entries WHERE person_id = 7 AND reason_code = 'expire'`)
	if expiries != 1 {
		t.Fatalf("expiry entries = %d, want 1", expiries)
	}

	// The outbox: N messages, both replicas' workers draining it; each is sent once.
	const n = 24
	svc := notify.NewService(db, notify.Options{ProgressTemplateID: "TMPL_APPLICATION_PROGRESS"})
	for i := range n {
		openid := fmt.Sprintf("o_replica_%02d", i)
		res := db.MustExec(`INSERT INTO users (openid, created_at, updated_at, last_login_at) VALUES (?, ?, ?, ?)`, openid, now, now, now)
		uid, _ := res.LastInsertId()
		fake.GrantConsent(openid, "TMPL_APPLICATION_PROGRESS", 5)
		if _, err := svc.AddConsents(t.Context(), uid, []string{"TMPL_APPLICATION_PROGRESS"}); err != nil {
			t.Fatal(err)
		}
		err := sqldb.WithTx(t.Context(), db, func(tx *sqlx.Tx) error {
			return notify.Enqueue(t.Context(), tx, notify.Notification{UserID: uid, Kind: "application_status", Title: "申请已通过",
				DedupKey: fmt.Sprint("replicas:", i), Template: svc.Progress("一次性创业补贴", "已通过", "", now)})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		var sent int
		db.Get(&sent, `SELECT COUNT(*) FROM outbox WHERE status = ?`, notify.StatusSent)
		if sent == n {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d sent\nA:\n%s\nB:\n%s", sent, n, a.out.String(), b.out.String())
		}
	}
	time.Sleep(300 * time.Millisecond) // a duplicate send would arrive now
	perUser := map[string]int{}
	for _, m := range fake.Sent() {
		perUser[m.ToUser]++
	}
	if len(fake.Sent()) != n || len(perUser) != n {
		t.Fatalf("the stand-in received %d messages for %d users, want %d each once: %v", len(fake.Sent()), len(perUser), n, perUser)
	}
	for _, r := range []*replica{a, b} {
		if !strings.Contains(r.out.String(), `"msg":"outbox worker started"`) {
			t.Fatalf("%s ran no outbox worker:\n%s", r.url, r.out.String())
		}
	}

	cancel()
	a.stop(t)
	b.stop(t)

	// `server jobs` lists the night's runs.
	var out syncBuffer
	if err := run(context.Background(), []string{"jobs"}, func(k string) string { return varsA[k] }, &out, &out); err != nil {
		t.Fatalf("server jobs: %v\n%s", err, out.String())
	}
	table := out.String()
	for _, want := range []string{"JOB", "SLOT (BEIJING)", "REPLICA", "STATUS", "FINISHED", jobPointsExpiry, jobUploadSweep,
		jobs.Beijing(slot).Format("2006-01-02 15:04:05"), "expired 20 points in 1 entries"} {
		if !strings.Contains(table, want) {
			t.Fatalf("server jobs output lacks %q:\n%s", want, table)
		}
	}
}
