package httpapi

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"huixiang/internal/merchant"
)

// The merchant and talent database (楚商人才信息库): staff list, enter, edit and reveal merchants
// and read the update rate; a signed-in user reads, saves and confirms their own record.

// handleMerchants: GET /admin/api/v1/merchants?industry=&province=&city=&township=&field=&amount_band=&page=&page_size=.
func handleMerchants(svc *merchant.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		f := merchant.Filter{Industry: c.Query("industry"), Province: c.Query("province"), City: c.Query("city"),
			Township: c.Query("township"), Field: c.Query("field"), AmountBand: c.Query("amount_band")}
		page, err := svc.List(c.Request.Context(), currentActor(c), f, pageOf(c))
		respond(c, http.StatusOK, page, err)
	}
}

// handleCreateMerchant: POST /admin/api/v1/merchants → 201.
func handleCreateMerchant(svc *merchant.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		var in merchant.Input
		if !decode(c, &in) {
			return
		}
		rec, err := svc.Create(c.Request.Context(), currentActor(c), in)
		respond(c, http.StatusCreated, rec, err)
	}
}

// handleMerchant: GET /admin/api/v1/merchants/:id (ID number and phone masked).
func handleMerchant(svc *merchant.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := pathID(c)
		if !ok {
			return
		}
		rec, err := svc.Get(c.Request.Context(), currentActor(c), id)
		respond(c, http.StatusOK, rec, err)
	}
}

// handlePatchMerchant: PATCH /admin/api/v1/merchants/:id merges the body over the record;
// "version" must be the version read (409 STALE_VERSION otherwise).
func handlePatchMerchant(svc *merchant.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := pathID(c)
		if !ok {
			return
		}
		version, merge, ok := versionedMerge(c)
		if !ok {
			return
		}
		rec, err := svc.Patch(c.Request.Context(), currentActor(c), id, version, func(in *merchant.Input) error { return merge(in) })
		respond(c, http.StatusOK, rec, err)
	}
}

// handleRevealMerchant: POST /admin/api/v1/merchants/:id/reveal {"reason"}, audited.
func handleRevealMerchant(svc *merchant.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := pathID(c)
		if !ok {
			return
		}
		var req revealRequest
		if !decode(c, &req) {
			return
		}
		v, err := svc.Reveal(c.Request.Context(), currentActor(c), id, req.Reason)
		if err != nil {
			respondError(c, err)
			return
		}
		c.Header("Cache-Control", "no-store")
		c.JSON(http.StatusOK, v)
	}
}

// handleMerchantFreshness: GET /admin/api/v1/merchants/freshness?days=.
func handleMerchantFreshness(svc *merchant.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		days, _ := strconv.Atoi(c.Query("days"))
		rep, err := svc.Freshness(c.Request.Context(), currentActor(c), days)
		respond(c, http.StatusOK, rep, err)
	}
}

// handleMyMerchant: GET /api/v1/me/merchant (404 NOT_REGISTERED when there is none).
func handleMyMerchant(svc *merchant.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		rec, err := svc.Mine(c.Request.Context(), currentSession(c).SubjectID)
		respond(c, http.StatusOK, mineOf(svc, rec), err)
	}
}

// handlePutMyMerchant: PUT /api/v1/me/merchant creates or updates the caller's own record.
func handlePutMyMerchant(svc *merchant.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		var in merchant.Input
		if !decode(c, &in) {
			return
		}
		rec, err := svc.SaveMine(c.Request.Context(), currentSession(c).SubjectID, in)
		respond(c, http.StatusOK, mineOf(svc, rec), err)
	}
}

// handleConfirmMyMerchant: POST /api/v1/me/merchant/confirm, the record is still true.
func handleConfirmMyMerchant(svc *merchant.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		rec, err := svc.ConfirmMine(c.Request.Context(), currentSession(c).SubjectID)
		respond(c, http.StatusOK, mineOf(svc, rec), err)
	}
}

// myMerchant is the caller's own record with its update-rate window, so the mini program can say
// how long the record stays valid and, once stale, since when it has not been confirmed.
type myMerchant struct {
	merchant.Record
	// FreshDays is the window in days (180 unless configured).
	FreshDays int `json:"fresh_days"`
	// ConfirmDueOn is the Beijing date the record stays fresh until (confirmed_at + fresh_days).
	ConfirmDueOn string `json:"confirm_due_on"`
}

func mineOf(svc *merchant.Service, rec merchant.Record) myMerchant {
	return myMerchant{Record: rec, FreshDays: svc.FreshDays(), ConfirmDueOn: svc.ConfirmDueOn(rec.ConfirmedAt)}
}

func classifyMerchant(err error) *apiError {
	var fe *merchant.FieldError
	var filter *merchant.FilterError
	switch {
	case errors.As(err, &fe):
		return &apiError{Status: http.StatusUnprocessableEntity, Code: "VALIDATION_FAILED", Message: fe.Message, Field: fe.Field}
	case errors.As(err, &filter):
		return badQuery(filter.Field, filter.Message)
	case errors.Is(err, merchant.ErrNotFound):
		return errNotFound
	case errors.Is(err, merchant.ErrNotRegistered):
		return &apiError{Status: http.StatusNotFound, Code: "NOT_REGISTERED", Message: "您还没有登记楚商信息"}
	case errors.Is(err, merchant.ErrExists):
		return &apiError{Status: http.StatusConflict, Code: "MERCHANT_EXISTS", Message: "该人员已在楚商人才信息库中，请打开他的记录修改", Field: "id_card"}
	case errors.Is(err, merchant.ErrStaleVersion):
		return &apiError{Status: http.StatusConflict, Code: "STALE_VERSION", Message: "记录已被他人修改，请刷新后再保存", Field: "version"}
	case errors.Is(err, merchant.ErrForbidden):
		return errForbidden
	case errors.Is(err, merchant.ErrOutOfScope):
		return &apiError{Status: http.StatusForbidden, Code: "FORBIDDEN", Message: "只能登记或修改籍贯为本乡镇（街道）的楚商", Field: "township_code"}
	case errors.Is(err, merchant.ErrPhoneNotBound):
		return &apiError{Status: http.StatusUnprocessableEntity, Code: "PHONE_NOT_BOUND", Message: "请先绑定手机号再登记", Field: "phone"}
	case errors.Is(err, merchant.ErrUSCCTaken):
		return &apiError{Status: http.StatusConflict, Code: "USCC_TAKEN", Message: "统一社会信用代码已登记在其他楚商名下，请核对", Field: "enterprises"}
	}
	return nil
}
