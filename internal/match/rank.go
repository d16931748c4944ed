package match

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"huixiang/internal/actor"
	"huixiang/internal/person"
	"huixiang/internal/project"
)

// DefaultLimit and MaxLimit bound a ranked list.
const (
	DefaultLimit = 50
	MaxLimit     = 200
)

func normLimit(limit int) int {
	switch {
	case limit <= 0:
		return DefaultLimit
	case limit > MaxLimit:
		return MaxLimit
	}
	return limit
}

// record is a project_matches row.
type record struct {
	ID         int64     `db:"id"`
	ProjectID  int64     `db:"project_id"`
	MerchantID int64     `db:"merchant_id"`
	Status     string    `db:"status"`
	Note       string    `db:"note"`
	Version    int       `db:"version"`
	UpdatedAt  time.Time `db:"updated_at"`
}

// Track is where staff are with a pair: the status (推荐 when nobody moved it yet), the last
// note, the version to send with the next move, and when the merchant said 感兴趣.
type Track struct {
	Status       string     `json:"status"`
	StatusName   string     `json:"status_name"`
	Note         string     `json:"note"`
	Version      int        `json:"version"`
	UpdatedAt    *time.Time `json:"updated_at"`
	InterestedAt *time.Time `json:"interested_at"`
}

func track(r *record, interested *time.Time) Track {
	t := Track{Status: Recommended, StatusName: StatusNames[Recommended], InterestedAt: beijing(interested)}
	if r != nil {
		t.Status, t.StatusName, t.Note, t.Version = r.Status, StatusNames[r.Status], r.Note, r.Version
		t.UpdatedAt = beijing(&r.UpdatedAt)
	}
	return t
}

// tracks reads the records and interests of the pairs with project (merchant 0) or merchant
// (project 0), keyed by the other side's id.
func (s *Service) tracks(ctx context.Context, projectID, merchantID int64) (map[int64]*record, map[int64]*time.Time, error) {
	col, other, id := "project_id", "merchant_id", projectID
	if projectID == 0 {
		col, other, id = "merchant_id", "project_id", merchantID
	}
	var recs []record
	if err := s.db.SelectContext(ctx, &recs, `SELECT id, project_id, merchant_id, status, note, version, updated_at
		FROM project_matches WHERE `+col+` = ?`, id); err != nil {
		return nil, nil, fmt.Errorf("match: records: %w", err)
	}
	byID := map[int64]*record{}
	for i := range recs {
		key := recs[i].MerchantID
		if other == "project_id" {
			key = recs[i].ProjectID
		}
		byID[key] = &recs[i]
	}
	var ints []struct {
		Other int64     `db:"other"`
		At    time.Time `db:"created_at"`
	}
	if err := s.db.SelectContext(ctx, &ints, `SELECT `+other+` AS other, created_at FROM project_interests WHERE `+col+` = ?`, id); err != nil {
		return nil, nil, fmt.Errorf("match: interests: %w", err)
	}
	at := map[int64]*time.Time{}
	for i := range ints {
		at[ints[i].Other] = &ints[i].At
	}
	return byID, at, nil
}

// MerchantItem is a merchant ranked for a project, contact masked.
type MerchantItem struct {
	MerchantID   int64    `json:"merchant_id"`
	Name         string   `json:"name"`
	Phone        string   `json:"phone"`
	TownshipName string   `json:"township_name"`
	IndustryName string   `json:"industry_name"`
	AmountBand   string   `json:"amount_band"`
	Score        int      `json:"score"`
	Reasons      []string `json:"reasons"`
	Parts        Parts    `json:"parts"`
	Track
}

// ProjectSummary is the project of a ranked list.
type ProjectSummary struct {
	ID                int64  `json:"id"`
	Name              string `json:"name"`
	IndustryCode      string `json:"industry_code"`
	Industry          string `json:"industry"`
	TownshipCode      string `json:"township_code"`
	Township          string `json:"township"`
	ChainName         string `json:"chain_name"`
	ChainLink         string `json:"chain_link"`
	InvestmentFen     int64  `json:"investment_fen"`
	ContactDepartment string `json:"contact_department"`
	Description       string `json:"description"`
	Status            string `json:"status"`
	StatusName        string `json:"status_name"`
}

func summary(p *projectRow) ProjectSummary {
	return ProjectSummary{ID: p.ID, Name: p.Name, IndustryCode: p.Industry, Industry: p.IndustryName, TownshipCode: p.Township,
		Township: p.TownshipName, ChainName: p.ChainName, ChainLink: p.ChainLink, InvestmentFen: p.InvestmentFen,
		ContactDepartment: p.ContactDepartment, Description: p.Description, Status: p.Status, StatusName: project.StatusNames[p.Status]}
}

// ProjectMatches are the merchants ranked for a project.
type ProjectMatches struct {
	Project ProjectSummary `json:"project"`
	// Semantic: the embeddings re-ranked the list.
	Semantic bool           `json:"semantic"`
	Items    []MerchantItem `json:"items"`
}

func (s *Service) visibleProject(ctx context.Context, a actor.Actor, n Names, id int64) (*projectRow, error) {
	ps, err := s.loadProjects(ctx, n, `p.id = ?`, id)
	if err != nil {
		return nil, err
	}
	if len(ps) == 0 || !a.SeesTownship(ps[0].Township) {
		return nil, ErrNotFound
	}
	return &ps[0], nil
}

// ForProject ranks the merchants the actor sees (township staff: their township's) for project
// id: the first limit, and after them every merchant staff moved or who said 感兴趣.
func (s *Service) ForProject(ctx context.Context, a actor.Actor, id int64, limit int) (ProjectMatches, error) {
	if !a.IsStaff() {
		return ProjectMatches{}, ErrForbidden
	}
	n, form, err := s.names(ctx)
	if err != nil {
		return ProjectMatches{}, err
	}
	p, err := s.visibleProject(ctx, a, n, id)
	if err != nil {
		return ProjectMatches{}, err
	}
	cond, args := "TRUE", []any{}
	if town := a.ScopeTownship(); town != "" {
		cond, args = "m.township_code = ?", append(args, town)
	}
	ms, err := s.loadMerchants(ctx, n, form, cond, args...)
	if err != nil {
		return ProjectMatches{}, err
	}
	recs, ints, err := s.tracks(ctx, id, 0)
	if err != nil {
		return ProjectMatches{}, err
	}
	pairs, semantic := s.score(ctx, n, ms, []projectRow{*p})
	sortPairs(pairs, func(x pair) int64 { return x.m.ID })
	out := ProjectMatches{Project: summary(p), Semantic: semantic, Items: []MerchantItem{}}
	limit = normLimit(limit)
	for i, x := range pairs {
		rec, at := recs[x.m.ID], ints[x.m.ID]
		if i >= limit && rec == nil && at == nil {
			continue
		}
		item := MerchantItem{MerchantID: x.m.ID, Name: x.m.Name, TownshipName: x.m.TownshipName, IndustryName: x.m.IndustryName,
			AmountBand: x.m.AmountBand, Score: x.Score, Reasons: x.Reasons, Parts: x.Parts, Track: track(rec, at)}
		if s.persons != nil {
			masked, err := s.persons.Masked(x.m.personRow)
			if err != nil {
				return ProjectMatches{}, err
			}
			item.Phone = masked.Phone
		}
		out.Items = append(out.Items, item)
	}
	return out, nil
}

// ProjectItem is a project ranked for a merchant.
type ProjectItem struct {
	Project ProjectSummary `json:"project"`
	Score   int            `json:"score"`
	Reasons []string       `json:"reasons"`
	Parts   Parts          `json:"parts"`
	Track
}

// MerchantMatches are the projects ranked for a merchant.
type MerchantMatches struct {
	MerchantID int64         `json:"merchant_id"`
	Name       string        `json:"name"`
	Semantic   bool          `json:"semantic"`
	Items      []ProjectItem `json:"items"`
}

// ForMerchant ranks the projects still open (not terminated; township staff: their township's)
// for merchant id (a merchant the actor does not see is ErrNotFound).
func (s *Service) ForMerchant(ctx context.Context, a actor.Actor, id int64, limit int) (MerchantMatches, error) {
	if !a.IsStaff() {
		return MerchantMatches{}, ErrForbidden
	}
	n, form, err := s.names(ctx)
	if err != nil {
		return MerchantMatches{}, err
	}
	ms, err := s.loadMerchants(ctx, n, form, `m.person_id = ?`, id)
	if err != nil {
		return MerchantMatches{}, err
	}
	if len(ms) == 0 || !a.SeesTownship(ms[0].Township) {
		return MerchantMatches{}, ErrNotFound
	}
	cond, args := `p.status NOT IN ('terminated', 'producing')`, []any{}
	if town := a.ScopeTownship(); town != "" {
		cond, args = cond+` AND p.township_code = ?`, append(args, town)
	}
	ps, err := s.loadProjects(ctx, n, cond, args...)
	if err != nil {
		return MerchantMatches{}, err
	}
	recs, ints, err := s.tracks(ctx, 0, id)
	if err != nil {
		return MerchantMatches{}, err
	}
	pairs, semantic := s.score(ctx, n, ms, ps)
	sortPairs(pairs, func(x pair) int64 { return x.p.ID })
	out := MerchantMatches{MerchantID: id, Name: ms[0].Name, Semantic: semantic, Items: []ProjectItem{}}
	limit = normLimit(limit)
	for i, x := range pairs {
		rec, at := recs[x.p.ID], ints[x.p.ID]
		if i >= limit && rec == nil && at == nil {
			continue
		}
		out.Items = append(out.Items, ProjectItem{Project: summary(x.p), Score: x.Score, Reasons: x.Reasons, Parts: x.Parts,
			Track: track(rec, at)})
	}
	return out, nil
}

// MyItem is a published project recommended to the signed-in merchant (为您推荐).
type MyItem struct {
	Project    ProjectSummary `json:"project"`
	Score      int            `json:"score"`
	Reasons    []string       `json:"reasons"`
	Interested bool           `json:"interested"`
}

// MyMatches is GET /api/v1/me/matches.
type MyMatches struct {
	Items []MyItem `json:"items"`
}

// merchantOf is the merchant (person id) of user, or ErrNotMerchant.
func (s *Service) merchantOf(ctx context.Context, q sqlx.QueryerContext, userID int64) (int64, error) {
	pr, err := person.ByUser(ctx, q, userID)
	if errors.Is(err, person.ErrNotFound) {
		return 0, ErrNotMerchant
	}
	if err != nil {
		return 0, err
	}
	var id int64
	err = sqlx.GetContext(ctx, q, &id, `SELECT person_id FROM merchants WHERE person_id = ?`, pr.ID)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, ErrNotMerchant
	}
	if err != nil {
		return 0, fmt.Errorf("match: merchant of user: %w", err)
	}
	return id, nil
}

// Mine ranks the published projects for the signed-in user's merchant record, the best first
// (ErrNotMerchant without one). Staff notes and statuses are not shown.
func (s *Service) Mine(ctx context.Context, userID int64, limit int) (MyMatches, error) {
	id, err := s.merchantOf(ctx, s.db, userID)
	if err != nil {
		return MyMatches{}, err
	}
	n, form, err := s.names(ctx)
	if err != nil {
		return MyMatches{}, err
	}
	ms, err := s.loadMerchants(ctx, n, form, `m.person_id = ?`, id)
	if err != nil {
		return MyMatches{}, err
	}
	if len(ms) == 0 { // closed
		return MyMatches{Items: []MyItem{}}, nil
	}
	ps, err := s.loadProjects(ctx, n, `p.published = TRUE`)
	if err != nil {
		return MyMatches{}, err
	}
	_, ints, err := s.tracks(ctx, 0, id)
	if err != nil {
		return MyMatches{}, err
	}
	pairs, _ := s.score(ctx, n, ms, ps)
	sortPairs(pairs, func(x pair) int64 { return x.p.ID })
	out := MyMatches{Items: []MyItem{}}
	for i, x := range pairs {
		if i >= normLimit(limit) {
			break
		}
		out.Items = append(out.Items, MyItem{Project: summary(x.p), Score: x.Score, Reasons: x.Reasons, Interested: ints[x.p.ID] != nil})
	}
	return out, nil
}
