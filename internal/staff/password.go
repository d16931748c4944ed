package staff

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// argon2id parameters: OWASP's second recommended set (19 MiB, 2 passes, 1 lane), which keeps a
// sign-in near 30 ms on this class of machine without letting a burst exhaust memory.
const (
	argonMemory  = 19 * 1024
	argonTime    = 2
	argonThreads = 1
	argonKeyLen  = 32
	argonSaltLen = 16
)

// HashCost is the argon2id cost of the hashes a Service makes: memory in KiB and passes. A
// hash records its cost, so hashes of any cost verify; the zero HashCost is the default above.
type HashCost struct {
	MemoryKiB uint32
	Passes    uint32
}

// MinHashCost is the least argon2id allows (8 KiB, one pass), some thousand times cheaper than
// the default: for tests, whose servers create and sign in staff by the hundred. Never in a
// server: a leaked hash of this cost is guessed at full speed.
func MinHashCost() HashCost { return HashCost{MemoryKiB: 8, Passes: 1} }

func (c HashCost) orDefault() HashCost {
	if c.MemoryKiB == 0 || c.Passes == 0 {
		return HashCost{MemoryKiB: argonMemory, Passes: argonTime}
	}
	return c
}

// HashPassword returns a PHC-format argon2id hash of the default cost.
func HashPassword(pw string) (string, error) { return hashPassword(pw, HashCost{}) }

func hashPassword(pw string, c HashCost) (string, error) {
	c = c.orDefault()
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(pw), salt, c.Passes, c.MemoryKiB, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, c.MemoryKiB, c.Passes, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

var errBadHash = errors.New("staff: malformed password hash")

// VerifyPassword checks pw against a hash made by HashPassword, with the parameters stored in the
// hash so that they can be raised later without breaking old hashes.
func VerifyPassword(hash, pw string) (bool, error) {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, errBadHash
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, errBadHash
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false, errBadHash
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return false, errBadHash
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil {
		return false, errBadHash
	}
	got := argon2.IDKey([]byte(pw), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}
