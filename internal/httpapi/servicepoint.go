package httpapi

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"huixiang/internal/servicepoint"
)

type servicePointList struct {
	Items []servicepoint.Point `json:"items"`
	Kinds []servicepoint.Label `json:"kinds"`
	Level []servicepoint.Label `json:"levels"`
}

// handleServicePoints: GET /api/v1/service-points?kind=&township=&lat=&lng= (GCJ-02; with a
// position, the nearest first and each with distance_m). Also GET /admin/api/v1/service-points.
func handleServicePoints(svc *servicepoint.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		q := servicepoint.Query{Kind: c.Query("kind"), Township: c.Query("township")}
		if c.Query("lat") != "" || c.Query("lng") != "" {
			lat, err1 := strconv.ParseFloat(c.Query("lat"), 64)
			lng, err2 := strconv.ParseFloat(c.Query("lng"), 64)
			if err1 != nil || err2 != nil || lat < -90 || lat > 90 || lng < -180 || lng > 180 {
				respondError(c, &apiError{Status: http.StatusBadRequest, Code: "VALIDATION_FAILED", Message: "位置的经纬度不正确", Field: "lat"})
				return
			}
			q.From = &servicepoint.LatLng{Lat: lat, Lng: lng}
		}
		list, err := svc.List(c.Request.Context(), q)
		respond(c, http.StatusOK, servicePointList{Items: list, Kinds: servicepoint.Kinds, Level: servicepoint.Levels}, err)
	}
}

// handleServicePoint: GET /admin/api/v1/service-points/:id.
func handleServicePoint(svc *servicepoint.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := pathID(c)
		if !ok {
			return
		}
		p, err := svc.Get(c.Request.Context(), id)
		respond(c, http.StatusOK, p, err)
	}
}

// handleCreateServicePoint: POST /admin/api/v1/service-points → 201.
func handleCreateServicePoint(svc *servicepoint.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		var in servicepoint.Input
		if !decode(c, &in) {
			return
		}
		p, err := svc.Create(c.Request.Context(), in)
		respond(c, http.StatusCreated, p, err)
	}
}

// handleUpdateServicePoint: PATCH /admin/api/v1/service-points/:id, the whole point and the
// version it was read at (409 STALE_VERSION).
func handleUpdateServicePoint(svc *servicepoint.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := pathID(c)
		if !ok {
			return
		}
		var in struct {
			Version int `json:"version"`
			servicepoint.Input
		}
		if !decode(c, &in) {
			return
		}
		p, err := svc.Update(c.Request.Context(), id, in.Version, in.Input)
		respond(c, http.StatusOK, p, err)
	}
}

// handleRemoveServicePoint: DELETE /admin/api/v1/service-points/:id → 204 (kept inactive).
func handleRemoveServicePoint(svc *servicepoint.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := pathID(c)
		if !ok {
			return
		}
		if err := svc.Remove(c.Request.Context(), id); err != nil {
			respondError(c, err)
			return
		}
		c.Status(http.StatusNoContent)
	}
}

func classifyServicePoint(err error) *apiError {
	var fe *servicepoint.FieldError
	switch {
	case errors.As(err, &fe):
		return &apiError{Status: http.StatusUnprocessableEntity, Code: "VALIDATION_FAILED", Message: fe.Message, Field: fe.Field}
	case errors.Is(err, servicepoint.ErrNotFound):
		return errNotFound
	case errors.Is(err, servicepoint.ErrStaleVersion):
		return &apiError{Status: http.StatusConflict, Code: "STALE_VERSION", Message: "网点信息已被他人修改，请刷新后再保存", Field: "version"}
	}
	return nil
}
