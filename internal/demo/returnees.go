package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"huixiang/internal/app"
	"huixiang/internal/person"
	"huixiang/internal/returnee"
)

// demoPeople are returnees of the demo, entered by township staff: most in 官埠桥镇 and
// 贺胜桥镇 (the townships of the demo township accounts), a few elsewhere. Their ID numbers are
// valid in form (GB 11643 check character) but belong to nobody.
var demoPeople = []struct {
	name, township, birth, status, intention, industry, city string
	fields, needs, skills                                    []string
	years                                                    int
}{
	{"张建国", "990101", "19780312", "returned", "started", "电子制造", "东莞市", []string{"tea"}, []string{"funds"}, []string{"electrician"}, 15},
	{"李秀英", "990101", "19850721", "returned", "preparing", "服装加工", "深圳市", []string{"ecommerce"}, []string{"training", "funds"}, []string{"tailoring"}, 11},
	{"王志强", "990101", "19900105", "returned", "preparing", "建筑施工", "武汉市", []string{"agri_processing"}, []string{"site"}, []string{"welder"}, 9},
	{"刘芳", "990101", "19920618", "planning", "considering", "餐饮服务", "杭州市", []string{"rural_tourism"}, []string{"policy"}, []string{"cook"}, 7},
	{"陈伟", "990101", "19881109", "returned", "none", "物流运输", "广州市", nil, nil, []string{"driver"}, 10},
	{"杨丽", "990101", "19950224", "returned", "started", "电子商务", "上海市", []string{"ecommerce"}, []string{"funds", "site"}, []string{"ecommerce"}, 6},
	{"赵军", "990101", "19820830", "returned", "preparing", "机械制造", "苏州市", []string{"bamboo"}, []string{"funds", "mentor"}, []string{"mechanic"}, 14},
	{"黄敏", "990102", "19870415", "returned", "started", "茶叶加工", "福州市", []string{"tea"}, []string{"funds", "training"}, []string{"farming"}, 12},
	{"周涛", "990102", "19910927", "returned", "preparing", "汽车维修", "长沙市", []string{"other"}, []string{"site"}, []string{"mechanic"}, 8},
	{"吴静", "990102", "19930711", "planning", "considering", "家政服务", "北京市", []string{"health"}, []string{"training"}, []string{"housekeeping"}, 6},
	{"徐磊", "990102", "19800203", "returned", "started", "水产养殖", "宁波市", []string{"osmanthus"}, []string{"funds", "workers"}, []string{"farming"}, 16},
	{"孙娟", "990102", "19961201", "returned", "none", "电子制造", "东莞市", nil, nil, []string{"computer"}, 5},
	{"马超", "990103", "19890516", "returned", "preparing", "乡村旅游", "成都市", []string{"rural_tourism"}, []string{"funds"}, []string{"cook"}, 9},
	{"朱红", "990104", "19840808", "returned", "started", "中药材种植", "南昌市", []string{"ramie"}, []string{"mentor"}, []string{"farming"}, 13},
	{"胡斌", "990105", "19941022", "planning", "considering", "软件开发", "深圳市", []string{"ecommerce"}, []string{"policy"}, []string{"computer"}, 7},
}

// demoIDNumber is a form-valid identity card number of 咸安区 (421202) for birth and seq.
func demoIDNumber(birth string, seq int) string {
	s17 := fmt.Sprintf("421202%s%03d", birth, 100+seq)
	w := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i := range 17 {
		sum += int(s17[i]-'0') * w[i]
	}
	return s17 + string("10X98765432"[sum%11])
}

// seedReturnees enters the demo people that are not in the registry yet (by ID number: the
// registry refuses a second record of one person).
func seedReturnees(ctx context.Context, a *app.App, out io.Writer) error {
	for i, p := range demoPeople {
		left := date(2010, 3, 1)
		in := returnee.Input{
			Name: p.name, IDCard: demoIDNumber(p.birth, i), Phone: fmt.Sprintf("1390715%04d", 1000+i),
			TownshipCode: p.township, VillageCode: p.township + "001", Status: p.status, LeftOn: &left,
			WorkProvince: "广东省", WorkCity: p.city, Industry: p.industry, YearsAway: &p.years,
			Education: "senior", Intention: p.intention,
			IntendedFields: p.fields, Needs: p.needs, Skills: p.skills,
		}
		if p.status == "returned" {
			back := date(2025, 2, 1)
			in.ReturnedOn = &back
		} else {
			plan := date(2027, 1, 15)
			in.PlanReturnOn = &plan
		}
		_, err := a.Returnees.Create(ctx, seedActor, in)
		switch {
		case errors.Is(err, returnee.ErrAlreadyExists), errors.Is(err, person.ErrAlreadyRegistered):
		case err != nil:
			return fmt.Errorf("%s: %w", p.name, err)
		default:
			fmt.Fprintf(out, "seed: entered demo returnee %s\n", p.name)
		}
	}
	return nil
}

func date(y int, m time.Month, d int) returnee.Date {
	return returnee.Date{Time: time.Date(y, m, d, 0, 0, 0, 0, time.UTC)}
}

// PeopleOf names the demo returnees of township (tests check that another township's staff never
// see them).
func PeopleOf(township string) []string {
	var out []string
	for _, p := range demoPeople {
		if p.township == township {
			out = append(out, p.name)
		}
	}
	return out
}
