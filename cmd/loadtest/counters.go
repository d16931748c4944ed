package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/redis/go-redis/v9"

	"huixiang/internal/sqldb"
)

// serverCounters reads what the database and Redis did during a timed phase: MariaDB's global
// Questions (statements the server executed for clients: BEGIN and COMMIT count, statements
// inside stored programs do not) and Redis's total_commands_processed (a Lua script counts
// itself and each command it calls). Both are server-wide: run the bench on a quiet machine.
// Divided by the phase's requests they are the statements and Redis commands per request.
type serverCounters struct {
	db  *sqlx.DB              // nil: not measured
	rdb redis.UniversalClient // nil: not measured
}

// counterSnap is one reading; a counter that could not be read is -1.
type counterSnap struct {
	questions, redisCommands int64
}

// openCounters connects to what the flags name; either may be empty (that counter is skipped).
func openCounters(dsn, redisAddr string) (*serverCounters, error) {
	c := &serverCounters{}
	if dsn != "" {
		db, err := sqldb.Open(sqldb.Options{DSN: dsn, MaxOpenConns: 1, MaxIdleConns: 1, QueryTimeout: 5 * time.Second})
		if err != nil {
			return nil, fmt.Errorf("counters: %w", err)
		}
		c.db = db
	}
	if redisAddr != "" {
		c.rdb = redis.NewClient(&redis.Options{Addr: redisAddr, DialTimeout: 3 * time.Second, ReadTimeout: 3 * time.Second})
	}
	return c, nil
}

func (c *serverCounters) close() {
	if c.db != nil {
		c.db.Close()
	}
	if c.rdb != nil {
		c.rdb.Close()
	}
}

func (c *serverCounters) enabled() bool { return c != nil && (c.db != nil || c.rdb != nil) }

// snap reads both counters. Each reading is itself one statement and one command; perRequest
// takes them off.
func (c *serverCounters) snap(ctx context.Context) counterSnap {
	s := counterSnap{questions: -1, redisCommands: -1}
	if c.db != nil {
		var name, v string
		if err := c.db.QueryRowxContext(ctx, `SHOW GLOBAL STATUS LIKE 'Questions'`).Scan(&name, &v); err == nil {
			if n, err := strconv.ParseInt(v, 10, 64); err == nil {
				s.questions = n
			}
		}
	}
	if c.rdb != nil {
		if info, err := c.rdb.Info(ctx, "stats").Result(); err == nil {
			s.redisCommands = infoField(info, "total_commands_processed")
		}
	}
	return s
}

// infoField is the integer field name of an INFO answer, or -1.
func infoField(info, name string) int64 {
	for line := range strings.SplitSeq(info, "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), ":")
		if ok && k == name {
			if n, err := strconv.ParseInt(v, 10, 64); err == nil {
				return n
			}
		}
	}
	return -1
}

// serverWork is what the database and Redis did per request during a phase.
type serverWork struct {
	// StatementsPerRequest: MariaDB statements (global Questions) per request.
	StatementsPerRequest *float64 `json:"statements_per_request,omitempty"`
	// RedisCommandsPerRequest: Redis commands (total_commands_processed) per request.
	RedisCommandsPerRequest *float64 `json:"redis_commands_per_request,omitempty"`
}

// perRequest divides what happened between before and after by requests, less the readings'
// own statement and command.
func perRequest(before, after counterSnap, requests int64) serverWork {
	var w serverWork
	if requests <= 0 {
		return w
	}
	div := func(b, a int64) *float64 {
		if b < 0 || a < 0 {
			return nil
		}
		v := float64(max(a-b-1, 0)) / float64(requests)
		v = float64(int64(v*100+0.5)) / 100
		return &v
	}
	w.StatementsPerRequest = div(before.questions, after.questions)
	w.RedisCommandsPerRequest = div(before.redisCommands, after.redisCommands)
	return w
}

// String is the human form: "2.00 statements and 5.00 Redis commands per request".
func (w serverWork) String() string {
	var parts []string
	if w.StatementsPerRequest != nil {
		parts = append(parts, fmt.Sprintf("%.2f statements", *w.StatementsPerRequest))
	}
	if w.RedisCommandsPerRequest != nil {
		parts = append(parts, fmt.Sprintf("%.2f Redis commands", *w.RedisCommandsPerRequest))
	}
	if len(parts) == 0 {
		return ""
	}
	return strings.Join(parts, " and ") + " per request"
}
