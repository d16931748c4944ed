package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"huixiang/internal/actor"
	"huixiang/internal/app"
	"huixiang/internal/cn"
	"huixiang/internal/merchant"
	"huixiang/internal/person"
	"huixiang/internal/pii"
	"huixiang/internal/sqldb"
)

// The 楚商回乡 demo (issue 14): merchants and talents, investment projects with their service
// teams and approval milestones, match moves, visits with follow-ups and requests. Every record
// goes through the feature services; the services that stamp "now" are given a clock in the
// past where a record must be older (a stale merchant, a project planned months ago, a request
// that is overdue), so the demo's dates stay relative to the day of the seed and inside its
// year (see demoDay).

// investDepartment is the department of the demo's 招商 staff (demo_invest): projects' contact
// department, the service teams' department and the requests' handler.
const investDepartment = "区招商服务中心"

// demoMerchant is a merchant of the demo, entered by staff (stale ones were entered, and last
// confirmed, longer ago than the update-rate window). 官埠桥镇 (the township account the
// console's tests import manufacturers into) has two, both fresh and neither in manufacturing.
type demoMerchant struct {
	name, birth, township, province, city, industry, size, revenue, chamber, amount, timing, preferred string
	fields                                                                                             []string
	enterprise                                                                                         string // "" none
	source                                                                                             string
	stale                                                                                              bool
}

var demoMerchants = []demoMerchant{
	{"陈国华", "19700315", "990102", "广东省", "深圳市", "15", "medium", "10000_40000", "深圳湖北商会副会长", "1000_5000", "within_1y", "990102", []string{"tea"}, "深圳楚茗茶业有限公司", "chamber", false},
	{"刘建平", "19680622", "990105", "广东省", "深圳市", "39", "large", "ge_40000", "深圳咸宁商会会长", "ge_10000", "within_1y", "990105", []string{"other"}, "深圳鑫源电子科技有限公司", "chamber", false},
	{"王春梅", "19750908", "990103", "浙江省", "杭州市", "13", "small", "2000_10000", "", "1000_5000", "within_6m", "990103", []string{"osmanthus", "agri_processing"}, "杭州桂香食品有限公司", "staff", false},
	{"张德明", "19660130", "990104", "上海市", "上海市", "27", "medium", "10000_40000", "上海湖北商会理事", "5000_10000", "within_3y", "990104", []string{"health"}, "上海康源医药有限公司", "chamber", false},
	{"李志刚", "19720518", "990105", "北京市", "北京市", "70", "large", "ge_40000", "北京咸宁企业商会常务副会长", "ge_10000", "undecided", "", []string{"rural_tourism"}, "北京华楚置业有限公司", "chamber", false},
	{"赵红霞", "19800211", "990103", "湖北省", "武汉市", "18", "small", "500_2000", "", "100_1000", "within_6m", "990103", []string{"ecommerce"}, "武汉红霞服饰有限公司", "staff", false},
	{"孙卫东", "19690725", "990102", "广东省", "深圳市", "34", "medium", "2000_10000", "深圳湖北商会理事", "1000_5000", "within_1y", "990102", []string{"other"}, "深圳东力机械设备有限公司", "chamber", false},
	{"周丽华", "19780419", "990103", "浙江省", "杭州市", "17", "medium", "2000_10000", "杭州湖北商会副秘书长", "1000_5000", "within_1y", "990103", []string{"ramie"}, "杭州丽华纺织有限公司", "chamber", false},
	{"吴海涛", "19830903", "990104", "湖北省", "武汉市", "51", "small", "2000_10000", "", "100_1000", "within_6m", "990104", []string{"ecommerce", "agri_processing"}, "武汉海涛商贸有限公司", "staff", false},
	{"郑晓光", "19760612", "990105", "上海市", "上海市", "39", "medium", "10000_40000", "上海湖北商会会员", "5000_10000", "within_1y", "990105", []string{"other"}, "上海晓光电子有限公司", "chamber", false},
	{"冯玉兰", "19810127", "990101", "广东省", "深圳市", "51", "small", "500_2000", "", "100_1000", "within_1y", "990101", []string{"agri_processing", "tea"}, "深圳玉兰农产品有限公司", "staff", false},
	{"何建军", "19710830", "990102", "北京市", "北京市", "27", "large", "ge_40000", "北京湖北企业商会副会长", "ge_10000", "within_3y", "990102", []string{"health"}, "北京楚康生物制药有限公司", "chamber", false},
	{"许文静", "19850316", "990103", "浙江省", "杭州市", "18", "micro", "lt_500", "", "lt_100", "undecided", "", []string{"ecommerce"}, "", "import", false},
	{"邓志远", "19740221", "990104", "湖北省", "武汉市", "34", "medium", "2000_10000", "武汉咸宁商会理事", "1000_5000", "within_1y", "990104", []string{"other"}, "武汉志远通用设备有限公司", "chamber", false},
	{"曹美玲", "19790705", "990105", "广东省", "深圳市", "15", "small", "500_2000", "", "100_1000", "within_6m", "990105", []string{"tea", "osmanthus"}, "深圳美玲茶饮有限公司", "staff", false},
	{"彭国强", "19670914", "990101", "上海市", "上海市", "70", "large", "ge_40000", "上海湖北商会常务理事", "5000_10000", "within_3y", "", []string{"rural_tourism", "health"}, "上海国强地产有限公司", "chamber", false},
	{"蒋小燕", "19820408", "990102", "浙江省", "杭州市", "17", "small", "500_2000", "", "100_1000", "within_1y", "990102", []string{"ramie", "bamboo"}, "杭州燕飞纺织品有限公司", "import", false},
	{"韩立新", "19730119", "990103", "北京市", "北京市", "39", "medium", "10000_40000", "北京咸宁企业商会理事", "1000_5000", "within_1y", "990103", []string{"other"}, "北京立新信息科技有限公司", "chamber", false},
	{"唐秀珍", "19770626", "990104", "湖北省", "武汉市", "13", "medium", "2000_10000", "武汉咸宁商会副会长", "1000_5000", "within_6m", "990104", []string{"agri_processing"}, "武汉唐氏食品有限公司", "chamber", false},
	{"钟伟民", "19690302", "990105", "广东省", "深圳市", "51", "medium", "10000_40000", "", "100_1000", "undecided", "", []string{"ecommerce"}, "深圳伟民贸易有限公司", "staff", false},
	{"罗建新", "19800809", "990104", "湖北省", "武汉市", "34", "small", "500_2000", "", "100_1000", "within_3y", "990104", []string{"other"}, "武汉建新机电有限公司", "import", true},
	{"谭春花", "19840512", "990102", "广东省", "深圳市", "18", "micro", "lt_500", "", "lt_100", "undecided", "", []string{"ecommerce"}, "", "import", true},
	{"龚志华", "19710920", "990103", "上海市", "上海市", "15", "small", "500_2000", "", "100_1000", "within_3y", "990103", []string{"tea"}, "上海志华茶业有限公司", "staff", true},
	{"严永康", "19750104", "990104", "北京市", "北京市", "27", "medium", "2000_10000", "北京湖北企业商会会员", "1000_5000", "within_1y", "990104", []string{"health"}, "北京永康医疗器械有限公司", "chamber", false},
}

// selfMerchant registers in the mini program (a demo user with a bound phone): the merchant who
// sees 为您推荐 and says 感兴趣.
var selfMerchant = demoMerchant{"黎振华", "19781111", "990102", "广东省", "深圳市", "15", "small", "2000_10000", "深圳咸宁商会会员",
	"1000_5000", "within_6m", "990102", []string{"tea"}, "深圳振华茶叶贸易有限公司", "self", false}

// selfMerchantOpenID is the openid of selfMerchant's demo user.
const selfMerchantOpenID = "demo-merchant-01"

// demoDay is the Beijing date at fraction f (0…1) of the demo's span: from 180 days before the
// seed (or 1 January, when that is later) to the day of the seed, so every demo date falls in
// the seed's year and the dashboard's year figures count them.
func demoDay(now time.Time, f float64) time.Time {
	y, m, d := now.In(cn.Zone).Date()
	today := time.Date(y, m, d, 0, 0, 0, 0, cn.Zone)
	start := today.AddDate(0, 0, -180)
	if jan1 := time.Date(y, 1, 1, 0, 0, 0, 0, cn.Zone); start.Before(jan1) {
		start = jan1
	}
	days := int(f * today.Sub(start).Hours() / 24)
	return start.AddDate(0, 0, days)
}

// isoDay is t as a date (YYYY-MM-DD) in Beijing.
func isoDay(t time.Time) string { return t.In(cn.Zone).Format(time.DateOnly) }

// seedChushang seeds the 楚商回乡 demo: merchants, projects (teams, milestones, baselines),
// match moves and an interest, visits with follow-ups, and requests.
func seedChushang(ctx context.Context, a *app.App, out io.Writer) error {
	admin, err := staffActor(ctx, a, "admin")
	if err != nil {
		return err
	}
	ids, err := seedMerchants(ctx, a, admin, out)
	if err != nil {
		return fmt.Errorf("merchants: %w", err)
	}
	projects, err := seedProjects(ctx, a, admin, out)
	if err != nil {
		return fmt.Errorf("projects: %w", err)
	}
	if err := seedMatches(ctx, a, admin, ids, projects, out); err != nil {
		return fmt.Errorf("matches: %w", err)
	}
	if err := seedVisits(ctx, a, admin, ids, projects, out); err != nil {
		return fmt.Errorf("visits: %w", err)
	}
	if err := seedRequests(ctx, a, admin, out); err != nil {
		return fmt.Errorf("requests: %w", err)
	}
	return nil
}

// staffActor is the demo staff account username acting.
func staffActor(ctx context.Context, a *app.App, username string) (actor.Actor, error) {
	st, err := a.Staff.GetByUsername(ctx, username)
	if err != nil {
		return actor.Actor{}, fmt.Errorf("staff %s: %w", username, err)
	}
	return actor.Staff(st.ID, st.Username, st.Role, st.Department, st.TownshipCode), nil
}

func (d demoMerchant) input(i int) merchant.Input {
	in := merchant.Input{Name: d.name, IDCard: demoIDNumber(d.birth, 200+i), Phone: fmt.Sprintf("1390717%04d", 1000+i),
		TownshipCode: d.township, BizProvince: d.province, BizCity: d.city, IndustryCode: d.industry, SizeBand: d.size,
		RevenueBand: d.revenue, ChamberRoles: d.chamber, IntendedFields: d.fields, AmountBand: d.amount, Timing: d.timing,
		PreferredTownship: d.preferred, Source: d.source}
	if d.enterprise != "" {
		in.Enterprises = []merchant.Enterprise{{Name: d.enterprise, USCC: demoUSCC(300 + i), IndustryCode: d.industry,
			Province: d.province, City: d.city, SizeBand: d.size, RevenueBand: d.revenue}}
	}
	return in
}

// seedMerchants enters the demo merchants that do not exist yet (a person's second record is
// ErrExists) and registers the self-service one; it returns the merchants' person ids by name.
func seedMerchants(ctx context.Context, a *app.App, admin actor.Actor, out io.Writer) (map[string]int64, error) {
	box, err := pii.New(a.Config.PIIKey())
	if err != nil {
		return nil, err
	}
	// The stale merchants were entered (and so last confirmed) before the update-rate window.
	days := a.Config.Registry.FreshDays
	if days <= 0 {
		days = merchant.DefaultFreshDays
	}
	past := time.Now().AddDate(0, 0, -days-45)
	stale := merchant.NewService(a.DB, person.NewStore(box), a.Accounts, nil, days, func() time.Time { return past })
	for i, d := range demoMerchants {
		svc := a.Merchants
		if d.stale {
			svc = stale
		}
		_, err := svc.Create(ctx, admin, d.input(i))
		switch {
		case errors.Is(err, merchant.ErrExists):
		case err != nil:
			return nil, fmt.Errorf("%s: %w", d.name, err)
		default:
			fmt.Fprintf(out, "seed: entered demo merchant %s\n", d.name)
		}
	}
	uid, err := a.Accounts.DemoUser(ctx, selfMerchantOpenID, "13907179999")
	if err != nil {
		return nil, err
	}
	if _, err := a.Merchants.Mine(ctx, uid); errors.Is(err, merchant.ErrNotRegistered) {
		in := selfMerchant.input(len(demoMerchants))
		in.Phone, in.Source = "", ""
		if _, err := a.Merchants.SaveMine(ctx, uid, in); err != nil {
			return nil, fmt.Errorf("%s: %w", selfMerchant.name, err)
		}
		fmt.Fprintf(out, "seed: registered demo merchant %s\n", selfMerchant.name)
	} else if err != nil {
		return nil, err
	}
	ids := map[string]int64{}
	for page := 1; ; page++ {
		p, err := a.Merchants.List(ctx, admin, merchant.Filter{}, sqldb.PageRequest{Page: page, PageSize: sqldb.MaxPageSize})
		if err != nil {
			return nil, err
		}
		for _, it := range p.Items {
			ids[it.Name] = it.PersonID
		}
		if page*sqldb.MaxPageSize >= p.Total {
			return ids, nil
		}
	}
}
