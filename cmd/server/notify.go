package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"huixiang/internal/app"
	"huixiang/internal/sqldb"
)

// startWorker starts the notification outbox worker beside the API and returns the function that
// stops it, waiting up to the shutdown timeout for the sends in flight.
func startWorker(ctx context.Context, a *app.App) (stop func()) {
	if err := a.NotifyWorker.Start(ctx); err != nil {
		a.Log.Error("notification worker not started", "error", err.Error())
	}
	// Staff notices: the due ones are fanned out to their inboxes every 10 seconds.
	nctx, stopNotices := context.WithCancel(ctx)
	noticesDone := make(chan struct{})
	go func() { defer close(noticesDone); a.Notices.Loop(nctx, 10*time.Second, a.Log) }()
	// 政策找人: changed records are matched against the published policies every minute.
	matchDone := make(chan struct{})
	go func() { defer close(matchDone); a.Policies.MatchLoop(nctx, time.Minute, a.Log.Warn) }()
	return func() {
		stopNotices()
		<-noticesDone
		<-matchDone
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), a.Config.HTTP.ShutdownTimeout)
		defer cancel()
		if err := a.NotifyWorker.Shutdown(sctx); err != nil {
			a.Log.Warn("notification worker did not stop in time; its claimed messages are retried after their lease", "error", err.Error())
		}
	}
}

// notifyWorker runs only the outbox worker until ctx ends (SIGTERM), then lets the sends in
// flight finish. It refuses to run on an older schema, as serve does.
func notifyWorker(ctx context.Context, a *app.App) error {
	if err := a.PrepareSchema(ctx, 30*time.Second); err != nil {
		if errors.Is(err, sqldb.ErrSchemaOutdated) {
			return fmt.Errorf("%w; or start with HX_MYSQL_AUTO_MIGRATE=true", err)
		}
		return err
	}
	a.Log.Info("notification worker running", "goroutines", max(1, a.Config.Notify.Workers), "rate", a.Config.Notify.Rate)
	if err := a.NotifyWorker.Run(ctx); err != nil {
		return err
	}
	a.Log.Info("stopped")
	return nil
}
