package notice

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"huixiang/internal/notify"
	"huixiang/internal/testenv"
)

// bulkPeople inserts n returnees of township 421202100, each with a mini-program account, in
// multi-row statements.
func bulkPeople(b *testing.B, db *sqlx.DB, n int) {
	b.Helper()
	now := time.Now().UTC()
	const chunk = 1000
	for start := 0; start < n; start += chunk {
		size := min(chunk, n-start)
		var users, persons, returnees []string
		var uArgs, pArgs, rArgs []any
		for i := start; i < start+size; i++ {
			users = append(users, "(?, ?, ?, ?, ?)")
			uArgs = append(uArgs, i+1, fmt.Sprintf("o_bench_%d", i), now, now, now)
			persons = append(persons, "(?, ?, ?, '测试', 'M', '1980-05-01', ?, 'test', ?, ?)")
			idx := fmt.Sprintf("%032d", i)
			pArgs = append(pArgs, i+1, idx, idx, i+1, now, now)
			returnees = append(returnees, "(?, '421202100', '', 'returned', 'preparing', ?, ?, ?)")
			rArgs = append(rArgs, i+1, now, now, now)
		}
		db.MustExec(`INSERT INTO users (id, openid, created_at, updated_at, last_login_at) VALUES `+strings.Join(users, ", "), uArgs...)
		db.MustExec(`INSERT INTO persons (id, id_card_enc, id_card_idx, name, gender, birth_date, user_id, created_source, created_at, updated_at) VALUES `+
			strings.Join(persons, ", "), pArgs...)
		db.MustExec(`INSERT INTO returnees (person_id, township_code, village_code, status, intention, confirmed_at, created_at, updated_at) VALUES `+
			strings.Join(returnees, ", "), rArgs...)
	}
}

// BenchmarkFanout100k: a notice to 100,000 people, written to their inboxes with a WeChat push
// each (the outbox rows the notify Worker sends) in batches of BatchSize (issue 12 asks under
// 60 s with the memory flat). It reports the seconds per fan-out and the largest Go heap seen
// while it ran.
//
//	go test -run '^$' -bench BenchmarkFanout100k -benchtime 1x ./internal/notice
func BenchmarkFanout100k(b *testing.B) {
	db := testenv.MySQL(b)
	bulkPeople(b, db, 100000)
	s := NewService(db, nil).WithPushes(notify.DefaultQuiet)
	ctx := context.Background()
	rule := json.RawMessage(`{"all":[{"field":"township","op":"eq","value":"421202100"},{"field":"startup_intention","op":"eq","value":"preparing"}]}`)
	var peak atomic.Uint64
	stop := make(chan struct{})
	go func() {
		var m runtime.MemStats
		for {
			select {
			case <-stop:
				return
			case <-time.After(50 * time.Millisecond):
				runtime.ReadMemStats(&m)
				if m.HeapInuse > peak.Load() {
					peak.Store(m.HeapInuse)
				}
			}
		}
	}()
	b.ResetTimer()
	for b.Loop() {
		in := Input{Title: "通知", PushSummary: "通知", Rule: rule}
		n, err := s.Draft(ctx, clerk, in)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := s.Approve(ctx, admin, n.ID); err != nil {
			b.Fatal(err)
		}
		if _, err := s.StartDue(ctx); err != nil {
			b.Fatal(err)
		}
		if err := s.Fanout(ctx, n.ID, BatchSize, nil); err != nil {
			b.Fatal(err)
		}
		got, _ := s.Get(ctx, n.ID)
		if got.Report.Inbox != 100000 {
			b.Fatalf("inbox written %d", got.Report.Inbox)
		}
		var pushes int
		if err := db.Get(&pushes, `SELECT COUNT(*) FROM outbox WHERE notice_id = ?`, n.ID); err != nil || pushes != 100000 {
			b.Fatalf("pushes written %d (%v)", pushes, err)
		}
	}
	close(stop)
	b.ReportMetric(float64(peak.Load())/(1<<20), "peak-heap-MiB")
}
