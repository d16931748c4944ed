package policy

import (
	"html"
	"regexp"
	"slices"
	"strings"
	"unicode"
)

// Search terms. MariaDB has no ngram full-text parser and TiDB no full-text index at all, so
// the library keeps its own: every pair of adjacent Han characters (bigram) and every Latin
// word or number of a published policy's title, summary, conditions, benefits and text, in
// policy_terms. A query is cut the same way and a policy matches when it holds every term
// (one indexed lookup per term); a one-character query looks for policies holding that
// character, which single Han characters are also indexed for.
//
// Why bigrams: Chinese has no spaces, so words can't be split without a dictionary; any word
// of two or more characters is a run of bigrams, so "创业补贴" finds a text containing it
// (and, rarely, one holding 创业, 业补 and 补贴 apart — acceptable for a list people scan).

// MaxQueryTerms bounds a query's lookups.
const MaxQueryTerms = 16

var tags = regexp.MustCompile(`<[^>]*>`)

// plainText is the words of sanitized HTML.
func plainText(h string) string { return html.UnescapeString(tags.ReplaceAllString(h, " ")) }

func isHan(r rune) bool { return unicode.Is(unicode.Han, r) }

// Terms cuts text into its index terms: Han unigrams and bigrams, lowercased Latin words and
// numbers (at most 16 characters), without repeats.
func Terms(text string) []string {
	seen := map[string]bool{}
	var out []string
	add := func(t string) {
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	var word []rune
	flush := func() {
		if len(word) > 0 {
			w := strings.ToLower(string(word[:min(len(word), 16)]))
			add(w)
			word = word[:0]
		}
	}
	var prev rune
	for _, r := range text {
		switch {
		case isHan(r):
			flush()
			add(string(r))
			if prev != 0 {
				add(string([]rune{prev, r}))
			}
			prev = r
			continue
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			word = append(word, r)
		default:
			flush()
		}
		prev = 0
	}
	flush()
	return out
}

// queryTerms are the terms a search looks up: the bigrams of each Han run (its one character
// when the run has one), and the Latin words. Nil for a query with nothing to look for.
func queryTerms(q string) []string {
	var out []string
	var run []rune
	end := func() {
		if len(run) == 1 {
			out = append(out, string(run))
		}
		for i := 1; i < len(run); i++ {
			out = append(out, string(run[i-1:i+1]))
		}
		run = run[:0]
	}
	var word []rune
	endWord := func() {
		if len(word) > 0 {
			out = append(out, strings.ToLower(string(word[:min(len(word), 16)])))
			word = word[:0]
		}
	}
	for _, r := range q {
		switch {
		case isHan(r):
			endWord()
			run = append(run, r)
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			end()
			word = append(word, r)
		default:
			end()
			endWord()
		}
	}
	end()
	endWord()
	slices.Sort(out)
	out = slices.Compact(out)
	if len(out) > MaxQueryTerms {
		out = out[:MaxQueryTerms]
	}
	return out
}

// indexText is what a published version is searched by.
func indexText(c *Content) string {
	return strings.Join([]string{c.Title, c.DocNo, c.Issuer, c.Summary, c.ConditionsText, c.Benefits, plainText(c.BodyHTML)}, "\n")
}
