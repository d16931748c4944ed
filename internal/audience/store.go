package audience

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// ErrNoPerson: LoadFacts found no person with that id.
var ErrNoPerson = errors.New("audience: no such person")

// factsRow is From's columns that Facts reads.
type factsRow struct {
	ID            uint64         `db:"id"`
	Gender        string         `db:"gender"`
	BirthDate     time.Time      `db:"birth_date"`
	ReturneeID    sql.NullInt64  `db:"returnee_id"`
	Township      sql.NullString `db:"township_code"`
	Village       sql.NullString `db:"village_code"`
	Status        sql.NullString `db:"status"`
	Intention     sql.NullString `db:"intention"`
	Education     sql.NullString `db:"education"`
	HasUSCC       sql.NullBool   `db:"has_uscc"`
	StartedOn     sql.NullTime   `db:"business_started_on"`
	AlumnusID     sql.NullInt64  `db:"alumnus_id"`
	AlumnusStatus sql.NullString `db:"alumnus_status"`
	Grade         sql.NullString `db:"grade_code"`
}

// LoadFacts reads what the catalogue knows of one person: one row of From and their tags.
func LoadFacts(ctx context.Context, db sqlx.QueryerContext, personID uint64) (*Facts, error) {
	var row factsRow
	err := sqlx.GetContext(ctx, db, &row, `
		SELECT p.id, p.gender, p.birth_date,
			r.person_id AS returnee_id, r.township_code, r.village_code, r.status, r.intention,
			r.education, r.uscc IS NOT NULL AS has_uscc, r.business_started_on,
			a.person_id AS alumnus_id, a.status AS alumnus_status, a.grade_code
		FROM `+From+`
		WHERE p.id = ?`, personID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNoPerson
	}
	if err != nil {
		return nil, fmt.Errorf("audience: load person %d: %w", personID, err)
	}
	f := &Facts{
		Person: true, PersonID: row.ID, Gender: row.Gender, BirthDate: row.BirthDate,
		Returnee: row.ReturneeID.Valid, Township: row.Township.String, Village: row.Village.String,
		Status: row.Status.String, Intention: row.Intention.String, Education: row.Education.String,
		HasBusiness: row.HasUSCC.Bool, Alumnus: row.AlumnusID.Valid,
		AlumnusStatus: row.AlumnusStatus.String, Grade: row.Grade.String,
	}
	if row.StartedOn.Valid {
		f.BusinessStartedOn = row.StartedOn.Time
	}
	if !f.Returnee {
		return f, nil
	}
	var tags []struct {
		Kind string `db:"kind"`
		Code string `db:"code"`
	}
	if err := sqlx.SelectContext(ctx, db, &tags,
		`SELECT kind, code FROM returnee_tags WHERE person_id = ? ORDER BY kind, code`, personID); err != nil {
		return nil, fmt.Errorf("audience: load tags of %d: %w", personID, err)
	}
	for _, t := range tags {
		switch t.Kind {
		case "intended_field":
			f.IntendedFields = append(f.IntendedFields, t.Code)
		case "need":
			f.Needs = append(f.Needs, t.Code)
		}
	}
	return f, nil
}

// LoadUserFacts is LoadFacts for the person of mini-program user userID; a user who has
// registered nothing gets Facts with Person false.
func LoadUserFacts(ctx context.Context, db sqlx.QueryerContext, userID int64) (*Facts, error) {
	var id uint64
	err := sqlx.GetContext(ctx, db, &id, `SELECT id FROM persons WHERE user_id = ?`, userID)
	if errors.Is(err, sql.ErrNoRows) {
		return &Facts{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("audience: person of user %d: %w", userID, err)
	}
	return LoadFacts(ctx, db, id)
}

// Count is how many people the rule selects today.
func Count(ctx context.Context, db sqlx.QueryerContext, n *Node, today time.Time) (int, error) {
	where, args := n.SQL(today)
	var count int
	if err := sqlx.GetContext(ctx, db, &count, `SELECT COUNT(*) FROM `+From+` WHERE `+where, args...); err != nil {
		return 0, fmt.Errorf("audience: count: %w", err)
	}
	return count, nil
}

// PersonIDs is the ids of the people the rule selects today, after the id after (0 for the
// start), at most limit of them in id order: the cursor a batched fan-out resumes from.
func PersonIDs(ctx context.Context, db sqlx.QueryerContext, n *Node, today time.Time, after uint64, limit int) ([]uint64, error) {
	where, args := n.SQL(today)
	args = append(args, after, limit)
	var ids []uint64
	if err := sqlx.SelectContext(ctx, db, &ids,
		`SELECT p.id FROM `+From+` WHERE `+where+` AND p.id > ? ORDER BY p.id LIMIT ?`, args...); err != nil {
		return nil, fmt.Errorf("audience: select: %w", err)
	}
	return ids, nil
}

// Member is one person of an audience as a preview shows them (the caller masks the name).
type Member struct {
	PersonID uint64  `db:"id"`
	Name     string  `db:"name"`
	Gender   string  `db:"gender"`
	Age      int     `db:"age"`
	Township *string `db:"township"`
}

// Sample is the first n people (by id) the rule selects today, with their township's name.
func Sample(ctx context.Context, db sqlx.QueryerContext, n *Node, today time.Time, limit int) ([]Member, error) {
	where, args := n.SQL(today)
	args = append([]any{today.Format(time.DateOnly)}, args...)
	args = append(args, limit)
	out := []Member{}
	if err := sqlx.SelectContext(ctx, db, &out, `SELECT p.id, p.name, p.gender,
			TIMESTAMPDIFF(YEAR, p.birth_date, ?) AS age, g.name AS township
		FROM `+From+` LEFT JOIN regions g ON g.code = r.township_code
		WHERE `+where+` ORDER BY p.id LIMIT ?`, args...); err != nil {
		return nil, fmt.Errorf("audience: sample: %w", err)
	}
	return out, nil
}

// Reach is a person of an audience and their mini-program account (0 when they have none).
type Reach struct {
	PersonID uint64 `db:"id"`
	UserID   int64  `db:"user_id"`
}

// Reaches is PersonIDs with each person's account: the batch a fan-out writes.
func Reaches(ctx context.Context, db sqlx.QueryerContext, n *Node, today time.Time, after uint64, limit int) ([]Reach, error) {
	where, args := n.SQL(today)
	args = append(args, after, limit)
	var out []Reach
	if err := sqlx.SelectContext(ctx, db, &out, `SELECT p.id, COALESCE(p.user_id, 0) AS user_id FROM `+From+`
		WHERE `+where+` AND p.id > ? ORDER BY p.id LIMIT ?`, args...); err != nil {
		return nil, fmt.Errorf("audience: reach: %w", err)
	}
	return out, nil
}
