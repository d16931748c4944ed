package moderation

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"

	"huixiang/internal/wechat"
)

type fixed struct {
	v   wechat.Verdict
	err error
}

func (f fixed) CheckText(context.Context, string, string) (wechat.Verdict, error) { return f.v, f.err }

func TestReview(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	cases := []struct {
		name    string
		c       fixed
		text    string
		want    string
		wantErr error
	}{
		{"pass", fixed{v: wechat.VerdictPass}, "竹编", StateOK, nil},
		{"review", fixed{v: wechat.VerdictReview}, "竹编", StateReview, nil},
		{"risky", fixed{v: wechat.VerdictRisky}, "赌博", "", ErrRejected},
		{"unreachable keeps the text", fixed{err: wechat.ErrUnavailable}, "竹编", StatePending, nil},
		{"no text, no call", fixed{err: errors.New("must not be called")}, "", StateOK, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Review(context.Background(), tc.c, log, "o1", tc.text)
			if got != tc.want || !errors.Is(err, tc.wantErr) {
				t.Fatalf("Review = %q, %v; want %q, %v", got, err, tc.want, tc.wantErr)
			}
		})
	}
}
