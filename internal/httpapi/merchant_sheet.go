package httpapi

import (
	"bytes"
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"huixiang/internal/merchant"
)

// The merchant database's spreadsheets: the import template, the import with its per-row
// report, the kept import batches and their report, and the masked export of the list's filter.
// Uploads take the returnee import's limits and guards.

// handleMerchantTemplate: GET /admin/api/v1/merchants/import/template.
func handleMerchantTemplate(svc *merchant.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		b, err := svc.Template(c.Request.Context())
		if err != nil {
			respondError(c, err)
			return
		}
		attachment(c, "楚商信息导入模板.xlsx")
		c.Data(http.StatusOK, xlsxType, b)
	}
}

// handleMerchantImport: POST /admin/api/v1/merchants/import, a multipart .xlsx (field "file").
// Each row is saved in its own transaction; the answer reports every row.
func handleMerchantImport(svc *merchant.Service, maxFile int64) gin.HandlerFunc {
	return handleSheetImport(maxFile, svc.Import)
}

// handleMerchantBatches: GET /admin/api/v1/merchants/imports.
func handleMerchantBatches(svc *merchant.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		b, err := svc.Batches(c.Request.Context(), currentActor(c))
		respond(c, http.StatusOK, itemsResponse[merchant.Batch]{Items: b}, err)
	}
}

// handleMerchantBatchReport: GET /admin/api/v1/merchants/imports/{id}/report (.xlsx).
func handleMerchantBatchReport(svc *merchant.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := pathID(c)
		if !ok {
			return
		}
		b, err := svc.BatchReport(c.Request.Context(), currentActor(c), id)
		if err != nil {
			respondError(c, err)
			return
		}
		attachment(c, fmt.Sprintf("楚商导入结果-%d.xlsx", id))
		c.Data(http.StatusOK, xlsxType, b)
	}
}

// handleMerchantExport: GET /admin/api/v1/merchants/export with the list's filters; the sheet
// is built whole before it is sent (a failure answers the error envelope), masked, audited.
func handleMerchantExport(svc *merchant.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		f := merchant.Filter{Industry: c.Query("industry"), Province: c.Query("province"), City: c.Query("city"),
			Township: c.Query("township"), Field: c.Query("field"), AmountBand: c.Query("amount_band")}
		_ = http.NewResponseController(c.Writer).SetWriteDeadline(time.Now().Add(10 * time.Minute))
		var buf bytes.Buffer
		if _, err := svc.Export(c.Request.Context(), currentActor(c), f, &buf); err != nil {
			respondError(c, err)
			return
		}
		attachment(c, "楚商信息-"+time.Now().In(chinaTime).Format("20060102-1504")+".xlsx")
		c.Data(http.StatusOK, xlsxType, buf.Bytes())
	}
}
