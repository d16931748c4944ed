package person_test

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"huixiang/internal/cnid"
	"huixiang/internal/person"
	"huixiang/internal/pii"
	"huixiang/internal/testenv"
)

// idNumber is a form-valid ID number of 咸安区 for seq.
func idNumber(seq int) string {
	s17 := fmt.Sprintf("42120219900101%03d", seq)
	w := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i := range 17 {
		sum += int(s17[i]-'0') * w[i]
	}
	return s17 + string("10X98765432"[sum%11])
}

// TestSearch_byNameTailIDAndPhone: a person is found by a name prefix, by name with the phone's
// last four digits, by full ID number and by full phone, masked; the last four digits alone are
// refused; a person in no registry is not found.
func TestSearch_byNameTailIDAndPhone(t *testing.T) {
	db := testenv.MySQL(t)
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	box, err := pii.New(key)
	if err != nil {
		t.Fatal(err)
	}
	s := person.NewStore(box)
	ctx := context.Background()
	now := time.Now()
	add := func(seq int, name, phone string, alumnus bool) int64 {
		id, err := cnid.ParseIDCard(idNumber(seq), now)
		if err != nil {
			t.Fatal(err)
		}
		var pid int64
		err = sqlxTx(ctx, db, func(tx *sqlx.Tx) error {
			at, err := s.Attach(ctx, tx, person.Identity{IDCard: id, Name: name, Phone: phone}, person.SourceGrid, nil)
			pid = at.PersonID
			if err != nil || !alumnus {
				return err
			}
			_, err = tx.Exec(`INSERT INTO alumni (person_id, school_code, entry_year, status, source, created_at, updated_at)
				VALUES (?, 'xa_yizhong', 2005, 'approved', 'grid', UTC_TIMESTAMP(3), UTC_TIMESTAMP(3))`, pid)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return pid
	}
	a := add(1, "欧阳明", "13907160001", true)
	b := add(2, "欧阳明", "13907160002", true)
	add(3, "欧阳明华", "13907160003", false) // in no registry

	ids := func(ms []person.Match, err error) []int64 {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		out := []int64{}
		for _, m := range ms {
			out = append(out, m.PersonID)
		}
		return out
	}
	if got := ids(s.Search(ctx, db, "欧阳", now)); fmt.Sprint(got) != fmt.Sprint([]int64{a, b}) {
		t.Fatalf("by name prefix: %v, want %v", got, []int64{a, b})
	}
	if got := ids(s.Search(ctx, db, "欧阳明 0002", now)); fmt.Sprint(got) != fmt.Sprint([]int64{b}) {
		t.Fatalf("by name and last four: %v", got)
	}
	if got := ids(s.Search(ctx, db, idNumber(1), now)); fmt.Sprint(got) != fmt.Sprint([]int64{a}) {
		t.Fatalf("by ID number: %v", got)
	}
	ms, err := s.Search(ctx, db, "13907160002", now)
	if err != nil || len(ms) != 1 || ms[0].Phone != "139****0002" || ms[0].IDCard != "4212**********"+idNumber(2)[14:] || ms[0].Alumnus != "approved" {
		t.Fatalf("by phone: %+v %v", ms, err)
	}
	if got := ids(s.Search(ctx, db, "13907160003", now)); len(got) != 0 {
		t.Fatalf("a person in no registry is found: %v", got)
	}
	var se *person.SearchError
	if _, err := s.Search(ctx, db, "0002", now); !errors.As(err, &se) {
		t.Fatalf("last four alone: %v", err)
	}
	if got := ids(s.Search(ctx, db, "欧%", now)); len(got) != 0 {
		t.Fatalf("a LIKE wildcard is searched as a wildcard: %v", got)
	}
	m, err := s.ByID(ctx, db, a)
	if err != nil || m.Name != "欧阳明" {
		t.Fatalf("by id: %+v %v", m, err)
	}
}

func sqlxTx(ctx context.Context, db *sqlx.DB, fn func(*sqlx.Tx) error) error {
	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}
