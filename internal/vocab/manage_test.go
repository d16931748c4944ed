package vocab_test

import (
	"errors"
	"testing"
	"time"

	"huixiang/internal/actor"
	"huixiang/internal/audit"
	"huixiang/internal/testenv"
	"huixiang/internal/vocab"
)

func TestManage_addRenameDeactivate_auditedAndSeenByCaches(t *testing.T) {
	db := testenv.MySQL(t)
	ctx := t.Context()
	admin := actor.Staff(1, "admin", actor.DistrictAdmin, "", "")
	cache := vocab.NewCache(db, time.Hour) // a long max age: only the invalidation can show a change
	if l, err := cache.Lists(ctx); err != nil || l.Has("need", "logistics") {
		t.Fatalf("before: %v", err)
	}

	o, err := vocab.Add(ctx, db, admin, "need", "logistics", " 物流 ")
	if err != nil {
		t.Fatal(err)
	}
	if o.Label != "物流" || o.SortOrder != 70 || !o.Active { // after 用工 (60), before any catch-all
		t.Fatalf("added: %+v", o)
	}
	if l, _ := cache.Lists(ctx); !l.Has("need", "logistics") || l.Label("need", "logistics") != "物流" {
		t.Fatal("the cache does not see the new option")
	}
	if _, err := vocab.Add(ctx, db, admin, "need", "", "物流"); !errors.Is(err, vocab.ErrDuplicate) {
		t.Fatalf("same label: %v", err)
	}
	if _, err := vocab.Add(ctx, db, admin, "need", "logistics", "物流2"); !errors.Is(err, vocab.ErrDuplicate) {
		t.Fatalf("same code: %v", err)
	}
	gen, err := vocab.Add(ctx, db, admin, "skill", "", "无人机")
	if err != nil || len(gen.Code) != len("opt_")+8 {
		t.Fatalf("generated code: %+v %v", gen, err)
	}
	other, _ := vocab.All(ctx, db, "skill")
	if other[len(other)-1].Code != "other" {
		t.Fatalf("其他 is no longer last: %+v", other[len(other)-1])
	}

	if _, err := vocab.Rename(ctx, db, admin, "need", "logistics", "物流运输"); err != nil {
		t.Fatal(err)
	}
	if _, err := vocab.Rename(ctx, db, admin, "need", "logistics", "资金"); !errors.Is(err, vocab.ErrDuplicate) {
		t.Fatalf("rename to another's label: %v", err)
	}
	if l, _ := cache.Lists(ctx); l.Label("need", "logistics") != "物流运输" {
		t.Fatal("the cache does not see the rename")
	}
	if _, err := vocab.SetActive(ctx, db, admin, "need", "logistics", false); err != nil {
		t.Fatal(err)
	}
	if l, _ := cache.Lists(ctx); l.Has("need", "logistics") {
		t.Fatal("a deactivated option is still active")
	}
	all, _ := vocab.All(ctx, db, "need")
	found := false
	for _, o := range all {
		found = found || (o.Code == "logistics" && !o.Active && o.Label == "物流运输")
	}
	if !found {
		t.Fatalf("the deactivated option must stay: %+v", all)
	}
	if _, err := vocab.SetActive(ctx, db, admin, "need", "logistics", true); err != nil {
		t.Fatal(err)
	}

	recs, err := audit.ListByActorName(ctx, db, "admin", 10)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, r := range recs {
		actions = append(actions, r.Action)
	}
	want := []string{"option.reactivate", "option.deactivate", "option.rename", "option.add", "option.add"}
	if len(actions) != len(want) {
		t.Fatalf("audit: %v, want %v", actions, want)
	}
	for i := range want {
		if actions[i] != want[i] {
			t.Fatalf("audit: %v, want %v", actions, want)
		}
	}
}

func TestManage_refusals(t *testing.T) {
	db := testenv.MySQL(t)
	ctx := t.Context()
	admin := actor.Staff(1, "admin", actor.DistrictAdmin, "", "")
	town := actor.Staff(2, "clerk", actor.Township, "", "990101")
	for name, err := range map[string]error{
		"township adds":     second(vocab.Add(ctx, db, town, "need", "", "越权")),
		"township renames":  second(vocab.Rename(ctx, db, town, "need", "funds", "钱")),
		"fixed kind":        second(vocab.Add(ctx, db, admin, "education", "", "博士")),
		"empty label":       second(vocab.Add(ctx, db, admin, "need", "", "  ")),
		"bad code":          second(vocab.Add(ctx, db, admin, "need", "Bad-Code", "好")),
		"unknown code":      second(vocab.Rename(ctx, db, admin, "need", "nope", "无")),
		"fixed kind rename": second(vocab.Rename(ctx, db, admin, "education", "bachelor", "学士")),
	} {
		if err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if _, err := vocab.Rename(ctx, db, admin, "need", "nope", "无"); !errors.Is(err, vocab.ErrNotFound) {
		t.Errorf("unknown code: %v", err)
	}
	if _, err := vocab.Add(ctx, db, town, "need", "", "越权"); !errors.Is(err, vocab.ErrForbidden) {
		t.Errorf("township: %v", err)
	}
	if recs, _ := audit.ListByActorName(ctx, db, "admin", 10); len(recs) != 0 {
		t.Errorf("refusals were audited: %+v", recs)
	}
}

func second[T any](_ T, err error) error { return err }
