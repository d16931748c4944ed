package httpapi

import (
	"errors"
	"net/http"

	"huixiang/internal/alumni"
	"huixiang/internal/privacy"
)

// classifyMiniProgram maps the errors of privacy consent and event sign-up.
func classifyMiniProgram(err error) *apiError {
	switch {
	case errors.Is(err, privacy.ErrConsentRequired):
		return &apiError{Status: http.StatusUnprocessableEntity, Code: "PRIVACY_CONSENT_REQUIRED",
			Message: "请先阅读并同意《隐私政策》，再填写身份证号码或银行账号"}
	case errors.Is(err, privacy.ErrVersionUnknown):
		return &apiError{Status: http.StatusUnprocessableEntity, Code: "PRIVACY_VERSION_UNKNOWN",
			Message: "隐私政策已更新，请重新打开小程序，阅读新的《隐私政策》后再同意", Field: "version"}
	case errors.Is(err, alumni.ErrEventFull):
		return &apiError{Status: http.StatusConflict, Code: "EVENT_FULL", Message: "名额已满"}
	case errors.Is(err, alumni.ErrSignupClosed):
		return &apiError{Status: http.StatusConflict, Code: "SIGNUP_CLOSED", Message: "活动已经开始或结束，不能再报名或取消报名"}
	case errors.Is(err, alumni.ErrCodeRefused):
		return &apiError{Status: http.StatusBadGateway, Code: "WXACODE_REFUSED", Message: "微信暂时无法生成小程序码，请稍后重试，或先用下方的普通二维码"}
	}
	return nil
}
