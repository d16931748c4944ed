package sqldb

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"log/slog"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/pressly/goose/v3"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrationLock serialises migrations across replicas that start at once. A named lock is
// server-wide, so the lock names the database: migrations of other databases on the same server
// (every test package has its own) do not wait for each other.
const migrationLock = "CONCAT('huixiang_migrate_', SHA1(DATABASE()))" // an SQL expression

func provider(db *sqlx.DB) (*goose.Provider, error) {
	sub, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		return nil, err
	}
	return goose.NewProvider(goose.DialectMySQL, db.DB, sub, goose.WithDisableGlobalRegistry(true))
}

// migrateLockWait is how long a server waits for another one's migrations before giving up.
const migrateLockWait = 2 * time.Minute

// Migrate applies every pending migration, holding a named lock so that several servers starting
// together apply each migration once.
func Migrate(ctx context.Context, db *sqlx.DB, log *slog.Logger) error {
	p, err := provider(db)
	if err != nil {
		return fmt.Errorf("sqldb: migrations: %w", err)
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("sqldb: migrate: %w", err)
	}
	defer conn.Close()
	// Wait for the lock in short GET_LOCKs: one long wait would outlast the connection's read
	// timeout (QueryTimeout, 5 s by default) while another replica migrates, and the driver would
	// drop the connection as dead.
	var got sql.NullInt64
	for deadline := time.Now().Add(migrateLockWait); ; {
		if err := conn.QueryRowContext(ctx, "SELECT GET_LOCK("+migrationLock+", ?)", 1).Scan(&got); err != nil {
			return fmt.Errorf("sqldb: migrate lock: %w", err)
		}
		if got.Int64 == 1 {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("sqldb: migrate lock: not acquired in %s", migrateLockWait)
		}
	}
	defer func() {
		// A failed release means a broken connection, which the server drops with its lock.
		_, _ = conn.ExecContext(context.WithoutCancel(ctx), "SELECT RELEASE_LOCK("+migrationLock+")")
	}()
	start := time.Now()
	res, err := p.Up(ctx)
	if err != nil {
		return fmt.Errorf("sqldb: migrate: %w", err)
	}
	for _, r := range res {
		log.Info("migration applied", "version", r.Source.Version, "file", r.Source.Path, "took", r.Duration.String())
	}
	if len(res) > 0 {
		log.Info("migrations done", "count", len(res), "took", time.Since(start).String())
	}
	return nil
}

// CheckSchema returns ErrSchemaOutdated when migrations are pending, so the server refuses to run
// on a schema older than its code.
func CheckSchema(ctx context.Context, db *sqlx.DB) error {
	p, err := provider(db)
	if err != nil {
		return fmt.Errorf("sqldb: migrations: %w", err)
	}
	current, target, err := p.GetVersions(ctx)
	if err != nil {
		return fmt.Errorf("sqldb: schema version: %w", err)
	}
	if current < target {
		return fmt.Errorf("%w: database at version %d, code needs %d (run `server migrate`)", ErrSchemaOutdated, current, target)
	}
	return nil
}
