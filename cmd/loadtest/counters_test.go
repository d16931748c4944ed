package main

import (
	"context"
	"testing"

	"huixiang/internal/testenv"
)

func TestPerRequest_takesOffTheReadingsAndDivides(t *testing.T) {
	w := perRequest(counterSnap{questions: 100, redisCommands: 10}, counterSnap{questions: 301, redisCommands: 511}, 100)
	if w.StatementsPerRequest == nil || *w.StatementsPerRequest != 2 || w.RedisCommandsPerRequest == nil || *w.RedisCommandsPerRequest != 5 {
		t.Fatalf("got %s", w)
	}
	if got := w.String(); got != "2.00 statements and 5.00 Redis commands per request" {
		t.Fatalf("human form %q", got)
	}
	if w := perRequest(counterSnap{questions: -1, redisCommands: 10}, counterSnap{questions: 5, redisCommands: 11}, 1); w.StatementsPerRequest != nil {
		t.Fatalf("an unread counter must stay unset, got %s", w)
	}
}

// The counters against the real MariaDB and Redis: statements and commands sent between two
// readings show up (the counters are server-wide, so other clients may add to them).
func TestServerCounters_countStatementsAndCommandsBetweenReadings(t *testing.T) {
	db := testenv.MySQL(t)
	rdb, prefix := testenv.Redis(t)
	c, err := openCounters(testenv.MySQLDSN(t), testenv.RedisAddr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.close()
	ctx := context.Background()
	before := c.snap(ctx)
	if before.questions < 0 || before.redisCommands < 0 {
		t.Fatalf("counters not read: %+v", before)
	}
	for range 10 {
		if _, err := db.Exec(`SELECT 1`); err != nil {
			t.Fatal(err)
		}
		rdb.Set(ctx, prefix+"k", "v", 0)
	}
	w := perRequest(before, c.snap(ctx), 10)
	if *w.StatementsPerRequest < 1 || *w.RedisCommandsPerRequest < 1 {
		t.Fatalf("10 statements and 10 commands in 10 requests measured as %s", w)
	}
}
