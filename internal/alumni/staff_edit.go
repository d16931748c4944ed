package alumni

import (
	"context"
	"errors"
	"strings"

	"github.com/jmoiron/sqlx"

	"huixiang/internal/actor"
	"huixiang/internal/audit"
	"huixiang/internal/person"
	"huixiang/internal/sqldb"
)

// This file is the staff edit of an alumnus record (the console's /alumni/:id/edit).

// Update changes an alumnus record at the version staff read: school, years, city, organization,
// industry, title, expertise, offers and directory consent, validated as Create validates them.
// Like Create it never changes the registered person's identity: a name, ID number or phone in
// in that differs from the person's is person.ErrIdentityDiffers and nothing is written (blank
// ones are the person's). A staff edit does not undo a review. One conditional UPDATE on
// version, audited (alumni.update) in the same transaction; a record changed since it was read is
// ErrStaleVersion. Staff who do not manage alumni (the MayManagePoints group) find nothing
// (ErrNotFound), as with the other staff operations of this package.
func (s *Service) Update(ctx context.Context, a actor.Actor, personID int64, version int, in Input) (Record, error) {
	if !a.MayManagePoints() {
		return Record{}, ErrNotFound
	}
	if version <= 0 {
		return Record{}, &FieldError{"version", "请带上读取时的版本号"}
	}
	err := sqldb.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		pr, err := person.Get(ctx, tx, personID)
		if err != nil {
			if errors.Is(err, person.ErrNotFound) {
				return ErrNotFound
			}
			return err
		}
		plain, err := s.persons.Open(pr)
		if err != nil {
			return err
		}
		if err := sameIdentity(&in, pr.Name, plain); err != nil {
			return err
		}
		p, err := validate(ctx, tx, in, s.now().UTC(), false)
		if err != nil {
			return err
		}
		old, err := lockForDecision(ctx, tx, personID, version)
		if err != nil {
			return err
		}
		offers, err := offersOf(ctx, tx, []int64{personID})
		if err != nil {
			return err
		}
		changed := person.Diff(old.values(offers[personID]), p.values())
		if len(changed) == 0 {
			return nil // the same form again changes nothing
		}
		now := s.now().UTC()
		if err := decided(tx.ExecContext(ctx, `UPDATE alumni SET school_code = ?, entry_year = ?, graduation_year = ?, current_city = ?,
				organization = ?, industry = ?, title = ?, expertise = ?, directory_consent = ?, updated_at = ?, version = version + 1
			WHERE person_id = ? AND version = ?`,
			p.SchoolCode, p.EntryYear, p.GraduationYear, p.CurrentCity, p.Organization, p.Industry, p.Title, p.Expertise,
			p.DirectoryConsent, now, personID, version)); err != nil {
			return err
		}
		if err := writeOffers(ctx, tx, personID, p.Offers, true); err != nil {
			return err
		}
		e := a.AuditID("alumni.update", "person", personID)
		e.Detail = map[string]any{"fields": changed, "version": version}
		return audit.Write(ctx, tx, e)
	})
	if err != nil {
		return Record{}, err
	}
	return s.get(ctx, personID)
}

// sameIdentity fills the blank name, ID number and phone of in with the person's, and refuses
// (person.ErrIdentityDiffers) one that names the person otherwise.
func sameIdentity(in *Input, name string, plain person.Revealed) error {
	if n := clean(in.Name); n == "" {
		in.Name = name
	} else if n != name {
		return person.ErrIdentityDiffers
	}
	if id := strings.ToUpper(strings.TrimSpace(in.IDCard)); id == "" {
		in.IDCard = plain.IDCard
	} else if id != strings.ToUpper(plain.IDCard) {
		return person.ErrIdentityDiffers
	}
	phone := strings.TrimPrefix(strings.ReplaceAll(strings.TrimSpace(in.Phone), " ", ""), "+86")
	if phone == "" {
		in.Phone = plain.Phone
	} else if phone != plain.Phone {
		return person.ErrIdentityDiffers
	}
	return nil
}
