package notify_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"huixiang/internal/cn"
	"huixiang/internal/notify"
	"huixiang/internal/sqldb"
	"huixiang/internal/testenv"
	"huixiang/internal/wechat"
	"huixiang/internal/wxfake"
)

const noticeTmpl = "TMPL_POLICY_NOTICE"

// pushEnv is env with the notice template registered and a Service that knows it as long-term.
func newPushEnv(t testing.TB) *env {
	e := newEnv(t)
	fake.RegisterTemplate(noticeTmpl, "thing1", "thing2", "time3")
	e.svc = notify.NewService(e.db, notify.Options{ProgressTemplateID: tmpl, NoticeTemplateID: noticeTmpl, NoticeLongTerm: true})
	return e
}

// daytime is 10:00 Beijing today: outside the quiet hours.
func daytime() time.Time {
	n := time.Now().In(cn.Zone)
	return time.Date(n.Year(), n.Month(), n.Day(), 10, 0, 0, 0, cn.Zone)
}

func (e *env) pushWorker(now time.Time, extra func(*notify.WorkerOptions)) *notify.Worker {
	o := notify.WorkerOptions{Push: notify.PushOptions{TemplateID: noticeTmpl, Now: func() time.Time { return now }}}
	if extra != nil {
		extra(&o)
	}
	return e.worker(o)
}

func (e *env) push(userID int64, key string, notBefore time.Time) {
	e.t.Helper()
	err := sqldb.WithTx(context.Background(), e.db, func(tx *sqlx.Tx) error {
		return notify.EnqueuePushes(context.Background(), tx, []notify.Push{{UserID: userID, NoticeID: 7, DedupKey: key,
			Page: "pages/policy/policy?id=3", Title: "一次性创业补贴开始申报了，请符合条件的返乡人员尽快申请", Summary: "最高补贴 5000 元"}},
			time.Now(), notBefore)
	})
	if err != nil {
		e.t.Fatal(err)
	}
}

type pushRow struct {
	Status  string  `db:"status"`
	Channel *string `db:"channel"`
	Skip    *string `db:"skip_reason"`
	MsgID   *string `db:"wx_msgid"`
}

func (e *env) pushRow(key string) pushRow {
	e.t.Helper()
	var r pushRow
	if err := e.db.Get(&r, `SELECT status, channel, skip_reason, wx_msgid FROM outbox WHERE dedup_key = ?`, key); err != nil {
		e.t.Fatal(err)
	}
	return r
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func TestPush_channelByConsent_longTermKept_oneTimeSpent_noneSkipped_offSkipped(t *testing.T) {
	e := newPushEnv(t)
	ctx := t.Context()
	long, longOpenID := e.user("long", 0)
	once, onceOpenID := e.user("once", 0)
	none, _ := e.user("none", 0)
	off, offOpenID := e.user("off", 0)
	fake.GrantConsent(longOpenID, noticeTmpl, 10)
	fake.GrantConsent(onceOpenID, noticeTmpl, 1)
	fake.GrantConsent(offOpenID, noticeTmpl, 10)
	// WeChat tells us: long-term acceptance (the notice template is long-term).
	for _, o := range []string{longOpenID, offOpenID} {
		if err := e.svc.HandleMiniProgramEvent(ctx, wechat.MiniProgramEvent{Event: wechat.EventSubscribePopup, OpenID: o, CreateTime: time.Now().Unix(),
			Items: []wechat.TemplateEvent{{TemplateID: noticeTmpl, Status: wechat.ConsentAccept}}}); err != nil {
			t.Fatal(err)
		}
	}
	e.db.MustExec(`INSERT INTO subscription_consents (user_id, template_id, remaining, long_term, updated_at) VALUES (?, ?, 1, FALSE, UTC_TIMESTAMP())`, once, noticeTmpl)
	if _, err := e.svc.SetPushes(ctx, off, false); err != nil {
		t.Fatal(err)
	}
	s, err := e.svc.Settings(ctx, long)
	if err != nil || s.NoticeConsent != "long_term" || !s.PushesEnabled || s.WeeklyCap != 3 || s.QuietHours.From != "22:00" {
		t.Fatalf("settings of the long-term subscriber: %+v %v", s, err)
	}
	for _, u := range []struct {
		id  int64
		key string
	}{{long, "n:long:1"}, {long, "n:long:2"}, {once, "n:once:1"}, {once, "n:once:2"}, {none, "n:none"}, {off, "n:off"}} {
		e.push(u.id, u.key, time.Now())
	}
	w := e.pushWorker(daytime(), nil)
	for tick(t, w) > 0 {
	}
	want := map[string][3]string{
		"n:long:1": {"sent", "subscribe", ""}, "n:long:2": {"sent", "subscribe", ""},
		"n:once:1": {"sent", "subscribe", ""}, "n:once:2": {"skipped", "", "no_consent"},
		"n:none": {"skipped", "", "no_consent"}, "n:off": {"skipped", "", "turned_off"},
	}
	for key, w := range want {
		r := e.pushRow(key)
		if r.Status != w[0] || str(r.Channel) != w[1] || str(r.Skip) != w[2] {
			t.Errorf("%s: %s/%s/%s, want %v", key, r.Status, str(r.Channel), str(r.Skip), w)
		}
		if r.Status == "sent" && str(r.MsgID) == "" {
			t.Errorf("%s: sent without WeChat's msgid", key)
		}
	}
	if n := sentTo(longOpenID); n != 2 {
		t.Fatalf("long-term subscriber got %d pushes, want 2 (the consent is kept)", n)
	}
	if n := sentTo(offOpenID); n != 0 {
		t.Fatalf("a person who turned pushes off got %d", n)
	}
	s, _ = e.svc.Settings(ctx, once)
	if s.NoticeConsent != "none" {
		t.Fatalf("one-time consent after its send: %+v", s)
	}
	// The template message carries the title cut to WeChat's 20 characters.
	for _, m := range fake.Sent() {
		if m.ToUser == longOpenID && len([]rune(m.Data["thing1"])) > 20 {
			t.Fatalf("thing1 over 20 characters: %q", m.Data["thing1"])
		}
	}
}

func TestPush_quietHours_writtenAtNightDueAtEight_claimedAtNightDeferred(t *testing.T) {
	e := newPushEnv(t)
	uid, openid := e.user("night", 0)
	fake.GrantConsent(openid, noticeTmpl, 5)
	e.db.MustExec(`INSERT INTO subscription_consents (user_id, template_id, remaining, long_term, updated_at) VALUES (?, ?, 0, TRUE, UTC_TIMESTAMP())`, uid, noticeTmpl)
	n := time.Now().In(cn.Zone)
	night := time.Date(n.Year(), n.Month(), n.Day(), 23, 30, 0, 0, cn.Zone)
	morning := time.Date(n.Year(), n.Month(), n.Day()+1, 8, 0, 0, 0, cn.Zone)
	if got := notify.DefaultQuiet.Next(night); !got.Equal(morning) {
		t.Fatalf("Next(23:30) = %s, want %s", got.In(cn.Zone), morning)
	}
	early := time.Date(n.Year(), n.Month(), n.Day(), 6, 0, 0, 0, cn.Zone)
	if got := notify.DefaultQuiet.Next(early); !got.Equal(time.Date(n.Year(), n.Month(), n.Day(), 8, 0, 0, 0, cn.Zone)) {
		t.Fatalf("Next(06:00) = %s", got.In(cn.Zone))
	}
	if got := notify.DefaultQuiet.Next(daytime()); !got.Equal(daytime()) {
		t.Fatalf("Next(10:00) = %s", got)
	}
	// A push written by day but claimed at 23:30 waits for 08:00 without counting an attempt.
	e.push(uid, "q:1", time.Now())
	w := e.pushWorker(night, nil)
	tick(t, w)
	var due time.Time
	var attempts int
	e.db.QueryRow(`SELECT next_attempt_at, attempts FROM outbox WHERE dedup_key = 'q:1'`).Scan(&due, &attempts)
	if r := e.pushRow("q:1"); r.Status != "pending" || !due.Equal(morning.UTC()) || attempts != 0 {
		t.Fatalf("claimed at night: %s due %s attempts %d; want pending due %s", r.Status, due, attempts, morning.UTC())
	}
	if sentTo(openid) != 0 {
		t.Fatal("pushed at night")
	}
	// Morning comes.
	e.makeDue()
	tick(t, e.pushWorker(morning, nil))
	if r := e.pushRow("q:1"); r.Status != "sent" {
		t.Fatalf("in the morning: %s", r.Status)
	}
}

func TestPush_weeklyCap_parallelWorkers_exactlyCapSent(t *testing.T) {
	e := newPushEnv(t)
	uid, openid := e.user("busy", 0)
	fake.GrantConsent(openid, noticeTmpl, 50)
	e.db.MustExec(`INSERT INTO subscription_consents (user_id, template_id, remaining, long_term, updated_at) VALUES (?, ?, 0, TRUE, UTC_TIMESTAMP())`, uid, noticeTmpl)
	const pushes = 8
	for i := range pushes {
		e.push(uid, fmt.Sprintf("cap:%d", i), time.Now())
	}
	var wg sync.WaitGroup
	for range 4 {
		w := e.pushWorker(daytime(), func(o *notify.WorkerOptions) { o.Batch = 2 })
		wg.Go(func() {
			for {
				n, err := w.Tick(context.Background())
				if err != nil {
					t.Error(err)
					return
				}
				if n == 0 {
					return
				}
			}
		})
	}
	wg.Wait()
	var sent, capped int
	e.db.Get(&sent, `SELECT COUNT(*) FROM outbox WHERE user_id = ? AND status = 'sent'`, uid)
	e.db.Get(&capped, `SELECT COUNT(*) FROM outbox WHERE user_id = ? AND status = 'skipped' AND skip_reason = 'cap'`, uid)
	if sent != 3 || capped != pushes-3 || sentTo(openid) != 3 {
		t.Fatalf("sent %d (WeChat saw %d), capped %d; want 3 and %d", sent, sentTo(openid), capped, pushes-3)
	}
}

func TestPush_noConsentAtWeChat_43101_consentForgotten_thenSkipped(t *testing.T) {
	e := newPushEnv(t)
	uid, openid := e.user("gone", 0)
	// We believe in a long-term consent WeChat no longer holds (turned off, event lost).
	e.db.MustExec(`INSERT INTO subscription_consents (user_id, template_id, remaining, long_term, updated_at) VALUES (?, ?, 0, TRUE, UTC_TIMESTAMP())`, uid, noticeTmpl)
	e.push(uid, "g:1", time.Now())
	w := e.pushWorker(daytime(), nil)
	for tick(t, w) > 0 {
	}
	r := e.pushRow("g:1")
	if r.Status != "skipped" || str(r.Skip) != "no_consent" || sentTo(openid) != 0 {
		t.Fatalf("after 43101: %+v", r)
	}
	var held int
	e.db.Get(&held, `SELECT COUNT(*) FROM broadcast_pushes WHERE user_id = ?`, uid)
	if s, _ := e.svc.Settings(t.Context(), uid); s.NoticeConsent != "none" || held != 0 {
		t.Fatalf("consent %q and %d places under the cap after 43101", s.NoticeConsent, held)
	}
}

func TestConsentEvents_onceEach_rejectWithdraws_sentFailureMarksPush(t *testing.T) {
	e := newPushEnv(t)
	ctx := t.Context()
	uid, openid := e.user("events", 0)
	ev := wechat.MiniProgramEvent{Event: wechat.EventSubscribePopup, OpenID: openid, CreateTime: 1700000000,
		Items: []wechat.TemplateEvent{{TemplateID: tmpl, Status: wechat.ConsentAccept}, {TemplateID: "TMPL_UNKNOWN", Status: wechat.ConsentAccept}}}
	// WeChat pushes the same event three times (we answered slowly): one consent.
	for range 3 {
		if err := e.svc.HandleMiniProgramEvent(ctx, ev); err != nil {
			t.Fatal(err)
		}
	}
	if n := e.consents(uid); n != 1 {
		t.Fatalf("one popup acceptance counted %d times", n)
	}
	// The user turns the long-term template on, then off in WeChat's settings.
	on := wechat.MiniProgramEvent{Event: wechat.EventSubscribePopup, OpenID: openid, CreateTime: 1700000100,
		Items: []wechat.TemplateEvent{{TemplateID: noticeTmpl, Status: wechat.ConsentAccept}}}
	off := wechat.MiniProgramEvent{Event: wechat.EventSubscribeChange, OpenID: openid, CreateTime: 1700000200,
		Items: []wechat.TemplateEvent{{TemplateID: noticeTmpl, Status: wechat.ConsentReject}}}
	if err := e.svc.HandleMiniProgramEvent(ctx, on); err != nil {
		t.Fatal(err)
	}
	if s, _ := e.svc.Settings(ctx, uid); s.NoticeConsent != "long_term" {
		t.Fatalf("after acceptance: %+v", s)
	}
	if err := e.svc.HandleMiniProgramEvent(ctx, off); err != nil {
		t.Fatal(err)
	}
	if s, _ := e.svc.Settings(ctx, uid); s.NoticeConsent != "none" {
		t.Fatalf("after turning it off: %+v", s)
	}
	// A push WeChat accepted but then could not deliver is failed in the report.
	if err := e.svc.HandleMiniProgramEvent(ctx, on); err != nil { // same event again: ignored
		t.Fatal(err)
	}
	on.CreateTime++
	if err := e.svc.HandleMiniProgramEvent(ctx, on); err != nil {
		t.Fatal(err)
	}
	fake.GrantConsent(openid, noticeTmpl, 5)
	e.push(uid, "s:1", time.Now())
	for tick(t, e.pushWorker(daytime(), nil)) > 0 {
	}
	r := e.pushRow("s:1")
	if r.Status != "sent" || r.MsgID == nil {
		t.Fatalf("push: %+v", r)
	}
	sent := wechat.MiniProgramEvent{Event: wechat.EventSubscribeSent, OpenID: openid, CreateTime: 1700000300,
		Items: []wechat.TemplateEvent{{TemplateID: noticeTmpl, MsgID: *r.MsgID, ErrorCode: "10004", ErrorStatus: "fail user refuse accept"}}}
	if err := e.svc.HandleMiniProgramEvent(ctx, sent); err != nil {
		t.Fatal(err)
	}
	var derr *string
	e.db.Get(&derr, `SELECT delivery_error FROM outbox WHERE dedup_key = 's:1'`)
	if str(derr) != "fail user refuse accept" {
		t.Fatalf("delivery error %q", str(derr))
	}
	if s, _ := e.svc.Settings(ctx, uid); s.NoticeConsent != "none" {
		t.Fatalf("consent after the user refused delivery: %+v", s)
	}
	// An event of a stranger is acknowledged and ignored.
	if err := e.svc.HandleMiniProgramEvent(ctx, wechat.MiniProgramEvent{Event: wechat.EventSubscribePopup, OpenID: "o_stranger", CreateTime: 1,
		Items: []wechat.TemplateEvent{{TemplateID: tmpl, Status: wechat.ConsentAccept}}}); err != nil {
		t.Fatal(err)
	}
}

func TestSharedRate_replicasTogetherKeepTheRate(t *testing.T) {
	rdb, prefix := testenv.Redis(t)
	const rate, waits = 100.0, 40
	a := notify.NewSharedRate(rdb, prefix+"{notify}:rate", rate)
	b := notify.NewSharedRate(rdb, prefix+"{notify}:rate", rate)
	start := time.Now()
	var wg sync.WaitGroup
	for i := range 4 {
		l := a
		if i%2 == 1 {
			l = b
		}
		wg.Go(func() {
			for range waits / 4 {
				if err := l.Wait(t.Context()); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	// 40 slots at 100/s: the last is 390 ms after the first however many replicas ask. (Only a
	// lower bound is asserted: a loaded machine may be slower, never faster.)
	if el := time.Since(start); el < 380*time.Millisecond {
		t.Fatalf("%d sends through two replicas took %s; the shared rate allows no less than 390ms", waits, el)
	}
}

func TestPrune_oldEventKeysAndPushesGo_recentStay(t *testing.T) {
	e := newPushEnv(t)
	uid, _ := e.user("prune", 0)
	old := time.Now().Add(-8 * 24 * time.Hour).UTC()
	e.db.MustExec(`INSERT INTO wechat_callback_events (dedup_key, received_at) VALUES ('old', ?), ('new', UTC_TIMESTAMP(3))`, old)
	e.db.MustExec(`INSERT INTO broadcast_pushes (user_id, outbox_id, sent_at) VALUES (?, 1, ?), (?, 2, UTC_TIMESTAMP(3))`, uid, old, uid)
	r, err := e.svc.Prune(t.Context(), time.Now())
	if err != nil || r.CallbackEvents != 1 || r.BroadcastPushes != 1 {
		t.Fatalf("prune = %+v, %v", r, err)
	}
	var left int
	e.db.Get(&left, `SELECT (SELECT COUNT(*) FROM wechat_callback_events) + (SELECT COUNT(*) FROM broadcast_pushes)`)
	if left != 2 {
		t.Fatalf("%d rows left, want the 2 recent ones", left)
	}
}

// A person whose weekly broadcast pushes are spent still gets their appointment's reminders
// (personal pushes, time3 the appointment's time) and the reminders count for no cap; a reminder
// called off before it is due is skipped as cancelled and never reaches WeChat.
func TestPush_personalNotCapped_cancelledSkipped(t *testing.T) {
	e := newPushEnv(t)
	uid, openid := e.user("booked", 0)
	fake.GrantConsent(openid, noticeTmpl, 50)
	e.db.MustExec(`INSERT INTO subscription_consents (user_id, template_id, remaining, long_term, updated_at) VALUES (?, ?, 0, TRUE, UTC_TIMESTAMP())`, uid, noticeTmpl)
	for i := range 3 {
		e.push(uid, fmt.Sprintf("broadcast:%d", i), time.Now())
	}
	start := daytime().Add(26 * time.Hour)
	err := sqldb.WithTx(context.Background(), e.db, func(tx *sqlx.Tx) error {
		return notify.EnqueuePushes(context.Background(), tx, []notify.Push{
			{UserID: uid, DedupKey: "appt:1:remind:day:booker", Page: "pages/appointments/detail?id=1", Title: "明天有导师预约",
				Summary: "王导师 面谈", At: start, Personal: true},
			{UserID: uid, DedupKey: "appt:2:remind:day:booker", Page: "pages/appointments/detail?id=2", Title: "明天有导师预约",
				Summary: "李导师 电话", At: start, Personal: true},
		}, time.Now(), time.Now())
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := sqldb.WithTx(context.Background(), e.db, func(tx *sqlx.Tx) error {
		return notify.CancelPushes(context.Background(), tx, []string{"appt:2:remind:day:booker", "appt:2:remind:hour:booker"})
	}); err != nil {
		t.Fatal(err)
	}
	w := e.pushWorker(daytime(), nil)
	for {
		n, err := w.Tick(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
	}
	if r := e.pushRow("appt:1:remind:day:booker"); r.Status != "sent" || str(r.Channel) != "subscribe" {
		t.Fatalf("reminder = %+v", r)
	}
	if r := e.pushRow("appt:2:remind:day:booker"); r.Status != "skipped" || str(r.Skip) != "cancelled" {
		t.Fatalf("cancelled reminder = %+v", r)
	}
	var counted int
	e.db.Get(&counted, `SELECT COUNT(*) FROM broadcast_pushes WHERE user_id = ?`, uid)
	if sentTo(openid) != 4 || counted != 3 {
		t.Fatalf("WeChat got %d messages, %d counted against the cap; want 4 and 3", sentTo(openid), counted)
	}
	var last wxfake.SentMessage
	for _, m := range fake.Sent() {
		if m.ToUser == openid {
			last = m
		}
	}
	if last.Page != "pages/appointments/detail?id=1" || last.Data["time3"] != start.Format("2006-01-02 15:04") || last.Data["thing1"] != "明天有导师预约" {
		t.Fatalf("reminder data = %v", last.Data)
	}
}
