package httpapi_test

import (
	"strconv"
	"sync"
	"testing"
	"time"

	"huixiang/internal/config"
)

// Issue #8 item 11: one user could fill the disk with uploads. Six uploads at once against a
// quota of four files a day: exactly four are stored, two get 429 RATE_LIMITED with Retry-After
// (seconds until midnight in Beijing), and a later upload is turned away too.
func TestUpload_parallelOverDailyQuota_429RateLimitedWithRetryAfter(t *testing.T) {
	const n, quota = 6, 4
	e := newEnv(t, func(c *config.Config) { c.Upload.DailyFiles = quota })
	alice := e.signIn("o_up_quota")
	img := testPNG(t)
	results := make([]response, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { results[i] = e.uploadParts(alice.Token, formPart{field: "file", filename: "a.png", body: img}) })
	}
	wg.Wait()
	created, limited := 0, 0
	for _, r := range results {
		switch r.Status {
		case 201:
			created++
		case 429:
			limited++
			if code := r.errCode(t); code != "RATE_LIMITED" {
				t.Fatalf("code %s", code)
			}
			secs, err := strconv.Atoi(r.Header.Get("Retry-After"))
			if err != nil || secs < 1 || secs > int((24*time.Hour)/time.Second)+1 {
				t.Fatalf("Retry-After %q", r.Header.Get("Retry-After"))
			}
		default:
			t.Fatalf("status %d: %s", r.Status, r.Body)
		}
	}
	if created != quota || limited != n-quota {
		t.Fatalf("%d created, %d limited; want %d and %d", created, limited, quota, n-quota)
	}
	if got := e.storedFiles(); got != quota {
		t.Fatalf("%d files on disk, want %d", got, quota)
	}
	expect(t, e.uploadParts(alice.Token, formPart{field: "file", filename: "a.png", body: img}), 429, "RATE_LIMITED")
	bob := e.signIn("o_up_quota_bob")
	expect(t, e.uploadParts(bob.Token, formPart{field: "file", filename: "b.png", body: img}), 201, "")
}
