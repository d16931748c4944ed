package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"huixiang/internal/app"
)

// errMismatch makes `server points verify` exit 1.
var errMismatch = errors.New("points verify: balances differ from the ledger")

// pointsCommand runs `server points expire` (the nightly job, by hand) and `server points verify`.
func pointsCommand(ctx context.Context, a *app.App, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return errors.New("points: want expire or verify")
	}
	switch args[0] {
	case "expire":
		return runManual(ctx, a, pointsExpiryJob(a), stdout)
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
