package returnee

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"huixiang/internal/actor"
	"huixiang/internal/person"
	"huixiang/internal/sqldb"
)

// row is a returnees row.
type row struct {
	PersonID          int64          `db:"person_id"`
	TownshipCode      string         `db:"township_code"`
	VillageCode       string         `db:"village_code"`
	Status            string         `db:"status"`
	LeftOn            *time.Time     `db:"left_on"`
	ReturnedOn        *time.Time     `db:"returned_on"`
	PlanReturnOn      *time.Time     `db:"plan_return_on"`
	WorkProvince      string         `db:"work_province"`
	WorkCity          string         `db:"work_city"`
	Industry          string         `db:"industry"`
	YearsAway         *int           `db:"years_away"`
	SkillsText        string         `db:"skills_text"`
	Certificates      string         `db:"certificates"`
	Education         string         `db:"education"`
	Intention         string         `db:"intention"`
	IntentionNote     string         `db:"intention_note"`
	BusinessName      string         `db:"business_name"`
	BusinessType      string         `db:"business_type"`
	USCC              sql.NullString `db:"uscc"`
	BusinessStartedOn *time.Time     `db:"business_started_on"`
	JobsCreated       *int           `db:"jobs_created"`
	ContentReview     string         `db:"content_review"`
	ContentHash       []byte         `db:"content_hash"`
	ConfirmedAt       time.Time      `db:"confirmed_at"`
	CreatedAt         time.Time      `db:"created_at"`
	UpdatedAt         time.Time      `db:"updated_at"`
	Version           int            `db:"version"`
	// TagsJSON is the person's tags as [[kind, code], ...] where the query asks for tagsColumn.
	TagsJSON []byte `db:"tags"`
	tags     map[string][]string
}

const rowColumns = `r.person_id, r.township_code, r.village_code, r.status, r.left_on, r.returned_on, r.plan_return_on,
	r.work_province, r.work_city, r.industry, r.years_away, r.skills_text, r.certificates, r.education, r.intention,
	r.intention_note, r.business_name, r.business_type, r.uscc, r.business_started_on, r.jobs_created, r.content_review,
	r.content_hash, r.confirmed_at, r.created_at, r.updated_at, r.version`

// tagsColumn reads a record's tags with the record (one statement instead of two), as
// [[kind, code], ...]; decodeTags sorts them as loadTags does. A locking read does not lock the
// rows of a subquery, and needs not to: tags change only under the returnees row lock.
const tagsColumn = `, (SELECT JSON_ARRAYAGG(JSON_ARRAY(g.kind, g.code)) FROM returnee_tags g WHERE g.person_id = r.person_id) AS tags`

// decodeTags fills r.tags from r.TagsJSON.
func (r *row) decodeTags() error {
	var pairs [][2]string
	if len(r.TagsJSON) > 0 {
		if err := json.Unmarshal(r.TagsJSON, &pairs); err != nil {
			return fmt.Errorf("returnee: tags of %d: %w", r.PersonID, err)
		}
	}
	r.tags = map[string][]string{}
	for _, p := range pairs {
		k := tagKey(r.PersonID, p[0])
		r.tags[k] = append(r.tags[k], p[1])
	}
	for _, v := range r.tags {
		slices.Sort(v) // ascii_bin: byte order, as ORDER BY code
	}
	return nil
}

func lockRow(ctx context.Context, tx *sqlx.Tx, personID int64) (row, bool, error) {
	var r row
	err := tx.GetContext(ctx, &r, `SELECT `+rowColumns+tagsColumn+` FROM returnees r WHERE r.person_id = ? FOR UPDATE`, personID)
	if errors.Is(err, sql.ErrNoRows) {
		return row{}, false, nil
	}
	if err != nil {
		return row{}, false, fmt.Errorf("returnee: lock: %w", sqldb.Classify(err))
	}
	if err := r.decodeTags(); err != nil {
		return row{}, false, err
	}
	return r, true, nil
}

// mineRow is a user's person and returnee record, read and locked together (lockMine).
type mineRow struct {
	person.Row
	row
	// PrivacyVersion is the user's accepted privacy-policy version (privacy.Check), read by
	// the locking statement (a subquery: the users row is read, not locked).
	PrivacyVersion sql.NullString `db:"privacy_version"`
}

// lockMine locks the user's person and their returnee record in one statement (persons first,
// by the unique user_id, as Attach and lockRow would lock them one by one) and returns both;
// false when the user has no person or no record (the caller then takes the long way).
func lockMine(ctx context.Context, tx *sqlx.Tx, userID int64) (mineRow, bool, error) {
	var m mineRow
	err := tx.GetContext(ctx, &m, `SELECT `+person.ColumnsAs("p")+`, `+rowColumns+tagsColumn+`,
		(SELECT u.privacy_version FROM users u WHERE u.id = p.user_id) AS privacy_version
		FROM persons p JOIN returnees r ON r.person_id = p.id WHERE p.user_id = ? FOR UPDATE`, userID)
	if errors.Is(err, sql.ErrNoRows) {
		return mineRow{}, false, nil
	}
	if err != nil {
		return mineRow{}, false, fmt.Errorf("returnee: lock: %w", sqldb.Classify(err))
	}
	if err := m.decodeTags(); err != nil {
		return mineRow{}, false, err
	}
	return m, true, nil
}

// loadTags returns kind → codes for one person, or person-keyed lists for several (see tagsOf).
func loadTags(ctx context.Context, db sqlx.QueryerContext, ids []int64) (map[string][]string, error) {
	if len(ids) == 0 {
		return map[string][]string{}, nil
	}
	q, args, err := sqlx.In(`SELECT person_id, kind, code FROM returnee_tags WHERE person_id IN (?) ORDER BY person_id, kind, code`, ids)
	if err != nil {
		return nil, err
	}
	var rows []struct {
		PersonID int64  `db:"person_id"`
		Kind     string `db:"kind"`
		Code     string `db:"code"`
	}
	if err := sqlx.SelectContext(ctx, db, &rows, q, args...); err != nil {
		return nil, fmt.Errorf("returnee: tags: %w", err)
	}
	out := map[string][]string{}
	for _, t := range rows {
		k := tagKey(t.PersonID, t.Kind)
		out[k] = append(out[k], t.Code)
	}
	return out, nil
}

func tagKey(personID int64, kind string) string { return strconv.FormatInt(personID, 10) + ":" + kind }

func (r row) tag(kind string) []string {
	v := r.tags[tagKey(r.PersonID, kind)]
	if v == nil {
		return []string{}
	}
	return v
}

func fmtDate(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.Format(time.DateOnly)
}

func fmtInt(n *int) string {
	if n == nil {
		return ""
	}
	return strconv.Itoa(*n)
}

// values flattens a stored record for comparison with a new profile.
func (r row) values() map[string]string {
	return map[string]string{
		"township_code": r.TownshipCode, "village_code": r.VillageCode, "status": r.Status,
		"left_on": fmtDate(r.LeftOn), "returned_on": fmtDate(r.ReturnedOn), "plan_return_on": fmtDate(r.PlanReturnOn),
		"work_province": r.WorkProvince, "work_city": r.WorkCity, "industry": r.Industry, "years_away": fmtInt(r.YearsAway),
		"skills": strings.Join(r.tag(tagSkill), ","), "skills_text": r.SkillsText, "certificates": r.Certificates,
		"education": r.Education, "intention": r.Intention, "intended_fields": strings.Join(r.tag(tagField), ","),
		"intention_note": r.IntentionNote, "needs": strings.Join(r.tag(tagNeed), ","),
		"business.name": r.BusinessName, "business.type": r.BusinessType, "business.uscc": r.USCC.String,
		"business.started_on": fmtDate(r.BusinessStartedOn), "business.jobs_created": fmtInt(r.JobsCreated),
	}
}

func (p profile) values() map[string]string {
	uscc := ""
	if p.USCC != nil {
		uscc = *p.USCC
	}
	return map[string]string{
		"township_code": p.TownshipCode, "village_code": p.VillageCode, "status": p.Status,
		"left_on": fmtDate(p.LeftOn), "returned_on": fmtDate(p.ReturnedOn), "plan_return_on": fmtDate(p.PlanReturnOn),
		"work_province": p.WorkProvince, "work_city": p.WorkCity, "industry": p.Industry, "years_away": fmtInt(p.YearsAway),
		"skills": strings.Join(p.Skills, ","), "skills_text": p.SkillsText, "certificates": p.Certificates,
		"education": p.Education, "intention": p.Intention, "intended_fields": strings.Join(p.Fields, ","),
		"intention_note": p.IntentionNote, "needs": strings.Join(p.Needs, ","),
		"business.name": p.BizName, "business.type": p.BizType, "business.uscc": uscc,
		"business.started_on": fmtDate(p.BizStartedOn), "business.jobs_created": fmtInt(p.JobsCreated),
	}
}

// writeRow inserts or updates the returnee row of p for person, with the given content-review
// state and the hash of the text that state vouches for (nil: none), and replaces the tags
// whose lists changed.
// An existing row is updated only at version (the one locked): 0 rows is ErrStaleVersion.
func writeRow(ctx context.Context, tx *sqlx.Tx, personID int64, p profile, review string, textHash []byte, exists bool, version int, changed []string, now time.Time) error {
	args := []any{p.TownshipCode, p.VillageCode, p.Status, p.LeftOn, p.ReturnedOn, p.PlanReturnOn,
		p.WorkProvince, p.WorkCity, p.Industry, p.YearsAway, p.SkillsText, p.Certificates, p.Education, p.Intention,
		p.IntentionNote, p.BizName, p.BizType, p.USCC, p.BizStartedOn, p.JobsCreated, review, textHash, now, now}
	var err error
	if exists {
		var res sql.Result
		res, err = tx.ExecContext(ctx, `
			UPDATE returnees SET township_code = ?, village_code = ?, status = ?, left_on = ?, returned_on = ?, plan_return_on = ?,
				work_province = ?, work_city = ?, industry = ?, years_away = ?, skills_text = ?, certificates = ?, education = ?,
				intention = ?, intention_note = ?, business_name = ?, business_type = ?, uscc = ?, business_started_on = ?,
				jobs_created = ?, content_review = ?, content_hash = ?, confirmed_at = ?, updated_at = ?, version = version + 1
			WHERE person_id = ? AND version = ?`, append(args, personID, version)...)
		if err == nil {
			if n, _ := res.RowsAffected(); n != 1 {
				return ErrStaleVersion
			}
		}
	} else {
		_, err = tx.ExecContext(ctx, `
			INSERT INTO returnees (township_code, village_code, status, left_on, returned_on, plan_return_on,
				work_province, work_city, industry, years_away, skills_text, certificates, education, intention,
				intention_note, business_name, business_type, uscc, business_started_on, jobs_created, content_review,
				content_hash, confirmed_at, updated_at, created_at, person_id)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, append(args, now, personID)...)
	}
	if err != nil {
		return fmt.Errorf("returnee: write: %w", sqldb.Classify(err))
	}
	var tagRows []any
	var replaced []any
	for _, t := range []struct {
		field, kind string
		codes       []string
	}{{"skills", tagSkill, p.Skills}, {"intended_fields", tagField, p.Fields}, {"needs", tagNeed, p.Needs}} {
		if exists && !slices.Contains(changed, t.field) {
			continue
		}
		if exists {
			replaced = append(replaced, t.kind)
		}
		for _, c := range t.codes {
			tagRows = append(tagRows, personID, t.kind, c)
		}
	}
	if len(replaced) > 0 { // one statement for every list that changed
		q := `DELETE FROM returnee_tags WHERE person_id = ? AND kind IN (?` + strings.Repeat(", ?", len(replaced)-1) + `)`
		if _, err := tx.ExecContext(ctx, q, append([]any{personID}, replaced...)...); err != nil {
			return fmt.Errorf("returnee: tags: %w", err)
		}
	}
	if len(tagRows) == 0 {
		return nil
	}
	q := `INSERT INTO returnee_tags (person_id, kind, code) VALUES (?, ?, ?)` + strings.Repeat(", (?, ?, ?)", len(tagRows)/3-1)
	if _, err := tx.ExecContext(ctx, q, tagRows...); err != nil {
		return fmt.Errorf("returnee: tags: %w", sqldb.Classify(err))
	}
	return nil
}

// row is the returnees row that writeRow writes for p (CreatedAt now and Version 1: a new row).
func (p profile) row(personID int64, review string, textHash []byte, now time.Time) row {
	r := row{PersonID: personID, TownshipCode: p.TownshipCode, VillageCode: p.VillageCode, Status: p.Status,
		LeftOn: p.LeftOn, ReturnedOn: p.ReturnedOn, PlanReturnOn: p.PlanReturnOn, WorkProvince: p.WorkProvince,
		WorkCity: p.WorkCity, Industry: p.Industry, YearsAway: p.YearsAway, SkillsText: p.SkillsText,
		Certificates: p.Certificates, Education: p.Education, Intention: p.Intention, IntentionNote: p.IntentionNote,
		BusinessName: p.BizName, BusinessType: p.BizType, BusinessStartedOn: p.BizStartedOn, JobsCreated: p.JobsCreated,
		ContentReview: review, ContentHash: textHash, ConfirmedAt: now, CreatedAt: now, UpdatedAt: now, Version: 1}
	if p.USCC != nil {
		r.USCC = sql.NullString{String: *p.USCC, Valid: true}
	}
	r.tags = map[string][]string{}
	for kind, codes := range map[string][]string{tagSkill: p.Skills, tagField: p.Fields, tagNeed: p.Needs} {
		if len(codes) > 0 {
			r.tags[tagKey(personID, kind)] = slices.Sorted(slices.Values(codes))
		}
	}
	return r
}

// change is one record_changes row.
type change struct {
	PersonID int64
	Source   string
	Actor    actor.Actor
	BatchID  int64
	Action   string
	Fields   []string
	Identity []person.IdentityChange
}

func writeChange(ctx context.Context, tx sqlx.ExtContext, c change, now time.Time) error {
	return person.WriteChange(ctx, tx, person.Change{PersonID: c.PersonID, Source: c.Source, ActorType: string(c.Actor.Kind),
		ActorID: c.Actor.ID, BatchID: c.BatchID, Action: c.Action, Fields: c.Fields, Identity: c.Identity}, now)
}

// IdentityChanged bumps the version of personID's returnee record, if any, after the person's
// name, ID number or phone changed through another registry (the alumni form): a clerk holding
// the earlier version must read the record again before editing it.
func IdentityChanged(ctx context.Context, tx sqlx.ExecerContext, personID int64, now time.Time) error {
	if _, err := tx.ExecContext(ctx, `UPDATE returnees SET version = version + 1, updated_at = ? WHERE person_id = ?`, now, personID); err != nil {
		return fmt.Errorf("returnee: identity changed: %w", err)
	}
	return nil
}

// exportPage reads the next 1000 records matching where after person lastID (keyset paging:
// memory stays flat however many rows match).
func exportPage(ctx context.Context, db sqlx.QueryerContext, where string, args []any, lastID int64) ([]listRow, error) {
	var page []listRow
	err := sqlx.SelectContext(ctx, db, &page, listSelect+` WHERE `+where+` AND r.person_id > ? ORDER BY r.person_id LIMIT 1000`, append(args, lastID)...)
	if err != nil {
		return nil, fmt.Errorf("returnee: export: %w", err)
	}
	return page, nil
}

// insertBatch starts an import batch of staffID's file and returns its id.
func insertBatch(ctx context.Context, db sqlx.ExecerContext, staffID int64, filename string, now time.Time) (int64, error) {
	res, err := db.ExecContext(ctx, `INSERT INTO import_batches (kind, staff_id, filename, status, created_at) VALUES ('returnee', ?, ?, 'running', ?)`,
		staffID, filename, now)
	if err != nil {
		return 0, fmt.Errorf("returnee: import batch: %w", err)
	}
	return res.LastInsertId()
}

// finishBatch records an import's counts and marks it done.
func finishBatch(ctx context.Context, db sqlx.ExecerContext, batchID int64, rep ImportReport, now time.Time) error {
	_, err := db.ExecContext(ctx, `UPDATE import_batches SET status = 'done', rows_total = ?, rows_created = ?, rows_updated = ?,
		rows_failed = ?, finished_at = ? WHERE id = ?`, rep.RowsTotal, rep.RowsCreated, rep.RowsUpdated, rep.RowsFailed, now, batchID)
	return err
}

// insertImportErrors appends errs to the batch's report in one statement, numbered after the
// written ones already there (seq keeps the order they came in).
func insertImportErrors(ctx context.Context, db sqlx.ExecerContext, batchID, written int64, errs []RowError) error {
	if len(errs) == 0 {
		return nil
	}
	args := make([]any, 0, len(errs)*5)
	for i, e := range errs {
		args = append(args, batchID, e.Row, e.Column, e.Reason, written+int64(i)+1)
	}
	q := `INSERT INTO import_errors (batch_id, row_num, column_name, reason, seq) VALUES (?, ?, ?, ?, ?)` +
		strings.Repeat(", (?, ?, ?, ?, ?)", len(errs)-1)
	if _, err := db.ExecContext(ctx, q, args...); err != nil {
		return fmt.Errorf("returnee: import errors: %w", err)
	}
	return nil
}

const batchColumns = `id, staff_id, filename, status, rows_total, rows_created, rows_updated, rows_failed, created_at, finished_at`

// listBatches lists the latest 100 import batches, of staffID only when it is not 0.
func listBatches(ctx context.Context, db sqlx.QueryerContext, staffID int64) ([]Batch, error) {
	out := []Batch{}
	q := `SELECT ` + batchColumns + ` FROM import_batches WHERE kind = 'returnee'`
	args := []any{}
	if staffID != 0 {
		q += ` AND staff_id = ?`
		args = append(args, staffID)
	}
	if err := sqlx.SelectContext(ctx, db, &out, q+` ORDER BY created_at DESC, id DESC LIMIT 100`, args...); err != nil {
		return nil, fmt.Errorf("returnee: batches: %w", err)
	}
	return out, nil
}

// getBatch reads one import batch (ErrNotFound when there is none).
func getBatch(ctx context.Context, db sqlx.QueryerContext, batchID int64) (Batch, error) {
	var b Batch
	err := sqlx.GetContext(ctx, db, &b, `SELECT `+batchColumns+` FROM import_batches WHERE id = ? AND kind = 'returnee'`, batchID)
	if errors.Is(err, sql.ErrNoRows) {
		return Batch{}, ErrNotFound
	}
	if err != nil {
		return Batch{}, fmt.Errorf("returnee: batch: %w", sqldb.Classify(err))
	}
	return b, nil
}

// eachImportError calls fn with each row error of a batch, in order, without holding them all.
func eachImportError(ctx context.Context, db sqlx.QueryerContext, batchID int64, fn func(RowError) error) error {
	rows, err := db.QueryxContext(ctx, `SELECT row_num, column_name, reason FROM import_errors WHERE batch_id = ? ORDER BY row_num, seq`, batchID)
	if err != nil {
		return fmt.Errorf("returnee: report: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var e RowError
		if err := rows.Scan(&e.Row, &e.Column, &e.Reason); err != nil {
			return err
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	return rows.Err()
}

// getListRow reads one record with its person, region names and tags (ErrNotFound when none).
func getListRow(ctx context.Context, db sqlx.QueryerContext, personID int64) (listRow, error) {
	var lr listRow
	err := sqlx.GetContext(ctx, db, &lr, `SELECT `+listColumns+tagsColumn+listFrom+` WHERE r.person_id = ?`, personID)
	if errors.Is(err, sql.ErrNoRows) {
		return listRow{}, ErrNotFound
	}
	if err != nil {
		return listRow{}, fmt.Errorf("returnee: get: %w", err)
	}
	if err := lr.decodeTags(); err != nil {
		return listRow{}, err
	}
	return lr, nil
}

// changeRow is a record_changes row.
type changeRow struct {
	ChangedAt time.Time     `db:"changed_at"`
	Source    string        `db:"source"`
	Action    string        `db:"action"`
	ActorType string        `db:"actor_type"`
	ActorID   sql.NullInt64 `db:"actor_id"`
	BatchID   sql.NullInt64 `db:"import_batch_id"`
	Fields    []byte        `db:"fields"`
	Identity  []byte        `db:"identity_changes"`
}

// historyRows reads the latest 200 changes of a person, newest first.
func historyRows(ctx context.Context, db sqlx.QueryerContext, personID int64) ([]changeRow, error) {
	var rows []changeRow
	err := sqlx.SelectContext(ctx, db, &rows, `SELECT changed_at, source, action, actor_type, actor_id, import_batch_id, fields, identity_changes
		FROM record_changes WHERE person_id = ? ORDER BY changed_at DESC, id DESC LIMIT 200`, personID)
	if err != nil {
		return nil, fmt.Errorf("returnee: history: %w", err)
	}
	return rows, nil
}

// claimRow is a claimed person with the last identity change staff made before the claim.
type claimRow struct {
	ID            int64         `db:"id"`
	Name          string        `db:"name"`
	IDCardEnc     []byte        `db:"id_card_enc"`
	PhoneEnc      []byte        `db:"phone_enc"`
	UserID        sql.NullInt64 `db:"user_id"`
	CreatedSource string        `db:"created_source"`
	ClaimedAt     time.Time     `db:"claimed_at"`
	TownshipCode  string        `db:"township_code"`
	TownshipName  string        `db:"township_name"`
	ChangedAt     *time.Time    `db:"changed_at"`
	ChangedBy     sql.NullInt64 `db:"changed_by"`
}

// claimRows reads one page of the claimed persons not registered by themselves, newest claim
// first, of township's returnees only when township is set, and their count.
func claimRows(ctx context.Context, db sqlx.QueryerContext, township string, req sqldb.PageRequest) ([]claimRow, int, error) {
	from := ` FROM persons p LEFT JOIN returnees r ON r.person_id = p.id LEFT JOIN regions t ON t.code = r.township_code
		LEFT JOIN record_changes c ON c.id = (SELECT c2.id FROM record_changes c2 WHERE c2.person_id = p.id
			AND c2.actor_type = 'staff' AND c2.identity_changes IS NOT NULL AND c2.changed_at <= p.claimed_at
			ORDER BY c2.changed_at DESC, c2.id DESC LIMIT 1)
		WHERE p.claimed_at IS NOT NULL AND p.created_source <> 'self'`
	args := []any{}
	if township != "" {
		from += ` AND r.township_code = ?`
		args = append(args, township)
	}
	var total int
	if err := sqlx.GetContext(ctx, db, &total, `SELECT COUNT(*)`+from, args...); err != nil {
		return nil, 0, fmt.Errorf("returnee: claims: %w", err)
	}
	var rows []claimRow
	err := sqlx.SelectContext(ctx, db, &rows, `SELECT p.id, p.name, p.id_card_enc, p.phone_enc, p.user_id, p.created_source, p.claimed_at,
		COALESCE(r.township_code, '') AS township_code, COALESCE(t.name, '') AS township_name,
		c.changed_at, c.actor_id AS changed_by`+from+`
		ORDER BY p.claimed_at DESC, p.id DESC LIMIT ? OFFSET ?`, append(args, req.Limit(), req.Offset())...)
	if err != nil {
		return nil, 0, fmt.Errorf("returnee: claims: %w", err)
	}
	return rows, total, nil
}

// freshnessRow counts one township's records and those confirmed since a time.
type freshnessRow struct {
	Code  string `db:"township_code"`
	Name  string `db:"township_name"`
	Total int    `db:"total"`
	Fresh int    `db:"fresh"`
}

// freshnessRows counts records per township (township's only when set) and those confirmed since.
func freshnessRows(ctx context.Context, db sqlx.QueryerContext, since time.Time, township string) ([]freshnessRow, error) {
	q := `SELECT r.township_code, COALESCE(t.name, '') AS township_name, COUNT(*) AS total,
			SUM(CASE WHEN r.confirmed_at >= ? THEN 1 ELSE 0 END) AS fresh
		FROM returnees r LEFT JOIN regions t ON t.code = r.township_code`
	args := []any{since}
	if township != "" {
		q += ` WHERE r.township_code = ?`
		args = append(args, township)
	}
	q += ` GROUP BY r.township_code, t.name ORDER BY r.township_code`
	var raw []freshnessRow
	if err := sqlx.SelectContext(ctx, db, &raw, q, args...); err != nil {
		return nil, fmt.Errorf("returnee: freshness: %w", err)
	}
	return raw, nil
}

// confirmRow records that person's record is still true; with textHash set, that hash (of text
// WeChat passed) is kept with it. It reports whether there was a record.
func confirmRow(ctx context.Context, db sqlx.ExecerContext, personID int64, textHash []byte, now time.Time) (bool, error) {
	res, err := db.ExecContext(ctx, `UPDATE returnees SET confirmed_at = ?, content_hash = COALESCE(?, content_hash) WHERE person_id = ?`,
		now, textHash, personID)
	if err != nil {
		return false, fmt.Errorf("returnee: confirm: %w", err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// insertBulk writes new records of an import in three statements: the returnees rows (25
// values each, in the column order below), their tags (3) and their history rows (8).
func insertBulk(ctx context.Context, db sqlx.ExecerContext, rArgs, tArgs, cArgs []any) error {
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
		if _, err := db.ExecContext(ctx, q, st.args...); err != nil {
			return fmt.Errorf("returnee: bulk insert: %w", sqldb.Classify(err))
		}
	}
	return nil
}
