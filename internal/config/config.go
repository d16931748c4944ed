// Package config loads the server's one Config from an optional YAML file and HX_* environment
// variables, validates it once at start, and prints it with secrets masked.
package config

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"reflect"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"huixiang/internal/staff"
)

// Config is every setting of the server. The yaml tag names the key in configs/*.yaml; the
// environment variable is HX_<SECTION>_<KEY> in upper case (wechat.api_base → HX_WECHAT_API_BASE).
// Fields tagged secret:"true" are never printed.
type Config struct {
	HTTP     HTTP     `yaml:"http"`
	MySQL    MySQL    `yaml:"mysql"`
	Redis    Redis    `yaml:"redis"`
	WeChat   WeChat   `yaml:"wechat"`
	PII      PII      `yaml:"pii"`
	Admin    Admin    `yaml:"admin"`
	Session  Session  `yaml:"session"`
	Staff    Staff    `yaml:"staff"`
	Registry Registry `yaml:"registry"`
	Notify   Notify   `yaml:"notify"`
	Upload   Upload   `yaml:"upload"`
	Log      Log      `yaml:"log"`
	Points   Points   `yaml:"points"`
	Metrics  Metrics  `yaml:"metrics"`
	Limits   Limits   `yaml:"limits"`
	Jobs     Jobs     `yaml:"jobs"`
	Match    Match    `yaml:"match"`
}

// Match configures the optional semantic re-ranking of the matching engine (internal/match)
// through an OpenAI-compatible embeddings endpoint. An empty URL switches it off; the engine
// then ranks by its structured features and text similarity alone.
type Match struct {
	// EmbeddingsURL is the endpoint's base (https://host/v1 or https://host; /embeddings or
	// /v1/embeddings is appended when missing).
	EmbeddingsURL   string `yaml:"embeddings_url"`
	EmbeddingsModel string `yaml:"embeddings_model"`
	EmbeddingsKey   string `yaml:"embeddings_key" secret:"true"`
}

// Jobs configures the nightly jobs (points expiry, upload sweep) that serve runs at 00:10
// Beijing; every replica runs the schedule and one claims each night's run in job_runs.
type Jobs struct {
	// Enabled runs the schedule in serve; false leaves it to `server jobs run` (cron).
	Enabled bool `yaml:"enabled"`
	// Lease is how long a run's claim lasts without renewal (the runner renews it while the job
	// works): a run whose replica died is taken over after it, and failed runs are retried then.
	Lease time.Duration `yaml:"lease"`
}

// Metrics configures the Prometheus listener, apart from the public one so that the API port
// never shows request counts, routes and pool figures to the internet.
type Metrics struct {
	// Addr is where /metrics is served (127.0.0.1:9090); "off" (or empty in the file) serves none.
	Addr string `yaml:"addr"`
}

// Limits are the rate limits of the mini program's calls that spend WeChat quota (sign-in, phone
// binding, saves whose text WeChat checks): at most so many per Window, per client address and
// per user. A real user never reaches them; a script does. 0 switches a limit off.
type Limits struct {
	Window time.Duration `yaml:"window"`
	// WeChatLoginPerIP bounds POST /api/v1/auth/login per address. Mobile carriers put many
	// phones behind one address (CGNAT), so it is generous.
	WeChatLoginPerIP int `yaml:"wechat_login_per_ip"`
	// WeChatPerIP and WeChatPerUser bound each of phone binding and the content-checked saves.
	WeChatPerIP   int `yaml:"wechat_per_ip"`
	WeChatPerUser int `yaml:"wechat_per_user"`
}

// Points configures the alumni contribution points.
type Points struct {
	// ExpiryYears: earned points expire at the end of the ExpiryYears-th calendar year after the
	// year they were earned in (Asia/Shanghai); 0 never expires them.
	ExpiryYears int `yaml:"expiry_years"`
}

// HTTP configures the listener.
type HTTP struct {
	Addr            string        `yaml:"addr"`
	MaxBodyBytes    int64         `yaml:"max_body_bytes"`
	MaxUploadBytes  int64         `yaml:"max_upload_bytes"`
	ReadTimeout     time.Duration `yaml:"read_timeout"`
	WriteTimeout    time.Duration `yaml:"write_timeout"`
	ShutdownTimeout time.Duration `yaml:"shutdown_timeout"`
	// TrustedProxies lists the reverse proxies whose X-Forwarded-For is believed (comma-separated CIDRs or IPs).
	TrustedProxies string `yaml:"trusted_proxies"`
	// SecureCookies marks the console's session cookie Secure and names it with the __Host-
	// prefix; set it whenever the console is served over HTTPS (always, outside a laptop).
	SecureCookies bool `yaml:"secure_cookies"`
}

// MySQL configures the record store.
type MySQL struct {
	DSN             string        `yaml:"dsn" secret:"true" required:"true"`
	MaxOpenConns    int           `yaml:"max_open_conns"`
	MaxIdleConns    int           `yaml:"max_idle_conns"`
	ConnMaxLifetime time.Duration `yaml:"conn_max_lifetime"`
	QueryTimeout    time.Duration `yaml:"query_timeout"`
	AutoMigrate     bool          `yaml:"auto_migrate"`
}

// Redis configures sessions, caches and locks. Addr takes one address, or several separated by
// commas for a cluster; MasterName selects Sentinel.
type Redis struct {
	Addr       string        `yaml:"addr" required:"true"`
	Password   string        `yaml:"password" secret:"true"`
	DB         int           `yaml:"db"`
	MasterName string        `yaml:"master_name"`
	KeyPrefix  string        `yaml:"key_prefix"`
	Timeout    time.Duration `yaml:"timeout"`
	PoolSize   int           `yaml:"pool_size"`
}

// WeChat configures the mini program's credentials and where the WeChat API is.
type WeChat struct {
	AppID            string        `yaml:"appid" required:"true"`
	Secret           string        `yaml:"secret" secret:"true" required:"true"`
	APIBase          string        `yaml:"api_base"`
	Timeout          time.Duration `yaml:"timeout"`
	MiniprogramState string        `yaml:"miniprogram_state"`
	// CallbackToken and CallbackAESKey are the mini program's message push (消息推送) keys, as
	// set in the WeChat console: /wechat/callback answers only when the token is set, and then
	// subscribe consents are counted from WeChat's events alone. The AES key (43 characters) is
	// needed for the encrypted mode (安全模式).
	CallbackToken  string `yaml:"callback_token" secret:"true"`
	CallbackAESKey string `yaml:"callback_aes_key" secret:"true"`
	// OA* are the district's official account (公众号): empty OAAppID, no official-account
	// messages; OAToken and OAAESKey sign and encrypt its message push at /wechat/oa/callback.
	OAAppID  string `yaml:"oa_appid"`
	OASecret string `yaml:"oa_secret" secret:"true"`
	OAToken  string `yaml:"oa_token" secret:"true"`
	OAAESKey string `yaml:"oa_aes_key" secret:"true"`
}

// PII holds the key that encrypts personal information at rest.
type PII struct {
	// Key is 32 random bytes, base64 encoded.
	Key string `yaml:"key" secret:"true" required:"true"`
}

// Admin configures the first staff account.
type Admin struct {
	BootstrapPassword string `yaml:"bootstrap_password" secret:"true"`
}

// Session configures lifetimes of sign-in sessions.
type Session struct {
	UserTTL time.Duration `yaml:"user_ttl"`
	// UserMax ends a mini-program session this long after sign-in however active it is.
	UserMax   time.Duration `yaml:"user_max"`
	StaffIdle time.Duration `yaml:"staff_idle"`
	StaffMax  time.Duration `yaml:"staff_max"`
}

// Staff configures the staff sign-in limits and lockout.
type Staff struct {
	// MaxFailures wrong passwords for one username from one address lock that pair (not the
	// account) for LockDuration.
	MaxFailures  int           `yaml:"max_failures"`
	LockDuration time.Duration `yaml:"lock_duration"`
	// The whole account locks for AccountLockDuration after AccountMaxFailures failures within
	// AccountWindow from at least AccountMinIPs addresses (0 failures: never).
	AccountMaxFailures  int           `yaml:"account_max_failures"`
	AccountMinIPs       int           `yaml:"account_min_ips"`
	AccountWindow       time.Duration `yaml:"account_window"`
	AccountLockDuration time.Duration `yaml:"account_lock_duration"`
	// Sign-in attempts per address and per username within LoginWindow (sliding); more get 429.
	LoginPerIP       int           `yaml:"login_per_ip"`
	LoginPerUsername int           `yaml:"login_per_username"`
	LoginWindow      time.Duration `yaml:"login_window"`
	// HashSlots argon2id hashes (19 MiB each) run at once; a sign-in waits at most HashWait for
	// a slot, then gets 503.
	HashSlots int           `yaml:"hash_slots"`
	HashWait  time.Duration `yaml:"hash_wait"`
}

// Registry configures the returnee registry.
type Registry struct {
	// FreshDays is the window of the "dynamic update rate": a record confirmed or updated within
	// it counts as up to date.
	FreshDays int `yaml:"fresh_days"`
	// MaxImportRows is the most data rows one spreadsheet import takes.
	MaxImportRows int `yaml:"max_import_rows"`
	// CacheTTL is how long a process keeps the option lists and regions it read from MySQL: a
	// change made through this process is seen at once, one made elsewhere (another replica, SQL)
	// within CacheTTL. 0 reads them on every use.
	CacheTTL time.Duration `yaml:"cache_ttl"`
}

// Notify configures notifications: the subscribe template and the outbox worker.
type Notify struct {
	// ProgressTemplateID is the WeChat subscribe template "申请进度通知" (keys thing1, phrase2,
	// time3, thing4).
	ProgressTemplateID string `yaml:"progress_template_id"`
	// Workers is the number of sending goroutines per process; 0 runs no worker in serve.
	Workers int `yaml:"workers"`
	// Rate caps WeChat sends per second for the app, all processes together (a token bucket in
	// Redis; 0: no cap).
	Rate int `yaml:"rate"`
	// NoticeTemplateID is the subscribe template of notices and policy matches (keys thing1
	// title, thing2 summary, time3 when); empty: none. NoticeLongTerm: it is a long-term
	// template (长期订阅), whose consent lasts until the user turns it off.
	NoticeTemplateID string `yaml:"notice_template_id"`
	NoticeLongTerm   bool   `yaml:"notice_long_term"`
	// OATemplateID is the official account's template for the same (same keys).
	OATemplateID string `yaml:"oa_template_id"`
	// WeeklyCap is how many broadcast pushes one person gets per 7 days; more go to the inbox only.
	WeeklyCap int `yaml:"weekly_cap"`
	// QuietFrom and QuietTo are the Beijing hours without pushes (22 to 8: 22:00–08:00; equal: none).
	QuietFrom int `yaml:"quiet_from"`
	QuietTo   int `yaml:"quiet_to"`
	// MaxAttempts is how many tries a message gets before it is dead.
	MaxAttempts int `yaml:"max_attempts"`
	// Lease is how long a claimed message stays with its worker; it must outlast the WeChat calls.
	Lease time.Duration `yaml:"lease"`
}

// Upload configures attachments: where the files are kept and their signed URLs.
type Upload struct {
	// Dir is the local directory the files are stored in; created at start.
	Dir string `yaml:"dir"`
	// MaxBytes is the largest file accepted.
	MaxBytes int64 `yaml:"max_bytes"`
	// URLKey signs file URLs: at least 32 random bytes, base64. Empty derives one from the PII
	// key. Every replica needs the same.
	URLKey string `yaml:"url_key" secret:"true"`
	// URLTTL is how long a signed file URL works.
	URLTTL time.Duration `yaml:"url_ttl"`
	// URLBase is put before /api/v1/files/... in signed URLs (https://api.example.cn); empty gives
	// host-relative URLs.
	URLBase string `yaml:"url_base"`
	// DailyFiles and DailyBytes bound what one user may upload per calendar day (Beijing);
	// beyond, uploads get 429 until midnight.
	DailyFiles int64 `yaml:"daily_files"`
	DailyBytes int64 `yaml:"daily_bytes"`
	// FileKey encrypts the stored files (AES-256-GCM): 32 random bytes, base64. Empty derives one
	// from the PII key. Every replica needs the same; losing it loses the files.
	FileKey string `yaml:"file_key" secret:"true"`
	// UnattachedTTL is how long an upload no application claimed is kept; the nightly sweep
	// deletes older ones (row and file).
	UnattachedTTL time.Duration `yaml:"unattached_ttl"`
}

// Log configures the slog handler.
type Log struct {
	Level string `yaml:"level"`
}

// Default returns the configuration used when neither file nor environment says otherwise.
func Default() Config {
	return Config{
		HTTP: HTTP{Addr: ":8080", MaxBodyBytes: 1 << 20, MaxUploadBytes: 20 << 20, ReadTimeout: 15 * time.Second,
			WriteTimeout: 30 * time.Second, ShutdownTimeout: 20 * time.Second},
		MySQL: MySQL{MaxOpenConns: 32, MaxIdleConns: 32, ConnMaxLifetime: 30 * time.Minute,
			QueryTimeout: 5 * time.Second, AutoMigrate: false},
		Redis:    Redis{Addr: "127.0.0.1:6379", KeyPrefix: "hx:", Timeout: 2 * time.Second, PoolSize: 64},
		WeChat:   WeChat{APIBase: "https://api.weixin.qq.com", Timeout: 5 * time.Second, MiniprogramState: "formal"},
		Session:  Session{UserTTL: 7 * 24 * time.Hour, UserMax: 30 * 24 * time.Hour, StaffIdle: 30 * time.Minute, StaffMax: 12 * time.Hour},
		Staff:    Staff{MaxFailures: 5, LockDuration: 15 * time.Minute, AccountMaxFailures: 50, AccountMinIPs: 5, AccountWindow: time.Hour, AccountLockDuration: time.Hour, LoginPerIP: 20, LoginPerUsername: 20, LoginWindow: time.Minute, HashSlots: 2, HashWait: 1500 * time.Millisecond},
		Registry: Registry{FreshDays: 180, MaxImportRows: 100_000, CacheTTL: 5 * time.Second},
		Notify: Notify{ProgressTemplateID: "TMPL_APPLICATION_PROGRESS", Workers: 2, Rate: 20, MaxAttempts: 8, Lease: 30 * time.Second,
			NoticeTemplateID: "TMPL_POLICY_NOTICE", NoticeLongTerm: true, OATemplateID: "TMPL_OA_POLICY_NOTICE", WeeklyCap: 3, QuietFrom: 22, QuietTo: 8},
		Upload:  Upload{Dir: "./var/uploads", MaxBytes: 10 << 20, URLTTL: 10 * time.Minute, DailyFiles: 50, DailyBytes: 100 << 20, UnattachedTTL: 24 * time.Hour},
		Log:     Log{Level: "info"},
		Points:  Points{ExpiryYears: 2},
		Metrics: Metrics{Addr: "127.0.0.1:9090"},
		Limits:  Limits{Window: time.Minute, WeChatLoginPerIP: 120, WeChatPerIP: 240, WeChatPerUser: 10},
		Jobs:    Jobs{Enabled: true, Lease: 2 * time.Minute},
	}
}

// Load reads the YAML file at path (skipped when path is empty) over the defaults, then applies
// HX_* variables from getenv, then validates. The error names the offending key.
func Load(path string, getenv func(string) string) (Config, error) {
	cfg := Default()
	if path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return cfg, fmt.Errorf("config: read %s: %w", path, err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(b))
		dec.KnownFields(true)
		if err := dec.Decode(&cfg); err != nil && !errors.Is(err, io.EOF) {
			return cfg, fmt.Errorf("config: %s: %w", path, err)
		}
	}
	if err := applyEnv(&cfg, getenv); err != nil {
		return cfg, err
	}
	if cfg.Metrics.Addr == "off" { // an empty variable cannot override the default
		cfg.Metrics.Addr = ""
	}
	return cfg, cfg.Validate()
}

// PIIKey returns the decoded 32-byte PII key. Validate has checked it.
func (c Config) PIIKey() []byte {
	k, _ := base64.StdEncoding.DecodeString(c.PII.Key)
	return k
}

// Validate checks required and malformed values and names the first bad key by its env variable.
func (c Config) Validate() error {
	var problems []string
	_ = walk(&c, func(env string, f reflect.StructField, v reflect.Value) error {
		if f.Tag.Get("required") == "true" && v.Kind() == reflect.String && strings.TrimSpace(v.String()) == "" {
			problems = append(problems, env+" is required")
		}
		return nil
	})
	if c.PII.Key != "" {
		k, err := base64.StdEncoding.DecodeString(c.PII.Key)
		if err != nil || len(k) != 32 {
			problems = append(problems, "HX_PII_KEY must be 32 bytes, base64 encoded")
		}
	}
	if c.Admin.BootstrapPassword != "" {
		if err := staff.CheckPassword(c.Admin.BootstrapPassword, "admin"); err != nil {
			problems = append(problems, "HX_ADMIN_BOOTSTRAP_PASSWORD must have 10-128 characters with letters and digits, "+
				"not be a common password and not contain \"admin\"")
		}
	}
	for _, k := range [][2]string{{"HX_WECHAT_CALLBACK_AES_KEY", c.WeChat.CallbackAESKey}, {"HX_WECHAT_OA_AES_KEY", c.WeChat.OAAESKey}} {
		if k[1] != "" && len(k[1]) != 43 {
			problems = append(problems, k[0]+" must be the 43-character EncodingAESKey of the WeChat console")
		}
	}
	if c.WeChat.OAAppID != "" && (c.WeChat.OASecret == "" || c.WeChat.OAToken == "") {
		problems = append(problems, "HX_WECHAT_OA_SECRET and HX_WECHAT_OA_TOKEN are required with HX_WECHAT_OA_APPID")
	}
	if c.WeChat.APIBase != "" && !strings.HasPrefix(c.WeChat.APIBase, "http://") && !strings.HasPrefix(c.WeChat.APIBase, "https://") {
		problems = append(problems, "HX_WECHAT_API_BASE must start with http:// or https://")
	}
	switch c.WeChat.MiniprogramState {
	case "developer", "trial", "formal":
	default:
		problems = append(problems, "HX_WECHAT_MINIPROGRAM_STATE must be developer, trial or formal")
	}
	switch strings.ToLower(c.Log.Level) {
	case "debug", "info", "warn", "error":
	default:
		problems = append(problems, "HX_LOG_LEVEL must be debug, info, warn or error")
	}
	if c.Session.UserTTL <= 0 || c.Session.UserMax < c.Session.UserTTL || c.Session.StaffIdle <= 0 || c.Session.StaffMax < c.Session.StaffIdle {
		problems = append(problems, "HX_SESSION_*: lifetimes must be positive, user_max ≥ user_ttl and staff_max ≥ staff_idle")
	}
	problems = append(problems, c.Staff.problems()...)
	if c.Limits.Window <= 0 || c.Limits.WeChatLoginPerIP < 0 || c.Limits.WeChatPerIP < 0 || c.Limits.WeChatPerUser < 0 {
		problems = append(problems, "HX_LIMITS_WINDOW must be positive and HX_LIMITS_* counts 0 (off) or positive")
	}
	if c.Registry.FreshDays <= 0 || c.Registry.MaxImportRows <= 0 {
		problems = append(problems, "HX_REGISTRY_FRESH_DAYS and HX_REGISTRY_MAX_IMPORT_ROWS must be positive")
	}
	if c.Registry.CacheTTL < 0 || c.Registry.CacheTTL > time.Hour {
		problems = append(problems, "HX_REGISTRY_CACHE_TTL must be between 0 (no cache) and 1h")
	}
	problems = append(problems, c.Notify.problems(c.WeChat.Timeout)...)
	problems = append(problems, c.Upload.problems()...)
	if c.Points.ExpiryYears < 0 || c.Points.ExpiryYears > 20 {
		problems = append(problems, "HX_POINTS_EXPIRY_YEARS must be between 0 (never) and 20")
	}
	if c.HTTP.MaxBodyBytes <= 0 || c.HTTP.MaxUploadBytes <= 0 || c.MySQL.QueryTimeout <= 0 || c.MySQL.MaxOpenConns <= 0 {
		problems = append(problems, "HX_HTTP_MAX_BODY_BYTES, HX_MYSQL_QUERY_TIMEOUT and HX_MYSQL_MAX_OPEN_CONNS must be positive")
	}
	if strings.ContainsAny(c.Redis.KeyPrefix, "{}") {
		problems = append(problems, "HX_REDIS_KEY_PREFIX must not contain { or }: keys put their Redis Cluster hash tag after it")
	}
	if c.Jobs.Lease < 10*time.Second || c.Jobs.Lease > time.Hour {
		problems = append(problems, "HX_JOBS_LEASE must be between 10s and 1h")
	}
	if c.Metrics.Addr != "" {
		if _, port, err := net.SplitHostPort(c.Metrics.Addr); err != nil || port == "" {
			problems = append(problems, "HX_METRICS_ADDR must be host:port (127.0.0.1:9090), or off for no metrics")
		} else if c.Metrics.Addr == c.HTTP.Addr {
			problems = append(problems, "HX_METRICS_ADDR must differ from HX_HTTP_ADDR")
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("config: %s", strings.Join(problems, "; "))
	}
	return nil
}

func (s Staff) problems() []string {
	var p []string
	if s.MaxFailures < 1 || s.LockDuration <= 0 {
		p = append(p, "HX_STAFF_MAX_FAILURES and HX_STAFF_LOCK_DURATION must be positive")
	}
	if s.AccountMaxFailures < 0 || s.AccountMinIPs < 1 || s.AccountWindow < s.LockDuration || s.AccountLockDuration <= 0 {
		p = append(p, "HX_STAFF_ACCOUNT_*: max_failures 0 (never) or positive, min_ips ≥ 1, window ≥ HX_STAFF_LOCK_DURATION, lock_duration positive")
	}
	// Sign-in must never run unlimited: these limits cannot be switched off.
	if s.LoginPerIP < 1 || s.LoginPerUsername < 1 || s.LoginWindow <= 0 {
		p = append(p, "HX_STAFF_LOGIN_PER_IP, HX_STAFF_LOGIN_PER_USERNAME and HX_STAFF_LOGIN_WINDOW must be positive")
	}
	if s.HashSlots < 1 || s.HashSlots > 64 || s.HashWait <= 0 || s.HashWait > 10*time.Second {
		p = append(p, "HX_STAFF_HASH_SLOTS must be between 1 and 64 and HX_STAFF_HASH_WAIT between 1ms and 10s")
	}
	return p
}

func (n Notify) problems(wechatTimeout time.Duration) []string {
	var p []string
	if strings.TrimSpace(n.ProgressTemplateID) == "" || len(n.ProgressTemplateID) > 128 {
		p = append(p, "HX_NOTIFY_PROGRESS_TEMPLATE_ID is required (at most 128 characters)")
	}
	if n.Workers < 0 || n.Workers > 64 {
		p = append(p, "HX_NOTIFY_WORKERS must be between 0 and 64")
	}
	if n.Rate < 0 {
		p = append(p, "HX_NOTIFY_RATE must be 0 (no cap) or positive")
	}
	if n.MaxAttempts < 1 || n.MaxAttempts > 50 {
		p = append(p, "HX_NOTIFY_MAX_ATTEMPTS must be between 1 and 50")
	}
	if n.WeeklyCap < 0 || n.WeeklyCap > 100 {
		p = append(p, "HX_NOTIFY_WEEKLY_CAP must be between 0 and 100")
	}
	if n.QuietFrom < 0 || n.QuietFrom > 23 || n.QuietTo < 0 || n.QuietTo > 23 {
		p = append(p, "HX_NOTIFY_QUIET_FROM and HX_NOTIFY_QUIET_TO are hours from 0 to 23")
	}
	// One send may take a token fetch and a send, twice when the token was stale: the lease
	// must outlast four WeChat timeouts so that a live worker never loses its row mid-call.
	if n.Lease < 4*wechatTimeout || n.Lease > time.Hour {
		p = append(p, "HX_NOTIFY_LEASE must be at least 4 × HX_WECHAT_TIMEOUT and at most 1h")
	}
	return p
}

func (u Upload) problems() []string {
	var p []string
	if strings.TrimSpace(u.Dir) == "" {
		p = append(p, "HX_UPLOAD_DIR is required")
	}
	if u.MaxBytes <= 0 || u.MaxBytes > 1<<30 {
		p = append(p, "HX_UPLOAD_MAX_BYTES must be positive and at most 1 GiB")
	}
	if u.URLTTL < time.Second || u.URLTTL > 24*time.Hour {
		p = append(p, "HX_UPLOAD_URL_TTL must be between 1s and 24h")
	}
	if u.URLKey != "" {
		if k, err := base64.StdEncoding.DecodeString(u.URLKey); err != nil || len(k) < 32 {
			p = append(p, "HX_UPLOAD_URL_KEY must be at least 32 bytes, base64 encoded")
		}
	}
	if u.URLBase != "" && !strings.HasPrefix(u.URLBase, "http://") && !strings.HasPrefix(u.URLBase, "https://") {
		p = append(p, "HX_UPLOAD_URL_BASE must start with http:// or https://")
	}
	if u.DailyFiles < 1 || u.DailyBytes < u.MaxBytes {
		p = append(p, "HX_UPLOAD_DAILY_FILES must be positive and HX_UPLOAD_DAILY_BYTES at least HX_UPLOAD_MAX_BYTES")
	}
	if u.FileKey != "" {
		if k, err := base64.StdEncoding.DecodeString(u.FileKey); err != nil || len(k) != 32 {
			p = append(p, "HX_UPLOAD_FILE_KEY must be 32 bytes, base64 encoded")
		}
	}
	if u.UnattachedTTL < time.Hour {
		p = append(p, "HX_UPLOAD_UNATTACHED_TTL must be at least 1h")
	}
	return p
}

// UploadURLKey returns the decoded HX_UPLOAD_URL_KEY, or nil when it is not set (the caller then
// derives one from the PII key). Validate has checked it.
func (c Config) UploadURLKey() []byte {
	if c.Upload.URLKey == "" {
		return nil
	}
	k, _ := base64.StdEncoding.DecodeString(c.Upload.URLKey)
	return k
}

// UploadFileKey returns the decoded HX_UPLOAD_FILE_KEY, or nil when it is not set (the caller then
// derives one from the PII key). Validate has checked it.
func (c Config) UploadFileKey() []byte {
	if c.Upload.FileKey == "" {
		return nil
	}
	k, _ := base64.StdEncoding.DecodeString(c.Upload.FileKey)
	return k
}

// String prints the configuration as env assignments, with secrets masked.
func (c Config) String() string {
	var b strings.Builder
	_ = walk(&c, func(env string, f reflect.StructField, v reflect.Value) error {
		val := fmt.Sprint(v.Interface())
		if f.Tag.Get("secret") == "true" {
			if val != "" {
				val = "****"
			}
		}
		fmt.Fprintf(&b, "%s=%s\n", env, val)
		return nil
	})
	return b.String()
}

func applyEnv(c *Config, getenv func(string) string) error {
	return walk(c, func(env string, _ reflect.StructField, v reflect.Value) error {
		raw, ok := lookup(getenv, env)
		if !ok {
			return nil
		}
		if err := setValue(v, raw); err != nil {
			return fmt.Errorf("config: %s: %w", env, err)
		}
		return nil
	})
}

func lookup(getenv func(string) string, key string) (string, bool) {
	v := getenv(key)
	return v, v != ""
}

func setValue(v reflect.Value, raw string) error {
	switch v.Interface().(type) {
	case time.Duration:
		d, err := time.ParseDuration(raw)
		if err != nil {
			return fmt.Errorf("not a duration (like 30s, 15m, 12h): %q", raw)
		}
		v.SetInt(int64(d))
	case string:
		v.SetString(raw)
	case bool:
		b, err := strconv.ParseBool(raw)
		if err != nil {
			return fmt.Errorf("not true or false: %q", raw)
		}
		v.SetBool(b)
	case int, int64:
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil {
			return fmt.Errorf("not a whole number: %q", raw)
		}
		v.SetInt(n)
	default:
		return fmt.Errorf("unsupported type %s", v.Type())
	}
	return nil
}

// walk visits every leaf field of the two-level Config with its environment variable name.
func walk(c *Config, fn func(env string, f reflect.StructField, v reflect.Value) error) error {
	root := reflect.ValueOf(c).Elem()
	for i := 0; i < root.NumField(); i++ {
		sec := root.Type().Field(i)
		secVal := root.Field(i)
		for j := 0; j < secVal.NumField(); j++ {
			f := secVal.Type().Field(j)
			env := "HX_" + strings.ToUpper(sec.Tag.Get("yaml")+"_"+f.Tag.Get("yaml"))
			if err := fn(env, f, secVal.Field(j)); err != nil {
				return err
			}
		}
	}
	return nil
}
