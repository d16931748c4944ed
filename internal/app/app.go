// Package app wires the server together from a Config: pools, services, the HTTP handler. Both
// cmd/server and the end-to-end tests build the server through New, so tests run the real thing.
package app

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/redis/go-redis/v9"

	"huixiang/internal/account"
	"huixiang/internal/alumni"
	"huixiang/internal/appeal"
	"huixiang/internal/application"
	"huixiang/internal/config"
	"huixiang/internal/console"
	"huixiang/internal/consultation"
	"huixiang/internal/httpapi"
	"huixiang/internal/match"
	"huixiang/internal/mentor"
	"huixiang/internal/merchant"
	"huixiang/internal/moderation"
	"huixiang/internal/notice"
	"huixiang/internal/notify"
	"huixiang/internal/person"
	"huixiang/internal/pii"
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
	"huixiang/internal/sqldb"
	"huixiang/internal/staff"
	"huixiang/internal/survey"
	"huixiang/internal/training"
	"huixiang/internal/upload"
	"huixiang/internal/visit"
	"huixiang/internal/wechat"
)

// App is a wired server.
type App struct {
	Config config.Config
	Log    *slog.Logger
	DB     *sqlx.DB
	Redis  redis.UniversalClient
	WeChat *wechat.Client
	// OA is the district's official account; nil when none is configured.
	OA        *wechat.OA
	Sessions  *session.Store
	Accounts  *account.Service
	Staff     *staff.Service
	Regions   *region.Service
	Returnees *returnee.Service
	Surveys   *survey.Service
	Notify    *notify.Service
	Uploads   *upload.Service
	// Applications is the startup subsidy and guaranteed loan path.
	Applications *application.Service
	// Points is the alumni contribution points ledger, perks and vouchers.
	Points *points.Service
	// Alumni is the alumni registry, schools, grades and event check-in.
	Alumni *alumni.Service
	// Policies is the policy library.
	Policies *policy.Service
	// Notices are staff notices to an audience; cmd/server fans them out (Notices.Loop).
	Notices *notice.Service
	// ServicePoints is the service network (服务网点).
	ServicePoints *servicepoint.Service
	// Selections are the yearly selections (评选).
	Selections *selection.Service
	// Trainings are the training tracks (创业培训 → 入园孵化 → 跟踪服务) and the year's counts.
	Trainings *training.Service
	// Projects are the investment projects (招商项目清单) and the year's count.
	Projects *project.Service
	// ProjectTeams are the service teams and approval milestones of signed projects (一对一帮办).
	ProjectTeams *projectteam.Service
	// Mentors is the mentor team (创业导师团) and appointments with mentors (导师服务预约).
	Mentors *mentor.Service
	// Consultations are the online consultations with mentors (导师线上问诊).
	Consultations *consultation.Service
	// Merchants is the merchant and talent database (楚商人才信息库).
	Merchants *merchant.Service
	// Appeals are the requests (诉求清单化办理).
	Appeals *appeal.Service
	// Visits are the visits out and delegations in (叩门招商).
	Visits *visit.Service
	// Matches is the explainable matching of merchants and projects (招商匹配).
	Matches *match.Service
	// Console is the staff console (HTML under /console/), mounted on Handler.
	Console *console.Console
	Handler http.Handler
	// MetricsHandler serves GET /metrics only; cmd/server listens for it on HX_METRICS_ADDR, apart
	// from the public Handler.
	MetricsHandler http.Handler

	// NotifyWorker sends the outbox; cmd/server runs it (serve, notify-worker), New does not.
	NotifyWorker *notify.Worker
}

// New opens the pools and builds the services and handler. It does not touch the schema; see
// PrepareSchema.
func New(cfg config.Config, log *slog.Logger) (*App, error) {
	db, err := sqldb.Open(sqldb.Options{DSN: cfg.MySQL.DSN, MaxOpenConns: cfg.MySQL.MaxOpenConns,
		MaxIdleConns: cfg.MySQL.MaxIdleConns, ConnMaxLifetime: cfg.MySQL.ConnMaxLifetime, QueryTimeout: cfg.MySQL.QueryTimeout})
	if err != nil {
		return nil, err
	}
	rdb := NewRedis(cfg.Redis)
	box, err := pii.New(cfg.PIIKey())
	if err != nil {
		db.Close()
		rdb.Close()
		return nil, err
	}
	uploads, err := newUploads(cfg, db)
	if err != nil {
		db.Close()
		rdb.Close()
		return nil, err
	}
	prefix := cfg.Redis.KeyPrefix
	wx := wechat.New(wechat.Options{AppID: cfg.WeChat.AppID, Secret: cfg.WeChat.Secret, APIBase: cfg.WeChat.APIBase,
		Timeout: cfg.WeChat.Timeout, State: cfg.WeChat.MiniprogramState, Redis: rdb, KeyPrefix: prefix, Log: log})
	sessions := session.NewStore(rdb, prefix, map[session.Kind]session.Policy{
		session.KindUser:  {Idle: cfg.Session.UserTTL, Max: cfg.Session.UserMax},
		session.KindStaff: {Idle: cfg.Session.StaffIdle, Max: cfg.Session.StaffMax},
	})
	a := &App{
		Config: cfg, Log: log, DB: db, Redis: rdb, WeChat: wx, Sessions: sessions,
		Accounts: account.NewService(db, wx, box),
		Staff:    staff.NewService(db, rdb, prefix, staffOptions(cfg.Staff)),
		Regions:  region.NewService(db, cfg.Registry.CacheTTL),
	}
	a.Surveys = survey.NewService(db, a.Accounts)
	a.OA = wechat.NewOA(wechat.OAOptions{AppID: cfg.WeChat.OAAppID, Secret: cfg.WeChat.OASecret, Token: cfg.WeChat.OAToken,
		EncodingAESKey: cfg.WeChat.OAAESKey, MiniProgramAppID: cfg.WeChat.AppID, Redis: rdb, KeyPrefix: prefix, Log: log})
	quiet := notify.Quiet{From: cfg.Notify.QuietFrom, To: cfg.Notify.QuietTo}
	a.Notify = notify.NewService(db, notify.Options{ProgressTemplateID: cfg.Notify.ProgressTemplateID,
		NoticeTemplateID: cfg.Notify.NoticeTemplateID, NoticeLongTerm: cfg.Notify.NoticeLongTerm,
		ConsentFromWeChat: cfg.WeChat.CallbackToken != "", Cap: cfg.Notify.WeeklyCap, Quiet: quiet})
	push := notify.PushOptions{TemplateID: cfg.Notify.NoticeTemplateID, Cap: cfg.Notify.WeeklyCap, Quiet: quiet}
	if a.OA != nil {
		push.OA, push.OATemplateID = a.OA, cfg.Notify.OATemplateID
	}
	var limiter notify.Limiter
	if cfg.Notify.Rate > 0 {
		// One rate for the app across replicas: WeChat's quota is per app.
		limiter = notify.NewSharedRate(rdb, prefix+"{notify}:rate", float64(cfg.Notify.Rate))
	}
	a.NotifyWorker = notify.NewWorker(db, wx, notify.WorkerOptions{Workers: cfg.Notify.Workers, Rate: float64(cfg.Notify.Rate),
		Limiter: limiter, Push: push, MaxAttempts: cfg.Notify.MaxAttempts, Lease: cfg.Notify.Lease, Log: log})
	a.Uploads = uploads
	a.Applications = application.NewService(db, box, uploads, a.Notify, moderation.UserText{Checker: wx, Log: log,
		OpenID: func(ctx context.Context, userID int64) (string, error) {
			id, err := a.Accounts.Identity(ctx, userID)
			return id.OpenID, err
		}})
	a.Points = points.NewService(db, points.Options{ExpiryYears: cfg.Points.ExpiryYears})
	a.Policies = policy.NewService(db, nil)
	a.Policies.PushQuiet = &quiet
	a.Notices = notice.NewService(db, nil).WithPushes(quiet)
	// 政策找人: a policy's first publication proposes a notice of it to its audience.
	a.Policies.OnFirstPublish = func(ctx context.Context, tx *sqlx.Tx, staffID, id int64, c policy.Content) error {
		return notice.ProposeForPolicy(ctx, tx, staffID, id, c.Title, c.Summary, c.Rule, time.Now().UTC())
	}
	a.Alumni = alumni.NewService(db, person.NewStore(box), a.Accounts, wx, a.Points, wx, log)
	a.Selections = selection.NewService(db, selectionRewards{alumni: a.Alumni, points: a.Points}, nil).WithFiles(uploads)
	a.Returnees = returnee.NewService(db, person.NewStore(box), a.Regions, a.Accounts, wx, log, cfg.Registry.FreshDays, cfg.Registry.MaxImportRows, cfg.Registry.CacheTTL)
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewDBStatsCollector(db.DB, "huixiang"))
	metrics := http.NewServeMux()
	metrics.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	a.MetricsHandler = metrics
	a.ServicePoints = servicepoint.NewService(db, nil)
	a.Mentors = mentor.NewService(db, nil).WithQuiet(quiet)
	a.Trainings = training.NewService(db, nil)
	a.Projects = project.NewService(db, nil)
	a.ProjectTeams = projectteam.NewService(db, nil)
	a.Consultations = consultation.NewService(db, uploads, a.Notify, moderation.UserText{Checker: wx, Log: log,
		OpenID: func(ctx context.Context, userID int64) (string, error) {
			id, err := a.Accounts.Identity(ctx, userID)
			return id.OpenID, err
		}}).WithPushes(quiet)
	a.Merchants = merchant.NewService(db, person.NewStore(box), a.Accounts, moderation.UserText{Checker: wx, Log: log,
		OpenID: func(ctx context.Context, userID int64) (string, error) {
			id, err := a.Accounts.Identity(ctx, userID)
			return id.OpenID, err
		}}, cfg.Registry.FreshDays, nil)
	a.Appeals = appeal.NewService(db, uploads, a.Notify, moderation.UserText{Checker: wx, Log: log,
		OpenID: func(ctx context.Context, userID int64) (string, error) {
			id, err := a.Accounts.Identity(ctx, userID)
			return id.OpenID, err
		}}).WithPushes(quiet)
	a.Visits = visit.NewService(db, nil)
	a.Matches = match.NewService(db, person.NewStore(box),
		match.NewEmbedder(cfg.Match.EmbeddingsURL, cfg.Match.EmbeddingsModel, cfg.Match.EmbeddingsKey), log, nil)
	con, err := console.New(console.Deps{
		Log: log, DB: db, Sessions: sessions, Staff: a.Staff, Regions: a.Regions, Returnees: a.Returnees,
		Applications: a.Applications, Points: a.Points, Alumni: a.Alumni, Surveys: a.Surveys, Notify: a.Notify,
		Uploads: a.Uploads, Policies: a.Policies, Notices: a.Notices, ServicePoints: a.ServicePoints, Selections: a.Selections,
		Mentors: a.Mentors, Consultations: a.Consultations, Trainings: a.Trainings,
		Merchants:     a.Merchants,
		Projects:      a.Projects,
		ProjectTeams:  a.ProjectTeams,
		Appeals:       a.Appeals,
		Visits:        a.Visits,
		Matches:       a.Matches,
		SecureCookies: cfg.HTTP.SecureCookies, MaxUploadBytes: cfg.HTTP.MaxUploadBytes,
	})
	if err != nil {
		return nil, err
	}
	a.Console = con
	a.Policies.Words = con.RuleWords
	a.Handler = httpapi.New(httpapi.Deps{
		Console: con.Mount, ConsoleNotFound: con.NotFound,
		Log: log, DB: db, Redis: rdb, Registry: reg, Accounts: a.Accounts, Staff: a.Staff, Sessions: sessions,
		MaxBodyBytes: cfg.HTTP.MaxBodyBytes, MaxUploadBytes: cfg.HTTP.MaxUploadBytes + 64<<10, RequestTimeout: cfg.HTTP.WriteTimeout,
		TrustedProxies: httpapi.SplitProxies(cfg.HTTP.TrustedProxies),
		Surveys:        a.Surveys,
		Notify:         a.Notify,
		Policies:       a.Policies,
		Notices:        a.Notices,
		ServicePoints:  a.ServicePoints,
		Selections:     a.Selections,
		Trainings:      a.Trainings,
		Projects:       a.Projects,
		ProjectTeams:   a.ProjectTeams,
		Mentors:        a.Mentors,
		Consultations:  a.Consultations,
		WeChatCallback: wechat.CallbackKeys{Token: cfg.WeChat.CallbackToken, EncodingAESKey: cfg.WeChat.CallbackAESKey, AppID: cfg.WeChat.AppID},
		OA:             a.OA,
		Applications:   a.Applications,
		Points:         a.Points,
		Alumni:         a.Alumni,
		Regions:        a.Regions,
		Returnees:      a.Returnees,
		Uploads:        a.Uploads,
		// The attachment limit plus room for the multipart framing and the kind field.
		MaxAttachmentBytes: cfg.Upload.MaxBytes + 64<<10,
		Limiter:            ratelimit.New(rdb, prefix),
		Limits:             cfg.Limits,
		Merchants:          a.Merchants,
		Appeals:            a.Appeals,
		Visits:             a.Visits,
		Matches:            a.Matches,
	})
	return a, nil
}

// HTTPServer is the http.Server that serves a.Handler, with the server-wide timeouts. The
// upload routes extend their own read and write deadlines (see httpapi), so that a 10 MB file
// fits at 256 kbit/s while every other route keeps these.
func (a *App) HTTPServer() *http.Server {
	return &http.Server{
		Addr:              a.Config.HTTP.Addr,
		Handler:           a.Handler,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       a.Config.HTTP.ReadTimeout,
		WriteTimeout:      a.Config.HTTP.WriteTimeout,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(a.Log.Handler(), slog.LevelWarn),
	}
}

func staffOptions(c config.Staff) staff.Options {
	return staff.Options{MaxFailures: c.MaxFailures, LockFor: c.LockDuration,
		AccountMaxFailures: c.AccountMaxFailures, AccountMinIPs: c.AccountMinIPs, AccountWindow: c.AccountWindow,
		AccountLockFor: c.AccountLockDuration, LoginPerIP: c.LoginPerIP, LoginPerUsername: c.LoginPerUsername,
		LoginWindow: c.LoginWindow, HashSlots: c.HashSlots, HashWait: c.HashWait}
}

// newUploads builds the attachment service over the local directory (created here), with the
// files encrypted at rest.
func newUploads(cfg config.Config, db *sqlx.DB) (*upload.Service, error) {
	local, err := upload.NewLocal(cfg.Upload.Dir)
	if err != nil {
		return nil, err
	}
	fileKey := cfg.UploadFileKey()
	if fileKey == nil {
		fileKey = upload.DeriveFileKey(cfg.PIIKey())
	}
	store, err := upload.NewEncrypted(local, fileKey)
	if err != nil {
		return nil, err
	}
	key := cfg.UploadURLKey()
	if key == nil {
		key = upload.DeriveURLKey(cfg.PIIKey())
	}
	return upload.NewService(db, upload.Options{Storage: store, MaxBytes: cfg.Upload.MaxBytes, URLKey: key,
		URLTTL: cfg.Upload.URLTTL, URLBase: cfg.Upload.URLBase, DailyFiles: cfg.Upload.DailyFiles, DailyBytes: cfg.Upload.DailyBytes})
}

// NewRedis returns a UniversalClient: one address is a single node, several are a cluster, and a
// master name selects Sentinel.
func NewRedis(c config.Redis) redis.UniversalClient {
	var addrs []string
	for _, a := range strings.Split(c.Addr, ",") {
		if a = strings.TrimSpace(a); a != "" {
			addrs = append(addrs, a)
		}
	}
	return redis.NewUniversalClient(&redis.UniversalOptions{
		Addrs: addrs, Password: c.Password, DB: c.DB, MasterName: c.MasterName, PoolSize: c.PoolSize,
		DialTimeout: c.Timeout, ReadTimeout: c.Timeout, WriteTimeout: c.Timeout, PoolTimeout: c.Timeout,
		MaxRetries: 1,
	})
}

// PrepareSchema waits up to wait for MySQL, then migrates when auto-migrate is on, or refuses to
// go on when the schema is older than the code.
func (a *App) PrepareSchema(ctx context.Context, wait time.Duration) error {
	if err := waitFor(ctx, wait, func(ctx context.Context) error { return a.DB.PingContext(ctx) }); err != nil {
		return fmt.Errorf("mysql not reachable: %w", err)
	}
	if a.Config.MySQL.AutoMigrate {
		return sqldb.Migrate(ctx, a.DB, a.Log)
	}
	return sqldb.CheckSchema(ctx, a.DB)
}

// Bootstrap creates the first administrator when HX_ADMIN_BOOTSTRAP_PASSWORD is set.
func (a *App) Bootstrap(ctx context.Context) error {
	if a.Config.Admin.BootstrapPassword == "" {
		if n, err := a.Staff.Count(ctx); err == nil && n == 0 {
			a.Log.Warn("no staff account exists and HX_ADMIN_BOOTSTRAP_PASSWORD is not set: nobody can sign in to the console")
		}
		return nil
	}
	created, err := a.Staff.BootstrapAdmin(ctx, a.Config.Admin.BootstrapPassword)
	if err != nil {
		return fmt.Errorf("bootstrap admin: %w", err)
	}
	if created {
		a.Log.Info("created staff account admin (district_admin) from HX_ADMIN_BOOTSTRAP_PASSWORD")
	}
	return nil
}

func waitFor(ctx context.Context, wait time.Duration, ping func(context.Context) error) error {
	deadline := time.Now().Add(wait)
	for {
		pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		err := ping(pctx)
		cancel()
		if err == nil || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// Close releases the pools.
func (a *App) Close() {
	a.DB.Close()
	a.Redis.Close()
}
