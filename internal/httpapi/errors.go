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
	"strings"
	"syscall"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/redis/go-redis/v9"

	"huixiang/internal/account"
	"huixiang/internal/alumni"
	"huixiang/internal/application"
	"huixiang/internal/cn"
	"huixiang/internal/idempotency"
	"huixiang/internal/moderation"
	"huixiang/internal/notify"
	"huixiang/internal/person"
	"huixiang/internal/points"
	"huixiang/internal/ratelimit"
	"huixiang/internal/region"
	"huixiang/internal/returnee"
	"huixiang/internal/session"
	"huixiang/internal/sqldb"
	"huixiang/internal/staff"
	"huixiang/internal/survey"
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
	errBusy         = &apiError{Status: http.StatusServiceUnavailable, Code: "BUSY", Message: "当前办理人数较多，请稍后重试", RetryAfter: 2 * time.Second}
	errWeChatDown   = &apiError{Status: http.StatusServiceUnavailable, Code: "WECHAT_UNAVAILABLE", Message: "微信服务暂时不可用，请稍后重试", RetryAfter: 10 * time.Second}
	errWeChatCode   = &apiError{Status: http.StatusUnauthorized, Code: "WECHAT_CODE_INVALID", Message: "微信登录凭证无效或已使用，请重新登录"}
	errWeChatPhone  = &apiError{Status: http.StatusUnprocessableEntity, Code: "WECHAT_CODE_INVALID", Message: "手机号授权已失效，请重新授权"}
	errCredentials  = &apiError{Status: http.StatusUnauthorized, Code: "INVALID_CREDENTIALS", Message: "用户名或密码错误"}
	errUsernameUsed = &apiError{Status: http.StatusConflict, Code: "USERNAME_TAKEN", Message: "用户名已被使用"}
	// errPasswordChange: a session signed in with a one-time password may only change it.
	errPasswordChange = &apiError{Status: http.StatusForbidden, Code: "PASSWORD_CHANGE_REQUIRED", Message: "请先修改初始密码"}
)

func validationError(msg string) *apiError {
	return &apiError{Status: http.StatusUnprocessableEntity, Code: "VALIDATION_FAILED", Message: msg}
}

// badQuery is the 400 for a query parameter out of range or not of its form (paging, dates,
// filter codes); field names the parameter.
func badQuery(field, msg string) *apiError {
	return &apiError{Status: http.StatusBadRequest, Code: "VALIDATION_FAILED", Message: msg, Field: field}
}

// errBadValue is the safety net behind input validation: a value the database refused to compare
// or store (non-ASCII text against a code column) is the request's fault, never a 500.
var errBadValue = &apiError{Status: http.StatusBadRequest, Code: "VALIDATION_FAILED", Message: "请求参数格式不正确"}

// chinaTime is cn.Zone, the one Asia/Shanghai zone, in which times are shown to users.
var chinaTime = cn.Zone

// classify maps a returned error to what the client sees. It is the one place that knows which
// sentinel means which status.
func classify(err error) *apiError {
	var ae *apiError
	var locked *staff.LockedError
	var limited *ratelimit.LimitedError
	var weak *staff.WeakPasswordError
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
	case errors.As(err, &limited):
		return &apiError{Status: http.StatusTooManyRequests, Code: "RATE_LIMITED", Message: "操作过于频繁，请稍后再试", RetryAfter: limited.RetryAfter}
	case errors.As(err, &locked):
		// One wording for every lock (this address or the whole account, existing username or
		// not), with no clock time in it, so that the answer tells nothing apart.
		return &apiError{Status: http.StatusLocked, Code: "ACCOUNT_LOCKED", Message: "登录失败次数过多，已暂停登录，请稍后再试", RetryAfter: locked.RetryAfter}
	case errors.Is(err, staff.ErrBusy):
		return &apiError{Status: http.StatusServiceUnavailable, Code: "BUSY", Message: "系统繁忙，请稍后重试", RetryAfter: time.Second}
	case errors.Is(err, staff.ErrWrongPassword):
		return &apiError{Status: http.StatusUnprocessableEntity, Code: "WRONG_PASSWORD", Message: "原密码不正确", Field: "old_password"}
	case errors.Is(err, staff.ErrSelf):
		return &apiError{Status: http.StatusConflict, Code: "CANNOT_CHANGE_SELF", Message: "不能修改自己的角色，也不能停用自己的账号"}
	case errors.Is(err, staff.ErrUsernameTaken):
		return errUsernameUsed
	case errors.As(err, &weak):
		return weakPasswordError(weak)
	case errors.Is(err, staff.ErrInvalid):
		return validationError("账号信息不完整或格式不正确")
	}
	if ae := classifyApplication(err); ae != nil {
		return ae
	}
	if ae := classifyPoints(err); ae != nil {
		return ae
	}
	if ae := classifyMiniProgram(err); ae != nil {
		return ae
	}
	if ae := classifyAlumni(err); ae != nil {
		return ae
	}
	if ae := classifyRegistry(err); ae != nil {
		return ae
	}
	if ae := classifySurvey(err); ae != nil {
		return ae
	}
	if ae := classifyNotify(err); ae != nil {
		return ae
	}
	if ae := classifyUpload(err); ae != nil {
		return ae
	}
	if ae := classifyPolicy(err); ae != nil {
		return ae
	}
	if ae := classifyServicePoint(err); ae != nil {
		return ae
	}
	if ae := classifySelection(err); ae != nil {
		return ae
	}
	if ae := classifyNotice(err); ae != nil {
		return ae
	}
	if ae := classifyMentor(err); ae != nil {
		return ae
	}
	if ae := classifyConsultation(err); ae != nil {
		return ae
	}
	if ae := classifyTraining(err); ae != nil {
		return ae
	}
	if ae := classifyProject(err); ae != nil {
		return ae
	}
	if ae := classifyMerchant(err); ae != nil {
		return ae
	}
	if ae := classifyProjectTeam(err); ae != nil {
		return ae
	}
	if ae := classifyAppeal(err); ae != nil {
		return ae
	}
	if ae := classifyVisit(err); ae != nil {
		return ae
	}
	if ae := classifyMatch(err); ae != nil {
		return ae
	}
	if errors.Is(sqldb.Classify(err), sqldb.ErrBadValue) {
		return errBadValue
	}
	if busy(err) {
		return errBusy
	}
	if dependencyDown(err) {
		return errDependency
	}
	return errInternal
}

// busy reports whether err is a lost race the database gave up on (retries exhausted, or a
// deadlock or lock wait timeout that escaped them): trying again shortly may succeed, so the
// answer is 503 BUSY with Retry-After, never a 500 or a misleading 4xx.
func busy(err error) bool {
	return errors.Is(err, sqldb.ErrBusy) || errors.Is(sqldb.Classify(err), sqldb.ErrDeadlock)
}

// weakPasswordError says which rule of the password policy a password breaks.
func weakPasswordError(e *staff.WeakPasswordError) *apiError {
	msg := "密码至少 10 位，且须同时包含字母和数字"
	switch e.Reason {
	case staff.WeakLong:
		msg = "密码不能超过 128 位"
	case staff.WeakCommon:
		msg = "该密码过于常见，容易被猜中，请换一个"
	case staff.WeakUsername:
		msg = "密码不能包含用户名"
	case staff.WeakSame:
		msg = "新密码不能与原密码相同"
	}
	return &apiError{Status: http.StatusUnprocessableEntity, Code: "WEAK_PASSWORD", Message: msg}
}

// classifyRegistry maps the errors of the person and returnee registry.
func classifyRegistry(err error) *apiError {
	var fe *returnee.FieldError
	var csvErr *region.CSVError
	var headerErr *returnee.HeaderError
	switch {
	case errors.As(err, &fe):
		return fieldError(fe)
	case errors.As(err, &csvErr):
		return &apiError{Status: http.StatusBadRequest, Code: "CSV_INVALID", Message: fmt.Sprintf("第 %d 行：%s", csvErr.Line, csvErr.Reason)}
	case errors.As(err, &headerErr) && len(headerErr.Unexpected) > 0:
		msg := "无法识别的列：" + strings.Join(headerErr.Unexpected, "、")
		if len(headerErr.Missing) > 0 {
			msg += "；缺少列：" + strings.Join(headerErr.Missing, "、")
		}
		return &apiError{Status: http.StatusBadRequest, Code: "IMPORT_COLUMNS_UNKNOWN",
			Message: msg + "。可用的列：" + strings.Join(headerErr.Expected, "、") + "。请使用导入模板"}
	case errors.As(err, &headerErr):
		msg := "表格缺少列：" + strings.Join(headerErr.Missing, "、")
		return &apiError{Status: http.StatusBadRequest, Code: "SHEET_COLUMNS_INVALID", Message: msg + "。请使用导入模板"}
	case errors.Is(err, returnee.ErrSheetTooLarge):
		return &apiError{Status: http.StatusBadRequest, Code: "SHEET_INVALID", Message: "表格解压后超过 100 MB，请拆分后分批导入"}
	case errors.Is(err, returnee.ErrSheetDoctype):
		return &apiError{Status: http.StatusBadRequest, Code: "SHEET_INVALID", Message: "表格文件含有不允许的内容（DOCTYPE），请用 Excel 打开后另存为 .xlsx 再导入"}
	case errors.Is(err, returnee.ErrNotXLSX):
		return &apiError{Status: http.StatusUnsupportedMediaType, Code: "UNSUPPORTED_MEDIA_TYPE", Message: "请上传 Excel 文件（.xlsx）"}
	case errors.Is(err, returnee.ErrTooManyRows):
		return &apiError{Status: http.StatusRequestEntityTooLarge, Code: "TOO_MANY_ROWS", Message: "表格行数超过单次导入上限，请拆分文件"}
	case errors.Is(err, person.ErrIdentityDiffers):
		return &apiError{Status: http.StatusConflict, Code: "PERSON_EXISTS", Field: "id_card",
			Message: "该身份证号的人员已登记，姓名或手机号与登记信息不一致。录入和导入不会修改已登记人员的身份信息，如需更正请由所属乡镇（街道）或区级工作人员编辑该人员的返乡记录"}
	case errors.Is(err, person.ErrAlreadyRegistered):
		return &apiError{Status: http.StatusConflict, Code: "PERSON_ALREADY_REGISTERED", Message: "该身份证号已登记。如有疑问，请联系户籍所在乡镇（街道）工作人员", Field: "id_card"}
	case errors.Is(err, person.ErrIDCardMismatch):
		return &apiError{Status: http.StatusConflict, Code: "ID_CARD_MISMATCH", Message: "身份证号与您已登记的不一致，如需更正请联系乡镇（街道）工作人员", Field: "id_card"}
	case errors.Is(err, returnee.ErrNotRegistered):
		return &apiError{Status: http.StatusNotFound, Code: "NOT_REGISTERED", Message: "您还没有进行返乡登记"}
	case errors.Is(err, returnee.ErrNotFound), errors.Is(err, person.ErrNotFound):
		return errNotFound
	case errors.Is(err, returnee.ErrPhoneNotBound):
		return &apiError{Status: http.StatusUnprocessableEntity, Code: "PHONE_NOT_BOUND", Message: "请先绑定手机号再登记", Field: "phone"}
	case errors.Is(err, moderation.ErrRejected):
		return &apiError{Status: http.StatusUnprocessableEntity, Code: "CONTENT_REJECTED", Message: "填写的文字未通过内容安全检查，请修改后再提交"}
	case errors.Is(err, returnee.ErrStaleVersion):
		return &apiError{Status: http.StatusConflict, Code: "STALE_VERSION", Message: "记录已被他人修改，请刷新后再保存", Field: "version"}
	case errors.Is(err, returnee.ErrOutOfScope):
		return &apiError{Status: http.StatusForbidden, Code: "FORBIDDEN", Message: "只能登记或修改本乡镇（街道）的人员", Field: "township_code"}
	case errors.Is(err, returnee.ErrForbidden):
		return &apiError{Status: http.StatusForbidden, Code: "FORBIDDEN", Message: "区直部门账号只能查看返乡人员信息，不能新增、修改或导入"}
	case errors.Is(err, returnee.ErrRevealNotAllowed):
		return &apiError{Status: http.StatusForbidden, Code: "FORBIDDEN", Message: "您的角色不能查看完整的身份证号和手机号"}
	case errors.Is(err, returnee.ErrRevealReason):
		return &apiError{Status: http.StatusUnprocessableEntity, Code: "VALIDATION_FAILED", Message: "请填写查看原因（2-200 字）", Field: "reason"}
	}
	return nil
}

// classifySurvey maps the survey's errors. A refused answer names its question in "field".
func classifySurvey(err error) *apiError {
	var ae *survey.AnswerError
	var de *survey.DefinitionError
	switch {
	case errors.As(err, &ae):
		return surveyAnswerError(ae)
	case errors.As(err, &de):
		return &apiError{Status: http.StatusUnprocessableEntity, Code: "VALIDATION_FAILED", Message: "问卷定义不正确，请检查 " + de.Field, Field: de.Field}
	case errors.Is(err, survey.ErrNotFound):
		return errNotFound
	case errors.Is(err, survey.ErrClosed):
		return &apiError{Status: http.StatusConflict, Code: "SURVEY_CLOSED", Message: "该问卷已结束，请刷新后填写最新的问卷"}
	case errors.Is(err, survey.ErrConflict):
		return &apiError{Status: http.StatusConflict, Code: "SURVEY_CONFLICT", Message: "问卷刚刚有新版本发布，请刷新后重试"}
	case errors.Is(err, survey.ErrInvalidTownship):
		return &apiError{Status: http.StatusUnprocessableEntity, Code: "VALIDATION_FAILED", Message: "乡镇（街道）代码格式不正确", Field: "township"}
	}
	return nil
}

// classifyNotify maps the inbox's and the outbox's errors.
func classifyNotify(err error) *apiError {
	switch {
	case errors.Is(err, notify.ErrNotFound):
		return errNotFound
	case errors.Is(err, notify.ErrNotDead):
		return &apiError{Status: http.StatusConflict, Code: "OUTBOX_NOT_DEAD", Message: "只有发送失败（dead）的消息可以重新发送"}
	case errors.Is(err, notify.ErrTooManyTemplates):
		return &apiError{Status: http.StatusUnprocessableEntity, Code: "VALIDATION_FAILED", Message: "一次最多上报 10 个订阅消息模板", Field: "accepted"}
	case errors.Is(err, notify.ErrInvalidStatus):
		return &apiError{Status: http.StatusUnprocessableEntity, Code: "VALIDATION_FAILED", Message: "状态须为 pending、sending、sent、skipped 或 dead", Field: "status"}
	}
	return nil
}

// surveyAnswerError words a refused answer in Chinese, naming the question by its title.
func surveyAnswerError(e *survey.AnswerError) *apiError {
	ae := &apiError{Status: http.StatusUnprocessableEntity, Code: "ANSWER_INVALID", Field: e.Question}
	q := "「" + e.Title + "」"
	switch {
	case errors.Is(e, survey.ErrUnknownQuestion):
		ae.Message = fmt.Sprintf("问卷中没有问题 %s，请刷新后重新填写", e.Question)
	case errors.Is(e, survey.ErrUnknownOption):
		ae.Message = q + "的选项不存在，请刷新后重新选择"
	case errors.Is(e, survey.ErrMissingRequired):
		ae.Message = q + "为必答题，请作答"
	case errors.Is(e, survey.ErrTooManyChoices) && e.Limit == 1:
		ae.Message = q + "只能选择一项"
	case errors.Is(e, survey.ErrTooManyChoices):
		ae.Message = fmt.Sprintf("%s最多选择 %d 项", q, e.Limit)
	case errors.Is(e, survey.ErrTextTooLong):
		ae.Message = fmt.Sprintf("%s不能超过 %d 字", q, e.Limit)
	default:
		ae.Message = q + "的答案格式不正确"
	}
	return ae
}

// fieldError words a form field problem in Chinese, naming the field.
func fieldError(fe *returnee.FieldError) *apiError {
	ae := &apiError{Status: http.StatusUnprocessableEntity, Code: "VALIDATION_FAILED", Field: fe.Field}
	label := fe.Label()
	switch fe.Problem {
	case returnee.ProblemIDCard:
		ae.Code, ae.Message = "ID_CARD_INVALID", "身份证号码不正确，请核对（18 位，校验位须正确）"
	case returnee.ProblemUSCC:
		ae.Code, ae.Message = "USCC_INVALID", "统一社会信用代码不正确，请核对（18 位，校验位须正确）"
	case returnee.ProblemRegion:
		ae.Code, ae.Message = "REGION_UNKNOWN", "「"+label+"」不存在，请重新选择"
	case returnee.ProblemTooLong:
		ae.Code, ae.Message = "FIELD_TOO_LONG", fmt.Sprintf("「%s」不能超过 %d 字", label, fe.Limit)
	case returnee.ProblemRequired:
		ae.Message = "请填写「" + label + "」"
	default:
		ae.Message = "「" + label + "」填写不正确"
	}
	return ae
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

// classifyApplication maps the errors of the subsidy and loan applications.
func classifyApplication(err error) *apiError {
	var fe *application.FieldError
	var ne *application.NotEligibleError
	var capErr *application.CapError
	var mm *application.MissingMaterials
	switch {
	case errors.As(err, &fe):
		return &apiError{Status: http.StatusUnprocessableEntity, Code: "VALIDATION_FAILED", Message: fe.Message, Field: fe.Field}
	case errors.As(err, &capErr):
		return &apiError{Status: http.StatusUnprocessableEntity, Code: "AMOUNT_OVER_CAP",
			Message: fmt.Sprintf("贷款金额不能超过 %s 元", cn.Yuan(capErr.CapFen)), Field: "amount_fen"}
	case errors.As(err, &ne):
		msgs := make([]string, 0, len(ne.Reasons))
		for _, r := range ne.Reasons {
			msgs = append(msgs, r.Message)
		}
		return &apiError{Status: http.StatusUnprocessableEntity, Code: "NOT_ELIGIBLE", Message: strings.Join(msgs, "；")}
	case errors.As(err, &mm):
		return &apiError{Status: http.StatusUnprocessableEntity, Code: "MATERIALS_MISSING", Message: "请上传：" + strings.Join(mm.Labels, "、"), Field: "attachments"}
	case errors.Is(err, application.ErrLoanLimitReached):
		return &apiError{Status: http.StatusConflict, Code: "LOAN_LIMIT_REACHED", Message: "该借款人已获批 3 次创业担保贷款，达到上限"}
	case errors.Is(err, application.ErrAlreadyGranted):
		return &apiError{Status: http.StatusConflict, Code: "ALREADY_GRANTED", Message: "您已申请过一次性创业补贴，每人限一次"}
	case errors.Is(err, application.ErrInvalidTransition):
		return &apiError{Status: http.StatusConflict, Code: "INVALID_TRANSITION", Message: "当前状态下不能进行此操作，请刷新后查看"}
	case errors.Is(err, application.ErrStaleVersion):
		return &apiError{Status: http.StatusConflict, Code: "STALE_VERSION", Message: "申请已被他人处理或修改，请刷新后重试", Field: "version"}
	case errors.Is(err, application.ErrForbidden):
		return &apiError{Status: http.StatusForbidden, Code: "FORBIDDEN", Message: "您的角色不能在此环节审核"}
	case errors.Is(err, application.ErrSameReviewer):
		return &apiError{Status: http.StatusConflict, Code: "SAME_REVIEWER", Message: "上一环节由您本人审核，本环节须由其他工作人员办理"}
	case errors.Is(err, application.ErrEnterpriseNotOwn):
		return &apiError{Status: http.StatusUnprocessableEntity, Code: "ENTERPRISE_NOT_OWN",
			Message: "统一社会信用代码与您返乡登记中的经营主体不一致；如为您本人的企业，请上传营业执照，由乡镇（街道）审核确认", Field: "enterprise_uscc"}
	case errors.Is(err, application.ErrLicenceUnconfirmed):
		return &apiError{Status: http.StatusUnprocessableEntity, Code: "LICENCE_NOT_CONFIRMED",
			Message: "该企业不是申请人返乡登记中的经营主体，请先核对所附营业执照，确认属实后再通过（licence_confirmed）", Field: "licence_confirmed"}
	case errors.Is(err, application.ErrNotFound):
		return errNotFound
	case errors.Is(err, application.ErrPolicyUnknown):
		return &apiError{Status: http.StatusUnprocessableEntity, Code: "VALIDATION_FAILED", Message: "未知的扶持政策", Field: "policy"}
	case errors.Is(err, idempotency.ErrKeyReused):
		return &apiError{Status: http.StatusUnprocessableEntity, Code: "IDEMPOTENCY_KEY_REUSED", Message: "同一请求标识（Idempotency-Key）已用于不同的内容"}
	case errors.Is(err, idempotency.ErrBadKey):
		return &apiError{Status: http.StatusBadRequest, Code: "BAD_REQUEST", Message: "Idempotency-Key 应为 8-64 位字母、数字、- 或 _"}
	}
	return nil
}

// classifyPoints maps the errors of the points ledger, perks and vouchers.
func classifyPoints(err error) *apiError {
	var fe *points.FieldError
	var used *points.UsedError
	var limit *points.LimitError
	var amount *points.AmountError
	switch {
	case errors.As(err, &fe):
		return &apiError{Status: http.StatusUnprocessableEntity, Code: "VALIDATION_FAILED", Message: fe.Message, Field: fe.Field}
	case errors.As(err, &limit):
		msg := fmt.Sprintf("单次发放不能超过 %d 分（本次 %d 分）", limit.Limit, limit.Asked)
		if limit.PerYear {
			msg = fmt.Sprintf("该人员本年度按此规则已获 %d 分，再发 %d 分将超过每人每年 %d 分的上限", limit.Used, limit.Asked, limit.Limit)
		}
		return &apiError{Status: http.StatusUnprocessableEntity, Code: "GRANT_LIMIT_EXCEEDED", Message: msg}
	case errors.As(err, &amount):
		return &apiError{Status: http.StatusUnprocessableEntity, Code: "AMOUNT_OUT_OF_RANGE",
			Message: fmt.Sprintf("金额应在 %s 元至 %s 元之间", cn.Yuan(amount.Min), cn.Yuan(amount.Max)), Field: "amount_fen"}
	case errors.Is(err, points.ErrRuleNotAllowed):
		return &apiError{Status: http.StatusForbidden, Code: "RULE_NOT_ALLOWED", Message: "本单位不能按此积分规则发放积分或创建活动", Field: "rule"}
	case errors.Is(err, points.ErrNotAnAlumnus):
		return &apiError{Status: http.StatusUnprocessableEntity, Code: "NOT_AN_ALUMNUS", Message: "该人员不是审核通过的校友，不能按此规则发放积分", Field: "person_id"}
	case errors.Is(err, points.ErrNothingToReverse):
		return &apiError{Status: http.StatusConflict, Code: "NOTHING_TO_REVERSE", Message: "该笔积分已全部过期或已使用，没有可冲正的积分"}
	case errors.As(err, &used):
		by := used.By
		if by == "" {
			by = "工作人员"
		}
		return &apiError{Status: http.StatusConflict, Code: "VOUCHER_USED",
			Message: fmt.Sprintf("该券已于 %s 由 %s 核销，不能重复使用", used.At.In(chinaTime).Format("2006-01-02 15:04"), by)}
	case errors.Is(err, points.ErrInsufficientPoints):
		return &apiError{Status: http.StatusConflict, Code: "INSUFFICIENT_POINTS", Message: "积分不足"}
	case errors.Is(err, points.ErrOutOfStock):
		return &apiError{Status: http.StatusConflict, Code: "OUT_OF_STOCK", Message: "该权益已兑完"}
	case errors.Is(err, points.ErrLimitReached):
		return &apiError{Status: http.StatusConflict, Code: "LIMIT_REACHED", Message: "已达到该权益的每人兑换上限"}
	case errors.Is(err, points.ErrPerkUnavailable):
		return &apiError{Status: http.StatusConflict, Code: "PERK_UNAVAILABLE", Message: "该权益不在兑换有效期内"}
	case errors.Is(err, points.ErrVoucherExpired):
		return &apiError{Status: http.StatusGone, Code: "VOUCHER_EXPIRED", Message: "该券已过期"}
	case errors.Is(err, points.ErrVoucherCancelled):
		return &apiError{Status: http.StatusConflict, Code: "VOUCHER_CANCELLED", Message: "该券已取消，不能核销"}
	case errors.Is(err, points.ErrNotCancellable):
		return &apiError{Status: http.StatusConflict, Code: "VOUCHER_NOT_CANCELLABLE", Message: "只有未使用且未过期的券可以取消"}
	case errors.Is(err, points.ErrDuplicateReference):
		return &apiError{Status: http.StatusConflict, Code: "DUPLICATE_REFERENCE", Message: "该依据编号已按此规则发放过积分，不能重复发放", Field: "reference"}
	case errors.Is(err, points.ErrAlreadyReversed):
		return &apiError{Status: http.StatusConflict, Code: "ALREADY_REVERSED", Message: "该笔积分已冲正过"}
	case errors.Is(err, points.ErrNotReversible):
		return &apiError{Status: http.StatusUnprocessableEntity, Code: "NOT_REVERSIBLE", Message: "只能冲正积分发放记录"}
	case errors.Is(err, points.ErrRuleUnknown):
		return &apiError{Status: http.StatusUnprocessableEntity, Code: "VALIDATION_FAILED", Message: "积分规则不存在或已停用", Field: "rule"}
	case errors.Is(err, points.ErrPersonNotFound):
		return &apiError{Status: http.StatusUnprocessableEntity, Code: "VALIDATION_FAILED", Message: "人员不存在", Field: "person_id"}
	case errors.Is(err, points.ErrNotRegistered):
		return &apiError{Status: http.StatusNotFound, Code: "NOT_REGISTERED", Message: "您还没有登记个人信息，请先完成登记"}
	case errors.Is(err, points.ErrIdempotencyKey):
		return &apiError{Status: http.StatusBadRequest, Code: "IDEMPOTENCY_KEY_REQUIRED", Message: "兑换请求须带 Idempotency-Key 请求头"}
	case errors.Is(err, points.ErrForbidden):
		return &apiError{Status: http.StatusForbidden, Code: "FORBIDDEN", Message: "只能管理本单位提供的权益"}
	case errors.Is(err, points.ErrNotFound):
		return errNotFound
	}
	return nil
}

// classifyAlumni maps the errors of the alumni registry, schools and event check-in.
func classifyAlumni(err error) *apiError {
	var fe *alumni.FieldError
	switch {
	case errors.As(err, &fe):
		return &apiError{Status: http.StatusUnprocessableEntity, Code: "VALIDATION_FAILED", Message: fe.Message, Field: fe.Field}
	case errors.Is(err, alumni.ErrNotRegistered):
		return &apiError{Status: http.StatusNotFound, Code: "NOT_REGISTERED", Message: "您还没有进行校友登记"}
	case errors.Is(err, alumni.ErrNoPerson):
		return &apiError{Status: http.StatusNotFound, Code: "NOT_REGISTERED", Message: "请先完成校友登记或返乡登记后再签到"}
	case errors.Is(err, alumni.ErrNotFound), errors.Is(err, alumni.ErrEventNotFound):
		return errNotFound
	case errors.Is(err, alumni.ErrPhoneNotBound):
		return &apiError{Status: http.StatusUnprocessableEntity, Code: "PHONE_NOT_BOUND", Message: "请先绑定手机号再登记", Field: "phone"}
	case errors.Is(err, alumni.ErrStaleVersion):
		return &apiError{Status: http.StatusConflict, Code: "STALE_VERSION", Message: "校友信息已被他人处理或修改，请刷新后重试", Field: "version"}
	case errors.Is(err, alumni.ErrNotPending):
		return &apiError{Status: http.StatusConflict, Code: "INVALID_TRANSITION", Message: "该登记已审核过，不能重复审核"}
	case errors.Is(err, alumni.ErrNotApproved):
		return &apiError{Status: http.StatusConflict, Code: "NOT_APPROVED", Message: "只有审核通过的校友才能评定等级"}
	case errors.Is(err, alumni.ErrAlreadyExists):
		return &apiError{Status: http.StatusConflict, Code: "ALUMNUS_EXISTS", Message: "该人员已有校友登记", Field: "id_card"}
	case errors.Is(err, alumni.ErrSchoolExists):
		return &apiError{Status: http.StatusConflict, Code: "SCHOOL_EXISTS", Message: "学校代码或名称已存在"}
	case errors.Is(err, alumni.ErrCheckinNotOpen):
		return &apiError{Status: http.StatusConflict, Code: "CHECKIN_NOT_OPEN", Message: "签到尚未开始"}
	case errors.Is(err, alumni.ErrCheckinClosed):
		return &apiError{Status: http.StatusConflict, Code: "CHECKIN_CLOSED", Message: "签到已结束"}
	case errors.Is(err, alumni.ErrAlreadyCheckedIn):
		return &apiError{Status: http.StatusConflict, Code: "ALREADY_CHECKED_IN", Message: "您已签到过，无需重复签到"}
	}
	return nil
}

// Problem is what an error means to the person who caused it: the HTTP status, the stable code,
// the Chinese message and the form field at fault. The staff console shows the same words as
// the JSON API through it, so an error is mapped in one place.
type Problem struct {
	Status     int
	Code       string
	Message    string
	Field      string
	RetryAfter time.Duration
}

// Explain classifies err as respondError does.
func Explain(err error) Problem {
	ae := classify(err)
	return Problem{Status: ae.Status, Code: ae.Code, Message: ae.Message, Field: ae.Field, RetryAfter: ae.RetryAfter}
}
