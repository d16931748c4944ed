package staff

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"huixiang/internal/actor"
	"huixiang/internal/testenv"
)

func newTestService(t *testing.T, opt Options) *Service {
	t.Helper()
	rdb, prefix := testenv.Redis(t)
	base := Options{MaxFailures: 5, LockFor: time.Minute, AccountMaxFailures: 50, AccountMinIPs: 5,
		AccountWindow: time.Hour, AccountLockFor: time.Hour, LoginPerIP: 1000, LoginPerUsername: 1000,
		LoginWindow: time.Minute, HashSlots: 2, HashWait: 10 * time.Second}
	if opt.HashSlots != 0 {
		base.HashSlots, base.HashWait = opt.HashSlots, opt.HashWait
	}
	return NewService(testenv.MySQL(t), rdb, prefix, base)
}

// At most HashSlots argon2id hashes run at once, however many sign-ins arrive together, known
// usernames or not (this is what bounds the memory: 19 MiB per hash).
func TestLogin_parallelSignIns_hashesBoundedBySlots(t *testing.T) {
	s := newTestService(t, Options{HashSlots: 2, HashWait: 30 * time.Second})
	ctx := t.Context()
	if _, err := s.Create(ctx, actor.System("test"), NewAccount{Username: "clerk", Password: "Kestrel-2048x",
		Role: actor.Department, Department: "区人社局"}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 24)
	for i := range errs {
		wg.Go(func() {
			user := "clerk"
			if i%2 == 1 {
				user = fmt.Sprintf("nobody%d", i)
			}
			_, errs[i] = s.Login(ctx, user, "Wrong-password-1", fmt.Sprintf("10.0.0.%d", i))
		})
	}
	wg.Wait()
	for i, err := range errs {
		if !errors.Is(err, ErrInvalidCredentials) {
			t.Fatalf("sign-in %d: %v, want invalid credentials", i, err)
		}
	}
	if p := s.HashPeak(); p < 1 || p > 2 {
		t.Fatalf("peak parallel hashes = %d, want ≤ 2", p)
	}
}

// A sign-in that cannot get a slot in time is refused as busy, and that refusal is not a failed
// attempt: it neither counts towards a lock nor writes an audit row.
func TestLogin_noSlotInTime_busyAndNotCounted(t *testing.T) {
	s := newTestService(t, Options{HashSlots: 1, HashWait: time.Millisecond})
	ctx := t.Context()
	s.slots <- struct{}{} // the only slot is taken
	for range 8 {
		if _, err := s.Login(ctx, "admin", "Wrong-password-1", "10.0.0.1"); !errors.Is(err, ErrBusy) {
			t.Fatalf("err = %v, want ErrBusy", err)
		}
	}
	<-s.slots
	k := s.lockKeys("admin", "10.0.0.1")
	if n := s.rdb.ZCard(ctx, k.pairFails).Val(); n != 0 {
		t.Fatalf("busy refusals counted as %d attempts", n)
	}
	var rows int
	s.db.Get(&rows, `SELECT COUNT(*) FROM audit_log`)
	if rows != 0 {
		t.Fatalf("busy refusals wrote %d audit rows", rows)
	}
	if _, err := s.Login(ctx, "admin", "Wrong-password-1", "10.0.0.1"); !errors.Is(err, ErrInvalidCredentials) {
		t.Fatalf("with a free slot: %v", err)
	}
}
