package main

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"huixiang/internal/notify"
	"huixiang/internal/sqldb"
	"huixiang/internal/testenv"
	"huixiang/internal/wxfake"
)

// TestRun_notifyWorker_sendsTheOutboxAndStopsOnCancel runs `server notify-worker` in-process:
// it sends what is queued and returns cleanly when its context ends.
// Not parallel: the stand-in's address is process-wide (see internal/wechat).
func TestRun_notifyWorker_sendsTheOutboxAndStopsOnCancel(t *testing.T) {
	dsn := testenv.MySQLDSN(t)
	vars := baseEnv(t, dsn)
	fake := wxfake.New(wxfake.Options{AppID: "wxrun", Secret: "runsecret"})
	fake.RegisterTemplate("TMPL_APPLICATION_PROGRESS", "thing1", "phrase2", "time3", "thing4")
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	vars["HX_WECHAT_API_BASE"] = srv.URL

	db := testenv.MySQLAt(t, dsn)
	now := time.Now().UTC()
	res := db.MustExec(`INSERT INTO users (openid, created_at, updated_at, last_login_at) VALUES ('o_run_worker', ?, ?, ?)`, now, now, now)
	uid, _ := res.LastInsertId()
	fake.GrantConsent("o_run_worker", "TMPL_APPLICATION_PROGRESS", 1)
	svc := notify.NewService(db, notify.Options{ProgressTemplateID: "TMPL_APPLICATION_PROGRESS"})
	if _, err := svc.AddConsents(t.Context(), uid, []string{"TMPL_APPLICATION_PROGRESS"}); err != nil {
		t.Fatal(err)
	}
	err := sqldb.WithTx(t.Context(), db, func(tx *sqlx.Tx) error {
		return notify.Enqueue(t.Context(), tx, notify.Notification{UserID: uid, Kind: "application_status", Title: "申请已通过",
			DedupKey: "run:1", Template: svc.Progress("一次性创业补贴", "已通过", "", now)})
	})
	if err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"notify-worker"}, func(k string) string { return vars[k] }, &out, &out)
	}()
	for deadline := time.Now().Add(15 * time.Second); len(fake.Sent()) == 0; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("nothing sent:\n%s", out.String())
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("notify-worker returned %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("notify-worker did not stop")
	}
	var status string
	db.Get(&status, `SELECT status FROM outbox WHERE dedup_key = 'run:1'`)
	if status != notify.StatusSent || len(fake.Sent()) != 1 {
		t.Fatalf("status %q, sent %d", status, len(fake.Sent()))
	}
	if logs := out.String(); !strings.Contains(logs, `"msg":"stopped"`) || strings.Contains(logs, "runsecret") {
		t.Fatalf("logs:\n%s", logs)
	}
}
