package notify_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"huixiang/internal/notify"
	"huixiang/internal/testenv"
)

// BenchmarkPushRate_twoReplicas: two Workers, as two server replicas, send 200 pushes through
// one Redis rate of 40 per second against the stand-in. It reports the rate WeChat saw (from the
// first send to the last) and how far it is from the configured one (issue 12 asks ± 5 %).
//
//	go test -run '^$' -bench BenchmarkPushRate -benchtime 1x ./internal/notify
func BenchmarkPushRate_twoReplicas(b *testing.B) {
	const rate, pushes = 40.0, 200
	e := newPushEnv(b)
	var seen []float64
	for b.Loop() {
		seen = append(seen, benchRate(b, e, rate, pushes))
	}
	slices.Sort(seen)
	med := seen[len(seen)/2]
	b.ReportMetric(med, "sends/s")
	b.ReportMetric((med-rate)/rate*100, "off-%")
}

func benchRate(b *testing.B, e *env, rate float64, pushes int) (seen float64) {
	rdb, prefix := testenv.Redis(b)
	uid, openid := e.user(fmt.Sprintf("rate%d", time.Now().UnixNano()), 0)
	fake.GrantConsent(openid, noticeTmpl, pushes)
	e.db.MustExec(`INSERT INTO subscription_consents (user_id, template_id, remaining, long_term, updated_at) VALUES (?, ?, 0, TRUE, UTC_TIMESTAMP())`, uid, noticeTmpl)
	for i := range pushes {
		e.push(uid, fmt.Sprintf("rate:%s:%d", openid, i), time.Now())
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	for range 2 {
		w := e.pushWorker(daytime(), func(o *notify.WorkerOptions) {
			o.Workers, o.Batch = 2, 10
			o.Limiter = notify.NewSharedRate(rdb, prefix+"{notify}:rate", rate)
			o.Push.Cap = pushes
		})
		if err := w.Start(ctx); err != nil {
			b.Fatal(err)
		}
		wg.Go(func() { <-ctx.Done(); _ = w.Shutdown(context.Background()) })
	}
	deadline := time.Now().Add(time.Duration(float64(pushes)/rate*3) * time.Second)
	for sentTo(openid) < pushes && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	wg.Wait()
	var times []time.Time
	for _, m := range fake.Sent() {
		if m.ToUser == openid {
			times = append(times, m.Time)
		}
	}
	if len(times) != pushes {
		b.Fatalf("sent %d of %d", len(times), pushes)
	}
	slices.SortFunc(times, func(a, c time.Time) int { return a.Compare(c) })
	return float64(pushes-1) / times[len(times)-1].Sub(times[0]).Seconds()
}
