package httpapi

import (
	"errors"
	"net/http"
	"slices"
	"strconv"

	"github.com/gin-gonic/gin"

	"huixiang/internal/mentor"
	"huixiang/internal/upload"
)

// withPhoto sets the signed URL of a mentor's photo.
func withPhoto(up *upload.Service, p *mentor.Public) {
	if up != nil && p.PhotoUploadID != nil {
		p.PhotoURL, _ = up.SignedURL(*p.PhotoUploadID)
	}
}

type mentorList[T any] struct {
	Items []T `json:"items"`
}

// handleMentors: GET /api/v1/mentors?field= — the active mentors' public profiles.
func handleMentors(svc *mentor.Service, up *upload.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		list, err := svc.ListActive(c.Request.Context(), c.Query("field"))
		for i := range list {
			withPhoto(up, &list[i])
		}
		respond(c, http.StatusOK, mentorList[mentor.Public]{Items: list}, err)
	}
}

// handleMentorOpen: GET /api/v1/mentors/:id — the public profile and the open slots of 14 days.
func handleMentorOpen(svc *mentor.Service, up *upload.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := pathID(c)
		if !ok {
			return
		}
		p, err := svc.Open(c.Request.Context(), id)
		if err == nil {
			withPhoto(up, &p.Public)
		}
		respond(c, http.StatusOK, p, err)
	}
}

// handleBookAppointment: POST /api/v1/appointments → 201.
func handleBookAppointment(svc *mentor.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		var in mentor.BookInput
		if !decode(c, &in) {
			return
		}
		a, err := svc.Book(c.Request.Context(), currentSession(c).SubjectID, in)
		respond(c, http.StatusCreated, a, err)
	}
}

// handleMyAppointments: GET /api/v1/me/appointments.
func handleMyAppointments(svc *mentor.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		list, err := svc.Mine(c.Request.Context(), currentSession(c).SubjectID)
		respond(c, http.StatusOK, mentorList[mentor.Appointment]{Items: list}, err)
	}
}

// handleAppointment: GET /api/v1/appointments/:id, for the returnee who booked it or its mentor.
func handleAppointment(svc *mentor.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := pathID(c)
		if !ok {
			return
		}
		a, err := svc.Appointment(c.Request.Context(), currentSession(c).SubjectID, id)
		respond(c, http.StatusOK, a, err)
	}
}

// handleAppointmentAct: POST /api/v1/appointments/:id/cancel (the returnee) and
// /api/v1/mentor/appointments/:id/{confirm,decline,attended,no-show,cancel} (the mentor). The
// body is optional: {"note"} when marking attended, {"message"} when the mentor cancels.
func handleAppointmentAct(svc *mentor.Service, action mentor.Action) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := pathID(c)
		if !ok {
			return
		}
		var in struct {
			Note    string `json:"note"`
			Message string `json:"message"`
		}
		if c.Request.ContentLength != 0 && !decode(c, &in) {
			return
		}
		text := in.Note
		if action == mentor.ActMentorCancel {
			text = in.Message
		}
		a, err := svc.Act(c.Request.Context(), currentSession(c).SubjectID, id, action, text)
		respond(c, http.StatusOK, a, err)
	}
}

// handleRateAppointment: POST /api/v1/appointments/:id/rate {"stars","comment"}.
func handleRateAppointment(svc *mentor.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := pathID(c)
		if !ok {
			return
		}
		var in mentor.RateInput
		if !decode(c, &in) {
			return
		}
		a, err := svc.Rate(c.Request.Context(), currentSession(c).SubjectID, id, in)
		respond(c, http.StatusOK, a, err)
	}
}

// requireMentor lets through a signed-in user whose person is an active mentor (else 403).
func requireMentor(svc *mentor.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		ok, err := svc.IsMentor(c.Request.Context(), currentSession(c).SubjectID)
		if err != nil {
			respondError(c, err)
			return
		}
		if !ok {
			respondError(c, mentor.ErrNotMentor)
			return
		}
		c.Next()
	}
}

func statusQuery(c *gin.Context) (string, bool) {
	s := c.Query("status")
	if s != "" && !slices.Contains(mentor.Statuses, s) {
		respondError(c, badQuery("status", "状态应为 requested、confirmed、declined、cancelled、attended 或 no_show"))
		return "", false
	}
	return s, true
}

// handleMentorAppointments: GET /api/v1/mentor/appointments?status=.
func handleMentorAppointments(svc *mentor.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		status, ok := statusQuery(c)
		if !ok {
			return
		}
		list, err := svc.MentorAppointments(c.Request.Context(), currentSession(c).SubjectID, status)
		respond(c, http.StatusOK, mentorList[mentor.Appointment]{Items: list}, err)
	}
}

// handleMentorAvailability: GET /api/v1/mentor/availability.
func handleMentorAvailability(svc *mentor.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		m, err := svc.MyAvailability(c.Request.Context(), currentSession(c).SubjectID)
		if err != nil {
			respondError(c, err)
			return
		}
		c.JSON(http.StatusOK, m.Availability)
	}
}

// handlePutMentorAvailability: PUT /api/v1/mentor/availability — the affected appointments are
// listed, never dropped.
func handlePutMentorAvailability(svc *mentor.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		var in mentor.Availability
		if !decode(c, &in) {
			return
		}
		res, err := svc.SetAvailability(c.Request.Context(), currentSession(c).SubjectID, in)
		respond(c, http.StatusOK, res, err)
	}
}

// handleAdminMentors: GET /admin/api/v1/mentors?status=.
func handleAdminMentors(svc *mentor.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		s := c.Query("status")
		if s != "" && s != mentor.StatusActive && s != mentor.StatusPaused && s != mentor.StatusRetired {
			respondError(c, badQuery("status", "状态应为 active、paused 或 retired"))
			return
		}
		list, err := svc.List(c.Request.Context(), s)
		respond(c, http.StatusOK, mentorList[mentor.Mentor]{Items: list}, err)
	}
}

// handleCreateMentor: POST /admin/api/v1/mentors → 201, audited.
func handleCreateMentor(svc *mentor.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		var in mentor.Input
		if !decode(c, &in) {
			return
		}
		m, err := svc.Create(c.Request.Context(), currentActor(c), in)
		respond(c, http.StatusCreated, m, err)
	}
}

// handleAdminMentor: GET /admin/api/v1/mentors/:id.
func handleAdminMentor(svc *mentor.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := pathID(c)
		if !ok {
			return
		}
		m, err := svc.Get(c.Request.Context(), id)
		respond(c, http.StatusOK, m, err)
	}
}

// handleUpdateMentor: PATCH /admin/api/v1/mentors/:id {"version", ...} — the fields sent replace
// the mentor's (status pauses or retires; availability, when sent, replaces the mentor's),
// 409 STALE_VERSION; audited.
func handleUpdateMentor(svc *mentor.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := pathID(c)
		if !ok {
			return
		}
		cur, err := svc.Get(c.Request.Context(), id)
		if err != nil {
			respondError(c, err)
			return
		}
		in := struct {
			Version      int                  `json:"version"`
			Status       string               `json:"status"`
			Availability *mentor.Availability `json:"availability"`
			mentor.Profile
		}{Status: cur.Status, Profile: cur.Profile}
		if !decode(c, &in) {
			return
		}
		m, err := svc.Update(c.Request.Context(), currentActor(c), id, in.Version, in.Status, in.Profile, in.Availability)
		respond(c, http.StatusOK, m, err)
	}
}

// handleAdminAppointments: GET /admin/api/v1/appointments?mentor_id=&status=&page=&page_size=.
func handleAdminAppointments(svc *mentor.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		status, ok := statusQuery(c)
		if !ok {
			return
		}
		q := mentor.AdminQuery{Status: status}
		if v := c.Query("mentor_id"); v != "" {
			id, err := strconv.ParseInt(v, 10, 64)
			if err != nil || id <= 0 {
				respondError(c, badQuery("mentor_id", "导师编号应为正整数"))
				return
			}
			q.MentorID = id
		}
		page, err := svc.AdminList(c.Request.Context(), q, pageOf(c))
		respond(c, http.StatusOK, page, err)
	}
}

func classifyMentor(err error) *apiError {
	var fe *mentor.FieldError
	conflict := func(code, msg string) *apiError {
		return &apiError{Status: http.StatusConflict, Code: code, Message: msg}
	}
	switch {
	case errors.As(err, &fe):
		return &apiError{Status: http.StatusUnprocessableEntity, Code: "VALIDATION_FAILED", Message: fe.Message, Field: fe.Field}
	case errors.Is(err, mentor.ErrNotFound):
		return errNotFound
	case errors.Is(err, mentor.ErrNotMentor):
		return &apiError{Status: http.StatusForbidden, Code: "FORBIDDEN", Message: "只有在岗的创业导师可以使用导师功能"}
	case errors.Is(err, mentor.ErrStaleVersion):
		return &apiError{Status: http.StatusConflict, Code: "STALE_VERSION", Message: "导师信息已被他人修改，请刷新后再保存", Field: "version"}
	case errors.Is(err, mentor.ErrPersonIsMentor):
		return &apiError{Status: http.StatusConflict, Code: "ALREADY_MENTOR", Message: "该人员已是创业导师", Field: "person_id"}
	case errors.Is(err, mentor.ErrSlotTaken):
		return conflict("SLOT_TAKEN", "该时段已被预约，请选择其他时段")
	case errors.Is(err, mentor.ErrSlotInvalid):
		return &apiError{Status: http.StatusUnprocessableEntity, Code: "SLOT_INVALID", Message: "该时段不可预约，请刷新后重新选择", Field: "start"}
	case errors.Is(err, mentor.ErrTooMany):
		return conflict("TOO_MANY_APPOINTMENTS", "您已有 2 个未完成的预约，请完成或取消后再预约")
	case errors.Is(err, mentor.ErrMentorFull):
		return conflict("MENTOR_FULL", "该导师本周的预约已满，请选择其他周或其他导师")
	case errors.Is(err, mentor.ErrTooLateToCancel):
		return conflict("TOO_LATE_TO_CANCEL", "距开始不足 2 小时，不能取消，请直接联系对方")
	case errors.Is(err, mentor.ErrInvalidTransition):
		return conflict("INVALID_TRANSITION", "当前状态下不能进行此操作，请刷新后查看")
	case errors.Is(err, mentor.ErrTooEarly):
		return conflict("TOO_EARLY", "预约开始后才能标记到场情况")
	case errors.Is(err, mentor.ErrAlreadyRated):
		return conflict("ALREADY_RATED", "您已评价过这次服务")
	}
	return nil
}
