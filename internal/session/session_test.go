package session_test

import (
	"errors"
	"testing"
	"time"

	"huixiang/internal/session"
	"huixiang/internal/testenv"
)

func TestCreate_capsSessionsPerSubject_oldestEnd(t *testing.T) {
	rdb, prefix := testenv.Redis(t)
	st := session.NewStore(rdb, prefix, map[session.Kind]session.Policy{session.KindUser: {Idle: time.Hour}})
	ctx := t.Context()
	var tokens []string
	for range session.MaxPerSubject + 5 {
		tok, _, err := st.Create(ctx, session.KindUser, 7, nil)
		if err != nil {
			t.Fatal(err)
		}
		tokens = append(tokens, tok)
		time.Sleep(2 * time.Millisecond) // distinct creation times
	}
	for i, tok := range tokens {
		_, err := st.Lookup(ctx, session.KindUser, tok)
		if i < 5 && !errors.Is(err, session.ErrExpired) {
			t.Fatalf("session %d should have been evicted: %v", i, err)
		}
		if i >= 5 && err != nil {
			t.Fatalf("session %d: %v", i, err)
		}
	}
	if n := rdb.ZCard(ctx, prefix+"sessz:user:7").Val(); n != session.MaxPerSubject {
		t.Fatalf("index holds %d, want %d", n, session.MaxPerSubject)
	}
	if n, err := st.RevokeAll(ctx, session.KindUser, 7); err != nil || n != session.MaxPerSubject {
		t.Fatalf("RevokeAll = %d, %v", n, err)
	}
}
