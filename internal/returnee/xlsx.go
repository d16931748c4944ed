package returnee

import (
	"archive/zip"
	"bytes"
	"context"
	"database/sql"
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

	"huixiang/internal/audit"
	"huixiang/internal/cn"
	"huixiang/internal/person"
	"huixiang/internal/region"
	"huixiang/internal/sqldb"
	"huixiang/internal/vocab"
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

// exportOnlyHeaders are the columns an export adds after the template's: a re-import of an
// export reads the rest and ignores these.
var exportOnlyHeaders = []string{"最近确认时间", "来源"}

const sheetName = "返乡人员"

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

// Template returns the import template: the headers, a note on each saying what the column
// takes, text format on ID numbers and phones so Excel keeps every digit, a sheet of option
// labels, and a sheet of notes (among them: an absent column keeps stored values, an empty cell
// clears).
func (s *Service) Template(ctx context.Context) ([]byte, error) {
	lists, err := vocab.Load(ctx, s.db)
	if err != nil {
		return nil, err
	}
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", sheetName); err != nil {
		return nil, err
	}
	text, _ := f.NewStyle(&excelize.Style{NumFmt: 49})
	head, _ := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}}})
	req, _ := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true, Color: "C00000"}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}}})
	for i, c := range columns {
		col, _ := excelize.ColumnNumberToName(i + 1)
		st := head
		if c.Required {
			st = req
		}
		f.SetCellValue(sheetName, col+"1", c.Header)
		f.SetCellStyle(sheetName, col+"1", col+"1", st)
		f.SetColWidth(sheetName, col, col, c.Width)
		if c.Text {
			f.SetColStyle(sheetName, col, text)
			f.SetCellStyle(sheetName, col+"1", col+"1", st)
		}
		note := c.Note
		if c.Required {
			note = strings.TrimSpace("必填 " + note)
		}
		f.AddComment(sheetName, excelize.Comment{Cell: col + "1", Author: "回乡", Paragraph: []excelize.RichTextRun{{Text: note}}})
	}
	f.SetPanes(sheetName, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"})
	// A sheet listing the accepted option labels.
	const opt = "可选值"
	f.NewSheet(opt)
	f.SetCellValue(opt, "A1", "类别")
	f.SetCellValue(opt, "B1", "可填写的值")
	kinds := []struct{ kind, name string }{{"skill", "技能"}, {"intended_field", "意向领域"}, {"need", "需求"}, {"education", "学历"}, {"business_type", "主体类型"}}
	for i, k := range kinds {
		labels := make([]string, 0, len(lists[k.kind]))
		for _, it := range lists[k.kind] {
			labels = append(labels, it.Label)
		}
		f.SetCellValue(opt, fmt.Sprintf("A%d", i+2), k.name)
		f.SetCellValue(opt, fmt.Sprintf("B%d", i+2), strings.Join(labels, "、"))
	}
	f.SetCellValue(opt, "A8", "当前状态")
	f.SetCellValue(opt, "B8", "在外务工、已返乡、计划返乡")
	f.SetCellValue(opt, "A9", "创业意向")
	f.SetCellValue(opt, "B9", "暂无、有意向、筹备中、已创业")
	f.SetColWidth(opt, "B", "B", 80)
	// What a re-import does with absent columns and empty cells.
	const notes = "填写说明"
	f.NewSheet(notes)
	for i, line := range []string{
		"1. 第一行是列名，请勿修改；红色列为必填列。只导入第一个工作表。",
		"2. 再次导入已登记的人员（按身份证号识别）会更新其信息：表中没有的可选列，不改动已登记的值；列存在但单元格留空，会清空该项。",
		"3. 不认识的列名（例如把“从事行业”改成“所在行业”）会使整个文件被拒绝，并列出可用的列名；从本系统导出的表格可直接修改后导入。",
		"4. 身份证号、手机号、统一社会信用代码请设为文本格式，以免 Excel 改成科学计数法。",
	} {
		f.SetCellValue(notes, fmt.Sprintf("A%d", i+1), line)
	}
	f.SetColWidth(notes, "A", "A", 120)
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
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
func (s *Service) Import(ctx context.Context, actor Actor, filename string, r io.ReaderAt, size int64) (ImportReport, error) {
	if err := actor.MayWrite(); err != nil {
		return ImportReport{}, err
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
	res, err := s.db.ExecContext(ctx, `INSERT INTO import_batches (kind, staff_id, filename, status, created_at) VALUES ('returnee', ?, ?, 'running', ?)`,
		actor.ID, truncate(filename, 255), now)
	if err != nil {
		return ImportReport{}, fmt.Errorf("returnee: import batch: %w", err)
	}
	if rep.BatchID, err = res.LastInsertId(); err != nil {
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
			imp.wait(ctx)
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
	e := actor.entry("returnee.import", fmt.Sprint(rep.BatchID))
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
	lists, err := vocab.Load(ctx, s.db)
	if err != nil {
		return nil, err
	}
	var regs []region.Region
	if err := s.db.SelectContext(ctx, &regs, `SELECT code, parent_code, level, name, is_demo FROM regions WHERE active`); err != nil {
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
	actor Actor
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
	if err == nil && !imp.actor.inScope(p.TownshipCode) {
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
	var pid int64
	err := tx.GetContext(ctx, &pid, `SELECT id FROM persons WHERE id_card_idx = ? FOR UPDATE`, imp.s.persons.IndexOf(p.IDCard.Number))
	if errors.Is(err, sql.ErrNoRows) {
		return p, nil // a new person: nothing stored to keep
	}
	if err != nil {
		return p, fmt.Errorf("returnee: import person: %w", sqldb.Classify(err))
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
		var sb strings.Builder
		args := make([]any, 0, n*5)
		sb.WriteString(`INSERT INTO import_errors (batch_id, row_num, column_name, reason, seq) VALUES `)
		for i, e := range imp.errs[:n] {
			if i > 0 {
				sb.WriteString(", ")
			}
			sb.WriteString("(?, ?, ?, ?, ?)")
			// seq numbers the batch's errors in order, so the report lists them as they came.
			args = append(args, imp.batch, e.Row, truncate(e.Column, 64), truncate(e.Reason, 255), imp.written+int64(i)+1)
		}
		if _, err := imp.s.db.ExecContext(ctx, sb.String(), args...); err != nil {
			return fmt.Errorf("returnee: import errors: %w", err)
		}
		imp.written += int64(n)
		imp.errs = imp.errs[n:]
	}
	return nil
}

func (imp *importer) finish(ctx context.Context) error {
	_, err := imp.s.db.ExecContext(ctx, `UPDATE import_batches SET status = 'done', rows_total = ?, rows_created = ?, rows_updated = ?,
		rows_failed = ?, finished_at = ? WHERE id = ?`, imp.rep.RowsTotal, imp.rep.RowsCreated, imp.rep.RowsUpdated, imp.rep.RowsFailed,
		imp.s.now().UTC(), imp.batch)
	return err
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
func (s *Service) Batches(ctx context.Context, actor Actor) ([]Batch, error) {
	out := []Batch{}
	q := `SELECT id, staff_id, filename, status, rows_total, rows_created, rows_updated, rows_failed, created_at, finished_at
		FROM import_batches WHERE kind = 'returnee'`
	args := []any{}
	if actor.Township != "" {
		q += ` AND staff_id = ?`
		args = append(args, actor.ID)
	}
	err := s.db.SelectContext(ctx, &out, q+` ORDER BY created_at DESC, id DESC LIMIT 100`, args...)
	if err != nil {
		return nil, fmt.Errorf("returnee: batches: %w", err)
	}
	return out, nil
}

// BatchReport returns an import's per-row report as .xlsx.
func (s *Service) BatchReport(ctx context.Context, actor Actor, batchID int64) ([]byte, error) {
	var b Batch
	err := s.db.GetContext(ctx, &b, `SELECT id, staff_id, filename, status, rows_total, rows_created, rows_updated, rows_failed, created_at, finished_at
		FROM import_batches WHERE id = ? AND kind = 'returnee'`, batchID)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("returnee: batch: %w", sqldb.Classify(err))
	}
	if err != nil || (actor.Township != "" && b.StaffID != actor.ID) {
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
	sw.SetRow("A1", []any{summary})
	sw.SetRow("A2", []any{"行号", "列", "原因"})
	rows, err := s.db.QueryxContext(ctx, `SELECT row_num, column_name, reason FROM import_errors WHERE batch_id = ? ORDER BY row_num, seq`, batchID)
	if err != nil {
		return nil, fmt.Errorf("returnee: report: %w", err)
	}
	defer rows.Close()
	n := 3
	for rows.Next() {
		var e RowError
		if err := rows.Scan(&e.Row, &e.Column, &e.Reason); err != nil {
			return nil, err
		}
		cell, _ := excelize.CoordinatesToCellName(1, n)
		sw.SetRow(cell, []any{e.Row, e.Column, e.Reason})
		n++
	}
	if err := rows.Err(); err != nil {
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

// ExportOptions says whether an export shows personal information in clear, and why.
type ExportOptions struct {
	Reveal bool
	Reason string
}

// Export writes the records matching f as .xlsx to w, masked unless opts.Reveal (which needs a
// role that may reveal, and a reason). Every export is audited with its filters and row count.
func (s *Service) Export(ctx context.Context, actor Actor, f Filter, opts ExportOptions, w io.Writer) (int, error) {
	if opts.Reveal {
		allowed := false
		for _, r := range revealRoles {
			allowed = allowed || r == actor.Role
		}
		if !allowed {
			return 0, ErrRevealNotAllowed
		}
		if n := len([]rune(strings.TrimSpace(opts.Reason))); n < 2 || n > 200 {
			return 0, ErrRevealReason
		}
	}
	lists, err := vocab.Load(ctx, s.db)
	if err != nil {
		return 0, err
	}
	where, args := f.where(actor)
	x := excelize.NewFile()
	defer x.Close()
	x.SetSheetName("Sheet1", sheetName)
	sw, err := x.NewStreamWriter(sheetName)
	if err != nil {
		return 0, err
	}
	header := make([]any, 0, len(columns)+2)
	for i, c := range columns {
		sw.SetColWidth(i+1, i+1, c.Width)
		header = append(header, c.Header)
	}
	header = append(header, exportOnlyHeaders[0], exportOnlyHeaders[1])
	if err := sw.SetRow("A1", header); err != nil {
		return 0, err
	}
	count, lastID := 0, int64(0)
	sources := map[string]string{"self": "本人登记", "grid": "网格员代填", "import": "批量导入"}
	for {
		// Keyset pages keep memory flat however many rows match.
		var page []listRow
		err := s.db.SelectContext(ctx, &page, listSelect+` WHERE `+where+` AND r.person_id > ? ORDER BY r.person_id LIMIT 1000`, append(args, lastID)...)
		if err != nil {
			return count, fmt.Errorf("returnee: export: %w", err)
		}
		if len(page) == 0 {
			break
		}
		ids := make([]int64, len(page))
		for i, r := range page {
			ids[i] = r.PersonID
		}
		tags, err := loadTags(ctx, s.db, ids)
		if err != nil {
			return count, err
		}
		for _, lr := range page {
			lr.tags = tags
			rec, err := s.record(lr, !opts.Reveal)
			if err != nil {
				return count, err
			}
			cells := make([]any, 0, len(columns)+2)
			for _, c := range columns {
				cells = append(cells, c.get(rec, lists))
			}
			cells = append(cells, rec.ConfirmedAt.In(cn.Zone).Format("2006-01-02 15:04"), sources[rec.Source])
			cell, _ := excelize.CoordinatesToCellName(1, count+2)
			if err := sw.SetRow(cell, cells); err != nil {
				return count, err
			}
			count++
		}
		lastID = page[len(page)-1].PersonID
	}
	if err := sw.Flush(); err != nil {
		return count, err
	}
	e := actor.entry("returnee.export", "")
	e.TargetType = "returnee"
	e.Detail = map[string]any{"rows": count, "revealed": opts.Reveal, "filter": f}
	if opts.Reveal {
		e.Detail["reason"] = strings.TrimSpace(opts.Reason)
	}
	if err := audit.Write(ctx, s.db, e); err != nil {
		return count, err
	}
	return count, x.Write(w)
}
