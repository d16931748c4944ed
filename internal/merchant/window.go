package merchant

import (
	"time"

	"huixiang/internal/cn"
)

// FreshDays is the update-rate window in days: a record confirmed within it counts as fresh.
func (s *Service) FreshDays() int { return s.freshDays }

// ConfirmDueOn is the Beijing date (YYYY-MM-DD) of the last day a record confirmed at confirmed
// stays fresh; after it the mini program asks the merchant to confirm or update.
func (s *Service) ConfirmDueOn(confirmed time.Time) string {
	return confirmed.UTC().AddDate(0, 0, s.freshDays).In(cn.Zone).Format("2006-01-02")
}
