package staff

import (
	"context"

	"huixiang/internal/actor"
)

// EndAll ends every session of staff account id and says how many ended (the session store's
// RevokeAll for staff sessions). The staff package does not know the store; the HTTP layers
// pass it in.
type EndAll func(ctx context.Context, id int64) (int, error)

// UpdateEndingSessions is Update followed by the end of the account's sessions when its scope
// changed, or when p names a scope field (role, department, township, disabled) even if nothing
// changed, so that repeating a request whose session ending failed (Redis down) finishes the
// job. The sessions end after the change commits: a sign-in in between would otherwise keep the
// old scope. Should ending them fail, the change stands and the error is returned. The JSON API
// and the console both change accounts through this.
func (s *Service) UpdateEndingSessions(ctx context.Context, by actor.Actor, id int64, p Patch, end EndAll) (Staff, error) {
	st, scopeChanged, err := s.Update(ctx, by, id, p)
	if err != nil {
		return st, err
	}
	scopeNamed := p.Role != nil || p.Department != nil || p.TownshipCode != nil || p.Disabled != nil
	if scopeChanged || scopeNamed {
		_, err = s.EndSessions(ctx, by, id, end)
	}
	return st, err
}

// ResetPasswordEndingSessions is ResetPassword followed by the end of the account's sessions
// (they were signed in with the old password). The one-time password is returned once.
func (s *Service) ResetPasswordEndingSessions(ctx context.Context, by actor.Actor, id int64, end EndAll) (string, error) {
	pw, err := s.ResetPassword(ctx, by, id)
	if err != nil {
		return "", err
	}
	if _, err := s.EndSessions(ctx, by, id, end); err != nil {
		return "", err
	}
	return pw, nil
}

// EndSessions ends every session of account id, audited (RevokeSessions with end).
func (s *Service) EndSessions(ctx context.Context, by actor.Actor, id int64, end EndAll) (int, error) {
	return s.RevokeSessions(ctx, by, id, func() (int, error) { return end(ctx, id) })
}

// CreateWithOneTimePassword creates account a with a generated password (a.Password is
// ignored) that must be changed at the first sign-in, and returns it once.
func (s *Service) CreateWithOneTimePassword(ctx context.Context, by actor.Actor, a NewAccount) (Staff, string, error) {
	a.Password = oneTimePassword()
	st, err := s.Create(ctx, by, a)
	if err != nil {
		return Staff{}, "", err
	}
	if _, err := s.db.ExecContext(ctx, `UPDATE staff SET must_change_password = TRUE WHERE id = ?`, st.ID); err != nil {
		return Staff{}, "", err
	}
	st.MustChangePassword = true
	return st, a.Password, nil
}
