package notify

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	mrand "math/rand/v2"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jmoiron/sqlx"

	"huixiang/internal/sqldb"
	"huixiang/internal/wechat"
)

// Sender sends WeChat subscribe messages; *wechat.Client is one. SendSubscribeID also returns
// WeChat's msgid, which subscribe_msg_sent_event reports delivery by (broadcast pushes use it).
type Sender interface {
	SendSubscribe(ctx context.Context, m wechat.Message) error
	SendSubscribeID(ctx context.Context, m wechat.Message) (int64, error)
}

// WorkerOptions configures a Worker. Zero fields take the defaults in brackets.
type WorkerOptions struct {
	// Workers is the number of goroutines that claim and send [1].
	Workers int
	// Batch is how many rows one goroutine claims at once [10]; it is lowered when the rate is
	// so low that a batch could not be sent within a quarter of the lease.
	Batch int
	// Rate caps sends per second for this Worker, all goroutines together (0: no cap). The cap
	// is per process: N processes send up to N × Rate.
	Rate float64
	// MaxAttempts is how many claims a row gets before it is dead [8].
	MaxAttempts int
	// Lease is how long a claim lasts [30s]. It must outlast a send: WeChat's timeout times four
	// (a token fetch and a send, twice when the token was stale).
	Lease time.Duration
	// BackoffBase and BackoffMax shape the delay after a failed attempt: base·2^(attempts-1),
	// at most max, with jitter [10s, 1h].
	BackoffBase, BackoffMax time.Duration
	// Poll is the pause when nothing is due [1s].
	Poll time.Duration
	// Limiter, when set, paces sends instead of Rate: a SharedRate paces all replicas together.
	Limiter Limiter
	// Push configures broadcast pushes (KindNoticePush rows).
	Push PushOptions
	// ID names this worker in lease tokens [host:pid:random].
	ID  string
	Log *slog.Logger
}

// Limiter paces sends: Wait returns when the caller may send one.
type Limiter interface {
	Wait(ctx context.Context) error
}

// Worker drains the outbox into WeChat. Several Workers, in one process or many, may run on the
// same database: a row belongs to the claim whose conditional UPDATE took it.
//
// Delivery is at most once per row, and no row is lost:
//
//   - A claim sets status 'sending', a lease token unique to the claim (lease_owner) and
//     lease_until. Every later write of the claimer is fenced on that token.
//   - Just before calling WeChat the claimer sets send_started_at under the fence, in the same
//     transaction that spends the user's consent. A worker killed before that point leaves a row
//     whose lease expires and that any worker claims again: WeChat was never called, so sending
//     it then is no duplicate.
//   - A worker killed after that point (WeChat may or may not have accepted the message) leaves a
//     row that is never claimed again. When its lease has expired it is marked 'dead' with
//     "outcome unknown", where staff see it and may retry it by hand.
//
// We chose at most once over at least once for that one window (a crash or a lost database
// during a call of a few seconds) because the inbox message already holds the news, so nothing
// is lost, while a duplicate push would spend a consent the user gave for a later message. An
// answer that proves WeChat did not send (an errcode such as -1 or 45009, an HTTP error) returns
// the row to pending with backoff and gives the consent back. A call that times out is treated
// the same, because the adapter cannot tell it from a refused connection: if WeChat had in fact
// accepted it, the retry sends it again only when the user holds a second consent for the
// template; otherwise WeChat answers 43101 and the row is skipped.
type Worker struct {
	db   *sqlx.DB
	wx   Sender
	o    WorkerOptions
	log  *slog.Logger
	rate Limiter
	seq  atomic.Int64

	started  atomic.Bool
	stop     chan struct{}
	stopOnce sync.Once
	done     chan struct{}
}

// NewWorker returns a Worker; Run starts it.
func NewWorker(db *sqlx.DB, wx Sender, o WorkerOptions) *Worker {
	if o.Workers < 1 {
		o.Workers = 1
	}
	if o.Batch < 1 {
		o.Batch = 10
	}
	if o.MaxAttempts < 1 {
		o.MaxAttempts = 8
	}
	if o.Lease <= 0 {
		o.Lease = 30 * time.Second
	}
	if o.BackoffBase <= 0 {
		o.BackoffBase = 10 * time.Second
	}
	if o.BackoffMax <= 0 {
		o.BackoffMax = time.Hour
	}
	if o.Poll <= 0 {
		o.Poll = time.Second
	}
	if o.Rate > 0 {
		perGoroutine := o.Rate * o.Lease.Seconds() / 4 / float64(o.Workers)
		o.Batch = max(1, min(o.Batch, int(perGoroutine)))
	}
	if o.ID == "" {
		host, _ := os.Hostname()
		if len(host) > 24 {
			host = host[:24]
		}
		b := make([]byte, 3)
		_, _ = rand.Read(b)
		o.ID = fmt.Sprintf("%s:%d:%s", host, os.Getpid(), hex.EncodeToString(b))
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	w := &Worker{db: db, wx: wx, o: o, log: o.Log.With("component", "notify.worker", "worker", o.ID),
		stop: make(chan struct{}), done: make(chan struct{})}
	o.Push = o.Push.withDefaults()
	w.o.Push = o.Push
	switch {
	case o.Limiter != nil:
		w.rate = o.Limiter
	case o.Rate > 0:
		w.rate = newBucket(o.Rate)
	}
	return w
}

var errRunning = errors.New("notify: worker already started")

// Run claims and sends until ctx ends or Shutdown is called, then returns nil. Sends in flight
// finish first; rows claimed but not started are handed back.
func (w *Worker) Run(ctx context.Context) error {
	if !w.started.CompareAndSwap(false, true) {
		return errRunning
	}
	w.run(ctx)
	return nil
}

// Start runs the worker in the background until ctx ends or Shutdown is called.
func (w *Worker) Start(ctx context.Context) error {
	if !w.started.CompareAndSwap(false, true) {
		return errRunning
	}
	go w.run(ctx)
	return nil
}

func (w *Worker) run(ctx context.Context) {
	defer close(w.done)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	select {
	case <-w.stop:
		return // Shutdown came first
	default:
	}
	go func() {
		select {
		case <-w.stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	w.log.Info("outbox worker started", "goroutines", w.o.Workers, "rate", w.o.Rate, "lease", w.o.Lease)
	var wg sync.WaitGroup
	for range w.o.Workers {
		wg.Go(func() { w.loop(ctx) })
	}
	wg.Wait()
	w.log.Info("outbox worker stopped")
}

// Shutdown stops Run (or Start) and waits for the sends in flight, or until ctx ends. A row whose send was
// cut off keeps its lease and is dealt with after it expires.
func (w *Worker) Shutdown(ctx context.Context) error {
	w.stopOnce.Do(func() { close(w.stop) })
	if !w.started.Load() {
		return nil
	}
	select {
	case <-w.done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("notify: worker shutdown: %w", ctx.Err())
	}
}

func (w *Worker) loop(ctx context.Context) {
	failures := 0
	for ctx.Err() == nil {
		n, err := w.tick(ctx)
		var pause time.Duration
		switch {
		case err != nil && ctx.Err() == nil:
			failures++
			pause = min(w.o.Poll<<min(failures, 5), time.Minute)
			w.log.Warn("outbox worker: database error", "error", wechat.Redact(err.Error()), "retry_in", pause)
		case n == 0:
			failures = 0
			pause = w.o.Poll
		default:
			failures = 0
			continue // there may be more due
		}
		// Jitter keeps the goroutines of many processes from polling in step.
		pause += time.Duration(mrand.Int64N(int64(pause)/4 + 1))
		select {
		case <-ctx.Done():
		case <-time.After(pause):
		}
	}
}

// claimed is a row this worker holds.
type claimed struct {
	ID       int64  `db:"id"`
	Kind     string `db:"kind"`
	UserID   int64  `db:"user_id"`
	DedupKey string `db:"dedup_key"`
	Payload  []byte `db:"payload"`
	Attempts int    `db:"attempts"`
	token    string
}

// tick does one round: gives up on expired rows whose send had started, claims a batch, and
// sends it. It returns how many rows it found due (claimed or lost to another worker), so the
// loop goes on at once when there is work.
func (w *Worker) tick(ctx context.Context) (int, error) {
	if ctx.Err() != nil {
		return 0, nil
	}
	// Database work is not cut off when ctx ends (the driver's query timeout bounds it): a claim
	// cancelled halfway would leave rows held by nobody until their lease expires, and a send
	// half done is what Shutdown waits for.
	dbCtx := context.WithoutCancel(ctx)
	due, err := w.due(dbCtx)
	if err != nil || len(due) == 0 {
		return 0, err
	}
	batch, err := w.claim(dbCtx, due)
	if err != nil {
		return 0, err
	}
	for i, c := range batch {
		if err := w.wait(ctx); err != nil || ctx.Err() != nil {
			w.release(dbCtx, batch[i:])
			break
		}
		w.process(dbCtx, c)
	}
	return len(due), nil
}

// due returns up to a batch of ids to claim: rows whose lease expired before their send started,
// then pending rows whose time has come, oldest first. It also marks dead the expired rows whose
// send had started (outcome unknown; see Worker).
func (w *Worker) due(ctx context.Context) ([]int64, error) {
	expired, err := expiredLeases(ctx, w.db, w.o.Batch)
	if err != nil {
		return nil, err
	}
	var ids, unknown []int64
	for _, e := range expired {
		if e.Started {
			unknown = append(unknown, e.ID)
		} else {
			ids = append(ids, e.ID)
		}
	}
	if len(unknown) > 0 {
		n, err := giveUpUnknown(ctx, w.db, unknown)
		if err != nil {
			return nil, err
		}
		if n > 0 {
			w.log.Warn("outbox: sends with unknown outcome marked dead", "count", n, "ids", unknown)
		}
	}
	if room := w.o.Batch - len(ids); room > 0 {
		pending, err := pendingDue(ctx, w.db, room)
		if err != nil {
			return nil, err
		}
		ids = append(ids, pending...)
	}
	return ids, nil
}

// claim takes those of ids that are still claimable with one conditional UPDATE under a fresh
// lease token, and reads back what it got. Another worker racing for the same ids takes the
// others, or none: each row goes to exactly one claim.
func (w *Worker) claim(ctx context.Context, ids []int64) ([]claimed, error) {
	token := fmt.Sprintf("%s:%d", w.o.ID, w.seq.Add(1))
	n, err := claimRows(ctx, w.db, ids, token, w.o.Lease)
	if err != nil || n == 0 {
		return nil, err
	}
	// On an error the rows stay claimed until the lease expires; nothing was sent.
	return readClaim(ctx, w.db, ids, token)
}

// release hands claimed rows that were not started back to pending, without counting the claim
// as an attempt, so that a stopping worker does not hold them until the lease ends.
func (w *Worker) release(ctx context.Context, rows []claimed) {
	for _, c := range rows {
		if err := releaseClaim(ctx, w.db, c.ID, c.token); err != nil {
			w.log.Warn("outbox: release failed; the lease will expire", "id", c.ID, "error", err.Error())
		}
	}
}

// errLost means the row is no longer ours (its lease expired and another worker took it, or a
// staff retry reset it): this worker must not touch it.
var errLost = errors.New("notify: claim lost")

// process sends one claimed row and records the outcome, fenced on the claim's token.
func (w *Worker) process(ctx context.Context, c claimed) {
	log := w.log.With("outbox_id", c.ID, "dedup_key", c.DedupKey, "attempt", c.Attempts)
	if c.Kind == KindNoticePush {
		w.processPush(ctx, log, c)
		return
	}
	var p payload
	if err := json.Unmarshal(c.Payload, &p); err != nil || p.OpenID == "" || p.TemplateID == "" {
		w.finish(ctx, log, c, StatusDead, "malformed payload", 0)
		return
	}
	if c.Attempts > w.o.MaxAttempts {
		// Claimed again and again without an outcome (its workers keep dying): a poison row.
		w.finish(ctx, log, c, StatusDead, fmt.Sprintf("gave up after %d claims without an answer", c.Attempts-1), 0)
		return
	}
	hasConsent, err := w.begin(ctx, c, p)
	switch {
	case errors.Is(err, errLost):
		// Either another claim has the row, and this release changes nothing, or the lease is too
		// short to start a send safely, and the row goes back to pending at once.
		log.Info("outbox: claim lost or lease too short; not sending")
		w.release(ctx, []claimed{c})
		return
	case err != nil:
		// Nothing was sent or spent; the lease expires and the row is claimed again.
		log.Warn("outbox: could not start the send", "error", err.Error())
		return
	case !hasConsent:
		w.finish(ctx, log, c, StatusSkipped, "no subscribe consent left", 0)
		return
	}
	err = w.wx.SendSubscribe(ctx, wechat.Message{ToOpenID: p.OpenID, TemplateID: p.TemplateID, Page: p.Page, Data: p.Data})
	msg := ""
	if err != nil {
		msg = wechat.Redact(err.Error())
	}
	switch {
	case err == nil:
		w.finish(ctx, log, c, StatusSent, "", 0)
	case errors.Is(err, wechat.ErrNoConsent):
		// The user's consents at WeChat are gone, whatever we counted.
		w.consent(ctx, log, c.UserID, p.TemplateID, `remaining = 0`)
		w.finish(ctx, log, c, StatusSkipped, msg, 0)
	case errors.Is(err, wechat.ErrInvalidArgument):
		// WeChat refused the message before spending a consent: give ours back. Retrying the same
		// values cannot succeed.
		w.consent(ctx, log, c.UserID, p.TemplateID, `remaining = LEAST(remaining + 1, ?)`, DefaultConsentCap)
		w.finish(ctx, log, c, StatusDead, msg, 0)
	default:
		// WeChat answered that it did not send (busy, quota, HTTP error) or could not be reached.
		w.consent(ctx, log, c.UserID, p.TemplateID, `remaining = LEAST(remaining + 1, ?)`, DefaultConsentCap)
		if c.Attempts >= w.o.MaxAttempts {
			w.finish(ctx, log, c, StatusDead, fmt.Sprintf("after %d attempts: %s", c.Attempts, msg), 0)
		} else {
			w.finish(ctx, log, c, StatusPending, msg, w.backoff(c.Attempts))
		}
	}
}

// begin marks the send as started and spends one consent, in one transaction under the fence.
// It reports whether the user had a consent; without one the row is not started.
func (w *Worker) begin(ctx context.Context, c claimed, p payload) (bool, error) {
	var has bool
	err := sqldb.WithTx(ctx, w.db, func(tx *sqlx.Tx) error {
		// Lock order: the outbox row, then the consent row, everywhere.
		started, err := startSend(ctx, tx, c.ID, c.token, w.o.Lease/2)
		if err != nil {
			return err
		}
		if !started {
			return errLost
		}
		if has, err = spendConsent(ctx, tx, c.UserID, p.TemplateID); err != nil {
			return err
		}
		if !has {
			return errNoConsent // roll the start back: nothing will be sent
		}
		return nil
	})
	if errors.Is(err, errNoConsent) {
		return false, nil
	}
	return has, err
}

var errNoConsent = errors.New("notify: no consent")

// consent adjusts the user's consent count; a failure is logged, as the count is a best guess of
// what WeChat holds and the next report or 43101 corrects it.
func (w *Worker) consent(ctx context.Context, log *slog.Logger, userID int64, templateID, set string, args ...any) {
	if err := adjustConsent(ctx, w.db, userID, templateID, set, args...); err != nil {
		log.Warn("outbox: consent count not adjusted", "error", err.Error())
	}
}

// finish records a row's outcome, fenced on the claim's token. It tries a few times, since a
// "sent" that does not reach the database turns into "outcome unknown" when the lease expires.
func (w *Worker) finish(ctx context.Context, log *slog.Logger, c claimed, status, lastErr string, delay time.Duration) {
	var errArg any
	if lastErr != "" {
		errArg = cut(lastErr, 500)
	}
	for try := 0; ; try++ {
		n, err := recordOutcome(ctx, w.db, c.ID, c.token, status, errArg, delay)
		if err == nil {
			if n == 0 {
				log.Warn("outbox: outcome not recorded: the row was reset meanwhile", "status", status)
				return
			}
			switch status {
			case StatusDead:
				log.Warn("outbox: message is dead", "reason", lastErr)
			case StatusPending:
				log.Info("outbox: send failed; will retry", "reason", lastErr, "retry_in", delay)
			default:
				log.Debug("outbox: done", "status", status)
			}
			return
		}
		if try == 3 {
			log.Error("outbox: outcome not recorded", "status", status, "error", err.Error())
			return
		}
		time.Sleep(time.Duration(100<<(2*try)) * time.Millisecond) // 0.1s, 0.4s, 1.6s
	}
}

// backoff is base·2^(attempts-1) capped at max, between half of it and all of it.
func (w *Worker) backoff(attempts int) time.Duration {
	d := w.o.BackoffMax
	if attempts < 1 {
		attempts = 1
	}
	if attempts-1 < 40 {
		if b := w.o.BackoffBase << (attempts - 1); b > 0 && b < d {
			d = b
		}
	}
	return d/2 + time.Duration(mrand.Int64N(int64(d/2)+1))
}

// bucket is a token bucket holding at most one token: sends are spaced evenly at the rate.
type bucket struct {
	mu     sync.Mutex
	every  time.Duration
	next   time.Time
	nowFor func() time.Time
}

func newBucket(rate float64) *bucket {
	return &bucket{every: time.Duration(float64(time.Second) / rate), nowFor: time.Now}
}

// wait blocks until the worker may send; without a limiter it never blocks.
func (w *Worker) wait(ctx context.Context) error {
	if w.rate == nil {
		return nil
	}
	return w.rate.Wait(ctx)
}

// Wait blocks until the caller may send.
func (b *bucket) Wait(ctx context.Context) error {
	if b == nil {
		return nil
	}
	b.mu.Lock()
	now := b.nowFor()
	at := b.next
	if at.Before(now) {
		at = now
	}
	b.next = at.Add(b.every)
	b.mu.Unlock()
	if d := at.Sub(now); d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
	return nil
}
