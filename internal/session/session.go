// Package session keeps sign-in sessions in Redis. A session is an opaque random token handed to
// the client; Redis stores only the token's SHA-256, so a leaked Redis dump signs nobody in.
package session

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// ErrExpired means the token is unknown, logged out, revoked or past its lifetime.
var ErrExpired = errors.New("session: expired or unknown")

// Kind separates mini-program users from staff; each has its own lifetime rules.
type Kind string

// The session kinds.
const (
	KindUser  Kind = "user"
	KindStaff Kind = "staff"
)

// Policy is a kind's lifetime: Idle slides on every use; Max, when set, ends the session that
// long after sign-in however active it is.
type Policy struct {
	Idle time.Duration
	Max  time.Duration
}

// Session is what a token stands for.
type Session struct {
	Kind      Kind              `json:"k"`
	SubjectID int64             `json:"s"`
	Created   time.Time         `json:"c"`
	Attrs     map[string]string `json:"a,omitempty"`
	// expiresAt is the absolute end (zero when the kind has no Max).
	ExpiresAt time.Time `json:"x,omitzero"`
}

// Store creates, looks up and deletes sessions.
type Store struct {
	rdb      redis.UniversalClient
	prefix   string
	policies map[Kind]Policy
	now      func() time.Time
}

// NewStore returns a Store with keys under prefix.
func NewStore(rdb redis.UniversalClient, prefix string, policies map[Kind]Policy) *Store {
	return &Store{rdb: rdb, prefix: prefix, policies: policies, now: time.Now}
}

// MaxPerSubject is how many sessions one user or staff member may hold at once; signing in
// again beyond it ends the oldest, so a client signing in in a loop cannot grow state without
// bound.
const MaxPerSubject = 20

// evict ends the sessions of keys (the oldest beyond MaxPerSubject in the index idx) in one
// round trip: one DEL per key (different cluster slots) and one ZREM, pipelined.
func (s *Store) evict(ctx context.Context, idx string, keys []string) {
	members := make([]any, len(keys))
	for i, k := range keys {
		members[i] = k
	}
	_, _ = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, k := range keys {
			p.Del(ctx, k)
		}
		p.ZRem(ctx, idx, members...)
		return nil
	})
}

// TokenBytes is the size of a token's randomness: 256 bits.
const TokenBytes = 32

func (s *Store) key(token string) string {
	sum := sha256.Sum256([]byte(token))
	return s.prefix + "sess:" + hex.EncodeToString(sum[:])
}

func (s *Store) indexKey(kind Kind, subject int64) string {
	// "sessz:" (a sorted set by creation time) replaced an earlier plain set under "sessidx:";
	// the new name keeps a server from meeting an old key of the other type.
	return s.prefix + "sessz:" + string(kind) + ":" + strconv.FormatInt(subject, 10)
}

// Create starts a session and returns its token and how long it is valid without use.
func (s *Store) Create(ctx context.Context, kind Kind, subject int64, attrs map[string]string) (string, time.Duration, error) {
	pol, ok := s.policies[kind]
	if !ok {
		return "", 0, fmt.Errorf("session: no policy for kind %q", kind)
	}
	raw := make([]byte, TokenBytes)
	if _, err := rand.Read(raw); err != nil {
		return "", 0, err
	}
	token := base64.RawURLEncoding.EncodeToString(raw)
	now := s.now().UTC()
	sess := Session{Kind: kind, SubjectID: subject, Created: now, Attrs: attrs}
	ttl := pol.Idle
	if pol.Max > 0 {
		sess.ExpiresAt = now.Add(pol.Max)
		ttl = min(ttl, pol.Max)
	}
	val, err := json.Marshal(sess)
	if err != nil {
		return "", 0, err
	}
	key := s.key(token)
	idx := s.indexKey(kind, subject)
	// The two keys may live in different cluster slots, so they are written by one pipeline
	// rather than one transaction: an index entry without its session is harmless. The same
	// round trip reads the index entries beyond the newest MaxPerSubject (usually none), so a
	// sign-in is one round trip, and two when it must end old sessions.
	var excess *redis.StringSliceCmd
	_, err = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, key, val, ttl)
		p.ZAdd(ctx, idx, redis.Z{Score: float64(now.UnixMilli()), Member: key})
		p.PExpire(ctx, idx, max(pol.Idle, pol.Max))
		excess = p.ZRange(ctx, idx, 0, -MaxPerSubject-1)
		return nil
	})
	if err != nil {
		return "", 0, fmt.Errorf("session: create: %w", err)
	}
	if old := excess.Val(); len(old) > 0 {
		s.evict(ctx, idx, old)
	}
	return token, ttl, nil
}

// Lookup returns the token's session of the given kind and slides its idle expiry. A token of
// another kind is ErrExpired, so a user token never opens the staff API.
func (s *Store) Lookup(ctx context.Context, kind Kind, token string) (Session, error) {
	pol, ok := s.policies[kind]
	if !ok || token == "" {
		return Session{}, ErrExpired
	}
	key := s.key(token)
	val, err := s.rdb.GetEx(ctx, key, pol.Idle).Bytes()
	if errors.Is(err, redis.Nil) {
		return Session{}, ErrExpired
	}
	if err != nil {
		return Session{}, fmt.Errorf("session: lookup: %w", err)
	}
	var sess Session
	if err := json.Unmarshal(val, &sess); err != nil || sess.Kind != kind {
		return Session{}, ErrExpired
	}
	if !sess.ExpiresAt.IsZero() {
		now := s.now()
		if !now.Before(sess.ExpiresAt) {
			s.rdb.Del(ctx, key)
			return Session{}, ErrExpired
		}
		// Near the absolute end the idle slide must not outlive it.
		if sess.ExpiresAt.Sub(now) < pol.Idle {
			s.rdb.PExpireAt(ctx, key, sess.ExpiresAt)
		}
	}
	return sess, nil
}

// Delete ends one session (logout). Deleting an unknown token is not an error.
func (s *Store) Delete(ctx context.Context, kind Kind, token string) error {
	sess, err := s.Lookup(ctx, kind, token)
	if errors.Is(err, ErrExpired) {
		return nil
	}
	if err != nil {
		return err
	}
	key := s.key(token)
	if err := s.rdb.Del(ctx, key).Err(); err != nil {
		return fmt.Errorf("session: delete: %w", err)
	}
	s.rdb.ZRem(ctx, s.indexKey(kind, sess.SubjectID), key)
	return nil
}

// RevokeAll ends every session of a subject, for example a staff member whose role changed or
// whose account was disabled. It returns how many sessions ended.
func (s *Store) RevokeAll(ctx context.Context, kind Kind, subject int64) (int, error) {
	return s.revoke(ctx, kind, subject, "")
}

// RevokeOthers ends every session of a subject except the one of keepToken (a password change
// signs the other devices out, not the one it was made on).
func (s *Store) RevokeOthers(ctx context.Context, kind Kind, subject int64, keepToken string) (int, error) {
	return s.revoke(ctx, kind, subject, s.key(keepToken))
}

func (s *Store) revoke(ctx context.Context, kind Kind, subject int64, keep string) (int, error) {
	idx := s.indexKey(kind, subject)
	keys, err := s.rdb.ZRange(ctx, idx, 0, -1).Result()
	if err != nil {
		return 0, fmt.Errorf("session: revoke: %w", err)
	}
	n := 0
	var ended []any
	for _, k := range keys {
		if k == keep {
			continue
		}
		// One DEL per key: in a cluster the keys are in different slots.
		c, err := s.rdb.Del(ctx, k).Result()
		if err != nil {
			return n, fmt.Errorf("session: revoke: %w", err)
		}
		n += int(c)
		ended = append(ended, k)
	}
	if keep == "" {
		err = s.rdb.Del(ctx, idx).Err()
	} else if len(ended) > 0 {
		err = s.rdb.ZRem(ctx, idx, ended...).Err()
	}
	if err != nil {
		return n, fmt.Errorf("session: revoke: %w", err)
	}
	return n, nil
}

// SetAttr changes one attribute of the token's live session, keeping its expiry.
func (s *Store) SetAttr(ctx context.Context, kind Kind, token, name, value string) error {
	sess, err := s.Lookup(ctx, kind, token)
	if err != nil {
		return err
	}
	if sess.Attrs == nil {
		sess.Attrs = map[string]string{}
	}
	if value == "" {
		delete(sess.Attrs, name)
	} else {
		sess.Attrs[name] = value
	}
	val, err := json.Marshal(sess)
	if err != nil {
		return err
	}
	// XX: never resurrect a session that ended meanwhile.
	if err := s.rdb.SetArgs(ctx, s.key(token), val, redis.SetArgs{KeepTTL: true, Mode: "XX"}).Err(); err != nil && !errors.Is(err, redis.Nil) {
		return fmt.Errorf("session: set attr: %w", err)
	}
	return nil
}

// SetClock replaces the clock that absolute lifetimes are measured by, so that tests advance
// time instead of sleeping. Call it before other goroutines use the store.
func (s *Store) SetClock(now func() time.Time) { s.now = now }
