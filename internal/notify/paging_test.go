package notify_test

import (
	"math"
	"testing"
)

// TestPaging_hugePageIsClamped_notAnOverflow: the service bounds its OFFSET itself (sqldb.Offset),
// whatever page number its caller passes.
func TestPaging_hugePageIsClamped_notAnOverflow(t *testing.T) {
	e := newEnv(t)
	if _, err := e.svc.Inbox(t.Context(), 1, math.MaxInt, 20); err != nil {
		t.Fatalf("Inbox: %v", err)
	}
	if _, err := e.svc.ListOutbox(t.Context(), "", math.MaxInt, 100); err != nil {
		t.Fatalf("ListOutbox: %v", err)
	}
}
