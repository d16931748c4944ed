package sqldb_test

import (
	"math"
	"testing"

	"huixiang/internal/sqldb"
)

func TestOffset_hugePagesDoNotOverflow(t *testing.T) {
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
