package httpapi

import (
	"errors"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"huixiang/internal/notify"
	"huixiang/internal/wechat"
)

// WeChat's message push (消息推送) arrives here: the mini program's subscribe-message events at
// /wechat/callback and the official account's follow events at /wechat/oa/callback. Both
// verify WeChat's signature (and decrypt in 安全模式) through the SDK, answer "success" once the
// event is recorded, and answer 503 when it could not be, so that WeChat pushes it again.

var (
	errCallbackOff       = &apiError{Status: http.StatusNotFound, Code: "CALLBACK_NOT_CONFIGURED", Message: "未配置微信消息推送"}
	errCallbackSignature = &apiError{Status: http.StatusUnauthorized, Code: "SIGNATURE_INVALID", Message: "微信消息签名校验失败"}
	errCallbackBody      = &apiError{Status: http.StatusBadRequest, Code: "CALLBACK_INVALID", Message: "无法解析微信推送的消息"}
	errCallbackRetry     = &apiError{Status: http.StatusServiceUnavailable, Code: "CALLBACK_NOT_RECORDED", Message: "消息未能记录，请微信稍后重试"}
)

func classifyCallback(c *gin.Context, err error) {
	switch {
	case errors.Is(err, wechat.ErrSignature):
		respondError(c, errCallbackSignature)
	case errors.Is(err, wechat.ErrCallbackBody):
		respondError(c, errCallbackBody)
	default:
		logger(c).Warn("wechat callback not recorded", "error", wechat.Redact(err.Error()))
		respondError(c, errCallbackRetry)
	}
}

// handleMiniProgramCallback: GET (URL verification) and POST (events) /wechat/callback.
func handleMiniProgramCallback(keys wechat.CallbackKeys, svc *notify.Service) gin.HandlerFunc {
	push := wechat.NewMiniProgramPush(keys)
	return func(c *gin.Context) {
		if !push.On() {
			respondError(c, errCallbackOff)
			return
		}
		now := time.Now()
		if c.Request.Method == http.MethodGet {
			echo, err := push.VerifyURL(c.Request, now)
			if err != nil {
				classifyCallback(c, err)
				return
			}
			c.String(http.StatusOK, echo)
			return
		}
		ev, err := push.Parse(c.Request, now)
		if err != nil {
			classifyCallback(c, err)
			return
		}
		if err := svc.HandleMiniProgramEvent(c.Request.Context(), ev); err != nil {
			classifyCallback(c, err)
			return
		}
		c.String(http.StatusOK, "success")
	}
}

// handleOACallback: GET (URL verification) and POST (events) /wechat/oa/callback.
func handleOACallback(oa *wechat.OA, svc *notify.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		if oa == nil || oa.CallbackKeys().Token == "" {
			respondError(c, errCallbackOff)
			return
		}
		err := oa.ServeCallback(c.Writer, c.Request, time.Now(), func(ev wechat.OAEvent) error {
			return svc.HandleOAEvent(c.Request.Context(), ev, oa.UserInfo)
		})
		if err != nil {
			classifyCallback(c, err)
		}
	}
}
