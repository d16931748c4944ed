package console_test

import (
	"fmt"
	"math"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	mrand "math/rand/v2"

	"huixiang/internal/actor"
	"huixiang/internal/cnid"
	"huixiang/internal/person"
	"huixiang/internal/pii"
	"huixiang/internal/returnee"
	"huixiang/internal/sqldb"
)

// benchPeople is the size of the registry BenchmarkConsoleReturneeList lists
// (HX_BENCH_RETURNEES overrides it).
const regBenchPeople = 100_000

// BenchmarkConsoleReturneeList renders pages of 50 rows of the registry list (the whole page, as
// a browser asks for it, through the app's HTTP stack) over a registry of 100,000 people spread
// over the five demo townships, and reports the median and p90 time per page. Before timing, it
// prints EXPLAIN of each case's count and page queries.
//
// Run: go test -run '^$' -bench ConsoleReturneeList -benchtime 30x ./internal/console/
func BenchmarkConsoleReturneeList(b *testing.B) {
	n := regBenchPeople
	if v := os.Getenv("HX_BENCH_RETURNEES"); v != "" {
		n, _ = strconv.Atoi(v)
	}
	e := newEnv(b)
	key := e.app.Config.PIIKey()
	start := time.Now()
	regBulkReturnees(b, e, key, n)
	b.Logf("setup: %d people in %s", n, time.Since(start).Round(time.Millisecond))

	district, town := e.as(districtR), e.as(townA)
	townActor := actor.Staff(2, "demo_guanbuqiao", actor.Township, "", "990101")
	cases := []struct {
		name   string
		c      *client
		who    actor.Actor
		query  string
		filter returnee.Filter
		sort   string
	}{
		{"district/newest", district, adminActor(), "", returnee.Filter{}, ""},
		{"district/confirmed-oldest", district, adminActor(), "?sort=confirmed", returnee.Filter{}, "confirmed"},
		{"district/township/newest", district, adminActor(), "?township=990101", returnee.Filter{Township: "990101"}, ""},
		{"district/township/confirmed-oldest", district, adminActor(), "?township=990102&sort=confirmed", returnee.Filter{Township: "990102"}, "confirmed"},
		{"township-clerk/newest", town, townActor, "", returnee.Filter{}, ""},
		{"township-clerk/status/page-10", town, townActor, "?status=returned&page=10", returnee.Filter{Status: "returned", PageRequest: sqldb.PageRequest{Page: 10, PageSize: 50}}, ""},
		{"district/stale", district, adminActor(), "?stale=1", returnee.Filter{UpdatedBefore: regPtr(time.Now().Add(-180 * 24 * time.Hour))}, "confirmed"},
		{"district/status", district, adminActor(), "?status=planning", returnee.Filter{Status: "planning"}, ""},
		{"district/name-search", district, adminActor(), "?name=" + "%E5%BC%A0", returnee.Filter{Name: "张"}, ""},
	}
	for _, c := range cases {
		count, list, args := returnee.ListQueries(c.who, c.filter, c.sort)
		b.Logf("%s\n  count: %s\n  page:  %s", c.name, regExplain(b, e, count, args), regExplain(b, e, list, args))
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			url := "/console/returnees" + c.query
			if got := c.c.get(url); got.Status != http.StatusOK || !strings.Contains(got.Body, "returnee-total") {
				b.Fatalf("%s: %d", url, got.Status)
			}
			var times, service []time.Duration
			b.ResetTimer()
			for b.Loop() {
				t0 := time.Now()
				got := c.c.get(url)
				times = append(times, time.Since(t0))
				if got.Status != http.StatusOK {
					b.Fatalf("%s: %d", url, got.Status)
				}
				// The service call alone (count, page, tags, masking): the rest of a page's time
				// is the session check, the pickers and the template.
				t1 := time.Now()
				if _, err := e.app.Returnees.ListSorted(b.Context(), c.who, c.filter, c.sort); err != nil {
					b.Fatal(err)
				}
				service = append(service, time.Since(t1))
			}
			b.ReportMetric(regMS(regMedian(times)), "ms_median")
			b.ReportMetric(regMS(regP90(times)), "ms_p90")
			b.ReportMetric(regMS(regMedian(service)), "ms_list_median")
		})
	}
}

func regPtr[T any](v T) *T { return &v }

func regMedian(d []time.Duration) time.Duration {
	s := slices.Sorted(slices.Values(d))
	return s[len(s)/2]
}

func regP90(d []time.Duration) time.Duration {
	s := slices.Sorted(slices.Values(d))
	return s[int(math.Ceil(float64(len(s))*0.9))-1]
}

func regMS(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// explain is MariaDB's plan of q, one "table:type:key:rows" per table.
func regExplain(b *testing.B, e *env, q string, args []any) string {
	rows, err := e.app.DB.Queryx("EXPLAIN "+q, args...)
	if err != nil {
		b.Fatalf("explain: %v", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		m := map[string]any{}
		if err := rows.MapScan(m); err != nil {
			b.Fatal(err)
		}
		s := func(k string) string {
			if v, ok := m[k].([]byte); ok {
				return string(v)
			}
			if m[k] == nil {
				return "-"
			}
			return fmt.Sprint(m[k])
		}
		out = append(out, fmt.Sprintf("%s:%s:%s:%s(%s)", s("table"), s("type"), s("key"), s("rows"), s("Extra")))
	}
	return strings.Join(out, "  ")
}

// bulkReturnees adds n people with returnee records to the registry in chunks of 1,000: persons
// through person.Store.InsertMany (encrypted with the app's key), their records and tags in
// multi-row INSERTs. Changes and confirmations are spread over the last two years.
func regBulkReturnees(b *testing.B, e *env, key []byte, n int) {
	box, err := pii.New(key)
	if err != nil {
		b.Fatal(err)
	}
	store := person.NewStore(box)
	ctx := b.Context()
	rng := mrand.New(mrand.NewPCG(1, 2))
	surnames := []rune("张王李赵陈刘杨黄周吴徐孙马朱胡郭何高林罗")
	given := []rune("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华")
	towns := []string{"990101", "990102", "990103", "990104", "990105"}
	statuses := []string{"away", "returned", "returned", "planning"}
	intentions := []string{"none", "considering", "preparing", "started"}
	skills := []string{"electrician", "welder", "cook", "driver", "farming", "computer"}
	now := time.Now().UTC()
	const chunk = 1000
	for base := 0; base < n; base += chunk {
		size := min(chunk, n-base)
		ids := make([]person.Identity, size)
		for i := range size {
			id, err := cnid.ParseIDCard(regBenchIDNumber(base+i), now)
			if err != nil {
				b.Fatal(err)
			}
			name := string(surnames[rng.IntN(len(surnames))]) + string(given[rng.IntN(len(given))])
			if rng.IntN(2) == 0 {
				name += string(given[rng.IntN(len(given))])
			}
			ids[i] = person.Identity{IDCard: id, Name: name, Phone: fmt.Sprintf("138%08d", base+i)}
		}
		tx, err := e.app.DB.BeginTxx(ctx, nil)
		if err != nil {
			b.Fatal(err)
		}
		byIdx, err := store.InsertMany(ctx, tx, ids, person.SourceImport)
		if err != nil {
			b.Fatal(err)
		}
		var rArgs, tArgs []any
		for i := range size {
			pid := byIdx[string(store.IndexOf(ids[i].IDCard.Number))]
			tw := towns[(base+i)%len(towns)]
			updated := now.Add(-time.Duration(rng.IntN(730*24)) * time.Hour)
			confirmed := updated.Add(time.Duration(rng.IntN(24*60)) * time.Hour)
			if confirmed.After(now) {
				confirmed = now
			}
			rArgs = append(rArgs, pid, tw, fmt.Sprintf("%s%03d", tw, 1+rng.IntN(3)), statuses[rng.IntN(len(statuses))],
				intentions[rng.IntN(len(intentions))], "广东省", "东莞市", "电子制造", confirmed, updated.Add(-time.Hour), updated)
			tArgs = append(tArgs, pid, "skill", skills[rng.IntN(len(skills))])
		}
		tuple := func(cols int) string { return "(" + strings.TrimSuffix(strings.Repeat("?, ", cols), ", ") + ")" }
		rows := func(cols, count int) string { return strings.TrimSuffix(strings.Repeat(tuple(cols)+", ", count), ", ") }
		if _, err := tx.ExecContext(ctx, `INSERT INTO returnees (person_id, township_code, village_code, status, intention,
			work_province, work_city, industry, confirmed_at, created_at, updated_at) VALUES `+rows(11, size), rArgs...); err != nil {
			b.Fatal(err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO returnee_tags (person_id, kind, code) VALUES `+rows(3, size), tArgs...); err != nil {
			b.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := e.app.DB.ExecContext(ctx, `ANALYZE TABLE persons, returnees, returnee_tags`); err != nil {
		b.Fatal(err)
	}
}

// benchIDNumber is a form-valid ID number of 咸安区 for seq (up to 10^7), births from 1950 on.
func regBenchIDNumber(seq int) string {
	birth := time.Date(1950, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, seq/1000)
	s17 := fmt.Sprintf("421202%s%03d", birth.Format("20060102"), seq%1000)
	w := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i := range 17 {
		sum += int(s17[i]-'0') * w[i]
	}
	return s17 + string("10X98765432"[sum%11])
}
