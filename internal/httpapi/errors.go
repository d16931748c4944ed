package httpapi

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"syscall"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/redis/go-redis/v9"

	"huixiang/internal/account"
	"huixiang/internal/session"
	"huixiang/internal/sqldb"
	"huixiang/internal/staff"
	"huixiang/internal/wechat"
)

// apiError is the one error shape every endpoint answers with:
// {"error":{"code":"SESSION_EXPIRED","message":"登录已过期，请重新登录"}}.
type apiError struct {
	Status  int
	Code    string
	Message string
	// RetryAfter, when set, becomes the Retry-After header.
	RetryAfter time.Duration
	// Field, when set, names the request field at fault (JSON name), so forms can point at it.
	Field string
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

type errorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Field   string `json:"field,omitempty"`
	} `json:"error"`
}

// Errors the HTTP layer itself raises.
var (
	errBadJSON      = &apiError{Status: http.StatusBadRequest, Code: "BAD_REQUEST", Message: "请求格式不正确"}
	errTooLarge     = &apiError{Status: http.StatusRequestEntityTooLarge, Code: "BODY_TOO_LARGE", Message: "请求内容过大"}
	errNoSession    = &apiError{Status: http.StatusUnauthorized, Code: "SESSION_EXPIRED", Message: "登录已过期，请重新登录"}
	errForbidden    = &apiError{Status: http.StatusForbidden, Code: "FORBIDDEN", Message: "没有权限执行此操作"}
	errNotFound     = &apiError{Status: http.StatusNotFound, Code: "NOT_FOUND", Message: "请求的资源不存在"}
	errInternal     = &apiError{Status: http.StatusInternalServerError, Code: "INTERNAL", Message: "服务器内部错误，请稍后重试"}
	errDependency   = &apiError{Status: http.StatusServiceUnavailable, Code: "DEPENDENCY_UNAVAILABLE", Message: "服务暂时不可用，请稍后重试", RetryAfter: 5 * time.Second}
	errWeChatDown   = &apiError{Status: http.StatusServiceUnavailable, Code: "WECHAT_UNAVAILABLE", Message: "微信服务暂时不可用，请稍后重试", RetryAfter: 10 * time.Second}
	errWeChatCode   = &apiError{Status: http.StatusUnauthorized, Code: "WECHAT_CODE_INVALID", Message: "微信登录凭证无效或已使用，请重新登录"}
	errWeChatPhone  = &apiError{Status: http.StatusUnprocessableEntity, Code: "WECHAT_CODE_INVALID", Message: "手机号授权已失效，请重新授权"}
	errCredentials  = &apiError{Status: http.StatusUnauthorized, Code: "INVALID_CREDENTIALS", Message: "用户名或密码错误"}
	errUsernameUsed = &apiError{Status: http.StatusConflict, Code: "USERNAME_TAKEN", Message: "用户名已被使用"}
)

func validationError(msg string) *apiError {
	return &apiError{Status: http.StatusUnprocessableEntity, Code: "VALIDATION_FAILED", Message: msg}
}

// chinaTime shows times to users in Asia/Shanghai (UTC+8 all year; no zone database needed).
var chinaTime = time.FixedZone("CST", 8*3600)

// classify maps a returned error to what the client sees. It is the one place that knows which
// sentinel means which status.
func classify(err error) *apiError {
	var ae *apiError
	var locked *staff.LockedError
	var maxBytes *http.MaxBytesError
	switch {
	case errors.As(err, &ae):
		return ae
	case errors.As(err, &maxBytes):
		return errTooLarge
	case errors.Is(err, session.ErrExpired):
		return errNoSession
	case errors.Is(err, wechat.ErrCodeInvalid):
		return errWeChatCode
	case errors.Is(err, wechat.ErrUnavailable):
		return errWeChatDown
	case errors.Is(err, account.ErrNotFound), errors.Is(err, staff.ErrNotFound):
		return errNotFound
	case errors.Is(err, staff.ErrInvalidCredentials):
		return errCredentials
	case errors.As(err, &locked):
		until := locked.Until.In(chinaTime).Format("15:04")
		return &apiError{Status: http.StatusLocked, Code: "ACCOUNT_LOCKED",
			Message: fmt.Sprintf("登录失败次数过多，账号已锁定，请于 %s 后再试", until), RetryAfter: time.Until(locked.Until)}
	case errors.Is(err, staff.ErrUsernameTaken):
		return errUsernameUsed
	case errors.Is(err, staff.ErrWeakPassword):
		return &apiError{Status: http.StatusUnprocessableEntity, Code: "WEAK_PASSWORD", Message: "密码至少 10 位，且须同时包含字母和数字"}
	case errors.Is(err, staff.ErrInvalid):
		return validationError("账号信息不完整或格式不正确")
	case dependencyDown(err):
		return errDependency
	}
	return errInternal
}

// dependencyDown reports whether err means MySQL or Redis could not be reached, timed out or
// broke the connection: the request may succeed later, so the answer is 503, not 500.
func dependencyDown(err error) bool {
	var netErr net.Error
	return errors.As(err, &netErr) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, driver.ErrBadConn) || sqldb.IsUnavailable(err) ||
		errors.Is(err, redis.ErrPoolTimeout) || errors.Is(err, redis.ErrClosed) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, context.DeadlineExceeded)
}

// respondError writes the error envelope. 5xx answers are logged here, once, with the cause.
func respondError(c *gin.Context, err error) {
	ae := classify(err)
	if ae.Status >= 500 {
		level := slog.LevelError
		if ae.Status == http.StatusServiceUnavailable {
			level = slog.LevelWarn
		}
		logger(c).Log(c.Request.Context(), level, "request failed", "status", ae.Status, "code", ae.Code, "error", err.Error())
	}
	if ae.RetryAfter > 0 {
		c.Header("Retry-After", strconv.Itoa(int(max(ae.RetryAfter.Round(time.Second), time.Second)/time.Second)))
	}
	var body errorBody
	body.Error.Code, body.Error.Message, body.Error.Field = ae.Code, ae.Message, ae.Field
	c.AbortWithStatusJSON(ae.Status, body)
}
