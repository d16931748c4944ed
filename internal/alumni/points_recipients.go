package alumni

import (
	"context"
	"errors"

	"huixiang/internal/actor"
	"huixiang/internal/person"
)

// FindRecipients finds the persons staff may grant points to (returnees and alumni) by name,
// name with the last four digits of the phone, full ID number or full phone (person.Search),
// masked. Only staff who manage points search; for anyone else nothing is found.
func (s *Service) FindRecipients(ctx context.Context, a actor.Actor, text string) ([]person.Match, error) {
	if !a.MayManagePoints() {
		return nil, ErrNotFound
	}
	return s.persons.Search(ctx, s.db, text, s.now())
}

// Recipient is person id as FindRecipients shows one (the header of a person's points ledger);
// ErrNotFound when they are neither a returnee nor an alumnus, or a is not staff who manage points.
func (s *Service) Recipient(ctx context.Context, a actor.Actor, id int64) (person.Match, error) {
	if !a.MayManagePoints() {
		return person.Match{}, ErrNotFound
	}
	m, err := s.persons.ByID(ctx, s.db, id)
	if errors.Is(err, person.ErrNotFound) {
		return person.Match{}, ErrNotFound
	}
	return m, err
}
