package httpapi

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"huixiang/internal/account"
)

// handlePrivacyConsent records that the user accepted a version of the privacy policy
// (POST /api/v1/me/privacy-consent {"version": "..."}): 204, or 422 PRIVACY_VERSION_UNKNOWN
// for any version but the current one.
func handlePrivacyConsent(acc *account.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		var req struct {
			Version string `json:"version"`
		}
		if !decode(c, &req) {
			return
		}
		if err := acc.AcceptPrivacy(c.Request.Context(), currentSession(c).SubjectID, req.Version); err != nil {
			respondError(c, err)
			return
		}
		c.Status(http.StatusNoContent)
	}
}
