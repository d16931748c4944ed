package alumni

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"huixiang/internal/sqldb"
)

// This file holds what the staff console needs beyond the JSON API: the alumni list searched by
// name, and the people who checked in to an event.

// SearchFilter is Filter with a search on the person's name (part of it).
type SearchFilter struct {
	Filter
	Name string
}

// likeEscaper escapes LIKE's wildcards in a user's search text.
var likeEscaper = strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`)

// Search pages alumni (masked), most recently changed first, by status, school, grade and a part
// of the name.
func (s *Service) Search(ctx context.Context, f SearchFilter) (Page, error) {
	where, args := []string{"1 = 1"}, []any{}
	if f.Status != "" {
		where, args = append(where, "a.status = ?"), append(args, f.Status)
	}
	if f.School != "" {
		where, args = append(where, "a.school_code = ?"), append(args, f.School)
	}
	if f.Grade != "" {
		where, args = append(where, "a.grade_code = ?"), append(args, f.Grade)
	}
	if name := clean(f.Name); name != "" {
		where = append(where, "a.person_id IN (SELECT p2.id FROM persons p2 WHERE p2.name LIKE ?)")
		args = append(args, "%"+likeEscaper.Replace(name)+"%")
	}
	rows, total, err := listRows(ctx, s.db, strings.Join(where, " AND "), args, f.PageRequest)
	if err != nil {
		return Page{}, err
	}
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.PersonID
	}
	offers, err := offersOf(ctx, s.db, ids)
	if err != nil {
		return Page{}, err
	}
	items := make([]Record, 0, len(rows))
	for _, r := range rows {
		rec, err := s.record(r, offers[r.PersonID])
		if err != nil {
			return Page{}, err
		}
		items = append(items, rec)
	}
	return sqldb.NewPage(f.PageRequest, items, total), nil
}

// Attendee is a person who checked in to an event: the name, and the school and review status
// when the person is an alumnus (both "" for a returnee who is no alumnus).
type Attendee struct {
	PersonID      int64      `db:"person_id" json:"person_id"`
	Name          string     `db:"name" json:"name"`
	SchoolName    string     `db:"school_name" json:"school_name"`
	AlumnusStatus string     `db:"alumnus_status" json:"alumnus_status"`
	CheckedInAt   time.Time  `db:"checked_in_at" json:"checked_in_at"`
	PointsGranted *time.Time `db:"points_granted_at" json:"points_granted_at"`
}

// MaxAttendees bounds the check-in list of one event.
const MaxAttendees = 2000

// Attendees lists who checked in to event id, latest first (up to MaxAttendees).
func (s *Service) Attendees(ctx context.Context, id int64) ([]Attendee, error) {
	if _, err := getEvent(ctx, s.db, id); err != nil {
		return nil, err
	}
	out := []Attendee{}
	err := sqlx.SelectContext(ctx, s.db, &out, `SELECT c.person_id, p.name, COALESCE(sc.name, '') AS school_name, COALESCE(a.status, '') AS alumnus_status,
			c.checked_in_at, c.points_granted_at
		FROM event_checkins c JOIN persons p ON p.id = c.person_id
		LEFT JOIN alumni a ON a.person_id = c.person_id LEFT JOIN schools sc ON sc.code = a.school_code
		WHERE c.event_id = ? ORDER BY c.checked_in_at DESC, c.person_id DESC LIMIT ?`, id, MaxAttendees)
	if err != nil {
		return nil, fmt.Errorf("alumni: attendees: %w", sqldb.Classify(err))
	}
	return out, nil
}
