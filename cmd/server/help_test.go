package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestRun_help_exit0ListsSubcommands: -h, --help and help print the subcommands to stdout and
// succeed, with no configuration at all (an operator asks before setting anything up).
func TestRun_help_exit0ListsSubcommands(t *testing.T) {
	noEnv := func(string) string { return "" }
	for _, args := range [][]string{{"-h"}, {"--help"}, {"help"}, {"-help"}} {
		var out, errOut bytes.Buffer
		if err := run(context.Background(), args, noEnv, &out, &errOut); err != nil {
			t.Fatalf("%v: err = %v (stderr %q)", args, err, errOut.String())
		}
		for _, sub := range []string{"serve", "migrate", "seed", "staff create", "staff revoke-sessions", "config",
			"notify-worker", "points expire", "points verify", "uploads sweep"} {
			if !strings.Contains(out.String(), "\n  "+sub) {
				t.Errorf("%v: usage lacks %q:\n%s", args, sub, out.String())
			}
		}
	}
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"-bogus"}, noEnv, &out, &errOut); err == nil || !strings.Contains(errOut.String(), "usage:") {
		t.Fatalf("-bogus: err = %v, stderr %q; want an error and the usage on stderr", err, errOut.String())
	}
}
