// Package sqldb opens MySQL (READ COMMITTED, parameters interpolated on the client), runs
// transactions with retries, applies the embedded migrations, turns driver error numbers into
// sentinels, and holds the shared paging types (PageRequest, Page) and the in-process Cached
// copy of small tables. It is the only non-test package that imports go-sql-driver/mysql besides
// internal/testenv, which creates the test databases (depguard in .golangci.yml enforces this).
package sqldb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jmoiron/sqlx"
)

// Sentinels for the MySQL errors that callers branch on.
var (
	// ErrDuplicate is a unique-key violation (1062).
	ErrDuplicate = errors.New("sqldb: duplicate key")
	// ErrDeadlock is a deadlock or lock wait timeout (1213, 1205); the transaction may be retried.
	ErrDeadlock = errors.New("sqldb: deadlock")
	// ErrBadValue is a value the column cannot hold or be compared with: non-ASCII text against an
	// ascii code column (1267 illegal mix of collations, 1366 incorrect string value). It is the
	// caller's input at fault, never the server's.
	ErrBadValue = errors.New("sqldb: value not valid for the column")
	// ErrReferenced is a row a FOREIGN KEY of another table still points at (1451): the delete
	// or key change is refused, and the caller says what still uses it.
	ErrReferenced = errors.New("sqldb: row is referenced")
	// ErrBusy means Retry gave up: every attempt lost a race (deadlock, lock wait timeout or
	// duplicate key). It wraps the last attempt's error; the client may try again shortly.
	ErrBusy = errors.New("sqldb: busy, retries exhausted")
	// ErrSchemaOutdated means the database schema is older than the code.
	ErrSchemaOutdated = errors.New("sqldb: schema is older than the code")
)

// Options configures the pool.
type Options struct {
	DSN             string
	MaxOpenConns    int
	MaxIdleConns    int
	ConnMaxLifetime time.Duration
	// QueryTimeout bounds every read and write on a connection (the driver's readTimeout and
	// writeTimeout), so a stalled server fails a query instead of hanging it.
	QueryTimeout time.Duration
}

// Open parses the DSN, forces the settings the code relies on (UTC, parseTime, utf8mb4, I/O
// timeouts) and opens a pool. It does not ping: a server that starts before MySQL still starts.
func Open(o Options) (*sqlx.DB, error) {
	cfg, err := mysql.ParseDSN(o.DSN)
	if err != nil {
		return nil, fmt.Errorf("sqldb: parse dsn: %w", err)
	}
	cfg.ParseTime = true
	cfg.Loc = time.UTC
	if cfg.Params == nil {
		cfg.Params = map[string]string{}
	}
	cfg.Params["time_zone"] = "'+00:00'"
	cfg.Params["charset"] = "utf8mb4"
	cfg.Collation = "utf8mb4_unicode_ci"
	// Client-side interpolation: one round trip per statement instead of prepare, execute and
	// close. Safe with utf8mb4 (the driver refuses it for charsets where it is not).
	cfg.InterpolateParams = true
	if o.QueryTimeout > 0 {
		cfg.ReadTimeout = o.QueryTimeout
		cfg.WriteTimeout = o.QueryTimeout
		if cfg.Timeout == 0 || cfg.Timeout > o.QueryTimeout {
			cfg.Timeout = o.QueryTimeout
		}
	}
	// Round-trip through the DSN text: parameters such as charset are only understood there.
	final, err := mysql.ParseDSN(cfg.FormatDSN())
	if err != nil {
		return nil, fmt.Errorf("sqldb: dsn: %w", err)
	}
	connector, err := mysql.NewConnector(final)
	if err != nil {
		return nil, fmt.Errorf("sqldb: open: %w", err)
	}
	db := sqlx.NewDb(sql.OpenDB(readCommitted{connector}), "mysql")
	db.SetMaxOpenConns(o.MaxOpenConns)
	db.SetMaxIdleConns(o.MaxIdleConns)
	db.SetConnMaxLifetime(o.ConnMaxLifetime)
	db.SetConnMaxIdleTime(5 * time.Minute)
	return db, nil
}

// WithTx runs fn in a READ COMMITTED transaction. It commits when fn returns nil and returns the
// commit's own error; it rolls back on every other path, panics included. The error fn returns
// and the commit's pass through Classify, so a deadlock or duplicate key that fn wrapped without
// classifying is still ErrDeadlock or ErrDuplicate to the caller.
//
// READ COMMITTED because correctness here rests on row locks, unique keys and conditional
// updates, never on snapshots or gap locks: locking reads of rows that do not exist take no gap
// locks, so concurrent inserts of different keys cannot deadlock, and the same code behaves the
// same on TiDB.
func WithTx(ctx context.Context, db *sqlx.DB, fn func(tx *sqlx.Tx) error) (err error) {
	tx, err := db.BeginTxx(ctx, nil) // READ COMMITTED: set once per connection, see readCommitted
	if err != nil {
		return fmt.Errorf("sqldb: begin: %w", Classify(err))
	}
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback()
			panic(p)
		}
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	if err = fn(tx); err != nil {
		return Classify(err)
	}
	if err = tx.Commit(); err != nil {
		return fmt.Errorf("sqldb: commit: %w", Classify(err))
	}
	return nil
}

// Classify wraps MySQL errors that callers branch on with a sentinel, keeping the original.
// An error classified already is returned as it is.
func Classify(err error) error {
	if errors.Is(err, ErrDuplicate) || errors.Is(err, ErrDeadlock) {
		return err
	}
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		switch me.Number {
		case 1062:
			return fmt.Errorf("%w: %w", ErrDuplicate, err)
		case 1213, 1205:
			return fmt.Errorf("%w: %w", ErrDeadlock, err)
		case 1267, 1366:
			return fmt.Errorf("%w: %w", ErrBadValue, err)
		case 1451:
			return fmt.Errorf("%w: %w", ErrReferenced, err)
		}
	}
	return err
}

// Retry runs WithTx again, up to attempts times in all, while it fails with ErrDuplicate or
// ErrDeadlock: two transactions raced to create the same row, and the loser finds the winner's
// row on its next try. A short random pause lets the winner commit first. When every attempt
// lost, the error is ErrBusy wrapping the last one (errors.Is still sees ErrDuplicate or
// ErrDeadlock), so the client is told to come back rather than shown a server fault.
func Retry(ctx context.Context, db *sqlx.DB, attempts int, fn func(tx *sqlx.Tx) error) error {
	var err error
	for i := range attempts {
		if i > 0 {
			select {
			case <-ctx.Done():
				return fmt.Errorf("%w: %w", ErrBusy, err)
			case <-time.After(time.Duration(2+rand.IntN(8*i)) * time.Millisecond):
			}
		}
		err = WithTx(ctx, db, fn)
		if !errors.Is(err, ErrDuplicate) && !errors.Is(err, ErrDeadlock) {
			return err
		}
	}
	if err == nil { // attempts < 1: nothing ran
		return nil
	}
	return fmt.Errorf("%w: %w", ErrBusy, err)
}

// readCommitted sets every new connection's session to READ COMMITTED, once, instead of a SET
// TRANSACTION before every BEGIN (a round trip per transaction). The statement is the same on
// MySQL, MariaDB and TiDB, unlike the name of the variable a DSN parameter would have to set.
type readCommitted struct{ driver.Connector }

func (c readCommitted) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	ex, ok := conn.(driver.ExecerContext)
	if !ok {
		conn.Close()
		return nil, errors.New("sqldb: driver connection cannot execute statements")
	}
	if _, err := ex.ExecContext(ctx, "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED", nil); err != nil {
		conn.Close()
		return nil, fmt.Errorf("sqldb: set isolation: %w", err)
	}
	return conn, nil
}

// IsUnavailable reports whether err means the database could not be reached or broke the
// connection, as opposed to rejecting the query.
func IsUnavailable(err error) bool {
	return errors.Is(err, mysql.ErrInvalidConn) || errors.Is(err, sql.ErrConnDone)
}
