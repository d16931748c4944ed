package httpapi

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"huixiang/internal/points"
	"huixiang/internal/sqldb"
)

// expiringWindow is how far ahead GET /me/points looks for points about to expire.
const expiringWindow = 90 * 24 * time.Hour

// myPerson is the person behind the signed-in user; a user who never registered gets 404
// NOT_REGISTERED.
func myPerson(c *gin.Context, svc *points.Service) (int64, bool) {
	id, err := svc.PersonForUser(c.Request.Context(), currentSession(c).SubjectID)
	if err != nil {
		respondError(c, err)
		return 0, false
	}
	return id, true
}

// withPerson runs fn for the signed-in user's person and answers 200 with what it returns.
func withPerson[T any](svc *points.Service, fn func(c *gin.Context, ctx context.Context, personID int64) (T, error)) gin.HandlerFunc {
	return func(c *gin.Context) {
		pid, ok := myPerson(c, svc)
		if !ok {
			return
		}
		out, err := fn(c, c.Request.Context(), pid)
		if err != nil {
			respondError(c, err)
			return
		}
		c.JSON(http.StatusOK, out)
	}
}

func handleMyPoints(svc *points.Service) gin.HandlerFunc {
	return withPerson(svc, func(_ *gin.Context, ctx context.Context, pid int64) (points.Summary, error) {
		return svc.Summary(ctx, pid, expiringWindow)
	})
}

func handleMyPointEntries(svc *points.Service) gin.HandlerFunc {
	return withPerson(svc, func(c *gin.Context, ctx context.Context, pid int64) (sqldb.Page[points.Entry], error) {
		page, _ := strconv.Atoi(c.Query("page"))
		size, _ := strconv.Atoi(c.Query("page_size"))
		return svc.Entries(ctx, pid, sqldb.PageRequest{Page: page, PageSize: size})
	})
}

func handleMyVouchers(svc *points.Service) gin.HandlerFunc {
	return withPerson(svc, func(_ *gin.Context, ctx context.Context, pid int64) (itemsResponse[points.Voucher], error) {
		items, err := svc.MyVouchers(ctx, pid)
		return itemsResponse[points.Voucher]{Items: items}, err
	})
}

func handlePerks(svc *points.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		items, err := svc.Perks(c.Request.Context())
		if err != nil {
			respondError(c, err)
			return
		}
		c.JSON(http.StatusOK, itemsResponse[points.Perk]{Items: items})
	}
}

// handleRedeem redeems a perk. The Idempotency-Key header is required: a retry with the same key
// returns the same voucher (Idempotent-Replayed: true); the same key for another perk is 422.
func handleRedeem(svc *points.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := pathID(c)
		if !ok {
			return
		}
		pid, ok := myPerson(c, svc)
		if !ok {
			return
		}
		v, replayed, err := svc.Redeem(c.Request.Context(), pid, id, c.GetHeader("Idempotency-Key"))
		if err != nil {
			respondError(c, err)
			return
		}
		if replayed {
			c.Header("Idempotent-Replayed", "true")
		}
		c.JSON(http.StatusCreated, v)
	}
}

func handleCancelVoucher(svc *points.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := pathID(c)
		if !ok {
			return
		}
		pid, ok := myPerson(c, svc)
		if !ok {
			return
		}
		v, err := svc.CancelVoucher(c.Request.Context(), pid, id)
		if err != nil {
			respondError(c, err)
			return
		}
		c.JSON(http.StatusOK, v)
	}
}

func handlePointsRules(svc *points.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		items, err := svc.Rules(c.Request.Context())
		if err != nil {
			respondError(c, err)
			return
		}
		c.JSON(http.StatusOK, itemsResponse[points.Rule]{Items: items})
	}
}

func handlePointsGrant(svc *points.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		var in points.GrantInput
		if !decode(c, &in) {
			return
		}
		e, err := svc.Grant(c.Request.Context(), currentActor(c), in)
		if err != nil {
			respondError(c, err)
			return
		}
		c.JSON(http.StatusCreated, e)
	}
}

func handlePointsReverse(svc *points.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := pathID(c)
		if !ok {
			return
		}
		var req struct {
			Reason string `json:"reason"`
		}
		if !decode(c, &req) {
			return
		}
		e, err := svc.Reverse(c.Request.Context(), currentActor(c), id, req.Reason)
		if err != nil {
			respondError(c, err)
			return
		}
		c.JSON(http.StatusCreated, e)
	}
}

func handleVoucherVerify(svc *points.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		var req struct {
			Code string `json:"code"`
		}
		if !decode(c, &req) {
			return
		}
		v, err := svc.Verify(c.Request.Context(), currentActor(c), req.Code)
		if err != nil {
			respondError(c, err)
			return
		}
		c.JSON(http.StatusOK, v)
	}
}

func handleAdminPerks(svc *points.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		items, err := svc.AllPerks(c.Request.Context(), currentActor(c))
		if err != nil {
			respondError(c, err)
			return
		}
		c.JSON(http.StatusOK, itemsResponse[points.Perk]{Items: items})
	}
}

func handleCreatePerk(svc *points.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		var in points.PerkInput
		if !decode(c, &in) {
			return
		}
		p, err := svc.CreatePerk(c.Request.Context(), currentActor(c), in)
		if err != nil {
			respondError(c, err)
			return
		}
		c.JSON(http.StatusCreated, p)
	}
}

func handleUpdatePerk(svc *points.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := pathID(c)
		if !ok {
			return
		}
		var in points.PerkInput
		if !decode(c, &in) {
			return
		}
		p, err := svc.UpdatePerk(c.Request.Context(), currentActor(c), id, in)
		if err != nil {
			respondError(c, err)
			return
		}
		c.JSON(http.StatusOK, p)
	}
}

func handlePointsStats(svc *points.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		months, _ := strconv.Atoi(c.DefaultQuery("months", "12"))
		st, err := svc.Stats(c.Request.Context(), months)
		if err != nil {
			respondError(c, err)
			return
		}
		c.JSON(http.StatusOK, st)
	}
}
