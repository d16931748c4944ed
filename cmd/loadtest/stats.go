package main

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// result is one run's outcome; its JSON form is the machine-readable line of "run" and the input
// of "report".
type result struct {
	Scenario    string  `json:"scenario"`
	URL         string  `json:"url"`
	Concurrency int     `json:"concurrency"`
	WarmupS     float64 `json:"warmup_s"`
	PlannedS    float64 `json:"planned_s"`
	// ElapsedS runs from the timed phase's start to the end of its last request.
	ElapsedS        float64          `json:"elapsed_s"`
	Requests        int64            `json:"requests"`
	Non2xx          int64            `json:"non_2xx"`
	TransportErrors int64            `json:"transport_errors"`
	Statuses        map[string]int64 `json:"statuses"`
	ErrorSamples    []string         `json:"error_samples,omitempty"`
	RPS             float64          `json:"rps"`
	P50Ms           float64          `json:"p50_ms"`
	P90Ms           float64          `json:"p90_ms"`
	P99Ms           float64          `json:"p99_ms"`
	MaxMs           float64          `json:"max_ms"`
	WarmupRequests  int64            `json:"warmup_requests"`
	// Login only: codes minted for the timed phase, how long minting took, and whether the
	// phase ran out of codes before its planned end (ElapsedS is then shorter).
	CodesMinted    int     `json:"codes_minted,omitempty"`
	MintS          float64 `json:"mint_s,omitempty"`
	CodesExhausted bool    `json:"codes_exhausted,omitempty"`
	// CPU is where the machine's CPU went during the timed phase (Linux only).
	CPU *cpuUsage `json:"cpu,omitempty"`
	// serverWork: statements and Redis commands per request (with -mysql, -redis).
	serverWork
}

func (r *result) fill(p phaseResult) {
	r.ElapsedS = p.elapsed.Seconds()
	r.Requests, r.Non2xx, r.TransportErrors = p.requests, p.non2xx, p.transport
	r.Statuses = map[string]int64{}
	for s, n := range p.statuses {
		r.Statuses[strconv.Itoa(s)] = n
	}
	r.ErrorSamples = p.errors
	r.CPU = p.cpu
	r.serverWork = p.work
	if r.ElapsedS > 0 {
		r.RPS = float64(p.requests) / r.ElapsedS
	}
	lat := p.latencies
	slices.Sort(lat)
	r.P50Ms = ms(percentile(lat, 50))
	r.P90Ms = ms(percentile(lat, 90))
	r.P99Ms = ms(percentile(lat, 99))
	if len(lat) > 0 {
		r.MaxMs = ms(lat[len(lat)-1])
	}
}

// percentile is the nearest-rank percentile of sorted: the smallest value that at least p% of
// the samples do not exceed. It is exact: every latency is kept.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	return sorted[min(max(rank, 1), len(sorted))-1]
}

func ms(d time.Duration) float64 { return math.Round(float64(d)/float64(time.Microsecond)) / 1000 }

// human is the one-line summary: throughput, latency, errors, and where the CPU went.
func (r *result) human() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d requests in %.1fs (c=%d): %.0f req/s, p50 %.2fms p90 %.2fms p99 %.2fms max %.2fms, non-2xx %d, transport errors %d",
		r.Scenario, r.Requests, r.ElapsedS, r.Concurrency, r.RPS, r.P50Ms, r.P90Ms, r.P99Ms, r.MaxMs, r.Non2xx, r.TransportErrors)
	if len(r.Statuses) > 0 {
		keys := make([]string, 0, len(r.Statuses))
		for k := range r.Statuses {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = fmt.Sprintf("%s×%d", k, r.Statuses[k])
		}
		fmt.Fprintf(&b, ", statuses %s", strings.Join(parts, " "))
	}
	if r.CodesMinted > 0 {
		fmt.Fprintf(&b, ", %d codes minted in %.1fs", r.CodesMinted, r.MintS)
		if r.CodesExhausted {
			b.WriteString(" (ran out of codes before the planned end)")
		}
	}
	if w := r.serverWork.String(); w != "" {
		fmt.Fprintf(&b, "; %s", w)
	}
	if r.CPU != nil {
		fmt.Fprintf(&b, "; %s", r.CPU)
	}
	if len(r.ErrorSamples) > 0 {
		samples := make([]string, len(r.ErrorSamples))
		for i, e := range r.ErrorSamples {
			samples[i] = strings.Join(strings.Fields(e), " ") // one line, whatever the body held
		}
		fmt.Fprintf(&b, "; first errors: %s", strings.Join(samples, " | "))
	}
	return b.String()
}
