package staff

import (
	"errors"
	"strings"
	"testing"
)

func TestCheckPassword_policy(t *testing.T) {
	for _, c := range []struct{ pw, user, reason string }{
		{"abcdefghij", "", WeakShort},
		{"1234567890", "", WeakShort},
		{"abc12", "", WeakShort},
		{"Password123", "", WeakCommon},
		{"WOAINI1314", "", WeakCommon},
		{"woaini1314", "", WeakCommon},
		{"qq123456789", "", WeakCommon},
		{"Aa123456789", "", WeakCommon},
		{"admin123456", "", WeakCommon},
		{"Zhangsan-2024x", "zhangsan", WeakUsername},
		{"xxZHANGSAN99xx", "ZhangSan", WeakUsername},
		{strings.Repeat("a1", 65), "", WeakLong},
		{"Kestrel-2048x", "admin", ""},
		{"密码密码密码密码a1", "", ""},
		{"Township12345", "town1", ""},
	} {
		err := CheckPassword(c.pw, c.user)
		var we *WeakPasswordError
		switch {
		case c.reason == "" && err != nil:
			t.Errorf("CheckPassword(%q, %q) = %v, want ok", c.pw, c.user, err)
		case c.reason != "" && (!errors.As(err, &we) || we.Reason != c.reason || !errors.Is(err, ErrWeakPassword)):
			t.Errorf("CheckPassword(%q, %q) = %v, want %s", c.pw, c.user, err, c.reason)
		}
	}
	if n := len(commonPasswords()); n < 500 {
		t.Fatalf("common password list has %d entries", n)
	}
}

func TestOneTimePassword_followsThePolicy(t *testing.T) {
	seen := map[string]bool{}
	for range 50 {
		pw := oneTimePassword()
		if len(pw) != 16 || CheckPassword(pw, "") != nil || seen[pw] {
			t.Fatalf("one-time password %q", pw)
		}
		seen[pw] = true
	}
}
