package httpapi_test

import (
	"net/url"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// hostileValues are what the walk below puts in every query and path parameter.
var hostileValues = []string{
	"区", "ADMİN", "", strings.Repeat("x", 10000), strings.Repeat("区", 10000),
	"-1", "0", "9223372036854775807", "0001-01-01", "\x00", "1 OR 1=1", "../..",
}

// apiOperation is one documented route with its parameters.
type apiOperation struct {
	Method, Path string
	Query        []string
}

// documentedOperations reads every operation of openapi.yaml, which TestOpenAPI_documentsEveryRoute
// keeps equal to the router's routes.
func documentedOperations(t *testing.T) []apiOperation {
	t.Helper()
	b, err := os.ReadFile("openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	type param struct {
		Name string `yaml:"name"`
		In   string `yaml:"in"`
	}
	var doc struct {
		Paths map[string]map[string]yaml.Node `yaml:"paths"`
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	var ops []apiOperation
	for path, methods := range doc.Paths {
		for method, node := range methods {
			if method == "parameters" || method == "summary" || method == "description" {
				continue
			}
			var op struct {
				Parameters []param `yaml:"parameters"`
			}
			if err := node.Decode(&op); err != nil {
				t.Fatalf("%s %s: %v", method, path, err)
			}
			o := apiOperation{Method: strings.ToUpper(method), Path: path}
			for _, p := range op.Parameters {
				if p.In == "query" {
					o.Query = append(o.Query, p.Name)
				}
			}
			ops = append(ops, o)
		}
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i].Path+ops[i].Method < ops[j].Path+ops[j].Method })
	return ops
}

var pathParamRE = regexp.MustCompile(`\{[A-Za-z_]+\}`)

// TestHostileInput_everyFilterAndPathParameter_no5xx walks every documented route: each query
// parameter of a GET, and each path parameter of any method (with an empty JSON body), gets
// non-ASCII, empty, huge, negative and out-of-range values, as the caller the route is for.
// Nothing may answer 5xx.
func TestHostileInput_everyFilterAndPathParameter_no5xx(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	seedRegions(t, e)
	user, _ := e.alumnus("hostile-user", 1)
	admin := e.staffToken("admin", adminPasswd)
	token := func(path string) string {
		switch {
		case strings.HasPrefix(path, "/admin/"):
			return admin
		case strings.HasPrefix(path, "/api/"):
			return user
		}
		return ""
	}
	requests := 0
	check := func(method, target string, body any) {
		t.Helper()
		requests++
		r := e.do(method, target, token(target), body)
		if r.Status >= 500 {
			t.Errorf("%s %.200s: %d %.300s", method, target, r.Status, r.Body)
		}
	}
	for _, op := range documentedOperations(t) {
		if strings.HasSuffix(op.Path, "/logout") {
			continue // would end the session the walk uses
		}
		hasPathParam := pathParamRE.MatchString(op.Path)
		base := pathParamRE.ReplaceAllString(op.Path, "1")
		if op.Method == "GET" {
			for _, q := range op.Query {
				for _, v := range hostileValues {
					check("GET", base+"?"+url.Values{q: {v}}.Encode(), nil)
				}
			}
			if !hasPathParam {
				continue
			}
		} else if !hasPathParam {
			continue
		}
		var body any
		if op.Method != "GET" {
			body = map[string]any{}
		}
		for _, v := range hostileValues {
			if v == "" {
				continue // an empty segment is another route
			}
			check(op.Method, pathParamRE.ReplaceAllString(op.Path, url.PathEscape(v)), body)
		}
	}
	if requests < 500 {
		t.Fatalf("only %d requests: the route walk found too little", requests)
	}
}

// TestHostileInput_codesInBodies_no5xx: code fields of request bodies (a staff username, a voucher
// code, a policy, a school) with non-ASCII text answer 4xx, never 500.
func TestHostileInput_codesInBodies_no5xx(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	seedRegions(t, e)
	user, _ := e.alumnus("hostile-body", 2)
	admin := e.staffToken("admin", adminPasswd)
	for _, v := range hostileValues {
		for _, c := range []struct {
			method, path, token string
			body                map[string]any
		}{
			{"POST", "/admin/api/v1/auth/login", "", map[string]any{"username": v, "password": "whatever-123"}},
			{"POST", "/admin/api/v1/vouchers/verify", admin, map[string]any{"code": v}},
			{"POST", "/api/v1/applications", user, map[string]any{"policy": v}},
			{"PUT", "/api/v1/me/alumnus", user, map[string]any{"school_code": v, "name": "张三"}},
			{"POST", "/admin/api/v1/schools", admin, map[string]any{"code": v, "name": "某某中学"}},
			{"POST", "/admin/api/v1/alumni", admin, map[string]any{"school_code": v, "grade": v}},
			{"POST", "/admin/api/v1/points/grants", admin, map[string]any{"rule": v, "person_id": 1, "reference": v}},
			{"POST", "/admin/api/v1/staff", admin, map[string]any{"username": v, "role": v, "township_code": v, "password": "Abcdefgh1234"}},
			{"POST", "/api/v1/me/subscriptions", user, map[string]any{"accepted": []string{v}}},
		} {
			r := e.do(c.method, c.path, c.token, c.body)
			if r.Status >= 500 {
				t.Errorf("%s %s with %.40q: %d %.300s", c.method, c.path, v, r.Status, r.Body)
			}
		}
	}
}
