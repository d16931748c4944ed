package httpapi

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"huixiang/internal/cn"
	"huixiang/internal/visit"
)

// Visits out and delegations in (叩门招商): every staff role records them; township staff their
// township's only.

// visitQuery reads the list filters, answering 400 for a value not of its form.
func visitQuery(c *gin.Context) (visit.Query, bool) {
	q := visit.Query{Kind: c.Query("kind"), Township: c.Query("township"), Overdue: c.Query("overdue") == "1" || c.Query("overdue") == "true",
		Mine: c.Query("mine") == "1" || c.Query("mine") == "true"}
	if v := c.Query("year"); v != "" {
		y, err := strconv.Atoi(v)
		if err != nil || y < 2000 || y > 2100 {
			respondError(c, badQuery("year", "年份应为 2000 到 2100 之间的整数"))
			return q, false
		}
		q.Year = y
	}
	if q.Kind != "" && !slices.Contains(visit.Kinds, q.Kind) {
		respondError(c, badQuery("kind", "类型应为 out、in 或 event"))
		return q, false
	}
	if q.Township != "" && !visit.ValidTownshipCode(q.Township) {
		respondError(c, badQuery("township", "乡镇（街道）代码格式不正确"))
		return q, false
	}
	for _, p := range []struct {
		name string
		dst  *int64
	}{{"merchant_id", &q.MerchantID}, {"project_id", &q.ProjectID}} {
		if v := c.Query(p.name); v != "" {
			id, err := strconv.ParseInt(v, 10, 64)
			if err != nil || id <= 0 {
				respondError(c, badQuery(p.name, "编号应为正整数"))
				return q, false
			}
			*p.dst = id
		}
	}
	return q, true
}

// handleVisits: GET /admin/api/v1/visits?year=&kind=&township=&merchant_id=&project_id=&overdue=&mine=&page=&page_size=.
func handleVisits(svc *visit.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		q, ok := visitQuery(c)
		if !ok {
			return
		}
		page, err := svc.List(c.Request.Context(), currentActor(c), q, pageOf(c))
		respond(c, http.StatusOK, page, err)
	}
}

// handleCreateVisit: POST /admin/api/v1/visits → 201.
func handleCreateVisit(svc *visit.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		var in visit.Input
		if !decode(c, &in) {
			return
		}
		v, err := svc.Create(c.Request.Context(), currentActor(c), in)
		respond(c, http.StatusCreated, v, err)
	}
}

// handleVisit: GET /admin/api/v1/visits/:id with its follow-ups.
func handleVisit(svc *visit.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := pathID(c)
		if !ok {
			return
		}
		v, err := svc.Get(c.Request.Context(), currentActor(c), id)
		respond(c, http.StatusOK, v, err)
	}
}

// handleUpdateVisit: PATCH /admin/api/v1/visits/:id {fields…, "version"} → 409 STALE_VERSION
// when the version is not the visit's.
func handleUpdateVisit(svc *visit.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := pathID(c)
		if !ok {
			return
		}
		var in visit.Input
		if !decode(c, &in) {
			return
		}
		v, err := svc.Update(c.Request.Context(), currentActor(c), id, in)
		respond(c, http.StatusOK, v, err)
	}
}

// handleAddVisitFollowup: POST /admin/api/v1/visits/:id/followups → 201.
func handleAddVisitFollowup(svc *visit.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := pathID(c)
		if !ok {
			return
		}
		var in visit.FollowupInput
		if !decode(c, &in) {
			return
		}
		f, err := svc.AddFollowup(c.Request.Context(), currentActor(c), id, in)
		respond(c, http.StatusCreated, f, err)
	}
}

// handleVisitFollowupDone: POST /admin/api/v1/visits/:id/followups/:fid/done {"note"} → 409
// FOLLOWUP_DONE the second time.
func handleVisitFollowupDone(svc *visit.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := pathID(c)
		if !ok {
			return
		}
		fid, err := strconv.ParseInt(c.Param("fid"), 10, 64)
		if err != nil || fid <= 0 {
			respondError(c, errNotFound)
			return
		}
		var in visit.DoneInput
		if c.Request.ContentLength != 0 && !decode(c, &in) {
			return
		}
		f, err := svc.Done(c.Request.Context(), currentActor(c), id, fid, in)
		respond(c, http.StatusOK, f, err)
	}
}

// handleVisitStats: GET /admin/api/v1/visits/stats?year=, the year's visits by kind against the
// targets and the overdue follow-ups (this year in Beijing by default).
func handleVisitStats(svc *visit.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		year := time.Now().In(cn.Zone).Year()
		if v := c.Query("year"); v != "" {
			y, err := strconv.Atoi(v)
			if err != nil || y < 2000 || y > 2100 {
				respondError(c, badQuery("year", "年份应为 2000 到 2100 之间的整数"))
				return
			}
			year = y
		}
		st, err := svc.Stats(c.Request.Context(), currentActor(c), year)
		respond(c, http.StatusOK, st, err)
	}
}

func classifyVisit(err error) *apiError {
	var fe *visit.FieldError
	switch {
	case errors.As(err, &fe):
		return &apiError{Status: http.StatusUnprocessableEntity, Code: "VALIDATION_FAILED", Message: fe.Message, Field: fe.Field}
	case errors.Is(err, visit.ErrNotFound):
		return errNotFound
	case errors.Is(err, visit.ErrForbidden):
		return errForbidden
	case errors.Is(err, visit.ErrOutOfScope):
		return &apiError{Status: http.StatusForbidden, Code: "FORBIDDEN", Message: "只能登记和修改本乡镇（街道）的走访接待", Field: "township_code"}
	case errors.Is(err, visit.ErrStaleVersion):
		return &apiError{Status: http.StatusConflict, Code: "STALE_VERSION", Message: "走访记录已被他人修改，请刷新后再保存", Field: "version"}
	case errors.Is(err, visit.ErrFollowupDone):
		return &apiError{Status: http.StatusConflict, Code: "FOLLOWUP_DONE", Message: "这项跟进事项已经办结"}
	}
	return nil
}
