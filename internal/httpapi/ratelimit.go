package httpapi

import (
	"time"

	"github.com/gin-gonic/gin"

	"huixiang/internal/ratelimit"
)

// rateLimit refuses a request over its route's limit per signed-in user (when there is one) or
// per client address, with 429 RATE_LIMITED and Retry-After. It guards the calls that spend
// WeChat quota; each route counts apart, so saving a form never uses up phone binding.
func rateLimit(l *ratelimit.Limiter, window time.Duration, perIP, perUser int) gin.HandlerFunc {
	return func(c *gin.Context) {
		ctx := c.Request.Context()
		route := c.FullPath()
		if sess := currentSession(c); sess.SubjectID != 0 {
			rule := ratelimit.Rule{Name: "user:" + string(sess.Kind) + ":" + route, Limit: perUser, Window: window}
			if err := l.Allow(ctx, rule, ratelimit.IDKey(sess.SubjectID)); err != nil {
				respondError(c, err)
				return
			}
		}
		if err := l.Allow(ctx, ratelimit.Rule{Name: "ip:" + route, Limit: perIP, Window: window}, c.ClientIP()); err != nil {
			respondError(c, err)
			return
		}
		c.Next()
	}
}
