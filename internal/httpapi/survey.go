package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"huixiang/internal/actor"
	"huixiang/internal/survey"
)

// currentSurveyResponse is the active return-intention survey as the mini program shows it.
type currentSurveyResponse struct {
	ID          int64             `json:"id"`
	Code        string            `json:"code"`
	Version     int               `json:"version"`
	Title       string            `json:"title"`
	Description string            `json:"description"`
	Questions   []survey.Question `json:"questions"`
	PublishedAt *time.Time        `json:"published_at"`
	// MyResponse is the caller's earlier answers to this version; null when none.
	MyResponse *survey.Response `json:"my_response"`
}

func handleSurveyCurrent(svc *survey.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		cur, err := svc.Current(c.Request.Context(), survey.CodeReturnIntention, currentSession(c).SubjectID)
		if err != nil {
			respondError(c, err)
			return
		}
		s := cur.Survey
		c.JSON(http.StatusOK, currentSurveyResponse{ID: s.ID, Code: s.Code, Version: s.Version, Title: s.Title,
			Description: s.Description, Questions: s.Questions, PublishedAt: s.PublishedAt, MyResponse: cur.Mine})
	}
}

type surveyAnswersRequest struct {
	Answers []survey.Answer `json:"answers"`
}

func handleSurveyAnswer(svc *survey.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := surveyIDParam(c)
		if !ok {
			return
		}
		var req surveyAnswersRequest
		if !decode(c, &req) {
			return
		}
		r, err := svc.Submit(c.Request.Context(), id, currentSession(c).SubjectID, req.Answers)
		if err != nil {
			respondError(c, err)
			return
		}
		c.JSON(http.StatusOK, r)
	}
}

type surveyListResponse struct {
	Surveys []survey.Survey `json:"surveys"`
}

func handleSurveyList(svc *survey.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		list, err := svc.List(c.Request.Context(), c.Query("code"))
		if err != nil {
			respondError(c, err)
			return
		}
		c.JSON(http.StatusOK, surveyListResponse{Surveys: list})
	}
}

type surveyCreateRequest struct {
	Code        string            `json:"code"`
	Title       string            `json:"title"`
	Description string            `json:"description"`
	Questions   []survey.Question `json:"questions"`
}

// handleSurveyCreate creates the next version of a survey and publishes it at once, closing the
// version that was active.
func handleSurveyCreate(svc *survey.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		var req surveyCreateRequest
		if !decode(c, &req) {
			return
		}
		def := survey.Definition{Code: req.Code, Title: req.Title, Description: req.Description, Questions: req.Questions}
		s, err := svc.Create(c.Request.Context(), currentActor(c), def, true)
		if err != nil {
			respondError(c, err)
			return
		}
		c.JSON(http.StatusCreated, s)
	}
}

// handleSurveyStats counts the answers to one version. Township staff always get their own
// township's counts, whatever they ask for; other staff may filter by any township, or none.
func handleSurveyStats(svc *survey.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := surveyIDParam(c)
		if !ok {
			return
		}
		township := c.Query("township")
		if sess := currentSession(c); sess.Attrs["role"] == string(actor.Township) {
			if township = sess.Attrs["township"]; township == "" {
				respondError(c, errForbidden)
				return
			}
		}
		st, err := svc.Stats(c.Request.Context(), id, township)
		if err != nil {
			respondError(c, err)
			return
		}
		c.JSON(http.StatusOK, st)
	}
}

// surveyIDParam reads the :id path parameter; a malformed one answers 404.
func surveyIDParam(c *gin.Context) (int64, bool) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		respondError(c, errNotFound)
		return 0, false
	}
	return id, true
}
