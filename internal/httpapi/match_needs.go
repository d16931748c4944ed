package httpapi

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"huixiang/internal/match"
)

// 校友需求与资源清单: enterprises' needs posted by district administrators and departments, and
// the approved alumni ranked for each.

// handleAlumniNeeds: GET /admin/api/v1/alumni-needs?status=&page=&page_size=.
func handleAlumniNeeds(svc *match.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		status := c.Query("status")
		if status != "" && status != "open" && status != "closed" {
			respondError(c, badQuery("status", "状态应为 open 或 closed"))
			return
		}
		page, err := svc.ListNeeds(c.Request.Context(), currentActor(c), status, pageOf(c))
		respond(c, http.StatusOK, page, err)
	}
}

// handleCreateAlumniNeed: POST /admin/api/v1/alumni-needs → 201.
func handleCreateAlumniNeed(svc *match.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		var in match.NeedInput
		if !decode(c, &in) {
			return
		}
		n, err := svc.CreateNeed(c.Request.Context(), currentActor(c), in)
		respond(c, http.StatusCreated, n, err)
	}
}

// handleAlumniNeed: GET /admin/api/v1/alumni-needs/:id.
func handleAlumniNeed(svc *match.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := pathID(c)
		if !ok {
			return
		}
		n, err := svc.GetNeed(c.Request.Context(), currentActor(c), id)
		respond(c, http.StatusOK, n, err)
	}
}

// handleUpdateAlumniNeed: PATCH /admin/api/v1/alumni-needs/:id {fields…, "version"}.
func handleUpdateAlumniNeed(svc *match.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := pathID(c)
		if !ok {
			return
		}
		var in match.NeedInput
		if !decode(c, &in) {
			return
		}
		n, err := svc.UpdateNeed(c.Request.Context(), currentActor(c), id, in)
		respond(c, http.StatusOK, n, err)
	}
}

// handleAlumniNeedMatches: GET /admin/api/v1/alumni-needs/:id/matches?limit=.
func handleAlumniNeedMatches(svc *match.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := pathID(c)
		if !ok {
			return
		}
		limit, ok := matchLimit(c)
		if !ok {
			return
		}
		out, err := svc.ForNeed(c.Request.Context(), currentActor(c), id, limit)
		respond(c, http.StatusOK, out, err)
	}
}
