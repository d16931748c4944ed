package wechat

import (
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/silenceper/wechat/v2/util"
)

// The SDK sends every request through the package variable util.DefaultHTTPClient (by default
// http.DefaultClient: no timeout, real WeChat only). This is the one piece of process-wide state
// in the project, forced by the SDK: it is installed once, and later calls only change the base
// address through an atomic, so that tests may start several servers without a data race.
var (
	installOnce sync.Once
	sdkBase     atomic.Pointer[url.URL]
)

const officialHost = "api.weixin.qq.com"

// InstallHTTPClient gives the SDK an HTTP client with timeouts that sends requests meant for
// https://api.weixin.qq.com to base instead (our stand-in in dev and tests). An empty base or the
// official address leaves requests where they were going.
func InstallHTTPClient(base string, timeout time.Duration) {
	var u *url.URL
	if base != "" {
		if parsed, err := url.Parse(strings.TrimRight(base, "/")); err == nil && parsed.Host != officialHost {
			u = parsed
		}
	}
	sdkBase.Store(u)
	installOnce.Do(func() {
		if timeout <= 0 {
			timeout = 5 * time.Second
		}
		tr := &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           (&net.Dialer{Timeout: 3 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			TLSHandshakeTimeout:   3 * time.Second,
			ResponseHeaderTimeout: timeout,
			MaxIdleConns:          256,
			MaxIdleConnsPerHost:   128,
			IdleConnTimeout:       90 * time.Second,
		}
		util.DefaultHTTPClient = &http.Client{Timeout: timeout, Transport: rewriter{next: tr}}
	})
}

type rewriter struct{ next http.RoundTripper }

func (r rewriter) RoundTrip(req *http.Request) (*http.Response, error) {
	base := sdkBase.Load()
	if base == nil || req.URL.Host != officialHost {
		return r.next.RoundTrip(req)
	}
	out := req.Clone(req.Context())
	u := *req.URL
	u.Scheme, u.Host = base.Scheme, base.Host
	u.Path = base.Path + req.URL.Path
	u.RawPath = ""
	out.URL, out.Host = &u, base.Host
	return r.next.RoundTrip(out)
}
