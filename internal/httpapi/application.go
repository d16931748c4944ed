package httpapi

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"huixiang/internal/application"
	"huixiang/internal/idempotency"
	"huixiang/internal/sqldb"
)

func handlePolicies(svc *application.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		out, err := svc.Policies(c.Request.Context(), currentSession(c).SubjectID)
		if err != nil {
			respondError(c, err)
			return
		}
		c.JSON(http.StatusOK, out)
	}
}

// handleCreateApplication creates a draft. With an Idempotency-Key header a retry returns the
// first answer byte for byte; the same key with another body is 422.
func handleCreateApplication(svc *application.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		body, err := io.ReadAll(c.Request.Body)
		if err != nil {
			respondError(c, err)
			return
		}
		var in application.Input
		if err := json.Unmarshal(body, &in); err != nil {
			respondError(c, errBadJSON)
			return
		}
		key := c.GetHeader("Idempotency-Key")
		out, replayed, err := svc.Create(c.Request.Context(), currentSession(c).SubjectID, in, key, idempotency.Hash(body))
		if err != nil {
			respondError(c, err)
			return
		}
		if replayed {
			c.Header("Idempotent-Replayed", "true")
		}
		c.Data(http.StatusCreated, "application/json; charset=utf-8", out)
	}
}

type versioned struct {
	Version int `json:"version"`
}

// handleUpdateApplication changes a draft or returned application by JSON merge patch: only the
// fields sent change, null clears one. PUT (wx.request has no PATCH) does exactly the same.
func handleUpdateApplication(svc *application.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := pathID(c)
		if !ok {
			return
		}
		var patch application.Patch
		if !decode(c, &patch) {
			return
		}
		if patch == nil { // the body was null
			respondError(c, errBadJSON)
			return
		}
		var req versioned
		if raw, ok := patch["version"]; !ok || json.Unmarshal(raw, &req.Version) != nil {
			respondError(c, &apiError{Status: http.StatusUnprocessableEntity, Code: "VALIDATION_FAILED", Message: "请带上读取时的版本号", Field: "version"})
			return
		}
		app, err := svc.Update(c.Request.Context(), currentSession(c).SubjectID, id, req.Version, patch)
		if err != nil {
			respondError(c, err)
			return
		}
		c.JSON(http.StatusOK, app)
	}
}

// handleApplicantAction runs submit or withdraw with the version the applicant read.
func handleApplicantAction(act func(*application.Service, *gin.Context, int64, int) (application.Application, error), svc *application.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := pathID(c)
		if !ok {
			return
		}
		var req versioned
		if !decode(c, &req) {
			return
		}
		app, err := act(svc, c, id, req.Version)
		if err != nil {
			respondError(c, err)
			return
		}
		c.JSON(http.StatusOK, app)
	}
}

func submitApplication(svc *application.Service, c *gin.Context, id int64, v int) (application.Application, error) {
	return svc.Submit(c.Request.Context(), currentSession(c).SubjectID, id, v)
}

func withdrawApplication(svc *application.Service, c *gin.Context, id int64, v int) (application.Application, error) {
	return svc.Withdraw(c.Request.Context(), currentSession(c).SubjectID, id, v)
}

func handleMyApplications(svc *application.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		items, err := svc.Mine(c.Request.Context(), currentSession(c).SubjectID)
		if err != nil {
			respondError(c, err)
			return
		}
		c.JSON(http.StatusOK, itemsResponse[application.Application]{Items: items})
	}
}

func handleMyApplication(svc *application.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := pathID(c)
		if !ok {
			return
		}
		app, err := svc.Get(c.Request.Context(), currentSession(c).SubjectID, id)
		if err != nil {
			respondError(c, err)
			return
		}
		c.JSON(http.StatusOK, app)
	}
}

func applicationFilter(c *gin.Context) application.Filter {
	page, _ := strconv.Atoi(c.Query("page"))
	size, _ := strconv.Atoi(c.Query("page_size"))
	return application.Filter{Status: c.Query("status"), Policy: c.Query("policy"), Kind: c.Query("type"),
		Township: c.Query("township"), PageRequest: sqldb.PageRequest{Page: page, PageSize: size}}
}

func handleStaffApplications(svc *application.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		page, err := svc.List(c.Request.Context(), currentActor(c), applicationFilter(c))
		if err != nil {
			respondError(c, err)
			return
		}
		c.JSON(http.StatusOK, page)
	}
}

func handleStaffApplication(svc *application.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := pathID(c)
		if !ok {
			return
		}
		app, err := svc.StaffGet(c.Request.Context(), currentActor(c), id)
		if err != nil {
			respondError(c, err)
			return
		}
		c.JSON(http.StatusOK, app)
	}
}

func handleReviewApplication(svc *application.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := pathID(c)
		if !ok {
			return
		}
		var d application.Decision
		if !decode(c, &d) {
			return
		}
		app, err := svc.Review(c.Request.Context(), currentActor(c), id, d)
		if err != nil {
			respondError(c, err)
			return
		}
		c.JSON(http.StatusOK, app)
	}
}

func handleDisburseApplication(svc *application.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := pathID(c)
		if !ok {
			return
		}
		var in application.DisburseInput
		if !decode(c, &in) {
			return
		}
		app, err := svc.Disburse(c.Request.Context(), currentActor(c), id, in)
		if err != nil {
			respondError(c, err)
			return
		}
		c.JSON(http.StatusOK, app)
	}
}

func handleApplicationStats(svc *application.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		st, err := svc.Stats(c.Request.Context(), currentActor(c), applicationFilter(c))
		if err != nil {
			respondError(c, err)
			return
		}
		c.JSON(http.StatusOK, st)
	}
}
