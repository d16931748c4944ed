package httpapi

import (
	"errors"
	"net/http"
	"slices"

	"github.com/gin-gonic/gin"

	"huixiang/internal/consultation"
)

type consultationList struct {
	Items []consultation.Consultation `json:"items"`
}

// handleAskConsultation: POST /api/v1/consultations {"mentor_id"|"field","question","images"} → 201.
func handleAskConsultation(svc *consultation.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		var in consultation.Input
		if !decode(c, &in) {
			return
		}
		out, err := svc.Create(c.Request.Context(), currentSession(c).SubjectID, in)
		respond(c, http.StatusCreated, out, err)
	}
}

// handleMyConsultations: GET /api/v1/consultations — mine, the latest first.
func handleMyConsultations(svc *consultation.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		list, err := svc.Mine(c.Request.Context(), currentSession(c).SubjectID)
		respond(c, http.StatusOK, consultationList{Items: list}, err)
	}
}

// handleConsultation: GET /api/v1/consultations/:id — the asker's or the assigned mentor's.
func handleConsultation(svc *consultation.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := pathID(c)
		if !ok {
			return
		}
		out, err := svc.Get(c.Request.Context(), currentSession(c).SubjectID, id)
		respond(c, http.StatusOK, out, err)
	}
}

// handleConsultationMessage: POST /api/v1/consultations/:id/messages {"text","images"} → 201.
func handleConsultationMessage(svc *consultation.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := pathID(c)
		if !ok {
			return
		}
		var in consultation.MessageInput
		if !decode(c, &in) {
			return
		}
		out, err := svc.Reply(c.Request.Context(), currentSession(c).SubjectID, id, in)
		respond(c, http.StatusCreated, out, err)
	}
}

// handleCloseConsultation: POST /api/v1/consultations/:id/close {"summary"} (the body is optional;
// the summary is the mentor's).
func handleCloseConsultation(svc *consultation.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := pathID(c)
		if !ok {
			return
		}
		var in struct {
			Summary string `json:"summary"`
		}
		if c.Request.ContentLength != 0 && !decode(c, &in) {
			return
		}
		out, err := svc.Close(c.Request.Context(), currentSession(c).SubjectID, id, in.Summary)
		respond(c, http.StatusOK, out, err)
	}
}

// handleRateConsultation: POST /api/v1/consultations/:id/rate {"stars","comment"}.
func handleRateConsultation(svc *consultation.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := pathID(c)
		if !ok {
			return
		}
		var in consultation.RateInput
		if !decode(c, &in) {
			return
		}
		out, err := svc.Rate(c.Request.Context(), currentSession(c).SubjectID, id, in)
		respond(c, http.StatusOK, out, err)
	}
}

// handleMentorConsultations: GET /api/v1/mentor/consultations — assigned to me, open first.
func handleMentorConsultations(svc *consultation.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		list, err := svc.ForMentor(c.Request.Context(), currentSession(c).SubjectID)
		respond(c, http.StatusOK, consultationList{Items: list}, err)
	}
}

// handleAdminConsultations: GET /admin/api/v1/consultations?status=&overdue=1.
func handleAdminConsultations(svc *consultation.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		q := consultation.AdminQuery{Status: c.Query("status")}
		if q.Status != "" && !slices.Contains(consultation.Statuses, q.Status) {
			respondError(c, badQuery("status", "状态应为 waiting、assigned、answered 或 closed"))
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
		list, err := svc.AdminList(c.Request.Context(), q)
		respond(c, http.StatusOK, consultationList{Items: list}, err)
	}
}

// handleAdminConsultation: GET /admin/api/v1/consultations/:id, one consultation as the
// dispatchers' list shows it (not the thread: that is for its two sides).
func handleAdminConsultation(svc *consultation.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := pathID(c)
		if !ok {
			return
		}
		one, err := svc.AdminGet(c.Request.Context(), id)
		respond(c, http.StatusOK, one, err)
	}
}

// handleAssignConsultation: POST /admin/api/v1/consultations/:id/assign {"mentor_id"}, audited.
func handleAssignConsultation(svc *consultation.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := pathID(c)
		if !ok {
			return
		}
		var in struct {
			MentorID int64 `json:"mentor_id"`
		}
		if !decode(c, &in) {
			return
		}
		out, err := svc.Assign(c.Request.Context(), currentActor(c), id, in.MentorID)
		respond(c, http.StatusOK, out, err)
	}
}

// handleConsultationStats: GET /admin/api/v1/consultations/stats — per mentor.
func handleConsultationStats(svc *consultation.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		list, err := svc.Stats(c.Request.Context())
		respond(c, http.StatusOK, mentorList[consultation.MentorStats]{Items: list}, err)
	}
}

func classifyConsultation(err error) *apiError {
	var fe *consultation.FieldError
	switch {
	case errors.As(err, &fe):
		return &apiError{Status: http.StatusUnprocessableEntity, Code: "VALIDATION_FAILED", Message: fe.Message, Field: fe.Field}
	case errors.Is(err, consultation.ErrNotFound):
		return errNotFound
	case errors.Is(err, consultation.ErrInvalidTransition):
		return &apiError{Status: http.StatusConflict, Code: "INVALID_TRANSITION", Message: "当前状态下不能进行此操作，请刷新后查看"}
	case errors.Is(err, consultation.ErrAlreadyRated):
		return &apiError{Status: http.StatusConflict, Code: "ALREADY_RATED", Message: "您已评价过这次问诊"}
	}
	return nil
}
