package points

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkRedeem measures redemptions per second and p99 latency with 64 concurrent clients,
// on one hot perk (every client wants the same stock row) and spread over 100 perks, on real
// MariaDB. Afterwards it checks that no stock was oversold and every balance equals its ledger.
//
//	go test -run '^$' -bench BenchmarkRedeem -benchtime 5000x ./internal/points/
func BenchmarkRedeem(b *testing.B) {
	s, db := newService(b)
	ctx := context.Background()
	// The server's pool, not the test helper's: more connections than the database has cores to
	// run them only adds context switches (HX_MYSQL_MAX_OPEN_CONNS, default 32).
	conns := 32
	if v, err := strconv.Atoi(os.Getenv("HX_BENCH_CONNS")); err == nil && v > 0 {
		conns = v
	}
	db.SetMaxOpenConns(conns)
	db.SetMaxIdleConns(conns)
	persons := addPersons(b, db, 256)
	for _, p := range persons {
		if _, err := s.Grant(ctx, admin, GrantInput{PersonID: p, Rule: "donation", Reference: "BENCH", AmountFen: 50_000_000}); err != nil {
			b.Fatal(err) // 5,000 points each, the rule's most per grant
		}
	}
	const clients = 64
	par := max(1, clients/runtime.GOMAXPROCS(0))
	var run atomic.Int64
	for _, tc := range []struct {
		name  string
		perks int
	}{{"hot_perk", 1}, {"100_perks", 100}} {
		b.Run(tc.name, func(b *testing.B) {
			const stock = 1_000_000
			perks := make([]Perk, tc.perks)
			for i := range perks {
				perks[i] = newPerk(b, s, 1, ptr[int64](stock), nil)
			}
			r := run.Add(1)
			var n atomic.Int64
			var mu sync.Mutex
			var lat []time.Duration
			b.SetParallelism(par)
			b.ResetTimer()
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				var mine []time.Duration
				for pb.Next() {
					i := n.Add(1)
					t0 := time.Now()
					_, _, err := s.Redeem(ctx, persons[int(i)%len(persons)], perks[int(i)%len(perks)].ID, fmt.Sprintf("bench-%d-%d", r, i))
					mine = append(mine, time.Since(t0))
					if err != nil {
						b.Error(err)
						return
					}
				}
				mu.Lock()
				lat = append(lat, mine...)
				mu.Unlock()
			})
			elapsed := time.Since(start)
			b.StopTimer()
			slices.Sort(lat)
			if len(lat) > 0 {
				b.ReportMetric(float64(len(lat))/elapsed.Seconds(), "redeems/s")
				b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
			}
			for _, p := range perks {
				var left, issued int64
				_ = db.Get(&left, `SELECT stock FROM perks WHERE id = ?`, p.ID)
				_ = db.Get(&issued, `SELECT COUNT(*) FROM vouchers WHERE perk_id = ?`, p.ID)
				if left < 0 || left+issued != stock {
					b.Fatalf("perk %d: stock %d + vouchers %d != %d (oversold)", p.ID, left, issued, stock)
				}
			}
			checkLedger(b, s, db)
		})
	}
}
