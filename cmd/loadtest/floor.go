package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/jmoiron/sqlx"
	"github.com/redis/go-redis/v9"

	"huixiang/internal/app"
	"huixiang/internal/config"
	"huixiang/internal/sqldb"
)

// floorRows is how many rows the floor's table holds; requests walk through them.
const floorRows = 16

// floorTable is created in the database the DSN names (the bench's own database).
const floorTable = "loadtest_floor"

type floorRow struct {
	ID        int64     `db:"id" json:"id"`
	Name      string    `db:"name" json:"name"`
	CreatedAt time.Time `db:"created_at" json:"created_at"`
}

type floorResponse struct {
	Row   floorRow `json:"row"`
	Value string   `json:"value"`
}

// runFloor serves the floor until ctx ends. The pools are built the way the real server builds
// them (sqldb.Open, app.NewRedis) with the real server's default sizes, so the only difference
// left is what the server does around the same two round trips.
func runFloor(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	def := config.Default()
	fs := flag.NewFlagSet("floor", flag.ContinueOnError)
	fs.SetOutput(stdout)
	addr := fs.String("addr", "127.0.0.1:8090", "listen address")
	dsn := fs.String("mysql", "", "MySQL DSN of the database to create the floor table in (default $HX_MYSQL_DSN)")
	redisAddr := fs.String("redis", "", "Redis address (default $HX_REDIS_ADDR, else "+def.Redis.Addr+")")
	prefix := fs.String("key-prefix", "", "Redis key prefix (default $HX_REDIS_KEY_PREFIX, else hxfloor:)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("floor: unexpected arguments %q", fs.Args())
	}
	*dsn = firstNonEmpty(*dsn, getenv("HX_MYSQL_DSN"))
	if *dsn == "" {
		return errors.New("floor: -mysql (or HX_MYSQL_DSN) is required")
	}
	rc := def.Redis
	rc.Addr = firstNonEmpty(*redisAddr, getenv("HX_REDIS_ADDR"), def.Redis.Addr)
	key := firstNonEmpty(*prefix, getenv("HX_REDIS_KEY_PREFIX"), "hxfloor:") + "floor"

	db, err := sqldb.Open(sqldb.Options{DSN: *dsn, MaxOpenConns: def.MySQL.MaxOpenConns, MaxIdleConns: def.MySQL.MaxIdleConns,
		ConnMaxLifetime: def.MySQL.ConnMaxLifetime, QueryTimeout: def.MySQL.QueryTimeout})
	if err != nil {
		return err
	}
	defer db.Close()
	rdb := app.NewRedis(rc)
	defer rdb.Close()

	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	err = prepareFloor(sctx, db, rdb, key)
	cancel()
	if err != nil {
		return err
	}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           floorHandler(db, rdb, key),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       def.HTTP.ReadTimeout,
		WriteTimeout:      def.HTTP.WriteTimeout,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          log.New(stdout, "floor: http: ", 0),
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	fmt.Fprintf(stdout, "floor: listening on %s (GET /floor, GET /healthz; mysql pool %d/%d, redis pool %d)\n",
		ln.Addr(), def.MySQL.MaxOpenConns, def.MySQL.MaxIdleConns, rc.PoolSize)
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	shCtx, shCancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer shCancel()
	if err := srv.Shutdown(shCtx); err != nil {
		return err
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// prepareFloor creates and fills the floor's table and sets its Redis key (for a day at most,
// so a run that dies before its cleanup leaves nothing forever).
func prepareFloor(ctx context.Context, db *sqlx.DB, rdb redis.UniversalClient, key string) error {
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS `+floorTable+` (
		id         BIGINT UNSIGNED NOT NULL,
		name       VARCHAR(64) NOT NULL,
		created_at DATETIME(3) NOT NULL,
		PRIMARY KEY (id)
	) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci`); err != nil {
		return fmt.Errorf("floor: create table: %w", err)
	}
	now := time.Now().UTC()
	for i := 1; i <= floorRows; i++ {
		if _, err := db.ExecContext(ctx, `REPLACE INTO `+floorTable+` (id, name, created_at) VALUES (?, ?, ?)`,
			i, "floor row "+strconv.Itoa(i), now); err != nil {
			return fmt.Errorf("floor: fill table: %w", err)
		}
	}
	if err := rdb.Set(ctx, key, `{"k":"user","s":1}`, 24*time.Hour).Err(); err != nil {
		return fmt.Errorf("floor: redis set: %w", err)
	}
	return nil
}

// floorHandler is gin.New() with no middleware and one real route (plus /healthz for the
// script's readiness wait).
func floorHandler(db *sqlx.DB, rdb redis.UniversalClient, key string) http.Handler {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	var n atomic.Uint64
	r.GET("/healthz", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) })
	r.GET("/floor", func(c *gin.Context) {
		ctx := c.Request.Context()
		v, err := rdb.Get(ctx, key).Result()
		if err != nil {
			c.JSON(http.StatusServiceUnavailable, gin.H{"error": "redis: " + err.Error()})
			return
		}
		var row floorRow
		id := n.Add(1)%floorRows + 1
		if err := db.GetContext(ctx, &row, `SELECT id, name, created_at FROM `+floorTable+` WHERE id = ?`, id); err != nil {
			c.JSON(http.StatusServiceUnavailable, gin.H{"error": "mysql: " + err.Error()})
			return
		}
		c.JSON(http.StatusOK, floorResponse{Row: row, Value: v})
	})
	return r
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}
