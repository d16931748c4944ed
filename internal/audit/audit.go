// Package audit writes the append-only audit log: who did what to which record, when, from
// where, in which request. It never stores passwords, tokens or unmasked personal information.
package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// Actor types.
const (
	ActorStaff     = "staff"
	ActorUser      = "user"
	ActorSystem    = "system"
	ActorAnonymous = "anonymous"
)

// Entry is one audit row. Detail is stored as JSON.
type Entry struct {
	ActorType  string
	ActorID    int64
	ActorName  string
	Action     string
	TargetType string
	TargetID   string
	Detail     map[string]any
}

// Request carries the client IP and request ID of the HTTP request being served, so that the
// business packages can write audit rows without knowing about HTTP.
type Request struct {
	ClientIP  string
	RequestID string
}

type requestKey struct{}

// WithRequest returns ctx carrying r.
func WithRequest(ctx context.Context, r Request) context.Context {
	return context.WithValue(ctx, requestKey{}, r)
}

// RequestFrom returns the request metadata in ctx, or the zero value.
func RequestFrom(ctx context.Context) Request {
	r, _ := ctx.Value(requestKey{}).(Request)
	return r
}

// Write inserts e with the request metadata in ctx. Pass the transaction that makes the change
// being audited, so that the change and its audit row commit or fail together.
func Write(ctx context.Context, db sqlx.ExtContext, e Entry) error {
	req := RequestFrom(ctx)
	var detail []byte
	if len(e.Detail) > 0 {
		var err error
		if detail, err = json.Marshal(e.Detail); err != nil {
			return fmt.Errorf("audit: detail: %w", err)
		}
	}
	var actorID *int64
	if e.ActorID != 0 {
		actorID = &e.ActorID
	}
	_, err := db.ExecContext(ctx, `
		INSERT INTO audit_log (occurred_at, actor_type, actor_id, actor_name, action, target_type, target_id, client_ip, request_id, detail)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		time.Now().UTC(), e.ActorType, actorID, truncate(e.ActorName, 64), e.Action, e.TargetType, truncate(e.TargetID, 64),
		truncate(req.ClientIP, 45), truncate(req.RequestID, 64), nullJSON(detail))
	if err != nil {
		return fmt.Errorf("audit: write %s: %w", e.Action, err)
	}
	return nil
}

func nullJSON(b []byte) any {
	if b == nil {
		return nil
	}
	return string(b)
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return string(r[:n])
	}
	return s
}

// Record is an audit row as read back.
type Record struct {
	ID         int64     `db:"id" json:"id"`
	OccurredAt time.Time `db:"occurred_at" json:"occurred_at"`
	ActorType  string    `db:"actor_type" json:"actor_type"`
	ActorID    *int64    `db:"actor_id" json:"actor_id"`
	ActorName  string    `db:"actor_name" json:"actor_name"`
	Action     string    `db:"action" json:"action"`
	TargetType string    `db:"target_type" json:"target_type"`
	TargetID   string    `db:"target_id" json:"target_id"`
	ClientIP   string    `db:"client_ip" json:"client_ip"`
	RequestID  string    `db:"request_id" json:"request_id"`
	Detail     *string   `db:"detail" json:"detail"`
}

// ListByActorName returns the newest rows naming actorName, newest first.
func ListByActorName(ctx context.Context, db sqlx.QueryerContext, actorName string, limit int) ([]Record, error) {
	var out []Record
	err := sqlx.SelectContext(ctx, db, &out, `
		SELECT id, occurred_at, actor_type, actor_id, actor_name, action, target_type, target_id, client_ip, request_id, detail
		FROM audit_log WHERE actor_name = ? ORDER BY occurred_at DESC, id DESC LIMIT ?`, actorName, limit)
	if err != nil {
		return nil, fmt.Errorf("audit: list: %w", err)
	}
	return out, nil
}
