package alumni

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"huixiang/internal/sqldb"
)

// This file is the alumni registry's SQL: every statement on alumni, alumni_offers and
// alumni_grades, on a sqlx.ExtContext so that it runs in or out of a transaction. Helpers that
// lock (FOR UPDATE) take a *sqlx.Tx: a row lock outside a transaction would end at once.

// row is an alumni row.
type row struct {
	PersonID         int64         `db:"person_id"`
	SchoolCode       string        `db:"school_code"`
	EntryYear        int           `db:"entry_year"`
	GraduationYear   *int          `db:"graduation_year"`
	CurrentCity      string        `db:"current_city"`
	Organization     string        `db:"organization"`
	Industry         string        `db:"industry"`
	Title            string        `db:"title"`
	Expertise        string        `db:"expertise"`
	DirectoryConsent bool          `db:"directory_consent"`
	Status           string        `db:"status"`
	GradeCode        *string       `db:"grade_code"`
	ContentReview    string        `db:"content_review"`
	Source           string        `db:"source"`
	ReviewedBy       *int64        `db:"reviewed_by"`
	ReviewedAt       *time.Time    `db:"reviewed_at"`
	ReviewComment    string        `db:"review_comment"`
	CreatedAt        time.Time     `db:"created_at"`
	UpdatedAt        time.Time     `db:"updated_at"`
	Version          int           `db:"version"`
	Name             string        `db:"name"`
	IDCardEnc        []byte        `db:"id_card_enc"`
	PhoneEnc         []byte        `db:"phone_enc"`
	UserID           sql.NullInt64 `db:"user_id"`
	SchoolName       *string       `db:"school_name"`
	GradeName        *string       `db:"grade_name"`
}

const alumniColumns = `a.person_id, a.school_code, a.entry_year, a.graduation_year, a.current_city, a.organization, a.industry,
	a.title, a.expertise, a.directory_consent, a.status, a.grade_code, a.content_review, a.source, a.reviewed_by, a.reviewed_at,
	a.review_comment, a.created_at, a.updated_at, a.version`

const rowColumns = `a.person_id, a.school_code, a.entry_year, a.graduation_year, a.current_city, a.organization, a.industry,
	a.title, a.expertise, a.directory_consent, a.status, a.grade_code, a.content_review, a.source, a.reviewed_by, a.reviewed_at,
	a.review_comment, a.created_at, a.updated_at, a.version, p.name, p.id_card_enc, p.phone_enc, p.user_id,
	s.name AS school_name, g.name AS grade_name`

const rowFrom = ` FROM alumni a JOIN persons p ON p.id = a.person_id
	LEFT JOIN schools s ON s.code = a.school_code LEFT JOIN alumni_grades g ON g.code = a.grade_code`

// lockRow locks the person's alumni row (only it: no joined rows); ok is false when there is none.
// The person's name and the school and grade names are left empty.
func lockRow(ctx context.Context, tx *sqlx.Tx, personID int64) (row, bool, error) {
	var r row
	err := tx.GetContext(ctx, &r, `SELECT `+alumniColumns+` FROM alumni a WHERE a.person_id = ? FOR UPDATE`, personID)
	if errors.Is(err, sql.ErrNoRows) {
		return row{}, false, nil
	}
	if err != nil {
		return row{}, false, fmt.Errorf("alumni: lock: %w", sqldb.Classify(err))
	}
	return r, true, nil
}

func offersOf(ctx context.Context, db sqlx.QueryerContext, ids []int64) (map[int64][]string, error) {
	out := map[int64][]string{}
	if len(ids) == 0 {
		return out, nil
	}
	q, args, err := sqlx.In(`SELECT person_id, code FROM alumni_offers WHERE person_id IN (?) ORDER BY person_id, code`, ids)
	if err != nil {
		return nil, err
	}
	var rows []struct {
		PersonID int64  `db:"person_id"`
		Code     string `db:"code"`
	}
	if err := sqlx.SelectContext(ctx, db, &rows, q, args...); err != nil {
		return nil, fmt.Errorf("alumni: offers: %w", err)
	}
	for _, r := range rows {
		out[r.PersonID] = append(out[r.PersonID], r.Code)
	}
	return out, nil
}

// getRow reads one alumnus with their person's name and the school and grade names.
func getRow(ctx context.Context, db sqlx.QueryerContext, personID int64) (row, error) {
	var r row
	err := sqlx.GetContext(ctx, db, &r, `SELECT `+rowColumns+rowFrom+` WHERE a.person_id = ?`, personID)
	if errors.Is(err, sql.ErrNoRows) {
		return row{}, ErrNotFound
	}
	if err != nil {
		return row{}, fmt.Errorf("alumni: get: %w", sqldb.Classify(err))
	}
	return r, nil
}

// listRows reads one page of the alumni matching where (conditions on a.*) and their count.
func listRows(ctx context.Context, db sqlx.QueryerContext, where string, args []any, page sqldb.PageRequest) ([]row, int, error) {
	w := " WHERE " + where
	var total int
	if err := sqlx.GetContext(ctx, db, &total, `SELECT COUNT(*) FROM alumni a`+w, args...); err != nil {
		return nil, 0, fmt.Errorf("alumni: count: %w", sqldb.Classify(err))
	}
	var rows []row
	err := sqlx.SelectContext(ctx, db, &rows, `SELECT `+rowColumns+rowFrom+w+` ORDER BY a.updated_at DESC, a.person_id DESC LIMIT ? OFFSET ?`,
		append(args, page.Limit(), page.Offset())...)
	if err != nil {
		return nil, 0, fmt.Errorf("alumni: list: %w", sqldb.Classify(err))
	}
	return rows, total, nil
}

// insertRow inserts person's alumni row of p, at version 1.
func insertRow(ctx context.Context, db sqlx.ExecerContext, personID int64, p profile, status, review, source string,
	reviewer *int64, reviewedAt *time.Time, comment string, now time.Time) error {
	_, err := db.ExecContext(ctx, `INSERT INTO alumni (person_id, school_code, entry_year, graduation_year, current_city, organization,
			industry, title, expertise, directory_consent, status, content_review, source, reviewed_by, reviewed_at, review_comment,
			created_at, updated_at, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)`,
		personID, p.SchoolCode, p.EntryYear, p.GraduationYear, p.CurrentCity, p.Organization, p.Industry, p.Title,
		p.Expertise, p.DirectoryConsent, status, review, source, reviewer, reviewedAt, comment, now, now)
	if err != nil {
		return fmt.Errorf("alumni: insert: %w", sqldb.Classify(err))
	}
	return nil
}

// updateRow writes p over person's alumni row and bumps its version; rereview also clears the
// review (the record goes back to pending).
func updateRow(ctx context.Context, db sqlx.ExecerContext, personID int64, p profile, status, review string, rereview bool, now time.Time) error {
	sets := ""
	if rereview {
		sets = "reviewed_by = NULL, reviewed_at = NULL, review_comment = '', "
	}
	_, err := db.ExecContext(ctx, `UPDATE alumni SET school_code = ?, entry_year = ?, graduation_year = ?, current_city = ?,
		organization = ?, industry = ?, title = ?, expertise = ?, directory_consent = ?, status = ?, content_review = ?, `+sets+`
		updated_at = ?, version = version + 1 WHERE person_id = ?`,
		p.SchoolCode, p.EntryYear, p.GraduationYear, p.CurrentCity, p.Organization, p.Industry, p.Title, p.Expertise,
		p.DirectoryConsent, status, review, now, personID)
	if err != nil {
		return fmt.Errorf("alumni: update: %w", sqldb.Classify(err))
	}
	return nil
}

func writeOffers(ctx context.Context, tx sqlx.ExecerContext, personID int64, offers []string, replace bool) error {
	if replace {
		if _, err := tx.ExecContext(ctx, `DELETE FROM alumni_offers WHERE person_id = ?`, personID); err != nil {
			return fmt.Errorf("alumni: offers: %w", err)
		}
	}
	if len(offers) == 0 {
		return nil
	}
	args := make([]any, 0, 2*len(offers))
	for _, o := range offers {
		args = append(args, personID, o)
	}
	q := `INSERT INTO alumni_offers (person_id, code) VALUES ` + strings.TrimSuffix(strings.Repeat("(?, ?), ", len(offers)), ", ")
	if _, err := tx.ExecContext(ctx, q, args...); err != nil {
		return fmt.Errorf("alumni: offers: %w", sqldb.Classify(err))
	}
	return nil
}

// lockForDecision locks the record and checks the version the staff member read.
func lockForDecision(ctx context.Context, tx *sqlx.Tx, personID int64, version int) (row, error) {
	r, ok, err := lockRow(ctx, tx, personID)
	if err != nil {
		return row{}, err
	}
	if !ok {
		return row{}, ErrNotFound
	}
	if r.Version != version {
		return row{}, ErrStaleVersion
	}
	return r, nil
}

// decided is the conditional update of a decision: 0 rows means someone else got there first.
func decided(res sql.Result, err error) error {
	if err != nil {
		return fmt.Errorf("alumni: decide: %w", sqldb.Classify(err))
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return ErrStaleVersion
	}
	return nil
}

// decide records a review decision on a pending record at version (ErrStaleVersion otherwise).
func decide(ctx context.Context, db sqlx.ExecerContext, personID int64, version int, status string, reviewer int64, comment string, now time.Time) error {
	return decided(db.ExecContext(ctx, `UPDATE alumni SET status = ?, reviewed_by = ?, reviewed_at = ?, review_comment = ?,
			updated_at = ?, version = version + 1 WHERE person_id = ? AND version = ? AND status = 'pending'`,
		status, reviewer, now, comment, now, personID, version))
}

// setGrade sets the grade of an approved record at version (ErrStaleVersion otherwise).
func setGrade(ctx context.Context, db sqlx.ExecerContext, personID int64, version int, code string, now time.Time) error {
	return decided(db.ExecContext(ctx, `UPDATE alumni SET grade_code = ?, updated_at = ?, version = version + 1
			WHERE person_id = ? AND version = ? AND status = 'approved'`, code, now, personID, version))
}

// gradeExists reports whether code is an alumni grade.
func gradeExists(ctx context.Context, db sqlx.QueryerContext, code string) (bool, error) {
	var n int
	if err := sqlx.GetContext(ctx, db, &n, `SELECT COUNT(*) FROM alumni_grades WHERE code = ?`, code); err != nil {
		return false, fmt.Errorf("alumni: grade: %w", sqldb.Classify(err))
	}
	return n > 0, nil
}

// grades lists the alumni grades.
func grades(ctx context.Context, db sqlx.QueryerContext) ([]Grade, error) {
	out := []Grade{}
	if err := sqlx.SelectContext(ctx, db, &out, `SELECT code, name, sort_order FROM alumni_grades ORDER BY sort_order, code`); err != nil {
		return nil, fmt.Errorf("alumni: grades: %w", sqldb.Classify(err))
	}
	return out, nil
}
