package cnid

import (
	"errors"
	"testing"
	"time"
)

var now = time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)

func TestParseIDCard(t *testing.T) {
	good := map[string]struct {
		birth, gender string
	}{
		"11010519491231002X": {"1949-12-31", "F"},
		"11010519491231002x": {"1949-12-31", "F"}, // lower-case x is normalised
	}
	for in, want := range good {
		id, err := ParseIDCard(in, now)
		if err != nil {
			t.Errorf("ParseIDCard(%q): %v", in, err)
			continue
		}
		if id.BirthDate.Format("2006-01-02") != want.birth || id.Gender != want.gender || id.Number != "11010519491231002X" {
			t.Errorf("ParseIDCard(%q) = %+v", in, id)
		}
	}
	bad := []string{
		"110105194912310021",  // wrong check character
		"11010519491231002",   // 17 characters
		"1101051949123100212", // 19
		"11010519491331002X",  // month 13 (checksum recomputed below would not save it)
		"A1010519491231002X",
		"",
		"110105203012310028", // born in 2030
	}
	for _, in := range bad {
		if _, err := ParseIDCard(in, now); !errors.Is(err, ErrIDCardInvalid) {
			t.Errorf("ParseIDCard(%q) err = %v, want ErrIDCardInvalid", in, err)
		}
	}
}

// withCheck completes 17 digits with their check character, to build test numbers.
func withCheck(s17 string) string {
	sum := 0
	for i := range 17 {
		sum += int(s17[i]-'0') * idWeights[i]
	}
	return s17 + string(idCheck[sum%11])
}

func TestParseIDCard_invalidDatesWithValidChecksums(t *testing.T) {
	for _, s17 := range []string{"42120219900230001", "42120218991231001", "42120220991231001"} {
		if _, err := ParseIDCard(withCheck(s17), now); !errors.Is(err, ErrIDCardInvalid) {
			t.Errorf("%s: err = %v, want invalid (bad or future date)", withCheck(s17), err)
		}
	}
	if id, err := ParseIDCard(withCheck("42120219900101123"), now); err != nil || id.Gender != "M" || id.Region != "421202" {
		t.Errorf("valid generated number: %+v %v", id, err)
	}
}

func TestMaskIDCard(t *testing.T) {
	if got := MaskIDCard("11010519491231002X"); got != "1101**********002X" {
		t.Errorf("MaskIDCard = %q", got)
	}
}

func TestNormalizeUSCC(t *testing.T) {
	// Published codes.
	good := []string{"91350100M000100Y43", "91110000802100433B"}
	for _, in := range good {
		if got, err := NormalizeUSCC(in); err != nil || got != in {
			t.Errorf("NormalizeUSCC(%q) = %q, %v", in, got, err)
		}
	}
	bad := []string{"91350100M000100Y44", "91350100M000100Y4", "91350100I000100Y43", "9135A100M000100Y43", ""}
	for _, in := range bad {
		if _, err := NormalizeUSCC(in); !errors.Is(err, ErrUSCCInvalid) {
			t.Errorf("NormalizeUSCC(%q) err = %v, want ErrUSCCInvalid", in, err)
		}
	}
}
