package httpapi

import (
	"io"
	"log/slog"
	"regexp"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"gopkg.in/yaml.v3"
)

// TestOpenAPI_documentsEveryRoute fails when a route is registered but missing from openapi.yaml,
// or documented but not registered.
func TestOpenAPI_documentsEveryRoute(t *testing.T) {
	t.Parallel()
	h := New(Deps{Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Registry: prometheus.NewRegistry(), MaxBodyBytes: 1 << 20})
	engine := h.(*gin.Engine)
	var doc struct {
		Paths map[string]map[string]any `yaml:"paths"`
	}
	if err := yaml.Unmarshal(openapiYAML, &doc); err != nil {
		t.Fatalf("openapi.yaml: %v", err)
	}
	param := regexp.MustCompile(`:([A-Za-z_]+)`)
	registered := map[string]bool{}
	for _, r := range engine.Routes() {
		path := param.ReplaceAllString(r.Path, "{$1}")
		key := strings.ToLower(r.Method) + " " + path
		registered[key] = true
		if _, ok := doc.Paths[path][strings.ToLower(r.Method)]; !ok {
			t.Errorf("route %s %s is not in openapi.yaml", r.Method, path)
		}
	}
	for path, ops := range doc.Paths {
		for method := range ops {
			if method == "parameters" || method == "summary" || method == "description" {
				continue // path-level keys, not operations
			}
			if !registered[method+" "+path] {
				t.Errorf("openapi.yaml documents %s %s, which is not registered", strings.ToUpper(method), path)
			}
		}
	}
}
