package alumni

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"huixiang/internal/account"
	"huixiang/internal/actor"
	"huixiang/internal/person"
	"huixiang/internal/pii"
	"huixiang/internal/points"
	"huixiang/internal/privacy"
	"huixiang/internal/testenv"
	"huixiang/internal/wechat"
)

// idNumber returns a valid identity card number for seq.
func idNumber(seq int) string {
	s17 := fmt.Sprintf("42120219900101%03d", seq%1000)
	w := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i := range 17 {
		sum += int(s17[i]-'0') * w[i]
	}
	return s17 + string("10X98765432"[sum%11])
}

type users struct{ box *pii.Box }

func (u users) Identity(_ context.Context, id int64) (account.Identity, error) {
	phone := fmt.Sprintf("138%08d", id)
	// Every user here accepted the current privacy policy (the HTTP tests cover those who did not).
	return account.Identity{UserID: id, OpenID: fmt.Sprint("o", id), Phone: phone, PhoneIdx: u.box.Index(person.FieldPhone, phone),
		PrivacyVersion: sql.NullString{String: privacy.CurrentVersion, Valid: true}}, nil
}

type passChecker struct{}

func (passChecker) CheckText(context.Context, string, string) (wechat.Verdict, error) {
	return wechat.VerdictPass, nil
}

// flakyGranter fails its first fails grants, then passes them to the ledger.
type flakyGranter struct {
	next  Granter
	fails int
}

func (g *flakyGranter) Grant(ctx context.Context, a actor.Actor, in points.GrantInput) (points.Entry, error) {
	if g.fails > 0 {
		g.fails--
		return points.Entry{}, errors.New("ledger unavailable")
	}
	return g.next.Grant(ctx, a, in)
}

func newTestService(t *testing.T, fails int) (*Service, *points.Service) {
	t.Helper()
	db := testenv.MySQL(t)
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	box, err := pii.New(key)
	if err != nil {
		t.Fatal(err)
	}
	ledger := points.NewService(db, points.Options{ExpiryYears: 2})
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	return NewService(db, person.NewStore(box), users{box}, passChecker{}, &flakyGranter{next: ledger, fails: fails}, nil, log), ledger
}

func input(seq int) Input {
	g := 2008
	return Input{Name: "王五", IDCard: idNumber(seq), SchoolCode: "xa_shiyan_gz", EntryYear: 2005, GraduationYear: &g,
		Offers: []string{"projects"}, DirectoryConsent: true}
}

func TestValidate_fieldErrors(t *testing.T) {
	t.Parallel()
	s, _ := newTestService(t, 0)
	g2000, long := 2000, strings.Repeat("长", 501)
	cases := []struct {
		name  string
		edit  func(*Input)
		field string
	}{
		{"no name", func(in *Input) { in.Name = " " }, "name"},
		{"bad id", func(in *Input) { in.IDCard = "421202199001010000" }, "id_card"},
		{"no school", func(in *Input) { in.SchoolCode = "" }, "school_code"},
		{"unknown school", func(in *Input) { in.SchoolCode = "nowhere" }, "school_code"},
		{"no entry year", func(in *Input) { in.EntryYear = 0 }, "entry_year"},
		{"entry before birth", func(in *Input) { in.EntryYear = 1985 }, "entry_year"},
		{"entry in the future", func(in *Input) { in.EntryYear = time.Now().Year() + 1 }, "entry_year"},
		{"graduation before entry", func(in *Input) { in.GraduationYear = &g2000 }, "graduation_year"},
		{"unknown offer", func(in *Input) { in.Offers = []string{"money"} }, "offers"},
		{"expertise too long", func(in *Input) { in.Expertise = long }, "expertise"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := input(1)
			c.edit(&in)
			_, err := validate(t.Context(), s.db, in, time.Now().UTC(), false)
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != c.field {
				t.Fatalf("err = %v, want a FieldError on %s", err, c.field)
			}
		})
	}
	if _, err := validate(t.Context(), s.db, input(1), time.Now().UTC(), true); err == nil {
		t.Fatal("staff entry without a phone was accepted")
	}
}

func TestCheckIn_failedGrant_isTakenBackAndRetryGrants(t *testing.T) {
	t.Parallel()
	s, ledger := newTestService(t, 1)
	ctx := t.Context()
	rec, err := s.SaveMine(ctx, 5, input(5))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	opens, closes := now.Add(-time.Minute), now.Add(time.Hour)
	ev, err := s.CreateEvent(ctx, actor.Staff(1, "admin", actor.DistrictAdmin, "", ""), EventInput{Title: "校友座谈", StartsAt: now, EndsAt: now.Add(time.Hour),
		CheckinOpensAt: &opens, CheckinClosesAt: &closes, PointsRule: "event_attendance"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CheckIn(ctx, 5, ev.ID, ev.Token); err == nil || errors.Is(err, ErrAlreadyCheckedIn) {
		t.Fatalf("first check-in err = %v, want the ledger's error", err)
	}
	var rows int
	s.db.Get(&rows, `SELECT COUNT(*) FROM event_checkins WHERE event_id = ?`, ev.ID)
	if rows != 0 {
		t.Fatalf("a check-in without points stayed: %d rows", rows)
	}
	if out, err := s.CheckIn(ctx, 5, ev.ID, ev.Token); err != nil || out.Points != 20 {
		t.Fatalf("retry = %+v, %v; want 20 points", out, err)
	}
	if _, err := s.CheckIn(ctx, 5, ev.ID, ev.Token); !errors.Is(err, ErrAlreadyCheckedIn) {
		t.Fatalf("third attempt err = %v, want ErrAlreadyCheckedIn", err)
	}
	sum, err := ledger.Summary(ctx, rec.PersonID, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	var granted int
	s.db.Get(&granted, `SELECT COUNT(*) FROM event_checkins WHERE event_id = ? AND points_granted_at IS NOT NULL`, ev.ID)
	if sum.Balance != 20 || granted != 1 {
		t.Fatalf("balance = %d, granted rows = %d; want 20 and 1", sum.Balance, granted)
	}
}

func TestCheckIn_window(t *testing.T) {
	t.Parallel()
	s, _ := newTestService(t, 0)
	ctx := t.Context()
	if _, err := s.SaveMine(ctx, 6, input(6)); err != nil {
		t.Fatal(err)
	}
	start := time.Date(2030, 5, 1, 2, 0, 0, 0, time.UTC)
	ev, err := s.CreateEvent(ctx, actor.Staff(1, "admin", actor.DistrictAdmin, "", ""), EventInput{Title: "返校日", StartsAt: start, EndsAt: start.Add(3 * time.Hour), PointsRule: "event_attendance"})
	if err != nil {
		t.Fatal(err)
	}
	if !ev.CheckinOpensAt.Equal(start.Add(-time.Hour)) || !ev.CheckinClosesAt.Equal(start.Add(3*time.Hour)) {
		t.Fatalf("default window = %v .. %v", ev.CheckinOpensAt, ev.CheckinClosesAt)
	}
	for _, c := range []struct {
		at   time.Time
		want error
	}{
		{start.Add(-61 * time.Minute), ErrCheckinNotOpen},
		{start.Add(3 * time.Hour), ErrCheckinClosed},
		{start.Add(-time.Hour), nil},
	} {
		s.now = func() time.Time { return c.at }
		if _, err := s.CheckIn(ctx, 6, ev.ID, ev.Token); !errors.Is(err, c.want) {
			t.Fatalf("at %v: err = %v, want %v", c.at, err, c.want)
		}
	}
	if _, err := s.CheckIn(ctx, 7, ev.ID, ev.Token); !errors.Is(err, ErrNoPerson) {
		t.Fatalf("unregistered err = %v", err)
	}
}
