package httpapi_test

import (
	"net/url"
	"testing"
)

// expectBadQuery fails unless the answer is 400 VALIDATION_FAILED naming the parameter.
func expectBadQuery(t *testing.T, r response, param string) {
	t.Helper()
	expect(t, r, 400, "VALIDATION_FAILED")
	var e struct {
		Error struct{ Field string } `json:"error"`
	}
	r.json(t, &e)
	if e.Error.Field != param {
		t.Fatalf("field = %q, want %q; body %s", e.Error.Field, param, r.Body)
	}
}

// TestListFilters_nonASCIICode_400NamingTheParameter: code filters with Chinese text used to reach
// MySQL, which refuses to compare them with the ascii code columns (1267): 500. Now they are
// refused before SQL.
func TestListFilters_nonASCIICode_400NamingTheParameter(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.staffToken("admin", adminPasswd)
	for path, params := range map[string][]string{
		"/admin/api/v1/returnees":          {"township", "village", "status", "field", "content_review", "intention", "need", "skill"},
		"/admin/api/v1/returnees/export":   {"township", "status"},
		"/admin/api/v1/applications":       {"status", "type", "policy", "township"},
		"/admin/api/v1/applications/stats": {"township", "policy"},
		"/admin/api/v1/alumni":             {"status", "school", "grade"},
		"/admin/api/v1/outbox":             {"status"},
		"/admin/api/v1/surveys":            {"code"},
	} {
		for _, p := range params {
			for _, v := range []string{"区", "ADMİN", "\x00"} {
				t.Run(path+"?"+p+"="+v, func(t *testing.T) {
					expectBadQuery(t, e.do("GET", path+"?"+url.Values{p: {v}}.Encode(), admin, nil), p)
				})
			}
		}
	}
	// Well-formed values still filter.
	expect(t, e.do("GET", "/admin/api/v1/returnees?township=990101&status=returned&content_review=ok", admin, nil), 200, "")
	expect(t, e.do("GET", "/admin/api/v1/applications?type=loan&policy=guaranteed_loan&status=submitted", admin, nil), 200, "")
	expect(t, e.do("GET", "/admin/api/v1/alumni?status=pending&school=xa_yizhong&grade=expert", admin, nil), 200, "")
	expect(t, e.do("GET", "/api/v1/regions?parent=区", "", nil), 400, "VALIDATION_FAILED")
}

// TestPathCode_nonASCII_404: PATCH /schools/区 was a 500 (1267); a code that cannot name a school
// names nothing.
func TestPathCode_nonASCII_404(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.staffToken("admin", adminPasswd)
	for _, code := range []string{"区", "ADMİN", "%00"} {
		expect(t, e.do("PATCH", "/admin/api/v1/schools/"+url.PathEscape(code), admin, map[string]any{"name": "某中学"}), 404, "NOT_FOUND")
	}
	user := e.signIn("path-user").Token
	expect(t, e.do("POST", "/api/v1/perks/"+url.PathEscape("区")+"/redeem", user, map[string]any{}), 404, "NOT_FOUND")
}

// TestStaffLogin_nonASCIIUsername_401LikeAWrongPassword: "ADMİN" (dotted capital I) was a 500;
// it is a wrong sign-in like any other.
func TestStaffLogin_nonASCIIUsername_401LikeAWrongPassword(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, u := range []string{"ADMİN", "区", "admin\x00"} {
		expect(t, e.staffLogin(u, adminPasswd), 401, "INVALID_CREDENTIALS")
	}
	e.staffToken("admin", adminPasswd) // the real name still signs in
}

// TestBodyCodes_nonASCII_400NotServerError: a code in a body that reaches MySQL anyway (voucher
// code, policy) is refused as the caller's error: 1267 maps to 400 VALIDATION_FAILED.
func TestBodyCodes_nonASCII_400NotServerError(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	seedRegions(t, e)
	admin := e.staffToken("admin", adminPasswd)
	expect(t, e.do("POST", "/admin/api/v1/vouchers/verify", admin, map[string]any{"code": "区"}), 400, "VALIDATION_FAILED")
	user, _ := e.alumnus("body-codes", 3)
	expect(t, e.do("POST", "/api/v1/applications", user, map[string]any{"policy": "区"}), 400, "VALIDATION_FAILED")
	form := alumnusForm(3)
	form["school_code"] = "区"
	if r := e.do("PUT", "/api/v1/me/alumnus", user, form); r.Status != 400 && r.Status != 422 {
		t.Fatalf("school_code 区: %d %s, want 400 or 422", r.Status, r.Body)
	}
}

// TestPaging_outOfRange_400: page=9223372036854775807 overflowed the OFFSET (500) on six staff
// lists and the points ledger; page and page_size out of range are refused.
func TestPaging_outOfRange_400(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	seedRegions(t, e)
	admin := e.staffToken("admin", adminPasswd)
	user, _ := e.alumnus("paging-user", 4)
	routes := map[string]string{
		"/admin/api/v1/returnees":    admin,
		"/admin/api/v1/applications": admin,
		"/admin/api/v1/alumni":       admin,
		"/admin/api/v1/outbox":       admin,
		"/api/v1/me/messages":        user,
		"/api/v1/me/points/entries":  user,
	}
	for path, tok := range routes {
		for _, q := range []string{"page=9223372036854775807", "page=10001", "page=0", "page=-1", "page=x", "page=1&page=99999999999"} {
			expectBadQuery(t, e.do("GET", path+"?"+q, tok, nil), "page")
		}
		for _, q := range []string{"page_size=101", "page_size=0", "page_size=-5"} {
			expectBadQuery(t, e.do("GET", path+"?"+q, tok, nil), "page_size")
		}
		expect(t, e.do("GET", path+"?page=10000&page_size=100", tok, nil), 200, "")
		expect(t, e.do("GET", path, tok, nil), 200, "")
	}
	expectBadQuery(t, e.do("GET", "/admin/api/v1/points/stats?months=100000", admin, nil), "months")
}

// TestDates_outOfRange_400: updated_before=0001-01-01 was a 500 and freshness?days=200000 a
// window starting in 2063 (the duration overflowed).
func TestDates_outOfRange_400(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.staffToken("admin", adminPasswd)
	for _, v := range []string{"0001-01-01", "1999-12-31", "9999-12-31", "2100-01-01T00:00:00Z", "yesterday"} {
		expectBadQuery(t, e.do("GET", "/admin/api/v1/returnees?updated_before="+url.QueryEscape(v), admin, nil), "updated_before")
	}
	expect(t, e.do("GET", "/admin/api/v1/returnees?updated_before=2000-01-01", admin, nil), 200, "")
	for _, v := range []string{"200000", "3651", "0", "-1", "9223372036854775807"} {
		expectBadQuery(t, e.do("GET", "/admin/api/v1/returnees/freshness?days="+v, admin, nil), "days")
	}
	r := e.do("GET", "/admin/api/v1/returnees/freshness?days=3650", admin, nil)
	expect(t, r, 200, "")
	var rep struct {
		Days int `json:"days"`
	}
	r.json(t, &rep)
	if rep.Days != 3650 {
		t.Fatalf("days = %d, want 3650", rep.Days)
	}
}
