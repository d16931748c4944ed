package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
)

// The goals the report checks (issue 9): each scenario's requests/s as a share of the floor's
// in the same runs, and each scenario's p99 within a factor of the floor's p99.
var goalShare = map[string]float64{"me": 0.85, "login": 0.40, "register": 0.40, "submit": 0.25}

const (
	goalP99Factor   = 1.5 // every scenario's p99 ≤ this × the floor's p99 at the same concurrency
	scenarioOrderBy = "floor me login register submit"
)

var scenarioTitle = map[string]string{
	"floor":    "floor (`GET /floor`)",
	"me":       "`GET /api/v1/me`",
	"login":    "`POST /api/v1/auth/login`",
	"register": "`PUT /api/v1/me/returnee`",
	"submit":   "`POST /api/v1/applications/{id}/submit`",
}

// runReport reads result lines (JSON objects, other lines ignored) from the files and prints a
// Markdown table of the medians per scenario, the ratio /me ÷ floor and the goals.
func runReport(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	fs.SetOutput(stdout)
	rssKB := fs.Int64("rss-kb", 0, "the server's peak RSS (VmHWM) in kB, printed when > 0")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return errors.New("report: name the files holding the JSON result lines")
	}
	byScenario := map[string][]result{}
	for _, name := range fs.Args() {
		rs, err := readResults(name)
		if err != nil {
			return err
		}
		for _, r := range rs {
			byScenario[r.Scenario] = append(byScenario[r.Scenario], r)
		}
	}
	if len(byScenario) == 0 {
		return errors.New("report: no result lines found")
	}
	writeReport(stdout, byScenario, *rssKB)
	return nil
}

func readResults(name string) ([]result, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []result
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if !strings.HasPrefix(line, "{") {
			continue
		}
		var r result
		if err := json.Unmarshal([]byte(line), &r); err != nil || r.Scenario == "" {
			continue
		}
		out = append(out, r)
	}
	return out, sc.Err()
}

// summary is the median of each metric over a scenario's runs (each metric on its own).
type summary struct {
	runs                 int
	rps, p50, p90, p99   float64
	max                  float64
	non2xx, transport    int64
	perRun               []string
	exhausted, anyErrors bool
	// statements and redisCommands per request (medians of the runs that measured them; -1: none).
	statements, redisCommands float64
}

func summarize(rs []result) summary {
	s := summary{runs: len(rs)}
	pick := func(f func(result) float64) float64 {
		v := make([]float64, len(rs))
		for i, r := range rs {
			v[i] = f(r)
		}
		return median(v)
	}
	s.rps = pick(func(r result) float64 { return r.RPS })
	s.p50 = pick(func(r result) float64 { return r.P50Ms })
	s.p90 = pick(func(r result) float64 { return r.P90Ms })
	s.p99 = pick(func(r result) float64 { return r.P99Ms })
	s.max = pick(func(r result) float64 { return r.MaxMs })
	for _, r := range rs {
		s.non2xx += r.Non2xx
		s.transport += r.TransportErrors
		s.perRun = append(s.perRun, fmt.Sprintf("%.0f", r.RPS))
		s.exhausted = s.exhausted || r.CodesExhausted
	}
	s.anyErrors = s.non2xx+s.transport > 0
	s.statements = medianOf(rs, func(r result) *float64 { return r.StatementsPerRequest })
	s.redisCommands = medianOf(rs, func(r result) *float64 { return r.RedisCommandsPerRequest })
	return s
}

// medianOf is the median of the runs' values that are set, or -1 when none is.
func medianOf(rs []result, f func(result) *float64) float64 {
	var v []float64
	for _, r := range rs {
		if p := f(r); p != nil {
			v = append(v, *p)
		}
	}
	if len(v) == 0 {
		return -1
	}
	return median(v)
}

func perReq(v float64) string {
	if v < 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f", v)
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	v = slices.Clone(v)
	slices.Sort(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

func writeReport(w io.Writer, byScenario map[string][]result, rssKB int64) {
	sums := map[string]summary{}
	fmt.Fprintln(w, "| scenario | runs | requests/s (median) | p50 ms | p90 ms | p99 ms | max ms | statements / request | Redis commands / request | non-2xx + transport errors (all runs) | requests/s of each run |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
	names := strings.Fields(scenarioOrderBy)
	for name := range byScenario {
		if !slices.Contains(names, name) {
			names = append(names, name)
		}
	}
	for _, name := range names {
		rs, ok := byScenario[name]
		if !ok {
			continue
		}
		s := summarize(rs)
		sums[name] = s
		title := scenarioTitle[name]
		if title == "" {
			title = name
		}
		note := ""
		if s.exhausted {
			note = " (a run ran out of codes early)"
		}
		fmt.Fprintf(w, "| %s | %d | %.0f | %.2f | %.2f | %.2f | %.2f | %s | %s | %d + %d | %s%s |\n",
			title, s.runs, s.rps, s.p50, s.p90, s.p99, s.max, perReq(s.statements), perReq(s.redisCommands),
			s.non2xx, s.transport, strings.Join(s.perRun, " / "), note)
	}
	fmt.Fprintln(w)
	if rssKB > 0 {
		fmt.Fprintf(w, "Server peak RSS (VmHWM after all runs): %.1f MiB\n\n", float64(rssKB)/1024)
	}
	floor, hasFloor := sums["floor"]
	if me, ok := sums["me"]; ok && hasFloor && floor.rps > 0 {
		fmt.Fprintf(w, "/me ÷ floor (median requests/s): %.2f\n\n", me.rps/floor.rps)
	}
	if !hasFloor || floor.rps <= 0 {
		fmt.Fprintln(w, "No floor run: the goals are ratios to the floor and are not checked.")
		writeCPU(w, names, byScenario)
		return
	}
	fmt.Fprintln(w, "| goal | measured | met |")
	fmt.Fprintln(w, "|---|---:|---|")
	for _, name := range names {
		s, ok := sums[name]
		if !ok || name == "floor" {
			continue
		}
		title := scenarioTitle[name]
		if title == "" {
			title = name
		}
		if share, ok := goalShare[name]; ok {
			got := s.rps / floor.rps
			fmt.Fprintf(w, "| %s ≥ %.2f × the floor's requests/s | %.2f | %s |\n", title, share, got, yesNo(got >= share, s.anyErrors))
		}
		limit := goalP99Factor * floor.p99
		fmt.Fprintf(w, "| %s p99 ≤ %.1f × the floor's p99 (%.2f ms) | %.2f ms | %s |\n", title, goalP99Factor, limit, s.p99,
			yesNo(s.p99 <= limit, s.anyErrors))
	}
	writeCPU(w, names, byScenario)
}

// writeCPU prints the median CPU time per request of each process, and how much CPU other work
// on the machine took meanwhile, when the results carry it.
func writeCPU(w io.Writer, names []string, byScenario map[string][]result) {
	var comms []string
	for _, name := range names {
		for _, r := range byScenario[name] {
			if r.CPU == nil {
				continue
			}
			for c, v := range r.CPU.UsPerRequest {
				if v > 0 && !slices.Contains(comms, c) {
					comms = append(comms, c)
				}
			}
		}
	}
	if len(comms) == 0 {
		return
	}
	order := strings.Split(defaultCPUComms, ",")
	slices.SortFunc(comms, func(a, b string) int {
		ia, ib := slices.Index(order, a), slices.Index(order, b)
		if ia < 0 {
			ia = len(order)
		}
		if ib < 0 {
			ib = len(order)
		}
		if ia != ib {
			return ia - ib
		}
		return strings.Compare(a, b)
	})
	fmt.Fprintln(w)
	fmt.Fprintln(w, "CPU time per request by process (µs, median of the runs; from /proc during the timed phases):")
	fmt.Fprintln(w)
	fmt.Fprintf(w, "| scenario | %s | machine busy | other processes (noise) |\n", strings.Join(comms, " | "))
	fmt.Fprintf(w, "|---|%s---:|---:|\n", strings.Repeat("---:|", len(comms)))
	for _, name := range names {
		var rs []result
		for _, r := range byScenario[name] {
			if r.CPU != nil {
				rs = append(rs, r)
			}
		}
		if len(rs) == 0 {
			continue
		}
		med := func(f func(*cpuUsage) float64) float64 {
			v := make([]float64, len(rs))
			for i, r := range rs {
				v[i] = f(r.CPU)
			}
			return median(v)
		}
		title := scenarioTitle[name]
		if title == "" {
			title = name
		}
		fmt.Fprintf(w, "| %s |", title)
		for _, c := range comms {
			fmt.Fprintf(w, " %.0f |", med(func(u *cpuUsage) float64 { return u.UsPerRequest[c] }))
		}
		fmt.Fprintf(w, " %.0f%% | %.0f%% of a core |\n", med(func(u *cpuUsage) float64 { return u.MachineBusyPct }),
			med(func(u *cpuUsage) float64 { return u.OtherCorePct }))
	}
}

// yesNo marks a goal; a run with errors does not meet its goal whatever its numbers.
func yesNo(ok, errs bool) string {
	switch {
	case ok && !errs:
		return "yes"
	case ok:
		return "**no** (errors)"
	default:
		return "**no**"
	}
}
