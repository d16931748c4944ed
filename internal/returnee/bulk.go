package returnee

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jmoiron/sqlx"

	"huixiang/internal/moderation"
	"huixiang/internal/person"
)

// insertNew creates persons and records for import rows whose ID numbers are not registered
// yet, a handful of statements for the whole batch instead of several per row. It returns the
// rows it did not take (already registered, or repeated in the batch) for the one-by-one path.
func (imp *importer) insertNew(ctx context.Context, tx *sqlx.Tx, batch []pending) (rest []pending, created int, err error) {
	store := imp.s.persons
	idxs := make([][]byte, len(batch))
	for i, pd := range batch {
		idxs[i] = store.IndexOf(pd.p.IDCard.Number)
	}
	known, err := person.Known(ctx, tx, idxs)
	if err != nil {
		return nil, 0, err
	}
	var fresh []pending
	var freshIdx [][]byte
	seen := map[string]bool{}
	for i, pd := range batch {
		k := string(idxs[i])
		if known[k] || seen[k] {
			rest = append(rest, pd)
			continue
		}
		seen[k] = true
		fresh = append(fresh, pd)
		freshIdx = append(freshIdx, idxs[i])
	}
	if len(fresh) == 0 {
		return rest, 0, nil
	}
	ids := make([]person.Identity, len(fresh))
	for i, pd := range fresh {
		ids[i] = person.Identity{IDCard: pd.p.IDCard, Name: pd.p.Name, Phone: pd.p.Phone}
	}
	byIdx, err := store.InsertMany(ctx, tx, ids, person.SourceImport)
	if err != nil {
		return nil, 0, err
	}
	now := imp.s.now().UTC()
	var rArgs, tArgs, cArgs []any
	var actorID, batchID any = imp.actor.ID, imp.batch
	if imp.actor.ID == 0 {
		actorID = nil
	}
	for i, pd := range fresh {
		pid, ok := byIdx[string(freshIdx[i])]
		if !ok {
			return nil, 0, fmt.Errorf("returnee: bulk insert lost row %d", pd.line)
		}
		p := pd.p
		rArgs = append(rArgs, p.TownshipCode, p.VillageCode, p.Status, p.LeftOn, p.ReturnedOn, p.PlanReturnOn,
			p.WorkProvince, p.WorkCity, p.Industry, p.YearsAway, p.SkillsText, p.Certificates, p.Education, p.Intention,
			p.IntentionNote, p.BizName, p.BizType, p.USCC, p.BizStartedOn, p.JobsCreated, moderation.StateOK, now, now, now, pid)
		for _, t := range []struct {
			kind  string
			codes []string
		}{{tagSkill, p.Skills}, {tagField, p.Fields}, {tagNeed, p.Needs}} {
			for _, c := range t.codes {
				tArgs = append(tArgs, pid, t.kind, c)
			}
		}
		fields, _ := json.Marshal(append([]string{"name", "id_card", "phone"}, person.Diff(nil, p.values())...))
		cArgs = append(cArgs, pid, now, person.SourceImport, string(imp.actor.Kind), actorID, batchID, "create", string(fields))
	}
	if err := insertBulk(ctx, tx, rArgs, tArgs, cArgs); err != nil {
		return nil, 0, err
	}
	return rest, len(fresh), nil
}
