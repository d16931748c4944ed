package cn

import (
	"math"
	"testing"
	"time"
)

func TestYuan(t *testing.T) {
	for _, c := range []struct {
		fen  int64
		want string
	}{
		{0, "0"}, {1, "0.01"}, {50, "0.50"}, {100, "1"}, {500000, "5,000"}, {123456, "1,234.56"},
		{30000000, "300,000"}, {100000000, "1,000,000"}, {-150, "-1.50"},
		{math.MaxInt64, "92,233,720,368,547,758.07"}, {math.MinInt64, "-92,233,720,368,547,758.08"},
	} {
		if got := Yuan(c.fen); got != c.want {
			t.Errorf("Yuan(%d) = %q, want %q", c.fen, got, c.want)
		}
	}
}

func TestValidMobile(t *testing.T) {
	for s, want := range map[string]bool{
		"13812345678": true, "19912345678": true, "12812345678": false, "23812345678": false,
		"1381234567": false, "138123456789": false, "1381234567a": false, "": false, "+8613812345678": false,
		"１３８１２３４５６７８": false,
	} {
		if got := ValidMobile(s); got != want {
			t.Errorf("ValidMobile(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestZone_isUTCPlus8(t *testing.T) {
	at := time.Date(2026, 7, 1, 16, 0, 0, 0, time.UTC).In(Zone)
	if at.Day() != 2 || at.Hour() != 0 {
		t.Fatalf("16:00 UTC on 1 July = %v in Zone, want midnight on 2 July", at)
	}
	if got := at.Format("-07:00"); got != ZoneOffset {
		t.Fatalf("ZoneOffset = %s, Zone says %s", ZoneOffset, got)
	}
}

func TestParseYuan(t *testing.T) {
	for in, want := range map[string]int64{"5000": 500000, "5,000.5": 500050, "5，000.05": 500005, " 0.01 ": 1, "0": 0} {
		if got, ok := ParseYuan(in); !ok || got != want {
			t.Errorf("ParseYuan(%q) = %d, %v; want %d", in, got, ok, want)
		}
	}
	for _, bad := range []string{"", "-1", "1.234", "1.", ".5", "abc", "1e3", "1234567890123", "１００"} {
		if got, ok := ParseYuan(bad); ok {
			t.Errorf("ParseYuan(%q) = %d, want not an amount", bad, got)
		}
	}
}
