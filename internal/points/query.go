package points

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
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
	var id int64
	err := s.db.GetContext(ctx, &id, `SELECT id FROM persons WHERE user_id = ?`, userID)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, ErrNotRegistered
	}
	if err != nil {
		return 0, fmt.Errorf("points: person: %w", sqldb.Classify(err))
	}
	return id, nil
}

// Summary is the person's balance and the points expiring within the window (by expiry date).
// Points past their expiry that the nightly job has not yet written off are not counted.
func (s *Service) Summary(ctx context.Context, personID int64, within time.Duration) (Summary, error) {
	now := s.now().UTC()
	out := Summary{PersonID: personID, Expiring: []Expiring{}}
	var due int64
	err := s.db.GetContext(ctx, &due, `SELECT COALESCE(SUM(remaining), 0) FROM points_entries WHERE person_id = ? AND remaining > 0 AND expires_at <= ?`, personID, now)
	if err != nil {
		return out, fmt.Errorf("points: summary: %w", sqldb.Classify(err))
	}
	err = s.db.GetContext(ctx, &out.Balance, `SELECT balance FROM points_accounts WHERE person_id = ?`, personID)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return out, fmt.Errorf("points: summary: %w", sqldb.Classify(err))
	}
	out.Balance = max(out.Balance-due, 0)
	err = s.db.SelectContext(ctx, &out.Expiring, `SELECT SUM(remaining) AS points, expires_at FROM points_entries
		WHERE person_id = ? AND remaining > 0 AND expires_at > ? AND expires_at <= ? GROUP BY expires_at ORDER BY expires_at`,
		personID, now, now.Add(within))
	if err != nil {
		return out, fmt.Errorf("points: expiring: %w", sqldb.Classify(err))
	}
	for _, e := range out.Expiring {
		out.ExpiringTotal += e.Points
	}
	return out, nil
}

// Entries pages the person's ledger, newest first.
func (s *Service) Entries(ctx context.Context, personID int64, page, size int) (EntryPage, error) {
	if size <= 0 {
		size = 20
	}
	page, size = max(page, 1), min(size, 100)
	out := EntryPage{Items: []Entry{}, Page: page, PageSize: size}
	if err := s.db.GetContext(ctx, &out.Total, `SELECT COUNT(*) FROM points_entries WHERE person_id = ?`, personID); err != nil {
		return out, fmt.Errorf("points: entries: %w", sqldb.Classify(err))
	}
	err := s.db.SelectContext(ctx, &out.Items, `SELECT `+entryColumns+` FROM points_entries WHERE person_id = ?
		ORDER BY id DESC LIMIT ? OFFSET ?`, personID, size, sqldb.Offset(page, size))
	if err != nil {
		return out, fmt.Errorf("points: entries: %w", sqldb.Classify(err))
	}
	return out, nil
}

// Perks lists what a user may redeem now: visible, in the validity window, with stock left.
func (s *Service) Perks(ctx context.Context) ([]Perk, error) {
	now := s.now().UTC()
	out := []Perk{}
	err := s.db.SelectContext(ctx, &out, `SELECT `+perkColumns+` FROM perks
		WHERE visible AND valid_from <= ? AND valid_until > ? AND (stock IS NULL OR stock > 0)
		ORDER BY points_price, id`, now, now)
	if err != nil {
		return nil, fmt.Errorf("points: perks: %w", sqldb.Classify(err))
	}
	return out, nil
}

// AllPerks lists the catalogue for staff; department staff see their provider's perks.
func (s *Service) AllPerks(ctx context.Context, staff actor.Actor) ([]Perk, error) {
	out := []Perk{}
	q, args := `SELECT `+perkColumns+` FROM perks`, []any{}
	if provider, ok := providerScope(staff); !ok || provider != "" {
		q += ` WHERE provider_code = ?`
		args = append(args, provider)
	}
	if err := s.db.SelectContext(ctx, &out, q+` ORDER BY id DESC`, args...); err != nil {
		return nil, fmt.Errorf("points: perks: %w", sqldb.Classify(err))
	}
	return out, nil
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
		now := s.now().UTC()
		res, err := tx.ExecContext(ctx, `INSERT INTO perks (name, category, provider_code, points_price, stock, per_person_limit,
			valid_from, valid_until, description, picture_url, visible, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			p.Name, p.Category, p.ProviderCode, p.PointsPrice, p.Stock, p.PerPersonLimit, p.ValidFrom, p.ValidUntil, p.Description,
			p.PictureURL, p.Visible, now, now)
		if err != nil {
			return fmt.Errorf("points: create perk: %w", sqldb.Classify(err))
		}
		if id, err = res.LastInsertId(); err != nil {
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
		var p Perk
		err := tx.GetContext(ctx, &p, `SELECT `+perkColumns+` FROM perks WHERE id = ? FOR UPDATE`, id)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("points: perk: %w", sqldb.Classify(err))
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
		_, err = tx.ExecContext(ctx, `UPDATE perks SET name = ?, category = ?, provider_code = ?, points_price = ?, stock = ?,
			per_person_limit = ?, valid_from = ?, valid_until = ?, description = ?, picture_url = ?, visible = ?, updated_at = ? WHERE id = ?`,
			p.Name, p.Category, p.ProviderCode, p.PointsPrice, p.Stock, p.PerPersonLimit, p.ValidFrom, p.ValidUntil, p.Description,
			p.PictureURL, p.Visible, s.now().UTC(), id)
		if err != nil {
			return fmt.Errorf("points: update perk: %w", sqldb.Classify(err))
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
	out := []Voucher{}
	if err := s.db.SelectContext(ctx, &out, voucherSelect+` WHERE v.person_id = ? ORDER BY v.id DESC LIMIT 200`, personID); err != nil {
		return nil, fmt.Errorf("points: vouchers: %w", sqldb.Classify(err))
	}
	for i := range out {
		out[i].QR = QRPrefix + out[i].Code
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
	var rows []struct {
		Month  string `db:"month"`
		Reason string `db:"reason_code"`
		Total  int64  `db:"total"`
	}
	err := s.db.SelectContext(ctx, &rows, `SELECT DATE_FORMAT(DATE_ADD(created_at, INTERVAL 8 HOUR), '%Y-%m') AS month, reason_code,
		SUM(delta) AS total FROM points_entries WHERE created_at >= ? GROUP BY month, reason_code ORDER BY month`, first.UTC())
	if err != nil {
		return out, fmt.Errorf("points: stats: %w", sqldb.Classify(err))
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
	err = s.db.SelectContext(ctx, &out.TopContributors, `SELECT e.person_id, p.name, SUM(e.delta) AS earned
		FROM points_entries e JOIN persons p ON p.id = e.person_id
		WHERE e.reason_code IN ('grant', 'reverse') GROUP BY e.person_id, p.name HAVING earned > 0 ORDER BY earned DESC, e.person_id LIMIT 10`)
	if err != nil {
		return out, fmt.Errorf("points: top: %w", sqldb.Classify(err))
	}
	err = s.db.SelectContext(ctx, &out.Perks, `SELECT p.id AS perk_id, p.name,
		COALESCE(SUM(v.status = 'issued'), 0) AS issued, COALESCE(SUM(v.status = 'used'), 0) AS used,
		COALESCE(SUM(v.status = 'cancelled'), 0) AS cancelled, COALESCE(SUM(v.status = 'expired'), 0) AS expired
		FROM perks p LEFT JOIN vouchers v ON v.perk_id = p.id GROUP BY p.id, p.name ORDER BY p.id`)
	if err != nil {
		return out, fmt.Errorf("points: perk stats: %w", sqldb.Classify(err))
	}
	return out, nil
}
