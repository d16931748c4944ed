package returnee

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/xuri/excelize/v2"

	"huixiang/internal/actor"
	"huixiang/internal/audit"
	"huixiang/internal/person"
	"huixiang/internal/region"
	"huixiang/internal/sqldb"
)

// Spreadsheet errors.
var (
	// ErrNotXLSX: the upload is not an .xlsx workbook.
	ErrNotXLSX = errors.New("returnee: not an xlsx file")
	// ErrTooManyRows: more data rows than an import takes.
	ErrTooManyRows = errors.New("returnee: too many rows")
	// ErrSheetTooLarge: the workbook unzips to more than MaxUnzippedBytes.
	ErrSheetTooLarge = errors.New("returnee: workbook unzips too large")
	// ErrSheetDoctype: an XML part of the workbook has a DOCTYPE (entity tricks; Excel writes none).
	ErrSheetDoctype = errors.New("returnee: workbook XML has a DOCTYPE")
)

// MaxUnzippedBytes bounds what an uploaded workbook may unzip to, all parts together: a
// 100,000-row sheet of the template's columns stays well below it, a zip bomb does not.
const MaxUnzippedBytes = 100 << 20

// maxXMLInMemory is how much of one sheet's XML excelize keeps in memory; above it, the sheet
// is unzipped to a temporary file and streamed (the bound is MaxUnzippedBytes either way).
const maxXMLInMemory = 16 << 20

// HeaderError lists the missing and the unknown columns of an uploaded sheet, with the columns
// the import reads.
type HeaderError struct {
	Missing    []string
	Unexpected []string
	Expected   []string
}

func (e *HeaderError) Error() string {
	return fmt.Sprintf("returnee: sheet columns: missing %v, unexpected %v", e.Missing, e.Unexpected)
}

// RowError is one problem of one row in an import report.
type RowError struct {
	Row    int    `json:"row"`
	Column string `json:"column"`
	Reason string `json:"reason"`
}

// ImportReport is the answer of an import.
type ImportReport struct {
	BatchID     int64      `json:"batch_id"`
	Filename    string     `json:"filename"`
	RowsTotal   int        `json:"rows_total"`
	RowsCreated int        `json:"rows_created"`
	RowsUpdated int        `json:"rows_updated"`
	RowsFailed  int        `json:"rows_failed"`
	Errors      []RowError `json:"errors"`
	CreatedAt   time.Time  `json:"created_at"`
}

func openWorkbook(r io.ReaderAt, size int64) (*excelize.File, error) {
	var magic [4]byte
	if _, err := r.ReadAt(magic[:], 0); err != nil || string(magic[:]) != "PK\x03\x04" {
		return nil, ErrNotXLSX
	}
	if err := checkParts(r, size); err != nil {
		return nil, err
	}
	// excelize bounds the unzipped size again (by the same declared sizes, which archive/zip
	// holds each part to while reading).
	f, err := excelize.OpenReader(io.NewSectionReader(r, 0, size), excelize.Options{UnzipSizeLimit: MaxUnzippedBytes, UnzipXMLSizeLimit: maxXMLInMemory})
	if err != nil {
		return nil, ErrNotXLSX
	}
	if len(f.GetSheetList()) == 0 {
		f.Close()
		return nil, ErrNotXLSX
	}
	return f, nil
}

// checkParts refuses a workbook before anything is unzipped for real: one whose parts declare
// more than MaxUnzippedBytes in all (archive/zip refuses a part that unzips beyond its declared
// size), and one with a DOCTYPE in any XML part's prolog — where alone XML allows one.
func checkParts(r io.ReaderAt, size int64) error {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return ErrNotXLSX
	}
	var total uint64
	for _, zf := range zr.File {
		total += zf.UncompressedSize64
		if total > MaxUnzippedBytes {
			return ErrSheetTooLarge
		}
	}
	for _, zf := range zr.File {
		name := strings.ToLower(zf.Name)
		if !strings.HasSuffix(name, ".xml") && !strings.HasSuffix(name, ".rels") && !strings.HasSuffix(name, ".vml") {
			continue
		}
		if err := checkProlog(zf); err != nil {
			return err
		}
	}
	return nil
}

// maxProlog is how far into an XML part its root element must start.
const maxProlog = 64 << 10

// checkProlog reads an XML part up to its root element and refuses a DOCTYPE (or any other
// <!...> declaration) before it. encoding/xml expands no entities, so reading is safe.
func checkProlog(zf *zip.File) error {
	rc, err := zf.Open()
	if err != nil {
		return ErrNotXLSX
	}
	defer rc.Close()
	d := xml.NewDecoder(io.LimitReader(rc, maxProlog))
	d.Strict = false
	for {
		tok, err := d.RawToken()
		if err != nil {
			if zf.UncompressedSize64 == 0 {
				return nil
			}
			return ErrNotXLSX // no root element within the first 64 KB, or not XML at all
		}
		switch tok.(type) {
		case xml.Directive:
			return ErrSheetDoctype
		case xml.StartElement:
			return nil
		}
	}
}

// headerIndex maps each template column to its position in the sheet's header row. A header
// the import does not know is refused (with the ones it knows), so that a renamed column is
// never dropped in silence; so is a missing required one. Optional columns may be absent.
func headerIndex(header []string) (map[int]int, error) {
	pos := map[string]int{}
	for i, h := range header {
		h = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(h), "*"))
		if h != "" {
			pos[h] = i
		}
	}
	idx := map[int]int{}
	var he HeaderError
	known := map[string]bool{}
	for _, h := range exportOnlyHeaders {
		known[h] = true
	}
	for ci, c := range columns {
		known[c.Header] = true
		if p, ok := pos[c.Header]; ok {
			idx[ci] = p
		} else if c.Required {
			he.Missing = append(he.Missing, c.Header)
		}
	}
	seen := map[string]bool{}
	for _, h := range header {
		h = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(h), "*"))
		switch {
		case h == "":
		case !known[h]:
			he.Unexpected = append(he.Unexpected, h)
		case seen[h]: // two columns of one name: which one to read is a guess
			he.Unexpected = append(he.Unexpected, h+"（重复）")
		}
		seen[h] = true
	}
	if len(he.Missing) > 0 || len(he.Unexpected) > 0 {
		for _, c := range columns {
			he.Expected = append(he.Expected, c.Header)
		}
		return nil, &he
	}
	return idx, nil
}

// Import reads an .xlsx of returnee records (the template's columns, on the first sheet) and
// saves every valid row: a new ID number creates a person, a known one updates the record.
// Invalid rows are reported with row number, column and reason and do not stop the others. The
// batch and its report are kept. Township staff may import only their township's records.
func (s *Service) Import(ctx context.Context, actor actor.Actor, filename string, r io.ReaderAt, size int64) (ImportReport, error) {
	if !actor.MayWriteRegistry() {
		return ImportReport{}, ErrForbidden
	}
	f, err := openWorkbook(r, size)
	if err != nil {
		return ImportReport{}, err
	}
	defer f.Close()
	sheet := f.GetSheetList()[0]

	// First pass: the header, and the row count before anything is written.
	rows, err := f.Rows(sheet)
	if err != nil {
		return ImportReport{}, ErrNotXLSX
	}
	var idx map[int]int
	count := 0
	for rows.Next() {
		if idx == nil {
			header, err := rows.Columns()
			if err != nil {
				rows.Close()
				return ImportReport{}, ErrNotXLSX
			}
			if idx, err = headerIndex(header); err != nil {
				rows.Close()
				return ImportReport{}, err
			}
			continue
		}
		count++
		if count > s.maxImportRows {
			rows.Close()
			return ImportReport{}, ErrTooManyRows
		}
	}
	rows.Close()
	if idx == nil {
		return ImportReport{}, &HeaderError{Missing: requiredHeaders(), Expected: requiredHeaders()}
	}
	// The sheet's optional columns that are absent: a known person's stored values stay.
	absent := map[string]bool{}
	for ci, c := range columns {
		if _, ok := idx[ci]; !ok {
			absent[c.Field] = true
		}
	}

	rc, err := s.rowContext(ctx)
	if err != nil {
		return ImportReport{}, err
	}
	now := s.now().UTC()
	rep := ImportReport{Filename: filename, Errors: []RowError{}, CreatedAt: now}
	if rep.BatchID, err = insertBatch(ctx, s.db, actor.ID, truncate(filename, 255), now); err != nil {
		return ImportReport{}, err
	}

	imp := &importer{s: s, actor: actor, batch: rep.BatchID, rep: &rep, rc: rc, absent: absent}
	rows, err = f.Rows(sheet)
	if err != nil {
		return ImportReport{}, ErrNotXLSX
	}
	defer rows.Close()
	imp.start(ctx, importWorkers)
	stopped := false
	defer func() {
		if !stopped {
			imp.queue = nil
			_ = imp.wait(ctx) // an early return: it carries its own error
		}
	}()
	line := 0
	for rows.Next() {
		line++
		cells, err := rows.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return rep, ErrNotXLSX
		}
		if line == 1 || blank(cells) {
			continue
		}
		imp.mu.Lock()
		rep.RowsTotal++
		imp.add(line, cells, idx)
		imp.mu.Unlock()
		if err := imp.flushIfFull(ctx); err != nil {
			return rep, err
		}
	}
	if err := imp.flush(ctx); err != nil {
		return rep, err
	}
	stopped = true
	if err := imp.wait(ctx); err != nil {
		return rep, err
	}
	slices.SortFunc(rep.Errors, func(a, b RowError) int { return a.Row - b.Row })
	if err := imp.finish(ctx); err != nil {
		return rep, err
	}
	e := actor.AuditID("returnee.import", "person", rep.BatchID)
	e.TargetType = "import_batch"
	e.Detail = map[string]any{"filename": filename, "rows": rep.RowsTotal, "created": rep.RowsCreated, "updated": rep.RowsUpdated, "failed": rep.RowsFailed}
	if err := audit.Write(ctx, s.db, e); err != nil {
		return rep, err
	}
	if len(rep.Errors) > 200 {
		rep.Errors = rep.Errors[:200] // the full list is in the downloadable report
	}
	return rep, nil
}

func requiredHeaders() []string {
	var out []string
	for _, c := range columns {
		if c.Required {
			out = append(out, c.Header)
		}
	}
	return out
}

func blank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return string(r[:n])
	}
	return s
}

func (s *Service) rowContext(ctx context.Context) (*rowContext, error) {
	lists, err := s.options.Lists(ctx)
	if err != nil {
		return nil, err
	}
	regs, err := s.regions.Active(ctx)
	if err != nil {
		return nil, fmt.Errorf("returnee: regions: %w", err)
	}
	rc := &rowContext{lists: lists, townships: map[string]string{}, villages: map[string]string{}}
	for _, r := range regs {
		switch {
		case r.Level == region.LevelTownship:
			rc.townships[r.Name], rc.townships[r.Code] = r.Code, r.Code
		case r.Level == region.LevelVillage && r.ParentCode != nil:
			rc.villages[*r.ParentCode+"/"+r.Name], rc.villages[*r.ParentCode+"/"+r.Code] = r.Code, r.Code
		}
	}
	return rc, nil
}

// pending is a validated row waiting for its batch transaction.
type pending struct {
	line int
	p    profile
}

// importer saves valid rows in batches: one transaction per batch, and row by row when a batch
// fails, so that one bad row never costs the others.
type importer struct {
	s     *Service
	actor actor.Actor
	batch int64
	rep   *ImportReport
	rc    *rowContext
	// absent names the fields whose columns the sheet does not have.
	absent map[string]bool
	queue  []pending
	errs   []RowError
	// written counts the errors stored so far.
	written int64

	jobs chan []pending
	wg   sync.WaitGroup
	mu   sync.Mutex // guards rep counters, errs, written, err once the savers run
	err  error
}

const (
	importBatch   = 200
	importWorkers = 4
)

func (imp *importer) fail(line int, field, reason string) {
	col := headerOf(field)
	if col == "" {
		col = field
	}
	imp.rep.RowsFailed++
	e := RowError{Row: line, Column: col, Reason: reason}
	imp.rep.Errors = append(imp.rep.Errors, e)
	imp.errs = append(imp.errs, e)
}

// add reads and validates one row; the row is queued or reported.
func (imp *importer) add(line int, cells []string, idx map[int]int) {
	var in Input
	for ci, c := range columns {
		p, ok := idx[ci]
		v := ""
		if ok && p < len(cells) {
			v = strings.TrimSpace(cells[p])
		}
		if c.Text && strings.ContainsAny(v, "Ee") && strings.Contains(v, ".") {
			imp.fail(line, c.Field, "数字被 Excel 转成了科学计数法，请把该列设置为文本格式后重新填写")
			return
		}
		if err := c.set(&in, v, imp.rc); err != nil {
			imp.fail(line, c.Field, reason(err))
			return
		}
	}
	p, err := validate(in, imp.rc.lists, imp.s.now().UTC(), true)
	if err == nil {
		switch {
		case imp.rc.townships[p.TownshipCode] != p.TownshipCode:
			err = &FieldError{Field: "township_code", Problem: ProblemRegion}
		case imp.rc.villages[p.TownshipCode+"/"+p.VillageCode] != p.VillageCode:
			err = &FieldError{Field: "village_code", Problem: ProblemRegion}
		}
	}
	if err == nil && !imp.actor.SeesTownship(p.TownshipCode) {
		err = &FieldError{Field: "township_code", Problem: "scope"}
	}
	if err != nil {
		field := ""
		var fe *FieldError
		if errors.As(err, &fe) {
			field = fe.Field
		}
		imp.fail(line, field, reason(err))
		return
	}
	imp.queue = append(imp.queue, pending{line: line, p: p})
}

// reason words a row problem in Chinese for the report.
func reason(err error) string {
	var fe *FieldError
	if !errors.As(err, &fe) {
		return "无法读取"
	}
	switch fe.Problem {
	case ProblemRequired:
		return "必填"
	case ProblemTooLong:
		return fmt.Sprintf("超过 %d 字", fe.Limit)
	case ProblemIDCard:
		return "身份证号不正确（18 位，校验位须正确）"
	case ProblemUSCC:
		return "统一社会信用代码不正确"
	case ProblemRegion:
		return "不存在（请填写系统中的乡镇或村名称或代码）"
	case "scope":
		return "不属于您所在的乡镇（街道）"
	}
	return "格式不正确"
}

func (imp *importer) flushIfFull(ctx context.Context) error {
	if len(imp.queue) < importBatch {
		return nil
	}
	return imp.flush(ctx)
}

// start runs the savers: a few transactions in flight at once hide the round trips to MySQL.
func (imp *importer) start(ctx context.Context, workers int) {
	imp.jobs = make(chan []pending)
	for range workers {
		imp.wg.Go(func() {
			for batch := range imp.jobs {
				if err := imp.saveBatch(ctx, batch); err != nil {
					imp.mu.Lock()
					if imp.err == nil {
						imp.err = err
					}
					imp.mu.Unlock()
				}
			}
		})
	}
}

// flush hands the queued rows to a saver.
func (imp *importer) flush(ctx context.Context) error {
	if len(imp.queue) > 0 {
		batch := imp.queue
		imp.queue = nil
		select {
		case imp.jobs <- batch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	imp.mu.Lock()
	defer imp.mu.Unlock()
	if imp.err != nil {
		return imp.err
	}
	return imp.writeErrors(ctx)
}

// wait lets the savers finish and stores the last row errors.
func (imp *importer) wait(ctx context.Context) error {
	close(imp.jobs)
	imp.wg.Wait()
	imp.mu.Lock()
	defer imp.mu.Unlock()
	if imp.err != nil {
		return imp.err
	}
	return imp.writeErrors(ctx)
}

// saveBatch saves rows in one transaction, or row by row when the batch fails, so that only
// the bad rows are refused.
func (imp *importer) saveBatch(ctx context.Context, batch []pending) error {
	var created, updated int
	err := sqldb.WithTx(ctx, imp.s.db, func(tx *sqlx.Tx) error {
		rest, n, err := imp.insertNew(ctx, tx, batch)
		if err != nil {
			return err
		}
		created, updated = n, 0
		for _, pd := range rest {
			res, err := imp.save(ctx, tx, pd.p)
			if err != nil {
				return err
			}
			if res.Created {
				created++
			} else {
				updated++
			}
		}
		return nil
	})
	if err == nil {
		imp.mu.Lock()
		imp.rep.RowsCreated += created
		imp.rep.RowsUpdated += updated
		imp.mu.Unlock()
		return nil
	}
	if ctx.Err() != nil {
		return err
	}
	for _, pd := range batch {
		var res saveResult
		err := sqldb.Retry(ctx, imp.s.db, 5, func(tx *sqlx.Tx) error {
			var err error
			res, err = imp.save(ctx, tx, pd.p)
			return err
		})
		imp.mu.Lock()
		switch {
		case err == nil && res.Created:
			imp.rep.RowsCreated++
		case err == nil:
			imp.rep.RowsUpdated++
		case errors.Is(err, ErrOutOfScope):
			imp.fail(pd.line, "township_code", "该人员已在其他乡镇（街道）登记，请联系区级管理员")
		case errors.Is(err, person.ErrIdentityDiffers):
			imp.fail(pd.line, "id_card", "该身份证号已登记，但姓名或手机号不一致，未导入；如需更正请在人员记录中修改")
		case errors.Is(err, person.ErrAlreadyRegistered):
			imp.fail(pd.line, "id_card", "与已登记人员冲突")
		case ctx.Err() != nil || sqldb.IsUnavailable(err):
			imp.mu.Unlock()
			return err
		default:
			imp.s.log.ErrorContext(ctx, "import row failed", "batch", imp.batch, "row", pd.line, "error", err)
			imp.fail(pd.line, "", "无法保存，请稍后重试")
		}
		imp.mu.Unlock()
	}
	return nil
}

func (imp *importer) save(ctx context.Context, tx *sqlx.Tx, p profile) (saveResult, error) {
	if len(imp.absent) > 0 {
		var err error
		if p, err = imp.keepStored(ctx, tx, p); err != nil {
			return saveResult{}, err
		}
	}
	return imp.s.save(ctx, tx, p, saveOpts{Source: person.SourceImport, Actor: imp.actor, BatchID: imp.batch, ScopeExisting: true})
}

// keepStored gives a row of a sheet without some optional columns the person's stored values
// for those columns. It locks the person's row, then the record's, in the order the save takes
// them, so the values cannot change before the save writes them back.
func (imp *importer) keepStored(ctx context.Context, tx *sqlx.Tx, p profile) (profile, error) {
	pid, found, err := imp.s.persons.LockByIDCard(ctx, tx, p.IDCard.Number)
	if err != nil || !found {
		return p, err // not found: a new person, nothing stored to keep
	}
	old, exists, err := lockRow(ctx, tx, pid)
	if err != nil || !exists {
		return p, err
	}
	return keepAbsent(p, old, imp.absent), nil
}

// keepAbsent copies into p the stored values of the fields in absent.
func keepAbsent(p profile, old row, absent map[string]bool) profile {
	for f := range absent {
		switch f {
		case "left_on":
			p.LeftOn = old.LeftOn
		case "returned_on":
			p.ReturnedOn = old.ReturnedOn
		case "plan_return_on":
			p.PlanReturnOn = old.PlanReturnOn
		case "work_province":
			p.WorkProvince = old.WorkProvince
		case "work_city":
			p.WorkCity = old.WorkCity
		case "industry":
			p.Industry = old.Industry
		case "years_away":
			p.YearsAway = old.YearsAway
		case "skills":
			p.Skills = old.tag(tagSkill)
		case "skills_text":
			p.SkillsText = old.SkillsText
		case "certificates":
			p.Certificates = old.Certificates
		case "education":
			p.Education = old.Education
		case "intention":
			p.Intention = old.Intention
		case "intended_fields":
			p.Fields = old.tag(tagField)
		case "intention_note":
			p.IntentionNote = old.IntentionNote
		case "needs":
			p.Needs = old.tag(tagNeed)
		case "business.name":
			p.BizName = old.BusinessName
		case "business.type":
			p.BizType = old.BusinessType
		case "business.uscc":
			p.USCC = nil
			if old.USCC.Valid {
				p.USCC = &old.USCC.String
			}
		case "business.started_on":
			p.BizStartedOn = old.BusinessStartedOn
		case "business.jobs_created":
			p.JobsCreated = old.JobsCreated
		}
	}
	return p
}

// writeErrors appends the pending row errors to the batch's stored report.
func (imp *importer) writeErrors(ctx context.Context) error {
	for len(imp.errs) > 0 {
		n := min(len(imp.errs), 500)
		errs := make([]RowError, n)
		for i, e := range imp.errs[:n] {
			errs[i] = RowError{Row: e.Row, Column: truncate(e.Column, 64), Reason: truncate(e.Reason, 255)}
		}
		if err := insertImportErrors(ctx, imp.s.db, imp.batch, imp.written, errs); err != nil {
			return err
		}
		imp.written += int64(n)
		imp.errs = imp.errs[n:]
	}
	return nil
}

func (imp *importer) finish(ctx context.Context) error {
	return finishBatch(ctx, imp.s.db, imp.batch, *imp.rep, imp.s.now().UTC())
}

// Batch is an import batch as listed.
type Batch struct {
	ID          int64      `db:"id" json:"id"`
	StaffID     int64      `db:"staff_id" json:"staff_id"`
	Filename    string     `db:"filename" json:"filename"`
	Status      string     `db:"status" json:"status"`
	RowsTotal   int        `db:"rows_total" json:"rows_total"`
	RowsCreated int        `db:"rows_created" json:"rows_created"`
	RowsUpdated int        `db:"rows_updated" json:"rows_updated"`
	RowsFailed  int        `db:"rows_failed" json:"rows_failed"`
	CreatedAt   time.Time  `db:"created_at" json:"created_at"`
	FinishedAt  *time.Time `db:"finished_at" json:"finished_at"`
}

// Batches lists import batches, newest first; township staff see their own.
func (s *Service) Batches(ctx context.Context, actor actor.Actor) ([]Batch, error) {
	var staffID int64 // township staff see the batches they imported
	if actor.ScopeTownship() != "" {
		staffID = actor.ID
	}
	return listBatches(ctx, s.db, staffID)
}

// BatchReport returns an import's per-row report as .xlsx.
func (s *Service) BatchReport(ctx context.Context, actor actor.Actor, batchID int64) ([]byte, error) {
	b, err := getBatch(ctx, s.db, batchID)
	if err != nil {
		return nil, err
	}
	if actor.ScopeTownship() != "" && b.StaffID != actor.ID {
		return nil, ErrNotFound
	}
	f := excelize.NewFile()
	defer f.Close()
	const sh = "导入结果"
	f.SetSheetName("Sheet1", sh)
	sw, err := f.NewStreamWriter(sh)
	if err != nil {
		return nil, err
	}
	sw.SetColWidth(1, 1, 8)
	sw.SetColWidth(2, 2, 18)
	sw.SetColWidth(3, 3, 60)
	summary := fmt.Sprintf("文件：%s　共 %d 行：新增 %d，更新 %d，失败 %d", b.Filename, b.RowsTotal, b.RowsCreated, b.RowsUpdated, b.RowsFailed)
	if err := sw.SetRow("A1", []any{summary}); err != nil {
		return nil, err
	}
	if err := sw.SetRow("A2", []any{"行号", "列", "原因"}); err != nil {
		return nil, err
	}
	n := 3
	err = eachImportError(ctx, s.db, batchID, func(e RowError) error {
		cell, _ := excelize.CoordinatesToCellName(1, n)
		n++
		return sw.SetRow(cell, []any{e.Row, e.Column, e.Reason})
	})
	if err != nil {
		return nil, err
	}
	if err := sw.Flush(); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
