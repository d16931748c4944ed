package account

import (
	"context"
	"fmt"
	"strings"
	"time"

	"huixiang/internal/privacy"
	"huixiang/internal/sqldb"
)

// DemoPointsUser creates (or finds) the mini-program user of a demo openid with its phone bound,
// as a WeChat sign-in, accepting the privacy policy and binding the phone would: the demo seed's alumni who hold
// points and vouchers. Only openids starting "demo-" are accepted, so it cannot stand in for a
// real WeChat user. Running it again changes nothing but the phone.
func (s *Service) DemoPointsUser(ctx context.Context, openID, phone string) (int64, error) {
	if !strings.HasPrefix(openID, "demo-") {
		return 0, fmt.Errorf("account: demo user: openid %q is not a demo openid", openID)
	}
	now := time.Now().UTC().Truncate(time.Millisecond)
	_, err := s.db.ExecContext(ctx, `
		INSERT INTO users (openid, phone_enc, phone_idx, created_at, updated_at, last_login_at) VALUES (?, ?, ?, ?, ?, ?)
		ON DUPLICATE KEY UPDATE phone_enc = VALUES(phone_enc), phone_idx = VALUES(phone_idx)`,
		openID, s.box.Seal("phone", phone), s.box.Index("phone", phone), now, now, now)
	if err != nil {
		return 0, fmt.Errorf("account: demo user: %w", sqldb.Classify(err))
	}
	r, err := s.loadByOpenID(ctx, openID)
	if err != nil {
		return 0, fmt.Errorf("account: demo user: %w", err)
	}
	// As the mini program asks before any form: the user accepted the privacy policy.
	if privacy.Check(r.PrivacyVersion) != nil {
		if _, err := privacy.Accept(ctx, s.db, r.ID, privacy.CurrentVersion, now); err != nil {
			return 0, fmt.Errorf("account: demo user privacy: %w", err)
		}
	}
	return r.ID, nil
}
