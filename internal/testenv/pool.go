package testenv

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
)

// A test database costs MariaDB ~140 ms of CPU to make and drop (~80 CREATE TABLE, a DROP
// DATABASE of as many files), and a test binary such as internal/httpapi's makes ~180 of them.
// Under Main, a database is made once and reused: when a test ends, its rows are deleted and
// the schema's own rows (option lists, the migrations' version table) written back, which
// costs a few milliseconds; the next test takes it from the pool. Main drops the pool's
// databases when the package's tests are done, so every package still leaves no database behind.
//
// A reused database differs from a fresh one only in its AUTO_INCREMENT counters, which go on
// from where the previous test left them (resetting them is an ALTER TABLE, as dear as making
// the table again): tests must find rows by what they are, not by assuming an id. So that an
// assumed id fails every time rather than by the order tests ran in, a pooled database's
// counters start at a different thousand in every table (see shifted).
// TestPool_resetLeavesTheSchemasRows checks the rest.

// Main runs a test binary's tests with pooled databases and drops them afterwards. A package
// opts in with
//
//	func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }
//
// Without it, MySQLDSN makes a database per test and drops it when the test ends.
func Main(m *testing.M) int {
	pools.mu.Lock()
	pools.on = true
	pools.mu.Unlock()
	code := m.Run()
	if err := pools.dropAll(context.Background()); err != nil {
		fmt.Fprintf(os.Stderr, "testenv: %v\n", err)
		if code == 0 {
			code = 1
		}
	}
	return code
}

// pools are the binary's pooled databases, one pool per schema replayed into them.
var pools = newPoolSet()

type poolSet struct {
	mu       sync.Mutex
	on       bool
	bySchema map[*Schema]*pool
	made     []string // every pooled database, to drop at the end
}

func newPoolSet() *poolSet { return &poolSet{bySchema: map[*Schema]*pool{}} }

type pool struct {
	schema *Schema
	// deletes empties every table in one round trip ("DELETE FROM `a`; DELETE FROM `b`; …").
	deletes string
	// shape is what the first database made for the pool holds (see shapeOf), set once, before
	// any database of the pool is lent: a database whose test created, dropped or altered a
	// table is not lent again.
	shape atomic.Pointer[string]
	free  []string
}

// shapeOf counts the current database's tables, columns and index columns, and sums their
// names' lengths: what a test's DDL (a scratch table, an added column or index) changes.
func shapeOf(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}) (string, error) {
	var tables, columns, indexes, names int64
	err := q.QueryRowContext(ctx, `SELECT
		(SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()),
		(SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE()),
		(SELECT COUNT(*) FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE()),
		(SELECT COALESCE(SUM(LENGTH(TABLE_NAME) + LENGTH(COLUMN_NAME) + LENGTH(COLUMN_TYPE)), 0)
			FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE())`).Scan(&tables, &columns, &indexes, &names)
	return fmt.Sprintf("%d tables, %d columns, %d index columns, %d", tables, columns, indexes, names), err
}

// database returns the DSN of a database holding s, put back in the pool (or dropped) when tb
// ends.
func (ps *poolSet) database(tb testing.TB, s *Schema) string {
	tb.Helper()
	p, name := ps.take(s)
	if p == nil { // not under Main: a database of the test's own
		return freshDSN(tb, s)
	}
	if name == "" {
		name = ps.make(tb, p)
	}
	tb.Cleanup(func() {
		if err := p.reset(context.Background(), name); err != nil {
			tb.Logf("testenv: %s not reused: %v", name, err)
			ps.drop(context.Background(), name)
			return
		}
		ps.put(p, name)
	})
	dsn, err := dsnFor(name)
	if err != nil {
		tb.Fatalf("testenv: %v", err)
	}
	return dsn
}

// take returns s's pool and a free database of it (nil when pooling is off; "" when none is free).
func (ps *poolSet) take(s *Schema) (*pool, string) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if !ps.on {
		return nil, ""
	}
	p := ps.bySchema[s]
	if p == nil {
		var b strings.Builder
		for _, t := range s.Tables {
			b.WriteString("DELETE FROM `" + t.Name + "`;")
		}
		p = &pool{schema: s, deletes: b.String()}
		ps.bySchema[s] = p
	}
	if n := len(p.free); n > 0 {
		name := p.free[n-1]
		p.free = p.free[:n-1]
		return p, name
	}
	return p, ""
}

func (ps *poolSet) put(p *pool, name string) {
	ps.mu.Lock()
	p.free = append(p.free, name)
	ps.mu.Unlock()
}

// make creates a database for pool p and replays its schema into it.
func (ps *poolSet) make(tb testing.TB, p *pool) string {
	tb.Helper()
	s := p.schema
	name := "huixiang_test_pool_" + randHex(4) + "_" + testName(tb)
	if err := createDatabase(context.Background(), name); err != nil {
		tb.Fatalf("testenv: %v", err)
	}
	ps.mu.Lock()
	ps.made = append(ps.made, name)
	ps.mu.Unlock()
	dsn, err := dsnFor(name)
	if err != nil {
		tb.Fatalf("testenv: %v", err)
	}
	replay(tb, dsn, shifted(s))
	if p.shape.Load() == nil {
		db, err := sql.Open("mysql", dsn)
		if err != nil {
			tb.Fatalf("testenv: %v", err)
		}
		shape, err := shapeOf(context.Background(), db)
		db.Close()
		if err != nil {
			tb.Fatalf("testenv: shape of %s: %v", name, err)
		}
		p.shape.CompareAndSwap(nil, &shape) // a database made at the same time has the same shape
	}
	return name
}

// shifted is s with each table's AUTO_INCREMENT starting at its own thousand (1000, 2000, …)
// where the schema starts it at 1. A pooled database's counters go on from test to test, so a
// test that assumed "the first row is id 1" would pass or fail by the order the tests ran in;
// starting every counter elsewhere makes it fail every time, as would one that mixed up the ids of
// two tables.
func shifted(s *Schema) Schema {
	out := Schema{Tables: make([]Table, len(s.Tables))}
	for i, t := range s.Tables {
		if strings.Contains(t.Create, " AUTO_INCREMENT,") && !strings.Contains(t.Create, " AUTO_INCREMENT=") {
			t.Create = strings.Replace(t.Create, ") ENGINE=InnoDB ", fmt.Sprintf(") ENGINE=InnoDB AUTO_INCREMENT=%d ", 1000*(i+1)), 1)
		}
		out.Tables[i] = t
	}
	return out
}

// reset deletes every row of the database and writes the schema's rows back, in one
// transaction on one connection.
func (p *pool) reset(ctx context.Context, name string) error {
	cfg, err := mysql.ParseDSN(AdminDSN())
	if err != nil {
		return err
	}
	cfg.DBName = name
	cfg.MultiStatements = true
	db, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		return err
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	// A server the test started and did not stop would go on writing into the next test's
	// database: such a database is dropped instead (as every test database was before the pool).
	// A connection the test's pool just closed may linger in the process list for a moment.
	var others int
	for try := 0; try < 20; try++ {
		if err := conn.QueryRowContext(ctx, `SELECT COUNT(*) FROM information_schema.PROCESSLIST
			WHERE DB = DATABASE() AND ID <> CONNECTION_ID()`).Scan(&others); err != nil {
			return err
		}
		if others == 0 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if others > 0 {
		return fmt.Errorf("%d connections of the test are still open", others)
	}
	if shape, err := shapeOf(ctx, conn); err != nil {
		return err
	} else if want := *p.shape.Load(); shape != want {
		return fmt.Errorf("the test changed the schema: %s, made with %s", shape, want)
	}
	if _, err := conn.ExecContext(ctx, "SET SESSION foreign_key_checks = 0; START TRANSACTION;"+p.deletes); err != nil {
		return fmt.Errorf("delete rows: %w", err)
	}
	for _, t := range p.schema.Tables {
		if err := insertRows(ctx, conn, t); err != nil {
			return err
		}
	}
	_, err = conn.ExecContext(ctx, "COMMIT")
	return err
}

// drop drops a pooled database that is not to be reused.
func (ps *poolSet) drop(ctx context.Context, name string) {
	if dropDatabase(ctx, name) != nil {
		return // dropAll tries again
	}
	ps.mu.Lock()
	defer ps.mu.Unlock()
	ps.made = slices.DeleteFunc(ps.made, func(n string) bool { return n == name })
}

// dropAll drops every pooled database (when the binary's tests are done).
func (ps *poolSet) dropAll(ctx context.Context) error {
	ps.mu.Lock()
	names := ps.made
	ps.made = nil
	ps.bySchema = map[*Schema]*pool{}
	ps.mu.Unlock()
	var errs []error
	for _, name := range names {
		errs = append(errs, dropDatabase(ctx, name))
	}
	return errors.Join(errs...)
}

// testName is tb's name as part of a database name.
func testName(tb testing.TB) string {
	name := nonWord.ReplaceAllString(strings.ToLower(tb.Name()), "_")
	if len(name) > 30 {
		name = name[:30]
	}
	return strings.Trim(name, "_")
}
