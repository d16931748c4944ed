package region_test

import (
	"strings"
	"testing"
	"time"

	"huixiang/internal/actor"
	"huixiang/internal/region"
	"huixiang/internal/testenv"
	"huixiang/internal/vocab"
)

func names(t *testing.T, s *region.Service, parent string) string {
	t.Helper()
	rs, err := s.Children(t.Context(), parent)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range rs {
		out = append(out, r.Name)
	}
	return strings.Join(out, ",")
}

// Two replicas on one database: a region import through one is seen by it at once, and by the
// other within the cache's max age, never later.
func TestRegionCache_importSeenHereAtOnceAndOnOtherReplicaWithinMaxAge(t *testing.T) {
	db := testenv.MySQL(t)
	const maxAge = 400 * time.Millisecond
	a, b := region.NewService(db, maxAge), region.NewService(db, maxAge)
	admin := actor.Staff(1, "admin", actor.DistrictAdmin, "", "")
	csv := "code,parent_code,level,name\n990100,,1,咸安区\n990101,990100,2,官埠桥镇\n990101001,990101,3,一村\n"
	if _, err := a.ImportCSV(t.Context(), admin, strings.NewReader(csv)); err != nil {
		t.Fatal(err)
	}
	if got := names(t, a, ""); got != "官埠桥镇" {
		t.Fatalf("replica a townships = %q", got)
	}
	if got := names(t, b, ""); got != "官埠桥镇" {
		t.Fatalf("replica b townships = %q", got)
	}
	// b now holds a copy. A second township imported through a (sort order: its line, 2) is seen
	// by a at once; b keeps its copy for at most maxAge.
	start := time.Now()
	if _, err := a.ImportCSV(t.Context(), admin, strings.NewReader("code,parent_code,level,name\n990102,990100,2,贺胜桥镇\n")); err != nil {
		t.Fatal(err)
	}
	if got := names(t, a, ""); got != "贺胜桥镇,官埠桥镇" {
		t.Fatalf("replica a right after its import = %q", got)
	}
	if _, err := a.Resolve(t.Context(), "990101", "990101001"); err != nil {
		t.Fatalf("resolve on a: %v", err)
	}
	for names(t, b, "") != "贺胜桥镇,官埠桥镇" {
		if time.Since(start) > maxAge+200*time.Millisecond {
			t.Fatalf("replica b still without the new township after %v (max age %v)", time.Since(start), maxAge)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// A change made by SQL (no process told) is seen within maxAge too.
	if _, err := db.Exec(`UPDATE regions SET active = FALSE WHERE code = '990102'`); err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	for names(t, b, "") != "官埠桥镇" {
		if time.Since(start) > maxAge+200*time.Millisecond {
			t.Fatalf("deactivated township still offered after %v", time.Since(start))
		}
		time.Sleep(20 * time.Millisecond)
	}
	if _, err := b.Resolve(t.Context(), "990102", "990102001"); err == nil {
		t.Fatal("inactive township resolved")
	}
}

// The option lists: a change in MySQL is seen within the max age; with max age 0 at once.
func TestVocabCache_changeSeenWithinMaxAge(t *testing.T) {
	db := testenv.MySQL(t)
	const maxAge = 300 * time.Millisecond
	cached, uncached := vocab.NewCache(db, maxAge), vocab.NewCache(db, 0)
	lists, err := cached.Lists(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if lists.Has("need", "bench_new") {
		t.Fatal("option exists before it is added")
	}
	if _, err := db.Exec(`INSERT INTO option_items (kind, code, label, sort_order, active) VALUES ('need', 'bench_new', '新需求', 99, TRUE)`); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if l, _ := uncached.Lists(t.Context()); !l.Has("need", "bench_new") {
		t.Fatal("max age 0 kept a copy")
	}
	for {
		l, err := cached.Lists(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if l.Has("need", "bench_new") {
			break
		}
		if time.Since(start) > maxAge+200*time.Millisecond {
			t.Fatalf("new option not seen after %v (max age %v)", time.Since(start), maxAge)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
