package main

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

// defaultCPUComms are the processes of a benchmark on one machine: the server, the floor (started
// through a link named floor), the WeChat stand-in, this load generator, MariaDB and Redis.
const defaultCPUComms = "server,floor,wxfake,loadtest,mariadbd,redis-server"

// clockTicks is USER_HZ, the unit of /proc's CPU times: 100 on every Linux this runs on.
const clockTicks = 100

// cpuSnap is the machine's and every process's CPU time at one moment, from /proc (Linux).
type cpuSnap struct {
	at    time.Time
	user  uint64 // user+nice+system ticks of all CPUs: what processes ran
	busy  uint64 // user+nice+system+irq+softirq+steal
	ticks map[int]procTicks
}

type procTicks struct {
	comm  string
	ticks uint64
}

// takeCPUSnap reads /proc; it returns nil where there is no /proc.
func takeCPUSnap() *cpuSnap {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return nil
	}
	line, _, _ := bytes.Cut(b, []byte("\n"))
	f := strings.Fields(string(line))
	if len(f) < 9 || f[0] != "cpu" {
		return nil
	}
	n := make([]uint64, 8)
	for i := range n {
		n[i], _ = strconv.ParseUint(f[i+1], 10, 64)
	}
	// user nice system idle iowait irq softirq steal
	s := &cpuSnap{at: time.Now(), user: n[0] + n[1] + n[2], busy: n[0] + n[1] + n[2] + n[5] + n[6] + n[7], ticks: map[int]procTicks{}}
	paths, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			continue // gone meanwhile
		}
		pid, comm, ticks, ok := parseProcStat(string(b))
		if ok {
			s.ticks[pid] = procTicks{comm, ticks}
		}
	}
	return s
}

// parseProcStat reads pid, comm and utime+stime from a /proc/<pid>/stat line. comm may hold
// spaces and parentheses, so it runs to the last ')'.
func parseProcStat(s string) (pid int, comm string, ticks uint64, ok bool) {
	open, end := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
	if open < 0 || end < open {
		return 0, "", 0, false
	}
	pid, err := strconv.Atoi(strings.TrimSpace(s[:open]))
	if err != nil {
		return 0, "", 0, false
	}
	f := strings.Fields(s[end+1:]) // state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime
	if len(f) < 13 {
		return 0, "", 0, false
	}
	ut, err1 := strconv.ParseUint(f[11], 10, 64)
	st, err2 := strconv.ParseUint(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, "", 0, false
	}
	return pid, s[open+1 : end], ut + st, true
}

// cpuUsage is where the machine's CPU went during a timed phase.
type cpuUsage struct {
	// MachineBusyPct is the share of all cores that was busy (100 = every core all the time).
	MachineBusyPct float64 `json:"machine_busy_pct"`
	// CorePct is, per watched process name, the CPU it used in % of one core.
	CorePct map[string]float64 `json:"core_pct"`
	// UsPerRequest is, per watched process name, its CPU time per request in µs.
	UsPerRequest map[string]float64 `json:"us_per_request"`
	// OtherCorePct is the CPU of every process not watched (other work on the machine), in % of
	// one core: it is the noise under the numbers.
	OtherCorePct float64 `json:"other_core_pct"`
}

// usageBetween compares two snapshots; processes present in both count.
func usageBetween(a, b *cpuSnap, comms []string, requests int64) *cpuUsage {
	if a == nil || b == nil {
		return nil
	}
	secs := b.at.Sub(a.at).Seconds()
	if secs <= 0 {
		return nil
	}
	u := &cpuUsage{CorePct: map[string]float64{}, UsPerRequest: map[string]float64{}}
	byComm := map[string]uint64{}
	var watched uint64
	for pid, pb := range b.ticks {
		pa, ok := a.ticks[pid]
		if !ok || pa.comm != pb.comm || pb.ticks < pa.ticks || !slices.Contains(comms, pb.comm) {
			continue
		}
		byComm[pb.comm] += pb.ticks - pa.ticks
		watched += pb.ticks - pa.ticks
	}
	for _, c := range comms {
		t := byComm[c]
		u.CorePct[c] = round1(float64(t) / clockTicks / secs * 100)
		if requests > 0 {
			u.UsPerRequest[c] = round1(float64(t) / clockTicks / float64(requests) * 1e6)
		}
	}
	cores := float64(runtime.NumCPU())
	u.MachineBusyPct = round1(float64(b.busy-a.busy) / clockTicks / secs / cores * 100)
	if b.user-a.user > watched {
		u.OtherCorePct = round1(float64(b.user-a.user-watched) / clockTicks / secs * 100)
	}
	return u
}

func (u *cpuUsage) String() string {
	if u == nil {
		return ""
	}
	type kv struct {
		k string
		v float64
	}
	var parts []kv
	for k, v := range u.UsPerRequest {
		if v > 0 {
			parts = append(parts, kv{k, v})
		}
	}
	slices.SortFunc(parts, func(a, b kv) int { return int(math.Round(b.v - a.v)) })
	var b strings.Builder
	fmt.Fprintf(&b, "machine %.0f%% busy; CPU µs/request:", u.MachineBusyPct)
	for _, p := range parts {
		fmt.Fprintf(&b, " %s %.0f", p.k, p.v)
	}
	fmt.Fprintf(&b, "; other processes %.0f%% of a core", u.OtherCorePct)
	return b.String()
}

func round1(f float64) float64 { return math.Round(f*10) / 10 }
