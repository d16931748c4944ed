package app

import (
	"context"
	"errors"

	"huixiang/internal/actor"
	"huixiang/internal/alumni"
	"huixiang/internal/points"
)

// selectionRewards gives the winners of an alumni selection their grade and points: the grade
// through the alumni registry (audited, at the version read), the points through the ledger
// once per selection (the reference names it; a second grant is ErrDuplicateReference, which is
// success here).
type selectionRewards struct {
	alumni *alumni.Service
	points *points.Service
}

func (r selectionRewards) Reward(ctx context.Context, by actor.Actor, personID int64, grade, rule, reference string) error {
	if grade != "" {
		rec, err := r.alumni.Get(ctx, personID)
		if err != nil {
			return err
		}
		if rec.GradeCode == nil || *rec.GradeCode != grade {
			if _, err := r.alumni.SetGrade(ctx, by, personID, grade, rec.Version); err != nil {
				return err
			}
		}
	}
	if rule != "" {
		_, err := r.points.Grant(ctx, by, points.GrantInput{PersonID: personID, Rule: rule, Reference: reference, Note: "年度评选当选"})
		if err != nil && !errors.Is(err, points.ErrDuplicateReference) {
			return err
		}
	}
	return nil
}
