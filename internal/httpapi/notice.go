package httpapi

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"huixiang/internal/notice"
)

// handleNotices: GET /admin/api/v1/notices?status=, the newest first, each with its report.
func handleNotices(svc *notice.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		page, err := svc.List(c.Request.Context(), c.Query("status"), pageOf(c))
		respond(c, http.StatusOK, page, err)
	}
}

// handleNotice: GET /admin/api/v1/notices/:id, the notice and its delivery report (live while
// it is sent).
func handleNotice(svc *notice.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := pathID(c)
		if !ok {
			return
		}
		n, err := svc.Get(c.Request.Context(), id)
		respond(c, http.StatusOK, n, err)
	}
}

// handleDraftNotice: POST /admin/api/v1/notices → 201, a draft for a district administrator
// to approve.
func handleDraftNotice(svc *notice.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		var in notice.Input
		if !decode(c, &in) {
			return
		}
		n, err := svc.Draft(c.Request.Context(), currentActor(c).ID, in)
		respond(c, http.StatusCreated, n, err)
	}
}

// handleApproveNotice: POST /admin/api/v1/notices/:id/approve (district administrators; 409
// SAME_REVIEWER for the account that drafted it).
func handleApproveNotice(svc *notice.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := pathID(c)
		if !ok {
			return
		}
		n, err := svc.Approve(c.Request.Context(), currentActor(c).ID, id)
		respond(c, http.StatusOK, n, err)
	}
}

// handleCancelNotice: POST /admin/api/v1/notices/:id/cancel, before the sending begins.
func handleCancelNotice(svc *notice.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := pathID(c)
		if !ok {
			return
		}
		n, err := svc.Cancel(c.Request.Context(), currentActor(c).ID, id)
		respond(c, http.StatusOK, n, err)
	}
}

func classifyNotice(err error) *apiError {
	var fe *notice.FieldError
	switch {
	case errors.As(err, &fe):
		return &apiError{Status: http.StatusUnprocessableEntity, Code: "VALIDATION_FAILED", Message: fe.Message, Field: fe.Field}
	case errors.Is(err, notice.ErrNotFound):
		return errNotFound
	case errors.Is(err, notice.ErrSameReviewer):
		return &apiError{Status: http.StatusConflict, Code: "SAME_REVIEWER", Message: "起草通知的账号不能审核同一条通知，请由另一位区级管理员审核"}
	case errors.Is(err, notice.ErrNotDraft):
		return &apiError{Status: http.StatusConflict, Code: "INVALID_TRANSITION", Message: "这条通知已审核或已撤销"}
	case errors.Is(err, notice.ErrTooLate):
		return &apiError{Status: http.StatusConflict, Code: "INVALID_TRANSITION", Message: "通知已经开始发送，不能撤销"}
	}
	return nil
}

// handleResendNotice: POST /admin/api/v1/notices/:id/resend, the failed pushes sent again.
func handleResendNotice(svc *notice.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := pathID(c)
		if !ok {
			return
		}
		n, err := svc.Resend(c.Request.Context(), currentActor(c), id)
		if err != nil {
			respondError(c, err)
			return
		}
		got, err := svc.Get(c.Request.Context(), id)
		respond(c, http.StatusOK, gin.H{"resent": n, "notice": got}, err)
	}
}
