package returnee

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"huixiang/internal/testenv"
)

// explainer runs EXPLAIN for every query it is asked, records the plan rows, then runs the query.
type explainer struct {
	db    *sqlx.DB
	plans []string
	t     *testing.T
}

func (e *explainer) explain(ctx context.Context, q string, args ...any) {
	rows, err := e.db.QueryxContext(ctx, "EXPLAIN "+q, args...)
	if err != nil {
		e.t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		m := map[string]any{}
		if err := rows.MapScan(m); err != nil {
			e.t.Fatal(err)
		}
		str := func(k string) string {
			if b, ok := m[k].([]byte); ok {
				return string(b)
			}
			return fmt.Sprint(m[k])
		}
		e.plans = append(e.plans, fmt.Sprintf("table=%s type=%s key=%s possible=%s rows=%s extra=%s | %s", str("table"), str("type"), str("key"), str("possible_keys"), str("rows"), str("Extra"), strings.Join(strings.Fields(q), " ")))
	}
}

func (e *explainer) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	e.explain(ctx, q, args...)
	return e.db.QueryContext(ctx, q, args...)
}

func (e *explainer) QueryxContext(ctx context.Context, q string, args ...any) (*sqlx.Rows, error) {
	e.explain(ctx, q, args...)
	return e.db.QueryxContext(ctx, q, args...)
}

func (e *explainer) QueryRowxContext(ctx context.Context, q string, args ...any) *sqlx.Row {
	e.explain(ctx, q, args...)
	return e.db.QueryRowxContext(ctx, q, args...)
}

// TestDashboardQueries_readIndexes: every statement of the home page's counts reads an index
// (never a full table scan), for one township and for the whole district. The times are whole
// milliseconds as Dashboard passes them: a time.Time with nanoseconds is interpolated with nine
// fractional digits, which MariaDB does not turn into an index range.
func TestDashboardQueries_readIndexes(t *testing.T) {
	t.Parallel()
	db := testenv.MySQL(t)
	ctx := t.Context()
	now := time.Now().UTC().Truncate(time.Millisecond)
	// Enough rows that the optimizer's choice is the one a real registry gets (an empty table is
	// scanned whatever its indexes): 400 people in four townships, a few claimed.
	for i := range 400 {
		var claimed any
		if i%200 == 0 {
			claimed = now.Add(-time.Duration(i) * time.Hour)
		}
		res := db.MustExec(`INSERT INTO persons (id_card_enc, id_card_idx, name, gender, birth_date, created_source, claimed_at, created_at, updated_at)
			VALUES (?, UNHEX(SHA2(?, 256)), '测试', 'M', '1990-01-01', 'grid', ?, ?, ?)`, []byte{1}, fmt.Sprint(i), claimed, now, now)
		id, _ := res.LastInsertId()
		town := fmt.Sprintf("99010%d", 1+i%4)
		db.MustExec(`INSERT INTO returnees (person_id, township_code, village_code, status, intention, confirmed_at, created_at, updated_at)
			VALUES (?, ?, ?, 'returned', 'none', ?, ?, ?)`, id, town, town+"001", now.Add(-time.Duration(i)*24*time.Hour), now.Add(-time.Duration(i)*10*24*time.Hour), now)
		db.MustExec(`INSERT INTO returnee_tags (person_id, kind, code) VALUES (?, 'field', 'tea')`, id)
	}
	db.MustExec(`ANALYZE TABLE persons, returnees, returnee_tags`)
	for _, town := range []string{"990101", ""} {
		e := &explainer{db: db, t: t}
		if _, err := countStale(ctx, e, town, now.Add(-180*24*time.Hour)); err != nil {
			t.Fatal(err)
		}
		if _, err := countRecentClaims(ctx, e, town, now.Add(-30*24*time.Hour)); err != nil {
			t.Fatal(err)
		}
		if _, err := registrationsByMonth(ctx, e, town, now.AddDate(-1, 0, 0)); err != nil {
			t.Fatal(err)
		}
		if _, err := countByIntention(ctx, e, town); err != nil {
			t.Fatal(err)
		}
		if _, err := countTags(ctx, e, town, tagField); err != nil {
			t.Fatal(err)
		}
		for _, p := range e.plans {
			if strings.Contains(p, "type=ALL") && !strings.Contains(p, "table=t ") {
				t.Errorf("township %q: a full scan: %s", town, p)
			}
		}
	}
}
