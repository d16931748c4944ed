package main

import "log/slog"

// readableDurations writes a time.Duration attribute as Go's text ("20s", "1.5ms"): the JSON
// handler would print it as a bare count of nanoseconds, which nobody reading a log line can
// take in at a glance.
func readableDurations(_ []string, a slog.Attr) slog.Attr {
	if a.Value.Kind() == slog.KindDuration {
		a.Value = slog.StringValue(a.Value.Duration().String())
	}
	return a
}
