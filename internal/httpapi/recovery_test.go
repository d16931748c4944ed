package httpapi

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
)

func TestRecovery_panicBecomes500EnvelopeLoggedOnce(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	r := gin.New()
	r.Use(requestContext(slog.New(slog.NewJSONHandler(&logs, nil)), time.Second), recovery())
	r.GET("/boom", func(c *gin.Context) { panic("kaboom") })
	w := httptest.NewRecorder()
	r.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/boom", nil))
	if w.Code != 500 || w.Body.String() != `{"error":{"code":"INTERNAL","message":"服务器内部错误，请稍后重试"}}` {
		t.Fatalf("got %d %s", w.Code, w.Body)
	}
	if n := strings.Count(logs.String(), `"msg":"panic"`); n != 1 {
		t.Fatalf("panic logged %d times:\n%s", n, logs.String())
	}
	if !strings.Contains(logs.String(), w.Header().Get("X-Request-ID")) {
		t.Fatal("panic log lacks the request ID")
	}
}
