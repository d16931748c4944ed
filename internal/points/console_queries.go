package points

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jmoiron/sqlx"

	"huixiang/internal/actor"
	"huixiang/internal/person"
	"huixiang/internal/sqldb"
)

// Perk is one perk of the catalogue as staff manage it (the console's edit form): ErrNotFound
// when it does not exist or belongs to a provider the staff member does not manage.
func (s *Service) Perk(ctx context.Context, staff actor.Actor, id int64) (Perk, error) {
	p, err := getPerk(ctx, s.db, id)
	if err != nil {
		return Perk{}, err
	}
	if !managesProvider(staff, p.ProviderCode) {
		return Perk{}, ErrNotFound
	}
	return p, nil
}

// HolderName is the masked name (张**) of the person who holds voucher v, for the staff member
// who verifies it at the venue: ErrNotFound for a voucher of a provider they do not manage.
func (s *Service) HolderName(ctx context.Context, staff actor.Actor, v Voucher) (string, error) {
	if !managesProvider(staff, v.ProviderCode) {
		return "", ErrNotFound
	}
	return holderName(ctx, s.db, v.PersonID)
}

func holderName(ctx context.Context, q sqlx.QueryerContext, personID int64) (string, error) {
	var name string
	err := sqlx.GetContext(ctx, q, &name, `SELECT name FROM persons WHERE id = ?`, personID)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("points: holder of voucher: %w", sqldb.Classify(err))
	}
	return person.MaskName(name), nil
}
