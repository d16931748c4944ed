package audit

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"
)

// ExplainKeys is the possible_keys and key of EXPLAIN for f's count query, for tests.
func ExplainKeys(ctx context.Context, db sqlx.QueryerContext, f Filter) (string, error) {
	where, args := f.where()
	rows, err := db.QueryxContext(ctx, `EXPLAIN SELECT 1 FROM audit_log`+where, args...)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	out := ""
	for rows.Next() {
		m := map[string]any{}
		if err := rows.MapScan(m); err != nil {
			return "", err
		}
		out += fmt.Sprintf("%s %s", m["possible_keys"], m["key"])
	}
	return out, rows.Err()
}
