package policy

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"huixiang/internal/audience"
	"huixiang/internal/notify"
	"huixiang/internal/sqldb"
)

// MatchSources are the tables whose changed records the matcher reads, by updated_at.
var MatchSources = []string{"returnees", "alumni"}

// MatchBatch is how many changed records one matcher transaction reads.
const MatchBatch = 200

// MatchPage is the mini-program page a match message opens.
const MatchPage = "pages/policy/policy?id=%d"

type published struct {
	id      int64
	title   string
	appCode string
	rule    *audience.Node
}

// publishedRules are the published policies written with a rule.
func publishedRules(ctx context.Context, db sqlx.QueryerContext) ([]published, error) {
	var rows []struct {
		ID    int64  `db:"id"`
		Title string `db:"pub_title"`
		Rule  []byte `db:"rule"`
		App   []byte `db:"app"`
	}
	if err := sqlx.SelectContext(ctx, db, &rows, `SELECT p.id, p.pub_title, JSON_EXTRACT(v.content, '$.rule') AS rule,
			JSON_UNQUOTE(JSON_EXTRACT(v.content, '$.application_code')) AS app
		FROM `+publishedFrom+` WHERE p.status = 'published'`); err != nil {
		return nil, fmt.Errorf("policy: published rules: %w", err)
	}
	var out []published
	for _, r := range rows {
		if len(r.Rule) == 0 || string(r.Rule) == "null" {
			continue
		}
		n, err := audience.Parse(json.RawMessage(r.Rule))
		if err != nil {
			return nil, fmt.Errorf("policy: rule of %d: %w", r.ID, err)
		}
		app := string(r.App)
		if app == "null" {
			app = ""
		}
		out = append(out, published{id: r.ID, title: r.Title, appCode: app, rule: n})
	}
	return out, nil
}

// MatchChanged tells the people whose records changed since the matcher last stopped about the
// published policies they now meet and have not used (no application of its type, not told by
// a notice of it, not told before): one inbox message per person and policy, ever — the
// primary key of policy_matches. It reads source in (updated_at, person_id) order in batches
// under the cursor's row lock, so replicas take turns, and returns how many were told.
func (s *Service) MatchChanged(ctx context.Context, source string) (int, error) {
	told := 0
	for {
		n, more, err := s.matchBatch(ctx, source)
		told += n
		if err != nil || !more {
			return told, err
		}
	}
}

func (s *Service) matchBatch(ctx context.Context, source string) (told int, more bool, err error) {
	if source != "returnees" && source != "alumni" {
		return 0, false, fmt.Errorf("policy: unknown match source %q", source)
	}
	err = sqldb.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		var cur struct {
			After  time.Time `db:"updated_after"`
			Person uint64    `db:"person_after"`
		}
		err := tx.GetContext(ctx, &cur, `SELECT updated_after, person_after FROM policy_match_cursors WHERE source = ? FOR UPDATE`, source)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("policy: no match cursor for %s", source)
		}
		if err != nil {
			return fmt.Errorf("policy: match cursor: %w", err)
		}
		var changed []struct {
			Person  uint64    `db:"person_id"`
			Updated time.Time `db:"updated_at"`
		}
		// source is one of two table names checked above.
		if err := tx.SelectContext(ctx, &changed, `SELECT person_id, updated_at FROM `+source+`
			WHERE updated_at > ? OR (updated_at = ? AND person_id > ?)
			ORDER BY updated_at, person_id LIMIT ?`, cur.After, cur.After, cur.Person, MatchBatch); err != nil {
			return fmt.Errorf("policy: changed %s: %w", source, err)
		}
		if len(changed) == 0 {
			return nil
		}
		more = len(changed) == MatchBatch
		rules, err := publishedRules(ctx, tx)
		if err != nil {
			return err
		}
		day := today(s.now())
		now := s.now().UTC()
		for _, c := range changed {
			if len(rules) == 0 {
				break
			}
			facts, err := audience.LoadFacts(ctx, tx, c.Person)
			if errors.Is(err, audience.ErrNoPerson) {
				continue
			}
			if err != nil {
				return err
			}
			var userID sql.NullInt64
			if err := tx.GetContext(ctx, &userID, `SELECT user_id FROM persons WHERE id = ?`, c.Person); err != nil {
				return fmt.Errorf("policy: user of %d: %w", c.Person, err)
			}
			for _, p := range rules {
				if p.rule.Eval(facts, day) != audience.True {
					continue
				}
				n, err := tellMatch(ctx, tx, c.Person, userID, p, now, s.PushQuiet)
				if err != nil {
					return err
				}
				told += n
			}
		}
		last := changed[len(changed)-1]
		if _, err := tx.ExecContext(ctx, `UPDATE policy_match_cursors SET updated_after = ?, person_after = ? WHERE source = ?`,
			last.Updated, last.Person, source); err != nil {
			return fmt.Errorf("policy: move match cursor: %w", err)
		}
		return nil
	})
	return told, more, err
}

// tellMatch records and tells one match unless the person used the policy or was told of it.
func tellMatch(ctx context.Context, tx *sqlx.Tx, person uint64, user sql.NullInt64, p published, now time.Time, quiet *notify.Quiet) (int, error) {
	var used bool
	if err := tx.GetContext(ctx, &used, `SELECT
			EXISTS (SELECT 1 FROM applications WHERE person_id = ? AND policy_code = ?)
			OR EXISTS (SELECT 1 FROM notice_deliveries d JOIN notices n ON n.id = d.notice_id WHERE d.person_id = ? AND n.policy_id = ?)`,
		person, p.appCode, person, p.id); err != nil {
		return 0, fmt.Errorf("policy: used %d by %d: %w", p.id, person, err)
	}
	if used {
		return 0, nil
	}
	var userID any
	if user.Valid {
		userID = user.Int64
	}
	res, err := tx.ExecContext(ctx, `INSERT IGNORE INTO policy_matches (person_id, policy_id, user_id, matched_at) VALUES (?, ?, ?, ?)`,
		person, p.id, userID, now)
	if err != nil {
		return 0, fmt.Errorf("policy: record match: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 || !user.Valid {
		return 0, nil // told before, or no account to tell
	}
	title := []rune(p.title)
	if len(title) > 80 {
		title = append(title[:79], '…')
	}
	if err := notify.EnqueueInbox(ctx, tx, []notify.Notification{{UserID: user.Int64, Kind: "policy_match",
		Title: "有一项政策适合您：" + string(title), Body: "根据您登记的情况，您符合这项政策的条件。点开看看怎么办理。",
		Page: fmt.Sprintf(MatchPage, p.id), RefType: "policy", RefID: p.id,
		DedupKey: fmt.Sprintf("policy-match:%d:%d", p.id, person)}}); err != nil {
		return 0, err
	}
	if quiet != nil {
		if err := notify.EnqueuePushes(ctx, tx, []notify.Push{{UserID: user.Int64, DedupKey: fmt.Sprintf("policy-match:%d:%d", p.id, person),
			Page: fmt.Sprintf(MatchPage, p.id), Title: string(title), Summary: "您符合这项政策的条件"}}, now, quiet.Next(now)); err != nil {
			return 0, err
		}
	}
	return 1, nil
}

// MatchLoop runs MatchChanged over every source each interval until ctx ends.
func (s *Service) MatchLoop(ctx context.Context, every time.Duration, warn func(msg string, args ...any)) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		for _, src := range MatchSources {
			if _, err := s.MatchChanged(ctx, src); err != nil && ctx.Err() == nil {
				warn("policy matches: stopped; resumes at the next round", "source", src, "error", err.Error())
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
