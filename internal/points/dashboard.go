package points

import (
	"context"
	"time"
)

// MonthPoints are the points granted and the points spent on perks in one month (Asia/Shanghai,
// "2006-01").
type MonthPoints struct {
	Month    string
	Issued   int64
	Redeemed int64
}

// Monthly is the staff console's points chart: the last months, oldest first, every month
// present (zeros included). It reads only the ledger's range of created_at (the index
// idx_points_entries_created); Stats also ranks contributors and counts vouchers, which the chart
// does not need. The signs are Stats': a grant adds, a redemption is a negative delta.
func (s *Service) Monthly(ctx context.Context, months int) ([]MonthPoints, error) {
	months = min(max(months, 1), 60)
	local := s.now().In(shanghai)
	first := time.Date(local.Year(), local.Month(), 1, 0, 0, 0, 0, shanghai).AddDate(0, -(months - 1), 0)
	out := make([]MonthPoints, months)
	idx := make(map[string]int, months)
	for i := range out {
		out[i].Month = first.AddDate(0, i, 0).Format("2006-01")
		idx[out[i].Month] = i
	}
	rows, err := monthTotals(ctx, s.db, first.UTC())
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		i, ok := idx[r.Month]
		if !ok {
			continue
		}
		switch r.Reason {
		case ReasonGrant:
			out[i].Issued += r.Total
		case ReasonRedeem:
			out[i].Redeemed -= r.Total
		}
	}
	return out, nil
}
