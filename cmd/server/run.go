package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"time"

	"huixiang/internal/actor"
	"huixiang/internal/app"
	"huixiang/internal/config"
	"huixiang/internal/demo"
	"huixiang/internal/session"
	"huixiang/internal/sqldb"
	"huixiang/internal/staff"
)

const usage = `usage: server [-config FILE] [command]

commands:
  serve                     run the API server (default)
  migrate                   apply database migrations and exit
  seed                      create the demo data (idempotent)
  staff create -username U -role R [-department D] [-township CODE] [-name N]
                            add a staff account; the password is read from HX_STAFF_PASSWORD
  staff revoke-sessions -username U
                            end every session of a staff account
  staff unlock -username U  lift an account-wide sign-in lock and forget the username's failures
  staff reset-password -username U
                            print a one-time password that must be changed at the next sign-in;
                            ends the account's sessions
  config                    print the effective configuration, secrets masked
  notify-worker             run only the notification outbox worker (scale sending apart from the API)
  points expire             write expiry entries for points past their expiry (the nightly job by hand; idempotent;
                            recorded in job_runs as a manual run)
  points verify             recompute every points balance from the ledger; exit status 1 on a difference
  uploads sweep             delete uploads never attached and older than HX_UPLOAD_UNATTACHED_TTL (the nightly job
                            by hand; idempotent; recorded in job_runs as a manual run)
  jobs [list] [-n N]        list the last N runs of the nightly jobs (job, slot, replica, status, started, finished)
  jobs run                  run tonight's (the last 00:10 Beijing slot's) jobs unless a replica already has; for
                            HX_JOBS_ENABLED=false and cron. serve runs them itself at 00:10 Beijing: every replica
                            runs the schedule, one claims each night's run of each job (HX_JOBS_LEASE)
  help                      print this text (also -h, --help)

Configuration: HX_* environment variables (see configs/config.example.yaml), optionally over
the YAML file given by -config or HX_CONFIG_FILE.`

// run is the whole program; main only supplies the process's context, arguments, environment
// and output streams, so tests can run it in-process.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("server", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {} // printed below: to stdout when asked for, to stderr on a mistake
	cfgPath := fs.String("config", getenv("HX_CONFIG_FILE"), "YAML configuration file")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			_, err = fmt.Fprintln(stdout, usage)
			return err
		}
		fmt.Fprintln(stderr, usage)
		return err
	}
	if fs.Arg(0) == "help" { // before loading the configuration: help needs none
		_, err := fmt.Fprintln(stdout, usage)
		return err
	}
	cfg, err := config.Load(*cfgPath, getenv)
	if err != nil {
		return err
	}
	log := newLogger(stdout, cfg.Log.Level)
	cmd, rest := "serve", fs.Args()
	if len(rest) > 0 {
		cmd, rest = rest[0], rest[1:]
	}
	switch cmd {
	case "serve":
		return serve(ctx, cfg, log)
	case "migrate":
		return withApp(cfg, log, func(a *app.App) error {
			a.Config.MySQL.AutoMigrate = true
			return a.PrepareSchema(ctx, 30*time.Second)
		})
	case "seed":
		return withApp(cfg, log, func(a *app.App) error { return demo.Seed(ctx, a, stdout) })
	case "staff":
		return withApp(cfg, log, func(a *app.App) error { return staffCommand(ctx, a, rest, getenv, stdout, stderr) })
	case "notify-worker":
		return withApp(cfg, log, func(a *app.App) error { return notifyWorker(ctx, a) })
	case "points":
		return withApp(cfg, log, func(a *app.App) error { return pointsCommand(ctx, a, rest, stdout) })
	case "uploads":
		return withApp(cfg, log, func(a *app.App) error { return uploadsCommand(ctx, a, rest, stdout) })
	case "jobs":
		return withApp(cfg, log, func(a *app.App) error { return jobsCommand(ctx, a, rest, stdout, stderr) })
	case "config":
		_, err := fmt.Fprint(stdout, cfg.String())
		return err
	default:
		fmt.Fprintln(stderr, usage)
		return fmt.Errorf("unknown command %q", cmd)
	}
}

func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level))
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l, ReplaceAttr: readableDurations}))
}

func withApp(cfg config.Config, log *slog.Logger, fn func(*app.App) error) error {
	a, err := app.New(cfg, log)
	if err != nil {
		return err
	}
	defer a.Close()
	return fn(a)
}

func serve(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	a, err := app.New(cfg, log)
	if err != nil {
		return err
	}
	defer a.Close()
	if err := a.PrepareSchema(ctx, 30*time.Second); err != nil {
		if errors.Is(err, sqldb.ErrSchemaOutdated) {
			return fmt.Errorf("%w; or start with HX_MYSQL_AUTO_MIGRATE=true", err)
		}
		return err
	}
	if err := a.Bootstrap(ctx); err != nil {
		return err
	}
	if cfg.Notify.Workers > 0 {
		// Deferred after a.Close, so it runs before it: the worker is stopped before the pools close.
		defer startWorker(ctx, a)()
	}
	defer startNightly(ctx, a)()
	stopMetrics, err := startMetrics(a, log)
	if err != nil {
		return err
	}
	defer stopMetrics()
	ln, err := net.Listen("tcp", cfg.HTTP.Addr)
	if err != nil {
		return err
	}
	srv := a.HTTPServer()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("listening", "addr", ln.Addr().String(), "wechat_api", cfg.WeChat.APIBase)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: draining requests", "timeout", cfg.HTTP.ShutdownTimeout)
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.HTTP.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	log.Info("stopped")
	return nil
}

func staffCommand(ctx context.Context, a *app.App, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New("staff: want create, revoke-sessions, unlock or reset-password")
	}
	fs := flag.NewFlagSet("staff "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	username := fs.String("username", "", "login name")
	role := fs.String("role", "", "district_admin, department or township")
	dept := fs.String("department", "", "department name (role department)")
	township := fs.String("township", "", "township code (role township)")
	name := fs.String("name", "", "display name")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	by := actor.System("cli")
	switch args[0] {
	case "create":
		pw := getenv("HX_STAFF_PASSWORD")
		if pw == "" {
			return errors.New("staff create: set HX_STAFF_PASSWORD (the password is never taken from the command line)")
		}
		st, err := a.Staff.Create(ctx, by, staff.NewAccount{Username: *username, DisplayName: *name,
			Password: strings.TrimSpace(pw), Role: actor.Role(*role), Department: *dept, TownshipCode: *township})
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "created staff %d %s (%s)\n", st.ID, st.Username, st.Role)
		return nil
	case "revoke-sessions":
		st, err := a.Staff.GetByUsername(ctx, *username)
		if err != nil {
			return err
		}
		n, err := a.Staff.RevokeSessions(ctx, by, st.ID, func() (int, error) {
			return a.Sessions.RevokeAll(ctx, session.KindStaff, st.ID)
		})
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "revoked %d sessions of %s\n", n, st.Username)
		return nil
	case "unlock":
		st, err := a.Staff.GetByUsername(ctx, *username)
		if err != nil {
			return err
		}
		if err := a.Staff.Unlock(ctx, by, st.ID); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "unlocked %s\n", st.Username)
		return nil
	case "reset-password":
		st, err := a.Staff.GetByUsername(ctx, *username)
		if err != nil {
			return err
		}
		pw, err := a.Staff.ResetPassword(ctx, by, st.ID)
		if err != nil {
			return err
		}
		if _, err := a.Sessions.RevokeAll(ctx, session.KindStaff, st.ID); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "one-time password of %s (must be changed at the next sign-in): %s\n", st.Username, pw)
		return nil
	}
	return fmt.Errorf("staff: unknown subcommand %q", args[0])
}
