package visit

import (
	"errors"
	"testing"
	"time"
)

// The form's rules, each naming its field: kinds and results in their lists, the date not in
// the future, a signing with its project, credit codes with their check character; lists are
// de-duplicated and blank enterprise rows dropped.
func TestFieldsApply(t *testing.T) {
	t.Parallel()
	today := time.Date(2030, 6, 15, 0, 0, 0, 0, time.UTC)
	s := func(v string) *string { return &v }
	valid := func() Input {
		return Input{Kind: s("out"), Title: s("赴深圳拜访咸安籍企业家"), VisitedOn: s("2030-06-15"), Place: s("广东省深圳市")}
	}
	for field, change := range map[string]func(*Input){
		"kind":                func(in *Input) { in.Kind = s("走出去") },
		"title":               func(in *Input) { in.Title = s("x") },
		"place":               func(in *Input) { in.Place = s(" ") },
		"visited_on":          func(in *Input) { in.VisitedOn = s("2030-06-16") },
		"result":              func(in *Input) { in.Result = s("won") },
		"project_ids":         func(in *Input) { in.Result = s(ResultSigned) },
		"township_code":       func(in *Input) { in.TownshipCode = s("贺胜桥") },
		"enterprises[1].uscc": func(in *Input) { in.Enterprises = &[]Enterprise{{Name: "甲公司"}, {Name: "乙公司", USCC: "123"}} },
		"enterprises[0].name": func(in *Input) { in.Enterprises = &[]Enterprise{{Name: "甲", USCC: ""}} },
	} {
		in := valid()
		change(&in)
		var f fields
		err := f.apply(in, today)
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != field {
			t.Errorf("%s: %v", field, err)
		}
	}
	in := valid()
	in.MerchantIDs = &[]int64{3, 3, 0, 5}
	in.Enterprises = &[]Enterprise{{Name: "  "}, {Name: "深圳某某 食品有限公司"}}
	var f fields
	if err := f.apply(in, today); err != nil {
		t.Fatal(err)
	}
	if len(f.merchants) != 2 || f.merchants[0] != 3 || f.merchants[1] != 5 || len(f.enterprises) != 1 || f.result != ResultContacted ||
		f.township != nil {
		t.Errorf("fields = %+v", f)
	}
}
