package console

import (
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"huixiang/internal/actor"
	"huixiang/internal/cn"
)

//go:embed templates
var templateFS embed.FS

// templates are parsed once at start: each page file (templates/<name>.html, or a subfolder)
// with the layout and the partials (templates/partials/*.html). A page file defines "content"
// (and any fragments htmx asks for by name); the layout defines "layout" (with the menu) and
// "bare" (sign-in).
type templates struct {
	pages map[string]*template.Template
}

func parseTemplates(funcs template.FuncMap) (*templates, error) {
	base := template.New("").Funcs(funcs)
	var pageFiles []string
	err := fs.WalkDir(templateFS, "templates", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".html") {
			return err
		}
		if p == "templates/layout.html" || strings.HasPrefix(p, "templates/partials/") {
			body, err := templateFS.ReadFile(p)
			if err != nil {
				return err
			}
			if _, err := base.New(p).Parse(string(body)); err != nil {
				return fmt.Errorf("console: %s: %w", p, err)
			}
			return nil
		}
		pageFiles = append(pageFiles, p)
		return nil
	})
	if err != nil {
		return nil, err
	}
	t := &templates{pages: map[string]*template.Template{}}
	for _, p := range pageFiles {
		body, err := templateFS.ReadFile(p)
		if err != nil {
			return nil, err
		}
		clone, err := base.Clone()
		if err != nil {
			return nil, err
		}
		if _, err := clone.New(p).Parse(string(body)); err != nil {
			return nil, fmt.Errorf("console: %s: %w", p, err)
		}
		name := strings.TrimSuffix(strings.TrimPrefix(p, "templates/"), path.Ext(p))
		t.pages[name] = clone
	}
	return t, nil
}

func (t *templates) execute(w io.Writer, page, name string, data any) error {
	tpl, ok := t.pages[page]
	if !ok {
		return fmt.Errorf("console: no template %q", page)
	}
	return tpl.ExecuteTemplate(w, name, data)
}

// roleNames are the roles as staff call them.
var roleNames = map[actor.Role]string{
	actor.DistrictAdmin: "区级管理员",
	actor.Department:    "区直部门",
	actor.Township:      "镇（街道）",
}

func templateFuncs(as *assets) template.FuncMap {
	return template.FuncMap{
		"static": as.url,
		// yuan shows integer fen as yuan: 1234567 → "12,345.67".
		"yuan":     func(fen int64) string { return cn.Yuan(fen) },
		"datetime": func(t any) string { return showTime(t, "2006-01-02 15:04") },
		"date":     func(t any) string { return showTime(t, "2006-01-02") },
		// hours shows minutes as hours: 90 → "1.5".
		"hours":    hoursValue,
		"roleName": func(r actor.Role) string { return roleNames[r] },
		"roles":    func() []actor.Role { return actor.Roles },
		// query is the current query with some parameters replaced ("" removes one): links that
		// keep the filters while changing the page or the sort.
		"query": withQuery,
		"add":   func(a, b int) int { return a + b },
		"kib":   fileSize,
		"dict":  dict,
		// json is v as JSON, for data-* attributes that console.js reads (charts).
		"json": func(v any) (string, error) {
			b, err := json.Marshal(v)
			return string(b), err
		},
		"pager": newPager,
		"percent": func(n, of int) string {
			if of == 0 {
				return "—"
			}
			return strconv.FormatFloat(float64(n)*100/float64(of), 'f', 1, 64) + "%"
		},
	}
}

// showTime formats a time.Time or *time.Time in Asia/Shanghai; zero or nil is "—".
func showTime(v any, layout string) string {
	var t time.Time
	switch x := v.(type) {
	case time.Time:
		t = x
	case *time.Time:
		if x != nil {
			t = *x
		}
	}
	if t.IsZero() {
		return "—"
	}
	return t.In(cn.Zone).Format(layout)
}

func withQuery(q url.Values, kv ...string) string {
	out := url.Values{}
	for k, v := range q {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			out.Del(kv[i])
		} else {
			out.Set(kv[i], kv[i+1])
		}
	}
	if len(out) == 0 {
		return "?"
	}
	return "?" + out.Encode()
}

func dict(kv ...any) (map[string]any, error) {
	if len(kv)%2 != 0 {
		return nil, fmt.Errorf("dict: odd number of arguments")
	}
	m := make(map[string]any, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		k, ok := kv[i].(string)
		if !ok {
			return nil, fmt.Errorf("dict: key %v is not a string", kv[i])
		}
		m[k] = kv[i+1]
	}
	return m, nil
}

// pager is what partials/pager.html shows under a list.
type pager struct {
	Total, Page, PageSize, Pages int
	First, Last                  int // the rows shown, 1-based
	Query                        url.Values
}

func newPager(q url.Values, total, page, pageSize int) pager {
	p := pager{Total: total, Page: max(page, 1), PageSize: max(pageSize, 1), Query: q}
	p.Pages = (total + p.PageSize - 1) / p.PageSize
	if total > 0 {
		p.First = (p.Page-1)*p.PageSize + 1
		p.Last = min(p.Page*p.PageSize, total)
	}
	return p
}

// Prev and Next are the neighbouring page numbers (0 when there is none).
func (p pager) Prev() int {
	if p.Page > 1 {
		return p.Page - 1
	}
	return 0
}

// Next is the following page number (0 when this is the last).
func (p pager) Next() int {
	if p.Page < p.Pages {
		return p.Page + 1
	}
	return 0
}

// fileSize is a file's size as people read it: "320 KB", "1.2 MB".
func fileSize(n int64) string {
	if n < 1<<20 {
		return fmt.Sprintf("%d KB", max(1, (n+512)>>10))
	}
	return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
}
