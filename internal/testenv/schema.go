package testenv

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/jmoiron/sqlx"

	"huixiang/internal/sqldb"
)

// Schema is a database's tables and rows as SQL: the CREATE TABLE statements (SHOW CREATE
// TABLE) and the rows the migrations insert (option lists, goose's version table). Replaying it
// into an empty database is several times faster than applying every migration again, which
// is what each test database used to cost.
type Schema struct {
	Tables []Table
}

// Table is one table of a Schema.
type Table struct {
	Name   string
	Create string
	// Columns are the stored columns (generated ones are computed, not inserted), Rows their
	// values as the driver returns them ([]byte, int64, time.Time, nil for NULL, …).
	Columns []string
	Rows    [][]any
}

// The migrated schema is read once per test binary (see migrated).
var (
	schemaOnce sync.Once
	schemaVal  Schema
	schemaErr  error
)

// migrated is the schema the migrations produce, read from a database migrated once per test
// binary for this and dropped at once.
func migrated() (*Schema, error) {
	schemaOnce.Do(func() { schemaVal, schemaErr = migrateAndDump(context.Background()) })
	return &schemaVal, schemaErr
}

func migrateAndDump(ctx context.Context) (Schema, error) {
	admin, err := sqlx.Open("mysql", AdminDSN())
	if err != nil {
		return Schema{}, err
	}
	defer admin.Close()
	name := "huixiang_test_schema_" + randHex(4)
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE `"+name+"` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"); err != nil {
		return Schema{}, fmt.Errorf("create database (is MariaDB up? run scripts/services.sh): %w", err)
	}
	defer admin.ExecContext(context.WithoutCancel(ctx), "DROP DATABASE IF EXISTS `"+name+"`") //nolint:errcheck // best effort
	dsn, err := dsnFor(name)
	if err != nil {
		return Schema{}, err
	}
	db, err := sqldb.Open(sqldb.Options{DSN: dsn, MaxOpenConns: 2, MaxIdleConns: 2})
	if err != nil {
		return Schema{}, err
	}
	defer db.Close()
	if err := sqldb.Migrate(ctx, db, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		return Schema{}, fmt.Errorf("migrate: %w", err)
	}
	return Dump(ctx, db)
}

// Dump reads db's tables (in name order) and their rows. A CREATE TABLE keeps its
// AUTO_INCREMENT option, so that a replayed table goes on numbering where the dumped one would.
func Dump(ctx context.Context, db *sqlx.DB) (Schema, error) {
	var names []string
	if err := db.SelectContext(ctx, &names, `SELECT TABLE_NAME FROM information_schema.TABLES
		WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME`); err != nil {
		return Schema{}, fmt.Errorf("dump: tables: %w", err)
	}
	var s Schema
	for _, name := range names {
		t := Table{Name: name}
		var ignored string
		if err := db.QueryRowxContext(ctx, "SHOW CREATE TABLE `"+name+"`").Scan(&ignored, &t.Create); err != nil {
			return Schema{}, fmt.Errorf("dump: %s: %w", name, err)
		}
		if err := db.SelectContext(ctx, &t.Columns, `SELECT COLUMN_NAME FROM information_schema.COLUMNS
			WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND IS_GENERATED = 'NEVER' ORDER BY ORDINAL_POSITION`, name); err != nil {
			return Schema{}, fmt.Errorf("dump: %s columns: %w", name, err)
		}
		rows, err := db.QueryContext(ctx, "SELECT "+quoteNames(t.Columns)+" FROM `"+name+"`")
		if err != nil {
			return Schema{}, fmt.Errorf("dump: %s rows: %w", name, err)
		}
		for rows.Next() {
			vals := make([]any, len(t.Columns))
			ptrs := make([]any, len(vals))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				rows.Close()
				return Schema{}, fmt.Errorf("dump: %s rows: %w", name, err)
			}
			t.Rows = append(t.Rows, vals)
		}
		if err := rows.Close(); err != nil {
			return Schema{}, err
		}
		if err := rows.Err(); err != nil {
			return Schema{}, fmt.Errorf("dump: %s rows: %w", name, err)
		}
		s.Tables = append(s.Tables, t)
	}
	return s, nil
}

func quoteNames(cols []string) string {
	q := make([]string, len(cols))
	for i, c := range cols {
		q[i] = "`" + c + "`"
	}
	return strings.Join(q, ", ")
}

// Replay creates s's tables in db's (empty) database and inserts their rows. Foreign keys are
// not checked meanwhile, so the order of the tables does not matter.
func Replay(ctx context.Context, db *sqlx.DB, s Schema) error {
	conn, err := db.Connx(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SET SESSION foreign_key_checks = 0"); err != nil {
		return err
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "SET SESSION foreign_key_checks = 1") //nolint:errcheck // the pool is the caller's
	for _, t := range s.Tables {
		if _, err := conn.ExecContext(ctx, t.Create); err != nil {
			return fmt.Errorf("replay: %s: %w", t.Name, err)
		}
		if err := insertRows(ctx, conn, t); err != nil {
			return err
		}
	}
	return nil
}

// execer is a connection or a transaction.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// insertRows writes t's rows, 200 to a statement.
func insertRows(ctx context.Context, conn execer, t Table) error {
	const batch = 200
	one := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(t.Columns)), ", ") + ")"
	for start := 0; start < len(t.Rows); start += batch {
		rows := t.Rows[start:min(start+batch, len(t.Rows))]
		var args []any
		for _, r := range rows {
			args = append(args, r...)
		}
		q := "INSERT INTO `" + t.Name + "` (" + quoteNames(t.Columns) + ") VALUES " +
			strings.TrimSuffix(strings.Repeat(one+", ", len(rows)), ", ")
		if _, err := conn.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("replay: %s rows: %w", t.Name, err)
		}
	}
	return nil
}

// MySQLDSNOf is MySQLDSN with the tables and rows of s (a Dump) instead of the migrated schema:
// for data that is costly to make, made once per test binary and copied to each test (the
// console's demo data).
func MySQLDSNOf(tb testing.TB, s *Schema) string {
	tb.Helper()
	return pools.database(tb, s)
}

func replay(tb testing.TB, dsn string, s Schema) {
	tb.Helper()
	db, err := sqldb.Open(sqldb.Options{DSN: dsn, MaxOpenConns: 1, MaxIdleConns: 1})
	if err != nil {
		tb.Fatalf("testenv: %v", err)
	}
	defer db.Close()
	if err := Replay(context.Background(), db, s); err != nil {
		tb.Fatalf("testenv: %v", err)
	}
}
