package person

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// Change is one row of a person's change history (record_changes): who changed which fields,
// through which channel, and for the name, ID number and phone the masked before and after.
type Change struct {
	PersonID  int64
	Source    string // SourceSelf, SourceGrid, SourceImport
	ActorType string
	ActorID   int64 // 0: none
	BatchID   int64 // 0: none
	Action    string
	Fields    []string
	Identity  []IdentityChange
}

// WriteChange appends c to the history at time at.
func WriteChange(ctx context.Context, db sqlx.ExecerContext, c Change, at time.Time) error {
	fields := []byte("[]")
	if c.Fields != nil {
		fields, _ = json.Marshal(c.Fields)
	}
	var actorID, batchID, ident any
	if c.ActorID != 0 {
		actorID = c.ActorID
	}
	if c.BatchID != 0 {
		batchID = c.BatchID
	}
	if len(c.Identity) > 0 {
		b, _ := json.Marshal(c.Identity)
		ident = string(b)
	}
	_, err := db.ExecContext(ctx, `
		INSERT INTO record_changes (person_id, changed_at, source, actor_type, actor_id, import_batch_id, action, fields, identity_changes)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, c.PersonID, at, c.Source, c.ActorType, actorID, batchID, c.Action, string(fields), ident)
	if err != nil {
		return fmt.Errorf("person: history: %w", err)
	}
	return nil
}
