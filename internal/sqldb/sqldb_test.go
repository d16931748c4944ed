package sqldb_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/jmoiron/sqlx"

	"huixiang/internal/sqldb"
	"huixiang/internal/testenv"
)

func TestWithTx_commitsOrRollsBack(t *testing.T) {
	t.Parallel()
	db := testenv.MySQL(t)
	ctx := t.Context()
	db.MustExec("CREATE TABLE t (id INT PRIMARY KEY)")
	count := func() (n int) { db.Get(&n, "SELECT COUNT(*) FROM t"); return }

	if err := sqldb.WithTx(ctx, db, func(tx *sqlx.Tx) error { _, err := tx.Exec("INSERT INTO t VALUES (1)"); return err }); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	err := sqldb.WithTx(ctx, db, func(tx *sqlx.Tx) error { tx.Exec("INSERT INTO t VALUES (2)"); return boom })
	if !errors.Is(err, boom) || count() != 1 {
		t.Fatalf("error path: err=%v rows=%d, want boom and 1", err, count())
	}
	func() {
		defer func() { recover() }()
		sqldb.WithTx(ctx, db, func(tx *sqlx.Tx) error { tx.Exec("INSERT INTO t VALUES (3)"); panic("p") })
	}()
	if count() != 1 {
		t.Fatalf("panic path left %d rows", count())
	}
	err = sqldb.WithTx(ctx, db, func(tx *sqlx.Tx) error {
		_, err := tx.Exec("INSERT INTO t VALUES (1)")
		return sqldb.Classify(err)
	})
	if !errors.Is(err, sqldb.ErrDuplicate) {
		t.Fatalf("duplicate key: err = %v, want ErrDuplicate", err)
	}
}

func TestCheckSchema_freshDatabaseIsCurrent(t *testing.T) {
	t.Parallel()
	db := testenv.MySQL(t)
	if err := sqldb.CheckSchema(t.Context(), db); err != nil {
		t.Fatal(err)
	}
	db.MustExec("DELETE FROM goose_db_version WHERE version_id > 0")
	if err := sqldb.CheckSchema(t.Context(), db); !errors.Is(err, sqldb.ErrSchemaOutdated) {
		t.Fatalf("err = %v, want ErrSchemaOutdated", err)
	}
}

func TestOpen_sessionsAreReadCommitted(t *testing.T) {
	t.Parallel()
	db := testenv.MySQL(t)
	var level string
	// MariaDB names the variable tx_isolation, MySQL 8 transaction_isolation.
	if err := db.Get(&level, "SELECT @@tx_isolation"); err != nil {
		if err := db.Get(&level, "SELECT @@transaction_isolation"); err != nil {
			t.Fatal(err)
		}
	}
	if level != "READ-COMMITTED" {
		t.Fatalf("session isolation = %s, want READ-COMMITTED", level)
	}
	err := sqldb.WithTx(t.Context(), db, func(tx *sqlx.Tx) error {
		return tx.Get(&level, "SELECT @@tx_isolation")
	})
	if err != nil || level != "READ-COMMITTED" {
		t.Fatalf("in a transaction: %s, %v", level, err)
	}
}

func TestWithTx_classifiesTheErrorFnReturns(t *testing.T) {
	t.Parallel()
	db := testenv.MySQL(t)
	db.MustExec("CREATE TABLE t (id INT PRIMARY KEY)")
	db.MustExec("INSERT INTO t VALUES (1)")
	err := sqldb.WithTx(t.Context(), db, func(tx *sqlx.Tx) error {
		_, err := tx.Exec("INSERT INTO t VALUES (1)")
		return fmt.Errorf("insert: %w", err) // wrapped, not classified
	})
	if !errors.Is(err, sqldb.ErrDuplicate) {
		t.Fatalf("err = %v, want ErrDuplicate", err)
	}
	if again := sqldb.Classify(err); again != err { //nolint:errorlint // identity: Classify returns a classified error as it is
		t.Fatalf("classifying twice changed the error: %v", again)
	}
}

func TestRetry_lockWaitTimeoutEveryAttempt_ErrBusy(t *testing.T) {
	t.Parallel()
	db := testenv.MySQL(t)
	ctx := t.Context()
	db.MustExec("CREATE TABLE t (id INT PRIMARY KEY, n INT NOT NULL)")
	db.MustExec("INSERT INTO t VALUES (1, 0)")
	holder := db.MustBegin()
	defer holder.Rollback()
	var n int
	if err := holder.Get(&n, "SELECT n FROM t WHERE id = 1 FOR UPDATE"); err != nil {
		t.Fatal(err)
	}
	calls := 0
	err := sqldb.Retry(ctx, db, 2, func(tx *sqlx.Tx) error {
		calls++
		if _, err := tx.Exec("SET SESSION innodb_lock_wait_timeout = 1"); err != nil {
			return err
		}
		_, err := tx.Exec("UPDATE t SET n = n + 1 WHERE id = 1")
		return fmt.Errorf("bump: %w", err)
	})
	if !errors.Is(err, sqldb.ErrBusy) || !errors.Is(err, sqldb.ErrDeadlock) || calls != 2 {
		t.Fatalf("err = %v after %d calls, want ErrBusy wrapping ErrDeadlock after 2", err, calls)
	}

	// A deadlock on every attempt, as a function reports it.
	calls = 0
	err = sqldb.Retry(ctx, db, 3, func(*sqlx.Tx) error { calls++; return fmt.Errorf("step: %w", sqldb.ErrDeadlock) })
	if !errors.Is(err, sqldb.ErrBusy) || calls != 3 {
		t.Fatalf("err = %v after %d calls, want ErrBusy after 3", err, calls)
	}
	// Any other error is returned at once, as it is.
	boom := errors.New("boom")
	if err := sqldb.Retry(ctx, db, 3, func(*sqlx.Tx) error { return boom }); err != boom { //nolint:errorlint // identity: returned as it is
		t.Fatalf("err = %v, want boom", err)
	}
}
