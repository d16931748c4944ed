package upload_test

import (
	"bytes"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"huixiang/internal/testenv"
	"huixiang/internal/upload"
)

// One user firing N uploads at once with a quota of N-2 files gets exactly N-2 through; the rest
// are told when to come back, and their bytes are not kept.
func TestSave_parallelUploadsOverFileQuota_exactlyQuotaSucceed(t *testing.T) {
	t.Parallel()
	const n, quota = 10, 8
	f := newFixture(t, testenv.MySQL(t), func(o *upload.Options) { o.DailyFiles, o.DailyBytes = quota, 1<<30 })
	var wg sync.WaitGroup
	var ok, refused atomic.Int32
	for range n {
		wg.Go(func() {
			_, err := f.svc.Create(t.Context(), 9, upload.KindOther, "p.png", bytes.NewReader(pngBytes(t)))
			var qe *upload.QuotaError
			switch {
			case err == nil:
				ok.Add(1)
			case errors.As(err, &qe) && errors.Is(err, upload.ErrQuotaExceeded):
				if qe.RetryAfter <= 0 || qe.RetryAfter > 24*time.Hour+time.Second {
					t.Errorf("retry after %v", qe.RetryAfter)
				}
				refused.Add(1)
			default:
				t.Errorf("upload: %v", err)
			}
		})
	}
	wg.Wait()
	if ok.Load() != quota || refused.Load() != n-quota {
		t.Fatalf("%d uploads succeeded and %d were refused, want %d and %d", ok.Load(), refused.Load(), quota, n-quota)
	}
	var rows int
	if err := f.db.Get(&rows, `SELECT COUNT(*) FROM uploads WHERE owner_user_id = 9`); err != nil || rows != quota {
		t.Fatalf("%d rows (%v), want %d", rows, err, quota)
	}
	if got := len(files(t, f.dir)); got != quota {
		t.Fatalf("%d files stored, want %d", got, quota)
	}
	// The early check now refuses before any byte is read; another user is not affected.
	if err := f.svc.CheckQuota(t.Context(), 9); !errors.Is(err, upload.ErrQuotaExceeded) {
		t.Fatalf("CheckQuota = %v", err)
	}
	if _, err := f.svc.Create(t.Context(), 10, upload.KindOther, "p.png", bytes.NewReader(pngBytes(t))); err != nil {
		t.Fatalf("another user: %v", err)
	}
	// The quota is per Beijing calendar day: the next day the user may upload again.
	f.clock.advance(24 * time.Hour)
	if _, err := f.svc.Create(t.Context(), 9, upload.KindOther, "p.png", bytes.NewReader(pngBytes(t))); err != nil {
		t.Fatalf("next day: %v", err)
	}
}

func TestSave_overByteQuota_refused(t *testing.T) {
	t.Parallel()
	img := pngBytes(t)
	f := newFixture(t, testenv.MySQL(t), func(o *upload.Options) { o.DailyFiles, o.DailyBytes = 100, int64(2*len(img)+1) })
	for i := range 3 {
		_, err := f.svc.Create(t.Context(), 3, upload.KindOther, "p.png", bytes.NewReader(img))
		if want := i < 2; want != (err == nil) {
			t.Fatalf("upload %d: %v", i, err)
		}
		if i == 2 && !errors.Is(err, upload.ErrQuotaExceeded) {
			t.Fatalf("third upload: %v, want ErrQuotaExceeded", err)
		}
	}
}
