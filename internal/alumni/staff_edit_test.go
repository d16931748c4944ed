package alumni

import (
	"errors"
	"testing"

	"huixiang/internal/actor"
	"huixiang/internal/person"
	"huixiang/internal/sqldb"
)

func TestUpdate_savesRefusesStaleVersionAndTownship(t *testing.T) {
	t.Parallel()
	s, _ := newTestService(t, 0)
	ctx := t.Context()
	hrss := actor.Staff(2, "hrss", actor.Department, "区人社局", "")
	in := input(41)
	in.Phone = "13900000041"
	rec, err := s.Create(ctx, hrss, in)
	if err != nil {
		t.Fatal(err)
	}
	// A change saved: identity left blank is the person's; the review stays.
	edit := input(41)
	edit.Name, edit.IDCard = "", ""
	edit.Organization, edit.Offers = "咸安区商会", []string{"investment", "talent"}
	up, err := s.Update(ctx, hrss, rec.PersonID, rec.Version, edit)
	if err != nil {
		t.Fatal(err)
	}
	if up.Organization != "咸安区商会" || len(up.Offers) != 2 || up.Version != rec.Version+1 || up.Status != StatusApproved ||
		up.Name != "王五" || up.Phone != rec.Phone || up.IDCard != rec.IDCard {
		t.Fatalf("updated = %+v", up)
	}
	var n int
	if err := s.db.GetContext(ctx, &n, `SELECT COUNT(*) FROM audit_log WHERE action = 'alumni.update' AND target_id = ?`, rec.PersonID); err != nil || n != 1 {
		t.Fatalf("audit rows = %d, %v", n, err)
	}
	// The version read before is stale now.
	edit.Organization = "别的单位"
	if _, err := s.Update(ctx, hrss, rec.PersonID, rec.Version, edit); !errors.Is(err, ErrStaleVersion) {
		t.Fatalf("stale version: %v", err)
	}
	// Identity is never changed here.
	other := edit
	other.Name = "赵六"
	if _, err := s.Update(ctx, hrss, rec.PersonID, up.Version, other); !errors.Is(err, person.ErrIdentityDiffers) {
		t.Fatalf("another name: %v", err)
	}
	// Validation as in Create.
	bad := edit
	bad.SchoolCode = "nope"
	var fe *FieldError
	if _, err := s.Update(ctx, hrss, rec.PersonID, up.Version, bad); !errors.As(err, &fe) || fe.Field != "school_code" {
		t.Fatalf("unknown school: %v", err)
	}
	// Township staff do not manage alumni.
	town := actor.Staff(3, "town", actor.Township, "", "421202001")
	if _, err := s.Update(ctx, town, rec.PersonID, up.Version, edit); !errors.Is(err, ErrNotFound) {
		t.Fatalf("township: %v", err)
	}
	if _, err := s.Update(ctx, hrss, 999999, 1, edit); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown person: %v", err)
	}
	got, err := s.Get(ctx, rec.PersonID)
	if err != nil || got.Organization != "咸安区商会" || got.Version != up.Version {
		t.Fatalf("after refusals = %+v, %v", got, err)
	}
}

func TestClaims_listsStaffEnteredRecordsClaimedInTheMiniProgram(t *testing.T) {
	t.Parallel()
	s, _ := newTestService(t, 0)
	ctx := t.Context()
	hrss := actor.Staff(2, "hrss", actor.Department, "区人社局", "")
	page := func(a actor.Actor) ClaimPage {
		t.Helper()
		p, err := s.Claims(ctx, a, sqldb.PageRequest{})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	// Entered by staff with the phone user 42 binds (users gives 138 + the id).
	in := input(42)
	in.Phone = "13800000042"
	rec, err := s.Create(ctx, hrss, in)
	if err != nil {
		t.Fatal(err)
	}
	if p := page(hrss); p.Total != 0 {
		t.Fatalf("before the claim: %+v", p)
	}
	// A self-registration is no claim.
	if _, err := s.SaveMine(ctx, 43, input(43)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SaveMine(ctx, 42, input(42)); err != nil {
		t.Fatal(err)
	}
	p := page(hrss)
	if p.Total != 1 || len(p.Items) != 1 {
		t.Fatalf("claims = %+v", p)
	}
	c := p.Items[0]
	if c.PersonID != rec.PersonID || c.UserID != 42 || c.Name != "王五" || c.IDCard != rec.IDCard || c.SchoolName != "咸安区实验高中" || c.ClaimedAt.IsZero() {
		t.Fatalf("claim = %+v", c)
	}
	if _, err := s.Claims(ctx, actor.Staff(3, "town", actor.Township, "", "421202001"), sqldb.PageRequest{}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("township: %v", err)
	}
}
