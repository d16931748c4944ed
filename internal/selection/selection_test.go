package selection_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"huixiang/internal/actor"
	"huixiang/internal/selection"
	"huixiang/internal/testenv"
)

var (
	organiser = actor.Staff(7, "hr", actor.Department, "区人社局", "")
	seq       atomic.Int64
)

// person inserts a person, a returnee of 贺胜桥镇 when returnee is true, and returns its id.
func person(t *testing.T, db *sqlx.DB, name string, returnee bool) int64 {
	t.Helper()
	now := time.Now().UTC()
	idx := []byte(fmt.Sprintf("%032d", seq.Add(1)+now.UnixNano()))
	res := db.MustExec(`INSERT INTO persons (id_card_enc, id_card_idx, name, gender, birth_date, created_source, created_at, updated_at)
		VALUES (?, ?, ?, 'F', '1985-03-01', 'test', ?, ?)`, idx, idx, name, now, now)
	id, _ := res.LastInsertId()
	if returnee {
		db.MustExec(`INSERT INTO returnees (person_id, township_code, village_code, status, intention, confirmed_at, created_at, updated_at)
			VALUES (?, '421202100', '', 'returned', 'started', ?, ?, ?)`, id, now, now, now)
	}
	return id
}

type rewardLog struct {
	mu    sync.Mutex
	calls []string
}

func (r *rewardLog) Reward(_ context.Context, _ actor.Actor, personID int64, grade, rule, ref string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, fmt.Sprintf("%d %s %s %s", personID, grade, rule, ref))
	return nil
}

func input(kind string, quota int) selection.Input {
	return selection.Input{Year: 2026, Kind: kind, Title: "2026 年度十大杰出校友", Department: "区人社局", Quota: quota,
		OpensOn: "2026-03-01", ClosesOn: "2026-04-30", GradeCode: "distinguished", PointsRule: "outstanding_alumnus"}
}

func at(day string) func() time.Time {
	return func() time.Time {
		t, _ := time.Parse(time.DateOnly, day)
		return t.Add(2 * time.Hour) // 10:00 Beijing
	}
}

func TestSelection_selfNominationWindowDuplicatesAndRegistration(t *testing.T) {
	t.Parallel()
	db := testenv.MySQL(t)
	ctx := context.Background()
	s := selection.NewService(db, nil, at("2026-03-15"))
	sel, err := s.Create(ctx, organiser, input(selection.KindOutstandingEntrepreneur, 10))
	if err != nil || !sel.Open || sel.KindName != "优秀创业者" {
		t.Fatalf("create: %+v %v", sel, err)
	}
	if _, err := s.Create(ctx, organiser, input(selection.KindOutstandingEntrepreneur, 10)); !errors.Is(err, selection.ErrDuplicate) {
		t.Fatalf("second of the kind and year: %v", err)
	}
	var fe *selection.FieldError
	bad := input(selection.KindDemoEnterprise, 0)
	if _, err := s.Create(ctx, organiser, bad); !errors.As(err, &fe) || fe.Field != "quota" {
		t.Fatalf("quota 0: %v", err)
	}
	me := person(t, db, "王芳", true)
	stranger := person(t, db, "李四", false)
	user := actor.User(99)
	n, err := s.Nominate(ctx, user, sel.ID, me, "返乡开办茶叶合作社，带动 30 户增收。", []string{"q3Zx0Jd8TgKf1mWc2bYh5A"})
	if err != nil || !n.Self || n.Status != selection.NominationPending || n.Name != "王芳" || len(n.Materials) != 1 {
		t.Fatalf("self-nomination: %+v %v", n, err)
	}
	if _, err := s.Nominate(ctx, user, sel.ID, me, "再报一次", nil); !errors.Is(err, selection.ErrDuplicate) {
		t.Fatalf("twice: %v", err)
	}
	if _, err := s.Nominate(ctx, user, sel.ID, stranger, "我也想参加", nil); !errors.Is(err, selection.ErrNotRegistered) {
		t.Fatalf("not registered: %v", err)
	}
	// After the window people cannot nominate themselves; staff still can until publication.
	late := selection.NewService(db, nil, at("2026-05-02"))
	other := person(t, db, "赵六", true)
	if _, err := late.Nominate(ctx, user, sel.ID, other, "事迹", nil); !errors.Is(err, selection.ErrClosed) {
		t.Fatalf("after the window: %v", err)
	}
	if n, err := late.Nominate(ctx, organiser, sel.ID, other, "镇里推荐：返乡创办电商服务站。", nil); err != nil || n.Self {
		t.Fatalf("staff nomination after the window: %+v %v", n, err)
	}
}

// Ten reviewers select ten nominees at once for three places: exactly three are selected.
func TestSelection_quotaHeldUnderParallelReviews_publishRewardsOnce(t *testing.T) {
	t.Parallel()
	db := testenv.MySQL(t)
	ctx := context.Background()
	rewards := &rewardLog{}
	s := selection.NewService(db, rewards, at("2026-03-15"))
	sel, err := s.Create(ctx, organiser, input(selection.KindOutstandingAlumni, 3))
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for i := range 10 {
		n, err := s.Nominate(ctx, organiser, sel.ID, person(t, db, fmt.Sprintf("校友%d", i), true), "事迹", nil)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, n.ID)
	}
	var ok, full atomic.Int64
	var wg sync.WaitGroup
	for _, id := range ids {
		wg.Go(func() {
			_, err := s.Review(ctx, organiser, sel.ID, id, selection.NominationSelected, "")
			switch {
			case err == nil:
				ok.Add(1)
			case errors.Is(err, selection.ErrQuotaFull):
				full.Add(1)
			default:
				t.Error(err)
			}
		})
	}
	wg.Wait()
	got, _ := s.Get(ctx, sel.ID)
	if ok.Load() != 3 || full.Load() != 7 || got.Selected != 3 {
		t.Fatalf("selected %d (counted %d), refused %d; want 3 and 7", ok.Load(), got.Selected, full.Load())
	}
	// Unselecting one frees its place.
	var selected []int64
	db.Select(&selected, `SELECT id FROM selection_nominations WHERE selection_id = ? AND status = 'selected' ORDER BY id`, sel.ID)
	if _, err := s.Review(ctx, organiser, sel.ID, selected[0], selection.NominationRejected, "材料不全"); err != nil {
		t.Fatal(err)
	}
	var waiting int64
	db.Get(&waiting, `SELECT id FROM selection_nominations WHERE selection_id = ? AND status = 'pending' ORDER BY id LIMIT 1`, sel.ID)
	if _, err := s.Review(ctx, organiser, sel.ID, waiting, selection.NominationSelected, ""); err != nil {
		t.Fatal(err)
	}

	if w, _ := s.Winners(ctx, sel.ID); len(w) != 0 {
		t.Fatalf("winners shown before publication: %v", w)
	}
	if _, err := s.Publish(ctx, organiser, sel.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Publish(ctx, organiser, sel.ID); err != nil { // again: rewards retried, idempotent by reference
		t.Fatal(err)
	}
	w, err := s.Winners(ctx, sel.ID)
	if err != nil || len(w) != 3 || w[0].Name == "" {
		t.Fatalf("winners: %+v %v", w, err)
	}
	if len(rewards.calls) != 6 || rewards.calls[0][len(rewards.calls[0])-len(fmt.Sprintf("selection:%d", sel.ID)):] != fmt.Sprintf("selection:%d", sel.ID) {
		t.Fatalf("rewards: %v", rewards.calls)
	}
	if _, err := s.Review(ctx, organiser, sel.ID, waiting, selection.NominationRejected, ""); !errors.Is(err, selection.ErrClosed) {
		t.Fatalf("review after publication: %v", err)
	}
	if n, err := s.OutstandingAlumni(ctx, 2026); err != nil || n != 3 {
		t.Fatalf("outstanding alumni of 2026: %d %v", n, err)
	}
	var audited int
	db.Get(&audited, `SELECT COUNT(*) FROM audit_log WHERE target_type = 'selection' AND target_id = ?`, fmt.Sprint(sel.ID))
	if audited < 1+10+3+2+1 {
		t.Fatalf("audited %d changes", audited)
	}
}
