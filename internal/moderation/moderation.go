// Package moderation decides what happens to text users typed, from WeChat's content check:
// risky text is refused, text WeChat wants a person to look at is kept and flagged, and when
// WeChat cannot be reached the text is kept and flagged too, so that no user's input is lost.
package moderation

import (
	"context"
	"crypto/sha256"
	"errors"
	"log/slog"

	"huixiang/internal/wechat"
)

// ErrRejected means WeChat's content check called the text risky.
var ErrRejected = errors.New("moderation: text rejected by content check")

// Review states, as stored with a record.
const (
	StateOK      = "ok"
	StatePending = "pending" // WeChat could not be reached: staff should look
	StateReview  = "review"  // WeChat asked for a human look
)

// Checker is WeChat's text check (msg_sec_check needs the user's openid).
type Checker interface {
	CheckText(ctx context.Context, openID, text string) (wechat.Verdict, error)
}

// Review checks text and returns the review state to store with it, or ErrRejected.
func Review(ctx context.Context, c Checker, log *slog.Logger, openID, text string) (string, error) {
	if text == "" {
		return StateOK, nil
	}
	v, err := c.CheckText(ctx, openID, text)
	switch {
	case err != nil:
		log.WarnContext(ctx, "content check unavailable; text kept and flagged for review", "error", err)
		return StatePending, nil
	case v == wechat.VerdictRisky:
		return "", ErrRejected
	case v == wechat.VerdictReview:
		return StateReview, nil
	}
	return StateOK, nil
}

// UserText checks text typed by a signed-in mini-program user, for features that keep no
// review state of their own: risky text is ErrRejected; anything else (WeChat unsure or
// unreachable) passes, because a person reads that text before it has any effect.
type UserText struct {
	Checker Checker
	// OpenID gives the user's openid, which msg_sec_check needs.
	OpenID func(ctx context.Context, userID int64) (string, error)
	Log    *slog.Logger
}

// CheckUserText checks text typed by user userID.
func (u UserText) CheckUserText(ctx context.Context, userID int64, text string) error {
	openID, err := u.OpenID(ctx, userID)
	if err != nil {
		return err
	}
	_, err = Review(ctx, u.Checker, u.Log, openID, text)
	return err
}

// Hash is the digest of checked text that a record keeps with its review state, so that the
// same text saved again need not be checked again.
func Hash(text string) []byte {
	h := sha256.Sum256([]byte(text))
	return h[:]
}
