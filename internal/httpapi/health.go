package httpapi

import (
	"context"
	_ "embed"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/jmoiron/sqlx"
	"github.com/redis/go-redis/v9"
)

//go:embed openapi.yaml
var openapiYAML []byte

func handleHealthz() gin.HandlerFunc {
	return func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) }
}

// handleReadyz answers 200 only when MySQL and Redis both answer, so a load balancer keeps
// traffic away from a replica that cannot serve it.
func handleReadyz(db *sqlx.DB, rdb redis.UniversalClient) gin.HandlerFunc {
	return func(c *gin.Context) {
		ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
		defer cancel()
		status, code := map[string]string{"mysql": "ok", "redis": "ok"}, http.StatusOK
		if err := db.PingContext(ctx); err != nil {
			status["mysql"], code = "unavailable", http.StatusServiceUnavailable
		}
		if err := rdb.Ping(ctx).Err(); err != nil {
			status["redis"], code = "unavailable", http.StatusServiceUnavailable
		}
		c.JSON(code, status)
	}
}

func handleOpenAPI() gin.HandlerFunc {
	return func(c *gin.Context) { c.Data(http.StatusOK, "application/yaml; charset=utf-8", openapiYAML) }
}
