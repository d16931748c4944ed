package upload

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strconv"
	"time"
)

// audience binds a signature to this use of the key: a MAC made for something else with the same
// key never passes as a file URL.
const audience = "huixiang/file-url/v1"

// DeriveURLKey derives the URL signing key from the PII key, for deployments that do not set one
// of its own. The label keeps the two keys independent: knowing a URL signature says nothing
// about the PII key.
func DeriveURLKey(piiKey []byte) []byte {
	m := hmac.New(sha256.New, piiKey)
	m.Write([]byte("huixiang upload url signing key v1"))
	return m.Sum(nil)
}

// SignedURL returns a URL that serves the upload's file to whoever holds it, and when it stops
// working (now + the configured lifetime). It does not check that the upload exists: callers hand
// URLs out only for uploads the viewer may see.
func (s *Service) SignedURL(id string) (string, time.Time) {
	exp := s.now().Add(s.o.URLTTL).Truncate(time.Second).UTC()
	return s.URLUntil(id, exp), exp
}

// URLUntil is SignedURL with a chosen expiry (whole seconds).
func (s *Service) URLUntil(id string, exp time.Time) string {
	e := exp.Unix()
	return s.o.URLBase + FilePath + id + "?exp=" + strconv.FormatInt(e, 10) + "&sig=" + base64.RawURLEncoding.EncodeToString(s.mac(id, e))
}

func (s *Service) mac(id string, exp int64) []byte {
	m := hmac.New(sha256.New, s.o.URLKey)
	m.Write([]byte(id + "|" + strconv.FormatInt(exp, 10) + "|" + audience))
	return m.Sum(nil)
}

// verify checks the signature first, so that an altered expiry is a bad signature, not an
// expired URL; then the time.
func (s *Service) verify(id, exp, sig string) (time.Time, error) {
	e, err := strconv.ParseInt(exp, 10, 64)
	if err != nil || len(exp) > 12 {
		return time.Time{}, ErrBadSignature
	}
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil || !hmac.Equal(got, s.mac(id, e)) {
		return time.Time{}, ErrBadSignature
	}
	expires := time.Unix(e, 0).UTC()
	if !s.now().Before(expires) {
		return time.Time{}, ErrURLExpired
	}
	return expires, nil
}
