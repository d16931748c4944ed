package httpapi

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"huixiang/internal/cn"
	"huixiang/internal/training"
)

// The training track (创业培训 1 month + 入园孵化 3 months + 跟踪服务 1 year): district
// administrators and departments enrol people, mark the stages, log visits and read the year's
// counts against the plan.

// handleTrainings: GET /admin/api/v1/trainings?stage=&name=&page=&page_size=.
func handleTrainings(svc *training.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		q := training.Query{Stage: c.Query("stage"), Name: c.Query("name")}
		if q.Stage != "" && !slices.Contains(training.Stages, q.Stage) {
			respondError(c, badQuery("stage", "阶段应为 enrolled、trained、incubating、followed_up、graduated 或 withdrawn"))
			return
		}
		page, err := svc.List(c.Request.Context(), q, pageOf(c))
		respond(c, http.StatusOK, page, err)
	}
}

// handleEnrolTraining: POST /admin/api/v1/trainings {"person_id","on","note"} → 201, 409
// ALREADY_ENROLLED.
func handleEnrolTraining(svc *training.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		var in training.EnrolInput
		if !decode(c, &in) {
			return
		}
		t, err := svc.Enrol(c.Request.Context(), currentActor(c), in)
		respond(c, http.StatusCreated, t, err)
	}
}

// handleTraining: GET /admin/api/v1/trainings/:id, the track with its visits and the person's
// activities.
func handleTraining(svc *training.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := pathID(c)
		if !ok {
			return
		}
		rec, err := svc.Get(c.Request.Context(), id)
		respond(c, http.StatusOK, rec, err)
	}
}

// handleTrainingAct: POST /admin/api/v1/trainings/:id/{train,incubate,follow-up,graduate,withdraw}
// {"on","park_id","note"}.
func handleTrainingAct(svc *training.Service, action training.Action) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := pathID(c)
		if !ok {
			return
		}
		var in training.ActInput
		if c.Request.ContentLength != 0 && !decode(c, &in) {
			return
		}
		t, err := svc.Act(c.Request.Context(), currentActor(c), id, action, in)
		respond(c, http.StatusOK, t, err)
	}
}

// handleTrainingVisit: POST /admin/api/v1/trainings/:id/visits {"on","mode","note"} → 201.
func handleTrainingVisit(svc *training.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := pathID(c)
		if !ok {
			return
		}
		var in training.VisitInput
		if !decode(c, &in) {
			return
		}
		v, err := svc.AddVisit(c.Request.Context(), currentActor(c), id, in)
		respond(c, http.StatusCreated, v, err)
	}
}

// handleTrainingStats: GET /admin/api/v1/trainings/stats?year=, the year's policy talks and
// people trained against the plan's targets (this year in Beijing by default).
func handleTrainingStats(svc *training.Service) gin.HandlerFunc {
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
		counts, err := svc.Year(c.Request.Context(), year)
		respond(c, http.StatusOK, gin.H{"counts": counts, "targets": gin.H{"policy_talks": training.PolicyTalkTarget,
			"trained": training.TrainedTarget}}, err)
	}
}

func classifyTraining(err error) *apiError {
	var fe *training.FieldError
	var early *training.TooEarlyError
	switch {
	case errors.As(err, &fe):
		return &apiError{Status: http.StatusUnprocessableEntity, Code: "VALIDATION_FAILED", Message: fe.Message, Field: fe.Field}
	case errors.As(err, &early):
		return &apiError{Status: http.StatusConflict, Code: "TOO_EARLY", Message: early.Message, Field: "on"}
	case errors.Is(err, training.ErrNotFound):
		return errNotFound
	case errors.Is(err, training.ErrEnrolled):
		return &apiError{Status: http.StatusConflict, Code: "ALREADY_ENROLLED", Message: "这个人已经在培训名单中，请打开他的培训记录"}
	case errors.Is(err, training.ErrInvalidTransition):
		return &apiError{Status: http.StatusConflict, Code: "INVALID_TRANSITION", Message: "当前阶段不能这样操作，请刷新后再试"}
	case errors.Is(err, training.ErrNoVisits):
		return &apiError{Status: http.StatusConflict, Code: "FOLLOW_UP_VISITS_REQUIRED", Message: "跟踪服务期还没有走访记录，请先记录走访再标记毕业"}
	}
	return nil
}
