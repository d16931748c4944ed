package returnee

import (
	"context"
	"fmt"
	"strings"

	"github.com/jmoiron/sqlx"

	"huixiang/internal/actor"
	"huixiang/internal/sqldb"
)

// SortColumns are the columns the staff list may be ordered by (the console's column headers),
// each with the SQL it orders by; person_id breaks ties, so a page never repeats or skips a row.
// Each is served by an index of returnees, with or without a township filter (migration
// 00021), so that a page reads its 50 rows in order instead of sorting every match. There is no
// order by name: the name is the person's, and sorting 100,000 names per page view took about
// a second (docs/benchmarks.md, "Console list pages"); the name filter finds a person.
var SortColumns = map[string]string{
	"updated":   "r.updated_at",
	"confirmed": "r.confirmed_at",
}

// DefaultSort is the list's order when none is asked for: newest change first (as List).
const DefaultSort = "-updated"

// ParseSort reads "column" or "-column" (descending); an unknown column is the default order.
func ParseSort(v string) (column string, desc bool) {
	col, d := strings.TrimPrefix(v, "-"), strings.HasPrefix(v, "-")
	if _, ok := SortColumns[col]; !ok {
		return "updated", true
	}
	return col, d
}

// ListSorted is List in the order sort names ("updated", "-confirmed", …; see SortColumns).
// Its count reads returnees alone when no filter needs the person (the name).
func (s *Service) ListSorted(ctx context.Context, actor actor.Actor, f Filter, sort string) (Page, error) {
	count, list, args := ListQueries(actor, f, sort)
	var total int
	if err := sqlx.GetContext(ctx, s.db, &total, count, args...); err != nil {
		return Page{}, fmt.Errorf("returnee: count: %w", err)
	}
	var rows []listRow
	if err := sqlx.SelectContext(ctx, s.db, &rows, list, args...); err != nil {
		return Page{}, fmt.Errorf("returnee: list: %w", err)
	}
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.PersonID
	}
	tags, err := loadTags(ctx, s.db, ids)
	if err != nil {
		return Page{}, err
	}
	items := make([]Record, 0, len(rows))
	for _, r := range rows {
		r.tags = tags
		rec, err := s.record(r, true)
		if err != nil {
			return Page{}, err
		}
		items = append(items, rec)
	}
	return sqldb.NewPage(f.PageRequest, items, total), nil
}

// ListQueries returns ListSorted's count and page statements for f and their arguments (also
// for EXPLAIN in the console's benchmark). The count joins persons only when the filter reads
// it (the name): every returnees row is written with its person, and persons are never deleted.
func ListQueries(actor actor.Actor, f Filter, sort string) (count, list string, args []any) {
	where, args := f.where(actor)
	col, desc := ParseSort(sort)
	dir := " ASC"
	if desc {
		dir = " DESC"
	}
	count = `SELECT COUNT(*) FROM returnees r WHERE ` + where
	if f.Name != "" {
		count = `SELECT COUNT(*) FROM returnees r JOIN persons p ON p.id = r.person_id WHERE ` + where
	}
	// LIMIT and OFFSET are numbers the code computed (PageRequest bounds them), not input text.
	list = listSelect + ` WHERE ` + where + ` ORDER BY ` + SortColumns[col] + dir + ", r.person_id" + dir +
		fmt.Sprintf(" LIMIT %d OFFSET %d", f.Limit(), f.Offset())
	return count, list, args
}
