package match

import (
	"math"
	"sort"
	"strings"
	"unicode"
)

// Terms splits text into the terms of its similarity: character bigrams of each run of Chinese
// characters (a run of one character is that character), and each run of letters or digits as
// one lower-case word. No segmenter is needed: two texts about 茶饮料 share 茶饮 and 饮料.
func Terms(text string) []string {
	var out []string
	var han []rune
	var word []rune
	flushHan := func() {
		switch {
		case len(han) == 1:
			out = append(out, string(han))
		case len(han) > 1:
			for i := 0; i+1 < len(han); i++ {
				bg := string(han[i : i+2])
				if !stopBigrams[bg] {
					out = append(out, bg)
				}
			}
		}
		han = han[:0]
	}
	flushWord := func() {
		if len(word) > 1 {
			out = append(out, strings.ToLower(string(word)))
		}
		word = word[:0]
	}
	for _, r := range text {
		switch {
		case unicode.Is(unicode.Han, r):
			flushWord()
			han = append(han, r)
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			flushHan()
			word = append(word, r)
		default:
			flushHan()
			flushWord()
		}
	}
	flushHan()
	flushWord()
	return out
}

// stopBigrams say nothing about what a merchant or project is.
var stopBigrams = map[string]bool{
	"有限": true, "限公": true, "公司": true, "项目": true, "企业": true, "集团": true, "股份": true, "责任": true,
	"建设": true, "以上": true, "万元": true, "亿元": true, "年产": true, "具有": true, "需要": true, "相关": true,
	"合作": true, "经验": true, "我们": true, "进行": true,
}

// Corpus holds the documents of one ranking and their TF-IDF vectors.
type Corpus struct {
	df   map[string]int
	docs int
}

// Vector is a document's TF-IDF vector, unit length.
type Vector map[string]float64

// NewCorpus counts the document frequencies of texts.
func NewCorpus(texts []string) *Corpus {
	c := &Corpus{df: map[string]int{}, docs: len(texts)}
	for _, t := range texts {
		seen := map[string]bool{}
		for _, term := range Terms(t) {
			if !seen[term] {
				seen[term] = true
				c.df[term]++
			}
		}
	}
	return c
}

// Vector is text's TF-IDF vector in c (sublinear tf, smoothed idf), normalised.
func (c *Corpus) Vector(text string) Vector {
	tf := map[string]int{}
	for _, term := range Terms(text) {
		tf[term]++
	}
	v := Vector{}
	var norm float64
	for term, n := range tf {
		idf := math.Log(float64(c.docs+1)/float64(c.df[term]+1)) + 1
		w := (1 + math.Log(float64(n))) * idf
		v[term] = w
		norm += w * w
	}
	if norm == 0 {
		return v
	}
	norm = math.Sqrt(norm)
	for term := range v {
		v[term] /= norm
	}
	return v
}

// Cosine is the similarity of two unit vectors and their shared terms, the heaviest first.
func Cosine(a, b Vector) (float64, []string) {
	if len(a) > len(b) {
		a, b = b, a
	}
	type shared struct {
		term string
		w    float64
	}
	var sum float64
	var common []shared
	for term, w := range a {
		if wb, ok := b[term]; ok {
			sum += w * wb
			common = append(common, shared{term, w * wb})
		}
	}
	sort.Slice(common, func(i, j int) bool {
		if common[i].w != common[j].w {
			return common[i].w > common[j].w
		}
		return common[i].term < common[j].term
	})
	terms := make([]string, 0, len(common))
	for _, s := range common {
		if len([]rune(s.term)) > 1 {
			terms = append(terms, s.term)
		}
	}
	return math.Min(1, sum), terms
}
