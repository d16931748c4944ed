package points

import (
	"context"
	"crypto/rand"
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
			first, err := s.voucher(ctx, tx, `v.person_id = ? AND v.idempotency_key = ?`, personID, idemKey)
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
			n, err := liveVouchers(ctx, tx, personID, perkID)
			if err != nil {
				return err
			}
			if n >= *p.PerPersonLimit {
				return refuse(ErrLimitReached)
			}
		}
		spent, err := spend(ctx, tx, personID, p.PointsPrice, now)
		if err != nil {
			return err
		}
		if !spent {
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
		vid, err := insertVoucher(ctx, tx, code, perkID, personID, p.PointsPrice, now, p.ValidUntil, idemKey)
		if errors.Is(err, sqldb.ErrDuplicate) {
			// Either this key was answered already (a retry, or a parallel twin that committed
			// first: return its voucher) or the random code collided (retry with a new one).
			if rerr := refuse(err); rerr != err { //nolint:errorlint // identity: did refuse replace err?
				return rerr
			}
			return err
		} else if err != nil {
			return err
		}
		spendID, err := insertEntry(ctx, tx, newEntry{PersonID: personID, Delta: -p.PointsPrice, Reason: ReasonRedeem,
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

// errReplayed ends a redemption's transaction (rolling it back) when its key was answered.
var errReplayed = errors.New("points: redemption already answered")

var idemKeyRE = regexp.MustCompile(`^[A-Za-z0-9_-]{8,64}$`)

// voucher reads the voucher matching where, with its status as the user sees it.
func (s *Service) voucher(ctx context.Context, q sqlx.QueryerContext, where string, args ...any) (Voucher, error) {
	v, err := voucherWhere(ctx, q, where, args...)
	if err != nil {
		return Voucher{}, err
	}
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
		cancelled, err := cancelIssued(ctx, tx, voucherID, personID, now)
		if err != nil {
			return err
		}
		if !cancelled {
			v, err := s.voucher(ctx, tx, `v.id = ? AND v.person_id = ?`, voucherID, personID)
			if err != nil {
				return err
			}
			if v.Status == VoucherExpired {
				return ErrVoucherExpired
			}
			return ErrNotCancellable
		}
		vr, err := getVoucherSpend(ctx, tx, voucherID)
		if err != nil {
			return err
		}
		allocs, err := allocationsOfRedemption(ctx, tx, vr.Code)
		if err != nil {
			return err
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
			if _, err := insertEntry(ctx, tx, newEntry{PersonID: personID, Delta: a.Amount, Reason: ReasonRefund, Reference: ref,
				Note: "取消兑换", Key: "refund:" + ref + ":" + strconv.FormatInt(a.EarnID, 10), Actor: actor.Actor{Kind: actor.KindUser},
				At: now, BalanceAfter: bal, ExpiresAt: a.ExpiresAt, Remaining: &amount, Reverses: &a.EarnID, VoucherID: &voucherID}); err != nil {
				return err
			}
		}
		// Points whose own expiry passed while they were spent expire again at once.
		if _, _, _, _, err := expireDueLocked(ctx, tx, personID, bal, now); err != nil {
			return err
		}
		return restock(ctx, tx, vr.PerkID)
	})
	if err != nil {
		return Voucher{}, err
	}
	return s.voucher(ctx, s.db, `v.id = ?`, voucherID)
}

// grantReversed says whether the grant an earned entry's points come from (the entry itself, or
// the grant a chain of refunds leads back to) has been reversed. The account row is locked.
func grantReversed(ctx context.Context, tx *sqlx.Tx, earnID int64) (bool, error) {
	id := earnID
	for range 1000 { // a chain of refunds is as long as the cancellations of one person's vouchers
		e, err := getEntryOrigin(ctx, tx, id)
		if err != nil {
			return false, err
		}
		if e.Reason != ReasonRefund || e.Reverses == nil {
			if e.Reason != ReasonGrant {
				return false, nil
			}
			return keyUsed(ctx, tx, "reverse:"+strconv.FormatInt(id, 10))
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
		used, err := markUsed(ctx, tx, code, staff.ID, provider, now)
		if err != nil {
			return err
		}
		v, err := s.voucher(ctx, tx, `v.code = ?`, code)
		if err != nil {
			return err
		}
		if provider != "" && v.ProviderCode != provider {
			return ErrNotFound
		}
		if !used {
			switch v.Status {
			case VoucherUsed:
				ue := &UsedError{At: *v.UsedAt}
				if v.UsedBy != nil {
					if ue.By, err = staffName(ctx, tx, *v.UsedBy); err != nil {
						return err
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
