// Package testenv gives tests real components: a fresh MariaDB database per caller (created,
// migrated, dropped afterwards), a Redis key prefix of their own, and a TCP proxy that can cut a
// dependency off mid-test. It is imported by _test files only.
package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jmoiron/sqlx"
	"github.com/redis/go-redis/v9"

	"huixiang/internal/sqldb"
)

// AdminDSN is the MySQL DSN (without a database) that may create and drop huixiang_test_*
// databases: HX_TEST_MYSQL_DSN, written to .env.dev by scripts/services.sh.
func AdminDSN() string {
	if dsn := os.Getenv("HX_TEST_MYSQL_DSN"); dsn != "" {
		return dsn
	}
	return "root@tcp(127.0.0.1:3306)/?parseTime=true&loc=UTC"
}

// RedisAddr is HX_TEST_REDIS_ADDR, else HX_REDIS_ADDR, else the local default.
func RedisAddr() string {
	for _, k := range []string{"HX_TEST_REDIS_ADDR", "HX_REDIS_ADDR"} {
		if v := os.Getenv(k); v != "" {
			return v
		}
	}
	return "127.0.0.1:6379"
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

var nonWord = regexp.MustCompile(`[^a-z0-9]+`)

// MySQLDSN returns the DSN of a database with the migrated schema for the test alone: under Main
// one from the binary's pool (see pool.go), else a new huixiang_test_<test>_<random> dropped
// when the test ends. The migrations run once per test binary, into a database that is dumped
// and dropped; every new database replays that dump (see Replay;
// TestSchema_replayEqualsMigrations keeps the two equal).
func MySQLDSN(tb testing.TB) string {
	tb.Helper()
	return pools.database(tb, migratedSchema(tb))
}

// FreshMySQLDSN is MySQLDSN never taken from the pool: a new database, dropped when the test ends.
func FreshMySQLDSN(tb testing.TB) string {
	tb.Helper()
	return freshDSN(tb, migratedSchema(tb))
}

// migratedSchema is migrated(), failing tb when the migrations do.
func migratedSchema(tb testing.TB) *Schema {
	tb.Helper()
	s, err := migrated()
	if err != nil {
		tb.Fatalf("testenv: migrated schema: %v", err)
	}
	return s
}

// freshDSN is a new database holding s, dropped when tb ends.
func freshDSN(tb testing.TB, s *Schema) string {
	tb.Helper()
	dsn := EmptyMySQLDSN(tb)
	replay(tb, dsn, *s)
	return dsn
}

// EmptyMySQLDSN is MySQLDSN without the migrations: a fresh, empty database, dropped when the
// test ends, for tests of the migrations themselves.
func EmptyMySQLDSN(tb testing.TB) string {
	tb.Helper()
	name := "huixiang_test_" + testName(tb) + "_" + randHex(4)
	if err := createDatabase(context.Background(), name); err != nil {
		tb.Fatalf("testenv: %v", err)
	}
	tb.Cleanup(func() {
		if err := dropDatabase(context.Background(), name); err != nil {
			tb.Errorf("testenv: %v", err)
		}
	})
	dsn, err := dsnFor(name)
	if err != nil {
		tb.Fatalf("testenv: %v", err)
	}
	return dsn
}

// createDatabase creates the (empty) database name.
func createDatabase(ctx context.Context, name string) error {
	if err := adminExec(ctx, "CREATE DATABASE `"+name+"` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"); err != nil {
		return fmt.Errorf("create database %s (is MariaDB up? run scripts/services.sh): %w", name, err)
	}
	return nil
}

// dropDatabase drops database name, which must be a test database.
func dropDatabase(ctx context.Context, name string) error {
	if !strings.HasPrefix(name, "huixiang_test_") {
		panic("testenv: refusing to drop " + name)
	}
	if err := adminExec(ctx, "DROP DATABASE IF EXISTS `"+name+"`"); err != nil {
		return fmt.Errorf("drop %s: %w", name, err)
	}
	return nil
}

// adminExec runs one statement on the server as the admin account.
func adminExec(ctx context.Context, stmt string) error {
	admin, err := sqlx.Open("mysql", AdminDSN())
	if err != nil {
		return fmt.Errorf("open admin dsn: %w", err)
	}
	defer admin.Close()
	_, err = admin.ExecContext(ctx, stmt)
	return err
}

// dsnFor is the admin DSN with database name.
func dsnFor(name string) (string, error) {
	cfg, err := mysql.ParseDSN(AdminDSN())
	if err != nil {
		return "", fmt.Errorf("parse dsn: %w", err)
	}
	cfg.DBName = name
	return cfg.FormatDSN(), nil
}

// MySQL returns a pool on a fresh, migrated database (see MySQLDSN).
func MySQL(tb testing.TB) *sqlx.DB {
	tb.Helper()
	return MySQLAt(tb, MySQLDSN(tb))
}

// MySQLAt opens a pool on dsn the way the server does, closed when the test ends.
func MySQLAt(tb testing.TB, dsn string) *sqlx.DB {
	tb.Helper()
	db, err := sqldb.Open(sqldb.Options{DSN: dsn, MaxOpenConns: 64, MaxIdleConns: 16, ConnMaxLifetime: time.Minute, QueryTimeout: 10 * time.Second})
	if err != nil {
		tb.Fatalf("testenv: %v", err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// Redis returns a client and a key prefix unique to this test; keys under it are deleted when
// the test ends.
func Redis(tb testing.TB) (redis.UniversalClient, string) {
	tb.Helper()
	rdb := redis.NewUniversalClient(&redis.UniversalOptions{Addrs: []string{RedisAddr()}})
	prefix := "hxtest:" + randHex(6) + ":"
	if err := rdb.Ping(context.Background()).Err(); err != nil {
		tb.Fatalf("testenv: redis at %s (run scripts/services.sh): %v", RedisAddr(), err)
	}
	tb.Cleanup(func() {
		ctx := context.Background()
		iter := rdb.Scan(ctx, 0, prefix+"*", 500).Iterator()
		for iter.Next(ctx) {
			rdb.Del(ctx, iter.Val())
		}
		rdb.Close()
	})
	return rdb, prefix
}

// Proxy forwards TCP connections to a target until Cut, which refuses new connections and breaks
// the open ones, as when a database host goes away; Restore lets traffic through again.
type Proxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	cut    bool
	conns  map[net.Conn]struct{}
}

// NewProxy listens on a loopback port that forwards to target; closed when the test ends.
func NewProxy(tb testing.TB, target string) *Proxy {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	p := &Proxy{ln: ln, target: target, conns: map[net.Conn]struct{}{}}
	go p.serve()
	tb.Cleanup(func() { ln.Close(); p.Cut() })
	return p
}

// Addr is the proxy's host:port.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// Cut breaks every open connection and refuses new ones.
func (p *Proxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut = true
	for c := range p.conns {
		c.Close()
	}
	clear(p.conns)
}

// Restore lets connections through again.
func (p *Proxy) Restore() {
	p.mu.Lock()
	p.cut = false
	p.mu.Unlock()
}

func (p *Proxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		go p.handle(c)
	}
}

func (p *Proxy) track(cs ...net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cut {
		return false
	}
	for _, c := range cs {
		p.conns[c] = struct{}{}
	}
	return true
}

func (p *Proxy) handle(c net.Conn) {
	if !p.track(c) {
		c.Close()
		return
	}
	up, err := net.DialTimeout("tcp", p.target, 2*time.Second)
	if err != nil || !p.track(up) {
		c.Close()
		if up != nil {
			up.Close()
		}
		return
	}
	done := make(chan struct{}, 2)
	pipe := func(dst, src net.Conn) {
		_, _ = io.Copy(dst, src)
		dst.Close()
		src.Close()
		done <- struct{}{}
	}
	go pipe(up, c)
	go pipe(c, up)
	<-done
	<-done
	p.mu.Lock()
	delete(p.conns, c)
	delete(p.conns, up)
	p.mu.Unlock()
}

// String names the proxy in test logs.
func (p *Proxy) String() string { return fmt.Sprintf("proxy %s → %s", p.Addr(), p.target) }
