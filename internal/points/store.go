package points

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"huixiang/internal/actor"
	"huixiang/internal/sqldb"
)

// The points store: every SQL statement of the package, as functions of ctx and a
// sqlx.ExtContext (the pool or a transaction alike). Rows scan into the row structs below and
// become the package's JSON types in one function each. The two FOR UPDATE reads take a
// *sqlx.Tx: a row lock outside a transaction would end with the statement.

// ruleRow is a row of points_rules.
type ruleRow struct {
	Code             string `db:"code"`
	Name             string `db:"name"`
	Description      string `db:"description"`
	Points           int64  `db:"points"`
	PerAmountFen     *int64 `db:"per_amount_fen"`
	Active           bool   `db:"active"`
	MaxPerGrant      int64  `db:"max_per_grant"`
	MaxPerPersonYear int64  `db:"max_per_person_year"`
	Departments      string `db:"departments"` // a JSON array
	Recipients       string `db:"recipients"`
}

func (r ruleRow) rule() (Rule, error) {
	out := Rule{Code: r.Code, Name: r.Name, Description: r.Description, Points: r.Points, PerAmountFen: r.PerAmountFen,
		Active: r.Active, MaxPerGrant: r.MaxPerGrant, MaxPerPersonYear: r.MaxPerPersonYear, Departments: []string{},
		Recipients: r.Recipients}
	if err := json.Unmarshal([]byte(r.Departments), &out.Departments); err != nil {
		return Rule{}, fmt.Errorf("points: rule %s: departments %q: %w", r.Code, r.Departments, err)
	}
	return out, nil
}

// entryRecord is a row of points_entries.
type entryRecord struct {
	ID              int64      `db:"id"`
	PersonID        int64      `db:"person_id"`
	Delta           int64      `db:"delta"`
	ReasonCode      string     `db:"reason_code"`
	RuleCode        *string    `db:"rule_code"`
	Reference       string     `db:"reference"`
	Note            string     `db:"note"`
	ActorType       string     `db:"actor_type"`
	CreatedAt       time.Time  `db:"created_at"`
	BalanceAfter    int64      `db:"balance_after"`
	ExpiresAt       *time.Time `db:"expires_at"`
	Remaining       *int64     `db:"remaining"`
	ReversesEntryID *int64     `db:"reverses_entry_id"`
}

func (r entryRecord) entry() Entry { return Entry(r) }

// perkRow is a row of perks.
type perkRow struct {
	ID             int64     `db:"id"`
	Name           string    `db:"name"`
	Category       string    `db:"category"`
	ProviderCode   string    `db:"provider_code"`
	PointsPrice    int64     `db:"points_price"`
	Stock          *int64    `db:"stock"`
	PerPersonLimit *int      `db:"per_person_limit"`
	ValidFrom      time.Time `db:"valid_from"`
	ValidUntil     time.Time `db:"valid_until"`
	Description    string    `db:"description"`
	PictureURL     string    `db:"picture_url"`
	Visible        bool      `db:"visible"`
	CreatedAt      time.Time `db:"created_at"`
	UpdatedAt      time.Time `db:"updated_at"`
}

func (r perkRow) perk() Perk { return Perk(r) }

// voucherRow is a voucher with its perk's name and provider.
type voucherRow struct {
	ID           int64      `db:"id"`
	Code         string     `db:"code"`
	PerkID       int64      `db:"perk_id"`
	PerkName     string     `db:"perk_name"`
	ProviderCode string     `db:"provider_code"`
	PersonID     int64      `db:"person_id"`
	Status       string     `db:"status"`
	PointsSpent  int64      `db:"points_spent"`
	IssuedAt     time.Time  `db:"issued_at"`
	ExpiresAt    time.Time  `db:"expires_at"`
	UsedAt       *time.Time `db:"used_at"`
	UsedBy       *int64     `db:"used_by_staff_id"`
	CancelledAt  *time.Time `db:"cancelled_at"`
}

func (r voucherRow) voucher() Voucher {
	return Voucher{ID: r.ID, Code: r.Code, QR: QRPrefix + r.Code, PerkID: r.PerkID, PerkName: r.PerkName,
		ProviderCode: r.ProviderCode, PersonID: r.PersonID, Status: r.Status, PointsSpent: r.PointsSpent, IssuedAt: r.IssuedAt,
		ExpiresAt: r.ExpiresAt, UsedAt: r.UsedAt, UsedBy: r.UsedBy, CancelledAt: r.CancelledAt}
}

// The rows of the figures: the same fields as the JSON types.
type (
	expiringRow struct {
		Points    int64     `db:"points"`
		ExpiresAt time.Time `db:"expires_at"`
	}
	mismatchRow struct {
		PersonID  int64 `db:"person_id"`
		Balance   int64 `db:"balance"`
		LedgerSum int64 `db:"ledger_sum"`
	}
	contributorRow struct {
		PersonID int64  `db:"person_id"`
		Name     string `db:"name"`
		Earned   int64  `db:"earned"`
	}
	perkFiguresRow struct {
		PerkID    int64  `db:"perk_id"`
		Name      string `db:"name"`
		Issued    int64  `db:"issued"`
		Used      int64  `db:"used"`
		Cancelled int64  `db:"cancelled"`
		Expired   int64  `db:"expired"`
	}
)

// convert maps rows to their JSON type; never nil.
func convert[R, T any](rows []R, f func(R) T) []T {
	out := make([]T, len(rows))
	for i, r := range rows {
		out[i] = f(r)
	}
	return out
}

// --- rules ---------------------------------------------------------------------------------

const ruleColumns = `code, name, description, points, per_amount_fen, active, max_per_grant, max_per_person_year, departments, recipients`

func selectRules(ctx context.Context, q sqlx.ExtContext) ([]Rule, error) {
	var rows []ruleRow
	if err := sqlx.SelectContext(ctx, q, &rows, `SELECT `+ruleColumns+` FROM points_rules ORDER BY sort_order, code`); err != nil {
		return nil, fmt.Errorf("points: rules: %w", sqldb.Classify(err))
	}
	out := make([]Rule, 0, len(rows))
	for _, r := range rows {
		rule, err := r.rule()
		if err != nil {
			return nil, err
		}
		out = append(out, rule)
	}
	return out, nil
}

// GetRule reads one rule, active or not; ErrRuleUnknown when there is none.
func GetRule(ctx context.Context, q sqlx.QueryerContext, code string) (Rule, error) {
	var r ruleRow
	err := sqlx.GetContext(ctx, q, &r, `SELECT `+ruleColumns+` FROM points_rules WHERE code = ?`, code)
	if errors.Is(err, sql.ErrNoRows) {
		return Rule{}, ErrRuleUnknown
	}
	if err != nil {
		return Rule{}, fmt.Errorf("points: rule: %w", sqldb.Classify(err))
	}
	return r.rule()
}

// --- accounts and entries ------------------------------------------------------------------

// newEntry is an entry to insert.
type newEntry struct {
	PersonID     int64
	Delta        int64
	Reason       string
	Rule         *string
	Reference    string
	Note         string
	Key          string
	Actor        actor.Actor
	At           time.Time
	BalanceAfter int64
	ExpiresAt    *time.Time
	Remaining    *int64
	Reverses     *int64
	VoucherID    *int64
}

func insertEntry(ctx context.Context, q sqlx.ExtContext, e newEntry) (int64, error) {
	var actorID *int64
	if e.Actor.ID != 0 {
		actorID = &e.Actor.ID
	}
	res, err := q.ExecContext(ctx, `INSERT INTO points_entries (person_id, delta, reason_code, rule_code, reference, note,
		idempotency_key, actor_type, actor_id, created_at, balance_after, expires_at, remaining, reverses_entry_id, voucher_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.PersonID, e.Delta, e.Reason, e.Rule, e.Reference, e.Note, e.Key, string(e.Actor.Kind), actorID, e.At, e.BalanceAfter,
		e.ExpiresAt, e.Remaining, e.Reverses, e.VoucherID)
	if err != nil {
		return 0, fmt.Errorf("points: insert entry: %w", sqldb.Classify(err))
	}
	return res.LastInsertId()
}

// ensureAccount creates the person's account row if there is none.
func ensureAccount(ctx context.Context, q sqlx.ExtContext, personID int64, now time.Time) error {
	_, err := q.ExecContext(ctx, `INSERT INTO points_accounts (person_id, balance, version, created_at, updated_at) VALUES (?, 0, 0, ?, ?)
		ON DUPLICATE KEY UPDATE person_id = person_id`, personID, now, now)
	if err != nil {
		return fmt.Errorf("points: account: %w", sqldb.Classify(err))
	}
	return nil
}

// lockAccount locks the person's account row and returns its balance; ok is false when the
// person has no account yet (no points ever).
func lockAccount(ctx context.Context, tx *sqlx.Tx, personID int64) (balance int64, ok bool, err error) {
	err = tx.GetContext(ctx, &balance, `SELECT balance FROM points_accounts WHERE person_id = ? FOR UPDATE`, personID)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("points: lock account: %w", sqldb.Classify(err))
	}
	return balance, true, nil
}

// addBalance changes the locked account's balance by delta, refusing to go below zero
// (ErrInsufficientPoints).
func addBalance(ctx context.Context, q sqlx.ExtContext, personID, delta int64, at time.Time) error {
	res, err := q.ExecContext(ctx, `UPDATE points_accounts SET balance = balance + ?, version = version + 1, updated_at = ?
		WHERE person_id = ? AND balance + ? >= 0`, delta, at, personID, delta)
	if err != nil {
		return fmt.Errorf("points: balance: %w", sqldb.Classify(err))
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrInsufficientPoints
	}
	return nil
}

// spend lowers the balance by price when it holds that much; false when it does not.
func spend(ctx context.Context, q sqlx.ExtContext, personID, price int64, now time.Time) (bool, error) {
	res, err := q.ExecContext(ctx, `UPDATE points_accounts SET balance = balance - ?, version = version + 1, updated_at = ?
		WHERE person_id = ? AND balance >= ?`, price, now, personID, price)
	if err != nil {
		return false, fmt.Errorf("points: spend: %w", sqldb.Classify(err))
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// spendable is an entry with points left.
type spendable struct {
	ID        int64      `db:"id"`
	Remaining int64      `db:"remaining"`
	ExpiresAt *time.Time `db:"expires_at"`
}

// openEntries are the person's entries with points left, soonest expiry first. The account row
// must be locked: every writer of a person's entries holds that lock, so a plain read is current
// (READ COMMITTED) and needs no row locks of its own, which would range over an index and
// deadlock with other persons' transactions.
func openEntries(ctx context.Context, q sqlx.ExtContext, personID int64) ([]spendable, error) {
	var rows []spendable
	err := sqlx.SelectContext(ctx, q, &rows, `SELECT id, remaining, expires_at FROM points_entries
		WHERE person_id = ? AND remaining > 0 ORDER BY expires_at IS NULL, expires_at, id`, personID)
	if err != nil {
		return nil, fmt.Errorf("points: open entries: %w", sqldb.Classify(err))
	}
	return rows, nil
}

// takeRemaining takes amount from the entry's remaining points; it is an error when the entry
// no longer holds that much (the account lock should have made that impossible).
func takeRemaining(ctx context.Context, q sqlx.ExtContext, entryID, amount int64) error {
	res, err := q.ExecContext(ctx, `UPDATE points_entries SET remaining = remaining - ? WHERE id = ? AND remaining >= ?`, amount, entryID, amount)
	if err != nil {
		return fmt.Errorf("points: consume: %w", sqldb.Classify(err))
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return fmt.Errorf("points: consume entry %d: remaining changed under the account lock", entryID)
	}
	return nil
}

// clearRemaining sets an expired entry's remaining points (which must still be remaining) to 0.
func clearRemaining(ctx context.Context, q sqlx.ExtContext, entryID, remaining int64) error {
	res, err := q.ExecContext(ctx, `UPDATE points_entries SET remaining = 0 WHERE id = ? AND remaining = ?`, entryID, remaining)
	if err != nil {
		return fmt.Errorf("points: expire entry: %w", sqldb.Classify(err))
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return fmt.Errorf("points: expire entry %d: remaining changed under the account lock", entryID)
	}
	return nil
}

func insertAllocations(ctx context.Context, q sqlx.ExtContext, spendID int64, allocs []allocation) error {
	if len(allocs) == 0 {
		return nil
	}
	var sb strings.Builder
	args := make([]any, 0, 3*len(allocs))
	sb.WriteString(`INSERT INTO points_allocations (spend_entry_id, earn_entry_id, amount) VALUES `)
	for i, a := range allocs {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString("(?, ?, ?)")
		args = append(args, spendID, a.EarnID, a.Amount)
	}
	if _, err := q.ExecContext(ctx, sb.String(), args...); err != nil {
		return fmt.Errorf("points: allocations: %w", sqldb.Classify(err))
	}
	return nil
}

// recipient is what decides whether a person may receive a rule's points.
type recipient struct {
	Person   bool   `db:"person"`
	Alumnus  string `db:"alumnus"` // alumni status, "" when none
	Returnee bool   `db:"returnee"`
}

func getRecipient(ctx context.Context, q sqlx.ExtContext, personID int64) (recipient, error) {
	var who recipient
	err := sqlx.GetContext(ctx, q, &who, `SELECT EXISTS (SELECT 1 FROM persons WHERE id = ?) AS person,
		COALESCE((SELECT status FROM alumni WHERE person_id = ?), '') AS alumnus,
		EXISTS (SELECT 1 FROM returnees WHERE person_id = ?) AS returnee`, personID, personID, personID)
	if err != nil {
		return recipient{}, fmt.Errorf("points: person: %w", sqldb.Classify(err))
	}
	return who, nil
}

// earnedBetween is what the person earned under the rule in [from, to): the grants less what
// their reversals took back.
func earnedBetween(ctx context.Context, q sqlx.ExtContext, personID int64, rule string, from, to time.Time) (int64, error) {
	var sum int64
	err := sqlx.GetContext(ctx, q, &sum, `SELECT COALESCE(SUM(g.delta), 0) + COALESCE(SUM(r.delta), 0) FROM points_entries g
		LEFT JOIN points_entries r ON r.person_id = g.person_id AND r.reverses_entry_id = g.id AND r.reason_code = 'reverse'
		WHERE g.person_id = ? AND g.reason_code = 'grant' AND g.rule_code = ? AND g.created_at >= ? AND g.created_at < ?`,
		personID, rule, from, to)
	if err != nil {
		return 0, fmt.Errorf("points: year's grants: %w", sqldb.Classify(err))
	}
	return sum, nil
}

const entryColumns = `id, person_id, delta, reason_code, rule_code, reference, note, actor_type, created_at, balance_after,
	expires_at, remaining, reverses_entry_id`

func getEntry(ctx context.Context, q sqlx.ExtContext, id int64) (Entry, error) {
	var r entryRecord
	err := sqlx.GetContext(ctx, q, &r, `SELECT `+entryColumns+` FROM points_entries WHERE id = ?`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return Entry{}, ErrNotFound
	}
	if err != nil {
		return Entry{}, fmt.Errorf("points: entry: %w", sqldb.Classify(err))
	}
	return r.entry(), nil
}

// keyUsed says whether an entry with the idempotency key exists (a reversal of a grant).
func keyUsed(ctx context.Context, q sqlx.ExtContext, key string) (bool, error) {
	var n int
	if err := sqlx.GetContext(ctx, q, &n, `SELECT COUNT(*) FROM points_entries WHERE idempotency_key = ?`, key); err != nil {
		return false, fmt.Errorf("points: entry %s: %w", key, sqldb.Classify(err))
	}
	return n > 0, nil
}

// refundsOf are the person's refund entries that refill any of the entries ids.
func refundsOf(ctx context.Context, q sqlx.ExtContext, personID int64, ids []int64) ([]int64, error) {
	query, args, err := sqlx.In(`SELECT id FROM points_entries WHERE person_id = ? AND reason_code = 'refund' AND reverses_entry_id IN (?)`,
		personID, ids)
	if err != nil {
		return nil, err
	}
	var out []int64
	if err := sqlx.SelectContext(ctx, q, &out, query, args...); err != nil {
		return nil, fmt.Errorf("points: grant lots: %w", sqldb.Classify(err))
	}
	return out, nil
}

// entryOrigin is an entry's reason and the entry it reverses or refills.
type entryOrigin struct {
	Reason   string `db:"reason_code"`
	Reverses *int64 `db:"reverses_entry_id"`
}

func getEntryOrigin(ctx context.Context, q sqlx.ExtContext, id int64) (entryOrigin, error) {
	var e entryOrigin
	if err := sqlx.GetContext(ctx, q, &e, `SELECT reason_code, reverses_entry_id FROM points_entries WHERE id = ?`, id); err != nil {
		return entryOrigin{}, fmt.Errorf("points: origin of entry %d: %w", id, sqldb.Classify(err))
	}
	return e, nil
}

// personsWithDuePoints are up to 500 persons with earned points past their expiry.
func personsWithDuePoints(ctx context.Context, q sqlx.ExtContext, now time.Time) ([]int64, error) {
	var persons []int64
	err := sqlx.SelectContext(ctx, q, &persons, `SELECT DISTINCT person_id FROM points_entries
		WHERE expires_at <= ? AND remaining > 0 LIMIT 500`, now)
	if err != nil {
		return nil, fmt.Errorf("points: due: %w", sqldb.Classify(err))
	}
	return persons, nil
}

// expireVouchers marks up to 1000 issued vouchers past their expiry expired.
func expireVouchers(ctx context.Context, q sqlx.ExtContext, now time.Time) (int64, error) {
	res, err := q.ExecContext(ctx, `UPDATE vouchers SET status = 'expired' WHERE status = 'issued' AND expires_at <= ? LIMIT 1000`, now)
	if err != nil {
		return 0, fmt.Errorf("points: expire vouchers: %w", sqldb.Classify(err))
	}
	n, _ := res.RowsAffected()
	return n, nil
}

func selectMismatches(ctx context.Context, q sqlx.ExtContext) ([]Mismatch, error) {
	var rows []mismatchRow
	err := sqlx.SelectContext(ctx, q, &rows, `
		SELECT a.person_id, a.balance, COALESCE(l.total, 0) AS ledger_sum
		FROM points_accounts a LEFT JOIN (SELECT person_id, SUM(delta) AS total FROM points_entries GROUP BY person_id) l
		  ON l.person_id = a.person_id
		WHERE a.balance <> COALESCE(l.total, 0)
		UNION ALL
		SELECT l.person_id, 0 AS balance, l.total AS ledger_sum
		FROM (SELECT person_id, SUM(delta) AS total FROM points_entries GROUP BY person_id) l
		LEFT JOIN points_accounts a ON a.person_id = l.person_id
		WHERE a.person_id IS NULL
		ORDER BY person_id`)
	if err != nil {
		return nil, fmt.Errorf("points: verify: %w", sqldb.Classify(err))
	}
	return convert(rows, func(r mismatchRow) Mismatch { return Mismatch(r) }), nil
}

// --- what a user sees ----------------------------------------------------------------------

func personOfUser(ctx context.Context, q sqlx.ExtContext, userID int64) (int64, error) {
	var id int64
	err := sqlx.GetContext(ctx, q, &id, `SELECT id FROM persons WHERE user_id = ?`, userID)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, ErrNotRegistered
	}
	if err != nil {
		return 0, fmt.Errorf("points: person: %w", sqldb.Classify(err))
	}
	return id, nil
}

// dueTotal is the person's points past their expiry not yet written off.
func dueTotal(ctx context.Context, q sqlx.ExtContext, personID int64, now time.Time) (int64, error) {
	var due int64
	err := sqlx.GetContext(ctx, q, &due, `SELECT COALESCE(SUM(remaining), 0) FROM points_entries WHERE person_id = ? AND remaining > 0 AND expires_at <= ?`, personID, now)
	if err != nil {
		return 0, fmt.Errorf("points: summary: %w", sqldb.Classify(err))
	}
	return due, nil
}

// balanceOf is the account's balance, 0 when the person has none.
func balanceOf(ctx context.Context, q sqlx.ExtContext, personID int64) (int64, error) {
	var b int64
	err := sqlx.GetContext(ctx, q, &b, `SELECT balance FROM points_accounts WHERE person_id = ?`, personID)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("points: summary: %w", sqldb.Classify(err))
	}
	return b, nil
}

// expiringBetween are the person's remaining points expiring in (from, to], by expiry.
func expiringBetween(ctx context.Context, q sqlx.ExtContext, personID int64, from, to time.Time) ([]Expiring, error) {
	var rows []expiringRow
	err := sqlx.SelectContext(ctx, q, &rows, `SELECT SUM(remaining) AS points, expires_at FROM points_entries
		WHERE person_id = ? AND remaining > 0 AND expires_at > ? AND expires_at <= ? GROUP BY expires_at ORDER BY expires_at`,
		personID, from, to)
	if err != nil {
		return nil, fmt.Errorf("points: expiring: %w", sqldb.Classify(err))
	}
	return convert(rows, func(r expiringRow) Expiring { return Expiring(r) }), nil
}

// pageEntries is a page of the person's entries, newest first, and their total.
func pageEntries(ctx context.Context, q sqlx.ExtContext, personID int64, page sqldb.PageRequest) ([]Entry, int, error) {
	var total int
	if err := sqlx.GetContext(ctx, q, &total, `SELECT COUNT(*) FROM points_entries WHERE person_id = ?`, personID); err != nil {
		return nil, 0, fmt.Errorf("points: entries: %w", sqldb.Classify(err))
	}
	var rows []entryRecord
	err := sqlx.SelectContext(ctx, q, &rows, `SELECT `+entryColumns+` FROM points_entries WHERE person_id = ?
		ORDER BY id DESC LIMIT ? OFFSET ?`, personID, page.Limit(), page.Offset())
	if err != nil {
		return nil, 0, fmt.Errorf("points: entries: %w", sqldb.Classify(err))
	}
	return convert(rows, entryRecord.entry), total, nil
}

// --- perks ---------------------------------------------------------------------------------

const perkColumns = `id, name, category, provider_code, points_price, stock, per_person_limit, valid_from, valid_until,
	description, picture_url, visible, created_at, updated_at`

func getPerk(ctx context.Context, q sqlx.QueryerContext, id int64) (Perk, error) {
	var p perkRow
	err := sqlx.GetContext(ctx, q, &p, `SELECT `+perkColumns+` FROM perks WHERE id = ?`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return Perk{}, ErrNotFound
	}
	if err != nil {
		return Perk{}, fmt.Errorf("points: perk: %w", sqldb.Classify(err))
	}
	return p.perk(), nil
}

// lockPerk reads the perk under its row lock (for a read-modify-write).
func lockPerk(ctx context.Context, tx *sqlx.Tx, id int64) (Perk, error) {
	var p perkRow
	err := tx.GetContext(ctx, &p, `SELECT `+perkColumns+` FROM perks WHERE id = ? FOR UPDATE`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return Perk{}, ErrNotFound
	}
	if err != nil {
		return Perk{}, fmt.Errorf("points: perk: %w", sqldb.Classify(err))
	}
	return p.perk(), nil
}

// availablePerks are the visible perks in their validity window with stock left.
func availablePerks(ctx context.Context, q sqlx.ExtContext, now time.Time) ([]Perk, error) {
	var rows []perkRow
	err := sqlx.SelectContext(ctx, q, &rows, `SELECT `+perkColumns+` FROM perks
		WHERE visible AND valid_from <= ? AND valid_until > ? AND (stock IS NULL OR stock > 0)
		ORDER BY points_price, id`, now, now)
	if err != nil {
		return nil, fmt.Errorf("points: perks: %w", sqldb.Classify(err))
	}
	return convert(rows, perkRow.perk), nil
}

// perksOf lists the catalogue, newest first: every provider's perks when all, else provider's.
func perksOf(ctx context.Context, q sqlx.ExtContext, all bool, provider string) ([]Perk, error) {
	query, args := `SELECT `+perkColumns+` FROM perks`, []any{}
	if !all {
		query += ` WHERE provider_code = ?`
		args = append(args, provider)
	}
	var rows []perkRow
	if err := sqlx.SelectContext(ctx, q, &rows, query+` ORDER BY id DESC`, args...); err != nil {
		return nil, fmt.Errorf("points: perks: %w", sqldb.Classify(err))
	}
	return convert(rows, perkRow.perk), nil
}

func insertPerk(ctx context.Context, q sqlx.ExtContext, p Perk, now time.Time) (int64, error) {
	res, err := q.ExecContext(ctx, `INSERT INTO perks (name, category, provider_code, points_price, stock, per_person_limit,
		valid_from, valid_until, description, picture_url, visible, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		p.Name, p.Category, p.ProviderCode, p.PointsPrice, p.Stock, p.PerPersonLimit, p.ValidFrom, p.ValidUntil, p.Description,
		p.PictureURL, p.Visible, now, now)
	if err != nil {
		return 0, fmt.Errorf("points: create perk: %w", sqldb.Classify(err))
	}
	return res.LastInsertId()
}

func updatePerk(ctx context.Context, q sqlx.ExtContext, p Perk, now time.Time) error {
	_, err := q.ExecContext(ctx, `UPDATE perks SET name = ?, category = ?, provider_code = ?, points_price = ?, stock = ?,
		per_person_limit = ?, valid_from = ?, valid_until = ?, description = ?, picture_url = ?, visible = ?, updated_at = ? WHERE id = ?`,
		p.Name, p.Category, p.ProviderCode, p.PointsPrice, p.Stock, p.PerPersonLimit, p.ValidFrom, p.ValidUntil, p.Description,
		p.PictureURL, p.Visible, now, p.ID)
	if err != nil {
		return fmt.Errorf("points: update perk: %w", sqldb.Classify(err))
	}
	return nil
}

// takeStock takes one from the perk's stock with a conditional update. It is ErrOutOfStock only
// when the update found none left and the perk's row says its stock is limited; a database error
// is that error, never "out of stock".
func takeStock(ctx context.Context, q sqlx.ExtContext, perkID int64) error {
	res, err := q.ExecContext(ctx, `UPDATE perks SET stock = stock - 1 WHERE id = ? AND (stock IS NULL OR stock > 0)`, perkID)
	if err != nil {
		return fmt.Errorf("points: stock: %w", sqldb.Classify(err))
	}
	if n, _ := res.RowsAffected(); n > 0 {
		return nil
	}
	// NULL - 1 changes nothing: staff made it unlimited since we read it.
	var unlimited bool
	if err := sqlx.GetContext(ctx, q, &unlimited, `SELECT stock IS NULL FROM perks WHERE id = ?`, perkID); err != nil {
		return fmt.Errorf("points: stock: %w", sqldb.Classify(err))
	}
	if !unlimited {
		return ErrOutOfStock
	}
	return nil
}

// restock gives one back to a perk of limited stock.
func restock(ctx context.Context, q sqlx.ExtContext, perkID int64) error {
	if _, err := q.ExecContext(ctx, `UPDATE perks SET stock = stock + 1 WHERE id = ? AND stock IS NOT NULL`, perkID); err != nil {
		return fmt.Errorf("points: restock: %w", sqldb.Classify(err))
	}
	return nil
}

// --- vouchers ------------------------------------------------------------------------------

const voucherSelect = `SELECT v.id, v.code, v.perk_id, p.name AS perk_name, p.provider_code, v.person_id, v.status, v.points_spent,
	v.issued_at, v.expires_at, v.used_at, v.used_by_staff_id, v.cancelled_at
	FROM vouchers v JOIN perks p ON p.id = v.perk_id`

// voucherWhere reads the one voucher matching where (a fixed condition of this package).
func voucherWhere(ctx context.Context, q sqlx.QueryerContext, where string, args ...any) (Voucher, error) {
	var r voucherRow
	err := sqlx.GetContext(ctx, q, &r, voucherSelect+` WHERE `+where, args...)
	if errors.Is(err, sql.ErrNoRows) {
		return Voucher{}, ErrNotFound
	}
	if err != nil {
		return Voucher{}, fmt.Errorf("points: voucher: %w", sqldb.Classify(err))
	}
	return r.voucher(), nil
}

// vouchersOf are the person's latest 200 vouchers, newest first.
func vouchersOf(ctx context.Context, q sqlx.ExtContext, personID int64) ([]Voucher, error) {
	var rows []voucherRow
	if err := sqlx.SelectContext(ctx, q, &rows, voucherSelect+` WHERE v.person_id = ? ORDER BY v.id DESC LIMIT 200`, personID); err != nil {
		return nil, fmt.Errorf("points: vouchers: %w", sqldb.Classify(err))
	}
	return convert(rows, voucherRow.voucher), nil
}

// liveVouchers counts the person's issued and used vouchers of the perk.
func liveVouchers(ctx context.Context, q sqlx.ExtContext, personID, perkID int64) (int, error) {
	var n int
	if err := sqlx.GetContext(ctx, q, &n, `SELECT COUNT(*) FROM vouchers WHERE person_id = ? AND perk_id = ? AND status IN ('issued', 'used')`,
		personID, perkID); err != nil {
		return 0, fmt.Errorf("points: limit: %w", sqldb.Classify(err))
	}
	return n, nil
}

// insertVoucher issues a voucher; sqldb.ErrDuplicate (unwrapped) when the person's key or the
// code is taken.
func insertVoucher(ctx context.Context, q sqlx.ExtContext, code string, perkID, personID, price int64, now, expires time.Time, key string) (int64, error) {
	res, err := q.ExecContext(ctx, `INSERT INTO vouchers (code, perk_id, person_id, status, points_spent, issued_at, expires_at, idempotency_key)
		VALUES (?, ?, ?, 'issued', ?, ?, ?, ?)`, code, perkID, personID, price, now, expires, key)
	if err = sqldb.Classify(err); errors.Is(err, sqldb.ErrDuplicate) {
		return 0, err
	} else if err != nil {
		return 0, fmt.Errorf("points: voucher: %w", err)
	}
	return res.LastInsertId()
}

// cancelIssued turns the person's issued, unexpired voucher cancelled; false when it is not.
func cancelIssued(ctx context.Context, q sqlx.ExtContext, voucherID, personID int64, now time.Time) (bool, error) {
	res, err := q.ExecContext(ctx, `UPDATE vouchers SET status = 'cancelled', cancelled_at = ?
		WHERE id = ? AND person_id = ? AND status = 'issued' AND expires_at > ?`, now, voucherID, personID, now)
	if err != nil {
		return false, fmt.Errorf("points: cancel: %w", sqldb.Classify(err))
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// voucherSpend is what a voucher cost.
type voucherSpend struct {
	Code   string `db:"code"`
	PerkID int64  `db:"perk_id"`
	Spent  int64  `db:"points_spent"`
}

func getVoucherSpend(ctx context.Context, q sqlx.ExtContext, voucherID int64) (voucherSpend, error) {
	var vr voucherSpend
	if err := sqlx.GetContext(ctx, q, &vr, `SELECT code, perk_id, points_spent FROM vouchers WHERE id = ?`, voucherID); err != nil {
		return voucherSpend{}, fmt.Errorf("points: cancel: %w", sqldb.Classify(err))
	}
	return vr, nil
}

// spentAllocation is what of an earned entry a redemption spent, with that entry's expiry.
type spentAllocation struct {
	EarnID    int64      `db:"earn_entry_id"`
	Amount    int64      `db:"amount"`
	ExpiresAt *time.Time `db:"expires_at"`
}

// allocationsOfRedemption are the allocations of the redemption of voucher code.
func allocationsOfRedemption(ctx context.Context, q sqlx.ExtContext, code string) ([]spentAllocation, error) {
	var allocs []spentAllocation
	err := sqlx.SelectContext(ctx, q, &allocs, `SELECT a.earn_entry_id, a.amount, e.expires_at FROM points_allocations a
		JOIN points_entries e ON e.id = a.earn_entry_id
		WHERE a.spend_entry_id = (SELECT id FROM points_entries WHERE idempotency_key = ?) ORDER BY a.earn_entry_id`, "redeem:"+code)
	if err != nil {
		return nil, fmt.Errorf("points: allocations: %w", sqldb.Classify(err))
	}
	return allocs, nil
}

// markUsed turns an issued, unexpired voucher used by staffID; with provider set, only one of
// that provider's perks. It returns whether it did.
func markUsed(ctx context.Context, q sqlx.ExtContext, code string, staffID int64, provider string, now time.Time) (bool, error) {
	query := `UPDATE vouchers SET status = 'used', used_at = ?, used_by_staff_id = ? WHERE code = ? AND status = 'issued' AND expires_at > ?`
	args := []any{now, staffID, code, now}
	if provider != "" {
		query += ` AND perk_id IN (SELECT id FROM perks WHERE provider_code = ?)`
		args = append(args, provider)
	}
	res, err := q.ExecContext(ctx, query, args...)
	if err != nil {
		return false, fmt.Errorf("points: verify: %w", sqldb.Classify(err))
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// staffName is the display name (or username) of a staff member; "" when there is none.
func staffName(ctx context.Context, q sqlx.ExtContext, staffID int64) (string, error) {
	var name string
	err := sqlx.GetContext(ctx, q, &name, `SELECT COALESCE(NULLIF(display_name, ''), username) FROM staff WHERE id = ?`, staffID)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("points: voucher verifier: %w", sqldb.Classify(err))
	}
	return name, nil
}

// --- figures -------------------------------------------------------------------------------

// monthTotal is the sum of entries of one reason in one month (Asia/Shanghai).
type monthTotal struct {
	Month  string `db:"month"`
	Reason string `db:"reason_code"`
	Total  int64  `db:"total"`
}

func monthTotals(ctx context.Context, q sqlx.ExtContext, from time.Time) ([]monthTotal, error) {
	var rows []monthTotal
	err := sqlx.SelectContext(ctx, q, &rows, `SELECT DATE_FORMAT(DATE_ADD(created_at, INTERVAL 8 HOUR), '%Y-%m') AS month, reason_code,
		SUM(delta) AS total FROM points_entries WHERE created_at >= ? GROUP BY month, reason_code ORDER BY month`, from)
	if err != nil {
		return nil, fmt.Errorf("points: stats: %w", sqldb.Classify(err))
	}
	return rows, nil
}

func topContributors(ctx context.Context, q sqlx.ExtContext) ([]Contributor, error) {
	var rows []contributorRow
	err := sqlx.SelectContext(ctx, q, &rows, `SELECT e.person_id, p.name, SUM(e.delta) AS earned
		FROM points_entries e JOIN persons p ON p.id = e.person_id
		WHERE e.reason_code IN ('grant', 'reverse') GROUP BY e.person_id, p.name HAVING earned > 0 ORDER BY earned DESC, e.person_id LIMIT 10`)
	if err != nil {
		return nil, fmt.Errorf("points: top: %w", sqldb.Classify(err))
	}
	return convert(rows, func(r contributorRow) Contributor { return Contributor(r) }), nil
}

func perkFigures(ctx context.Context, q sqlx.ExtContext) ([]PerkFigures, error) {
	var rows []perkFiguresRow
	err := sqlx.SelectContext(ctx, q, &rows, `SELECT p.id AS perk_id, p.name,
		COALESCE(SUM(v.status = 'issued'), 0) AS issued, COALESCE(SUM(v.status = 'used'), 0) AS used,
		COALESCE(SUM(v.status = 'cancelled'), 0) AS cancelled, COALESCE(SUM(v.status = 'expired'), 0) AS expired
		FROM perks p LEFT JOIN vouchers v ON v.perk_id = p.id GROUP BY p.id, p.name ORDER BY p.id`)
	if err != nil {
		return nil, fmt.Errorf("points: perk stats: %w", sqldb.Classify(err))
	}
	return convert(rows, func(r perkFiguresRow) PerkFigures { return PerkFigures(r) }), nil
}
