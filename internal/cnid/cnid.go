// Package cnid validates Chinese identifiers: the resident identity card number (居民身份证号,
// GB 11643-1999) and the unified social credit code of organisations (统一社会信用代码, GB 32100-2015).
package cnid

import (
	"errors"
	"strings"
	"time"
)

// Errors.
var (
	ErrIDCardInvalid = errors.New("cnid: identity card number invalid")
	ErrUSCCInvalid   = errors.New("cnid: unified social credit code invalid")
)

// IDCard is a validated identity card number and what it encodes.
type IDCard struct {
	// Number is the normalised 18-character number (upper-case X).
	Number    string
	BirthDate time.Time
	// Gender is "M" or "F" (the 17th digit's parity).
	Gender string
	// Region is the 6-digit administrative division code of issue.
	Region string
}

var idWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

const idCheck = "10X98765432"

// ParseIDCard validates an 18-character identity card number: digits, a real birth date not in
// the future (relative to now) and the ISO 7064 MOD 11-2 check character.
func ParseIDCard(s string, now time.Time) (IDCard, error) {
	n := strings.ToUpper(strings.TrimSpace(s))
	if len(n) != 18 {
		return IDCard{}, ErrIDCardInvalid
	}
	sum := 0
	for i := 0; i < 17; i++ {
		c := n[i]
		if c < '0' || c > '9' {
			return IDCard{}, ErrIDCardInvalid
		}
		sum += int(c-'0') * idWeights[i]
	}
	if n[17] != idCheck[sum%11] {
		return IDCard{}, ErrIDCardInvalid
	}
	birth, err := time.Parse("20060102", n[6:14])
	if err != nil || birth.Year() < 1900 || birth.After(now) {
		return IDCard{}, ErrIDCardInvalid
	}
	if n[0] == '0' || n[:2] == "00" {
		return IDCard{}, ErrIDCardInvalid
	}
	gender := "F"
	if (n[16]-'0')%2 == 1 {
		gender = "M"
	}
	return IDCard{Number: n, BirthDate: birth, Gender: gender, Region: n[:6]}, nil
}

// MaskIDCard shows the first 4 and last 4 characters: 4212**********123X.
func MaskIDCard(n string) string {
	if len(n) < 8 {
		return strings.Repeat("*", len(n))
	}
	return n[:4] + strings.Repeat("*", len(n)-8) + n[len(n)-4:]
}

const usccChars = "0123456789ABCDEFGHJKLMNPQRTUWXY"

var usccWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// NormalizeUSCC validates an 18-character unified social credit code (GB 32100: 31 characters
// without I, O, Z, S, V; a MOD 31 check character) and returns it in upper case.
func NormalizeUSCC(s string) (string, error) {
	n := strings.ToUpper(strings.TrimSpace(s))
	if len(n) != 18 {
		return "", ErrUSCCInvalid
	}
	sum := 0
	for i := 0; i < 17; i++ {
		v := strings.IndexByte(usccChars, n[i])
		if v < 0 {
			return "", ErrUSCCInvalid
		}
		sum += v * usccWeights[i]
	}
	if n[17] != usccChars[(31-sum%31)%31] {
		return "", ErrUSCCInvalid
	}
	// Positions 3-8 are the administrative division code: digits only.
	for i := 2; i < 8; i++ {
		if n[i] < '0' || n[i] > '9' {
			return "", ErrUSCCInvalid
		}
	}
	return n, nil
}
