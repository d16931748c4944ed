package policy

// The SQL of the policy library, in one place: functions of a sqlx.ExtContext or
// QueryerContext, so one function works in and out of a transaction; lockPolicy takes the
// *sqlx.Tx its FOR UPDATE needs.

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
)

// row is a policies row.
type row struct {
	ID               int64          `db:"id"`
	Status           string         `db:"status"`
	Title            string         `db:"title"`
	DocNo            string         `db:"doc_no"`
	Issuer           string         `db:"issuer"`
	Category         string         `db:"category_code"`
	Targets          string         `db:"targets"`
	Summary          string         `db:"summary"`
	BodyHTML         string         `db:"body_html"`
	ConditionsText   string         `db:"conditions_text"`
	Rule             []byte         `db:"rule"`
	Benefits         string         `db:"benefits"`
	Materials        []byte         `db:"materials"`
	Steps            []byte         `db:"steps"`
	ContactDept      string         `db:"contact_dept"`
	ContactPhone     string         `db:"contact_phone"`
	EffectiveOn      sql.NullTime   `db:"effective_on"`
	ExpiresOn        sql.NullTime   `db:"expires_on"`
	SourceURL        string         `db:"source_url"`
	ApplicationCode  sql.NullString `db:"application_code"`
	Version          int            `db:"version"`
	PublishedVersion sql.NullInt32  `db:"published_version"`
	PublishedFrom    sql.NullInt32  `db:"published_from"`
	PublishedAt      sql.NullTime   `db:"published_at"`
	UpdatedAt        time.Time      `db:"updated_at"`
}

const rowColumns = `id, status, title, doc_no, issuer, category_code, targets, summary, body_html, conditions_text,
	rule, benefits, materials, steps, contact_dept, contact_phone, effective_on, expires_on, source_url,
	application_code, version, published_version, published_from, published_at, updated_at`

func dateOf(t sql.NullTime) *Date {
	if !t.Valid {
		return nil
	}
	return &Date{t.Time}
}

func (r *row) content() Content {
	c := Content{
		Title: r.Title, DocNo: r.DocNo, Issuer: r.Issuer, Category: r.Category, Targets: strings.Split(r.Targets, ","),
		Summary: r.Summary, BodyHTML: r.BodyHTML, ConditionsText: r.ConditionsText, Benefits: r.Benefits,
		ContactDept: r.ContactDept, ContactPhone: r.ContactPhone, EffectiveOn: dateOf(r.EffectiveOn),
		ExpiresOn: dateOf(r.ExpiresOn), SourceURL: r.SourceURL,
	}
	if len(r.Rule) > 0 {
		c.Rule = json.RawMessage(r.Rule)
	}
	_ = json.Unmarshal(r.Materials, &c.Materials)
	_ = json.Unmarshal(r.Steps, &c.Steps)
	if r.ApplicationCode.Valid {
		c.ApplicationCode = &r.ApplicationCode.String
	}
	return c
}

func (r *row) policy() *Policy {
	p := &Policy{ID: r.ID, Status: r.Status, Version: r.Version, UpdatedAt: r.UpdatedAt, Content: r.content()}
	if r.PublishedVersion.Valid {
		v := int(r.PublishedVersion.Int32)
		p.PublishedVersion = &v
		p.Unpublished = !r.PublishedFrom.Valid || int(r.PublishedFrom.Int32) != r.Version
	}
	if r.PublishedAt.Valid {
		p.PublishedAt = &r.PublishedAt.Time
	}
	return p
}

func getRow(ctx context.Context, db sqlx.QueryerContext, id int64) (*row, error) {
	var r row
	err := sqlx.GetContext(ctx, db, &r, `SELECT `+rowColumns+` FROM policies WHERE id = ?`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("policy: get %d: %w", id, err)
	}
	return &r, nil
}

// lockPolicy reads the row FOR UPDATE: publishing reads the working copy and writes its version
// in one transaction, so two publishes of one policy take turns.
func lockPolicy(ctx context.Context, tx *sqlx.Tx, id int64) (*row, error) {
	var r row
	err := tx.GetContext(ctx, &r, `SELECT `+rowColumns+` FROM policies WHERE id = ? FOR UPDATE`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("policy: lock %d: %w", id, err)
	}
	return &r, nil
}

func nullDate(d *Date) any {
	if d == nil {
		return nil
	}
	return d.Format(time.DateOnly)
}

func nullRule(r json.RawMessage) any {
	if len(r) == 0 {
		return nil
	}
	return string(r)
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // []string and Content always marshal
	}
	return string(b)
}

// checkRefs says whether the category is an active one and the application type exists, in one
// statement.
func checkRefs(ctx context.Context, db sqlx.QueryerContext, c *Content) error {
	var refs struct {
		Category    bool `db:"category_ok"`
		Application bool `db:"application_ok"`
	}
	code := ""
	if c.ApplicationCode != nil {
		code = *c.ApplicationCode
	}
	if err := sqlx.GetContext(ctx, db, &refs, `SELECT
			EXISTS (SELECT 1 FROM policy_categories WHERE code = ? AND active) AS category_ok,
			(? = '' OR EXISTS (SELECT 1 FROM support_policies WHERE code = ?)) AS application_ok`,
		c.Category, code, code); err != nil {
		return fmt.Errorf("policy: check references: %w", err)
	}
	if !refs.Category {
		return &FieldError{"category", "没有这个政策类别"}
	}
	if !refs.Application {
		return &FieldError{"application_code", "没有这个可在线申请的事项"}
	}
	return nil
}

func insertPolicy(ctx context.Context, db sqlx.ExtContext, staffID int64, c *Content, now time.Time) (int64, error) {
	res, err := db.ExecContext(ctx, `INSERT INTO policies (title, doc_no, issuer, category_code, targets, summary, body_html,
			conditions_text, rule, benefits, materials, steps, contact_dept, contact_phone, effective_on, expires_on,
			source_url, application_code, created_by, updated_by, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.Title, c.DocNo, c.Issuer, c.Category, strings.Join(c.Targets, ","), c.Summary, c.BodyHTML,
		c.ConditionsText, nullRule(c.Rule), c.Benefits, mustJSON(c.Materials), mustJSON(c.Steps), c.ContactDept,
		c.ContactPhone, nullDate(c.EffectiveOn), nullDate(c.ExpiresOn), c.SourceURL, c.ApplicationCode,
		staffID, staffID, now, now)
	if err != nil {
		return 0, fmt.Errorf("policy: insert: %w", err)
	}
	return res.LastInsertId()
}

// updatePolicy writes the working copy if it is still at version; false when it was not.
func updatePolicy(ctx context.Context, db sqlx.ExtContext, staffID, id int64, version int, c *Content, now time.Time) (bool, error) {
	res, err := db.ExecContext(ctx, `UPDATE policies SET title = ?, doc_no = ?, issuer = ?, category_code = ?, targets = ?,
			summary = ?, body_html = ?, conditions_text = ?, rule = ?, benefits = ?, materials = ?, steps = ?,
			contact_dept = ?, contact_phone = ?, effective_on = ?, expires_on = ?, source_url = ?, application_code = ?,
			updated_by = ?, updated_at = ?, version = version + 1
		WHERE id = ? AND version = ?`,
		c.Title, c.DocNo, c.Issuer, c.Category, strings.Join(c.Targets, ","), c.Summary, c.BodyHTML,
		c.ConditionsText, nullRule(c.Rule), c.Benefits, mustJSON(c.Materials), mustJSON(c.Steps), c.ContactDept,
		c.ContactPhone, nullDate(c.EffectiveOn), nullDate(c.ExpiresOn), c.SourceURL, c.ApplicationCode,
		staffID, now, id, version)
	if err != nil {
		return false, fmt.Errorf("policy: update %d: %w", id, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// publishRow writes the working copy r as version next: the version row, the public columns,
// and the search terms (replaced).
func publishRow(ctx context.Context, tx *sqlx.Tx, staffID int64, r *row, next int, now time.Time) error {
	c := r.content()
	if _, err := tx.ExecContext(ctx, `INSERT INTO policy_versions (policy_id, version, content, published_by, published_at)
		VALUES (?, ?, ?, ?, ?)`, r.ID, next, mustJSON(c), staffID, now); err != nil {
		return fmt.Errorf("policy: insert version: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE policies SET status = 'published', published_version = ?, published_from = version,
			pub_title = title, pub_category_code = category_code, pub_targets = targets, pub_expires_on = expires_on,
			published_at = ? WHERE id = ?`, next, now, r.ID); err != nil {
		return fmt.Errorf("policy: mark published: %w", err)
	}
	return replaceTerms(ctx, tx, r.ID, Terms(indexText(&c)))
}

func replaceTerms(ctx context.Context, db sqlx.ExtContext, id int64, terms []string) error {
	if _, err := db.ExecContext(ctx, `DELETE FROM policy_terms WHERE policy_id = ?`, id); err != nil {
		return fmt.Errorf("policy: delete terms: %w", err)
	}
	const chunk = 500
	for start := 0; start < len(terms); start += chunk {
		part := terms[start:min(start+chunk, len(terms))]
		args := make([]any, 0, 2*len(part))
		for _, t := range part {
			args = append(args, t, id)
		}
		if _, err := db.ExecContext(ctx, `INSERT INTO policy_terms (term, policy_id) VALUES `+
			strings.TrimSuffix(strings.Repeat("(?, ?), ", len(part)), ", "), args...); err != nil {
			return fmt.Errorf("policy: insert terms: %w", err)
		}
	}
	return nil
}

// itemRow is a line of the public list: the published columns.
type itemRow struct {
	ID          int64        `db:"id"`
	Title       string       `db:"pub_title"`
	Category    string       `db:"pub_category_code"`
	Targets     string       `db:"pub_targets"`
	Summary     string       `db:"summary"`
	ExpiresOn   sql.NullTime `db:"pub_expires_on"`
	PublishedAt time.Time    `db:"published_at"`
}

func (r *itemRow) item() Item {
	return Item{ID: r.ID, Title: r.Title, Category: r.Category, Targets: strings.Split(r.Targets, ","),
		Summary: r.Summary, ExpiresOn: dateOf(r.ExpiresOn), PublishedAt: r.PublishedAt}
}

// The public list's summary is the published version's, read from its JSON.
const itemColumns = `p.id, p.pub_title, p.pub_category_code, p.pub_targets,
	JSON_UNQUOTE(JSON_EXTRACT(v.content, '$.summary')) AS summary, p.pub_expires_on, p.published_at`

const publishedFrom = `policies p JOIN policy_versions v ON v.policy_id = p.id AND v.version = p.published_version`
