package httpapi

import (
	"fmt"
	"testing"
	"time"

	"huixiang/internal/ratelimit"
	"huixiang/internal/staff"
)

func TestClassify_signInRefusals(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		err    error
		status int
		code   string
		retry  bool
	}{
		{fmt.Errorf("x: %w", &ratelimit.LimitedError{RetryAfter: 3 * time.Second}), 429, "RATE_LIMITED", true},
		{staff.ErrBusy, 503, "BUSY", true},
		{&staff.LockedError{RetryAfter: time.Minute}, 423, "ACCOUNT_LOCKED", true},
		{&staff.WeakPasswordError{Reason: staff.WeakCommon}, 422, "WEAK_PASSWORD", false},
		{staff.ErrWrongPassword, 422, "WRONG_PASSWORD", false},
	} {
		ae := classify(c.err)
		if ae.Status != c.status || ae.Code != c.code || (ae.RetryAfter > 0) != c.retry {
			t.Errorf("classify(%v) = %d %s %v", c.err, ae.Status, ae.Code, ae.RetryAfter)
		}
	}
}
