package console

import (
	"io/fs"
	"regexp"
	"testing"
)

// The console's Content-Security-Policy allows scripts from 'self' only: an inline event
// handler (onchange="...") is blocked in the browser and the control silently does nothing.
func TestTemplates_noInlineEventHandlers(t *testing.T) {
	inline := regexp.MustCompile(`\son[a-z]+\s*=\s*"`)
	err := fs.WalkDir(templateFS, "templates", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(templateFS, path)
		if err != nil {
			return err
		}
		if m := inline.Find(b); m != nil {
			t.Errorf("%s has an inline event handler (%s): the CSP blocks it; use htmx attributes or static/*.js", path, m)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
