// Package httpapi is the HTTP layer: it decodes requests, calls the feature packages and writes
// responses. It is the only package that imports gin; business code gets a context.Context.
package httpapi

import (
	_ "embed"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/jmoiron/sqlx"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"huixiang/internal/account"
	"huixiang/internal/actor"
	"huixiang/internal/alumni"
	"huixiang/internal/appeal"
	"huixiang/internal/application"
	"huixiang/internal/config"
	"huixiang/internal/consultation"
	"huixiang/internal/match"
	"huixiang/internal/mentor"
	"huixiang/internal/merchant"
	"huixiang/internal/notice"
	"huixiang/internal/notify"
	"huixiang/internal/points"
	"huixiang/internal/policy"
	"huixiang/internal/project"
	"huixiang/internal/projectteam"
	"huixiang/internal/ratelimit"
	"huixiang/internal/region"
	"huixiang/internal/returnee"
	"huixiang/internal/selection"
	"huixiang/internal/servicepoint"
	"huixiang/internal/session"
	"huixiang/internal/staff"
	"huixiang/internal/survey"
	"huixiang/internal/training"
	"huixiang/internal/upload"
	"huixiang/internal/visit"
	"huixiang/internal/wechat"
)

// Deps is everything the handlers use, wired once in internal/app (app.New).
type Deps struct {
	Log          *slog.Logger
	DB           *sqlx.DB
	Redis        redis.UniversalClient
	Registry     *prometheus.Registry
	Accounts     *account.Service
	Staff        *staff.Service
	Sessions     *session.Store
	Regions      *region.Service
	Returnees    *returnee.Service
	Applications *application.Service
	Points       *points.Service
	// Alumni is the alumni registry, schools, grades and event check-in.
	Alumni  *alumni.Service
	Surveys *survey.Service
	Notify  *notify.Service
	// Policies is the policy library.
	Policies *policy.Service
	// Notices are staff notices pushed to an audience.
	Notices *notice.Service
	// ServicePoints is the service network.
	ServicePoints *servicepoint.Service
	// Selections are the yearly selections (评选).
	Selections *selection.Service
	// Trainings are the training tracks and the year's counts of talks and people trained.
	Trainings *training.Service
	// Projects are the investment projects (招商项目清单).
	Projects *project.Service
	// Mentors is the mentor team and appointments with mentors.
	Mentors *mentor.Service
	// Consultations are the online consultations with mentors (导师线上问诊).
	Consultations *consultation.Service
	MaxBodyBytes  int64
	// MaxUploadBytes bounds multipart uploads (spreadsheets, attachments).
	MaxUploadBytes int64
	RequestTimeout time.Duration
	// TrustedProxies are the reverse proxies whose X-Forwarded-For gives the client IP.
	TrustedProxies []string

	// Uploads keeps attachments; MaxAttachmentBytes bounds the body of POST /api/v1/uploads.
	Uploads            *upload.Service
	MaxAttachmentBytes int64

	// Console, when set, mounts the staff console's HTML pages on the /console group (the console
	// package lives beside this one and imports it for Explain, so it is passed in by app).
	Console func(*gin.RouterGroup)
	// ConsoleNotFound answers unknown paths under /console/ (an HTML page, not the JSON 404).
	ConsoleNotFound gin.HandlerFunc

	// WeChatCallback are the mini program's message-push keys (no token: /wechat/callback is
	// off); OA is the official account (nil: /wechat/oa/callback is off).
	WeChatCallback wechat.CallbackKeys
	OA             *wechat.OA

	// Limiter and Limits rate-limit the calls that spend WeChat quota.
	Limiter *ratelimit.Limiter
	Limits  config.Limits

	// Merchants is the merchant and talent database (楚商人才信息库).
	Merchants *merchant.Service

	// ProjectTeams are the service teams and approval milestones of signed projects (一对一帮办).
	ProjectTeams *projectteam.Service
	// Appeals are the requests (诉求清单化办理), under /requests.
	Appeals *appeal.Service
	// Visits are the visits out and delegations in (叩门招商).
	Visits *visit.Service
	// Matches is the explainable matching of merchants and projects (招商匹配).
	Matches *match.Service
}

// New returns the HTTP handler with every route of the API.
func New(d Deps) http.Handler {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.HandleMethodNotAllowed = false
	r.ContextWithFallback = true
	_ = r.SetTrustedProxies(d.TrustedProxies)
	metrics := NewMetrics(d.Registry)
	r.Use(requestContext(d.Log, d.RequestTimeout), recovery(), metrics.middleware(), accessLog())
	r.Use(securityHeaders(), checkRequest(time.Now))
	small, upload := limitBody(d.MaxBodyBytes), limitBody(d.MaxUploadBytes)
	r.NoRoute(func(c *gin.Context) {
		if d.ConsoleNotFound != nil && strings.HasPrefix(c.Request.URL.Path, "/console/") {
			d.ConsoleNotFound(c)
			return
		}
		respondError(c, errNotFound)
	})

	if d.Console != nil {
		d.Console(r.Group("/console"))
		r.GET("/console", func(c *gin.Context) { c.Redirect(http.StatusMovedPermanently, "/console/") })
	}
	r.GET("/healthz", handleHealthz())
	r.GET("/readyz", handleReadyz(d.DB, d.Redis))
	r.GET("/openapi.yaml", handleOpenAPI())
	// WeChat's message push: signed by WeChat, not by a session.
	wxCallback := r.Group("/wechat", small)
	mpPush, oaPush := handleMiniProgramCallback(d.WeChatCallback, d.Notify), handleOACallback(d.OA, d.Notify)
	wxCallback.GET("/callback", mpPush)
	wxCallback.POST("/callback", mpPush)
	wxCallback.GET("/oa/callback", oaPush)
	wxCallback.POST("/oa/callback", oaPush)

	// The mini program.
	api := r.Group("/api/v1", small)
	// WeChat quota: sign-in (code2session) per address; phone binding and content-checked saves
	// per user and per address.
	wxLogin := rateLimit(d.Limiter, d.Limits.Window, d.Limits.WeChatLoginPerIP, 0)
	wxQuota := rateLimit(d.Limiter, d.Limits.Window, d.Limits.WeChatPerIP, d.Limits.WeChatPerUser)
	api.POST("/auth/login", wxLogin, handleUserLogin(d.Accounts, d.Sessions))
	api.GET("/regions", handleRegions(d.Regions))
	api.GET("/options", handleOptions(d.Returnees))
	api.GET("/schools", handleSchools(d.Alumni))
	api.GET("/service-points", handleServicePoints(d.ServicePoints))
	user := api.Group("", requireSession(d.Sessions, session.KindUser))
	user.POST("/auth/logout", handleLogout(d.Sessions, session.KindUser))
	user.GET("/me", handleUserMe(d.Accounts))
	user.POST("/me/privacy-consent", handlePrivacyConsent(d.Accounts))
	user.POST("/me/phone", wxQuota, handleBindPhone(d.Accounts))
	user.GET("/me/returnee", handleMyReturnee(d.Returnees))
	user.PUT("/me/returnee", wxQuota, handlePutMyReturnee(d.Returnees))
	user.POST("/me/returnee/confirm", handleConfirmMyReturnee(d.Returnees))
	user.GET("/policies", handlePolicies(d.Applications))
	user.POST("/applications", handleCreateApplication(d.Applications))
	user.GET("/applications", handleMyApplications(d.Applications))
	user.GET("/applications/:id", handleMyApplication(d.Applications))
	user.PATCH("/applications/:id", handleUpdateApplication(d.Applications))
	user.PUT("/applications/:id", handleUpdateApplication(d.Applications)) // wx.request has no PATCH
	user.POST("/applications/:id/submit", handleApplicantAction(submitApplication, d.Applications))
	user.POST("/applications/:id/withdraw", handleApplicantAction(withdrawApplication, d.Applications))
	user.GET("/surveys/current", handleSurveyCurrent(d.Surveys))
	user.POST("/surveys/:id/answers", wxQuota, handleSurveyAnswer(d.Surveys))
	user.POST("/me/subscriptions", handleAddSubscriptions(d.Notify))
	user.GET("/me/notification-settings", handleNotificationSettings(d.Notify))
	user.GET("/selections", handleSelections(d.Selections))
	user.POST("/selections/:id/nominations", handleNominateSelf(d.Selections))
	user.PUT("/me/notification-settings", handlePutNotificationSettings(d.Notify))
	user.GET("/me/messages", handleMyMessages(d.Notify))
	user.POST("/me/messages/:id/read", handleReadMessage(d.Notify))
	user.GET("/uploads/:id", handleUploadGet(d.Uploads))
	user.GET("/me/points", handleMyPoints(d.Points))
	user.GET("/me/points/entries", handleMyPointEntries(d.Points))
	user.GET("/perks", handlePerks(d.Points))
	user.POST("/perks/:id/redeem", handleRedeem(d.Points))
	user.GET("/me/vouchers", handleMyVouchers(d.Points))
	user.POST("/me/vouchers/:id/cancel", handleCancelVoucher(d.Points))
	user.GET("/me/alumnus", handleMyAlumnus(d.Alumni))
	user.PUT("/me/alumnus", wxQuota, handlePutMyAlumnus(d.Alumni))
	user.GET("/events", handleMyEvents(d.Alumni))
	user.POST("/events/:id/checkin", handleCheckIn(d.Alumni))
	user.POST("/events/:id/signup", handleEventSignup(d.Alumni))
	user.POST("/events/:id/cancel-signup", handleEventCancelSignup(d.Alumni))
	user.GET("/policy-library", handleLibrary(d.Policies))
	user.GET("/policy-library/:id", handleLibraryPolicy(d.Policies, d.Uploads))
	user.POST("/policy-library/:id/favorite", handleFavourite(d.Policies, true))
	user.DELETE("/policy-library/:id/favorite", handleFavourite(d.Policies, false))
	// Mentors and appointments (导师服务预约); the mentor's own routes need an active mentor.
	user.GET("/mentors", handleMentors(d.Mentors, d.Uploads))
	user.GET("/mentors/:id", handleMentorOpen(d.Mentors, d.Uploads))
	user.POST("/appointments", handleBookAppointment(d.Mentors))
	user.GET("/me/appointments", handleMyAppointments(d.Mentors))
	user.GET("/appointments/:id", handleAppointment(d.Mentors))
	user.POST("/appointments/:id/cancel", handleAppointmentAct(d.Mentors, mentor.ActCancel))
	user.POST("/appointments/:id/rate", handleRateAppointment(d.Mentors))
	mentors := user.Group("/mentor", requireMentor(d.Mentors))
	mentors.GET("/appointments", handleMentorAppointments(d.Mentors))
	mentors.POST("/appointments/:id/confirm", handleAppointmentAct(d.Mentors, mentor.ActConfirm))
	mentors.POST("/appointments/:id/decline", handleAppointmentAct(d.Mentors, mentor.ActDecline))
	mentors.POST("/appointments/:id/attended", handleAppointmentAct(d.Mentors, mentor.ActAttended))
	mentors.POST("/appointments/:id/no-show", handleAppointmentAct(d.Mentors, mentor.ActNoShow))
	mentors.POST("/appointments/:id/cancel", handleAppointmentAct(d.Mentors, mentor.ActMentorCancel))
	mentors.GET("/availability", handleMentorAvailability(d.Mentors))
	mentors.PUT("/availability", handlePutMentorAvailability(d.Mentors))
	// Online consultations (导师线上问诊): the asker or the assigned mentor; text is content-checked.
	user.POST("/consultations", wxQuota, handleAskConsultation(d.Consultations))
	user.GET("/consultations", handleMyConsultations(d.Consultations))
	user.GET("/consultations/:id", handleConsultation(d.Consultations))
	user.POST("/consultations/:id/messages", wxQuota, handleConsultationMessage(d.Consultations))
	user.POST("/consultations/:id/close", wxQuota, handleCloseConsultation(d.Consultations))
	user.POST("/consultations/:id/rate", wxQuota, handleRateConsultation(d.Consultations))
	mentors.GET("/consultations", handleMentorConsultations(d.Consultations))
	// Published investment projects (招商项目).
	user.GET("/projects", handlePublicProjects(d.Projects))
	user.GET("/projects/:id", handlePublicProject(d.Projects))
	// The merchant's own record (楚商人才信息库); text is content-checked.
	user.GET("/me/merchant", handleMyMerchant(d.Merchants))
	user.PUT("/me/merchant", wxQuota, handlePutMyMerchant(d.Merchants))
	user.POST("/me/merchant/confirm", handleConfirmMyMerchant(d.Merchants))
	// Requests (诉求清单化办理): the requester's own; text is content-checked.
	user.POST("/requests", wxQuota, handleSubmitAppeal(d.Appeals))
	user.GET("/requests", handleMyAppeals(d.Appeals))
	user.GET("/requests/:id", handleMyAppeal(d.Appeals))
	user.POST("/requests/:id/rate", wxQuota, handleRateAppeal(d.Appeals))
	user.POST("/requests/:id/reopen", wxQuota, handleReopenAppeal(d.Appeals))
	// Projects recommended to the merchant (为您推荐) and 感兴趣.
	user.GET("/me/matches", handleMyMatches(d.Matches))
	user.POST("/me/matches/:id/interest", handleMatchInterest(d.Matches))
	// Signed file URLs need no session: the signature is the permission (<image src>, wx.downloadFile).
	api.GET("/files/:id", handleFile(d.Uploads))
	// Attachments get their own body limit: the file limit plus the multipart framing.
	// Both upload routes get deadlines that fit their body limit on a slow network (slowUpload),
	// after the session check, so that only a signed-in caller holds a connection that long.
	attachments := r.Group("/api/v1", limitBody(d.MaxAttachmentBytes), requireSession(d.Sessions, session.KindUser), slowUpload(d.MaxAttachmentBytes))
	attachments.POST("/uploads", handleUploadCreate(d.Uploads))

	// The staff console.
	admin := r.Group("/admin/api/v1", small)
	admin.POST("/auth/login", handleStaffLogin(d.Staff, d.Sessions))
	st := admin.Group("", requireSession(d.Sessions, session.KindStaff))
	st.POST("/auth/logout", handleLogout(d.Sessions, session.KindStaff))
	st.GET("/me", handleStaffMe(d.Staff))
	st.POST("/me/password", handleChangeMyPassword(d.Staff, d.Sessions))
	district := st.Group("", requireActor(actor.Actor.MayManageStaff))
	district.GET("/staff", handleStaffList(d.Staff))
	district.POST("/staff", handleStaffCreate(d.Staff))
	district.PATCH("/staff/:id", handleStaffPatch(d.Staff, d.Sessions))
	district.POST("/staff/:id/reset-password", handleStaffResetPassword(d.Staff, d.Sessions))
	district.POST("/staff/:id/unlock", handleStaffUnlock(d.Staff))
	district.POST("/staff/:id/revoke-sessions", handleStaffRevoke(d.Staff, d.Sessions))
	district.POST("/regions/import", handleRegionImport(d.Regions))
	st.GET("/applications", handleStaffApplications(d.Applications))
	st.GET("/applications/stats", handleApplicationStats(d.Applications))
	st.GET("/applications/:id", handleStaffApplication(d.Applications))
	st.POST("/applications/:id/review", handleReviewApplication(d.Applications))
	st.POST("/applications/:id/disburse", handleDisburseApplication(d.Applications))
	st.GET("/returnees", handleListReturnees(d.Returnees))
	st.POST("/returnees", handleCreateReturnee(d.Returnees))
	st.GET("/returnees/freshness", handleReturneeFreshness(d.Returnees))
	st.GET("/returnees/claims", handleReturneeClaims(d.Returnees))
	st.GET("/returnees/:id", handleGetReturnee(d.Returnees))
	st.PATCH("/returnees/:id", handlePatchReturnee(d.Returnees))
	st.POST("/returnees/:id/reveal", handleRevealReturnee(d.Returnees))
	st.GET("/returnees/:id/history", handleReturneeHistory(d.Returnees))
	st.GET("/surveys", handleSurveyList(d.Surveys))
	district.POST("/surveys", handleSurveyCreate(d.Surveys))
	district.GET("/outbox", handleListOutbox(d.Notify))
	district.POST("/outbox/:id/retry", handleRetryOutbox(d.Notify))
	st.GET("/surveys/:id/stats", handleSurveyStats(d.Surveys))
	grantors := st.Group("", requireActor(actor.Actor.MayManagePoints))
	grantors.GET("/points/rules", handlePointsRules(d.Points))
	grantors.POST("/points/grants", handlePointsGrant(d.Points))
	grantors.POST("/points/entries/:id/reverse", handlePointsReverse(d.Points))
	grantors.GET("/points/stats", handlePointsStats(d.Points))
	grantors.POST("/vouchers/verify", handleVoucherVerify(d.Points))
	grantors.GET("/perks", handleAdminPerks(d.Points))
	grantors.POST("/perks", handleCreatePerk(d.Points))
	grantors.PATCH("/perks/:id", handleUpdatePerk(d.Points))
	// Alumni, schools and events: district administrators and department staff of any department.
	grantors.GET("/alumni", handleAdminAlumni(d.Alumni))
	grantors.POST("/alumni", handleCreateAlumnus(d.Alumni))
	grantors.GET("/alumni/grades", handleAlumniGrades(d.Alumni))
	grantors.GET("/alumni/claims", handleAlumniClaims(d.Alumni))
	grantors.GET("/alumni/:id", handleGetAlumnus(d.Alumni))
	grantors.PUT("/alumni/:id", handleUpdateAlumnus(d.Alumni))
	grantors.POST("/alumni/:id/review", handleReviewAlumnus(d.Alumni))
	grantors.POST("/alumni/:id/grade", handleGradeAlumnus(d.Alumni))
	grantors.GET("/schools", handleAdminSchools(d.Alumni))
	grantors.POST("/schools", handleCreateSchool(d.Alumni))
	grantors.PATCH("/schools/:code", handleUpdateSchool(d.Alumni))
	grantors.GET("/events", handleAdminEvents(d.Alumni))
	grantors.POST("/events", handleCreateEvent(d.Alumni))
	grantors.GET("/events/:id", handleAdminEvent(d.Alumni))
	grantors.GET("/events/:id/wxacode", handleEventWXACode(d.Alumni))
	// The policy library and audiences: district administrators and department staff.
	policies := st.Group("", requireActor(actor.Actor.MayManagePolicies))
	policies.GET("/policy-library", handleStaffPolicies(d.Policies))
	policies.POST("/policy-library", handleCreatePolicy(d.Policies))
	policies.GET("/policy-library/:id", handleStaffPolicy(d.Policies, d.Uploads))
	policies.DELETE("/policy-library/:id/documents/:doc", handleRemovePolicyDocument(d.Policies, d.Uploads))
	policies.PATCH("/policy-library/:id", handleUpdatePolicy(d.Policies))
	policies.POST("/policy-library/:id/publish", handlePublishPolicy(d.Policies))
	policies.POST("/policy-library/:id/archive", handleArchivePolicy(d.Policies))
	policies.GET("/policy-library/:id/versions", handlePolicyVersions(d.Policies))
	policies.POST("/audiences/preview", handleAudiencePreview(d.DB, time.Now))
	policies.GET("/notices", handleNotices(d.Notices))
	policies.POST("/notices", handleDraftNotice(d.Notices))
	policies.GET("/notices/:id", handleNotice(d.Notices))
	policies.POST("/notices/:id/cancel", handleCancelNotice(d.Notices))
	policies.POST("/notices/:id/resend", handleResendNotice(d.Notices))
	district.POST("/notices/:id/approve", handleApproveNotice(d.Notices))
	policies.GET("/selections", handleAdminSelections(d.Selections))
	policies.POST("/selections", handleCreateSelection(d.Selections))
	policies.GET("/selections/:id", handleAdminSelection(d.Selections))
	policies.POST("/selections/:id/nominations", handleStaffNominate(d.Selections))
	policies.POST("/selections/:id/nominations/:nid/review", handleReviewNomination(d.Selections))
	policies.POST("/selections/:id/publish", handlePublishSelection(d.Selections))
	policies.GET("/service-points", handleServicePoints(d.ServicePoints))
	policies.POST("/service-points", handleCreateServicePoint(d.ServicePoints))
	policies.GET("/service-points/:id", handleServicePoint(d.ServicePoints))
	policies.PATCH("/service-points/:id", handleUpdateServicePoint(d.ServicePoints))
	policies.DELETE("/service-points/:id", handleRemoveServicePoint(d.ServicePoints))
	// Mentors and appointments: district administrators and department staff.
	policies.GET("/mentors", handleAdminMentors(d.Mentors))
	policies.POST("/mentors", handleCreateMentor(d.Mentors))
	policies.GET("/mentors/:id", handleAdminMentor(d.Mentors))
	policies.PATCH("/mentors/:id", handleUpdateMentor(d.Mentors))
	policies.GET("/appointments", handleAdminAppointments(d.Mentors))
	// Consultations: district dispatchers (administrators and department staff) assign them.
	policies.GET("/consultations", handleAdminConsultations(d.Consultations))
	policies.GET("/consultations/stats", handleConsultationStats(d.Consultations))
	policies.GET("/consultations/:id", handleAdminConsultation(d.Consultations))
	policies.POST("/consultations/:id/assign", handleAssignConsultation(d.Consultations))
	// Training tracks (创业培训 → 入园孵化 → 跟踪服务): district administrators and departments.
	policies.GET("/trainings", handleTrainings(d.Trainings))
	policies.POST("/trainings", handleEnrolTraining(d.Trainings))
	policies.GET("/trainings/stats", handleTrainingStats(d.Trainings))
	policies.GET("/trainings/:id", handleTraining(d.Trainings))
	for _, t := range training.Transitions {
		policies.POST("/trainings/:id/"+string(t.Action), handleTrainingAct(d.Trainings, t.Action))
	}
	policies.POST("/trainings/:id/visits", handleTrainingVisit(d.Trainings))
	// Investment projects (招商项目清单): every staff member reads (township staff their township's),
	// district administrators and departments write.
	st.GET("/projects", handleProjects(d.Projects))
	st.GET("/projects/stats", handleProjectStats(d.Projects))
	st.GET("/projects/chains", handleProjectChains(d.Projects))
	st.GET("/projects/:id", handleProject(d.Projects))
	policies.POST("/projects", handleCreateProject(d.Projects))
	policies.PATCH("/projects/:id", handleUpdateProject(d.Projects))
	policies.DELETE("/projects/:id", handleDeleteProject(d.Projects))
	policies.POST("/projects/:id/status", handleMoveProject(d.Projects))
	policies.POST("/projects/:id/publish", handlePublishProject(d.Projects, true))
	policies.POST("/projects/:id/unpublish", handlePublishProject(d.Projects, false))
	// Merchants (楚商人才信息库): every staff role; township staff see their township's merchants.
	st.GET("/merchants", handleMerchants(d.Merchants))
	st.POST("/merchants", handleCreateMerchant(d.Merchants))
	st.GET("/merchants/freshness", handleMerchantFreshness(d.Merchants))
	st.GET("/merchants/:id", handleMerchant(d.Merchants))
	st.PATCH("/merchants/:id", handlePatchMerchant(d.Merchants))
	st.POST("/merchants/:id/reveal", handleRevealMerchant(d.Merchants))
	// Service teams and approval milestones (一对一帮办): every staff role reads what it sees
	// (township staff their township's projects, departments their teams, leaders and cadres
	// theirs); the service says who may write.
	st.GET("/projects/approval-time", handleApprovalTime(d.ProjectTeams))
	st.GET("/projects/:id/team", handleProjectTeam(d.ProjectTeams))
	st.PUT("/projects/:id/team", handleSetProjectTeam(d.ProjectTeams))
	st.GET("/projects/:id/milestones", handleProjectMilestones(d.ProjectTeams))
	st.PUT("/projects/:id/milestones", handleSetProjectMilestones(d.ProjectTeams))
	st.GET("/approval-baselines", handleApprovalBaselines(d.ProjectTeams))
	st.PUT("/approval-baselines", handleSetApprovalBaselines(d.ProjectTeams))
	// Visits out and delegations in (叩门招商): every staff role; township staff their township's.
	st.GET("/visits", handleVisits(d.Visits))
	st.POST("/visits", handleCreateVisit(d.Visits))
	st.GET("/visits/stats", handleVisitStats(d.Visits))
	st.GET("/visits/:id", handleVisit(d.Visits))
	st.PATCH("/visits/:id", handleUpdateVisit(d.Visits))
	st.POST("/visits/:id/followups", handleAddVisitFollowup(d.Visits))
	st.POST("/visits/:id/followups/:fid/done", handleVisitFollowupDone(d.Visits))
	// Matching (招商匹配): every staff member who sees the project (and the merchant).
	st.GET("/projects/:id/matches", handleProjectMatches(d.Matches))
	st.PATCH("/projects/:id/matches/:merchant_id", handleMoveMatch(d.Matches))
	st.GET("/merchants/:id/matches", handleMerchantMatches(d.Matches))
	// 校友需求与资源清单: district administrators and departments; township staff their township's (the service scopes).
	st.GET("/alumni-needs", handleAlumniNeeds(d.Matches))
	st.POST("/alumni-needs", handleCreateAlumniNeed(d.Matches))
	st.GET("/alumni-needs/:id", handleAlumniNeed(d.Matches))
	st.PATCH("/alumni-needs/:id", handleUpdateAlumniNeed(d.Matches))
	st.GET("/alumni-needs/:id/matches", handleAlumniNeedMatches(d.Matches))
	// Spreadsheet uploads get the larger body limit.
	uploads := r.Group("/admin/api/v1", upload, requireSession(d.Sessions, session.KindStaff), slowUpload(d.MaxUploadBytes))
	uploads.POST("/returnees/import", handleReturneeImport(d.Returnees, d.MaxUploadBytes-64<<10))
	uploads.POST("/policy-library/:id/documents", requireActor(actor.Actor.MayManagePolicies), handleAddPolicyDocument(d.Policies, d.Uploads))
	st.GET("/returnees/import/template", handleReturneeTemplate(d.Returnees))
	st.GET("/returnees/imports", handleReturneeBatches(d.Returnees))
	st.GET("/returnees/imports/:id/report", handleReturneeBatchReport(d.Returnees))
	st.GET("/returnees/export", handleReturneeExport(d.Returnees))
	// Merchant spreadsheets (楚商信息导入导出): every staff role, township staff their township's rows.
	uploads.POST("/merchants/import", handleMerchantImport(d.Merchants, d.MaxUploadBytes-64<<10))
	st.GET("/merchants/import/template", handleMerchantTemplate(d.Merchants))
	st.GET("/merchants/imports", handleMerchantBatches(d.Merchants))
	st.GET("/merchants/imports/:id/report", handleMerchantBatchReport(d.Merchants))
	st.GET("/merchants/export", handleMerchantExport(d.Merchants))
	// Requests (诉求清单化办理): every staff role, scoped by the service (township: their
	// township's; department: assigned to theirs); assign is the dispatcher's (district admin).
	st.GET("/requests", handleAdminAppeals(d.Appeals))
	st.GET("/requests/stats", handleAppealStats(d.Appeals))
	st.GET("/requests/:id", handleAdminAppeal(d.Appeals))
	district.POST("/requests/:id/assign", handleAssignAppeal(d.Appeals))
	st.POST("/requests/:id/reply", handleReplyAppeal(d.Appeals))
	st.POST("/requests/:id/close", handleCloseAppeal(d.Appeals))
	return r
}

// splitList turns "a, b" into ["a" "b"].
func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// SplitProxies parses the trusted-proxies setting.
func SplitProxies(s string) []string { return splitList(s) }
