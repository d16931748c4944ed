// Command wxfake serves the in-memory WeChat API stand-in from
// internal/wxfake over HTTP, for dev setups whose WeChat SDK is pointed at it
// instead of https://api.weixin.qq.com.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"huixiang/internal/wxfake"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "wxfake:", err)
		os.Exit(1)
	}
}

// defaultTemplates are the subscribe templates the backend sends application
// progress and policy notices with, registered so a fresh dev setup can send
// them without flags.
var defaultTemplates = []template{
	{id: "TMPL_APPLICATION_PROGRESS", keys: []string{"thing1", "phrase2", "time3", "thing4"}},
	{id: "TMPL_POLICY_NOTICE", keys: []string{"thing1", "thing2", "time3"}},
}

// defaultOATemplates are the official account's template messages the
// backend sends.
var defaultOATemplates = []template{
	{id: "TMPL_OA_POLICY_NOTICE", keys: []string{"thing1", "thing2", "time3"}},
}

const shutdownTimeout = 5 * time.Second

func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	fs := flag.NewFlagSet("wxfake", flag.ContinueOnError)
	fs.SetOutput(stdout)
	addr := fs.String("addr", "127.0.0.1:9099", "listen address")
	// The credential flags default to empty so that -h never echoes a secret
	// taken from the environment.
	appID := fs.String("appid", "", "app id to accept (default $HX_WECHAT_APPID, else "+wxfake.DefaultAppID+")")
	secret := fs.String("secret", "", "app secret to accept (default $HX_WECHAT_SECRET, else "+wxfake.DefaultSecret+")")
	oaAppID := fs.String("oa-appid", "", "official account app id to accept (default $HX_WECHAT_OA_APPID, else "+wxfake.DefaultOAAppID+")")
	oaSecret := fs.String("oa-secret", "", "official account app secret to accept (default $HX_WECHAT_OA_SECRET, else "+wxfake.DefaultOASecret+")")
	mpOriginalID := fs.String("mp-original-id", wxfake.DefaultMPOriginalID, "the mini program's original id (ToUserName of its callback events)")
	oaOriginalID := fs.String("oa-original-id", wxfake.DefaultOAOriginalID, "the official account's original id (ToUserName of its callback events)")
	consent := fs.String("consent", "counted", `subscribe consents: "counted" (a send spends one granted through POST /__fake/consent, else 43101) or "auto" (every known user always consents; make run)`)
	var templates templateFlag
	fs.Var(&templates, "templates", `subscribe templates as "id:key1,key2[;id2:key1]"; repeatable`)
	var oaTemplates templateFlag
	fs.Var(&oaTemplates, "oa-templates", `official account templates, as -templates`)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %q", fs.Args())
	}
	if *consent != "counted" && *consent != "auto" {
		return fmt.Errorf(`-consent must be "counted" or "auto", not %q`, *consent)
	}
	*appID = firstNonEmpty(*appID, getenv("HX_WECHAT_APPID"), wxfake.DefaultAppID)
	*secret = firstNonEmpty(*secret, getenv("HX_WECHAT_SECRET"), wxfake.DefaultSecret)
	*oaAppID = firstNonEmpty(*oaAppID, getenv("HX_WECHAT_OA_APPID"), wxfake.DefaultOAAppID)
	*oaSecret = firstNonEmpty(*oaSecret, getenv("HX_WECHAT_OA_SECRET"), wxfake.DefaultOASecret)
	if *oaAppID == *appID {
		return fmt.Errorf("the official account and the mini program cannot share app id %s", *appID)
	}

	fake := wxfake.New(wxfake.Options{
		AppID: *appID, Secret: *secret,
		OAAppID: *oaAppID, OASecret: *oaSecret,
		MPOriginalID: *mpOriginalID, OAOriginalID: *oaOriginalID,
		ConsentAuto: *consent == "auto",
	})
	for _, t := range append(append([]template{}, defaultTemplates...), templates...) {
		fake.RegisterTemplate(t.id, t.keys...)
	}
	for _, t := range append(append([]template{}, defaultOATemplates...), oaTemplates...) {
		fake.RegisterOATemplate(t.id, t.keys...)
	}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	logger := slog.New(slog.NewTextHandler(stdout, nil))
	srv := &http.Server{
		Handler:           logRequests(logger, fake),
		ReadHeaderTimeout: 10 * time.Second,
		// Requests inherit ctx so that ones parked by the "hang" outage end
		// at shutdown instead of holding it up.
		BaseContext: func(net.Listener) context.Context { return ctx },
	}
	base := "http://" + ln.Addr().String()
	fmt.Fprintf(stdout, "wxfake: WeChat API stand-in for appid %s and official account %s listening on %s (consents %s); mint a login code with: curl -s '%s/__fake/login-code?openid=o_dev_user'; control endpoints: curl -s %s/__fake/\n",
		*appID, *oaAppID, base, *consent, base, base)

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return err
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

type template struct {
	id   string
	keys []string
}

// templateFlag accepts "id:k1,k2", several such joined by ";" or by "," (a
// comma item containing ":" starts the next template), and repetition.
type templateFlag []template

func (f *templateFlag) String() string {
	if f == nil {
		return ""
	}
	var parts []string
	for _, t := range *f {
		parts = append(parts, t.id+":"+strings.Join(t.keys, ","))
	}
	return strings.Join(parts, ";")
}

func (f *templateFlag) Set(v string) error {
	ts, err := parseTemplates(v)
	if err != nil {
		return err
	}
	*f = append(*f, ts...)
	return nil
}

func parseTemplates(v string) ([]template, error) {
	var out []template
	for _, item := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ';' }) {
		item = strings.TrimSpace(item)
		if id, key, ok := strings.Cut(item, ":"); ok {
			id, key = strings.TrimSpace(id), strings.TrimSpace(key)
			if id == "" {
				return nil, fmt.Errorf("template %q has no id", item)
			}
			out = append(out, template{id: id})
			item = key
		}
		if item == "" {
			continue
		}
		if len(out) == 0 {
			return nil, fmt.Errorf("key %q comes before any template id", item)
		}
		out[len(out)-1].keys = append(out[len(out)-1].keys, item)
	}
	for _, t := range out {
		if len(t.keys) == 0 {
			return nil, fmt.Errorf("template %q has no keys", t.id)
		}
	}
	return out, nil
}

// redactedParams carry credentials in WeChat query strings.
var redactedParams = []string{"secret", "access_token"}

func redactQuery(raw string) string {
	if raw == "" {
		return ""
	}
	q, err := url.ParseQuery(raw)
	if err != nil {
		// A query we cannot parse could still hold a secret.
		return "[unparsable query omitted]"
	}
	for _, k := range redactedParams {
		if _, ok := q[k]; ok {
			q[k] = []string{"REDACTED"}
		}
	}
	return q.Encode()
}

// recorder remembers the status and the start of the body, which is enough
// to log WeChat's errcode without buffering whole answers.
type recorder struct {
	http.ResponseWriter
	status int
	head   []byte
}

const headLimit = 512

func (r *recorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if room := headLimit - len(r.head); room > 0 {
		r.head = append(r.head, b[:min(room, len(b))]...)
	}
	return r.ResponseWriter.Write(b)
}

func (r *recorder) errcode() (int, bool) {
	var body struct {
		ErrCode *int `json:"errcode"`
	}
	if json.Unmarshal(r.head, &body) != nil || body.ErrCode == nil {
		return 0, false
	}
	return *body.ErrCode, true
}

func logRequests(logger *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &recorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		attrs := []any{
			"method", r.Method,
			"path", r.URL.Path,
			"status", rec.status,
			"duration", time.Since(start).Round(time.Microsecond),
		}
		if q := redactQuery(r.URL.RawQuery); q != "" {
			attrs = append(attrs, "query", q)
		}
		if code, ok := rec.errcode(); ok {
			attrs = append(attrs, "errcode", code)
		}
		logger.Info("request", attrs...)
	})
}
