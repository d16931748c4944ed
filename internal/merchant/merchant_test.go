package merchant

import (
	"errors"
	"testing"

	"huixiang/internal/vocab"
)

func testLookups() lookups {
	return lookups{
		lists:    vocab.Lists{"intended_field": {{Code: "tea", Label: "茶叶"}}},
		township: func(code string) (bool, error) { return code == "990101", nil },
		section: func(code string) (string, error) {
			return map[string]string{"C": "C", "13": "C", "I": "I", "65": "I"}[code], nil
		},
	}
}

func TestMerchantValidate_fieldsNamedAndNormalised(t *testing.T) {
	in := Input{TownshipCode: "990101", BizProvince: " 广东省 ", BizCity: "东莞市", IndustryCode: "13",
		IntendedFields: []string{"tea", "tea"}, Enterprises: []Enterprise{{Name: "某某食品有限公司", USCC: "91350100m000100y43"}}}
	p, err := validate(in, testLookups(), SourceStaff)
	if err != nil {
		t.Fatal(err)
	}
	if p.IndustrySection != "C" || p.BizProvince != "广东省" || len(p.Fields) != 1 || p.OperatingStatus != "operating" ||
		p.Source != SourceStaff || p.Enterprises[0].USCC != "91350100M000100Y43" || p.Enterprises[0].Status != "operating" {
		t.Fatalf("profile = %+v", p)
	}
	for field, change := range map[string]func(*Input){
		"township_code":      func(in *Input) { in.TownshipCode = "990102" },
		"industry_code":      func(in *Input) { in.IndustryCode = "99" },
		"biz_province":       func(in *Input) { in.BizProvince = "" },
		"intended_fields":    func(in *Input) { in.IntendedFields = []string{"gold"} },
		"amount_band":        func(in *Input) { in.AmountBand = "lots" },
		"preferred_township": func(in *Input) { in.PreferredTownship = "1" },
		"source":             func(in *Input) { in.Source = "self" },
		"enterprises":        func(in *Input) { in.Enterprises = []Enterprise{{Name: "某公司", USCC: "91350100M000100Y44"}} },
	} {
		bad := in
		change(&bad)
		_, err := validate(bad, testLookups(), SourceStaff)
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != field || fe.Message == "" {
			t.Errorf("%s: %v", field, err)
		}
	}
	// A user's own record is always "self", whatever the body says.
	in.Source = SourceChamber
	if p, err := validate(in, testLookups(), SourceSelf); err != nil || p.Source != SourceSelf {
		t.Errorf("self: %v %q", err, p.Source)
	}
}

func TestMerchantFilter_check(t *testing.T) {
	for _, f := range []Filter{{}, {Industry: "C"}, {Industry: "13"}, {Province: "广东省", City: "东莞市"}, {AmountBand: "ge_10000"}} {
		if err := f.check(); err != nil {
			t.Errorf("%+v: %v", f, err)
		}
	}
	for _, f := range []Filter{{Industry: "Z"}, {Industry: "区"}, {AmountBand: "x"}, {Township: "区"}, {Field: "区"}} {
		var fe *FilterError
		if err := f.check(); !errors.As(err, &fe) {
			t.Errorf("%+v: %v", f, err)
		}
	}
}
