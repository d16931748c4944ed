package wxfake

import (
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ValidValue reports whether value is acceptable for the subscribe message
// data key, whose type is the key without its trailing digits ("thing1" is a
// thing). The rules are WeChat's published per-type limits; a type the fake
// does not know is held to the thing limit.
func ValidValue(key, value string) bool {
	if value == "" {
		return false
	}
	n := utf8.RuneCountInString(value)
	switch keyType(key) {
	case "thing":
		return n <= 20
	case "number":
		return reNumber.MatchString(value) && countDigits(value) <= 32
	case "letter":
		return n <= 32 && allRunes(value, isASCIILetter)
	case "symbol":
		return n <= 5 && allRunes(value, isSymbol)
	case "character_string":
		return n <= 32 && allRunes(value, isASCIIGraphic)
	case "phone_number":
		return n <= 17 && allRunes(value, func(r rune) bool { return isDigit(r) || r == '+' || r == '-' })
	case "car_number":
		return validCarNumber(value)
	case "name":
		return validName(value)
	case "phrase":
		return n <= 5 && allRunes(value, isHan)
	case "amount":
		return validAmount(value)
	case "time":
		return validRange(value, validTimePoint)
	case "date":
		return validRange(value, validDatePoint)
	default:
		return n <= 20
	}
}

func keyType(key string) string {
	if t := strings.TrimRightFunc(key, isDigit); t != "" {
		return t
	}
	return key
}

var (
	reNumber = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?$`)
	reAmount = regexp.MustCompile(`^[¥￥$€£]?([0-9]+(?:\.[0-9]{1,2})?)元?$`)
	reClock  = regexp.MustCompile(`^([0-9]{1,2}):([0-9]{2})(?::([0-9]{2}))?$`)
	reCNDate = regexp.MustCompile(`^([0-9]{4})年([0-9]{1,2})月([0-9]{1,2})日$`)
	reISO    = regexp.MustCompile(`^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})$`)
)

func isDigit(r rune) bool       { return r >= '0' && r <= '9' }
func isASCIILetter(r rune) bool { return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' }
func isASCIIGraphic(r rune) bool {
	return r > ' ' && r < utf8.RuneSelf && r != 0x7f
}
func isSymbol(r rune) bool { return unicode.IsPunct(r) || unicode.IsSymbol(r) }
func isHan(r rune) bool    { return unicode.Is(unicode.Han, r) }

func allRunes(s string, ok func(rune) bool) bool {
	for _, r := range s {
		if !ok(r) {
			return false
		}
	}
	return true
}

func countDigits(s string) int {
	n := 0
	for _, r := range s {
		if isDigit(r) {
			n++
		}
	}
	return n
}

// validCarNumber follows WeChat's "8 characters, the first and last may be
// Chinese, the rest letters or digits" so plates like 粤A12345 and 粤B1234学 pass.
func validCarNumber(v string) bool {
	rs := []rune(v)
	if len(rs) > 8 {
		return false
	}
	for i, r := range rs {
		if isHan(r) && (i == 0 || i == len(rs)-1) {
			continue
		}
		if !isDigit(r) && !isASCIILetter(r) {
			return false
		}
	}
	return true
}

// validName accepts either up to 10 Chinese characters (with the middle dot
// of transliterated names) or up to 20 letters and symbols.
func validName(v string) bool {
	rs := []rune(v)
	if allRunes(v, func(r rune) bool { return r < utf8.RuneSelf }) {
		return len(rs) <= 20 && allRunes(v, func(r rune) bool {
			return isASCIILetter(r) || r == ' ' || isSymbol(r)
		})
	}
	return len(rs) <= 10 && allRunes(v, func(r rune) bool { return isHan(r) || r == '·' || r == '•' })
}

func validAmount(v string) bool {
	m := reAmount.FindStringSubmatch(v)
	return m != nil && countDigits(m[1]) <= 10
}

// validRange accepts one point or two joined by "~", WeChat's notation for a
// period in time and date values.
func validRange(v string, point func(string) bool) bool {
	parts := strings.Split(v, "~")
	if len(parts) > 2 {
		return false
	}
	for _, p := range parts {
		if !point(strings.TrimSpace(p)) {
			return false
		}
	}
	return true
}

// validTimePoint accepts "15:01", "2019年10月1日", or a date of either style
// followed by " 15:01" or " 15:01:00".
func validTimePoint(v string) bool {
	if validClock(v) || validCNDate(v) {
		return true
	}
	d, c, ok := strings.Cut(v, " ")
	return ok && (validCNDate(d) || validISODate(d)) && validClock(c)
}

// validDatePoint accepts "2019年10月1日" or "2019-10-01", optionally followed
// by " 15:01".
func validDatePoint(v string) bool {
	d, c, hasClock := strings.Cut(v, " ")
	if !validCNDate(d) && !validISODate(d) {
		return false
	}
	return !hasClock || validClock(c)
}

func validClock(v string) bool {
	m := reClock.FindStringSubmatch(v)
	if m == nil {
		return false
	}
	h, _ := strconv.Atoi(m[1])
	mi, _ := strconv.Atoi(m[2])
	sec := 0
	if m[3] != "" {
		sec, _ = strconv.Atoi(m[3])
	}
	return h < 24 && mi < 60 && sec < 60
}

func validCNDate(v string) bool { return validYMD(reCNDate.FindStringSubmatch(v)) }
func validISODate(v string) bool {
	return validYMD(reISO.FindStringSubmatch(v))
}

func validYMD(m []string) bool {
	if m == nil {
		return false
	}
	y, _ := strconv.Atoi(m[1])
	mo, _ := strconv.Atoi(m[2])
	d, _ := strconv.Atoi(m[3])
	if mo < 1 || mo > 12 || d < 1 {
		return false
	}
	return d <= daysIn(y, mo)
}

func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}
