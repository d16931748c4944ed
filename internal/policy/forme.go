package policy

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"huixiang/internal/audience"
	"huixiang/internal/cn"
	"huixiang/internal/sqldb"
)

// ForMe is a published policy as one person reads it: each condition answered for them
// (met, unmet, or unknown: 待补充信息), and whether it is in their favourites.
type ForMe struct {
	Published
	Conditions []audience.Condition `json:"conditions"`
	Fits       string               `json:"fits"` // "yes", "no", "unknown" (the whole rule), "" without a rule
	Favourite  bool                 `json:"favorite"`
}

func today(now time.Time) time.Time {
	y, m, d := now.In(cn.Zone).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// PublishedFor is policy id as user userID reads it.
func (s *Service) PublishedFor(ctx context.Context, userID, id int64) (*ForMe, error) {
	p, err := s.Published(ctx, id)
	if err != nil {
		return nil, err
	}
	out := &ForMe{Published: *p, Conditions: []audience.Condition{}}
	if err := sqlx.GetContext(ctx, s.db, &out.Favourite, `SELECT EXISTS (SELECT 1 FROM policy_favourites
		WHERE user_id = ? AND policy_id = ?)`, userID, id); err != nil {
		return nil, fmt.Errorf("policy: favourite of %d: %w", userID, err)
	}
	if len(p.Rule) == 0 {
		return out, nil
	}
	rule, err := audience.Parse(p.Rule)
	if err != nil {
		return nil, fmt.Errorf("policy: published rule of %d: %w", id, err) // checked when saved
	}
	facts, err := audience.LoadUserFacts(ctx, s.db, userID)
	if err != nil {
		return nil, err
	}
	day := today(s.now())
	var words audience.Labels
	if s.Words != nil {
		words = s.Words(ctx)
	}
	out.Conditions = rule.ExplainWith(facts, day, words)
	out.Fits = [...]string{"no", "yes", "unknown"}[rule.Eval(facts, day)]
	return out, nil
}

// FitIDs are the published policies that fit user userID: those whose rule is true for them,
// and those without a rule written for a kind of person they are (returnee, alumnus). The
// newest first.
func (s *Service) FitIDs(ctx context.Context, userID int64) ([]int64, error) {
	var rows []struct {
		ID      int64  `db:"id"`
		Targets string `db:"pub_targets"`
		Rule    []byte `db:"rule"`
	}
	if err := sqlx.SelectContext(ctx, s.db, &rows, `SELECT p.id, p.pub_targets, JSON_EXTRACT(v.content, '$.rule') AS rule
		FROM `+publishedFrom+` WHERE p.status = 'published' ORDER BY p.published_at DESC, p.id DESC`); err != nil {
		return nil, fmt.Errorf("policy: rules: %w", err)
	}
	facts, err := audience.LoadUserFacts(ctx, s.db, userID)
	if err != nil {
		return nil, err
	}
	var roles []string
	if facts.Returnee {
		roles = append(roles, "returnee")
	}
	if facts.Alumnus {
		roles = append(roles, "alumnus")
	}
	day := today(s.now())
	ids := []int64{}
	for _, r := range rows {
		if len(r.Rule) == 0 || string(r.Rule) == "null" {
			if slices.ContainsFunc(strings.Split(r.Targets, ","), func(t string) bool { return slices.Contains(roles, t) }) {
				ids = append(ids, r.ID)
			}
			continue
		}
		rule, err := audience.Parse(json.RawMessage(r.Rule))
		if err != nil {
			return nil, fmt.Errorf("policy: published rule of %d: %w", r.ID, err)
		}
		if rule.Eval(facts, day) == audience.True {
			ids = append(ids, r.ID)
		}
	}
	return ids, nil
}

// Library is the list people browse: Search, narrowed to the policies that fit the user when
// forMe is set.
func (s *Service) Library(ctx context.Context, userID int64, q Query, forMe bool, page sqldb.PageRequest) (sqldb.Page[Item], error) {
	if forMe {
		ids, err := s.FitIDs(ctx, userID)
		if err != nil {
			return sqldb.Page[Item]{}, err
		}
		q.IDs = ids
	}
	return s.Search(ctx, q, page)
}
