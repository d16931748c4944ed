package audit_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/xuri/excelize/v2"

	"huixiang/internal/audit"
	"huixiang/internal/sqldb"
	"huixiang/internal/testenv"
)

func write(t *testing.T, db *sqlx.DB, e audit.Entry, at time.Time) {
	t.Helper()
	if err := audit.Write(context.Background(), db, e); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`UPDATE audit_log SET occurred_at = ? ORDER BY id DESC LIMIT 1`, at); err != nil {
		t.Fatal(err)
	}
}

func TestQuery_filtersRangeAndPaging(t *testing.T) {
	db := testenv.MySQL(t)
	ctx := t.Context()
	now := time.Date(2026, 5, 20, 12, 0, 0, 0, time.UTC)
	for i := range 5 {
		write(t, db, audit.Entry{ActorType: "staff", ActorID: 1, ActorName: "admin", Action: "staff.update", TargetType: "staff", TargetID: "7"},
			now.Add(-time.Duration(i+1)*time.Hour))
	}
	write(t, db, audit.Entry{ActorType: "staff", ActorID: 2, ActorName: "clerk", Action: "returnee.reveal", TargetType: "returnee", TargetID: "9"}, now.Add(-time.Minute))
	write(t, db, audit.Entry{ActorType: "system", ActorName: "seed", Action: "staff.create", TargetType: "staff", TargetID: "7"}, now.AddDate(0, -2, 0))

	q := func(f audit.Filter, page int) audit.Result {
		t.Helper()
		f, err := f.Norm(now)
		if err != nil {
			t.Fatal(err)
		}
		res, err := audit.Query(ctx, db, f, sqldb.PageRequest{Page: page, PageSize: 2})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	if r := q(audit.Filter{}, 1); r.Total != 6 || len(r.Items) != 2 || r.Items[0].Action != "returnee.reveal" {
		t.Fatalf("default range (31 days): %+v", r)
	}
	if r := q(audit.Filter{ActorName: "admin"}, 3); r.Total != 5 || len(r.Items) != 1 {
		t.Fatalf("actor, last page: %+v", r)
	}
	if r := q(audit.Filter{Action: "returnee.reveal"}, 1); r.Total != 1 || r.Items[0].ActorName != "clerk" {
		t.Fatalf("action: %+v", r)
	}
	if r := q(audit.Filter{TargetType: "staff", TargetID: "7", From: now.AddDate(0, -3, 0)}, 1); r.Total != 6 {
		t.Fatalf("target over three months: %+v", r)
	}
	if r := q(audit.Filter{From: now.Add(-90 * time.Minute), To: now.Add(-30 * time.Minute)}, 1); r.Total != 1 {
		t.Fatalf("range: %+v", r)
	}
	for name, f := range map[string]audit.Filter{
		"backwards":   {From: now, To: now.Add(-time.Hour)},
		"too long":    {From: now.AddDate(-2, 0, 0), To: now},
		"non-ascii":   {Action: "登录"},
		"too long id": {TargetID: strings.Repeat("9", 65)},
	} {
		if _, err := f.Norm(now); !errors.Is(err, audit.ErrBadFilter) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// Each filter reads through its index, not the whole table.
func TestQuery_usesIndexes(t *testing.T) {
	db := testenv.MySQL(t)
	now := time.Now()
	for f, idx := range map[audit.Filter]string{
		{ActorName: "admin"}:                 "idx_audit_actor_name",
		{Action: "staff.update"}:             "idx_audit_action",
		{TargetType: "staff", TargetID: "7"}: "idx_audit_target",
		{}:                                   "idx_audit_occurred",
	} {
		f, _ = f.Norm(now)
		keys, err := audit.ExplainKeys(t.Context(), db, f)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(keys, idx) && !(idx == "idx_audit_occurred" && keys == "") {
			t.Errorf("%+v: possible keys %q, want %s", f, keys, idx)
		}
	}
}

func TestExport_isAudited(t *testing.T) {
	db := testenv.MySQL(t)
	ctx := t.Context()
	now := time.Now()
	write(t, db, audit.Entry{ActorType: "staff", ActorID: 1, ActorName: "admin", Action: "staff.update", TargetType: "staff", TargetID: "7",
		Detail: map[string]any{"changes": "=HYPERLINK(\"x\")"}}, now.Add(-time.Minute))
	f, _ := audit.Filter{Action: "staff.update"}.Norm(now)
	b, n, err := audit.Export(ctx, db, f, time.FixedZone("CST", 8*3600), audit.Entry{ActorType: "staff", ActorID: 1, ActorName: "admin"})
	if err != nil || n != 1 {
		t.Fatalf("export: %d %v", n, err)
	}
	x, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := x.GetRows("审计日志")
	if len(rows) != 2 || rows[1][4] != "staff.update" || !strings.Contains(rows[1][9], "HYPERLINK") {
		t.Fatalf("rows: %v", rows)
	}
	if formula, _ := x.GetCellFormula("审计日志", "J2"); formula != "" {
		t.Fatalf("a detail became a formula: %q", formula)
	}
	recs, _ := audit.ListByActorName(ctx, db, "admin", 1)
	if len(recs) != 1 || recs[0].Action != "audit.export" || recs[0].Detail == nil || !strings.Contains(*recs[0].Detail, `"rows": 1`) && !strings.Contains(*recs[0].Detail, `"rows":1`) {
		t.Fatalf("export audit: %+v", recs)
	}
}
