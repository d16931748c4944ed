package notify_test

import (
	"math"
	"testing"

	"huixiang/internal/sqldb"
)

// TestPaging_hugePageIsClamped_notAnOverflow: the service bounds its OFFSET itself (sqldb.Offset),
// whatever page number its caller passes.
func TestPaging_hugePageIsClamped_notAnOverflow(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	if _, err := e.svc.Inbox(t.Context(), 1, sqldb.PageRequest{Page: math.MaxInt, PageSize: 20}); err != nil {
		t.Fatalf("Inbox: %v", err)
	}
	if _, err := e.svc.ListOutbox(t.Context(), "", sqldb.PageRequest{Page: math.MaxInt, PageSize: 100}); err != nil {
		t.Fatalf("ListOutbox: %v", err)
	}
}
