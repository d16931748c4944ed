package demo

import (
	"context"
	"errors"
	"fmt"
	"io"

	"huixiang/internal/alumni"
	"huixiang/internal/app"
)

// demoSchools are schools added beside the ones the migration brings (an inactive one shows how
// a school is retired).
var demoSchools = []struct {
	code, name string
	active     bool
	sort       int
}{
	{"demo_wenquan_zx", "咸安区温泉中学（演示）", true, 50},
	{"demo_sanzhong", "咸安区原第三中学（演示，已撤并）", false, 90},
}

// demoAlumni are alumni who registered in the mini program (each a demo user without WeChat),
// at every review stage; attend ones checked in to the demo event. Their ID numbers are valid
// in form but belong to nobody.
var demoAlumni = []struct {
	name, birth, school, status, grade, comment, city, org, industry, title string
	entry                                                                   int
	attend                                                                  bool
}{
	{"程思远", "19900414", "xa_yizhong", "pending", "", "", "武汉市", "华中科技大学", "教育", "副教授", 2005, true},
	{"方雅琴", "19930907", "xa_shiyan_gz", "pending", "", "", "深圳市", "某科技有限公司", "软件开发", "产品经理", 2008, false},
	{"郑明轩", "19870120", "xn_gaozhong", "approved", "", "", "上海市", "某投资管理公司", "金融", "合伙人", 2002, true},
	{"高文博", "19820615", "xa_yizhong", "approved", "distinguished", "", "北京市", "某生物医药公司", "生物医药", "董事长", 1997, true},
	{"林晓燕", "19910302", "demo_wenquan_zx", "approved", "expert", "", "广州市", "某农业科学研究院", "农业科技", "研究员", 2006, false},
	{"谢国栋", "19951111", "xa_zhiye", "rejected", "", "毕业学校与入学年份无法核实，请核对后重新提交", "长沙市", "", "", "", 2010, false},
}

// seedAlumni adds the demo schools, registers the demo alumni, reviews and grades them, and
// checks some in to the demo event. Each step looks first, so a second seed adds nothing.
func seedAlumni(ctx context.Context, a *app.App, out io.Writer) error {
	for _, sc := range demoSchools {
		name, active, sort := sc.name, sc.active, sc.sort
		_, err := a.Alumni.CreateSchool(ctx, seedActor, alumni.SchoolInput{Code: sc.code, Name: &name, Active: &active, Sort: &sort})
		switch {
		case errors.Is(err, alumni.ErrSchoolExists):
		case err != nil:
			return fmt.Errorf("school %s: %w", sc.name, err)
		default:
			fmt.Fprintf(out, "seed: created demo school %s\n", sc.name)
		}
	}
	event, err := demoEventID(ctx, a)
	if err != nil {
		return err
	}
	for i, d := range demoAlumni {
		uid, err := a.Accounts.DemoUser(ctx, fmt.Sprintf("demo-alumnus-%02d", i+1), fmt.Sprintf("1390716%04d", 1000+i))
		if err != nil {
			return fmt.Errorf("%s: %w", d.name, err)
		}
		rec, err := a.Alumni.Mine(ctx, uid)
		if errors.Is(err, alumni.ErrNotRegistered) {
			rec, err = registerDemoAlumnus(ctx, a, uid, i, d.name, d.birth, d.school, d.city, d.org, d.industry, d.title, d.entry)
			if err == nil {
				fmt.Fprintf(out, "seed: registered demo alumnus %s\n", d.name)
			}
		}
		if err != nil {
			return fmt.Errorf("%s: %w", d.name, err)
		}
		if rec.Status == alumni.StatusPending && d.status != alumni.StatusPending {
			decision := "approve"
			if d.status == alumni.StatusRejected {
				decision = "reject"
			}
			if rec, err = a.Alumni.Review(ctx, seedActor, rec.PersonID, alumni.Review{Decision: decision, Comment: d.comment, Version: rec.Version}); err != nil {
				return fmt.Errorf("%s: review: %w", d.name, err)
			}
		}
		if d.grade != "" && rec.Status == alumni.StatusApproved && rec.GradeCode == nil {
			if _, err = a.Alumni.SetGrade(ctx, seedActor, rec.PersonID, d.grade, rec.Version); err != nil {
				return fmt.Errorf("%s: grade: %w", d.name, err)
			}
		}
		if d.attend && event > 0 {
			_, err := a.Alumni.CheckIn(ctx, uid, event, demoEventToken(ctx, a, event))
			switch {
			case errors.Is(err, alumni.ErrAlreadyCheckedIn), errors.Is(err, alumni.ErrCheckinClosed), errors.Is(err, alumni.ErrCheckinNotOpen):
			case err != nil:
				return fmt.Errorf("%s: check in: %w", d.name, err)
			default:
				fmt.Fprintf(out, "seed: checked in demo alumnus %s to %s\n", d.name, demoEvent)
			}
		}
	}
	return nil
}

func registerDemoAlumnus(ctx context.Context, a *app.App, uid int64, i int, name, birth, school, city, org, industry, title string, entry int) (alumni.Record, error) {
	grad := entry + 3
	return a.Alumni.SaveMine(ctx, uid, alumni.Input{
		Name: name, IDCard: demoIDNumber(birth, 50+i), SchoolCode: school, EntryYear: entry, GraduationYear: &grad,
		CurrentCity: city, Organization: org, Industry: industry, Title: title,
		Offers: []string{"advice", "talent"}, DirectoryConsent: true,
	})
}

// demoEventID is the demo event's id (0 when there is none).
func demoEventID(ctx context.Context, a *app.App) (int64, error) {
	events, err := a.Alumni.Events(ctx)
	if err != nil {
		return 0, err
	}
	for _, e := range events {
		if e.Title == demoEvent {
			return e.ID, nil
		}
	}
	return 0, nil
}

// demoEventToken is what the demo event's QR code carries (empty when it cannot be read: the
// check-in then fails as a wrong scan would).
func demoEventToken(ctx context.Context, a *app.App, id int64) string {
	e, err := a.Alumni.Event(ctx, id)
	if err != nil {
		return ""
	}
	return e.QR
}
