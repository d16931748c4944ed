package testenv_test

import (
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"huixiang/internal/sqldb"
	"huixiang/internal/testenv"
)

// A test database gets the migrated schema by replaying a dump of one migrated database (see
// MySQLDSN). The replay must be exactly what the migrations make: the same CREATE TABLE
// statements, column for column and index for index, and the same rows (times aside).
func TestSchema_replayEqualsMigrations(t *testing.T) {
	t.Parallel()
	migratedDB := testenv.MySQLAt(t, testenv.EmptyMySQLDSN(t))
	if err := sqldb.Migrate(t.Context(), migratedDB, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatal(err)
	}
	want, err := testenv.Dump(t.Context(), migratedDB)
	if err != nil {
		t.Fatal(err)
	}
	got, err := testenv.Dump(t.Context(), testenv.MySQLAt(t, testenv.FreshMySQLDSN(t)))
	if err != nil {
		t.Fatal(err)
	}
	if len(want.Tables) < 20 {
		t.Fatalf("the migrations made %d tables: the dump missed some", len(want.Tables))
	}
	if len(got.Tables) != len(want.Tables) {
		t.Fatalf("replayed %d tables, migrations make %d", len(got.Tables), len(want.Tables))
	}
	rows := 0
	for i, w := range want.Tables {
		g := got.Tables[i]
		if g.Name != w.Name {
			t.Fatalf("table %d: replayed %s, migrations make %s", i, g.Name, w.Name)
		}
		if g.Create != w.Create {
			t.Errorf("%s differs:\nreplayed:\n%s\nmigrated:\n%s", w.Name, g.Create, w.Create)
		}
		if fmt.Sprint(g.Columns) != fmt.Sprint(w.Columns) {
			t.Errorf("%s columns: replayed %v, migrated %v", w.Name, g.Columns, w.Columns)
		}
		if gr, wr := comparable(g.Rows), comparable(w.Rows); fmt.Sprintf("%q", gr) != fmt.Sprintf("%q", wr) {
			t.Errorf("%s rows differ:\nreplayed %q\nmigrated %q", w.Name, gr, wr)
		}
		rows += len(w.Rows)
	}
	if rows == 0 {
		t.Fatal("the migrations insert rows (options, goose's versions), the dump found none")
	}
}

// comparable is rows as text, with every time (a default of CURRENT_TIMESTAMP, the time goose
// applied a migration) replaced by "<time>": the two databases were filled at different times.
func comparable(rows [][]any) [][]string {
	out := make([][]string, len(rows))
	for i, r := range rows {
		for _, v := range r {
			s := fmt.Sprintf("%T:%v", v, v)
			switch v := v.(type) {
			case time.Time:
				s = "<time>"
			case []byte:
				s = string(v)
			}
			out[i] = append(out[i], s)
		}
	}
	return out
}
