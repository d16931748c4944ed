package main

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"huixiang/internal/testenv"
)

// TestRun_metricsOnTheirOwnListener: /metrics is served on HX_METRICS_ADDR only; the public port
// answers 404 for it, and the metrics listener stops with the server.
func TestRun_metricsOnTheirOwnListener(t *testing.T) {
	t.Parallel()
	vars := baseEnv(t, testenv.MySQLDSN(t))
	ctx, cancel := context.WithCancel(context.Background())
	var out syncBuffer
	done := make(chan error, 1)
	go func() { done <- run(ctx, nil, func(k string) string { return vars[k] }, &out, &out) }()
	var once sync.Once
	var stopErr error
	stop := func() error {
		once.Do(func() {
			cancel()
			select {
			case stopErr = <-done:
			case <-time.After(25 * time.Second):
				stopErr = errors.New("run did not return after cancel")
			}
		})
		return stopErr
	}
	defer stop()

	public, metrics := "http://"+vars["HX_HTTP_ADDR"], "http://"+vars["HX_METRICS_ADDR"]
	get := func(url string) (int, string, error) {
		res, err := http.Get(url)
		if err != nil {
			return 0, "", err
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b), nil
	}
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if status, _, err := get(public + "/healthz"); err == nil && status == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("server never became healthy:\n%s", out.String())
		}
	}
	if status, _, err := get(public + "/metrics"); err != nil || status != 404 {
		t.Fatalf("public /metrics: %d %v, want 404", status, err)
	}
	status, body, err := get(metrics + "/metrics")
	if err != nil || status != 200 || !strings.Contains(body, `huixiang_http_requests_total{method="GET",route="/healthz",status="200"}`) {
		t.Fatalf("metrics listener /metrics: %d %v\n%.500s", status, err, body)
	}
	if status, _, err := get(metrics + "/healthz"); err != nil || status != 404 {
		t.Fatalf("metrics listener serves more than /metrics: /healthz %d %v", status, err)
	}

	if err := stop(); err != nil {
		t.Fatalf("run returned %v", err)
	}
	if _, _, err := get(metrics + "/metrics"); err == nil {
		t.Fatal("metrics listener still answers after shutdown")
	}
}
