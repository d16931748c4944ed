package policy

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/microcosm-cc/bluemonday"

	"huixiang/internal/audience"
	"huixiang/internal/notify"
	"huixiang/internal/sqldb"
)

// Service is the policy library.
type Service struct {
	db        *sqlx.DB
	sanitizer *bluemonday.Policy
	now       func() time.Time
	// OnFirstPublish, when set, runs in the transaction that publishes a policy for the first
	// time (app proposes a notice of it to its audience: 政策找人).
	OnFirstPublish func(ctx context.Context, tx *sqlx.Tx, staffID, id int64, c Content) error
	// PushQuiet, when set, makes a match also a WeChat push (within consent, the cap and these
	// quiet hours; the notify Worker sends it).
	PushQuiet *notify.Quiet
	// Words, when set, reads a rule's codes as names (regions, option lists) in the conditions
	// people see.
	Words func(ctx context.Context) audience.Labels
}

// NewService returns the library on db; now is the clock (time.Now when nil).
func NewService(db *sqlx.DB, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{db: db, sanitizer: bodyPolicy(), now: now}
}

// Categories are the active categories in their order.
func (s *Service) Categories(ctx context.Context) ([]Category, error) {
	var out []Category
	if err := sqlx.SelectContext(ctx, s.db, &out,
		`SELECT code, name FROM policy_categories WHERE active ORDER BY sort_order, code`); err != nil {
		return nil, fmt.Errorf("policy: categories: %w", err)
	}
	return out, nil
}

// Create saves a new draft.
func (s *Service) Create(ctx context.Context, staffID int64, c Content) (*Policy, error) {
	if err := s.normalize(&c); err != nil {
		return nil, err
	}
	if err := checkRefs(ctx, s.db, &c); err != nil {
		return nil, err
	}
	id, err := insertPolicy(ctx, s.db, staffID, &c, s.now().UTC())
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, id)
}

// Update saves the working copy read at version; ErrStaleVersion when someone saved since.
func (s *Service) Update(ctx context.Context, staffID, id int64, version int, c Content) (*Policy, error) {
	if err := s.normalize(&c); err != nil {
		return nil, err
	}
	if err := checkRefs(ctx, s.db, &c); err != nil {
		return nil, err
	}
	ok, err := updatePolicy(ctx, s.db, staffID, id, version, &c, s.now().UTC())
	if err != nil {
		return nil, err
	}
	if !ok {
		if _, err := getRow(ctx, s.db, id); err != nil {
			return nil, err
		}
		return nil, ErrStaleVersion
	}
	return s.Get(ctx, id)
}

// Get is a policy's working copy.
func (s *Service) Get(ctx context.Context, id int64) (*Policy, error) {
	r, err := getRow(ctx, s.db, id)
	if err != nil {
		return nil, err
	}
	return r.policy(), nil
}

// Publish makes the working copy read at version the next published version.
func (s *Service) Publish(ctx context.Context, staffID, id int64, version int) (*Policy, error) {
	err := sqldb.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		r, err := lockPolicy(ctx, tx, id)
		if err != nil {
			return err
		}
		if r.Version != version {
			return ErrStaleVersion
		}
		if r.PublishedFrom.Valid && int(r.PublishedFrom.Int32) == r.Version && r.Status == StatusPublished {
			return nil // already the published version: publishing twice is one version
		}
		if err := publishRow(ctx, tx, staffID, r, int(r.PublishedVersion.Int32)+1, s.now().UTC()); err != nil {
			return err
		}
		if !r.PublishedVersion.Valid && s.OnFirstPublish != nil {
			return s.OnFirstPublish(ctx, tx, staffID, id, r.content())
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, id)
}

// Archive takes a published policy away from people; its versions stay. Publishing it again
// brings it back.
func (s *Service) Archive(ctx context.Context, id int64) (*Policy, error) {
	err := sqldb.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		r, err := lockPolicy(ctx, tx, id)
		if err != nil {
			return err
		}
		switch r.Status {
		case StatusDraft:
			return ErrNotPublished
		case StatusArchived:
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE policies SET status = 'archived' WHERE id = ?`, id); err != nil {
			return fmt.Errorf("policy: archive: %w", err)
		}
		return replaceTerms(ctx, tx, id, nil)
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, id)
}

// Version is one published version of a policy.
type Version struct {
	Version     int       `json:"version"`
	PublishedBy int64     `json:"published_by"`
	PublishedAt time.Time `json:"published_at"`
	Content     Content   `json:"content"`
}

// Versions are every published version of a policy, newest first.
func (s *Service) Versions(ctx context.Context, id int64) ([]Version, error) {
	if _, err := getRow(ctx, s.db, id); err != nil {
		return nil, err
	}
	var rows []struct {
		Version     int       `db:"version"`
		PublishedBy int64     `db:"published_by"`
		PublishedAt time.Time `db:"published_at"`
		Content     []byte    `db:"content"`
	}
	if err := sqlx.SelectContext(ctx, s.db, &rows, `SELECT version, published_by, published_at, content
		FROM policy_versions WHERE policy_id = ? ORDER BY version DESC`, id); err != nil {
		return nil, fmt.Errorf("policy: versions of %d: %w", id, err)
	}
	out := make([]Version, len(rows))
	for i, r := range rows {
		out[i] = Version{Version: r.Version, PublishedBy: r.PublishedBy, PublishedAt: r.PublishedAt}
		if err := json.Unmarshal(r.Content, &out[i].Content); err != nil {
			return nil, fmt.Errorf("policy: version %d of %d: %w", r.Version, id, err)
		}
	}
	return out, nil
}

// StaffFilter narrows the staff list.
type StaffFilter struct {
	Status   string // "" for all
	Category string
	// Changed: only policies whose working copy differs from their published version.
	Changed bool
}

// StaffItem is a line of the staff list.
type StaffItem struct {
	ID               int64      `json:"id" db:"id"`
	Title            string     `json:"title" db:"title"`
	Category         string     `json:"category" db:"category_code"`
	Status           string     `json:"status" db:"status"`
	Version          int        `json:"version" db:"version"`
	PublishedVersion *int       `json:"published_version" db:"published_version"`
	Unpublished      bool       `json:"unpublished_changes" db:"unpublished"`
	PublishedAt      *time.Time `json:"published_at" db:"published_at"`
	UpdatedAt        time.Time  `json:"updated_at" db:"updated_at"`
}

// List is the staff list, the latest edited first.
func (s *Service) List(ctx context.Context, f StaffFilter, page sqldb.PageRequest) (sqldb.Page[StaffItem], error) {
	var where []string
	var args []any
	if f.Status != "" {
		where, args = append(where, "status = ?"), append(args, f.Status)
	}
	if f.Category != "" {
		where, args = append(where, "category_code = ?"), append(args, f.Category)
	}
	if f.Changed {
		where = append(where, "published_version IS NOT NULL AND (published_from IS NULL OR published_from <> version)")
	}
	cond := ""
	if len(where) > 0 {
		cond = " WHERE " + strings.Join(where, " AND ")
	}
	var total int
	if err := sqlx.GetContext(ctx, s.db, &total, `SELECT COUNT(*) FROM policies`+cond, args...); err != nil {
		return sqldb.Page[StaffItem]{}, fmt.Errorf("policy: count: %w", err)
	}
	var items []StaffItem
	if err := sqlx.SelectContext(ctx, s.db, &items, `SELECT id, title, category_code, status, version, published_version,
			(published_version IS NOT NULL AND (published_from IS NULL OR published_from <> version)) AS unpublished,
			published_at, updated_at
		FROM policies`+cond+` ORDER BY updated_at DESC, id DESC LIMIT ? OFFSET ?`,
		append(args, page.Limit(), page.Offset())...); err != nil {
		return sqldb.Page[StaffItem]{}, fmt.Errorf("policy: list: %w", err)
	}
	return sqldb.NewPage(page, items, total), nil
}

// Query is what people look for in the library.
type Query struct {
	Category string // "" for all
	Target   string // "" for all
	Text     string // search words, "" for none
	IDs      []int64
}

// Search is the published policies matching q, the newest first; with words, those with the
// words in the title first.
func (s *Service) Search(ctx context.Context, q Query, page sqldb.PageRequest) (sqldb.Page[Item], error) {
	where := []string{"p.status = 'published'"}
	var args []any
	if q.Category != "" {
		where, args = append(where, "p.pub_category_code = ?"), append(args, q.Category)
	}
	if q.Target != "" {
		where, args = append(where, "FIND_IN_SET(?, p.pub_targets) > 0"), append(args, q.Target)
	}
	if q.IDs != nil {
		if len(q.IDs) == 0 {
			return sqldb.NewPage[Item](page, nil, 0), nil
		}
		where = append(where, "p.id IN ("+strings.TrimSuffix(strings.Repeat("?, ", len(q.IDs)), ", ")+")")
		for _, id := range q.IDs {
			args = append(args, id)
		}
	}
	order := "p.published_at DESC, p.id DESC"
	if text := strings.TrimSpace(q.Text); text != "" {
		terms := queryTerms(text)
		if len(terms) == 0 {
			return sqldb.NewPage[Item](page, nil, 0), nil
		}
		where = append(where, `p.id IN (SELECT t.policy_id FROM policy_terms t WHERE t.term IN (`+
			strings.TrimSuffix(strings.Repeat("?, ", len(terms)), ", ")+`) GROUP BY t.policy_id HAVING COUNT(*) = ?)`)
		for _, t := range terms {
			args = append(args, t)
		}
		args = append(args, len(terms))
		order = "INSTR(p.pub_title, ?) = 0, " + order
	}
	cond := strings.Join(where, " AND ")
	var total int
	if err := sqlx.GetContext(ctx, s.db, &total, `SELECT COUNT(*) FROM policies p WHERE `+cond, args...); err != nil {
		return sqldb.Page[Item]{}, fmt.Errorf("policy: count published: %w", err)
	}
	listArgs := append([]any{}, args...)
	if strings.HasPrefix(order, "INSTR") {
		listArgs = append(listArgs, strings.TrimSpace(q.Text))
	}
	listArgs = append(listArgs, page.Limit(), page.Offset())
	var rows []itemRow
	if err := sqlx.SelectContext(ctx, s.db, &rows, `SELECT `+itemColumns+` FROM `+publishedFrom+`
		WHERE `+cond+` ORDER BY `+order+` LIMIT ? OFFSET ?`, listArgs...); err != nil {
		return sqldb.Page[Item]{}, fmt.Errorf("policy: list published: %w", err)
	}
	items := make([]Item, len(rows))
	for i := range rows {
		items[i] = rows[i].item()
	}
	return sqldb.NewPage(page, items, total), nil
}

// Published is the version of a policy people read; ErrNotFound unless it is published now.
func (s *Service) Published(ctx context.Context, id int64) (*Published, error) {
	var r struct {
		Version     int       `db:"version"`
		PublishedAt time.Time `db:"published_at"`
		Content     []byte    `db:"content"`
	}
	err := sqlx.GetContext(ctx, s.db, &r, `SELECT v.version, p.published_at, v.content FROM `+publishedFrom+`
		WHERE p.id = ? AND p.status = 'published'`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("policy: published %d: %w", id, err)
	}
	out := &Published{ID: id, Version: r.Version, PublishedAt: r.PublishedAt}
	if err := json.Unmarshal(r.Content, &out.Content); err != nil {
		return nil, fmt.Errorf("policy: published %d: %w", id, err)
	}
	return out, nil
}

// Favourite keeps a published policy in the user's favourites (again is nothing new).
func (s *Service) Favourite(ctx context.Context, userID, id int64) error {
	res, err := s.db.ExecContext(ctx, `INSERT IGNORE INTO policy_favourites (user_id, policy_id, created_at)
		SELECT ?, id, ? FROM policies WHERE id = ? AND status = 'published'`, userID, s.now().UTC(), id)
	if err != nil {
		return fmt.Errorf("policy: favourite: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		var exists bool
		if err := sqlx.GetContext(ctx, s.db, &exists, `SELECT EXISTS (SELECT 1 FROM policy_favourites
			WHERE user_id = ? AND policy_id = ?)`, userID, id); err != nil {
			return fmt.Errorf("policy: favourite: %w", err)
		}
		if !exists {
			return ErrNotFound
		}
	}
	return nil
}

// Unfavourite removes a policy from the user's favourites (absent is fine).
func (s *Service) Unfavourite(ctx context.Context, userID, id int64) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM policy_favourites WHERE user_id = ? AND policy_id = ?`, userID, id); err != nil {
		return fmt.Errorf("policy: unfavourite: %w", err)
	}
	return nil
}

// FavouriteIDs are the ids of the user's favourites that are still published, the latest
// kept first (at most 500).
func (s *Service) FavouriteIDs(ctx context.Context, userID int64) ([]int64, error) {
	ids := []int64{}
	if err := sqlx.SelectContext(ctx, s.db, &ids, `SELECT f.policy_id FROM policy_favourites f
		JOIN policies p ON p.id = f.policy_id AND p.status = 'published'
		WHERE f.user_id = ? ORDER BY f.created_at DESC LIMIT 500`, userID); err != nil {
		return nil, fmt.Errorf("policy: favourites: %w", err)
	}
	return ids, nil
}
