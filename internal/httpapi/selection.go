package httpapi

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"huixiang/internal/selection"
)

// The yearly selections (评选): people see the open and published ones and nominate themselves;
// district administrators and departments open them, nominate, review within the quota and
// publish.

type publicSelection struct {
	selection.Selection
	// Winners is the published list (empty until published).
	Winners []selection.Winner `json:"winners"`
}

// handleSelections: GET /api/v1/selections, those taking nominations and the published ones
// with their lists.
func handleSelections(svc *selection.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		ctx := c.Request.Context()
		list, err := svc.List(ctx, true)
		if err != nil {
			respondError(c, err)
			return
		}
		out := make([]publicSelection, 0, len(list))
		for _, s := range list {
			w, err := svc.Winners(ctx, s.ID)
			if err != nil {
				respondError(c, err)
				return
			}
			out = append(out, publicSelection{Selection: s, Winners: w})
		}
		c.JSON(http.StatusOK, gin.H{"items": out})
	}
}

type nominationRequest struct {
	// PersonID is the person staff nominate (ignored for self-nominations).
	PersonID  int64    `json:"person_id"`
	Statement string   `json:"statement"`
	Materials []string `json:"materials"`
}

// handleNominateSelf: POST /api/v1/selections/:id/nominations → 201, the caller nominating
// themselves within the window.
func handleNominateSelf(svc *selection.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := pathID(c)
		if !ok {
			return
		}
		var req nominationRequest
		if !decode(c, &req) {
			return
		}
		n, err := svc.NominateSelf(c.Request.Context(), currentSession(c).SubjectID, id, req.Statement, req.Materials)
		respond(c, http.StatusCreated, n, err)
	}
}

// handleAdminSelections: GET /admin/api/v1/selections, every selection.
func handleAdminSelections(svc *selection.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		list, err := svc.List(c.Request.Context(), false)
		respond(c, http.StatusOK, gin.H{"items": list}, err)
	}
}

// handleCreateSelection: POST /admin/api/v1/selections → 201.
func handleCreateSelection(svc *selection.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		var in selection.Input
		if !decode(c, &in) {
			return
		}
		s, err := svc.Create(c.Request.Context(), currentActor(c), in)
		respond(c, http.StatusCreated, s, err)
	}
}

// handleAdminSelection: GET /admin/api/v1/selections/:id?status=, the selection and its
// nominations.
func handleAdminSelection(svc *selection.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := pathID(c)
		if !ok {
			return
		}
		s, err := svc.Get(c.Request.Context(), id)
		if err != nil {
			respondError(c, err)
			return
		}
		ns, err := svc.Nominations(c.Request.Context(), id, c.Query("status"))
		respond(c, http.StatusOK, gin.H{"selection": s, "nominations": ns}, err)
	}
}

// handleStaffNominate: POST /admin/api/v1/selections/:id/nominations → 201 (audited).
func handleStaffNominate(svc *selection.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := pathID(c)
		if !ok {
			return
		}
		var req nominationRequest
		if !decode(c, &req) {
			return
		}
		n, err := svc.Nominate(c.Request.Context(), currentActor(c), id, req.PersonID, req.Statement, req.Materials)
		respond(c, http.StatusCreated, n, err)
	}
}

type reviewRequest struct {
	Status string `json:"status"` // selected, rejected, pending
	Note   string `json:"note"`
}

// handleReviewNomination: POST /admin/api/v1/selections/:id/nominations/:nid/review (409
// QUOTA_FULL when the places are taken).
func handleReviewNomination(svc *selection.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := pathID(c)
		if !ok {
			return
		}
		nid, err := strconv.ParseInt(c.Param("nid"), 10, 64)
		if err != nil || nid <= 0 {
			respondError(c, errNotFound)
			return
		}
		var req reviewRequest
		if !decode(c, &req) {
			return
		}
		n, err := svc.Review(c.Request.Context(), currentActor(c), id, nid, req.Status, req.Note)
		respond(c, http.StatusOK, n, err)
	}
}

// handlePublishSelection: POST /admin/api/v1/selections/:id/publish.
func handlePublishSelection(svc *selection.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := pathID(c)
		if !ok {
			return
		}
		s, err := svc.Publish(c.Request.Context(), currentActor(c), id)
		respond(c, http.StatusOK, s, err)
	}
}

// classifySelection maps the selections' errors.
func classifySelection(err error) *apiError {
	var fe *selection.FieldError
	switch {
	case errors.As(err, &fe):
		return &apiError{Status: http.StatusUnprocessableEntity, Code: "VALIDATION_FAILED", Message: fe.Message, Field: fe.Field}
	case errors.Is(err, selection.ErrNotFound):
		return errNotFound
	case errors.Is(err, selection.ErrDuplicate):
		return &apiError{Status: http.StatusConflict, Code: "DUPLICATE", Message: "已经推荐过（或这一年度的这项评选已经设立）"}
	case errors.Is(err, selection.ErrClosed):
		return &apiError{Status: http.StatusConflict, Code: "NOMINATIONS_CLOSED", Message: "不在推荐时间内，或评选结果已经公布"}
	case errors.Is(err, selection.ErrQuotaFull):
		return &apiError{Status: http.StatusConflict, Code: "QUOTA_FULL", Message: "入选名额已满，请先把其他人改为不入选"}
	case errors.Is(err, selection.ErrNotRegistered):
		return &apiError{Status: http.StatusUnprocessableEntity, Code: "NOT_REGISTERED", Message: "请先完成返乡登记或校友登记，再参加评选"}
	}
	return nil
}
