package match

import (
	"slices"
	"strings"
	"testing"
)

var names = Names{
	Industries: map[string]string{"C": "制造业", "C13": "农副食品加工业", "C15": "酒、饮料和精制茶制造业", "A03": "畜牧业", "A": "农、林、牧、渔业"},
	Townships:  map[string]string{"990102": "贺胜桥镇", "990101": "官埠桥镇"},
	Fields:     map[string]string{"tea": "茶叶", "ecommerce": "农村电商"},
	Chains:     map[string]string{"food": "食品饮料"},
}

// The reasons say in words why a merchant fits: same division, the band against the amount,
// hometown and preferred township, a field named in the text, the chain.
func TestScore_reasonsInWords(t *testing.T) {
	m := Merchant{ID: 1, Township: "990102", PreferredTownship: "990102", Industries: []string{"C13"}, Fields: []string{"tea"},
		AmountBand: "1000_5000"}
	p := Project{ID: 1, Industry: "C13", Chain: "food", ChainLink: "上游原料", Township: "990102", InvestmentFen: 30_000_000 * 100,
		Text: "茶叶饮料生产线"}
	r := Score(m, p, 0, nil, -1, names)
	want := []string{"同属农副食品加工业", "意向领域含 茶叶", "意向投资 1000–5000 万，项目需 3000 万", "籍贯贺胜桥镇，项目在贺胜桥镇",
		"意向投资地贺胜桥镇", "所在行业属食品饮料产业链，项目补上游原料环节"}
	if !slices.Equal(r.Reasons, want) {
		t.Fatalf("reasons = %q", r.Reasons)
	}
	if r.Score != WeightDivision+WeightField+WeightAmount+WeightHometown+WeightPrefTown+WeightChain {
		t.Fatalf("score = %d (%+v)", r.Score, r.Parts)
	}
	// Nothing in common: 0 and no reasons.
	if r := Score(Merchant{ID: 2}, p, 0, nil, -1, names); r.Score != 0 || len(r.Reasons) != 0 {
		t.Fatalf("empty merchant = %+v", r)
	}
}

// Same section only is weak; a section-only project takes the section; money and place alone
// count half; an industry named in the project's text counts.
func TestScore_industryLevelsAndGate(t *testing.T) {
	p := Project{Industry: "C15", Township: "990101", InvestmentFen: 30_000_000 * 100, Text: "茶饮料"}
	same := Score(Merchant{Industries: []string{"C13"}, AmountBand: "1000_5000", Township: "990101"}, p, 0, nil, -1, names)
	if same.Parts.Industry != WeightSameSec || same.Parts.Amount != WeightAmount/2 || same.Parts.Place != WeightHometown/2 ||
		!slices.Contains(same.Reasons, "同属制造业门类") {
		t.Fatalf("same section = %+v", same)
	}
	sec := Score(Merchant{Industries: []string{"C13"}}, Project{Industry: "C"}, 0, nil, -1, names)
	if sec.Parts.Industry != WeightSection || sec.Reasons[0] != "同属制造业" {
		t.Fatalf("section project = %+v", sec)
	}
	named := Score(Merchant{Industries: []string{"A03"}}, Project{Industry: "C13", Text: "寻找畜牧养殖企业"}, 0, nil, -1, names)
	if named.Parts.Industry != WeightNamed || named.Reasons[0] != "项目寻求畜牧方面的合作方" {
		t.Fatalf("named = %+v", named)
	}
	near := Score(Merchant{Industries: []string{"C15"}, AmountBand: "1000_5000"}, Project{Industry: "C15", InvestmentFen: 60_000_000 * 100}, 0, nil, -1, names)
	if near.Parts.Amount != WeightAmountNr || !strings.HasSuffix(near.Reasons[1], "项目需 6000 万，相近") {
		t.Fatalf("near = %+v", near)
	}
	sem := Score(Merchant{Industries: []string{"C15"}}, Project{Industry: "C15"}, 0, nil, 0.9, names)
	if sem.Score != 39 || !slices.Contains(sem.Reasons, "语义相近（0.90）") {
		t.Fatalf("semantic = %+v", sem)
	}
}

func TestWan(t *testing.T) {
	for fen, want := range map[int64]string{30_000_000 * 100: "3000 万", 505_000 * 100: "50.5 万", 150_000_000 * 100: "1.5 亿", 100_000_000 * 100: "1 亿"} {
		if got := Wan(fen); got != want {
			t.Errorf("Wan(%d) = %q, want %q", fen, got, want)
		}
	}
}

// Chinese text becomes bigrams (no segmenter), Latin words stay whole; two texts about tea
// drinks are closer than a tea text and a machinery text.
func TestTerms_bigramsAndCosine(t *testing.T) {
	if got := Terms("茶饮料 ABC 公司"); !slices.Equal(got, []string{"茶饮", "饮料", "abc"}) {
		t.Fatalf("terms = %q", got)
	}
	texts := []string{"青砖茶饮料生产线", "茶饮料连锁有限公司", "精密机械零部件加工"}
	c := NewCorpus(texts)
	tea, _ := Cosine(c.Vector(texts[0]), c.Vector(texts[1]))
	mech, _ := Cosine(c.Vector(texts[0]), c.Vector(texts[2]))
	if tea <= 0.2 || mech != 0 {
		t.Fatalf("tea %.2f, machinery %.2f", tea, mech)
	}
	if _, terms := Cosine(c.Vector(texts[0]), c.Vector(texts[1])); !slices.Contains(terms, "饮料") {
		t.Fatalf("shared terms = %q", terms)
	}
}

// Forward moves (skipping allowed), closed from any but signed; nothing leaves signed or closed.
func TestAllowed_table(t *testing.T) {
	for _, c := range []struct {
		from, to string
		ok       bool
	}{
		{Recommended, Contacted, true}, {Recommended, Visiting, true}, {Contacted, Recommended, false}, {Visiting, Signed, true},
		{Interested, Closed, true}, {Signed, Closed, false}, {Closed, Contacted, false}, {Recommended, "won", false},
	} {
		if Allowed(c.from, c.to) != c.ok {
			t.Errorf("Allowed(%s, %s) = %v", c.from, c.to, !c.ok)
		}
	}
}
