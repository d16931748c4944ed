package account

import (
	"context"
	"fmt"
	"time"

	"huixiang/internal/privacy"
	"huixiang/internal/sqldb"
)

// DemoUser creates the mini-program user of openID, or finds it when it exists, and binds phone
// to it, without WeChat. It is used only by the demo seed (internal/demo), which has no
// wx.login code or phone code to exchange: it stands in for a returnee who signed in to the mini
// program, accepted the privacy policy and bound their phone, so that their registry record can be claimed (returnee
// SaveMine) and they can apply. Calling it again with the same values changes nothing.
func (s *Service) DemoUser(ctx context.Context, openID, phone string) (int64, error) {
	now := time.Now().UTC().Truncate(time.Millisecond)
	if _, err := s.db.ExecContext(ctx, `
		INSERT INTO users (openid, created_at, updated_at, last_login_at) VALUES (?, ?, ?, ?)
		ON DUPLICATE KEY UPDATE openid = openid`, openID, now, now, now); err != nil {
		return 0, fmt.Errorf("account: demo user: %w", sqldb.Classify(err))
	}
	r, err := s.loadByOpenID(ctx, openID)
	if err != nil {
		return 0, fmt.Errorf("account: demo user: %w", err)
	}
	if privacy.Check(r.PrivacyVersion) != nil {
		if _, err := privacy.Accept(ctx, s.db, r.ID, privacy.CurrentVersion, now); err != nil {
			return 0, fmt.Errorf("account: demo user privacy: %w", err)
		}
	}
	if r.PhoneEnc != nil {
		if cur, err := s.box.Open("phone", r.PhoneEnc); err == nil && cur == phone {
			return r.ID, nil
		}
	}
	if _, err := s.db.ExecContext(ctx, `UPDATE users SET phone_enc = ?, phone_idx = ?, updated_at = ? WHERE id = ?`,
		s.box.Seal("phone", phone), s.box.Index("phone", phone), now, r.ID); err != nil {
		return 0, fmt.Errorf("account: demo user phone: %w", sqldb.Classify(err))
	}
	return r.ID, nil
}
