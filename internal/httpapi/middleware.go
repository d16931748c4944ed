package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"regexp"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"huixiang/internal/actor"
	"huixiang/internal/audit"
	"huixiang/internal/session"
	"huixiang/internal/staff"
)

const (
	headerRequestID = "X-Request-ID"
	ctxLogger       = "hx.logger"
	ctxSession      = "hx.session"
)

// requestIDRE is a client request ID we keep: it goes into every log line and the audit log, so
// anything else (control characters, non-ASCII, 65+ characters) is replaced by our own.
var requestIDRE = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// requestIDs makes the IDs of requests that came without a sane one of their own: a random
// per-process prefix (48 bits) and a counter (48 bits), as 24 hex digits like the random IDs they
// replaced. The ID only has to be unique, for finding a request's lines in the logs and the audit
// log: it is sent back in X-Request-ID and a client may choose its own, so it was never a secret,
// and a counter needs no system call or randomness per request. The prefix keeps the IDs of
// replicas and restarts apart.
type requestIDs struct {
	prefix [6]byte
	n      atomic.Uint64
}

func newRequestIDs() *requestIDs {
	g := &requestIDs{}
	_, _ = rand.Read(g.prefix[:])
	return g
}

func (g *requestIDs) next() string {
	var raw [12]byte
	copy(raw[:6], g.prefix[:])
	n := g.n.Add(1)
	for i := 11; i >= 6; i-- {
		raw[i] = byte(n)
		n >>= 8
	}
	return hex.EncodeToString(raw[:])
}

// requestLogger is a request's logger carrying its ID, built on first use: most requests log
// nothing (production logs at warn), and building one costs a handler clone per request.
type requestLogger struct {
	base *slog.Logger
	id   string
	once sync.Once
	l    *slog.Logger
}

func (r *requestLogger) get() *slog.Logger {
	r.once.Do(func() { r.l = r.base.With("request_id", r.id) })
	return r.l
}

// requestContext gives every request an ID (the client's, when it sent a sane one), a logger that
// carries it, the audit metadata, and a deadline.
func requestContext(log *slog.Logger, timeout time.Duration) gin.HandlerFunc {
	ids := newRequestIDs()
	return func(c *gin.Context) {
		id := c.GetHeader(headerRequestID)
		if !requestIDRE.MatchString(id) {
			id = ids.next()
		}
		c.Writer.Header()[headerRequestID] = []string{id}
		c.Set(ctxLogger, &requestLogger{base: log, id: id})
		ctx := audit.WithRequest(c.Request.Context(), audit.Request{ClientIP: c.ClientIP(), RequestID: id})
		ctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		c.Request = c.Request.WithContext(ctx)
		c.Next()
	}
}

// securityHeaderValues are the headers securityHeaders sets, built once: each value slice is
// shared by every answer, with its capacity cut to its length so that an Add appends to a copy
// (Set and Del replace the slice, never write into it).
var securityHeaderValues = []struct {
	key   string
	value []string
}{
	{"Cache-Control", []string{"no-store"}[:1:1]},
	{"X-Content-Type-Options", []string{"nosniff"}[:1:1]},
	{"Referrer-Policy", []string{"no-referrer"}[:1:1]},
	{"X-Frame-Options", []string{"DENY"}[:1:1]},
	{"Content-Security-Policy", []string{"frame-ancestors 'none'"}[:1:1]},
}

// securityHeaders keeps API answers out of caches, MIME sniffing, referrers and frames: staff
// answers carry personal data, and no answer of this API is meant to be cached or framed.
// Handlers that want caching (none today) may override Cache-Control.
func securityHeaders() gin.HandlerFunc {
	return func(c *gin.Context) {
		h := c.Writer.Header()
		for _, kv := range securityHeaderValues {
			h[kv.key] = kv.value // the keys are canonical already
		}
		c.Next()
	}
}

func logger(c *gin.Context) *slog.Logger {
	if l, ok := c.Get(ctxLogger); ok {
		return l.(*requestLogger).get()
	}
	return slog.Default()
}

// logEnabled reports whether the request's logger writes at level, without building it.
func logEnabled(c *gin.Context, level slog.Level) bool {
	if l, ok := c.Get(ctxLogger); ok {
		return l.(*requestLogger).base.Enabled(c.Request.Context(), level)
	}
	return slog.Default().Enabled(c.Request.Context(), level)
}

// recovery turns a panic into the 500 envelope and logs it once with its stack.
func recovery() gin.HandlerFunc {
	return func(c *gin.Context) {
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler { //nolint:errorlint // p is the recovered panic value, not a returned error
					panic(p)
				}
				logger(c).Error("panic", "panic", p, "stack", string(debug.Stack()))
				if !c.Writer.Written() {
					var body errorBody
					body.Error.Code, body.Error.Message = errInternal.Code, errInternal.Message
					c.AbortWithStatusJSON(http.StatusInternalServerError, body)
				} else {
					c.Abort()
				}
			}
		}()
		c.Next()
	}
}

// accessLog writes one line per request at info level (off in production's warn level).
func accessLog() gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		if !logEnabled(c, slog.LevelInfo) {
			return
		}
		logger(c).Info("request", "method", c.Request.Method, "route", c.FullPath(), "path", c.Request.URL.Path,
			"status", c.Writer.Status(), "duration_ms", time.Since(start).Milliseconds(), "client_ip", c.ClientIP())
	}
}

// Metrics are the HTTP server's Prometheus collectors.
type Metrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	// routes caches the children of matched routes (routeKey → *routeMetrics), so that a request
	// does not hash its labels twice. Bounded: a matched route has one method, and its handlers
	// answer a handful of statuses. Unmatched requests (any method) take the vectors directly.
	routes sync.Map
}

type routeKey struct {
	method, route string
	status        int
}

type routeMetrics struct {
	requests prometheus.Counter
	latency  prometheus.Observer
}

// NewMetrics registers the collectors on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "huixiang_http_requests_total", Help: "HTTP requests by route and status.",
		}, []string{"method", "route", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "huixiang_http_request_duration_seconds", Help: "HTTP request latency by route.",
			Buckets: []float64{.001, .0025, .005, .01, .02, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"method", "route"}),
	}
	reg.MustRegister(m.requests, m.latency)
	return m
}

func (m *Metrics) children(method, route string, status int) *routeMetrics {
	k := routeKey{method, route, status}
	if v, ok := m.routes.Load(k); ok {
		return v.(*routeMetrics)
	}
	rm := &routeMetrics{
		requests: m.requests.WithLabelValues(method, route, strconv.Itoa(status)),
		latency:  m.latency.WithLabelValues(method, route),
	}
	m.routes.Store(k, rm)
	return rm
}

func (m *Metrics) middleware() gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		route := c.FullPath()
		if route == "" {
			route = "unmatched" // keeps label cardinality bounded
			m.requests.WithLabelValues(c.Request.Method, route, strconv.Itoa(c.Writer.Status())).Inc()
			m.latency.WithLabelValues(c.Request.Method, route).Observe(time.Since(start).Seconds())
			return
		}
		rm := m.children(c.Request.Method, route, c.Writer.Status())
		rm.requests.Inc()
		rm.latency.Observe(time.Since(start).Seconds())
	}
}

// limitBody refuses bodies over max: at once when Content-Length says so, else while reading.
func limitBody(max int64) gin.HandlerFunc {
	return func(c *gin.Context) {
		if c.Request.ContentLength > max {
			respondError(c, errTooLarge)
			return
		}
		if c.Request.Body != nil {
			c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, max)
		}
		c.Next()
	}
}

func bearer(c *gin.Context) string {
	h := c.GetHeader("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "Bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}

// requireSession admits requests whose bearer token is a live session of kind.
func requireSession(store *session.Store, kind session.Kind) gin.HandlerFunc {
	return func(c *gin.Context) {
		sess, err := store.Lookup(c.Request.Context(), kind, bearer(c))
		if err != nil {
			respondError(c, err)
			return
		}
		// Deny by default: a session on a one-time password opens only the password change.
		if sess.Attrs[staff.AttrMustChangePassword] != "" && !passwordChangeRoutes[c.FullPath()] {
			respondError(c, errPasswordChange)
			return
		}
		c.Set(ctxSession, sess)
		c.Next()
	}
}

// requireActor admits the signed-in actor when may answers true (a question of actor.Actor,
// e.g. actor.Actor.MayManageStaff), so a route group and the console ask the same question;
// it runs after requireSession.
func requireActor(may func(actor.Actor) bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		if !may(currentActor(c)) {
			respondError(c, errForbidden)
			return
		}
		c.Next()
	}
}

// currentActor is the signed-in staff member or user as an actor.Actor, the one type every
// feature takes to answer "may this actor do X".
func currentActor(c *gin.Context) actor.Actor {
	s := currentSession(c)
	if s.Kind == session.KindUser {
		return actor.User(s.SubjectID)
	}
	return staff.SessionActor(s.SubjectID, s.Attrs)
}

func currentSession(c *gin.Context) session.Session {
	s, _ := c.Get(ctxSession)
	sess, _ := s.(session.Session)
	return sess
}

// decode reads a JSON body into v; on failure it answers 400 (or 413) and returns false. It
// decodes as gin's ShouldBindJSON does, without that one's struct validation: no request type of
// this API has binding tags, and the validator's walk over v cost every write a few µs.
func decode(c *gin.Context, v any) bool {
	err := errors.New("no body")
	if c.Request.Body != nil {
		err = json.NewDecoder(c.Request.Body).Decode(v)
	}
	if err != nil {
		var maxBytes *http.MaxBytesError
		if errors.As(err, &maxBytes) {
			respondError(c, errTooLarge)
		} else {
			respondError(c, errBadJSON)
		}
		return false
	}
	return true
}
