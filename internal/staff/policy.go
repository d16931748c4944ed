package staff

import (
	"bufio"
	_ "embed"
	"strings"
	"sync"
)

// Why a password is refused (WeakPasswordError.Reason).
const (
	WeakShort    = "short"    // under 10 characters, or without both letters and digits
	WeakLong     = "long"     // over 128 characters
	WeakCommon   = "common"   // on the list of the most common passwords
	WeakUsername = "username" // contains the username
	WeakSame     = "same"     // the new password is the old one
)

// WeakPasswordError says why a password is refused; it matches ErrWeakPassword.
type WeakPasswordError struct{ Reason string }

func (e *WeakPasswordError) Error() string { return "staff: weak password: " + e.Reason }

// Unwrap makes errors.Is(err, ErrWeakPassword) true.
func (e *WeakPasswordError) Unwrap() error { return ErrWeakPassword }

//go:embed common_passwords.txt
var commonPasswordsText string

// commonPasswords is parsed once, on first use; it is read-only afterwards.
var commonPasswords = sync.OnceValue(func() map[string]struct{} {
	m := make(map[string]struct{}, 1500)
	sc := bufio.NewScanner(strings.NewReader(commonPasswordsText))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		m[strings.ToLower(line)] = struct{}{}
	}
	return m
})

// CheckPassword applies the staff password policy to pw for the account username (empty when
// not known): 10 to 128 characters with letters and digits, not one of the most common
// passwords, and not containing the username (both compared case-insensitively). It returns a
// *WeakPasswordError.
func CheckPassword(pw, username string) error {
	var letter, digit bool
	for _, r := range pw {
		switch {
		case r >= '0' && r <= '9':
			digit = true
		case (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z'):
			letter = true
		}
	}
	n := len([]rune(pw))
	switch {
	case n < 10 || !letter || !digit:
		return &WeakPasswordError{Reason: WeakShort}
	case n > 128:
		return &WeakPasswordError{Reason: WeakLong}
	}
	lower := strings.ToLower(pw)
	if _, ok := commonPasswords()[lower]; ok {
		return &WeakPasswordError{Reason: WeakCommon}
	}
	if u := strings.ToLower(strings.TrimSpace(username)); len(u) >= 3 && strings.Contains(lower, u) {
		return &WeakPasswordError{Reason: WeakUsername}
	}
	return nil
}
