package staff

import (
	"context"
	"errors"
	"testing"

	"huixiang/internal/actor"
)

// The sessions of an account end when its scope changes or a request names a scope field, and
// after a reset; a name change keeps them. A failure to end them is returned after the change.
func TestUpdateEndingSessions_endsOnScopeOnly(t *testing.T) {
	s := newTestService(t, Options{})
	ctx := t.Context()
	admin := actor.Staff(999, "admin", actor.DistrictAdmin, "", "")
	st, err := s.Create(ctx, admin, NewAccount{Username: "clerk", Password: "Kestrel-2048x", Role: actor.Township, TownshipCode: "990101"})
	if err != nil {
		t.Fatal(err)
	}
	ended := 0
	end := func(_ context.Context, id int64) (int, error) {
		if id != st.ID {
			t.Fatalf("ended the sessions of %d", id)
		}
		ended++
		return 2, nil
	}
	name := "新名字"
	if _, err := s.UpdateEndingSessions(ctx, admin, st.ID, Patch{DisplayName: &name}, end); err != nil || ended != 0 {
		t.Fatalf("name change: ended %d, %v", ended, err)
	}
	town := "990102"
	if got, err := s.UpdateEndingSessions(ctx, admin, st.ID, Patch{TownshipCode: &town}, end); err != nil || ended != 1 || got.TownshipCode != town {
		t.Fatalf("scope change: ended %d, %v", ended, err)
	}
	if _, err := s.UpdateEndingSessions(ctx, admin, st.ID, Patch{TownshipCode: &town}, end); err != nil || ended != 2 {
		t.Fatalf("scope named, unchanged: ended %d, %v", ended, err)
	}
	down := errors.New("redis down")
	yes := true
	_, err = s.UpdateEndingSessions(ctx, admin, st.ID, Patch{Disabled: &yes}, func(context.Context, int64) (int, error) { return 0, down })
	if !errors.Is(err, down) {
		t.Fatalf("failed ending: %v", err)
	}
	if got, _ := s.Get(ctx, st.ID); !got.Disabled {
		t.Fatal("the change must stand when ending the sessions fails")
	}
	pw, err := s.ResetPasswordEndingSessions(ctx, admin, st.ID, end)
	if err != nil || pw == "" || ended != 3 {
		t.Fatalf("reset: ended %d, %v", ended, err)
	}
	if n, err := s.EndSessions(ctx, admin, st.ID, end); n != 2 || err != nil {
		t.Fatalf("end: %d %v", n, err)
	}
}

func TestCreateWithOneTimePassword_mustChange(t *testing.T) {
	s := newTestService(t, Options{})
	ctx := t.Context()
	st, pw, err := s.CreateWithOneTimePassword(ctx, actor.System("test"), NewAccount{Username: "newclerk", Password: "ignored",
		Role: actor.Department, Department: "区人社局"})
	if err != nil {
		t.Fatal(err)
	}
	if !st.MustChangePassword || len(pw) != 16 {
		t.Fatalf("%+v %q", st, pw)
	}
	got, err := s.Login(ctx, "newclerk", pw, "10.1.1.1")
	if err != nil || !got.MustChangePassword {
		t.Fatalf("sign in with the one-time password: %+v %v", got, err)
	}
}
