package consultation

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"slices"

	"github.com/jmoiron/sqlx"

	"huixiang/internal/sqldb"
)

// MentorStats are one mentor's consultations: how many were assigned to them, how many they
// answered, the median minutes from the (last) assignment to the first reply, and the average
// stars of the rated ones.
type MentorStats struct {
	MentorID           int64    `json:"mentor_id"`
	MentorName         string   `json:"mentor_name"`
	Count              int      `json:"count"`
	Answered           int      `json:"answered"`
	Open               int      `json:"open"`
	Overdue            int      `json:"overdue"`
	MedianReplyMinutes *float64 `json:"median_first_reply_minutes"`
	Rated              int      `json:"rated"`
	AverageStars       *float64 `json:"average_stars"`
}

// Stats is the per-mentor statistics of every mentor who has had a consultation, by mentor id.
func (s *Service) Stats(ctx context.Context) ([]MentorStats, error) {
	now := s.clock()
	var rows []struct {
		MentorID     int64         `db:"mentor_id"`
		Name         string        `db:"name"`
		Status       string        `db:"status"`
		ReplySeconds sql.NullInt64 `db:"reply_seconds"`
		Stars        sql.NullInt64 `db:"stars"`
		Overdue      bool          `db:"overdue"`
	}
	if err := sqlx.SelectContext(ctx, s.db, &rows, `SELECT c.mentor_id, p.name, c.status,
			TIMESTAMPDIFF(SECOND, c.assigned_at, c.first_reply_at) AS reply_seconds, c.stars, `+overdueSQL+` AS overdue
		FROM consultations c JOIN mentors m ON m.id = c.mentor_id JOIN persons p ON p.id = m.person_id
		ORDER BY c.mentor_id`, now); err != nil {
		return nil, fmt.Errorf("consultation: stats: %w", sqldb.Classify(err))
	}
	var out []MentorStats
	var replies []float64
	var stars int
	flush := func() {
		if len(out) == 0 {
			return
		}
		st := &out[len(out)-1]
		if len(replies) > 0 {
			m := median(replies)
			st.MedianReplyMinutes = &m
		}
		if st.Rated > 0 {
			a := math.Round(float64(stars)/float64(st.Rated)*100) / 100
			st.AverageStars = &a
		}
		replies, stars = nil, 0
	}
	for _, r := range rows {
		if len(out) == 0 || out[len(out)-1].MentorID != r.MentorID {
			flush()
			out = append(out, MentorStats{MentorID: r.MentorID, MentorName: r.Name})
		}
		st := &out[len(out)-1]
		st.Count++
		if r.Status != StatusClosed {
			st.Open++
		}
		if r.Overdue {
			st.Overdue++
		}
		if r.ReplySeconds.Valid {
			st.Answered++
			replies = append(replies, float64(r.ReplySeconds.Int64)/60)
		}
		if r.Stars.Valid {
			st.Rated++
			stars += int(r.Stars.Int64)
		}
	}
	flush()
	if out == nil {
		out = []MentorStats{}
	}
	return out, nil
}

// median of xs (not empty), rounded to a tenth of a minute.
func median(xs []float64) float64 {
	slices.Sort(xs)
	n := len(xs)
	m := xs[n/2]
	if n%2 == 0 {
		m = (xs[n/2-1] + xs[n/2]) / 2
	}
	return math.Round(m*10) / 10
}
