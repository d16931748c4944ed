// Package match is the explainable matching engine of 楚商回乡: for an investment project the
// merchants ranked, for a merchant the projects ranked, each with a score from 0 to 100 and the
// reasons in words ("同属农副食品加工业", "意向投资 1000–5000 万，项目需 3000 万", "籍贯贺胜桥镇，项目在贺胜桥镇",
// "意向领域含 茶叶").
//
// The score is structured features first — industry, intended fields, amount band, hometown and
// preferred township, the project's "3+2" chain — plus the similarity of the two descriptions
// (character-bigram TF-IDF cosine, which works for Chinese without a word segmenter). When an
// OpenAI-compatible embeddings endpoint is configured, the cosine of the two texts' vectors
// re-ranks the list (Embedder); when it is off or fails, the score stands without it.
//
// Staff move a pair along 推荐 → 已联系 → 有意向 → 考察 → 签约 (or 关闭) with notes; a merchant says
// 感兴趣 in the mini program, which shows on the project's matches page (Service).
package match

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Weights of the features; the structured score is their sum (at most 100).
const (
	WeightDivision = 30 // same GB/T 4754 division
	WeightSection  = 18 // the project names a section only, and the merchant is in it
	WeightSameSec  = 6  // different divisions of one section (weak: 制造业 is half the economy)
	WeightNamed    = 24 // the project's text names the merchant's industry (合作方: 畜牧养殖企业)
	WeightField    = 20 // an intended field named in the project's text
	WeightFieldInd = 12 // an intended field whose industries or chain are the project's
	WeightAmount   = 20 // the project's investment inside the intended band
	WeightAmountNr = 8  // … or within a factor of two of its edge
	WeightHometown = 6  // hometown township is the project's
	WeightPrefTown = 8  // preferred township is the project's
	WeightChain    = 8  // an industry of the merchant on the project's chain
	WeightText     = 8  // the descriptions' similarity (full at cosine ≥ 0.5)
	// SemanticShare is the part of the final score the embeddings' cosine takes when on.
	SemanticShare = 0.15
)

// Merchant is what the engine knows of a merchant.
type Merchant struct {
	ID                int64
	Name              string
	Township          string
	PreferredTownship string
	// Industries are GB/T 4754 codes in the projects' form ("C13", or "C"): the merchant's own
	// first, then its enterprises'.
	Industries []string
	// Fields are intended_field codes.
	Fields     []string
	AmountBand string
	// Text is what the merchant's record says in words (enterprise names, industries, fields,
	// 商会 roles).
	Text string
}

// Project is what the engine knows of a project.
type Project struct {
	ID            int64
	Name          string
	Industry      string // "C13" or "C"
	Chain         string
	ChainLink     string
	Township      string
	InvestmentFen int64
	// Text: name, description, partner wanted, chain link.
	Text string
}

// Names names codes in reasons.
type Names struct {
	Industries map[string]string // "C" → 制造业, "C13" → 农副食品加工业
	Townships  map[string]string
	Fields     map[string]string // intended_field code → label
	Chains     map[string]string
}

func (n Names) industry(code string) string {
	if v := n.Industries[code]; v != "" {
		return v
	}
	return code
}

func (n Names) township(code string) string {
	if v := n.Townships[code]; v != "" {
		return v
	}
	return code
}

// Parts are the points of each feature.
type Parts struct {
	Industry float64 `json:"industry"`
	Field    float64 `json:"field"`
	Amount   float64 `json:"amount"`
	Place    float64 `json:"place"`
	Chain    float64 `json:"chain"`
	Text     float64 `json:"text"`
	// Semantic is the embeddings' cosine (0 when off).
	Semantic float64 `json:"semantic"`
}

// Result is one scored pair.
type Result struct {
	Score   int      `json:"score"`
	Reasons []string `json:"reasons"`
	Parts   Parts    `json:"parts"`
}

type fieldHint struct {
	words      []string
	industries []string // project-form codes; a section letter covers its divisions
	chains     []string
}

// fieldHints tell which projects an intended field (option list intended_field) points at:
// words in the project's text, industries, chains. A field staff add later is matched by its
// label in the project's text.
var fieldHints = map[string]fieldHint{
	"agri_processing": {words: []string{"农副", "粮油"}, industries: []string{"C13", "C14"}, chains: []string{"food"}},
	"rural_tourism":   {words: []string{"旅游", "民宿", "文旅", "农家乐", "研学", "露营"}, industries: []string{"H", "R", "N78"}},
	"ecommerce":       {words: []string{"电商", "直播", "网店", "冷链物流"}, industries: []string{"F", "I64", "G59"}},
	"health":          {words: []string{"健康", "康养", "医药", "养老", "中药"}, industries: []string{"Q", "C27"}, chains: []string{"biomedicine"}},
	"bamboo":          {words: []string{"竹"}, industries: []string{"C20", "C21"}},
	"ramie":           {words: []string{"苎麻", "麻纺"}, chains: []string{"textile"}},
	"tea":             {words: []string{"茶"}, industries: []string{"C15"}},
	"osmanthus":       {words: []string{"桂花"}},
}

// chainIndustries are the industries of each "3+2" chain.
var chainIndustries = map[string][]string{
	"equipment":   {"C33", "C34", "C35", "C36", "C37", "C38", "C40", "C43"},
	"textile":     {"C17", "C18", "C19", "C28"},
	"food":        {"C13", "C14", "C15", "A01", "A03", "A04"},
	"electronics": {"C39", "I63", "I64", "I65"},
	"biomedicine": {"C27", "M73", "Q84"},
}

// covers reports whether code (a project-form code) is one of list, a section letter of list
// covering code's division.
func covers(list []string, code string) bool {
	if code == "" {
		return false
	}
	for _, c := range list {
		if c == code || (len(c) == 1 && strings.HasPrefix(code, c)) {
			return true
		}
	}
	return false
}

// bands are the intended amount bands in 万元: [lo, hi), hi 0 for no upper bound.
var bands = map[string][2]int64{
	"lt_100": {0, 100}, "100_1000": {100, 1000}, "1000_5000": {1000, 5000}, "5000_10000": {5000, 10000}, "ge_10000": {10000, 0},
}

// bandWords names a band as the reasons do.
var bandWords = map[string]string{
	"lt_100": "100 万以下", "100_1000": "100–1000 万", "1000_5000": "1000–5000 万", "5000_10000": "5000 万–1 亿", "ge_10000": "1 亿以上",
}

// Wan writes fen as 万 or 亿 the way people say it: 3000 万, 1.2 亿, 50.5 万.
func Wan(fen int64) string {
	wan := float64(fen) / 1_000_000
	if wan >= 10000 {
		return trimZero(strconv.FormatFloat(wan/10000, 'f', 2, 64)) + " 亿"
	}
	return trimZero(strconv.FormatFloat(wan, 'f', 1, 64)) + " 万"
}

func trimZero(s string) string {
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// Score scores merchant m for project p; text is the descriptions' similarity (0–1) and
// terms the shared words to show; semantic the embeddings' cosine, or a negative number when
// there is none.
func Score(m Merchant, p Project, text float64, terms []string, semantic float64, n Names) Result {
	var r Result
	r.Reasons = []string{}
	// Industry: the best of the merchant's own and its enterprises'.
	bestInd, indReason := 0.0, ""
	for _, code := range m.Industries {
		pts, why := 0.0, ""
		switch {
		case code == "" || p.Industry == "":
		case len(p.Industry) > 1 && code == p.Industry:
			pts, why = WeightDivision, "同属"+n.industry(code)
		case len(p.Industry) == 1 && code[:1] == p.Industry:
			pts, why = WeightSection, "同属"+n.industry(p.Industry)
		case code[:1] == p.Industry[:1]:
			pts, why = WeightSameSec, "同属"+n.industry(p.Industry[:1])+"门类"
		}
		if pts > bestInd {
			bestInd, indReason = pts, why
		}
	}
	if bestInd < WeightNamed {
		for _, code := range m.Industries {
			if w := industryWord(n.Industries[code]); w != "" && strings.Contains(p.Text, w) {
				bestInd, indReason = WeightNamed, "项目寻求"+w+"方面的合作方"
				break
			}
		}
	}
	if bestInd > 0 {
		r.Parts.Industry = bestInd
		r.Reasons = append(r.Reasons, indReason)
	}
	// Intended fields: named in the project's text (strong), or pointing at its industry or
	// chain (weaker).
	var named, related []string
	for _, f := range m.Fields {
		label := n.Fields[f]
		h := fieldHints[f]
		words := h.words
		if label != "" && f != "other" {
			words = append(slices.Clip(words), label)
		}
		hit := false
		for _, w := range words {
			if w != "" && strings.Contains(p.Text, w) {
				hit = true
				break
			}
		}
		switch {
		case hit:
			named = append(named, fieldLabel(label, f))
		case covers(h.industries, p.Industry) || (p.Chain != "" && slices.Contains(h.chains, p.Chain)):
			related = append(related, fieldLabel(label, f))
		}
	}
	switch {
	case len(named) > 0:
		r.Parts.Field = WeightField
		r.Reasons = append(r.Reasons, "意向领域含 "+strings.Join(firstN(named, 2), "、"))
	case len(related) > 0:
		r.Parts.Field = WeightFieldInd
		r.Reasons = append(r.Reasons, "意向领域 "+strings.Join(firstN(related, 2), "、")+" 与项目行业相关")
	}
	// Amount band against the investment.
	if b, ok := bands[m.AmountBand]; ok && p.InvestmentFen > 0 {
		wan := p.InvestmentFen / 1_000_000
		inside := wan >= b[0] && (b[1] == 0 || wan < b[1])
		near := (wan >= b[0]/2 && wan < b[0]) || (b[1] != 0 && wan >= b[1] && wan < b[1]*2)
		switch {
		case inside:
			r.Parts.Amount = WeightAmount
			r.Reasons = append(r.Reasons, "意向投资 "+bandWords[m.AmountBand]+"，项目需 "+Wan(p.InvestmentFen))
		case near:
			r.Parts.Amount = WeightAmountNr
			r.Reasons = append(r.Reasons, "意向投资 "+bandWords[m.AmountBand]+"，项目需 "+Wan(p.InvestmentFen)+"，相近")
		}
	}
	// Places.
	if p.Township != "" && m.Township == p.Township {
		r.Parts.Place += WeightHometown
		r.Reasons = append(r.Reasons, "籍贯"+n.township(m.Township)+"，项目在"+n.township(p.Township))
	}
	if p.Township != "" && m.PreferredTownship == p.Township {
		r.Parts.Place += WeightPrefTown
		r.Reasons = append(r.Reasons, "意向投资地"+n.township(p.Township))
	}
	// The chain the project fills.
	if list := chainIndustries[p.Chain]; len(list) > 0 {
		for _, code := range m.Industries {
			if covers(list, code) {
				r.Parts.Chain = WeightChain
				why := "所在行业属" + chainName(n, p.Chain) + "产业链"
				if p.ChainLink != "" {
					why += "，项目补" + p.ChainLink + "环节"
				}
				r.Reasons = append(r.Reasons, why)
				break
			}
		}
	}
	// Text.
	if text > 0 {
		r.Parts.Text = math.Min(1, text/0.5) * WeightText
		if text >= 0.12 && len(terms) > 0 {
			r.Reasons = append(r.Reasons, "描述相近："+strings.Join(firstN(terms, 3), "、"))
		}
	}
	// Money and place only reinforce a fit in what the merchant does: without any (industry
	// beyond a shared section, field, chain or similar text) they count half.
	if r.Parts.Industry < WeightSection && r.Parts.Field == 0 && r.Parts.Chain == 0 && text < 0.12 {
		r.Parts.Amount /= 2
		r.Parts.Place /= 2
	}
	base := r.Parts.Industry + r.Parts.Field + r.Parts.Amount + r.Parts.Place + r.Parts.Chain + r.Parts.Text
	base = math.Min(base, 100)
	if semantic >= 0 {
		r.Parts.Semantic = semantic
		base = base*(1-SemanticShare) + 100*SemanticShare*math.Max(0, math.Min(1, semantic))
		if semantic >= 0.6 {
			r.Reasons = append(r.Reasons, fmt.Sprintf("语义相近（%.2f）", semantic))
		}
	}
	r.Score = int(math.Round(math.Max(0, math.Min(100, base))))
	return r
}

// industryWord is an industry's name as a project's text would say it: without a trailing 业
// (畜牧业 → 畜牧), "" when too short or too general to say anything (农业 → 农).
func industryWord(name string) string {
	w := []rune(strings.TrimSuffix(name, "业"))
	if len(w) < 2 || len(w) > 6 || strings.ContainsAny(string(w), "、和及其他") {
		return ""
	}
	return string(w)
}

func fieldLabel(label, code string) string {
	if label != "" {
		return label
	}
	return code
}

func chainName(n Names, code string) string {
	if v := n.Chains[code]; v != "" {
		return v
	}
	return code
}

func firstN(s []string, n int) []string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
