package points

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"huixiang/internal/actor"
	"huixiang/internal/audit"
	"huixiang/internal/sqldb"
)

// PersonForUser is the person a WeChat user registered as, or ErrNotRegistered.
func (s *Service) PersonForUser(ctx context.Context, userID int64) (int64, error) {
	return personOfUser(ctx, s.db, userID)
}

// Summary is the person's balance and the points expiring within the window (by expiry date).
// Points past their expiry that the nightly job has not yet written off are not counted.
func (s *Service) Summary(ctx context.Context, personID int64, within time.Duration) (Summary, error) {
	now := s.now().UTC()
	out := Summary{PersonID: personID, Expiring: []Expiring{}}
	due, err := dueTotal(ctx, s.db, personID, now)
	if err != nil {
		return out, err
	}
	if out.Balance, err = balanceOf(ctx, s.db, personID); err != nil {
		return out, err
	}
	out.Balance = max(out.Balance-due, 0)
	if out.Expiring, err = expiringBetween(ctx, s.db, personID, now, now.Add(within)); err != nil {
		return out, err
	}
	for _, e := range out.Expiring {
		out.ExpiringTotal += e.Points
	}
	return out, nil
}

// Entries pages the person's ledger, newest first.
func (s *Service) Entries(ctx context.Context, personID int64, page sqldb.PageRequest) (sqldb.Page[Entry], error) {
	page = page.Norm()
	items, total, err := pageEntries(ctx, s.db, personID, page)
	if err != nil {
		return sqldb.Page[Entry]{}, err
	}
	return sqldb.NewPage(page, items, total), nil
}

// Perks lists what a user may redeem now: visible, in the validity window, with stock left.
func (s *Service) Perks(ctx context.Context) ([]Perk, error) {
	return availablePerks(ctx, s.db, s.now().UTC())
}

// AllPerks lists the catalogue for staff; department staff see their provider's perks.
func (s *Service) AllPerks(ctx context.Context, staff actor.Actor) ([]Perk, error) {
	provider, ok := providerScope(staff)
	return perksOf(ctx, s.db, ok && provider == "", provider)
}

// applyPerk applies in to p and validates the result.
func applyPerk(p *Perk, in PerkInput) error {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = strings.TrimSpace(*v)
		}
	}
	set(&p.Name, in.Name)
	set(&p.Category, in.Category)
	set(&p.ProviderCode, in.ProviderCode)
	set(&p.Description, in.Description)
	set(&p.PictureURL, in.PictureURL)
	if in.PointsPrice != nil {
		p.PointsPrice = *in.PointsPrice
	}
	if in.Stock != nil {
		p.Stock = in.Stock
	}
	if in.ClearStock {
		p.Stock = nil
	}
	if in.PerPersonLimit != nil {
		p.PerPersonLimit = in.PerPersonLimit
	}
	if in.ClearLimit {
		p.PerPersonLimit = nil
	}
	if in.ValidFrom != nil {
		p.ValidFrom = in.ValidFrom.UTC()
	}
	if in.ValidUntil != nil {
		p.ValidUntil = in.ValidUntil.UTC()
	}
	if in.Visible != nil {
		p.Visible = *in.Visible
	}
	switch {
	case p.Name == "" || utf8.RuneCountInString(p.Name) > 64:
		return &FieldError{"name", "请填写权益名称（不超过 64 字）"}
	case !slices.Contains(Categories, p.Category):
		return &FieldError{"category", "类别应为 education、culture_tourism、startup_space、procurement 或 other"}
	case p.ProviderCode == "" || utf8.RuneCountInString(p.ProviderCode) > 64:
		return &FieldError{"provider_code", "请填写提供单位"}
	case p.PointsPrice <= 0 || p.PointsPrice > 10_000_000:
		return &FieldError{"points_price", "所需积分应为正整数"}
	case p.Stock != nil && *p.Stock < 0:
		return &FieldError{"stock", "库存不能为负数"}
	case p.PerPersonLimit != nil && *p.PerPersonLimit <= 0:
		return &FieldError{"per_person_limit", "每人限兑次数应为正整数"}
	case p.ValidFrom.IsZero() || p.ValidUntil.IsZero() || !p.ValidUntil.After(p.ValidFrom):
		return &FieldError{"valid_until", "请填写有效期，结束时间须晚于开始时间"}
	case utf8.RuneCountInString(p.Description) > 2000:
		return &FieldError{"description", "说明不能超过 2000 字"}
	case len(p.PictureURL) > 512:
		return &FieldError{"picture_url", "图片地址过长"}
	}
	if p.PictureURL != "" {
		if u, err := url.Parse(p.PictureURL); err != nil || (u.Scheme != "https" && u.Scheme != "http" && !strings.HasPrefix(p.PictureURL, "/")) {
			return &FieldError{"picture_url", "图片地址不正确"}
		}
	}
	return nil
}

// CreatePerk adds a perk. Department staff create perks of their own provider only.
func (s *Service) CreatePerk(ctx context.Context, staff actor.Actor, in PerkInput) (Perk, error) {
	p := Perk{Visible: true}
	if provider, ok := providerScope(staff); ok && provider != "" && in.ProviderCode == nil {
		in.ProviderCode = &provider
	}
	if err := applyPerk(&p, in); err != nil {
		return Perk{}, err
	}
	if !managesProvider(staff, p.ProviderCode) {
		return Perk{}, ErrForbidden
	}
	var id int64
	err := sqldb.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		var err error
		if id, err = insertPerk(ctx, tx, p, s.now().UTC()); err != nil {
			return err
		}
		e := staff.AuditID("points.perk_create", "perk", id)
		e.Detail = map[string]any{"name": p.Name, "points_price": p.PointsPrice, "stock": p.Stock, "provider_code": p.ProviderCode}
		return audit.Write(ctx, tx, e)
	})
	if err != nil {
		return Perk{}, err
	}
	return getPerk(ctx, s.db, id)
}

// UpdatePerk patches a perk under its row lock; setting stock sets what is left.
func (s *Service) UpdatePerk(ctx context.Context, staff actor.Actor, id int64, in PerkInput) (Perk, error) {
	err := sqldb.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		p, err := lockPerk(ctx, tx, id)
		if err != nil {
			return err
		}
		if !managesProvider(staff, p.ProviderCode) {
			return ErrNotFound
		}
		if err := applyPerk(&p, in); err != nil {
			return err
		}
		if !managesProvider(staff, p.ProviderCode) {
			return ErrForbidden
		}
		if err := updatePerk(ctx, tx, p, s.now().UTC()); err != nil {
			return err
		}
		e := staff.AuditID("points.perk_update", "perk", id)
		e.Detail = map[string]any{"name": p.Name, "points_price": p.PointsPrice, "stock": p.Stock, "visible": p.Visible}
		return audit.Write(ctx, tx, e)
	})
	if err != nil {
		return Perk{}, err
	}
	return getPerk(ctx, s.db, id)
}

// MyVouchers lists the person's vouchers, newest first.
func (s *Service) MyVouchers(ctx context.Context, personID int64) ([]Voucher, error) {
	out, err := vouchersOf(ctx, s.db, personID)
	if err != nil {
		return nil, err
	}
	for i := range out {
		s.showStatus(&out[i])
	}
	return out, nil
}

// Stats are the dashboard figures: points by month (Asia/Shanghai) for the last months, the
// top contributors, and the vouchers of each perk by status.
func (s *Service) Stats(ctx context.Context, months int) (Stats, error) {
	months = min(max(months, 1), 60)
	out := Stats{Months: []MonthFigures{}, TopContributors: []Contributor{}, Perks: []PerkFigures{}}
	first := s.now().In(shanghai)
	first = time.Date(first.Year(), first.Month(), 1, 0, 0, 0, 0, shanghai).AddDate(0, -(months - 1), 0)
	rows, err := monthTotals(ctx, s.db, first.UTC())
	if err != nil {
		return out, err
	}
	idx := map[string]int{}
	for _, r := range rows {
		i, ok := idx[r.Month]
		if !ok {
			i = len(out.Months)
			idx[r.Month] = i
			out.Months = append(out.Months, MonthFigures{Month: r.Month})
		}
		m := &out.Months[i]
		switch r.Reason {
		case ReasonGrant:
			m.Issued += r.Total
		case ReasonRedeem:
			m.Spent -= r.Total
		case ReasonRefund:
			m.Refunded += r.Total
		case ReasonReverse:
			m.Reversed -= r.Total
		case ReasonExpire:
			m.Expired -= r.Total
		}
	}
	if out.TopContributors, err = topContributors(ctx, s.db); err != nil {
		return out, err
	}
	if out.Perks, err = perkFigures(ctx, s.db); err != nil {
		return out, err
	}
	return out, nil
}
