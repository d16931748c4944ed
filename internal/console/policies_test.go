package console_test

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"huixiang/internal/policy"
)

// draftPolicy creates a draft policy through the service (test setup) and returns its id.
func draftPolicy(e *env, title string) int64 {
	e.t.Helper()
	p, err := e.app.Policies.Create(context.Background(), 1, policy.Content{Title: title, Category: "startup_subsidy",
		Targets: []string{"returnee"}, Summary: "返乡创业人员可申请一次性补贴"})
	if err != nil {
		e.t.Fatal(err)
	}
	return p.ID
}

func init() {
	mayPolicies := map[role]int{dept: 200, districtR: 200}
	addPages(
		pageCase{Route: "GET /policies", Want: mayPolicies, Shows: map[role][]string{
			dept: {"政策清单", "新建政策", "有未发布的修改"}, districtR: {"政策清单"}}},
		pageCase{Route: "GET /policies/new", Want: mayPolicies, Shows: map[role][]string{
			dept: {"新建政策", "保存草稿", "检查人数", "区人社局", "创业补贴", "&lt;strong&gt;"}}},
		pageCase{Route: "GET /policies/:id", Path: func(e *env) string { return fmt.Sprintf("/policies/%d", draftPolicy(e, "页面测试政策")) },
			Want: mayPolicies, Shows: map[role][]string{dept: {"页面测试政策", "草稿", "发布", `name="version" value="1"`}}},
	)
}

// policyForm is a complete form as a department clerk fills it.
func policyForm() url.Values {
	return url.Values{"title": {"返乡创业一次性补贴"}, "doc_no": {"咸人社发〔2026〕3号"}, "issuer": {"区人社局"},
		"category": {"startup_subsidy"}, "targets": {"returnee", "enterprise"}, "summary": {"首次创业的返乡人员可申请 5000 元"},
		"body_html":       {`<p>第一条 <strong>补贴标准</strong></p><script>alert(1)</script><img src="x">`},
		"conditions_text": {"返乡且营业执照登记未满 3 年"},
		"rule":            {`{"all":[{"field":"role","op":"has_any","value":["returnee"]}]}`},
		"benefits":        {"一次性补贴 5000 元"}, "materials": {"身份证\r\n\r\n营业执照\n"}, "steps": {"小程序提交\n镇审核\n区审核"},
		"contact_dept": {"区人社局就业股"}, "contact_phone": {"0715-8321234"}, "effective_on": {"2026-01-01"},
		"expires_on": {"2028-12-31"}, "source_url": {"https://example.gov.cn/zc/3.html"}, "application_code": {""}}
}

// TestPolicies_departmentWritesPublishesAndArchives: 区人社局 saves a draft (the text
// sanitized, materials one per line), edits it, publishes version 1, edits again (有未发布的修改
// in the list), a stale form is refused with 409 in plain words, and the policy is archived.
func TestPolicies_departmentWritesPublishesAndArchives(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.as(dept)
	created := c.postForm("/console/policies", policyForm())
	if created.Status != http.StatusSeeOther {
		t.Fatalf("create: %d %s", created.Status, created.Body)
	}
	loc := created.Header.Get("Location")
	var id int64
	if _, err := fmt.Sscanf(loc, "/console/policies/%d", &id); err != nil {
		t.Fatalf("create redirects to %q", loc)
	}
	page := c.get(loc)
	page.mustShow(t, "已保存草稿“返乡创业一次性补贴”", "草稿", "咸人社发〔2026〕3号", "身份证\n营业执照", "0715-8321234", "2028-12-31",
		"&lt;strong&gt;补贴标准&lt;/strong&gt;", `value="returnee" checked`, `value="enterprise" checked`)
	p, err := e.app.Policies.Get(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(p.BodyHTML, "script") || strings.Contains(p.BodyHTML, "img") || len(p.Materials) != 2 || len(p.Steps) != 3 {
		t.Fatalf("saved: body %q materials %q steps %q", p.BodyHTML, p.Materials, p.Steps)
	}
	form := policyForm()
	form.Set("version", "1")
	form.Set("title", "返乡创业一次性补贴（2026）")
	if got := c.follow(c.postForm(loc, form)); !strings.Contains(got.Body, "已保存") {
		t.Fatalf("update: %s", got.Body)
	}
	published := c.follow(c.postForm(loc+"/publish", url.Values{"version": {"2"}}))
	published.mustShow(t, "已发布第 1 版", "给符合条件的人发通知", "已生成一条推送给符合条件人员的通知草稿", "已发布的版本", "第 1 版")
	compose := c.get(fmt.Sprintf("/console/notices/new?policy=%d", id))
	compose.mustShow(t, `value="返乡创业一次性补贴（2026）"`, fmt.Sprintf(`<option value="%d" selected>`, id), `{&#34;all&#34;`)
	form.Set("version", "2")
	form.Set("summary", "首次创业的返乡人员可申请 6000 元")
	c.follow(c.postForm(loc, form))
	list := c.get("/console/policies?status=changed")
	list.mustShow(t, "返乡创业一次性补贴（2026）", "有未发布的修改")
	if drafts := c.get("/console/policies?status=draft"); strings.Contains(drafts.Body, "返乡创业一次性补贴") {
		t.Fatal("the draft filter lists a published policy")
	}
	// A form read before the last save (version 2) is refused, in words.
	stale := c.postForm(loc, form)
	if stale.Status != http.StatusConflict || !strings.Contains(stale.Body, "政策已被他人修改或发布，请刷新后再操作") {
		t.Fatalf("stale save: %d %s", stale.Status, stale.Body)
	}
	if got := c.postForm(loc+"/publish", url.Values{"version": {"1"}}); got.Status != http.StatusConflict {
		t.Fatalf("stale publish: %d", got.Status)
	}
	archived := c.follow(c.postForm(loc+"/archive", url.Values{"version": {"3"}}))
	archived.mustShow(t, "已下架", "再次发布即可恢复")
	if got := c.get("/console/policies?status=archived"); !strings.Contains(got.Body, "返乡创业一次性补贴（2026）") {
		t.Fatal("archived filter")
	}
	if got := e.as(townA).postForm(loc+"/archive", url.Values{}); got.Status != http.StatusForbidden {
		t.Fatalf("a township clerk archives: %d", got.Status)
	}
}

// TestPolicies_formErrors: a missing title, a rule with an unknown field and a bad phone are
// each refused with 422 and what to fix.
func TestPolicies_formErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.as(dept)
	for _, tc := range []struct{ field, value, want string }{
		{"title", "", "请填写标题"},
		{"rule", `{"field":"shoe_size","op":"eq","value":42}`, "条件规则有误"},
		{"rule", `{"all":[`, "规则不是正确的 JSON"},
		{"contact_phone", "call me", "咨询电话只能是数字"},
		{"expires_on", "2025-01-01", "失效日期不能早于生效日期"},
	} {
		form := policyForm()
		form.Set(tc.field, tc.value)
		got := c.postForm("/console/policies", form)
		if got.Status != http.StatusUnprocessableEntity || !strings.Contains(got.Body, tc.want) {
			t.Errorf("%s=%q: %d, want 422 with %q: %s", tc.field, tc.value, got.Status, tc.want, got.Body)
		}
	}
	var n int
	if err := e.app.DB.Get(&n, `SELECT COUNT(*) FROM policies`); err != nil || n != 0 {
		t.Fatalf("%d policies saved from bad forms (%v)", n, err)
	}
}

// TestAudiencePreview_countAndMaskedSample: the 检查人数 button answers the count, the rule in
// words and masked names; a broken rule names its problem; township staff may not ask.
func TestAudiencePreview_countAndMaskedSample(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.as(dept)
	var want int
	if err := e.app.DB.Get(&want, `SELECT COUNT(*) FROM returnees`); err != nil {
		t.Fatal(err)
	}
	got := c.postForm("/console/audiences/preview", url.Values{"rule": {`{"field":"role","op":"has_any","value":["returnee"]}`}})
	got.mustShow(t, fmt.Sprintf("<strong>%d</strong> 人", want), "姓名已遮挡", "*")
	bad := c.postForm("/console/audiences/preview", url.Values{"rule": {`{"field":"role","op":"gte","value":1}`}})
	if bad.Status != http.StatusUnprocessableEntity || !strings.Contains(bad.Body, "$") {
		t.Fatalf("bad rule: %d %s", bad.Status, bad.Body)
	}
	if got := e.as(townA).postForm("/console/audiences/preview", url.Values{"rule": {`{}`}}); got.Status != http.StatusForbidden {
		t.Fatalf("township preview: %d", got.Status)
	}
}

// TestPolicies_documents: a department uploads the policy's PDF on its page, sees it listed
// (opening it gives the file), a picture is refused in words, and the file is deleted again.
func TestPolicies_documents(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := draftPolicy(e, "文件测试政策")
	c := e.as(dept)
	loc := fmt.Sprintf("/console/policies/%d", id)
	c.get(loc).mustShow(t, "政策文件（PDF）", "还没有上传文件", `enctype="multipart/form-data"`)
	upload := func(name string, body []byte) page {
		var b bytes.Buffer
		w := multipart.NewWriter(&b)
		fw, _ := w.CreateFormFile("file", name)
		fw.Write(body)
		w.Close()
		req, _ := http.NewRequest(http.MethodPost, e.srv.URL+loc+"/documents", &b)
		req.Header.Set("Content-Type", w.FormDataContentType())
		req.Header.Set("Origin", e.srv.URL)
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		return c.do(req)
	}
	pdf := []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n")
	done := c.follow(upload("返乡创业补贴实施办法.pdf", pdf))
	done.mustShow(t, "已上传“返乡创业补贴实施办法.pdf”", "返乡创业补贴实施办法.pdf", "删除")
	if strings.Contains(done.Body, "还没有上传文件") {
		t.Fatal("the uploaded document is not listed")
	}
	png := upload("photo.png", []byte("\x89PNG\r\n\x1a\n0000000000000000"))
	if png.Status != http.StatusUnsupportedMediaType || !strings.Contains(png.Body, "政策文件只能是 PDF") {
		t.Fatalf("a picture: %d %s", png.Status, png.Body)
	}
	var doc string
	e.app.DB.Get(&doc, `SELECT id FROM uploads WHERE attached_to_type = 'policy' AND attached_to_id = ?`, id)
	removed := c.follow(c.postForm(fmt.Sprintf("%s/documents/%s/remove", loc, doc), nil))
	removed.mustShow(t, "文件已删除", "还没有上传文件")
}
