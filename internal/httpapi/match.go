package httpapi

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"huixiang/internal/match"
)

// Explainable matching (招商匹配): merchants ranked for a project and projects for a merchant,
// with scores and reasons; staff move a pair along 推荐 → 已联系 → 有意向 → 考察 → 签约; the
// signed-in merchant sees the published projects ranked (为您推荐) and says 感兴趣.

// matchLimit reads ?limit= (1–200, default 50), answering 400 otherwise.
func matchLimit(c *gin.Context) (int, bool) {
	s := c.Query("limit")
	if s == "" {
		return 0, true
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > match.MaxLimit {
		respondError(c, badQuery("limit", "limit 应为 1-200 的整数"))
		return 0, false
	}
	return n, true
}

// handleProjectMatches: GET /admin/api/v1/projects/:id/matches?limit=.
func handleProjectMatches(svc *match.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := pathID(c)
		if !ok {
			return
		}
		limit, ok := matchLimit(c)
		if !ok {
			return
		}
		out, err := svc.ForProject(c.Request.Context(), currentActor(c), id, limit)
		respond(c, http.StatusOK, out, err)
	}
}

// handleMerchantMatches: GET /admin/api/v1/merchants/:id/matches?limit=.
func handleMerchantMatches(svc *match.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := pathID(c)
		if !ok {
			return
		}
		limit, ok := matchLimit(c)
		if !ok {
			return
		}
		out, err := svc.ForMerchant(c.Request.Context(), currentActor(c), id, limit)
		respond(c, http.StatusOK, out, err)
	}
}

// handleMoveMatch: PATCH /admin/api/v1/projects/:id/matches/:merchant_id {"status","note","version"}.
func handleMoveMatch(svc *match.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := pathID(c)
		if !ok {
			return
		}
		merchantID, err := strconv.ParseInt(c.Param("merchant_id"), 10, 64)
		if err != nil || merchantID <= 0 {
			respondError(c, errNotFound)
			return
		}
		var in match.MoveInput
		if !decode(c, &in) {
			return
		}
		out, err := svc.Move(c.Request.Context(), currentActor(c), id, merchantID, in)
		respond(c, http.StatusOK, out, err)
	}
}

// handleMyMatches: GET /api/v1/me/matches?limit= — the published projects for the user's
// merchant record, the best first.
func handleMyMatches(svc *match.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		limit, ok := matchLimit(c)
		if !ok {
			return
		}
		out, err := svc.Mine(c.Request.Context(), currentSession(c).SubjectID, limit)
		respond(c, http.StatusOK, out, err)
	}
}

// handleMatchInterest: POST /api/v1/me/matches/:id/interest — 201 the first time, 200 after.
func handleMatchInterest(svc *match.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := pathID(c)
		if !ok {
			return
		}
		created, err := svc.Interest(c.Request.Context(), currentSession(c).SubjectID, id)
		status := http.StatusOK
		if created {
			status = http.StatusCreated
		}
		respond(c, status, gin.H{"project_id": id, "interested": true}, err)
	}
}

func classifyMatch(err error) *apiError {
	var fe *match.FieldError
	switch {
	case errors.As(err, &fe):
		return &apiError{Status: http.StatusUnprocessableEntity, Code: "VALIDATION_FAILED", Message: fe.Message, Field: fe.Field}
	case errors.Is(err, match.ErrNotFound):
		return errNotFound
	case errors.Is(err, match.ErrForbidden):
		return errForbidden
	case errors.Is(err, match.ErrNotMerchant):
		return &apiError{Status: http.StatusConflict, Code: "NOT_MERCHANT", Message: "请先登记楚商信息，再查看推荐项目"}
	case errors.Is(err, match.ErrStaleVersion):
		return &apiError{Status: http.StatusConflict, Code: "STALE_VERSION", Message: "对接记录已被他人修改，请刷新后再保存", Field: "version"}
	case errors.Is(err, match.ErrInvalidTransition):
		return &apiError{Status: http.StatusConflict, Code: "INVALID_TRANSITION", Message: "对接状态不能这样变更，请刷新后再试", Field: "status"}
	}
	return nil
}
