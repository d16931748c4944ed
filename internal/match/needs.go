package match

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"huixiang/internal/actor"
	"huixiang/internal/audit"
	"huixiang/internal/cn"
	"huixiang/internal/sqldb"
)

// 校友需求与资源清单: staff post an enterprise's need (技术, 资金, 渠道, 人才) and the engine ranks the
// approved alumni for it by what they offer, their industry and their expertise, with reasons.
// District administrators and department staff (the grantors of the alumni plan) do this for
// every township; township staff for their township's enterprises only (a need they post is
// their township's; another township's need is not found for them).

// NeedKinds name the kinds of a need.
var NeedKinds = map[string]string{"technology": "技术", "capital": "资金", "channel": "渠道", "talent": "人才"}

// kindOffers are the alumni offers (alumni_offers codes) that answer each kind of need, and the
// words of an alumnus's title or expertise that do.
var kindOffers = map[string]struct {
	offers []string
	words  []string
}{
	"technology": {offers: []string{"advice"}, words: []string{"技术", "研发", "工程师", "教授", "专家", "博士"}},
	"capital":    {offers: []string{"investment"}, words: []string{"投资", "基金", "资本", "金融", "银行"}},
	"channel":    {offers: []string{"projects", "advice"}, words: []string{"销售", "市场", "渠道", "电商", "贸易", "营销"}},
	"talent":     {offers: []string{"talent"}, words: []string{"人力", "招聘", "人才", "培训", "教育"}},
}

var offerNames = map[string]string{"talent": "人才", "investment": "投资", "projects": "项目", "advice": "咨询指导"}

// Need is an enterprise's need.
type Need struct {
	ID           int64     `db:"id" json:"id"`
	Enterprise   string    `db:"enterprise" json:"enterprise"`
	Kind         string    `db:"kind" json:"kind"`
	KindName     string    `db:"-" json:"kind_name"`
	Title        string    `db:"title" json:"title"`
	Industry     string    `db:"industry" json:"industry"`
	Description  string    `db:"description" json:"description"`
	TownshipCode *string   `db:"township_code" json:"township_code"`
	Status       string    `db:"status" json:"status"`
	Version      int       `db:"version" json:"version"`
	CreatedBy    int64     `db:"created_by" json:"created_by"`
	CreatedAt    time.Time `db:"created_at" json:"created_at"`
	UpdatedAt    time.Time `db:"updated_at" json:"updated_at"`
}

// NeedInput is a need as a form sends it; absent fields keep their value on update.
type NeedInput struct {
	Enterprise   *string `json:"enterprise"`
	Kind         *string `json:"kind"`
	Title        *string `json:"title"`
	Industry     *string `json:"industry"`
	Description  *string `json:"description"`
	TownshipCode *string `json:"township_code"` // "" clears
	Status       *string `json:"status"`
	Version      int     `json:"version"`
}

var needTownshipRE = regexp.MustCompile(`^[0-9]{6,12}$`)

const needColumns = `id, enterprise, kind, title, industry, description, township_code, status, version, created_by, created_at, updated_at`

func (n *Need) fill() {
	n.KindName = NeedKinds[n.Kind]
	n.CreatedAt, n.UpdatedAt = n.CreatedAt.In(cn.Zone), n.UpdatedAt.In(cn.Zone)
}

// apply lays in over n and checks the result.
func (n *Need) apply(in NeedInput) error {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = strings.Join(strings.Fields(*v), " ")
		}
	}
	set(&n.Enterprise, in.Enterprise)
	set(&n.Kind, in.Kind)
	set(&n.Title, in.Title)
	set(&n.Industry, in.Industry)
	if in.Description != nil {
		n.Description = strings.TrimSpace(*in.Description)
	}
	set(&n.Status, in.Status)
	if in.TownshipCode != nil {
		if t := strings.TrimSpace(*in.TownshipCode); t == "" {
			n.TownshipCode = nil
		} else {
			n.TownshipCode = &t
		}
	}
	length := func(field, v string, lo, hi int, msg string) error {
		if c := utf8.RuneCountInString(v); c < lo || c > hi || !utf8.ValidString(v) {
			return &FieldError{Field: field, Message: msg}
		}
		return nil
	}
	if err := length("enterprise", n.Enterprise, 2, 100, "请填写企业名称（2-100 字）"); err != nil {
		return err
	}
	if NeedKinds[n.Kind] == "" {
		return &FieldError{Field: "kind", Message: "需求类型应为 technology、capital、channel 或 talent"}
	}
	if err := length("title", n.Title, 2, 100, "请填写需求标题（2-100 字）"); err != nil {
		return err
	}
	if err := length("industry", n.Industry, 0, 64, "行业不能超过 64 字"); err != nil {
		return err
	}
	if err := length("description", n.Description, 0, 2000, "需求说明不能超过 2000 字"); err != nil {
		return err
	}
	if n.TownshipCode != nil && !needTownshipRE.MatchString(*n.TownshipCode) {
		return &FieldError{Field: "township_code", Message: "乡镇（街道）代码格式不正确"}
	}
	if n.Status != "open" && n.Status != "closed" {
		return &FieldError{Field: "status", Message: "状态应为 open 或 closed"}
	}
	return nil
}

// MayNeeds: post and read enterprises' needs — district administrators and department staff
// (every need), township staff (their township's).
func MayNeeds(a actor.Actor) bool { return a.MayManagePolicies() || a.ScopeTownship() != "" }

// needSeen says whether a sees need n (township staff: their township's only).
func needSeen(a actor.Actor, n Need) bool {
	town := a.ScopeTownship()
	return town == "" || (n.TownshipCode != nil && *n.TownshipCode == town)
}

func getNeed(ctx context.Context, q sqlx.QueryerContext, id int64, lock bool) (Need, error) {
	var n Need
	tail := ""
	if lock {
		tail = " FOR UPDATE"
	}
	err := sqlx.GetContext(ctx, q, &n, `SELECT `+needColumns+` FROM alumni_needs WHERE id = ?`+tail, id)
	if errors.Is(err, sql.ErrNoRows) {
		return n, ErrNotFound
	}
	if err != nil {
		return n, fmt.Errorf("match: need %d: %w", id, err)
	}
	return n, nil
}

// CreateNeed posts a need (open).
func (s *Service) CreateNeed(ctx context.Context, a actor.Actor, in NeedInput) (Need, error) {
	if !MayNeeds(a) {
		return Need{}, ErrForbidden
	}
	n := Need{Status: "open"}
	in.Status = nil
	if town := a.ScopeTownship(); town != "" {
		in.TownshipCode = &town
	}
	if err := n.apply(in); err != nil {
		return Need{}, err
	}
	now := s.now().UTC()
	var id int64
	err := sqldb.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO alumni_needs (enterprise, kind, title, industry, description, township_code, status,
			created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 'open', ?, ?, ?)`, n.Enterprise, n.Kind, n.Title, n.Industry,
			n.Description, n.TownshipCode, a.ID, now, now)
		if err != nil {
			return fmt.Errorf("match: create need: %w", err)
		}
		if id, err = res.LastInsertId(); err != nil {
			return err
		}
		e := a.AuditID("alumni_need.create", "alumni_need", id)
		e.Detail = map[string]any{"enterprise": n.Enterprise, "kind": n.Kind, "title": n.Title}
		return audit.Write(ctx, tx, e)
	})
	if err != nil {
		return Need{}, err
	}
	return s.GetNeed(ctx, a, id)
}

// GetNeed is need id.
func (s *Service) GetNeed(ctx context.Context, a actor.Actor, id int64) (Need, error) {
	if !MayNeeds(a) {
		return Need{}, ErrForbidden
	}
	n, err := getNeed(ctx, s.db, id, false)
	if err != nil {
		return Need{}, err
	}
	if !needSeen(a, n) {
		return Need{}, ErrNotFound
	}
	n.fill()
	return n, nil
}

// UpdateNeed changes need id at the version read (ErrStaleVersion otherwise), under its row lock.
func (s *Service) UpdateNeed(ctx context.Context, a actor.Actor, id int64, in NeedInput) (Need, error) {
	if !MayNeeds(a) {
		return Need{}, ErrForbidden
	}
	if in.Version < 1 {
		return Need{}, &FieldError{Field: "version", Message: "请带上读取时的版本号"}
	}
	err := sqldb.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		n, err := getNeed(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if !needSeen(a, n) {
			return ErrNotFound
		}
		if n.Version != in.Version {
			return ErrStaleVersion
		}
		if town := a.ScopeTownship(); town != "" {
			in.TownshipCode = &town
		}
		if err := n.apply(in); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE alumni_needs SET enterprise = ?, kind = ?, title = ?, industry = ?, description = ?,
			township_code = ?, status = ?, version = version + 1, updated_at = ? WHERE id = ? AND version = ?`, n.Enterprise, n.Kind, n.Title,
			n.Industry, n.Description, n.TownshipCode, n.Status, s.now().UTC(), id, in.Version)
		if err != nil {
			return fmt.Errorf("match: update need: %w", err)
		}
		if k, _ := res.RowsAffected(); k != 1 {
			return ErrStaleVersion
		}
		e := a.AuditID("alumni_need.update", "alumni_need", id)
		e.Detail = map[string]any{"status": n.Status, "version": in.Version + 1}
		return audit.Write(ctx, tx, e)
	})
	if err != nil {
		return Need{}, err
	}
	return s.GetNeed(ctx, a, id)
}

// ListNeeds is a page of needs (status "" for all), the latest changed first.
func (s *Service) ListNeeds(ctx context.Context, a actor.Actor, status string, pr sqldb.PageRequest) (sqldb.Page[Need], error) {
	if !MayNeeds(a) {
		return sqldb.Page[Need]{}, ErrForbidden
	}
	cond, args := "TRUE", []any{}
	if status != "" {
		cond, args = "status = ?", append(args, status)
	}
	if town := a.ScopeTownship(); town != "" {
		cond, args = cond+" AND township_code = ?", append(args, town)
	}
	var total int
	if err := s.db.GetContext(ctx, &total, `SELECT COUNT(*) FROM alumni_needs WHERE `+cond, args...); err != nil {
		return sqldb.Page[Need]{}, fmt.Errorf("match: count needs: %w", err)
	}
	items := []Need{}
	if err := s.db.SelectContext(ctx, &items, `SELECT `+needColumns+` FROM alumni_needs WHERE `+cond+
		` ORDER BY updated_at DESC, id DESC LIMIT ? OFFSET ?`, append(args, pr.Limit(), pr.Offset())...); err != nil {
		return sqldb.Page[Need]{}, fmt.Errorf("match: list needs: %w", err)
	}
	for i := range items {
		items[i].fill()
	}
	return sqldb.NewPage(pr, items, total), nil
}

// AlumnusItem is an alumnus ranked for a need.
type AlumnusItem struct {
	PersonID     int64    `json:"person_id"`
	Name         string   `json:"name"`
	School       string   `json:"school"`
	City         string   `json:"city"`
	Organization string   `json:"organization"`
	Title        string   `json:"title"`
	Offers       []string `json:"offers"`
	Score        int      `json:"score"`
	Reasons      []string `json:"reasons"`
}

// NeedMatches are the alumni ranked for a need.
type NeedMatches struct {
	Need  Need          `json:"need"`
	Items []AlumnusItem `json:"items"`
}

// Weights of a need's match.
const (
	WeightOffer     = 40 // the alumnus offers what the need's kind asks
	WeightKindWord  = 15 // the title or expertise says it (投资, 研发 …)
	WeightIndustry  = 25 // the alumnus's industry is named in the need, or the need's in the alumnus's
	WeightNeedText  = 20 // the texts' similarity (full at cosine ≥ 0.4)
	needTextDisplay = 0.1
)

// ForNeed ranks the approved alumni for need id (the first limit with a score above 0).
func (s *Service) ForNeed(ctx context.Context, a actor.Actor, id int64, limit int) (NeedMatches, error) {
	n, err := s.GetNeed(ctx, a, id)
	if err != nil {
		return NeedMatches{}, err
	}
	var rows []struct {
		PersonID     int64  `db:"person_id"`
		Name         string `db:"name"`
		School       string `db:"school"`
		City         string `db:"current_city"`
		Organization string `db:"organization"`
		Industry     string `db:"industry"`
		Title        string `db:"title"`
		Expertise    string `db:"expertise"`
		Offers       string `db:"offers"`
	}
	if err := s.db.SelectContext(ctx, &rows, `SELECT a.person_id, p.name, COALESCE(sc.name, '') AS school, a.current_city, a.organization,
		a.industry, a.title, a.expertise,
		COALESCE((SELECT GROUP_CONCAT(o.code ORDER BY o.code) FROM alumni_offers o WHERE o.person_id = a.person_id), '') AS offers
		FROM alumni a JOIN persons p ON p.id = a.person_id LEFT JOIN schools sc ON sc.code = a.school_code
		WHERE a.status = 'approved' ORDER BY a.person_id`); err != nil {
		return NeedMatches{}, fmt.Errorf("match: alumni: %w", err)
	}
	needText := strings.Join([]string{n.Enterprise, n.Title, n.Industry, n.Description}, " ")
	texts := []string{needText}
	for _, r := range rows {
		texts = append(texts, strings.Join([]string{r.Organization, r.Industry, r.Title, r.Expertise}, " "))
	}
	corpus := NewCorpus(texts)
	nv := corpus.Vector(needText)
	want := kindOffers[n.Kind]
	type scored struct {
		AlumnusItem
		id int64
	}
	var out []AlumnusItem
	var all []scored
	for i, r := range rows {
		it := AlumnusItem{PersonID: r.PersonID, Name: r.Name, School: r.School, City: r.City, Organization: r.Organization, Title: r.Title,
			Offers: []string{}, Reasons: []string{}}
		var pts float64
		offers := strings.Split(r.Offers, ",")
		for _, o := range offers {
			if o != "" {
				it.Offers = append(it.Offers, offerNames[o])
			}
		}
		for _, o := range want.offers {
			if containsStr(offers, o) {
				pts += WeightOffer
				it.Reasons = append(it.Reasons, "可提供"+offerNames[o]+"，企业需要"+NeedKinds[n.Kind])
				break
			}
		}
		about := r.Title + " " + r.Expertise + " " + r.Industry + " " + r.Organization
		for _, w := range want.words {
			if strings.Contains(about, w) {
				pts += WeightKindWord
				it.Reasons = append(it.Reasons, "履历含“"+w+"”")
				break
			}
		}
		ind := strings.TrimSpace(r.Industry)
		switch {
		case ind != "" && n.Industry != "" && (strings.Contains(ind, n.Industry) || strings.Contains(n.Industry, ind)):
			pts += WeightIndustry
			it.Reasons = append(it.Reasons, "同在"+n.Industry+"行业")
		case ind != "" && utf8.RuneCountInString(ind) >= 2 && strings.Contains(needText, ind):
			pts += WeightIndustry
			it.Reasons = append(it.Reasons, "需求涉及"+ind)
		}
		sim, terms := Cosine(corpus.Vector(texts[i+1]), nv)
		pts += math.Min(1, sim/0.4) * WeightNeedText
		if sim >= needTextDisplay && len(terms) > 0 {
			it.Reasons = append(it.Reasons, "专长相近："+strings.Join(firstN(terms, 3), "、"))
		}
		it.Score = int(math.Round(math.Min(100, pts)))
		if it.Score > 0 {
			all = append(all, scored{AlumnusItem: it, id: r.PersonID})
		}
	}
	// Best first, then the lower id.
	for i := 1; i < len(all); i++ {
		for j := i; j > 0 && (all[j].Score > all[j-1].Score || (all[j].Score == all[j-1].Score && all[j].id < all[j-1].id)); j-- {
			all[j], all[j-1] = all[j-1], all[j]
		}
	}
	for i, x := range all {
		if i >= normLimit(limit) {
			break
		}
		out = append(out, x.AlumnusItem)
	}
	if out == nil {
		out = []AlumnusItem{}
	}
	return NeedMatches{Need: n, Items: out}, nil
}
