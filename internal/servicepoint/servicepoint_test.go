package servicepoint

import (
	"context"
	"errors"
	"math"
	"testing"

	"huixiang/internal/testenv"
)

func ptr[T any](v T) *T { return &v }

func newService(t *testing.T) *Service {
	t.Helper()
	db := testenv.MySQL(t)
	db.MustExec(`INSERT INTO regions (code, parent_code, level, name, created_at, updated_at) VALUES
		('421202', NULL, 1, '咸安区', UTC_TIMESTAMP(3), UTC_TIMESTAMP(3)),
		('421202100', '421202', 2, '贺胜桥镇', UTC_TIMESTAMP(3), UTC_TIMESTAMP(3)),
		('421202101', '421202', 2, '官埠桥镇', UTC_TIMESTAMP(3), UTC_TIMESTAMP(3)),
		('421202100201', '421202100', 3, '贺胜村', UTC_TIMESTAMP(3), UTC_TIMESTAMP(3))`)
	return NewService(db, nil)
}

func TestServicePoints_keepListNearest(t *testing.T) {
	t.Parallel()
	s := newService(t)
	ctx := context.Background()
	park, err := s.Create(ctx, Input{Name: "咸安区返乡创业园", Kind: "park", Level: "district", Address: "咸安区永安大道 1 号",
		Lat: ptr(29.8529), Lng: ptr(114.2985), BusinessesHosted: ptr(46), Phone: "0715-8321234", OpeningHours: "周一至周五 8:30-17:30"})
	if err != nil {
		t.Fatal(err)
	}
	gig, err := s.Create(ctx, Input{Name: "贺胜桥镇零工驿站", Kind: "gig_station", Level: "township", TownshipCode: ptr("421202100"),
		Lat: ptr(29.9800), Lng: ptr(114.3700)})
	if err != nil {
		t.Fatal(err)
	}
	liaison, err := s.Create(ctx, Input{Name: "官埠桥镇返乡创业联络站", Kind: "liaison_station", Level: "township", TownshipCode: ptr("421202101")})
	if err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct {
		in    Input
		field string
	}{
		"no name":           {Input{Kind: "park", Level: "district"}, "name"},
		"unknown kind":      {Input{Name: "x", Kind: "bar", Level: "district"}, "kind"},
		"township missing":  {Input{Name: "x", Kind: "gig_station", Level: "township"}, "township_code"},
		"village as town":   {Input{Name: "x", Kind: "gig_station", Level: "village", TownshipCode: ptr("421202100201")}, "township_code"},
		"half a position":   {Input{Name: "x", Kind: "park", Level: "district", Lat: ptr(29.85)}, "lat"},
		"lat and lng swapt": {Input{Name: "x", Kind: "park", Level: "district", Lat: ptr(114.3), Lng: ptr(29.85)}, "lat"},
		"hosted, not park":  {Input{Name: "x", Kind: "gig_station", Level: "district", BusinessesHosted: ptr(3)}, "businesses_hosted"},
	} {
		var fe *FieldError
		if _, err := s.Create(ctx, c.in); !errors.As(err, &fe) || fe.Field != c.field {
			t.Errorf("%s: %v, want a FieldError on %s", name, err, c.field)
		}
	}
	if *park.Lat != 29.8529 || park.KindName != "创业园区/孵化基地" || gig.TownshipName == nil || *gig.TownshipName != "贺胜桥镇" {
		t.Fatalf("park %+v, gig %+v", park, gig)
	}

	// Near the gig station: it first, the park ~15 km away second, the liaison station
	// (no position) last.
	list, err := s.List(ctx, Query{From: &LatLng{29.9790, 114.3690}})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 3 || list[0].ID != gig.ID || list[1].ID != park.ID || list[2].ID != liaison.ID || *list[0].DistanceM > 200 ||
		math.Abs(float64(*list[1].DistanceM)-15200) > 1500 || list[2].DistanceM != nil {
		t.Fatalf("nearest: %+v", list)
	}
	list, _ = s.List(ctx, Query{Township: "421202101"})
	if len(list) != 1 || list[0].ID != liaison.ID {
		t.Fatalf("by township: %+v", list)
	}
	list, _ = s.List(ctx, Query{Kind: "park"})
	if len(list) != 1 || list[0].ID != park.ID {
		t.Fatalf("by kind: %+v", list)
	}

	edit := park.Input
	edit.BusinessesHosted = ptr(52)
	if _, err := s.Update(ctx, park.ID, park.Version, edit); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Update(ctx, park.ID, park.Version, edit); !errors.Is(err, ErrStaleVersion) {
		t.Fatalf("stale: %v", err)
	}
	if err := s.Remove(ctx, gig.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.Remove(ctx, gig.ID); err != nil {
		t.Fatalf("removing twice: %v", err)
	}
	if list, _ = s.List(ctx, Query{}); len(list) != 2 || list[0].ID != park.ID {
		t.Fatalf("after removing, district first: %+v", list)
	}
	if err := s.Remove(ctx, 99999); !errors.Is(err, ErrNotFound) {
		t.Fatalf("remove unknown: %v", err)
	}
}
