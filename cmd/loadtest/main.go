// Command loadtest is the load benchmark of the API server (scripts/bench.sh drives it; the
// results are in docs/benchmarks.md).
//
//	loadtest floor  -addr 127.0.0.1:8090 -mysql DSN -redis ADDR
//	loadtest run    -url URL -scenario login|me|floor|register|submit -c 64 -d 20s [-warmup 3s] [-fake URL] [-users 10000]
//	                [-mysql DSN] [-redis ADDR]   (statements and Redis commands per request)
//	loadtest report [-rss-kb N] FILE...
//
// "floor" is the yardstick: a bare Gin server whose one handler does the least work /api/v1/me
// must do (one Redis GET, one primary-key SELECT, a small JSON answer) with the real server's pool
// sizes. "run" sends load and prints one human line and one JSON line. "report" turns the JSON
// lines of several runs into a Markdown table of medians and checks the goals.
//
// The load generator only ever targets loopback addresses.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

const usage = `usage: loadtest <command> [flags]

commands:
  floor   serve GET /floor: one Redis GET + one primary-key SELECT, bare Gin (the yardstick)
  run     send load to a loopback URL; print a human line and a JSON line
  report  print a Markdown table of the medians of JSON result lines, and the goals

"loadtest <command> -h" lists the flags of a command.`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout)
	stop()
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(1)
	}
}

// run is the whole program; main only supplies the process's context, arguments, environment
// and output, so tests can run it in-process.
func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	if len(args) == 0 {
		fmt.Fprintln(stdout, usage)
		return errors.New("no command given")
	}
	switch args[0] {
	case "floor":
		return runFloor(ctx, args[1:], getenv, stdout)
	case "run":
		return runLoad(ctx, args[1:], stdout)
	case "report":
		return runReport(args[1:], stdout)
	case "help", "-h", "-help", "--help":
		fmt.Fprintln(stdout, usage)
		return nil
	}
	fmt.Fprintln(stdout, usage)
	return fmt.Errorf("unknown command %q", args[0])
}
