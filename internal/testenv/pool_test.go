package testenv_test

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"huixiang/internal/testenv"
)

// Under Main a test's database goes back to a pool when the test ends and the next test gets
// it with every row the test wrote gone and every row the migrations wrote back: the same
// tables and rows as a fresh one. Only AUTO_INCREMENT counters go on (see pool.go).
func TestPool_resetLeavesTheSchemasRows(t *testing.T) {
	// Not parallel: it runs before the parallel tests, so nobody else takes the database between
	// its two halves.
	var used string
	t.Run("a test writes rows and deletes the migrations' rows", func(t *testing.T) {
		db := testenv.MySQL(t)
		if err := db.Get(&used, "SELECT DATABASE()"); err != nil {
			t.Fatal(err)
		}
		now := time.Now().UTC()
		if _, err := db.Exec(`INSERT INTO users (openid, created_at, updated_at, last_login_at)
			VALUES ('o1', ?, ?, ?), ('o2', ?, ?, ?)`, now, now, now, now, now, now); err != nil {
			t.Fatal(err)
		}
		var first int64
		if err := db.Get(&first, "SELECT MIN(id) FROM users"); err != nil {
			t.Fatal(err)
		}
		if first <= 1 {
			t.Errorf("the first user of a pooled database is id %d: its counters should start elsewhere than 1", first)
		}
		if _, err := db.Exec("INSERT INTO audit_log (occurred_at, actor_type, action) VALUES (?, 'staff', 'test')", now); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec("DELETE FROM option_items"); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("the next test gets the database as the migrations left it", func(t *testing.T) {
		db := testenv.MySQL(t)
		var name string
		if err := db.Get(&name, "SELECT DATABASE()"); err != nil {
			t.Fatal(err)
		}
		if name != used {
			t.Fatalf("got database %s, want the pooled %s back", name, used)
		}
		got, err := testenv.Dump(t.Context(), db)
		if err != nil {
			t.Fatal(err)
		}
		want, err := testenv.Dump(t.Context(), testenv.MySQLAt(t, testenv.FreshMySQLDSN(t)))
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Tables) != len(want.Tables) {
			t.Fatalf("%d tables, a fresh database has %d", len(got.Tables), len(want.Tables))
		}
		autoInc := regexp.MustCompile(` AUTO_INCREMENT=\d+`)
		for i, w := range want.Tables {
			g := got.Tables[i]
			if autoInc.ReplaceAllString(g.Create, "") != autoInc.ReplaceAllString(w.Create, "") {
				t.Errorf("%s differs:\nreused:\n%s\nfresh:\n%s", w.Name, g.Create, w.Create)
			}
			if gr, wr := comparable(g.Rows), comparable(w.Rows); fmt.Sprintf("%q", gr) != fmt.Sprintf("%q", wr) {
				t.Errorf("%s rows differ:\nreused %q\nfresh %q", w.Name, gr, wr)
			}
		}
	})
}

// Every package whose tests take a migrated database lends them from a pool (testenv.Main in
// its TestMain): without it each test makes and drops its own, ~140 ms of MariaDB's CPU each,
// which is what made `make test` take twice as long. A new package copies the three-line
// testmain_test.go of the others.
func TestPool_everyPackageWithDatabasesHasTestMain(t *testing.T) {
	t.Parallel()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	uses := regexp.MustCompile(`testenv\.(MySQL|MySQLDSN|MySQLDSNOf)\(`)
	need := map[string]bool{} // package directory → has testenv.Main
	for _, top := range []string{"cmd", "internal"} {
		err := filepath.WalkDir(filepath.Join(root, top), func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(p, "_test.go") {
				return err
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			dir, _ := filepath.Rel(root, filepath.Dir(p))
			if uses.Match(b) && !need[dir] {
				need[dir] = false
			}
			if bytes.Contains(b, []byte("testenv.Main(")) {
				need[dir] = true
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(need) < 10 {
		t.Fatalf("found %d packages using test databases: the walk missed them", len(need))
	}
	for dir, ok := range need {
		if !ok {
			t.Errorf("%s takes test databases but has no TestMain calling testenv.Main (copy internal/httpapi/testmain_test.go)", dir)
		}
	}
}
