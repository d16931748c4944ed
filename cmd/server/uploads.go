package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"huixiang/internal/app"
)

// uploadsCommand runs `server uploads sweep` (the nightly job by hand).
func uploadsCommand(ctx context.Context, a *app.App, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return errors.New("uploads: want sweep")
	}
	switch args[0] {
	case "sweep":
		r, err := a.Uploads.Sweep(ctx, a.Config.Upload.UnattachedTTL)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "deleted %d unattached uploads older than %v and %d orphan files; %d old quota counters\n",
			r.Uploads, a.Config.Upload.UnattachedTTL, r.Orphans, r.QuotaDays)
		return nil
	}
	return fmt.Errorf("uploads: unknown subcommand %q", args[0])
}

// startUploadSweep deletes unattached uploads every night inside serve, like startNightly does
// for the points expiry (same time, same shape); every replica runs it (the sweep is idempotent:
// each row goes by a conditional DELETE). It returns a function that stops it and waits.
func startUploadSweep(ctx context.Context, a *app.App) func() {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			wait := time.Until(nextNightly(time.Now())) + time.Duration(time.Now().UnixNano()%int64(2*time.Minute))
			select {
			case <-ctx.Done():
				return
			case <-time.After(wait):
			}
			r, err := a.Uploads.Sweep(ctx, a.Config.Upload.UnattachedTTL)
			if err != nil {
				a.Log.Error("nightly upload sweep failed", "error", err)
				continue
			}
			a.Log.Info("nightly upload sweep", "uploads", r.Uploads, "orphans", r.Orphans, "quota_days", r.QuotaDays)
		}
	}()
	return func() { cancel(); <-done }
}
