package pii

import (
	"bytes"
	"crypto/rand"
	"errors"
	"testing"
)

func newBox(t *testing.T) *Box {
	t.Helper()
	k := make([]byte, 32)
	_, _ = rand.Read(k)
	b, err := New(k)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSealOpen_roundTripAndFieldBinding(t *testing.T) {
	b := newBox(t)
	ct := b.Seal("phone", "13800138000")
	if bytes.Contains(ct, []byte("13800138000")) {
		t.Fatal("ciphertext contains the plaintext")
	}
	got, err := b.Open("phone", ct)
	if err != nil || got != "13800138000" {
		t.Fatalf("Open = %q, %v", got, err)
	}
	if _, err := b.Open("id_card", ct); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("opening under another field: err = %v, want ErrCorrupt", err)
	}
	ct[len(ct)-1] ^= 1
	if _, err := b.Open("phone", ct); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("tampered: err = %v, want ErrCorrupt", err)
	}
	if bytes.Equal(b.Seal("phone", "1"), b.Seal("phone", "1")) {
		t.Fatal("two seals of one value are equal: nonce reuse")
	}
}

func TestIndex_deterministicPerKeyAndField(t *testing.T) {
	a, b := newBox(t), newBox(t)
	if !bytes.Equal(a.Index("phone", "1"), a.Index("phone", "1")) {
		t.Fatal("index not deterministic")
	}
	if bytes.Equal(a.Index("phone", "1"), b.Index("phone", "1")) {
		t.Fatal("index equal under different keys")
	}
	if bytes.Equal(a.Index("phone", "1"), a.Index("id_card", "1")) {
		t.Fatal("index equal across fields")
	}
}

func TestMaskPhone(t *testing.T) {
	for in, want := range map[string]string{"13812345678": "138****5678", "123": "***", "+8613812345678": "+86*******5678"} {
		if got := MaskPhone(in); got != want {
			t.Errorf("MaskPhone(%q) = %q, want %q", in, got, want)
		}
	}
}
