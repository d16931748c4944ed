package match

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"huixiang/internal/cn"
	"huixiang/internal/person"
)

// Errors callers branch on.
var (
	ErrNotFound = errors.New("match: not found")
	// ErrForbidden: the actor may not do this.
	ErrForbidden = errors.New("match: forbidden")
	// ErrNotMerchant: the signed-in user has no merchant record.
	ErrNotMerchant = errors.New("match: not a merchant")
	// ErrStaleVersion: the match changed since the caller read it.
	ErrStaleVersion = errors.New("match: stale version")
	// ErrInvalidTransition: the status move is not in the table.
	ErrInvalidTransition = errors.New("match: invalid transition")
)

// FieldError names an invalid field of a body.
type FieldError struct {
	Field   string
	Message string
}

func (e *FieldError) Error() string { return "match: " + e.Field + ": " + e.Message }

// Service ranks and keeps matches.
type Service struct {
	db      *sqlx.DB
	persons *person.Store
	emb     *Embedder
	log     *slog.Logger
	now     func() time.Time
}

// NewService returns a Service. emb nil switches semantic re-ranking off; log nil discards;
// now nil is time.Now.
func NewService(db *sqlx.DB, persons *person.Store, emb *Embedder, log *slog.Logger, now func() time.Time) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if now == nil {
		now = time.Now
	}
	return &Service{db: db, persons: persons, emb: emb, log: log, now: now}
}

// candidate is a merchant with what the lists show of it.
type candidate struct {
	Merchant
	personRow    person.Row
	TownshipName string
	IndustryName string
}

// projectRow is a project with what the lists show of it.
type projectRow struct {
	Project
	IndustryName      string
	TownshipName      string
	ChainName         string
	Status            string
	Published         bool
	ContactDepartment string
	Description       string
}

// names reads the names of industries, townships, fields and chains, and the map of the
// merchants' industry codes to the projects' form.
func (s *Service) names(ctx context.Context) (Names, map[string]string, error) {
	n := Names{Industries: map[string]string{}, Townships: map[string]string{}, Fields: map[string]string{}, Chains: map[string]string{}}
	form := map[string]string{}
	var inds []struct {
		Code   string         `db:"code"`
		Parent sql.NullString `db:"parent_code"`
		Level  int            `db:"level"`
		Name   string         `db:"name"`
	}
	if err := s.db.SelectContext(ctx, &inds, `SELECT code, parent_code, level, name FROM industries WHERE level <= 2`); err != nil {
		return n, nil, fmt.Errorf("match: industries: %w", err)
	}
	for _, i := range inds {
		code := i.Code
		if i.Level == 2 && i.Parent.Valid {
			code = i.Parent.String + i.Code
		}
		form[i.Code] = code
		n.Industries[code] = i.Name
	}
	var kv []struct {
		K string `db:"k"`
		V string `db:"v"`
		T string `db:"t"`
	}
	if err := s.db.SelectContext(ctx, &kv, `SELECT code AS k, name AS v, 'township' AS t FROM regions WHERE level = 2
		UNION ALL SELECT code, label, 'field' FROM option_items WHERE kind = 'intended_field'
		UNION ALL SELECT code, name, 'chain' FROM industrial_chains`); err != nil {
		return n, nil, fmt.Errorf("match: names: %w", err)
	}
	for _, r := range kv {
		switch r.T {
		case "township":
			n.Townships[r.K] = r.V
		case "field":
			n.Fields[r.K] = r.V
		case "chain":
			n.Chains[r.K] = r.V
		}
	}
	return n, form, nil
}

// projectForm turns a merchants' industry code (section letter, division, group or class) into
// the projects' form ("C", "C13").
func projectForm(form map[string]string, code string) string {
	if len(code) > 2 {
		code = code[:2]
	}
	return form[code]
}

// loadMerchants reads the merchants (not closed) matching cond.
func (s *Service) loadMerchants(ctx context.Context, n Names, form map[string]string, cond string, args ...any) ([]candidate, error) {
	var rows []struct {
		ID        int64  `db:"person_id"`
		Township  string `db:"township_code"`
		Preferred string `db:"preferred_township"`
		Industry  string `db:"industry_code"`
		Amount    string `db:"amount_band"`
		Roles     string `db:"chamber_roles"`
		person.Row
	}
	err := s.db.SelectContext(ctx, &rows, `SELECT m.person_id, m.township_code, m.preferred_township, m.industry_code,
		m.amount_band, m.chamber_roles, `+person.ColumnsAs("p")+`
		FROM merchants m JOIN persons p ON p.id = m.person_id
		WHERE m.operating_status <> 'closed' AND `+cond+` ORDER BY m.person_id`, args...)
	if err != nil {
		return nil, fmt.Errorf("match: merchants: %w", err)
	}
	if len(rows) == 0 {
		return nil, nil
	}
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	fields := map[int64][]string{}
	ents := map[int64][][2]string{}
	for start := 0; start < len(ids); start += 1000 {
		chunk := ids[start:min(start+1000, len(ids))]
		q, qa, _ := sqlx.In(`SELECT person_id, code FROM merchant_fields WHERE person_id IN (?) ORDER BY person_id, code`, chunk)
		var fs []struct {
			ID   int64  `db:"person_id"`
			Code string `db:"code"`
		}
		if err := s.db.SelectContext(ctx, &fs, q, qa...); err != nil {
			return nil, fmt.Errorf("match: fields: %w", err)
		}
		for _, f := range fs {
			fields[f.ID] = append(fields[f.ID], f.Code)
		}
		q, qa, _ = sqlx.In(`SELECT person_id, name, industry_code FROM merchant_enterprises WHERE person_id IN (?) ORDER BY person_id, id`, chunk)
		var es []struct {
			ID       int64  `db:"person_id"`
			Name     string `db:"name"`
			Industry string `db:"industry_code"`
		}
		if err := s.db.SelectContext(ctx, &es, q, qa...); err != nil {
			return nil, fmt.Errorf("match: enterprises: %w", err)
		}
		for _, e := range es {
			ents[e.ID] = append(ents[e.ID], [2]string{e.Name, e.Industry})
		}
	}
	out := make([]candidate, len(rows))
	for i, r := range rows {
		c := candidate{personRow: r.Row, TownshipName: n.township(r.Township)}
		c.ID, c.Name, c.Township, c.PreferredTownship, c.AmountBand = r.ID, r.Row.Name, r.Township, r.Preferred, r.Amount
		c.Fields = fields[r.ID]
		own := projectForm(form, r.Industry)
		c.IndustryName = n.Industries[own]
		var text []string
		if own != "" {
			c.Industries = append(c.Industries, own)
			text = append(text, n.Industries[own])
		}
		for _, e := range ents[r.ID] {
			text = append(text, e[0])
			if code := projectForm(form, e[1]); code != "" && !containsStr(c.Industries, code) {
				c.Industries = append(c.Industries, code)
				text = append(text, n.Industries[code])
			}
		}
		for _, f := range c.Fields {
			text = append(text, n.Fields[f])
		}
		text = append(text, r.Roles)
		c.Text = strings.Join(text, " ")
		out[i] = c
	}
	return out, nil
}

func containsStr(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// loadProjects reads the projects matching cond.
func (s *Service) loadProjects(ctx context.Context, n Names, cond string, args ...any) ([]projectRow, error) {
	var rows []struct {
		ID          int64  `db:"id"`
		Name        string `db:"name"`
		Industry    string `db:"industry_code"`
		Chain       string `db:"chain_code"`
		ChainLink   string `db:"chain_link"`
		Township    string `db:"township_code"`
		Investment  int64  `db:"investment_fen"`
		Partner     string `db:"partner_wanted"`
		Description string `db:"description"`
		Status      string `db:"status"`
		Published   bool   `db:"published"`
		Department  string `db:"contact_department"`
	}
	err := s.db.SelectContext(ctx, &rows, `SELECT p.id, p.name, p.industry_code, COALESCE(p.chain_code, '') AS chain_code,
		p.chain_link, COALESCE(p.township_code, '') AS township_code, p.investment_fen, p.partner_wanted, p.description,
		p.status, p.published, p.contact_department
		FROM projects p WHERE `+cond+` ORDER BY p.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("match: projects: %w", err)
	}
	out := make([]projectRow, len(rows))
	for i, r := range rows {
		p := projectRow{Project: Project{ID: r.ID, Name: r.Name, Industry: r.Industry, Chain: r.Chain, ChainLink: r.ChainLink,
			Township: r.Township, InvestmentFen: r.Investment},
			IndustryName: n.Industries[r.Industry], TownshipName: n.Townships[r.Township], ChainName: n.Chains[r.Chain],
			Status: r.Status, Published: r.Published, ContactDepartment: r.Department, Description: r.Description}
		p.Text = strings.Join([]string{r.Name, p.IndustryName, r.ChainLink, r.Description, r.Partner}, " ")
		out[i] = p
	}
	return out, nil
}

// pair is one scored merchant–project pair.
type pair struct {
	m *candidate
	p *projectRow
	Result
}

// score scores every pair of ms × ps: the TF-IDF corpus is their texts; the embeddings, when on
// and answering, re-rank (semantic reports that they did).
func (s *Service) score(ctx context.Context, n Names, ms []candidate, ps []projectRow) (out []pair, semantic bool) {
	texts := make([]string, 0, len(ms)+len(ps))
	for _, m := range ms {
		texts = append(texts, m.Text)
	}
	for _, p := range ps {
		texts = append(texts, p.Text)
	}
	corpus := NewCorpus(texts)
	mv := make([]Vector, len(ms))
	for i := range ms {
		mv[i] = corpus.Vector(ms[i].Text)
	}
	mvec, pvec := s.vectors(ctx, ms, ps)
	out = make([]pair, 0, len(ms)*len(ps))
	for j := range ps {
		pv := corpus.Vector(ps[j].Text)
		for i := range ms {
			sim, terms := Cosine(mv[i], pv)
			sem := -1.0
			if mvec != nil {
				sem = cosine(mvec[ms[i].ID], pvec[ps[j].ID])
			}
			out = append(out, pair{m: &ms[i], p: &ps[j], Result: Score(ms[i].Merchant, ps[j].Project, sim, terms, sem, n)})
		}
	}
	return out, mvec != nil
}

// EmbeddingsBudget is how long one ranking waits for the embeddings endpoint in all.
const EmbeddingsBudget = 8 * time.Second

// vectors are the embeddings of the merchants and projects, or nils when off or failing (the
// failure is logged; the ranking stands without them).
func (s *Service) vectors(ctx context.Context, ms []candidate, ps []projectRow) (map[int64][]float32, map[int64][]float32) {
	if s.emb == nil || len(ms) == 0 || len(ps) == 0 {
		return nil, nil
	}
	mt := make(map[int64]string, len(ms))
	for _, m := range ms {
		mt[m.ID] = m.Text
	}
	pt := make(map[int64]string, len(ps))
	for _, p := range ps {
		pt[p.ID] = p.Text
	}
	now := s.now()
	// The ranking waits at most EmbeddingsBudget for the endpoint, then answers without it.
	ctx, cancel := context.WithTimeout(ctx, EmbeddingsBudget)
	defer cancel()
	mvec, err := s.emb.Vectors(ctx, s.db, "merchant", mt, now)
	if err == nil {
		var pvec map[int64][]float32
		if pvec, err = s.emb.Vectors(ctx, s.db, "project", pt, now); err == nil {
			return mvec, pvec
		}
	}
	s.log.WarnContext(ctx, "match: embeddings unavailable, ranking without them", "err", err)
	return nil, nil
}

func sortPairs(ps []pair, key func(pair) int64) {
	sort.SliceStable(ps, func(i, j int) bool {
		if ps[i].Score != ps[j].Score {
			return ps[i].Score > ps[j].Score
		}
		return key(ps[i]) < key(ps[j])
	})
}

// beijing is t in Beijing time (nil stays nil).
func beijing(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	v := t.In(cn.Zone)
	return &v
}

// Statuses of a match, in order; closed last.
const (
	Recommended = "recommended"
	Contacted   = "contacted"
	Interested  = "interested"
	Visiting    = "visiting"
	Signed      = "signed"
	Closed      = "closed"
)

// Statuses are the match statuses in their order.
var Statuses = []string{Recommended, Contacted, Interested, Visiting, Signed, Closed}

// StatusNames name the statuses.
var StatusNames = map[string]string{Recommended: "推荐", Contacted: "已联系", Interested: "有意向", Visiting: "考察", Signed: "签约",
	Closed: "关闭"}

func statusIndex(s string) int {
	for i, v := range Statuses {
		if v == s {
			return i
		}
	}
	return -1
}

// Allowed reports whether a match may move from to to: forward along 推荐 → 已联系 → 有意向 → 考察 →
// 签约 (steps may be skipped), or to 关闭 from any status but 签约. Signed and closed are final.
// The same status is a note only (Service.Move).
func Allowed(from, to string) bool {
	f, t := statusIndex(from), statusIndex(to)
	switch {
	case f < 0 || t < 0 || from == Signed || from == Closed:
		return false
	case to == Closed:
		return true
	default:
		return t > f
	}
}
