package notify_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	act "huixiang/internal/actor"
	"huixiang/internal/audit"
	"huixiang/internal/notify"
	"huixiang/internal/sqldb"
	"huixiang/internal/testenv"
	"huixiang/internal/wechat"
	"huixiang/internal/wxfake"
)

const (
	appID, secret = "wxnotify00000001", "notify-secret-abcdef"
	tmpl          = "TMPL_APPLICATION_PROGRESS"
)

// The SDK's HTTP client is process-wide (see internal/wechat), so the package shares one
// stand-in; tests that change its behaviour reset it and do not run in parallel. Its sent
// messages survive Reset, so each test uses openids of its own.
var (
	fakeOnce sync.Once
	fake     *wxfake.Server
	fakeURL  string
)

type env struct {
	t   testing.TB
	db  *sqlx.DB
	wx  *wechat.Client
	svc *notify.Service
	tag string // prefix of this test's openids
}

func newEnv(t testing.TB) *env {
	t.Helper()
	fakeOnce.Do(func() {
		fake = wxfake.New(wxfake.Options{AppID: appID, Secret: secret})
		fake.RegisterTemplate(tmpl, "thing1", "phrase2", "time3", "thing4")
		fakeURL = httptest.NewServer(fake).URL
	})
	t.Cleanup(fake.Reset)
	rdb, prefix := testenv.Redis(t)
	wx := wechat.New(wechat.Options{AppID: appID, Secret: secret, APIBase: fakeURL, Timeout: time.Second, State: "developer",
		Redis: rdb, KeyPrefix: prefix, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	db := testenv.MySQL(t)
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return &env{t: t, db: db, wx: wx, svc: notify.NewService(db, notify.Options{ProgressTemplateID: tmpl}), tag: "o_" + hex.EncodeToString(b)}
}

// user creates a user whose openid the stand-in knows; consents (ours and WeChat's) are n.
func (e *env) user(name string, consents int) (int64, string) {
	e.t.Helper()
	openid := e.tag + "_" + name
	now := time.Now().UTC()
	res, err := e.db.Exec(`INSERT INTO users (openid, created_at, updated_at, last_login_at) VALUES (?, ?, ?, ?)`, openid, now, now, now)
	if err != nil {
		e.t.Fatal(err)
	}
	id, _ := res.LastInsertId()
	fake.GrantConsent(openid, tmpl, consents)
	for range consents {
		if _, err := e.svc.AddConsents(context.Background(), id, []string{tmpl}); err != nil {
			e.t.Fatal(err)
		}
	}
	return id, openid
}

func (e *env) worker(o notify.WorkerOptions) *notify.Worker {
	if o.BackoffBase == 0 {
		o.BackoffBase = time.Minute // tests make rows due by hand
	}
	if o.Poll == 0 {
		o.Poll = 10 * time.Millisecond
	}
	return notify.NewWorker(e.db, e.wx, o)
}

func (e *env) note(userID int64, key string) notify.Notification {
	return notify.Notification{UserID: userID, Kind: "application_status", Title: "您的申请已通过", Body: "一次性创业补贴申请已通过区级审核。",
		Page: "pages/applications/detail?id=42", RefType: "application", RefID: 42, DedupKey: key,
		Template: e.svc.Progress("一次性创业补贴 "+key, "已通过", "", time.Now())}
}

func (e *env) enqueue(ns ...notify.Notification) {
	e.t.Helper()
	err := sqldb.WithTx(context.Background(), e.db, func(tx *sqlx.Tx) error {
		for _, n := range ns {
			if err := notify.Enqueue(context.Background(), tx, n); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		e.t.Fatal(err)
	}
}

type outboxRow struct {
	Status    string  `db:"status"`
	Attempts  int     `db:"attempts"`
	LastError *string `db:"last_error"`
	DueIn     float64 `db:"due_in"`
}

func (e *env) row(key string) outboxRow {
	e.t.Helper()
	var r outboxRow
	if err := e.db.Get(&r, `SELECT status, attempts, last_error,
		TIMESTAMPDIFF(MICROSECOND, UTC_TIMESTAMP(3), next_attempt_at) / 1e6 AS due_in FROM outbox WHERE dedup_key = ?`, key); err != nil {
		e.t.Fatalf("outbox %s: %v", key, err)
	}
	return r
}

func (e *env) consents(userID int64) int {
	e.t.Helper()
	var n int
	if err := e.db.Get(&n, `SELECT COALESCE(MAX(remaining), 0) FROM subscription_consents WHERE user_id = ? AND template_id = ?`, userID, tmpl); err != nil {
		e.t.Fatal(err)
	}
	return n
}

// makeDue moves every pending row's next attempt to now, in place of waiting for the backoff.
func (e *env) makeDue() {
	e.db.MustExec(`UPDATE outbox SET next_attempt_at = UTC_TIMESTAMP(3) WHERE status = 'pending'`)
}

// sentTo counts the stand-in's accepted messages to openid.
func sentTo(openid string) int {
	n := 0
	for _, m := range fake.Sent() {
		if m.ToUser == openid {
			n++
		}
	}
	return n
}

func tick(t testing.TB, w *notify.Worker) int {
	t.Helper()
	n, err := w.Tick(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestEnqueue_rollbackWritesNothing_commitWritesBoth(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	uid, _ := e.user("rb", 0)
	ctx := t.Context()
	boom := errors.New("the status change failed")
	err := sqldb.WithTx(ctx, e.db, func(tx *sqlx.Tx) error {
		if err := notify.Enqueue(ctx, tx, e.note(uid, "app:42:status:approved")); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatal(err)
	}
	var inbox, outbox int
	e.db.Get(&inbox, `SELECT COUNT(*) FROM inbox_messages`)
	e.db.Get(&outbox, `SELECT COUNT(*) FROM outbox`)
	if inbox != 0 || outbox != 0 {
		t.Fatalf("after rollback: inbox %d, outbox %d", inbox, outbox)
	}

	e.enqueue(e.note(uid, "app:42:status:approved"))
	// The same event again, and a notification without a template (inbox only).
	e.enqueue(e.note(uid, "app:42:status:approved"))
	n := e.note(uid, "app:42:status:submitted")
	n.Template = nil
	e.enqueue(n)
	e.db.Get(&inbox, `SELECT COUNT(*) FROM inbox_messages WHERE user_id = ?`, uid)
	e.db.Get(&outbox, `SELECT COUNT(*) FROM outbox WHERE user_id = ?`, uid)
	if inbox != 2 || outbox != 1 {
		t.Fatalf("after commit: inbox %d, outbox %d; want 2 and 1", inbox, outbox)
	}
	if r := e.row("app:42:status:approved"); r.Status != notify.StatusPending || r.Attempts != 0 {
		t.Fatalf("outbox row = %+v", r)
	}
}

func TestEnqueue_invalidNotification(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	uid, _ := e.user("inv", 0)
	cases := map[string]func(*notify.Notification){
		"no user":       func(n *notify.Notification) { n.UserID = 0 },
		"unknown user":  func(n *notify.Notification) { n.UserID = uid + 1000 },
		"no title":      func(n *notify.Notification) { n.Title = "" },
		"no dedup key":  func(n *notify.Notification) { n.DedupKey = "" },
		"non-ascii key": func(n *notify.Notification) { n.DedupKey = "申请:1" },
		"bad kind":      func(n *notify.Notification) { n.Kind = "Status Change" },
		"empty data":    func(n *notify.Notification) { n.Template.Data = nil },
	}
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			n := e.note(uid, "app:1:x")
			mutate(&n)
			err := notify.Enqueue(t.Context(), e.db, n)
			if !errors.Is(err, notify.ErrInvalid) {
				t.Fatalf("err = %v, want ErrInvalid", err)
			}
		})
	}
}

func TestConsents_countedSpentSkippedAndZeroedBy43101(t *testing.T) {
	// Not parallel: it changes the shared stand-in (outage, failures, call counts).
	e := newEnv(t)
	uid, openid := e.user("c", 0)
	ctx := t.Context()
	fake.GrantConsent(openid, tmpl, 2)
	var got notify.Consents
	for range 2 {
		var err error
		if got, err = e.svc.AddConsents(ctx, uid, []string{tmpl, tmpl, "TMPL_UNKNOWN"}); err != nil {
			t.Fatal(err)
		}
	}
	if got.Consents[tmpl] != 2 || len(got.Ignored) != 1 || got.Ignored[0] != "TMPL_UNKNOWN" {
		t.Fatalf("after two reports: %+v", got)
	}
	if _, err := e.svc.AddConsents(ctx, uid, strings.Split("a,b,c,d,e,f,g,h,i,j,k", ",")); !errors.Is(err, notify.ErrTooManyTemplates) {
		t.Fatalf("11 templates: err = %v", err)
	}

	e.enqueue(e.note(uid, "c:1"), e.note(uid, "c:2"), e.note(uid, "c:3"))
	w := e.worker(notify.WorkerOptions{})
	before := fake.Calls(wxfake.PathSubscribeSend)
	tick(t, w)
	if calls := fake.Calls(wxfake.PathSubscribeSend) - before; calls != 2 {
		t.Fatalf("WeChat called %d times, want 2 (the third has no consent)", calls)
	}
	for key, want := range map[string]string{"c:1": notify.StatusSent, "c:2": notify.StatusSent, "c:3": notify.StatusSkipped} {
		if r := e.row(key); r.Status != want {
			t.Errorf("%s: %+v, want %s", key, r, want)
		}
	}
	if n := sentTo(openid); n != 2 {
		t.Fatalf("stand-in accepted %d messages, want 2", n)
	}
	if n := e.consents(uid); n != 0 {
		t.Fatalf("consents left = %d", n)
	}
	// The inbox has all three.
	inbox, err := e.svc.Inbox(ctx, uid, sqldb.PageRequest{Page: 1, PageSize: 10})
	if err != nil || inbox.Total != 3 || inbox.Unread != 3 {
		t.Fatalf("inbox = %+v, %v", inbox, err)
	}

	t.Run("43101 zeroes the count", func(t *testing.T) {
		for range 3 {
			e.svc.AddConsents(ctx, uid, []string{tmpl})
		}
		fake.FailNext(wxfake.PathSubscribeSend, wxfake.ErrUserRefused, "")
		e.enqueue(e.note(uid, "c:4"))
		tick(t, w)
		if r := e.row("c:4"); r.Status != notify.StatusSkipped || r.LastError == nil || !strings.Contains(*r.LastError, "43101") {
			t.Fatalf("row = %+v", r)
		}
		if n := e.consents(uid); n != 0 {
			t.Fatalf("consents after 43101 = %d, want 0", n)
		}
	})

	t.Run("capped", func(t *testing.T) {
		for range notify.DefaultConsentCap + 5 {
			got, _ = e.svc.AddConsents(ctx, uid, []string{tmpl})
		}
		if got.Consents[tmpl] != notify.DefaultConsentCap {
			t.Fatalf("count = %d, want the cap %d", got.Consents[tmpl], notify.DefaultConsentCap)
		}
	})
}

func TestOutage_backToPendingWithBackoff_thenSentOnce(t *testing.T) {
	// Not parallel: it changes the shared stand-in (outage, failures, call counts).
	e := newEnv(t)
	uid, openid := e.user("out", 1)
	e.enqueue(e.note(uid, "out:1"))
	w := e.worker(notify.WorkerOptions{BackoffBase: 10 * time.Second})
	for i, mode := range []string{wxfake.OutageBusy, wxfake.OutageHTTP502, wxfake.OutageRateLimit} {
		fake.SetOutage(mode)
		tick(t, w)
		r := e.row("out:1")
		// Attempt n waits 10s·2^(n-1), jittered between half and all of it.
		low, high := 5*float64(int(1)<<i)-1, 10*float64(int(1)<<i)+1
		if r.Status != notify.StatusPending || r.Attempts != i+1 || r.DueIn < low || r.DueIn > high || r.LastError == nil {
			t.Fatalf("%s: row = %+v, want pending, attempt %d, due in [%v, %v]s", mode, r, i+1, low, high)
		}
		if strings.Contains(*r.LastError, "access_token=") && !strings.Contains(*r.LastError, "REDACTED") {
			t.Fatalf("token in last_error: %s", *r.LastError)
		}
		if n := e.consents(uid); n != 1 {
			t.Fatalf("%s: consent spent (%d left)", mode, n)
		}
		if tick(t, w) != 0 {
			t.Fatal("a row in backoff was due")
		}
		e.makeDue()
	}
	fake.SetOutage(wxfake.OutageNone)
	tick(t, w)
	tick(t, w)
	if r := e.row("out:1"); r.Status != notify.StatusSent || r.Attempts != 4 {
		t.Fatalf("after the outage: %+v", r)
	}
	if n := sentTo(openid); n != 1 {
		t.Fatalf("sent %d times, want 1", n)
	}
	if n := e.consents(uid); n != 0 {
		t.Fatalf("consents = %d", n)
	}
}

func TestWorkerKilledBetweenClaimAndSend_sentOnceByAnother(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	uid, openid := e.user("kill", 1)
	e.enqueue(e.note(uid, "kill:1"))
	ctx := t.Context()

	// A long lease: the test ends it itself (below), and a short one could run out on a busy machine
	// before the test's next step.
	dead := e.worker(notify.WorkerOptions{Lease: 30 * time.Second, ID: "dead"})
	rows, err := dead.ClaimDue(ctx)
	if err != nil || len(rows) != 1 {
		t.Fatalf("claim = %v, %v", rows, err)
	}
	// The dead worker never sends. Another worker leaves the row alone while the lease lasts...
	other := e.worker(notify.WorkerOptions{Lease: 5 * time.Second, ID: "other"})
	if n := tick(t, other); n != 0 || e.row("kill:1").Status != notify.StatusSending {
		t.Fatalf("a leased row was taken (%d)", n)
	}
	// ...and takes it once the lease has expired (on the database's clock, which the lease uses:
	// the lease is moved into the past instead of waiting for it).
	e.db.MustExec("UPDATE outbox SET lease_until = UTC_TIMESTAMP(3) - INTERVAL 1 SECOND, next_attempt_at = lease_until WHERE dedup_key = 'kill:1'")
	tick(t, other)
	if r := e.row("kill:1"); r.Status != notify.StatusSent || r.Attempts != 2 {
		t.Fatalf("row = %+v", r)
	}
	// The "dead" worker wakes up and carries on with its claim: fenced off, it sends nothing.
	dead.Process(ctx, rows[0])
	if n := sentTo(openid); n != 1 {
		t.Fatalf("sent %d times, want exactly 1", n)
	}
	if r := e.row("kill:1"); r.Status != notify.StatusSent {
		t.Fatalf("late worker changed the row: %+v", r)
	}
}

func TestWorkerKilledDuringWeChatCall_deadNotResent_staffRetrySends(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	uid, openid := e.user("mid", 2)
	e.enqueue(e.note(uid, "mid:1"))
	ctx := t.Context()
	// A long lease: the test ends it itself (below); a short one ran out between the claim and
	// StartSend once, under make test's load ("claim lost").
	dead := e.worker(notify.WorkerOptions{Lease: 30 * time.Second, ID: "dead"})
	rows, err := dead.ClaimDue(ctx)
	if err != nil || len(rows) != 1 {
		t.Fatalf("claim = %v, %v", rows, err)
	}
	if ok, err := dead.StartSend(ctx, rows[0]); !ok || err != nil {
		t.Fatalf("start = %v, %v", ok, err)
	}
	// Killed here: WeChat may or may not have the message. After the lease, another worker must
	// not send it again; it marks it dead for staff to see.
	e.db.MustExec("UPDATE outbox SET lease_until = UTC_TIMESTAMP(3) - INTERVAL 1 SECOND, next_attempt_at = lease_until WHERE dedup_key = 'mid:1'") // the lease ends
	other := e.worker(notify.WorkerOptions{Lease: 5 * time.Second, ID: "other"})
	tick(t, other)
	r := e.row("mid:1")
	if r.Status != notify.StatusDead || r.LastError == nil || !strings.Contains(*r.LastError, "outcome unknown") {
		t.Fatalf("row = %+v", r)
	}
	if n := sentTo(openid); n != 0 {
		t.Fatalf("sent %d", n)
	}
	dead2 := rows[0]

	page, err := e.svc.ListOutbox(ctx, notify.StatusDead, sqldb.PageRequest{Page: 1, PageSize: 20})
	if err != nil || page.Total != 1 || page.Items[0].DedupKey != "mid:1" || page.Items[0].TemplateID != tmpl {
		t.Fatalf("dead letters = %+v, %v", page, err)
	}
	actor := act.Staff(1, "admin", act.DistrictAdmin, "", "")
	it, err := e.svc.RetryDead(ctx, actor, page.Items[0].ID)
	if err != nil || it.Status != notify.StatusPending || it.Attempts != 0 {
		t.Fatalf("retry = %+v, %v", it, err)
	}
	if _, err := e.svc.RetryDead(ctx, actor, page.Items[0].ID); !errors.Is(err, notify.ErrNotDead) {
		t.Fatalf("retry of a pending row: %v", err)
	}
	if _, err := e.svc.RetryDead(ctx, actor, 999999); !errors.Is(err, notify.ErrNotFound) {
		t.Fatalf("retry of a missing row: %v", err)
	}
	tick(t, other)
	// The killed worker's call "comes back" late: the staff retry reset the fence, so nothing moves.
	dead.Process(ctx, dead2)
	if r := e.row("mid:1"); r.Status != notify.StatusSent {
		t.Fatalf("after retry: %+v", r)
	}
	if n := sentTo(openid); n != 1 {
		t.Fatalf("sent %d times, want 1", n)
	}
	recs, _ := audit.ListByActorName(ctx, e.db, "admin", 10)
	if len(recs) != 1 || recs[0].Action != "outbox.retry" {
		t.Fatalf("audit = %+v", recs)
	}
}

func TestLateAnswerAfterOutcomeUnknown_recordedAsSent(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	uid, _ := e.user("late", 1)
	e.enqueue(e.note(uid, "late:1"))
	ctx := t.Context()
	slow := e.worker(notify.WorkerOptions{Lease: 30 * time.Second, ID: "slow"}) // the test ends it itself
	rows, err := slow.ClaimDue(ctx)
	if err != nil || len(rows) != 1 {
		t.Fatalf("claim = %v, %v", rows, err)
	}
	if ok, err := slow.StartSend(ctx, rows[0]); !ok || err != nil {
		t.Fatalf("start = %v, %v", ok, err)
	}
	e.db.MustExec("UPDATE outbox SET lease_until = UTC_TIMESTAMP(3) - INTERVAL 1 SECOND, next_attempt_at = lease_until WHERE dedup_key = 'late:1'") // the lease ends
	tick(t, e.worker(notify.WorkerOptions{ID: "other"}))
	if r := e.row("late:1"); r.Status != notify.StatusDead {
		t.Fatalf("row = %+v", r)
	}
	// The slow worker's WeChat call comes back accepted: the claim's fence still holds, so the
	// truth replaces "outcome unknown".
	slow.FinishSent(ctx, rows[0])
	if r := e.row("late:1"); r.Status != notify.StatusSent {
		t.Fatalf("row = %+v", r)
	}
}

func TestParallelWorkers_200Rows_eachSentExactlyOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const users, per = 20, 10
	openids := map[string]bool{}
	var ns []notify.Notification
	for u := range users {
		uid, openid := e.user(fmt.Sprint("p", u), per)
		openids[openid] = true
		for i := range per {
			n := e.note(uid, fmt.Sprintf("par:%d:%d", u, i))
			n.Template.Data["thing1"] = fmt.Sprintf("m%d-%d", u, i)
			ns = append(ns, n)
		}
	}
	e.enqueue(ns...)

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var workers []*notify.Worker
	for i := range 4 {
		w := e.worker(notify.WorkerOptions{Workers: 2, Batch: 8, ID: fmt.Sprint("w", i)})
		workers = append(workers, w)
		go w.Run(ctx)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		var open int
		e.db.Get(&open, `SELECT COUNT(*) FROM outbox WHERE status IN ('pending', 'sending')`)
		if open == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d rows still open", open)
		}
		time.Sleep(20 * time.Millisecond)
	}
	for _, w := range workers {
		if err := w.Shutdown(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	seen := map[string]int{}
	for _, m := range fake.Sent() {
		if openids[m.ToUser] {
			seen[m.Data["thing1"]]++
		}
	}
	if len(seen) != users*per {
		t.Fatalf("%d distinct messages sent, want %d", len(seen), users*per)
	}
	for k, n := range seen {
		if n != 1 {
			t.Errorf("%s sent %d times", k, n)
		}
	}
	var sent, attempts int
	e.db.Get(&sent, `SELECT COUNT(*) FROM outbox WHERE status = 'sent'`)
	e.db.Get(&attempts, `SELECT SUM(attempts) FROM outbox`)
	if sent != users*per || attempts != users*per {
		t.Fatalf("sent rows %d, attempts %d; want %d each", sent, attempts, users*per)
	}
}

func TestMaxAttempts_dead_thenStaffRetry_sent(t *testing.T) {
	// Not parallel: it changes the shared stand-in (outage, failures, call counts).
	e := newEnv(t)
	uid, openid := e.user("max", 1)
	e.enqueue(e.note(uid, "max:1"))
	w := e.worker(notify.WorkerOptions{MaxAttempts: 3})
	fake.SetOutage(wxfake.OutageBusy)
	for range 3 {
		tick(t, w)
		e.makeDue()
	}
	r := e.row("max:1")
	if r.Status != notify.StatusDead || r.Attempts != 3 || !strings.Contains(*r.LastError, "after 3 attempts") {
		t.Fatalf("row = %+v", r)
	}
	if n := e.consents(uid); n != 1 {
		t.Fatalf("consents = %d, want 1 (never spent at WeChat)", n)
	}
	fake.SetOutage(wxfake.OutageNone)
	page, _ := e.svc.ListOutbox(t.Context(), notify.StatusDead, sqldb.PageRequest{Page: 1, PageSize: 20})
	if _, err := e.svc.RetryDead(t.Context(), act.Staff(1, "admin", act.DistrictAdmin, "", ""), page.Items[0].ID); err != nil {
		t.Fatal(err)
	}
	tick(t, w)
	if r := e.row("max:1"); r.Status != notify.StatusSent || r.Attempts != 1 {
		t.Fatalf("after retry: %+v", r)
	}
	if n := sentTo(openid); n != 1 {
		t.Fatalf("sent %d", n)
	}
}

func TestInvalidArgument_deadAndConsentGivenBack(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	uid, openid := e.user("bad", 1)
	n := e.note(uid, "bad:1")
	n.Template.Data["thing1"] = strings.Repeat("长", 21) // over WeChat's 20 characters
	e.enqueue(n)
	tick(t, e.worker(notify.WorkerOptions{}))
	if r := e.row("bad:1"); r.Status != notify.StatusDead || !strings.Contains(*r.LastError, "47003") {
		t.Fatalf("row = %+v", r)
	}
	if c := e.consents(uid); c != 1 || sentTo(openid) != 0 {
		t.Fatalf("consents %d, sent %d", c, sentTo(openid))
	}
}

func TestShutdown_waitsForTheSendInFlight(t *testing.T) {
	// Not parallel: it changes the shared stand-in (outage, failures, call counts).
	e := newEnv(t)
	uid, _ := e.user("sd", 1)
	e.enqueue(e.note(uid, "sd:1"))
	fake.SetOutage(wxfake.OutageHang) // the call takes the client's 1s timeout
	w := e.worker(notify.WorkerOptions{Lease: 10 * time.Second})
	ran := make(chan error, 1)
	go func() { ran <- w.Run(context.Background()) }()
	deadline := time.Now().Add(5 * time.Second)
	for {
		var started int
		e.db.Get(&started, `SELECT COUNT(*) FROM outbox WHERE send_started_at IS NOT NULL`)
		if started == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("send never started")
		}
		time.Sleep(5 * time.Millisecond)
	}
	begin := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := w.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-ran; err != nil {
		t.Fatal(err)
	}
	// Shutdown returned after the call ended, and the outcome was recorded.
	if r := e.row("sd:1"); r.Status != notify.StatusPending || r.Attempts != 1 {
		t.Fatalf("row = %+v (Shutdown took %v)", r, time.Since(begin))
	}
}

func TestRateLimit_spacesSends(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	uid, _ := e.user("rate", 11)
	for i := range 11 {
		e.enqueue(e.note(uid, fmt.Sprint("rate:", i)))
	}
	w := e.worker(notify.WorkerOptions{Rate: 20, Workers: 2})
	start := time.Now()
	for tick(t, w) > 0 {
	}
	// 11 sends at 20/s: the first at once, then 10 gaps of 50ms.
	if d := time.Since(start); d < 450*time.Millisecond {
		t.Fatalf("11 sends took %v at 20/s", d)
	}
	var sent int
	e.db.Get(&sent, `SELECT COUNT(*) FROM outbox WHERE status = 'sent'`)
	if sent != 11 {
		t.Fatalf("sent = %d", sent)
	}
}

func TestInbox_listReadAndOwnership(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	alice, _ := e.user("alice", 0)
	bob, _ := e.user("bob", 0)
	ctx := t.Context()
	for i := range 3 {
		n := e.note(alice, fmt.Sprint("in:", i))
		n.Title = fmt.Sprint("消息", i)
		e.enqueue(n)
		time.Sleep(2 * time.Millisecond)
	}
	e.enqueue(e.note(bob, "in:bob"))
	in, err := e.svc.Inbox(ctx, alice, sqldb.PageRequest{Page: 1, PageSize: 2})
	if err != nil || in.Total != 3 || in.Unread != 3 || len(in.Items) != 2 || in.Items[0].Title != "消息2" {
		t.Fatalf("inbox = %+v, %v", in, err)
	}
	if err := e.svc.MarkRead(ctx, alice, in.Items[0].ID); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.MarkRead(ctx, alice, in.Items[0].ID); err != nil {
		t.Fatalf("marking again: %v", err)
	}
	bobs, _ := e.svc.Inbox(ctx, bob, sqldb.PageRequest{Page: 1, PageSize: 20})
	if err := e.svc.MarkRead(ctx, alice, bobs.Items[0].ID); !errors.Is(err, notify.ErrNotFound) {
		t.Fatalf("another user's message: %v", err)
	}
	in, _ = e.svc.Inbox(ctx, alice, sqldb.PageRequest{Page: 2, PageSize: 2})
	if in.Unread != 2 || len(in.Items) != 1 || in.Items[0].Title != "消息0" {
		t.Fatalf("page 2 = %+v", in)
	}
}

// BenchmarkWorker_sends measures the worker's sends per second against the stand-in, through the
// real SDK and MariaDB, with the rate cap off and on (20/s is the default). Each iteration is one
// message: go test -run '^$' -bench Worker_sends -benchtime 1000x ./internal/notify/
func BenchmarkWorker_sends(b *testing.B) {
	for _, bc := range []struct {
		name    string
		rate    float64
		workers int
	}{{"rate=off/workers=1", 0, 1}, {"rate=off/workers=4", 0, 4}, {"rate=20/workers=2", 20, 2}, {"rate=50/workers=2", 50, 2}} {
		b.Run(bc.name, func(b *testing.B) {
			e := newEnv(b)
			const users = 50
			uids := make([]int64, users)
			now := time.Now().UTC()
			for u := range users {
				uids[u], _ = e.user(fmt.Sprint("b", u), 0)
				fake.GrantConsent(fmt.Sprintf("%s_b%d", e.tag, u), tmpl, b.N)
				e.db.MustExec(`INSERT INTO subscription_consents (user_id, template_id, remaining, updated_at) VALUES (?, ?, ?, ?)`,
					uids[u], tmpl, b.N, now)
			}
			var ns []notify.Notification
			for i := range b.N {
				ns = append(ns, e.note(uids[i%users], fmt.Sprint("bench:", i)))
				if len(ns) == 500 || i == b.N-1 {
					e.enqueue(ns...)
					ns = ns[:0]
				}
			}
			w := e.worker(notify.WorkerOptions{Rate: bc.rate, Workers: bc.workers, Batch: 20})
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			b.ResetTimer()
			start := time.Now()
			go w.Run(ctx)
			for {
				var open int
				e.db.Get(&open, `SELECT COUNT(*) FROM outbox WHERE status IN ('pending', 'sending')`)
				if open == 0 {
					break
				}
				time.Sleep(2 * time.Millisecond)
			}
			elapsed := time.Since(start)
			b.StopTimer()
			w.Shutdown(context.Background())
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "sends/s")
		})
	}
}
