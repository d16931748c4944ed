package points

import (
	"testing"
	"time"

	"huixiang/internal/cn"
)

// TestMonthly_grantsAndRedemptionsOfTheMonth: twelve months, oldest first, zeros where nothing
// happened; this month holds the points granted and those spent on a perk.
func TestMonthly_grantsAndRedemptionsOfTheMonth(t *testing.T) {
	t.Parallel()
	s, db := newService(t)
	p := addPersons(t, db, 1)[0]
	e := grant(t, s, p, "event_attendance", "E1")
	if _, _, err := s.Redeem(t.Context(), p, newPerk(t, s, 15, nil, nil).ID, "monthly-key-1"); err != nil {
		t.Fatal(err)
	}
	got, err := s.Monthly(t.Context(), 12)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 12 || got[11].Month != time.Now().In(cn.Zone).Format("2006-01") {
		t.Fatalf("months %+v", got)
	}
	if got[11].Issued != e.Delta || got[11].Redeemed != 15 {
		t.Errorf("this month %+v, want issued %d and redeemed 15", got[11], e.Delta)
	}
	for _, m := range got[:11] {
		if m.Issued != 0 || m.Redeemed != 0 {
			t.Errorf("month %s: %+v, want zeros", m.Month, m)
		}
	}
}
