package httpapi

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"huixiang/internal/account"
	"huixiang/internal/actor"
	"huixiang/internal/session"
	"huixiang/internal/staff"
	"huixiang/internal/wechat"
)

type loginRequest struct {
	Code string `json:"code"`
}

type userLoginResponse struct {
	Token     string       `json:"token"`
	ExpiresIn int          `json:"expires_in"`
	User      account.User `json:"user"`
}

func handleUserLogin(acc *account.Service, sessions *session.Store) gin.HandlerFunc {
	return func(c *gin.Context) {
		var req loginRequest
		if !decode(c, &req) {
			return
		}
		if req.Code == "" {
			respondError(c, validationError("缺少微信登录凭证 code"))
			return
		}
		ctx := c.Request.Context()
		u, err := acc.Login(ctx, req.Code)
		if err != nil {
			respondError(c, err)
			return
		}
		token, ttl, err := sessions.Create(ctx, session.KindUser, u.ID, nil)
		if err != nil {
			respondError(c, err)
			return
		}
		c.JSON(http.StatusOK, userLoginResponse{Token: token, ExpiresIn: int(ttl.Seconds()), User: u})
	}
}

func handleLogout(sessions *session.Store, kind session.Kind) gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := sessions.Delete(c.Request.Context(), kind, bearer(c)); err != nil {
			respondError(c, err)
			return
		}
		c.Status(http.StatusNoContent)
	}
}

func handleUserMe(acc *account.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		u, err := acc.Get(c.Request.Context(), currentSession(c).SubjectID)
		if err != nil {
			respondError(c, err)
			return
		}
		c.JSON(http.StatusOK, u)
	}
}

type phoneResponse struct {
	Phone string `json:"phone"`
}

func handleBindPhone(acc *account.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		var req loginRequest
		if !decode(c, &req) {
			return
		}
		if req.Code == "" {
			respondError(c, validationError("缺少手机号授权 code"))
			return
		}
		phone, err := acc.BindPhone(c.Request.Context(), currentSession(c).SubjectID, req.Code)
		if err != nil {
			if errorsIsCode(err) {
				err = errWeChatPhone
			}
			respondError(c, err)
			return
		}
		c.JSON(http.StatusOK, phoneResponse{Phone: phone})
	}
}

// errorsIsCode: a bad phone code is not a sign-in failure, so it must not answer 401 (which
// would make the mini program sign in again).
func errorsIsCode(err error) bool { return errors.Is(err, wechat.ErrCodeInvalid) }

type staffLoginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

type staffLoginResponse struct {
	Token     string      `json:"token"`
	ExpiresIn int         `json:"expires_in"`
	Staff     staff.Staff `json:"staff"`
}

func handleStaffLogin(svc *staff.Service, sessions *session.Store) gin.HandlerFunc {
	return func(c *gin.Context) {
		var req staffLoginRequest
		if !decode(c, &req) {
			return
		}
		if req.Username == "" || req.Password == "" || len(req.Username) > 64 || len(req.Password) > 256 {
			respondError(c, errCredentials)
			return
		}
		ctx := c.Request.Context()
		st, err := svc.Login(ctx, req.Username, req.Password, c.ClientIP())
		if err != nil {
			respondError(c, err)
			return
		}
		token, ttl, err := sessions.Create(ctx, session.KindStaff, st.ID, staff.SessionAttrs(st))
		if err != nil {
			respondError(c, err)
			return
		}
		c.JSON(http.StatusOK, staffLoginResponse{Token: token, ExpiresIn: int(ttl.Seconds()), Staff: st})
	}
}

var passwordChangeRoutes = map[string]bool{
	"/admin/api/v1/me": true, "/admin/api/v1/me/password": true, "/admin/api/v1/auth/logout": true,
}

func handleStaffMe(svc *staff.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		st, err := svc.Get(c.Request.Context(), currentSession(c).SubjectID)
		if err != nil {
			respondError(c, err)
			return
		}
		c.JSON(http.StatusOK, st)
	}
}

type staffCreateRequest struct {
	Username     string     `json:"username"`
	DisplayName  string     `json:"display_name"`
	Password     string     `json:"password"`
	Role         actor.Role `json:"role"`
	Department   string     `json:"department"`
	TownshipCode string     `json:"township_code"`
}

func handleStaffCreate(svc *staff.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		var req staffCreateRequest
		if !decode(c, &req) {
			return
		}
		st, err := svc.Create(c.Request.Context(), currentActor(c), staff.NewAccount(req))
		if err != nil {
			respondError(c, err)
			return
		}
		c.JSON(http.StatusCreated, st)
	}
}

type revokeResponse struct {
	Revoked int `json:"revoked"`
}

func handleStaffRevoke(svc *staff.Service, sessions *session.Store) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := staffID(c)
		if !ok {
			return
		}
		n, err := svc.EndSessions(c.Request.Context(), currentActor(c), id, endStaffSessions(sessions))
		if err != nil {
			respondError(c, err)
			return
		}
		c.JSON(http.StatusOK, revokeResponse{Revoked: n})
	}
}

type passwordChangeRequest struct {
	OldPassword string `json:"old_password"`
	NewPassword string `json:"new_password"`
}

// handleChangeMyPassword changes the caller's password; the caller's other sessions end, this
// one stays (and may use the whole console again after a reset).
func handleChangeMyPassword(svc *staff.Service, sessions *session.Store) gin.HandlerFunc {
	return func(c *gin.Context) {
		var req passwordChangeRequest
		if !decode(c, &req) {
			return
		}
		if req.OldPassword == "" || req.NewPassword == "" || len(req.OldPassword) > 256 || len(req.NewPassword) > 512 {
			respondError(c, validationError("请填写原密码和新密码"))
			return
		}
		ctx := c.Request.Context()
		id := currentSession(c).SubjectID
		if err := svc.ChangePassword(ctx, currentActor(c), id, req.OldPassword, req.NewPassword); err != nil {
			respondError(c, err)
			return
		}
		if _, err := sessions.RevokeOthers(ctx, session.KindStaff, id, bearer(c)); err != nil {
			respondError(c, err)
			return
		}
		if err := sessions.SetAttr(ctx, session.KindStaff, bearer(c), staff.AttrMustChangePassword, ""); err != nil {
			respondError(c, err)
			return
		}
		c.Status(http.StatusNoContent)
	}
}

func handleStaffList(svc *staff.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		list, err := svc.List(c.Request.Context())
		respond(c, http.StatusOK, itemsResponse[staff.Staff]{Items: list}, err)
	}
}

type staffPatchRequest struct {
	DisplayName  *string     `json:"display_name"`
	Role         *actor.Role `json:"role"`
	Department   *string     `json:"department"`
	TownshipCode *string     `json:"township_code"`
	Disabled     *bool       `json:"disabled"`
}

func staffID(c *gin.Context) (int64, bool) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		respondError(c, errNotFound)
		return 0, false
	}
	return id, true
}

// endStaffSessions ends every session of a staff account: they carry the old role, scope or
// password (the staff service decides when, and audits it).
func endStaffSessions(sessions *session.Store) staff.EndAll {
	return func(ctx context.Context, id int64) (int, error) {
		return sessions.RevokeAll(ctx, session.KindStaff, id)
	}
}

// handleStaffPatch changes an account's role, department, township, name or disabled flag; a
// change of scope ends the account's sessions at once.
func handleStaffPatch(svc *staff.Service, sessions *session.Store) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := staffID(c)
		if !ok {
			return
		}
		var req staffPatchRequest
		if !decode(c, &req) {
			return
		}
		// Should Redis fail while the sessions end, the change stands and the answer is 503;
		// repeating the request finishes the job (see staff.UpdateEndingSessions).
		st, err := svc.UpdateEndingSessions(c.Request.Context(), currentActor(c), id, staff.Patch(req), endStaffSessions(sessions))
		respond(c, http.StatusOK, st, err)
	}
}

type resetPasswordResponse struct {
	Password string `json:"password"`
	// OneTimePassword repeats Password under the name the console shows it by.
	OneTimePassword    string `json:"one_time_password"`
	MustChangePassword bool   `json:"must_change_password"`
}

// handleStaffResetPassword gives an account a one-time password (shown once) and ends its
// sessions.
func handleStaffResetPassword(svc *staff.Service, sessions *session.Store) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := staffID(c)
		if !ok {
			return
		}
		pw, err := svc.ResetPasswordEndingSessions(c.Request.Context(), currentActor(c), id, endStaffSessions(sessions))
		c.Header("Cache-Control", "no-store")
		respond(c, http.StatusOK, resetPasswordResponse{Password: pw, OneTimePassword: pw, MustChangePassword: true}, err)
	}
}

func handleStaffUnlock(svc *staff.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := staffID(c)
		if !ok {
			return
		}
		if err := svc.Unlock(c.Request.Context(), currentActor(c), id); err != nil {
			respondError(c, err)
			return
		}
		c.Status(http.StatusNoContent)
	}
}
