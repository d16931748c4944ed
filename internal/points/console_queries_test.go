package points

import (
	"context"
	"errors"
	"testing"
)

// TestPerkAndHolderName: staff read the perks they manage and the masked holder of their own
// provider's vouchers; another provider's are not found.
func TestPerkAndHolderName(t *testing.T) {
	s, db := newService(t)
	ctx := context.Background()
	name, prov := "工位", "区人社局"
	price := int64(10)
	p, err := s.CreatePerk(ctx, admin, PerkInput{Name: &name, Category: ptrTo("other"), ProviderCode: &prov, PointsPrice: &price,
		ValidFrom: ptrTo(s.now().AddDate(0, 0, -1)), ValidUntil: ptrTo(s.now().AddDate(1, 0, 0))})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := s.Perk(ctx, hrss, p.ID); err != nil || got.Name != name {
		t.Fatalf("own perk: %+v %v", got, err)
	}
	if _, err := s.Perk(ctx, edu, p.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("another provider's perk: %v", err)
	}
	pid := addPersons(t, db, 1)[0]
	if _, err := db.Exec(`UPDATE persons SET name = '欧阳明' WHERE id = ?`, pid); err != nil {
		t.Fatal(err)
	}
	v := Voucher{PersonID: pid, ProviderCode: prov}
	if got, err := s.HolderName(ctx, hrss, v); err != nil || got != "欧**" {
		t.Fatalf("holder: %q %v", got, err)
	}
	if _, err := s.HolderName(ctx, edu, v); !errors.Is(err, ErrNotFound) {
		t.Fatalf("another provider's holder: %v", err)
	}
}

func ptrTo[T any](v T) *T { return &v }
