// Package pii encrypts personal information (ID numbers, phones, bank accounts) for storage,
// computes blind indexes for exact-match lookups, and masks values for display.
package pii

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
)

// ErrCorrupt means a ciphertext failed authentication: wrong key, wrong field or tampered data.
var ErrCorrupt = errors.New("pii: ciphertext does not authenticate")

// version is the first byte of every ciphertext, so keys can be rotated later.
const version byte = 1

// Box seals and opens personal information with one master key.
type Box struct {
	aead   cipher.AEAD
	idxKey []byte
}

// New derives separate encryption and index keys from the 32-byte master key, so that the blind
// index never reveals anything about the encryption key and vice versa.
func New(master []byte) (*Box, error) {
	if len(master) != 32 {
		return nil, fmt.Errorf("pii: key must be 32 bytes, got %d", len(master))
	}
	block, err := aes.NewCipher(derive(master, "huixiang/pii/enc/v1"))
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Box{aead: aead, idxKey: derive(master, "huixiang/pii/index/v1")}, nil
}

func derive(master []byte, label string) []byte {
	m := hmac.New(sha256.New, master)
	m.Write([]byte(label))
	return m.Sum(nil)
}

// Seal encrypts plain for the named field. The field is authenticated data: a ciphertext copied
// into another column does not open.
func (b *Box) Seal(field, plain string) []byte {
	nonce := make([]byte, b.aead.NonceSize(), 1+b.aead.NonceSize()+len(plain)+b.aead.Overhead())
	_, _ = rand.Read(nonce)
	out := append([]byte{version}, nonce...)
	return b.aead.Seal(out, nonce, []byte(plain), []byte(field))
}

// Open decrypts a value sealed for the named field.
func (b *Box) Open(field string, sealed []byte) (string, error) {
	ns := b.aead.NonceSize()
	if len(sealed) < 1+ns+b.aead.Overhead() || sealed[0] != version {
		return "", ErrCorrupt
	}
	plain, err := b.aead.Open(nil, sealed[1:1+ns], sealed[1+ns:], []byte(field))
	if err != nil {
		return "", ErrCorrupt
	}
	return string(plain), nil
}

// Index is the blind index of a normalised value of the named field: equal values give equal
// indexes, and the index cannot be reversed without the key.
func (b *Box) Index(field, normalized string) []byte {
	m := hmac.New(sha256.New, b.idxKey)
	m.Write([]byte(field))
	m.Write([]byte{0})
	m.Write([]byte(normalized))
	return m.Sum(nil)
}

// MaskPhone shows the first 3 and last 4 digits of a mainland mobile number: 138****5678.
func MaskPhone(p string) string {
	r := []rune(p)
	if len(r) < 7 {
		return strings.Repeat("*", len(r))
	}
	return string(r[:3]) + strings.Repeat("*", len(r)-7) + string(r[len(r)-4:])
}
