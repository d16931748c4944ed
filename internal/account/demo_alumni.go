package account

import (
	"context"
	"fmt"
	"time"

	"huixiang/internal/sqldb"
)

// DemoUser returns the mini-program user of openID with phone bound, creating the user, or
// binding the phone, when needed: a user without WeChat, for the demo seed (internal/demo) only,
// whose demo people register and check in through the same services as real users. It is the
// upsert by openid that Login makes, plus the phone that BindPhone would store (encrypted, with
// its blind index). Calling it twice returns the same user.
func (s *Service) DemoUser(ctx context.Context, openID, phone string) (int64, error) {
	now := time.Now().UTC().Truncate(time.Millisecond)
	// LAST_INSERT_ID(id) makes the existing row's id the answer of an upsert that updated.
	res, err := s.db.ExecContext(ctx, `
		INSERT INTO users (openid, phone_enc, phone_idx, created_at, updated_at, last_login_at) VALUES (?, ?, ?, ?, ?, ?)
		ON DUPLICATE KEY UPDATE id = LAST_INSERT_ID(id), phone_enc = VALUES(phone_enc), phone_idx = VALUES(phone_idx)`,
		openID, s.box.Seal("phone", phone), s.box.Index("phone", phone), now, now, now)
	if err != nil {
		return 0, fmt.Errorf("account: demo user: %w", sqldb.Classify(err))
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, fmt.Errorf("account: demo user: %w", err)
	}
	return id, nil
}
