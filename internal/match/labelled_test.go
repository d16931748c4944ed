package match_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"os"
	"testing"

	"github.com/jmoiron/sqlx"

	"huixiang/internal/actor"
	"huixiang/internal/match"
	"huixiang/internal/merchant"
	"huixiang/internal/person"
	"huixiang/internal/pii"
	"huixiang/internal/project"
	"huixiang/internal/region"
	"huixiang/internal/testenv"
)

// labelled is testdata/match/labelled.json.
type labelled struct {
	Townships []struct{ Code, Name string } `json:"townships"`
	Projects  []struct {
		Key           string `json:"key"`
		Name          string `json:"name"`
		IndustryCode  string `json:"industry_code"`
		ChainCode     string `json:"chain_code"`
		ChainLink     string `json:"chain_link"`
		Township      string `json:"township"`
		InvestmentWan int64  `json:"investment_wan"`
		Description   string `json:"description"`
		PartnerWanted string `json:"partner_wanted"`
	} `json:"projects"`
	Merchants []struct {
		Key               string   `json:"key"`
		Name              string   `json:"name"`
		IndustryCode      string   `json:"industry_code"`
		IntendedFields    []string `json:"intended_fields"`
		AmountBand        string   `json:"amount_band"`
		Township          string   `json:"township"`
		PreferredTownship string   `json:"preferred_township"`
		ChamberRoles      string   `json:"chamber_roles"`
		Enterprises       []struct {
			Name         string `json:"name"`
			IndustryCode string `json:"industry_code"`
		} `json:"enterprises"`
	} `json:"merchants"`
	Pairs []struct {
		Project  string `json:"project"`
		Merchant string `json:"merchant"`
		Relevant bool   `json:"relevant"`
		Why      string `json:"why"`
	} `json:"pairs"`
}

// idNumber is a valid ID number (check digit) numbered seq.
func idNumber(seq int) string {
	s17 := fmt.Sprintf("42120219800101%03d", seq%1000)
	w := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i := range 17 {
		sum += int(s17[i]-'0') * w[i]
	}
	return s17 + string("10X98765432"[sum%11])
}

// fixture is the labelled set loaded into a fresh database through the merchant and project
// services, as staff would enter it.
type fixture struct {
	db        *sqlx.DB
	persons   *person.Store
	set       labelled
	projects  map[string]int64 // key → id
	merchants map[string]int64 // key → person id
	keyOf     map[int64]string // merchant person id → key
	admin     actor.Actor
}

func loadFixture(t *testing.T) *fixture {
	t.Helper()
	raw, err := os.ReadFile("../../testdata/match/labelled.json")
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{projects: map[string]int64{}, merchants: map[string]int64{}, keyOf: map[int64]string{}}
	if err := json.Unmarshal(raw, &f.set); err != nil {
		t.Fatal(err)
	}
	f.db = testenv.MySQL(t)
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	box, err := pii.New(key)
	if err != nil {
		t.Fatal(err)
	}
	f.persons = person.NewStore(box)
	ctx := context.Background()
	district := "990100"
	if err := region.Upsert(ctx, f.db, region.Region{Code: district, Level: 1, Name: "咸安区", IsDemo: true}, 0); err != nil {
		t.Fatal(err)
	}
	for i, tw := range f.set.Townships {
		if err := region.Upsert(ctx, f.db, region.Region{Code: tw.Code, ParentCode: &district, Level: 2, Name: tw.Name, IsDemo: true}, i); err != nil {
			t.Fatal(err)
		}
	}
	f.admin = actor.Staff(1, "admin", actor.DistrictAdmin, "", "")
	projects := project.NewService(f.db, nil)
	for _, p := range f.set.Projects {
		fen := p.InvestmentWan * 1_000_000
		dept := "区招商服务中心"
		in := project.Input{Name: &p.Name, IndustryCode: &p.IndustryCode, ChainLink: &p.ChainLink, TownshipCode: &p.Township,
			InvestmentFen: &fen, Description: &p.Description, PartnerWanted: &p.PartnerWanted, ContactDepartment: &dept}
		if p.ChainCode != "" {
			in.ChainCode = &p.ChainCode
		}
		created, err := projects.Create(ctx, f.admin, in)
		if err != nil {
			t.Fatalf("project %s: %v", p.Key, err)
		}
		f.projects[p.Key] = created.ID
	}
	merchants := merchant.NewService(f.db, f.persons, nil, nil, 0, nil)
	for i, m := range f.set.Merchants {
		in := merchant.Input{Name: m.Name, IDCard: idNumber(i + 1), TownshipCode: m.Township, BizProvince: "湖北省", BizCity: "武汉市",
			IndustryCode: m.IndustryCode, IntendedFields: m.IntendedFields, AmountBand: m.AmountBand,
			PreferredTownship: m.PreferredTownship, ChamberRoles: m.ChamberRoles}
		for _, e := range m.Enterprises {
			in.Enterprises = append(in.Enterprises, merchant.Enterprise{Name: e.Name, IndustryCode: e.IndustryCode})
		}
		rec, err := merchants.Create(ctx, f.admin, in)
		if err != nil {
			t.Fatalf("merchant %s: %v", m.Key, err)
		}
		f.merchants[m.Key] = rec.PersonID
		f.keyOf[rec.PersonID] = m.Key
	}
	return f
}

// evaluate ranks the fixture's merchants for every labelled project and returns the mean
// precision@3 (a merchant not labelled relevant counts as not relevant), its ceiling given the
// labels, and the micro recall@10 of the relevant pairs.
func evaluate(t *testing.T, f *fixture, svc *match.Service) (p3, ceiling, r10 float64) {
	t.Helper()
	relevant := map[string]map[string]bool{}
	for _, p := range f.set.Pairs {
		if relevant[p.Project] == nil {
			relevant[p.Project] = map[string]bool{}
		}
		if p.Relevant {
			relevant[p.Project][p.Merchant] = true
		}
	}
	var projects, found, total int
	for _, p := range f.set.Projects {
		rel := relevant[p.Key]
		if len(rel) == 0 {
			continue
		}
		got, err := svc.ForProject(context.Background(), f.admin, f.projects[p.Key], 0)
		if err != nil {
			t.Fatal(err)
		}
		hits3, hits10 := 0, 0
		var top []string
		for i, it := range got.Items {
			k := f.keyOf[it.MerchantID]
			if i < 3 {
				top = append(top, fmt.Sprintf("%s:%d", k, it.Score))
			}
			if rel[k] && i < 3 {
				hits3++
			}
			if rel[k] && i < 10 {
				hits10++
			}
		}
		t.Logf("%s %s: top3 %v, relevant %d", p.Key, p.Name, top, len(rel))
		projects++
		p3 += float64(hits3) / 3
		ceiling += float64(min(3, len(rel))) / 3
		found += hits10
		total += len(rel)
	}
	return p3 / float64(projects), ceiling / float64(projects), float64(found) / float64(total)
}

// The labelled set (testdata/match/labelled.json, ≥ 60 pairs with a line of reasoning each)
// measures the engine: precision@3 and recall@10, recorded in docs/matching.md.
//
//	go test -count=1 -run TestLabelled -v ./internal/match/
func TestLabelled_precisionAt3RecallAt10(t *testing.T) {
	t.Parallel()
	f := loadFixture(t)
	if len(f.set.Pairs) < 60 {
		t.Fatalf("labelled pairs = %d, want ≥ 60", len(f.set.Pairs))
	}
	for _, p := range f.set.Pairs {
		if p.Why == "" || f.projects[p.Project] == 0 || f.merchants[p.Merchant] == 0 {
			t.Fatalf("pair %+v: unknown key or no reasoning", p)
		}
	}
	p3, ceiling, r10 := evaluate(t, f, match.NewService(f.db, f.persons, nil, nil, nil))
	t.Logf("labelled pairs %d: precision@3 = %.3f (ceiling %.3f given the labels), recall@10 = %.3f", len(f.set.Pairs), p3, ceiling, r10)
	if p3 < 0.5 || r10 < 0.9 {
		t.Errorf("precision@3 = %.3f (floor 0.5), recall@10 = %.3f (floor 0.9)", p3, r10)
	}
}
