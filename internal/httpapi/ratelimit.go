package httpapi

import (
	"time"

	"github.com/gin-gonic/gin"

	"huixiang/internal/ratelimit"
)

// rateLimit refuses a request over its route's limit per signed-in user (when there is one) or
// per client address, with 429 RATE_LIMITED and Retry-After. It guards the calls that spend
// WeChat quota; each route counts apart, so saving a form never uses up phone binding. Both
// counters are asked in one Redis round trip; a refused request counts under neither.
func rateLimit(l *ratelimit.Limiter, window time.Duration, perIP, perUser int) gin.HandlerFunc {
	return func(c *gin.Context) {
		checks := make([]ratelimit.Check, 0, 2)
		if sess := currentSession(c); sess.SubjectID != 0 {
			checks = append(checks, ratelimit.Check{Rule: ratelimit.Rule{Name: "user:" + string(sess.Kind) + ":" + c.FullPath(),
				Limit: perUser, Window: window}, Key: ratelimit.IDKey(sess.SubjectID)})
		}
		checks = append(checks, ratelimit.Check{Rule: ratelimit.Rule{Name: "ip:" + c.FullPath(), Limit: perIP, Window: window},
			Key: c.ClientIP()})
		if err := l.AllowAll(c.Request.Context(), checks...); err != nil {
			respondError(c, err)
			return
		}
		c.Next()
	}
}
