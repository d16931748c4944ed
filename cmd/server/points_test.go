package main

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"huixiang/internal/testenv"
)

func TestPointsCommands_expireAndVerifyFindsTampering(t *testing.T) {
	t.Parallel()
	dsn := testenv.MySQLDSN(t)
	vars := baseEnv(t, dsn)
	getenv := func(k string) string { return vars[k] }
	db := testenv.MySQLAt(t, dsn)
	now := time.Now().UTC()
	if _, err := db.Exec(`INSERT INTO persons (id, id_card_enc, id_card_idx, name, gender, birth_date, created_source, created_at, updated_at)
		VALUES (7, 'x', REPEAT('a', 32), '校友', 'F', '1990-01-01', 'import', ?, ?)`, now, now); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO points_accounts (person_id, balance, version, created_at, updated_at) VALUES (7, 20, 1, ?, ?)`, now, now); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO points_entries (person_id, delta, reason_code, rule_code, reference, idempotency_key, actor_type,
		created_at, balance_after, expires_at, remaining) VALUES (7, 20, 'grant', 'event_attendance', 'E', 'grant:event_attendance:7:E', 'staff', ?, 20, ?, 20)`,
		now, now.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"points", "verify"}, getenv, &out, &out); err != nil {
		t.Fatalf("verify on a clean ledger: %v\n%s", err, out.String())
	}
	for range 2 {
		out.Reset()
		if err := run(context.Background(), []string{"points", "expire"}, getenv, &out, &out); err != nil {
			t.Fatal(err)
		}
	}
	if !strings.Contains(out.String(), "expired 0 points") {
		t.Fatalf("second expire run: %s", out.String())
	}
	if _, err := db.Exec(`UPDATE points_accounts SET balance = 500 WHERE person_id = 7`); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	err := run(context.Background(), []string{"points", "verify"}, getenv, &out, &out)
	if !errors.Is(err, errMismatch) || !strings.Contains(out.String(), "person 7: balance 500, ledger sum 0") {
		t.Fatalf("verify after tampering: %v\n%s", err, out.String())
	}
}
