package sqldb_test

import (
	"math"
	"testing"

	"huixiang/internal/sqldb"
)

func TestOffset_hugePagesDoNotOverflow(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ page, size, want int }{
		{1, 20, 0}, {2, 20, 20}, {0, 20, 0}, {-5, 20, 0},
		{math.MaxInt, 100, (sqldb.MaxPage - 1) * 100}, {math.MaxInt, math.MaxInt, (sqldb.MaxPage - 1) * 1000},
		{3, -1, 0},
	} {
		if got := sqldb.Offset(c.page, c.size); got != c.want {
			t.Errorf("Offset(%d, %d) = %d, want %d", c.page, c.size, got, c.want)
		}
	}
}

func TestPageRequest_normAndNewPage(t *testing.T) {
	t.Parallel()
	r := sqldb.PageRequest{Page: 0, PageSize: 0}.Norm()
	if r.Page != 1 || r.PageSize != sqldb.DefaultPageSize {
		t.Fatalf("defaults = %+v", r)
	}
	big := sqldb.PageRequest{Page: 1 << 62, PageSize: 5000}
	if big.Limit() != sqldb.MaxPageSize || big.Offset() != (sqldb.MaxPage-1)*sqldb.MaxPageSize {
		t.Fatalf("bounds: limit %d offset %d", big.Limit(), big.Offset())
	}
	p := sqldb.NewPage[int](sqldb.PageRequest{Page: 2, PageSize: 10}, nil, 11)
	if p.Items == nil || p.Page != 2 || p.PageSize != 10 || p.Total != 11 {
		t.Fatalf("page = %+v", p)
	}
}
