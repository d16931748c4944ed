package sqldb_test

import (
	"os"
	"testing"
	"time"

	"github.com/pressly/goose/v3"

	"huixiang/internal/testenv"
)

// Migration 00044 fills users.is_mentor from the mentors that exist when it runs: a user whose
// person is an active mentor gets 1; a paused mentor's user, a user with no mentor, and users
// with no person get 0 (a mentor whose person has no user changes nothing).
func TestMigration00044_fillsTheMentorFlag(t *testing.T) {
	t.Parallel()
	db := testenv.MySQLAt(t, testenv.EmptyMySQLDSN(t))
	p, err := goose.NewProvider(goose.DialectMySQL, db.DB, os.DirFS("migrations"), goose.WithDisableGlobalRegistry(true))
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	if _, err := p.UpTo(ctx, 43); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	user := func(openid string) int64 {
		res, err := db.Exec(`INSERT INTO users (openid, created_at, updated_at, last_login_at) VALUES (?, ?, ?, ?)`, openid, now, now, now)
		if err != nil {
			t.Fatal(err)
		}
		id, _ := res.LastInsertId()
		return id
	}
	person := func(userID any, idx byte) int64 {
		res, err := db.Exec(`INSERT INTO persons (id_card_enc, id_card_idx, name, gender, birth_date, user_id, created_source, created_at, updated_at)
			VALUES ('x', ?, '王', 'M', '1975-06-01', ?, 'self', ?, ?)`, string(rune('a'+idx))+"0000000000000000000000000000000", userID, now, now)
		if err != nil {
			t.Fatal(err)
		}
		id, _ := res.LastInsertId()
		return id
	}
	mentor := func(personID int64, status string) {
		if _, err := db.Exec(`INSERT INTO mentors (person_id, status, created_at, updated_at) VALUES (?, ?, ?, ?)`, personID, status, now, now); err != nil {
			t.Fatal(err)
		}
	}
	active, paused, plain, alone := user("o_active"), user("o_paused"), user("o_plain"), user("o_alone")
	mentor(person(active, 1), "active")
	mentor(person(paused, 2), "paused")
	person(plain, 3)
	mentor(person(nil, 4), "active")

	if _, err := p.UpTo(ctx, 44); err != nil {
		t.Fatal(err)
	}
	for id, want := range map[int64]bool{active: true, paused: false, plain: false, alone: false} {
		var got bool
		if err := db.Get(&got, `SELECT is_mentor FROM users WHERE id = ?`, id); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("user %d: is_mentor = %v, want %v", id, got, want)
		}
	}
}
