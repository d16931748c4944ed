package session

import (
	"errors"
	"testing"
	"time"

	"huixiang/internal/testenv"
)

// A mini-program session slides for Idle on every use but ends Max after sign-in however
// active it is (the injectable clock stands in for 30 days of daily use).
func TestLookup_userSessionPastMax_expiresDespiteUse(t *testing.T) {
	rdb, prefix := testenv.Redis(t)
	st := NewStore(rdb, prefix, map[Kind]Policy{KindUser: {Idle: 7 * 24 * time.Hour, Max: 30 * 24 * time.Hour}})
	clock := time.Now()
	st.now = func() time.Time { return clock }
	ctx := t.Context()
	tok, ttl, err := st.Create(ctx, KindUser, 42, nil)
	if err != nil || ttl != 7*24*time.Hour {
		t.Fatalf("create: %v %v", ttl, err)
	}
	for day := 1; day < 30; day++ {
		clock = clock.Add(24 * time.Hour)
		if _, err := st.Lookup(ctx, KindUser, tok); err != nil {
			t.Fatalf("day %d: %v", day, err)
		}
	}
	clock = clock.Add(24*time.Hour + time.Second)
	if _, err := st.Lookup(ctx, KindUser, tok); !errors.Is(err, ErrExpired) {
		t.Fatalf("day 30: %v, want ErrExpired", err)
	}
	if rdb.Exists(ctx, st.key(tok)).Val() != 0 {
		t.Fatal("expired session still in Redis")
	}
}

func TestRevokeOthers_keepsOneSession_SetAttrKeepsTTL(t *testing.T) {
	rdb, prefix := testenv.Redis(t)
	st := NewStore(rdb, prefix, map[Kind]Policy{KindStaff: {Idle: time.Hour, Max: 2 * time.Hour}})
	ctx := t.Context()
	keep, _, _ := st.Create(ctx, KindStaff, 9, map[string]string{"role": "township", "must_change_password": "1"})
	other1, _, _ := st.Create(ctx, KindStaff, 9, nil)
	other2, _, _ := st.Create(ctx, KindStaff, 9, nil)
	n, err := st.RevokeOthers(ctx, KindStaff, 9, keep)
	if err != nil || n != 2 {
		t.Fatalf("RevokeOthers = %d, %v", n, err)
	}
	for _, tok := range []string{other1, other2} {
		if _, err := st.Lookup(ctx, KindStaff, tok); !errors.Is(err, ErrExpired) {
			t.Fatalf("other session survived: %v", err)
		}
	}
	if err := st.SetAttr(ctx, KindStaff, keep, "must_change_password", ""); err != nil {
		t.Fatal(err)
	}
	sess, err := st.Lookup(ctx, KindStaff, keep)
	if err != nil || sess.Attrs["must_change_password"] != "" || sess.Attrs["role"] != "township" {
		t.Fatalf("kept session = %+v, %v", sess, err)
	}
	if ttl := rdb.PTTL(ctx, st.key(keep)).Val(); ttl <= 0 {
		t.Fatalf("SetAttr lost the TTL: %v", ttl)
	}
	if n := rdb.ZCard(ctx, st.indexKey(KindStaff, 9)).Val(); n != 1 {
		t.Fatalf("index holds %d, want 1", n)
	}
	// Setting an attribute of an ended session does not bring it back.
	st.Delete(ctx, KindStaff, keep)
	if err := st.SetAttr(ctx, KindStaff, keep, "x", "y"); !errors.Is(err, ErrExpired) {
		t.Fatalf("SetAttr on an ended session = %v", err)
	}
	if rdb.Exists(ctx, st.key(keep)).Val() != 0 {
		t.Fatal("SetAttr resurrected a session")
	}
}
