package httpapi_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

type policyAnswer struct {
	ID                 int64  `json:"id"`
	Status             string `json:"status"`
	Version            int    `json:"version"`
	PublishedVersion   *int   `json:"published_version"`
	UnpublishedChanges bool   `json:"unpublished_changes"`
	Title              string `json:"title"`
	BodyHTML           string `json:"body_html"`
}

func subsidyPolicy() map[string]any {
	return map[string]any{
		"title": "返乡创业一次性补贴", "doc_no": "咸人社发〔2025〕12号", "issuer": "咸安区人社局",
		"category": "startup_subsidy", "targets": []string{"returnee"},
		"summary":   "返乡人员首次创办经营主体的，可申请一次性创业补贴 5000 元。",
		"body_html": `<p>第一条 补贴标准每户 5000 元。</p><img src=x onerror="alert(1)">`,
		"rule": map[string]any{"all": []any{
			map[string]any{"field": "role", "op": "has_any", "value": []string{"returnee"}},
			map[string]any{"field": "has_business", "op": "is", "value": true},
			map[string]any{"field": "months_since_business_registration", "op": "lte", "value": 12},
			map[string]any{"field": "education", "op": "in", "value": []string{"college", "bachelor"}},
		}},
		"materials": []string{"身份证", "营业执照"}, "steps": []string{"小程序提交", "镇街初审", "区人社局复审"},
		"contact_dept": "区人社局就业股", "contact_phone": "0715-8321234", "application_code": "startup_subsidy",
	}
}

// A clerk writes, publishes and edits a policy; a returnee who started a business last month
// finds it, sees which conditions they meet, and keeps it.
func TestPolicyLibrary_writePublishFindFavourite(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	seedRegions(t, e)
	admin := e.staffToken("admin", adminPasswd)
	e.createStaff(admin, map[string]string{"username": "town1", "password": "Township12345", "role": "township", "township_code": "990101"})
	town := e.staffToken("town1", "Township12345")
	expect(t, e.do("POST", "/admin/api/v1/policy-library", town, subsidyPolicy()), 403, "FORBIDDEN")

	bad := subsidyPolicy()
	bad["rule"] = map[string]any{"any": []any{map[string]any{"field": "towship", "op": "eq", "value": "990101"},
		map[string]any{"field": "age", "op": "like", "value": 30}}}
	r := e.do("POST", "/admin/api/v1/policy-library", admin, bad)
	expect(t, r, 422, "RULE_INVALID")
	if body := string(r.Body); !strings.Contains(body, "towship") || !strings.Contains(body, "like") {
		t.Fatalf("the problems are not named: %s", body)
	}
	bad = subsidyPolicy()
	bad["title"] = ""
	expect(t, e.do("POST", "/admin/api/v1/policy-library", admin, bad), 422, "VALIDATION_FAILED")

	r = e.do("POST", "/admin/api/v1/policy-library", admin, subsidyPolicy())
	expect(t, r, 201, "")
	var p policyAnswer
	r.json(t, &p)
	if p.Status != "draft" || strings.Contains(p.BodyHTML, "onerror") {
		t.Fatalf("created: %s", r.Body)
	}
	path := fmt.Sprintf("/admin/api/v1/policy-library/%d", p.ID)
	user := e.entrepreneur("o_policy_reader", 81)
	expect(t, e.do("GET", fmt.Sprintf("/api/v1/policy-library/%d", p.ID), user, nil), 404, "NOT_FOUND")

	r = e.do("POST", path+"/publish", admin, map[string]any{"version": p.Version})
	expect(t, r, 200, "")
	r.json(t, &p)
	edit := subsidyPolicy()
	edit["version"] = p.Version
	edit["title"] = "返乡创业一次性补贴（修订稿）"
	r = e.do("PATCH", path, admin, edit)
	expect(t, r, 200, "")
	r.json(t, &p)
	if !p.UnpublishedChanges || *p.PublishedVersion != 1 {
		t.Fatalf("after the edit: %s", r.Body)
	}
	expect(t, e.do("PATCH", path, admin, edit), 409, "STALE_VERSION")

	// The returnee: the list for them, the search, the conditions.
	var list struct {
		Items []struct {
			ID    int64  `json:"id"`
			Title string `json:"title"`
		} `json:"items"`
		Total      int `json:"total"`
		Categories []struct {
			Code string `json:"code"`
		} `json:"categories"`
	}
	// The rule asks 大专 or 本科 and the returnee wrote 高中: not for them.
	r = e.do("GET", "/api/v1/policy-library?for_me=1", user, nil)
	r.json(t, &list)
	if list.Total != 0 {
		t.Fatalf("fitted despite the education: %s", r.Body)
	}
	for _, q := range []string{"?q=" + "创业补贴", "?category=startup_subsidy", ""} {
		r = e.do("GET", "/api/v1/policy-library"+q, user, nil)
		expect(t, r, 200, "")
		r.json(t, &list)
		if list.Total != 1 || list.Items[0].Title != "返乡创业一次性补贴" || len(list.Categories) < 8 {
			t.Fatalf("%s: %s", q, r.Body)
		}
	}
	other := e.signIn("o_policy_nobody").Token
	r = e.do("GET", "/api/v1/policy-library?for_me=1", other, nil)
	r.json(t, &list)
	if list.Total != 0 {
		t.Fatalf("an unregistered user is fitted: %s", r.Body)
	}
	var detail struct {
		Title      string `json:"title"`
		Fits       string `json:"fits"`
		Favorite   bool   `json:"favorite"`
		Conditions []struct {
			Text  string `json:"text"`
			State string `json:"state"`
		} `json:"conditions"`
	}
	r = e.do("GET", fmt.Sprintf("/api/v1/policy-library/%d", p.ID), user, nil)
	expect(t, r, 200, "")
	r.json(t, &detail)
	var states []string
	for _, c := range detail.Conditions {
		states = append(states, c.State)
	}
	if detail.Title != "返乡创业一次性补贴" || strings.Join(states, ",") != "met,met,met,unmet" || detail.Fits != "no" {
		t.Fatalf("detail: %s", r.Body)
	}
	// Conditions read with the option lists' words, not their codes.
	if c := detail.Conditions[3].Text; !strings.Contains(c, "本科") || strings.Contains(c, "bachelor") {
		t.Fatalf("education condition reads %q", c)
	}
	// The clerk drops the education condition and publishes again: now it fits.
	rule := edit["rule"].(map[string]any)
	rule["all"] = rule["all"].([]any)[:3]
	edit["version"] = p.Version
	r = e.do("PATCH", path, admin, edit)
	expect(t, r, 200, "")
	r.json(t, &p)
	expect(t, e.do("POST", path+"/publish", admin, map[string]any{"version": p.Version}), 200, "")
	r = e.do("GET", "/api/v1/policy-library?for_me=1", user, nil)
	r.json(t, &list)
	if list.Total != 1 || list.Items[0].Title != "返乡创业一次性补贴（修订稿）" {
		t.Fatalf("for me after the edit: %s", r.Body)
	}
	r = e.do("GET", fmt.Sprintf("/api/v1/policy-library/%d", p.ID), user, nil)
	r.json(t, &detail)
	if detail.Fits != "yes" || len(detail.Conditions) != 3 {
		t.Fatalf("detail after the edit: %s", r.Body)
	}

	fav := fmt.Sprintf("/api/v1/policy-library/%d/favorite", p.ID)
	expect(t, e.do("POST", fav, user, nil), 204, "")
	expect(t, e.do("POST", fav, user, nil), 204, "")
	r = e.do("GET", "/api/v1/policy-library?favorites=1", user, nil)
	r.json(t, &list)
	if list.Total != 1 {
		t.Fatalf("favourites: %s", r.Body)
	}
	expect(t, e.do("DELETE", fav, user, nil), 204, "")
	r = e.do("GET", "/api/v1/policy-library?favorites=1", user, nil)
	r.json(t, &list)
	if list.Total != 0 {
		t.Fatalf("favourites after removing: %s", r.Body)
	}
	expect(t, e.do("POST", "/api/v1/policy-library/999999/favorite", user, nil), 404, "NOT_FOUND")

	expect(t, e.do("POST", path+"/archive", admin, nil), 200, "")
	expect(t, e.do("GET", fmt.Sprintf("/api/v1/policy-library/%d", p.ID), user, nil), 404, "NOT_FOUND")
	r = e.do("GET", path+"/versions", admin, nil)
	expect(t, r, 200, "")
	if !strings.Contains(string(r.Body), `"version":2`) || !strings.Contains(string(r.Body), `"version":1`) {
		t.Fatalf("versions: %s", r.Body)
	}
}

func TestAudiencePreview_countsAndMasks(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	seedRegions(t, e)
	admin := e.staffToken("admin", adminPasswd)
	e.entrepreneur("o_aud_1", 82)
	e.entrepreneur("o_aud_2", 83)
	rule := map[string]any{"rule": map[string]any{"all": []any{
		map[string]any{"field": "township", "op": "eq", "value": "990101"},
		map[string]any{"field": "startup_intention", "op": "eq", "value": "started"},
	}}}
	r := e.do("POST", "/admin/api/v1/audiences/preview", admin, rule)
	expect(t, r, 200, "")
	var out struct {
		Count  int `json:"count"`
		Sample []struct {
			Name string `json:"name"`
		} `json:"sample"`
	}
	r.json(t, &out)
	if out.Count != 2 || len(out.Sample) != 2 || out.Sample[0].Name == "张三" || !strings.HasPrefix(out.Sample[0].Name, "张") {
		t.Fatalf("preview: %s", r.Body)
	}
	expect(t, e.do("POST", "/admin/api/v1/audiences/preview", admin, map[string]any{"rule": map[string]any{"field": "mood", "op": "eq", "value": "x"}}), 422, "RULE_INVALID")
}

func TestServicePoints_keptByStaffFoundByPeople(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	seedRegions(t, e)
	admin := e.staffToken("admin", adminPasswd)
	park := map[string]any{"name": "咸安区返乡创业园", "kind": "park", "level": "district", "lat": 29.8529, "lng": 114.2985,
		"businesses_hosted": 46, "phone": "0715-8321234"}
	r := e.do("POST", "/admin/api/v1/service-points", admin, park)
	expect(t, r, 201, "")
	var p struct {
		ID      int64 `json:"id"`
		Version int   `json:"version"`
	}
	r.json(t, &p)
	expect(t, e.do("POST", "/admin/api/v1/service-points", admin, map[string]any{"name": "驿站", "kind": "gig_station", "level": "township"}), 422, "VALIDATION_FAILED")
	gig := map[string]any{"name": "官埠桥镇零工驿站", "kind": "gig_station", "level": "township", "township_code": "990101", "lat": 29.98, "lng": 114.37}
	expect(t, e.do("POST", "/admin/api/v1/service-points", admin, gig), 201, "")

	r = e.do("GET", "/api/v1/service-points?lat=29.979&lng=114.369", "", nil)
	expect(t, r, 200, "")
	var list struct {
		Items []struct {
			Name      string `json:"name"`
			DistanceM *int   `json:"distance_m"`
		} `json:"items"`
		Kinds []struct {
			Name string `json:"name"`
		} `json:"kinds"`
	}
	r.json(t, &list)
	if len(list.Items) != 2 || list.Items[0].Name != "官埠桥镇零工驿站" || list.Items[0].DistanceM == nil || len(list.Kinds) != 5 {
		t.Fatalf("nearest: %s", r.Body)
	}
	expect(t, e.do("GET", "/api/v1/service-points?lat=north&lng=114", "", nil), 400, "VALIDATION_FAILED")
	r = e.do("GET", "/api/v1/service-points?township=990101", "", nil)
	r.json(t, &list)
	if len(list.Items) != 1 {
		t.Fatalf("by township: %s", r.Body)
	}
	park["version"] = p.Version
	park["businesses_hosted"] = 52
	path := fmt.Sprintf("/admin/api/v1/service-points/%d", p.ID)
	expect(t, e.do("PATCH", path, admin, park), 200, "")
	expect(t, e.do("PATCH", path, admin, park), 409, "STALE_VERSION")
	expect(t, e.do("DELETE", path, admin, nil), 204, "")
	r = e.do("GET", "/api/v1/service-points", "", nil)
	r.json(t, &list)
	if len(list.Items) != 1 {
		t.Fatalf("after removing: %s", r.Body)
	}
}

// A department attaches the policy's PDF; people open it from the policy page through its
// signed URL; a picture is refused, a removed document is gone; both changes are audited.
func TestPolicyDocuments_attachedByStaffOpenedByPeople(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.staffToken("admin", adminPasswd)
	r := e.do("POST", "/admin/api/v1/policy-library", admin, subsidyPolicy())
	var p policyAnswer
	r.json(t, &p)
	expect(t, e.do("POST", fmt.Sprintf("/admin/api/v1/policy-library/%d/publish", p.ID), admin, map[string]any{"version": p.Version}), 200, "")
	path := fmt.Sprintf("/admin/api/v1/policy-library/%d/documents", p.ID)
	pdf := []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
	post := func(token, name string, body []byte) response {
		ctype, b := multipartBody(t, formPart{field: "file", filename: name, body: body})
		return e.send("POST", path, token, ctype, bytes.NewReader(b), int64(len(b)))
	}
	r = post(admin, "咸安区返乡创业补贴实施办法.pdf", pdf)
	expect(t, r, 201, "")
	var doc uploadAnswer
	r.json(t, &doc)
	if doc.Kind != "policy_document" || doc.Name != "咸安区返乡创业补贴实施办法.pdf" {
		t.Fatalf("document: %s", r.Body)
	}
	expect(t, post(admin, "photo.png", []byte("\x89PNG\r\n\x1a\n0000000000000000")), 415, "UNSUPPORTED_MEDIA_TYPE")
	user := e.signIn("o_doc_reader").Token
	expect(t, post(user, "x.pdf", pdf), 401, "")

	var read struct {
		Documents []uploadAnswer `json:"documents"`
	}
	e.do("GET", fmt.Sprintf("/api/v1/policy-library/%d", p.ID), user, nil).json(t, &read)
	if len(read.Documents) != 1 || read.Documents[0].URL == "" {
		t.Fatalf("documents people see: %+v", read.Documents)
	}
	file := e.do("GET", read.Documents[0].URL, "", nil)
	if file.Status != 200 || !bytes.Equal(file.Body, pdf) {
		t.Fatalf("opening the document: %d %q", file.Status, file.Body)
	}
	expect(t, e.do("DELETE", path+"/"+doc.ID, user, nil), 401, "")
	expect(t, e.do("DELETE", path+"/"+doc.ID, admin, nil), 204, "")
	expect(t, e.do("DELETE", path+"/"+doc.ID, admin, nil), 404, "NOT_FOUND")
	e.do("GET", fmt.Sprintf("/api/v1/policy-library/%d", p.ID), user, nil).json(t, &read)
	if len(read.Documents) != 0 {
		t.Fatalf("removed document still listed: %+v", read.Documents)
	}
	var audited int
	e.db.Get(&audited, `SELECT COUNT(*) FROM audit_log WHERE action IN ('policy.document_add', 'policy.document_remove') AND target_id = ?`, fmt.Sprint(p.ID))
	if audited != 2 {
		t.Fatalf("audited %d changes", audited)
	}
}
