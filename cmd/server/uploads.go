package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"huixiang/internal/app"
)

// uploadsCommand runs `server uploads sweep` (the nightly job by hand).
func uploadsCommand(ctx context.Context, a *app.App, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return errors.New("uploads: want sweep")
	}
	switch args[0] {
	case "sweep":
		return runManual(ctx, a, uploadSweepJob(a), stdout)
	}
	return fmt.Errorf("uploads: unknown subcommand %q", args[0])
}
