// Package idempotency makes a creating POST safe to retry: the first answer given for a client's
// Idempotency-Key is stored in MySQL in the same transaction as the change it describes, and a
// retry with the same key and body gets that answer again instead of a second change.
package idempotency

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/jmoiron/sqlx"

	"huixiang/internal/sqldb"
)

// Errors.
var (
	// ErrKeyReused: the key was used before with a different request body.
	ErrKeyReused = errors.New("idempotency: key reused with another request")
	// ErrBadKey: the key is not 8-64 characters of [A-Za-z0-9_-].
	ErrBadKey = errors.New("idempotency: malformed key")
)

var keyRE = regexp.MustCompile(`^[A-Za-z0-9_-]{8,64}$`)

// Result is a stored answer.
type Result struct {
	Status int
	Body   []byte
}

// Hash is the fingerprint of a request body.
func Hash(body []byte) []byte {
	h := sha256.Sum256(body)
	return h[:]
}

// Claim reserves key for (scope, owner) inside tx. It returns the stored result when the same
// request was answered before (the caller returns it and changes nothing), ErrKeyReused when the
// key came with another body, or nil, nil when the caller should go ahead and then Complete.
// A parallel request with the same key waits on the unique key until the first commits.
func Claim(ctx context.Context, tx *sqlx.Tx, scope string, owner int64, key string, hash []byte) (*Result, error) {
	if !keyRE.MatchString(key) {
		return nil, ErrBadKey
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO idempotency_keys (scope, owner_id, idem_key, request_hash, status, created_at)
		VALUES (?, ?, ?, ?, 0, ?)`, scope, owner, key, hash, time.Now().UTC())
	if err = sqldb.Classify(err); err == nil {
		return nil, nil
	}
	if !errors.Is(err, sqldb.ErrDuplicate) {
		return nil, fmt.Errorf("idempotency: claim: %w", err)
	}
	var row struct {
		Hash   []byte `db:"request_hash"`
		Status int    `db:"status"`
		Body   []byte `db:"response"`
	}
	err = tx.GetContext(ctx, &row, `SELECT request_hash, status, response FROM idempotency_keys
		WHERE scope = ? AND owner_id = ? AND idem_key = ?`, scope, owner, key)
	if errors.Is(err, sql.ErrNoRows) {
		// Not expected (nothing deletes keys, and the duplicate means the other claim committed):
		// report a lost race, which sqldb.Retry in the caller runs again.
		return nil, sqldb.ErrDuplicate
	}
	if err != nil {
		return nil, fmt.Errorf("idempotency: read: %w", err)
	}
	if string(row.Hash) != string(hash) {
		return nil, ErrKeyReused
	}
	return &Result{Status: row.Status, Body: row.Body}, nil
}

// Complete stores the answer for a claimed key, in the same tx as the change.
func Complete(ctx context.Context, tx *sqlx.Tx, scope string, owner int64, key string, r Result) error {
	_, err := tx.ExecContext(ctx, `UPDATE idempotency_keys SET status = ?, response = ? WHERE scope = ? AND owner_id = ? AND idem_key = ?`,
		r.Status, r.Body, scope, owner, key)
	if err != nil {
		return fmt.Errorf("idempotency: complete: %w", err)
	}
	return nil
}
