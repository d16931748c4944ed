package httpapi

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"huixiang/internal/cn"
	"huixiang/internal/project"
)

// Investment projects (招商项目清单): district administrators and departments write them, township
// staff read their township's; the mini program lists the published ones.

// projectQuery reads the list filters (status and published for staff only), answering 400 for
// a value not of its form.
func projectQuery(c *gin.Context, staff bool) (project.Query, bool) {
	q := project.Query{Industry: c.Query("industry"), Chain: c.Query("chain"), Township: c.Query("township")}
	switch {
	case q.Industry != "" && !project.IndustryRE.MatchString(q.Industry):
		respondError(c, badQuery("industry", "行业代码应为门类字母（A-T），可带两位大类代码，如 C 或 C13"))
		return q, false
	case q.Chain != "" && !project.ValidChainCode(q.Chain):
		respondError(c, badQuery("chain", "产业链代码不正确"))
		return q, false
	case q.Township != "" && !project.ValidTownshipCode(q.Township):
		respondError(c, badQuery("township", "乡镇（街道）代码格式不正确"))
		return q, false
	}
	if !staff {
		return q, true
	}
	q.Status, q.Name = c.Query("status"), c.Query("name")
	if q.Status != "" && !slices.Contains(project.Statuses, q.Status) {
		respondError(c, badQuery("status", "状态应为 planning、packaging、promoting、negotiating、signed、started、producing 或 terminated"))
		return q, false
	}
	if len([]rune(q.Name)) > 100 {
		respondError(c, badQuery("name", "项目名称最多 100 个字"))
		return q, false
	}
	switch c.Query("published") {
	case "":
	case "true", "1":
		v := true
		q.Published = &v
	case "false", "0":
		v := false
		q.Published = &v
	default:
		respondError(c, badQuery("published", "published 应为 true 或 false"))
		return q, false
	}
	return q, true
}

// handleProjects: GET /admin/api/v1/projects?status=&industry=&chain=&township=&published=&name=&page=&page_size=.
func handleProjects(svc *project.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		q, ok := projectQuery(c, true)
		if !ok {
			return
		}
		page, err := svc.List(c.Request.Context(), currentActor(c), q, pageOf(c))
		respond(c, http.StatusOK, page, err)
	}
}

// handleCreateProject: POST /admin/api/v1/projects → 201, in planning.
func handleCreateProject(svc *project.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		var in project.Input
		if !decode(c, &in) {
			return
		}
		p, err := svc.Create(c.Request.Context(), currentActor(c), in)
		respond(c, http.StatusCreated, p, err)
	}
}

// handleProject: GET /admin/api/v1/projects/:id (township staff: their township's only).
func handleProject(svc *project.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := pathID(c)
		if !ok {
			return
		}
		p, err := svc.Get(c.Request.Context(), currentActor(c), id)
		respond(c, http.StatusOK, p, err)
	}
}

// handleUpdateProject: PATCH /admin/api/v1/projects/:id {fields…, "version"} → 409 STALE_VERSION
// when the version is not the project's.
func handleUpdateProject(svc *project.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := pathID(c)
		if !ok {
			return
		}
		var in project.Input
		if !decode(c, &in) {
			return
		}
		p, err := svc.Update(c.Request.Context(), currentActor(c), id, in)
		respond(c, http.StatusOK, p, err)
	}
}

// handleMoveProject: POST /admin/api/v1/projects/:id/status {"to","on","note"} → 409
// INVALID_TRANSITION when the table has no such move from the project's status.
func handleMoveProject(svc *project.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := pathID(c)
		if !ok {
			return
		}
		var in project.MoveInput
		if !decode(c, &in) {
			return
		}
		p, err := svc.Move(c.Request.Context(), currentActor(c), id, in)
		respond(c, http.StatusOK, p, err)
	}
}

// handleDeleteProject: DELETE /admin/api/v1/projects/:id, a project entered by mistake (204).
func handleDeleteProject(svc *project.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := pathID(c)
		if !ok {
			return
		}
		if err := svc.Delete(c.Request.Context(), currentActor(c), id); err != nil {
			respondError(c, err)
			return
		}
		c.Status(http.StatusNoContent)
	}
}

// handlePublishProject: POST /admin/api/v1/projects/:id/publish and /unpublish.
func handlePublishProject(svc *project.Service, publish bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := pathID(c)
		if !ok {
			return
		}
		var p *project.Project
		var err error
		if publish {
			p, err = svc.Publish(c.Request.Context(), currentActor(c), id)
		} else {
			p, err = svc.Unpublish(c.Request.Context(), currentActor(c), id)
		}
		respond(c, http.StatusOK, p, err)
	}
}

// handleProjectStats: GET /admin/api/v1/projects/stats?year=, the year's projects packaged
// against the plan's 30 (this year in Beijing by default).
func handleProjectStats(svc *project.Service) gin.HandlerFunc {
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
		counts, err := svc.Year(c.Request.Context(), currentActor(c), year)
		respond(c, http.StatusOK, counts, err)
	}
}

// handleProjectChains: GET /admin/api/v1/projects/chains, the "3+2" industrial chains.
func handleProjectChains(svc *project.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		chains, err := svc.Chains(c.Request.Context())
		respond(c, http.StatusOK, gin.H{"items": chains}, err)
	}
}

// handlePublicProjects: GET /api/v1/projects?industry=&chain=&township=&page=&page_size=, the
// published projects.
func handlePublicProjects(svc *project.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		q, ok := projectQuery(c, false)
		if !ok {
			return
		}
		page, err := svc.PublicList(c.Request.Context(), q, pageOf(c))
		respond(c, http.StatusOK, page, err)
	}
}

// handlePublicProject: GET /api/v1/projects/:id, a published project (404 otherwise).
func handlePublicProject(svc *project.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := pathID(c)
		if !ok {
			return
		}
		p, err := svc.PublicGet(c.Request.Context(), id)
		respond(c, http.StatusOK, p, err)
	}
}

func classifyProject(err error) *apiError {
	var fe *project.FieldError
	switch {
	case errors.As(err, &fe):
		return &apiError{Status: http.StatusUnprocessableEntity, Code: "VALIDATION_FAILED", Message: fe.Message, Field: fe.Field}
	case errors.Is(err, project.ErrNotFound):
		return errNotFound
	case errors.Is(err, project.ErrForbidden):
		return &apiError{Status: http.StatusForbidden, Code: "FORBIDDEN", Message: "只有区级管理员和区直部门可以新增、修改和发布招商项目"}
	case errors.Is(err, project.ErrStaleVersion):
		return &apiError{Status: http.StatusConflict, Code: "STALE_VERSION", Message: "项目已被他人修改，请刷新后再保存", Field: "version"}
	case errors.Is(err, project.ErrInvalidTransition):
		return &apiError{Status: http.StatusConflict, Code: "INVALID_TRANSITION", Message: "项目当前状态不能这样变更，请刷新后再试", Field: "to"}
	case errors.Is(err, project.ErrInUse):
		return &apiError{Status: http.StatusConflict, Code: "PROJECT_IN_USE", Message: "项目已进入包装阶段，或已有走访、匹配记录，不能删除；不再推进的项目请改为“终止”"}
	case errors.Is(err, project.ErrNotPublishable):
		return &apiError{Status: http.StatusConflict, Code: "INVALID_TRANSITION", Message: "项目包装完成后才能发布到小程序，已终止的项目不能发布"}
	}
	return nil
}
