package testenv

import (
	"context"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"
	"github.com/jmoiron/sqlx"
)

// exists reports whether database name is on the server.
func exists(t *testing.T, name string) bool {
	t.Helper()
	admin, err := sqlx.Open("mysql", AdminDSN())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	var n int
	if err := admin.Get(&n, "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?", name); err != nil {
		t.Fatal(err)
	}
	return n == 1
}

func dbName(t *testing.T, dsn string) string {
	t.Helper()
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	return cfg.DBName
}

// ownPool is a pool of migrated databases of the test's own, dropped when the test ends.
func ownPool(t *testing.T) (*poolSet, *Schema) {
	t.Helper()
	s, err := migrated()
	if err != nil {
		t.Fatal(err)
	}
	ps := newPoolSet()
	ps.on = true
	t.Cleanup(func() { _ = ps.dropAll(context.Background()) })
	return ps, s
}

// When the package's tests are done, every pooled database is gone.
func TestPool_dropAllLeavesNoDatabase(t *testing.T) {
	t.Parallel()
	ps, s := ownPool(t)
	t.Run("a test takes two databases", func(t *testing.T) {
		ps.database(t, s)
		ps.database(t, s)
	})
	for _, n := range ps.made {
		if !strings.HasPrefix(n, "huixiang_test_pool_") || !exists(t, n) {
			t.Fatalf("pooled database %s: want it on the server until dropAll", n)
		}
	}
	made := append([]string(nil), ps.made...)
	if err := ps.dropAll(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(made) != 2 {
		t.Fatalf("made %v, want two databases", made)
	}
	for _, n := range made {
		if exists(t, n) {
			t.Errorf("%s is still there after dropAll", n)
		}
	}
}

// A database a connection of its test still holds (a server the test did not stop) is dropped,
// not lent to the next test, which gets a new one.
func TestPool_aDatabaseStillInUseIsDroppedNotLent(t *testing.T) {
	t.Parallel()
	ps, s := ownPool(t)
	var first string
	var leaked *sqlx.DB
	t.Run("a test leaves a connection open", func(t *testing.T) {
		dsn := ps.database(t, s)
		first = dbName(t, dsn)
		var err error
		if leaked, err = sqlx.Open("mysql", dsn); err != nil {
			t.Fatal(err)
		}
		if err := leaked.Ping(); err != nil {
			t.Fatal(err)
		}
	})
	defer leaked.Close()
	if exists(t, first) {
		t.Fatalf("%s, still in use when its test ended, was kept", first)
	}
	t.Run("the next test", func(t *testing.T) {
		if next := dbName(t, ps.database(t, s)); next == first {
			t.Fatalf("got %s again", next)
		}
	})
}

// A database whose test made a table of its own (or dropped or altered one) is dropped, not lent
// to the next test, whose CREATE TABLE of the same name would fail.
func TestPool_aDatabaseWhoseSchemaChangedIsDroppedNotLent(t *testing.T) {
	t.Parallel()
	ps, s := ownPool(t)
	var first string
	t.Run("a test creates a table", func(t *testing.T) {
		dsn := ps.database(t, s)
		first = dbName(t, dsn)
		db, err := sqlx.Open("mysql", dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		db.MustExec("CREATE TABLE scratch (id INT PRIMARY KEY)")
	})
	if exists(t, first) {
		t.Fatalf("%s, with a table its test made, was kept", first)
	}
	var second string
	t.Run("the next test", func(t *testing.T) {
		second = dbName(t, ps.database(t, s))
		if second == first {
			t.Fatalf("got %s again", second)
		}
	})
	t.Run("a test that changed nothing", func(t *testing.T) {
		if third := dbName(t, ps.database(t, s)); third != second {
			t.Fatalf("got %s, want %s lent again", third, second)
		}
	})
}
