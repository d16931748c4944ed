package points

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"huixiang/internal/actor"
	"huixiang/internal/audit"
	"huixiang/internal/idempotency"
	"huixiang/internal/sqldb"
)

// codeAlphabet has no 0/O, 1/I/L: codes are read aloud and typed at the venue.
const codeAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

// codeLen characters of 31 give about 59 bits: not guessable, not sequential.
const codeLen = 12

// newCode draws a voucher code from crypto/rand, without modulo bias.
func newCode() (string, error) {
	out := make([]byte, 0, codeLen)
	buf := make([]byte, 2*codeLen)
	for len(out) < codeLen {
		if _, err := rand.Read(buf); err != nil {
			return "", fmt.Errorf("points: code: %w", sqldb.Classify(err))
		}
		for _, b := range buf {
			// 248 = 8 × 31: bytes at or above it would favour the first letters.
			if b < 248 && len(out) < codeLen {
				out = append(out, codeAlphabet[int(b)%len(codeAlphabet)])
			}
		}
	}
	return string(out), nil
}

// NormalizeCode accepts what a scanner or a person gives: the QR payload or the code, in any
// case, with spaces or dashes.
func NormalizeCode(s string) string {
	s = strings.TrimSpace(s)
	if len(s) >= len(QRPrefix) && strings.EqualFold(s[:len(QRPrefix)], QRPrefix) {
		s = s[len(QRPrefix):]
	}
	s = strings.ToUpper(strings.NewReplacer(" ", "", "-", "").Replace(s))
	return s
}

const perkColumns = `id, name, category, provider_code, points_price, stock, per_person_limit, valid_from, valid_until,
	description, picture_url, visible, created_at, updated_at`

func getPerk(ctx context.Context, q sqlx.QueryerContext, id int64) (Perk, error) {
	var p Perk
	err := sqlx.GetContext(ctx, q, &p, `SELECT `+perkColumns+` FROM perks WHERE id = ?`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return Perk{}, ErrNotFound
	}
	if err != nil {
		return Perk{}, fmt.Errorf("points: perk: %w", sqldb.Classify(err))
	}
	return p, nil
}

// Redeem spends the perk's price and issues a voucher, in one transaction: the idempotency key
// is claimed, the account row locked, the per-person limit counted under that lock, the balance
// lowered with a conditional update, the earned points consumed soonest-to-expire first, the
// entry and the voucher written, and one taken from stock with a conditional update. The stock
// update comes last so the perk's row, the one every redeemer of a popular perk needs, is locked
// only for the end of the transaction.
//
// The same key again returns the first voucher (replayed is true); with another perk it is
// idempotency.ErrKeyReused. The voucher itself is the idempotency record: UNIQUE(person_id,
// idempotency_key) refuses a second one, and the loser reads the first back — two round trips
// fewer than a separate key table on every redemption.
func (s *Service) Redeem(ctx context.Context, personID, perkID int64, idemKey string) (v Voucher, replayed bool, err error) {
	if idemKey == "" {
		return Voucher{}, false, ErrIdempotencyKey
	}
	if !idemKeyRE.MatchString(idemKey) {
		return Voucher{}, false, idempotency.ErrBadKey
	}
	err = sqldb.Retry(ctx, s.db, retries, func(tx *sqlx.Tx) error {
		v, replayed = Voucher{}, false
		// A refusal may be a retry of an answered request (the limit or the balance now
		// refuse what the first attempt got): only then is the key looked up.
		refuse := func(rule error) error {
			first, err := s.voucherWhere(ctx, tx, `v.person_id = ? AND v.idempotency_key = ?`, personID, idemKey)
			if errors.Is(err, ErrNotFound) {
				return rule
			}
			if err != nil {
				return err
			}
			if first.PerkID != perkID {
				return idempotency.ErrKeyReused
			}
			v = first
			return errReplayed
		}
		now := s.now().UTC()
		p, err := getPerk(ctx, tx, perkID)
		if err != nil {
			return err
		}
		if !p.Visible {
			return ErrNotFound
		}
		if now.Before(p.ValidFrom) || !now.Before(p.ValidUntil) {
			return refuse(ErrPerkUnavailable)
		}
		if p.Stock != nil && *p.Stock == 0 {
			return refuse(ErrOutOfStock) // fast answer; the conditional update below is the rule
		}
		bal, ok, err := lockAccount(ctx, tx, personID)
		if err != nil {
			return err
		}
		if !ok {
			return refuse(ErrInsufficientPoints)
		}
		bal, _, _, live, err := expireDueLocked(ctx, tx, personID, bal, now)
		if err != nil {
			return err
		}
		if p.PerPersonLimit != nil {
			var n int
			if err := tx.GetContext(ctx, &n, `SELECT COUNT(*) FROM vouchers WHERE person_id = ? AND perk_id = ? AND status IN ('issued', 'used')`,
				personID, perkID); err != nil {
				return fmt.Errorf("points: limit: %w", sqldb.Classify(err))
			}
			if n >= *p.PerPersonLimit {
				return refuse(ErrLimitReached)
			}
		}
		res, err := tx.ExecContext(ctx, `UPDATE points_accounts SET balance = balance - ?, version = version + 1, updated_at = ?
			WHERE person_id = ? AND balance >= ?`, p.PointsPrice, now, personID, p.PointsPrice)
		if err != nil {
			return fmt.Errorf("points: spend: %w", sqldb.Classify(err))
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return refuse(ErrInsufficientPoints)
		}
		allocs, err := consume(ctx, tx, personID, p.PointsPrice, live)
		if err != nil {
			return err
		}
		code, err := newCode()
		if err != nil {
			return err
		}
		res, err = tx.ExecContext(ctx, `INSERT INTO vouchers (code, perk_id, person_id, status, points_spent, issued_at, expires_at, idempotency_key)
			VALUES (?, ?, ?, 'issued', ?, ?, ?, ?)`, code, perkID, personID, p.PointsPrice, now, p.ValidUntil, idemKey)
		if err = sqldb.Classify(err); errors.Is(err, sqldb.ErrDuplicate) {
			// Either this key was answered already (a retry, or a parallel twin that committed
			// first: return its voucher) or the random code collided (retry with a new one).
			if rerr := refuse(err); rerr != err {
				return rerr
			}
			return err
		} else if err != nil {
			return fmt.Errorf("points: voucher: %w", err)
		}
		vid, err := res.LastInsertId()
		if err != nil {
			return err
		}
		spendID, err := insertEntry(ctx, tx, entryRow{PersonID: personID, Delta: -p.PointsPrice, Reason: ReasonRedeem,
			Reference: strconv.FormatInt(perkID, 10), Note: p.Name, Key: "redeem:" + code, Actor: actor.Actor{Kind: actor.KindUser},
			At: now, BalanceAfter: bal - p.PointsPrice, VoucherID: &vid})
		if err != nil {
			return err
		}
		if err := insertAllocations(ctx, tx, spendID, allocs); err != nil {
			return err
		}
		v = Voucher{ID: vid, Code: code, QR: QRPrefix + code, PerkID: perkID, PerkName: p.Name, ProviderCode: p.ProviderCode,
			PersonID: personID, Status: VoucherIssued, PointsSpent: p.PointsPrice, IssuedAt: now.Truncate(time.Millisecond),
			ExpiresAt: p.ValidUntil}
		if p.Stock != nil {
			// Not refuse() on ErrOutOfStock: this transaction's own voucher would be found as "the first".
			return takeStock(ctx, tx, perkID)
		}
		return nil
	})
	if errors.Is(err, errReplayed) {
		// The transaction that found the first voucher rolled back its own changes.
		return v, true, nil
	}
	return v, replayed, err
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

// errReplayed ends a redemption's transaction (rolling it back) when its key was answered.
var errReplayed = errors.New("points: redemption already answered")

var idemKeyRE = regexp.MustCompile(`^[A-Za-z0-9_-]{8,64}$`)

const voucherSelect = `SELECT v.id, v.code, v.perk_id, p.name AS perk_name, p.provider_code, v.person_id, v.status, v.points_spent,
	v.issued_at, v.expires_at, v.used_at, v.used_by_staff_id, v.cancelled_at
	FROM vouchers v JOIN perks p ON p.id = v.perk_id`

func (s *Service) voucherWhere(ctx context.Context, q sqlx.QueryerContext, where string, args ...any) (Voucher, error) {
	var v Voucher
	err := sqlx.GetContext(ctx, q, &v, voucherSelect+` WHERE `+where, args...)
	if errors.Is(err, sql.ErrNoRows) {
		return Voucher{}, ErrNotFound
	}
	if err != nil {
		return Voucher{}, fmt.Errorf("points: voucher: %w", sqldb.Classify(err))
	}
	v.QR = QRPrefix + v.Code
	s.showStatus(&v)
	return v, nil
}

// showStatus shows an issued voucher past its expiry as expired before the nightly job marks it.
func (s *Service) showStatus(v *Voucher) {
	if v.Status == VoucherIssued && !s.now().Before(v.ExpiresAt) {
		v.Status = VoucherExpired
	}
}

// CancelVoucher gives back an unused, unexpired voucher of the person's: the voucher turns
// cancelled with a conditional update, the points come back as refund entries carrying the
// expiry of the points that were spent (except points of a grant reversed since: they stay
// taken back), and the stock goes up by one.
func (s *Service) CancelVoucher(ctx context.Context, personID, voucherID int64) (Voucher, error) {
	err := sqldb.Retry(ctx, s.db, retries, func(tx *sqlx.Tx) error {
		now := s.now().UTC()
		res, err := tx.ExecContext(ctx, `UPDATE vouchers SET status = 'cancelled', cancelled_at = ?
			WHERE id = ? AND person_id = ? AND status = 'issued' AND expires_at > ?`, now, voucherID, personID, now)
		if err != nil {
			return fmt.Errorf("points: cancel: %w", sqldb.Classify(err))
		}
		if n, _ := res.RowsAffected(); n == 0 {
			v, err := s.voucherWhere(ctx, tx, `v.id = ? AND v.person_id = ?`, voucherID, personID)
			if err != nil {
				return err
			}
			if v.Status == VoucherExpired {
				return ErrVoucherExpired
			}
			return ErrNotCancellable
		}
		var vr struct {
			Code   string `db:"code"`
			PerkID int64  `db:"perk_id"`
			Spent  int64  `db:"points_spent"`
		}
		if err := tx.GetContext(ctx, &vr, `SELECT code, perk_id, points_spent FROM vouchers WHERE id = ?`, voucherID); err != nil {
			return fmt.Errorf("points: cancel: %w", sqldb.Classify(err))
		}
		var allocs []struct {
			EarnID    int64      `db:"earn_entry_id"`
			Amount    int64      `db:"amount"`
			ExpiresAt *time.Time `db:"expires_at"`
		}
		err = tx.SelectContext(ctx, &allocs, `SELECT a.earn_entry_id, a.amount, e.expires_at FROM points_allocations a
			JOIN points_entries e ON e.id = a.earn_entry_id
			WHERE a.spend_entry_id = (SELECT id FROM points_entries WHERE idempotency_key = ?) ORDER BY a.earn_entry_id`, "redeem:"+vr.Code)
		if err != nil {
			return fmt.Errorf("points: allocations: %w", sqldb.Classify(err))
		}
		bal, ok, err := lockAccount(ctx, tx, personID)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("points: cancel voucher %d: no account", voucherID)
		}
		// Points of a grant reversed since the redemption do not come back: the reversal took
		// what was left of the grant, and this is the rest of it.
		var back, withheld int64
		keep := allocs[:0]
		for _, a := range allocs {
			rev, err := grantReversed(ctx, tx, a.EarnID)
			if err != nil {
				return err
			}
			if rev {
				withheld += a.Amount
				continue
			}
			back += a.Amount
			keep = append(keep, a)
		}
		allocs = keep
		if back+withheld != vr.Spent {
			return fmt.Errorf("points: cancel voucher %d: allocations %d differ from points spent %d", voucherID, back+withheld, vr.Spent)
		}
		if err := addBalance(ctx, tx, personID, back, now); err != nil {
			return err
		}
		ref := strconv.FormatInt(voucherID, 10)
		for _, a := range allocs {
			bal += a.Amount
			amount := a.Amount
			if _, err := insertEntry(ctx, tx, entryRow{PersonID: personID, Delta: a.Amount, Reason: ReasonRefund, Reference: ref,
				Note: "取消兑换", Key: "refund:" + ref + ":" + strconv.FormatInt(a.EarnID, 10), Actor: actor.Actor{Kind: actor.KindUser},
				At: now, BalanceAfter: bal, ExpiresAt: a.ExpiresAt, Remaining: &amount, Reverses: &a.EarnID, VoucherID: &voucherID}); err != nil {
				return err
			}
		}
		// Points whose own expiry passed while they were spent expire again at once.
		if _, _, _, _, err := expireDueLocked(ctx, tx, personID, bal, now); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE perks SET stock = stock + 1 WHERE id = ? AND stock IS NOT NULL`, vr.PerkID); err != nil {
			return fmt.Errorf("points: restock: %w", sqldb.Classify(err))
		}
		return nil
	})
	if err != nil {
		return Voucher{}, err
	}
	return s.voucherWhere(ctx, s.db, `v.id = ?`, voucherID)
}

// grantReversed says whether the grant an earned entry's points come from (the entry itself, or
// the grant a chain of refunds leads back to) has been reversed. The account row is locked.
func grantReversed(ctx context.Context, tx *sqlx.Tx, earnID int64) (bool, error) {
	id := earnID
	for range 1000 { // a chain of refunds is as long as the cancellations of one person's vouchers
		var e struct {
			Reason   string `db:"reason_code"`
			Reverses *int64 `db:"reverses_entry_id"`
		}
		if err := tx.GetContext(ctx, &e, `SELECT reason_code, reverses_entry_id FROM points_entries WHERE id = ?`, id); err != nil {
			return false, fmt.Errorf("points: origin of entry %d: %w", earnID, sqldb.Classify(err))
		}
		if e.Reason != ReasonRefund || e.Reverses == nil {
			if e.Reason != ReasonGrant {
				return false, nil
			}
			var n int
			if err := tx.GetContext(ctx, &n, `SELECT COUNT(*) FROM points_entries WHERE idempotency_key = ?`,
				"reverse:"+strconv.FormatInt(id, 10)); err != nil {
				return false, fmt.Errorf("points: reversal of %d: %w", id, sqldb.Classify(err))
			}
			return n > 0, nil
		}
		id = *e.Reverses
	}
	return false, fmt.Errorf("points: origin of entry %d: refund chain too long", earnID)
}

// Verify marks a voucher used (核销) exactly once: a conditional update from issued to used. Staff
// of role department verify only their own provider's vouchers (department = provider_code);
// a district administrator verifies any. Another provider's voucher is ErrNotFound, so codes
// cannot be probed; a used one is *UsedError with when and by whom.
func (s *Service) Verify(ctx context.Context, staff actor.Actor, code string) (Voucher, error) {
	code = NormalizeCode(code)
	if code == "" || len(code) > 16 {
		return Voucher{}, ErrNotFound
	}
	provider, ok := providerScope(staff)
	if !ok {
		return Voucher{}, ErrNotFound
	}
	var out Voucher
	err := sqldb.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		now := s.now().UTC()
		q := `UPDATE vouchers SET status = 'used', used_at = ?, used_by_staff_id = ? WHERE code = ? AND status = 'issued' AND expires_at > ?`
		args := []any{now, staff.ID, code, now}
		if provider != "" {
			q += ` AND perk_id IN (SELECT id FROM perks WHERE provider_code = ?)`
			args = append(args, provider)
		}
		res, err := tx.ExecContext(ctx, q, args...)
		if err != nil {
			return fmt.Errorf("points: verify: %w", sqldb.Classify(err))
		}
		n, _ := res.RowsAffected()
		v, err := s.voucherWhere(ctx, tx, `v.code = ?`, code)
		if err != nil {
			return err
		}
		if provider != "" && v.ProviderCode != provider {
			return ErrNotFound
		}
		if n == 0 {
			switch v.Status {
			case VoucherUsed:
				ue := &UsedError{At: *v.UsedAt}
				if v.UsedBy != nil {
					err := tx.GetContext(ctx, &ue.By, `SELECT COALESCE(NULLIF(display_name, ''), username) FROM staff WHERE id = ?`, *v.UsedBy)
					if err != nil && !errors.Is(err, sql.ErrNoRows) {
						return fmt.Errorf("points: voucher verifier: %w", sqldb.Classify(err))
					}
				}
				return ue
			case VoucherCancelled:
				return ErrVoucherCancelled
			default:
				return ErrVoucherExpired
			}
		}
		out = v
		e := staff.AuditID("points.voucher_verify", "voucher", v.ID)
		e.Detail = map[string]any{"perk_id": v.PerkID, "person_id": v.PersonID, "points": v.PointsSpent}
		return audit.Write(ctx, tx, e)
	})
	return out, err
}
