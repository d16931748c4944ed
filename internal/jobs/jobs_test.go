package jobs_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"huixiang/internal/jobs"
	"huixiang/internal/testenv"
)

type row struct {
	Job     string    `db:"job"`
	Slot    time.Time `db:"slot"`
	Replica string    `db:"replica"`
	Attempt int       `db:"attempt"`
	Status  string    `db:"status"`
	Detail  string    `db:"detail"`
}

func rows(t *testing.T, db *sqlx.DB, job string) []row {
	t.Helper()
	var rs []row
	if err := db.Select(&rs, `SELECT job, slot, replica, attempt, status, detail FROM job_runs WHERE job = ? ORDER BY slot`, job); err != nil {
		t.Fatal(err)
	}
	return rs
}

func TestDaily_nightlyIsThe0010SlotInBeijing(t *testing.T) {
	for _, c := range []struct{ now, next, prev string }{
		{"2026-12-31T15:00:00Z", "2026-12-31T16:10:00Z", "2026-12-30T16:10:00Z"}, // 23:00 in Beijing → 00:10 the next day
		{"2026-12-31T16:05:00Z", "2026-12-31T16:10:00Z", "2026-12-30T16:10:00Z"}, // 00:05 → five minutes later
		{"2026-12-31T16:10:00Z", "2027-01-01T16:10:00Z", "2026-12-31T16:10:00Z"}, // exactly then → tomorrow; prev is now
		{"2026-06-01T03:00:00Z", "2026-06-01T16:10:00Z", "2026-05-31T16:10:00Z"},
	} {
		now, _ := time.Parse(time.RFC3339, c.now)
		if got := jobs.Nightly.Next(now).UTC().Format(time.RFC3339); got != c.next {
			t.Errorf("Next(%s) = %s, want %s", c.now, got, c.next)
		}
		if got := jobs.Nightly.Prev(now).UTC().Format(time.RFC3339); got != c.prev {
			t.Errorf("Prev(%s) = %s, want %s", c.now, got, c.prev)
		}
	}
}

// Eight replicas reach the same slot at the same moment: the job runs once, one row records it.
func TestRun_replicasRacingForASlot_runTheJobOnce(t *testing.T) {
	db := testenv.MySQL(t)
	var calls atomic.Int32
	job := jobs.Job{Name: "race", Run: func(ctx context.Context) (string, error) {
		calls.Add(1)
		time.Sleep(50 * time.Millisecond)
		return "did it", nil
	}}
	slot := jobs.Nightly.Prev(time.Now())
	var wg sync.WaitGroup
	start := make(chan struct{})
	var ran atomic.Int32
	for i := range 8 {
		r := jobs.NewRunner(db, jobs.Options{Replica: fmt.Sprintf("replica-%d", i)})
		wg.Go(func() {
			<-start
			res, err := r.Run(t.Context(), job, slot, jobs.SourceNightly)
			if err != nil {
				t.Error(err)
			}
			if res.Ran {
				ran.Add(1)
			}
		})
	}
	close(start)
	wg.Wait()
	rs := rows(t, db, "race")
	if calls.Load() != 1 || ran.Load() != 1 || len(rs) != 1 || rs[0].Status != jobs.StatusOK || rs[0].Attempt != 1 || rs[0].Detail != "did it" {
		t.Fatalf("calls %d, ran %d, rows %+v; want the job run once", calls.Load(), ran.Load(), rs)
	}
	if !rs[0].Slot.Equal(slot) {
		t.Fatalf("slot %v, want %v", rs[0].Slot, slot)
	}
}

// A replica that died mid-run leaves a 'running' row: it is taken over only once its lease is past.
func TestRun_crashedRunIsTakenOverOnlyAfterItsLease(t *testing.T) {
	db := testenv.MySQL(t)
	now := time.Now().UTC()
	live, dead := now.Add(-24*time.Hour).Truncate(time.Second), now.Add(-48*time.Hour).Truncate(time.Second)
	for slot, lease := range map[time.Time]time.Time{live: now.Add(time.Minute), dead: now.Add(-time.Second)} {
		db.MustExec(`INSERT INTO job_runs (job, slot, source, replica, token, attempt, status, started_at, lease_until)
			VALUES ('crash', ?, 'nightly', 'gone', REPEAT('a', 32), 1, 'running', ?, ?)`, slot, now.Add(-time.Hour), lease)
	}
	var calls atomic.Int32
	job := jobs.Job{Name: "crash", Run: func(context.Context) (string, error) { calls.Add(1); return "", nil }}
	r := jobs.NewRunner(db, jobs.Options{Replica: "survivor"})

	res, err := r.Run(t.Context(), job, live, jobs.SourceNightly)
	if err != nil || res.Ran || !res.Pending || res.Status != jobs.StatusRunning {
		t.Fatalf("live lease: %+v %v; want skipped and pending", res, err)
	}
	res, err = r.Run(t.Context(), job, dead, jobs.SourceNightly)
	if err != nil || !res.Ran || res.Status != jobs.StatusOK || res.Attempt != 2 || res.Pending {
		t.Fatalf("expired lease: %+v %v; want taken over as attempt 2", res, err)
	}
	if calls.Load() != 1 {
		t.Fatalf("job ran %d times", calls.Load())
	}
	rs := rows(t, db, "crash")
	if rs[0].Replica != "survivor" || rs[1].Replica != "gone" {
		t.Fatalf("rows %+v", rs)
	}
}

// A failed run is claimed again until MaxAttempts; then the slot is settled and nobody runs it.
func TestRun_failedRunIsRetriedUpToMaxAttempts(t *testing.T) {
	db := testenv.MySQL(t)
	var calls atomic.Int32
	job := jobs.Job{Name: "flaky", Run: func(context.Context) (string, error) {
		calls.Add(1)
		return "", errors.New("database away")
	}}
	slot := jobs.Nightly.Prev(time.Now())
	for i := 1; i <= 4; i++ {
		r := jobs.NewRunner(db, jobs.Options{Replica: fmt.Sprint("r", i), MaxAttempts: 3})
		res, err := r.Run(t.Context(), job, slot, jobs.SourceNightly)
		if err != nil {
			t.Fatal(err)
		}
		wantRan := i <= 3
		if res.Ran != wantRan || res.Status != jobs.StatusFailed || res.Pending != (i < 3) || res.Attempt != min(i, 3) {
			t.Fatalf("attempt %d: %+v", i, res)
		}
	}
	if rs := rows(t, db, "flaky"); calls.Load() != 3 || len(rs) != 1 || rs[0].Detail != "database away" {
		t.Fatalf("calls %d, rows %+v", calls.Load(), rs)
	}
}

// A job longer than the lease keeps its claim: the runner renews it while the job works.
func TestRun_leaseIsRenewedWhileTheJobWorks(t *testing.T) {
	db := testenv.MySQL(t)
	lease := 600 * time.Millisecond
	slot := jobs.Nightly.Prev(time.Now())
	inside := make(chan struct{})
	release := make(chan struct{})
	long := jobs.Job{Name: "long", Run: func(ctx context.Context) (string, error) {
		close(inside)
		<-release
		return "", ctx.Err()
	}}
	a := jobs.NewRunner(db, jobs.Options{Replica: "a", Lease: lease})
	b := jobs.NewRunner(db, jobs.Options{Replica: "b", Lease: lease})
	done := make(chan jobs.Result, 1)
	go func() { res, _ := a.Run(t.Context(), long, slot, jobs.SourceNightly); done <- res }()
	<-inside
	time.Sleep(3 * lease)
	res, err := b.Run(t.Context(), jobs.Job{Name: "long", Run: func(context.Context) (string, error) {
		t.Error("b ran a job a still holds")
		return "", nil
	}}, slot, jobs.SourceNightly)
	if err != nil || res.Ran || !res.Pending {
		t.Fatalf("b: %+v %v", res, err)
	}
	close(release)
	if res := <-done; !res.Ran || res.Status != jobs.StatusOK || res.Attempt != 1 {
		t.Fatalf("a: %+v", res)
	}
}

// A runner whose claim was taken over (it stalled past its lease) stops its job.
func TestRun_lostLeaseCancelsTheJob(t *testing.T) {
	db := testenv.MySQL(t)
	slot := jobs.Nightly.Prev(time.Now())
	inside := make(chan struct{})
	job := jobs.Job{Name: "stalled", Run: func(ctx context.Context) (string, error) {
		close(inside)
		<-ctx.Done()
		return "", ctx.Err()
	}}
	r := jobs.NewRunner(db, jobs.Options{Replica: "slow", Lease: 300 * time.Millisecond})
	done := make(chan jobs.Result, 1)
	go func() { res, _ := r.Run(t.Context(), job, slot, jobs.SourceNightly); done <- res }()
	<-inside
	// Another replica's claim replaces the token, as after an expired lease.
	db.MustExec(`UPDATE job_runs SET token = REPEAT('b', 32), replica = 'other', attempt = 2 WHERE job = 'stalled'`)
	select {
	case res := <-done:
		if res.Err == nil || res.Status != jobs.StatusFailed {
			t.Fatalf("%+v: want the job cancelled", res)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the job kept running after its lease was taken")
	}
	if rs := rows(t, db, "stalled"); rs[0].Replica != "other" || rs[0].Status != jobs.StatusRunning {
		t.Fatalf("the stalled runner overwrote the new claim: %+v", rs)
	}
}

// Start catches up the last slot at once, then waits for the next one on its clock: the clock is
// moved to just before 00:10 in Beijing so the test does not wait for a night.
func TestStart_catchesUpTheLastSlotThenRunsAtTheNext(t *testing.T) {
	db := testenv.MySQL(t)
	next := jobs.Nightly.Next(time.Now())
	offset := time.Until(next.Add(-700 * time.Millisecond))
	now := func() time.Time { return time.Now().Add(offset) }
	var slots []time.Time
	job := jobs.Job{Name: "nightly", Run: func(context.Context) (string, error) { return "", nil }}
	r := jobs.NewRunner(db, jobs.Options{Replica: "one", Now: now})
	stop := r.Start(context.Background(), jobs.Nightly, []jobs.Job{job})
	defer stop()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		rs := rows(t, db, "nightly")
		if len(rs) == 2 && rs[1].Status == jobs.StatusOK {
			slots = []time.Time{rs[0].Slot, rs[1].Slot}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("rows %+v; want the last and the next slot", rs)
		}
	}
	if last := next.AddDate(0, 0, -1); !slots[0].Equal(last) || !slots[1].Equal(next) {
		t.Fatalf("slots %v, want %v and %v", slots, last, next)
	}
}

// A run lost with its replica is taken over by a replica that skipped it, once its lease is past.
func TestStart_takesOverARunWhoseReplicaDied(t *testing.T) {
	db := testenv.MySQL(t)
	slot := jobs.Nightly.Prev(time.Now())
	now := time.Now().UTC()
	db.MustExec(`INSERT INTO job_runs (job, slot, source, replica, token, attempt, status, started_at, lease_until)
		VALUES ('orphan', ?, 'nightly', 'dead', REPEAT('a', 32), 1, 'running', ?, ?)`, slot, now, now.Add(300*time.Millisecond))
	var calls atomic.Int32
	job := jobs.Job{Name: "orphan", Run: func(context.Context) (string, error) { calls.Add(1); return "", nil }}
	r := jobs.NewRunner(db, jobs.Options{Replica: "alive", Lease: 400 * time.Millisecond})
	stop := r.Start(context.Background(), jobs.Nightly, []jobs.Job{job})
	defer stop()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		rs := rows(t, db, "orphan")
		if rs[0].Status == jobs.StatusOK {
			if rs[0].Replica != "alive" || rs[0].Attempt != 2 || calls.Load() != 1 {
				t.Fatalf("%+v, calls %d", rs, calls.Load())
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("never taken over: %+v", rs)
		}
	}
}

func TestLast_listsNewestFirst(t *testing.T) {
	db := testenv.MySQL(t)
	r := jobs.NewRunner(db, jobs.Options{Replica: "me"})
	for _, name := range []string{"first", "second"} {
		if _, err := r.RunManual(t.Context(), jobs.Job{Name: name, Run: func(context.Context) (string, error) { return name + " done", nil }}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	es, err := r.Last(t.Context(), 10)
	if err != nil || len(es) != 2 || es[0].Job != "second" || es[0].Source != jobs.SourceManual || es[0].FinishedAt == nil || es[1].Detail != "first done" {
		t.Fatalf("%+v %v", es, err)
	}
}

// Two replicas wait for the same 00:10 on their (moved) clocks and both wake at it: each job
// runs once for the caught-up slot and once for the new one, whichever replica wins each.
func TestStart_twoReplicasWakingAtTheSlot_runEachJobOncePerSlot(t *testing.T) {
	db := testenv.MySQL(t)
	next := jobs.Nightly.Next(time.Now())
	offset := time.Until(next.Add(-500 * time.Millisecond))
	now := func() time.Time { return time.Now().Add(offset) }
	var calls [2]atomic.Int32
	list := []jobs.Job{
		{Name: "twin_a", Run: func(context.Context) (string, error) { calls[0].Add(1); return "", nil }},
		{Name: "twin_b", Run: func(context.Context) (string, error) { calls[1].Add(1); return "", nil }},
	}
	for _, name := range []string{"east", "west"} {
		stop := jobs.NewRunner(db, jobs.Options{Replica: name, Now: now}).Start(context.Background(), jobs.Nightly, list)
		defer stop()
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		var ok int
		db.Get(&ok, `SELECT COUNT(*) FROM job_runs WHERE slot = ? AND status = 'ok'`, next)
		if ok == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the slot at %v never ran: %+v %+v", next, rows(t, db, "twin_a"), rows(t, db, "twin_b"))
		}
	}
	time.Sleep(200 * time.Millisecond)
	for i, name := range []string{"twin_a", "twin_b"} {
		rs := rows(t, db, name)
		if calls[i].Load() != 2 || len(rs) != 2 || rs[0].Attempt != 1 || rs[1].Attempt != 1 {
			t.Fatalf("%s: %d calls, rows %+v; want one run per slot", name, calls[i].Load(), rs)
		}
	}
}
