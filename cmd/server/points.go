package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"huixiang/internal/app"
	"huixiang/internal/cn"
)

// errMismatch makes `server points verify` exit 1.
var errMismatch = errors.New("points verify: balances differ from the ledger")

// pointsCommand runs `server points expire` (the nightly job) and `server points verify`.
func pointsCommand(ctx context.Context, a *app.App, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return errors.New("points: want expire or verify")
	}
	switch args[0] {
	case "expire":
		r, err := a.Points.ExpireDue(ctx, time.Now())
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "expired %d points in %d entries; %d vouchers expired\n", r.Points, r.Entries, r.Vouchers)
		return nil
	case "verify":
		ms, err := a.Points.VerifyBalances(ctx)
		if err != nil {
			return err
		}
		for _, m := range ms {
			fmt.Fprintf(stdout, "person %d: balance %d, ledger sum %d (difference %d)\n", m.PersonID, m.Balance, m.LedgerSum, m.Balance-m.LedgerSum)
		}
		if len(ms) > 0 {
			return fmt.Errorf("%w: %d accounts", errMismatch, len(ms))
		}
		fmt.Fprintln(stdout, "all points balances equal their ledger sums")
		return nil
	}
	return fmt.Errorf("points: unknown subcommand %q", args[0])
}

// nextNightly is the next 00:10 in Beijing after now: points earned "until the end of the year"
// expire at midnight there, and the job runs just after.
func nextNightly(now time.Time) time.Time {
	local := now.In(cn.Zone)
	next := time.Date(local.Year(), local.Month(), local.Day(), 0, 10, 0, 0, cn.Zone)
	if !next.After(local) {
		next = next.AddDate(0, 0, 1)
	}
	return next
}

// startNightly runs the points expiry every night inside serve, so that no cron entry is needed;
// every replica runs it (the job is idempotent and locks each account it changes). It returns
// a function that stops it and waits.
func startNightly(ctx context.Context, a *app.App) func() {
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
			r, err := a.Points.ExpireDue(ctx, time.Now())
			if err != nil {
				a.Log.Error("nightly points expiry failed", "error", err)
				continue
			}
			a.Log.Info("nightly points expiry", "points", r.Points, "entries", r.Entries, "vouchers", r.Vouchers)
		}
	}()
	return func() { cancel(); <-done }
}
