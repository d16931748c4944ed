package staff

import (
	"strings"
	"testing"
)

func TestPasswordHash_verifiesOnlyTheRightPassword(t *testing.T) {
	h, err := HashPassword("Correct-horse-1")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") || strings.Contains(h, "Correct-horse-1") {
		t.Fatalf("hash = %s", h)
	}
	if ok, err := VerifyPassword(h, "Correct-horse-1"); !ok || err != nil {
		t.Fatalf("right password: %v %v", ok, err)
	}
	if ok, _ := VerifyPassword(h, "Correct-horse-2"); ok {
		t.Fatal("wrong password verified")
	}
	if h2, _ := HashPassword("Correct-horse-1"); h2 == h {
		t.Fatal("two hashes of one password are equal: no salt")
	}
	if _, err := VerifyPassword("$2a$10$bcrypt", "x"); err == nil {
		t.Fatal("malformed hash accepted")
	}
}
