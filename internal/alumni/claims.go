package alumni

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"huixiang/internal/actor"
	"huixiang/internal/person"
	"huixiang/internal/sqldb"
)

// This file lists the alumni records entered by staff that their person claimed in the mini
// program (SaveMine audits each claim as person.claimed), for the console's /alumni/claims.

// Claim is a staff-entered alumnus record claimed by its person: who (the person, masked, and
// the mini-program user), when, and the school.
type Claim struct {
	PersonID   int64     `db:"person_id" json:"person_id"`
	Name       string    `db:"name" json:"name"`
	IDCard     string    `db:"-" json:"id_card"`
	Phone      string    `db:"-" json:"phone"`
	UserID     int64     `db:"-" json:"user_id"`
	ClaimedAt  time.Time `db:"claimed_at" json:"claimed_at"`
	SchoolName string    `db:"school_name" json:"school_name"`
	Status     string    `db:"status" json:"status"`
	IDCardEnc  []byte    `db:"id_card_enc" json:"-"`
	PhoneEnc   []byte    `db:"phone_enc" json:"-"`
}

// ClaimPage is a page of claims.
type ClaimPage = sqldb.Page[Claim]

// maxClaimsCounted bounds the count of claims (the pager shows at most that many).
const maxClaimsCounted = 10000

// Claims pages the claimed alumni records entered by staff, newest claim first: persons with an
// alumnus record, a claim time and a source other than self-registration, read along the
// persons.claimed_at index. Staff who do not manage alumni find nothing (ErrNotFound).
func (s *Service) Claims(ctx context.Context, a actor.Actor, req sqldb.PageRequest) (ClaimPage, error) {
	if !a.MayManagePoints() {
		return ClaimPage{}, ErrNotFound
	}
	const from = ` FROM persons p JOIN alumni a ON a.person_id = p.id LEFT JOIN schools sc ON sc.code = a.school_code
		WHERE p.claimed_at IS NOT NULL AND p.user_id IS NOT NULL AND p.created_source <> 'self'`
	var total int
	if err := sqlx.GetContext(ctx, s.db, &total, `SELECT COUNT(*) FROM (SELECT 1`+from+` LIMIT ?) x`, maxClaimsCounted); err != nil {
		return ClaimPage{}, fmt.Errorf("alumni: claims: %w", sqldb.Classify(err))
	}
	var rows []struct {
		Claim
		UID sql.NullInt64 `db:"uid"`
	}
	err := sqlx.SelectContext(ctx, s.db, &rows, `SELECT p.id AS person_id, p.name, p.user_id AS uid, p.claimed_at, p.id_card_enc, p.phone_enc,
			COALESCE(sc.name, '') AS school_name, a.status`+from+`
		ORDER BY p.claimed_at DESC, p.id DESC LIMIT ? OFFSET ?`, req.Limit(), req.Offset())
	if err != nil {
		return ClaimPage{}, fmt.Errorf("alumni: claims: %w", sqldb.Classify(err))
	}
	items := make([]Claim, 0, len(rows))
	for _, r := range rows {
		c := r.Claim
		c.UserID = r.UID.Int64
		m, err := s.persons.Masked(person.Row{ID: c.PersonID, IDCardEnc: c.IDCardEnc, PhoneEnc: c.PhoneEnc})
		if err != nil {
			return ClaimPage{}, err
		}
		c.IDCard, c.Phone, c.IDCardEnc, c.PhoneEnc = m.IDCard, m.Phone, nil, nil
		items = append(items, c)
	}
	return sqldb.NewPage(req, items, total), nil
}
