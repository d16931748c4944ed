package httpapi

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"huixiang/internal/cn"
	"huixiang/internal/projectteam"
)

// Service teams and approval milestones of signed projects (一对一帮办). Reads are open to every
// staff session and scoped by the service; writes are decided by the service (district
// administrators set teams; the team keeps the milestones; policy staff set the baselines).

// handleProjectTeam: GET /admin/api/v1/projects/:id/team → the team (null until set).
func handleProjectTeam(svc *projectteam.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := pathID(c)
		if !ok {
			return
		}
		v, err := svc.Team(c.Request.Context(), currentActor(c), id)
		respond(c, http.StatusOK, v, err)
	}
}

// handleSetProjectTeam: PUT /admin/api/v1/projects/:id/team {"leader_id","department","cadre_id",
// "version"} → 409 PROJECT_NOT_SIGNED before signing, 409 STALE_VERSION on a stale version.
func handleSetProjectTeam(svc *projectteam.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := pathID(c)
		if !ok {
			return
		}
		var in projectteam.TeamInput
		if !decode(c, &in) {
			return
		}
		v, err := svc.SetTeam(c.Request.Context(), currentActor(c), id, in)
		respond(c, http.StatusOK, v, err)
	}
}

// handleProjectMilestones: GET /admin/api/v1/projects/:id/milestones → every milestone in order.
func handleProjectMilestones(svc *projectteam.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := pathID(c)
		if !ok {
			return
		}
		v, err := svc.Milestones(c.Request.Context(), currentActor(c), id)
		respond(c, http.StatusOK, v, err)
	}
}

// handleSetProjectMilestones: PUT /admin/api/v1/projects/:id/milestones {"milestones":[{"milestone",
// "planned_on","actual_on"}]} replaces the list → 422 MILESTONE_ORDER when actual dates go
// backwards.
func handleSetProjectMilestones(svc *projectteam.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := pathID(c)
		if !ok {
			return
		}
		var in projectteam.MilestonesInput
		if !decode(c, &in) {
			return
		}
		v, err := svc.SetMilestones(c.Request.Context(), currentActor(c), id, in)
		respond(c, http.StatusOK, v, err)
	}
}

// handleApprovalBaselines: GET /admin/api/v1/approval-baselines → every milestone's baseline.
func handleApprovalBaselines(svc *projectteam.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		items, err := svc.Baselines(c.Request.Context(), currentActor(c))
		respond(c, http.StatusOK, gin.H{"items": items}, err)
	}
}

// handleSetApprovalBaselines: PUT /admin/api/v1/approval-baselines {"baselines":[{"milestone","days"}]}.
func handleSetApprovalBaselines(svc *projectteam.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		var in projectteam.BaselinesInput
		if !decode(c, &in) {
			return
		}
		items, err := svc.SetBaselines(c.Request.Context(), currentActor(c), in)
		respond(c, http.StatusOK, gin.H{"items": items}, err)
	}
}

// handleApprovalTime: GET /admin/api/v1/projects/approval-time?year= → the medians of the
// projects signed in the year against the baselines and the −20% target.
func handleApprovalTime(svc *projectteam.Service) gin.HandlerFunc {
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
		out, err := svc.ApprovalTime(c.Request.Context(), currentActor(c), year)
		respond(c, http.StatusOK, out, err)
	}
}

func classifyProjectTeam(err error) *apiError {
	var fe *projectteam.FieldError
	var oe *projectteam.OrderError
	switch {
	case errors.As(err, &fe):
		return &apiError{Status: http.StatusUnprocessableEntity, Code: "VALIDATION_FAILED", Message: fe.Message, Field: fe.Field}
	case errors.As(err, &oe):
		return &apiError{Status: http.StatusUnprocessableEntity, Code: "MILESTONE_ORDER", Message: oe.Message(), Field: oe.Milestone}
	case errors.Is(err, projectteam.ErrNotFound):
		return errNotFound
	case errors.Is(err, projectteam.ErrForbidden):
		return &apiError{Status: http.StatusForbidden, Code: "FORBIDDEN",
			Message: "帮办团队由区级管理员设置；审批节点由区级管理员和帮办团队维护；审批基线由区级管理员和区直部门设置"}
	case errors.Is(err, projectteam.ErrNotSigned):
		return &apiError{Status: http.StatusConflict, Code: "PROJECT_NOT_SIGNED", Message: "项目签约后才能配备帮办团队和记录审批节点"}
	case errors.Is(err, projectteam.ErrStaleVersion):
		return &apiError{Status: http.StatusConflict, Code: "STALE_VERSION", Message: "帮办团队已被他人修改，请刷新后再保存", Field: "version"}
	}
	return nil
}
