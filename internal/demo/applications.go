package demo

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"strings"
	"sync"
	"time"

	"huixiang/internal/actor"
	"huixiang/internal/app"
	"huixiang/internal/application"
	"huixiang/internal/returnee"
	"huixiang/internal/upload"
)

// demoApplication is an application of a demo returnee and how far it has come. The applicant
// is a mini-program user (openid demo_app_<person index>) who bound the phone of the demo
// record and claimed it; the reviewers are the demo staff of the applicant's township,
// demo_hrss (district) and admin (disbursement: another account than the district decision).
type demoApplication struct {
	person string // a demoPeople name
	policy string // startup_subsidy | guaranteed_loan
	// amount of a loan in yuan; term in months.
	amountYuan int64
	term       int
	purpose    string
	// stage is the state the seed takes it to: submitted, township_approved, approved,
	// disbursed, returned, rejected, district_rejected.
	stage string
}

// DemoApplications lists the demo applications: both demo townships have some at every stage,
// so the queues and the statistics have content.
var demoApplications = []demoApplication{
	{person: "张建国", policy: "startup_subsidy", stage: application.StatusSubmitted},
	{person: "李秀英", policy: "guaranteed_loan", amountYuan: 100000, term: 24, purpose: "购置服装加工设备", stage: application.StatusSubmitted},
	{person: "王志强", policy: "guaranteed_loan", amountYuan: 200000, term: 36, purpose: "农产品加工厂房租赁和设备", stage: application.StatusTownshipApproved},
	{person: "赵军", policy: "guaranteed_loan", amountYuan: 150000, term: 24, purpose: "竹制品加工", stage: application.StatusReturned},
	{person: "杨丽", policy: "startup_subsidy", stage: application.StatusDisbursed},
	{person: "陈伟", policy: "guaranteed_loan", amountYuan: 50000, term: 12, purpose: "购买货车", stage: "district_rejected"},
	{person: "黄敏", policy: "startup_subsidy", stage: application.StatusTownshipApproved},
	{person: "周涛", policy: "guaranteed_loan", amountYuan: 80000, term: 24, purpose: "开办汽车维修店", stage: application.StatusSubmitted},
	{person: "徐磊", policy: "startup_subsidy", stage: application.StatusApproved},
	{person: "吴静", policy: "guaranteed_loan", amountYuan: 30000, term: 12, purpose: "家政服务培训", stage: application.StatusRejected},
	{person: "孙娟", policy: "guaranteed_loan", amountYuan: 120000, term: 24, purpose: "电子产品维修店", stage: application.StatusDisbursed},
}

// ApplicantOpenID is the openid of the demo applicant of a demo person (tests find them by it).
func applicantOpenID(personIndex int) string { return fmt.Sprintf("demo_app_%02d", personIndex) }

// demoUSCC is a form-valid unified social credit code (GB 32100 check character) for seq.
func demoUSCC(seq int) string {
	const chars = "0123456789ABCDEFGHJKLMNPQRTUWXY"
	s17 := fmt.Sprintf("92421202MA4%06d", 900+seq)
	w := []int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}
	sum := 0
	for i := range 17 {
		sum += strings.IndexByte(chars, s17[i]) * w[i]
	}
	return s17 + string(chars[(31-sum%31)%31])
}

// seedApplications creates the demo applications whose applicant has none yet (seeding twice
// adds nothing) and takes each to its stage through the application service, as the demo staff.
func seedApplications(ctx context.Context, a *app.App, out io.Writer) error {
	reviewers := map[string]actor.Actor{}
	for _, u := range []string{"demo_guanbuqiao", "demo_heshengqiao", "demo_hrss", "admin"} {
		st, err := a.Staff.GetByUsername(ctx, u)
		if err != nil {
			return fmt.Errorf("reviewer %s: %w", u, err)
		}
		reviewers[u] = actor.Staff(st.ID, st.Username, st.Role, st.Department, st.TownshipCode)
	}
	townshipReviewer := map[string]string{"990101": "demo_guanbuqiao", "990102": "demo_heshengqiao"}
	for _, d := range demoApplications {
		i := personIndex(d.person)
		if i < 0 {
			return fmt.Errorf("no demo person %s", d.person)
		}
		p := demoPeople[i]
		userID, err := demoApplicant(ctx, a, i, d.policy == "startup_subsidy")
		if err != nil {
			return fmt.Errorf("%s: %w", d.person, err)
		}
		mine, err := a.Applications.Mine(ctx, userID)
		if err != nil {
			return err
		}
		if len(mine) > 0 {
			continue
		}
		id, version, err := createDemoApplication(ctx, a, userID, d)
		if err != nil {
			return fmt.Errorf("%s: %w", d.person, err)
		}
		got, err := a.Applications.Submit(ctx, userID, id, version)
		if err != nil {
			return fmt.Errorf("%s: submit: %w", d.person, err)
		}
		version = got.Version
		town, district, admin := reviewers[townshipReviewer[p.township]], reviewers["demo_hrss"], reviewers["admin"]
		review := func(by actor.Actor, decision, comment string, fields map[string]string) error {
			got, err := a.Applications.Review(ctx, by, id, application.Decision{Decision: decision, Comment: comment,
				FieldComments: fields, Version: version})
			if err != nil {
				return fmt.Errorf("%s: %s: %w", d.person, decision, err)
			}
			version = got.Version
			return nil
		}
		var steps []func() error
		approveTown := func() error { return review(town, "approve", "材料齐全，情况属实，同意上报。", nil) }
		approveDistrict := func() error { return review(district, "approve", "符合政策条件，同意。", nil) }
		switch d.stage {
		case application.StatusTownshipApproved:
			steps = []func() error{approveTown}
		case application.StatusApproved:
			steps = []func() error{approveTown, approveDistrict}
		case application.StatusDisbursed:
			steps = []func() error{approveTown, approveDistrict, func() error {
				amount := got.AmountFen
				_, err := a.Applications.Disburse(ctx, admin, id, application.DisburseInput{AmountFen: amount,
					PaidOn: time.Now().In(time.UTC).AddDate(0, 0, -3).Format(time.DateOnly), BankReference: fmt.Sprintf("XA2026%06d", id),
					Version: version})
				return err
			}}
		case application.StatusReturned:
			steps = []func() error{func() error {
				return review(town, "return", "请补正后重新提交。", map[string]string{
					"bank_account": "银行账号与开户人姓名不一致", "attachments": "身份证国徽面照片不清楚，请重新拍摄"})
			}}
		case application.StatusRejected:
			steps = []func() error{func() error {
				return review(town, "reject", "申请人目前未在本镇创业经营，不符合创业担保贷款条件。", nil)
			}}
		case "district_rejected":
			steps = []func() error{approveTown, func() error {
				return review(district, "reject", "经核查，申请人已有未结清的银行贷款逾期记录，暂不符合担保条件。", nil)
			}}
		}
		for _, s := range steps {
			if err := s(); err != nil {
				return err
			}
		}
		fmt.Fprintf(out, "seed: created demo application of %s (%s, %s)\n", d.person, d.policy, d.stage)
	}
	return nil
}

func personIndex(name string) int {
	for i, p := range demoPeople {
		if p.name == name {
			return i
		}
	}
	return -1
}

// demoApplicant is the mini-program user of demo person i: a user who bound the phone of the
// person's registry record and claimed the record (returnee SaveMine), as a returnee does in
// the mini program. With business, the record gets a business registered two months ago (the
// startup subsidy asks for one).
func demoApplicant(ctx context.Context, a *app.App, i int, business bool) (int64, error) {
	p := demoPeople[i]
	phone := fmt.Sprintf("1390715%04d", 1000+i)
	userID, err := a.Accounts.DemoUser(ctx, applicantOpenID(i), phone)
	if err != nil {
		return 0, err
	}
	_, err = a.Returnees.Mine(ctx, userID)
	if err == nil {
		return userID, nil
	}
	if !errors.Is(err, returnee.ErrNotRegistered) {
		return 0, err
	}
	page, err := a.Returnees.List(ctx, seedActor, returnee.Filter{Township: p.township, Name: p.name})
	if err != nil {
		return 0, err
	}
	var rec *returnee.Record
	for j := range page.Items {
		if page.Items[j].Name == p.name {
			rec = &page.Items[j]
		}
	}
	if rec == nil {
		return 0, fmt.Errorf("demo returnee %s not found", p.name)
	}
	in := rec.Input
	in.IDCard, in.Phone = demoIDNumber(p.birth, i), phone
	if business {
		started := returnee.Date{Time: time.Now().UTC().AddDate(0, -2, 0).Truncate(24 * time.Hour)}
		jobs := 3
		in.Intention = "started"
		in.Business = &returnee.Business{Name: string([]rune(p.name)[:1]) + "记创业工作室", Type: "individual", USCC: demoUSCC(i), StartedOn: &started, JobsCreated: &jobs}
	}
	if _, err := a.Returnees.SaveMine(ctx, userID, in); err != nil {
		return 0, fmt.Errorf("claim record: %w", err)
	}
	return userID, nil
}

// createDemoApplication uploads the materials (ID photos, a business licence for subsidies, a
// PDF for loans) and creates the draft; it returns its id and version.
func createDemoApplication(ctx context.Context, a *app.App, userID int64, d demoApplication) (int64, int, error) {
	files := []struct{ kind, name string }{{upload.KindIDFront, "身份证人像面.png"}, {upload.KindIDBack, "身份证国徽面.png"}}
	if d.policy == "startup_subsidy" {
		files = append(files, struct{ kind, name string }{upload.KindBusinessLicence, "营业执照.png"})
	} else {
		files = append(files, struct{ kind, name string }{upload.KindOther, "经营计划书.pdf"})
	}
	var ids []string
	for k, f := range files {
		body := demoPNG(k)
		if strings.HasSuffix(f.name, ".pdf") {
			body = demoPDF
		}
		u, err := a.Uploads.Create(ctx, userID, f.kind, f.name, bytes.NewReader(body))
		if err != nil {
			return 0, 0, fmt.Errorf("upload %s: %w", f.name, err)
		}
		ids = append(ids, u.ID)
	}
	jobs := 2
	in := application.Input{Policy: d.policy, BankName: "湖北农信咸安支行", BankAccount: fmt.Sprintf("62220212345%08d", userID),
		JobsCreated: &jobs, Attachments: ids}
	if d.policy == "guaranteed_loan" {
		term := d.term
		in.BorrowerType, in.AmountFen, in.TermMonths, in.Purpose = "individual", d.amountYuan*100, &term, d.purpose
	}
	body, _, err := a.Applications.Create(ctx, userID, in, "", nil)
	if err != nil {
		return 0, 0, fmt.Errorf("create: %w", err)
	}
	var got struct {
		ID      int64 `json:"id"`
		Version int   `json:"version"`
	}
	if err := json.Unmarshal(body, &got); err != nil {
		return 0, 0, err
	}
	return got.ID, got.Version, nil
}

// demoPNG is a small picture standing in for a photographed document (a light card with a
// darker band), its colour varying with k. Callers only read it.
func demoPNG(k int) []byte { return demoPNGs()[k%3] }

// demoPNGs are the three pictures, drawn once per process: a seed uploads dozens, and drawing
// one pixel by pixel is most of a seed's CPU under the race detector.
var demoPNGs = sync.OnceValue(func() [3][]byte {
	var out [3][]byte
	for k := range out {
		out[k] = drawDemoPNG(k)
	}
	return out
})

func drawDemoPNG(k int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 320, 200))
	bg := []color.RGBA{{232, 240, 254, 255}, {253, 244, 224, 255}, {232, 246, 236, 255}}[k%3]
	for y := range 200 {
		for x := range 320 {
			c := bg
			if y > 30 && y < 60 || (x > 20 && x < 100 && y > 80 && y < 170) {
				c = color.RGBA{120, 130, 150, 255}
			}
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	_ = png.Encode(&b, img)
	return b.Bytes()
}

// demoPDF is a one-page PDF standing in for a business plan.
var demoPDF = []byte("%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n" +
	"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")

// SeedApplications is the applications' part of Seed alone, for tests that seed it again.
func SeedApplications(ctx context.Context, a *app.App, out io.Writer) error {
	return seedApplications(ctx, a, out)
}
