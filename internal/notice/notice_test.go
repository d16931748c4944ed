package notice

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"huixiang/internal/testenv"
)

const (
	clerk = 11
	admin = 12
)

// people inserts n returnees of township 421202100 (every third without a mini-program
// account) and 10 of another township; it returns how many of the first have accounts.
func people(t *testing.T, db *sqlx.DB, n int) (withAccount int) {
	t.Helper()
	now := time.Now().UTC()
	for i := range n + 10 {
		township := "421202100"
		if i >= n {
			township = "421202101"
		}
		var user any
		if i%3 != 0 {
			res := db.MustExec(`INSERT INTO users (openid, created_at, updated_at, last_login_at) VALUES (?, ?, ?, ?)`,
				fmt.Sprintf("o_notice_%d", i), now, now, now)
			id, _ := res.LastInsertId()
			user = id
			if i < n {
				withAccount++
			}
		}
		idx := make([]byte, 32)
		_, _ = rand.Read(idx)
		res := db.MustExec(`INSERT INTO persons (id_card_enc, id_card_idx, name, gender, birth_date, user_id, created_source, created_at, updated_at)
			VALUES (?, ?, '测试', 'M', '1980-05-01', ?, 'test', ?, ?)`, idx, idx, user, now, now)
		pid, _ := res.LastInsertId()
		db.MustExec(`INSERT INTO returnees (person_id, township_code, village_code, status, intention, confirmed_at, created_at, updated_at)
			VALUES (?, ?, '', 'returned', 'preparing', ?, ?, ?)`, pid, township, now, now, now)
	}
	return withAccount
}

func input() Input {
	return Input{Title: "返乡创业补贴开始申请", PushSummary: "5000 元创业补贴可以申请了", Body: "符合条件的返乡人员请在小程序里申请。",
		Rule: json.RawMessage(`{"all":[{"field":"township","op":"eq","value":"421202100"},{"field":"returnee_status","op":"eq","value":"returned"},{"field":"startup_intention","op":"in","value":["preparing","started"]}]}`)}
}

func TestApprove_notByTheDrafterEvenInSQL(t *testing.T) {
	t.Parallel()
	db := testenv.MySQL(t)
	s := NewService(db, nil)
	ctx := context.Background()
	people(t, db, 4)
	n, err := s.Draft(ctx, clerk, input())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Approve(ctx, clerk, n.ID); !errors.Is(err, ErrSameReviewer) {
		t.Fatalf("the drafter approved: %v", err)
	}
	// A statement that bypasses the service is refused by the table's CHECK.
	if _, err := db.Exec(`UPDATE notices SET status = 'approved', approved_by = drafted_by WHERE id = ?`, n.ID); err == nil {
		t.Fatal("MySQL let the drafter approve")
	}
	n, err = s.Approve(ctx, admin, n.ID)
	if err != nil {
		t.Fatal(err)
	}
	if n.Status != StatusApproved || n.Report.Audience == nil || *n.Report.Audience != 4 {
		t.Fatalf("approved: %+v", n)
	}
	if _, err := s.Approve(ctx, admin, n.ID); !errors.Is(err, ErrNotDraft) {
		t.Fatalf("approved twice: %v", err)
	}
	for name, c := range map[string]struct {
		edit  func(*Input)
		field string
	}{
		"long summary": {func(in *Input) {
			in.PushSummary = "这是一句超过二十个字的推送摘要，微信显示不下的那种"
		}, "push_summary"},
		"no audience": {func(in *Input) { in.Rule = nil }, "rule"},
		"past time":   {func(in *Input) { past := time.Now().Add(-time.Hour); in.SendAt = &past }, "send_at"},
		"no policy":   {func(in *Input) { id := int64(999); in.PolicyID = &id }, "policy_id"},
	} {
		in := input()
		c.edit(&in)
		var fe *FieldError
		if _, err := s.Draft(ctx, clerk, in); !errors.As(err, &fe) || fe.Field != c.field {
			t.Errorf("%s: %v, want a FieldError on %s", name, err, c.field)
		}
	}
}

// The fan-out is stopped after three batches (a crash), started again, and run by two replicas
// at once: everyone in the audience gets exactly one inbox message.
func TestFanout_resumesAndNeverWritesTwice(t *testing.T) {
	t.Parallel()
	db := testenv.MySQL(t)
	s := NewService(db, nil)
	ctx := context.Background()
	withAccount := people(t, db, 1203)
	n, err := s.Draft(ctx, clerk, input())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Approve(ctx, admin, n.ID); err != nil {
		t.Fatal(err)
	}
	due, err := s.StartDue(ctx)
	if err != nil || len(due) != 1 {
		t.Fatalf("due = %v, %v", due, err)
	}
	if _, err := s.Cancel(ctx, admin, n.ID); !errors.Is(err, ErrTooLate) {
		t.Fatalf("cancelled while sending: %v", err)
	}
	crash := errors.New("killed")
	batches := 0
	err = s.Fanout(ctx, n.ID, 100, func() error {
		if batches++; batches == 3 {
			return crash
		}
		return nil
	})
	if !errors.Is(err, crash) {
		t.Fatalf("fan-out: %v", err)
	}
	mid, _ := s.Get(ctx, n.ID)
	if mid.Status != StatusSending || mid.Report.Inbox+mid.Report.NoAccount != 300 {
		t.Fatalf("after the crash: %+v", mid.Report)
	}
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			if err := s.Fanout(ctx, n.ID, 100, nil); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	got, err := s.Get(ctx, n.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != StatusSent || got.Report.Inbox != withAccount || got.Report.NoAccount != 1203-withAccount || got.Report.FinishedAt == nil {
		t.Fatalf("report: %+v (want %d inbox, %d without account)", got.Report, withAccount, 1203-withAccount)
	}
	var messages, distinct int
	db.Get(&messages, `SELECT COUNT(*) FROM inbox_messages WHERE ref_type = 'notice' AND ref_id = ?`, n.ID)
	db.Get(&distinct, `SELECT COUNT(DISTINCT user_id) FROM inbox_messages WHERE ref_type = 'notice' AND ref_id = ?`, n.ID)
	if messages != withAccount || distinct != withAccount {
		t.Fatalf("%d inbox messages to %d people, want %d", messages, distinct, withAccount)
	}
	db.MustExec(`UPDATE inbox_messages SET read_at = UTC_TIMESTAMP(3) WHERE ref_type = 'notice' AND ref_id = ? LIMIT 5`, n.ID)
	if got, _ = s.Get(ctx, n.ID); got.Report.Read != 5 {
		t.Fatalf("read = %d", got.Report.Read)
	}
	if due, _ := s.StartDue(ctx); len(due) != 0 {
		t.Fatalf("still due: %v", due)
	}
}

func TestCancel_beforeSending(t *testing.T) {
	t.Parallel()
	db := testenv.MySQL(t)
	s := NewService(db, nil)
	ctx := context.Background()
	in := input()
	later := time.Now().Add(2 * time.Hour)
	in.SendAt = &later
	n, err := s.Draft(ctx, clerk, in)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Approve(ctx, admin, n.ID); err != nil {
		t.Fatal(err)
	}
	if due, _ := s.StartDue(ctx); len(due) != 0 {
		t.Fatalf("a notice for later is due now: %v", due)
	}
	if n, err = s.Cancel(ctx, clerk, n.ID); err != nil || n.Status != StatusCancelled {
		t.Fatalf("cancel: %+v, %v", n, err)
	}
	if _, err = s.Cancel(ctx, clerk, n.ID); err != nil {
		t.Fatalf("cancel twice: %v", err)
	}
}
