package match

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"huixiang/internal/actor"
	"huixiang/internal/audit"
	"huixiang/internal/sqldb"
)

// MoveInput is PATCH /admin/api/v1/projects/{id}/matches/{merchant_id}.
type MoveInput struct {
	Status string `json:"status"`
	Note   string `json:"note"`
	// Version, when not 0, must be the match's version (0 before the first move).
	Version int `json:"version"`
}

// HistoryEntry is one move or note of a match.
type HistoryEntry struct {
	FromStatus string    `db:"from_status" json:"from_status"`
	ToStatus   string    `db:"to_status" json:"to_status"`
	ToName     string    `db:"-" json:"to_name"`
	Note       string    `db:"note" json:"note"`
	StaffID    int64     `db:"staff_id" json:"staff_id"`
	StaffName  string    `db:"staff_name" json:"staff_name"`
	CreatedAt  time.Time `db:"created_at" json:"created_at"`
}

// Moved is a match after a move.
type Moved struct {
	ProjectID  int64          `json:"project_id"`
	MerchantID int64          `json:"merchant_id"`
	Status     string         `json:"status"`
	StatusName string         `json:"status_name"`
	Note       string         `json:"note"`
	Version    int            `json:"version"`
	History    []HistoryEntry `json:"history"`
}

// Move moves the pair (project, merchant) to in.Status with a note, creating the match (推荐)
// on its first move; the same status adds the note only (a note is then required). The match's
// row is locked; a version other than the one sent is ErrStaleVersion; a move not in the table
// (Allowed) is ErrInvalidTransition. Staff who do not see the project or the merchant get
// ErrNotFound. The move is audited in its transaction.
func (s *Service) Move(ctx context.Context, a actor.Actor, projectID, merchantID int64, in MoveInput) (Moved, error) {
	if !a.IsStaff() {
		return Moved{}, ErrForbidden
	}
	in.Status, in.Note = strings.TrimSpace(in.Status), strings.TrimSpace(in.Note)
	if statusIndex(in.Status) < 0 {
		return Moved{}, &FieldError{Field: "status", Message: "状态应为 recommended、contacted、interested、visiting、signed 或 closed"}
	}
	if utf8.RuneCountInString(in.Note) > 500 {
		return Moved{}, &FieldError{Field: "note", Message: "备注不能超过 500 字"}
	}
	if err := s.sees(ctx, a, projectID, merchantID); err != nil {
		return Moved{}, err
	}
	now := s.now().UTC()
	var out Moved
	// The pair's row exists before the transaction (a statement of its own: parallel first
	// moves then wait on one row lock instead of deadlocking on the unique key).
	if _, err := s.db.ExecContext(ctx, `INSERT IGNORE INTO project_matches (project_id, merchant_id, status, created_at, updated_at)
		VALUES (?, ?, 'recommended', ?, ?)`, projectID, merchantID, now, now); err != nil {
		return Moved{}, fmt.Errorf("match: create: %w", sqldb.Classify(err))
	}
	err := sqldb.Retry(ctx, s.db, 5, func(tx *sqlx.Tx) error {
		var r record
		if err := sqlx.GetContext(ctx, tx, &r, `SELECT id, project_id, merchant_id, status, note, version, updated_at
			FROM project_matches WHERE project_id = ? AND merchant_id = ? FOR UPDATE`, projectID, merchantID); err != nil {
			if errors.Is(err, sql.ErrNoRows) { // the FOREIGN KEYs kept the row out: the project or merchant went meanwhile
				return ErrNotFound
			}
			return fmt.Errorf("match: lock: %w", err)
		}
		// A match nobody moved yet is at version 1 and may be moved with version 0 or 1.
		if in.Version != 0 && in.Version != r.Version {
			return ErrStaleVersion
		}
		switch {
		case in.Status == r.Status:
			if in.Note == "" {
				return &FieldError{Field: "note", Message: "请填写备注"}
			}
		case !Allowed(r.Status, in.Status):
			return ErrInvalidTransition
		}
		res, err := tx.ExecContext(ctx, `UPDATE project_matches SET status = ?, note = ?, version = version + 1, updated_by = ?,
			updated_at = ? WHERE id = ? AND version = ?`, in.Status, in.Note, a.ID, now, r.ID, r.Version)
		if err != nil {
			return fmt.Errorf("match: update: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return ErrStaleVersion
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO project_match_history (match_id, from_status, to_status, note, staff_id, created_at)
			VALUES (?, ?, ?, ?, ?, ?)`, r.ID, r.Status, in.Status, in.Note, a.ID, now); err != nil {
			return fmt.Errorf("match: history: %w", err)
		}
		e := a.AuditID("match.move", "project", projectID)
		e.Detail = map[string]any{"merchant_id": merchantID, "from": r.Status, "to": in.Status, "version": r.Version + 1}
		if in.Note != "" {
			e.Detail["note"] = in.Note
		}
		out = Moved{ProjectID: projectID, MerchantID: merchantID, Status: in.Status, StatusName: StatusNames[in.Status], Note: in.Note,
			Version: r.Version + 1}
		return audit.Write(ctx, tx, e)
	})
	if err != nil {
		return Moved{}, err
	}
	out.History, err = s.History(ctx, projectID, merchantID)
	return out, err
}

// sees checks that the actor sees the project and the merchant (ErrNotFound otherwise).
func (s *Service) sees(ctx context.Context, a actor.Actor, projectID, merchantID int64) error {
	var towns struct {
		Project  sql.NullString `db:"project_town"`
		Merchant sql.NullString `db:"merchant_town"`
		HasP     bool           `db:"has_p"`
		HasM     bool           `db:"has_m"`
	}
	err := s.db.GetContext(ctx, &towns, `SELECT
		(SELECT COALESCE(township_code, '') FROM projects WHERE id = ?) AS project_town,
		(SELECT township_code FROM merchants WHERE person_id = ?) AS merchant_town,
		EXISTS (SELECT 1 FROM projects WHERE id = ?) AS has_p,
		EXISTS (SELECT 1 FROM merchants WHERE person_id = ?) AS has_m`, projectID, merchantID, projectID, merchantID)
	if err != nil {
		return fmt.Errorf("match: scope: %w", err)
	}
	if !towns.HasP || !towns.HasM || !a.SeesTownship(towns.Project.String) || !a.SeesTownship(towns.Merchant.String) {
		return ErrNotFound
	}
	return nil
}

// History is the moves and notes of the pair, oldest first.
func (s *Service) History(ctx context.Context, projectID, merchantID int64) ([]HistoryEntry, error) {
	out := []HistoryEntry{}
	err := s.db.SelectContext(ctx, &out, `SELECT h.from_status, h.to_status, h.note, h.staff_id, COALESCE(st.username, '') AS staff_name,
		h.created_at FROM project_match_history h JOIN project_matches m ON m.id = h.match_id
		LEFT JOIN staff st ON st.id = h.staff_id
		WHERE m.project_id = ? AND m.merchant_id = ? ORDER BY h.id`, projectID, merchantID)
	if err != nil {
		return nil, fmt.Errorf("match: history: %w", err)
	}
	for i := range out {
		out[i].ToName = StatusNames[out[i].ToStatus]
		out[i].CreatedAt = *beijing(&out[i].CreatedAt)
	}
	return out, nil
}

// Interest records that the signed-in user's merchant is interested in published project id:
// created is false when they said so before (nothing changes). ErrNotMerchant without a
// merchant record; ErrNotFound for a project not published.
func (s *Service) Interest(ctx context.Context, userID, projectID int64) (created bool, err error) {
	merchantID, err := s.merchantOf(ctx, s.db, userID)
	if err != nil {
		return false, err
	}
	now := s.now().UTC()
	err = sqldb.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		var published bool
		err := sqlx.GetContext(ctx, tx, &published, `SELECT published FROM projects WHERE id = ? FOR UPDATE`, projectID)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && !published) {
			return ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("match: project: %w", err)
		}
		res, err := tx.ExecContext(ctx, `INSERT IGNORE INTO project_interests (project_id, merchant_id, user_id, created_at)
			VALUES (?, ?, ?, ?)`, projectID, merchantID, userID, now)
		if err != nil {
			return fmt.Errorf("match: interest: %w", err)
		}
		n, _ := res.RowsAffected()
		if created = n == 1; !created {
			return nil
		}
		e := actor.User(userID).AuditID("match.interest", "project", projectID)
		e.Detail = map[string]any{"merchant_id": merchantID}
		return audit.Write(ctx, tx, e)
	})
	return created, err
}

// InterestCount is how many merchants said 感兴趣 since since to projects of the actor: the
// projects whose contact department is a department staff member's department, a township's
// projects for its staff, all for district administrators.
func (s *Service) InterestCount(ctx context.Context, a actor.Actor, since time.Time) (int, error) {
	cond, args := "i.created_at >= ?", []any{since.UTC()}
	switch a.Role {
	case actor.DistrictAdmin:
	case actor.Department:
		cond, args = cond+" AND p.contact_department = ?", append(args, a.Department)
	case actor.Township:
		cond, args = cond+" AND p.township_code = ?", append(args, a.ScopeTownship())
	default:
		return 0, ErrForbidden
	}
	var n int
	if err := s.db.GetContext(ctx, &n, `SELECT COUNT(*) FROM project_interests i JOIN projects p ON p.id = i.project_id WHERE `+cond,
		args...); err != nil {
		return 0, fmt.Errorf("match: interest count: %w", err)
	}
	return n, nil
}
