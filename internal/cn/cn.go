// Package cn holds the few facts about China the whole service shares: the time zone people
// read times in, what a mainland mobile number looks like, and how an amount of money is written.
package cn

import (
	"strconv"
	"strings"
	"time"
)

// Zone is Asia/Shanghai: UTC+8 all year (no daylight saving since 1991), so no zone database
// is needed. Calendar days, months and years that people see (quotas, point expiry, month
// statistics, dates typed into forms) are counted in it.
var Zone = time.FixedZone("CST", 8*3600)

// ZoneOffset is Zone as SQL writes it (CONVERT_TZ(t, '+00:00', ZoneOffset)): the database counts
// calendar months and days the way Go does.
const ZoneOffset = "+08:00"

// ValidMobile reports whether s is a mainland mobile number: 11 digits, 1 then 3-9.
func ValidMobile(s string) bool {
	if len(s) != 11 || s[0] != '1' || s[1] < '3' || s[1] > '9' {
		return false
	}
	for i := 2; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Yuan writes an amount in integer fen as yuan, with thousands separators and the fen only when
// there are any: 500000 → "5,000", 123456 → "1,234.56", -150 → "-1.50". Append "元" (or put it
// after a space) where the text needs the unit.
func Yuan(fen int64) string {
	sign := ""
	u := uint64(fen)
	if fen < 0 {
		sign, u = "-", uint64(-fen) // -MinInt64 wraps to itself, which is its magnitude as uint64
	}
	s := strconv.FormatUint(u/100, 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if c := u % 100; c != 0 {
		s += "." + strconv.FormatUint(c/10, 10) + strconv.FormatUint(c%10, 10)
	}
	return sign + s
}

// ParseYuan reads an amount typed in yuan with at most two decimals ("5000", "5,000.5",
// "5，000.05") as fen; anything else (empty, a sign, letters, three decimals, over 12 digits) is
// not an amount.
func ParseYuan(s string) (int64, bool) {
	s = strings.ReplaceAll(strings.TrimSpace(s), ",", "")
	s = strings.ReplaceAll(s, "，", "")
	whole, frac, hasDot := strings.Cut(s, ".")
	if whole == "" || len(whole) > 12 || len(frac) > 2 || (hasDot && frac == "") {
		return 0, false
	}
	for _, c := range whole + frac {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	y, _ := strconv.ParseInt(whole, 10, 64)
	for len(frac) < 2 {
		frac += "0"
	}
	f, _ := strconv.ParseInt(frac, 10, 64)
	return y*100 + f, true
}
