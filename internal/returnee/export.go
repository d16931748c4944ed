package returnee

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"

	"huixiang/internal/actor"
	"huixiang/internal/audit"
	"huixiang/internal/person"

	"huixiang/internal/cn"
)

// exportOnlyHeaders are the columns an export adds after the template's: a re-import of an
// export reads the rest and ignores these.
var exportOnlyHeaders = []string{"最近确认时间", "来源"}

const sheetName = "返乡人员"

// Template returns the import template: the headers, a note on each saying what the column
// takes, text format on ID numbers and phones so Excel keeps every digit, a sheet of option
// labels, and a sheet of notes (among them: an absent column keeps stored values, an empty cell
// clears).
func (s *Service) Template(ctx context.Context) ([]byte, error) {
	lists, err := s.options.Lists(ctx)
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

// ExportOptions says whether an export shows personal information in clear, and why.
type ExportOptions struct {
	Reveal bool
	Reason string
}

// Export writes the records matching f as .xlsx to w, masked unless opts.Reveal (which needs a
// role that may reveal, and a reason). Every export is audited with its filters and row count.
func (s *Service) Export(ctx context.Context, actor actor.Actor, f Filter, opts ExportOptions, w io.Writer) (int, error) {
	if opts.Reveal {
		if _, err := person.CheckReveal(actor, opts.Reason); err != nil {
			return 0, err
		}
	}
	lists, err := s.options.Lists(ctx)
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
		page, err := exportPage(ctx, s.db, where, args, lastID)
		if err != nil {
			return count, err
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
	e := actor.Audit("returnee.export", "person", "")
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
