package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer lets the test read what run writes from other goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestParseTemplates(t *testing.T) {
	tests := []struct {
		in      string
		want    []template
		wantErr bool
	}{
		{in: "T1:thing1,time2", want: []template{{"T1", []string{"thing1", "time2"}}}},
		{in: "T1:thing1,time2,T2:name1", want: []template{{"T1", []string{"thing1", "time2"}}, {"T2", []string{"name1"}}}},
		{in: "T1:thing1; T2:name1,date2", want: []template{{"T1", []string{"thing1"}}, {"T2", []string{"name1", "date2"}}}},
		{in: "thing1", wantErr: true},
		{in: "T1:", wantErr: true},
		{in: ":thing1", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := parseTemplates(tc.in)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tc.wantErr)
			}
			if !tc.wantErr && !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestRedactQuery(t *testing.T) {
	got := redactQuery("appid=wx1&secret=hunter2&js_code=abc&grant_type=authorization_code")
	if strings.Contains(got, "hunter2") || !strings.Contains(got, "secret=REDACTED") || !strings.Contains(got, "js_code=abc") {
		t.Fatalf("got %q", got)
	}
	if got := redactQuery("access_token=tok123"); got != "access_token=REDACTED" {
		t.Fatalf("got %q", got)
	}
	if got := redactQuery("secret=%zz"); strings.Contains(got, "zz") {
		t.Fatalf("unparsable query leaked: %q", got)
	}
}

func TestRunServesAndShutsDown(t *testing.T) {
	const secret = "env-secret-value"
	const oaSecret = "env-oa-secret-value"
	env := map[string]string{"HX_WECHAT_APPID": "wxenv", "HX_WECHAT_SECRET": secret, "HX_WECHAT_OA_APPID": "wxoaenv", "HX_WECHAT_OA_SECRET": oaSecret}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-consent", "auto", "-templates", "T2:thing1,number2", "-oa-templates", "T_OA2:thing1"}, func(k string) string { return env[k] }, out)
	}()

	re := regexp.MustCompile(`listening on (http://[0-9.:]+)`)
	var base string
	for deadline := time.Now().Add(5 * time.Second); base == ""; {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			base = m[1]
		} else if time.Now().After(deadline) {
			t.Fatalf("no listening line in %q", out.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	if !strings.Contains(out.String(), "curl -s '"+base+"/__fake/login-code?openid=") {
		t.Fatalf("startup line lacks the curl hint: %q", out.String())
	}

	get := func(path string) map[string]any {
		t.Helper()
		res, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		raw, _ := io.ReadAll(res.Body)
		var m map[string]any
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatalf("%s: %s", path, raw)
		}
		return m
	}
	if get("/__fake/healthz")["ok"] != true {
		t.Fatal("healthz")
	}
	if idx := get("/__fake/"); idx["consent"] != "auto" || idx["endpoints"] == nil || idx["oa_appid"] != "wxoaenv" {
		t.Fatalf("-consent auto or the OA app id not in effect: %v", idx)
	}
	tmpls := get("/__fake/templates")
	if tmpls["TMPL_APPLICATION_PROGRESS"] == nil || tmpls["T2"] == nil || !reflect.DeepEqual(tmpls["TMPL_POLICY_NOTICE"], []any{"thing1", "thing2", "time3"}) {
		t.Fatalf("templates: %v", tmpls)
	}
	oaTmpls := get("/__fake/oa-templates")
	if !reflect.DeepEqual(oaTmpls["TMPL_OA_POLICY_NOTICE"], []any{"thing1", "thing2", "time3"}) || oaTmpls["T_OA2"] == nil || oaTmpls["T2"] != nil {
		t.Fatalf("oa-templates: %v", oaTmpls)
	}
	oaTok := get("/cgi-bin/token?grant_type=client_credential&appid=wxoaenv&secret=" + oaSecret)
	if oaTok["access_token"] == nil {
		t.Fatalf("env OA credentials not used: %v", oaTok)
	}
	tok := get("/cgi-bin/token?grant_type=client_credential&appid=wxenv&secret=" + secret)
	token, _ := tok["access_token"].(string)
	if token == "" {
		t.Fatalf("env credentials not used: %v", tok)
	}
	get("/wxa/business/getuserphonenumber?access_token=" + token)

	// A request parked by the hang outage must not hold up shutdown.
	if res, err := http.Post(base+"/__fake/outage", "application/json", strings.NewReader(`{"mode":"hang"}`)); err != nil {
		t.Fatal(err)
	} else {
		res.Body.Close()
	}
	go func() {
		if res, err := http.Get(base + "/cgi-bin/token"); err == nil {
			res.Body.Close()
		}
	}()
	time.Sleep(50 * time.Millisecond)

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run: %v", err)
		}
	case <-time.After(4 * time.Second):
		t.Fatal("run did not return after cancel")
	}
	logs := out.String()
	if strings.Contains(logs, secret) || strings.Contains(logs, token) || strings.Contains(logs, oaSecret) {
		t.Fatalf("logs leak credentials:\n%s", logs)
	}
	if !strings.Contains(logs, "errcode=41001") && !strings.Contains(logs, "errcode=40029") && !strings.Contains(logs, "errcode=47001") && !strings.Contains(logs, "errcode=43002") {
		t.Fatalf("logs lack WeChat errcodes:\n%s", logs)
	}
}

func TestRunFlags(t *testing.T) {
	getenv := func(string) string { return "" }
	if err := run(context.Background(), []string{"-templates", "nokeys"}, getenv, io.Discard); err == nil {
		t.Fatal("bad -templates accepted")
	}
	if err := run(context.Background(), []string{"-consent", "sometimes"}, getenv, io.Discard); err == nil {
		t.Fatal("bad -consent accepted")
	}
	if err := run(context.Background(), []string{"extra"}, getenv, io.Discard); err == nil {
		t.Fatal("positional argument accepted")
	}
	if err := run(context.Background(), []string{"-oa-templates", "T:"}, getenv, io.Discard); err == nil {
		t.Fatal("bad -oa-templates accepted")
	}
	if err := run(context.Background(), []string{"-appid", "wxsame", "-oa-appid", "wxsame"}, getenv, io.Discard); err == nil {
		t.Fatal("one app id for both apps accepted")
	}
	var help bytes.Buffer
	if err := run(context.Background(), []string{"-h"}, func(string) string { return "should-not-print" }, &help); err != nil {
		t.Fatalf("-h: %v", err)
	}
	for _, flag := range []string{"-templates", "-oa-templates", "-oa-appid", "-oa-secret", "HX_WECHAT_OA_APPID", "HX_WECHAT_OA_SECRET"} {
		if !strings.Contains(help.String(), flag) {
			t.Errorf("help lacks %s", flag)
		}
	}
	if strings.Contains(help.String(), "should-not-print") {
		t.Fatalf("help output echoes the environment: %s", help.String())
	}
}
