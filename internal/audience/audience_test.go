package audience

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"huixiang/internal/testenv"
)

func mustParse(t *testing.T, rule string) *Node {
	t.Helper()
	n, err := Parse([]byte(rule))
	if err != nil {
		t.Fatalf("Parse(%s): %v", rule, err)
	}
	return n
}

func TestParse_namesEveryProblem(t *testing.T) {
	_, err := Parse([]byte(`{"all": [
		{"field": "towship", "op": "eq", "value": "421202001"},
		{"field": "age", "op": "has_any", "value": [30]},
		{"field": "returnee_status", "op": "in", "value": ["returned", "gone"]},
		{"field": "age", "op": "between", "value": [60, 18]},
		{"any": []},
		{"field": "has_business", "op": "is", "value": "yes"}
	]}`))
	var inv *InvalidError
	if !errors.As(err, &inv) {
		t.Fatalf("err = %v, want *InvalidError", err)
	}
	want := []string{"$.all[0].field", "$.all[1].op", "$.all[2].value", "$.all[3].value", "$.all[4].any", "$.all[5].value"}
	var got []string
	for _, p := range inv.Problems {
		got = append(got, p.Path)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("problems at %v, want %v (%v)", got, want, inv.Problems)
	}
	for _, frag := range []string{"towship", "has_any", "gone", "下限不大于上限", "至少要有一个条件", "true 或 false"} {
		if !strings.Contains(err.Error(), frag) {
			t.Errorf("the problems don't name %q: %v", frag, err)
		}
	}
}

func TestParse_refusesShapesAndSizes(t *testing.T) {
	deep := `{"field":"gender","op":"eq","value":"M"}`
	for range MaxDepth {
		deep = `{"not":` + deep + `}`
	}
	many := make([]string, MaxLeaves+1)
	for i := range many {
		many[i] = `{"field":"gender","op":"eq","value":"M"}`
	}
	for name, rule := range map[string]string{
		"two kinds in one":  `{"all":[{"field":"gender","op":"eq","value":"M"}],"field":"age"}`,
		"nothing":           `{}`,
		"unknown key":       `{"feild":"age"}`,
		"too deep":          deep,
		"too many":          `{"any":[` + strings.Join(many, ",") + `]}`,
		"not json":          `{"all":`,
		"code with a quote": `{"field":"township","op":"eq","value":"42' OR 1=1"}`,
	} {
		if _, err := Parse([]byte(rule)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestExplain_saysWhatIsMetUnmetAndMissing(t *testing.T) {
	n := mustParse(t, `{"all": [
		{"field": "role", "op": "has_any", "value": ["returnee"]},
		{"field": "has_business", "op": "is", "value": true},
		{"field": "months_since_business_registration", "op": "lte", "value": 36},
		{"field": "education", "op": "in", "value": ["college", "bachelor"]}
	]}`)
	today := date(2026, 12, 3)
	f := &Facts{Gender: "M", BirthDate: date(1975, 5, 1), Returnee: true, Status: "returned", HasBusiness: true,
		BusinessStartedOn: date(2024, 1, 10)}
	var states []string
	for _, c := range n.Explain(f, today) {
		states = append(states, c.State)
	}
	if want := []string{"met", "met", "met", "unknown"}; !slices.Equal(states, want) {
		t.Fatalf("states = %v, want %v", states, want)
	}
	if got := n.Eval(f, today); got != Unknown {
		t.Fatalf("Eval = %v, want unknown (education not given)", got)
	}
	f.BusinessStartedOn = date(2023, 12, 2) // 36 months and a day ago: 36 whole months
	if got := n.Explain(f, today)[2].State; got != "met" {
		t.Fatalf("36 months: %s", got)
	}
	f.BusinessStartedOn = date(2023, 11, 30)
	f.Education = "middle"
	if got := n.Eval(f, today); got != False {
		t.Fatalf("Eval = %v, want false", got)
	}
	if got := n.Explain(f, today)[2].Text; got != "经营主体登记至今（月）不超过 36" {
		t.Fatalf("text = %q", got)
	}
}

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func TestMonths_likeMySQL(t *testing.T) {
	for _, c := range []struct {
		from, to time.Time
		want     int
	}{
		{date(2026, 1, 31), date(2026, 2, 28), 0},
		{date(2026, 1, 31), date(2026, 3, 31), 2},
		{date(2000, 2, 29), date(2025, 2, 28), 299},
		{date(2026, 3, 15), date(2026, 1, 20), -1},
		{date(2026, 3, 15), date(2026, 1, 15), -2},
	} {
		if got := months(c.from, c.to); got != c.want {
			t.Errorf("months(%s, %s) = %d, want %d", c.from.Format(time.DateOnly), c.to.Format(time.DateOnly), got, c.want)
		}
	}
}

// The property the package promises: for random people and random rules, the SQL selects
// exactly the people for whom Eval is true.
func TestProperty_SQLAndGoAgree(t *testing.T) {
	t.Parallel()
	db := testenv.MySQL(t)
	ctx := context.Background()
	rng := mrand.New(mrand.NewPCG(20261203, uint64(time.Now().UnixNano())))
	seed := uint64(time.Now().UnixNano())
	t.Logf("people seed %d", seed)
	ids := insertPeople(t, db, mrand.New(mrand.NewPCG(seed, 1)), 240)
	facts := make([]*Facts, len(ids))
	for i, id := range ids {
		f, err := LoadFacts(ctx, db, id)
		if err != nil {
			t.Fatal(err)
		}
		facts[i] = f
	}
	today := date(2026, 2, 28)
	selectedSome, skippedSome := 0, 0
	for i := range 300 {
		raw, _ := json.Marshal(randomRule(rng, 0))
		n, err := Parse(raw)
		if err != nil {
			t.Fatalf("random rule refused: %v\n%s", err, raw)
		}
		got, err := PersonIDs(ctx, db, n, today, 0, 10000)
		if err != nil {
			t.Fatalf("rule %d: %v\n%s", i, err, raw)
		}
		var want []uint64
		for _, f := range facts {
			if n.Eval(f, today) == True {
				want = append(want, f.PersonID)
			}
		}
		if !slices.Equal(got, want) {
			t.Fatalf("rule %s\nSQL selects %d people, Go %d; first difference: %v", raw, len(got), len(want), firstDiff(got, want, facts))
		}
		count, err := Count(ctx, db, n, today)
		if err != nil || count != len(want) {
			t.Fatalf("Count = %d, %v; want %d", count, err, len(want))
		}
		if len(want) > 0 {
			selectedSome++
		}
		if len(want) < len(ids) {
			skippedSome++
		}
	}
	// The random rules must be interesting: most select some people and leave others out.
	if selectedSome < 100 || skippedSome < 100 {
		t.Fatalf("rules selected someone %d times, left someone out %d times: too trivial", selectedSome, skippedSome)
	}
}

func firstDiff(got, want []uint64, facts []*Facts) string {
	for _, f := range facts {
		if slices.Contains(got, f.PersonID) != slices.Contains(want, f.PersonID) {
			b, _ := json.Marshal(f)
			return fmt.Sprintf("person %d (SQL %v): %s", f.PersonID, slices.Contains(got, f.PersonID), b)
		}
	}
	return "none"
}

var (
	townships = []string{"421202001", "421202002", "421202100"}
	villages  = []string{"421202001201", "421202001202", "421202002201"}
	tagCodes  = []string{"tea", "ecommerce", "farming", "funds", "land", "training"}
	grades    = []string{"regular", "expert", "distinguished"}
	educ      = []string{"", "middle", "high", "college", "bachelor"}
)

func pick[T any](rng *mrand.Rand, list []T) T { return list[rng.IntN(len(list))] }

func some(rng *mrand.Rand, list []string) []string {
	n := 1 + rng.IntN(3)
	out := make([]string, n)
	for i := range out {
		out[i] = pick(rng, list)
	}
	return out
}

func randomDate(rng *mrand.Rand, fromYear, toYear int) time.Time {
	if rng.IntN(8) == 0 { // month ends and leap days, where date arithmetic goes wrong
		return pick(rng, []time.Time{date(2000, 2, 29), date(2024, 2, 29), date(2023, 1, 31), date(2025, 12, 31), date(2026, 2, 28), date(2026, 3, 1)})
	}
	return date(fromYear+rng.IntN(toYear-fromYear+1), time.Month(1+rng.IntN(12)), 1+rng.IntN(28))
}

func insertPeople(t *testing.T, db *sqlx.DB, rng *mrand.Rand, n int) []uint64 {
	t.Helper()
	now := time.Now().UTC()
	ids := make([]uint64, 0, n)
	for range n {
		idx := make([]byte, 32)
		_, _ = rand.Read(idx)
		res, err := db.Exec(`INSERT INTO persons (id_card_enc, id_card_idx, name, gender, birth_date, created_source, created_at, updated_at)
			VALUES (?, ?, '测试', ?, ?, 'test', ?, ?)`, idx, idx, pick(rng, []string{"M", "F"}), randomDate(rng, 1950, 2008), now, now)
		if err != nil {
			t.Fatal(err)
		}
		id, _ := res.LastInsertId()
		ids = append(ids, uint64(id))
		if rng.IntN(4) != 0 {
			var uscc, started any
			if rng.IntN(2) == 0 {
				uscc = fmt.Sprintf("91421202MA%08d", id)
			}
			if rng.IntN(3) != 0 {
				started = randomDate(rng, 2018, 2026)
			}
			if _, err := db.Exec(`INSERT INTO returnees (person_id, township_code, village_code, status, intention, education, uscc,
					business_started_on, confirmed_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				id, pick(rng, townships), pick(rng, villages), pick(rng, []string{"away", "returned", "planning"}),
				pick(rng, []string{"none", "considering", "preparing", "started"}), pick(rng, educ), uscc, started, now, now, now); err != nil {
				t.Fatal(err)
			}
			for _, kind := range []string{"intended_field", "need", "skill"} {
				for range rng.IntN(3) {
					code := pick(rng, tagCodes)
					if _, err := db.Exec(`INSERT IGNORE INTO returnee_tags (person_id, kind, code) VALUES (?, ?, ?)`, id, kind, code); err != nil {
						t.Fatal(err)
					}
				}
			}
		}
		if rng.IntN(3) == 0 {
			var grade any
			if rng.IntN(2) == 0 {
				grade = pick(rng, grades)
			}
			if _, err := db.Exec(`INSERT INTO alumni (person_id, school_code, entry_year, status, grade_code, source, created_at, updated_at)
				VALUES (?, 'xianan1', 1990, ?, ?, 'self', ?, ?)`, id, pick(rng, []string{"pending", "approved", "rejected"}), grade, now, now); err != nil {
				t.Fatal(err)
			}
		}
	}
	return ids
}

func randomRule(rng *mrand.Rand, depth int) Rule {
	if depth < 3 && rng.IntN(3) == 0 {
		switch rng.IntN(3) {
		case 0:
			return Rule{Not: ptr(randomRule(rng, depth+1))}
		case 1:
			return Rule{All: []Rule{randomRule(rng, depth+1), randomRule(rng, depth+1)}}
		default:
			return Rule{Any: []Rule{randomRule(rng, depth+1), randomRule(rng, depth+1), randomRule(rng, depth+1)}}
		}
	}
	f := pick(rng, Fields)
	op := pick(rng, f.Type.ops())
	var v any
	switch f.Type {
	case Bool:
		v = rng.IntN(2) == 0
	case Int:
		lo := rng.IntN(80)
		if f.Name == "months_since_business_registration" {
			lo = rng.IntN(100) - 10
		}
		v = lo
		if op == "between" {
			v = []int{lo, lo + rng.IntN(30)}
		}
	default:
		values := map[string][]string{"township": townships, "village": villages, "intended_fields": tagCodes, "needs": tagCodes,
			"alumni_grade": grades, "education": educ[1:]}[f.Name]
		if f.Values != nil {
			values = f.Values
		}
		if op == "eq" || op == "ne" {
			v = pick(rng, values)
		} else {
			v = some(rng, values)
		}
	}
	raw, _ := json.Marshal(v)
	return Rule{Field: f.Name, Op: op, Value: raw}
}

func ptr[T any](v T) *T { return &v }
