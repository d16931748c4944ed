package policy

import (
	"context"

	"github.com/jmoiron/sqlx"

	"huixiang/internal/actor"
	"huixiang/internal/audit"
	"huixiang/internal/sqldb"
	"huixiang/internal/upload"
)

// A policy's documents (政策原文, PDF) are uploads attached to ('policy', id): staff add and
// remove them, audited; people open them from the published policy through signed URLs. They
// belong to the policy, not to a version: a new version shows the documents kept at that time.

// DocumentRef is the record type documents are attached to.
const DocumentRef = "policy"

// AddDocument records the received PDF as a document of policy id, with its audit entry, in one
// transaction under the policy's row lock. On any error the received file is discarded.
func (s *Service) AddDocument(ctx context.Context, by actor.Actor, id int64, files *upload.Service, rec *upload.Received) (upload.Upload, error) {
	var u upload.Upload
	err := sqldb.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		if _, err := lockPolicy(ctx, tx, id); err != nil {
			return err
		}
		var err error
		if u, err = files.SaveDocument(ctx, tx, rec, DocumentRef, id); err != nil {
			return err
		}
		e := by.AuditID("policy.document_add", "policy", id)
		e.Detail = map[string]any{"document": u.ID, "name": u.Name, "size": u.Size}
		return audit.Write(ctx, tx, e)
	})
	if err != nil {
		files.Discard(ctx, rec)
		return upload.Upload{}, err
	}
	return u, nil
}

// RemoveDocument removes document docID of policy id, audited.
func (s *Service) RemoveDocument(ctx context.Context, by actor.Actor, id int64, docID string, files *upload.Service) error {
	return sqldb.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		if _, err := lockPolicy(ctx, tx, id); err != nil {
			return err
		}
		u, err := files.RemoveDocument(ctx, tx, docID, DocumentRef, id)
		if err != nil {
			return err
		}
		e := by.AuditID("policy.document_remove", "policy", id)
		e.Detail = map[string]any{"document": u.ID, "name": u.Name}
		return audit.Write(ctx, tx, e)
	})
}

// Documents are policy id's documents, oldest first, each with a fresh signed URL.
func (s *Service) Documents(ctx context.Context, id int64, files *upload.Service) ([]upload.Upload, error) {
	us, err := files.ListAttached(ctx, s.db, DocumentRef, id)
	if us == nil {
		us = []upload.Upload{}
	}
	return us, err
}
