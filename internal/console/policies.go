package console

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"huixiang/internal/actor"
	"huixiang/internal/application"
	"huixiang/internal/policy"
	"huixiang/internal/sqldb"
	"huixiang/internal/upload"
)

// The policy library pages mirror the JSON API's staff routes (internal/httpapi/policy.go):
// district administrators and department staff write, publish and archive policies.
func (cs *Console) registerPolicies(g *gin.RouterGroup) {
	may := actor.Actor.MayManagePolicies
	cs.handle(g, page{Path: "/policies", Title: "政策清单", Menu: "政策", May: may}, cs.policiesList)
	cs.handle(g, page{Path: "/policies/new", Title: "新建政策", May: may}, cs.policyNew)
	cs.handle(g, page{Method: http.MethodPost, Path: "/policies", Title: "新建政策", May: may}, cs.policyCreate)
	cs.handle(g, page{Path: "/policies/:id", Title: "编辑政策", May: may}, cs.policyPage)
	cs.handle(g, page{Method: http.MethodPost, Path: "/policies/:id", Title: "编辑政策", May: may}, cs.policyUpdate)
	cs.handle(g, page{Method: http.MethodPost, Path: "/policies/:id/publish", Title: "发布政策", May: may}, cs.policyPublish)
	cs.handle(g, page{Method: http.MethodPost, Path: "/policies/:id/archive", Title: "下架政策", May: may}, cs.policyArchive)
	cs.handle(g, page{Method: http.MethodPost, Path: "/policies/:id/documents", Title: "上传政策文件", May: may}, cs.policyDocumentAdd)
	cs.handle(g, page{Method: http.MethodPost, Path: "/policies/:id/documents/:doc/remove", Title: "删除政策文件", May: may}, cs.policyDocumentRemove)
	cs.handle(g, page{Method: http.MethodPost, Path: "/audiences/preview", Title: "检查人数", May: may}, cs.audiencePreviewPage)
}

// policyTargets are the groups a policy can be for, as staff call them.
var policyTargets = []category{{"returnee", "返乡人员"}, {"alumnus", "校友"}, {"merchant", "商户"}, {"enterprise", "企业"}}

// policyStatuses are the list's filters: the three states and "published with unpublished edits".
var policyStatuses = []category{{policy.StatusDraft, "草稿"}, {policy.StatusPublished, "已发布"},
	{policy.StatusArchived, "已下架"}, {"changed", "有未发布的修改"}}

func policyStatusName(s string) string {
	for _, c := range policyStatuses {
		if c.Code == s {
			return c.Name
		}
	}
	return s
}

type policyRow struct {
	policy.StaffItem
	CategoryName, StatusName string
}

type policiesData struct {
	Items      []policyRow
	Page       sqldb.Page[policy.StaffItem]
	Status     string
	Category   string
	Statuses   []category
	Categories []policy.Category
}

func (cs *Console) policiesList(r *request) error {
	cats, err := cs.d.Policies.Categories(r.Ctx())
	if err != nil {
		return err
	}
	d := policiesData{Status: r.Query("status"), Category: r.Query("category"), Statuses: policyStatuses, Categories: cats}
	f := policy.StaffFilter{Status: d.Status, Category: d.Category}
	if d.Status == "changed" {
		f = policy.StaffFilter{Status: policy.StatusPublished, Category: d.Category, Changed: true}
	}
	if d.Page, err = cs.d.Policies.List(r.Ctx(), f, r.PageRequest()); err != nil {
		return err
	}
	names := map[string]string{}
	for _, c := range cats {
		names[c.Code] = c.Name
	}
	for _, it := range d.Page.Items {
		d.Items = append(d.Items, policyRow{StaffItem: it, CategoryName: names[it.Category], StatusName: policyStatusName(it.Status)})
	}
	return r.OK("policies/list", "policy-results", "政策清单", d)
}

// policyForm is what the new and edit pages show: the working copy as form text.
type policyForm struct {
	P                                 *policy.Policy // nil for a new policy
	Content                           policy.Content
	Targets                           map[string]bool
	Rule, Materials, Steps, Effective string
	Expires, Application              string
	TargetOptions                     []category
	Categories                        []policy.Category
	Applications                      []application.Policy
	Versions                          []policy.Version
	CategoryNames                     map[string]string
	// Documents are the policy's PDFs (an existing policy only); MaxMB the size limit.
	Documents []upload.Upload
	MaxMB     int64
}

func (cs *Console) policyForm(r *request, p *policy.Policy, c policy.Content) (policyForm, error) {
	f := policyForm{P: p, Content: c, Targets: map[string]bool{}, TargetOptions: policyTargets, CategoryNames: map[string]string{},
		Materials: strings.Join(c.Materials, "\n"), Steps: strings.Join(c.Steps, "\n"), MaxMB: cs.d.Uploads.MaxBytes() >> 20}
	if p != nil {
		docs, err := cs.d.Policies.Documents(r.Ctx(), p.ID, cs.d.Uploads)
		if err != nil {
			return f, err
		}
		f.Documents = docs
	}
	for _, t := range c.Targets {
		f.Targets[t] = true
	}
	if len(c.Rule) > 0 {
		f.Rule = string(c.Rule)
	}
	if c.EffectiveOn != nil {
		f.Effective = c.EffectiveOn.Format(time.DateOnly)
	}
	if c.ExpiresOn != nil {
		f.Expires = c.ExpiresOn.Format(time.DateOnly)
	}
	if c.ApplicationCode != nil {
		f.Application = *c.ApplicationCode
	}
	var err error
	if f.Categories, err = cs.d.Policies.Categories(r.Ctx()); err != nil {
		return f, err
	}
	for _, c := range f.Categories {
		f.CategoryNames[c.Code] = c.Name
	}
	pl, err := cs.d.Applications.Policies(r.Ctx(), 0)
	if err != nil {
		return f, err
	}
	for _, it := range pl.Items {
		f.Applications = append(f.Applications, it.Policy)
	}
	if p != nil && p.PublishedVersion != nil {
		if f.Versions, err = cs.d.Policies.Versions(r.Ctx(), p.ID); err != nil {
			return f, err
		}
	}
	return f, nil
}

func (cs *Console) policyNew(r *request) error {
	c := policy.Content{Targets: []string{"returnee"}}
	if r.Actor().Role == actor.Department {
		c.Issuer, c.ContactDept = r.Actor().Department, r.Actor().Department
	}
	f, err := cs.policyForm(r, nil, c)
	if err != nil {
		return err
	}
	return r.OK("policies/form", "", "新建政策", f)
}

func (cs *Console) policyPage(r *request) error {
	id, err := r.ID("id")
	if err != nil {
		return err
	}
	p, err := cs.d.Policies.Get(r.Ctx(), id)
	if err != nil {
		return err
	}
	f, err := cs.policyForm(r, p, p.Content)
	if err != nil {
		return err
	}
	return r.OK("policies/form", "", p.Title, f)
}

// lines splits a textarea into its non-empty lines.
func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(strings.ReplaceAll(s, "\r", ""), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// formDate reads a yyyy-mm-dd field; "" is no date.
func formDate(r *request, name, label string) (*policy.Date, error) {
	s := r.Form(name)
	if s == "" {
		return nil, nil
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return nil, badInput(label + "请填写日期，例如 2026-01-01")
	}
	return &policy.Date{Time: t}, nil
}

// policyInput reads the form into the content the service checks.
func policyInput(r *request) (policy.Content, error) {
	c := policy.Content{Title: r.Form("title"), DocNo: r.Form("doc_no"), Issuer: r.Form("issuer"), Category: r.Form("category"),
		Targets: r.c.PostFormArray("targets"), Summary: r.Form("summary"), BodyHTML: r.Form("body_html"),
		ConditionsText: r.Form("conditions_text"), Benefits: r.Form("benefits"),
		Materials: lines(r.c.PostForm("materials")), Steps: lines(r.c.PostForm("steps")),
		ContactDept: r.Form("contact_dept"), ContactPhone: r.Form("contact_phone"), SourceURL: r.Form("source_url")}
	if code := r.Form("application_code"); code != "" {
		c.ApplicationCode = &code
	}
	var err error
	if c.Rule, _, err = ruleOf(r.c.PostForm("rule")); err != nil {
		return c, err
	}
	if c.EffectiveOn, err = formDate(r, "effective_on", "生效日期"); err != nil {
		return c, err
	}
	if c.ExpiresOn, err = formDate(r, "expires_on", "失效日期"); err != nil {
		return c, err
	}
	return c, nil
}

func (cs *Console) policyCreate(r *request) error {
	c, err := policyInput(r)
	if err != nil {
		return err
	}
	p, err := cs.d.Policies.Create(r.Ctx(), r.Actor().ID, c)
	if err != nil {
		return err
	}
	return r.Redirect(fmt.Sprintf("/policies/%d", p.ID), fmt.Sprintf("已保存草稿“%s”，检查无误后点“发布”", p.Title))
}

// formVersion is the version the form was read at (a hidden field).
func formVersion(r *request) (int, error) {
	v, err := strconv.Atoi(r.Form("version"))
	if err != nil {
		return 0, badInput("页面缺少版本号，请刷新后再操作")
	}
	return v, nil
}

func (cs *Console) policyUpdate(r *request) error {
	id, err := r.ID("id")
	if err != nil {
		return err
	}
	v, err := formVersion(r)
	if err != nil {
		return err
	}
	c, err := policyInput(r)
	if err != nil {
		return err
	}
	p, err := cs.d.Policies.Update(r.Ctx(), r.Actor().ID, id, v, c)
	if err != nil {
		return err
	}
	msg := "已保存"
	if p.Unpublished {
		msg = "已保存；小程序里仍是已发布的版本，点“发布”后生效"
	}
	return r.Redirect(fmt.Sprintf("/policies/%d", p.ID), msg)
}

func (cs *Console) policyPublish(r *request) error {
	id, err := r.ID("id")
	if err != nil {
		return err
	}
	v, err := formVersion(r)
	if err != nil {
		return err
	}
	p, err := cs.d.Policies.Publish(r.Ctx(), r.Actor().ID, id, v)
	if err != nil {
		return err
	}
	msg := fmt.Sprintf("已发布第 %d 版，小程序里可以看到了", *p.PublishedVersion)
	if *p.PublishedVersion == 1 && len(p.Rule) > 0 {
		msg += "；已生成一条推送给符合条件人员的通知草稿，区级管理员审核后发送"
	}
	return r.Redirect(fmt.Sprintf("/policies/%d", p.ID), msg)
}

func (cs *Console) policyArchive(r *request) error {
	id, err := r.ID("id")
	if err != nil {
		return err
	}
	p, err := cs.d.Policies.Archive(r.Ctx(), id)
	if err != nil {
		return err
	}
	return r.Redirect(fmt.Sprintf("/policies/%d", p.ID), "已下架，小程序里不再显示；再次发布可恢复")
}

// policyDocumentAdd stores an uploaded PDF as a document of the policy (audited).
func (cs *Console) policyDocumentAdd(r *request) error {
	id, err := r.ID("id")
	if err != nil {
		return err
	}
	r.c.Request.Body = http.MaxBytesReader(r.c.Writer, r.c.Request.Body, cs.d.Uploads.MaxBytes()+64<<10)
	mr, err := r.c.Request.MultipartReader()
	if err != nil {
		return badInput("请选择要上传的 PDF 文件")
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return badInput("请选择要上传的 PDF 文件")
		}
		var maxBytes *http.MaxBytesError
		if errors.As(err, &maxBytes) {
			return &consoleError{Status: http.StatusRequestEntityTooLarge, Message: fmt.Sprintf("文件不能超过 %d MB", cs.d.Uploads.MaxBytes()>>20)}
		}
		if err != nil {
			return badInput("文件没有传完整，请重新上传")
		}
		if part.FormName() != "file" {
			continue
		}
		if part.FileName() == "" {
			return badInput("请选择要上传的 PDF 文件")
		}
		rec, err := cs.d.Uploads.Receive(r.Ctx(), part.FileName(), part)
		if err != nil {
			return err
		}
		u, err := cs.d.Policies.AddDocument(r.Ctx(), r.Actor(), id, cs.d.Uploads, rec)
		if err != nil {
			return err
		}
		return r.Redirect(fmt.Sprintf("/policies/%d#documents", id), "已上传“"+u.Name+"”，小程序的政策页会显示它")
	}
}

// policyDocumentRemove removes a document of the policy (audited).
func (cs *Console) policyDocumentRemove(r *request) error {
	id, err := r.ID("id")
	if err != nil {
		return err
	}
	if err := cs.d.Policies.RemoveDocument(r.Ctx(), r.Actor(), id, r.c.Param("doc"), cs.d.Uploads); err != nil {
		return err
	}
	return r.Redirect(fmt.Sprintf("/policies/%d#documents", id), "文件已删除")
}
