package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"huixiang/internal/actor"
	"huixiang/internal/region"
	"huixiang/internal/returnee"
	"huixiang/internal/sqldb"
)

type itemsResponse[T any] struct {
	Items []T `json:"items"`
}

func handleRegions(svc *region.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		items, err := svc.Children(c.Request.Context(), c.Query("parent"))
		if err != nil {
			respondError(c, err)
			return
		}
		c.JSON(http.StatusOK, itemsResponse[region.Region]{Items: items})
	}
}

func handleRegionImport(svc *region.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		f, _, err := formFile(c, "file")
		if err != nil {
			respondError(c, err)
			return
		}
		defer f.Close()
		res, err := svc.ImportCSV(c.Request.Context(), currentActor(c), f)
		if err != nil {
			respondError(c, err)
			return
		}
		c.JSON(http.StatusOK, res)
	}
}

func handleOptions(svc *returnee.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		lists, err := svc.Options(c.Request.Context())
		if err != nil {
			respondError(c, err)
			return
		}
		c.JSON(http.StatusOK, lists)
	}
}

func handleMyReturnee(svc *returnee.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		rec, err := svc.Mine(c.Request.Context(), currentSession(c).SubjectID)
		if err != nil {
			respondError(c, err)
			return
		}
		c.JSON(http.StatusOK, rec)
	}
}

func handlePutMyReturnee(svc *returnee.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		var in returnee.Input
		if !decode(c, &in) {
			return
		}
		rec, err := svc.SaveMine(c.Request.Context(), currentSession(c).SubjectID, in)
		if err != nil {
			respondError(c, err)
			return
		}
		c.JSON(http.StatusOK, rec)
	}
}

func handleConfirmMyReturnee(svc *returnee.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		rec, err := svc.ConfirmMine(c.Request.Context(), currentSession(c).SubjectID)
		if err != nil {
			respondError(c, err)
			return
		}
		c.JSON(http.StatusOK, rec)
	}
}

// returneeFilter reads the list and export filters from the query string.
func returneeFilter(c *gin.Context) (returnee.Filter, error) {
	f := returnee.Filter{
		Township: c.Query("township"), Village: c.Query("village"), Status: c.Query("status"),
		Intention: c.Query("intention"), Field: c.Query("field"), Need: c.Query("need"), Skill: c.Query("skill"),
		ContentReview: c.Query("content_review"), Name: c.Query("name"),
	}
	if v := c.Query("updated_before"); v != "" {
		t, err := parseTimeParam(v)
		if err != nil {
			return f, &apiError{Status: http.StatusBadRequest, Code: "BAD_REQUEST", Message: "updated_before 应为日期（2025-01-31）或时间（RFC 3339）", Field: "updated_before"}
		}
		f.UpdatedBefore = &t
	}
	f.Page, _ = strconv.Atoi(c.Query("page"))
	f.PageSize, _ = strconv.Atoi(c.Query("page_size"))
	return f, nil
}

// parseTimeParam accepts a date (midnight in Beijing) or an RFC 3339 time.
func parseTimeParam(v string) (time.Time, error) {
	if t, err := time.ParseInLocation(time.DateOnly, v, chinaTime); err == nil {
		return t, nil
	}
	return time.Parse(time.RFC3339, v)
}

func handleListReturnees(svc *returnee.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		f, err := returneeFilter(c)
		if err != nil {
			respondError(c, err)
			return
		}
		page, err := svc.List(c.Request.Context(), currentActor(c), f)
		if err != nil {
			respondError(c, err)
			return
		}
		c.JSON(http.StatusOK, page)
	}
}

func handleCreateReturnee(svc *returnee.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		var in returnee.Input
		if !decode(c, &in) {
			return
		}
		rec, err := svc.Create(c.Request.Context(), currentActor(c), in)
		if err != nil {
			respondError(c, err)
			return
		}
		c.JSON(http.StatusCreated, rec)
	}
}

func pathID(c *gin.Context) (int64, bool) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		respondError(c, errNotFound)
		return 0, false
	}
	return id, true
}

func handleGetReturnee(svc *returnee.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := pathID(c)
		if !ok {
			return
		}
		rec, err := svc.Get(c.Request.Context(), currentActor(c), id)
		if err != nil {
			respondError(c, err)
			return
		}
		c.JSON(http.StatusOK, rec)
	}
}

// handlePatchReturnee merges the JSON body over the current record; "version" must be the
// version the clerk read.
func handlePatchReturnee(svc *returnee.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := pathID(c)
		if !ok {
			return
		}
		version, merge, ok := versionedMerge(c)
		if !ok {
			return
		}
		rec, err := svc.Patch(c.Request.Context(), currentActor(c), id, version, func(in *returnee.Input) error { return merge(in) })
		respond(c, http.StatusOK, rec, err)
	}
}

// versionedMerge reads a PATCH body that merges over a stored record: its "version" must be the
// version read (422 when absent); merge decodes the body over the record's input.
func versionedMerge(c *gin.Context) (version int, merge func(into any) error, ok bool) {
	body, err := io.ReadAll(c.Request.Body)
	if err != nil {
		respondError(c, err)
		return 0, nil, false
	}
	var meta struct {
		Version int `json:"version"`
	}
	if err := json.Unmarshal(body, &meta); err != nil {
		respondError(c, errBadJSON)
		return 0, nil, false
	}
	if meta.Version <= 0 {
		respondError(c, &apiError{Status: http.StatusUnprocessableEntity, Code: "VALIDATION_FAILED", Message: "请提供记录的版本号 version", Field: "version"})
		return 0, nil, false
	}
	return meta.Version, func(into any) error {
		if err := json.NewDecoder(bytes.NewReader(body)).Decode(into); err != nil {
			return errBadJSON
		}
		return nil
	}, true
}

type revealRequest struct {
	Reason string `json:"reason"`
}

func handleRevealReturnee(svc *returnee.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := pathID(c)
		if !ok {
			return
		}
		var req revealRequest
		if !decode(c, &req) {
			return
		}
		v, err := svc.Reveal(c.Request.Context(), currentActor(c), id, req.Reason)
		if err != nil {
			respondError(c, err)
			return
		}
		c.Header("Cache-Control", "no-store")
		c.JSON(http.StatusOK, v)
	}
}

func handleReturneeHistory(svc *returnee.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := pathID(c)
		if !ok {
			return
		}
		h, err := svc.History(c.Request.Context(), currentActor(c), id)
		if err != nil {
			respondError(c, err)
			return
		}
		c.JSON(http.StatusOK, itemsResponse[returnee.Change]{Items: h})
	}
}

// handleReturneeClaims lists records entered by staff or imported that a WeChat user claimed.
func handleReturneeClaims(svc *returnee.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		var req sqldb.PageRequest
		req.Page, _ = strconv.Atoi(c.Query("page"))
		req.PageSize, _ = strconv.Atoi(c.Query("page_size"))
		out, err := svc.Claims(c.Request.Context(), currentActor(c), req)
		if err != nil {
			respondError(c, err)
			return
		}
		c.JSON(http.StatusOK, out)
	}
}

func handleReturneeFreshness(svc *returnee.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		days, _ := strconv.Atoi(c.Query("days"))
		rep, err := svc.Freshness(c.Request.Context(), currentActor(c), days)
		if err != nil {
			respondError(c, err)
			return
		}
		c.JSON(http.StatusOK, rep)
	}
}

// formFile returns the uploaded file of the multipart field name: 400 when it is missing, 413
// when the body is over the upload limit.
func formFile(c *gin.Context, name string) (multipart.File, *multipart.FileHeader, error) {
	f, h, err := c.Request.FormFile(name)
	if err != nil {
		var maxBytes *http.MaxBytesError
		if errors.As(err, &maxBytes) {
			return nil, nil, errTooLarge
		}
		return nil, nil, &apiError{Status: http.StatusBadRequest, Code: "BAD_REQUEST", Message: "请上传文件（表单字段 " + name + "）", Field: name}
	}
	return f, h, nil
}

const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// attachment sets the download headers with a UTF-8 file name.
func attachment(c *gin.Context, name string) {
	c.Header("Content-Disposition", "attachment; filename=\"download.xlsx\"; filename*=UTF-8''"+url.PathEscape(name))
	c.Header("Cache-Control", "no-store")
}

func handleReturneeTemplate(svc *returnee.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		b, err := svc.Template(c.Request.Context())
		if err != nil {
			respondError(c, err)
			return
		}
		attachment(c, "返乡人员导入模板.xlsx")
		c.Data(http.StatusOK, xlsxType, b)
	}
}

// handleReturneeImport takes a multipart .xlsx (see handleSheetImport).
func handleReturneeImport(svc *returnee.Service, maxFile int64) gin.HandlerFunc {
	return handleSheetImport(maxFile, svc.Import)
}

// handleSheetImport takes a multipart .xlsx (field "file") of at most maxFile bytes and answers
// importFn's report. A large file is read and saved within the request, so its deadlines are
// extended past the server's defaults, and the import is not cancelled by a client that leaves.
func handleSheetImport[R any](maxFile int64, importFn func(context.Context, actor.Actor, string, io.ReaderAt, int64) (R, error)) gin.HandlerFunc {
	return func(c *gin.Context) {
		rc := http.NewResponseController(c.Writer)
		_ = rc.SetReadDeadline(time.Now().Add(5 * time.Minute))
		_ = rc.SetWriteDeadline(time.Now().Add(10 * time.Minute))
		if err := c.Request.ParseMultipartForm(4 << 20); err != nil {
			var maxBytes *http.MaxBytesError
			if errors.As(err, &maxBytes) {
				respondError(c, errTooLarge)
				return
			}
		}
		f, h, err := formFile(c, "file")
		if err != nil {
			respondError(c, err)
			return
		}
		defer f.Close()
		if h.Size > maxFile {
			respondError(c, &apiError{Status: http.StatusRequestEntityTooLarge, Code: "BODY_TOO_LARGE", Message: fmt.Sprintf("文件不能超过 %d MB", maxFile>>20)})
			return
		}
		ctx, cancel := context.WithTimeout(context.WithoutCancel(c.Request.Context()), 10*time.Minute)
		defer cancel()
		rep, err := importFn(ctx, currentActor(c), h.Filename, f, h.Size)
		respond(c, http.StatusOK, rep, err)
	}
}

func handleReturneeBatches(svc *returnee.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		b, err := svc.Batches(c.Request.Context(), currentActor(c))
		if err != nil {
			respondError(c, err)
			return
		}
		c.JSON(http.StatusOK, itemsResponse[returnee.Batch]{Items: b})
	}
}

func handleReturneeBatchReport(svc *returnee.Service) gin.HandlerFunc {
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
		attachment(c, fmt.Sprintf("导入结果-%d.xlsx", id))
		c.Data(http.StatusOK, xlsxType, b)
	}
}

// handleReturneeExport builds the filtered list as .xlsx in memory and then sends it whole (so a
// failure midway answers with the error envelope, not a cut-off file), masked unless reveal=true
// with a reason (audited either way).
func handleReturneeExport(svc *returnee.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		f, err := returneeFilter(c)
		if err != nil {
			respondError(c, err)
			return
		}
		_ = http.NewResponseController(c.Writer).SetWriteDeadline(time.Now().Add(10 * time.Minute))
		opts := returnee.ExportOptions{Reveal: c.Query("reveal") == "true", Reason: c.Query("reason")}
		var buf bytes.Buffer
		if _, err := svc.Export(c.Request.Context(), currentActor(c), f, opts, &buf); err != nil {
			respondError(c, err)
			return
		}
		attachment(c, "返乡人员-"+time.Now().In(chinaTime).Format("20060102-1504")+".xlsx")
		c.Data(http.StatusOK, xlsxType, buf.Bytes())
	}
}
