package httpapi

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"huixiang/internal/alumni"
)

// handleMyEvents lists the upcoming events with the caller's sign-up and check-in state
// (GET /api/v1/events).
func handleMyEvents(svc *alumni.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		list, err := svc.UpcomingEvents(c.Request.Context(), currentSession(c).SubjectID)
		respond(c, http.StatusOK, itemsResponse[alumni.UserEvent]{Items: list}, err)
	}
}

// eventAction runs a sign-up action on the path's event and answers the event with the
// caller's state.
func eventAction(act func(context.Context, int64, int64) (alumni.UserEvent, error)) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := pathID(c)
		if !ok {
			return
		}
		ev, err := act(c.Request.Context(), currentSession(c).SubjectID, id)
		respond(c, http.StatusOK, ev, err)
	}
}

// handleEventSignup: POST /api/v1/events/:id/signup (200 also when signed up already; 409
// EVENT_FULL, SIGNUP_CLOSED).
func handleEventSignup(svc *alumni.Service) gin.HandlerFunc { return eventAction(svc.SignUp) }

// handleEventCancelSignup: POST /api/v1/events/:id/cancel-signup (200 also without a sign-up).
func handleEventCancelSignup(svc *alumni.Service) gin.HandlerFunc {
	return eventAction(svc.CancelSignup)
}

// handleEventWXACode answers the event's 小程序码 as PNG (GET /admin/api/v1/events/:id/wxacode).
func handleEventWXACode(svc *alumni.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := pathID(c)
		if !ok {
			return
		}
		img, err := svc.EventWXACode(c.Request.Context(), id)
		if err != nil {
			respondError(c, err)
			return
		}
		c.Header("Cache-Control", "no-store")
		c.Data(http.StatusOK, http.DetectContentType(img), img)
	}
}
