package audit

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/xuri/excelize/v2"
)

// exportSheet is the workbook's one sheet.
const exportSheet = "审计日志"

// Export builds an .xlsx of the rows f selects (newest first, at most MaxExport; f must have
// been normalised) with times in zone, and writes the export itself to the log as by — an entry
// of action audit.export whose detail names the filter and the row count — before the file is
// handed out. The caller has checked that by's actor may read the log.
func Export(ctx context.Context, db sqlx.ExtContext, f Filter, zone *time.Location, by Entry) ([]byte, int, error) {
	rows, err := exportRows(ctx, db, f)
	if err != nil {
		return nil, 0, err
	}
	x := excelize.NewFile()
	defer x.Close()
	if err := x.SetSheetName("Sheet1", exportSheet); err != nil {
		return nil, 0, err
	}
	head, _ := x.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}}})
	headers := []string{"时间", "操作人类型", "操作人ID", "操作人", "操作", "对象类型", "对象ID", "IP地址", "请求ID", "详情"}
	widths := []float64{20, 10, 10, 18, 26, 14, 18, 16, 24, 80}
	sw, err := x.NewStreamWriter(exportSheet)
	if err != nil {
		return nil, 0, err
	}
	for i, w := range widths {
		if err := sw.SetColWidth(i+1, i+1, w); err != nil {
			return nil, 0, err
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return nil, 0, err
	}
	cells := make([]any, len(headers))
	for i, h := range headers {
		cells[i] = excelize.Cell{StyleID: head, Value: h}
	}
	if err := sw.SetRow("A1", cells); err != nil {
		return nil, 0, err
	}
	for i, r := range rows {
		actorID, detail := "", ""
		if r.ActorID != nil {
			actorID = fmt.Sprint(*r.ActorID)
		}
		if r.Detail != nil {
			detail = *r.Detail
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := sw.SetRow(cell, []any{r.OccurredAt.In(zone).Format("2006-01-02 15:04:05"), r.ActorType, actorID, r.ActorName,
			r.Action, r.TargetType, r.TargetID, r.ClientIP, r.RequestID, detail}); err != nil {
			return nil, 0, err
		}
	}
	if err := sw.Flush(); err != nil {
		return nil, 0, err
	}
	var buf bytes.Buffer
	if err := x.Write(&buf); err != nil {
		return nil, 0, err
	}
	by.Action, by.TargetType, by.TargetID = "audit.export", "audit_log", ""
	by.Detail = map[string]any{"rows": len(rows), "actor_name": f.ActorName, "action": f.Action, "target_type": f.TargetType,
		"target_id": f.TargetID, "from": f.From, "to": f.To}
	if err := Write(ctx, db, by); err != nil {
		return nil, 0, err
	}
	return buf.Bytes(), len(rows), nil
}
