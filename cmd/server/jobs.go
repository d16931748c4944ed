package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"huixiang/internal/app"
	"huixiang/internal/jobs"
	"huixiang/internal/sqldb"
)

// Job names, as job_runs and `server jobs` show them.
const (
	jobNotifyPrune  = "notify_prune"
	jobPointsExpiry = "points_expiry"
	jobUploadSweep  = "upload_sweep"
)

// newJobRunner is the runner every replica's scheduler and the job subcommands share: it claims
// each run in job_runs, so that a night's job runs once across replicas.
func newJobRunner(a *app.App) *jobs.Runner {
	return jobs.NewRunner(a.DB, jobs.Options{Lease: a.Config.Jobs.Lease, Log: a.Log})
}

// nightlyJobs are the jobs of the 00:10 Beijing slot, in the order they run. Each is idempotent.
func nightlyJobs(a *app.App) []jobs.Job {
	return []jobs.Job{notifyPruneJob(a), pointsExpiryJob(a), uploadSweepJob(a)}
}

// notifyPruneJob deletes old dedup keys of WeChat's callback events and pushes past the weekly
// cap's window.
func notifyPruneJob(a *app.App) jobs.Job {
	return jobs.Job{Name: jobNotifyPrune, Run: func(ctx context.Context) (string, error) {
		r, err := a.Notify.Prune(ctx, time.Now())
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("deleted %d callback event keys and %d broadcast pushes past the cap's window", r.CallbackEvents, r.BroadcastPushes), nil
	}}
}

// pointsExpiryJob writes expiry entries for points past their expiry and expires old vouchers.
func pointsExpiryJob(a *app.App) jobs.Job {
	return jobs.Job{Name: jobPointsExpiry, Run: func(ctx context.Context) (string, error) {
		r, err := a.Points.ExpireDue(ctx, time.Now())
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("expired %d points in %d entries; %d vouchers expired", r.Points, r.Entries, r.Vouchers), nil
	}}
}

// uploadSweepJob deletes uploads never attached and older than HX_UPLOAD_UNATTACHED_TTL.
func uploadSweepJob(a *app.App) jobs.Job {
	return jobs.Job{Name: jobUploadSweep, Run: func(ctx context.Context) (string, error) {
		r, err := a.Uploads.Sweep(ctx, a.Config.Upload.UnattachedTTL)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("deleted %d unattached uploads older than %v and %d orphan files; %d old quota counters",
			r.Uploads, a.Config.Upload.UnattachedTTL, r.Orphans, r.QuotaDays), nil
	}}
}

// startNightly runs the nightly jobs inside serve, so that no cron entry is needed. Every replica
// runs the schedule; each night's run of each job is claimed in job_runs by one of them (see
// internal/jobs). It returns a function that stops it and waits.
func startNightly(ctx context.Context, a *app.App) func() {
	if !a.Config.Jobs.Enabled {
		a.Log.Info("nightly jobs off in this process (HX_JOBS_ENABLED=false); run `server jobs run` from cron")
		return func() {}
	}
	return newJobRunner(a).Start(ctx, jobs.Nightly, nightlyJobs(a))
}

// runManual runs one job by hand (`server points expire`, `server uploads sweep`), recorded in
// job_runs as a manual run, and prints what it did.
func runManual(ctx context.Context, a *app.App, job jobs.Job, stdout io.Writer) error {
	if err := sqldb.CheckSchema(ctx, a.DB); err != nil {
		return err
	}
	res, err := newJobRunner(a).RunManual(ctx, job)
	if err != nil {
		return err
	}
	if res.Err != nil {
		return res.Err
	}
	_, err = fmt.Fprintln(stdout, res.Detail)
	return err
}

// jobsCommand runs `server jobs [list] [-n N]` (the last runs) and `server jobs run` (the last
// nightly slot's jobs now, claimed like the scheduler's: for HX_JOBS_ENABLED=false and cron).
func jobsCommand(ctx context.Context, a *app.App, args []string, stdout, stderr io.Writer) error {
	sub := "list"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		sub, args = args[0], args[1:]
	}
	fs := flag.NewFlagSet("jobs "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	n := fs.Int("n", 20, "how many runs to list, newest first")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := sqldb.CheckSchema(ctx, a.DB); err != nil {
		return err
	}
	runner := newJobRunner(a)
	switch sub {
	case "list":
		es, err := runner.Last(ctx, *n)
		if err != nil {
			return err
		}
		return printRuns(stdout, es, time.Now())
	case "run":
		slot := jobs.Nightly.Prev(time.Now())
		var failed []string
		for _, r := range runner.RunSlot(ctx, jobs.Nightly, slot, nightlyJobs(a), false) {
			state := "done by another run (" + r.Status + ")"
			switch {
			case r.Ran && r.Err != nil:
				failed = append(failed, r.Job)
				state = "failed: " + r.Err.Error()
			case r.Ran:
				state = "ran: " + r.Detail
			case r.Status == "":
				failed = append(failed, r.Job)
				state = "not claimed (database error, see the log)"
			case r.Pending && r.Status == jobs.StatusRunning:
				state = "running on another replica"
			}
			fmt.Fprintf(stdout, "%s %s: %s\n", r.Job, jobs.Beijing(slot).Format("2006-01-02 15:04"), state)
		}
		if len(failed) > 0 {
			return fmt.Errorf("jobs run: %s failed", strings.Join(failed, ", "))
		}
		return nil
	}
	return fmt.Errorf("jobs: unknown subcommand %q (want list or run)", sub)
}

// printRuns writes the runs as a table, times in Beijing.
func printRuns(w io.Writer, es []jobs.Entry, now time.Time) error {
	if len(es) == 0 {
		_, err := fmt.Fprintln(w, "no job runs yet")
		return err
	}
	const layout = "2006-01-02 15:04:05"
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "JOB\tSLOT (BEIJING)\tSOURCE\tREPLICA\tATTEMPT\tSTATUS\tSTARTED\tFINISHED\tDETAIL")
	for _, e := range es {
		finished, status := "-", e.Status
		if e.FinishedAt != nil {
			finished = jobs.Beijing(*e.FinishedAt).Format(layout)
		}
		if e.Status == jobs.StatusRunning && e.LeaseUntil.Before(now) {
			status += " (lease expired: replica gone?)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\n", e.Job, jobs.Beijing(e.Slot).Format(layout), e.Source,
			e.Replica, e.Attempt, status, jobs.Beijing(e.StartedAt).Format(layout), finished, oneLine(e.Detail))
	}
	return tw.Flush()
}

// oneLine keeps a detail on its row of the table.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
