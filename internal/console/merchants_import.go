package console

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"huixiang/internal/cn"
	"huixiang/internal/merchant"
)

// The merchant spreadsheet pages mirror the API's routes (internal/httpapi/merchant_sheet.go):
// every staff role downloads the template, imports a sheet (township staff: their township's
// merchants) and reads the per-row report, failed rows first; the list's 导出 link downloads the
// filtered list, masked and audited.
func (cs *Console) registerMerchantSheets(g *gin.RouterGroup) {
	cs.handle(g, page{Path: "/merchants/import", Title: "批量导入楚商"}, cs.merchantImportPage)
	cs.handle(g, page{Method: http.MethodPost, Path: "/merchants/import", Title: "批量导入楚商"}, cs.merchantImport)
	cs.handle(g, page{Path: "/merchants/import/template", Title: "楚商导入模板"}, cs.merchantTemplate)
	cs.handle(g, page{Path: "/merchants/imports/:id/report", Title: "楚商导入结果"}, cs.merchantBatchReport)
	cs.handle(g, page{Path: "/merchants/export", Title: "导出楚商信息"}, cs.merchantExport)
}

type merchantImportData struct {
	Batches []merchant.Batch
	Report  *merchant.ImportReport
	MaxRows int
	MaxMB   int64
}

func (cs *Console) merchantImportData(r *request) (merchantImportData, error) {
	b, err := cs.d.Merchants.Batches(r.Ctx(), r.Actor())
	return merchantImportData{Batches: b, MaxRows: merchant.MaxImportRows, MaxMB: cs.d.MaxUploadBytes >> 20}, err
}

func (cs *Console) merchantImportPage(r *request) error {
	d, err := cs.merchantImportData(r)
	if err != nil {
		return err
	}
	return r.OK("merchants/import", "", "批量导入楚商", d)
}

// merchantImport takes the uploaded .xlsx and shows the per-row report (the htmx fragment, or
// the whole page to a plain form post), with the API's upload limits and deadlines.
func (cs *Console) merchantImport(r *request) error {
	rc := http.NewResponseController(r.c.Writer)
	_ = rc.SetReadDeadline(time.Now().Add(5 * time.Minute))
	_ = rc.SetWriteDeadline(time.Now().Add(10 * time.Minute))
	r.c.Request.Body = http.MaxBytesReader(r.c.Writer, r.c.Request.Body, cs.d.MaxUploadBytes+64<<10)
	tooLarge := &consoleError{Status: http.StatusRequestEntityTooLarge, Message: fmt.Sprintf("文件不能超过 %d MB，请拆分后分批导入", cs.d.MaxUploadBytes>>20)}
	if err := r.c.Request.ParseMultipartForm(4 << 20); err != nil {
		var maxBytes *http.MaxBytesError
		if errors.As(err, &maxBytes) {
			return tooLarge
		}
	}
	f, h, err := r.c.Request.FormFile("file")
	if err != nil {
		return badInput("请选择要导入的 Excel 文件（.xlsx）")
	}
	defer f.Close()
	if h.Size > cs.d.MaxUploadBytes {
		return tooLarge
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Ctx()), 10*time.Minute)
	defer cancel()
	rep, err := cs.d.Merchants.Import(ctx, r.Actor(), h.Filename, f, h.Size)
	if err != nil {
		return err
	}
	d, err := cs.merchantImportData(r)
	if err != nil {
		return err
	}
	d.Report = &rep
	return r.OK("merchants/import", "merchant-import-result", "批量导入楚商", d)
}

func (cs *Console) merchantTemplate(r *request) error {
	b, err := cs.d.Merchants.Template(r.Ctx())
	if err != nil {
		return err
	}
	r.regDownload("楚商信息导入模板.xlsx", b)
	return nil
}

func (cs *Console) merchantBatchReport(r *request) error {
	id, err := r.ID("id")
	if err != nil {
		return err
	}
	b, err := cs.d.Merchants.BatchReport(r.Ctx(), r.Actor(), id)
	if err != nil {
		return err
	}
	r.regDownload(fmt.Sprintf("楚商导入结果-%d.xlsx", id), b)
	return nil
}

// merchantExport downloads the list of the query's filters (the list page's 导出 link carries
// them), masked; the service audits it.
func (cs *Console) merchantExport(r *request) error {
	f := merchant.Filter{Industry: r.Query("industry"), Province: r.Query("province"), City: r.Query("city"),
		Township: r.Query("township"), Field: r.Query("field"), AmountBand: r.Query("amount_band")}
	_ = http.NewResponseController(r.c.Writer).SetWriteDeadline(time.Now().Add(10 * time.Minute))
	var buf bytes.Buffer
	if _, err := cs.d.Merchants.Export(r.Ctx(), r.Actor(), f, &buf); err != nil {
		return err
	}
	r.regDownload("楚商信息-"+cs.d.Now().In(cn.Zone).Format("20060102-1504")+".xlsx", buf.Bytes())
	return nil
}
