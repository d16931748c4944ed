package merchant

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"huixiang/internal/actor"
	"huixiang/internal/sqldb"
)

// Filter is the three-level classification a list is narrowed by: industry (a section letter or
// a division code), region (business province and city, or hometown township) and intention
// (an intended field, an amount band). Empty means any.
type Filter struct {
	Industry   string
	Province   string
	City       string
	Township   string
	Field      string
	AmountBand string
}

var filterTownshipRE = regexp.MustCompile(`^[0-9]{1,12}$`)

// check refuses a filter no record could match because of its form.
func (f Filter) check() error {
	switch {
	case f.Industry != "" && !industryRE.MatchString(f.Industry):
		return &FilterError{Field: "industry", Message: "行业（industry）应为门类字母 A-T 或 2-4 位行业代码"}
	case f.Township != "" && !filterTownshipRE.MatchString(f.Township):
		return &FilterError{Field: "township", Message: "乡镇（街道）代码（township）应为 1-12 位数字"}
	case f.Field != "" && !codeRE.MatchString(f.Field):
		return &FilterError{Field: "field", Message: "意向领域（field）格式不正确"}
	case f.AmountBand != "" && !inBand("amount_band", f.AmountBand):
		return &FilterError{Field: "amount_band", Message: "意向投资额（amount_band）选项不正确"}
	}
	for name, v := range map[string]string{"province": f.Province, "city": f.City} {
		if !utf8.ValidString(v) || utf8.RuneCountInString(v) > 32 || strings.ContainsRune(v, 0) {
			return &FilterError{Field: name, Message: "省份、城市（" + name + "）不能超过 32 字"}
		}
	}
	return nil
}

// where is the SQL condition (on merchants m) of the filter within the actor's scope.
func (f Filter) where(a actor.Actor) (string, []any) {
	conds, args := []string{"1 = 1"}, []any{}
	if t := a.ScopeTownship(); t != "" {
		conds, args = append(conds, "m.township_code = ?"), append(args, t)
	}
	if f.Industry != "" {
		if len(f.Industry) == 1 {
			conds, args = append(conds, "m.industry_section = ?"), append(args, f.Industry)
		} else { // a division and the groups and classes under it (their codes begin with it)
			conds, args = append(conds, "m.industry_code LIKE ?"), append(args, f.Industry+"%")
		}
	}
	if f.Province != "" {
		conds, args = append(conds, "m.biz_province = ?"), append(args, f.Province)
	}
	if f.City != "" {
		conds, args = append(conds, "m.biz_city = ?"), append(args, f.City)
	}
	if f.Township != "" {
		conds, args = append(conds, "m.township_code = ?"), append(args, f.Township)
	}
	if f.Field != "" {
		conds = append(conds, "EXISTS (SELECT 1 FROM merchant_fields f WHERE f.person_id = m.person_id AND f.code = ?)")
		args = append(args, f.Field)
	}
	if f.AmountBand != "" {
		conds, args = append(conds, "m.amount_band = ?"), append(args, f.AmountBand)
	}
	return strings.Join(conds, " AND "), args
}

// Item is a merchant in a list.
type Item struct {
	PersonID     int64     `db:"person_id" json:"person_id"`
	Name         string    `db:"name" json:"name"`
	TownshipCode string    `db:"township_code" json:"township_code"`
	TownshipName string    `db:"township_name" json:"township_name"`
	BizProvince  string    `db:"biz_province" json:"biz_province"`
	BizCity      string    `db:"biz_city" json:"biz_city"`
	IndustryCode string    `db:"industry_code" json:"industry_code"`
	IndustryName string    `db:"industry_name" json:"industry_name"`
	AmountBand   string    `db:"amount_band" json:"amount_band"`
	Source       string    `db:"source" json:"source"`
	ConfirmedAt  time.Time `db:"confirmed_at" json:"confirmed_at"`
	Fresh        bool      `db:"-" json:"fresh"`
	Version      int       `db:"version" json:"version"`
}

// Count is the number of merchants of one class.
type Count struct {
	Code  string `db:"code" json:"code"`
	Name  string `db:"name" json:"name"`
	Count int    `db:"n" json:"count"`
}

// Counts are the counts of the filtered merchants by each classification.
type Counts struct {
	Industry   []Count `json:"industry"`
	Province   []Count `json:"province"`
	Township   []Count `json:"township"`
	Field      []Count `json:"field"`
	AmountBand []Count `json:"amount_band"`
}

// ListPage is one page of merchants with the counts of the whole filtered list.
type ListPage struct {
	sqldb.Page[Item]
	Counts Counts `json:"counts"`
}

// List returns a page of the merchants the actor sees that match f, newest change first, with
// the counts per class of all of them.
func (s *Service) List(ctx context.Context, a actor.Actor, f Filter, req sqldb.PageRequest) (ListPage, error) {
	if err := f.check(); err != nil {
		return ListPage{}, err
	}
	req = req.Norm()
	where, args := f.where(a)
	var total int
	if err := s.db.GetContext(ctx, &total, `SELECT COUNT(*) FROM merchants m WHERE `+where, args...); err != nil {
		return ListPage{}, fmt.Errorf("merchant: count: %w", err)
	}
	items := []Item{}
	err := s.db.SelectContext(ctx, &items, `SELECT m.person_id, p.name, m.township_code, COALESCE(r.name, '') AS township_name,
		m.biz_province, m.biz_city, m.industry_code, COALESCE(i.name, '') AS industry_name, m.amount_band, m.source,
		m.confirmed_at, m.version
		FROM merchants m JOIN persons p ON p.id = m.person_id
		LEFT JOIN regions r ON r.code = m.township_code LEFT JOIN industries i ON i.code = m.industry_code
		WHERE `+where+` ORDER BY m.updated_at DESC, m.person_id DESC LIMIT ? OFFSET ?`,
		append(args, req.Limit(), req.Offset())...)
	if err != nil {
		return ListPage{}, fmt.Errorf("merchant: list: %w", err)
	}
	for i := range items {
		items[i].Fresh = s.fresh(items[i].ConfirmedAt, s.freshDays)
	}
	counts, err := s.counts(ctx, where, args)
	if err != nil {
		return ListPage{}, err
	}
	return ListPage{Page: sqldb.NewPage(req, items, total), Counts: counts}, nil
}

func (s *Service) counts(ctx context.Context, where string, args []any) (Counts, error) {
	var c Counts
	for _, q := range []struct {
		into *[]Count
		sql  string
	}{
		{&c.Industry, `SELECT m.industry_section AS code, COALESCE(MAX(i.name), '') AS name, COUNT(*) AS n FROM merchants m
			LEFT JOIN industries i ON i.code = m.industry_section WHERE ` + where + ` GROUP BY m.industry_section ORDER BY m.industry_section`},
		{&c.Province, `SELECT m.biz_province AS code, m.biz_province AS name, COUNT(*) AS n FROM merchants m WHERE ` + where +
			` GROUP BY m.biz_province ORDER BY n DESC, m.biz_province`},
		{&c.Township, `SELECT m.township_code AS code, COALESCE(MAX(r.name), '') AS name, COUNT(*) AS n FROM merchants m
			LEFT JOIN regions r ON r.code = m.township_code WHERE ` + where + ` GROUP BY m.township_code ORDER BY m.township_code`},
		{&c.Field, `SELECT f2.code AS code, '' AS name, COUNT(*) AS n FROM merchants m JOIN merchant_fields f2 ON f2.person_id = m.person_id
			WHERE ` + where + ` GROUP BY f2.code ORDER BY f2.code`},
		{&c.AmountBand, `SELECT m.amount_band AS code, '' AS name, COUNT(*) AS n FROM merchants m WHERE ` + where +
			` GROUP BY m.amount_band ORDER BY m.amount_band`},
	} {
		*q.into = []Count{}
		if err := s.db.SelectContext(ctx, q.into, q.sql, args...); err != nil {
			return Counts{}, fmt.Errorf("merchant: counts: %w", err)
		}
	}
	lists, err := s.options.Lists(ctx)
	if err != nil {
		return Counts{}, err
	}
	for i := range c.Field {
		c.Field[i].Name = lists.Label("intended_field", c.Field[i].Code)
	}
	for i := range c.AmountBand {
		c.AmountBand[i].Name = BandName("amount_band", c.AmountBand[i].Code)
		if c.AmountBand[i].Code == "" {
			c.AmountBand[i].Name = "未填写"
		}
	}
	return c, nil
}

// Rate is the update rate of one class: of Total records, Fresh were confirmed in the window.
type Rate struct {
	Code  string  `db:"code" json:"code"`
	Name  string  `db:"name" json:"name"`
	Total int     `db:"total" json:"total"`
	Fresh int     `db:"fresh" json:"fresh"`
	Rate  float64 `db:"-" json:"rate"`
}

// Freshness is the update rate of the merchants the actor sees, overall and by classification.
type Freshness struct {
	Days        int     `json:"days"`
	Since       string  `json:"since"`
	Target      float64 `json:"target"`
	Total       int     `json:"total"`
	Fresh       int     `json:"fresh"`
	Rate        float64 `json:"rate"`
	MeetsTarget bool    `json:"meets_target"`
	Industry    []Rate  `json:"industry"`
	Province    []Rate  `json:"province"`
	Township    []Rate  `json:"township"`
	Field       []Rate  `json:"field"`
}

func ratio(fresh, total int) float64 {
	if total == 0 {
		return 0
	}
	return float64(int(float64(fresh)/float64(total)*10000+0.5)) / 10000
}

// Freshness reports the share of records confirmed within the last days (≤ 0: the configured
// window), overall and by industry section, business province, hometown township and field.
func (s *Service) Freshness(ctx context.Context, a actor.Actor, days int) (Freshness, error) {
	if days <= 0 {
		days = s.freshDays
	}
	since := s.now().UTC().AddDate(0, 0, -days)
	where, args := Filter{}.where(a)
	fresh := `SUM(CASE WHEN m.confirmed_at >= ? THEN 1 ELSE 0 END) AS fresh`
	out := Freshness{Days: days, Since: since.Format(time.RFC3339), Target: FreshTarget}
	var all struct {
		Total int  `db:"total"`
		Fresh *int `db:"fresh"`
	}
	if err := s.db.GetContext(ctx, &all, `SELECT COUNT(*) AS total, `+fresh+` FROM merchants m WHERE `+where,
		append([]any{since}, args...)...); err != nil {
		return Freshness{}, fmt.Errorf("merchant: freshness: %w", err)
	}
	out.Total = all.Total
	if all.Fresh != nil {
		out.Fresh = *all.Fresh
	}
	out.Rate = ratio(out.Fresh, out.Total)
	out.MeetsTarget = out.Total > 0 && out.Rate >= FreshTarget
	for _, q := range []struct {
		into *[]Rate
		sql  string
	}{
		{&out.Industry, `SELECT m.industry_section AS code, COALESCE(MAX(i.name), '') AS name, COUNT(*) AS total, ` + fresh + `
			FROM merchants m LEFT JOIN industries i ON i.code = m.industry_section WHERE ` + where + ` GROUP BY m.industry_section ORDER BY m.industry_section`},
		{&out.Province, `SELECT m.biz_province AS code, m.biz_province AS name, COUNT(*) AS total, ` + fresh + `
			FROM merchants m WHERE ` + where + ` GROUP BY m.biz_province ORDER BY m.biz_province`},
		{&out.Township, `SELECT m.township_code AS code, COALESCE(MAX(r.name), '') AS name, COUNT(*) AS total, ` + fresh + `
			FROM merchants m LEFT JOIN regions r ON r.code = m.township_code WHERE ` + where + ` GROUP BY m.township_code ORDER BY m.township_code`},
		{&out.Field, `SELECT f2.code AS code, '' AS name, COUNT(*) AS total, ` + fresh + `
			FROM merchants m JOIN merchant_fields f2 ON f2.person_id = m.person_id WHERE ` + where + ` GROUP BY f2.code ORDER BY f2.code`},
	} {
		*q.into = []Rate{}
		if err := s.db.SelectContext(ctx, q.into, q.sql, append([]any{since}, args...)...); err != nil {
			return Freshness{}, fmt.Errorf("merchant: freshness: %w", err)
		}
		for i := range *q.into {
			r := &(*q.into)[i]
			r.Rate = ratio(r.Fresh, r.Total)
		}
	}
	lists, err := s.options.Lists(ctx)
	if err != nil {
		return Freshness{}, err
	}
	for i := range out.Field {
		out.Field[i].Name = lists.Label("intended_field", out.Field[i].Code)
	}
	return out, nil
}
