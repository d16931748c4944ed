package main

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// TestNewLogger_durationsReadable: a duration in a log line reads "20s", not 20000000000.
func TestNewLogger_durationsReadable(t *testing.T) {
	var buf bytes.Buffer
	log := newLogger(&buf, "info")
	log.Info("outbox worker started", "lease", 20*time.Second, "retry_in", 1500*time.Millisecond)
	log.WithGroup("g").Info("x", "timeout", 2*time.Minute)
	out := buf.String()
	for _, want := range []string{`"lease":"20s"`, `"retry_in":"1.5s"`, `"timeout":"2m0s"`} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %s:\n%s", want, out)
		}
	}
	if strings.Contains(out, "20000000000") {
		t.Fatalf("nanoseconds in the log:\n%s", out)
	}
}
