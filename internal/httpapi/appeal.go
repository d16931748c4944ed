package httpapi

import (
	"errors"
	"net/http"
	"slices"

	"github.com/gin-gonic/gin"

	"huixiang/internal/appeal"
)

// Requests (诉求清单化办理): the API path is /requests, the package internal/appeal.

// handleSubmitAppeal: POST /api/v1/requests {"category","text","images","township_code"} → 201.
func handleSubmitAppeal(svc *appeal.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		var in appeal.Input
		if !decode(c, &in) {
			return
		}
		out, err := svc.Create(c.Request.Context(), currentSession(c).SubjectID, in)
		respond(c, http.StatusCreated, out, err)
	}
}

// handleMyAppeals: GET /api/v1/requests — mine, the latest first.
func handleMyAppeals(svc *appeal.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		list, err := svc.Mine(c.Request.Context(), currentSession(c).SubjectID)
		respond(c, http.StatusOK, itemsResponse[appeal.Appeal]{Items: list}, err)
	}
}

// handleMyAppeal: GET /api/v1/requests/:id — the requester's own, with the timeline (else 404).
func handleMyAppeal(svc *appeal.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := pathID(c)
		if !ok {
			return
		}
		out, err := svc.Get(c.Request.Context(), currentSession(c).SubjectID, id)
		respond(c, http.StatusOK, out, err)
	}
}

// handleRateAppeal: POST /api/v1/requests/:id/rate {"rating","comment"}.
func handleRateAppeal(svc *appeal.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := pathID(c)
		if !ok {
			return
		}
		var in appeal.RateInput
		if !decode(c, &in) {
			return
		}
		out, err := svc.Rate(c.Request.Context(), currentSession(c).SubjectID, id, in)
		respond(c, http.StatusOK, out, err)
	}
}

// handleReopenAppeal: POST /api/v1/requests/:id/reopen {"reason"} — once ever.
func handleReopenAppeal(svc *appeal.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := pathID(c)
		if !ok {
			return
		}
		var in appeal.ReopenInput
		if !decode(c, &in) {
			return
		}
		out, err := svc.Reopen(c.Request.Context(), currentSession(c).SubjectID, id, in)
		respond(c, http.StatusOK, out, err)
	}
}

// handleAdminAppeals: GET /admin/api/v1/requests?status=&department=&category=&overdue=1&township=
// — scoped to the staff member (township: theirs; department: assigned to theirs).
func handleAdminAppeals(svc *appeal.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		q := appeal.AdminQuery{Status: c.Query("status"), Department: c.Query("department"), Category: c.Query("category"),
			Township: c.Query("township")}
		if q.Status != "" && !slices.Contains(appeal.Statuses, q.Status) {
			respondError(c, badQuery("status", "状态应为 submitted、assigned、replied 或 closed"))
			return
		}
		if q.Category != "" && !slices.ContainsFunc(appeal.Categories, func(k appeal.Category) bool { return k.Code == q.Category }) {
			respondError(c, badQuery("category", "诉求类别不正确"))
			return
		}
		if len(q.Township) > 12 || len(q.Department) > 64 {
			respondError(c, badQuery("township", "筛选条件过长"))
			return
		}
		switch c.Query("overdue") {
		case "", "0", "false":
		case "1", "true":
			q.Overdue = true
		default:
			respondError(c, badQuery("overdue", "overdue 应为 1 或 0"))
			return
		}
		list, err := svc.AdminList(c.Request.Context(), currentActor(c), q)
		respond(c, http.StatusOK, itemsResponse[appeal.Appeal]{Items: list}, err)
	}
}

// handleAdminAppeal: GET /admin/api/v1/requests/:id, with the timeline.
func handleAdminAppeal(svc *appeal.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := pathID(c)
		if !ok {
			return
		}
		out, err := svc.AdminGet(c.Request.Context(), currentActor(c), id)
		respond(c, http.StatusOK, out, err)
	}
}

// handleAssignAppeal: POST /admin/api/v1/requests/:id/assign {"department","due_date","note"} — dispatchers.
func handleAssignAppeal(svc *appeal.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := pathID(c)
		if !ok {
			return
		}
		var in appeal.AssignInput
		if !decode(c, &in) {
			return
		}
		out, err := svc.Assign(c.Request.Context(), currentActor(c), id, in)
		respond(c, http.StatusOK, out, err)
	}
}

// handleReplyAppeal: POST /admin/api/v1/requests/:id/reply {"reply"} — the assigned department.
func handleReplyAppeal(svc *appeal.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := pathID(c)
		if !ok {
			return
		}
		var in struct {
			Reply string `json:"reply"`
		}
		if !decode(c, &in) {
			return
		}
		out, err := svc.Reply(c.Request.Context(), currentActor(c), id, in.Reply)
		respond(c, http.StatusOK, out, err)
	}
}

// handleCloseAppeal: POST /admin/api/v1/requests/:id/close {"note"} (the body is optional).
func handleCloseAppeal(svc *appeal.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := pathID(c)
		if !ok {
			return
		}
		var in struct {
			Note string `json:"note"`
		}
		if c.Request.ContentLength != 0 && !decode(c, &in) {
			return
		}
		out, err := svc.Close(c.Request.Context(), currentActor(c), id, in.Note)
		respond(c, http.StatusOK, out, err)
	}
}

// handleAppealStats: GET /admin/api/v1/requests/stats — counts and satisfaction by department.
func handleAppealStats(svc *appeal.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		list, err := svc.Stats(c.Request.Context(), currentActor(c))
		respond(c, http.StatusOK, struct {
			Items []appeal.DepartmentStats `json:"items"`
		}{list}, err)
	}
}

func classifyAppeal(err error) *apiError {
	var fe *appeal.FieldError
	switch {
	case errors.As(err, &fe):
		return &apiError{Status: http.StatusUnprocessableEntity, Code: "VALIDATION_FAILED", Message: fe.Message, Field: fe.Field}
	case errors.Is(err, appeal.ErrNotFound):
		return errNotFound
	case errors.Is(err, appeal.ErrForbidden):
		return errForbidden
	case errors.Is(err, appeal.ErrInvalidTransition):
		return &apiError{Status: http.StatusConflict, Code: "INVALID_TRANSITION", Message: "当前状态下不能进行此操作，请刷新后查看"}
	case errors.Is(err, appeal.ErrAlreadyRated):
		return &apiError{Status: http.StatusConflict, Code: "ALREADY_RATED", Message: "您已评价过这次办理结果"}
	case errors.Is(err, appeal.ErrAlreadyReopened):
		return &apiError{Status: http.StatusConflict, Code: "ALREADY_REOPENED", Message: "每条诉求只能重新办理一次"}
	}
	return nil
}
