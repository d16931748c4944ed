package httpapi

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"huixiang/internal/notify"
	"huixiang/internal/sqldb"
)

type subscriptionsRequest struct {
	// Accepted are the template IDs wx.requestSubscribeMessage answered "accept" for.
	Accepted []string `json:"accepted"`
}

// handleAddSubscriptions counts one consent per accepted template and answers the caller's counts.
func handleAddSubscriptions(svc *notify.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		var req subscriptionsRequest
		if !decode(c, &req) {
			return
		}
		res, err := svc.AddConsents(c.Request.Context(), currentSession(c).SubjectID, req.Accepted)
		if err != nil {
			respondError(c, err)
			return
		}
		c.JSON(http.StatusOK, res)
	}
}

// handleMyMessages lists the caller's inbox, newest first, with the unread count.
func handleMyMessages(svc *notify.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		page, _ := strconv.Atoi(c.Query("page"))
		size, _ := strconv.Atoi(c.Query("page_size"))
		in, err := svc.Inbox(c.Request.Context(), currentSession(c).SubjectID, sqldb.PageRequest{Page: page, PageSize: size})
		if err != nil {
			respondError(c, err)
			return
		}
		c.JSON(http.StatusOK, in)
	}
}

// handleReadMessage marks one of the caller's messages read; anyone else's is 404.
func handleReadMessage(svc *notify.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := pathID(c)
		if !ok {
			return
		}
		if err := svc.MarkRead(c.Request.Context(), currentSession(c).SubjectID, id); err != nil {
			respondError(c, err)
			return
		}
		c.Status(http.StatusNoContent)
	}
}

// handleListOutbox shows staff the outbox, typically ?status=dead.
func handleListOutbox(svc *notify.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		page, _ := strconv.Atoi(c.Query("page"))
		size, _ := strconv.Atoi(c.Query("page_size"))
		res, err := svc.ListOutbox(c.Request.Context(), c.Query("status"), sqldb.PageRequest{Page: page, PageSize: size})
		if err != nil {
			respondError(c, err)
			return
		}
		c.JSON(http.StatusOK, res)
	}
}

// handleRetryOutbox puts a dead message back in the queue; audited.
func handleRetryOutbox(svc *notify.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := pathID(c)
		if !ok {
			return
		}
		it, err := svc.RetryDead(c.Request.Context(), currentActor(c), id)
		if err != nil {
			respondError(c, err)
			return
		}
		c.JSON(http.StatusOK, it)
	}
}

// handleNotificationSettings: GET /api/v1/me/notification-settings.
func handleNotificationSettings(svc *notify.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		s, err := svc.Settings(c.Request.Context(), currentSession(c).SubjectID)
		respond(c, http.StatusOK, s, err)
	}
}

type notificationSettingsRequest struct {
	// PushesEnabled turns WeChat pushes of notices and policy matches on or off.
	PushesEnabled *bool `json:"pushes_enabled"`
}

// handlePutNotificationSettings: PUT /api/v1/me/notification-settings {"pushes_enabled": false}.
func handlePutNotificationSettings(svc *notify.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		var req notificationSettingsRequest
		if !decode(c, &req) {
			return
		}
		if req.PushesEnabled == nil {
			respondError(c, &apiError{Status: http.StatusUnprocessableEntity, Code: "VALIDATION_FAILED",
				Message: "请说明是否接收推送（pushes_enabled）", Field: "pushes_enabled"})
			return
		}
		s, err := svc.SetPushes(c.Request.Context(), currentSession(c).SubjectID, *req.PushesEnabled)
		respond(c, http.StatusOK, s, err)
	}
}
