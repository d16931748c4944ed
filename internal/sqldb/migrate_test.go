package sqldb_test

import (
	"bytes"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"

	"huixiang/internal/sqldb"
	"huixiang/internal/testenv"
)

// lockedBuffer is a log sink shared by the goroutines of a test.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

// Six replicas start at once on an empty database, each migrating through its own pool (as
// serve does with HX_MYSQL_AUTO_MIGRATE=true): all succeed, every migration is applied once, and
// the schema ends at the latest version. A second start at once applies nothing.
func TestMigrate_replicasStartingAtOnce_applyEachMigrationOnce(t *testing.T) {
	dsn := testenv.EmptyMySQLDSN(t)
	files, err := os.ReadDir("migrations")
	if err != nil {
		t.Fatal(err)
	}
	var want int
	for _, f := range files {
		if strings.HasSuffix(f.Name(), ".sql") {
			want++
		}
	}
	var logs lockedBuffer
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	const replicas = 6
	for round := range 2 {
		start := make(chan struct{})
		errs := make(chan error, replicas)
		var wg sync.WaitGroup
		for range replicas {
			db := testenv.MySQLAt(t, dsn)
			wg.Go(func() {
				<-start
				errs <- sqldb.Migrate(t.Context(), db, log)
			})
		}
		close(start)
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatalf("round %d: a replica failed to migrate: %v", round, err)
			}
		}
		if applied := strings.Count(logs.String(), `"msg":"migration applied"`); applied != want {
			t.Fatalf("round %d: %d migrations applied in all, want each of %d once:\n%s", round, applied, want, logs.String())
		}
	}
	db := testenv.MySQLAt(t, dsn)
	if err := sqldb.CheckSchema(t.Context(), db); err != nil {
		t.Fatalf("schema after concurrent migrations: %v", err)
	}
	var dups []int64
	if err := db.Select(&dups, `SELECT version_id FROM goose_db_version GROUP BY version_id HAVING COUNT(*) > 1`); err != nil {
		t.Fatal(err)
	}
	var versions int
	if err := db.Get(&versions, `SELECT COUNT(*) FROM goose_db_version WHERE version_id > 0 AND is_applied`); err != nil {
		t.Fatal(err)
	}
	if len(dups) > 0 || versions != want {
		t.Fatalf("goose_db_version: duplicates %v, %d versions applied, want %d once each", dups, versions, want)
	}
}

// Several servers starting at once on one database apply each migration once (the named lock),
// while migrations of another database on the same server go on meanwhile (the lock names the
// database, so test databases migrate side by side).
func TestMigrate_fourAtOnceOnOneDatabase_eachMigrationOnce(t *testing.T) {
	t.Parallel()
	dsn, other := testenv.EmptyMySQLDSN(t), testenv.EmptyMySQLDSN(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	errs := make(chan error, 5)
	var wg sync.WaitGroup
	for i := range 5 {
		target := dsn
		if i == 4 {
			target = other
		}
		db := testenv.MySQLAt(t, target)
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- sqldb.Migrate(t.Context(), db, log)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range []string{dsn, other} {
		db := testenv.MySQLAt(t, d)
		var rows, versions int
		if err := db.Get(&rows, "SELECT COUNT(*) FROM goose_db_version WHERE version_id > 0"); err != nil {
			t.Fatal(err)
		}
		if err := db.Get(&versions, "SELECT COUNT(DISTINCT version_id) FROM goose_db_version WHERE version_id > 0"); err != nil {
			t.Fatal(err)
		}
		if rows == 0 || rows != versions {
			t.Fatalf("goose_db_version holds %d rows for %d migrations", rows, versions)
		}
		if err := sqldb.CheckSchema(t.Context(), db); err != nil {
			t.Fatal(err)
		}
	}
}
