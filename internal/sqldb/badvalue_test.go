package sqldb_test

import (
	"errors"
	"testing"

	"huixiang/internal/sqldb"
	"huixiang/internal/testenv"
)

// TestClassify_nonASCIIAgainstASCIIColumn_isErrBadValue: Chinese text compared with or written to
// an ascii code column is the caller's bad input (1267, 1366), not a server fault.
func TestClassify_nonASCIIAgainstASCIIColumn_isErrBadValue(t *testing.T) {
	t.Parallel()
	db := testenv.MySQL(t)
	db.MustExec("CREATE TABLE codes (code VARCHAR(12) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY)")
	var n int
	err := db.Get(&n, "SELECT COUNT(*) FROM codes WHERE code = ?", "区")
	if !errors.Is(sqldb.Classify(err), sqldb.ErrBadValue) {
		t.Fatalf("compare: err = %v, want ErrBadValue", err)
	}
	_, err = db.Exec("INSERT INTO codes (code) VALUES (?)", "区")
	if !errors.Is(sqldb.Classify(err), sqldb.ErrBadValue) {
		t.Fatalf("insert: err = %v, want ErrBadValue", err)
	}
	if err := sqldb.Classify(errors.New("other")); errors.Is(err, sqldb.ErrBadValue) {
		t.Fatal("a plain error became ErrBadValue")
	}
}
