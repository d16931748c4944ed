package httpapi

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"huixiang/internal/alumni"
	"huixiang/internal/sqldb"
)

// respond answers 200 (or status) with out, or the error.
func respond[T any](c *gin.Context, status int, out T, err error) {
	if err != nil {
		respondError(c, err)
		return
	}
	c.JSON(status, out)
}

func handleMyAlumnus(svc *alumni.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		rec, err := svc.Mine(c.Request.Context(), currentSession(c).SubjectID)
		respond(c, http.StatusOK, rec, err)
	}
}

func handlePutMyAlumnus(svc *alumni.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		var in alumni.Input
		if !decode(c, &in) {
			return
		}
		in.Phone = "" // the bound WeChat phone is used
		rec, err := svc.SaveMine(c.Request.Context(), currentSession(c).SubjectID, in)
		respond(c, http.StatusOK, rec, err)
	}
}

// schoolItem is a school as the mini program's picker shows it.
type schoolItem struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

func handleSchools(svc *alumni.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		list, err := svc.Schools(c.Request.Context(), true)
		if err != nil {
			respondError(c, err)
			return
		}
		items := make([]schoolItem, len(list))
		for i, s := range list {
			items[i] = schoolItem{Code: s.Code, Name: s.Name}
		}
		c.JSON(http.StatusOK, itemsResponse[schoolItem]{Items: items})
	}
}

func handleCheckIn(svc *alumni.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := pathID(c)
		if !ok {
			return
		}
		var req struct {
			Token string `json:"token"`
		}
		if !decode(c, &req) {
			return
		}
		out, err := svc.CheckIn(c.Request.Context(), currentSession(c).SubjectID, id, req.Token)
		respond(c, http.StatusOK, out, err)
	}
}

func handleAdminAlumni(svc *alumni.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		f := alumni.Filter{Status: c.Query("status"), School: c.Query("school"), Grade: c.Query("grade")}
		f.Page, _ = strconv.Atoi(c.Query("page"))
		f.PageSize, _ = strconv.Atoi(c.Query("page_size"))
		page, err := svc.List(c.Request.Context(), f)
		respond(c, http.StatusOK, page, err)
	}
}

// handleAlumniClaims pages the staff-entered alumni records their person claimed in the mini
// program, newest claim first.
func handleAlumniClaims(svc *alumni.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		var req sqldb.PageRequest
		req.Page, _ = strconv.Atoi(c.Query("page"))
		req.PageSize, _ = strconv.Atoi(c.Query("page_size"))
		out, err := svc.Claims(c.Request.Context(), currentActor(c), req)
		respond(c, http.StatusOK, out, err)
	}
}

func handleCreateAlumnus(svc *alumni.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		var in alumni.Input
		if !decode(c, &in) {
			return
		}
		rec, err := svc.Create(c.Request.Context(), currentActor(c), in)
		respond(c, http.StatusCreated, rec, err)
	}
}

func handleGetAlumnus(svc *alumni.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := pathID(c)
		if !ok {
			return
		}
		rec, err := svc.Get(c.Request.Context(), id)
		respond(c, http.StatusOK, rec, err)
	}
}

// handleUpdateAlumnus is the staff edit of an alumnus at the version read: the record's fields;
// a name, ID number or phone other than the person's is refused (identity is never changed here).
func handleUpdateAlumnus(svc *alumni.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := pathID(c)
		if !ok {
			return
		}
		var in struct {
			alumni.Input
			Version int `json:"version"`
		}
		if !decode(c, &in) {
			return
		}
		rec, err := svc.Update(c.Request.Context(), currentActor(c), id, in.Version, in.Input)
		respond(c, http.StatusOK, rec, err)
	}
}

func handleReviewAlumnus(svc *alumni.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := pathID(c)
		if !ok {
			return
		}
		var in alumni.Review
		if !decode(c, &in) {
			return
		}
		rec, err := svc.Review(c.Request.Context(), currentActor(c), id, in)
		respond(c, http.StatusOK, rec, err)
	}
}

func handleGradeAlumnus(svc *alumni.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := pathID(c)
		if !ok {
			return
		}
		var in struct {
			Grade   string `json:"grade"`
			Version int    `json:"version"`
		}
		if !decode(c, &in) {
			return
		}
		rec, err := svc.SetGrade(c.Request.Context(), currentActor(c), id, in.Grade, in.Version)
		respond(c, http.StatusOK, rec, err)
	}
}

func handleAlumniGrades(svc *alumni.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		list, err := svc.Grades(c.Request.Context())
		respond(c, http.StatusOK, itemsResponse[alumni.Grade]{Items: list}, err)
	}
}

func handleAdminSchools(svc *alumni.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		list, err := svc.Schools(c.Request.Context(), false)
		respond(c, http.StatusOK, itemsResponse[alumni.School]{Items: list}, err)
	}
}

func handleCreateSchool(svc *alumni.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		var in alumni.SchoolInput
		if !decode(c, &in) {
			return
		}
		sc, err := svc.CreateSchool(c.Request.Context(), currentActor(c), in)
		respond(c, http.StatusCreated, sc, err)
	}
}

func handleUpdateSchool(svc *alumni.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		var in alumni.SchoolInput
		if !decode(c, &in) {
			return
		}
		sc, err := svc.UpdateSchool(c.Request.Context(), currentActor(c), c.Param("code"), in)
		respond(c, http.StatusOK, sc, err)
	}
}

func handleCreateEvent(svc *alumni.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		var in alumni.EventInput
		if !decode(c, &in) {
			return
		}
		ev, err := svc.CreateEvent(c.Request.Context(), currentActor(c), in)
		respond(c, http.StatusCreated, ev, err)
	}
}

func handleAdminEvents(svc *alumni.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		list, err := svc.Events(c.Request.Context())
		respond(c, http.StatusOK, itemsResponse[alumni.Event]{Items: list}, err)
	}
}

func handleAdminEvent(svc *alumni.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := pathID(c)
		if !ok {
			return
		}
		ev, err := svc.Event(c.Request.Context(), id)
		respond(c, http.StatusOK, ev, err)
	}
}
