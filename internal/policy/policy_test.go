package policy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"huixiang/internal/audience"
	"huixiang/internal/notify"
	"huixiang/internal/sqldb"
	"huixiang/internal/testenv"
)

const staffID = 7

func newService(t testing.TB) *Service {
	t.Helper()
	return NewService(testenv.MySQL(t), nil)
}

func subsidy() Content {
	code := "startup_subsidy"
	return Content{
		Title: "咸安区返乡人员一次性创业补贴", DocNo: "咸人社发〔2025〕12号", Issuer: "咸安区人社局",
		Category: "startup_subsidy", Targets: []string{"returnee"},
		Summary:        "首次创办经营主体的返乡人员，可申请 5000 元一次性创业补贴。",
		BodyHTML:       `<p>第一条 <strong>补贴标准</strong>：每户 5000 元。</p><script>alert(1)</script><p onclick="x()">第二条 申请时限：营业执照登记之日起一年内。</p>`,
		ConditionsText: "返乡人员；首次创办经营主体；营业执照登记一年内。",
		Rule:           json.RawMessage(`{"all":[{"field":"role","op":"has_any","value":["returnee"]},{"field":"has_business","op":"is","value":true},{"field":"months_since_business_registration","op":"lte","value":12}]}`),
		Benefits:       "一次性补贴 5000 元。", Materials: []string{"身份证", " 营业执照 ", ""}, Steps: []string{"小程序提交申请", "镇街初审", "区人社局复审", "发放"},
		ContactDept: "区人社局就业股", ContactPhone: "0715-8321234", SourceURL: "https://www.xianan.gov.cn/zc/12",
		ApplicationCode: &code,
	}
}

func TestCreate_checksAndSanitizes(t *testing.T) {
	t.Parallel()
	s := newService(t)
	ctx := context.Background()
	p, err := s.Create(ctx, staffID, subsidy())
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(p.BodyHTML, "script") || strings.Contains(p.BodyHTML, "onclick") || !strings.Contains(p.BodyHTML, "<strong>补贴标准</strong>") {
		t.Fatalf("body not sanitized to the safe subset: %s", p.BodyHTML)
	}
	if !slices.Equal(p.Materials, []string{"身份证", "营业执照"}) || p.Status != StatusDraft || p.PublishedVersion != nil {
		t.Fatalf("policy = %+v", p)
	}
	for name, c := range map[string]struct {
		edit  func(*Content)
		field string
	}{
		"no title":          {func(c *Content) { c.Title = "  " }, "title"},
		"long summary":      {func(c *Content) { c.Summary = strings.Repeat("字", MaxSummary+1) }, "summary"},
		"unknown target":    {func(c *Content) { c.Targets = []string{"returnee", "tourist"} }, "targets"},
		"unknown category":  {func(c *Content) { c.Category = "lottery" }, "category"},
		"unknown appl.":     {func(c *Content) { x := "free_money"; c.ApplicationCode = &x }, "application_code"},
		"bad phone":         {func(c *Content) { c.ContactPhone = "call me" }, "contact_phone"},
		"javascript link":   {func(c *Content) { c.SourceURL = "javascript:alert(1)" }, "source_url"},
		"expires too early": {func(c *Content) { c.EffectiveOn = &Date{date(2026, 1, 1)}; c.ExpiresOn = &Date{date(2025, 1, 1)} }, "expires_on"},
	} {
		in := subsidy()
		c.edit(&in)
		_, err := s.Create(ctx, staffID, in)
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != c.field {
			t.Errorf("%s: err = %v, want a FieldError on %s", name, err, c.field)
		}
	}
	in := subsidy()
	in.Rule = json.RawMessage(`{"field":"towship","op":"eq","value":"421202001"}`)
	var inv *audience.InvalidError
	if _, err := s.Create(ctx, staffID, in); !errors.As(err, &inv) || !strings.Contains(err.Error(), "towship") {
		t.Fatalf("bad rule: %v", err)
	}
}

func TestPublish_peopleReadThePublishedVersionOnly(t *testing.T) {
	t.Parallel()
	s := newService(t)
	ctx := context.Background()
	p, err := s.Create(ctx, staffID, subsidy())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Published(ctx, p.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("a draft is readable: %v", err)
	}
	if _, err := s.Archive(ctx, p.ID); !errors.Is(err, ErrNotPublished) {
		t.Fatalf("archive a draft: %v", err)
	}
	p, err = s.Publish(ctx, staffID, p.ID, p.Version)
	if err != nil {
		t.Fatal(err)
	}
	if p.Status != StatusPublished || *p.PublishedVersion != 1 || p.Unpublished {
		t.Fatalf("after publishing: %+v", p)
	}
	edit := subsidy()
	edit.Title = "咸安区返乡人员一次性创业补贴（2026 年修订）"
	p, err = s.Update(ctx, staffID, p.ID, p.Version, edit)
	if err != nil {
		t.Fatal(err)
	}
	if !p.Unpublished {
		t.Fatal("an edit after publishing is not marked unpublished")
	}
	pub, err := s.Published(ctx, p.ID)
	if err != nil || pub.Title != subsidy().Title || pub.Version != 1 {
		t.Fatalf("people read %+v, %v; want version 1's title", pub, err)
	}
	if _, err := s.Update(ctx, staffID, p.ID, p.Version-1, edit); !errors.Is(err, ErrStaleVersion) {
		t.Fatalf("stale update: %v", err)
	}
	if _, err := s.Publish(ctx, staffID, p.ID, p.Version-1); !errors.Is(err, ErrStaleVersion) {
		t.Fatalf("stale publish: %v", err)
	}
	if p, err = s.Publish(ctx, staffID, p.ID, p.Version); err != nil || *p.PublishedVersion != 2 {
		t.Fatalf("second publish: %+v, %v", p, err)
	}
	if pub, _ = s.Published(ctx, p.ID); pub.Title != edit.Title {
		t.Fatalf("people read %q after the second publish", pub.Title)
	}
	versions, err := s.Versions(ctx, p.ID)
	if err != nil || len(versions) != 2 || versions[1].Content.Title != subsidy().Title {
		t.Fatalf("versions: %+v, %v", versions, err)
	}
	if p, err = s.Archive(ctx, p.ID); err != nil || p.Status != StatusArchived {
		t.Fatalf("archive: %+v, %v", p, err)
	}
	if _, err := s.Published(ctx, p.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("an archived policy is readable: %v", err)
	}
}

// Two clerks pressing 发布 at once on the same copy make one version, not two.
func TestPublish_concurrentPublishesMakeOneVersion(t *testing.T) {
	t.Parallel()
	s := newService(t)
	ctx := context.Background()
	p, err := s.Create(ctx, staffID, subsidy())
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			_, err := s.Publish(ctx, staffID, p.ID, p.Version)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	versions, err := s.Versions(ctx, p.ID)
	if err != nil || len(versions) != 1 {
		t.Fatalf("%d versions, %v; want 1", len(versions), err)
	}
}

func publish(t testing.TB, s *Service, c Content) int64 {
	t.Helper()
	ctx := context.Background()
	p, err := s.Create(ctx, staffID, c)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Publish(ctx, staffID, p.ID, p.Version); err != nil {
		t.Fatal(err)
	}
	return p.ID
}

func ids(page sqldb.Page[Item]) []int64 {
	out := []int64{}
	for _, it := range page.Items {
		out = append(out, it.ID)
	}
	return out
}

func TestSearch_findsChineseWordsTitleFirst(t *testing.T) {
	t.Parallel()
	s := newService(t)
	ctx := context.Background()
	sub := publish(t, s, subsidy())
	loan := subsidy()
	loan.Title, loan.Category, loan.ApplicationCode, loan.Rule = "创业担保贷款贴息", "guaranteed_loan", nil, nil
	loan.Summary = "个人最高 30 万元，贷款利息由财政补贴。"
	loan.BodyHTML, loan.ConditionsText, loan.Benefits = "<p>贷款期限 3 年。</p>", "", ""
	loanID := publish(t, s, loan)
	tax := subsidy()
	tax.Title, tax.Category, tax.Targets, tax.ApplicationCode, tax.Rule = "小微企业税费减免", "tax", []string{"enterprise"}, nil, nil
	tax.Summary, tax.BodyHTML, tax.ConditionsText, tax.Benefits = "按 GB/T 4754 行业分类享受减免。", "", "", ""
	taxID := publish(t, s, tax)
	draft := subsidy()
	draft.Title = "未发布的创业补贴"
	if _, err := s.Create(ctx, staffID, draft); err != nil {
		t.Fatal(err)
	}

	for _, c := range []struct {
		q    Query
		want []int64
	}{
		{Query{Text: "创业补贴"}, []int64{sub}},
		{Query{Text: "补贴"}, []int64{sub, loanID}}, // in the subsidy's title, in the loan's summary
		{Query{Text: "税"}, []int64{taxID}},
		{Query{Text: "gb"}, []int64{taxID}},
		{Query{Text: "贷款 3年"}, []int64{loanID}},
		{Query{Text: "旅游"}, []int64{}},
		{Query{Text: "!!!"}, []int64{}},
		{Query{Category: "tax"}, []int64{taxID}},
		{Query{Target: "returnee"}, []int64{loanID, sub}}, // the newest first
		{Query{IDs: []int64{sub, taxID}}, []int64{taxID, sub}},
	} {
		page, err := s.Search(ctx, c.q, sqldb.PageRequest{})
		if err != nil {
			t.Fatalf("%+v: %v", c.q, err)
		}
		if got := ids(page); !slices.Equal(got, c.want) || page.Total != len(c.want) {
			t.Errorf("%+v: got %v (total %d), want %v", c.q, got, page.Total, c.want)
		}
	}
	if _, err := s.Archive(ctx, loanID); err != nil {
		t.Fatal(err)
	}
	if page, _ := s.Search(ctx, Query{Text: "补贴"}, sqldb.PageRequest{}); !slices.Equal(ids(page), []int64{sub}) {
		t.Errorf("archived still found: %v", ids(page))
	}
}

func TestFavourites_onlyPublishedPolicies(t *testing.T) {
	t.Parallel()
	s := newService(t)
	ctx := context.Background()
	a := publish(t, s, subsidy())
	b := publish(t, s, subsidy())
	d, err := s.Create(ctx, staffID, subsidy())
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []int64{a, b, a} {
		if err := s.Favourite(ctx, 42, id); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Favourite(ctx, 42, d.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("favourite a draft: %v", err)
	}
	if _, err := s.Archive(ctx, b); err != nil {
		t.Fatal(err)
	}
	got, err := s.FavouriteIDs(ctx, 42)
	if err != nil || !slices.Equal(got, []int64{a}) {
		t.Fatalf("favourites = %v, %v", got, err)
	}
	if err := s.Unfavourite(ctx, 42, a); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.FavouriteIDs(ctx, 42); len(got) != 0 {
		t.Fatalf("after removing: %v", got)
	}
}

func TestTerms(t *testing.T) {
	got := Terms("创业补贴 GB/T 4754")
	want := []string{"创", "业", "创业", "补", "业补", "贴", "补贴", "gb", "t", "4754"}
	if !slices.Equal(got, want) {
		t.Fatalf("Terms = %v, want %v", got, want)
	}
	if got := queryTerms("创业补贴，税"); !slices.Equal(got, []string{"业补", "创业", "税", "补贴"}) {
		t.Fatalf("queryTerms = %v", got)
	}
}

// BenchmarkSearch: a two-word Chinese search over 1,000 published policies (issue 12 asks
// under 20 ms). go test -run '^$' -bench BenchmarkSearch ./internal/policy
func BenchmarkSearch(b *testing.B) {
	s := newService(b)
	ctx := context.Background()
	words := []string{"创业", "补贴", "贷款", "贴息", "培训", "人才", "用地", "厂房", "税费", "减免", "社保", "校友", "电商", "农业", "茶叶", "返乡"}
	for i := range 1000 {
		c := subsidy()
		c.Title = fmt.Sprintf("%s%s政策第 %d 号", words[i%len(words)], words[(i/len(words))%len(words)], i)
		c.BodyHTML = "<p>" + strings.Repeat(words[i%7]+words[i%11]+"相关条款说明。", 80) + "</p>"
		publish(b, s, c)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := s.Search(ctx, Query{Text: "返乡 创业补贴"}, sqldb.PageRequest{}); err != nil {
			b.Fatal(err)
		}
	}
}

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// insertReturnee adds a returnee who started a business startedMonthsAgo months ago (no
// business when negative), with a mini-program account when withUser; it returns the person id.
func insertReturnee(t *testing.T, s *Service, openid string, startedMonthsAgo int) (personID, userID int64) {
	t.Helper()
	now := time.Now().UTC()
	var user any
	if openid != "" {
		res := s.db.MustExec(`INSERT INTO users (openid, created_at, updated_at, last_login_at) VALUES (?, ?, ?, ?)`, openid, now, now, now)
		userID, _ = res.LastInsertId()
		user = userID
	}
	idx := []byte(fmt.Sprintf("%032d", now.UnixNano()))
	res := s.db.MustExec(`INSERT INTO persons (id_card_enc, id_card_idx, name, gender, birth_date, user_id, created_source, created_at, updated_at)
		VALUES (?, ?, '测试', 'F', '1985-03-01', ?, 'test', ?, ?)`, idx, idx, user, now, now)
	personID, _ = res.LastInsertId()
	var uscc, started any
	if startedMonthsAgo >= 0 {
		uscc, started = fmt.Sprintf("92421202MA4%07d", personID), now.AddDate(0, -startedMonthsAgo, 0).Format(time.DateOnly)
	}
	s.db.MustExec(`INSERT INTO returnees (person_id, township_code, village_code, status, intention, uscc, business_started_on, confirmed_at, created_at, updated_at)
		VALUES (?, '421202100', '', 'returned', 'started', ?, ?, ?, ?, ?)`, personID, uscc, started, now, now, now)
	return personID, userID
}

// 政策找人 for changed records: a returnee whose record now meets the subsidy's rule is told
// once; one who applied already, or has no account, is not.
func TestMatchChanged_tellsOncePerPersonAndPolicy(t *testing.T) {
	t.Parallel()
	s := newService(t)
	s.PushQuiet = &notify.Quiet{From: 8, To: 8} // pushes beside the inbox, no quiet hours
	ctx := context.Background()
	c := subsidy()
	publish(t, s, c)
	fits, fitsUser := insertReturnee(t, s, "o_match_1", 2)
	insertReturnee(t, s, "o_match_2", 30) // business too old
	insertReturnee(t, s, "o_match_3", -1) // no business
	insertReturnee(t, s, "", 1)           // no account: recorded, nobody to tell
	applied, appliedUser := insertReturnee(t, s, "o_match_4", 1)
	s.db.MustExec(`INSERT INTO applications (policy_code, policy_kind, user_id, person_id, township_code, status, borrower_key,
			amount_fen, created_at, updated_at) VALUES ('startup_subsidy', 'subsidy', ?, ?, '421202100', 'submitted', ?, 500000, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3))`,
		appliedUser, applied, fmt.Sprintf("P:%d", applied))

	told, err := s.MatchChanged(ctx, "returnees")
	if err != nil || told != 1 {
		t.Fatalf("told %d, %v; want 1", told, err)
	}
	var titles []string
	if err := s.db.Select(&titles, `SELECT title FROM inbox_messages WHERE user_id = ? AND kind = 'policy_match'`, fitsUser); err != nil || len(titles) != 1 ||
		titles[0] != "有一项政策适合您："+c.Title {
		t.Fatalf("inbox = %v, %v", titles, err)
	}
	// The record changes again: still told once.
	s.db.MustExec(`UPDATE returnees SET jobs_created = 3, updated_at = UTC_TIMESTAMP(3) WHERE person_id = ?`, fits)
	if told, err := s.MatchChanged(ctx, "returnees"); err != nil || told != 0 {
		t.Fatalf("told again: %d, %v", told, err)
	}
	var matches int
	s.db.Get(&matches, `SELECT COUNT(*) FROM policy_matches`)
	if matches != 2 { // the one told and the one without an account
		t.Fatalf("%d matches recorded, want 2", matches)
	}
	// One WeChat push beside the inbox message, for the notify worker to send within consent,
	// quiet hours and the weekly cap.
	var pushes []string
	s.db.Select(&pushes, `SELECT kind FROM outbox WHERE user_id = ?`, fitsUser)
	if len(pushes) != 1 || pushes[0] != notify.KindNoticePush {
		t.Fatalf("pushes = %v", pushes)
	}
}
