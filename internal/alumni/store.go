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

const schoolColumns = `code, name, active, sort_order, is_demo, created_at, updated_at`

// listSchools lists the schools by sort order; activeOnly leaves out the inactive.
func listSchools(ctx context.Context, db sqlx.QueryerContext, activeOnly bool) ([]School, error) {
	q := `SELECT ` + schoolColumns + ` FROM schools`
	if activeOnly {
		q += ` WHERE active`
	}
	out := []School{}
	if err := sqlx.SelectContext(ctx, db, &out, q+` ORDER BY sort_order, code`); err != nil {
		return nil, fmt.Errorf("alumni: schools: %w", sqldb.Classify(err))
	}
	return out, nil
}

// getSchool reads one school.
func getSchool(ctx context.Context, db sqlx.QueryerContext, code string) (School, error) {
	var sc School
	err := sqlx.GetContext(ctx, db, &sc, `SELECT `+schoolColumns+` FROM schools WHERE code = ?`, code)
	if errors.Is(err, sql.ErrNoRows) {
		return School{}, ErrNotFound
	}
	if err != nil {
		return School{}, fmt.Errorf("alumni: school: %w", sqldb.Classify(err))
	}
	return sc, nil
}

// insertSchool adds a school; a code or name in use is ErrSchoolExists.
func insertSchool(ctx context.Context, db sqlx.ExecerContext, code, name string, active bool, sort int, now time.Time) error {
	_, err := db.ExecContext(ctx, `INSERT INTO schools (code, name, active, sort_order, is_demo, created_at, updated_at)
			VALUES (?, ?, ?, ?, FALSE, ?, ?)`, code, name, active, sort, now, now)
	if err := sqldb.Classify(err); errors.Is(err, sqldb.ErrDuplicate) {
		return ErrSchoolExists
	} else if err != nil {
		return fmt.Errorf("alumni: create school: %w", err)
	}
	return nil
}

// lockSchool locks school code for an update (ErrNotFound when there is none).
func lockSchool(ctx context.Context, tx *sqlx.Tx, code string) error {
	var exists int
	if err := tx.GetContext(ctx, &exists, `SELECT COUNT(*) FROM schools WHERE code = ? FOR UPDATE`, code); err != nil {
		return fmt.Errorf("alumni: school: %w", sqldb.Classify(err))
	}
	if exists == 0 {
		return ErrNotFound
	}
	return nil
}

// updateSchool applies sets ("column = ?", with args) to school code; a name in use is
// ErrSchoolExists.
func updateSchool(ctx context.Context, db sqlx.ExecerContext, code string, sets []string, args []any, now time.Time) error {
	_, err := db.ExecContext(ctx, `UPDATE schools SET `+strings.Join(sets, ", ")+`, updated_at = ? WHERE code = ?`,
		append(args, now, code)...)
	if err := sqldb.Classify(err); errors.Is(err, sqldb.ErrDuplicate) {
		return ErrSchoolExists
	} else if err != nil {
		return fmt.Errorf("alumni: update school: %w", err)
	}
	return nil
}

const eventColumns = `e.id, e.title, e.starts_at, e.ends_at, e.checkin_opens_at, e.checkin_closes_at, e.points_rule,
	r.name AS rule_name, r.points AS rule_points, e.token, e.created_by, e.created_at, e.capacity, e.signups, e.checkin_code,
	e.kind, e.training_minutes,
	(SELECT COUNT(*) FROM event_checkins c WHERE c.event_id = e.id) AS checkin_count`

const eventFrom = ` FROM events e JOIN points_rules r ON r.code = e.points_rule`

// insertEvent adds an event and returns its id.
func insertEvent(ctx context.Context, db sqlx.ExecerContext, title, kind string, trainingMinutes int, starts, ends, opens, closes time.Time,
	rule, token, code string, capacity *int, createdBy int64, now time.Time) (int64, error) {
	res, err := db.ExecContext(ctx, `INSERT INTO events (title, kind, training_minutes, starts_at, ends_at, checkin_opens_at, checkin_closes_at,
			points_rule, token, checkin_code, capacity, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		title, kind, trainingMinutes, starts, ends, opens, closes, rule, token, code, capacity, createdBy, now)
	if err != nil {
		return 0, fmt.Errorf("alumni: create event: %w", sqldb.Classify(err))
	}
	return res.LastInsertId()
}

// getEvent reads one event with its rule and check-in count.
func getEvent(ctx context.Context, db sqlx.QueryerContext, id int64) (Event, error) {
	var e Event
	err := sqlx.GetContext(ctx, db, &e, `SELECT `+eventColumns+eventFrom+` WHERE e.id = ?`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return Event{}, ErrEventNotFound
	}
	if err != nil {
		return Event{}, fmt.Errorf("alumni: event: %w", sqldb.Classify(err))
	}
	return e, nil
}

// listEvents reads the latest 200 events, latest start first.
func listEvents(ctx context.Context, db sqlx.QueryerContext) ([]Event, error) {
	out := []Event{}
	if err := sqlx.SelectContext(ctx, db, &out, `SELECT `+eventColumns+eventFrom+` ORDER BY e.starts_at DESC, e.id DESC LIMIT 200`); err != nil {
		return nil, fmt.Errorf("alumni: events: %w", sqldb.Classify(err))
	}
	return out, nil
}

// registeredPerson is the caller's person when they registered as a returnee or an alumnus.
func registeredPerson(ctx context.Context, db sqlx.QueryerContext, userID int64) (int64, error) {
	var id int64
	err := sqlx.GetContext(ctx, db, &id, `SELECT p.id FROM persons p WHERE p.user_id = ?
		AND (EXISTS (SELECT 1 FROM returnees r WHERE r.person_id = p.id) OR EXISTS (SELECT 1 FROM alumni a WHERE a.person_id = p.id))`, userID)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, ErrNoPerson
	}
	if err != nil {
		return 0, fmt.Errorf("alumni: person: %w", sqldb.Classify(err))
	}
	return id, nil
}

// insertCheckIn records a check-in; the PRIMARY KEY (event, person) makes a second one
// sqldb.ErrDuplicate.
func insertCheckIn(ctx context.Context, db sqlx.ExecerContext, eventID, personID int64, now time.Time) error {
	_, err := db.ExecContext(ctx, `INSERT INTO event_checkins (event_id, person_id, checked_in_at) VALUES (?, ?, ?)`, eventID, personID, now)
	if err != nil {
		return fmt.Errorf("alumni: check in: %w", sqldb.Classify(err))
	}
	return nil
}

// takeBackCheckIn deletes a check-in whose points were not granted.
func takeBackCheckIn(ctx context.Context, db sqlx.ExecerContext, eventID, personID int64) error {
	_, err := db.ExecContext(ctx, `DELETE FROM event_checkins
			WHERE event_id = ? AND person_id = ? AND points_granted_at IS NULL`, eventID, personID)
	return err
}

// markGranted records that a check-in's points were granted.
func markGranted(ctx context.Context, db sqlx.ExecerContext, eventID, personID int64, now time.Time) error {
	_, err := db.ExecContext(ctx, `UPDATE event_checkins SET points_granted_at = ? WHERE event_id = ? AND person_id = ? AND points_granted_at IS NULL`,
		now, eventID, personID)
	return err
}

// checkInRow is an event_checkins row.
type checkInRow struct {
	CheckedInAt time.Time    `db:"checked_in_at"`
	GrantedAt   sql.NullTime `db:"points_granted_at"`
}

// getCheckIn reads a check-in (sql.ErrNoRows when there is none).
func getCheckIn(ctx context.Context, db sqlx.QueryerContext, eventID, personID int64) (checkInRow, error) {
	var c checkInRow
	err := sqlx.GetContext(ctx, db, &c, `SELECT checked_in_at, points_granted_at FROM event_checkins WHERE event_id = ? AND person_id = ?`, eventID, personID)
	return c, err
}
