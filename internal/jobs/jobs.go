// Package jobs runs the scheduled jobs that must happen once per slot across all replicas of the
// server (the nightly points expiry and upload sweep, and any later one), and keeps their history.
//
// Every replica runs the same scheduler. When a slot comes, each one tries to claim the run of
// each job by inserting its row in job_runs, keyed (job, slot): one INSERT wins and runs the job;
// the others get a duplicate key and skip. The winner renews a lease on the row while the job
// works (every Lease/3) and writes the outcome at the end, fenced on the token of its claim.
// The row is claimed again, by a conditional UPDATE that bumps the attempt and replaces the token,
// only when
//
//   - its replica died mid-run: status 'running' with lease_until in the past (a live runner keeps
//     pushing it forward, so that no job has to finish within the lease), or
//   - it failed and has attempts left (MaxAttempts in all).
//
// The replicas that skipped look again after a lease, until the slot's run is settled (ok, or
// failed with no attempts left) or the next slot comes, so a run lost with its replica is taken
// over by a live one. A runner that finds its lease taken (it stalled longer than the lease)
// cancels its job. The SQL is plain INSERT and conditional UPDATE (no events, no SKIP LOCKED), so
// it runs the same on MySQL 8 and TiDB.
package jobs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"huixiang/internal/sqldb"
)

// Statuses of a run.
const (
	StatusRunning = "running"
	StatusOK      = "ok"
	StatusFailed  = "failed"
)

// Sources of a run.
const (
	// SourceNightly is a scheduled slot (the scheduler in serve, or `server jobs run`).
	SourceNightly = "nightly"
	// SourceManual is a run by hand (`server points expire`, `server uploads sweep`); its slot is
	// the millisecond it started.
	SourceManual = "manual"
)

// Job is one named unit of scheduled work. Run must be idempotent: a run cut off by a crash is
// run again in full by the replica that takes it over.
type Job struct {
	// Name identifies the job in job_runs: ASCII, at most 64 bytes (points_expiry).
	Name string
	// Run does the work and says what it did in one line, kept in job_runs.detail.
	Run func(ctx context.Context) (detail string, err error)
}

// Options configures a Runner. Zero fields take the defaults in brackets.
type Options struct {
	// Replica names this process in job_runs [host:pid:random].
	Replica string
	// Lease is how long a claim lasts without renewal [2m]: a run whose replica died is taken
	// over after it.
	Lease time.Duration
	// MaxAttempts is how many claims a slot's run gets when it fails [3].
	MaxAttempts int
	// Now is the clock [time.Now]; tests move it.
	Now func() time.Time
	Log *slog.Logger
}

// Runner claims, runs and records job runs.
type Runner struct {
	db *sqlx.DB
	o  Options
}

// NewRunner returns a Runner over db.
func NewRunner(db *sqlx.DB, o Options) *Runner {
	if o.Lease <= 0 {
		o.Lease = 2 * time.Minute
	}
	if o.MaxAttempts < 1 {
		o.MaxAttempts = 3
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Replica == "" {
		host, _ := os.Hostname()
		if len(host) > 64 {
			host = host[:64]
		}
		o.Replica = fmt.Sprintf("%s:%d:%s", host, os.Getpid(), randHex(3))
	}
	if len(o.Replica) > 96 {
		o.Replica = o.Replica[:96]
	}
	o.Log = o.Log.With("component", "jobs", "replica", o.Replica)
	return &Runner{db: db, o: o}
}

// Replica is the name this runner writes in job_runs.
func (r *Runner) Replica() string { return r.o.Replica }

// Result is what one attempt at a job's slot came to.
type Result struct {
	Job  string
	Slot time.Time
	// Ran is true when this runner claimed and ran the job; Err is then the job's error.
	Ran bool
	Err error
	// Status is the row's status after the attempt (ok, failed or running).
	Status  string
	Attempt int
	Detail  string
	// Pending is true when the slot's run is not settled: another replica holds it, or it
	// failed with attempts left. The scheduler looks again after a lease.
	Pending bool
}

var errLeaseLost = errors.New("jobs: lease taken over by another replica")

// Run claims job's run for slot and, when the claim is this runner's, runs it and records the
// outcome. The error is for the claim's own database trouble; the job's error is Result.Err.
func (r *Runner) Run(ctx context.Context, job Job, slot time.Time, source string) (Result, error) {
	slot = slot.UTC().Truncate(time.Millisecond)
	res := Result{Job: job.Name, Slot: slot}
	token := randHex(16)
	claimed, err := r.claim(ctx, job.Name, slot, source, token)
	if err != nil {
		return res, err
	}
	if !claimed {
		var row struct {
			Status  string `db:"status"`
			Attempt int    `db:"attempt"`
			Detail  string `db:"detail"`
		}
		if err := r.db.GetContext(ctx, &row, `SELECT status, attempt, detail FROM job_runs WHERE job = ? AND slot = ?`,
			job.Name, slot); err != nil {
			return res, fmt.Errorf("jobs: read %s: %w", job.Name, sqldb.Classify(err))
		}
		res.Status, res.Attempt, res.Detail = row.Status, row.Attempt, row.Detail
		res.Pending = row.Status == StatusRunning || (row.Status == StatusFailed && row.Attempt < r.o.MaxAttempts)
		r.o.Log.Info("job skipped: another replica has this run", "job", job.Name, "slot", slot.Format(time.RFC3339),
			"status", row.Status, "attempt", row.Attempt)
		return res, nil
	}
	res.Ran = true
	log := r.o.Log.With("job", job.Name, "slot", slot.Format(time.RFC3339), "source", source)
	log.Info("job started")
	start := r.o.Now()
	detail, jobErr := r.execute(ctx, job, slot, token)
	res.Status, res.Detail, res.Err = StatusOK, detail, jobErr
	if jobErr != nil {
		res.Status, res.Detail = StatusFailed, jobErr.Error()
	}
	attempt, err := r.finish(ctx, job.Name, slot, token, res.Status, res.Detail)
	res.Attempt = attempt
	if err != nil {
		return res, err
	}
	res.Pending = res.Status == StatusFailed && attempt < r.o.MaxAttempts
	if jobErr != nil {
		log.Error("job failed", "error", jobErr.Error(), "attempt", attempt, "retry", res.Pending)
	} else {
		log.Info("job finished", "detail", detail, "took", r.o.Now().Sub(start).String())
	}
	return res, nil
}

// claim inserts the run's row, or takes over a dead or failed one. It reports whether the run is
// now this token's.
func (r *Runner) claim(ctx context.Context, job string, slot time.Time, source, token string) (bool, error) {
	now := r.o.Now().UTC()
	_, err := r.db.ExecContext(ctx, `INSERT INTO job_runs (job, slot, source, replica, token, attempt, status, started_at, lease_until)
		VALUES (?, ?, ?, ?, ?, 1, 'running', ?, ?)`, job, slot, source, r.o.Replica, token, now, now.Add(r.o.Lease))
	if err == nil {
		return true, nil
	}
	if err = sqldb.Classify(err); !errors.Is(err, sqldb.ErrDuplicate) {
		return false, fmt.Errorf("jobs: claim %s: %w", job, err)
	}
	res, err := r.db.ExecContext(ctx, `UPDATE job_runs
		SET replica = ?, token = ?, attempt = attempt + 1, status = 'running', started_at = ?, finished_at = NULL,
			lease_until = ?, detail = ''
		WHERE job = ? AND slot = ?
			AND ((status = 'running' AND lease_until < ?) OR (status = 'failed' AND attempt < ?))`,
		r.o.Replica, token, now, now.Add(r.o.Lease), job, slot, now, r.o.MaxAttempts)
	if err != nil {
		return false, fmt.Errorf("jobs: take over %s: %w", job, sqldb.Classify(err))
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// execute runs the job while renewing the lease; it cancels the job when the lease is lost.
func (r *Runner) execute(ctx context.Context, job Job, slot time.Time, token string) (detail string, err error) {
	jctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	done := make(chan struct{})
	renewed := make(chan struct{})
	go func() {
		defer close(renewed)
		t := time.NewTicker(r.o.Lease / 3)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
			}
			res, err := r.db.ExecContext(jctx, `UPDATE job_runs SET lease_until = ? WHERE job = ? AND slot = ? AND token = ? AND status = 'running'`,
				r.o.Now().UTC().Add(r.o.Lease), job.Name, slot, token)
			if err != nil {
				if jctx.Err() != nil {
					return // shutting down
				}
				// The database is away; the job will likely fail on it too. Try again next tick.
				r.o.Log.Warn("job lease not renewed", "job", job.Name, "error", err.Error())
				continue
			}
			if n, _ := res.RowsAffected(); n == 0 {
				cancel(errLeaseLost)
				return
			}
		}
	}()
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("jobs: %s panicked: %v", job.Name, p)
		}
		close(done)
		<-renewed
		if cause := context.Cause(jctx); errors.Is(cause, errLeaseLost) && err == nil {
			err = cause
		}
	}()
	return job.Run(jctx)
}

// finish writes the outcome under the claim's fence and returns the attempt number.
func (r *Runner) finish(ctx context.Context, job string, slot time.Time, token, status, detail string) (int, error) {
	// Written even when ctx ended (shutdown): a run cut off is recorded as failed, so that it is
	// taken over at once instead of after its lease.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	res, err := r.db.ExecContext(ctx, `UPDATE job_runs SET status = ?, finished_at = ?, detail = ?
		WHERE job = ? AND slot = ? AND token = ?`, status, r.o.Now().UTC(), clip(detail, 500), job, slot, token)
	if err != nil {
		return 0, fmt.Errorf("jobs: finish %s: %w", job, sqldb.Classify(err))
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		// Another replica took the run over; its outcome is the one that counts.
		return 0, fmt.Errorf("jobs: finish %s: %w", job, errLeaseLost)
	}
	var attempt int
	if err := r.db.GetContext(ctx, &attempt, `SELECT attempt FROM job_runs WHERE job = ? AND slot = ?`, job, slot); err != nil {
		return 0, fmt.Errorf("jobs: finish %s: %w", job, sqldb.Classify(err))
	}
	return attempt, nil
}

// RunManual runs job now, by hand, recorded as a manual run whose slot is the current
// millisecond (the next one when another manual run took it).
func (r *Runner) RunManual(ctx context.Context, job Job) (Result, error) {
	for {
		res, err := r.Run(ctx, job, r.o.Now(), SourceManual)
		if err != nil || res.Ran || ctx.Err() != nil {
			return res, err
		}
		time.Sleep(time.Millisecond)
	}
}

// Entry is one row of the history.
type Entry struct {
	Job        string     `db:"job"`
	Slot       time.Time  `db:"slot"`
	Source     string     `db:"source"`
	Replica    string     `db:"replica"`
	Attempt    int        `db:"attempt"`
	Status     string     `db:"status"`
	StartedAt  time.Time  `db:"started_at"`
	FinishedAt *time.Time `db:"finished_at"`
	LeaseUntil time.Time  `db:"lease_until"`
	Detail     string     `db:"detail"`
}

// Last returns the newest runs, newest first, at most limit (1..1000).
func (r *Runner) Last(ctx context.Context, limit int) ([]Entry, error) {
	limit = min(max(limit, 1), 1000)
	var es []Entry
	err := r.db.SelectContext(ctx, &es, `SELECT job, slot, source, replica, attempt, status, started_at, finished_at, lease_until, detail
		FROM job_runs ORDER BY started_at DESC, job LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("jobs: list: %w", sqldb.Classify(err))
	}
	return es, nil
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// clip cuts s to at most n runes.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}
