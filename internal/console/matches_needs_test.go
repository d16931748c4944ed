package console_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestAlumniNeeds_refusedFormKeepsTyped: a need the service refuses comes back as the list page
// with the form as typed and the message beside the field it names, not as an error page; a
// township clerk's need is their township's.
func TestAlumniNeeds_refusedFormKeepsTyped(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.as(dept)
	bad := c.postForm("/console/alumni-needs", url.Values{"enterprise": {"咸安竹业有限公司"}, "kind": {"channel"}, "title": {"竹"},
		"industry": {"竹木加工"}, "description": {"想把竹制品卖到长三角"}, "township_code": {"990102"}})
	if bad.Status != http.StatusUnprocessableEntity {
		t.Fatalf("refused need: %d %s", bad.Status, bad.Body)
	}
	bad.mustShow(t, "发布企业需求", `value="咸安竹业有限公司"`, `value="竹"`, `value="竹木加工"`, "想把竹制品卖到长三角",
		`<option value="channel" selected>`, `<option value="990102" selected>`,
		`<p class="field-error" id="nd-error" role="alert">请填写需求标题（2-100 字）</p>`)
	// the message sits beside the title field, which is marked
	title := strings.Index(bad.Body, `id="nd-title"`)
	msg := strings.Index(bad.Body, "请填写需求标题")
	industry := strings.Index(bad.Body, `id="nd-industry"`)
	if title < 0 || msg < title || msg > industry {
		t.Fatalf("the message is not beside the title: title %d, message %d, industry %d", title, msg, industry)
	}
	if !strings.Contains(bad.Body[title:msg], `aria-invalid="true"`) {
		t.Fatal("the title field is not marked invalid")
	}

	// a township clerk posts for their township; the district sees the township's name
	town := e.as(townA)
	page := town.follow(town.postForm("/console/alumni-needs", url.Values{"enterprise": {"官埠桥茶厂"}, "kind": {"channel"},
		"title": {"拓展线上渠道"}, "township_code": {"990102"}}))
	page.mustShow(t, "已发布“官埠桥茶厂”的需求")
	list := c.get("/console/alumni-needs")
	list.mustShow(t, "官埠桥茶厂", "官埠桥镇")
	if other := e.as(townB).get("/console/alumni-needs"); other.Status != http.StatusOK || strings.Contains(other.Body, "官埠桥茶厂") {
		t.Fatalf("another township sees the need: %d", other.Status)
	}
}
