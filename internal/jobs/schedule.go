package jobs

import (
	"context"
	"math/rand/v2"
	"time"

	"huixiang/internal/cn"
)

// beijing is Asia/Shanghai (cn.Zone).
var beijing = cn.Zone

// Beijing returns t in Beijing time, the zone the schedules are written in.
func Beijing(t time.Time) time.Time { return t.In(beijing) }

// Daily is a time of day in Beijing at which jobs run, once a day.
type Daily struct{ Hour, Minute int }

// Nightly is 00:10 in Beijing: points earned "until the end of the year" expire at midnight
// there, and the night's jobs run just after.
var Nightly = Daily{Hour: 0, Minute: 10}

// Next is the first slot strictly after now.
func (d Daily) Next(now time.Time) time.Time {
	t := d.on(now)
	if !t.After(now) {
		t = t.AddDate(0, 0, 1)
	}
	return t
}

// Prev is the last slot at or before now.
func (d Daily) Prev(now time.Time) time.Time {
	t := d.on(now)
	if t.After(now) {
		t = t.AddDate(0, 0, -1)
	}
	return t
}

func (d Daily) on(now time.Time) time.Time {
	l := now.In(beijing)
	return time.Date(l.Year(), l.Month(), l.Day(), d.Hour, d.Minute, 0, 0, beijing)
}

// Start runs jobs at every slot of d until ctx ends, in the background, and returns the function
// that stops it and waits for the job in flight (which sees its context cancelled).
//
// It begins with the last slot that has passed: a night whose jobs no replica ran (all were down
// at 00:10, or a job is new) is caught up when a replica starts; when they did run, the claim
// finds their rows and costs one INSERT per job.
func (r *Runner) Start(ctx context.Context, d Daily, jobs []Job) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		slot := d.Prev(r.o.Now())
		for ctx.Err() == nil {
			r.RunSlot(ctx, d, slot, jobs, true)
			slot = d.Next(slot)
			if !r.sleepUntil(ctx, slot) {
				return
			}
		}
	}()
	return func() { cancel(); <-done }
}

// RunSlot runs each job's run of slot in turn (each claimed on its own, see Run). With wait, it
// looks again after a lease at the runs that are not settled (held by another replica, or failed
// with attempts left) until they are, the next slot of d comes or ctx ends; without, it makes one
// pass. It returns the results of the last attempt at each job.
func (r *Runner) RunSlot(ctx context.Context, d Daily, slot time.Time, jobs []Job, wait bool) []Result {
	results := make([]Result, len(jobs))
	pending := make([]int, len(jobs))
	for i := range jobs {
		pending[i] = i
	}
	for len(pending) > 0 && ctx.Err() == nil {
		var again []int
		for _, i := range pending {
			res, err := r.Run(ctx, jobs[i], slot, SourceNightly)
			if err != nil {
				if ctx.Err() != nil {
					return results
				}
				r.o.Log.Error("job run not recorded (database error or lease lost); looking again later", "job", jobs[i].Name, "error", err.Error())
				res.Pending = true
			}
			results[i] = res
			if res.Pending {
				again = append(again, i)
			}
		}
		pending = again
		if len(pending) == 0 || !wait {
			break
		}
		// A little jitter keeps the replicas from looking in step.
		next := r.o.Now().Add(r.o.Lease + time.Duration(rand.Int64N(int64(r.o.Lease)/10+1)))
		if !next.Before(d.Next(slot)) || !r.sleepUntil(ctx, next) {
			break
		}
	}
	return results
}

// sleepUntil waits until the clock reads t, in steps of at most a minute so that a clock that
// jumps (a suspended VM, an NTP step) is followed. It returns false when ctx ended first.
func (r *Runner) sleepUntil(ctx context.Context, t time.Time) bool {
	for {
		d := t.Sub(r.o.Now())
		if d <= 0 {
			return true
		}
		timer := time.NewTimer(min(d, time.Minute))
		select {
		case <-ctx.Done():
			timer.Stop()
			return false
		case <-timer.C:
		}
	}
}
