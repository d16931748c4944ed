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

// A service set to the minimum cost (test servers) stores hashes that say so, and they verify;
// a sign-in of an unknown username verifies against a dummy hash of that cost too, made once.
func TestSetHashCost_minimum_hashesRecordItAndVerify(t *testing.T) {
	t.Parallel()
	s := NewService(nil, nil, "", Options{})
	s.SetHashCost(MinHashCost())
	h, err := s.hash(t.Context(), "Correct-horse-1")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=8,t=1,p=1$") {
		t.Fatalf("hash = %s", h)
	}
	if ok, err := VerifyPassword(h, "Correct-horse-1"); !ok || err != nil {
		t.Fatalf("right password: %v %v", ok, err)
	}
	d1, err := s.dummy()
	if err != nil || !strings.HasPrefix(d1, "$argon2id$v=19$m=8,t=1,p=1$") {
		t.Fatalf("dummy hash = %s, %v", d1, err)
	}
	if d2, _ := s.dummy(); d2 != d1 {
		t.Fatal("the dummy hash was made twice")
	}
	if d, _ := NewService(nil, nil, "", Options{}).dummy(); !strings.HasPrefix(d, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("default service's dummy hash = %s", d)
	}
}
