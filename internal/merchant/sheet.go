package merchant

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/xuri/excelize/v2"

	"huixiang/internal/actor"
	"huixiang/internal/audit"
	"huixiang/internal/cn"
	"huixiang/internal/cnid"
	"huixiang/internal/person"
	"huixiang/internal/returnee"
	"huixiang/internal/sqldb"
	"huixiang/internal/vocab"
)

// The spreadsheet side of the merchant database: the import template, the import (one
// transaction per row; a known ID number, record number or enterprise credit code updates that
// merchant), the kept batches with their per-row report, and the masked export, whose sheet
// re-imports as it is.

// MaxImportRows is the most data rows one import takes.
const MaxImportRows = 5000

// Row statuses of an import report.
const (
	RowCreated   = "created"
	RowUpdated   = "updated"
	RowConfirmed = "confirmed" // a known merchant, nothing changed: the record is confirmed
	RowFailed    = "failed"
)

// batchKind is the import_batches kind of merchant imports.
const batchKind = "merchant"

// sheetColumn is one column of the template, the import and the export.
type sheetColumn struct {
	Header   string
	Field    string // the record field (FieldError.Field) the column fills
	Required bool
	Text     bool // text format in the template (numbers that must keep every digit)
	Width    float64
	Note     string
	Allowed  string // the allowed values, for the notes sheet
}

// The columns, in sheet order.
const (
	colName = iota
	colIDCard
	colPhone
	colTownship
	colProvince
	colCity
	colIndustry
	colEntName
	colUSCC
	colSize
	colRevenue
	colStatus
	colChamber
	colFields
	colAmount
	colTiming
	colPreferred
	colSource
	colRecord
)

func bandNames(kind string) string {
	names := make([]string, 0, len(Bands[kind]))
	for _, o := range Bands[kind] {
		names = append(names, o.Name)
	}
	return strings.Join(names, "、")
}

var sheetColumns = []sheetColumn{
	{Header: "姓名", Field: "name", Required: true, Width: 10, Note: "2-32 个汉字或字母"},
	{Header: "身份证号", Field: "id_card", Text: true, Width: 22,
		Note: "18 位，校验位须正确。新登记的楚商必填；已登记的楚商按身份证号识别并更新。导出表中的遮挡值（如 4212**********1234）可原样保留，按记录编号识别"},
	{Header: "手机号", Field: "phone", Text: true, Width: 14, Note: "11 位中国大陆手机号；导出表中的遮挡值（如 139****8801）表示不修改"},
	{Header: "籍贯乡镇（街道）", Field: "township_code", Required: true, Width: 16, Note: "乡镇（街道）名称或代码；乡镇（街道）工作人员只能导入本乡镇（街道）的楚商"},
	{Header: "经营所在省份", Field: "biz_province", Required: true, Width: 12, Note: "如：广东省"},
	{Header: "经营所在城市", Field: "biz_city", Width: 12, Note: "如：深圳市"},
	{Header: "行业代码", Field: "industry_code", Required: true, Text: true, Width: 10,
		Note: "国民经济行业分类（GB/T 4754-2017）门类字母（如 C）或大类两位代码（如 13），也可填行业名称；代码见下方行业代码表"},
	{Header: "企业名称", Field: "enterprises", Width: 26, Note: "名下企业，每行一家；同一人有多家企业可写多行（其余各列相同）"},
	{Header: "统一社会信用代码", Field: "enterprises", Text: true, Width: 22,
		Note: "18 位，含校验码；已登记在某位楚商名下的代码会识别为该楚商（更新而不是新增）"},
	{Header: "企业规模", Field: "size_band", Width: 10, Allowed: bandNames("size_band")},
	{Header: "营业收入", Field: "revenue_band", Width: 14, Allowed: bandNames("revenue_band")},
	{Header: "经营状态", Field: "operating_status", Width: 10, Note: "留空为正常经营", Allowed: bandNames("operating_status")},
	{Header: "商会任职", Field: "chamber_roles", Width: 20, Note: "如：深圳咸宁商会副会长，200 字以内"},
	{Header: "意向投资领域", Field: "intended_fields", Width: 18, Note: "可填多项，用顿号（、）分隔"},
	{Header: "意向投资额", Field: "amount_band", Width: 14, Allowed: bandNames("amount_band")},
	{Header: "意向投资时间", Field: "timing", Width: 12, Allowed: bandNames("timing")},
	{Header: "意向投资乡镇（街道）", Field: "preferred_township", Width: 16, Note: "乡镇（街道）名称或代码，可为任一乡镇（街道）"},
	{Header: "来源", Field: "source", Width: 12, Note: "留空为批量导入；只在新登记时记录，更新时不改变",
		Allowed: "批量导入、工作人员录入、商会提供"},
	{Header: "记录编号", Field: "person_id", Text: true, Width: 10, Note: "导出时填写，用于再次导入时识别记录；新登记留空"},
}

// exportOnlyHeaders are columns the export adds after the template's; an import ignores them.
var exportOnlyHeaders = []string{"行业名称", "最近确认时间"}

const sheetName = "楚商信息"

// columnOf is the header of the column that fills field (enterprise problems name the column
// their message names).
func columnOf(field, message string) string {
	if field == "enterprises" {
		if strings.Contains(message, "统一社会信用代码") {
			return sheetColumns[colUSCC].Header
		}
		return sheetColumns[colEntName].Header
	}
	for _, c := range sheetColumns {
		if c.Field == field {
			return c.Header
		}
	}
	return ""
}

// sheetLookups resolve what clerks type (names or codes) while rows are read.
type sheetLookups struct {
	lists     vocab.Lists
	townships map[string]string // name or code → code (active townships)
	townName  map[string]string // code → name
	industry  map[string]string // code or name → code
	section   map[string]string // code → its section
	indName   map[string]string // code → name
	indRows   []industryRow
}

type industryRow struct {
	Code   string         `db:"code"`
	Parent sql.NullString `db:"parent_code"`
	Level  int            `db:"level"`
	Name   string         `db:"name"`
}

func (s *Service) sheetLookups(ctx context.Context) (*sheetLookups, error) {
	lists, err := s.options.Lists(ctx)
	if err != nil {
		return nil, err
	}
	l := &sheetLookups{lists: lists, townships: map[string]string{}, townName: map[string]string{}, industry: map[string]string{},
		section: map[string]string{}, indName: map[string]string{}}
	var towns []struct {
		Code string `db:"code"`
		Name string `db:"name"`
	}
	if err := s.db.SelectContext(ctx, &towns, `SELECT code, name FROM regions WHERE level = 2 AND active ORDER BY sort_order, code`); err != nil {
		return nil, fmt.Errorf("merchant: townships: %w", err)
	}
	for _, t := range towns {
		l.townships[t.Code], l.townships[t.Name], l.townName[t.Code] = t.Code, t.Code, t.Name
	}
	if err := s.db.SelectContext(ctx, &l.indRows, `SELECT code, parent_code, level, name FROM industries
		ORDER BY COALESCE(parent_code, code), level, code`); err != nil {
		return nil, fmt.Errorf("merchant: industries: %w", err)
	}
	parent := map[string]string{}
	for _, r := range l.indRows {
		l.industry[r.Code], l.indName[r.Code] = r.Code, r.Name
		if _, taken := l.industry[r.Name]; !taken {
			l.industry[r.Name] = r.Code
		}
		parent[r.Code] = r.Parent.String
	}
	for _, r := range l.indRows {
		code := r.Code
		for range 5 {
			if parent[code] == "" {
				l.section[r.Code] = code
				break
			}
			code = parent[code]
		}
	}
	return l, nil
}

// validation is the lookups validate asks, answered from the maps.
func (l *sheetLookups) validation() lookups {
	return lookups{lists: l.lists,
		township: func(code string) (bool, error) { return l.townName[code] != "", nil },
		section:  func(code string) (string, error) { return l.section[code], nil }}
}

// dashes folds the dashes and spaces clerks type in band names ("500-2000万元").
var dashes = strings.NewReplacer("-", "–", "—", "–", "~", "–", "～", "–", "－", "–", " ", "", "　", "")

func bandCode(kind, v string) (string, bool) {
	if v == "" {
		return "", true
	}
	for _, o := range Bands[kind] {
		if v == o.Code || dashes.Replace(v) == dashes.Replace(o.Name) {
			return o.Code, true
		}
	}
	return "", false
}

// sheetRow is a data row read and checked: the identity part apart from the record.
type sheetRow struct {
	line     int
	name     string
	card     *cnid.IDCard // the ID number in clear, when the row has one
	maskedID string       // the ID number as an export masks it
	phone    string       // a phone in clear ("" none, or masked: kept)
	record   int64        // the record number (person id), when the row has one
	in       Input
	p        profile
	ent      *Enterprise // the row's enterprise, checked
}

// rowProblem is a row's problem: the column and the reason in Chinese.
type rowProblem struct {
	Column string
	Reason string
}

func (e *rowProblem) Error() string { return "merchant: row: " + e.Column + ": " + e.Reason }

func problem(col int, reason string) *rowProblem {
	return &rowProblem{Column: sheetColumns[col].Header, Reason: reason}
}

// examplePrefix starts the name of the template's example row, which an import reports and skips.
const examplePrefix = "（示例"

// readRow reads the cells of one data row (idx: column → cell position) into a sheetRow.
func readRow(line int, cells []string, idx map[int]int, l *sheetLookups, now time.Time) (sheetRow, error) {
	v := make([]string, len(sheetColumns))
	for ci, c := range sheetColumns {
		p, ok := idx[ci]
		if ok && p < len(cells) {
			v[ci] = strings.TrimSpace(cells[p])
		}
		if c.Text && strings.ContainsAny(v[ci], "Ee") && strings.Contains(v[ci], ".") && !strings.ContainsFunc(v[ci], isHan) {
			return sheetRow{}, problem(ci, "数字被 Excel 转成了科学计数法，请把该列设置为文本格式后重新填写")
		}
	}
	r := sheetRow{line: line, name: clean(v[colName])}
	switch {
	case strings.HasPrefix(r.name, examplePrefix):
		return r, problem(colName, "模板中的示例行，未导入（请删除后再导入）")
	case r.name == "":
		return r, problem(colName, "必填")
	case !nameRE.MatchString(r.name):
		return r, problem(colName, "姓名应为 2-32 个汉字或字母")
	}
	switch id := strings.ToUpper(strings.ReplaceAll(v[colIDCard], " ", "")); {
	case strings.Contains(id, "*"):
		r.maskedID = id
	case id != "":
		card, err := cnid.ParseIDCard(id, now)
		if err != nil {
			return r, problem(colIDCard, "身份证号不正确（18 位，校验位须正确）")
		}
		r.card = &card
	}
	phone := strings.TrimPrefix(strings.ReplaceAll(v[colPhone], " ", ""), "+86")
	if !strings.Contains(phone, "*") && phone != "" {
		if !cn.ValidMobile(phone) {
			return r, problem(colPhone, "手机号应为 11 位中国大陆手机号")
		}
		r.phone = phone
	}
	if v[colRecord] != "" {
		n, err := strconv.ParseInt(strings.TrimSuffix(v[colRecord], ".0"), 10, 64)
		if err != nil || n <= 0 {
			return r, problem(colRecord, "记录编号应为导出表中的数字，新登记请留空")
		}
		r.record = n
	}
	in := Input{Name: r.name, BizProvince: v[colProvince], BizCity: v[colCity], ChamberRoles: v[colChamber]}
	var ok bool
	if in.TownshipCode, ok = l.townships[v[colTownship]]; !ok && v[colTownship] != "" {
		return r, problem(colTownship, "乡镇（街道）不存在："+clip(v[colTownship], 20)+"（请填写系统中的名称或代码）")
	}
	if v[colPreferred] != "" {
		if in.PreferredTownship, ok = l.townships[v[colPreferred]]; !ok {
			return r, problem(colPreferred, "乡镇（街道）不存在："+clip(v[colPreferred], 20)+"（请填写系统中的名称或代码）")
		}
	}
	in.IndustryCode = industryCode(v[colIndustry], l)
	for _, b := range []struct {
		col  int
		kind string
		into *string
	}{{colSize, "size_band", &in.SizeBand}, {colRevenue, "revenue_band", &in.RevenueBand},
		{colStatus, "operating_status", &in.OperatingStatus}, {colAmount, "amount_band", &in.AmountBand}, {colTiming, "timing", &in.Timing}} {
		if *b.into, ok = bandCode(b.kind, v[b.col]); !ok {
			return r, problem(b.col, "不是可选值："+clip(v[b.col], 20)+"（可填："+bandNames(b.kind)+"）")
		}
	}
	switch v[colSource] {
	case "", "批量导入", SourceImport, "本人填报", SourceSelf: // an export's 本人填报: the source is kept on update
		in.Source = SourceImport
	case "工作人员录入", SourceStaff:
		in.Source = SourceStaff
	case "商会提供", SourceChamber:
		in.Source = SourceChamber
	default:
		return r, problem(colSource, "来源应为 批量导入、工作人员录入 或 商会提供")
	}
	for _, f := range strings.FieldsFunc(v[colFields], func(r rune) bool { return strings.ContainsRune("、,，;； /", r) }) {
		code, ok := fieldCode(f, l.lists)
		if !ok {
			return r, problem(colFields, "意向投资领域不是可选值："+clip(f, 20))
		}
		in.IntendedFields = append(in.IntendedFields, code)
	}
	if v[colEntName] != "" || v[colUSCC] != "" {
		if v[colEntName] == "" {
			return r, problem(colEntName, "填写了统一社会信用代码，请同时填写企业名称")
		}
		in.Enterprises = []Enterprise{{Name: v[colEntName], USCC: v[colUSCC], IndustryCode: in.IndustryCode,
			Province: in.BizProvince, City: in.BizCity, SizeBand: in.SizeBand, RevenueBand: in.RevenueBand, Status: in.OperatingStatus}}
	}
	p, err := validate(in, l.validation(), "")
	if err != nil {
		var fe *FieldError
		if errors.As(err, &fe) {
			reason := fe.Message
			if strings.HasPrefix(reason, "请选择") || strings.HasPrefix(reason, "请填写") {
				reason = "必填"
			}
			return r, &rowProblem{Column: columnOf(fe.Field, fe.Message), Reason: reason}
		}
		return r, err
	}
	r.in, r.p = in, p
	if len(p.Enterprises) == 1 {
		r.ent = &p.Enterprises[0]
	}
	if r.card == nil && r.record == 0 && (r.ent == nil || r.ent.USCC == "") {
		return r, problem(colIDCard, "必填（新登记的楚商须填写身份证号）")
	}
	return r, nil
}

func isHan(r rune) bool { return r >= 0x4e00 && r <= 0x9fff }

// industryCode reads an industry as typed: a code ("13", "C", a division Excel turned into
// the number 1 is "01"), a name, or "13 农副食品加工业". Unknown values are left for validate
// to name.
func industryCode(v string, l *sheetLookups) string {
	v = strings.TrimSuffix(strings.TrimSpace(v), ".0")
	if f := strings.Fields(v); len(f) > 1 {
		v = f[0]
	}
	if len(v) == 1 && v[0] >= '0' && v[0] <= '9' {
		v = "0" + v
	}
	if len(v) == 1 {
		v = strings.ToUpper(v)
	}
	if code, ok := l.industry[v]; ok {
		return code
	}
	return v
}

func fieldCode(s string, lists vocab.Lists) (string, bool) {
	for _, it := range lists["intended_field"] {
		if it.Label == s || it.Code == s {
			return it.Code, true
		}
	}
	return "", false
}

// headerIndex maps each column to its position in the header row: a required column missing
// or a header the import does not know (a renamed column would be dropped in silence) is a
// returnee.HeaderError, which answers as the registry's import does.
func headerIndex(header []string) (map[int]int, error) {
	known := map[string]int{}
	for ci, c := range sheetColumns {
		known[c.Header] = ci
	}
	for _, h := range exportOnlyHeaders {
		known[h] = -1
	}
	idx := map[int]int{}
	var he returnee.HeaderError
	for i, h := range header {
		h = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(h), "*"))
		if h == "" {
			continue
		}
		ci, ok := known[h]
		switch {
		case !ok:
			he.Unexpected = append(he.Unexpected, h)
		case ci < 0: // an export's extra column
		default:
			if _, dup := idx[ci]; dup { // two columns of one name: which one to read is a guess
				he.Unexpected = append(he.Unexpected, h+"（重复）")
				continue
			}
			idx[ci] = i
		}
	}
	for ci, c := range sheetColumns {
		if _, ok := idx[ci]; !ok && c.Required {
			he.Missing = append(he.Missing, c.Header)
		}
	}
	if len(he.Missing) > 0 || len(he.Unexpected) > 0 {
		for _, c := range sheetColumns {
			he.Expected = append(he.Expected, c.Header)
		}
		return nil, &he
	}
	return idx, nil
}

// RowResult is one data row of an import report.
type RowResult struct {
	Row      int    `json:"row"`
	Status   string `json:"status"`
	PersonID int64  `json:"person_id,omitempty"`
	Name     string `json:"name"`
	Column   string `json:"column,omitempty"`
	Reason   string `json:"reason,omitempty"`
}

// ImportReport is the answer of an import: the counts and every data row's status.
type ImportReport struct {
	BatchID       int64       `json:"batch_id"`
	Filename      string      `json:"filename"`
	RowsTotal     int         `json:"rows_total"`
	RowsCreated   int         `json:"rows_created"`
	RowsUpdated   int         `json:"rows_updated"`
	RowsConfirmed int         `json:"rows_confirmed"`
	RowsFailed    int         `json:"rows_failed"`
	Rows          []RowResult `json:"rows"`
	CreatedAt     time.Time   `json:"created_at"`
}

// Failed are the report's failed rows.
func (r ImportReport) Failed() []RowResult {
	var out []RowResult
	for _, x := range r.Rows {
		if x.Status == RowFailed {
			out = append(out, x)
		}
	}
	return out
}

// Saved are the report's rows that were saved (created, updated or confirmed).
func (r ImportReport) Saved() []RowResult {
	var out []RowResult
	for _, x := range r.Rows {
		if x.Status != RowFailed {
			out = append(out, x)
		}
	}
	return out
}

// Import errors of a row's save.
var (
	errRecordUnknown  = errors.New("merchant: record number unknown")
	errRecordMismatch = errors.New("merchant: record number and ID number differ")
	errNoIdentity     = errors.New("merchant: new merchant without ID number")
)

// Import reads an .xlsx of merchants (the template's columns, first sheet) and saves each valid
// row in its own transaction: a row whose ID number, record number or enterprise credit code is
// known updates that merchant (or confirms it when nothing changed), another creates one.
// Invalid rows are reported with row number, column and a Chinese reason and do not stop the
// others. Township staff import only their township's merchants. The batch and its failed rows
// are kept (Batches, BatchReport) and the import is audited.
func (s *Service) Import(ctx context.Context, a actor.Actor, filename string, r io.ReaderAt, size int64) (ImportReport, error) {
	if !mayWrite(a) {
		return ImportReport{}, ErrForbidden
	}
	f, err := returnee.OpenWorkbook(r, size)
	if err != nil {
		return ImportReport{}, err
	}
	defer f.Close()
	all, err := f.GetRows(f.GetSheetList()[0], excelize.Options{RawCellValue: true})
	if err != nil {
		return ImportReport{}, returnee.ErrNotXLSX
	}
	if len(all) == 0 {
		return ImportReport{}, &returnee.HeaderError{Missing: requiredHeaders(), Expected: requiredHeaders()}
	}
	idx, err := headerIndex(all[0])
	if err != nil {
		return ImportReport{}, err
	}
	data := 0
	for _, cells := range all[1:] {
		if !blank(cells) {
			data++
		}
	}
	if data > MaxImportRows {
		return ImportReport{}, returnee.ErrTooManyRows
	}
	absent := map[string]bool{}
	for ci, c := range sheetColumns {
		if _, ok := idx[ci]; !ok {
			absent[c.Field] = true
		}
	}
	l, err := s.sheetLookups(ctx)
	if err != nil {
		return ImportReport{}, err
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	rep := ImportReport{Filename: filename, Rows: []RowResult{}, CreatedAt: now}
	res, err := s.db.ExecContext(ctx, `INSERT INTO import_batches (kind, staff_id, filename, status, created_at) VALUES (?, ?, ?, 'running', ?)`,
		batchKind, a.ID, clip(filename, 250), now)
	if err != nil {
		return ImportReport{}, fmt.Errorf("merchant: import batch: %w", err)
	}
	if rep.BatchID, err = res.LastInsertId(); err != nil {
		return ImportReport{}, err
	}
	for i, cells := range all[1:] {
		if blank(cells) {
			continue
		}
		line := i + 2
		rep.RowsTotal++
		out := RowResult{Row: line}
		row, err := readRow(line, cells, idx, l, now)
		out.Name = row.name
		if err == nil && !a.SeesTownship(row.p.TownshipCode) {
			err = problem(colTownship, "只能导入籍贯为本乡镇（街道）的楚商，本行为"+l.townName[row.p.TownshipCode])
		}
		if err == nil {
			out.Status, out.PersonID, err = s.importRow(ctx, a, rep.BatchID, row, absent)
		}
		if err != nil {
			if ctx.Err() != nil || sqldb.IsUnavailable(err) {
				return rep, err
			}
			out.Status, out.PersonID = RowFailed, 0
			out.Column, out.Reason = rowReason(err)
		}
		switch out.Status {
		case RowCreated:
			rep.RowsCreated++
		case RowUpdated:
			rep.RowsUpdated++
		case RowConfirmed:
			rep.RowsConfirmed++
		default:
			rep.RowsFailed++
		}
		rep.Rows = append(rep.Rows, out)
	}
	if err := s.finishBatch(ctx, rep); err != nil {
		return rep, err
	}
	e := a.AuditID("merchant.import", "import_batch", rep.BatchID)
	e.Detail = map[string]any{"filename": filename, "rows": rep.RowsTotal, "created": rep.RowsCreated, "updated": rep.RowsUpdated,
		"confirmed": rep.RowsConfirmed, "failed": rep.RowsFailed}
	return rep, audit.Write(ctx, s.db, e)
}

// rowReason words a row's failure for the report.
func rowReason(err error) (column, reason string) {
	var rp *rowProblem
	var fe *FieldError
	switch {
	case errors.As(err, &rp):
		return rp.Column, rp.Reason
	case errors.As(err, &fe):
		return columnOf(fe.Field, fe.Message), fe.Message
	case errors.Is(err, person.ErrIdentityDiffers):
		return sheetColumns[colIDCard].Header, "该人员已登记，但姓名或手机号与登记的不一致，未导入；如需更正请在楚商记录中修改"
	case errors.Is(err, errRecordUnknown):
		return sheetColumns[colRecord].Header, "记录编号不存在，新登记请留空"
	case errors.Is(err, errRecordMismatch):
		return sheetColumns[colIDCard].Header, "身份证号与记录编号不是同一人，请核对"
	case errors.Is(err, errNoIdentity):
		return sheetColumns[colIDCard].Header, "必填（新登记的楚商须填写身份证号）"
	case errors.Is(err, ErrOutOfScope):
		return sheetColumns[colTownship].Header, "该楚商由其他乡镇（街道）登记，不能导入修改，请联系区级工作人员"
	case errors.Is(err, ErrUSCCTaken):
		return sheetColumns[colUSCC].Header, "统一社会信用代码已登记在其他楚商名下，请核对"
	case errors.Is(err, person.ErrAlreadyRegistered):
		return sheetColumns[colIDCard].Header, "与已登记人员冲突"
	}
	return "", "无法保存，请稍后重试"
}

// importRow saves one checked row in one transaction with the person and the record locked.
func (s *Service) importRow(ctx context.Context, a actor.Actor, batch int64, r sheetRow, absent map[string]bool) (string, int64, error) {
	var status string
	var pid int64
	now := s.now().UTC().Truncate(time.Millisecond)
	err := sqldb.Retry(ctx, s.db, 5, func(tx *sqlx.Tx) error {
		var err error
		created := false
		if pid, created, err = s.rowPerson(ctx, tx, r); err != nil {
			return err
		}
		old, exists, err := lockRow(ctx, tx, pid)
		if err != nil {
			return err
		}
		p := r.p
		if !exists {
			if r.ent != nil {
				p.Enterprises = []Enterprise{*r.ent}
			}
			if err := write(ctx, tx, pid, p, nil, now); err != nil {
				return err
			}
			status = RowCreated
			e := a.AuditID("merchant.create", "person", pid)
			e.Detail = map[string]any{"fields": person.Diff(nil, p.values()), "person_created": created, "import_batch": batch}
			return audit.Write(ctx, tx, e)
		}
		if !a.SeesTownship(old.TownshipCode) {
			return ErrOutOfScope
		}
		fields, err := loadFields(ctx, tx, pid)
		if err != nil {
			return err
		}
		ents, err := loadEnterprises(ctx, tx, pid)
		if err != nil {
			return err
		}
		was := profileOf(old, fields, ents)
		p = keepAbsent(p, was, absent)
		if p.Enterprises, err = mergeEnterprise(ents, r.ent); err != nil {
			return err
		}
		p.Source = old.Source
		changed := person.Diff(was.values(), p.values())
		action := "merchant.update"
		status = RowUpdated
		if len(changed) == 0 {
			action, status = "merchant.confirm", RowConfirmed
			if _, err := tx.ExecContext(ctx, `UPDATE merchants SET confirmed_at = ? WHERE person_id = ?`, now, pid); err != nil {
				return fmt.Errorf("merchant: confirm: %w", err)
			}
		} else if err := write(ctx, tx, pid, p, &old, now); err != nil {
			return err
		}
		e := a.AuditID(action, "person", pid)
		e.Detail = map[string]any{"fields": changed, "import_batch": batch}
		return audit.Write(ctx, tx, e)
	})
	return status, pid, err
}

// rowPerson finds (or, for a new ID number, creates) the person of a row, locked: by ID number
// in clear, else by record number, else by the credit code of an enterprise a merchant owns.
// An import never changes who a person is: a different name or phone is ErrIdentityDiffers.
func (s *Service) rowPerson(ctx context.Context, tx *sqlx.Tx, r sheetRow) (int64, bool, error) {
	if r.card != nil {
		att, err := s.persons.Attach(ctx, tx, person.Identity{IDCard: *r.card, Name: r.name, Phone: r.phone}, person.SourceImport, nil)
		if err != nil {
			return 0, false, err
		}
		if r.record != 0 && r.record != att.PersonID {
			return 0, false, errRecordMismatch
		}
		return att.PersonID, att.Created, nil
	}
	id := r.record
	if id == 0 {
		err := tx.GetContext(ctx, &id, `SELECT person_id FROM merchant_enterprises WHERE uscc = ? FOR UPDATE`, r.ent.USCC)
		if errors.Is(err, sql.ErrNoRows) {
			return 0, false, errNoIdentity
		}
		if err != nil {
			return 0, false, fmt.Errorf("merchant: uscc owner: %w", sqldb.Classify(err))
		}
	}
	pr, err := person.Lock(ctx, tx, id)
	if errors.Is(err, person.ErrNotFound) {
		return 0, false, errRecordUnknown
	}
	if err != nil {
		return 0, false, err
	}
	if pr.Name != r.name {
		return 0, false, person.ErrIdentityDiffers
	}
	clear, err := s.persons.Open(pr)
	if err != nil {
		return 0, false, err
	}
	if r.maskedID != "" && cnid.MaskIDCard(clear.IDCard) != r.maskedID {
		return 0, false, errRecordMismatch
	}
	if r.phone != "" && r.phone != clear.Phone {
		return 0, false, person.ErrIdentityDiffers
	}
	return pr.ID, false, nil
}

// keepAbsent gives p the stored values of the fields whose columns the sheet does not have.
func keepAbsent(p, was profile, absent map[string]bool) profile {
	for f := range absent {
		switch f {
		case "biz_city":
			p.BizCity = was.BizCity
		case "size_band":
			p.SizeBand = was.SizeBand
		case "revenue_band":
			p.RevenueBand = was.RevenueBand
		case "operating_status":
			p.OperatingStatus = was.OperatingStatus
		case "chamber_roles":
			p.ChamberRoles = was.ChamberRoles
		case "intended_fields":
			p.Fields = was.Fields
		case "amount_band":
			p.AmountBand = was.AmountBand
		case "timing":
			p.Timing = was.Timing
		case "preferred_township":
			p.PreferredTownship = was.PreferredTownship
		}
	}
	return p
}

// mergeEnterprise puts the row's enterprise into the stored ones: the one of the same credit
// code (or, without one, of the same name) gets the row's name and code, keeping its own
// industry, place, size and status; another is added. A row without an enterprise keeps them.
func mergeEnterprise(ents []Enterprise, e *Enterprise) ([]Enterprise, error) {
	out := slices.Clone(ents)
	if e == nil {
		return out, nil
	}
	for i, x := range out {
		if (e.USCC != "" && x.USCC == e.USCC) || (x.Name == e.Name && (e.USCC == "" || x.USCC == "")) {
			out[i].Name = e.Name
			if e.USCC != "" {
				out[i].USCC = e.USCC
			}
			return out, nil
		}
	}
	if len(out) >= MaxEnterprises {
		return nil, &FieldError{Field: "enterprises", Message: "企业最多填写 " + strconv.Itoa(MaxEnterprises) + " 家"}
	}
	return append(out, *e), nil
}

func blank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

func requiredHeaders() []string {
	var out []string
	for _, c := range sheetColumns {
		if c.Required {
			out = append(out, c.Header)
		}
	}
	return out
}

// finishBatch stores the failed rows of the report and the batch's counts (rows_updated
// counts the updated and the confirmed rows).
func (s *Service) finishBatch(ctx context.Context, rep ImportReport) error {
	failed := rep.Failed()
	for start := 0; start < len(failed); start += 500 {
		chunk := failed[start:min(start+500, len(failed))]
		args := make([]any, 0, len(chunk)*5)
		for i, f := range chunk {
			reason := f.Reason
			if f.Name != "" {
				reason = person.MaskName(f.Name) + "：" + reason
			}
			args = append(args, rep.BatchID, f.Row, clip(f.Column, 60), clip(reason, 250), start+i+1)
		}
		q := `INSERT INTO import_errors (batch_id, row_num, column_name, reason, seq) VALUES (?, ?, ?, ?, ?)` +
			strings.Repeat(", (?, ?, ?, ?, ?)", len(chunk)-1)
		if _, err := s.db.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("merchant: import errors: %w", err)
		}
	}
	_, err := s.db.ExecContext(ctx, `UPDATE import_batches SET status = 'done', rows_total = ?, rows_created = ?, rows_updated = ?,
		rows_failed = ?, finished_at = ? WHERE id = ? AND kind = ?`, rep.RowsTotal, rep.RowsCreated, rep.RowsUpdated+rep.RowsConfirmed,
		rep.RowsFailed, s.now().UTC(), rep.BatchID, batchKind)
	if err != nil {
		return fmt.Errorf("merchant: finish batch: %w", err)
	}
	return nil
}

// Batch is a merchant import as listed (RowsUpdated: updated or confirmed rows).
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

const batchColumns = `id, staff_id, filename, status, rows_total, rows_created, rows_updated, rows_failed, created_at, finished_at`

// Batches lists the latest 100 merchant imports, newest first; township staff see their own.
func (s *Service) Batches(ctx context.Context, a actor.Actor) ([]Batch, error) {
	if !mayWrite(a) {
		return nil, ErrForbidden
	}
	out := []Batch{}
	q, args := `SELECT `+batchColumns+` FROM import_batches WHERE kind = ?`, []any{batchKind}
	if a.ScopeTownship() != "" {
		q, args = q+` AND staff_id = ?`, append(args, a.ID)
	}
	if err := s.db.SelectContext(ctx, &out, q+` ORDER BY created_at DESC, id DESC LIMIT 100`, args...); err != nil {
		return nil, fmt.Errorf("merchant: batches: %w", err)
	}
	return out, nil
}

// BatchReport returns a merchant import's report as .xlsx: the counts and each failed row with
// its column and reason. Township staff read their own imports' only.
func (s *Service) BatchReport(ctx context.Context, a actor.Actor, batchID int64) ([]byte, error) {
	if !mayWrite(a) {
		return nil, ErrForbidden
	}
	var b Batch
	err := s.db.GetContext(ctx, &b, `SELECT `+batchColumns+` FROM import_batches WHERE id = ? AND kind = ?`, batchID, batchKind)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && a.ScopeTownship() != "" && b.StaffID != a.ID) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("merchant: batch: %w", err)
	}
	var errs []struct {
		Row    int    `db:"row_num"`
		Column string `db:"column_name"`
		Reason string `db:"reason"`
	}
	if err := s.db.SelectContext(ctx, &errs, `SELECT row_num, column_name, reason FROM import_errors WHERE batch_id = ?
		ORDER BY row_num, seq`, batchID); err != nil {
		return nil, fmt.Errorf("merchant: report: %w", err)
	}
	x := excelize.NewFile()
	defer x.Close()
	const sh = "导入结果"
	if err := x.SetSheetName("Sheet1", sh); err != nil {
		return nil, err
	}
	x.SetColWidth(sh, "A", "A", 8)
	x.SetColWidth(sh, "B", "B", 20)
	x.SetColWidth(sh, "C", "C", 70)
	x.SetCellValue(sh, "A1", fmt.Sprintf("文件：%s　共 %d 行：新增 %d，更新或确认 %d，未导入 %d", b.Filename, b.RowsTotal, b.RowsCreated,
		b.RowsUpdated, b.RowsFailed))
	if err := x.SetSheetRow(sh, "A2", &[]any{"行号", "列", "原因"}); err != nil {
		return nil, err
	}
	for i, e := range errs {
		if err := x.SetSheetRow(sh, fmt.Sprintf("A%d", i+3), &[]any{e.Row, e.Column, e.Reason}); err != nil {
			return nil, err
		}
	}
	return writeBook(x)
}

func writeBook(x *excelize.File) ([]byte, error) {
	buf, err := x.WriteToBuffer()
	if err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Template returns the import template: the header row (required columns in red, a note on
// each), one example row, and a sheet explaining each column with its allowed values — the
// industry codes (GB/T 4754 sections and divisions), the bands, the townships and the fields.
func (s *Service) Template(ctx context.Context) ([]byte, error) {
	l, err := s.sheetLookups(ctx)
	if err != nil {
		return nil, err
	}
	x := excelize.NewFile()
	defer x.Close()
	if err := x.SetSheetName("Sheet1", sheetName); err != nil {
		return nil, err
	}
	text, _ := x.NewStyle(&excelize.Style{NumFmt: 49})
	head, _ := x.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}}})
	req, _ := x.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true, Color: "C00000"}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}}})
	town, other := "", ""
	for _, code := range slices.Sorted(mapKeys(l.townName)) {
		if town == "" {
			town = l.townName[code]
		} else if other == "" {
			other = l.townName[code]
		}
	}
	if other == "" {
		other = town
	}
	fields := []string{}
	for _, it := range l.lists["intended_field"] {
		if len(fields) < 2 {
			fields = append(fields, it.Label)
		}
	}
	example := []string{examplePrefix + "，导入前请删除）张三", "42120219800101001X", "13907158801", town, "广东省", "深圳市", "13",
		"深圳某某食品有限公司", "91421202MA4000001T", BandName("size_band", "small"), BandName("revenue_band", "2000_10000"),
		BandName("operating_status", "operating"), "深圳咸宁商会副会长", strings.Join(fields, "、"), BandName("amount_band", "1000_5000"),
		BandName("timing", "within_1y"), other, "批量导入", ""}
	for i, c := range sheetColumns {
		col, _ := excelize.ColumnNumberToName(i + 1)
		st := head
		if c.Required {
			st = req
		}
		x.SetColWidth(sheetName, col, col, c.Width)
		if c.Text {
			x.SetColStyle(sheetName, col, text)
		}
		x.SetCellValue(sheetName, col+"1", c.Header)
		x.SetCellStyle(sheetName, col+"1", col+"1", st)
		x.SetCellValue(sheetName, col+"2", example[i])
		note := strings.TrimSpace(c.Note + " " + c.Allowed)
		if c.Required {
			note = strings.TrimSpace("必填。" + note)
		}
		x.AddComment(sheetName, excelize.Comment{Cell: col + "1", Author: "回乡", Paragraph: []excelize.RichTextRun{{Text: note}}})
	}
	x.SetPanes(sheetName, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"})

	const notes = "填写说明"
	x.NewSheet(notes)
	x.SetColWidth(notes, "A", "A", 22)
	x.SetColWidth(notes, "B", "B", 8)
	x.SetColWidth(notes, "C", "C", 70)
	x.SetColWidth(notes, "D", "D", 70)
	n := 1
	var putErr error
	put := func(cells ...any) {
		if err := x.SetSheetRow(notes, fmt.Sprintf("A%d", n), &cells); err != nil && putErr == nil {
			putErr = err
		}
		n++
	}
	for _, line := range []string{
		"1. 第一行是列名，请勿修改；红色列为必填。只导入第一个工作表。第 2 行是示例，导入前请删除。",
		"2. 已登记的楚商（按身份证号、记录编号或名下企业的统一社会信用代码识别）再次导入会更新其信息，不会重复登记；内容没有变化的行记为“已确认”，更新最近确认时间。",
		"3. 表中没有的可选列，不改动已登记的值；列存在但单元格留空，会清空该项。导入不修改已登记人员的姓名和手机号，不一致的行不导入。",
		"4. 从本系统导出的表格（身份证号、手机号已遮挡）可直接修改后导入；身份证号、手机号、统一社会信用代码请设为文本格式。",
		"5. 每行一家企业：同一位楚商名下有多家企业时写多行，其余各列相同。每行单独保存，有问题的行不影响其他行。",
	} {
		put(line)
	}
	n++
	put("列名", "必填", "说明", "可填写的值")
	allowed := map[int]string{colTownship: strings.Join(namesOf(l.townName), "、"), colPreferred: strings.Join(namesOf(l.townName), "、"),
		colFields: labelsOf(l.lists, "intended_field"), colIndustry: "见下方行业代码表"}
	for i, c := range sheetColumns {
		req := ""
		if c.Required {
			req = "是"
		}
		a := c.Allowed
		if v, ok := allowed[i]; ok {
			a = v
		}
		put(c.Header, req, c.Note, a)
	}
	n++
	put("行业代码（GB/T 4754-2017）", "", "门类（字母）及其下的大类（两位数字）", "")
	for _, r := range l.indRows {
		if r.Level > 2 {
			continue
		}
		if r.Level == 1 {
			put(r.Code, "门类", r.Name, "")
		} else {
			put(r.Code, "大类", r.Name, "属于门类 "+r.Parent.String)
		}
	}
	if putErr != nil {
		return nil, putErr
	}
	return writeBook(x)
}

func mapKeys(m map[string]string) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func namesOf(m map[string]string) []string {
	out := []string{}
	for _, k := range slices.Sorted(mapKeys(m)) {
		out = append(out, m[k])
	}
	return out
}

func labelsOf(lists vocab.Lists, kind string) string {
	out := make([]string, 0, len(lists[kind]))
	for _, it := range lists[kind] {
		out = append(out, it.Label)
	}
	return strings.Join(out, "、")
}

// Export writes the merchants the actor sees that match f as .xlsx to w, one row per
// enterprise (a merchant without one: one row), ID numbers and phones masked, with the record
// number, so that the sheet, edited, re-imports as updates. Every export is audited with its
// filters and row count. It answers the number of merchants.
func (s *Service) Export(ctx context.Context, a actor.Actor, f Filter, w io.Writer) (int, error) {
	if !a.IsStaff() {
		return 0, ErrForbidden
	}
	if err := f.check(); err != nil {
		return 0, err
	}
	l, err := s.sheetLookups(ctx)
	if err != nil {
		return 0, err
	}
	where, args := f.where(a)
	x := excelize.NewFile()
	defer x.Close()
	if err := x.SetSheetName("Sheet1", sheetName); err != nil {
		return 0, err
	}
	sw, err := x.NewStreamWriter(sheetName)
	if err != nil {
		return 0, err
	}
	header := make([]any, 0, len(sheetColumns)+len(exportOnlyHeaders))
	for i, c := range sheetColumns {
		sw.SetColWidth(i+1, i+1, c.Width)
		header = append(header, c.Header)
	}
	for _, h := range exportOnlyHeaders {
		header = append(header, h)
	}
	if err := sw.SetRow("A1", header); err != nil {
		return 0, err
	}
	cols := strings.Split(rowColumns, ",")
	for i, c := range cols {
		cols[i] = "m." + strings.TrimSpace(c)
	}
	merchants, lines, last := 0, 1, int64(0)
	sources := map[string]string{SourceImport: "批量导入", SourceStaff: "工作人员录入", SourceChamber: "商会提供", SourceSelf: "本人填报"}
	for {
		var page []row
		err := s.db.SelectContext(ctx, &page, `SELECT `+strings.Join(cols, ", ")+` FROM merchants m WHERE `+where+
			` AND m.person_id > ? ORDER BY m.person_id LIMIT 500`, append(slices.Clone(args), last)...)
		if err != nil {
			return merchants, fmt.Errorf("merchant: export: %w", err)
		}
		if len(page) == 0 {
			break
		}
		ids := make([]int64, len(page))
		for i, r := range page {
			ids[i] = r.PersonID
		}
		people, fields, ents, err := s.exportDetails(ctx, ids)
		if err != nil {
			return merchants, err
		}
		for _, r := range page {
			pr, ok := people[r.PersonID]
			if !ok {
				continue
			}
			masked, err := s.persons.Masked(pr)
			if err != nil {
				return merchants, err
			}
			labels := make([]string, len(fields[r.PersonID]))
			for i, c := range fields[r.PersonID] {
				labels[i] = l.lists.Label("intended_field", c)
			}
			base := []string{pr.Name, masked.IDCard, masked.Phone, l.townName[r.TownshipCode], r.BizProvince, r.BizCity, r.IndustryCode,
				"", "", BandName("size_band", r.SizeBand), BandName("revenue_band", r.RevenueBand),
				BandName("operating_status", r.OperatingStatus), r.ChamberRoles, strings.Join(labels, "、"),
				BandName("amount_band", r.AmountBand), BandName("timing", r.Timing), l.townName[r.PreferredTownship],
				sources[r.Source], strconv.FormatInt(r.PersonID, 10),
				l.indName[r.IndustryCode], r.ConfirmedAt.In(cn.Zone).Format("2006-01-02 15:04")}
			es := ents[r.PersonID]
			if len(es) == 0 {
				es = []Enterprise{{}}
			}
			for _, e := range es {
				cells := make([]any, len(base))
				for i, v := range base {
					cells[i] = v
				}
				cells[colEntName], cells[colUSCC] = e.Name, e.USCC
				lines++
				cell, _ := excelize.CoordinatesToCellName(1, lines)
				if err := sw.SetRow(cell, cells); err != nil {
					return merchants, err
				}
			}
			merchants++
		}
		last = page[len(page)-1].PersonID
	}
	if err := sw.Flush(); err != nil {
		return merchants, err
	}
	e := a.Audit("merchant.export", "merchant", "")
	filter := map[string]string{}
	for k, v := range map[string]string{"industry": f.Industry, "province": f.Province, "city": f.City, "township": f.Township,
		"field": f.Field, "amount_band": f.AmountBand} {
		if v != "" {
			filter[k] = v
		}
	}
	e.Detail = map[string]any{"merchants": merchants, "rows": lines - 1, "filter": filter, "masked": true}
	if err := audit.Write(ctx, s.db, e); err != nil {
		return merchants, err
	}
	_, err = x.WriteTo(w)
	return merchants, err
}

// exportDetails loads the persons, fields and enterprises of a page of merchants.
func (s *Service) exportDetails(ctx context.Context, ids []int64) (map[int64]person.Row, map[int64][]string, map[int64][]Enterprise, error) {
	people := map[int64]person.Row{}
	fields := map[int64][]string{}
	ents := map[int64][]Enterprise{}
	q, args, err := sqlx.In(`SELECT `+person.ColumnsAs("p")+` FROM persons p WHERE p.id IN (?)`, ids)
	if err != nil {
		return nil, nil, nil, err
	}
	var prs []person.Row
	if err := s.db.SelectContext(ctx, &prs, q, args...); err != nil {
		return nil, nil, nil, fmt.Errorf("merchant: export persons: %w", err)
	}
	for _, p := range prs {
		people[p.ID] = p
	}
	q, args, err = sqlx.In(`SELECT person_id, code FROM merchant_fields WHERE person_id IN (?) ORDER BY person_id, code`, ids)
	if err != nil {
		return nil, nil, nil, err
	}
	var fs []struct {
		PersonID int64  `db:"person_id"`
		Code     string `db:"code"`
	}
	if err := s.db.SelectContext(ctx, &fs, q, args...); err != nil {
		return nil, nil, nil, fmt.Errorf("merchant: export fields: %w", err)
	}
	for _, f := range fs {
		fields[f.PersonID] = append(fields[f.PersonID], f.Code)
	}
	q, args, err = sqlx.In(`SELECT person_id, name, COALESCE(uscc, '') AS uscc, industry_code, province, city, size_band, revenue_band,
		status FROM merchant_enterprises WHERE person_id IN (?) ORDER BY person_id, id`, ids)
	if err != nil {
		return nil, nil, nil, err
	}
	var es []struct {
		PersonID int64 `db:"person_id"`
		Enterprise
	}
	if err := s.db.SelectContext(ctx, &es, q, args...); err != nil {
		return nil, nil, nil, fmt.Errorf("merchant: export enterprises: %w", err)
	}
	for _, e := range es {
		ents[e.PersonID] = append(ents[e.PersonID], e.Enterprise)
	}
	return people, fields, ents, nil
}
