package returnee

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/jmoiron/sqlx"

	"huixiang/internal/moderation"
	"huixiang/internal/person"
	"huixiang/internal/sqldb"
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
	stmts := []struct {
		q    string
		cols int
		args []any
	}{
		{`INSERT INTO returnees (township_code, village_code, status, left_on, returned_on, plan_return_on,
			work_province, work_city, industry, years_away, skills_text, certificates, education, intention,
			intention_note, business_name, business_type, uscc, business_started_on, jobs_created, content_review,
			confirmed_at, updated_at, created_at, person_id) VALUES `, 25, rArgs},
		{`INSERT INTO returnee_tags (person_id, kind, code) VALUES `, 3, tArgs},
		{`INSERT INTO record_changes (person_id, changed_at, source, actor_type, actor_id, import_batch_id, action, fields) VALUES `, 8, cArgs},
	}
	for _, st := range stmts {
		if len(st.args) == 0 {
			continue
		}
		tuple := "(" + strings.TrimSuffix(strings.Repeat("?, ", st.cols), ", ") + ")"
		q := st.q + strings.TrimSuffix(strings.Repeat(tuple+", ", len(st.args)/st.cols), ", ")
		if _, err := tx.ExecContext(ctx, q, st.args...); err != nil {
			return nil, 0, fmt.Errorf("returnee: bulk insert: %w", sqldb.Classify(err))
		}
	}
	return rest, len(fresh), nil
}
